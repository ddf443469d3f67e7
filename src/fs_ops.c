/* FUSE operations: each one a translation to client.c.  Errors are already
 * -errno from below; nothing here talks SMB. */
#include "fs_ops.h"

#include <errno.h>
#include <glib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <fcntl.h>

#include "log.h"

static struct smbfuse *fs_get(void)
{
	return fuse_get_context()->private_data;
}

static mode_t unix_type_mode(uint32_t type)
{
	switch (type) {
	case UNIX_TYPE_DIR:
		return S_IFDIR;
	case UNIX_TYPE_SYMLINK:
		return S_IFLNK;
	case UNIX_TYPE_CHARDEV:
		return S_IFCHR;
	case UNIX_TYPE_BLKDEV:
		return S_IFBLK;
	case UNIX_TYPE_FIFO:
		return S_IFIFO;
	case UNIX_TYPE_SOCKET:
		return S_IFSOCK;
	default:
		return S_IFREG;
	}
}

void fs_stat_from_info(const struct smbfuse *fs, const struct smb_file_info *fi,
		       struct stat *st)
{
	const struct smbfuse_opts *o = fs->opts;

	memset(st, 0, sizeof(*st));
	if (fi->has_unix) {
		st->st_mode = unix_type_mode(fi->unix_type) | (mode_t)(fi->perms & 07777);
		st->st_uid = (uid_t)fi->uid;
		st->st_gid = (gid_t)fi->gid;
		st->st_nlink = fi->nlinks ? (nlink_t)fi->nlinks : 1;
		st->st_ino = fi->unique_id;
		st->st_rdev = makedev((unsigned)fi->dev_major, (unsigned)fi->dev_minor);
		st->st_blocks = (blkcnt_t)((fi->num_bytes + 511) / 512);
	} else {
		/* Without UNIX extensions the share has no owners or modes: the
		 * mount's uid/gid/file_mode/dir_mode stand in, and the DOS
		 * read-only attribute takes away write permission. */
		if (fi->is_dir)
			st->st_mode = S_IFDIR | o->dir_mode;
		else
			st->st_mode = S_IFREG | o->file_mode;
		if (fi->attrs & FILE_ATTRIBUTE_READONLY && !fi->is_dir)
			st->st_mode &= ~(mode_t)0222;
		st->st_uid = fs->default_uid;
		st->st_gid = fs->default_gid;
		st->st_nlink = fi->nlink ? fi->nlink : (fi->is_dir ? 2 : 1);
		st->st_blocks = (blkcnt_t)((fi->alloc_size + 511) / 512);
	}
	if (o->uid_set)
		st->st_uid = o->uid;
	if (o->gid_set)
		st->st_gid = o->gid;
	st->st_size = (off_t)fi->end_of_file;
	st->st_blksize = 65536;
	smb_nttime_to_timespec(fi->access_time, &st->st_atim);
	smb_nttime_to_timespec(fi->write_time, &st->st_mtim);
	smb_nttime_to_timespec(fi->change_time ? fi->change_time : fi->write_time, &st->st_ctim);
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct smbfuse *fs = fs_get();

	/* actimeo= is the one knob for both (attr_timeout= and entry_timeout=
	 * are not accepted, so nothing is silently overridden here). */
	cfg->attr_timeout = fs->opts->actimeo;
	cfg->entry_timeout = fs->opts->actimeo;
	/* Server inode numbers are stable with UNIX extensions; hard links
	 * then show as links. */
	cfg->use_ino = fs->client->session->unix_ext;
	cfg->readdir_ino = 0;
	cfg->nullpath_ok = 0;
	/* Large reads: FUSE sends up to max_pages at once; the client splits
	 * them into pipelined READ_ANDX requests. */
	conn->max_readahead = 1024 * 1024;
	conn->want |= FUSE_CAP_ASYNC_READ;
	/* Always readdirplus: the adaptive mode starts with plain readdir and
	 * lets `ls -l` pay a LOOKUP round trip per entry. */
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
	return fs;
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct smbfuse *fs = fs_get();
	struct smb_file_info info;
	int ret = client_getattr(fs->client, path, &info);
	if (ret < 0)
		return ret;
	fs_stat_from_info(fs, &info, st);
	return 0;
}

static int fs_readlink(const char *path, char *buf, size_t size)
{
	struct smbfuse *fs = fs_get();
	char *target = NULL;
	int ret = client_readlink(fs->client, path, &target);
	if (ret < 0)
		return ret;
	g_strlcpy(buf, target, size);
	g_free(target);
	return 0;
}

/* A directory is listed once, at opendir, into this; readdir then pages
 * through it with real offsets, which is what lets libfuse hand the
 * attributes to the kernel with each entry (readdirplus), so `ls -l` costs no
 * per-file round trip. */
struct dir_entry {
	char *name;
	struct stat st;
};

struct dir_listing {
	GArray *entries; /* struct dir_entry */
};

static void dir_entry_clear(gpointer data)
{
	g_free(((struct dir_entry *)data)->name);
}

struct collect_ctx {
	struct smbfuse *fs;
	GArray *entries;
};

static int collect_entry(void *data, const char *name, const struct smb_file_info *fi)
{
	struct collect_ctx *cc = data;
	struct dir_entry e = { .name = g_strdup(name) };

	fs_stat_from_info(cc->fs, fi, &e.st);
	g_array_append_val(cc->entries, e);
	return 0;
}

static int fs_opendir(const char *path, struct fuse_file_info *fi)
{
	struct collect_ctx cc = { .fs = fs_get() };

	cc.entries = g_array_new(FALSE, FALSE, sizeof(struct dir_entry));
	g_array_set_clear_func(cc.entries, dir_entry_clear);
	int ret = client_readdir(cc.fs->client, path, collect_entry, &cc);
	if (ret < 0) {
		g_array_free(cc.entries, TRUE);
		return ret;
	}
	struct dir_listing *dl = g_new0(struct dir_listing, 1);
	dl->entries = cc.entries;
	fi->fh = (uint64_t)(uintptr_t)dl;
	return 0;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct dir_listing *dl = (struct dir_listing *)(uintptr_t)fi->fh;
	enum fuse_fill_dir_flags fill = (flags & FUSE_READDIR_PLUS) ? FUSE_FILL_DIR_PLUS : 0;

	/* Offsets: 1 and 2 are "." and "..", entry i is i + 3. */
	if (offset < 1 && filler(buf, ".", NULL, 1, 0))
		return 0;
	if (offset < 2 && filler(buf, "..", NULL, 2, 0))
		return 0;
	for (guint i = offset > 2 ? (guint)(offset - 2) : 0; i < dl->entries->len; i++) {
		struct dir_entry *e = &g_array_index(dl->entries, struct dir_entry, i);
		if (filler(buf, e->name, &e->st, (off_t)i + 3, fill))
			break;
	}
	return 0;
}

static int fs_releasedir(const char *path, struct fuse_file_info *fi)
{
	struct dir_listing *dl = (struct dir_listing *)(uintptr_t)fi->fh;
	g_array_free(dl->entries, TRUE);
	g_free(dl);
	return 0;
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
	struct smbfuse *fs = fs_get();
	uint16_t fid;

	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC))
		return -EROFS;
	int ret = client_open(fs->client, path, fi->flags & ~(O_CREAT | O_EXCL), &fid);
	if (ret < 0)
		return ret;
	fi->fh = fid;
	return 0;
}

static int fs_read(const char *path, char *buf, size_t size, off_t offset,
		   struct fuse_file_info *fi)
{
	struct smbfuse *fs = fs_get();
	if (offset < 0)
		return -EINVAL;
	return (int)client_read(fs->client, (uint16_t)fi->fh, buf, size, (uint64_t)offset);
}

static int fs_release(const char *path, struct fuse_file_info *fi)
{
	struct smbfuse *fs = fs_get();
	int ret = client_close(fs->client, (uint16_t)fi->fh);
	if (ret < 0)
		log_debug("close of %s failed: %s", path ? path : "?", g_strerror(-ret));
	return 0;
}

static int fs_statfs(const char *path, struct statvfs *st)
{
	return client_statfs(fs_get()->client, st);
}

const struct fuse_operations smbfuse_ops = {
	.init = fs_init,
	.getattr = fs_getattr,
	.readlink = fs_readlink,
	.opendir = fs_opendir,
	.readdir = fs_readdir,
	.releasedir = fs_releasedir,
	.open = fs_open,
	.read = fs_read,
	.release = fs_release,
	.statfs = fs_statfs,
};
