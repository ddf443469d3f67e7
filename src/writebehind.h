/* Write-behind: write(2) on an open file returns once its data is copied
 * here; a worker thread sends it with the same synchronous call (and the
 * same reconnect, re-open and retry rules) that write(2) itself used to
 * make, while the writer prepares the next one.  What keeps it safe:
 *
 * - Errors: the first failure of a queued write is kept on its handle; the
 *   handle's next write, fsync, flush (close) fails with it (every later
 *   one too), and what was queued after it is dropped, never sent.
 * - Order: one handle's writes are sent in the order write(2) made them
 *   (WB_SENDERS at a time, never two to the same bytes at once); anything that looks at a file or changes it by
 *   another way (read, getattr, truncate, lock, open, rename, ...) first
 *   waits for the writes queued before it (wb_drain_all), so it never sees
 *   the server without them.
 * - Memory: at most WB_WINDOW bytes queued per handle (a writer waits for
 *   room) and WB_BUDGET over all; past the budget a write is made at once,
 *   synchronously, after its handle's queue (wb_write says so).
 *
 * All state is under one mutex: the work per queued write (one MiB or so)
 * dwarfs the cost of sharing it.
 */
#ifndef SMBFUSE_WRITEBEHIND_H
#define SMBFUSE_WRITEBEHIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sends one queued write (all len bytes, or -errno); runs on a worker. */
typedef int (*wb_send_fn)(void *owner, const char *path, const void *buf, size_t len,
			  uint64_t off);

#define WB_WINDOW (4u << 20)
/* The most one send carries (writes that continue each other are merged):
 * half the window, so the next one fills while this one is on the wire. */
#define WB_MERGE_MAX (WB_WINDOW / 2)
#define WB_BUDGET (16u << 20) /* with read-ahead's 24 MiB: RSS < 64 MiB */
/* Worker threads over all handles (others wait their turn), and how many
 * of one handle's writes are sent at once (never two to the same bytes).
 * One for now: a second write that extends the file while the first is in
 * flight starts past the end of file client_write knows, which takes its
 * past-the-end check (an exclusive lock and a size query, client_io.c)
 * and so waits for the first anyway. */
#define WB_THREADS 8
#define WB_SENDERS 1

struct wb;

/* A queue for one open handle; owner is passed to send. */
struct wb *wb_new(wb_send_fn send, void *owner);
/* Waits for what is queued, then frees; returns the handle's error. */
int wb_free(struct wb *q);

/* Queues a write of len bytes (copied; q NULL: never).  Returns 1 when queued, 0 when the
 * caller must write it itself (over the budget, or too large; the queue
 * has been drained first, so the order holds), or the handle's -errno.
 * Its waits (for room, for the queue) are the caller's: see
 * wb_set_caller_state. */
int wb_write(struct wb *q, const char *path, const void *buf, size_t len, uint64_t off);

/* From now on nothing is queued on q: wb_write returns 0 (the caller
 * writes at once) also to a writer already waiting for room.  A drain
 * after this leaves nothing queued that write(2) has returned for. */
void wb_stop(struct wb *q);

/* Waits until every write queued on q before the call is done; returns
 * the handle's error (0: none).  give_up, if set, is asked at every
 * wake-up (at least every 100 ms): true stops the wait early (returns
 * -ETIMEDOUT). */
int wb_drain(struct wb *q, bool (*give_up)(void *), void *arg);
/* wb_drain on behalf of a caller (write, flush, fsync): may end early with
 * -EINTR (wb_set_caller_state); what is queued stays queued. */
int wb_drain_caller(struct wb *q);
/* The same for every handle (what any other operation waits for, on its
 * caller's behalf): 0, or -EINTR as wb_drain_caller. */
int wb_drain_all(void);

/* What the process a wait is for is doing (wb_set_caller_state's hook,
 * asked on the waiting thread). */
enum wb_caller_state {
	WB_CALLER_WAITING, /* alive, or not a process's wait at all */
	WB_CALLER_EXITING, /* closing its files at exit */
	WB_CALLER_KILLED,  /* SIGKILL pending */
};
/* A wait on a caller's behalf asks the hook once it has lasted
 * WB_CALLER_GRACE_MS, then every 100 ms, and ends with -EINTR for a
 * caller being killed, or for one exiting once no queued write (of any
 * file) has been answered for WB_EXIT_STALL_MS (the server is away or
 * stalled; a slow one keeps it waiting, so that a close at exit still
 * returns with the data on the server).  Such a process would otherwise
 * sit in state D until the server answers again, for ever on a hard
 * mount (a FUSE request the daemon has taken cannot be abandoned by the
 * kernel).  Its writes stay queued and are still sent: the release of
 * the file waits for them, and never gives up. */
#define WB_CALLER_GRACE_MS 1000
#define WB_EXIT_STALL_MS 5000
void wb_set_caller_state(enum wb_caller_state (*state)(void));


struct wb_stats {
	uint64_t queued;   /* writes queued */
	uint64_t direct;   /* writes made at once (over budget) */
	uint64_t waits;    /* drains that had something to wait for */
	uint64_t failures; /* queued writes that failed */
	size_t bytes;      /* bytes queued now */
	size_t peak_bytes; /* most ever queued at once */
};
void wb_get_stats(struct wb_stats *st);

#endif
