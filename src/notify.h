/* Change notification: the server tells us what changed under the mount.
 *
 * One watcher thread keeps one NT_TRANSACT_NOTIFY_CHANGE with WatchTree
 * outstanding on the mount's root directory (MS-CIFS 2.2.7.4), re-armed
 * after every answer and on a new session after every reconnect.  Each
 * change it names is handed to on_change with the mount path; NULL means
 * "anything may have changed" (an overflow, STATUS_NOTIFY_ENUM_DIR, or a
 * new watch after a gap).  A server that refuses the watch, or allows too
 * few requests in flight to spare one, leaves the mount on TTL caching
 * (notify_active false). */
#ifndef SMBFUSE_NOTIFY_H
#define SMBFUSE_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "client.h"
#include "pool.h"

typedef void (*notify_fn)(void *arg, const char *path);

struct notify_config {
	struct pool *pool;
	const struct client *template; /* prefix and path syntax */
	notify_fn on_change;
	void *arg;
};

struct notify_stats {
	bool active;
	uint64_t notifications; /* answers received */
	uint64_t changes;       /* paths named in them */
	uint64_t overflows;     /* "anything may have changed" */
	uint64_t arms;          /* watches set up (1 + reconnects) */
	const char *why_inactive; /* static string, NULL while active */
};

struct notify;
struct notify *notify_start(const struct notify_config *cfg);
/* Stops the watcher (its connection is shut down) and frees it; call
 * before pool_free. */
void notify_stop(struct notify *n);
bool notify_active(struct notify *n);
void notify_get_stats(struct notify *n, struct notify_stats *st);

#endif
