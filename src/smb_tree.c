/* SMB_COM_TREE_CONNECT_ANDX (MS-CIFS 2.2.4.55, MS-SMB 2.2.4.7) and
 * SMB_COM_TREE_DISCONNECT (MS-CIFS 2.2.4.51).
 *
 * We only use user-level security, where the share password is unused: it
 * is sent as a single NUL byte.
 */
#include "smb.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

/* MS-SMB 2.2.4.7.1: ask for the 7-word reply with the access masks. */
#define TREE_CONNECT_ANDX_EXTENDED_RESPONSE 0x0008
#define TREE_REP_WCT 3
#define TREE_EXT_REP_WCT 7
/* Any service type: disk, printer, pipe or device (2.2.4.55.1). */
#define SERVICE_ANY "?????"

char *smb_tree_unc(const char *server, const char *share)
{
	/* Windows servers look share names up without regard to case (MS-CIFS
	 * 3.3.5.45, MS-SRVS ShareList), and so does Samba, but not every
	 * server: Impacket's smbserver keeps them upper-cased and matches
	 * exactly.  Windows clients and smbclient send them
	 * upper-cased, which every server accepts.  One code point at a time
	 * (the simple mapping, as Windows' RtlUpcaseUnicodeString), so that
	 * no name changes length ("\u00df" stays). */
	if (!server || !share || !g_utf8_validate(share, -1, NULL))
		return NULL;
	GString *s = g_string_new("\\\\");
	g_string_append(s, server);
	g_string_append_c(s, '\\');
	for (const char *c = share; *c; c = g_utf8_next_char(c))
		g_string_append_unichar(s, g_unichar_toupper(g_utf8_get_char(c)));
	return g_string_free(s, FALSE);
}

bool smb_tree_service_is_disk(const char *service)
{
	/* MS-CIFS 3.2.5.4: "A:" disk, "LPT1:" printer, "IPC" named pipe,
	 * "COMM" serial device, anything else unknown.  Servers do not all say
	 * "A:" for a disk: Impacket answers with the share's name.  Unknown is
	 * taken for a disk, as the Linux kernel client does. */
	return strcmp(service, "LPT1:") != 0 && strcmp(service, "IPC") != 0 &&
	       strcmp(service, "COMM") != 0;
}

int smb_tree_connect_encode(struct wr *w, const char *unc_path, bool unicode)
{
	if (!unc_path)
		return -EINVAL;

	size_t wct = smb_words_begin(w);
	smb_andx_none(w);
	wr_le16(w, TREE_CONNECT_ANDX_EXTENDED_RESPONSE);
	wr_le16(w, 1); /* PasswordLength */
	smb_words_end(w, wct);

	size_t bcc = smb_bytes_begin(w);
	wr_u8(w, 0); /* Password */
	/* Pad so that a Unicode Path starts on a 2-byte boundary. */
	if (unicode)
		wr_align2(w);
	int rc = smb_put_string(w, unc_path, unicode);
	if (rc)
		return rc;
	/* Service is always OEM, whatever FLAGS2_UNICODE says. */
	wr_asciiz(w, SERVICE_ANY);
	smb_bytes_end(w, bcc);
	return w->overflow ? -EMSGSIZE : 0;
}

int smb_tree_connect_decode(const struct smb_msg *m, struct smb_tree_connect_rep *r)
{
	struct rd rw, rb;

	memset(r, 0, sizeof(*r));
	/* 3 words (MS-CIFS 2.2.4.55.2) or 7 with MaximalShareAccessRights and
	 * GuestMaximalShareAccessRights (MS-SMB 2.2.4.7.2), which we ignore. */
	if (m->wct != TREE_REP_WCT && m->wct != TREE_EXT_REP_WCT)
		return -EPROTO;
	smb_msg_words(m, &rw);
	rd_skip(&rw, 4); /* AndX: we never chain after tree connect */
	r->optional_support = rd_le16(&rw);
	if (rw.overflow)
		return -EPROTO;

	/* Service: OEM string, NUL-terminated.  Tolerate a missing terminator
	 * at the end of the bytes.  Only the four defined types matter, so a
	 * longer string (Impacket sends the share's name) is cut, and still
	 * matches none of them.  NativeFileSystem follows and is not needed. */
	smb_msg_bytes(m, &rb);
	size_t avail = rd_remaining(&rb);
	const uint8_t *p = rd_ptr(&rb, avail);
	size_t n = p ? strnlen((const char *)p, avail) : 0;
	if (n >= sizeof(r->service))
		n = sizeof(r->service) - 1;
	if (n)
		memcpy(r->service, p, n);
	r->service[n] = '\0';
	return 0;
}

int smb_tree_disconnect_encode(struct wr *w)
{
	/* MS-CIFS 2.2.4.51.1: no words, no bytes; the TID is in the header. */
	size_t wct = smb_words_begin(w);
	smb_words_end(w, wct);
	size_t bcc = smb_bytes_begin(w);
	smb_bytes_end(w, bcc);
	return w->overflow ? -EMSGSIZE : 0;
}
