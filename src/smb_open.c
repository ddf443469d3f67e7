/* SMB_COM_OPEN_ANDX (MS-CIFS 2.2.4.41, MS-SMB 2.2.4.1), SMB_COM_NT_CREATE_ANDX
 * (MS-CIFS 2.2.4.64, MS-SMB 2.2.4.9) and SMB_COM_CLOSE (MS-CIFS 2.2.4.5).
 *
 * Pure codecs (see smb.h).  One chain is sent: NT_CREATE_ANDX + READ_ANDX
 * (an open for reading and its first read in one round trip, MS-CIFS
 * 3.2.4.1.1); every other request has AndXCommand "none".  A chained reply's
 * next command is found with smb_andx_next (smb_hdr.c).
 */
#include "smb.h"

#include <errno.h>
#include <string.h>

#define OPEN_ANDX_REP_WCT 15 /* 19 with SMB_OPEN_EXTENDED_RESPONSE */
#define NT_CREATE_REP_WCT 34 /* 42 (and 50 words of data) when extended */

int smb_open_andx_encode(struct wr *w, const struct smb_open_andx_req *r)
{
	if (!r->path)
		return -EINVAL;

	/* 2.2.4.41.1: WordCount 15 */
	size_t wct = smb_words_begin(w);
	smb_andx_none(w);
	wr_le16(w, r->flags);
	wr_le16(w, r->access_mode);
	wr_le16(w, r->search_attrs);
	wr_le16(w, r->file_attrs);
	wr_le32(w, r->creation_time);
	wr_le16(w, r->open_mode);
	wr_le32(w, r->alloc_size);
	wr_le32(w, 0); /* Timeout */
	wr_zero(w, 4); /* Reserved[2] */
	smb_words_end(w, wct);

	size_t bcc = smb_bytes_begin(w);
	if (r->unicode)
		wr_align2(w);
	int rc = smb_put_string(w, r->path, r->unicode);
	if (rc)
		return rc;
	smb_bytes_end(w, bcc);
	return w->overflow ? -EMSGSIZE : 0;
}

int smb_open_andx_decode(const struct smb_msg *m, struct smb_open_andx_rep *r)
{
	struct rd rd;

	memset(r, 0, sizeof(*r));
	/* 15 words (MS-CIFS 2.2.4.41.2) or 19 with ServerFID and the maximal
	 * access masks appended (MS-SMB 2.2.4.1.2), which we ignore. */
	if (m->wct < OPEN_ANDX_REP_WCT)
		return -EPROTO;
	smb_msg_words(m, &rd);
	rd_skip(&rd, 4); /* AndX */
	r->fid = rd_le16(&rd);
	r->file_attrs = rd_le16(&rd);
	r->last_write_time = rd_le32(&rd);
	r->file_size = rd_le32(&rd);
	r->access_rights = rd_le16(&rd);
	r->resource_type = rd_le16(&rd);
	r->nmpipe_status = rd_le16(&rd);
	r->open_results = rd_le16(&rd);
	return rd.overflow ? -EPROTO : 0;
}

/* andx: the command that follows in the chain (SMB_COM_NO_ANDX_COMMAND for
 * none); *andx_off_at gets where its AndXOffset is, to patch. */
static int nt_create_encode(struct wr *w, const struct smb_nt_create_req *r, uint8_t andx,
			    size_t *andx_off_at)
{
	if (!r->path)
		return -EINVAL;

	/* 2.2.4.64.1: WordCount 24 */
	size_t wct = smb_words_begin(w);
	wr_u8(w, andx);
	wr_u8(w, 0); /* AndXReserved */
	*andx_off_at = w->pos;
	wr_le16(w, 0);
	wr_u8(w, 0); /* Reserved */
	size_t name_len_at = w->pos;
	wr_le16(w, 0); /* NameLength, patched below */
	wr_le32(w, r->flags);
	wr_le32(w, r->root_fid);
	wr_le32(w, r->desired_access);
	wr_le64(w, r->alloc_size);
	wr_le32(w, r->ext_file_attrs);
	wr_le32(w, r->share_access);
	wr_le32(w, r->create_disposition);
	wr_le32(w, r->create_options);
	wr_le32(w, r->impersonation);
	wr_u8(w, r->security_flags);
	smb_words_end(w, wct);

	size_t bcc = smb_bytes_begin(w);
	/* The Unicode name is aligned to 2 bytes from the header; the pad byte
	 * is not part of NameLength. */
	if (r->unicode)
		wr_align2(w);
	size_t name_start = w->pos;
	int rc = smb_put_string(w, r->path, r->unicode);
	if (rc)
		return rc;
	/* NameLength counts the terminating NUL, as Samba's and Linux's clients
	 * send it; servers read the name up to the terminator anyway. */
	size_t name_len = w->pos - name_start;
	if (name_len > 0xFFFF)
		return -EMSGSIZE;
	wr_le16_at(w, name_len_at, (uint16_t)name_len);
	smb_bytes_end(w, bcc);
	return w->overflow ? -EMSGSIZE : 0;
}

int smb_nt_create_encode(struct wr *w, const struct smb_nt_create_req *r)
{
	size_t andx_off_at;
	return nt_create_encode(w, r, SMB_COM_NO_ANDX_COMMAND, &andx_off_at);
}

int smb_nt_create_read_encode(struct wr *w, const struct smb_nt_create_req *r, uint32_t count)
{
	size_t andx_off_at;
	int rc = nt_create_encode(w, r, SMB_COM_READ_ANDX, &andx_off_at);
	if (rc)
		return rc;
	/* MS-CIFS 3.2.4.1.1: the next command starts at its WordCount, at
	 * AndXOffset from the header; 4-byte aligned as Windows and Samba
	 * clients send it.  The FID is the one the open makes: servers
	 * take it from the chain (Samba's chain_fsp), 0xFFFF stands in. */
	wr_align4(w);
	size_t next = w->pos - w->origin;
	if (w->overflow || next > 0xFFFF)
		return -EMSGSIZE;
	wr_le16_at(w, andx_off_at, (uint16_t)next);
	return smb_read_andx_encode(w, 0xFFFF, 0, count);
}

int smb_nt_create_decode(const struct smb_msg *m, struct smb_nt_create_rep *r)
{
	struct rd rd;

	memset(r, 0, sizeof(*r));
	/* 34 words (MS-CIFS 2.2.4.64.2); the extended reply (MS-SMB 2.2.4.9.2)
	 * says 42 but carries 50 words, Samba and Windows alike.  Everything
	 * we read is in the first 34. */
	if (m->wct < NT_CREATE_REP_WCT)
		return -EPROTO;
	smb_msg_words(m, &rd);
	rd_skip(&rd, 4); /* AndX */
	r->oplock_level = rd_u8(&rd);
	r->fid = rd_le16(&rd);
	r->create_action = rd_le32(&rd);
	r->create_time = rd_le64(&rd);
	r->access_time = rd_le64(&rd);
	r->write_time = rd_le64(&rd);
	r->change_time = rd_le64(&rd);
	r->ext_file_attrs = rd_le32(&rd);
	r->alloc_size = rd_le64(&rd);
	r->end_of_file = rd_le64(&rd);
	r->resource_type = rd_le16(&rd);
	r->nmpipe_status = rd_le16(&rd);
	r->directory = rd_u8(&rd) != 0;
	return rd.overflow ? -EPROTO : 0;
}

int smb_close_encode(struct wr *w, uint16_t fid, uint32_t last_write_utime)
{
	/* 2.2.4.5.1: WordCount 3, no bytes.  LastTimeModified 0 or 0xFFFFFFFF
	 * leaves the time alone. */
	size_t wct = smb_words_begin(w);
	wr_le16(w, fid);
	wr_le32(w, last_write_utime);
	smb_words_end(w, wct);
	size_t bcc = smb_bytes_begin(w);
	smb_bytes_end(w, bcc);
	return w->overflow ? -EMSGSIZE : 0;
}
