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
	h->locks = g_array_new(FALSE, FALSE, sizeof(struct fs_held_lock));
	return h;
}

void fs_handle_free(struct fs_handle *h)
{
	if (!h)
		return;
	g_array_free(h->locks, TRUE);
	g_mutex_clear(&h->lock);
	g_free(h);
}

static void reacquire_locks(struct fs_handle *h, struct client *cl, const char *path)
{
	for (guint i = 0; i < h->locks->len; i++) {
		struct fs_held_lock *l = &g_array_index(h->locks, struct fs_held_lock, i);
		int ret;
		if (l->is_flock) {
			ret = client_flock(cl, h->fid, l->owner, l->type | LOCK_NB);
		} else {
			struct flock fl = { .l_type = (short)l->type, .l_whence = SEEK_SET,
					    .l_start = l->start, .l_len = l->len };
			ret = client_lock(cl, h->fid, l->owner, F_SETLK, &fl);
		}
		/* Another client may have taken the range while we were away;
		 * nothing can give the lock back then, so say it loudly. */
		if (ret < 0)
			log_warn("lock on %s lost across a reconnect: %s", path, g_strerror(-ret));
	}
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
		if (ret == -ENOTCONN || ret == -ECONNRESET || ret == -ETIMEDOUT || ret == -EPIPE) {
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

void fs_handle_note_lock(struct fs_handle *h, const struct fs_held_lock *l, bool unlock)
{
	g_mutex_lock(&h->lock);
	if (unlock) {
		/* An unlock drops what it covers; whole-file unlocks (and flock
		 * unlocks) drop all of the owner's locks. */
		for (guint i = h->locks->len; i-- > 0;) {
			struct fs_held_lock *o = &g_array_index(h->locks, struct fs_held_lock, i);
			bool whole = l->is_flock || (l->start == 0 && l->len == 0);
			if (o->owner == l->owner && o->is_flock == l->is_flock &&
			    (whole || (o->start == l->start && o->len == l->len)))
				g_array_remove_index(h->locks, i);
		}
	} else {
		g_array_append_val(h->locks, *l);
	}
	g_mutex_unlock(&h->lock);
}

bool fs_handle_has_locks(struct fs_handle *h)
{
	g_mutex_lock(&h->lock);
	bool has = h->locks->len > 0;
	g_mutex_unlock(&h->lock);
	return has;
}
