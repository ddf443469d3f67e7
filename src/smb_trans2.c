/* SMB_COM_TRANSACTION2 (MS-CIFS 2.2.4.46) and the subcommands the client
 * uses: QUERY_PATH/FILE_INFORMATION (2.2.6.6, 2.2.6.8), QUERY_FS_INFORMATION
 * (2.2.6.4), SET_FS_INFORMATION for the CIFS UNIX extensions, FIND_FIRST2 /
 * FIND_NEXT2 (2.2.6.2, 2.2.6.3); and SMB_COM_FIND_CLOSE2 (2.2.4.48).
 *
 * Pure codecs (see smb.h).  Requests always fit in one primary message (we
 * send small parameter and data blocks); replies may come in several parts
 * and are reassembled in struct smb_trans2_rep, the only allocation here
 * besides decoded names.
 *
 * Parameter blocks built here are placed 4-byte aligned in the message by
 * smb_trans2_encode, so 2-byte alignment of a Unicode name relative to the
 * block is alignment relative to the header, as the wire requires.
 *
 * The CIFS UNIX extension levels (0x200-0x2FF) follow Samba's description
 * of them (draft-jpeach-smb-unix-extensions); times there are NT times too.
 */
#include "smb.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#define TRANS2_REP_WCT 10 /* + SetupCount */
#define NTTRANS_REP_WCT 18 /* + SetupCount */

/* ---- request and reply framing ---- */

int smb_trans2_encode(struct wr *w, const struct smb_trans2_req *r)
{
	if ((r->param_len && !r->params) || (r->data_len && !r->data))
		return -EINVAL;

	/* 2.2.4.46.1 */
	size_t wct = smb_words_begin(w);
	wr_le16(w, r->param_len); /* TotalParameterCount */
	wr_le16(w, r->data_len);  /* TotalDataCount */
	wr_le16(w, r->max_param_count);
	wr_le16(w, r->max_data_count);
	wr_u8(w, 0);   /* MaxSetupCount */
	wr_u8(w, 0);   /* Reserved1 */
	wr_le16(w, 0); /* Flags */
	wr_le32(w, 0); /* Timeout */
	wr_le16(w, 0); /* Reserved2 */
	wr_le16(w, r->param_len); /* ParameterCount: everything in this message */
	size_t param_off_at = w->pos;
	wr_le16(w, 0);
	wr_le16(w, r->data_len); /* DataCount */
	size_t data_off_at = w->pos;
	wr_le16(w, 0);
	wr_u8(w, 1); /* SetupCount */
	wr_u8(w, 0); /* Reserved3 */
	wr_le16(w, r->subcommand);
	smb_words_end(w, wct);

	size_t bcc = smb_bytes_begin(w);
	/* Name: unused in TRANS2 (Samba and Windows ignore it), a NUL in the
	 * message's string encoding.  We do not know the encoding here, so we
	 * write an optional pad and a 2-byte zero, which reads as an aligned
	 * UTF-16 NUL and, byte-wise, as an 8-bit NUL followed by padding. */
	wr_align2(w);
	wr_le16(w, 0);
	wr_align4(w); /* Pad1 */
	size_t param_off = w->pos - w->origin;
	wr_bytes(w, r->params, r->param_len);
	if (r->data_len)
		wr_align4(w); /* Pad2 */
	size_t data_off = w->pos - w->origin;
	wr_bytes(w, r->data, r->data_len);
	/* ByteCount and both offsets are 16-bit */
	if (w->overflow || w->pos - bcc - 2 > 0xFFFF || data_off > 0xFFFF)
		return -EMSGSIZE;
	smb_bytes_end(w, bcc);
	wr_le16_at(w, param_off_at, (uint16_t)param_off);
	wr_le16_at(w, data_off_at, (uint16_t)data_off);
	return 0;
}

/* Copies one part of a parameter or data block: count bytes at message
 * offset off go to displacement disp of a block of size total. */
static int place_part(const struct smb_msg *m, uint8_t *block, uint32_t total, uint32_t count,
		      uint32_t off, uint32_t disp)
{
	struct rd r;

	if (!count)
		return 0;
	/* Parts lie after ByteCount, never in the header or words. */
	if (off < m->bytes_off || off > m->len)
		return -EPROTO;
	if (disp > total || count > total - disp)
		return -EPROTO;
	rd_init(&r, m->base, m->len);
	rd_seek(&r, off);
	rd_bytes(&r, block + disp, count);
	return r.overflow ? -EPROTO : 0;
}

/* The counts of one part of a transaction reply, whatever its layout. */
struct trans_part {
	uint32_t total_param, total_data;
	uint32_t param_count, param_off, param_disp;
	uint32_t data_count, data_off, data_disp;
};

/* Adds one part to r: 1 when the reply is complete, 0 when more parts are
 * due, -EPROTO when the part does not fit. */
static int add_part(struct smb_trans2_rep *r, const struct smb_msg *m,
		    const struct trans_part *p)
{
	/* The totals may shrink in later parts, never grow. */
	if (r->started && (p->total_param > r->total_param || p->total_data > r->total_data))
		return -EPROTO;
	if (!r->started) {
		/* +1: never a zero-size allocation, so the blocks are never NULL */
		r->params = g_malloc0((size_t)p->total_param + 1);
		r->data = g_malloc0((size_t)p->total_data + 1);
		r->started = true;
	}
	r->total_param = p->total_param;
	r->total_data = p->total_data;

	if (place_part(m, r->params, r->total_param, p->param_count, p->param_off,
		       p->param_disp) ||
	    place_part(m, r->data, r->total_data, p->data_count, p->data_off, p->data_disp))
		return -EPROTO;
	/* Parts are counted, not tracked byte by byte: a server that sends
	 * overlapping parts gets zeros where it left holes, never an
	 * out-of-bounds access. */
	if (p->param_count > r->total_param - r->got_param ||
	    p->data_count > r->total_data - r->got_data)
		return -EPROTO;
	r->got_param += p->param_count;
	r->got_data += p->data_count;
	return r->got_param == r->total_param && r->got_data == r->total_data;
}

int smb_trans2_rep_add(struct smb_trans2_rep *r, const struct smb_msg *m)
{
	struct rd rd;
	struct trans_part p;

	/* 2.2.4.46.2 */
	if (m->wct < TRANS2_REP_WCT)
		return -EPROTO;
	smb_msg_words(m, &rd);
	p.total_param = rd_le16(&rd);
	p.total_data = rd_le16(&rd);
	rd_skip(&rd, 2); /* Reserved1 */
	p.param_count = rd_le16(&rd);
	p.param_off = rd_le16(&rd);
	p.param_disp = rd_le16(&rd);
	p.data_count = rd_le16(&rd);
	p.data_off = rd_le16(&rd);
	p.data_disp = rd_le16(&rd);
	uint8_t setup_count = rd_u8(&rd);
	if (rd.overflow || m->wct < TRANS2_REP_WCT + setup_count)
		return -EPROTO;
	return add_part(r, m, &p);
}

int smb_nttrans_rep_add(struct smb_trans2_rep *r, const struct smb_msg *m, uint32_t max_total)
{
	struct rd rd;
	struct trans_part p;

	/* MS-CIFS 2.2.4.62.2: Reserved1[3], then 32-bit counts. */
	if (m->wct < NTTRANS_REP_WCT)
		return -EPROTO;
	smb_msg_words(m, &rd);
	rd_skip(&rd, 3);
	p.total_param = rd_le32(&rd);
	p.total_data = rd_le32(&rd);
	p.param_count = rd_le32(&rd);
	p.param_off = rd_le32(&rd);
	p.param_disp = rd_le32(&rd);
	p.data_count = rd_le32(&rd);
	p.data_off = rd_le32(&rd);
	p.data_disp = rd_le32(&rd);
	uint8_t setup_count = rd_u8(&rd);
	if (rd.overflow || m->wct < NTTRANS_REP_WCT + setup_count)
		return -EPROTO;
	if (p.total_param > max_total || p.total_data > max_total)
		return -EPROTO;
	return add_part(r, m, &p);
}

void smb_trans2_rep_clear(struct smb_trans2_rep *r)
{
	g_free(r->params);
	g_free(r->data);
	memset(r, 0, sizeof(*r));
}

/* ---- parameter blocks ---- */

static long param_end(struct wr *w, int rc)
{
	if (rc)
		return rc;
	return w->overflow ? -EMSGSIZE : (long)wr_len(w);
}

long smb_qpathinfo_params(uint8_t *out, size_t cap, uint16_t level, const char *path,
			  bool unicode)
{
	struct wr w;

	if (!path)
		return -EINVAL;
	/* 2.2.6.6.1: InformationLevel, Reserved, FileName (6 bytes in: aligned) */
	wr_init(&w, out, cap);
	wr_le16(&w, level);
	wr_le32(&w, 0);
	return param_end(&w, smb_put_string(&w, path, unicode));
}

long smb_qfileinfo_params(uint8_t *out, size_t cap, uint16_t fid, uint16_t level)
{
	struct wr w;

	/* 2.2.6.8.1 */
	wr_init(&w, out, cap);
	wr_le16(&w, fid);
	wr_le16(&w, level);
	return param_end(&w, 0);
}

long smb_qfsinfo_params(uint8_t *out, size_t cap, uint16_t level)
{
	struct wr w;

	/* 2.2.6.4.1 */
	wr_init(&w, out, cap);
	wr_le16(&w, level);
	return param_end(&w, 0);
}

long smb_set_unix_info_params(uint8_t *out, size_t cap)
{
	struct wr w;

	/* TRANS2_SET_FS_INFORMATION: FID (unused, 0), InformationLevel */
	wr_init(&w, out, cap);
	wr_le16(&w, 0);
	wr_le16(&w, SMB_SET_CIFS_UNIX_INFO);
	return param_end(&w, 0);
}

long smb_set_unix_info_data(uint8_t *out, size_t cap, uint16_t major, uint16_t minor,
			    uint64_t caps)
{
	struct wr w;

	wr_init(&w, out, cap);
	wr_le16(&w, major);
	wr_le16(&w, minor);
	wr_le64(&w, caps);
	return param_end(&w, 0);
}

long smb_find_first_params(uint8_t *out, size_t cap, const struct smb_find_first_req *r)
{
	struct wr w;

	if (!r->pattern)
		return -EINVAL;
	/* 2.2.6.2.1: the name starts at 12, aligned */
	wr_init(&w, out, cap);
	wr_le16(&w, r->search_attrs);
	wr_le16(&w, r->search_count);
	wr_le16(&w, r->flags);
	wr_le16(&w, r->info_level);
	wr_le32(&w, 0); /* SearchStorageType */
	return param_end(&w, smb_put_string(&w, r->pattern, r->unicode));
}

long smb_find_next_params(uint8_t *out, size_t cap, const struct smb_find_next_req *r)
{
	struct wr w;

	/* 2.2.6.3.1: the name starts at 12, aligned; NULL resume_name is "" */
	wr_init(&w, out, cap);
	wr_le16(&w, r->sid);
	wr_le16(&w, r->search_count);
	wr_le16(&w, r->info_level);
	wr_le32(&w, r->resume_key);
	wr_le16(&w, r->flags);
	return param_end(&w, smb_put_string(&w, r->resume_name, r->unicode));
}

int smb_find_first_rep_params(const uint8_t *p, size_t len, struct smb_find_rep *r)
{
	struct rd rd;

	/* 2.2.6.2.2: SID, SearchCount, EndOfSearch, EaErrorOffset, LastNameOffset */
	memset(r, 0, sizeof(*r));
	rd_init(&rd, p, len);
	r->sid = rd_le16(&rd);
	r->search_count = rd_le16(&rd);
	r->end_of_search = rd_le16(&rd) != 0;
	rd_skip(&rd, 2);
	r->last_name_offset = rd_le16(&rd);
	return rd.overflow ? -EPROTO : 0;
}

int smb_find_next_rep_params(const uint8_t *p, size_t len, struct smb_find_rep *r)
{
	struct rd rd;

	/* 2.2.6.3.2: as FIND_FIRST2 without the SID */
	memset(r, 0, sizeof(*r));
	rd_init(&rd, p, len);
	r->search_count = rd_le16(&rd);
	r->end_of_search = rd_le16(&rd) != 0;
	rd_skip(&rd, 2);
	r->last_name_offset = rd_le16(&rd);
	return rd.overflow ? -EPROTO : 0;
}

int smb_find_close2_encode(struct wr *w, uint16_t sid)
{
	/* 2.2.4.48.1: WordCount 1, no bytes */
	size_t wct = smb_words_begin(w);
	wr_le16(w, sid);
	smb_words_end(w, wct);
	size_t bcc = smb_bytes_begin(w);
	smb_bytes_end(w, bcc);
	return w->overflow ? -EMSGSIZE : 0;
}

/* ---- strings in data blocks ---- */

/* An 8-bit name of at most n bytes, ended by a NUL or by n; decoded as
 * rd_asciiz does (UTF-8, else Latin-1).  NULL on overflow. */
static char *rd_oem(struct rd *r, size_t n)
{
	const uint8_t *p = rd_ptr(r, n);
	if (!p)
		return NULL;
	const uint8_t *nul = memchr(p, 0, n);
	size_t len = nul ? (size_t)(nul - p) : n;
	char *tmp = g_strndup((const char *)p, len);
	struct rd t;
	rd_init(&t, tmp, len + 1);
	char *s = rd_asciiz(&t);
	g_free(tmp);
	return s;
}

/* A name of n bytes (either encoding); NULL on overflow or invalid UTF-16. */
static char *rd_name(struct rd *r, size_t n, bool unicode)
{
	return unicode ? rd_utf16(r, n) : rd_oem(r, n);
}

/* ---- file information ---- */

int smb_parse_file_all_info(const uint8_t *data, size_t len, struct smb_file_info *fi)
{
	struct rd r;

	/* 2.2.8.3.10 SMB_QUERY_FILE_ALL_INFO; the name at the end may be cut
	 * short (STATUS_BUFFER_OVERFLOW) and is not read. */
	memset(fi, 0, sizeof(*fi));
	rd_init(&r, data, len);
	fi->create_time = rd_le64(&r);
	fi->access_time = rd_le64(&r);
	fi->write_time = rd_le64(&r);
	fi->change_time = rd_le64(&r);
	fi->attrs = rd_le32(&r);
	rd_skip(&r, 4); /* Reserved1 */
	fi->alloc_size = rd_le64(&r);
	fi->end_of_file = rd_le64(&r);
	fi->nlink = rd_le32(&r);
	rd_skip(&r, 1); /* DeletePending */
	fi->is_dir = rd_u8(&r) != 0 || (fi->attrs & FILE_ATTRIBUTE_DIRECTORY);
	return r.overflow ? -EPROTO : 0;
}

int smb_parse_file_basic_info(const uint8_t *data, size_t len, struct smb_file_info *fi)
{
	struct rd r;

	/* 2.2.8.3.6 SMB_QUERY_FILE_BASIC_INFO.  Fills only its own fields so
	 * that BASIC and STANDARD can be combined.  The trailing 4 reserved
	 * bytes are not needed. */
	rd_init(&r, data, len);
	fi->create_time = rd_le64(&r);
	fi->access_time = rd_le64(&r);
	fi->write_time = rd_le64(&r);
	fi->change_time = rd_le64(&r);
	fi->attrs = rd_le32(&r);
	if (fi->attrs & FILE_ATTRIBUTE_DIRECTORY)
		fi->is_dir = true;
	return r.overflow ? -EPROTO : 0;
}

int smb_parse_file_standard_info(const uint8_t *data, size_t len, struct smb_file_info *fi)
{
	struct rd r;

	/* 2.2.8.3.7 SMB_QUERY_FILE_STANDARD_INFO; own fields only, as above */
	rd_init(&r, data, len);
	fi->alloc_size = rd_le64(&r);
	fi->end_of_file = rd_le64(&r);
	fi->nlink = rd_le32(&r);
	rd_skip(&r, 1); /* DeletePending */
	if (rd_u8(&r))
		fi->is_dir = true;
	return r.overflow ? -EPROTO : 0;
}

/* The 100-byte FILE_UNIX_BASIC_INFO block, shared by QUERY_FILE_UNIX_BASIC
 * and FIND_FILE_UNIX.  The caller has zeroed fi. */
static void rd_unix_basic(struct rd *r, struct smb_file_info *fi)
{
	fi->end_of_file = rd_le64(r);
	fi->num_bytes = rd_le64(r);
	fi->change_time = rd_le64(r); /* LastStatusChange */
	fi->access_time = rd_le64(r);
	fi->write_time = rd_le64(r); /* LastModification */
	fi->uid = rd_le64(r);
	fi->gid = rd_le64(r);
	fi->unix_type = rd_le32(r);
	fi->dev_major = rd_le64(r);
	fi->dev_minor = rd_le64(r);
	fi->unique_id = rd_le64(r);
	fi->perms = rd_le64(r);
	fi->nlinks = rd_le64(r);

	fi->alloc_size = fi->num_bytes;
	fi->nlink = fi->nlinks > UINT32_MAX ? UINT32_MAX : (uint32_t)fi->nlinks;
	fi->is_dir = fi->unix_type == UNIX_TYPE_DIR;
	if (fi->is_dir)
		fi->attrs |= FILE_ATTRIBUTE_DIRECTORY;
	fi->has_unix = true;
}

int smb_parse_file_unix_basic(const uint8_t *data, size_t len, struct smb_file_info *fi)
{
	struct rd r;

	memset(fi, 0, sizeof(*fi));
	rd_init(&r, data, len);
	rd_unix_basic(&r, fi);
	if (r.overflow) {
		memset(fi, 0, sizeof(*fi));
		return -EPROTO;
	}
	return 0;
}

int smb_parse_file_unix_link(const uint8_t *data, size_t len, bool unicode, char **target)
{
	struct rd r;

	/* SMB_QUERY_FILE_UNIX_LINK: the target alone, NUL-terminated or ended
	 * by the data block.  An empty target is not a symlink. */
	rd_init(&r, data, len);
	*target = rd_name(&r, len, unicode);
	if (!*target)
		return -EPROTO;
	if (!**target) {
		g_free(*target);
		*target = NULL;
		return -EPROTO;
	}
	return 0;
}

/* ---- FIND_FIRST2 / FIND_NEXT2 entries ---- */

/* Each parser reads one entry from a cursor limited to that entry, just
 * after NextEntryOffset.  *name is NULL when the name is not valid in its
 * encoding (the entry is skipped); -EPROTO when the entry is cut short. */

/* True when a name of n bytes has a NUL code unit followed by a non-NUL one:
 * decoding would silently cut it to another file's name.  Trailing NULs are
 * fine (some servers count the terminator in FileNameLength). */
static bool has_inner_nul(const uint8_t *p, size_t n, bool unicode)
{
	size_t unit = unicode ? 2 : 1;
	bool nul = false;

	for (size_t i = 0; i + unit <= n; i += unit) {
		bool zero = p[i] == 0 && (unit == 1 || p[i + 1] == 0);
		if (zero)
			nul = true;
		else if (nul)
			return true;
	}
	return false;
}

/* A name the mount can show: not empty and without '/' (the kernel fails a
 * whole getdents on an empty name, and '/' cannot be in a component).  "."
 * and ".." pass: the caller knows they name the directory itself. */
static bool name_usable(const char *name)
{
	return name[0] != 0 && strchr(name, '/') == NULL;
}

static int rd_both_dir_entry(struct rd *r, bool unicode, struct smb_file_info *fi, char **name,
			     uint32_t *resume_key)
{
	/* 2.2.8.1.7 SMB_FIND_FILE_BOTH_DIRECTORY_INFO */
	*resume_key = rd_le32(r); /* FileIndex */
	fi->create_time = rd_le64(r);
	fi->access_time = rd_le64(r);
	fi->write_time = rd_le64(r);
	fi->change_time = rd_le64(r);
	fi->end_of_file = rd_le64(r);
	fi->alloc_size = rd_le64(r);
	fi->attrs = rd_le32(r);
	uint32_t name_len = rd_le32(r);
	rd_skip(r, 4);  /* EaSize */
	rd_skip(r, 2);  /* ShortNameLength, Reserved */
	rd_skip(r, 24); /* ShortName */
	if (r->overflow || name_len > rd_remaining(r))
		return -EPROTO;
	fi->is_dir = (fi->attrs & FILE_ATTRIBUTE_DIRECTORY) != 0;
	/* No link count at this level: what Unix shows for a plain file or an
	 * empty directory. */
	fi->nlink = fi->is_dir ? 2 : 1;
	bool inner_nul = has_inner_nul(r->data + r->pos, name_len, unicode);
	*name = rd_name(r, name_len, unicode);
	if (inner_nul) {
		g_free(*name);
		*name = NULL;
	}
	return 0;
}

static int rd_unix_entry(struct rd *r, bool unicode, struct smb_file_info *fi, char **name,
			 uint32_t *resume_key)
{
	/* SMB_FIND_FILE_UNIX: ResumeKey, FILE_UNIX_BASIC_INFO, then the name
	 * up to a NUL or the end of the entry. */
	*resume_key = rd_le32(r);
	rd_unix_basic(r, fi);
	if (r->overflow)
		return -EPROTO;
	*name = rd_name(r, rd_remaining(r), unicode);
	return 0;
}

int smb_find_parse_entries(const uint8_t *data, size_t len, uint16_t info_level, bool unicode,
			   uint16_t count, smb_find_cb cb, void *ctx, char **last_name,
			   uint32_t *last_resume_key)
{
	char *last = NULL;
	uint32_t last_key = 0;
	size_t off = 0;
	int rc = 0;

	if (last_name)
		*last_name = NULL;
	if (last_resume_key)
		*last_resume_key = 0;
	if (info_level != SMB_FIND_FILE_BOTH_DIRECTORY_INFO && info_level != SMB_FIND_FILE_UNIX)
		return -EINVAL;

	for (uint16_t i = 0; i < count; i++) {
		struct smb_file_info fi;
		struct rd r;
		char *name = NULL;
		uint32_t key = 0;
		size_t avail = len - off; /* off <= len: see the end of the loop */
		bool is_last = i + 1 == count;

		rd_init(&r, data + off, avail);
		uint32_t next = rd_le32(&r);
		if (r.overflow) {
			rc = -EPROTO;
			goto out_free;
		}
		/* Every entry but the last must point forward to another one
		 * inside the block; the last may say 0, or point at (or, with
		 * trailing padding cut off, past) the end. */
		size_t entry_len = avail;
		if (next && next <= avail) {
			entry_len = next;
		} else if (!is_last) {
			rc = -EPROTO;
			goto out_free;
		}

		memset(&fi, 0, sizeof(fi));
		rd_init(&r, data + off, entry_len);
		rd_skip(&r, 4);
		if (info_level == SMB_FIND_FILE_UNIX)
			rc = rd_unix_entry(&r, unicode, &fi, &name, &key);
		else
			rc = rd_both_dir_entry(&r, unicode, &fi, &name, &key);
		if (rc)
			goto out_free;
		if (name && !name_usable(name)) {
			g_free(name);
			name = NULL;
		}

		g_free(last);
		last = name;
		last_key = key;
		/* A name we cannot represent is skipped rather than failing the
		 * whole listing (the caller sees fewer entries than counted). */
		if (name && cb) {
			rc = cb(ctx, name, &fi);
			if (rc)
				goto out_free;
		}
		off += entry_len;
	}

	if (last_name)
		*last_name = last;
	else
		g_free(last);
	if (last_resume_key)
		*last_resume_key = last_key;
	return 0;

out_free:
	g_free(last);
	return rc;
}

/* ---- file system information ---- */

int smb_parse_fs_full_size_info(const uint8_t *data, size_t len, struct smb_fs_size *s)
{
	struct rd r;

	/* FileFsFullSizeInformation (MS-FSCC 2.5.4), pass-through level 1007 */
	rd_init(&r, data, len);
	s->total_units = rd_le64(&r);
	s->caller_avail_units = rd_le64(&r);
	s->actual_avail_units = rd_le64(&r);
	s->sectors_per_unit = rd_le32(&r);
	s->bytes_per_sector = rd_le32(&r);
	return r.overflow ? -EPROTO : 0;
}

int smb_parse_fs_size_info(const uint8_t *data, size_t len, struct smb_fs_size *s)
{
	struct rd r;

	/* 2.2.8.2.4 SMB_QUERY_FS_SIZE_INFO: one free count, which is the
	 * caller's; actual_avail gets the same value. */
	rd_init(&r, data, len);
	s->total_units = rd_le64(&r);
	s->caller_avail_units = rd_le64(&r);
	s->actual_avail_units = s->caller_avail_units;
	s->sectors_per_unit = rd_le32(&r);
	s->bytes_per_sector = rd_le32(&r);
	return r.overflow ? -EPROTO : 0;
}

int smb_parse_posix_fs_info(const uint8_t *data, size_t len, struct smb_posix_fs_info *s)
{
	struct rd r;

	/* SMB_QUERY_POSIX_FS_INFO (CIFS UNIX extensions), 56 bytes */
	rd_init(&r, data, len);
	s->optimal_transfer_size = rd_le32(&r);
	s->block_size = rd_le32(&r);
	s->total_blocks = rd_le64(&r);
	s->blocks_avail = rd_le64(&r);
	s->user_blocks_avail = rd_le64(&r);
	s->total_file_nodes = rd_le64(&r);
	s->free_file_nodes = rd_le64(&r);
	s->fs_id = rd_le64(&r);
	return r.overflow ? -EPROTO : 0;
}

int smb_parse_cifs_unix_info(const uint8_t *data, size_t len, uint16_t *major, uint16_t *minor,
			     uint64_t *caps)
{
	struct rd r;

	/* SMB_QUERY_CIFS_UNIX_INFO: MajorVersion, MinorVersion, Capabilities */
	rd_init(&r, data, len);
	*major = rd_le16(&r);
	*minor = rd_le16(&r);
	*caps = rd_le64(&r);
	return r.overflow ? -EPROTO : 0;
}
