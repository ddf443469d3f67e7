/* Open files as FUSE sees them: a handle that outlives the SMB FID behind
 * it.  When the session a FID belongs to dies, the next use re-opens the
 * file by its current path on a live session, with the original access but
 * never again with create, exclusive or truncate semantics (re-applying
 * O_TRUNC would destroy what was written), and re-acquires the handle's
 * byte-range locks. */
#ifndef SMBFUSE_FS_HANDLE_H
#define SMBFUSE_FS_HANDLE_H

#include <fcntl.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "client.h"
#include "pool.h"

struct fs_handle {
	GMutex lock;
	struct session *session; /* the FID's session */
	uint16_t fid;
	int reopen_flags; /* open flags less O_CREAT, O_EXCL, O_TRUNC */
	GArray *locks;    /* struct fs_held_lock */
};

struct fs_held_lock {
	uint64_t owner;
	bool is_flock;
	int type; /* F_RDLCK / F_WRLCK, or LOCK_SH / LOCK_EX */
	off_t start, len;
};

struct fs_handle *fs_handle_new(struct session *s, uint16_t fid, int open_flags);
void fs_handle_free(struct fs_handle *h);

/* Gives a client bound to the handle's session and its FID, re-opening the
 * file first when that session is gone.  template supplies the prefix and
 * open command.  -ESTALE when the file cannot be found again. */
int fs_handle_bind(struct fs_handle *h, struct pool *pool, const struct client *template,
		   const char *path, struct client *cl, uint16_t *fid);

/* Remember / forget a lock for re-acquisition (after the server granted or
 * released it). */
void fs_handle_note_lock(struct fs_handle *h, const struct fs_held_lock *l, bool unlock);
bool fs_handle_has_locks(struct fs_handle *h);

#endif
