/* The sessions of a mount, kept alive, and the one place that decides
 * whether a failed request may be tried again.
 *
 * A pool holds `conns` sessions, each on its own connection.  A keeper
 * thread watches them: it sends SMB_COM_ECHO on a connection idle for
 * echo_interval, and replaces a session whose connection is no longer
 * usable (EOF, reset, timeout, missed echo, bad signature) by a new one
 * with backoff, in the background.  Requests take a live session with
 * pool_get, which waits while every session is being replaced, up to
 * reconnect_timeout (forever with `hard`); after that the server is "down"
 * and pool_get fails at once until a reconnect succeeds.
 *
 * Sessions are reference counted: the pool holds one per slot, pool_get
 * hands out another; a replaced session is freed when its last user lets
 * go.  The pool itself is shared by its owner and the keeper thread, so an
 * unmount never waits for a keeper stuck connecting.
 *
 * Every session of a pool has the same profile (UNIX extensions, path
 * separator) as the first: a reconnect that finds the server changed is
 * refused (and retried), so facts the mount was set up with stay true.
 */
#ifndef SMBFUSE_POOL_H
#define SMBFUSE_POOL_H

#include <stdbool.h>

#include "session.h"

struct pool_config {
	unsigned conns;              /* sessions, at least 1 */
	int echo_interval_s;         /* 0: no keepalive */
	int reconnect_timeout_s;     /* how long pool_get waits for a session */
	bool hard;                   /* wait forever instead */
	/* Polled while pool_get waits: a negative errno makes it give up with
	 * it (-ESHUTDOWN: unmounting; -EINTR: the caller was interrupted). */
	int (*cancelled)(void *arg);
	void *cancel_arg;
	/* Installed on every session's connection: messages the server sends
	 * on its own (oplock breaks). */
	conn_event_fn event_fn;
	void *event_arg;
	/* Called by the keeper (outside the pool's lock; must return at once)
	 * after it replaced a session that had died: what the dead one held
	 * on the server (locks) may be taken again now. */
	void (*reconnected)(void *arg);
	void *reconnected_arg;
};

struct pool;

/* Opens every session.  The first must succeed (its error is the mount's
 * error, in *errmsg); the others are retried in the background if they
 * fail.  The pool keeps its own copy of sp. */
int pool_open(const struct session_params *sp, const struct pool_config *cfg,
	      struct pool **out, char **errmsg);
/* Stops the keeper, says goodbye on live sessions and drops the pool's
 * references.  Never waits more than a moment for the keeper. */
void pool_free(struct pool *p);

/* A live session (a reference: session_unref it), round-robin over the live
 * ones.  -ETIMEDOUT when the server stayed unreachable for
 * reconnect_timeout, -ESHUTDOWN when the pool is being freed, or the
 * cancelled callback's errno (checked every second while waiting). */
int pool_get(struct pool *p, struct session **s);
/* The calling thread's pool_get calls give up (ETIMEDOUT) at until_us
 * (monotonic), hard or not; 0: no limit.  For a background pass that must
 * not hold what it holds (a handle's lock) through a long outage. */
void pool_limit_waits(gint64 until_us);
/* A request failed without an answer (its connection is no longer
 * usable): wake the keeper now rather than at its next tick. */
void pool_report(struct pool *p);
/* The server refused a request because it no longer knew the session or
 * tree it was sent on (conn.c gave that connection up), as seen at
 * seen_us (monotonic).  What drops one tree often drops them all (an
 * administrator's close-share), and the others would learn it one failed
 * attempt at a time, past the attempts an operation has: every connection
 * made before seen_us is replaced now (requests in flight keep their
 * answers, as on any connection given up); those made since are new. */
void pool_session_lost(struct pool *p, gint64 seen_us);
/* What an attempt's ledger tells the pool: pool_report for any request
 * without an answer, pool_session_lost too for one refused unrun. */
void pool_note_attempt(struct pool *p, const struct conn_ledger *l);
/* A session for the profile facts (see above), live or not; a reference. */
struct session *pool_any_ref(struct pool *p);

/* What an operation does to the server, for the retry decision. */
enum pool_op_kind {
	POOL_OP_READ, /* nothing: repeat freely (queries, reads, listings) */
	POOL_OP_REDO, /* the same however often it runs (a write at an offset,
			 setting a value, a truncating open): repeat unless an
			 earlier copy may still run later and undo newer work */
	POOL_OP_ONCE, /* must not run twice (unlink, rmdir, mkdir, rename,
			 exclusive create, links): repeat only when the first
			 attempt surely did not run, or surely finished
			 running, and then as a check (POOL_RETRY_VERIFY) */
};

enum pool_retry {
	POOL_RETRY_NO,
	POOL_RETRY_YES,
	POOL_RETRY_VERIFY, /* repeat; an "already done" answer may be ours */
	POOL_RETRY_RESUME, /* repeat; the first steps surely ran (every request
			      that left was answered), so "already done" is ours */
};

#define POOL_MAX_ATTEMPTS 3

/* The decision, from what the attempt's requests became (its ledger). */
enum pool_retry pool_retry_decision(enum pool_op_kind kind, const struct conn_ledger *l,
				    int attempt);

struct pool_info {
	unsigned conns;
	unsigned live;
	unsigned reconnects;
	bool down;
};
void pool_get_info(struct pool *p, struct pool_info *info);
/* Session of slot i (a reference, may be dead or NULL), for introspection. */
struct session *pool_slot(struct pool *p, unsigned i);

#endif
