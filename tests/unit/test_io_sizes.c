/* The read/write sizes a session learns from short or refused answers
 * (session_io_learn, session_io_size). */
#include "check.h"
#include "session.h"

int main(void)
{
	uint32_t limit = 0;

	/* Nothing learned: the negotiated size. */
	CHECK_INT(session_io_size(&limit, 1048576), 1048576);

	/* Samba, large readwrite = no: 65,475 of 1 MiB -> whole KiB below. */
	session_io_learn(&limit, 65475, 16584, "read");
	CHECK_INT(limit, 64512);
	CHECK_INT(session_io_size(&limit, 1048576), 64512);
	CHECK_INT(session_io_size(&limit, 4096), 4096); /* rsize= below it wins */

	/* A larger answer later never raises the limit again. */
	session_io_learn(&limit, 65535, 16584, "read");
	CHECK_INT(limit, 64512);
	session_io_learn(&limit, 40000, 16584, "read");
	CHECK_INT(limit, 39936);

	/* Never below what MS-CIFS guarantees (the buffer less the header). */
	session_io_learn(&limit, 5001, 16584, "read");
	CHECK_INT(limit, 16584);
	session_io_learn(&limit, 100, 16584, "read");
	CHECK_INT(limit, 16584);

	/* A refusal (got 0) goes straight to the guaranteed size. */
	limit = 0;
	session_io_learn(&limit, 0, 960, "write");
	CHECK_INT(limit, 960);

	/* Under 2 KiB the answer is kept as it is. */
	limit = 0;
	session_io_learn(&limit, 1500, 960, "read");
	CHECK_INT(limit, 1500);

	CHECK_DONE();
}
