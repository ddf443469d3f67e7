/* The sessions of a mount, kept alive.
 *
 * A pool holds `conns` sessions, each on its own connection.  A keeper
 * thread watches them: it sends SMB_COM_ECHO on a connection idle for
 * echo_interval, and replaces a dead session (EOF, reset, timeout, missed
 * echo) by a new one with backoff, in the background.  Requests take a live
 * session with pool_get, which waits while every session is being replaced,
 * up to reconnect_timeout (forever with `hard`); after that the server is
 * "down" and pool_get fails at once until a reconnect succeeds.
 *
 * A replaced session is not freed until the pool is: other threads may
 * still hold it, and everything they do with it fails cleanly because its
 * connection is dead.  Reconnects are rare, so that costs little.
 *
 * This is the one place that reconnects; the callers (fs_ops.c) decide what
 * may be retried.
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
	/* Polled while pool_get waits: true makes it give up (unmounting). */
	bool (*cancelled)(void *arg);
	void *cancel_arg;
};

struct pool;

/* Opens every session.  The first must succeed (its error is the mount's
 * error, in *errmsg); the others are retried in the background if they
 * fail.  The params' strings must outlive the pool. */
int pool_open(const struct session_params *sp, const struct pool_config *cfg,
	      struct pool **out, char **errmsg);
/* Stops the keeper and frees every session.  A keeper stuck connecting to
 * an unresponsive server is not waited for beyond a moment: the process is
 * exiting and the OS reclaims what it holds. */
void pool_free(struct pool *p);

/* A live session, round-robin over the live ones.  -ETIMEDOUT when the
 * server stayed unreachable for reconnect_timeout, -ESHUTDOWN when the
 * pool is being freed. */
int pool_get(struct pool *p, struct session **s);
/* Does err say the connection is gone (not the file)?  The errors a
 * request can meet that pool_report should hear about. */
bool pool_transport_error(int err);
/* A request on s failed with a transport error: s is dead; wake the keeper. */
void pool_report(struct pool *p, struct session *s, int err);
/* Is s still a session of the pool with a live connection? */
bool pool_session_alive(struct pool *p, struct session *s);
/* Any session, live or not, for facts that do not change across
 * reconnects (capabilities, path separator, negotiated sizes). */
struct session *pool_any(struct pool *p);

struct pool_info {
	unsigned conns;
	unsigned live;
	unsigned reconnects;
	bool down;
};
void pool_get_info(struct pool *p, struct pool_info *info);
/* Session of slot i (may be dead), for introspection. */
struct session *pool_slot(struct pool *p, unsigned i);

#endif
