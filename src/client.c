/* File operations as SMB requests over a session (see client.h).
 * Every function reads top to bottom: build -> call -> decode -> free. */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/stat.h>

#include "client_priv.h"
#include "log.h"
#include "ntstatus.h"

#define FIND_BATCH 1024    /* entries asked per FIND_FIRST2/NEXT2 */
/* A listing reply's MaxDataCount: all the 16-bit field allows (MS-CIFS
 * 2.2.4.46.1), about 500 UNIX-level entries of short names per round trip
 * instead of the ~110 that fit in one server buffer (Samba's 16644).  A
 * server sends such a reply in parts within its buffer, which the
 * connection reassembles (MS-CIFS 3.3.4.1.2): more messages, no more round
 * trips. */
#define FIND_MAX_DATA 0xFFFF
#define FIND_MAX_ROUNDS 100000 /* bounds the loop: 100M entries */

struct client *client_new(struct session *s, const char *subdir)
{
	struct client *c = g_new0(struct client, 1);
	c->session = s;
	c->prefix = g_strdup("");
	if (subdir) {
		char *rooted = g_strconcat("/", subdir, NULL);
		char *prefix = client_smb_path(c, rooted);
		g_free(c->prefix);
		c->prefix = prefix ? prefix : g_strdup("");
		g_free(rooted);
	}
	return c;
}

void client_free(struct client *c)
{
	if (!c)
		return;
	g_free(c->prefix);
	g_free(c);
}

int client_path_error(const struct client *c, const char *path, int otherwise)
{
	/* NAME_MAX: FUSE passes longer names on; SMB servers refuse them with
	 * a less telling status. */
	for (const char *p = path; *p;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (len > 255)
			return -ENAMETOOLONG;
		p += len + (slash ? 1 : 0);
	}
	/* With '\\' as separator a backslash inside a Unix name would silently
	 * name another file; with POSIX pathnames it is an ordinary byte. */
	if (c->session->path_sep == '\\' && strchr(path, '\\'))
		return otherwise;
	return 0;
}

char *client_smb_path(const struct client *c, const char *path)
{
	char sep = c->session->path_sep;

	if (client_path_error(c, path, -EINVAL) < 0)
		return NULL;
	GString *s = g_string_new(c->prefix);
	for (const char *p = path; *p; p++) {
		if (*p == '/') {
			if (s->len && s->str[s->len - 1] == sep)
				continue;
			g_string_append_c(s, sep);
		} else {
			g_string_append_c(s, *p);
		}
	}
	if (s->len > 1 && s->str[s->len - 1] == sep)
		g_string_truncate(s, s->len - 1);
	return g_string_free(s, FALSE);
}

/* ---- metadata ---- */

static int query_path(struct client *c, const char *smb_path, uint16_t level,
		      struct smb_reply *reply)
{
	uint8_t params[PATH_MSG];
	long plen = smb_qpathinfo_params(params, sizeof(params), level, smb_path, true);
	if (plen < 0)
		return plen == -EMSGSIZE ? -ENAMETOOLONG : (int)plen;
	return session_trans2(c->session, TRANS2_QUERY_PATH_INFORMATION, params,
			      (uint16_t)plen, NULL, 0, 2, reply);
}

bool client_new_owner(struct client *c, const char *path, const struct client_owner *own,
		      bool want_sgid, struct smb_unix_set *u)
{
	bool set = own && own->set;
	struct smb_file_info parent;
	bool sgid = false;

	if (!c->session->unix_ext || (!set && !want_sgid))
		return false;
	char *dir = g_path_get_dirname(path);
	int ret = client_getattr(c, dir, &parent);
	g_free(dir);
	if (ret == 0)
		sgid = parent.has_unix && (parent.perms & S_ISGID);
	if (set) {
		u->uid = own->uid;
		/* Parent unknown: keep the group the server gave. */
		if (ret == 0 && !sgid)
			u->gid = own->gid;
	}
	return sgid;
}

int client_smb_path_exists(struct client *c, const char *smb_path)
{
	struct smb_reply reply = { 0 };
	int ret = query_path(c, smb_path, SMB_QUERY_FILE_BASIC_INFO, &reply);
	smb_reply_clear(&reply);
	return ret;
}

int client_getattr(struct client *c, const char *path, struct smb_file_info *fi)
{
	struct smb_reply reply = { 0 };
	char *smb_path = client_smb_path(c, path);
	int ret;

	if (!smb_path)
		return client_path_error(c, path, -ENOENT);
	memset(fi, 0, sizeof(*fi));
	if (c->session->unix_ext) {
		ret = query_path(c, smb_path, SMB_QUERY_FILE_UNIX_BASIC, &reply);
		if (ret == 0)
			ret = smb_parse_file_unix_basic(reply.t2.data, reply.t2.total_data, fi);
	} else {
		ret = query_path(c, smb_path, SMB_QUERY_FILE_ALL_INFO, &reply);
		if (ret == 0)
			ret = smb_parse_file_all_info(reply.t2.data, reply.t2.total_data, fi);
	}
	if (ret == -EPROTO)
		ret = -EIO;
	smb_reply_clear(&reply);
	g_free(smb_path);
	return ret;
}

int client_readlink(struct client *c, const char *path, char **target)
{
	struct smb_reply reply = { 0 };
	char *smb_path = client_smb_path(c, path);
	int ret;

	if (!smb_path)
		return client_path_error(c, path, -ENOENT);
	if (!c->session->unix_ext) {
		ret = -EINVAL; /* without UNIX extensions nothing is a symlink */
		goto out;
	}
	ret = query_path(c, smb_path, SMB_QUERY_FILE_UNIX_LINK, &reply);
	if (ret == 0)
		ret = smb_parse_file_unix_link(reply.t2.data, reply.t2.total_data, true, target);
	if (ret == -EPROTO)
		ret = -EIO;
out:
	smb_reply_clear(&reply);
	g_free(smb_path);
	return ret;
}

/* The same through a handle: open (files and directories alike), set, close. */
static int set_info_by_handle(struct client *c, const char *smb_path, uint16_t level,
			      const uint8_t *data, size_t len)
{
	uint16_t fid;
	int ret = client_nt_create(c, smb_path, FILE_WRITE_ATTRIBUTES | SYNCHRONIZE, FILE_OPEN, 0,
				   &fid, NULL);
	if (ret < 0)
		return ret;
	ret = client_set_file_info(c, fid, level, data, len);
	int cret = client_close(c, fid);
	return ret < 0 ? ret : cret;
}

int client_set_path_info(struct client *c, const char *smb_path, uint16_t level,
			 const uint8_t *data, size_t len)
{
	uint8_t params[PATH_MSG];
	struct smb_reply reply = { 0 };
	long plen = smb_spathinfo_params(params, sizeof(params), level, smb_path, true);

	if (plen < 0)
		return plen == -EMSGSIZE ? -ENAMETOOLONG : (int)plen;
	int ret = session_trans2(c->session, TRANS2_SET_PATH_INFORMATION, params, (uint16_t)plen,
				 data, (uint16_t)len, 2, &reply);
	smb_reply_clear(&reply);
	/* A server that refuses an attribute level by path may take it on a
	 * handle (TRANS2_SET_FILE_INFORMATION, MS-CIFS 2.2.6.9), as the Linux
	 * client falls back: Impacket's smbserver (0.10) refuses every path
	 * here with OBJECT_PATH_SYNTAX_BAD.  Only for attributes: not for the
	 * levels that create (UNIX_LINK, UNIX_HLINK: the path does not exist
	 * yet), and END_OF_FILE has client_truncate's own way. */
	bool attr_level = level == SMB_SET_FILE_BASIC_INFO || level == SMB_SET_FILE_UNIX_BASIC;
	if (attr_level && (ret == -EINVAL || ret == -EOPNOTSUPP))
		ret = set_info_by_handle(c, smb_path, level, data, len);
	return ret;
}

int client_set_file_info(struct client *c, uint16_t fid, uint16_t level, const uint8_t *data,
			 size_t len)
{
	uint8_t params[16];
	struct smb_reply reply = { 0 };
	long plen = smb_sfileinfo_params(params, sizeof(params), fid, level);

	if (plen < 0)
		return (int)plen;
	int ret = session_trans2(c->session, TRANS2_SET_FILE_INFORMATION, params, (uint16_t)plen,
				 data, (uint16_t)len, 2, &reply);
	smb_reply_clear(&reply);
	return ret;
}

int client_simple_call(struct client *c, struct wr *w)
{
	struct smb_reply reply = { 0 };
	int ret = session_call(c->session, w, &reply);
	smb_reply_clear(&reply);
	return ret;
}

/* ---- directories ---- */

struct find_ctx {
	client_dir_cb cb;
	void *ctx;
	unsigned seen; /* entries the parser delivered in this batch */
};

static int find_entry(void *data, const char *name, const struct smb_file_info *fi)
{
	struct find_ctx *fc = data;
	fc->seen++;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	return fc->cb(fc->ctx, name, fi);
}

static void find_close(struct client *c, uint16_t sid)
{
	uint8_t buf[SMALL_MSG];
	struct wr w;
	struct smb_reply reply = { 0 };

	session_msg_begin(c->session, &w, buf, sizeof(buf), SMB_COM_FIND_CLOSE2);
	if (smb_find_close2_encode(&w, sid) == 0 && session_call(c->session, &w, &reply) == 0)
		smb_reply_clear(&reply);
}

int client_readdir(struct client *c, const char *path, client_dir_cb cb, void *ctx)
{
	struct session *s = c->session;
	uint16_t level = s->unix_ext ? SMB_FIND_FILE_UNIX : SMB_FIND_FILE_BOTH_DIRECTORY_INFO;
	uint16_t flags = SMB_FIND_CLOSE_AT_EOS | SMB_FIND_RETURN_RESUME_KEYS;
	struct find_ctx fc = { .cb = cb, .ctx = ctx };
	struct smb_reply reply = { 0 };
	struct smb_find_rep rep;
	uint8_t params[PATH_MSG];
	char *last_name = NULL;
	uint32_t resume_key = 0;
	bool search_open = false;
	long plen;
	int ret;

	char *dir = client_smb_path(c, path);
	if (!dir)
		return client_path_error(c, path, -ENOENT);
	/* The root is "\\" already: "\\\\*" would name the root of a share
	 * called "" to a strict server (Impacket refuses it as outside the
	 * share); Samba folds the double separator. */
	size_t dlen = strlen(dir);
	char *pattern = dlen && dir[dlen - 1] == s->path_sep
				? g_strconcat(dir, "*", NULL)
				: g_strdup_printf("%s%c*", dir, s->path_sep);
	struct smb_find_first_req first = {
		.pattern = pattern,
		.search_attrs = SMB_SEARCH_ALL_ATTRS,
		.search_count = FIND_BATCH,
		.flags = flags,
		.info_level = level,
		.unicode = true,
	};
	plen = smb_find_first_params(params, sizeof(params), &first);
	if (plen < 0) {
		ret = plen == -EMSGSIZE ? -ENAMETOOLONG : (int)plen;
		goto out;
	}
	ret = session_trans2_max(s, TRANS2_FIND_FIRST2, params, (uint16_t)plen, NULL, 0, 10,
				 FIND_MAX_DATA, &reply);
	if (ret < 0)
		goto out;
	ret = smb_find_first_rep_params(reply.t2.params, reply.t2.total_param, &rep);
	if (ret < 0)
		goto out_proto;
	uint16_t sid = rep.sid;
	search_open = true;
	/* Impacket's smbserver (0.10) frames FIND_NEXT2 replies wrongly: the
	 * entries are not padded out to the NextEntryOffset they announce, and
	 * SearchCount is one more than the entries sent.  Its FIND_FIRST2 is
	 * right, and gives it away by a LastNameOffset at the end of the data
	 * rather than at the last entry (MS-CIFS 2.2.6.2.2).  From such a
	 * server take the rest one entry at a time: asked for two, it sends
	 * one, whose framing cannot be wrong. */
	bool one_by_one = !rep.end_of_search && reply.t2.total_data &&
			  rep.last_name_offset >= reply.t2.total_data;
	if (one_by_one)
		log_debug("listing %s: FIND_NEXT2 one entry at a time (LastNameOffset %u past "
			  "the data)",
			  dir, rep.last_name_offset);

	for (int round = 0; round < FIND_MAX_ROUNDS; round++) {
		uint16_t count = rep.search_count;
		if (one_by_one && round > 0 && count > 1)
			count = 1;
		g_free(last_name);
		last_name = NULL;
		fc.seen = 0;
		ret = smb_find_parse_entries(reply.t2.data, reply.t2.total_data, level, true,
					     count, find_entry, &fc, &last_name, &resume_key);
		if (ret == -EPROTO)
			goto out_proto;
		if (ret != 0)
			goto out;
		/* The parser skips names the mount cannot show (empty, '/' or
		 * NUL inside, invalid encoding) rather than fail the listing. */
		if (fc.seen < count)
			log_warn("%s: skipped %u directory entries with unusable names", dir,
				 count - fc.seen);
		if (rep.end_of_search) {
			search_open = false; /* CLOSE_AT_EOS */
			goto out;
		}
		if (rep.search_count == 0) {
			log_warn("directory listing of %s stalled without end of search", dir);
			ret = -EIO;
			goto out;
		}
		smb_reply_clear(&reply);
		struct smb_find_next_req next = {
			.sid = sid,
			.search_count = one_by_one ? 2 : FIND_BATCH,
			.info_level = level,
			.resume_key = resume_key,
			.flags = flags | SMB_FIND_CONTINUE_FROM_LAST,
			/* CONTINUE_FROM_LAST makes the name advisory; an entry whose
			 * name could not be decoded leaves none. */
			.resume_name = last_name ? last_name : "",
			.unicode = true,
		};
		plen = smb_find_next_params(params, sizeof(params), &next);
		if (plen < 0) {
			ret = (int)plen;
			goto out;
		}
		ret = session_trans2_max(s, TRANS2_FIND_NEXT2, params, (uint16_t)plen, NULL, 0, 8,
					 FIND_MAX_DATA, &reply);
		if (ret == -ENODATA) { /* NO_MORE_FILES: the listing is complete */
			ret = 0;
			goto out;
		}
		if (ret < 0)
			goto out;
		ret = smb_find_next_rep_params(reply.t2.params, reply.t2.total_param, &rep);
		if (ret < 0)
			goto out_proto;
	}
	log_warn("directory listing of %s exceeded %d rounds", dir, FIND_MAX_ROUNDS);
	ret = -EIO;
	goto out;

out_proto:
	log_warn("malformed directory listing reply for %s", dir);
	ret = -EIO;
out:
	if (search_open && conn_alive(s->conn))
		find_close(c, sid);
	smb_reply_clear(&reply);
	g_free(last_name);
	g_free(pattern);
	g_free(dir);
	return ret;
}

/* ---- file system ---- */

static int query_fs(struct client *c, uint16_t level, struct smb_reply *reply)
{
	uint8_t params[8];
	long plen = smb_qfsinfo_params(params, sizeof(params), level);
	if (plen < 0)
		return (int)plen;
	return session_trans2(c->session, TRANS2_QUERY_FS_INFORMATION, params, (uint16_t)plen,
			      NULL, 0, 2, reply);
}

int client_statfs(struct client *c, struct statvfs *st)
{
	struct smb_reply reply = { 0 };
	int ret;

	memset(st, 0, sizeof(*st));
	st->f_namemax = 255;
	if (c->session->unix_ext) {
		struct smb_posix_fs_info pi;
		ret = query_fs(c, SMB_QUERY_POSIX_FS_INFO, &reply);
		if (ret == 0 && smb_parse_posix_fs_info(reply.t2.data, reply.t2.total_data, &pi) == 0) {
			st->f_bsize = pi.block_size;
			st->f_frsize = pi.block_size;
			st->f_blocks = pi.total_blocks;
			st->f_bfree = pi.blocks_avail;
			st->f_bavail = pi.user_blocks_avail;
			st->f_files = pi.total_file_nodes;
			st->f_ffree = pi.free_file_nodes;
			st->f_favail = pi.free_file_nodes;
			st->f_fsid = pi.fs_id;
			goto out;
		}
		smb_reply_clear(&reply);
	}
	struct smb_fs_size fs;
	if (c->session->server_caps & CAP_INFOLEVEL_PASSTHRU) {
		ret = query_fs(c, SMB_QUERY_FS_FULL_SIZE_INFO, &reply);
		if (ret == 0)
			ret = smb_parse_fs_full_size_info(reply.t2.data, reply.t2.total_data, &fs);
	} else {
		ret = -EINVAL;
	}
	if (ret < 0) {
		smb_reply_clear(&reply);
		ret = query_fs(c, SMB_QUERY_FS_SIZE_INFO, &reply);
		if (ret == 0)
			ret = smb_parse_fs_size_info(reply.t2.data, reply.t2.total_data, &fs);
		if (ret == -EPROTO)
			ret = -EIO;
		if (ret < 0)
			goto out;
	}
	st->f_bsize = (unsigned long)fs.bytes_per_sector * fs.sectors_per_unit;
	st->f_frsize = st->f_bsize;
	st->f_blocks = fs.total_units;
	st->f_bfree = fs.actual_avail_units;
	st->f_bavail = fs.caller_avail_units;
out:
	smb_reply_clear(&reply);
	return ret;
}
