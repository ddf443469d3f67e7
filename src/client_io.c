/* File I/O as SMB requests: open/create, read, write, flush, truncate,
 * close, byte-range locks.  Reads and writes are split into READ_ANDX /
 * WRITE_ANDX requests that are all in flight at once (bounded by
 * MaxMpxCount in conn_submit), so a large FUSE request costs about one round
 * trip.  Writes go to the server before write(2) returns: nothing is
 * buffered here, so an error always reaches the writer. */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include "client_priv.h"
#include "locktab.h"
#include "log.h"
#include "ntstatus.h"

/* Below, with the writes past the end of file. */
static void eof_put(struct session *s, uint16_t fid, uint64_t eof, bool exact);
static void eof_forget(struct session *s, uint16_t fid);
static int set_eof(struct client *c, uint16_t fid, uint64_t size);
static ssize_t write_data(struct session *s, uint16_t fid, const void *buf, size_t size,
			  uint64_t off);

/* ---- open ---- */

static uint32_t nt_disposition(int flags)
{
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return FILE_CREATE;
	if ((flags & O_CREAT) && (flags & O_TRUNC))
		return FILE_OVERWRITE_IF;
	if (flags & O_CREAT)
		return FILE_OPEN_IF;
	if (flags & O_TRUNC)
		return FILE_OVERWRITE;
	return FILE_OPEN;
}

static uint16_t andx_open_mode(int flags)
{
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return SMB_OFUN_CREATE_CREATE | SMB_OFUN_OPEN_FAIL;
	if ((flags & O_CREAT) && (flags & O_TRUNC))
		return SMB_OFUN_CREATE_CREATE | SMB_OFUN_OPEN_TRUNC;
	if (flags & O_CREAT)
		return SMB_OFUN_CREATE_CREATE | SMB_OFUN_OPEN_OPEN;
	if (flags & O_TRUNC)
		return SMB_OFUN_OPEN_TRUNC;
	return SMB_OFUN_OPEN_OPEN;
}

static uint32_t nt_access(int flags)
{
	uint32_t access = FILE_READ_ATTRIBUTES | SYNCHRONIZE;
	int acc = flags & O_ACCMODE;

	if (acc == O_RDONLY || acc == O_RDWR)
		access |= FILE_READ_DATA | FILE_READ_EA;
	if (acc == O_WRONLY || acc == O_RDWR)
		access |= FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_ATTRIBUTES |
			  FILE_WRITE_EA;
	return access;
}

/* What an open did, in the terms of NT_CREATE_ANDX's CreateAction (MS-CIFS
 * 2.2.4.64.2), which SMB_POSIX_PATH_OPEN answers too. */
#define CREATE_ACTION_CREATED 2

/* What an NT_CREATE_ANDX reply says about the file it opened. */
static void nt_create_info(const struct smb_nt_create_rep *rep, struct client_open_info *id)
{
	id->nt_create = true;
	id->created = rep->create_action == CREATE_ACTION_CREATED;
	id->create_time = rep->create_time;
	id->write_time = rep->write_time;
	id->size = rep->end_of_file;
	id->oplock = rep->oplock_level;
	/* A file it created has one link: the rest of what ALL_INFO
	 * would say is in the reply (MS-CIFS 2.2.4.64.2). */
	if (id->created && !rep->directory) {
		struct smb_file_info *fi = &id->info;
		memset(fi, 0, sizeof(*fi));
		fi->create_time = rep->create_time;
		fi->access_time = rep->access_time;
		fi->write_time = rep->write_time;
		fi->change_time = rep->change_time;
		fi->attrs = rep->ext_file_attrs;
		fi->alloc_size = rep->alloc_size;
		fi->end_of_file = rep->end_of_file;
		fi->nlink = 1;
		id->has_info = true;
	}
}

static struct smb_nt_create_req nt_create_req(const char *smb_path, uint32_t access,
					       uint32_t disposition, uint32_t options, bool oplock)
{
	return (struct smb_nt_create_req){
		.flags = oplock ? NT_CREATE_REQUEST_OPLOCK | NT_CREATE_REQUEST_OPBATCH : 0,
		.desired_access = access,
		.ext_file_attrs = FILE_ATTRIBUTE_NORMAL,
		.share_access = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
		.create_disposition = disposition,
		.create_options = options,
		.impersonation = SEC_IMPERSONATION,
		.path = smb_path,
		.unicode = true,
	};
}

/* NT_CREATE_ANDX: the only open that can share delete access, which Unix
 * semantics need (another process may unlink or rename an open file).
 * id (may be NULL) gets what the reply says about the file. */
static int nt_create(struct client *c, const char *smb_path, uint32_t access,
		     uint32_t disposition, uint32_t options, bool oplock, uint16_t *fid,
		     struct client_open_info *id)
{
	uint8_t buf[PATH_MSG];
	struct wr w;
	struct smb_reply reply = { 0 };
	struct smb_nt_create_req req =
		nt_create_req(smb_path, access, disposition, options, oplock);

	session_msg_begin(c->session, &w, buf, sizeof(buf), SMB_COM_NT_CREATE_ANDX);
	int ret = smb_nt_create_encode(&w, &req);
	if (ret == 0)
		ret = session_call(c->session, &w, &reply);
	if (ret < 0)
		goto out;
	struct smb_nt_create_rep rep;
	ret = smb_nt_create_decode(&reply.msg, &rep);
	if (ret < 0) {
		ret = -EIO;
		goto out;
	}
	*fid = rep.fid;
	if (id)
		nt_create_info(&rep, id);
out:
	smb_reply_clear(&reply);
	return ret == -EMSGSIZE ? -ENAMETOOLONG : ret;
}

/* The helpers' opens (rename, set-info, watches) last a moment and ask for
 * no oplock: only file opens do. */
int client_nt_create(struct client *c, const char *smb_path, uint32_t access,
		     uint32_t disposition, uint32_t options, uint16_t *fid,
		     struct client_open_info *id)
{
	return nt_create(c, smb_path, access, disposition, options, false, fid, id);
}

/* OPEN_ANDX replies carry nothing that identifies the file. */
static int open_andx(struct client *c, const char *smb_path, int flags, uint16_t *fid,
		     struct client_open_info *id)
{
	uint8_t buf[PATH_MSG];
	struct wr w;
	struct smb_reply reply = { 0 };
	int acc = flags & O_ACCMODE;
	struct smb_open_andx_req req = {
		.access_mode = (acc == O_WRONLY   ? SMB_OPEN_WRITE
				: acc == O_RDWR ? SMB_OPEN_READWRITE
						: SMB_OPEN_READ) |
			       SMB_OPEN_SHARE_DENY_NONE,
		.search_attrs = FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM,
		.file_attrs = 0,
		.open_mode = andx_open_mode(flags),
		.path = smb_path,
		.unicode = true,
	};
	session_msg_begin(c->session, &w, buf, sizeof(buf), SMB_COM_OPEN_ANDX);
	int ret = smb_open_andx_encode(&w, &req);
	if (ret == 0)
		ret = session_call(c->session, &w, &reply);
	if (ret < 0)
		goto out;
	struct smb_open_andx_rep rep;
	ret = smb_open_andx_decode(&reply.msg, &rep);
	if (ret < 0) {
		ret = -EIO;
	} else {
		*fid = rep.fid;
		/* OpenResults (MS-CIFS 2.2.4.41.2): low bits 2 = created */
		id->created = (rep.open_results & 3) == 2;
	}
out:
	smb_reply_clear(&reply);
	return ret == -EMSGSIZE ? -ENAMETOOLONG : ret;
}

static uint32_t posix_flags(int flags)
{
	int acc = flags & O_ACCMODE;
	uint32_t f = acc == O_WRONLY ? SMB_O_WRONLY : acc == O_RDWR ? SMB_O_RDWR : SMB_O_RDONLY;

	if (flags & O_CREAT)
		f |= SMB_O_CREAT;
	if (flags & O_EXCL)
		f |= SMB_O_EXCL;
	if (flags & O_TRUNC)
		f |= SMB_O_TRUNC;
	if (flags & O_DIRECTORY)
		f |= SMB_O_DIRECTORY;
	return f;
}

/* SMB_POSIX_PATH_OPEN: POSIX flags and mode in one request, and the name
 * taken literally (NT_CREATE_ANDX refuses '*', '?', '<', '>', '|' and '"'
 * even with POSIX pathnames).  -EOPNOTSUPP if the server lacks it. */
static int posix_open(struct client *c, const char *smb_path, uint32_t pflags, mode_t mode,
		      uint16_t *fid, struct client_open_info *id, bool oplock)
{
	uint8_t params[PATH_MSG], data[32];
	struct smb_reply reply = { 0 };
	struct smb_posix_open_rep rep;
	long plen = smb_spathinfo_params(params, sizeof(params), SMB_POSIX_PATH_OPEN, smb_path,
					 true);
	long dlen = smb_posix_open_data(data, sizeof(data), pflags, mode & 07777, oplock);

	if (plen < 0 || dlen < 0)
		return plen == -EMSGSIZE ? -ENAMETOOLONG : -EINVAL;
	int ret = session_trans2(c->session, TRANS2_SET_PATH_INFORMATION, params, (uint16_t)plen,
				 data, (uint16_t)dlen, 2, &reply);
	if (ret == 0) {
		ret = smb_parse_posix_open_reply(reply.t2.data, reply.t2.total_data, &rep);
		if (ret < 0) {
			ret = -EIO;
		} else {
			*fid = rep.fid;
			id->created = rep.create_action == CREATE_ACTION_CREATED;
			id->oplock = (uint8_t)rep.oplock;
			if (rep.has_info) {
				id->unique_id = rep.info.unique_id;
				id->write_time = rep.info.write_time;
				id->size = rep.info.end_of_file;
				id->info = rep.info;
				id->has_info = true;
			}
		}
	}
	smb_reply_clear(&reply);
	return ret;
}

/* Opens path; *mode_set tells whether the open itself applied `mode`
 * (a POSIX open does, the Windows-style ones do not); *id what the reply
 * said about the file (created or not among it). */
static int open_path(struct client *c, const char *path, int flags, mode_t mode, uint16_t *fid,
		     struct client_open_info *id, bool want_oplock, bool *mode_set)
{
	char *smb_path = client_smb_path(c, path);
	int ret;

	*mode_set = false;
	memset(id, 0, sizeof(*id));
	if (!smb_path)
		return client_path_error(c, path, (flags & O_CREAT) ? -EINVAL : -ENOENT);
	if (c->session->unix_ext && c->open_cmd == OPEN_CMD_AUTO &&
	    !g_atomic_int_get(&c->session->no_posix_open)) {
		ret = posix_open(c, smb_path, posix_flags(flags), mode, fid, id,
				 c->want_oplock && want_oplock);
		if (ret != -EOPNOTSUPP) {
			*mode_set = true;
			goto out;
		}
		/* Remember for the session: the server lacks POSIX opens. */
		g_atomic_int_set(&c->session->no_posix_open, 1);
	}
	bool nt = c->open_cmd == OPEN_CMD_NTCREATE ||
		  (c->open_cmd == OPEN_CMD_AUTO && (c->session->server_caps & CAP_NT_SMBS));
	if (nt)
		ret = nt_create(c, smb_path, nt_access(flags), nt_disposition(flags),
				FILE_NON_DIRECTORY_FILE, c->want_oplock && want_oplock, fid, id);
	else
		ret = open_andx(c, smb_path, flags, fid, id);
out:
	/* The size at open is a lower bound of the end of file: enough to
	 * tell that writes going on from there cannot start past it. */
	if (ret == 0)
		eof_put(c->session, *fid, id->size, true);
	g_free(smb_path);
	return ret;
}

/* ---- an open and its first read in one message ---- */

/* Room the NT_CREATE_ANDX reply (extended form: 50 words) takes in a
 * chained reply besides the READ_ANDX one. */
#define CHAIN_OPEN_REPLY_ROOM 256
/* Chained opens in a row without an oplock before a session stops them. */
#define CHAIN_NO_OPLOCK_MAX 16

/* The chain's answer.  The open's part is read first: a command that
 * failed carries no words (MS-CIFS 2.2.3.1: the status is the failing
 * command's), so an open with its 34 words succeeded whatever the read
 * did, and its FID must be used (or closed).  Returns the open's result;
 * *read_ok tells whether the read's part came too. */
static int chain_reply(const struct smb_reply *reply, uint16_t *fid, struct client_open_info *id,
		       struct client_head *head, bool *read_ok)
{
	struct smb_nt_create_rep rep;
	struct smb_msg next;
	struct smb_read_andx_rep rd;

	*read_ok = false;
	if (reply->msg.hdr.command != SMB_COM_NT_CREATE_ANDX)
		return -EIO;
	if (smb_nt_create_decode(&reply->msg, &rep) < 0) {
		int err = smb_hdr_errno(&reply->msg.hdr);
		return err < 0 ? err : -EIO;
	}
	*fid = rep.fid;
	nt_create_info(&rep, id);
	if (smb_hdr_errno(&reply->msg.hdr) == 0 && smb_andx_next(&reply->msg, &next) == 1 &&
	    next.hdr.command == SMB_COM_READ_ANDX && smb_read_andx_decode(&next, &rd) == 0) {
		head->data = g_memdup2(rd.data, rd.data_len);
		head->len = rd.data_len;
		*read_ok = true;
	}
	return 0;
}

static int nt_create_read(struct client *c, const char *smb_path, bool oplock, uint32_t want,
			  uint16_t *fid, struct client_open_info *id, struct client_head *head,
			  bool *read_ok, bool *answered)
{
	uint8_t buf[PATH_MSG];
	struct wr w;
	struct smb_reply reply = { 0 };
	struct smb_nt_create_req req = nt_create_req(smb_path, nt_access(O_RDONLY), FILE_OPEN,
						     FILE_NON_DIRECTORY_FILE, oplock);

	session_msg_begin(c->session, &w, buf, sizeof(buf), SMB_COM_NT_CREATE_ANDX);
	*answered = false;
	int ret = smb_nt_create_read_encode(&w, &req, want);
	if (ret == 0)
		ret = conn_call(c->session->conn, &w, &reply);
	if (ret == 0) {
		*answered = true;
		ret = chain_reply(&reply, fid, id, head, read_ok);
	}
	smb_reply_clear(&reply);
	return ret == -EMSGSIZE ? -ENAMETOOLONG : ret;
}

/* Names NT_CREATE_ANDX refuses even with POSIX pathnames (posix_open). */
static bool nt_name_ok(const char *smb_path)
{
	return !strpbrk(smb_path, "*?<>|\"");
}

int client_open_head(struct client *c, const char *path, int flags, uint32_t want,
		     uint16_t *fid, struct client_open_info *id, struct client_head *head)
{
	struct session *s = c->session;
	bool read_ok;

	memset(head, 0, sizeof(*head));
	if (want > s->safe_read - CHAIN_OPEN_REPLY_ROOM)
		want = s->safe_read > 2 * CHAIN_OPEN_REPLY_ROOM ? s->safe_read - CHAIN_OPEN_REPLY_ROOM
							     : 0;
	bool usable = want && (flags & (O_ACCMODE | O_TRUNC | O_CREAT)) == O_RDONLY &&
		      c->open_cmd != OPEN_CMD_OPENANDX && (s->server_caps & CAP_NT_SMBS) &&
		      !g_atomic_int_get(&s->no_open_chain);
	char *smb_path = usable ? client_smb_path(c, path) : NULL;
	if (!smb_path || !nt_name_ok(smb_path)) {
		g_free(smb_path);
		return client_open(c, path, flags, fid, id);
	}
	memset(id, 0, sizeof(*id));
	bool answered;
	int ret = nt_create_read(c, smb_path, c->want_oplock, want, fid, id, head, &read_ok,
				 &answered);
	g_free(smb_path);
	if (ret == 0) {
		eof_put(s, *fid, id->size, true);
		/* A server that opens but does not read in a chain (Impacket
		 * answers the open alone), or that grants no oplock (without
		 * one the data cannot be used, fs_handle_read_head) to many
		 * opens in a row (one file another open holds proves
		 * nothing), is not sent chains again: they would only cost. */
		if (id->oplock != OPLOCK_NONE)
			g_atomic_int_set(&s->chain_no_oplock, 0);
		else if (g_atomic_int_add(&s->chain_no_oplock, 1) + 1 >= CHAIN_NO_OPLOCK_MAX)
			g_atomic_int_set(&s->no_open_chain, 1);
		if (!read_ok)
			g_atomic_int_set(&s->no_open_chain, 1);
		return 0;
	}
	if (!answered)
		return ret; /* the pool decides (its fate is in the ledger) */
	/* The chain may be what the server refused: ask plainly.  Should it
	 * then succeed, this server gets no more chains. */
	int plain = client_open(c, path, flags, fid, id);
	if (plain == 0) {
		log_debug("the server refused an open chained with a read (%s): "
			  "opening without chains from now on",
			  g_strerror(-ret));
		g_atomic_int_set(&s->no_open_chain, 1);
	}
	return plain;
}

int client_open(struct client *c, const char *path, int flags, uint16_t *fid,
		struct client_open_info *id)
{
	struct client_open_info scratch;
	bool mode_set;
	return open_path(c, path, flags & ~O_CREAT, 0, fid, id ? id : &scratch, id != NULL,
			 &mode_set);
}

int client_create(struct client *c, const char *path, int flags, mode_t mode,
		  const struct client_owner *own, uint16_t *fid, struct client_open_info *id)
{
	struct client_open_info scratch;
	bool mode_set;
	if (!id)
		id = &scratch;
	int ret = open_path(c, path, flags, mode, fid, id, id != &scratch, &mode_set);
	if (ret < 0 || !id->created || !c->session->unix_ext)
		return ret;
	/* A new file: the mode if the create carried none, and its owner,
	 * set on the handle before anyone else can see the file with
	 * another one for long.  (An existing file opened with O_CREAT keeps
	 * both.) */
	struct smb_unix_set u;
	uint8_t data[128];
	smb_unix_set_init(&u);
	if (!mode_set)
		u.perms = mode & 07777;
	client_new_owner(c, path, own, false, &u);
	if (mode_set && u.uid == SMB_UNIX_ID_NO_CHANGE && u.gid == SMB_UNIX_ID_NO_CHANGE)
		return 0;
	long len = smb_set_unix_basic_data(data, sizeof(data), &u);
	if (len > 0 && (ret = client_set_file_info(c, *fid, SMB_SET_FILE_UNIX_BASIC, data,
						   (size_t)len)) < 0)
		log_debug("setting mode or owner of new file %s failed: %s", path,
			  g_strerror(-ret));
	/* The open's reply predates that change (and the ctime it gave). */
	id->has_info = false;
	return 0;
}

int client_close(struct client *c, uint16_t fid)
{
	uint8_t buf[SMALL_MSG];
	struct wr w;

	eof_forget(c->session, fid);
	session_msg_begin(c->session, &w, buf, sizeof(buf), SMB_COM_CLOSE);
	int ret = smb_close_encode(&w, fid, 0);
	return ret < 0 ? ret : client_simple_call(c, &w);
}

int client_flush(struct client *c, uint16_t fid)
{
	uint8_t buf[SMALL_MSG];
	struct wr w;

	session_msg_begin(c->session, &w, buf, sizeof(buf), SMB_COM_FLUSH);
	int ret = smb_flush_encode(&w, fid);
	return ret < 0 ? ret : client_simple_call(c, &w);
}

/* The end of file of an open file (TRANS2_QUERY_FILE_INFORMATION,
 * SMB_QUERY_FILE_STANDARD_INFO: MS-CIFS 2.2.8.3.7). */
static int file_size(struct client *c, uint16_t fid, uint64_t *size)
{
	uint8_t params[8];
	struct smb_reply reply = { 0 };
	struct smb_file_info fi;
	long plen = smb_qfileinfo_params(params, sizeof(params), fid,
					 SMB_QUERY_FILE_STANDARD_INFO);
	if (plen < 0)
		return (int)plen;
	int ret = session_trans2(c->session, TRANS2_QUERY_FILE_INFORMATION, params,
				 (uint16_t)plen, NULL, 0, 2, &reply);
	if (ret == 0)
		ret = smb_parse_file_standard_info(reply.t2.data, reply.t2.total_data, &fi);
	if (ret == 0)
		*size = fi.end_of_file;
	smb_reply_clear(&reply);
	return ret;
}

/* Shrinking: Impacket's smbserver (0.10) answers success to END_OF_FILE_INFO
 * but only ever grows a file: asked to shrink, it writes a zero byte at
 * size - 1 and keeps the rest.  A truncate the server did not do must not
 * look done, and must not leave the data changed: until a session has seen
 * a shrink work, the byte at size - 1 is read first and put back if the
 * server ignored the shrink; after that, a shrink is refused before
 * anything is sent.  One query after each truncate tells; a server that
 * cannot answer it is believed. */
enum { SHRINK_UNKNOWN, SHRINK_OK, SHRINK_IGNORED };

/* What one session learned holds for the others: they talk to the same
 * server (one mount per process), and the first lesson may cost a byte
 * that could not be read back (a handle open write-only). */
static gint server_no_shrink;

int client_ftruncate(struct client *c, uint16_t fid, uint64_t size)
{
	struct session *s = c->session;
	int shrink = g_atomic_int_get(&server_no_shrink) ? SHRINK_IGNORED
							 : g_atomic_int_get(&s->no_shrink);
	uint64_t before = 0, now;
	uint8_t keep;
	bool kept = false;

	if (shrink != SHRINK_OK && file_size(c, fid, &before) == 0 && size < before) {
		if (shrink == SHRINK_IGNORED)
			return -EOPNOTSUPP;
		kept = size > 0 && client_read(c, fid, &keep, 1, size - 1, UINT64_MAX) == 1;
	}
	int ret = set_eof(c, fid, size);
	if (ret < 0)
		return ret;
	if (file_size(c, fid, &now) == 0 && now != size) {
		log_warn("server ignored a truncate to %llu bytes (the file has %llu); "
			 "it cannot shrink files",
			 (unsigned long long)size, (unsigned long long)now);
		if (size < before) {
			g_atomic_int_set(&s->no_shrink, SHRINK_IGNORED);
			g_atomic_int_set(&server_no_shrink, 1);
		}
		if (kept && now >= size && write_data(s, fid, &keep, 1, size - 1) != 1)
			log_warn("could not restore the byte the server overwrote at %llu",
				 (unsigned long long)(size - 1));
		eof_put(s, fid, now, true);
		return -EOPNOTSUPP;
	}
	if (size < before)
		g_atomic_int_set(&s->no_shrink, SHRINK_OK);
	eof_put(s, fid, size, true);
	return 0;
}

/* ---- read / write ----
 *
 * A server may answer a READ_ANDX with fewer bytes than asked without being
 * at end of file (MS-CIFS 3.3.5.36, MS-SMB 3.3.5.7: "acceptable to return
 * fewer bytes than requested"; Samba with `large readwrite = no` caps every
 * reply at the client's buffer, OS/2 answers short), and may take fewer
 * bytes of a WRITE_ANDX than sent.  Neither is the end: the rest is
 * asked for again, and only an empty answer is end of file (reads) or a
 * failure (writes).  A server seen to answer short while the transfer goes
 * on gets smaller requests for the rest of the session. */

/* What one round of requests achieved: the bytes from its start that are
 * known good, how it ended. */
struct io_round {
	size_t done;       /* contiguous bytes from the round's offset */
	uint32_t short_at; /* the answer that ended `done` was short: its length */
	size_t short_off;  /* ... where that answer started, from the round's offset */
	uint32_t short_want; /* ... and what it was asked for */
	bool zero;         /* ... or empty (reads: end of file) */
	bool more;         /* an answer after that one carried data */
};

/* Records one answer (got bytes of want) in order. */
static void round_add(struct io_round *r, bool *stopped, uint32_t got, uint32_t want)
{
	if (*stopped) {
		r->more |= got > 0;
		return;
	}
	if (got < want) {
		r->short_off = r->done;
		r->short_want = want;
	}
	r->done += got;
	if (got < want) {
		*stopped = true;
		r->zero = got == 0;
		r->short_at = got;
	}
}

int client_read_answer(struct conn_req *req, struct smb_reply *reply, uint32_t want,
		       struct smb_read_andx_rep *rep)
{
	memset(rep, 0, sizeof(*rep));
	int ret = conn_wait(req, reply);
	if (ret == 0)
		ret = smb_hdr_errno(&reply->msg.hdr);
	if (ret == -ENODATA) /* Windows: END_OF_FILE for a read past the end */
		return 0;
	if (ret == 0 && smb_read_andx_decode(&reply->msg, rep) < 0)
		ret = -EIO;
	if (ret == 0 && rep->data_len > want)
		ret = -EIO;
	/* Received into the request's sink (conn_submit_read): the frame
	 * holds no data. */
	if (ret == 0 && reply->sunk) {
		if (rep->data_len != reply->sunk)
			ret = -EIO;
		rep->data = NULL;
	}
	return ret;
}

/* Reads [off, off + size) as chunk-sized READ_ANDX requests, all in flight
 * at once (one round trip). */
static int read_round(struct session *s, uint16_t fid, uint8_t *buf, size_t size,
		      uint64_t off, uint32_t chunk, struct io_round *r)
{
	size_t nreq = (size + chunk - 1) / chunk;
	struct conn_req **reqs = g_new0(struct conn_req *, nreq);
	struct iovec *sinks = g_new(struct iovec, nreq);
	uint8_t msg[SMALL_MSG];
	bool stopped = false;
	int err = 0;

	for (size_t i = 0; i < nreq; i++) {
		struct wr w;
		uint32_t want = (uint32_t)MIN((size_t)chunk, size - i * chunk);
		/* The answer's data goes straight where it belongs. */
		struct iovec *sink = &sinks[i];
		sink->iov_base = buf + i * chunk;
		sink->iov_len = want;
		session_msg_begin(s, &w, msg, sizeof(msg), SMB_COM_READ_ANDX);
		err = smb_read_andx_encode(&w, fid, off + i * chunk, want);
		if (err == 0)
			reqs[i] = conn_submit_read(s->conn, &w, sink, 1, &err);
		if (!reqs[i])
			break;
	}
	for (size_t i = 0; i < nreq && reqs[i]; i++) {
		struct smb_reply reply = { 0 };
		uint32_t want = (uint32_t)MIN((size_t)chunk, size - i * chunk);
		struct smb_read_andx_rep rep;
		int ret = client_read_answer(reqs[i], &reply, want, &rep);
		if (ret < 0 && !err)
			err = ret;
		if (ret == 0 && !err) {
			if (!stopped && !reply.sunk)
				memcpy(buf + i * chunk, rep.data, rep.data_len);
			round_add(r, &stopped, rep.data_len, want);
		}
		smb_reply_clear(&reply);
	}
	g_free(reqs);
	g_free(sinks);
	return err;
}

/* A short answer followed by data is a server that caps reads, or a file
 * that grew between the two answers (another client appending: a reader
 * following a log).  Only a cap is worth smaller requests for the rest of
 * the session, so the same read is asked again: a cap answers the same
 * length, a file that grew answers more. */
static void read_short_seen(struct session *s, uint16_t fid, uint64_t at, uint32_t want,
			    uint32_t got)
{
	uint8_t *scratch = g_malloc(want);
	struct io_round r = { 0 };
	int err = read_round(s, fid, scratch, want, at, want, &r);
	g_free(scratch);
	if (err == 0 && r.done <= got)
		session_io_learn(&s->read_limit, got, s->safe_read, "read");
}

ssize_t client_read(struct client *c, uint16_t fid, void *buf, size_t size, uint64_t off,
		    uint64_t eof)
{
	struct session *s = c->session;
	uint32_t pending_short = 0; /* a short answer not yet known to be EOF */
	uint64_t pending_at = 0;    /* ... its offset */
	uint32_t pending_want = 0;  /* ... and the length asked */
	size_t total = 0;

	while (total < size) {
		struct io_round r = { 0 };
		uint32_t chunk = session_io_size(&s->read_limit, s->max_read);
		int err = read_round(s, fid, (uint8_t *)buf + total, size - total, off + total,
				     chunk, &r);
		/* Some old servers refuse a read larger than their buffer
		 * (INVALID_PARAMETER) where others answer short: retry at the
		 * size MS-CIFS guarantees. */
		if (err == -EINVAL && chunk > s->safe_read) {
			session_io_learn(&s->read_limit, 0, s->safe_read, "read");
			continue;
		}
		/* Bytes before an error are valid, but a partial read that
		 * looks like EOF would lie; report the error instead. */
		if (err)
			return err;
		if (pending_short && r.done)
			read_short_seen(s, fid, pending_at, pending_want, pending_short);
		uint64_t round_off = off + total;
		total += r.done;
		if (r.zero)
			break; /* an empty answer: end of file */
		pending_short = r.short_at;
		pending_at = round_off + r.short_off;
		pending_want = r.short_want;
		/* Short at the size we know for sure: the end, without asking
		 * once more for nothing. */
		if (pending_short && off + total >= eof)
			break;
		if (pending_short && r.more) {
			read_short_seen(s, fid, pending_at, pending_want, pending_short);
			pending_short = 0;
		}
	}
	return (ssize_t)total;
}

/* Writes [off, off + size) as chunk-sized WRITE_ANDX requests, all in
 * flight at once.  Each payload goes to the socket from buf itself, after
 * its header (conn_submit_data), never copied. */
static int write_round(struct session *s, uint16_t fid, const uint8_t *buf, size_t size,
		       uint64_t off, uint32_t chunk, struct io_round *r)
{
	size_t nreq = (size + chunk - 1) / chunk;
	struct conn_req **reqs = g_new0(struct conn_req *, nreq);
	uint8_t msg[SMALL_MSG];
	bool stopped = false;
	int err = 0;

	/* One header buffer serves all chunks: conn_submit_data has sent a
	 * message by the time it returns. */
	for (size_t i = 0; i < nreq; i++) {
		struct wr w;
		uint32_t len = (uint32_t)MIN((size_t)chunk, size - i * chunk);
		session_msg_begin(s, &w, msg, sizeof(msg), SMB_COM_WRITE_ANDX);
		err = smb_write_andx_encode_head(&w, fid, off + i * chunk, 0, len);
		if (err == 0)
			reqs[i] = conn_submit_data(s->conn, &w, buf + i * chunk, len, &err);
		if (!reqs[i])
			break;
	}
	for (size_t i = 0; i < nreq && reqs[i]; i++) {
		struct smb_reply reply = { 0 };
		uint32_t want = (uint32_t)MIN((size_t)chunk, size - i * chunk);
		uint32_t count = 0;
		int ret = conn_wait(reqs[i], &reply);
		if (ret == 0)
			ret = smb_hdr_errno(&reply.msg.hdr);
		if (ret == 0 && smb_write_andx_decode(&reply.msg, &count) < 0)
			ret = -EIO;
		/* Some servers put garbage in CountHigh of small writes. */
		if (ret == 0 && count > want)
			count &= 0xFFFF;
		if (ret == 0 && count > want)
			ret = -EIO;
		if (ret < 0 && !err)
			err = ret;
		if (ret == 0 && !err)
			round_add(r, &stopped, count, want);
		smb_reply_clear(&reply);
	}
	g_free(reqs);
	return err;
}

static ssize_t write_data(struct session *s, uint16_t fid, const void *buf, size_t size,
			  uint64_t off)
{
	size_t total = 0;

	while (total < size) {
		struct io_round r = { 0 };
		uint32_t chunk = session_io_size(&s->write_limit, s->max_write);
		int err = write_round(s, fid, (const uint8_t *)buf + total, size - total,
				      off + total, chunk, &r);
		if (err == -EINVAL && chunk > s->safe_write) {
			session_io_learn(&s->write_limit, 0, s->safe_write, "write");
			continue;
		}
		if (err)
			return err;
		/* A server that takes nothing and says nothing is out of space
		 * in practice; say so rather than loop (after a partial
		 * write, as write(2) does, with the next call). */
		if (r.done == 0)
			return total ? (ssize_t)total : -ENOSPC;
		total += r.done;
		if (r.short_at)
			session_io_learn(&s->write_limit, r.short_at, s->safe_write, "write");
	}
	return (ssize_t)total;
}

/* ---- writes past the end of file ----
 *
 * A WRITE_ANDX may start past the end of the file; the gap reads as zeros
 * (MS-FSA 2.1.5.3, as lseek + write on POSIX).  Impacket's smbserver (0.10)
 * drops such a write and still answers success with the full count: a
 * sparse write (dd seek=, pwrite past the end) would be lost without a
 * word.  So until a session has seen one such write land, a write that
 * starts past the end of file as last known for its FID is checked: the
 * real end of file is asked before (the file may have grown meanwhile) and
 * after it.  A server that honoured it is trusted for the session; one that
 * dropped it gets, for each such write from then on, the file grown to the
 * write's offset first (END_OF_FILE, which Impacket honours), so that the
 * write starts at the end; what still does not land is EIO, never success.
 *
 * Writes that may extend a file past a gap take gap_lock exclusively, all
 * others share it: a concurrent write into the gap cannot land between the
 * check and the growing. */
enum { GAP_WRITES_UNKNOWN, GAP_WRITES_OK, GAP_WRITES_DROPPED };

static GRWLock gap_lock;
G_LOCK_DEFINE_STATIC(eof_known);

bool client_file_end(struct session *s, uint16_t fid, uint64_t *eof)
{
	G_LOCK(eof_known);
	uint64_t *v = s->eof_known ? g_hash_table_lookup(s->eof_known, GUINT_TO_POINTER(fid))
				   : NULL;
	if (v)
		*eof = *v;
	G_UNLOCK(eof_known);
	return v != NULL;
}

/* Records eof for fid: as it is (exact), or only if larger (a lower bound:
 * the end of a write that landed). */
static void eof_put(struct session *s, uint16_t fid, uint64_t eof, bool exact)
{
	G_LOCK(eof_known);
	if (!s->eof_known)
		s->eof_known = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	uint64_t *v = g_hash_table_lookup(s->eof_known, GUINT_TO_POINTER(fid));
	if (!v) {
		v = g_new(uint64_t, 1);
		*v = eof;
		g_hash_table_insert(s->eof_known, GUINT_TO_POINTER(fid), v);
	} else if (exact || eof > *v) {
		*v = eof;
	}
	G_UNLOCK(eof_known);
}

static void eof_forget(struct session *s, uint16_t fid)
{
	G_LOCK(eof_known);
	if (s->eof_known)
		g_hash_table_remove(s->eof_known, GUINT_TO_POINTER(fid));
	G_UNLOCK(eof_known);
}

static int set_eof(struct client *c, uint16_t fid, uint64_t size)
{
	uint8_t data[16];
	long len = smb_set_end_of_file_data(data, sizeof(data), size);
	if (len < 0)
		return (int)len;
	return client_set_file_info(c, fid, SMB_SET_FILE_END_OF_FILE_INFO, data, (size_t)len);
}

/* A write that may start past the end of file, under gap_lock (exclusive). */
static ssize_t gap_write(struct client *c, uint16_t fid, const void *buf, size_t size,
			 uint64_t off)
{
	struct session *s = c->session;
	uint64_t eof, now;
	ssize_t n;

	/* A server that cannot say its end of file is believed. */
	if (file_size(c, fid, &eof) < 0)
		return write_data(s, fid, buf, size, off);
	eof_put(s, fid, eof, true);
	if (off <= eof)
		return write_data(s, fid, buf, size, off);
	for (;;) {
		int gap = g_atomic_int_get(&s->gap_writes);
		if (gap == GAP_WRITES_DROPPED) {
			int ret = set_eof(c, fid, off);
			if (ret < 0)
				return ret;
		}
		n = write_data(s, fid, buf, size, off);
		if (n <= 0 || file_size(c, fid, &now) < 0)
			return n;
		if (now >= off + (uint64_t)n) {
			if (gap == GAP_WRITES_UNKNOWN)
				g_atomic_int_set(&s->gap_writes, GAP_WRITES_OK);
			return n;
		}
		if (gap == GAP_WRITES_DROPPED) {
			log_warn("server dropped a write at offset %llu past the end of file "
				 "(%llu bytes) although the file was grown to it",
				 (unsigned long long)off, (unsigned long long)now);
			return -EIO;
		}
		log_warn("server dropped a write past the end of file and answered success; "
			 "growing files before such writes from now on");
		g_atomic_int_set(&s->gap_writes, GAP_WRITES_DROPPED);
	}
}

ssize_t client_write(struct client *c, uint16_t fid, const void *buf, size_t size, uint64_t off)
{
	struct session *s = c->session;
	uint64_t eof = 0;
	ssize_t n;

	if (g_atomic_int_get(&s->gap_writes) == GAP_WRITES_OK)
		return write_data(s, fid, buf, size, off);
	g_rw_lock_reader_lock(&gap_lock);
	if (off == 0 || size == 0 || (client_file_end(s, fid, &eof) && off <= eof)) {
		n = write_data(s, fid, buf, size, off);
		g_rw_lock_reader_unlock(&gap_lock);
	} else {
		g_rw_lock_reader_unlock(&gap_lock);
		g_rw_lock_writer_lock(&gap_lock);
		n = gap_write(c, fid, buf, size, off);
		g_rw_lock_writer_unlock(&gap_lock);
	}
	if (n > 0)
		eof_put(s, fid, off + (uint64_t)n, false);
	return n;
}

/* ---- byte-range locks ----
 *
 * Who owns a lock.  With the CIFS UNIX extensions (SMB_SET_POSIX_LOCK) the
 * server keeps POSIX semantics itself, the owner being the lock data's Pid:
 * the kernel's lock owner id goes there.
 *
 * Without them (LOCKING_ANDX, every Windows server) a lock belongs to
 * FID + PID (MS-CIFS 3.3.5.30), and reads and writes are checked against
 * the locks of other owners.  Every request of the mount carries the
 * daemon's PID (conn.c), so the locks on a handle carry it too: then the
 * owner's own reads and writes inside its locked range are allowed, as on a
 * local disk.  POSIX owners sharing one handle (a process and its forked
 * children) are the same owner to the server: this side tells them apart,
 * from the handle's table of held ranges (locktab_conflict).  Their I/O is
 * not checked against each other's locks, which POSIX advisory locks never
 * do anyway; I/O through another handle in a range locked exclusively
 * still fails with EACCES (Windows locks are mandatory, README). */

/* The PID in the header of a message begun with session_msg_begin. */
static uint16_t msg_pid(const struct wr *w)
{
	return (uint16_t)(w->data[w->origin + 26] | w->data[w->origin + 27] << 8);
}

static int locking_andx(struct client *c, uint16_t fid, bool shared, bool unlock, bool wait,
			uint64_t start, uint64_t length)
{
	uint8_t buf[SMALL_MSG];
	struct wr w;
	uint8_t type = LOCKING_ANDX_LARGE_FILES | (shared ? LOCKING_ANDX_SHARED_LOCK : 0);

	session_msg_begin(c->session, &w, buf, sizeof(buf), SMB_COM_LOCKING_ANDX);
	/* The range's PID is the header's: the one reads and writes carry. */
	struct smb_lock_range r = { .pid = msg_pid(&w), .offset = start, .length = length };
	int ret = smb_locking_andx_encode(&w, fid, type, wait ? 0xFFFFFFFFu : 0,
					  unlock ? &r : NULL, unlock ? 1 : 0,
					  unlock ? NULL : &r, unlock ? 0 : 1);
	if (ret < 0)
		return ret;
	ret = client_simple_call(c, &w);
	/* Windows semantics: a conflicting lock is LOCK_NOT_GRANTED (EAGAIN)
	 * or FILE_LOCK_CONFLICT (EACCES); fcntl wants EAGAIN for both. */
	if (ret == -EACCES)
		ret = -EAGAIN;
	return ret;
}

static int posix_lock(struct client *c, uint16_t fid, uint64_t owner, uint16_t type, bool wait,
		      uint64_t start, uint64_t length)
{
	uint8_t data[32];
	long len = smb_posix_lock_data(data, sizeof(data), type, wait, (uint32_t)owner, start,
				       length);
	if (len < 0)
		return (int)len;
	int ret = client_set_file_info(c, fid, SMB_SET_POSIX_LOCK, data, (size_t)len);
	if (ret == -EACCES)
		ret = -EAGAIN;
	return ret;
}

static bool posix_locks(const struct client *c)
{
	return c->session->unix_ext && (c->session->unix_caps & CIFS_UNIX_FCNTL_LOCKS_CAP);
}

static uint64_t range_length(uint64_t start, uint64_t end)
{
	return end == LOCKTAB_EOF ? UINT64_MAX - start : end - start;
}

static int send_range(struct client *c, uint16_t fid, const struct lock_range *r, bool unlock)
{
	uint64_t length = range_length(r->start, r->end);

	if (posix_locks(c))
		return posix_lock(c, fid, r->owner,
				  unlock	? SMB_POSIX_LOCK_UNLOCK
				  : r->shared ? SMB_POSIX_LOCK_READ
					      : SMB_POSIX_LOCK_WRITE,
				  false, r->start, length);
	return locking_andx(c, fid, r->shared, unlock, false, r->start, length);
}

/* struct flock describing a conflicting lock [start, end). */
static void report_conflict(struct flock *fl, bool shared, uint64_t start, uint64_t end)
{
	fl->l_type = shared ? F_RDLCK : F_WRLCK;
	fl->l_whence = SEEK_SET;
	fl->l_start = (off_t)start;
	fl->l_len = end == LOCKTAB_EOF || end - start > INT64_MAX ? 0 : (off_t)(end - start);
	fl->l_pid = 0; /* the holder's process is not known over SMB */
}

/* F_GETLK with the UNIX extensions: SMB_QUERY_POSIX_LOCK asks the server
 * without taking anything (the owner's own locks never conflict). */
static int posix_getlk(struct client *c, uint16_t fid, uint64_t owner, bool shared,
		       uint64_t start, uint64_t end, struct flock *fl)
{
	uint8_t params[16], data[32];
	struct smb_reply reply = { 0 };
	struct smb_posix_lock l;
	long plen = smb_qfileinfo_params(params, sizeof(params), fid, SMB_SET_POSIX_LOCK);
	long dlen = smb_posix_lock_data(data, sizeof(data),
					shared ? SMB_POSIX_LOCK_READ : SMB_POSIX_LOCK_WRITE, false,
					(uint32_t)owner, start, range_length(start, end));
	if (plen < 0 || dlen < 0)
		return -EINVAL;
	int ret = session_trans2(c->session, TRANS2_QUERY_FILE_INFORMATION, params,
				 (uint16_t)plen, data, (uint16_t)dlen, 2, &reply);
	if (ret == 0 && smb_parse_posix_lock_data(reply.t2.data, reply.t2.total_data, &l) < 0)
		ret = -EIO;
	if (ret == 0) {
		if (l.type == SMB_POSIX_LOCK_UNLOCK)
			fl->l_type = F_UNLCK;
		else
			report_conflict(fl, l.type == SMB_POSIX_LOCK_READ, l.start,
					l.length >= UINT64_MAX - l.start ? LOCKTAB_EOF
									  : l.start + l.length);
	}
	smb_reply_clear(&reply);
	return ret;
}

/* F_GETLK with Windows locks: other owners on this handle from the table;
 * beyond this handle's ranges (where a probe by the same FID + PID would
 * meet its own locks), take and drop a lock on each gap. */
static int windows_getlk(struct client *c, uint16_t fid, GArray *held, uint64_t owner,
			 bool shared, uint64_t start, uint64_t end, struct flock *fl)
{
	const struct lock_range *hr = (const struct lock_range *)(void *)held->data;
	const struct lock_range *other = locktab_conflict(
		hr, held->len, owner, shared ? LOCKTAB_SHARED : LOCKTAB_EXCLUSIVE, start, end);
	int ret = 0;

	fl->l_type = F_UNLCK;
	if (other) {
		report_conflict(fl, other->shared, other->start, other->end);
		return 0;
	}
	GArray *gaps = g_array_new(FALSE, FALSE, sizeof(struct lock_range));
	locktab_gaps(hr, held->len, start, end, gaps);
	for (guint i = 0; i < gaps->len && ret == 0 && fl->l_type == F_UNLCK; i++) {
		struct lock_range g = g_array_index(gaps, struct lock_range, i);
		g.shared = shared;
		ret = send_range(c, fid, &g, false);
		if (ret == 0) {
			send_range(c, fid, &g, true);
			continue;
		}
		if (ret != -EAGAIN)
			break;
		ret = 0;
		/* Busy: a shared probe tells a reader's lock from a writer's. */
		g.shared = true;
		bool readers = !shared && send_range(c, fid, &g, false) == 0;
		if (readers)
			send_range(c, fid, &g, true);
		report_conflict(fl, readers, g.start, g.end);
	}
	g_array_free(gaps, TRUE);
	return ret;
}

/* The range [start, end) an fcntl request names. */
static void flock_range(const struct flock *fl, uint64_t *start, uint64_t *end)
{
	*start = fl->l_start < 0 ? 0 : (uint64_t)fl->l_start;
	*end = fl->l_len > 0 ? *start + (uint64_t)fl->l_len : LOCKTAB_EOF;
}

void client_unlock_table(uint64_t owner, const struct flock *fl, GArray *held)
{
	uint64_t start, end;
	flock_range(fl, &start, &end);
	GArray *steps = g_array_new(FALSE, FALSE, sizeof(struct lock_step));
	GArray *result = g_array_new(FALSE, FALSE, sizeof(struct lock_range));
	locktab_plan((const struct lock_range *)(void *)held->data, held->len, owner,
		     LOCKTAB_UNLOCK, start, end, steps, result);
	g_array_set_size(held, 0);
	g_array_append_vals(held, result->data, result->len);
	g_array_free(steps, TRUE);
	g_array_free(result, TRUE);
}

int client_lock(struct client *c, uint16_t fid, uint64_t owner, int cmd, struct flock *fl,
		GArray *held)
{
	uint64_t start, end;
	flock_range(fl, &start, &end);
	enum locktab_type type = fl->l_type == F_RDLCK	 ? LOCKTAB_SHARED
				 : fl->l_type == F_WRLCK ? LOCKTAB_EXCLUSIVE
							 : LOCKTAB_UNLOCK;
	int ret = 0;

	if (cmd == F_GETLK) {
		if (posix_locks(c))
			return posix_getlk(c, fid, owner, type == LOCKTAB_SHARED, start, end, fl);
		return windows_getlk(c, fid, held, owner, type == LOCKTAB_SHARED, start, end, fl);
	}
	/* Windows locks: the server sees one owner per handle (see above). */
	if (!posix_locks(c) && type != LOCKTAB_UNLOCK &&
	    locktab_conflict((const struct lock_range *)(void *)held->data, held->len, owner, type,
			     start, end))
		return -EAGAIN;

	GArray *steps = g_array_new(FALSE, FALSE, sizeof(struct lock_step));
	GArray *result = g_array_new(FALSE, FALSE, sizeof(struct lock_range));
	locktab_plan((const struct lock_range *)(void *)held->data, held->len, owner, type, start,
		     end, steps, result);
	if (posix_locks(c)) {
		/* The server has POSIX semantics itself: one request. */
		struct lock_range r = { .owner = owner, .start = start, .end = end,
					.shared = type == LOCKTAB_SHARED };
		ret = send_range(c, fid, &r, type == LOCKTAB_UNLOCK);
	} else {
		/* Windows semantics: run the plan; on failure undo what was
		 * done, newest first, so the owner keeps what it had. */
		guint i;
		for (i = 0; i < steps->len; i++) {
			struct lock_step *st = &g_array_index(steps, struct lock_step, i);
			ret = send_range(c, fid, &st->range, st->unlock);
			if (ret < 0)
				break;
		}
		while (ret < 0 && i-- > 0) {
			struct lock_step *st = &g_array_index(steps, struct lock_step, i);
			if (send_range(c, fid, &st->range, !st->unlock) < 0)
				log_warn("lost a byte-range lock while undoing a failed request");
		}
	}
	if (ret == 0) {
		g_array_set_size(held, 0);
		g_array_append_vals(held, result->data, result->len);
	}
	g_array_free(steps, TRUE);
	g_array_free(result, TRUE);
	return ret;
}

int client_relock(struct client *c, uint16_t fid, GArray *held)
{
	int ret = 0;
	for (guint i = 0; i < held->len; i++) {
		int r = send_range(c, fid, &g_array_index(held, struct lock_range, i), false);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

int client_flock(struct client *c, uint16_t fid, uint64_t owner, int op)
{
	bool wait = !(op & LOCK_NB);
	int kind = op & ~LOCK_NB;

	if (posix_locks(c)) {
		uint16_t type = kind == LOCK_SH	  ? SMB_POSIX_LOCK_READ
				: kind == LOCK_EX ? SMB_POSIX_LOCK_WRITE
						  : SMB_POSIX_LOCK_UNLOCK;
		return posix_lock(c, fid, owner, type, wait, 0, UINT64_MAX);
	}
	return locking_andx(c, fid, kind == LOCK_SH, kind == LOCK_UN, wait, 0, UINT64_MAX);
}
