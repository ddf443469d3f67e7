/* NT time (MS-DTYP 2.3.3 FILETIME: 100 ns units since 1601-01-01 UTC) <->
 * struct timespec.  Pure arithmetic, no clock reads.
 *
 * NT time 0 means "not set" (e.g. SET_FILE_BASIC_INFO "don't change"); it
 * decodes to the Unix epoch, and the encoder never produces 0 by accident.
 * FILETIME is a signed 64-bit value on Windows, so encodings are clamped to
 * [1, INT64_MAX].
 */
#include "smb.h"

#include <stdint.h>
#include <sys/stat.h>

#define NT_PER_SEC 10000000ULL
/* Seconds from 1601-01-01 to 1970-01-01. */
#define NT_EPOCH_DELTA 11644473600LL

static int64_t time_t_max(void)
{
	return sizeof(time_t) >= 8 ? INT64_MAX : INT32_MAX;
}

void smb_nttime_to_timespec(uint64_t nt, struct timespec *ts)
{
	if (nt == 0) {
		ts->tv_sec = 0;
		ts->tv_nsec = 0;
		return;
	}
	/* nt / NT_PER_SEC < 2^61, so the subtraction cannot overflow; only a
	 * 32-bit time_t needs the clamp. */
	int64_t sec = (int64_t)(nt / NT_PER_SEC) - NT_EPOCH_DELTA;
	long nsec = (long)(nt % NT_PER_SEC) * 100;

	if (sec > time_t_max()) {
		sec = time_t_max();
		nsec = 999999999;
	} else if (sec < -time_t_max() - 1) {
		sec = -time_t_max() - 1;
		nsec = 0;
	}
	ts->tv_sec = (time_t)sec;
	ts->tv_nsec = nsec;
}

uint64_t smb_timespec_to_nttime(const struct timespec *ts)
{
	int64_t sec = ts->tv_sec;
	long nsec = ts->tv_nsec;

	/* utimensat's "leave unchanged" is NT time 0 ("not set"). UTIME_NOW
	 * must be resolved by the caller: this file reads no clock. */
	if (nsec == UTIME_OMIT)
		return 0;
	if (nsec < 0)
		nsec = 0;
	else if (nsec > 999999999)
		nsec = 999999999;

	/* Before 1601: the earliest time NT can express that is not "unset". */
	if (sec < -NT_EPOCH_DELTA)
		return 1;
	if (sec > (int64_t)(INT64_MAX / NT_PER_SEC) - NT_EPOCH_DELTA)
		return INT64_MAX;
	uint64_t nt = (uint64_t)(sec + NT_EPOCH_DELTA) * NT_PER_SEC + (uint64_t)nsec / 100;
	if (nt > INT64_MAX)
		return INT64_MAX;
	return nt ? nt : 1;
}
