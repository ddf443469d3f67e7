/* FUSE operations: each one a translation to client.c.  Errors are already
 * -errno from below; nothing here talks SMB.
 *
 * Reconnects: every call takes a live session from the pool.  A call that
 * fails because its connection died is retried on another session when
 * that is safe: queries, reads and writes (same offset) always; unlink,
 * rmdir and mkdir with a check (the wanted state counts as success on a
 * retry); create, rename, links and the like only when the request never
 * left (-ENOTCONN): those fail cleanly instead of being replayed blindly. */
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

static struct smbfuse *fs_get(void)
{
	return fuse_get_context()->private_data;
}

/* Runs a client call and records its latency and result (stats.c). */
#define TIMED(op, call)                                                                 \
	({                                                                              \
		gint64 tt0_ = g_get_monotonic_time();                                   \
		long tr_ = (long)(call);                                                \
		stats_record(&fs_get()->stats, (op), g_get_monotonic_time() - tt0_, tr_); \
		(int)tr_;                                                               \
	})

#define STATS_XATTR "user.smbfuse.stats"
#define MAX_ATTEMPTS 3
#define NO_ERRNO 1 /* never a negative errno */

enum retry {
	RETRY_SAFE,   /* idempotent: retry on any transport error */
	RETRY_UNSENT, /* only if the request never left */
};

/* A client bound to a live session of the pool. */
static int bind_client(struct smbfuse *fs, struct client *cl)
{
	*cl = *fs->client;
	return pool_get(fs->pool, &cl->session);
}

/* Runs `call` (an expression using `cl`) with retries as described at the
 * top; `ok_errno` on a retry means an earlier attempt did the work. */
#define FS_CALL(fs, policy, ok_errno, call)                                             \
	({                                                                              \
		int fr_;                                                                \
		struct client fcl_;                                                     \
		for (int fa_ = 0;; fa_++) {                                             \
			fr_ = bind_client((fs), &fcl_);                                 \
			if (fr_ < 0)                                                    \
				break;                                                  \
			struct client *cl = &fcl_;                                      \
			fr_ = (int)(call);                                              \
			if (fa_ > 0 && fr_ == (ok_errno)) {                             \
				fr_ = 0;                                                \
				break;                                                  \
			}                                                               \
			if (!pool_transport_error(fr_))                                 \
				break;                                                  \
			pool_report((fs)->pool, fcl_.session, fr_);                     \
			if (fa_ + 1 >= MAX_ATTEMPTS ||                                  \
			    ((policy) == RETRY_UNSENT && fr_ != -ENOTCONN))             \
				break;                                                  \
		}                                                                       \
		fr_;                                                                    \
	})

/* The same for an open file: `call` uses `cl` and `fid`, re-opened on a new
 * session if needed.  Reads, writes, truncates, flushes and locks on a
 * fresh session are all safe to repeat (a dead session's locks died with
 * it). */
#define FH_CALL(fs, h, path, call)                                                      \
	({                                                                              \
		int hr_;                                                                \
		struct client hcl_;                                                     \
		uint16_t fid;                                                           \
		for (int ha_ = 0;; ha_++) {                                             \
			hr_ = fs_handle_bind((h), (fs)->pool, (fs)->client, (path), &hcl_, \
					    &fid);                                      \
			if (hr_ < 0 && !(pool_transport_error(hr_) && hr_ != -ETIMEDOUT)) \
				break;                                                  \
			if (hr_ == 0) {                                                 \
				struct client *cl = &hcl_;                              \
				hr_ = (int)(call);                                      \
				if (!pool_transport_error(hr_))                         \
					break;                                          \
				pool_report((fs)->pool, hcl_.session, hr_);             \
			}                                                               \
			if (ha_ + 1 >= MAX_ATTEMPTS)                                    \
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
	struct session *s = pool_any(fs->pool);
	GString *out = g_string_new("");
	struct pool_info pi;
	uint64_t sent = 0, received = 0;

	pool_get_info(fs->pool, &pi);
	g_string_append_printf(out, "server: %s port %u\nshare: %s\nuser: %s\n",
			       fs->opts->host, fs->opts->port, s->unc, s->user);
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
		g_string_append_printf(out,
				       "connection.%u.state: %s\nconnection.%u.requests: %llu\n"
				       "connection.%u.in_flight: %u\n"
				       "connection.%u.peak_in_flight: %u\n",
				       i, cs && conn_alive(cs->conn) ? "up" : "down", i,
				       (unsigned long long)st.requests, i, st.in_flight, i,
				       st.peak_in_flight);
	}
	/* Bytes of the current connections (those of replaced ones are gone). */
	g_string_append_printf(out, "reconnects: %u\nbytes_sent: %llu\nbytes_received: %llu\n",
			       pi.reconnects, (unsigned long long)sent,
			       (unsigned long long)received);
	stats_append(&fs->stats, out);
	return g_string_free(out, FALSE);
}

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

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct smbfuse *fs = fs_get();

	/* actimeo= is the one knob for both (attr_timeout= and entry_timeout=
	 * are not accepted, so nothing is silently overridden here). */
	cfg->attr_timeout = fs->opts->actimeo;
	cfg->entry_timeout = fs->opts->actimeo;
	/* Server inode numbers are stable with UNIX extensions; hard links
	 * then show as links. */
	cfg->use_ino = pool_any(fs->pool)->unix_ext;
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
	return fs;
}

/* Remembers path as a name of a hard-linked file (server inode numbers:
 * UNIX extensions only; directories are never hard links). */
static void note_links(struct smbfuse *fs, const char *path, const struct stat *st)
{
	if (pool_any(fs->pool)->unix_ext)
		linknames_note(fs->links, path, (uint64_t)st->st_ino,
			       S_ISDIR(st->st_mode) ? 1 : (unsigned long)st->st_nlink);
}

/* After a change through path: the kernel caches each name of a file on
 * its own (one node per path in the high-level API), so drop what it holds
 * for the other names of the same server file (linknames.h). */
static void invalidate_names(char **names)
{
	for (char **p = names; p && *p; p++)
		fuse_invalidate_path(fuse_get_context()->fuse, *p);
	g_strfreev(names);
}

/* Passes ret through; after a success refreshes path's other names. */
static int refreshed(struct smbfuse *fs, const char *path, int ret)
{
	if (ret >= 0)
		invalidate_names(linknames_others(fs->links, path));
	return ret;
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct smbfuse *fs = fs_get();
	struct smb_file_info info;
	int ret = TIMED(STATS_GETATTR,
			FS_CALL(fs, RETRY_SAFE, NO_ERRNO, client_getattr(cl, path, &info)));
	if (ret < 0)
		return ret;
	fs_stat_from_info(fs, &info, st);
	note_links(fs, path, st);
	return 0;
}

static int fs_readlink(const char *path, char *buf, size_t size)
{
	struct smbfuse *fs = fs_get();
	char *target = NULL;
	int ret = TIMED(STATS_READLINK,
			FS_CALL(fs, RETRY_SAFE, NO_ERRNO, client_readlink(cl, path, &target)));
	if (ret < 0)
		return ret;
	g_strlcpy(buf, target, size);
	g_free(target);
	return 0;
}

/* A directory is listed once, at opendir, into this; readdir then pages
 * through it with real offsets, which is what lets libfuse hand the
 * attributes to the kernel with each entry (readdirplus), so `ls -l` costs no
 * per-file round trip. */
struct dir_entry {
	char *name;
	struct stat st;
};

struct dir_listing {
	GArray *entries; /* struct dir_entry */
};

static void dir_entry_clear(gpointer data)
{
	g_free(((struct dir_entry *)data)->name);
}

struct collect_ctx {
	struct smbfuse *fs;
	const char *dir;
	GArray *entries;
};

static int collect_entry(void *data, const char *name, const struct smb_file_info *fi)
{
	struct collect_ctx *cc = data;
	struct dir_entry e = { .name = g_strdup(name) };

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

static int fs_opendir(const char *path, struct fuse_file_info *fi)
{
	struct collect_ctx cc = { .fs = fs_get(), .dir = path };

	cc.entries = g_array_new(FALSE, FALSE, sizeof(struct dir_entry));
	g_array_set_clear_func(cc.entries, dir_entry_clear);
	int ret = TIMED(STATS_OPENDIR, FS_CALL(cc.fs, RETRY_SAFE, NO_ERRNO,
						   list_dir(cl, path, &cc)));
	if (ret < 0) {
		g_array_free(cc.entries, TRUE);
		return ret;
	}
	struct dir_listing *dl = g_new0(struct dir_listing, 1);
	dl->entries = cc.entries;
	fi->fh = (uint64_t)(uintptr_t)dl;
	return 0;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct dir_listing *dl = (struct dir_listing *)(uintptr_t)fi->fh;
	enum fuse_fill_dir_flags fill = (flags & FUSE_READDIR_PLUS) ? FUSE_FILL_DIR_PLUS : 0;

	/* Offsets: 1 and 2 are "." and "..", entry i is i + 3. */
	if (offset < 1 && filler(buf, ".", NULL, 1, 0))
		return 0;
	if (offset < 2 && filler(buf, "..", NULL, 2, 0))
		return 0;
	for (guint i = offset > 2 ? (guint)(offset - 2) : 0; i < dl->entries->len; i++) {
		struct dir_entry *e = &g_array_index(dl->entries, struct dir_entry, i);
		if (filler(buf, e->name, &e->st, (off_t)i + 3, fill))
			break;
	}
	return 0;
}

static int fs_releasedir(const char *path, struct fuse_file_info *fi)
{
	struct dir_listing *dl = (struct dir_listing *)(uintptr_t)fi->fh;
	g_array_free(dl->entries, TRUE);
	g_free(dl);
	return 0;
}

/* Handles opened for writing have write-attributes access. */
static bool handle_writable(const struct fs_handle *h)
{
	return (h->reopen_flags & O_ACCMODE) != O_RDONLY;
}

static void handles_add(struct smbfuse *fs, const char *path, struct fs_handle *h)
{
	g_mutex_lock(&fs->handles_lock);
	GPtrArray *list = g_hash_table_lookup(fs->handles, path);
	if (!list) {
		list = g_ptr_array_new();
		g_hash_table_insert(fs->handles, g_strdup(path), list);
	}
	g_ptr_array_add(list, h);
	g_mutex_unlock(&fs->handles_lock);
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
		g_hash_table_steal_extended(fs->handles, k, NULL, (gpointer *)&list);
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

static int fs_open(const char *path, struct fuse_file_info *fi)
{
	struct smbfuse *fs = fs_get();
	int flags = fi->flags & ~(O_CREAT | O_EXCL);
	struct session *s = NULL;
	uint16_t fid;

	/* Opening without O_CREAT/O_EXCL/O_TRUNC is idempotent; with O_TRUNC
	 * a repeat truncates what a half-done first attempt left, same
	 * result. */
	int ret = TIMED(STATS_OPEN, FS_CALL(fs, RETRY_SAFE, NO_ERRNO,
					    (s = cl->session, client_open(cl, path, flags, &fid))));
	if (ret < 0)
		return ret;
	struct fs_handle *h = fs_handle_new(s, fid, flags);
	handles_add(fs, path, h);
	fi->fh = (uint64_t)(uintptr_t)h;
	return 0;
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
	struct smbfuse *fs = fs_get();
	struct client_owner own = caller_owner(fs);
	struct session *s = NULL;
	uint16_t fid;

	int ret = TIMED(STATS_CREATE,
			FS_CALL(fs, RETRY_UNSENT, NO_ERRNO,
				(s = cl->session,
				 client_create(cl, path, fi->flags | O_CREAT, mode, &own, &fid))));
	if (ret < 0)
		return ret;
	struct fs_handle *h = fs_handle_new(s, fid, fi->flags);
	handles_add(fs, path, h);
	fi->fh = (uint64_t)(uintptr_t)h;
	return 0;
}

static int fs_read(const char *path, char *buf, size_t size, off_t offset,
		   struct fuse_file_info *fi)
{
	struct smbfuse *fs = fs_get();
	if (offset < 0)
		return -EINVAL;
	return TIMED(STATS_READ, FH_CALL(fs, handle_of(fi), path,
					 client_read(cl, fid, buf, size, (uint64_t)offset)));
}

static int fs_write(const char *path, const char *buf, size_t size, off_t offset,
		    struct fuse_file_info *fi)
{
	struct smbfuse *fs = fs_get();
	if (offset < 0)
		return -EINVAL;
	return refreshed(fs, path,
			 TIMED(STATS_WRITE, FH_CALL(fs, handle_of(fi), path,
						    client_write(cl, fid, buf, size,
								 (uint64_t)offset))));
}

/* Every write has reached the server when write(2) returned, so close(2)
 * has nothing to push; fsync asks the server to flush to its disk. */
static int fs_flush(const char *path, struct fuse_file_info *fi)
{
	return 0;
}

static int fs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	struct smbfuse *fs = fs_get();
	return TIMED(STATS_FSYNC, FH_CALL(fs, handle_of(fi), path, client_flush(cl, fid)));
}

static int fs_release(const char *path, struct fuse_file_info *fi)
{
	struct smbfuse *fs = fs_get();
	struct fs_handle *h = handle_of(fi);

	/* A handle whose session died has nothing left to close. */
	if (pool_session_alive(fs->pool, h->session)) {
		struct client cl = *fs->client;
		cl.session = h->session;
		int ret = TIMED(STATS_RELEASE, client_close(&cl, h->fid));
		if (ret < 0 && !pool_transport_error(ret))
			log_warn("close of %s failed: %s", path ? path : "?", g_strerror(-ret));
	}
	handles_remove(fs, path, h);
	fs_handle_free(h);
	return 0;
}

static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct smbfuse *fs = fs_get();
	if (size < 0)
		return -EINVAL;
	if (fi)
		return refreshed(fs, path,
				 TIMED(STATS_TRUNCATE,
				       FH_CALL(fs, handle_of(fi), path,
					       client_ftruncate(cl, fid, (uint64_t)size))));
	return refreshed(fs, path, TIMED(STATS_TRUNCATE,
					 FS_CALL(fs, RETRY_SAFE, NO_ERRNO,
						 client_truncate(cl, path, (uint64_t)size))));
}

static int fs_unlink(const char *path)
{
	struct smbfuse *fs = fs_get();
	/* The other names lose a link. */
	char **others = linknames_others(fs->links, path);
	int ret = TIMED(STATS_UNLINK,
			FS_CALL(fs, RETRY_SAFE, -ENOENT, client_unlink(cl, path)));
	if (ret == 0) {
		linknames_forget(fs->links, path);
		invalidate_names(others);
	} else {
		g_strfreev(others);
	}
	return ret;
}

static int fs_mkdir(const char *path, mode_t mode)
{
	struct smbfuse *fs = fs_get();
	struct client_owner own = caller_owner(fs);
	return TIMED(STATS_MKDIR,
		     FS_CALL(fs, RETRY_SAFE, -EEXIST, client_mkdir(cl, path, mode, &own)));
}

static int fs_rmdir(const char *path)
{
	struct smbfuse *fs = fs_get();
	return TIMED(STATS_RMDIR, FS_CALL(fs, RETRY_SAFE, -ENOENT, client_rmdir(cl, path)));
}

static int fs_rename(const char *from, const char *to, unsigned int flags)
{
	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL; /* RENAME_EXCHANGE has no SMB1 equivalent */
	struct smbfuse *fs = fs_get();
	int ret = TIMED(STATS_RENAME,
			FS_CALL(fs, RETRY_UNSENT, NO_ERRNO,
				client_rename(cl, from, to, flags & RENAME_NOREPLACE)));
	if (ret == 0) {
		handles_rename(fs, from, to);
		/* A replaced target's other names lose a link; the moved
		 * file's new name is learnt at its next lookup. */
		invalidate_names(linknames_others(fs->links, to));
		linknames_forget(fs->links, to);
		linknames_forget(fs->links, from);
	}
	return ret;
}

static int fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	struct smbfuse *fs = fs_get();

	/* Through open handles when there are any: a time set by path would
	 * be overwritten when a handle that wrote is closed (SMB servers
	 * update the write time on close unless it was set on the handle). */
	int ret = 1;
	if (fi && handle_writable(handle_of(fi)))
		ret = TIMED(STATS_UTIMENS,
			    FH_CALL(fs, handle_of(fi), path, client_futimens(cl, fid, tv)));
	/* handles_lock is held through the calls so that no handle on the
	 * list can be released (and freed) meanwhile; times are rare. */
	g_mutex_lock(&fs->handles_lock);
	GPtrArray *list = fi ? NULL : g_hash_table_lookup(fs->handles, path);
	bool done = false;
	for (guint i = 0; list && i < list->len && ret >= 0; i++) {
		struct fs_handle *h = g_ptr_array_index(list, i);
		if (!handle_writable(h))
			continue; /* no write-attributes access on it */
		ret = TIMED(STATS_UTIMENS, FH_CALL(fs, h, path, client_futimens(cl, fid, tv)));
		done |= ret == 0;
	}
	g_mutex_unlock(&fs->handles_lock);
	if (done && ret < 0)
		ret = 0; /* set through another handle */
	if (ret != 0) /* no writable open handle, or it failed: by path */
		ret = TIMED(STATS_UTIMENS,
			    FS_CALL(fs, RETRY_SAFE, NO_ERRNO, client_utimens(cl, path, tv)));
	return refreshed(fs, path, ret);
}

static int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct smbfuse *fs = fs_get();
	bool is_dir = false;

	if (!pool_any(fs->pool)->unix_ext) {
		struct smb_file_info info;
		int ret = FS_CALL(fs, RETRY_SAFE, NO_ERRNO, client_getattr(cl, path, &info));
		if (ret < 0)
			return ret;
		is_dir = info.is_dir;
	}
	return refreshed(fs, path,
			 TIMED(STATS_CHMOD, FS_CALL(fs, RETRY_SAFE, NO_ERRNO,
						    client_chmod(cl, path, mode, is_dir))));
}

static int fs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	struct smbfuse *fs = fs_get();

	/* Without UNIX extensions every file shows the same owner: giving a
	 * file the owner it already shows is a no-op (cp -p, tar, rsync -a
	 * do that), any other owner cannot be stored. */
	if (!pool_any(fs->pool)->unix_ext) {
		uid_t shown_uid = fs->opts->uid_set ? fs->opts->uid : fs->default_uid;
		gid_t shown_gid = fs->opts->gid_set ? fs->opts->gid : fs->default_gid;
		if ((uid == (uid_t)-1 || uid == shown_uid) && (gid == (gid_t)-1 || gid == shown_gid))
			return 0;
		return -EPERM;
	}
	return refreshed(fs, path, TIMED(STATS_CHOWN, FS_CALL(fs, RETRY_SAFE, NO_ERRNO,
							      client_chown(cl, path, uid, gid))));
}

static int fs_symlink(const char *target, const char *path)
{
	struct smbfuse *fs = fs_get();
	struct client_owner own = caller_owner(fs);
	return TIMED(STATS_SYMLINK,
		     FS_CALL(fs, RETRY_UNSENT, NO_ERRNO, client_symlink(cl, target, path, &own)));
}

static int fs_link(const char *from, const char *to)
{
	struct smbfuse *fs = fs_get();
	int ret = TIMED(STATS_LINK,
			FS_CALL(fs, RETRY_UNSENT, NO_ERRNO, client_link(cl, from, to)));
	/* The link count changed for every name, the old one included
	 * (which the kernel keeps as a node of its own). */
	if (ret == 0)
		fuse_invalidate_path(fuse_get_context()->fuse, from);
	return refreshed(fs, from, ret);
}

static int fs_mknod(const char *path, mode_t mode, dev_t rdev)
{
	struct smbfuse *fs = fs_get();
	struct client_owner own = caller_owner(fs);
	return TIMED(STATS_MKNOD,
		     FS_CALL(fs, RETRY_UNSENT, NO_ERRNO, client_mknod(cl, path, mode, rdev, &own)));
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
	unsigned delay = 10;
	int ret;

	/* libfuse unlocks every handle on close; one that never locked has
	 * nothing to unlock, and skipping saves a round trip per close. */
	if (fl->l_type == F_UNLCK && cmd != F_GETLK && !fs_handle_has_locks(h))
		return 0;
	for (;;) {
		int one_cmd = cmd == F_SETLKW ? F_SETLK : cmd;
		ret = TIMED(STATS_LOCK, FH_CALL(fs, h, path,
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

	if (kind == LOCK_UN && !fs_handle_has_locks(h))
		return 0;
	for (;;) {
		ret = TIMED(STATS_LOCK, FH_CALL(fs, h, path,
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
	struct smbfuse *fs = fs_get();
	return TIMED(STATS_STATFS, FS_CALL(fs, RETRY_SAFE, NO_ERRNO, client_statfs(cl, st)));
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
	.read = fs_read,
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
	.getxattr = fs_getxattr,
	.listxattr = fs_listxattr,
};
