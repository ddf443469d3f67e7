/* File handles that survive reconnects (see fs_handle.h).  h->lock
 * serialises re-opening with the handle's other users; a re-open is a
 * network round trip made under it, which is fine: the handle is useless
 * until it is done. */
#include "fs_handle.h"

#include <errno.h>
#include <sys/file.h>

#include "log.h"

struct fs_handle *fs_handle_new(struct session *s, uint16_t fid, int open_flags)
{
	struct fs_handle *h = g_new0(struct fs_handle, 1);
	g_mutex_init(&h->lock);
	h->session = s;
	h->fid = fid;
	h->reopen_flags = open_flags & ~(O_CREAT | O_EXCL | O_TRUNC);
	g_mutex_init(&h->lock_mutex);
	h->ranges = g_array_new(FALSE, FALSE, sizeof(struct lock_range));
	h->flocks = g_array_new(FALSE, FALSE, sizeof(struct fs_flock));
	return h;
}

void fs_handle_free(struct fs_handle *h)
{
	if (!h)
		return;
	g_array_free(h->ranges, TRUE);
	g_array_free(h->flocks, TRUE);
	g_mutex_clear(&h->lock_mutex);
	g_mutex_clear(&h->lock);
	g_free(h);
}

static void reacquire_locks(struct fs_handle *h, struct client *cl, const char *path)
{
	/* Another client may have taken a range while we were away; nothing
	 * can give the lock back then, so say it loudly. */
	g_mutex_lock(&h->lock_mutex);
	int ret = client_relock(cl, h->fid, h->ranges);
	for (guint i = 0; i < h->flocks->len && ret == 0; i++) {
		struct fs_flock *f = &g_array_index(h->flocks, struct fs_flock, i);
		ret = client_flock(cl, h->fid, f->owner, f->type | LOCK_NB);
	}
	g_mutex_unlock(&h->lock_mutex);
	if (ret < 0)
		log_warn("lock on %s lost across a reconnect: %s", path, g_strerror(-ret));
}

static int reopen(struct fs_handle *h, struct pool *pool, const struct client *template,
		  const char *path)
{
	struct session *s;
	uint16_t fid;

	if (!path)
		return -ESTALE;
	int ret = pool_get(pool, &s);
	if (ret < 0)
		return ret;
	struct client cl = *template;
	cl.session = s;
	ret = client_open(&cl, path, h->reopen_flags, &fid);
	if (ret < 0) {
		if (pool_transport_error(ret)) {
			pool_report(pool, s, ret);
			return ret;
		}
		log_warn("cannot re-open %s after a reconnect: %s", path, g_strerror(-ret));
		return ret == -ENOENT ? -ESTALE : ret;
	}
	h->session = s;
	h->fid = fid;
	reacquire_locks(h, &cl, path);
	log_debug("re-opened %s after a reconnect", path);
	return 0;
}

int fs_handle_bind(struct fs_handle *h, struct pool *pool, const struct client *template,
		   const char *path, struct client *cl, uint16_t *fid)
{
	int ret = 0;

	g_mutex_lock(&h->lock);
	if (!pool_session_alive(pool, h->session))
		ret = reopen(h, pool, template, path);
	if (ret == 0) {
		*cl = *template;
		cl->session = h->session;
		*fid = h->fid;
	}
	g_mutex_unlock(&h->lock);
	return ret;
}

void fs_handle_note_flock(struct fs_handle *h, uint64_t owner, int type)
{
	g_mutex_lock(&h->lock_mutex);
	for (guint i = h->flocks->len; i-- > 0;)
		if (g_array_index(h->flocks, struct fs_flock, i).owner == owner)
			g_array_remove_index(h->flocks, i);
	if (type != LOCK_UN) {
		struct fs_flock f = { .owner = owner, .type = type };
		g_array_append_val(h->flocks, f);
	}
	g_mutex_unlock(&h->lock_mutex);
}

bool fs_handle_has_locks(struct fs_handle *h)
{
	g_mutex_lock(&h->lock_mutex);
	bool has = h->ranges->len > 0 || h->flocks->len > 0;
	g_mutex_unlock(&h->lock_mutex);
	return has;
}
