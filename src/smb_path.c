/* Core path commands: SMB_COM_DELETE (MS-CIFS 2.2.4.7), SMB_COM_CREATE_DIRECTORY
 * (2.2.4.1), SMB_COM_DELETE_DIRECTORY (2.2.4.2), SMB_COM_RENAME (2.2.4.8),
 * SMB_COM_NT_RENAME (2.2.4.66) and SMB_COM_FLUSH (2.2.4.6).
 *
 * Pure encoders (see smb.h).  Their replies carry no words or bytes the
 * client needs: the status in the header is the whole answer, so there are
 * no decoders here.
 *
 * Names in the bytes are "type-prefixed" strings: BufferFormat 0x04, then an
 * SMB_STRING.  MS-CIFS 2.2.1.1: a Unicode string is aligned to 2 bytes from
 * the start of the SMB header, and for Core Protocol messages "the padding
 * byte is found after the buffer format byte".  That rule is applied to each
 * name, the second name of RENAME / NT_RENAME included.  With the fixed word
 * counts of these commands the first name always starts even (no pad) and,
 * the first name being a whole number of UTF-16 units plus one format byte,
 * the second always needs exactly one pad byte.  This is what Samba's server
 * expects (it aligns every string it pulls relative to the header) and what
 * the Linux client sends (a 0x04 0x00 pair before the new name); a client
 * that left the pad out would have its new name read one byte off.
 *
 * NT_RENAME levels (2.2.4.66.1): a hard link is SMB_NT_RENAME_SET_LINK_INFO
 * = 0x0103, a rename 0x0104.  0x0102 (MOVE_CLUSTER_INFORMATION) is refused
 * by Samba 4.17 with STATUS_INVALID_PARAMETER.  The level is passed through
 * unchanged.
 */
#include "smb.h"

#include <errno.h>

#define SMB_BUFFER_FORMAT_STRING 0x04 /* MS-CIFS 2.2.2.5 */

/* BufferFormat 0x04, the pad a Unicode name needs, the name with its NUL. */
static int put_path(struct wr *w, const char *path, bool unicode)
{
	wr_u8(w, SMB_BUFFER_FORMAT_STRING);
	if (unicode)
		wr_align2(w);
	return smb_put_string(w, path, unicode);
}

/* Patches ByteCount; a name too long for the 16-bit count fails the message
 * rather than being cut (smb_bytes_end keeps only the low 16 bits). */
static int path_bytes_end(struct wr *w, size_t bcc)
{
	if (w->overflow || w->pos - bcc - 2 > 0xFFFF)
		return -EMSGSIZE;
	smb_bytes_end(w, bcc);
	return 0;
}

/* The bytes of a one-name command, after its words. */
static int one_path_bytes(struct wr *w, const char *path, bool unicode)
{
	size_t bcc = smb_bytes_begin(w);
	int rc = put_path(w, path, unicode);
	if (rc)
		return rc;
	return path_bytes_end(w, bcc);
}

/* The bytes of RENAME / NT_RENAME: old name, then new name. */
static int two_path_bytes(struct wr *w, const char *from, const char *to, bool unicode)
{
	size_t bcc = smb_bytes_begin(w);
	int rc = put_path(w, from, unicode);
	if (rc)
		return rc;
	rc = put_path(w, to, unicode);
	if (rc)
		return rc;
	return path_bytes_end(w, bcc);
}

int smb_delete_encode(struct wr *w, const char *path, uint16_t search_attrs, bool unicode)
{
	if (!path)
		return -EINVAL;
	/* 2.2.4.7.1: WordCount 1 (SearchAttributes) */
	size_t wct = smb_words_begin(w);
	wr_le16(w, search_attrs);
	smb_words_end(w, wct);
	return one_path_bytes(w, path, unicode);
}

int smb_create_directory_encode(struct wr *w, const char *path, bool unicode)
{
	if (!path)
		return -EINVAL;
	/* 2.2.4.1.1: WordCount 0 */
	size_t wct = smb_words_begin(w);
	smb_words_end(w, wct);
	return one_path_bytes(w, path, unicode);
}

int smb_delete_directory_encode(struct wr *w, const char *path, bool unicode)
{
	if (!path)
		return -EINVAL;
	/* 2.2.4.2.1: WordCount 0 */
	size_t wct = smb_words_begin(w);
	smb_words_end(w, wct);
	return one_path_bytes(w, path, unicode);
}

int smb_rename_encode(struct wr *w, const char *from, const char *to, uint16_t search_attrs,
		      bool unicode)
{
	if (!from || !to)
		return -EINVAL;
	/* 2.2.4.8.1: WordCount 1 (SearchAttributes) */
	size_t wct = smb_words_begin(w);
	wr_le16(w, search_attrs);
	smb_words_end(w, wct);
	return two_path_bytes(w, from, to, unicode);
}

int smb_nt_rename_encode(struct wr *w, const char *from, const char *to, uint16_t search_attrs,
			 uint16_t level, bool unicode)
{
	if (!from || !to)
		return -EINVAL;
	/* 2.2.4.66.1: WordCount 4: SearchAttributes, InformationLevel, and a
	 * 32-bit field (ClusterCount / Reserved) that must be zero. */
	size_t wct = smb_words_begin(w);
	wr_le16(w, search_attrs);
	wr_le16(w, level);
	wr_le32(w, 0);
	smb_words_end(w, wct);
	return two_path_bytes(w, from, to, unicode);
}

int smb_flush_encode(struct wr *w, uint16_t fid)
{
	/* 2.2.4.6.1: WordCount 1 (FID), no bytes.  FID 0xFFFF would flush every
	 * file of the process; callers pass a real one. */
	size_t wct = smb_words_begin(w);
	wr_le16(w, fid);
	smb_words_end(w, wct);
	size_t bcc = smb_bytes_begin(w);
	smb_bytes_end(w, bcc);
	return w->overflow ? -EMSGSIZE : 0;
}
