/* Open files as FUSE sees them: a handle that outlives the SMB FID behind
 * it.  When the session a FID belongs to dies, the next use re-opens the
 * file by its current path on a live session, with the original access but
 * never again with create, exclusive or truncate semantics (re-applying
 * O_TRUNC would destroy what was written), checks that the name still
 * names the same file (ESTALE if not: another client replaced it), and
 * re-acquires the handle's byte-range locks (if one cannot be had, the
 * handle is broken: every later use fails with EIO, as NFS does).
 *
 * Handles are reference counted: FUSE's open holds one until release; a
 * thread that uses a handle found through the open-handle registry holds
 * its own.  The FID is closed once, by fs_handle_close, after every call
 * that was using it has finished (use_lock).
 */
#ifndef SMBFUSE_FS_HANDLE_H
#define SMBFUSE_FS_HANDLE_H

#include <fcntl.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "client.h"
#include "locktab.h"
#include "pool.h"
#include "readahead.h"

struct fs_handle {
	gint refs;
	GMutex lock;             /* session, fid, id, broken */
	GRWLock use_lock;        /* read: a call is using the FID; write: closing */
	struct session *session; /* a reference: the FID's session */
	uint16_t fid;
	struct client_open_info id;
	int reopen_flags; /* open flags less O_CREAT, O_EXCL, O_TRUNC */
	uint8_t oplock;   /* level held (OPLOCK_*), under lock */
	int broken;       /* 0, or the -errno every later use gets */
	bool closed;
	struct readahead *ra; /* sequential reads fetched ahead (readahead.h) */
	/* The file's first bytes, read with the open (client_open_head):
	 * reads are served from them while they are certainly current, that
	 * is while the oplock the open got holds (a write or truncate by
	 * anyone, this mount's other handles included, breaks it to none
	 * first, MS-CIFS 3.3.4.2) on the FID that read them.  Under lock;
	 * head_budget counts the bytes the mount's heads hold (atomic). */
	uint8_t *head;
	uint32_t head_len;
	uint64_t head_size; /* the file's size at the open */
	int head_changes;   /* the mount's data_changes before the open */
	gint *head_budget;
	/* Byte-range locks held on the server, for POSIX emulation and for
	 * re-acquisition; lock_mutex serialises lock requests on the handle
	 * and guards both tables. */
	GMutex lock_mutex;
	GArray *ranges; /* fcntl locks: struct lock_range */
	GArray *flocks; /* flock locks: struct fs_flock */
	/* Write-behind queue (writebehind.h), NULL for handles that write
	 * through; wb_ctx is the mount, for the queue's sends. */
	struct wb *wb;
	void *wb_ctx;
};

struct fs_flock {
	uint64_t owner;
	int type; /* LOCK_SH / LOCK_EX */
};

/* A handle for fid on s (the handle takes its own reference of s). */
struct fs_handle *fs_handle_new(struct session *s, uint16_t fid, int open_flags,
				const struct client_open_info *id);
struct fs_handle *fs_handle_ref(struct fs_handle *h);
void fs_handle_unref(struct fs_handle *h);

/* Gives a client bound to the handle's session (a reference, released by
 * fs_handle_unbind) and its FID, re-opening the file first when that
 * session is gone; holds use_lock for reading until fs_handle_unbind.
 * template supplies the prefix and open command.  On failure nothing is
 * held; *transient says whether trying again may help (the re-open got no
 * answer). */
int fs_handle_bind(struct fs_handle *h, struct pool *pool, const struct client *template,
		   const char *path, struct client *cl, uint16_t *fid, bool *transient);
void fs_handle_unbind(struct fs_handle *h, struct client *cl);

/* Closes the FID (once, when its session is still usable), after the calls
 * using it are done; later binds fail with EBADF. */
int fs_handle_close(struct fs_handle *h, const struct client *template);

/* The oplock level the handle holds now (OPLOCK_*). */
uint8_t fs_handle_oplock(struct fs_handle *h);

/* The file's size if it is known for sure (an exclusive or batch oplock
 * is held), else UINT64_MAX. */
uint64_t fs_handle_known_size(struct fs_handle *h);

/* Gives the handle the first bytes its open read (taking head->data) of a
 * file whose size was `size`; budget counts them while held. */
void fs_handle_set_head(struct fs_handle *h, struct client_head *head, uint64_t size,
			int changes, gint *budget);
/* Serves what it can of a read of size bytes at off from the head (if the
 * mount's data_changes is still what it was before the open): copies
 * *got bytes to buf and returns true when that answers the whole read (up
 * to the end of file); false when the rest is the caller's to read from
 * off + *got.  A head no longer certainly current, or a read beyond it,
 * drops it. */
/* Whether the handle holds the bytes its open read (a hint for the reader:
 * fs_handle_read_head decides). */
bool fs_handle_has_head(struct fs_handle *h);
bool fs_handle_read_head(struct fs_handle *h, void *buf, size_t size, uint64_t off,
			 int changes, size_t *got);

/* Remember / forget an flock lock for re-acquisition. */
void fs_handle_note_flock(struct fs_handle *h, uint64_t owner, int type);
bool fs_handle_has_locks(struct fs_handle *h);
/* An unlock (fl: fcntl's; NULL: flock's) by owner while the handle's
 * connection is dead: the server, which let every lock of the handle go
 * with it, holds nothing to unlock, so only the table changes, and the
 * re-open will not take the lock again for an owner that is gone (a
 * process killed during an outage).  Returns false, changing nothing,
 * when the connection is alive (the unlock goes to the server). */
bool fs_handle_unlock_if_gone(struct fs_handle *h, uint64_t owner, const struct flock *fl);

#endif
