/* SMB_COM_READ_ANDX (MS-CIFS 2.2.4.42, MS-SMB 2.2.4.2) and SMB_COM_WRITE_ANDX
 * (MS-CIFS 2.2.4.43, MS-SMB 2.2.4.3).
 *
 * Pure codecs (see smb.h).  Both use the 64-bit offset forms and the
 * CAP_LARGE_READX / CAP_LARGE_WRITEX high-count fields; whether counts above
 * 0xFFFF may be sent is the caller's decision (negotiated capabilities).
 *
 * Large transfers do not fit a 16-bit ByteCount: the data of a reply is
 * located by DataOffset/DataLength(High) and bounded by the message length,
 * never by ByteCount.
 */
#include "smb.h"

#include <errno.h>
#include <string.h>

#define READ_ANDX_REQ_WCT 12
#define READ_ANDX_REP_WCT 12
#define WRITE_ANDX_REP_WCT 6

int smb_read_andx_encode(struct wr *w, uint16_t fid, uint64_t offset, uint32_t count)
{
	/* MS-SMB 3.3.5.7: a MaxCountHigh of 0xFFFF is ignored by the server,
	 * so such counts cannot be expressed. */
	if (count >> 16 == 0xFFFF)
		return -EINVAL;

	/* MS-CIFS 2.2.4.42.1, 12-word form with OffsetHigh */
	size_t wct = smb_words_begin(w);
	smb_andx_none(w);
	wr_le16(w, fid);
	wr_le32(w, (uint32_t)offset);
	wr_le16(w, (uint16_t)count); /* MaxCountOfBytesToReturn */
	wr_le16(w, (uint16_t)count); /* MinCountOfBytesToReturn: files ignore it */
	/* Timeout_or_MaxCountHigh (MS-SMB 2.2.4.2.1): for files, MaxCountHigh
	 * then a reserved 16 bits. */
	wr_le16(w, (uint16_t)(count >> 16));
	wr_le16(w, 0);
	wr_le16(w, 0); /* Remaining */
	wr_le32(w, (uint32_t)(offset >> 32));
	smb_words_end(w, wct);
	size_t bcc = smb_bytes_begin(w);
	smb_bytes_end(w, bcc);
	return w->overflow ? -EMSGSIZE : 0;
}

int smb_read_andx_decode(const struct smb_msg *m, struct smb_read_andx_rep *r)
{
	struct rd rd;

	memset(r, 0, sizeof(*r));
	if (m->wct < READ_ANDX_REP_WCT)
		return -EPROTO;
	smb_msg_words(m, &rd);
	rd_skip(&rd, 4); /* AndX */
	r->available = rd_le16(&rd);
	rd_skip(&rd, 2); /* DataCompactionMode */
	rd_skip(&rd, 2); /* Reserved1 */
	uint16_t len_lo = rd_le16(&rd);
	uint16_t data_off = rd_le16(&rd);
	uint16_t len_hi = rd_le16(&rd); /* DataLengthHigh, MS-SMB 2.2.4.2.2 */
	if (rd.overflow)
		return -EPROTO;

	uint32_t len = (uint32_t)len_hi << 16 | len_lo;
	if (len == 0) {
		/* End of file: servers put anything in DataOffset then. */
		r->data = m->bytes;
		return 0;
	}
	/* The data lies after ByteCount (never in the header or words) and
	 * inside the message. */
	if (data_off < m->bytes_off)
		return -EPROTO;
	struct rd d;
	rd_init(&d, m->base, m->len);
	rd_seek(&d, data_off);
	r->data = rd_ptr(&d, len);
	if (!r->data)
		return -EPROTO;
	r->data_len = len;
	return 0;
}

int smb_read_andx_rep_peek(const uint8_t *head, size_t head_len, uint32_t frame_len,
			   uint16_t *mid, uint32_t *data_off, uint32_t *data_len)
{
	struct rd rd;

	if (head_len < SMB_READ_ANDX_REP_HEAD)
		return -EPROTO;
	rd_init(&rd, head, SMB_READ_ANDX_REP_HEAD);
	if (memcmp(rd_ptr(&rd, 4), "\xffSMB", 4) != 0 || rd_u8(&rd) != SMB_COM_READ_ANDX)
		return -EPROTO;
	/* Status 0 reads the same as NT status or DOS class/code. */
	uint32_t status = rd_le32(&rd);
	uint8_t flags = rd_u8(&rd);
	rd_seek(&rd, 30);
	*mid = rd_le16(&rd);
	if (status != 0 || !(flags & SMB_FLAGS_REPLY) || rd_u8(&rd) != READ_ANDX_REP_WCT ||
	    rd_u8(&rd) != SMB_COM_NO_ANDX_COMMAND)
		return -EPROTO;
	/* The words as smb_read_andx_decode reads them. */
	rd_seek(&rd, SMB_HDR_LEN + 1 + 10);
	uint16_t len_lo = rd_le16(&rd);
	uint16_t off = rd_le16(&rd);
	uint16_t len_hi = rd_le16(&rd);
	if (rd.overflow)
		return -EPROTO;
	uint32_t len = (uint32_t)len_hi << 16 | len_lo;
	if (len == 0 || off < SMB_READ_ANDX_REP_HEAD || off > frame_len || len > frame_len - off)
		return -EPROTO;
	*data_off = off;
	*data_len = len;
	return 0;
}

int smb_write_andx_encode_head(struct wr *w, uint16_t fid, uint64_t offset, uint16_t write_mode,
			       uint32_t len)
{
	/* MS-CIFS 2.2.4.43.1, 14-word form; DataLengthHigh is MS-SMB 2.2.4.3.1 */
	size_t wct = smb_words_begin(w);
	smb_andx_none(w);
	wr_le16(w, fid);
	wr_le32(w, (uint32_t)offset);
	wr_le32(w, 0); /* Timeout */
	wr_le16(w, write_mode);
	wr_le16(w, 0); /* Remaining */
	wr_le16(w, (uint16_t)(len >> 16));
	wr_le16(w, (uint16_t)len);
	size_t data_off_at = w->pos;
	wr_le16(w, 0); /* DataOffset, patched below */
	wr_le32(w, (uint32_t)(offset >> 32));
	smb_words_end(w, wct);

	size_t bcc = smb_bytes_begin(w);
	wr_u8(w, 0); /* Pad: the data then starts at 64, 4-byte aligned */
	size_t data_off = w->pos - w->origin;
	if (w->overflow || data_off > 0xFFFF)
		return -EMSGSIZE;
	wr_le16_at(w, data_off_at, (uint16_t)data_off);
	/* The pad and the data that follows.  For a write above 0xFFFF bytes
	 * ByteCount carries only the low 16 bits; Samba and Windows take the
	 * length from DataLength(High) and check it against the message
	 * length. */
	wr_le16_at(w, bcc, (uint16_t)(1 + len));
	return w->overflow ? -EMSGSIZE : 0;
}

int smb_write_andx_encode(struct wr *w, uint16_t fid, uint64_t offset, uint16_t write_mode,
			  const void *data, uint32_t len)
{
	if (len && !data)
		return -EINVAL;
	int err = smb_write_andx_encode_head(w, fid, offset, write_mode, len);
	if (err)
		return err;
	wr_bytes(w, data, len);
	return w->overflow ? -EMSGSIZE : 0;
}

int smb_write_andx_decode(const struct smb_msg *m, uint32_t *count)
{
	struct rd rd;

	*count = 0;
	/* MS-SMB 2.2.4.3.2: Count, Available, CountHigh, Reserved */
	if (m->wct < WRITE_ANDX_REP_WCT)
		return -EPROTO;
	smb_msg_words(m, &rd);
	rd_skip(&rd, 4); /* AndX */
	uint16_t lo = rd_le16(&rd);
	rd_skip(&rd, 2); /* Available */
	uint16_t hi = rd_le16(&rd);
	if (rd.overflow)
		return -EPROTO;
	*count = (uint32_t)hi << 16 | lo;
	return 0;
}
