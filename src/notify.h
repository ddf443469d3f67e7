/* Change notification: the server tells us what changed under the mount.
 *
 * One watcher thread keeps one NT_TRANSACT_NOTIFY_CHANGE with WatchTree
 * outstanding on the mount's root directory (MS-CIFS 2.2.7.4), re-armed
 * after every answer and on a new session after every reconnect.  A server
 * that refuses WatchTree gets a watch on the root alone and one on each
 * directory the mount lists, a bounded number of them.  Each
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

/* action: the FILE_ACTION_* of the change (MS-CIFS 2.2.7.4.2), or
 * NOTIFY_ANY: anything at or below path (NULL: anywhere) may have changed. */
#define NOTIFY_ANY 0
/* Or'ed into action: the name had backslashes, which with POSIX pathnames
 * may be separators or part of a name; path reads them all as separators. */
#define NOTIFY_AMBIGUOUS 0x80000000u
typedef void (*notify_fn)(void *arg, const char *path, uint32_t action);

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
	bool per_directory;     /* the tree watch was refused: root + listed dirs */
	unsigned dirs_watched;  /* per-directory watches */
	const char *why_inactive; /* static string, NULL while active */
};

struct notify;
struct notify *notify_start(const struct notify_config *cfg);
/* Stops the watcher (its connection is shut down) and frees it; call
 * before pool_free. */
void notify_stop(struct notify *n);
/* The whole tree is watched (a cache of any path stays coherent). */
bool notify_active(struct notify *n);
/* The mount listed dir: with per-directory watches, watch it (the least
 * recently listed one gives way past the bound). */
void notify_watch_dir(struct notify *n, const char *dir);
void notify_get_stats(struct notify *n, struct notify_stats *st);

#endif
