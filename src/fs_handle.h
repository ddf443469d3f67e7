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
#include "locktab.h"
#include "pool.h"

struct fs_handle {
	GMutex lock;
	struct session *session; /* the FID's session */
	uint16_t fid;
	int reopen_flags; /* open flags less O_CREAT, O_EXCL, O_TRUNC */
	/* Byte-range locks held on the server, for POSIX emulation and for
	 * re-acquisition; lock_mutex serialises lock requests on the handle
	 * and guards both tables. */
	GMutex lock_mutex;
	GArray *ranges; /* fcntl locks: struct lock_range */
	GArray *flocks; /* flock locks: struct fs_flock */
};

struct fs_flock {
	uint64_t owner;
	int type; /* LOCK_SH / LOCK_EX */
};

struct fs_handle *fs_handle_new(struct session *s, uint16_t fid, int open_flags);
void fs_handle_free(struct fs_handle *h);

/* Gives a client bound to the handle's session and its FID, re-opening the
 * file first when that session is gone.  template supplies the prefix and
 * open command.  -ESTALE when the file cannot be found again. */
int fs_handle_bind(struct fs_handle *h, struct pool *pool, const struct client *template,
		   const char *path, struct client *cl, uint16_t *fid);

/* Remember / forget an flock lock for re-acquisition. */
void fs_handle_note_flock(struct fs_handle *h, uint64_t owner, int type);
bool fs_handle_has_locks(struct fs_handle *h);

#endif
