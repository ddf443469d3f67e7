/* File handles that survive reconnects (see fs_handle.h).  h->lock
 * serialises re-opening with the handle's other users; a re-open is a
 * network round trip made under it, which is fine: the handle is useless
 * until it is done. */
#include "fs_handle.h"

#include <errno.h>
#include <string.h>
#include <sys/file.h>

#include "log.h"
#include "writebehind.h"

struct fs_handle *fs_handle_new(struct session *s, uint16_t fid, int open_flags,
				const struct client_open_info *id)
{
	struct fs_handle *h = g_new0(struct fs_handle, 1);
	h->refs = 1;
	g_mutex_init(&h->lock);
	g_rw_lock_init(&h->use_lock);
	h->session = session_ref(s);
	h->fid = fid;
	if (id) {
		h->id = *id;
		h->oplock = id->oplock;
	}
	h->reopen_flags = open_flags & ~(O_CREAT | O_EXCL | O_TRUNC);
	h->ra = readahead_new();
	g_mutex_init(&h->lock_mutex);
	h->ranges = g_array_new(FALSE, FALSE, sizeof(struct lock_range));
	h->flocks = g_array_new(FALSE, FALSE, sizeof(struct fs_flock));
	return h;
}

/* Called with h->lock held (or by the last reference). */
static void drop_head_locked(struct fs_handle *h)
{
	if (!h->head)
		return;
	g_atomic_int_add(h->head_budget, -(gint)h->head_len);
	g_free(h->head);
	h->head = NULL;
	h->head_len = 0;
}

void fs_handle_set_head(struct fs_handle *h, struct client_head *head, uint64_t size,
			int changes, gint *budget)
{
	g_mutex_lock(&h->lock);
	drop_head_locked(h);
	if (head->data && head->len <= G_MAXINT) {
		h->head = head->data;
		h->head_len = head->len;
		h->head_size = size;
		h->head_changes = changes;
		h->head_budget = budget;
		g_atomic_int_add(budget, (gint)head->len);
	} else {
		g_free(head->data);
	}
	head->data = NULL;
	head->len = 0;
	g_mutex_unlock(&h->lock);
}

bool fs_handle_has_head(struct fs_handle *h)
{
	g_mutex_lock(&h->lock);
	bool has = h->head != NULL;
	g_mutex_unlock(&h->lock);
	return has;
}

bool fs_handle_read_head(struct fs_handle *h, void *buf, size_t size, uint64_t off,
			 int changes, size_t *got)
{
	bool whole = false;

	*got = 0;
	g_mutex_lock(&h->lock);
	if (!h->head)
		goto out;
	/* The oplock is what says nobody else changed the file since: the
	 * FID's own (a dead connection took it away), never broken to none;
	 * and no change through this mount since the open (its oplock break
	 * may still be on the way). */
	bool current = h->oplock != OPLOCK_NONE && !h->broken && !h->closed &&
		       conn_alive(h->session->conn) && changes == h->head_changes;
	if (current && off >= h->head_size && h->head_len >= h->head_size) {
		whole = true; /* at or past the end of a file read whole */
		goto out;
	}
	if (!current || off >= h->head_len) {
		drop_head_locked(h); /* the rest is the server's to tell */
		goto out;
	}
	size_t n = MIN(size, (size_t)(h->head_len - off));
	memcpy(buf, h->head + off, n);
	*got = n;
	/* Answered whole: all asked for, or up to the end of the file.  The
	 * head stays until the release (or a change): a read again, or at
	 * the end of the file, costs no round trip either. */
	whole = n == size || off + n >= h->head_size;
out:
	g_mutex_unlock(&h->lock);
	return whole;
}

struct fs_handle *fs_handle_ref(struct fs_handle *h)
{
	g_atomic_int_inc(&h->refs);
	return h;
}

void fs_handle_unref(struct fs_handle *h)
{
	if (!h || !g_atomic_int_dec_and_test(&h->refs))
		return;
	wb_free(h->wb);
	readahead_free(h->ra);
	drop_head_locked(h);
	session_unref(h->session);
	g_array_free(h->ranges, TRUE);
	g_array_free(h->flocks, TRUE);
	g_mutex_clear(&h->lock_mutex);
	g_rw_lock_clear(&h->use_lock);
	g_mutex_clear(&h->lock);
	g_free(h);
}

static int reacquire_locks(struct fs_handle *h, struct client *cl, const char *path)
{
	/* Another client may have taken a range while we were away; nothing
	 * can give the lock back then. */
	g_mutex_lock(&h->lock_mutex);
	int ret = client_relock(cl, h->fid, h->ranges);
	for (guint i = 0; i < h->flocks->len && ret == 0; i++) {
		struct fs_flock *f = &g_array_index(h->flocks, struct fs_flock, i);
		ret = client_flock(cl, h->fid, f->owner, f->type | LOCK_NB);
	}
	g_mutex_unlock(&h->lock_mutex);
	if (ret < 0)
		log_err("lock on %s lost across a reconnect (%s): the descriptor fails with EIO "
			"from now on",
			path, g_strerror(-ret));
	return ret;
}

/* Does the file just opened by name differ from the one the handle had? */
static bool replaced(const struct client_open_info *was, const struct client_open_info *now)
{
	if (was->unique_id && now->unique_id)
		return was->unique_id != now->unique_id;
	if (was->create_time && now->create_time)
		return was->create_time != now->create_time;
	return false; /* nothing to compare: the name is all we have */
}

/* Called with h->lock held.  The old session comes back in *old, for the
 * caller to let go once it no longer holds h->lock: its last reference
 * waits for the connection's event thread, which may be waiting for
 * h->lock (an oplock break's handler). */
static int reopen(struct fs_handle *h, struct pool *pool, const struct client *template,
		  const char *path, bool *transient, struct session **old)
{
	struct session *s;
	struct client_open_info id;
	struct conn_ledger ledger;
	uint16_t fid;

	if (!path)
		return -ESTALE;
	int ret = pool_get(pool, &s);
	if (ret < 0)
		return ret;
	struct client cl = *template;
	cl.session = s;
	conn_ledger_begin(&ledger, false);
	/* Compare like with like: an open that used NT_CREATE_ANDX where a
	 * POSIX open would have (client_open_head), and took no unique id from
	 * the cache (head_take_identity), has a create time to compare. */
	if (h->id.nt_create && !h->id.unique_id && cl.open_cmd == OPEN_CMD_AUTO)
		cl.open_cmd = OPEN_CMD_NTCREATE;
	ret = client_open(&cl, path, h->reopen_flags, &fid, &id);
	conn_ledger_end();
	if (ret < 0) {
		*transient = ledger.failed > 0;
		pool_note_attempt(pool, &ledger);
		if (!*transient)
			log_warn("cannot re-open %s after a reconnect: %s", path, g_strerror(-ret));
		if (ret == -ENOENT)
			ret = -ESTALE;
		goto out;
	}
	if (replaced(&h->id, &id)) {
		log_warn("%s is another file since the connection was lost: the open descriptor "
			 "fails with ESTALE",
			 path);
		client_close(&cl, fid);
		h->broken = -ESTALE;
		ret = -ESTALE;
		goto out;
	}
	drop_head_locked(h); /* read through the old FID */
	*old = h->session;
	h->session = session_ref(s);
	h->fid = fid;
	h->oplock = id.oplock;
	if (reacquire_locks(h, &cl, path) < 0) {
		h->broken = -EIO;
		ret = -EIO;
		goto out;
	}
	log_debug("re-opened %s after a reconnect", path);
out:
	session_unref(s);
	return ret;
}

int fs_handle_bind(struct fs_handle *h, struct pool *pool, const struct client *template,
		   const char *path, struct client *cl, uint16_t *fid, bool *transient)
{
	int ret = 0;
	struct session *old = NULL;

	*transient = false;
	g_rw_lock_reader_lock(&h->use_lock);
	g_mutex_lock(&h->lock);
	if (h->closed)
		ret = -EBADF;
	else if (h->broken)
		ret = h->broken;
	else if (!conn_alive(h->session->conn))
		ret = reopen(h, pool, template, path, transient, &old);
	if (ret == 0) {
		*cl = *template;
		cl->session = session_ref(h->session);
		*fid = h->fid;
	}
	g_mutex_unlock(&h->lock);
	session_unref(old);
	if (ret < 0)
		g_rw_lock_reader_unlock(&h->use_lock);
	return ret;
}

void fs_handle_unbind(struct fs_handle *h, struct client *cl)
{
	session_unref(cl->session);
	cl->session = NULL;
	g_rw_lock_reader_unlock(&h->use_lock);
}

int fs_handle_close(struct fs_handle *h, const struct client *template)
{
	int ret = 0;

	g_rw_lock_writer_lock(&h->use_lock);
	/* No read of ours may still be in flight on the FID we close. */
	readahead_drop(h->ra);
	/* Not under h->lock while the server answers: the answer to an
	 * oplock break of this FID that crossed the close looks at h->lock,
	 * and Samba holds the close until the break is answered.  use_lock
	 * keeps every other user of the FID out meanwhile. */
	g_mutex_lock(&h->lock);
	/* A handle whose session died has nothing left to close. */
	struct session *s =
		!h->closed && conn_alive(h->session->conn) ? session_ref(h->session) : NULL;
	uint16_t fid = h->fid;
	g_mutex_unlock(&h->lock);
	if (s) {
		struct client cl = *template;
		cl.session = s;
		ret = client_close(&cl, fid);
		session_unref(s);
	}
	g_mutex_lock(&h->lock);
	h->closed = true;
	g_mutex_unlock(&h->lock);
	g_rw_lock_writer_unlock(&h->use_lock);
	return ret;
}

uint8_t fs_handle_oplock(struct fs_handle *h)
{
	g_mutex_lock(&h->lock);
	/* An oplock dies with the connection it was granted on (MS-CIFS
	 * 3.3.4.1: the server forgets the FID), until a re-open gets one. */
	uint8_t level = h->broken || !conn_alive(h->session->conn) ? OPLOCK_NONE : h->oplock;
	g_mutex_unlock(&h->lock);
	return level;
}

uint64_t fs_handle_known_size(struct fs_handle *h)
{
	g_mutex_lock(&h->lock);
	/* As fs_handle_oplock: not on a dead connection's word. */
	bool exact = OPLOCK_IS_EXCLUSIVE(h->oplock) && !h->broken &&
		     conn_alive(h->session->conn) && (h->id.write_time || h->id.unique_id);
	uint64_t size;
	if (!exact || !client_file_end(h->session, h->fid, &size))
		size = UINT64_MAX;
	g_mutex_unlock(&h->lock);
	return size;
}

/* Under lock_mutex. */
static void note_flock_locked(struct fs_handle *h, uint64_t owner, int type)
{
	for (guint i = h->flocks->len; i-- > 0;)
		if (g_array_index(h->flocks, struct fs_flock, i).owner == owner)
			g_array_remove_index(h->flocks, i);
	if (type != LOCK_UN) {
		struct fs_flock f = { .owner = owner, .type = type };
		g_array_append_val(h->flocks, f);
	}
}

void fs_handle_note_flock(struct fs_handle *h, uint64_t owner, int type)
{
	g_mutex_lock(&h->lock_mutex);
	note_flock_locked(h, owner, type);
	g_mutex_unlock(&h->lock_mutex);
}

bool fs_handle_unlock_if_gone(struct fs_handle *h, uint64_t owner, const struct flock *fl)
{
	/* h->lock first, as a re-open takes it before re-locking: none can
	 * run between the look at the connection and the table's change. */
	g_mutex_lock(&h->lock);
	bool gone = !h->closed && !h->broken && !conn_alive(h->session->conn);
	if (gone) {
		g_mutex_lock(&h->lock_mutex);
		if (fl)
			client_unlock_table(owner, fl, h->ranges);
		else
			note_flock_locked(h, owner, LOCK_UN);
		g_mutex_unlock(&h->lock_mutex);
	}
	g_mutex_unlock(&h->lock);
	return gone;
}

bool fs_handle_has_locks(struct fs_handle *h)
{
	g_mutex_lock(&h->lock_mutex);
	bool has = h->ranges->len > 0 || h->flocks->len > 0;
	g_mutex_unlock(&h->lock_mutex);
	return has;
}
