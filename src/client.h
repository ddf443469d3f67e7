/* File operations on a mounted share, as SMB requests.  No FUSE here: paths
 * are the mount's ("/a/b"), results are -errno.  The one place that turns
 * Unix paths into SMB paths. */
#ifndef SMBFUSE_CLIENT_H
#define SMBFUSE_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/statvfs.h>
#include <sys/types.h>

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
};

struct client *client_new(struct session *s, const char *subdir);
void client_free(struct client *c);

/* "/a/b" -> "\\prefix\\a\\b" (g_malloc), or NULL for names SMB cannot carry
 * (a backslash inside a component). */
char *client_smb_path(const struct client *c, const char *path);

int client_getattr(struct client *c, const char *path, struct smb_file_info *fi);
/* Calls cb for every entry but "." and "..". */
typedef int (*client_dir_cb)(void *ctx, const char *name, const struct smb_file_info *fi);
int client_readdir(struct client *c, const char *path, client_dir_cb cb, void *ctx);
int client_readlink(struct client *c, const char *path, char **target);

/* flags: open(2) flags. */
int client_open(struct client *c, const char *path, int flags, uint16_t *fid);
int client_close(struct client *c, uint16_t fid);
/* Reads up to size bytes at off, splitting into READ_ANDX requests that are
 * all in flight at once; returns bytes read (short only at end of file) or
 * -errno. */
ssize_t client_read(struct client *c, uint16_t fid, void *buf, size_t size, uint64_t off);
int client_statfs(struct client *c, struct statvfs *st);

#endif
