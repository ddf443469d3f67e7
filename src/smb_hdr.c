/* SMB1 header (MS-CIFS 2.2.3.1) and the WordCount / ByteCount framing of
 * every message (2.2.3.2, 2.2.3.3).
 *
 * smb_msg_parse is the one gate for messages from the peer: once it returns
 * 0, the header is decoded and words[0 .. 2*wct) and bytes[0 .. bcc) lie
 * inside base[0 .. len).  Command decoders read only through the cursors
 * from smb_msg_words / smb_msg_bytes, which stop at those ends.
 */
#include "smb.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

/* Offsets in the header (MS-CIFS 2.2.3.1). */
#define OFF_WCT SMB_HDR_LEN
#define OFF_WORDS (SMB_HDR_LEN + 1)

void smb_hdr_encode(struct wr *w, const struct smb_hdr *h)
{
	/* Alignment of Unicode strings is relative to the header, so the header
	 * is by definition where the origin is. */
	w->origin = w->pos;
	wr_bytes(w, SMB_MAGIC, 4);
	wr_u8(w, h->command);
	wr_le32(w, h->status);
	wr_u8(w, h->flags);
	wr_le16(w, h->flags2);
	wr_le16(w, h->pid_high);
	wr_bytes(w, h->signature, sizeof(h->signature));
	wr_le16(w, 0); /* Reserved */
	wr_le16(w, h->tid);
	wr_le16(w, h->pid);
	wr_le16(w, h->uid);
	wr_le16(w, h->mid);
}

int smb_msg_parse(const uint8_t *buf, size_t len, struct smb_msg *m)
{
	struct rd r;
	uint8_t magic[4];

	memset(m, 0, sizeof(*m));
	rd_init(&r, buf, len);
	rd_bytes(&r, magic, sizeof(magic));
	if (r.overflow)
		return -EPROTO;
	/* A server that only speaks SMB2/3 answers our SMB1 negotiate with an
	 * SMB2 header; say so rather than "bad message". */
	if (memcmp(magic, SMB2_MAGIC, 4) == 0)
		return -EPROTONOSUPPORT;
	if (memcmp(magic, SMB_MAGIC, 4) != 0)
		return -EPROTO;

	m->hdr.command = rd_u8(&r);
	m->hdr.status = rd_le32(&r);
	m->hdr.flags = rd_u8(&r);
	m->hdr.flags2 = rd_le16(&r);
	m->hdr.pid_high = rd_le16(&r);
	rd_bytes(&r, m->hdr.signature, sizeof(m->hdr.signature));
	rd_skip(&r, 2); /* Reserved */
	m->hdr.tid = rd_le16(&r);
	m->hdr.pid = rd_le16(&r);
	m->hdr.uid = rd_le16(&r);
	m->hdr.mid = rd_le16(&r);

	/* An error reply that ends with the header, without even WordCount and
	 * ByteCount: Impacket's smbserver answers commands it does not
	 * implement (FIND_CLOSE2...) so.  Read it as wct 0, bcc 0: the status
	 * is all there is to say. */
	if (len == SMB_HDR_LEN && m->hdr.status != 0 && !r.overflow) {
		m->bytes_off = r.pos;
		m->base = buf;
		m->len = len;
		return 0;
	}
	/* 2.2.3.2 / 2.2.3.3: WordCount, the words, then ByteCount and the bytes
	 * must all lie inside the message.  Trailing data after the bytes is
	 * allowed (AndX chains, READ_ANDX data beyond a 16-bit ByteCount). */
	m->wct = rd_u8(&r);
	m->words = rd_ptr(&r, 2 * (size_t)m->wct);
	m->bcc = rd_le16(&r);
	if (r.overflow)
		goto bad;
	m->bytes_off = r.pos;
	m->bytes = rd_ptr(&r, m->bcc);
	if (r.overflow)
		goto bad;
	m->base = buf;
	m->len = len;
	return 0;

bad:
	memset(m, 0, sizeof(*m));
	return -EPROTO;
}

void smb_msg_words(const struct smb_msg *m, struct rd *r)
{
	/* Positions stay relative to base (origin 0 = the header), the end is
	 * the last word: a decoder cannot wander into ByteCount.  A chained
	 * command's words lie further in (smb_andx_next). */
	size_t off = m->words ? (size_t)(m->words - m->base) : OFF_WORDS;
	rd_init(r, m->base, off + 2 * (size_t)m->wct);
	rd_seek(r, off);
}

int smb_andx_next(const struct smb_msg *m, struct smb_msg *next)
{
	/* MS-CIFS 2.2.3.4: an AndX command's words begin with AndXCommand,
	 * AndXReserved and AndXOffset (from the header to the next
	 * command's WordCount). */
	if (m->wct < 2 || !m->words)
		return m->wct == 0 ? 0 : -EPROTO;
	uint8_t cmd = m->words[0];
	size_t off = (size_t)m->words[2] | (size_t)m->words[3] << 8;
	if (cmd == SMB_COM_NO_ANDX_COMMAND)
		return 0;
	/* The next command lies after this one's bytes, so a walk only moves
	 * forward and ends; WordCount, the words, ByteCount and the bytes
	 * must all lie inside the message (as for the first, 2.2.3.2). */
	if (off < m->bytes_off + m->bcc || off >= m->len)
		return -EPROTO;
	struct rd r;
	rd_init(&r, m->base, m->len);
	rd_seek(&r, off);
	*next = *m;
	next->hdr.command = cmd;
	next->wct = rd_u8(&r);
	next->words = rd_ptr(&r, 2 * (size_t)next->wct);
	next->bcc = rd_le16(&r);
	if (r.overflow)
		return -EPROTO;
	next->bytes_off = r.pos;
	next->bytes = rd_ptr(&r, next->bcc);
	if (r.overflow)
		return -EPROTO;
	return 1;
}

void smb_msg_bytes(const struct smb_msg *m, struct rd *r)
{
	rd_init(r, m->base, m->bytes_off + m->bcc);
	rd_seek(r, m->bytes_off);
}

size_t smb_words_begin(struct wr *w)
{
	size_t off = w->pos;

	wr_u8(w, 0);
	return off;
}

void smb_words_end(struct wr *w, size_t wct_off)
{
	if (w->overflow)
		return;
	size_t n = w->pos - wct_off - 1;
	/* Words are 16-bit and WordCount is one byte: anything else is a bug in
	 * the encoder; fail the message rather than send a corrupt one. */
	if ((n & 1) || n / 2 > 0xFF) {
		w->overflow = true;
		return;
	}
	w->data[wct_off] = (uint8_t)(n / 2);
}

size_t smb_bytes_begin(struct wr *w)
{
	size_t off = w->pos;

	wr_le16(w, 0);
	return off;
}

void smb_bytes_end(struct wr *w, size_t bcc_off)
{
	if (w->overflow)
		return;
	size_t n = w->pos - bcc_off - 2;
	/* Only WRITE_ANDX with CAP_LARGE_WRITEX carries more than 0xFFFF bytes;
	 * servers take the length from DataLength/DataLengthHigh and ignore
	 * ByteCount then, so the low 16 bits are what is sent (as Windows
	 * does). */
	wr_le16_at(w, bcc_off, (uint16_t)n);
}

void smb_andx_none(struct wr *w)
{
	/* MS-CIFS 2.2.3.4: AndXCommand 0xFF, AndXReserved 0, AndXOffset 0. */
	wr_u8(w, SMB_COM_NO_ANDX_COMMAND);
	wr_u8(w, 0);
	wr_le16(w, 0);
}

int smb_put_string(struct wr *w, const char *s, bool unicode)
{
	if (!s)
		s = "";
	if (unicode) {
		/* Validate first so that bad input is -EINVAL, not a misleading
		 * -EMSGSIZE from the cursor. */
		if (!g_utf8_validate(s, -1, NULL))
			return -EINVAL;
		wr_utf16(w, s, true);
	} else {
		wr_asciiz(w, s);
	}
	return w->overflow ? -EMSGSIZE : 0;
}
