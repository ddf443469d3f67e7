/* Read-ahead for an open file read sequentially (one per fs_handle).
 *
 * The kernel asks a FUSE filesystem for at most a few hundred KiB ahead of
 * a sequential reader, which over a link with any round-trip time leaves
 * the pipe mostly empty (one or two READ_ANDX in flight).  Once the reads
 * of a handle are seen to follow each other, READ_ANDX requests are kept in
 * flight ahead of the reader, in a window that doubles each time the reader
 * has to wait for one (so it grows with round-trip time x throughput), up
 * to a cap per handle and one for the whole mount.
 *
 * Fetched data is served only while it is certainly current: the segments
 * are dropped when readahead_invalidate was called since they were sent
 * (a write or truncate through this mount, an oplock break or a change
 * notification for the file), when the handle's session or FID changed (a
 * reconnect re-opened it), and when they are older than a bound.  A
 * request that fails, or answers short of what a read needs, is never
 * passed on: that read is made the ordinary way (client_read, with its
 * end-of-file and retry rules). */
#ifndef SMBFUSE_READAHEAD_H
#define SMBFUSE_READAHEAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "client.h"

struct readahead;

struct readahead *readahead_new(void);
/* Reaps what is in flight (readahead_drop) and frees. */
void readahead_free(struct readahead *ra);

/* client_read(cl, fid, *bufp, size, off, eof), served from requests sent
 * ahead when the handle is read sequentially.  *bufp is a g_malloc'ed
 * buffer of size bytes, or NULL: then one is allocated.  Either way it may
 * be replaced (freed) by a buffer that held the data already: a segment's
 * block the size of the read, handed over with no copy.  The caller owns
 * *bufp afterwards, also on error. */
ssize_t readahead_read(struct readahead *ra, struct client *cl, uint16_t fid, uint8_t **bufp,
		       size_t size, uint64_t off, uint64_t eof);

/* What was fetched so far may be stale: the next read drops it.  Takes no
 * lock (atomic), so the connection's event thread may call it. */
void readahead_invalidate(struct readahead *ra);

/* Waits for every request still in flight and drops all fetched data:
 * before the FID is closed. */
void readahead_drop(struct readahead *ra);

/* Mount-wide figures for the stats. */
struct readahead_stats {
	uint64_t bytes;      /* asked for ahead, now held or in flight */
	uint64_t peak_bytes; /* the most ever at once */
	uint64_t served;     /* bytes given to reads from read-ahead */
	uint64_t dropped;    /* segments dropped unread (stale, random access) */
};
void readahead_get_stats(struct readahead_stats *st);

#endif
