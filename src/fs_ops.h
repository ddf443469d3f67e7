/* struct fuse_operations for smbfuse: translation from FUSE calls to
 * client.c, and SMB metadata to struct stat. */
#ifndef SMBFUSE_FS_OPS_H
#define SMBFUSE_FS_OPS_H

#include <fuse.h>
#include <glib.h>
#include <sys/stat.h>

#include "cache.h"
#include "client.h"
#include "notify.h"
#include "fs_handle.h"
#include "linknames.h"
#include "modemask.h"
#include "pool.h"
#include "opts.h"
#include "stats.h"

struct smbfuse {
	struct pool *pool;
	/* Prefix and open command for every call; its session is replaced by
	 * a live one from the pool for each call. */
	struct client *client;
	const struct smbfuse_opts *opts;
	bool unix_ext; /* the pool keeps every session's profile the same */
	uid_t default_uid;
	gid_t default_gid;
	struct stats stats;
	/* Coherent caching: user-space caches, the change watcher, and the
	 * kernel's caches through `fuse` (NULL once unmounting; inval_lock). */
	struct cache *cache;
	enum cache_mode cache_mode;
	struct notify *notify;
	GMutex inval_lock;
	struct fuse *fuse;
	gint oplock_breaks; /* atomic */
	gint cached_opens;  /* atomic: opens that kept the kernel's cached data */
	gint head_bytes;    /* atomic: bytes read with opens, held for reads */
	/* atomic: bumped after every change of file data through the mount
	 * (write, truncate, O_TRUNC): data read with an open before one is
	 * not served after it (the server may break our oplock only later). */
	gint data_changes;
	/* Open handles by path, for changes by path that must go through
	 * them (times), kept current across renames. */
	GMutex handles_lock;
	GHashTable *handles; /* char *path -> GPtrArray of struct fs_handle * */
	/* Oplock breaks for FIDs no handle has yet (struct pending_break,
	 * under handles_lock; handles_add answers them). */
	GArray *pending_breaks;
	/* Names of hard-linked files, to refresh all after a change. */
	struct linknames *links;
	/* What the server makes of a chmod (its masks), files and
	 * directories apart; forgotten on a reconnect. */
	GMutex modes_lock;
	struct modemask file_modes, dir_modes;
	/* A thread taking locks again after a reconnect (fs_relock_*):
	 * asked for a pass (relock_wanted) under relock_lock. */
	GMutex relock_lock;
	GCond relock_cond;
	GThread *relock_thread;
	bool relock_wanted, relock_stopping;
};

/* An oplock break whose FID no listed handle had: the open that got the
 * oplock has its answer but not yet its handle (another client opened the
 * file at once), or the handle was closed meanwhile (the close released
 * the oplock; such an entry goes stale).  Unanswered, the server holds the
 * other client's open for its break timeout (30 s on Samba). */
struct pending_break {
	struct conn *conn;
	uint16_t fid;
	uint8_t level;
	gint64 at; /* monotonic us */
};

extern const struct fuse_operations smbfuse_ops;

/* Something changed on the server at path (NULL: anything may have), as
 * action says (FILE_ACTION_*, or NOTIFY_ANY): drops our caches and the
 * kernel's for it.  The change watcher's and the oplock breaks' entry
 * point; any thread. */
void fs_server_changed(struct smbfuse *fs, const char *path, uint32_t action);
/* The event handler for a pool's connections (oplock breaks). */
void fs_server_event(void *arg, struct conn *c, const struct smb_msg *msg);
/* The pool replaced a session that had died (its `reconnected` hook; any
 * thread, returns at once): the open handles that hold byte-range locks
 * and were on a dead connection re-open and take them again now, on the
 * relock thread, not when next used.  Until then the server, which
 * let the locks go with the connection, would give them to another client
 * unseen while their holder sleeps. */
void fs_pool_reconnected(void *arg);
/* The thread, from before the pool opens until before it is freed
 * (fs_relock_stop joins it; later hooks do nothing). */
void fs_relock_start(struct smbfuse *fs);
void fs_relock_stop(struct smbfuse *fs);
/* At exit, once no FUSE request can come (after fuse_destroy): the files
 * the kernel never released (the daemon stopped while they were open) send
 * what write-behind still holds for them (write(2) returned for it), are
 * closed and freed. */
void fs_release_all(struct smbfuse *fs);

/* SMB metadata -> struct stat, applying uid=/gid=/file_mode=/dir_mode=. */
void fs_stat_from_info(const struct smbfuse *fs, const struct smb_file_info *fi,
		       struct stat *st);

#endif
