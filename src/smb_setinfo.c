/* TRANS2_SET_PATH_INFORMATION (MS-CIFS 2.2.6.7) and
 * TRANS2_SET_FILE_INFORMATION (2.2.6.9): the parameter blocks, and the data
 * blocks of the information levels the client sets.
 *
 * Pure builders over a caller's buffer (see smb.h): each returns the length
 * written, -EMSGSIZE when it does not fit, or -EINVAL for what the wire
 * cannot carry.  The blocks are sent with smb_trans2_encode, which places
 * both 4-byte aligned relative to the SMB header, so a Unicode string at an
 * even offset inside a block is aligned on the wire too.
 *
 * Levels:
 *  - SMB_SET_FILE_BASIC_INFO, DISPOSITION, END_OF_FILE (MS-CIFS 2.2.8.4);
 *  - FILE_RENAME_INFORMATION as the pass-through level 1010 (MS-FSCC
 *    2.4.34.1, the SMB1 form with 32-bit RootDirectory);
 *  - the CIFS UNIX extension levels 0x200-0x20A, after the public
 *    description of the extensions (Samba wiki "UNIX Extensions",
 *    draft-jpeach-smb-unix-extensions).  Their UNIX_BASIC block is the one
 *    smb_parse_file_unix_basic (smb_trans2.c) reads, so a block built here
 *    parses back to the values set.
 */
#include "smb.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#define UNIX_NO_CHANGE UINT64_MAX

static long block_end(struct wr *w, int rc)
{
	if (rc)
		return rc;
	return w->overflow ? -EMSGSIZE : (long)wr_len(w);
}

/* ---- parameter blocks ---- */

long smb_spathinfo_params(uint8_t *out, size_t cap, uint16_t level, const char *path,
			  bool unicode)
{
	/* 2.2.6.7.1 has the layout of 2.2.6.6.1: InformationLevel, Reserved
	 * (u32), FileName. */
	return smb_qpathinfo_params(out, cap, level, path, unicode);
}

long smb_sfileinfo_params(uint8_t *out, size_t cap, uint16_t fid, uint16_t level)
{
	struct wr w;

	/* 2.2.6.9.1: FID, InformationLevel, Reserved */
	wr_init(&w, out, cap);
	wr_le16(&w, fid);
	wr_le16(&w, level);
	wr_le16(&w, 0);
	return block_end(&w, 0);
}

/* ---- MS-CIFS / MS-FSCC levels ---- */

long smb_set_basic_info_data(uint8_t *out, size_t cap, uint64_t create_time,
			     uint64_t access_time, uint64_t write_time, uint64_t change_time,
			     uint32_t attrs)
{
	struct wr w;

	/* 2.2.8.4.3 SMB_SET_FILE_BASIC_INFO (= FILE_BASIC_INFORMATION).  A
	 * time of 0 leaves that time alone; attrs 0 leaves the attributes
	 * alone (FILE_ATTRIBUTE_NORMAL clears them). */
	wr_init(&w, out, cap);
	wr_le64(&w, create_time);
	wr_le64(&w, access_time);
	wr_le64(&w, write_time);
	wr_le64(&w, change_time);
	wr_le32(&w, attrs);
	wr_le32(&w, 0); /* Reserved */
	return block_end(&w, 0);
}

long smb_set_end_of_file_data(uint8_t *out, size_t cap, uint64_t eof)
{
	struct wr w;

	/* 2.2.8.4.6 SMB_SET_FILE_END_OF_FILE_INFO */
	wr_init(&w, out, cap);
	wr_le64(&w, eof);
	return block_end(&w, 0);
}

long smb_set_disposition_data(uint8_t *out, size_t cap, bool delete_on_close)
{
	struct wr w;

	/* 2.2.8.4.4 SMB_SET_FILE_DISPOSITION_INFO: DeletePending */
	wr_init(&w, out, cap);
	wr_u8(&w, delete_on_close ? 1 : 0);
	return block_end(&w, 0);
}

long smb_set_rename_info_data(uint8_t *out, size_t cap, bool replace, const char *target,
			      bool unicode)
{
	struct wr w;

	/* An empty name is refused by servers (FileNameLength 0 is
	 * STATUS_INVALID_PARAMETER); say so here. */
	if (!target || !*target)
		return -EINVAL;
	if (unicode && !g_utf8_validate(target, -1, NULL))
		return -EINVAL;
	/* MS-FSCC 2.4.34.1 FILE_RENAME_INFORMATION_TYPE_1: ReplaceIfExists,
	 * Reserved[3], RootDirectory (u32, 0 on the network), FileNameLength
	 * in bytes, FileName without a terminator.  The name is UTF-16 when
	 * the message is Unicode, else 8-bit: servers read it in the
	 * message's encoding. */
	wr_init(&w, out, cap);
	wr_u8(&w, replace ? 1 : 0);
	wr_zero(&w, 3);
	wr_le32(&w, 0);
	size_t len_at = w.pos;
	wr_le32(&w, 0); /* FileNameLength, patched below */
	size_t name_start = w.pos;
	if (unicode)
		wr_utf16(&w, target, false);
	else
		wr_bytes(&w, target, strlen(target));
	if (w.overflow)
		return -EMSGSIZE;
	wr_le32_at(&w, len_at, (uint32_t)(w.pos - name_start));
	return block_end(&w, 0);
}

/* ---- CIFS UNIX extensions ---- */

void smb_unix_set_init(struct smb_unix_set *u)
{
	u->size = SMB_UNIX_SIZE_NO_CHANGE;
	u->change_time = SMB_UNIX_TIME_NO_CHANGE;
	u->access_time = SMB_UNIX_TIME_NO_CHANGE;
	u->write_time = SMB_UNIX_TIME_NO_CHANGE;
	u->uid = SMB_UNIX_ID_NO_CHANGE;
	u->gid = SMB_UNIX_ID_NO_CHANGE;
	u->type = UNIX_TYPE_FILE;
	u->dev_major = 0;
	u->dev_minor = 0;
	u->perms = SMB_UNIX_MODE_NO_CHANGE;
}

long smb_set_unix_basic_data(uint8_t *out, size_t cap, const struct smb_unix_set *u)
{
	struct wr w;

	/* SMB_SET_FILE_UNIX_BASIC: the FILE_UNIX_BASIC_INFO layout (offsets in
	 * the comments).  The server only uses Type and the device numbers
	 * when the path does not exist yet (mknod); the fields it computes
	 * itself (NumOfBytes, UniqueId, NumberOfLinks) are sent as
	 * "no change".
	 * Samba 4.17.12 quirk: a SET_PATH_INFORMATION (by path, not FID)
	 * whose block both changes the size and sets a time kills the smbd
	 * child (segfault in file_ntimes; the connection resets).  Either
	 * alone is fine, and both together by FID are fine: callers split
	 * the request or use SET_FILE_INFORMATION. */
	wr_init(&w, out, cap);
	wr_le64(&w, u->size);        /*  0 EndOfFile */
	wr_le64(&w, UNIX_NO_CHANGE); /*  8 NumOfBytes */
	wr_le64(&w, u->change_time); /* 16 LastStatusChange */
	wr_le64(&w, u->access_time); /* 24 LastAccessTime */
	wr_le64(&w, u->write_time);  /* 32 LastModificationTime */
	wr_le64(&w, u->uid);         /* 40 Uid */
	wr_le64(&w, u->gid);         /* 48 Gid */
	wr_le32(&w, u->type);        /* 56 Type */
	wr_le64(&w, u->dev_major);   /* 60 DevMajor */
	wr_le64(&w, u->dev_minor);   /* 68 DevMinor */
	wr_le64(&w, UNIX_NO_CHANGE); /* 76 UniqueId */
	wr_le64(&w, u->perms);       /* 84 Permissions */
	wr_le64(&w, UNIX_NO_CHANGE); /* 92 NumberOfLinks; 100 bytes in all */
	return block_end(&w, 0);
}

/* SMB_SET_FILE_UNIX_LINK / HLINK: the data block is the target alone,
 * NUL-terminated, in the message's encoding, starting at offset 0 of the
 * block (aligned). */
static long link_data(uint8_t *out, size_t cap, const char *target, bool unicode)
{
	struct wr w;

	if (!target || !*target)
		return -EINVAL;
	wr_init(&w, out, cap);
	return block_end(&w, smb_put_string(&w, target, unicode));
}

long smb_set_unix_link_data(uint8_t *out, size_t cap, const char *target, bool unicode)
{
	/* A symlink's target is stored as given (relative or absolute, '/'
	 * separators): the server does not interpret it. */
	return link_data(out, cap, target, unicode);
}

long smb_set_unix_hlink_data(uint8_t *out, size_t cap, const char *target, bool unicode)
{
	/* A hard link's target is an existing file's path in the share, in
	 * the session's path syntax. */
	return link_data(out, cap, target, unicode);
}

long smb_posix_lock_data(uint8_t *out, size_t cap, uint16_t type, bool wait, uint32_t pid,
			 uint64_t start, uint64_t length)
{
	struct wr w;

	if (type > SMB_POSIX_LOCK_UNLOCK)
		return -EINVAL;
	/* SMB_SET_POSIX_LOCK: LockType, Flags (1 = wait), Pid, Start,
	 * Length; 64-bit values little-endian as usual.  Sent with
	 * SET_FILE_INFORMATION on the FID.  Length is a plain byte count:
	 * struct flock's l_len 0 ("to the end") is the caller's to map. */
	wr_init(&w, out, cap);
	wr_le16(&w, type);
	wr_le16(&w, wait ? 1 : 0);
	wr_le32(&w, pid);
	wr_le64(&w, start);
	wr_le64(&w, length); /* 24 bytes in all: the server checks the size */
	return block_end(&w, 0);
}

int smb_parse_posix_lock_data(const uint8_t *data, size_t len, struct smb_posix_lock *l)
{
	struct rd r;

	rd_init(&r, data, len);
	l->type = rd_le16(&r);
	rd_skip(&r, 2); /* Flags */
	l->pid = rd_le32(&r);
	l->start = rd_le64(&r);
	l->length = rd_le64(&r);
	return r.overflow || l->type > SMB_POSIX_LOCK_UNLOCK ? -EPROTO : 0;
}

long smb_posix_unlink_data(uint8_t *out, size_t cap, bool directory)
{
	struct wr w;

	/* SMB_POSIX_PATH_UNLINK: u16 0 = file (or anything not a directory),
	 * 1 = directory. */
	wr_init(&w, out, cap);
	wr_le16(&w, directory ? 1 : 0);
	return block_end(&w, 0);
}

long smb_posix_open_data(uint8_t *out, size_t cap, uint32_t posix_flags, uint64_t perms,
			 bool oplock)
{
	struct wr w;

	wr_init(&w, out, cap);
	/* Flags: the NT_CREATE_ANDX oplock request bits (Samba's POSIX open
	 * takes the same ones). */
	wr_le32(&w, oplock ? NT_CREATE_REQUEST_OPLOCK | NT_CREATE_REQUEST_OPBATCH : 0);
	wr_le32(&w, posix_flags);
	wr_le64(&w, perms);
	/* The file's UNIX_BASIC information in the reply: its identity (the
	 * unique id) and attributes come with the open. */
	wr_le16(&w, SMB_QUERY_FILE_UNIX_BASIC);
	return block_end(&w, 0);
}

int smb_parse_posix_open_reply(const uint8_t *data, size_t len, struct smb_posix_open_rep *r)
{
	struct rd rd;

	rd_init(&rd, data, len);
	r->oplock = rd_le16(&rd);
	r->fid = rd_le16(&rd);
	r->create_action = rd_le32(&rd);
	uint16_t level = rd_le16(&rd);
	rd_skip(&rd, 2); /* padding */
	r->has_info = false;
	if (rd.overflow)
		return -EPROTO;
	/* Servers that ignore the requested level send less: then there is
	 * no information, which is not an error. */
	if (level == SMB_QUERY_FILE_UNIX_BASIC && len > 12 &&
	    smb_parse_file_unix_basic(data + 12, len - 12, &r->info) == 0)
		r->has_info = true;
	return 0;
}
