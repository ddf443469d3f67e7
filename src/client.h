/* File operations on a mounted share, as SMB requests.  No FUSE here: paths
 * are the mount's ("/a/b"), results are -errno.  The one place that turns
 * Unix paths into SMB paths. */
#ifndef SMBFUSE_CLIENT_H
#define SMBFUSE_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <glib.h>
#include <time.h>

#include "session.h"
#include "smb.h"

enum open_cmd {
	OPEN_CMD_AUTO,    /* NT_CREATE_ANDX when the server has NT SMBs, else OPEN_ANDX */
	OPEN_CMD_NTCREATE,
	OPEN_CMD_OPENANDX,
};

struct client {
	struct session *session;
	char *prefix; /* SMB path of the mounted subdirectory: "" or "\\sub\\dir" */
	enum open_cmd open_cmd;
	bool want_oplock; /* ask for a batch oplock on opens (MS-CIFS 3.2.4.5) */
};

struct client *client_new(struct session *s, const char *subdir);
void client_free(struct client *c);

/* "/a/b" -> "\\prefix\\a\\b" (g_malloc), or NULL for names SMB cannot carry
 * (a backslash inside a component without POSIX pathnames, a component
 * over 255 bytes). */
char *client_smb_path(const struct client *c, const char *path);
/* Why client_smb_path refused path: -ENAMETOOLONG for a component over 255
 * bytes, else `otherwise` (the caller's errno for an unusable name). */
int client_path_error(const struct client *c, const char *path, int otherwise);

int client_getattr(struct client *c, const char *path, struct smb_file_info *fi);
/* Calls cb for every entry but "." and "..". */
typedef int (*client_dir_cb)(void *ctx, const char *name, const struct smb_file_info *fi);
int client_readdir(struct client *c, const char *path, client_dir_cb cb, void *ctx);
int client_readlink(struct client *c, const char *path, char **target);

/* ---- client_io.c ---- */

/* What an open's reply says about the file.  unique_id (UNIX extensions:
 * the inode) or, without them, create_time tell one file from another when
 * it is opened again by name; write_time and size tell whether its data
 * changed since it was last cached; oplock is the level granted (OPLOCK_*);
 * created, whether the open made it.  0 is "not known". */
struct client_open_info {
	uint64_t unique_id;
	uint64_t create_time;
	uint64_t write_time; /* NT time */
	uint64_t size;
	uint8_t oplock;
	bool created;
	bool nt_create; /* it came from NT_CREATE_ANDX (its identity: create_time) */
	/* The reply described the file completely (a POSIX open's UNIX_BASIC
	 * information, or NT_CREATE_ANDX's for a file it created): what a
	 * getattr would return right after the open. */
	bool has_info;
	struct smb_file_info info;
};

/* Whom a new object belongs to.  `set` false leaves it to the server (the
 * SMB session's user); with it, and the UNIX extensions, the object gets
 * uid and, unless its directory is setgid (the server's file system then
 * gave it the directory's group, as a local disk does), gid. */
struct client_owner {
	bool set;
	uid_t uid;
	gid_t gid;
};

/* flags: open(2) flags (O_CREAT, O_EXCL, O_TRUNC honoured).  id (may be
 * NULL) gets what the open reply says about the file; an open with an id
 * asks for an oplock (when the client wants them). */
int client_open(struct client *c, const char *path, int flags, uint16_t *fid,
		struct client_open_info *id);
/* open(2) with flags and, with O_CREAT, mode: one SMB_POSIX_PATH_OPEN with
 * the UNIX extensions, else NT_CREATE_ANDX / OPEN_ANDX (then the mode). */
int client_create(struct client *c, const char *path, int flags, mode_t mode,
		  const struct client_owner *own, uint16_t *fid, struct client_open_info *id);
/* The first bytes of a file, read with its open (client_open_head). */
struct client_head {
	uint8_t *data; /* g_malloc; NULL: none */
	uint32_t len;
};
/* client_open for reading (O_RDONLY, no O_TRUNC) that asks for the file's
 * first `want` bytes in the same message: NT_CREATE_ANDX + READ_ANDX
 * (MS-CIFS 3.2.4.1.1).  *head gets them (none if the server did not read,
 * or the chain cannot be used: then it is a plain client_open).  A server
 * that fails the chain is asked again without it, and not sent chains
 * again on that session. */
int client_open_head(struct client *c, const char *path, int flags, uint32_t want,
		     uint16_t *fid, struct client_open_info *id, struct client_head *head);
int client_close(struct client *c, uint16_t fid);
/* The end of file this mount last knew for fid (the size at open, moved by
 * its own writes and truncates): exact while nobody else can change the
 * file (an exclusive oplock), else a guess.  false if none is known. */
bool client_file_end(struct session *s, uint16_t fid, uint64_t *eof);
/* Reads up to size bytes at off, splitting into READ_ANDX requests that are
 * all in flight at once, and asking again for what a short answer left out;
 * returns bytes read (short only at end of file: an empty answer, or a short
 * one that reaches eof, the file's size when the caller knows it for sure,
 * else UINT64_MAX) or -errno. */
ssize_t client_read(struct client *c, uint16_t fid, void *buf, size_t size, uint64_t off,
		    uint64_t eof);
/* Writes size bytes at off the same way, sending again what a short answer
 * did not take; returns bytes written (short only when the server stopped
 * taking any) or -errno.  The data is on the server when it returns. */
ssize_t client_write(struct client *c, uint16_t fid, const void *buf, size_t size,
		     uint64_t off);
int client_flush(struct client *c, uint16_t fid);
int client_ftruncate(struct client *c, uint16_t fid, uint64_t size);
/* fcntl locks (F_GETLK, F_SETLK; F_SETLKW is F_SETLK retried by the
 * caller) and flock; owner identifies the lock holder.  POSIX locks when
 * the server has the UNIX fcntl-lock capability, else LOCKING_ANDX with
 * POSIX semantics emulated from `held`, the exact SMB ranges the handle
 * holds (struct lock_range, locktab.h), which client_lock keeps current. */
struct flock;
int client_lock(struct client *c, uint16_t fid, uint64_t owner, int cmd, struct flock *fl,
		GArray *held);
/* Takes every range of `held` again (after a re-open on a new session). */
int client_relock(struct client *c, uint16_t fid, GArray *held);
/* An fcntl unlock by owner applied to the table `held` only, with no
 * request (the server holds nothing: its connection is gone). */
void client_unlock_table(uint64_t owner, const struct flock *fl, GArray *held);
int client_flock(struct client *c, uint16_t fid, uint64_t owner, int op);

/* ---- client_ns.c ---- */

int client_unlink(struct client *c, const char *path);
int client_mkdir(struct client *c, const char *path, mode_t mode, const struct client_owner *own);
int client_rmdir(struct client *c, const char *path);
/* A rename may take several requests (a temporary name first); `st` keeps
 * what an attempt did, so that a repeat after a lost connection goes on
 * from there.  One state per rename(2), cleared after the last attempt. */
struct client_rename_state {
	char *tmp; /* SMB path of the temporary name, once chosen */
};
int client_rename(struct client *c, const char *from, const char *to, bool noreplace,
		  struct client_rename_state *st);
void client_rename_state_clear(struct client_rename_state *st);
int client_utimens(struct client *c, const char *path, const struct timespec tv[2]);
int client_futimens(struct client *c, uint16_t fid, const struct timespec tv[2]);
int client_chmod(struct client *c, const char *path, mode_t mode, bool is_dir);
int client_chown(struct client *c, const char *path, uid_t uid, gid_t gid);
int client_truncate(struct client *c, const char *path, uint64_t size);
int client_symlink(struct client *c, const char *target, const char *path,
		   const struct client_owner *own);
int client_link(struct client *c, const char *from, const char *to);
int client_mknod(struct client *c, const char *path, mode_t mode, dev_t rdev,
		 const struct client_owner *own);

int client_statfs(struct client *c, struct statvfs *st);

#endif
