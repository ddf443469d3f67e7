/* FUSE operations: each one a translation to client.c.  Errors are already
 * -errno from below; nothing here talks SMB.
 *
 * Reconnects: every call takes a live session from the pool and runs as
 * attempts.  What each attempt's requests became (the connection's ledger:
 * not sent, answered, lost, unknown) and what kind of operation it is
 * (pool_op_kind) go to pool_retry_decision, the one place that decides
 * whether to try again; nothing here guesses from errno values.  An
 * operation that must not run twice is repeated only as a check
 * ("replay"): an unlink whose first copy ran finds nothing to remove. */
#include "fs_ops.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <time.h>
#include <glib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <fcntl.h>

#include "log.h"
#include "stats_ioctl.h"
#include "writebehind.h"
#include "readahead.h"

static struct smbfuse *fs_get(void)
{
	return fuse_get_context()->private_data;
}

static void kernel_forget(struct smbfuse *fs, const char *path);

/* Evaluates a call that changes the server, then forgets what the caches
 * knew about path (whether the call worked or not: it may have, in part). */
#define FORGET(fs, path, call)                                                          \
	({                                                                              \
		int fg_ = (call);                                                       \
		cache_invalidate((fs)->cache, (path));                                  \
		fg_;                                                                    \
	})
#define FORGET_FILE(fs, path, call)                                                     \
	({                                                                              \
		int fg_ = (call);                                                       \
		cache_invalidate_file((fs)->cache, (path));                             \
		fg_;                                                                    \
	})

/* Runs a client call and records its latency and result (stats.c). */
#define TIMED(op, call)                                                                 \
	({                                                                              \
		gint64 tt0_ = g_get_monotonic_time();                                   \
		long tr_ = (long)(call);                                                \
		stats_record(&fs_get()->stats, (op), g_get_monotonic_time() - tt0_, tr_); \
		(int)tr_;                                                               \
	})

#define STATS_XATTR "user.smbfuse.stats"
#define NO_ERRNO 1 /* never a negative errno */

/* A client bound to a live session of the pool (a reference). */
static int bind_client(struct smbfuse *fs, struct client *cl)
{
	*cl = *fs->client;
	return pool_get(fs->pool, &cl->session);
}

/* After an attempt: the retry decision, and the log line a user needs when
 * the answer is "no" after a lost connection. */
static enum pool_retry after_attempt(struct smbfuse *fs, enum pool_op_kind kind,
				     const struct conn_ledger *l, int attempt, int result)
{
	enum pool_retry d = pool_retry_decision(kind, l, attempt);
	pool_note_attempt(fs->pool, l);
	if (l->failed && d == POOL_RETRY_NO && result < 0)
		log_warn("a request got no answer (%s, fate %s); not repeating it: %s",
			 g_strerror(-result), conn_fate_name(conn_ledger_fate(l)),
			 conn_ledger_fate(l) == CONN_FATE_UNKNOWN
				 ? "the server may still carry it out"
				 : "attempts used up");
	return d;
}

/* What the answer to a repeated attempt means.  resumed: the first steps
 * surely ran, so ok_resume ("already exists") is our own doing; replay: the
 * first attempt may have run, so ok_verify ("nothing to remove") is as good
 * as done, while "already exists" cannot be told from another client's
 * work: then the call fails with the error that lost the first attempt
 * (the outcome is unknown), never EEXIST, which would say someone else
 * made it, nor success, which could make two winners of a mkdir lock. */
static int repeat_answer(enum pool_op_kind kind, bool replay, bool resumed, int result,
			 int ok_verify, int ok_resume, int lost_err)
{
	if (resumed && result == ok_resume)
		return 0;
	if (replay && result == ok_verify)
		return 0;
	if (replay && !resumed && kind == POOL_OP_ONCE && result == -EEXIST && lost_err) {
		log_warn("a request was lost with its connection and its repeat found the name "
			 "taken: whether by this mount cannot be known; failing with %s",
			 g_strerror(-lost_err));
		return lost_err;
	}
	return result;
}

/* Runs `call` (an expression using `cl`, and `replay`: true when this
 * attempt repeats one that may have run) as attempts of an operation of
 * `kind`.  On a repeat, `ok_verify` means the earlier attempt may have done
 * the work (unlink's ENOENT: gone is gone), `ok_resume` that it surely did
 * (mknod's EEXIST after its create was answered). */
#define FS_CALL(fs, kind, ok_verify, ok_resume, call)                                   \
	({                                                                              \
		int fr_, lost_ = 0;                                                     \
		bool replay = false, resumed_ = false;                                  \
		for (int fa_ = 0;; fa_++) {                                             \
			struct client fcl_;                                             \
			struct conn_ledger fl_;                                         \
			fr_ = bind_client((fs), &fcl_);                                 \
			if (fr_ < 0)                                                    \
				break;                                                  \
			struct client *cl = &fcl_;                                      \
			conn_ledger_begin(&fl_, (kind) != POOL_OP_READ);                \
			fr_ = (int)(call);                                              \
			conn_ledger_end();                                              \
			(void)cl;                                                       \
			fr_ = repeat_answer((kind), replay, resumed_, fr_, (ok_verify), \
					    (ok_resume), lost_);                        \
			if (fl_.failed && !lost_)                                       \
				lost_ = fr_ < 0 ? fr_ : -EIO;                           \
			enum pool_retry fd_ =                                           \
				after_attempt((fs), (kind), &fl_, fa_, fr_);            \
			session_unref(fcl_.session);                                    \
			if (fd_ == POOL_RETRY_NO)                                       \
				break;                                                  \
			replay = replay || fd_ == POOL_RETRY_VERIFY || fd_ == POOL_RETRY_RESUME; \
			resumed_ = resumed_ || fd_ == POOL_RETRY_RESUME;                \
		}                                                                       \
		fr_;                                                                    \
	})

/* The same for an open file: `call` uses `cl` and `fid`, re-opened on a new
 * session if needed (fs_handle.c). */
#define FH_CALL(fs, h, path, kind, call)                                                \
	({                                                                              \
		int hr_;                                                                \
		for (int ha_ = 0;; ha_++) {                                             \
			struct client hcl_;                                             \
			struct conn_ledger hl_;                                         \
			uint16_t fid;                                                   \
			bool transient_;                                                \
			hr_ = fs_handle_bind((h), (fs)->pool, (fs)->client, (path), &hcl_, \
					    &fid, &transient_);                         \
			if (hr_ < 0) {                                                  \
				if (transient_ && ha_ + 1 < POOL_MAX_ATTEMPTS)          \
					continue;                                       \
				break;                                                  \
			}                                                               \
			struct client *cl = &hcl_;                                      \
			conn_ledger_begin(&hl_, (kind) != POOL_OP_READ);                \
			hr_ = (int)(call);                                              \
			conn_ledger_end();                                              \
			(void)cl;                                                       \
			enum pool_retry hd_ =                                           \
				after_attempt((fs), (kind), &hl_, ha_, hr_);            \
			fs_handle_unbind((h), &hcl_);                                   \
			if (hd_ == POOL_RETRY_NO)                                       \
				break;                                                  \
		}                                                                       \
		hr_;                                                                    \
	})

static struct fs_handle *handle_of(struct fuse_file_info *fi)
{
	return (struct fs_handle *)(uintptr_t)fi->fh;
}

static const char *const cap_names[] = {
	"RAW_MODE", "MPX_MODE", "UNICODE", "LARGE_FILES", "NT_SMBS", "RPC_REMOTE_APIS",
	"STATUS32", "LEVEL_II_OPLOCKS", "LOCK_AND_READ", "NT_FIND", NULL, NULL, "DFS",
	"INFOLEVEL_PASSTHRU", "LARGE_READX", "LARGE_WRITEX", "LWIO", NULL, NULL, NULL, NULL, NULL,
	NULL, "UNIX", NULL, NULL, NULL, NULL, NULL, "DYNAMIC_REAUTH", NULL, "EXTENDED_SECURITY",
};

/* The mount's state as "key: value" lines: what a user needs to see without
 * a debugger (server, session, connection, per-operation counts). */
static char *stats_report(struct smbfuse *fs)
{
	struct session *s = pool_any_ref(fs->pool);
	GString *out = g_string_new("");
	struct pool_info pi;
	uint64_t sent = 0, received = 0;
	uint64_t by_command[256] = { 0 }, by_trans2[CONN_TRANS2_SUBS] = { 0 };

	pool_get_info(fs->pool, &pi);
	g_string_append_printf(out, "server: %s port %u\nshare: %s\nuser: %s\n",
			       fs->opts->host, conn_port(s->conn), s->unc, s->user);
	g_string_append(out, "dialect: NT LM 0.12\n");
	g_string_append_printf(out, "capabilities: 0x%08x", s->server_caps);
	for (unsigned i = 0; i < G_N_ELEMENTS(cap_names); i++)
		if ((s->server_caps & (1u << i)) && cap_names[i])
			g_string_append_printf(out, " %s", cap_names[i]);
	g_string_append_printf(out,
			       "\nunix_extensions: %s\nunix_caps: 0x%llx\nsigning: %s\n"
			       "max_read: %u\nmax_write: %u\nmax_mpx: %u\n",
			       s->unix_ext ? "yes" : "no", (unsigned long long)s->unix_caps,
			       s->signing ? "yes" : "no", s->max_read, s->max_write, s->max_mpx);
	g_string_append_printf(out, "connections: %u\nconnections_up: %u\nserver_down: %s\n",
			       pi.conns, pi.live, pi.down ? "yes" : "no");
	for (unsigned i = 0; i < pi.conns; i++) {
		struct session *cs = pool_slot(fs->pool, i);
		struct conn_stats st = { 0 };
		if (cs)
			conn_get_stats(cs->conn, &st);
		sent += st.bytes_sent;
		received += st.bytes_received;
		for (unsigned k = 0; k < 256; k++)
			by_command[k] += st.by_command[k];
		for (unsigned k = 0; k < CONN_TRANS2_SUBS; k++)
			by_trans2[k] += st.by_trans2[k];
		g_string_append_printf(out,
				       "connection.%u.state: %s\nconnection.%u.requests: %llu\n"
				       "connection.%u.in_flight: %u\n"
				       "connection.%u.peak_in_flight: %u\n"
				       "connection.%u.late_answers: %llu\n"
				       "connection.%u.server_events: %llu\n",
				       i, cs && conn_alive(cs->conn) ? "up" : "down", i,
				       (unsigned long long)st.requests, i, st.in_flight, i,
				       st.peak_in_flight, i, (unsigned long long)st.late_answers, i,
				       (unsigned long long)st.server_events);
		/* Each session's own facts (a reconnect may differ), with the
		 * read and write sizes it has learned the server honours. */
		if (cs)
			g_string_append_printf(out,
					       "connection.%u.max_read: %u\n"
					       "connection.%u.max_write: %u\n"
					       "connection.%u.signing: %s\n",
					       i, session_io_size(&cs->read_limit, cs->max_read), i,
					       session_io_size(&cs->write_limit, cs->max_write), i,
					       cs->signing ? "yes" : "no");
		session_unref(cs);
	}
	/* Bytes of the current connections (those of replaced ones are gone). */
	g_string_append_printf(out, "reconnects: %u\nbytes_sent: %llu\nbytes_received: %llu\n",
			       pi.reconnects, (unsigned long long)sent,
			       (unsigned long long)received);
	struct cache_stats cs;
	struct notify_stats ns;
	cache_get_stats(fs->cache, &cs);
	notify_get_stats(fs->notify, &ns);
	g_string_append_printf(
		out,
		"cache_mode: %s\ncache_coherence: %s\ncache_ttl_ms: %d\n"
		"cache.attr_hits: %llu\ncache.attr_misses: %llu\ncache.negative_hits: %llu\n"
		"cache.absent_names: %llu\n"
		"cache.dir_hits: %llu\ncache.dir_misses: %llu\ncache.invalidations: %llu\n"
		"cache.invalidate_all: %llu\ncache.kept_file_data: %d\n"
		"notify.active: %s\nnotify.notifications: %llu\nnotify.changes: %llu\n"
		"notify.overflows: %llu\nnotify.arms: %llu\nnotify.dirs_watched: %u\n"
		"oplock_breaks: %d\n",
		fs->cache_mode == CACHE_NONE	? "none"
		: fs->cache_mode == CACHE_LOOSE ? "loose"
						: "strict",
		ns.active && !ns.per_directory ? "change notify and oplocks"
		: ns.active ? "change notify on the root and listed directories, and oplocks"
			    : (ns.why_inactive ? ns.why_inactive : "ttl (actimeo)"),
		cache_ttl_ms(fs->cache), (unsigned long long)cs.attr_hits,
		(unsigned long long)cs.attr_misses, (unsigned long long)cs.negative_hits,
		(unsigned long long)cs.absent_names,
		(unsigned long long)cs.dir_hits, (unsigned long long)cs.dir_misses,
		(unsigned long long)cs.invalidations, (unsigned long long)cs.invalidate_all,
		g_atomic_int_get(&fs->cached_opens), ns.active ? "yes" : "no",
		(unsigned long long)ns.notifications, (unsigned long long)ns.changes,
		(unsigned long long)ns.overflows, (unsigned long long)ns.arms, ns.dirs_watched,
		g_atomic_int_get(&fs->oplock_breaks));
	struct wb_stats ws;
	wb_get_stats(&ws);
	g_string_append_printf(out,
			       "writebehind.queued: %llu\nwritebehind.direct: %llu\n"
			       "writebehind.waits: %llu\nwritebehind.failures: %llu\n"
			       "writebehind.peak_bytes: %zu\n",
			       (unsigned long long)ws.queued, (unsigned long long)ws.direct,
			       (unsigned long long)ws.waits, (unsigned long long)ws.failures,
			       ws.peak_bytes);
	struct readahead_stats ra;
	readahead_get_stats(&ra);
	g_string_append_printf(out,
			       "readahead.bytes: %llu\nreadahead.peak_bytes: %llu\n"
			       "readahead.served: %llu\nreadahead.dropped: %llu\n",
			       (unsigned long long)ra.bytes, (unsigned long long)ra.peak_bytes,
			       (unsigned long long)ra.served, (unsigned long long)ra.dropped);
	stats_append(&fs->stats, out);
	stats_append_requests(out, by_command, by_trans2, CONN_TRANS2_SUBS);
	session_unref(s);
	return g_string_free(out, FALSE);
}

/* `smbfuse --stats`: the report, from offset on, as much as fits. */
static int fs_ioctl(const char *path, unsigned int cmd, void *arg, struct fuse_file_info *fi,
		    unsigned int flags, void *data)
{
	struct smbfuse_stats_ioc *io = data;
	(void)arg;
	(void)fi;

	/* The mount root only: a subdirectory is not a mount point. */
	if (cmd != SMBFUSE_IOC_STATS || !(flags & FUSE_IOCTL_DIR) || strcmp(path, "/") != 0)
		return -ENOTTY;
	char *text = stats_report(fs_get());
	size_t len = strlen(text);
	/* Past the end (the report shrank between pages): nothing, and the
	 * new total tells the reader to start again. */
	size_t n = io->offset < len ? MIN(len - io->offset, sizeof(io->text)) : 0;
	memcpy(io->text, text + (n ? io->offset : 0), n);
	io->len = (uint32_t)n;
	io->total = (uint32_t)len;
	io->magic = SMBFUSE_STATS_MAGIC;
	g_free(text);
	return 0;
}

/* Only with -o stats_xattr: answering getxattr at all makes `ls -l` ask
 * every entry for two attributes (two FUSE round trips each). */
static int fs_getxattr(const char *path, const char *name, char *value, size_t size)
{
	if (strcmp(path, "/") != 0 || strcmp(name, STATS_XATTR) != 0)
		return -ENODATA;
	char *text = stats_report(fs_get());
	size_t len = strlen(text);
	int ret = (int)len;
	if (size && size < len)
		ret = -ERANGE;
	else if (size)
		memcpy(value, text, len);
	g_free(text);
	return ret;
}

static int fs_listxattr(const char *path, char *list, size_t size)
{
	size_t len = sizeof(STATS_XATTR);
	if (strcmp(path, "/") != 0)
		return 0;
	if (size && size < len)
		return -ERANGE;
	if (size)
		memcpy(list, STATS_XATTR, len);
	return (int)len;
}

static mode_t unix_type_mode(uint32_t type)
{
	switch (type) {
	case UNIX_TYPE_DIR:
		return S_IFDIR;
	case UNIX_TYPE_SYMLINK:
		return S_IFLNK;
	case UNIX_TYPE_CHARDEV:
		return S_IFCHR;
	case UNIX_TYPE_BLKDEV:
		return S_IFBLK;
	case UNIX_TYPE_FIFO:
		return S_IFIFO;
	case UNIX_TYPE_SOCKET:
		return S_IFSOCK;
	default:
		return S_IFREG;
	}
}

void fs_stat_from_info(const struct smbfuse *fs, const struct smb_file_info *fi,
		       struct stat *st)
{
	const struct smbfuse_opts *o = fs->opts;

	memset(st, 0, sizeof(*st));
	if (fi->has_unix) {
		st->st_mode = unix_type_mode(fi->unix_type) | (mode_t)(fi->perms & 07777);
		st->st_uid = (uid_t)fi->uid;
		st->st_gid = (gid_t)fi->gid;
		st->st_nlink = fi->nlinks ? (nlink_t)fi->nlinks : 1;
		st->st_ino = fi->unique_id;
		st->st_rdev = makedev((unsigned)fi->dev_major, (unsigned)fi->dev_minor);
		st->st_blocks = (blkcnt_t)((fi->num_bytes + 511) / 512);
	} else {
		/* Without UNIX extensions the share has no owners or modes: the
		 * mount's uid/gid/file_mode/dir_mode stand in, and the DOS
		 * read-only attribute takes away write permission. */
		if (fi->is_dir)
			st->st_mode = S_IFDIR | o->dir_mode;
		else
			st->st_mode = S_IFREG | o->file_mode;
		if (fi->attrs & FILE_ATTRIBUTE_READONLY && !fi->is_dir)
			st->st_mode &= ~(mode_t)0222;
		st->st_uid = fs->default_uid;
		st->st_gid = fs->default_gid;
		st->st_nlink = fi->nlink ? fi->nlink : (fi->is_dir ? 2 : 1);
		st->st_blocks = (blkcnt_t)((fi->alloc_size + 511) / 512);
	}
	if (o->uid_set)
		st->st_uid = o->uid;
	if (o->gid_set)
		st->st_gid = o->gid;
	st->st_size = (off_t)fi->end_of_file;
	st->st_blksize = 65536;
	smb_nttime_to_timespec(fi->access_time, &st->st_atim);
	smb_nttime_to_timespec(fi->write_time, &st->st_mtim);
	smb_nttime_to_timespec(fi->change_time ? fi->change_time : fi->write_time, &st->st_ctim);
}

/* First thing in an operation: the writes queued before it land first
 * (write-behind), or it fails as its caller has gone (wb_drain_all). */
#define DRAIN_QUEUED_WRITES()                           \
	do {                                            \
		int drained_ = wb_drain_all();          \
		if (drained_ < 0)                       \
			return drained_;                \
	} while (0)

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct smbfuse *fs = fs_get();

	/* actimeo= is the one knob for both (attr_timeout= and entry_timeout=
	 * are not accepted, so nothing is silently overridden here). */
	cfg->attr_timeout = fs->cache_mode == CACHE_NONE ? 0 : fs->opts->actimeo;
	cfg->entry_timeout = fs->cache_mode == CACHE_NONE ? 0 : fs->opts->actimeo;
	/* Server inode numbers are stable with UNIX extensions; hard links
	 * then show as links. */
	cfg->use_ino = fs->unix_ext;
	cfg->readdir_ino = 0;
	/* Deliver interrupts (a signal to the waiting process) to the worker,
	 * so a blocking lock can give up with EINTR. */
	cfg->intr = 1;
	cfg->intr_signal = SIGUSR1;
	cfg->nullpath_ok = 0;
	/* Large reads: FUSE sends up to max_pages at once; the client splits
	 * them into pipelined READ_ANDX requests. */
	conn->max_readahead = 1024 * 1024;
	conn->want |= FUSE_CAP_ASYNC_READ;
	/* Always readdirplus: the adaptive mode starts with plain readdir and
	 * lets `ls -l` pay a LOOKUP round trip per entry. */
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
	/* `smbfuse --stats` asks the root directory (stats_ioctl.h). */
	if (conn->capable & FUSE_CAP_IOCTL_DIR)
		conn->want |= FUSE_CAP_IOCTL_DIR;
	return fs;
}

/* Remembers path as a name of a hard-linked file (server inode numbers:
 * UNIX extensions only; directories are never hard links). */
static void note_links(struct smbfuse *fs, const char *path, const struct stat *st)
{
	if (fs->unix_ext)
		linknames_note(fs->links, path, (uint64_t)st->st_ino,
			       S_ISDIR(st->st_mode) ? 1 : (unsigned long)st->st_nlink);
}

/* After a change through path: the kernel caches each name of a file on
 * its own (one node per path in the high-level API), so drop what it holds
 * for the other names of the same server file (linknames.h). */
static void invalidate_names(struct smbfuse *fs, char **names)
{
	for (char **p = names; p && *p; p++) {
		cache_invalidate_file(fs->cache, *p);
		kernel_forget(fs, *p);
	}
	g_strfreev(names);
}

/* Passes ret through; after a success refreshes path's other names. */
static int refreshed(struct smbfuse *fs, const char *path, int ret)
{
	if (ret >= 0)
		invalidate_names(fs, linknames_others(fs->links, path));
	return ret;
}

/* Whether directories' whole sets of names may be kept (cache.h,
 * cache_names_created): nothing can change one unseen while notification
 * watches the whole tree, and names compare exactly (POSIX pathnames). */
static bool names_tracked(struct smbfuse *fs)
{
	return fs->unix_ext && notify_active(fs->notify);
}

/* What making path through the mount (create, mkdir, link, symlink; ret
 * its result) did to the set of names of its directory.  An outcome it
 * cannot tell forgets the set; so does every removal (unlink, rmdir, a
 * rename's source: cache_names_forget), as another client may have made
 * the name again since and told us before this answer came (the watcher
 * runs apart). */
static void names_made(struct smbfuse *fs, const char *path, int ret)
{
	if (ret == 0)
		cache_names_add(fs->cache, path, false);
	else if (ret == -EEXIST)
		cache_names_add(fs->cache, path, true); /* (not a set begun for it) */
	else
		cache_names_forget(fs->cache, path);
}

/* Asks the server for path's attributes, and caches the answer. */
static int fetch_attr(struct smbfuse *fs, const char *path, struct stat *st)
{
	struct smb_file_info info;
	uint64_t ticket = cache_ticket(fs->cache);
	int ret = TIMED(STATS_GETATTR,
			FS_CALL(fs, POOL_OP_READ, NO_ERRNO, NO_ERRNO, client_getattr(cl, path, &info)));
	if (ret == -ENOENT)
		cache_put_negative(fs->cache, ticket, path);
	if (ret < 0)
		return ret;
	fs_stat_from_info(fs, &info, st);
	cache_put_attr(fs->cache, ticket, path, st);
	note_links(fs, path, st);
	return 0;
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	DRAIN_QUEUED_WRITES();
	struct smbfuse *fs = fs_get();
	bool negative;

	if (cache_get_attr(fs->cache, path, st, &negative))
		return negative ? -ENOENT : 0;
	/* The kernel's lookup of a name about to be made (tar, cp). */
	if (names_tracked(fs) && cache_name_absent(fs->cache, path))
		return -ENOENT;
	return fetch_attr(fs, path, st);
}

static int fs_readlink(const char *path, char *buf, size_t size)
{
	struct smbfuse *fs = fs_get();
	char *target = NULL;
	int ret = TIMED(STATS_READLINK,
			FS_CALL(fs, POOL_OP_READ, NO_ERRNO, NO_ERRNO, client_readlink(cl, path, &target)));
	if (ret < 0)
		return ret;
	g_strlcpy(buf, target, size);
	g_free(target);
	return 0;
}

/* A directory is listed once, at opendir (or taken from the cache), into
 * this; readdir then pages through it with real offsets, which is what lets
 * libfuse hand the attributes to the kernel with each entry (readdirplus),
 * so `ls -l` costs no per-file round trip. */
struct dir_listing {
	GArray *entries; /* struct cache_dirent */
};

struct collect_ctx {
	struct smbfuse *fs;
	const char *dir;
	GArray *entries;
};

static int collect_entry(void *data, const char *name, const struct smb_file_info *fi)
{
	struct collect_ctx *cc = data;
	struct cache_dirent e = { .name = g_strdup(name) };

	fs_stat_from_info(cc->fs, fi, &e.st);
	if (e.st.st_nlink > 1 && !S_ISDIR(e.st.st_mode)) {
		/* readdirplus hands these attributes to the kernel too */
		char *p = g_build_path("/", cc->dir, name, NULL);
		note_links(cc->fs, p, &e.st);
		g_free(p);
	}
	g_array_append_val(cc->entries, e);
	return 0;
}

/* One listing attempt; a retry starts from an empty listing. */
static int list_dir(struct client *cl, const char *path, struct collect_ctx *cc)
{
	g_array_set_size(cc->entries, 0);
	return client_readdir(cl, path, collect_entry, cc);
}

/* The result of an open (of a file or a directory) of a name the kernel
 * holds, so believes is there.  If the server says it is not (or is no
 * directory), another client changed it unseen: what the caches knew of it
 * is forgotten, so that the next lookup asks the server.  A file's open
 * then says ESTALE, which makes the kernel look the name up again
 * (LOOKUP_REVAL) and redo the open: a create for an open with O_CREAT
 * (which the kernel does not pass on to an open: it would fail with
 * ENOENT), or the lookup's ENOENT / ENOTDIR.  Not a directory's: no
 * O_CREAT to save, and a kernel retry cannot look up "." again (an open
 * of the working directory would say ESTALE). */
static int open_found(struct smbfuse *fs, const char *path, int ret, bool retry)
{
	if (ret != -ENOENT && ret != -ENOTDIR)
		return ret;
	cache_invalidate(fs->cache, path);
	cache_names_forget(fs->cache, path);
	return retry ? -ESTALE : ret;
}

/* Lists path into a fresh array (*entries): 0, or 1 when it is the cached
 * listing; or -errno. */
static int fetch_listing(struct smbfuse *fs, const char *path, GArray **entries)
{
	struct collect_ctx cc = { .fs = fs, .dir = path };

	DRAIN_QUEUED_WRITES();
	*entries = cache_get_dir(fs->cache, path);
	if (*entries)
		return 1;
	uint64_t ticket = cache_ticket(fs->cache);
	cc.entries = cache_dirents_new();
	int ret = TIMED(STATS_OPENDIR,
			FS_CALL(fs, POOL_OP_READ, NO_ERRNO, NO_ERRNO, list_dir(cl, path, &cc)));
	if (ret < 0) {
		g_array_free(cc.entries, TRUE);
		return ret;
	}
	cache_put_dir(fs->cache, ticket, path, cc.entries);
	notify_watch_dir(fs->notify, path);
	*entries = cc.entries;
	return 0;
}

static int fs_opendir(const char *path, struct fuse_file_info *fi)
{
	struct smbfuse *fs = fs_get();
	struct dir_listing *dl = g_new0(struct dir_listing, 1);

	if (fi->flags & SMBFUSE_STATS_OPEN_FLAG) {
		/* smbfuse --stats, which reads no entries: fs_readdir lists if
		 * asked.  The kernel's cached pages are not kept: should any
		 * other reader ever open with this flag, it sees a fresh list. */
		fi->cache_readdir = 0;
		fi->keep_cache = 0;
		goto out;
	}
	/* The kernel keeps the listing's pages as long as ours is valid: both
	 * are dropped together (a change seen or the TTL over). */
	fi->cache_readdir = cache_ttl_ms(fs->cache) > 0;
	int ret = fetch_listing(fs, path, &dl->entries);
	if (ret < 0) {
		g_free(dl);
		return open_found(fs, path, ret, false);
	}
	fi->keep_cache = ret == 1;
out:
	fi->fh = (uint64_t)(uintptr_t)dl;
	return 0;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct dir_listing *dl = (struct dir_listing *)(uintptr_t)fi->fh;
	enum fuse_fill_dir_flags fill = (flags & FUSE_READDIR_PLUS) ? FUSE_FILL_DIR_PLUS : 0;

	if (!dl->entries) {
		int ret = fetch_listing(fs_get(), path, &dl->entries);
		if (ret < 0)
			return ret;
	}
	/* Offsets: 1 and 2 are "." and "..", entry i is i + 3. */
	if (offset < 1 && filler(buf, ".", NULL, 1, 0))
		return 0;
	if (offset < 2 && filler(buf, "..", NULL, 2, 0))
		return 0;
	for (guint i = offset > 2 ? (guint)(offset - 2) : 0; i < dl->entries->len; i++) {
		struct cache_dirent *e = &g_array_index(dl->entries, struct cache_dirent, i);
		if (filler(buf, e->name, &e->st, (off_t)i + 3, fill))
			break;
	}
	return 0;
}

static int fs_releasedir(const char *path, struct fuse_file_info *fi)
{
	struct dir_listing *dl = (struct dir_listing *)(uintptr_t)fi->fh;
	if (dl->entries)
		g_array_free(dl->entries, TRUE);
	g_free(dl);
	return 0;
}

/* Handles opened for writing have write-attributes access. */
static bool handle_writable(const struct fs_handle *h)
{
	return (h->reopen_flags & O_ACCMODE) != O_RDONLY;
}

/* A handle is listed within this of its open's answer. */
#define PENDING_BREAK_US (5 * G_TIME_SPAN_SECOND)

/* Takes the pending break for (c, fid), if any (handles_lock held);
 * drops stale ones. */
static bool take_pending_break_locked(struct smbfuse *fs, struct conn *c, uint16_t fid,
				      uint8_t *level)
{
	gint64 now = g_get_monotonic_time();
	bool found = false;
	for (guint i = 0; i < fs->pending_breaks->len;) {
		struct pending_break *p = &g_array_index(fs->pending_breaks, struct pending_break, i);
		if (!found && p->conn == c && p->fid == fid && now - p->at < PENDING_BREAK_US) {
			*level = p->level;
			found = true;
		} else if (now - p->at < PENDING_BREAK_US) {
			i++;
			continue;
		}
		g_array_remove_index_fast(fs->pending_breaks, i);
	}
	return found;
}

static void answer_break(struct smbfuse *fs, struct conn *c, struct fs_handle *h,
			 const char *path, uint16_t fid, uint8_t level);

static void handles_add(struct smbfuse *fs, const char *path, struct fs_handle *h)
{
	uint8_t level;
	g_mutex_lock(&fs->handles_lock);
	GPtrArray *list = g_hash_table_lookup(fs->handles, path);
	if (!list) {
		list = g_ptr_array_new();
		g_hash_table_insert(fs->handles, g_strdup(path), list);
	}
	g_ptr_array_add(list, h);
	/* (A new handle: nobody else looks at its session or FID yet.) */
	bool pending = take_pending_break_locked(fs, h->session->conn, h->fid, &level);
	g_mutex_unlock(&fs->handles_lock);
	if (pending) {
		log_debug("oplock break for FID %u came before its handle was listed", h->fid);
		answer_break(fs, h->session->conn, h, path, h->fid, level);
	}
}

static void handles_remove(struct smbfuse *fs, const char *path, struct fs_handle *h)
{
	g_mutex_lock(&fs->handles_lock);
	GHashTableIter it;
	gpointer key, value;
	/* By handle, not path: the path may have changed in ways we did not
	 * see (a rename on the server). */
	g_hash_table_iter_init(&it, fs->handles);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		GPtrArray *list = value;
		if (g_ptr_array_remove_fast(list, h)) {
			if (!list->len)
				g_hash_table_iter_remove(&it);
			break;
		}
	}
	g_mutex_unlock(&fs->handles_lock);
	(void)path;
}

/* After a rename, handles under `from` are under `to`. */
static void handles_rename(struct smbfuse *fs, const char *from, const char *to)
{
	size_t flen = strlen(from);
	GPtrArray *moved_keys = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	gpointer key, value;

	g_mutex_lock(&fs->handles_lock);
	g_hash_table_iter_init(&it, fs->handles);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		const char *k = key;
		if (strncmp(k, from, flen) == 0 && (k[flen] == 0 || k[flen] == '/'))
			g_ptr_array_add(moved_keys, g_strdup(k));
	}
	for (guint i = 0; i < moved_keys->len; i++) {
		const char *k = g_ptr_array_index(moved_keys, i);
		GPtrArray *list = NULL;
		gpointer old_key = NULL;
		g_hash_table_steal_extended(fs->handles, k, &old_key, (gpointer *)&list);
		g_free(old_key); /* stolen: not freed by the table */
		char *nk = g_strconcat(to, k + flen, NULL);
		GPtrArray *there = g_hash_table_lookup(fs->handles, nk);
		if (there) {
			g_ptr_array_extend_and_steal(there, list);
			g_free(nk);
		} else {
			g_hash_table_insert(fs->handles, nk, list);
		}
	}
	g_mutex_unlock(&fs->handles_lock);
	g_ptr_array_free(moved_keys, TRUE);
}

/* What the open handles of path (and of its other names; every handle with
 * NULL) fetched ahead may be stale: a write or truncate through this mount,
 * or the server's word that the file changed. */
static void stale_list(GPtrArray *list)
{
	for (guint i = 0; list && i < list->len; i++)
		readahead_invalidate(((struct fs_handle *)g_ptr_array_index(list, i))->ra);
}

static void readahead_stale(struct smbfuse *fs, const char *path)
{
	char **names = path ? linknames_others(fs->links, path) : NULL;
	GHashTableIter it;
	gpointer value;

	g_mutex_lock(&fs->handles_lock);
	if (path) {
		stale_list(g_hash_table_lookup(fs->handles, path));
		for (char **n = names; n && *n; n++)
			stale_list(g_hash_table_lookup(fs->handles, *n));
	} else {
		g_hash_table_iter_init(&it, fs->handles);
		while (g_hash_table_iter_next(&it, NULL, &value))
			stale_list(value);
	}
	g_mutex_unlock(&fs->handles_lock);
	g_strfreev(names);
}

/* The file's bytes changed through this mount (a write landed, a truncate,
 * an O_TRUNC open), whatever the outcome: what was fetched ahead of readers
 * (read-ahead, and the bytes read with an open: fs_handle_read_head) is
 * no longer served. */
static void data_changed(struct smbfuse *fs, const char *path)
{
	readahead_stale(fs, path);
	g_atomic_int_inc(&fs->data_changes);
}

/* The same for a write or truncate, which also moved size and times. */
static void data_written(struct smbfuse *fs, const char *path)
{
	data_changed(fs, path);
	cache_invalidate_file(fs->cache, path);
}

/* An exclusive or batch oplock: no other client has the file open (the
 * server breaks the oplock, and we flush, before it lets one in), so
 * writes may wait here a little (MS-CIFS 3.2.4.x: the holder may cache
 * writes), as the Linux client does. */
static bool handle_exclusive(struct fs_handle *h)
{
	return OPLOCK_IS_EXCLUSIVE(fs_handle_oplock(h));
}

/* The same for a write through h up to end (queued, or landed with
 * result ret): under an exclusive oplock no one else can have changed the
 * file, so its cached attributes keep the size this makes, and serve again
 * once times are set (tar, cp -p: cache_update_written). */
static void data_written_by(struct smbfuse *fs, const char *path, struct fs_handle *h, int ret,
			    uint64_t off, uint64_t end)
{
	if (ret < 0 || !fs->unix_ext || !handle_exclusive(h)) {
		data_written(fs, path);
		return;
	}
	data_changed(fs, path);
	cache_update_written(fs->cache, path, off, end);
}

/* Whether the kernel may keep the file's cached pages from earlier opens:
 * only if the file is what it was when they were read (write time and
 * size from the open's reply match the stamp taken then), and, with
 * cache=strict, something will tell us when that stops being true (an
 * oplock, or the change watcher). */
static void choose_file_caching(struct smbfuse *fs, const char *path,
				const struct client_open_info *info, uint64_t ticket,
				struct fuse_file_info *fi)
{
	uint64_t wt = 0, size = 0;

	if (fs->cache_mode == CACHE_NONE) {
		fi->direct_io = 1;
		return;
	}
	fi->direct_io = fs->opts->direct_io;
	bool known = info->write_time != 0;
	bool stamped = known && cache_get_stamp(fs->cache, path, &wt, &size);
	bool unchanged = stamped && wt == info->write_time && size == info->size;
	if (stamped && !unchanged)
		readahead_stale(fs, path); /* older handles fetched the file as it was */
	bool coherent = fs->cache_mode == CACHE_LOOSE || info->oplock != OPLOCK_NONE ||
			notify_active(fs->notify);
	fi->keep_cache = unchanged && coherent;
	if (fi->keep_cache)
		g_atomic_int_inc(&fs->cached_opens);
	else if (known)
		cache_put_stamp(fs->cache, ticket, path, info->write_time, info->size);
}

/* A queued write, sent from a write-behind worker: the call write(2)
 * itself made before (same retry and re-open rules). */
static int wb_send(void *owner, const char *path, const void *buf, size_t len, uint64_t off)
{
	struct fs_handle *h = owner;
	struct smbfuse *fs = h->wb_ctx;
	size_t done = 0;
	int ret = 0;

	while (done < len) {
		int n = FH_CALL(fs, h, path, POOL_OP_REDO,
				client_write(cl, fid, (const char *)buf + done, len - done,
					     off + done));
		if (n <= 0) {
			ret = n < 0 ? n : -EIO;
			break;
		}
		done += (size_t)n;
	}
	/* Whatever landed changed size and times, and a read-ahead sent
	 * between write(2) and now fetched the bytes as they were. */
	data_written_by(fs, path, h, ret, off, off + done);
	readahead_invalidate(h->ra); /* filed under another name if renamed since */
	return ret;
}

/* Write-behind (writebehind.h) for handles open for writing, except those
 * whose writer asked for every write to be on the server before write(2)
 * returns. */
static void wb_attach(struct smbfuse *fs, struct fs_handle *h)
{
	if (!handle_writable(h) || (h->reopen_flags & (O_SYNC | O_DSYNC)) || fs->opts->nowb)
		return;
	h->wb_ctx = fs;
	h->wb = wb_new(wb_send, h);
}

/* Keeps a reference of the session an open ran on (for its handle),
 * replacing one kept by an earlier attempt. */
static void ret_session(struct session **keep, struct session *s)
{
	session_unref(*keep);
	*keep = session_ref(s);
}

/* The end of an open or create: on success the FUSE handle for fid on s
 * (the handle takes its own reference of s, the caller's is let go). */
static int handle_opened(struct smbfuse *fs, const char *path, int ret, struct session *s,
			 uint16_t fid, int flags, const struct client_open_info *id,
			 uint64_t ticket, struct fuse_file_info *fi)
{
	if (flags & O_TRUNC)
		data_changed(fs, path);
	if (ret == 0) {
		struct fs_handle *h = fs_handle_new(s, fid, flags, id);
		wb_attach(fs, h);
		handles_add(fs, path, h);
		fi->fh = (uint64_t)(uintptr_t)h;
		choose_file_caching(fs, path, id, ticket, fi);
	}
	session_unref(s);
	return ret;
}

/* How much of a file an open for reading reads with it (a small file's
 * all, in the same round trip), and how much the mount's open handles may
 * hold of such reads not yet asked for. */
#define HEAD_WANT (60 * 1024)
#define HEAD_BUDGET (4 * 1024 * 1024)

/* Only where the kernel will read: not when its pages from an earlier open
 * may still serve (a stamp), nor once the budget is spent. */
static uint32_t head_want(struct smbfuse *fs, const char *path, int flags)
{
	uint64_t wt, size;
	if ((flags & (O_ACCMODE | O_TRUNC)) != O_RDONLY || !fs->client->want_oplock ||
	    g_atomic_int_get(&fs->head_bytes) >= HEAD_BUDGET ||
	    cache_get_stamp(fs->cache, path, &wt, &size))
		return 0;
	return HEAD_WANT;
}

/* The open's answer tells the file's size and write time as the server has
 * them: another client's writes are there before the server lets an open
 * in (it breaks that client's oplock first).  Attributes we or the kernel
 * hold that say otherwise are stale, and the kernel would cut reads through
 * the new descriptor at its old size until its attribute timeout.  The
 * change notification says so too, but later, and is not heard while we
 * hold an exclusive oplock (fs_server_changed takes it for an echo of our
 * own change).  Not when the kernel keeps its pages: the file is then what
 * it was at the last open. */
static void open_attrs_seen(struct smbfuse *fs, const char *path,
			    const struct client_open_info *id, const struct fuse_file_info *fi)
{
	struct stat st;
	bool negative;
	if (!id->write_time || fi->keep_cache)
		return;
	if (cache_get_attr(fs->cache, path, &st, &negative) && !negative &&
	    (uint64_t)st.st_size == id->size && smb_timespec_to_nttime(&st.st_mtim) == id->write_time)
		return;
	/* (The stamp just taken stays: it is what the kernel's pages will be
	 * read from.) */
	cache_invalidate_file(fs->cache, path);
	kernel_forget(fs, path);
}

/* With UNIX extensions a handle knows its file by the server's inode number
 * (fs_handle.c reopens by it after a reconnect), which NT_CREATE_ANDX does
 * not return; the create time it does return is no identity on Samba, which
 * makes one up from the file's times when the disk keeps no birth time (a
 * read moves it).  So a chained open needs the inode from the attribute
 * cache (*known), and gives way to the plain POSIX open without it. */
static uint32_t head_identity(struct smbfuse *fs, const char *path, uint32_t want,
			      struct stat *known)
{
	bool negative;
	if (!want || !fs->unix_ext)
		return want;
	if (!cache_get_attr(fs->cache, path, known, &negative) || negative ||
	    !S_ISREG(known->st_mode) || !known->st_ino)
		return 0;
	return want;
}

/* The inode for a chained open's handle, if the file it opened is the one
 * the cache described (same size and write time).  Otherwise the handle
 * keeps the create time: a reconnect may then fail it with ESTALE, never
 * reopen a different file. */
static void head_take_identity(struct client_open_info *id, const struct stat *known)
{
	struct timespec wt;
	smb_nttime_to_timespec(id->write_time, &wt);
	if (id->unique_id || (uint64_t)known->st_size != id->size ||
	    wt.tv_sec != known->st_mtim.tv_sec || wt.tv_nsec != known->st_mtim.tv_nsec)
		return;
	id->unique_id = (uint64_t)known->st_ino;
}

static int open_attempt(struct client *cl, const char *path, int flags, uint32_t want,
			uint16_t *fid, struct client_open_info *id, struct client_head *head)
{
	g_free(head->data); /* an earlier attempt's */
	head->data = NULL;
	if (!want)
		return client_open(cl, path, flags, fid, id);
	return client_open_head(cl, path, flags, want, fid, id, head);
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
	DRAIN_QUEUED_WRITES();
	struct smbfuse *fs = fs_get();
	int flags = fi->flags & ~(O_CREAT | O_EXCL);
	struct session *s = NULL;
	struct client_open_info id;
	struct client_head head = { 0 };
	uint16_t fid;

	/* Opening without O_TRUNC changes nothing; with it, a repeat truncates
	 * what a half-done first attempt left, the same result. */
	enum pool_op_kind kind = (flags & O_TRUNC) ? POOL_OP_REDO : POOL_OP_READ;
	struct stat known;
	uint32_t want = head_identity(fs, path, head_want(fs, path, flags), &known);
	int changes = g_atomic_int_get(&fs->data_changes);
	uint64_t ticket = cache_ticket(fs->cache);
	int ret = TIMED(STATS_OPEN, FS_CALL(fs, kind, NO_ERRNO, NO_ERRNO,
					    (ret_session(&s, cl->session),
					     open_attempt(cl, path, flags, want, &fid, &id, &head))));
	if (ret == 0 && want && fs->unix_ext)
		head_take_identity(&id, &known);
	if (flags & O_TRUNC) /* the size and times we hold are gone too */
		cache_invalidate_file(fs->cache, path);
	ret = open_found(fs, path, ret, true);
	ret = handle_opened(fs, path, ret, s, fid, flags, &id, ticket, fi);
	if (ret == 0 && !(flags & O_TRUNC))
		open_attrs_seen(fs, path, &id, fi);
	/* Served only under the oplock the open got (fs_handle_read_head). */
	if (ret == 0 && head.data && id.oplock != OPLOCK_NONE && !fi->keep_cache)
		fs_handle_set_head(handle_of(fi), &head, id.size, changes, &fs->head_bytes);
	g_free(head.data);
	return ret;
}

/* New objects belong to the calling user, as on a local disk (an
 * allow_other mount serves several).  Root's are left to the server (whose
 * session user is root in the common case: no extra round trip), and so
 * is everything when uid=/gid= hide the owners anyway. */
static struct client_owner caller_owner(const struct smbfuse *fs)
{
	const struct fuse_context *ctx = fuse_get_context();
	struct client_owner o = { .uid = ctx->uid, .gid = ctx->gid };
	o.set = (ctx->uid != 0 || ctx->gid != 0) && !fs->opts->uid_set && !fs->opts->gid_set;
	return o;
}

static int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	DRAIN_QUEUED_WRITES();
	struct smbfuse *fs = fs_get();
	struct client_owner own = caller_owner(fs);
	struct session *s = NULL;
	struct client_open_info id;
	uint16_t fid;

	/* O_EXCL must not succeed twice; without it the create is an
	 * open-or-create (and maybe truncate), the same however often. */
	enum pool_op_kind kind = (fi->flags & O_EXCL) ? POOL_OP_ONCE : POOL_OP_REDO;
	uint64_t ticket = cache_ticket(fs->cache);
	int ret = TIMED(STATS_CREATE,
			FS_CALL(fs, kind, NO_ERRNO, NO_ERRNO,
				(ret_session(&s, cl->session),
				 client_create(cl, path, fi->flags | O_CREAT, mode, &own, &fid, &id))));
	if (ret == 0 && id.has_info) {
		/* The reply said what the getattr that follows a create would
		 * ask: no QUERY_PATH_INFO for it. */
		struct stat st;
		fs_stat_from_info(fs, &id.info, &st);
		cache_invalidate_put(fs->cache, ticket, path, &st);
		note_links(fs, path, &st);
	} else if (ret == 0) {
		cache_invalidate(fs->cache, path);
	}
	names_made(fs, path, ret);
	return handle_opened(fs, path, ret, s, fid, fi->flags, &id, ticket, fi);
}

/* Read-ahead is a cache, kept under the rules of the kernel's pages
 * (choose_file_caching): not with cache=none, and otherwise only while
 * something tells us of other clients' changes (the handle's oplock, whose
 * break drops it, or change notification), or with cache=loose. */
static bool readahead_allowed(struct smbfuse *fs, struct fs_handle *h)
{
	if (fs->cache_mode == CACHE_NONE)
		return false;
	if (fs->cache_mode == CACHE_LOOSE || notify_active(fs->notify))
		return true;
	return fs_handle_oplock(h) != OPLOCK_NONE;
}

/* read_buf, not read: the bytes are handed to the kernel from the buffer
 * they were received into (the reply's data goes straight there, and a
 * read-ahead block the size of the read is passed on as it is), with no
 * copy on the way.  libfuse frees the buffer and the vector with free(),
 * which g_malloc's memory takes (glib >= 2.46 allocates with malloc). */
static int fs_read_buf(const char *path, struct fuse_bufvec **bufp, size_t size, off_t offset,
		       struct fuse_file_info *fi)
{
	DRAIN_QUEUED_WRITES();
	struct smbfuse *fs = fs_get();
	struct fs_handle *h = handle_of(fi);
	uint8_t *buf = NULL;
	size_t got = 0;
	int ret;

	if (offset < 0)
		return -EINVAL;
	if (fs_handle_has_head(h)) {
		buf = g_malloc(size);
		if (fs_handle_read_head(h, buf, size, (uint64_t)offset,
					g_atomic_int_get(&fs->data_changes), &got)) {
			stats_record(&fs->stats, STATS_READ, 0, (long)got);
			ret = (int)got;
			goto out;
		}
	}
	uint64_t eof = fs_handle_known_size(h);
	bool ahead = readahead_allowed(fs, h) && got == 0;
	if (!ahead)
		readahead_drop(h->ra);
	if (!ahead && !buf)
		buf = g_malloc(size);
	ret = TIMED(STATS_READ,
		    FH_CALL(fs, h, path, POOL_OP_READ,
			    ahead ? readahead_read(h->ra, cl, fid, &buf, size, (uint64_t)offset, eof)
				  : client_read(cl, fid, buf + got, size - got,
						(uint64_t)offset + got, eof)));
	if (ret >= 0)
		ret += (int)got;
out:
	if (ret < 0) {
		g_free(buf);
		return ret;
	}
	struct fuse_bufvec *bv = g_malloc(sizeof(*bv));
	*bv = (struct fuse_bufvec)FUSE_BUFVEC_INIT((size_t)ret);
	bv->buf[0].mem = buf;
	*bufp = bv;
	return 0;
}

static int fs_write(const char *path, const char *buf, size_t size, off_t offset,
		    struct fuse_file_info *fi)
{
	struct smbfuse *fs = fs_get();
	struct fs_handle *h = handle_of(fi);
	if (offset < 0)
		return -EINVAL;
	int queued = 0;
	/* Not the kernel's writeback of mmap'ed pages (writepage): after the
	 * last close nobody would hear of a failure. */
	if (h->wb && !fi->writepage && handle_exclusive(h)) {
		queued = wb_write(h->wb, path, buf, size, (uint64_t)offset);
		/* The oplock broken meanwhile: the break's flush may have
		 * missed this one, so it goes out before write(2) returns. */
		if (queued > 0 && !handle_exclusive(h)) {
			int err = wb_drain_caller(h->wb);
			if (err < 0)
				queued = err;
		}
	} else {
		/* After what was queued under the oplock; its failure fails
		 * this write too. */
		queued = wb_drain_caller(h->wb);
	}
	if (queued < 0)
		return queued;
	/* Counted either way (a queued write: the time to queue it). */
	int ret = TIMED(STATS_WRITE,
			queued ? (int)size
			       : FH_CALL(fs, h, path, POOL_OP_REDO,
					 client_write(cl, fid, buf, size, (uint64_t)offset)));
	/* After the write, so that nothing fetched before it is served (a
	 * queued write: again once it lands, wb_send). */
	data_written_by(fs, path, h, ret, (uint64_t)offset, (uint64_t)offset + (uint64_t)MAX(ret, 0));
	return refreshed(fs, path, ret);
}

/* close(2): the writes still queued go out now, and any that failed fail
 * the close (the writer's last chance to hear of it); fsync asks the
 * server to flush to its disk as well. */
static int fs_flush(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	return wb_drain_caller(handle_of(fi)->wb);
}

static int fs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	struct smbfuse *fs = fs_get();
	int ret = wb_drain_caller(handle_of(fi)->wb);
	if (ret < 0)
		return ret;
	return TIMED(STATS_FSYNC, FH_CALL(fs, handle_of(fi), path, POOL_OP_REDO,
						   client_flush(cl, fid)));
}

static int fs_release(const char *path, struct fuse_file_info *fi)
{
	struct smbfuse *fs = fs_get();
	struct fs_handle *h = handle_of(fi);

	/* Flush reported any failure; nobody is left to tell now.  The queue
	 * itself goes with the handle's last reference (an oplock break may
	 * still be looking at it). */
	wb_drain(h->wb, NULL, NULL);
	/* Listed until the server has answered the close: a utimens by path
	 * meanwhile finds the handle, waits for the close (fs_handle_bind),
	 * and sets the times after it, which the close of a handle that wrote
	 * would otherwise overwrite (another pooled connection may run the
	 * close last). */
	int ret = TIMED(STATS_RELEASE, fs_handle_close(h, fs->client));
	handles_remove(fs, path, h);
	if (ret < 0)
		log_warn("close of %s failed: %s", path ? path : "?", g_strerror(-ret));
	fs_handle_unref(h);
	return 0;
}

static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	DRAIN_QUEUED_WRITES();
	struct smbfuse *fs = fs_get();
	int ret;
	if (size < 0)
		return -EINVAL;
	if (fi)
		ret = TIMED(STATS_TRUNCATE, FH_CALL(fs, handle_of(fi), path, POOL_OP_REDO,
						    client_ftruncate(cl, fid, (uint64_t)size)));
	else
		ret = TIMED(STATS_TRUNCATE, FS_CALL(fs, POOL_OP_REDO, NO_ERRNO, NO_ERRNO,
						    client_truncate(cl, path, (uint64_t)size)));
	data_written(fs, path); /* after it, whatever the outcome */
	return refreshed(fs, path, ret);
}

static int fs_unlink(const char *path)
{
	DRAIN_QUEUED_WRITES();
	struct smbfuse *fs = fs_get();
	/* The other names lose a link. */
	char **others = linknames_others(fs->links, path);
	int ret = FORGET(fs, path, TIMED(STATS_UNLINK, FS_CALL(fs, POOL_OP_ONCE, -ENOENT, NO_ERRNO,
							       client_unlink(cl, path))));
	cache_names_forget(fs->cache, path);
	if (ret == 0) {
		linknames_forget(fs->links, path);
		invalidate_names(fs, others);
	} else {
		g_strfreev(others);
	}
	return ret;
}

static int fs_mkdir(const char *path, mode_t mode)
{
	struct smbfuse *fs = fs_get();
	struct client_owner own = caller_owner(fs);
	/* A repeat that finds the directory cannot tell whether it is ours
	 * unless the first attempt was answered: EEXIST then (mkdir as a lock
	 * must never have two winners). */
	if (names_tracked(fs))
		cache_names_created(fs->cache, path); /* empty; before the request */
	int ret = FORGET(fs, path, TIMED(STATS_MKDIR, FS_CALL(fs, POOL_OP_ONCE, NO_ERRNO, -EEXIST,
							      client_mkdir(cl, path, mode, &own))));
	if (ret == 0)
		cache_names_ready(fs->cache, path);
	names_made(fs, path, ret);
	return ret;
}

static int fs_rmdir(const char *path)
{
	struct smbfuse *fs = fs_get();
	int ret = FORGET(fs, path, TIMED(STATS_RMDIR, FS_CALL(fs, POOL_OP_ONCE, -ENOENT, NO_ERRNO,
							      client_rmdir(cl, path))));
	cache_names_forget(fs->cache, path);
	return ret;
}

/* One attempt at a rename.  A replay (the first attempt may have run) that
 * finds the source gone and the target there takes it as done; one that
 * finds the temporary name goes on from it (client_rename). */
static int rename_attempt(struct client *cl, const char *from, const char *to, bool noreplace,
			  struct client_rename_state *st, bool replay)
{
	int ret = client_rename(cl, from, to, noreplace, st);
	if (replay && ret == -ENOENT) {
		struct smb_file_info info;
		if (client_getattr(cl, to, &info) == 0)
			ret = 0;
	}
	return ret;
}

static int fs_rename(const char *from, const char *to, unsigned int flags)
{
	DRAIN_QUEUED_WRITES();
	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL; /* RENAME_EXCHANGE has no SMB1 equivalent */
	struct smbfuse *fs = fs_get();
	struct client_rename_state st = { 0 };
	int ret = TIMED(STATS_RENAME,
			FS_CALL(fs, POOL_OP_ONCE, NO_ERRNO, NO_ERRNO,
				rename_attempt(cl, from, to, flags & RENAME_NOREPLACE, &st, replay)));
	client_rename_state_clear(&st);
	cache_invalidate(fs->cache, from);
	cache_invalidate(fs->cache, to);
	/* The target may have replaced an (empty) directory with sets. */
	cache_names_forget(fs->cache, from);
	if (ret == 0)
		cache_names_add(fs->cache, to, true);
	else
		cache_names_forget(fs->cache, to);
	if (ret == 0) {
		handles_rename(fs, from, to);
		/* A replaced target's other names lose a link; the moved
		 * file's new name is learnt at its next lookup. */
		invalidate_names(fs, linknames_others(fs->links, to));
		linknames_forget(fs->links, to);
		linknames_forget(fs->links, from);
	}
	return ret;
}

/* References to the writable open handles of path (the caller unrefs). */
static GPtrArray *writable_handles(struct smbfuse *fs, const char *path)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)fs_handle_unref);
	g_mutex_lock(&fs->handles_lock);
	GPtrArray *list = g_hash_table_lookup(fs->handles, path);
	for (guint i = 0; list && i < list->len; i++) {
		struct fs_handle *h = g_ptr_array_index(list, i);
		if (handle_writable(h)) /* only those have write-attributes access */
			g_ptr_array_add(out, fs_handle_ref(h));
	}
	g_mutex_unlock(&fs->handles_lock);
	return out;
}

/* ---- attributes we set ----
 * After a chmod, chown or utimens the server answered, FUSE asks for the
 * attributes again: a cached entry gets the fields just set instead of
 * being dropped, so that getattr costs no QUERY_PATH_INFO (chmod excepted,
 * see fs_chmod).  The change
 * time becomes our clock's now (the server set it to its own, which
 * cannot be read back for free); what a change cannot tell (a time set to
 * the server's "now", set-ID bits a chown clears) drops the entry. */

static void ctime_now(struct stat *st)
{
	clock_gettime(CLOCK_REALTIME, &st->st_ctim);
}

/* A time as the server keeps it: what went on the wire (NT time, 100 ns
 * units), read back; false if that says "leave it" (0). */
static bool wire_time(const struct timespec *ts, struct timespec *out)
{
	uint64_t nt = smb_timespec_to_nttime(ts);
	if (nt == 0 || nt == SMB_UNIX_TIME_NO_CHANGE)
		return false;
	smb_nttime_to_timespec(nt, out);
	return true;
}

static bool apply_times(struct stat *st, void *arg)
{
	const struct timespec *tv = arg;
	struct timespec at = st->st_atim, mt = st->st_mtim;
	if (tv[0].tv_nsec == UTIME_NOW || tv[1].tv_nsec == UTIME_NOW)
		return false;
	if (tv[0].tv_nsec != UTIME_OMIT && !wire_time(&tv[0], &at))
		return false;
	if (tv[1].tv_nsec != UTIME_OMIT && !wire_time(&tv[1], &mt))
		return false;
	st->st_atim = at;
	st->st_mtim = mt;
	ctime_now(st);
	return true;
}

struct owner_change {
	const struct smbfuse_opts *opts;
	uid_t uid;
	gid_t gid;
};

static bool apply_owner(struct stat *st, void *arg)
{
	const struct owner_change *o = arg;
	if (st->st_mode & (S_ISUID | S_ISGID))
		return false;
	/* uid=/gid= show their own values whatever the server holds. */
	if (o->uid != (uid_t)-1 && !o->opts->uid_set)
		st->st_uid = o->uid;
	if (o->gid != (gid_t)-1 && !o->opts->gid_set)
		st->st_gid = o->gid;
	ctime_now(st);
	return true;
}

/* After a change of path's attributes: apply it to the cached ones when
 * the server carried it out, else forget them (it may have, in part). */
static int attrs_set(struct smbfuse *fs, const char *path, int ret, cache_apply_fn apply,
		     void *arg, bool sets_times)
{
	if (ret == 0)
		cache_update_file(fs->cache, path, apply, arg, sets_times);
	else
		cache_invalidate_file(fs->cache, path);
	return refreshed(fs, path, ret);
}

static int fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	DRAIN_QUEUED_WRITES();
	struct smbfuse *fs = fs_get();

	/* Through open handles when there are any: a time set by path would
	 * be overwritten when a handle that wrote is closed (SMB servers
	 * update the write time on close unless it was set on the handle). */
	int ret = 1;
	bool done = false;
	if (fi && handle_writable(handle_of(fi))) {
		ret = TIMED(STATS_UTIMENS, FH_CALL(fs, handle_of(fi), path, POOL_OP_REDO,
						   client_futimens(cl, fid, tv)));
	} else if (!fi) {
		/* References, not the registry's lock, keep the handles alive
		 * across the calls; a handle closed meanwhile answers EBADF. */
		GPtrArray *hs = writable_handles(fs, path);
		for (guint i = 0; i < hs->len && ret >= 0; i++) {
			struct fs_handle *h = g_ptr_array_index(hs, i);
			ret = TIMED(STATS_UTIMENS, FH_CALL(fs, h, path, POOL_OP_REDO,
							   client_futimens(cl, fid, tv)));
			done |= ret == 0;
		}
		g_ptr_array_free(hs, TRUE);
	}
	if (done && ret < 0)
		ret = 0; /* set through another handle */
	if (ret != 0) /* no writable open handle, or it failed: by path */
		ret = TIMED(STATS_UTIMENS, FS_CALL(fs, POOL_OP_REDO, NO_ERRNO, NO_ERRNO,
						   client_utimens(cl, path, tv)));
	/* Without UNIX extensions the server may store times coarser than it
	 * is sent them (FAT), or not at all (Impacket): asked again. */
	if (!fs->unix_ext)
		return refreshed(fs, path, FORGET_FILE(fs, path, ret));
	struct timespec set[2] = { tv[0], tv[1] };
	return attrs_set(fs, path, ret, apply_times, set, tv[1].tv_nsec != UTIME_OMIT);
}

/* path's cached attributes, with the UNIX extensions: what a chmod or
 * chown is answered or predicted from. */
static bool cached_attrs(struct smbfuse *fs, const char *path, struct stat *st)
{
	bool negative;
	return fs->unix_ext && cache_get_attr(fs->cache, path, st, &negative) && !negative;
}

/* Whether the attributes cached (st, kept coherent by change notification
 * and oplocks, cache.c) already show what a chmod or chown asks for: tar,
 * cp -p and rsync -a set the mode and owner a new file already has, and
 * each would cost a round trip.  Only for root or the owner, not for
 * setuid/setgid files (a chown clears those bits), nor when uid=/gid=
 * override what is shown. */
static bool attrs_already(struct smbfuse *fs, const struct stat *st,
			  bool (*same)(const struct stat *, void *), void *arg)
{
	if (fs->opts->uid_set || fs->opts->gid_set || (st->st_mode & (S_ISUID | S_ISGID)))
		return false;
	/* Anyone else must hear the server's EPERM. */
	uid_t caller = fuse_get_context()->uid;
	if (caller != 0 && caller != st->st_uid)
		return false;
	return same(st, arg);
}

static bool same_mode(const struct stat *st, void *arg)
{
	return (st->st_mode & 07777) == (*(mode_t *)arg & 07777);
}

static bool apply_mode(struct stat *st, void *arg)
{
	st->st_mode = (st->st_mode & S_IFMT) | (*(mode_t *)arg & 07777);
	ctime_now(st);
	return true;
}

/* What the server makes of a chmod of a file of type `type` (modemask.h;
 * under fs->modes_lock). */
static struct modemask *modes_of(struct smbfuse *fs, mode_t type)
{
	return S_ISDIR(type) ? &fs->dir_modes : &fs->file_modes;
}

/* The mode the server will make of a chmod to mode of the file whose
 * cached attributes are st (its masks, learned: modemask.h), if known.
 * Not for the setuid, setgid and sticky bits (what becomes of them may
 * depend on the file: setgid is cleared for a caller outside the file's
 * group), and only while notification is on to correct a server whose
 * configuration changed (its echo of the chmod drops what we applied). */
static bool chmod_result(struct smbfuse *fs, const struct stat *st, mode_t mode, mode_t *got)
{
	if ((mode & 07000) || (st->st_mode & 07000) || !notify_active(fs->notify))
		return false;
	g_mutex_lock(&fs->modes_lock);
	bool known = modemask_predict(modes_of(fs, st->st_mode), mode, got);
	g_mutex_unlock(&fs->modes_lock);
	return known && !(*got & 07000);
}

static int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	DRAIN_QUEUED_WRITES();
	struct smbfuse *fs = fs_get();
	struct stat st;
	bool cached = cached_attrs(fs, path, &st);

	if (cached && attrs_already(fs, &st, same_mode, &mode))
		return 0;

	if (!fs->unix_ext) {
		struct smb_file_info info;
		int ret = FS_CALL(fs, POOL_OP_READ, NO_ERRNO, NO_ERRNO, client_getattr(cl, path, &info));
		if (ret < 0)
			return ret;
		return refreshed(fs, path,
				 FORGET_FILE(fs, path,
					     TIMED(STATS_CHMOD,
						   FS_CALL(fs, POOL_OP_REDO, NO_ERRNO, NO_ERRNO,
							   client_chmod(cl, path, mode, info.is_dir)))));
	}
	mode_t result;
	bool known = cached && chmod_result(fs, &st, mode, &result);
	int ret = TIMED(STATS_CHMOD, FS_CALL(fs, POOL_OP_REDO, NO_ERRNO, NO_ERRNO,
					     client_chmod(cl, path, mode, false)));
	if (ret < 0 || known)
		return attrs_set(fs, path, ret, apply_mode, &result, false);
	/* Samba stores (mode & "create mask") | "force create mode", which we
	 * cannot see: ask what it made of it, and learn. */
	cache_invalidate_file(fs->cache, path);
	if (fetch_attr(fs, path, &st) == 0) {
		g_mutex_lock(&fs->modes_lock);
		modemask_learn(modes_of(fs, st.st_mode), mode, st.st_mode);
		g_mutex_unlock(&fs->modes_lock);
	}
	return refreshed(fs, path, 0);
}

static bool same_owner(const struct stat *st, void *arg)
{
	const struct owner_change *o = arg;
	return (o->uid == (uid_t)-1 || st->st_uid == o->uid) &&
	       (o->gid == (gid_t)-1 || st->st_gid == o->gid);
}

static int fs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	DRAIN_QUEUED_WRITES();
	struct smbfuse *fs = fs_get();

	/* Without UNIX extensions every file shows the same owner: giving a
	 * file the owner it already shows is a no-op (cp -p, tar, rsync -a
	 * do that), any other owner cannot be stored. */
	if (!fs->unix_ext) {
		uid_t shown_uid = fs->opts->uid_set ? fs->opts->uid : fs->default_uid;
		gid_t shown_gid = fs->opts->gid_set ? fs->opts->gid : fs->default_gid;
		if ((uid == (uid_t)-1 || uid == shown_uid) && (gid == (gid_t)-1 || gid == shown_gid))
			return 0;
		return -EPERM;
	}
	struct owner_change o = { .opts = fs->opts, .uid = uid, .gid = gid };
	struct stat st;
	if (cached_attrs(fs, path, &st) && attrs_already(fs, &st, same_owner, &o))
		return 0;
	int ret = TIMED(STATS_CHOWN, FS_CALL(fs, POOL_OP_REDO, NO_ERRNO, NO_ERRNO,
					     client_chown(cl, path, uid, gid)));
	return attrs_set(fs, path, ret, apply_owner, &o, false);
}

static int fs_symlink(const char *target, const char *path)
{
	struct smbfuse *fs = fs_get();
	struct client_owner own = caller_owner(fs);
	int ret = FORGET(fs, path, TIMED(STATS_SYMLINK, FS_CALL(fs, POOL_OP_ONCE, NO_ERRNO, -EEXIST,
								client_symlink(cl, target, path, &own))));
	names_made(fs, path, ret);
	return ret;
}

static int fs_link(const char *from, const char *to)
{
	DRAIN_QUEUED_WRITES();
	struct smbfuse *fs = fs_get();
	int ret = TIMED(STATS_LINK, FS_CALL(fs, POOL_OP_ONCE, NO_ERRNO, -EEXIST,
					    client_link(cl, from, to)));
	names_made(fs, to, ret);
	cache_invalidate(fs->cache, from); /* its link count changed */
	cache_invalidate(fs->cache, to);
	/* The link count changed for every name, the old one included
	 * (which the kernel keeps as a node of its own). */
	if (ret == 0)
		kernel_forget(fs, from);
	return refreshed(fs, from, ret);
}

static int fs_mknod(const char *path, mode_t mode, dev_t rdev)
{
	struct smbfuse *fs = fs_get();
	struct client_owner own = caller_owner(fs);
	int ret = FORGET(fs, path, TIMED(STATS_MKNOD, FS_CALL(fs, POOL_OP_ONCE, NO_ERRNO, -EEXIST,
							      client_mknod(cl, path, mode, rdev, &own))));
	names_made(fs, path, ret);
	return ret;
}

/* A blocking lock is a non-blocking one retried until it is granted or the
 * caller is interrupted: a lock request left waiting on the server would
 * hold the connection's request timeout hostage. */
static void lock_backoff(unsigned *delay_ms)
{
	struct timespec ts = { .tv_sec = *delay_ms / 1000,
			       .tv_nsec = (long)(*delay_ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
	if (*delay_ms < 500)
		*delay_ms *= 2;
}

/* One lock request with the handle's lock table held (not across a
 * re-open, which takes it to re-acquire the locks). */
static int handle_lock(struct fs_handle *h, struct client *cl, uint16_t fid, uint64_t owner,
		       int cmd, struct flock *fl)
{
	g_mutex_lock(&h->lock_mutex);
	int ret = client_lock(cl, fid, owner, cmd, fl, h->ranges);
	g_mutex_unlock(&h->lock_mutex);
	return ret;
}

static int fs_lock(const char *path, struct fuse_file_info *fi, int cmd, struct flock *fl)
{
	struct smbfuse *fs = fs_get();
	struct fs_handle *h = handle_of(fi);
	bool unlock = fl->l_type == F_UNLCK && cmd != F_GETLK;
	unsigned delay = 10;
	int ret;

	/* libfuse unlocks every handle on close; one that never locked has
	 * nothing to unlock (nor to wait for), and skipping saves a round
	 * trip per close. */
	if (unlock && !fs_handle_has_locks(h))
		return 0;
	/* Writes queued before us land first; a process gone meanwhile
	 * (closing its files as it dies) still lets go of its locks. */
	int drained = wb_drain_all();
	if (drained < 0 && !unlock)
		return drained;
	if (unlock && fs_handle_unlock_if_gone(h, fi->lock_owner, fl))
		return 0;
	for (;;) {
		int one_cmd = cmd == F_SETLKW ? F_SETLK : cmd;
		ret = TIMED(STATS_LOCK, FH_CALL(fs, h, path, POOL_OP_ONCE,
						handle_lock(h, cl, fid, fi->lock_owner, one_cmd, fl)));
		if (cmd != F_SETLKW || ret != -EAGAIN)
			break;
		if (fuse_interrupted())
			return -EINTR;
		lock_backoff(&delay);
	}
	return ret;
}

static int fs_flock(const char *path, struct fuse_file_info *fi, int op)
{
	struct smbfuse *fs = fs_get();
	struct fs_handle *h = handle_of(fi);
	int kind = op & ~LOCK_NB;
	unsigned delay = 10;
	int ret;

	/* As fs_lock. */
	if (kind == LOCK_UN && !fs_handle_has_locks(h))
		return 0;
	int drained = wb_drain_all();
	if (drained < 0 && kind != LOCK_UN)
		return drained;
	if (kind == LOCK_UN && fs_handle_unlock_if_gone(h, fi->lock_owner, NULL))
		return 0;
	for (;;) {
		ret = TIMED(STATS_LOCK, FH_CALL(fs, h, path, POOL_OP_ONCE,
						client_flock(cl, fid, fi->lock_owner, kind | LOCK_NB)));
		if ((op & LOCK_NB) || ret != -EAGAIN)
			break;
		if (fuse_interrupted())
			return -EINTR;
		lock_backoff(&delay);
	}
	if (ret == -EAGAIN)
		return -EWOULDBLOCK;
	if (ret == 0)
		fs_handle_note_flock(h, fi->lock_owner, kind);
	return ret;
}

static int fs_statfs(const char *path, struct statvfs *st)
{
	DRAIN_QUEUED_WRITES();
	struct smbfuse *fs = fs_get();
	return TIMED(STATS_STATFS, FS_CALL(fs, POOL_OP_READ, NO_ERRNO, NO_ERRNO, client_statfs(cl, st)));
}

/* ---- what the server tells us ---- */

/* Drops the kernel's cached attributes and data of path, if it has any.
 *
 * The kernel waits, while it drops a file's pages, for requests that hold
 * them (a write waiting for our answer): so nothing that a request handler
 * may wait for is held meanwhile.  A handler has its own fuse (its context);
 * the watcher and the event thread take fs->fuse under inval_lock, which no
 * handler ever takes, and which keeps the unmount from freeing it under
 * them. */
static void kernel_forget(struct smbfuse *fs, const char *path)
{
	struct fuse_context *ctx = fuse_get_context();
	if (ctx && ctx->fuse) {
		fuse_invalidate_path(ctx->fuse, path);
		return;
	}
	g_mutex_lock(&fs->inval_lock);
	if (fs->fuse)
		fuse_invalidate_path(fs->fuse, path);
	g_mutex_unlock(&fs->inval_lock);
}

/* Paths of the open handles (the kernel may cache their data). */
static void add_open_paths(struct smbfuse *fs, GPtrArray *out)
{
	GHashTableIter it;
	gpointer key;
	g_mutex_lock(&fs->handles_lock);
	g_hash_table_iter_init(&it, fs->handles);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_ptr_array_add(out, g_strdup(key));
	g_mutex_unlock(&fs->handles_lock);
}

/* Does the mount hold an exclusive or batch oplock on path?  Then nobody
 * else can be changing it (the server breaks the oplock first), and a
 * change the server reports is our own. */
static bool held_exclusively(struct smbfuse *fs, const char *path)
{
	bool held = false;
	g_mutex_lock(&fs->handles_lock);
	GPtrArray *list = g_hash_table_lookup(fs->handles, path);
	for (guint i = 0; list && i < list->len && !held; i++)
		held = OPLOCK_IS_EXCLUSIVE(fs_handle_oplock(g_ptr_array_index(list, i)));
	g_mutex_unlock(&fs->handles_lock);
	return held;
}

/* What the server says changed in path's directory's set of names. */
static void names_changed(struct smbfuse *fs, const char *path, uint32_t action)
{
	bool ambiguous = action & NOTIFY_AMBIGUOUS;
	switch (action & ~NOTIFY_AMBIGUOUS) {
	case FILE_ACTION_MODIFIED: /* the names stay */
	case FILE_ACTION_ADDED_STREAM:
	case FILE_ACTION_REMOVED_STREAM:
	case FILE_ACTION_MODIFIED_STREAM:
		break;
	case FILE_ACTION_ADDED:
		if (ambiguous)
			cache_names_ambiguous(fs->cache, path, true);
		else
			cache_names_add(fs->cache, path, false);
		break;
	case FILE_ACTION_RENAMED_NEW_NAME: /* may replace what had sets */
		if (ambiguous) {
			cache_names_remove(fs->cache, path);
			cache_names_ambiguous(fs->cache, path, true);
		} else {
			cache_names_add(fs->cache, path, true);
		}
		break;
	case FILE_ACTION_REMOVED:
	case FILE_ACTION_RENAMED_OLD_NAME:
	default: /* also NOTIFY_ANY, or an action we do not know */
		if (ambiguous)
			cache_names_ambiguous(fs->cache, path, false);
		else if (action == FILE_ACTION_REMOVED || action == FILE_ACTION_RENAMED_OLD_NAME)
			cache_names_remove(fs->cache, path);
		else
			cache_names_forget(fs->cache, path);
	}
}

void fs_server_changed(struct smbfuse *fs, const char *path, uint32_t action)
{
	readahead_stale(fs, path);
	if (path) {
		names_changed(fs, path, action);
		cache_invalidate(fs->cache, path);
		/* Our own writes, echoed: the kernel's pages are current. */
		if (held_exclusively(fs, path))
			return;
		kernel_forget(fs, path);
		invalidate_names(fs, linknames_others(fs->links, path));
		char *parent = g_path_get_dirname(path);
		kernel_forget(fs, parent);
		g_free(parent);
		return;
	}
	/* Anything may have changed: forget everything we and, as far as we
	 * know what it holds, the kernel cache; the server too (a reconnect
	 * may have reached another configuration). */
	g_mutex_lock(&fs->modes_lock);
	memset(&fs->file_modes, 0, sizeof(fs->file_modes));
	memset(&fs->dir_modes, 0, sizeof(fs->dir_modes));
	g_mutex_unlock(&fs->modes_lock);
	GPtrArray *known = cache_known_paths(fs->cache);
	add_open_paths(fs, known);
	cache_invalidate_all(fs->cache);
	kernel_forget(fs, "/");
	for (guint i = 0; i < known->len; i++)
		kernel_forget(fs, g_ptr_array_index(known, i));
	g_ptr_array_free(known, TRUE);
}

/* The open handle of FID fid on connection c (a reference) and its path;
 * without one, the break (level) is kept for the handle being listed. */
static struct fs_handle *handle_by_fid(struct smbfuse *fs, struct conn *c, uint16_t fid,
				       uint8_t level, char **path)
{
	struct fs_handle *found = NULL;
	GHashTableIter it;
	gpointer key, value;

	g_mutex_lock(&fs->handles_lock);
	g_hash_table_iter_init(&it, fs->handles);
	while (!found && g_hash_table_iter_next(&it, &key, &value)) {
		GPtrArray *list = value;
		for (guint i = 0; i < list->len && !found; i++) {
			struct fs_handle *h = g_ptr_array_index(list, i);
			g_mutex_lock(&h->lock);
			if (h->session->conn == c && h->fid == fid && !h->closed) {
				found = fs_handle_ref(h);
				*path = g_strdup(key);
			}
			g_mutex_unlock(&h->lock);
		}
	}
	if (!found) {
		uint8_t stale;
		take_pending_break_locked(fs, c, fid, &stale); /* (an older one) */
		struct pending_break p = { c, fid, level, g_get_monotonic_time() };
		g_array_append_val(fs->pending_breaks, p);
	}
	g_mutex_unlock(&fs->handles_lock);
	return found;
}

/* Stops waiting for a handle's queued writes in an oplock break once the
 * connection is gone: the oplock went with it, and the writes' re-sending
 * may need this very thread's connection to be let go. */
static bool conn_gone(void *arg)
{
	return !conn_alive(arg);
}

/* An oplock break (MS-CIFS 3.2.5.42): another client opened a file we hold
 * an oplock on, and the server holds its open until we answer.  The
 * handle's queued writes go out first (the other client must find them),
 * then the answer, then we drop what the kernel cached of the file. */
void fs_server_event(void *arg, struct conn *c, const struct smb_msg *msg)
{
	struct smbfuse *fs = arg;
	uint16_t fid;
	uint8_t level;
	char *path = NULL;

	if (smb_oplock_break_decode(msg, &fid, &level) < 0) {
		log_debug("ignoring command 0x%02x from the server", msg->hdr.command);
		return;
	}
	g_atomic_int_inc(&fs->oplock_breaks);
	struct fs_handle *h = handle_by_fid(fs, c, fid, level, &path);
	if (!h) {
		log_debug("oplock break for FID %u, which has no handle (yet)", fid);
		return;
	}
	answer_break(fs, c, h, path, fid, level);
	fs_handle_unref(h);
	g_free(path);
}

/* The break of h's oplock (fid on c): its queued writes, the answer, and
 * dropping what the kernel cached of the file. */
static void answer_break(struct smbfuse *fs, struct conn *c, struct fs_handle *h,
			 const char *path, uint16_t fid, uint8_t level)
{
	/* Stopped first: a writer still passing the oplock check must not
	 * queue behind the drain and land after the answer. */
	wb_stop(h->wb);
	wb_drain(h->wb, conn_gone, c);
	g_mutex_lock(&h->lock);
	uint8_t held = h->oplock;
	h->oplock = level == OPLOCK_BREAK_TO_LEVEL_II ? OPLOCK_LEVEL_II : OPLOCK_NONE;
	uint16_t tid = h->session->tid, uid = h->session->uid;
	g_mutex_unlock(&h->lock);
	/* The time (CLOCK_MONOTONIC) lets a test tell which write(2) calls
	 * returned before the answer: all of them must be on the server. */
	log_debug("oplock break on %s answered at %lld us, its queued writes landed", path,
		  (long long)g_get_monotonic_time());
	/* A level II holder is told, not asked: no acknowledgement. */
	if (held != OPLOCK_LEVEL_II) {
		uint8_t buf[128];
		struct wr w;
		/* Our own TID and UID: the break carries UID 0 (Samba). */
		conn_msg_begin(c, &w, buf, sizeof(buf), SMB_COM_LOCKING_ANDX, tid, uid);
		int ret = smb_oplock_ack_encode(&w, fid, level);
		if (ret == 0)
			ret = conn_send_oneway(c, &w);
		if (ret < 0)
			log_warn("cannot answer the oplock break on %s: %s", path, g_strerror(-ret));
	}
	log_debug("oplock on %s broken to %s", path, level ? "level II" : "none");
	fs_server_changed(fs, path, FILE_ACTION_MODIFIED);
}

/* References of every open handle (an array that unrefs them), with their
 * paths in `paths` if not NULL; `unlist`: the registry is emptied too. */
static GPtrArray *handles_all(struct smbfuse *fs, GPtrArray *paths, bool unlist)
{
	GPtrArray *hs = g_ptr_array_new_with_free_func((GDestroyNotify)fs_handle_unref);
	GHashTableIter it;
	gpointer key, value;
	g_mutex_lock(&fs->handles_lock);
	g_hash_table_iter_init(&it, fs->handles);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		GPtrArray *list = value;
		for (guint i = 0; i < list->len; i++) {
			g_ptr_array_add(hs, fs_handle_ref(g_ptr_array_index(list, i)));
			if (paths)
				g_ptr_array_add(paths, g_strdup(key));
		}
	}
	if (unlist)
		g_hash_table_remove_all(fs->handles);
	g_mutex_unlock(&fs->handles_lock);
	return hs;
}

/* How long a relock pass waits for a connection, per handle. */
#define RELOCK_WAIT_S 5

/* One pass of the relock thread: every handle holding locks is bound
 * once, which re-opens it and takes its locks again if its connection died
 * (and does nothing if not); one that cannot is broken and says so
 * (fs_handle.c). */
static void relock_handles(struct smbfuse *fs)
{
	GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *hs = handles_all(fs, paths, false);
	for (guint i = 0; i < hs->len; i++) {
		struct fs_handle *h = g_ptr_array_index(hs, i);
		struct client cl;
		uint16_t fid;
		bool transient;
		if (!fs_handle_has_locks(h))
			continue;
		/* A re-open holds the handle's lock while it waits for a
		 * connection: not for long (the next reconnect brings another
		 * pass). */
		pool_limit_waits(g_get_monotonic_time() + RELOCK_WAIT_S * G_USEC_PER_SEC);
		if (fs_handle_bind(h, fs->pool, fs->client, g_ptr_array_index(paths, i), &cl, &fid,
				   &transient) == 0)
			fs_handle_unbind(h, &cl);
		pool_limit_waits(0);
	}
	g_ptr_array_free(paths, TRUE);
	g_ptr_array_free(hs, TRUE);
}

static gpointer relock_main(gpointer arg)
{
	struct smbfuse *fs = arg;
	g_mutex_lock(&fs->relock_lock);
	while (!fs->relock_stopping) {
		if (!fs->relock_wanted) {
			g_cond_wait(&fs->relock_cond, &fs->relock_lock);
			continue;
		}
		/* Asked again while this pass runs: another pass, which looks
		 * at every handle anyway. */
		fs->relock_wanted = false;
		g_mutex_unlock(&fs->relock_lock);
		relock_handles(fs);
		g_mutex_lock(&fs->relock_lock);
	}
	g_mutex_unlock(&fs->relock_lock);
	return NULL;
}

void fs_release_all(struct smbfuse *fs)
{
	GPtrArray *hs = handles_all(fs, NULL, true);
	for (guint i = 0; i < hs->len; i++) {
		struct fs_handle *h = g_ptr_array_index(hs, i);
		int ret = wb_drain(h->wb, NULL, NULL);
		if (ret < 0)
			log_warn("writes to a file still open at exit were lost: %s",
				 g_strerror(-ret));
		fs_handle_close(h, fs->client);
		fs_handle_unref(h); /* the reference the kernel never released */
	}
	g_ptr_array_free(hs, TRUE);
}

void fs_pool_reconnected(void *arg)
{
	struct smbfuse *fs = arg;
	g_mutex_lock(&fs->relock_lock);
	fs->relock_wanted = true;
	g_cond_signal(&fs->relock_cond);
	g_mutex_unlock(&fs->relock_lock);
}

void fs_relock_start(struct smbfuse *fs)
{
	fs->relock_thread = g_thread_new("relock", relock_main, fs);
}

void fs_relock_stop(struct smbfuse *fs)
{
	if (!fs->relock_thread)
		return;
	g_mutex_lock(&fs->relock_lock);
	fs->relock_stopping = true;
	g_cond_signal(&fs->relock_cond);
	g_mutex_unlock(&fs->relock_lock);
	g_thread_join(fs->relock_thread);
	fs->relock_thread = NULL;
}

const struct fuse_operations smbfuse_ops = {
	.init = fs_init,
	.getattr = fs_getattr,
	.readlink = fs_readlink,
	.opendir = fs_opendir,
	.readdir = fs_readdir,
	.releasedir = fs_releasedir,
	.open = fs_open,
	.create = fs_create,
	.read_buf = fs_read_buf,
	.write = fs_write,
	.flush = fs_flush,
	.fsync = fs_fsync,
	.release = fs_release,
	.truncate = fs_truncate,
	.unlink = fs_unlink,
	.mkdir = fs_mkdir,
	.rmdir = fs_rmdir,
	.rename = fs_rename,
	.utimens = fs_utimens,
	.chmod = fs_chmod,
	.chown = fs_chown,
	.symlink = fs_symlink,
	.link = fs_link,
	.mknod = fs_mknod,
	.lock = fs_lock,
	.flock = fs_flock,
	.statfs = fs_statfs,
	.ioctl = fs_ioctl,
	/* main.c drops these two unless -o stats_xattr */
	.getxattr = fs_getxattr,
	.listxattr = fs_listxattr,
};
