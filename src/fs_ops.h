/* struct fuse_operations for smbfuse: translation from FUSE calls to
 * client.c, and SMB metadata to struct stat. */
#ifndef SMBFUSE_FS_OPS_H
#define SMBFUSE_FS_OPS_H

#include <fuse.h>
#include <glib.h>
#include <sys/stat.h>

#include "client.h"
#include "fs_handle.h"
#include "linknames.h"
#include "pool.h"
#include "opts.h"
#include "stats.h"

struct smbfuse {
	struct pool *pool;
	/* Prefix and open command for every call; its session is replaced by
	 * a live one from the pool for each call. */
	struct client *client;
	const struct smbfuse_opts *opts;
	uid_t default_uid;
	gid_t default_gid;
	struct stats stats;
	/* Open handles by path, for changes by path that must go through
	 * them (times), kept current across renames. */
	GMutex handles_lock;
	GHashTable *handles; /* char *path -> GPtrArray of struct fs_handle * */
	/* Names of hard-linked files, to refresh all after a change. */
	struct linknames *links;
};

extern const struct fuse_operations smbfuse_ops;

/* SMB metadata -> struct stat, applying uid=/gid=/file_mode=/dir_mode=. */
void fs_stat_from_info(const struct smbfuse *fs, const struct smb_file_info *fi,
		       struct stat *st);

#endif
