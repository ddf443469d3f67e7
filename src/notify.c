/* The change watchers (see notify.h).
 *
 * A watcher is a thread that keeps one NOTIFY_CHANGE outstanding on one
 * directory.  The root watcher asks for the whole tree; if the server
 * refuses that, it watches the root alone, and each directory the mount
 * lists gets a watcher of its own, at most max_dirs of them (each holds a
 * MaxMpxCount slot), the least recently listed giving way.  A directory
 * that loses its watcher loses what is cached of it: only TTLs keep that
 * fresh from then on. */
#include "notify.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "client_priv.h"
#include "log.h"
#include "ntstatus.h"

/* The watch holds one of the server's MaxMpxCount slots for good; below
 * this many it would cost the mount too much of its parallelism. */
#define MIN_MPX_FOR_WATCH 4
/* Per-directory watches: at most this many, and a quarter of the slots. */
#define MAX_DIR_WATCHES 8
#define MAX_NOTIFY_PARAMS 16384
#define RETRY_MS 2000
#define REARM_DELAY_MS 50
#define ARM_ECHO_TIMEOUT_MS 10000
#define FILTER                                                                              \
	(FILE_NOTIFY_CHANGE_FILE_NAME | FILE_NOTIFY_CHANGE_DIR_NAME |                       \
	 FILE_NOTIFY_CHANGE_ATTRIBUTES | FILE_NOTIFY_CHANGE_SIZE |                          \
	 FILE_NOTIFY_CHANGE_LAST_WRITE | FILE_NOTIFY_CHANGE_CREATION |                      \
	 FILE_NOTIFY_CHANGE_SECURITY)

enum watch_mode {
	MODE_TREE,    /* one recursive watch on the root */
	MODE_PER_DIR, /* the server refused that: root + listed directories */
	MODE_OFF,     /* the server refuses watching at all */
};

struct watcher {
	struct notify *n;
	char *dir; /* mount path: "/" or "/a/b" */
	bool root;
	GThread *thread;
	/* under n->lock: */
	bool stop;
	bool retired; /* stopped without a join: frees itself */
	struct session *session; /* while watching (a reference) */
	uint16_t fid;
	bool fid_open;
	gint64 last_used; /* per-directory watchers: for giving way */
};

struct notify {
	struct notify_config cfg;
	GMutex lock;
	GCond wake;
	bool stopping;
	enum watch_mode mode;
	unsigned max_dirs;
	struct watcher *root;
	GPtrArray *dirs; /* struct watcher *, per-directory mode */
	unsigned retiring; /* per-directory watchers told to stop, not yet gone */
	struct notify_stats stats;
};

static bool should_stop(struct watcher *w)
{
	g_mutex_lock(&w->n->lock);
	bool s = w->n->stopping || w->stop;
	g_mutex_unlock(&w->n->lock);
	return s;
}

/* Waits up to ms unless the watcher is told to stop. */
static void pause_ms(struct watcher *w, int ms)
{
	struct notify *n = w->n;
	gint64 until = g_get_monotonic_time() + (gint64)ms * 1000;
	g_mutex_lock(&n->lock);
	while (!n->stopping && !w->stop && g_cond_wait_until(&n->wake, &n->lock, until))
		;
	g_mutex_unlock(&n->lock);
}

static void set_inactive(struct notify *n, const char *why)
{
	g_mutex_lock(&n->lock);
	n->stats.active = false;
	n->stats.why_inactive = why;
	g_mutex_unlock(&n->lock);
}

struct change_ctx {
	struct watcher *w;
	char sep;
};

static void changed(struct change_ctx *cc, const char *path, uint32_t action)
{
	struct notify *n = cc->w->n;
	n->cfg.on_change(n->cfg.arg, path, action);
	g_mutex_lock(&n->lock);
	n->stats.changes++;
	g_mutex_unlock(&n->lock);
}

/* A name relative to the watched directory -> a mount path.  Names come
 * with '\\' between components (MS-CIFS 2.2.7.4.2), Samba's too when the
 * session uses POSIX pathnames, where '\\' may also be part of a name: then
 * both readings are dropped from the caches. */
static int on_entry(void *data, uint32_t action, const char *name)
{
	struct change_ctx *cc = data;
	const char *dir = cc->w->dir;
	char *path = g_strconcat(strcmp(dir, "/") == 0 ? "" : dir, "/", name, NULL);
	log_debug("change notification: action %u on %s", action, path);
	if (strchr(path, '\\')) {
		if (cc->sep == '/') {
			/* Which name it is, is not known: the one read with
			 * '\\' in it may have changed in any way, and the one
			 * read with separators says so (fs_server_changed). */
			changed(cc, path, NOTIFY_ANY);
			action |= NOTIFY_AMBIGUOUS;
		}
		g_strdelimit(path, "\\", '/');
	}
	changed(cc, path, action);
	g_free(path);
	return 0;
}

/* One answer: the changes it names, or "everything" (under the watched
 * directory; for the root, everything). */
static void deliver(struct watcher *w, struct session *s, const struct smb_reply *reply)
{
	struct notify *n = w->n;
	g_mutex_lock(&n->lock);
	n->stats.notifications++;
	g_mutex_unlock(&n->lock);
	struct change_ctx cc = { .w = w, .sep = s->path_sep };
	bool everything = reply->msg.hdr.status == NT_STATUS_NOTIFY_ENUM_DIR ||
			  reply->t2.total_param == 0;
	if (!everything &&
	    smb_notify_parse(reply->t2.params, reply->t2.total_param, true, on_entry, &cc) < 0) {
		log_warn("malformed change notification; dropping every cache");
		everything = true;
	}
	if (everything) {
		g_mutex_lock(&n->lock);
		n->stats.overflows++;
		g_mutex_unlock(&n->lock);
		n->cfg.on_change(n->cfg.arg, w->root ? NULL : w->dir, NOTIFY_ANY);
	}
}

/* Opens the watched directory. */
static int open_dir(struct client *cl, const char *dir, uint16_t *fid)
{
	char *smb = client_smb_path(cl, dir);
	if (!smb)
		return -EINVAL;
	/* "" is the share's root; a subdirectory mount watches its prefix. */
	const char *name = strcmp(smb, "\\") == 0 || strcmp(smb, "/") == 0 ? "" : smb;
	int ret = client_nt_create(cl, name, FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES | SYNCHRONIZE,
				   FILE_OPEN, FILE_DIRECTORY_FILE, fid, NULL);
	g_free(smb);
	return ret;
}

/* Answers that mean "not this kind of watch" rather than "not now". */
static bool refused(uint32_t status)
{
	return status == NT_STATUS_NOT_SUPPORTED || status == NT_STATUS_NOT_IMPLEMENTED ||
	       status == NT_STATUS_INVALID_PARAMETER || status == NT_STATUS_INVALID_DEVICE_REQUEST ||
	       status == NT_STATUS_INVALID_INFO_CLASS || status == NT_STATUS_ACCESS_DENIED;
}

/* Watches w->dir on s until the connection goes, the watcher is told to
 * stop, or the server refuses (-EOPNOTSUPP). */
static int watch(struct watcher *w, struct session *s, bool tree)
{
	struct notify *n = w->n;
	struct client cl = *n->cfg.template;
	uint16_t fid;
	int ret;

	cl.session = s;
	ret = open_dir(&cl, w->dir, &fid);
	if (ret < 0)
		return ret;
	g_mutex_lock(&n->lock);
	w->session = session_ref(s);
	w->fid = fid;
	w->fid_open = true;
	n->stats.arms++;
	g_mutex_unlock(&n->lock);
	bool first = true;

	uint32_t max_param = s->max_buffer > 1024 ? s->max_buffer - 512 : 512;
	if (max_param > MAX_NOTIFY_PARAMS)
		max_param = MAX_NOTIFY_PARAMS;
	while (!should_stop(w)) {
		uint8_t buf[256];
		struct wr wr;
		struct smb_reply reply = { 0 };
		session_msg_begin(s, &wr, buf, sizeof(buf), SMB_COM_NT_TRANSACT);
		ret = smb_notify_change_encode(&wr, fid, FILTER, tree, max_param);
		struct conn_req *req = ret < 0 ? NULL : conn_submit_long(s->conn, &wr, &ret);
		if (!req)
			break;
		if (first) {
			/* The server takes a connection's requests in order:
			 * once an echo sent after the first request is
			 * answered, the watch is in place, and only from then
			 * on can nothing change unseen.  Whatever happened
			 * before is unknown. */
			first = false;
			session_echo(s, ARM_ECHO_TIMEOUT_MS);
			if (w->root) {
				g_mutex_lock(&n->lock);
				n->stats.active = true;
				n->stats.why_inactive = NULL;
				g_mutex_unlock(&n->lock);
			}
			n->cfg.on_change(n->cfg.arg, w->root ? NULL : w->dir, NOTIFY_ANY);
		}
		ret = conn_wait(req, &reply);
		if (ret < 0)
			break; /* the connection went */
		uint32_t status = reply.msg.hdr.status;
		ret = smb_hdr_errno(&reply.msg.hdr);
		if (ret < 0) {
			if (!should_stop(w))
				log_info("server refused change notification on %s%s (%s)", w->dir,
					 tree ? " with its subdirectories" : "",
					 ntstatus_name(status));
			smb_reply_clear(&reply);
			ret = refused(status) ? -EOPNOTSUPP : ret;
			break;
		}
		deliver(w, s, &reply);
		smb_reply_clear(&reply);
		/* The server keeps what changes meanwhile for the next request
		 * (MS-CIFS 3.3.5.59.4): a moment's pause batches a burst of
		 * changes (every write of a copy) into one answer. */
		pause_ms(w, REARM_DELAY_MS);
	}
	g_mutex_lock(&n->lock);
	bool close_it = w->fid_open;
	w->fid_open = false;
	struct session *mine = w->session;
	w->session = NULL;
	g_mutex_unlock(&n->lock);
	if (close_it && conn_alive(s->conn))
		client_close(&cl, fid);
	session_unref(mine);
	return ret;
}

static gpointer dir_watcher_main(gpointer data)
{
	struct watcher *w = data;
	while (!should_stop(w)) {
		struct session *s;
		if (pool_get(w->n->cfg.pool, &s) < 0) {
			pause_ms(w, RETRY_MS);
			continue;
		}
		int ret = watch(w, s, false);
		session_unref(s);
		if (ret == -EOPNOTSUPP || ret == -ENOENT || ret == -ENOTDIR)
			break; /* gone, or not watchable: the TTL takes over */
		if (ret < 0)
			pause_ms(w, 100);
	}
	/* Nothing watches it any more. */
	struct notify *n = w->n;
	n->cfg.on_change(n->cfg.arg, w->dir, NOTIFY_ANY);
	g_mutex_lock(&n->lock);
	bool self_free = w->retired;
	if (w->retired) {
		/* Given way to another directory: nobody joins this thread. */
		n->retiring--;
		g_cond_broadcast(&n->wake);
	} else if (!n->stopping && g_ptr_array_remove(n->dirs, w)) {
		/* Ended on its own (the directory went): out of the set. */
		n->stats.dirs_watched = n->dirs->len;
		g_thread_unref(w->thread);
		self_free = true;
	}
	g_mutex_unlock(&n->lock);
	if (self_free) {
		g_free(w->dir);
		g_free(w);
	}
	return NULL;
}

static gpointer root_watcher_main(gpointer data)
{
	struct watcher *w = data;
	struct notify *n = w->n;

	while (!should_stop(w)) {
		struct session *s;
		if (pool_get(n->cfg.pool, &s) < 0) {
			set_inactive(n, "no connection");
			pause_ms(w, RETRY_MS);
			continue;
		}
		if (s->max_mpx < MIN_MPX_FOR_WATCH) {
			log_info("server allows %u requests in flight: no change notification; "
				 "caching by actimeo only",
				 s->max_mpx);
			session_unref(s);
			set_inactive(n, "server allows too few requests in flight");
			pause_ms(w, G_MAXINT / 1000);
			continue;
		}
		g_mutex_lock(&n->lock);
		enum watch_mode mode = n->mode;
		n->max_dirs = MIN(MAX_DIR_WATCHES, s->max_mpx / 4);
		g_mutex_unlock(&n->lock);
		int ret = watch(w, s, mode == MODE_TREE);
		session_unref(s);
		if (ret == -EOPNOTSUPP && mode == MODE_TREE) {
			log_info("watching the root and up to %u listed directories instead",
				 n->max_dirs);
			g_mutex_lock(&n->lock);
			n->mode = MODE_PER_DIR;
			g_mutex_unlock(&n->lock);
			continue;
		}
		if (ret == -EOPNOTSUPP || ret == -ENOSYS || ret == -EINVAL) {
			set_inactive(n, "the server refuses change notification");
			g_mutex_lock(&n->lock);
			n->mode = MODE_OFF;
			g_mutex_unlock(&n->lock);
			/* A later session may be on a server that changed; look
			 * again now and then. */
			pause_ms(w, 60 * 1000);
			g_mutex_lock(&n->lock);
			n->mode = MODE_TREE;
			g_mutex_unlock(&n->lock);
		} else {
			set_inactive(n, "re-arming");
			if (ret < 0)
				pause_ms(w, 100);
		}
	}
	return NULL;
}

static struct watcher *watcher_new(struct notify *n, const char *dir, bool root)
{
	struct watcher *w = g_new0(struct watcher, 1);
	w->n = n;
	w->dir = g_strdup(dir);
	w->root = root;
	w->last_used = g_get_monotonic_time();
	w->thread = g_thread_new(root ? "smb-notify" : "smb-notify-dir",
				 root ? root_watcher_main : dir_watcher_main, w);
	return w;
}

/* Tells w to stop (called with n->lock held) and wakes it: its watch waits
 * for an answer that may never come, so its directory handle is closed
 * (the server then ends the watch, MS-CIFS 3.3.5.59.4) or, when unmounting,
 * its connection is shut down. */
static struct session *stop_locked(struct watcher *w, uint16_t *fid, bool *close_fid)
{
	w->stop = true;
	g_cond_broadcast(&w->n->wake);
	*close_fid = w->fid_open;
	w->fid_open = false;
	*fid = w->fid;
	return w->session ? session_ref(w->session) : NULL;
}

/* Stops and frees w (n->lock not held). */
static void watcher_end(struct notify *n, struct watcher *w, bool unmounting)
{
	uint16_t fid;
	bool close_fid;
	g_mutex_lock(&n->lock);
	struct session *s = stop_locked(w, &fid, &close_fid);
	g_mutex_unlock(&n->lock);
	if (s && unmounting) {
		conn_abandon(s->conn, -ESHUTDOWN);
	} else if (s && close_fid) {
		struct client cl = *n->cfg.template;
		cl.session = s;
		client_close(&cl, fid);
	}
	session_unref(s);
	g_thread_join(w->thread);
	g_free(w->dir);
	g_free(w);
}

/* Tells a per-directory watcher to stop without waiting for it (a FUSE
 * request is waiting on us): it frees itself (n->retiring counts it). */
static void watcher_retire(struct notify *n, struct watcher *w)
{
	uint16_t fid;
	bool close_fid;
	g_mutex_lock(&n->lock);
	n->retiring++;
	w->retired = true;
	struct session *s = stop_locked(w, &fid, &close_fid);
	GThread *t = w->thread; /* w may be gone once the lock is let go */
	g_mutex_unlock(&n->lock);
	g_thread_unref(t); /* detached */
	if (s && close_fid) {
		struct client cl = *n->cfg.template;
		cl.session = s;
		client_close(&cl, fid);
	}
	session_unref(s);
}

void notify_watch_dir(struct notify *n, const char *dir)
{
	struct watcher *evict = NULL;

	if (!n || strcmp(dir, "/") == 0)
		return;
	g_mutex_lock(&n->lock);
	if (n->mode != MODE_PER_DIR || n->stopping || n->max_dirs == 0) {
		g_mutex_unlock(&n->lock);
		return;
	}
	for (guint i = 0; i < n->dirs->len; i++) {
		struct watcher *w = g_ptr_array_index(n->dirs, i);
		if (strcmp(w->dir, dir) == 0) {
			w->last_used = g_get_monotonic_time();
			g_mutex_unlock(&n->lock);
			return;
		}
	}
	if (n->dirs->len >= n->max_dirs) {
		guint oldest = 0;
		for (guint i = 1; i < n->dirs->len; i++)
			if (((struct watcher *)g_ptr_array_index(n->dirs, i))->last_used <
			    ((struct watcher *)g_ptr_array_index(n->dirs, oldest))->last_used)
				oldest = i;
		evict = g_ptr_array_steal_index(n->dirs, oldest);
	}
	g_ptr_array_add(n->dirs, watcher_new(n, dir, false));
	n->stats.dirs_watched = n->dirs->len;
	g_mutex_unlock(&n->lock);
	if (evict)
		watcher_retire(n, evict);
}

struct notify *notify_start(const struct notify_config *cfg)
{
	struct notify *n = g_new0(struct notify, 1);
	n->cfg = *cfg;
	g_mutex_init(&n->lock);
	g_cond_init(&n->wake);
	n->dirs = g_ptr_array_new();
	n->mode = MODE_TREE;
	n->stats.why_inactive = "starting";
	n->root = watcher_new(n, "/", true);
	return n;
}

void notify_stop(struct notify *n)
{
	if (!n)
		return;
	g_mutex_lock(&n->lock);
	n->stopping = true;
	g_cond_broadcast(&n->wake);
	GPtrArray *dirs = n->dirs;
	n->dirs = g_ptr_array_new();
	g_mutex_unlock(&n->lock);
	for (guint i = 0; i < dirs->len; i++)
		watcher_end(n, g_ptr_array_index(dirs, i), true);
	g_ptr_array_free(dirs, TRUE);
	watcher_end(n, n->root, true);
	/* Retired watchers free themselves; they only have to notice. */
	gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	g_mutex_lock(&n->lock);
	while (n->retiring && g_cond_wait_until(&n->wake, &n->lock, until))
		;
	bool left = n->retiring > 0;
	g_mutex_unlock(&n->lock);
	if (left) {
		log_warn("change watchers still stopping at unmount; leaving them");
		return; /* they still use n: it stays */
	}
	g_ptr_array_free(n->dirs, TRUE);
	g_cond_clear(&n->wake);
	g_mutex_clear(&n->lock);
	g_free(n);
}

bool notify_active(struct notify *n)
{
	if (!n)
		return false;
	g_mutex_lock(&n->lock);
	bool a = n->stats.active && n->mode == MODE_TREE;
	g_mutex_unlock(&n->lock);
	return a;
}

void notify_get_stats(struct notify *n, struct notify_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!n) {
		st->why_inactive = "off";
		return;
	}
	g_mutex_lock(&n->lock);
	*st = n->stats;
	st->per_directory = n->mode == MODE_PER_DIR;
	g_mutex_unlock(&n->lock);
}
