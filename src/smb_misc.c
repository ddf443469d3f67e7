/* Small commands without a family of their own: SMB_COM_ECHO (MS-CIFS
 * 2.2.4.39), used as a keepalive that also proves the server is alive.
 */
#include "smb.h"

#include <errno.h>

int smb_echo_encode(struct wr *w, uint16_t count, const void *data, uint16_t len)
{
	if (len && !data)
		return -EINVAL;

	/* 2.2.4.39.1: EchoCount is how many replies the server sends back; each
	 * carries Data unchanged. */
	size_t wct = smb_words_begin(w);
	wr_le16(w, count);
	smb_words_end(w, wct);
	size_t bcc = smb_bytes_begin(w);
	wr_bytes(w, data, len);
	smb_bytes_end(w, bcc);
	return w->overflow ? -EMSGSIZE : 0;
}
