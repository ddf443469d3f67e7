/* SMB_COM_NEGOTIATE (MS-CIFS 2.2.4.52, MS-SMB 2.2.4.5): we offer exactly one
 * dialect, "NT LM 0.12", so a reply's DialectIndex is 0 or 0xFFFF.
 */
#include "smb.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#define DIALECT_NT_LM "NT LM 0.12"
#define BUFFER_FORMAT_DIALECT 0x02
#define NT_LM_WCT 17
#define DIALECT_NONE 0xFFFF
#define SERVER_GUID_LEN 16

int smb_negotiate_encode(struct wr *w)
{
	/* 2.2.4.52.1: no words; bytes are BufferFormat 0x02 + OEM dialect
	 * name, NUL-terminated, per dialect. */
	size_t wct = smb_words_begin(w);
	smb_words_end(w, wct);
	size_t bcc = smb_bytes_begin(w);
	wr_u8(w, BUFFER_FORMAT_DIALECT);
	wr_asciiz(w, DIALECT_NT_LM);
	smb_bytes_end(w, bcc);
	return w->overflow ? -EMSGSIZE : 0;
}

/* Samba (4.17 checked) sends DomainName and ServerName in UTF-16 even when
 * the reply's FLAGS2 says OEM, if it has CAP_UNICODE.  Recognise that by the
 * zero high bytes of the first two code units ("W\0O\0" or "W\0\0\0"),
 * which an OEM DomainName followed by a ServerName cannot produce unless it
 * is one character long and the ServerName is empty. */
static bool looks_utf16(const struct rd *r)
{
	const uint8_t *p = r->data + r->pos;

	return rd_remaining(r) >= 4 && p[0] != 0 && p[1] == 0 && p[3] == 0;
}

/* DomainName (and the ServerName after it, which we do not need) is
 * informational: absent, unterminated or invalid text yields NULL or what
 * could be read, never an error.  There is no Pad before it: Windows and
 * Samba both send it at an odd offset after an 8-byte challenge. */
static char *read_domain(struct rd *r, bool unicode, bool server_unicode)
{
	size_t avail = rd_remaining(r);

	if (avail == 0)
		return NULL;
	if (!unicode && server_unicode && looks_utf16(r))
		unicode = true;
	if (unicode) {
		for (size_t i = 0; i + 1 < avail; i += 2)
			if (r->data[r->pos + i] == 0 && r->data[r->pos + i + 1] == 0)
				return rd_utf16z(r);
		return avail >= 2 ? rd_utf16(r, avail & ~(size_t)1) : NULL;
	}
	if (memchr(r->data + r->pos, 0, avail))
		return rd_asciiz(r);
	const uint8_t *p = rd_ptr(r, avail);
	if (g_utf8_validate((const char *)p, (gssize)avail, NULL))
		return g_strndup((const char *)p, avail);
	return g_convert((const char *)p, (gssize)avail, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
}

int smb_negotiate_decode(const struct smb_msg *m, struct smb_negotiate_rep *r)
{
	struct rd rw, rb;

	memset(r, 0, sizeof(*r));
	smb_msg_words(m, &rw);
	smb_msg_bytes(m, &rb);

	/* 2.2.4.52.2: a server that speaks none of the offered dialects replies
	 * with WordCount 1 and DialectIndex 0xFFFF; report that, the caller
	 * explains it. */
	if (m->wct < 1)
		return -EPROTO;
	r->dialect_index = rd_le16(&rw);
	if (r->dialect_index == DIALECT_NONE)
		return 0;
	/* We offered one dialect: index 0 with the 17-word NT LM 0.12 form is
	 * the only other valid answer. */
	if (r->dialect_index != 0 || m->wct != NT_LM_WCT)
		return -EPROTO;

	r->security_mode = rd_u8(&rw);
	r->max_mpx_count = rd_le16(&rw);
	r->max_vcs = rd_le16(&rw);
	r->max_buffer_size = rd_le32(&rw);
	r->max_raw_size = rd_le32(&rw);
	r->session_key = rd_le32(&rw);
	r->capabilities = rd_le32(&rw);
	r->system_time = rd_le64(&rw);
	r->server_tz = (int16_t)rd_le16(&rw);
	uint8_t challenge_len = rd_u8(&rw);
	if (rw.overflow)
		return -EPROTO;

	r->extended_security = (r->capabilities & CAP_EXTENDED_SECURITY) != 0;
	if (r->extended_security) {
		/* MS-SMB 2.2.4.5.2.1: ServerGUID, then the SPNEGO token to the end
		 * of the bytes (possibly empty: raw NTLMSSP follows). */
		rd_bytes(&rb, r->server_guid, SERVER_GUID_LEN);
		r->security_blob_len = rd_remaining(&rb);
		r->security_blob = rd_ptr(&rb, r->security_blob_len);
		return rb.overflow ? -EPROTO : 0;
	}

	/* Classic form: ChallengeLength is 8 with encrypted passwords, 0 for
	 * plaintext (which we never send). */
	if (challenge_len > sizeof(r->challenge))
		return -EPROTO;
	r->challenge_len = challenge_len;
	rd_bytes(&rb, r->challenge, challenge_len);
	if (rb.overflow)
		return -EPROTO;
	r->domain_name = read_domain(&rb, (m->hdr.flags2 & SMB_FLAGS2_UNICODE) != 0,
				     (r->capabilities & CAP_UNICODE) != 0);
	return 0;
}

void smb_negotiate_rep_clear(struct smb_negotiate_rep *r)
{
	g_free(r->domain_name);
	r->domain_name = NULL;
}
