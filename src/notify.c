/* The change watcher (see notify.h). */
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
#define MAX_NOTIFY_PARAMS 16384
#define RETRY_MS 2000
#define FILTER                                                                              \
	(FILE_NOTIFY_CHANGE_FILE_NAME | FILE_NOTIFY_CHANGE_DIR_NAME |                       \
	 FILE_NOTIFY_CHANGE_ATTRIBUTES | FILE_NOTIFY_CHANGE_SIZE |                          \
	 FILE_NOTIFY_CHANGE_LAST_WRITE | FILE_NOTIFY_CHANGE_CREATION |                      \
	 FILE_NOTIFY_CHANGE_SECURITY)

struct notify {
	struct notify_config cfg;
	GThread *thread;
	GMutex lock;
	GCond wake;
	bool stopping;
	struct session *current; /* the watch's session (a reference) */
	struct notify_stats stats;
};

static bool stopping(struct notify *n)
{
	g_mutex_lock(&n->lock);
	bool s = n->stopping;
	g_mutex_unlock(&n->lock);
	return s;
}

/* Waits up to ms unless stopping. */
static void pause_ms(struct notify *n, int ms)
{
	gint64 until = g_get_monotonic_time() + (gint64)ms * 1000;
	g_mutex_lock(&n->lock);
	while (!n->stopping && g_cond_wait_until(&n->wake, &n->lock, until))
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
	struct notify *n;
	char sep;
};

static void changed(struct change_ctx *cc, const char *path)
{
	cc->n->cfg.on_change(cc->n->cfg.arg, path);
	g_mutex_lock(&cc->n->lock);
	cc->n->stats.changes++;
	g_mutex_unlock(&cc->n->lock);
}

/* A name relative to the watched directory -> a mount path.  Names come
 * with '\' between components (MS-CIFS 2.2.7.4.2), Samba's too when the
 * session uses POSIX pathnames, where '\' may also be part of a name: then
 * both readings are dropped from the caches. */
static int on_entry(void *data, uint32_t action, const char *name)
{
	struct change_ctx *cc = data;
	char *path = g_strconcat("/", name, NULL);
	log_debug("change notification: action %u on %s", action, path);
	if (strchr(path, '\\')) {
		if (cc->sep == '/')
			changed(cc, path);
		g_strdelimit(path, "\\", '/');
	}
	changed(cc, path);
	g_free(path);
	return 0;
}

/* One answer: the changes it names, or "everything". */
static void deliver(struct notify *n, struct session *s, const struct smb_reply *reply)
{
	g_mutex_lock(&n->lock);
	n->stats.notifications++;
	g_mutex_unlock(&n->lock);
	struct change_ctx cc = { .n = n, .sep = s->path_sep };
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
		n->cfg.on_change(n->cfg.arg, NULL);
	}
}

/* Opens the mount's root directory for watching. */
static int open_root(struct client *cl, uint16_t *fid)
{
	char *root = client_smb_path(cl, "/");
	if (!root)
		return -EINVAL;
	/* "" is the share's root; a subdirectory mount watches its prefix. */
	const char *name = strcmp(root, "\\") == 0 || strcmp(root, "/") == 0 ? "" : root;
	int ret = client_nt_create(cl, name, FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES | SYNCHRONIZE,
				   FILE_OPEN, FILE_DIRECTORY_FILE, fid, NULL);
	g_free(root);
	return ret;
}

/* Watches on s until the connection goes or the server refuses; returns
 * -EOPNOTSUPP when the server will not watch at all. */
static int watch(struct notify *n, struct session *s)
{
	struct client cl = *n->cfg.template;
	uint16_t fid;
	int ret;

	cl.session = s;
	cl.want_oplock = false;
	ret = open_root(&cl, &fid);
	if (ret < 0)
		return ret;
	g_mutex_lock(&n->lock);
	n->stats.arms++;
	n->stats.active = true;
	n->stats.why_inactive = NULL;
	g_mutex_unlock(&n->lock);
	/* Whatever happened while nothing watched is unknown. */
	n->cfg.on_change(n->cfg.arg, NULL);

	uint32_t max_param = s->max_buffer > 1024 ? s->max_buffer - 512 : 512;
	if (max_param > MAX_NOTIFY_PARAMS)
		max_param = MAX_NOTIFY_PARAMS;
	while (!stopping(n)) {
		uint8_t buf[256];
		struct wr w;
		struct smb_reply reply = { 0 };
		session_msg_begin(s, &w, buf, sizeof(buf), SMB_COM_NT_TRANSACT);
		ret = smb_notify_change_encode(&w, fid, FILTER, true, max_param);
		struct conn_req *req = ret < 0 ? NULL : conn_submit_long(s->conn, &w, &ret);
		if (!req)
			break;
		ret = conn_wait(req, &reply);
		if (ret < 0)
			break; /* the connection went */
		uint32_t status = reply.msg.hdr.status;
		ret = smb_hdr_errno(&reply.msg.hdr);
		if (ret < 0) {
			log_info("server refused change notification (%s): caching by actimeo "
				 "only",
				 ntstatus_name(status));
			smb_reply_clear(&reply);
			ret = -EOPNOTSUPP;
			break;
		}
		deliver(n, s, &reply);
		smb_reply_clear(&reply);
	}
	if (conn_alive(s->conn))
		client_close(&cl, fid);
	return ret;
}

static gpointer watcher_main(gpointer data)
{
	struct notify *n = data;

	while (!stopping(n)) {
		struct session *s;
		if (pool_get(n->cfg.pool, &s) < 0) {
			set_inactive(n, "no connection");
			pause_ms(n, RETRY_MS);
			continue;
		}
		if (s->max_mpx < MIN_MPX_FOR_WATCH) {
			log_info("server allows %u requests in flight: no change notification; "
				 "caching by actimeo only",
				 s->max_mpx);
			session_unref(s);
			set_inactive(n, "server allows too few requests in flight");
			pause_ms(n, G_MAXINT / 1000);
			continue;
		}
		g_mutex_lock(&n->lock);
		n->current = s;
		g_mutex_unlock(&n->lock);
		int ret = watch(n, s);
		g_mutex_lock(&n->lock);
		n->current = NULL;
		g_mutex_unlock(&n->lock);
		session_unref(s);
		if (ret == -EOPNOTSUPP || ret == -ENOSYS || ret == -EINVAL) {
			set_inactive(n, "the server refuses change notification");
			/* A later session may be on a server that changed; look
			 * again now and then. */
			pause_ms(n, 60 * 1000);
		} else {
			set_inactive(n, "re-arming");
			if (ret < 0 && !stopping(n))
				pause_ms(n, 100);
		}
	}
	return NULL;
}

struct notify *notify_start(const struct notify_config *cfg)
{
	struct notify *n = g_new0(struct notify, 1);
	n->cfg = *cfg;
	g_mutex_init(&n->lock);
	g_cond_init(&n->wake);
	n->stats.why_inactive = "starting";
	n->thread = g_thread_new("smb-notify", watcher_main, n);
	return n;
}

void notify_stop(struct notify *n)
{
	if (!n)
		return;
	g_mutex_lock(&n->lock);
	n->stopping = true;
	g_cond_broadcast(&n->wake);
	/* The watch waits for an answer that may never come: end it. */
	if (n->current)
		conn_abandon(n->current->conn, -ESHUTDOWN);
	g_mutex_unlock(&n->lock);
	g_thread_join(n->thread);
	g_cond_clear(&n->wake);
	g_mutex_clear(&n->lock);
	g_free(n);
}

bool notify_active(struct notify *n)
{
	if (!n)
		return false;
	g_mutex_lock(&n->lock);
	bool a = n->stats.active;
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
	g_mutex_unlock(&n->lock);
}
