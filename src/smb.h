/* SMB1 message codecs: pure functions, no I/O, no allocation except where a
 * decoded string must outlive the message (g_malloc'd, caller frees).
 *
 * Conventions
 *  - Encoders write at the cursor of a struct wr whose origin is the start of
 *    the SMB header.  The caller writes the header (smb_hdr_encode) first,
 *    then the command's words and bytes.  Encoders return 0, or -EMSGSIZE if
 *    the message does not fit (the cursor's overflow flag) and -EINVAL for
 *    arguments the wire cannot carry (e.g. invalid UTF-8).
 *  - Decoders take a struct smb_msg already validated by smb_msg_parse and
 *    return 0 or -EPROTO when a count, length or offset from the wire does
 *    not fit.  Pointers they hand back point into the message buffer.
 *  - `unicode` means strings are UTF-16LE (FLAGS2_UNICODE); otherwise 8-bit.
 *  - One file per command family: smb_hdr.c, smb_negotiate.c, smb_session.c,
 *    smb_tree.c, smb_open.c, smb_rw.c, smb_trans2.c, smb_misc.c, smb_time.c.
 */
#ifndef SMBFUSE_SMB_H
#define SMBFUSE_SMB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "smb_proto.h"

/* ---- header and message framing (smb_hdr.c) ---- */

struct smb_hdr {
	uint8_t command;
	uint32_t status; /* NT status, or DOS class | reserved<<8 | code<<16 */
	uint8_t flags;
	uint16_t flags2;
	uint16_t pid_high;
	uint8_t signature[8];
	uint16_t tid;
	uint16_t pid;
	uint16_t uid;
	uint16_t mid;
};

/* A parsed SMB message.  base..base+len is the whole SMB message (NetBIOS
 * payload); offsets on the wire are relative to base. */
struct smb_msg {
	struct smb_hdr hdr;
	const uint8_t *base;
	size_t len;
	uint8_t wct;
	const uint8_t *words; /* wct * 2 bytes */
	uint16_t bcc;
	const uint8_t *bytes; /* bcc bytes */
	size_t bytes_off;     /* bytes - base */
};

/* Also sets w->origin to the header's position (alignment reference). */
void smb_hdr_encode(struct wr *w, const struct smb_hdr *h);
/* Validates magic, header length, WordCount and ByteCount against len.
 * Returns 0, -EPROTONOSUPPORT for an SMB2/3 message ("\xfeSMB"), -EPROTO
 * otherwise.  A ByteCount that claims more than the message holds is an
 * error (MS-CIFS 2.2.3.2). */
int smb_msg_parse(const uint8_t *buf, size_t len, struct smb_msg *m);
/* Cursor over the message words / bytes (origin = base). */
void smb_msg_words(const struct smb_msg *m, struct rd *r);
void smb_msg_bytes(const struct smb_msg *m, struct rd *r);
/* The command an AndX command's AndXCommand/AndXOffset point to (MS-CIFS
 * 2.2.3.4): 1 with *next filled (the same header and message, its own
 * words and bytes, hdr.command set to it), 0 when there is none (also for
 * an error reply's empty command), -EPROTO when the offset does not lie
 * after m's bytes or the command does not fit in the message. */
int smb_andx_next(const struct smb_msg *m, struct smb_msg *next);
/* Encoder helpers: reserve WordCount / ByteCount and patch them. */
size_t smb_words_begin(struct wr *w);
void smb_words_end(struct wr *w, size_t wct_off);
size_t smb_bytes_begin(struct wr *w);
void smb_bytes_end(struct wr *w, size_t bcc_off);
/* Writes the 4-byte AndX block: AndXCommand = none, reserved, offset 0. */
void smb_andx_none(struct wr *w);
/* Writes a NUL-terminated string: UTF-16LE when unicode (no alignment: the
 * caller aligns), else the 8-bit bytes as given.  NULL is "".  Returns 0,
 * -EINVAL for invalid UTF-8 (unicode), -EMSGSIZE when the cursor overflows. */
int smb_put_string(struct wr *w, const char *s, bool unicode);

/* ---- time (smb_time.c) ---- */

/* NT time: 100 ns units since 1601-01-01 UTC.  0 means "not set". */
void smb_nttime_to_timespec(uint64_t nt, struct timespec *ts);
uint64_t smb_timespec_to_nttime(const struct timespec *ts);

/* ---- SMB_COM_NEGOTIATE (smb_negotiate.c) ---- */

/* Offers the single dialect "NT LM 0.12". */
int smb_negotiate_encode(struct wr *w);

struct smb_negotiate_rep {
	uint16_t dialect_index; /* 0xFFFF: none of ours */
	uint8_t security_mode;
	uint16_t max_mpx_count;
	uint16_t max_vcs;
	uint32_t max_buffer_size;
	uint32_t max_raw_size;
	uint32_t session_key;
	uint32_t capabilities;
	uint64_t system_time;
	int16_t server_tz;
	bool extended_security; /* CAP_EXTENDED_SECURITY form of the reply */
	uint8_t challenge[8];   /* classic form */
	uint8_t challenge_len;
	char *domain_name; /* classic form, may be NULL; g_free */
	uint8_t server_guid[16];       /* extended form */
	const uint8_t *security_blob;  /* extended form; may be empty */
	size_t security_blob_len;
};
/* DomainName in the classic reply is UTF-16 when the reply's FLAGS2 says
 * Unicode.  A reply with fewer words than NT LM 0.12 needs is -EPROTO. */
int smb_negotiate_decode(const struct smb_msg *m, struct smb_negotiate_rep *r);
void smb_negotiate_rep_clear(struct smb_negotiate_rep *r);

/* ---- SMB_COM_SESSION_SETUP_ANDX (smb_session.c) ---- */

struct smb_session_setup_req {
	bool extended; /* WordCount 12 (security blob) vs 13 (passwords) */
	uint16_t max_buffer_size;
	uint16_t max_mpx_count;
	uint16_t vc_number;
	uint32_t session_key;
	uint32_t capabilities;
	/* extended: */
	const uint8_t *security_blob;
	size_t security_blob_len;
	/* classic: */
	const uint8_t *oem_password; /* LM / LMv2 response */
	size_t oem_password_len;
	const uint8_t *unicode_password; /* NT / NTLMv2 response */
	size_t unicode_password_len;
	const char *account;
	const char *domain;
	/* both: */
	bool unicode;
	const char *native_os;
	const char *native_lanman;
};
int smb_session_setup_encode(struct wr *w, const struct smb_session_setup_req *r);

struct smb_session_setup_rep {
	uint16_t action; /* bit 0: logged in as guest */
	const uint8_t *security_blob; /* extended form only */
	size_t security_blob_len;
};
int smb_session_setup_decode(const struct smb_msg *m, bool extended,
			     struct smb_session_setup_rep *r);

int smb_logoff_encode(struct wr *w);

/* ---- SMB_COM_TREE_CONNECT_ANDX / TREE_DISCONNECT (smb_tree.c) ---- */

/* "\\\\SERVER\\SHARE" with the share upper-cased; NULL if share is not
 * UTF-8.  Free with g_free. */
char *smb_tree_unc(const char *server, const char *share);
/* true unless the reply's service is a printer, named pipe or comm device. */
bool smb_tree_service_is_disk(const char *service);
/* path: "\\\\SERVER\\SHARE"; service "?????" (any). User-level security, so
 * the password is a single NUL byte. */
int smb_tree_connect_encode(struct wr *w, const char *unc_path, bool unicode);
struct smb_tree_connect_rep {
	uint16_t optional_support;
	char service[16]; /* "A:", "IPC", ... */
};
int smb_tree_connect_decode(const struct smb_msg *m, struct smb_tree_connect_rep *r);
int smb_tree_disconnect_encode(struct wr *w);

/* ---- SMB_COM_OPEN_ANDX / NT_CREATE_ANDX / CLOSE (smb_open.c) ---- */

struct smb_open_andx_req {
	uint16_t flags;       /* SMB_OPEN_* */
	uint16_t access_mode; /* SMB_OPEN_READ... | sharing */
	uint16_t search_attrs;
	uint16_t file_attrs;
	uint32_t creation_time; /* UTIME, 0 = server decides */
	uint16_t open_mode;     /* SMB_OFUN_* */
	uint32_t alloc_size;
	const char *path;
	bool unicode;
};
int smb_open_andx_encode(struct wr *w, const struct smb_open_andx_req *r);
struct smb_open_andx_rep {
	uint16_t fid;
	uint16_t file_attrs;
	uint32_t last_write_time; /* UTIME */
	uint32_t file_size;
	uint16_t access_rights;
	uint16_t resource_type;
	uint16_t nmpipe_status;
	uint16_t open_results;
};
int smb_open_andx_decode(const struct smb_msg *m, struct smb_open_andx_rep *r);

struct smb_nt_create_req {
	uint32_t flags; /* NT_CREATE_* */
	uint32_t root_fid;
	uint32_t desired_access;
	uint64_t alloc_size;
	uint32_t ext_file_attrs;
	uint32_t share_access;
	uint32_t create_disposition;
	uint32_t create_options;
	uint32_t impersonation;
	uint8_t security_flags;
	const char *path;
	bool unicode;
};
int smb_nt_create_encode(struct wr *w, const struct smb_nt_create_req *r);
struct smb_nt_create_rep {
	uint8_t oplock_level;
	uint16_t fid;
	uint32_t create_action;
	uint64_t create_time, access_time, write_time, change_time;
	uint32_t ext_file_attrs;
	uint64_t alloc_size;
	uint64_t end_of_file;
	uint16_t resource_type;
	uint16_t nmpipe_status;
	bool directory;
};
/* Accepts both the standard (WordCount 34) and the extended (42, MS-SMB
 * 2.2.4.9.2, which Samba sends) replies. */
int smb_nt_create_decode(const struct smb_msg *m, struct smb_nt_create_rep *r);

/* NT_CREATE_ANDX chained with a READ_ANDX of count bytes at offset 0 of
 * the file it opens (MS-CIFS 3.2.4.1.1).  The reply: smb_nt_create_decode,
 * then smb_andx_next and smb_read_andx_decode. */
int smb_nt_create_read_encode(struct wr *w, const struct smb_nt_create_req *r, uint32_t count);

int smb_close_encode(struct wr *w, uint16_t fid, uint32_t last_write_utime);

/* ---- SMB_COM_READ_ANDX / WRITE_ANDX (smb_rw.c) ---- */

/* Always the 12-word form (64-bit offset). count above 0xFFFF uses
 * MaxCountHigh (CAP_LARGE_READX). */
int smb_read_andx_encode(struct wr *w, uint16_t fid, uint64_t offset, uint32_t count);
struct smb_read_andx_rep {
	const uint8_t *data;
	uint32_t data_len; /* DataLength | DataLengthHigh << 16 */
	uint16_t available;
};
/* Checks DataOffset + DataLength against the message length. */
int smb_read_andx_decode(const struct smb_msg *m, struct smb_read_andx_rep *r);

/* Where the data of a READ_ANDX reply lies, from its first
 * SMB_READ_ANDX_REP_HEAD bytes and the frame's length, for a receiver that
 * reads the data straight into the reader's buffer: 0 for a successful,
 * unchained reply whose DataOffset/DataLength (as smb_read_andx_decode
 * reads them) are after ByteCount and inside the frame; -EPROTO for
 * anything else (that frame is then read and parsed whole). */
#define SMB_READ_ANDX_REP_HEAD (SMB_HDR_LEN + 1 + 2 * 12 + 2) /* header, WordCount, 12 words, ByteCount */
int smb_read_andx_rep_peek(const uint8_t *head, size_t head_len, uint32_t frame_len,
			   uint16_t *mid, uint32_t *data_off, uint32_t *data_len);

/* 14-word form; data copied after one pad byte (DataOffset 64).  Above
 * 0xFFFF bytes ByteCount carries the low 16 bits only (CAP_LARGE_WRITEX). */
int smb_write_andx_encode(struct wr *w, uint16_t fid, uint64_t offset, uint16_t write_mode,
			  const void *data, uint32_t len);
/* The same message without its data: the caller sends len bytes of data
 * right after it (conn_submit_data). */
int smb_write_andx_encode_head(struct wr *w, uint16_t fid, uint64_t offset, uint16_t write_mode,
			       uint32_t len);
int smb_write_andx_decode(const struct smb_msg *m, uint32_t *count);

/* ---- SMB_COM_TRANSACTION2 (smb_trans2.c) ---- */

struct smb_trans2_req {
	uint16_t subcommand;
	const uint8_t *params;
	uint16_t param_len;
	const uint8_t *data;
	uint16_t data_len;
	uint16_t max_param_count;
	uint16_t max_data_count;
};
/* One primary request; params and data must fit in the message. Parameter
 * and data blocks are 4-byte aligned relative to the header. */
int smb_trans2_encode(struct wr *w, const struct smb_trans2_req *r);

/* A trans2 reply can arrive in several messages with the same MID (the
 * server splits what exceeds its buffer).  Feed each one in; params and data
 * are placed by their displacement.  Returns 1 when complete, 0 when more
 * parts are expected, -EPROTO on inconsistent counts/offsets. */
struct smb_trans2_rep {
	uint8_t *params; /* g_malloc, total_param bytes */
	uint8_t *data;   /* g_malloc, total_data bytes */
	uint32_t total_param, total_data;
	uint32_t got_param, got_data;
	bool started;
};
int smb_trans2_rep_add(struct smb_trans2_rep *r, const struct smb_msg *m);
/* The same for an NT_TRANSACT reply (32-bit counts); totals above
 * max_total are refused. */
int smb_nttrans_rep_add(struct smb_trans2_rep *r, const struct smb_msg *m, uint32_t max_total);
void smb_trans2_rep_clear(struct smb_trans2_rep *r);

/* Decoded file metadata, from any of the query / find levels. */
struct smb_file_info {
	uint64_t create_time, access_time, write_time, change_time; /* NT time */
	uint64_t end_of_file;
	uint64_t alloc_size;
	uint32_t attrs; /* FILE_ATTRIBUTE_* */
	uint32_t nlink;
	bool is_dir;
	bool has_unix; /* fields below are valid (UNIX_BASIC / FIND_FILE_UNIX) */
	uint64_t uid, gid;
	uint32_t unix_type; /* UNIX_TYPE_* */
	uint64_t dev_major, dev_minor;
	uint64_t unique_id;
	uint64_t perms; /* Unix permission bits */
	uint64_t nlinks;
	uint64_t num_bytes; /* UNIX_BASIC: bytes allocated */
};

/* Parameter blocks (out must hold at least `cap` bytes); return the length
 * written, or -EMSGSIZE / -EINVAL. */
long smb_qpathinfo_params(uint8_t *out, size_t cap, uint16_t level, const char *path,
			  bool unicode);
long smb_qfileinfo_params(uint8_t *out, size_t cap, uint16_t fid, uint16_t level);
long smb_qfsinfo_params(uint8_t *out, size_t cap, uint16_t level);
/* TRANS2_SET_FS_INFORMATION level SMB_SET_CIFS_UNIX_INFO: params and data */
long smb_set_unix_info_params(uint8_t *out, size_t cap);
long smb_set_unix_info_data(uint8_t *out, size_t cap, uint16_t major, uint16_t minor,
			    uint64_t caps);

/* Data parsers for TRANS2_QUERY_PATH/FILE_INFORMATION replies.  ALL_INFO and
 * UNIX_BASIC fill *fi afresh; BASIC and STANDARD set only their own fields
 * (so the two can be combined into one zeroed *fi). */
int smb_parse_file_all_info(const uint8_t *data, size_t len, struct smb_file_info *fi);
int smb_parse_file_basic_info(const uint8_t *data, size_t len, struct smb_file_info *fi);
int smb_parse_file_standard_info(const uint8_t *data, size_t len, struct smb_file_info *fi);
int smb_parse_file_unix_basic(const uint8_t *data, size_t len, struct smb_file_info *fi);
/* SMB_QUERY_FILE_UNIX_LINK: the target, g_malloc'd UTF-8 */
int smb_parse_file_unix_link(const uint8_t *data, size_t len, bool unicode, char **target);

/* FIND_FIRST2 / FIND_NEXT2 */
struct smb_find_first_req {
	const char *pattern; /* e.g. "\\dir\\*" */
	uint16_t search_attrs;
	uint16_t search_count;
	uint16_t flags; /* SMB_FIND_* */
	uint16_t info_level;
	bool unicode;
};
long smb_find_first_params(uint8_t *out, size_t cap, const struct smb_find_first_req *r);
struct smb_find_next_req {
	uint16_t sid;
	uint16_t search_count;
	uint16_t info_level;
	uint32_t resume_key;
	uint16_t flags;
	const char *resume_name; /* last name of the previous batch */
	bool unicode;
};
long smb_find_next_params(uint8_t *out, size_t cap, const struct smb_find_next_req *r);
struct smb_find_rep {
	uint16_t sid; /* FIND_FIRST2 only */
	uint16_t search_count;
	bool end_of_search;
	uint16_t last_name_offset;
};
int smb_find_first_rep_params(const uint8_t *p, size_t len, struct smb_find_rep *r);
int smb_find_next_rep_params(const uint8_t *p, size_t len, struct smb_find_rep *r);
/* Walks `count` entries of a find reply's data for info levels
 * SMB_FIND_FILE_BOTH_DIRECTORY_INFO and SMB_FIND_FILE_UNIX, calling cb for
 * each with the decoded info and name ("." and ".." included: the callback
 * decides).  NextEntryOffset chains are bounds-checked and must move
 * forward.  An entry whose name is not valid in its encoding, is empty, or
 * holds a '/' or a NUL before its end is skipped.  *last_name (g_malloc;
 * NULL if that name was skipped) receives the last entry's name and
 * *last_resume_key its resume key / FileIndex, for FIND_NEXT2; either
 * pointer may be NULL.  A non-zero return from cb stops the walk and is
 * returned.  -EINVAL for another level, -EPROTO for a malformed block. */
typedef int (*smb_find_cb)(void *ctx, const char *name, const struct smb_file_info *fi);
int smb_find_parse_entries(const uint8_t *data, size_t len, uint16_t info_level, bool unicode,
			   uint16_t count, smb_find_cb cb, void *ctx, char **last_name,
			   uint32_t *last_resume_key);
int smb_find_close2_encode(struct wr *w, uint16_t sid);

/* QUERY_FS_INFORMATION data */
struct smb_fs_size {
	uint64_t total_units;
	uint64_t caller_avail_units;
	uint64_t actual_avail_units;
	uint32_t sectors_per_unit;
	uint32_t bytes_per_sector;
};
int smb_parse_fs_full_size_info(const uint8_t *data, size_t len, struct smb_fs_size *s);
int smb_parse_fs_size_info(const uint8_t *data, size_t len, struct smb_fs_size *s);
struct smb_posix_fs_info {
	uint32_t optimal_transfer_size;
	uint32_t block_size;
	uint64_t total_blocks, blocks_avail, user_blocks_avail;
	uint64_t total_file_nodes, free_file_nodes, fs_id;
};
int smb_parse_posix_fs_info(const uint8_t *data, size_t len, struct smb_posix_fs_info *s);
int smb_parse_cifs_unix_info(const uint8_t *data, size_t len, uint16_t *major, uint16_t *minor,
			     uint64_t *caps);

/* ---- path commands: DELETE, CREATE/DELETE_DIRECTORY, RENAME, NT_RENAME,
 * FLUSH (smb_path.c) ---- */

/* Each path goes in the bytes as BufferFormat 0x04 then the name (Unicode
 * names 2-aligned relative to the header, MS-CIFS 2.2.4.7 etc.). */
int smb_delete_encode(struct wr *w, const char *path, uint16_t search_attrs, bool unicode);
int smb_create_directory_encode(struct wr *w, const char *path, bool unicode);
int smb_delete_directory_encode(struct wr *w, const char *path, bool unicode);
int smb_rename_encode(struct wr *w, const char *from, const char *to, uint16_t search_attrs,
		      bool unicode);
/* NT_RENAME (0xA5): level SMB_NT_RENAME_RENAME_FILE or SMB_NT_RENAME_SET_LINK_INFO
 * (a hard link). */
#define SMB_NT_RENAME_SET_LINK_INFO 0x0103
#define SMB_NT_RENAME_RENAME_FILE 0x0104
int smb_nt_rename_encode(struct wr *w, const char *from, const char *to, uint16_t search_attrs,
			 uint16_t level, bool unicode);
int smb_flush_encode(struct wr *w, uint16_t fid);

/* ---- SMB_COM_LOCKING_ANDX (smb_lock.c) ---- */

#define LOCKING_ANDX_SHARED_LOCK 0x01
#define LOCKING_ANDX_OPLOCK_RELEASE 0x02
#define LOCKING_ANDX_CHANGE_LOCKTYPE 0x04
#define LOCKING_ANDX_CANCEL_LOCK 0x08
#define LOCKING_ANDX_LARGE_FILES 0x10
struct smb_lock_range {
	uint16_t pid;
	uint64_t offset;
	uint64_t length;
};
/* Always the LARGE_FILES range form (64-bit offsets) when type has
 * LOCKING_ANDX_LARGE_FILES, else the 32-bit form (ranges must fit). */
int smb_locking_andx_encode(struct wr *w, uint16_t fid, uint8_t type, uint32_t timeout_ms,
			    const struct smb_lock_range *unlocks, uint16_t n_unlocks,
			    const struct smb_lock_range *locks, uint16_t n_locks);

/* ---- TRANS2_SET_PATH_INFORMATION / SET_FILE_INFORMATION (smb_setinfo.c) ---- */

#define SMB_SET_FILE_BASIC_INFO 0x0101
#define SMB_SET_FILE_DISPOSITION_INFO 0x0102
#define SMB_SET_FILE_ALLOCATION_INFO 0x0103
#define SMB_SET_FILE_END_OF_FILE_INFO 0x0104
#define SMB_SET_FILE_UNIX_BASIC 0x0200
#define SMB_SET_FILE_UNIX_LINK 0x0201
#define SMB_SET_FILE_UNIX_HLINK 0x0203
#define SMB_SET_POSIX_LOCK 0x0208
#define SMB_POSIX_PATH_OPEN 0x0209
#define SMB_POSIX_PATH_UNLINK 0x020A
#define SMB_SET_FILE_RENAME_INFORMATION 0x03F2 /* pass-through level 1010 */

/* UNIX_BASIC "leave unchanged" values (CIFS UNIX extensions) */
#define SMB_UNIX_SIZE_NO_CHANGE UINT64_MAX
#define SMB_UNIX_TIME_NO_CHANGE UINT64_MAX
#define SMB_UNIX_ID_NO_CHANGE UINT64_MAX
#define SMB_UNIX_MODE_NO_CHANGE UINT64_MAX

/* Parameter blocks: SET_PATH (level, reserved u32, path) and SET_FILE (fid,
 * level, reserved u16).  Return length or -EMSGSIZE / -EINVAL. */
long smb_spathinfo_params(uint8_t *out, size_t cap, uint16_t level, const char *path,
			  bool unicode);
long smb_sfileinfo_params(uint8_t *out, size_t cap, uint16_t fid, uint16_t level);

/* Data blocks.  Times are NT time; 0 means "do not change" for BASIC. */
long smb_set_basic_info_data(uint8_t *out, size_t cap, uint64_t create_time,
			     uint64_t access_time, uint64_t write_time, uint64_t change_time,
			     uint32_t attrs);
long smb_set_end_of_file_data(uint8_t *out, size_t cap, uint64_t eof);
long smb_set_disposition_data(uint8_t *out, size_t cap, bool delete_on_close);
/* FILE_RENAME_INFORMATION (MS-FSCC 2.4.34.1 as SMB1 pass-through).  Samba
 * 4.17 takes only a bare name here (a rename within the directory); a
 * target with a separator is NT_STATUS_NOT_SUPPORTED. */
long smb_set_rename_info_data(uint8_t *out, size_t cap, bool replace, const char *target,
			      bool unicode);

struct smb_unix_set {
	uint64_t size;                               /* or SMB_UNIX_SIZE_NO_CHANGE */
	uint64_t change_time, access_time, write_time; /* NT time or NO_CHANGE */
	uint64_t uid, gid;                           /* or SMB_UNIX_ID_NO_CHANGE */
	uint32_t type;                               /* UNIX_TYPE_*, for mknod */
	uint64_t dev_major, dev_minor;
	uint64_t perms;                              /* or SMB_UNIX_MODE_NO_CHANGE */
};
/* Fills every field with its NO_CHANGE value (type FILE, dev 0). */
void smb_unix_set_init(struct smb_unix_set *u);
long smb_set_unix_basic_data(uint8_t *out, size_t cap, const struct smb_unix_set *u);
/* Symlink / hard link target, NUL-terminated. */
long smb_set_unix_link_data(uint8_t *out, size_t cap, const char *target, bool unicode);
long smb_set_unix_hlink_data(uint8_t *out, size_t cap, const char *target, bool unicode);

/* SMB_SET_POSIX_LOCK data: type 0 read, 1 write, 2 unlock; wait 0/1. */
#define SMB_POSIX_LOCK_READ 0
#define SMB_POSIX_LOCK_WRITE 1
#define SMB_POSIX_LOCK_UNLOCK 2
long smb_posix_lock_data(uint8_t *out, size_t cap, uint16_t type, bool wait, uint32_t pid,
			 uint64_t start, uint64_t length);
/* The same block in the answer to SMB_QUERY_POSIX_LOCK (the level sent with
 * TRANS2_QUERY_FILE_INFORMATION and a lock block as data): type UNLOCK when
 * the lock could be taken, else a conflicting lock.  -EPROTO if malformed. */
struct smb_posix_lock {
	uint16_t type;
	uint32_t pid;
	uint64_t start;
	uint64_t length;
};
int smb_parse_posix_lock_data(const uint8_t *data, size_t len, struct smb_posix_lock *l);
/* SMB_POSIX_PATH_OPEN (CIFS UNIX extensions): an open with POSIX flags and
 * mode in one request, through TRANS2_SET_PATH_INFORMATION.  Names are
 * taken literally (wildcard characters included). */
#define SMB_O_RDONLY 0x0001
#define SMB_O_WRONLY 0x0002
#define SMB_O_RDWR 0x0004
#define SMB_O_CREAT 0x0010
#define SMB_O_EXCL 0x0020
#define SMB_O_TRUNC 0x0040
#define SMB_O_APPEND 0x0080
#define SMB_O_SYNC 0x0100
#define SMB_O_DIRECTORY 0x0200
#define SMB_O_NOFOLLOW 0x0400
/* Data: NT create flags u32 (the oplock request bits when `oplock`), POSIX
 * flags u32, permissions u64, reply level u16 (UNIX_BASIC). */
long smb_posix_open_data(uint8_t *out, size_t cap, uint32_t posix_flags, uint64_t perms,
			 bool oplock);
struct smb_posix_open_rep {
	uint16_t oplock;
	uint16_t fid;
	uint32_t create_action;
	bool has_info; /* info holds the file's UNIX_BASIC information */
	struct smb_file_info info;
};
/* Reply data: oplock u16, FID u16, create action u32, reply level u16, pad
 * u16, then the requested info (UNIX_BASIC, when the server sends it). */
int smb_parse_posix_open_reply(const uint8_t *data, size_t len, struct smb_posix_open_rep *r);
/* SMB_POSIX_PATH_UNLINK data: 0 file, 1 directory. */
long smb_posix_unlink_data(uint8_t *out, size_t cap, bool directory);

/* ---- misc (smb_misc.c) ---- */

int smb_echo_encode(struct wr *w, uint16_t count, const void *data, uint16_t len);


/* ---- change notification and oplock breaks (smb_notify.c) ---- */

#define NT_TRANSACT_NOTIFY_CHANGE 0x0004
/* CompletionFilter (MS-CIFS 2.2.7.4.1) */
#define FILE_NOTIFY_CHANGE_FILE_NAME 0x001
#define FILE_NOTIFY_CHANGE_DIR_NAME 0x002
#define FILE_NOTIFY_CHANGE_ATTRIBUTES 0x004
#define FILE_NOTIFY_CHANGE_SIZE 0x008
#define FILE_NOTIFY_CHANGE_LAST_WRITE 0x010
#define FILE_NOTIFY_CHANGE_CREATION 0x040
#define FILE_NOTIFY_CHANGE_SECURITY 0x100
/* FILE_NOTIFY_INFORMATION Action (2.2.7.4.2) */
#define FILE_ACTION_ADDED 1
#define FILE_ACTION_REMOVED 2
#define FILE_ACTION_MODIFIED 3
#define FILE_ACTION_RENAMED_OLD_NAME 4
#define FILE_ACTION_RENAMED_NEW_NAME 5
/* MS-FSCC 2.7.1: a file's named streams; its name stays. */
#define FILE_ACTION_ADDED_STREAM 6
#define FILE_ACTION_REMOVED_STREAM 7
#define FILE_ACTION_MODIFIED_STREAM 8
/* Oplock levels in NT_CREATE_ANDX replies (2.2.4.64.2) and breaks */
#define OPLOCK_NONE 0
#define OPLOCK_EXCLUSIVE 1
#define OPLOCK_BATCH 2
#define OPLOCK_LEVEL_II 3
/* No other client has the file open while we hold one of these. */
#define OPLOCK_IS_EXCLUSIVE(level) ((level) == OPLOCK_EXCLUSIVE || (level) == OPLOCK_BATCH)
/* NewOpLockLevel of a break: 0 none, 1 level II */
#define OPLOCK_BREAK_TO_NONE 0
#define OPLOCK_BREAK_TO_LEVEL_II 1

/* NT_TRANSACT_NOTIFY_CHANGE on a directory FID; the changes arrive as the
 * reply's parameters, at most max_param bytes. */
int smb_notify_change_encode(struct wr *w, uint16_t fid, uint32_t filter, bool watch_tree,
			     uint32_t max_param);
/* Walks FILE_NOTIFY_INFORMATION entries: cb(ctx, action, name relative to
 * the watched directory).  A non-zero cb result stops the walk and is
 * returned; -EPROTO for a malformed list. */
typedef int (*smb_notify_cb)(void *ctx, uint32_t action, const char *name);
int smb_notify_parse(const uint8_t *params, size_t len, bool unicode, smb_notify_cb cb,
		     void *ctx);
/* An oplock break from the server: the FID and the level it breaks to. */
int smb_oplock_break_decode(const struct smb_msg *m, uint16_t *fid, uint8_t *new_level);
/* Our acknowledgement (no answer comes back). */
int smb_oplock_ack_encode(struct wr *w, uint16_t fid, uint8_t new_level);

#endif
