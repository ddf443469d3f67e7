/* Write-behind queues (see writebehind.h). */
#include "writebehind.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "log.h"

struct wb_item {
	uint64_t seq; /* order of queueing, over all handles */
	uint64_t off;
	size_t len;
	char *path;
	uint8_t data[];
};

struct wb {
	wb_send_fn send;
	void *owner;
	GQueue items;     /* struct wb_item, oldest first */
	struct wb_item *sending[WB_SENDERS]; /* being sent (NULL: free slot) */
	size_t bytes;     /* queued, those being sent included */
	unsigned workers; /* working on the queue (at most WB_SENDERS) */
	bool stopped;     /* wb_stop: nothing more is queued */
	int error;
};

static GMutex lock;
static GCond cond;     /* any write done, any queue emptied */
static GHashTable *all; /* every struct wb */
static GThreadPool *workers;
static uint64_t next_seq;
static struct wb_stats stats;
/* Writes queued or being sent, over all queues: lets wb_drain_all, which
 * nearly every operation calls, skip the lock when there are none. */
static gint undone;

static enum wb_caller_state (*caller_state)(void);
static gint64 last_done_us; /* when a queued write was last answered */

static void worker(gpointer data, gpointer unused);

void wb_set_caller_state(enum wb_caller_state (*state)(void))
{
	caller_state = state;
}

/* One wait for cond, lock held; the caller loops on its condition.
 * give_up, if set, is asked at every wake-up after the first wait (at
 * least every 100 ms: other files' writes wake us often) and ends the wait
 * with -ETIMEDOUT.  A wait on a caller's behalf (for_caller) may end with
 * -EINTR (wb_set_caller_state). */
struct waiting {
	bool for_caller;
	bool (*give_up)(void *);
	void *arg;
	gint64 since;    /* when the wait began (0: not yet) */
	gint64 check_at; /* when to ask the caller_state hook next */
};

static int wait_locked(struct waiting *w)
{
	gint64 now = g_get_monotonic_time();
	bool first = !w->since;
	if (first) {
		w->since = now;
		w->check_at = now + WB_CALLER_GRACE_MS * G_TIME_SPAN_MILLISECOND;
	}
	if (w->give_up) {
		if (!first && w->give_up(w->arg))
			return -ETIMEDOUT;
		g_cond_wait_until(&cond, &lock, now + 100 * G_TIME_SPAN_MILLISECOND);
		return 0;
	}
	if (!w->for_caller || !caller_state) {
		g_cond_wait(&cond, &lock);
		return 0;
	}
	if (now >= w->check_at) {
		w->check_at = now + 100 * G_TIME_SPAN_MILLISECOND;
		/* Not under the lock: it reads /proc. */
		g_mutex_unlock(&lock);
		enum wb_caller_state st = caller_state();
		g_mutex_lock(&lock);
		gint64 answered = MAX(last_done_us, w->since);
		if (st == WB_CALLER_KILLED ||
		    (st == WB_CALLER_EXITING &&
		     now - answered >= WB_EXIT_STALL_MS * G_TIME_SPAN_MILLISECOND))
			return -EINTR;
	}
	g_cond_wait_until(&cond, &lock, w->check_at);
	return 0;
}

static void setup(void)
{
	static gsize once;
	if (g_once_init_enter(&once)) {
		all = g_hash_table_new(g_direct_hash, g_direct_equal);
		workers = g_thread_pool_new(worker, NULL, WB_THREADS, FALSE, NULL);
		g_once_init_leave(&once, 1);
	}
}

/* The oldest write of q not yet done (UINT64_MAX: none). */
static uint64_t oldest_locked(const struct wb *q)
{
	const struct wb_item *it = g_queue_peek_head((GQueue *)&q->items);
	uint64_t oldest = it ? it->seq : UINT64_MAX;
	for (int i = 0; i < WB_SENDERS; i++)
		if (q->sending[i] && q->sending[i]->seq < oldest)
			oldest = q->sending[i]->seq;
	return oldest;
}

/* May the next queued write go out while those being sent are in flight?
 * Only if it touches none of their bytes: two writes to the same bytes
 * must land in the order they were made. */
static int free_slot_locked(const struct wb *q, const struct wb_item *next)
{
	int slot = -1;
	for (int i = 0; i < WB_SENDERS; i++) {
		const struct wb_item *o = q->sending[i];
		if (!o) {
			slot = i;
			continue;
		}
		if (next->off < o->off + o->len && o->off < next->off + next->len)
			return -1;
	}
	return slot;
}

static void item_free(struct wb_item *it)
{
	g_free(it->path);
	g_free(it);
}

/* Sends q's items until none is left (or the next one must wait for one
 * another worker is sending).  Up to WB_SENDERS workers share a queue, so
 * that the next write's requests are on the wire while the server answers
 * the last ones of the previous write.  After an error the rest are
 * dropped: the writer has been told (its next write, fsync or close), and data that followed a
 * lost write must not land as if nothing was missing. */
static void worker(gpointer data, gpointer unused)
{
	struct wb *q = data;
	(void)unused;
	g_mutex_lock(&lock);
	struct wb_item *it = g_queue_peek_head(&q->items);
	int slot = it ? free_slot_locked(q, it) : -1;
	if (slot >= 0) {
		g_queue_pop_head(&q->items);
		q->sending[slot] = it;
		int err = q->error;
		g_mutex_unlock(&lock);
		if (!err) {
			err = q->send(q->owner, it->path, it->data, it->len, it->off);
			if (err < 0)
				log_warn("a delayed write to %s (%zu bytes at %llu) failed: %s; the "
					 "file's next write, fsync or close reports it",
					 it->path, it->len, (unsigned long long)it->off,
					 g_strerror(-err));
		}
		g_mutex_lock(&lock);
		if (err < 0 && !q->error) {
			q->error = err;
			stats.failures++;
		}
		q->sending[slot] = NULL;
		last_done_us = g_get_monotonic_time();
		q->bytes -= it->len;
		stats.bytes -= it->len;
		item_free(it);
		g_atomic_int_add(&undone, -1);
		g_cond_broadcast(&cond);
		/* One write per turn: the queue goes back in line behind the
		 * other files' (a stream must not keep a worker, and with it
		 * everyone's wb_drain_all, to itself). */
		it = g_queue_peek_head(&q->items);
		if (it && free_slot_locked(q, it) >= 0) {
			g_thread_pool_push(workers, q, NULL);
			g_mutex_unlock(&lock);
			return;
		}
	}
	/* The last touch of q: wb_free waits for it.  A write left behind
	 * (it overlapped one being sent) is taken by that one's worker, which
	 * looks again after its send. */
	q->workers--;
	g_cond_broadcast(&cond);
	g_mutex_unlock(&lock);
}

struct wb *wb_new(wb_send_fn send, void *owner)
{
	setup();
	struct wb *q = g_new0(struct wb, 1);
	q->send = send;
	q->owner = owner;
	g_queue_init(&q->items);
	g_mutex_lock(&lock);
	g_hash_table_add(all, q);
	g_mutex_unlock(&lock);
	return q;
}

/* Waits (lock held) until q has nothing older than target pending. */
static int drain_locked(struct wb *q, uint64_t target, bool (*give_up)(void *), void *arg,
			bool for_caller)
{
	struct waiting w = { .for_caller = for_caller, .give_up = give_up, .arg = arg };
	if (oldest_locked(q) <= target)
		stats.waits++;
	while (oldest_locked(q) <= target) {
		int err = wait_locked(&w);
		if (err < 0)
			return err;
	}
	return q->error;
}

int wb_free(struct wb *q)
{
	if (!q)
		return 0;
	g_mutex_lock(&lock);
	drain_locked(q, next_seq, NULL, NULL, false);
	while (q->workers)
		g_cond_wait(&cond, &lock);
	g_hash_table_remove(all, q);
	int err = q->error;
	g_mutex_unlock(&lock);
	g_free(q);
	return err;
}

/* Appends to the last queued write when this one continues it: a stream of
 * write(2) calls then goes out as a few large sends, each with many
 * requests in flight, instead of one send (and one pipeline bubble) per
 * call.  Only the queue's tail, which no worker has taken yet. */
static bool merge_locked(struct wb *q, const char *path, const void *buf, size_t len,
			 uint64_t off)
{
	GList *last = q->items.tail;
	struct wb_item *t = last ? last->data : NULL;
	if (!t || t->off + t->len != off || t->len + len > WB_MERGE_MAX || strcmp(t->path, path))
		return false;
	t = g_realloc(t, sizeof(*t) + t->len + len);
	memcpy(t->data + t->len, buf, len);
	t->len += len;
	last->data = t;
	return true;
}

/* Not queued: what is queued on q goes first, then the caller writes
 * (returns 0, or q's error). */
static int direct_locked(struct wb *q)
{
	int ret = drain_locked(q, next_seq, NULL, NULL, true);
	if (ret == 0)
		stats.direct++;
	return ret;
}

int wb_write(struct wb *q, const char *path, const void *buf, size_t len, uint64_t off)
{
	if (!q)
		return 0;
	if (len == 0 || len > WB_WINDOW)
		return wb_drain_caller(q);

	g_mutex_lock(&lock);
	int ret = q->error;
	if (ret)
		goto out;
	if (stats.bytes + len > WB_BUDGET) {
		/* Over the budget: at once, after what is queued here. */
		ret = direct_locked(q);
		goto out;
	}
	struct waiting w = { .for_caller = true };
	while (q->bytes && q->bytes + len > WB_WINDOW && !q->error && !q->stopped) {
		ret = wait_locked(&w);
		if (ret < 0)
			goto out;
	}
	ret = q->error;
	if (ret)
		goto out;
	/* Looked at again after the wait: stopped meanwhile (an oplock
	 * break, whose answer must not leave this behind), or others took
	 * the budget. */
	if (q->stopped || stats.bytes + len > WB_BUDGET) {
		ret = direct_locked(q);
		goto out;
	}
	/* The copy is made under the lock: one copy, whichever way. */
	if (!merge_locked(q, path, buf, len, off)) {
		struct wb_item *it = g_malloc(sizeof(*it) + len);
		memcpy(it->data, buf, len);
		it->off = off;
		it->len = len;
		it->path = g_strdup(path);
		it->seq = ++next_seq;
		g_queue_push_tail(&q->items, it);
		g_atomic_int_inc(&undone);
	}
	q->bytes += len;
	stats.bytes += len;
	if (stats.bytes > stats.peak_bytes)
		stats.peak_bytes = stats.bytes;
	stats.queued++;
	if (q->workers < WB_SENDERS) {
		q->workers++;
		g_thread_pool_push(workers, q, NULL);
	}
	ret = 1;
out:
	g_mutex_unlock(&lock);
	return ret;
}

void wb_stop(struct wb *q)
{
	if (!q)
		return;
	g_mutex_lock(&lock);
	q->stopped = true;
	g_cond_broadcast(&cond);
	g_mutex_unlock(&lock);
}

int wb_drain(struct wb *q, bool (*give_up)(void *), void *arg)
{
	if (!q)
		return 0;
	g_mutex_lock(&lock);
	int ret = drain_locked(q, next_seq, give_up, arg, false);
	g_mutex_unlock(&lock);
	return ret;
}

int wb_drain_caller(struct wb *q)
{
	if (!q)
		return 0;
	g_mutex_lock(&lock);
	int ret = drain_locked(q, next_seq, NULL, NULL, true);
	g_mutex_unlock(&lock);
	return ret;
}

int wb_drain_all(void)
{
	if (!g_atomic_int_get(&undone))
		return 0; /* (and so wb_new has run setup) */
	g_mutex_lock(&lock);
	uint64_t target = next_seq;
	bool waited = false;
	struct waiting w = { .for_caller = true };
	int ret = 0;
	for (;;) {
		bool pending = false;
		GHashTableIter iter;
		gpointer key;
		g_hash_table_iter_init(&iter, all);
		while (!pending && g_hash_table_iter_next(&iter, &key, NULL))
			pending = oldest_locked(key) <= target;
		if (!pending)
			break;
		if (!waited)
			stats.waits++;
		waited = true;
		ret = wait_locked(&w);
		if (ret < 0)
			break;
	}
	g_mutex_unlock(&lock);
	return ret;
}

void wb_get_stats(struct wb_stats *st)
{
	g_mutex_lock(&lock);
	*st = stats;
	g_mutex_unlock(&lock);
}
