/* Read-ahead for sequential reads (see readahead.h).
 *
 * A handle's segments are READ_ANDX requests for contiguous ranges, in
 * offset order, sent on the session and FID the handle had when they were
 * sent.  A read takes what it needs from them in order, waiting for a
 * segment's answer only when it gets to it; everything happens under the
 * handle's lock, which only readers of that handle and the close take (the
 * event thread only bumps the generation).  A segment's answer is read
 * like client_read reads one (MS-CIFS 2.2.4.42.2): an error status or a
 * malformed reply makes the segment useless, never an error of the read
 * that wanted it. */
#include "readahead.h"

#include <glib.h>
#include <string.h>
#include <sys/uio.h>

#include "client_priv.h"
#include "conn.h"
#include "session.h"
#include "smb.h"

#define RA_HANDLE_MAX (16u << 20) /* bytes ahead of one handle's reader */
/* All handles together: with write-behind's 16 MiB and the heads' 4 MiB
 * this keeps the daemon under 64 MiB resident (issue: performance). */
#define RA_MOUNT_MAX (24u << 20)
#define RA_TRIGGER (512u << 10)   /* bytes read in sequence before reading ahead */
#define RA_MIN_WINDOW (4u << 20)  /* the window a sequential reader starts with */
/* The kernel's own read-ahead (max_readahead, 1 MiB) sends a few reads at
 * once, which FUSE threads may pass on out of order: within this of the
 * reader's position it is still a sequential reader. */
#define RA_NEAR (1u << 20)
/* Fetched data older than this is not served (a bound on how stale it can
 * be where nothing tells us of changes: TTL caching). */
#define RA_MAX_AGE_US (5 * G_USEC_PER_SEC)
/* A reader that waited longer than this for a segment may want a wider
 * window. */
#define RA_STALL_US 500
/* The reader's rate is measured over this many bytes. */
#define RA_RATE_BYTES (2u << 20)

/* A segment's answer is received straight into blocks of the size of the
 * reader's reads (conn_submit_read), so that a read that is one block is
 * handed that block with no copy (readahead_read's *bufp); where the
 * connection cannot do that (signing), the data stays in the reply frame. */
struct seg {
	uint64_t off;
	uint32_t len;         /* asked */
	gint64 sent_us;
	struct conn_req *req; /* in flight; NULL once reaped */
	int err;              /* once reaped: 0, or why the answer is no use */
	struct smb_reply reply;
	const uint8_t *data;  /* in reply, when the answer was not sunk */
	uint32_t got;         /* bytes answered */
	uint32_t used;        /* of those, given to reads */
	uint32_t piece;       /* bytes per block (the last one may be shorter) */
	int nblocks;
	bool sunk;            /* the answer's data is in the blocks */
	uint8_t *blocks[CONN_SINK_MAX_PARTS]; /* NULL once handed to a read */
	struct iovec sink[CONN_SINK_MAX_PARTS];
};

struct readahead {
	GMutex lock;
	gint gen;             /* atomic: bumped by readahead_invalidate */
	gint seg_gen;         /* gen when the segments were sent */
	struct session *s;    /* the segments' session (a reference) and FID */
	uint16_t fid;
	GQueue segs;
	uint64_t held;        /* bytes asked by the segments */
	uint64_t next;        /* where the reader is (end of its furthest read) */
	uint64_t run;         /* bytes read in sequence up to there */
	uint64_t window;      /* bytes to keep asked for ahead of the reader */
	uint32_t chunk;       /* bytes per segment */
	uint32_t piece;       /* bytes per block: the reader's read size */
	gint64 rtt_us;        /* least time a segment took (0: none yet) */
	gint64 mark_us;       /* rate measurement: since when */
	uint64_t mark_bytes;  /* ... how many bytes served then */
	uint64_t served;      /* bytes served to this run's reads */
	double rate;          /* bytes/us the reader took at the last measurement */
	uint64_t stop;        /* a segment answered short here: the end, for now */
};

static GMutex stats_lock;
static struct readahead_stats stats;

/* What was given back (bytes <= 0; taken by reserve), served and dropped. */
static void account(int64_t bytes, uint64_t served, uint64_t dropped)
{
	g_mutex_lock(&stats_lock);
	stats.bytes += (uint64_t)bytes;
	stats.served += served;
	stats.dropped += dropped;
	g_mutex_unlock(&stats_lock);
}

/* Room for len more bytes under the mount's cap; takes it if so. */
static bool reserve(uint32_t len)
{
	g_mutex_lock(&stats_lock);
	bool ok = stats.bytes + len <= RA_MOUNT_MAX;
	if (ok) {
		stats.bytes += len;
		if (stats.bytes > stats.peak_bytes)
			stats.peak_bytes = stats.bytes;
	}
	g_mutex_unlock(&stats_lock);
	return ok;
}

void readahead_get_stats(struct readahead_stats *st)
{
	g_mutex_lock(&stats_lock);
	*st = stats;
	g_mutex_unlock(&stats_lock);
}

struct readahead *readahead_new(void)
{
	struct readahead *ra = g_new0(struct readahead, 1);
	g_mutex_init(&ra->lock);
	g_queue_init(&ra->segs);
	ra->stop = UINT64_MAX;
	return ra;
}

/* Waits for the segment's answer.  Outside any operation's ledger: its
 * fate is nobody's retry decision, the read that wanted it falls back to
 * an ordinary read. */
static void seg_reap(struct seg *g)
{
	struct smb_read_andx_rep rep;

	if (!g->req)
		return;
	struct conn_ledger *was = conn_ledger_swap(NULL);
	int ret = client_read_answer(g->req, &g->reply, g->len, &rep);
	conn_ledger_swap(was);
	g->req = NULL;
	g->err = ret;
	g->data = ret == 0 ? rep.data : NULL;
	g->got = ret == 0 ? rep.data_len : 0;
	g->sunk = ret == 0 && g->reply.sunk;
	if (g->sunk)
		smb_reply_clear(&g->reply); /* the frame holds nothing more */
}

static uint32_t block_len(const struct seg *g, int k)
{
	return MIN(g->piece, g->len - (uint32_t)k * g->piece);
}

/* Copies n answered bytes from in bytes into the segment; false when a
 * block they lie in was handed to a read already (one read again). */
static bool seg_copy(const struct seg *g, uint32_t in, uint8_t *dst, size_t n)
{
	if (!g->sunk) {
		memcpy(dst, g->data + in, n);
		return true;
	}
	while (n) {
		int k = (int)(in / g->piece);
		uint32_t at = in % g->piece;
		size_t part = MIN(n, (size_t)(block_len(g, k) - at));
		if (!g->blocks[k])
			return false;
		memcpy(dst, g->blocks[k] + at, part);
		dst += part;
		in += (uint32_t)part;
		n -= part;
	}
	return true;
}

/* The block holding exactly the n answered bytes from in, taken out of
 * the segment, or NULL. */
static uint8_t *seg_take(struct seg *g, uint32_t in, size_t n)
{
	if (!g->sunk || in % g->piece != 0)
		return NULL;
	int k = (int)(in / g->piece);
	uint8_t *b = g->blocks[k];
	if (!b || n != block_len(g, k) || in + n > g->got)
		return NULL;
	g->blocks[k] = NULL;
	return b;
}

static void seg_free(struct seg *g)
{
	seg_reap(g);
	account(-(int64_t)g->len, 0, g->used == 0 && g->got > 0);
	smb_reply_clear(&g->reply);
	for (int k = 0; k < g->nblocks; k++)
		g_free(g->blocks[k]);
	g_free(g);
}

static void pop_head(struct readahead *ra)
{
	struct seg *g = g_queue_pop_head(&ra->segs);
	ra->held -= g->len;
	seg_free(g);
}

static void drop_locked(struct readahead *ra)
{
	while (!g_queue_is_empty(&ra->segs))
		pop_head(ra);
	session_unref(ra->s);
	ra->s = NULL;
	ra->stop = UINT64_MAX;
}

void readahead_drop(struct readahead *ra)
{
	g_mutex_lock(&ra->lock);
	drop_locked(ra);
	g_mutex_unlock(&ra->lock);
}

void readahead_free(struct readahead *ra)
{
	if (!ra)
		return;
	readahead_drop(ra);
	g_mutex_clear(&ra->lock);
	g_free(ra);
}

void readahead_invalidate(struct readahead *ra)
{
	if (ra)
		g_atomic_int_inc(&ra->gen);
}

static bool submit(struct readahead *ra, uint64_t off, uint32_t len)
{
	struct seg *g = g_new0(struct seg, 1);
	uint8_t msg[SMALL_MSG];
	struct wr w;
	int err;

	g->len = len;
	g->piece = ra->piece;
	/* Signed: the data must stay in the frame, whose signature covers it
	 * (conn_submit_read would not use the blocks). */
	g->nblocks = ra->s->signing ? 0 : (int)((len + g->piece - 1) / g->piece);
	for (int k = 0; k < g->nblocks; k++) {
		g->blocks[k] = g_malloc(block_len(g, k));
		g->sink[k].iov_base = g->blocks[k];
		g->sink[k].iov_len = block_len(g, k);
	}
	session_msg_begin(ra->s, &w, msg, sizeof(msg), SMB_COM_READ_ANDX);
	err = smb_read_andx_encode(&w, ra->fid, off, len);
	if (err == 0) {
		struct conn_ledger *was = conn_ledger_swap(NULL);
		g->req = g->nblocks ? conn_submit_read(ra->s->conn, &w, g->sink, g->nblocks, &err)
				    : conn_submit(ra->s->conn, &w, &err);
		conn_ledger_swap(was);
	}
	if (!g->req) {
		seg_free(g);
		return false;
	}
	g->off = off;
	g->sent_us = g_get_monotonic_time();
	g_queue_push_tail(&ra->segs, g);
	ra->held += len;
	return true;
}

/* Keeps [off, off + size + window) asked for, as far as the caps allow:
 * the handle's and the mount's, the known end of file, and half the
 * server's MaxMpxCount (the other half stays for everything else; a server
 * that takes one or two requests at a time gets no read-ahead). */
static void top_up(struct readahead *ra, struct client *cl, uint16_t fid, uint64_t off,
		   size_t size, uint64_t eof)
{
	struct session *s = cl->session;
	uint32_t chunk = session_io_size(&s->read_limit, s->max_read);
	struct seg *last = g_queue_peek_tail(&ra->segs);
	uint64_t at = last ? last->off + last->len : off;
	uint64_t end = MIN(ra->stop, eof);

	if (s->max_mpx < 4 || chunk == 0 || size == 0)
		return;
	if (!last) {
		session_unref(ra->s);
		ra->s = session_ref(s);
		ra->fid = fid;
		ra->seg_gen = g_atomic_int_get(&ra->gen);
		/* Reads too small for a segment of at most
		 * CONN_SINK_MAX_PARTS blocks get whole-chunk blocks (copied
		 * out), not small segments. */
		ra->piece = size * CONN_SINK_MAX_PARTS >= chunk ? (uint32_t)MIN((size_t)chunk, size)
								 : chunk;
	}
	/* Segments of whole blocks of the reader's read size, which start
	 * where its reads start (at this read, then one after the other). */
	ra->piece = MIN(ra->piece, chunk);
	chunk = MIN(chunk / ra->piece, (uint32_t)CONN_SINK_MAX_PARTS) * ra->piece;
	ra->chunk = chunk;
	if (ra->window == 0)
		ra->window = MAX(2 * (uint64_t)chunk, (uint64_t)RA_MIN_WINDOW);
	while (at < off + size + ra->window && at < end && ra->held + chunk <= RA_HANDLE_MAX) {
		if (conn_in_flight(s->conn) >= s->max_mpx / 2u || !reserve(chunk) ||
		    !submit(ra, at, chunk))
			break;
		at += chunk;
	}
}

/* The reader waited for a segment that took took_us from when it was sent.
 * A window the reader empties in less than a round trip is too small:
 * double it while it holds less than twice what the reader takes in one
 * (the least time a segment took: round trip plus one segment's transfer).
 * Where the server, not the round trip, is what the reader waits for, that
 * stays a few segments: no memory spent for nothing. */
static void stalled(struct readahead *ra, gint64 took_us)
{
	if (ra->rtt_us == 0 || took_us < ra->rtt_us)
		ra->rtt_us = took_us;
	double want = 2 * ra->rate * (double)ra->rtt_us + 2.0 * ra->chunk;
	if ((double)ra->window < want)
		ra->window = MIN(ra->window * 2, (uint64_t)RA_HANDLE_MAX);
}

/* Measures the rate at which the reader takes bytes, over RA_RATE_BYTES. */
static void took(struct readahead *ra, size_t bytes)
{
	gint64 now = g_get_monotonic_time();
	ra->served += bytes;
	if (ra->mark_us == 0) {
		ra->mark_us = now;
		ra->mark_bytes = ra->served;
	} else if (ra->served - ra->mark_bytes >= RA_RATE_BYTES && now > ra->mark_us) {
		ra->rate = (double)(ra->served - ra->mark_bytes) / (double)(now - ra->mark_us);
		ra->mark_us = now;
		ra->mark_bytes = ra->served;
	}
}

/* [off, off + size) out of the segments, into *bufp (allocated here if
 * NULL; a block the size of the read is handed over as it is): size, or
 * -1 when they do not hold all of it (not asked, failed, or answered short
 * of it). */
static ssize_t serve(struct readahead *ra, uint8_t **bufp, size_t size, uint64_t off)
{
	struct seg *first = g_queue_peek_head(&ra->segs);
	struct seg *last = g_queue_peek_tail(&ra->segs);
	size_t done = 0;

	if (!first || off < first->off || off + size > last->off + last->len)
		return -1;
	for (GList *l = ra->segs.head; l && done < size; l = l->next) {
		struct seg *g = l->data;
		uint64_t pos = off + done;
		if (g->off + g->len <= pos)
			continue;
		if (g->req) {
			gint64 t0 = g_get_monotonic_time();
			seg_reap(g);
			gint64 t1 = g_get_monotonic_time();
			if (t1 - t0 > RA_STALL_US)
				stalled(ra, t1 - g->sent_us);
			if (g->err == 0 && g->got < g->len)
				ra->stop = MIN(ra->stop, g->off + g->got);
		}
		uint64_t in = pos - g->off;
		if (g->err || in >= g->got)
			return -1;
		size_t n = (size_t)MIN((uint64_t)(size - done), g->got - in);
		if (n < size - done && g->got < g->len)
			return -1; /* the read goes on past a short answer */
		uint8_t *whole = done == 0 && n == size ? seg_take(g, (uint32_t)in, n) : NULL;
		if (whole) {
			g_free(*bufp);
			*bufp = whole;
		} else {
			if (!*bufp)
				*bufp = g_malloc(size);
			if (!seg_copy(g, (uint32_t)in, *bufp + done, n))
				return -1;
		}
		g->used += (uint32_t)n;
		done += n;
	}
	return done == size ? (ssize_t)size : -1;
}

/* Segments the reader is done with: wholly given out, or behind it. */
static void trim(struct readahead *ra, uint64_t off)
{
	struct seg *g;
	while ((g = g_queue_peek_head(&ra->segs)) &&
	       (g->off + g->len <= off || (!g->req && g->used >= g->got)))
		pop_head(ra);
	if (g_queue_is_empty(&ra->segs)) {
		session_unref(ra->s);
		ra->s = NULL;
	}
}

/* Is what the segments hold certainly current for a read on s / fid? */
static bool current(struct readahead *ra, struct session *s, uint16_t fid)
{
	struct seg *head = g_queue_peek_head(&ra->segs);
	return !head || (g_atomic_int_get(&ra->gen) == ra->seg_gen && ra->s == s &&
			 ra->fid == fid &&
			 g_get_monotonic_time() - head->sent_us <= RA_MAX_AGE_US);
}

ssize_t readahead_read(struct readahead *ra, struct client *cl, uint16_t fid, uint8_t **bufp,
		       size_t size, uint64_t off, uint64_t eof)
{
	ssize_t got = -1;

	g_mutex_lock(&ra->lock);
	if (!current(ra, cl->session, fid))
		drop_locked(ra);
	bool near = off <= ra->next + RA_NEAR && off + size + RA_NEAR >= ra->next;
	if (near) {
		/* Only a read that continues what was read counts towards the
		 * run; one a little ahead (its predecessor still on the way)
		 * does not end it. */
		if (off <= ra->next)
			ra->run += size;
		ra->next = MAX(ra->next, off + size);
	} else {
		/* Random access: nothing fetched ahead is wanted. */
		drop_locked(ra);
		ra->run = size;
		ra->next = off + size;
		ra->window = 0;
		ra->rtt_us = 0;
		ra->mark_us = 0;
		ra->rate = 0;
	}
	if (ra->run >= RA_TRIGGER) {
		struct seg *last = g_queue_peek_tail(&ra->segs);
		if (last && off >= last->off + last->len)
			drop_locked(ra); /* the reader overtook the window */
		top_up(ra, cl, fid, off, size, eof);
		got = serve(ra, bufp, size, off);
		if (got > 0)
			took(ra, (size_t)got);
		trim(ra, off);
	}
	g_mutex_unlock(&ra->lock);
	if (got >= 0) {
		account(0, (uint64_t)got, 0);
		return got;
	}
	if (!*bufp)
		*bufp = g_malloc(size);
	ssize_t ret = client_read(cl, fid, *bufp, size, off, eof);
	if (ret > 0) {
		/* The file grew past a short answer: read ahead again. */
		g_mutex_lock(&ra->lock);
		if (off + (uint64_t)ret > ra->stop)
			ra->stop = UINT64_MAX;
		g_mutex_unlock(&ra->lock);
	}
	return ret;
}
