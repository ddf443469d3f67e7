/* SMB_COM_SESSION_SETUP_ANDX (MS-CIFS 2.2.4.53, MS-SMB 2.2.4.6) and
 * SMB_COM_LOGOFF_ANDX (MS-CIFS 2.2.4.54).
 *
 * Two request forms: the classic one (13 words) carries LM/NT challenge
 * responses as "passwords"; the extended-security one (12 words) carries an
 * opaque SPNEGO/NTLMSSP blob.  Strings after the binary fields are aligned
 * to 2 bytes relative to the SMB header when Unicode, which is why the
 * cursor's origin must be the header.
 */
#include "smb.h"

#include <errno.h>
#include <string.h>

#define CLASSIC_REQ_WCT 13
#define EXTENDED_REQ_WCT 12
#define CLASSIC_REP_WCT 3
#define EXTENDED_REP_WCT 4

static int put_strings(struct wr *w, const char *const *s, size_t n, bool unicode)
{
	/* One Pad before the first string (2.2.4.53.1 "Pad"); UTF-16 strings
	 * have even length, so the rest stay aligned. */
	if (unicode)
		wr_align2(w);
	for (size_t i = 0; i < n; i++) {
		int rc = smb_put_string(w, s[i], unicode);
		if (rc)
			return rc;
	}
	return 0;
}

static int encode_classic(struct wr *w, const struct smb_session_setup_req *r)
{
	if (r->oem_password_len > 0xFFFF || r->unicode_password_len > 0xFFFF ||
	    (r->oem_password_len && !r->oem_password) ||
	    (r->unicode_password_len && !r->unicode_password))
		return -EINVAL;

	/* MS-CIFS 2.2.4.53.1 */
	size_t wct = smb_words_begin(w);
	smb_andx_none(w);
	wr_le16(w, r->max_buffer_size);
	wr_le16(w, r->max_mpx_count);
	wr_le16(w, r->vc_number);
	wr_le32(w, r->session_key);
	wr_le16(w, (uint16_t)r->oem_password_len);
	wr_le16(w, (uint16_t)r->unicode_password_len);
	wr_le32(w, 0); /* Reserved */
	wr_le32(w, r->capabilities);
	smb_words_end(w, wct);

	size_t bcc = smb_bytes_begin(w);
	wr_bytes(w, r->oem_password, r->oem_password_len);
	wr_bytes(w, r->unicode_password, r->unicode_password_len);
	const char *s[] = { r->account, r->domain, r->native_os, r->native_lanman };
	int rc = put_strings(w, s, 4, r->unicode);
	if (rc)
		return rc;
	smb_bytes_end(w, bcc);
	return w->overflow ? -EMSGSIZE : 0;
}

static int encode_extended(struct wr *w, const struct smb_session_setup_req *r)
{
	if (r->security_blob_len > 0xFFFF || (r->security_blob_len && !r->security_blob))
		return -EINVAL;

	/* MS-SMB 2.2.4.6.1 */
	size_t wct = smb_words_begin(w);
	smb_andx_none(w);
	wr_le16(w, r->max_buffer_size);
	wr_le16(w, r->max_mpx_count);
	wr_le16(w, r->vc_number);
	wr_le32(w, r->session_key);
	wr_le16(w, (uint16_t)r->security_blob_len);
	wr_le32(w, 0); /* Reserved */
	wr_le32(w, r->capabilities);
	smb_words_end(w, wct);

	size_t bcc = smb_bytes_begin(w);
	wr_bytes(w, r->security_blob, r->security_blob_len);
	const char *s[] = { r->native_os, r->native_lanman };
	int rc = put_strings(w, s, 2, r->unicode);
	if (rc)
		return rc;
	smb_bytes_end(w, bcc);
	return w->overflow ? -EMSGSIZE : 0;
}

int smb_session_setup_encode(struct wr *w, const struct smb_session_setup_req *r)
{
	return r->extended ? encode_extended(w, r) : encode_classic(w, r);
}

int smb_session_setup_decode(const struct smb_msg *m, bool extended,
			     struct smb_session_setup_rep *r)
{
	struct rd rw, rb;

	memset(r, 0, sizeof(*r));
	/* MS-CIFS 2.2.4.53.2: AndX + Action; MS-SMB 2.2.4.6.2 adds
	 * SecurityBlobLength.  The strings after the blob (NativeOS,
	 * NativeLanMan, PrimaryDomain) are not needed and not parsed.  The AndX
	 * block is ignored: we never chain a command after session setup. */
	if (m->wct != (extended ? EXTENDED_REP_WCT : CLASSIC_REP_WCT))
		return -EPROTO;
	smb_msg_words(m, &rw);
	rd_skip(&rw, 4);
	r->action = rd_le16(&rw);
	if (!extended)
		return rw.overflow ? -EPROTO : 0;

	uint16_t blob_len = rd_le16(&rw);
	smb_msg_bytes(m, &rb);
	r->security_blob = rd_ptr(&rb, blob_len);
	r->security_blob_len = blob_len;
	if (rw.overflow || rb.overflow) {
		r->security_blob = NULL;
		r->security_blob_len = 0;
		return -EPROTO;
	}
	return 0;
}

int smb_logoff_encode(struct wr *w)
{
	/* MS-CIFS 2.2.4.54.1: just the AndX block, no bytes. */
	size_t wct = smb_words_begin(w);
	smb_andx_none(w);
	smb_words_end(w, wct);
	size_t bcc = smb_bytes_begin(w);
	smb_bytes_end(w, bcc);
	return w->overflow ? -EMSGSIZE : 0;
}
