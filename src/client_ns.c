/* Namespace and metadata changes as SMB requests: unlink, mkdir, rmdir,
 * rename, times, mode, owner, symlinks, hard links, special files, truncate
 * by path.  With the CIFS UNIX extensions most of this is one
 * SET_PATH_INFORMATION; without them, what SMB cannot express is a clear
 * errno, never a silent no-op that looks like success. */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "client_priv.h"
#include "log.h"
#include "ntstatus.h"

#define UNIX_BASIC_LEN 128

static int set_unix_basic(struct client *c, const char *smb_path, const struct smb_unix_set *u)
{
	uint8_t data[UNIX_BASIC_LEN];
	long len = smb_set_unix_basic_data(data, sizeof(data), u);
	if (len < 0)
		return (int)len;
	return client_set_path_info(c, smb_path, SMB_SET_FILE_UNIX_BASIC, data, (size_t)len);
}

/* FILE_BASIC_INFO: 0 leaves a time or the attributes as they are. */
static int set_basic(struct client *c, const char *smb_path, uint64_t access_time,
		     uint64_t write_time, uint32_t attrs)
{
	uint8_t data[64];
	long len = smb_set_basic_info_data(data, sizeof(data), 0, access_time, write_time, 0,
					   attrs);
	if (len < 0)
		return (int)len;
	return client_set_path_info(c, smb_path, SMB_SET_FILE_BASIC_INFO, data, (size_t)len);
}

/* Gives a new object made by path its owner (struct client_owner); a
 * failure leaves the server's and is only logged, like a local disk's
 * create that cannot fail over its owner.  By path, a symlink's own owner
 * changes, not its target's (Samba uses lchown; rw_owner.sh checks). */
static void set_new_owner(struct client *c, const char *path, const char *smb_path,
			  const struct client_owner *own)
{
	struct smb_unix_set u;

	if (!own || !own->set)
		return;
	smb_unix_set_init(&u);
	client_new_owner(c, path, own, false, &u);
	int r = set_unix_basic(c, smb_path, &u);
	if (r < 0)
		log_debug("setting owner of new %s failed: %s", path, g_strerror(-r));
}

/* Runs op on the SMB form of path; a name SMB cannot carry is EINVAL. */
#define WITH_SMB_PATH(c, path, var)                       \
	char *var = client_smb_path((c), (path));         \
	if (!var)                                         \
		return client_path_error((c), (path), -EINVAL);

/* SMB_COM_DELETE of one SMB path (hidden and system files included). */
static int delete_file(struct client *c, const char *smb_path)
{
	uint8_t buf[PATH_MSG];
	struct wr w;

	session_msg_begin(c->session, &w, buf, sizeof(buf), SMB_COM_DELETE);
	int ret = smb_delete_encode(&w, smb_path, FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM,
				    true);
	return ret < 0 ? ret : client_simple_call(c, &w);
}

/* SMB_POSIX_PATH_UNLINK (CIFS UNIX extensions, SET_PATH_INFORMATION level
 * 0x20A): unlink(2) or rmdir(2) with POSIX semantics, an open file included,
 * the name taken literally (SMB_COM_DELETE takes a search pattern with
 * attributes).  -EOPNOTSUPP once the server refused it: then the caller
 * uses the Windows requests for the rest of the session. */
static int posix_unlink(struct client *c, const char *smb_path, bool dir)
{
	uint8_t data[8];

	if (!c->session->unix_ext || g_atomic_int_get(&c->session->no_posix_unlink))
		return -EOPNOTSUPP;
	long len = smb_posix_unlink_data(data, sizeof(data), dir);
	if (len < 0)
		return (int)len;
	int ret = client_set_path_info(c, smb_path, SMB_POSIX_PATH_UNLINK, data, (size_t)len);
	if (ret == -EOPNOTSUPP) {
		log_debug("server refused SMB_POSIX_PATH_UNLINK; using DELETE / DELETE_DIRECTORY");
		g_atomic_int_set(&c->session->no_posix_unlink, 1);
	}
	return ret;
}

/* unlink(2) of an SMB path: the POSIX request where the server has it. */
static int remove_file(struct client *c, const char *smb_path)
{
	int ret = posix_unlink(c, smb_path, false);
	return ret == -EOPNOTSUPP ? delete_file(c, smb_path) : ret;
}

int client_unlink(struct client *c, const char *path)
{
	WITH_SMB_PATH(c, path, smb_path);
	int ret = remove_file(c, smb_path);
	g_free(smb_path);
	return ret;
}

int client_mkdir(struct client *c, const char *path, mode_t mode, const struct client_owner *own)
{
	uint8_t buf[PATH_MSG];
	struct wr w;
	WITH_SMB_PATH(c, path, smb_path);

	session_msg_begin(c->session, &w, buf, sizeof(buf), SMB_COM_CREATE_DIRECTORY);
	int ret = smb_create_directory_encode(&w, smb_path, true);
	if (ret == 0)
		ret = client_simple_call(c, &w);
	if (ret == 0 && c->session->unix_ext) {
		struct smb_unix_set u;
		smb_unix_set_init(&u);
		/* Under a setgid directory a new directory is setgid too (the
		 * server's mkdir made it so; the mode set here must keep it). */
		bool sgid = client_new_owner(c, path, own, true, &u);
		u.perms = (mode & 07777) | (sgid ? S_ISGID : 0);
		int r = set_unix_basic(c, smb_path, &u);
		if (r < 0)
			log_debug("setting mode or owner of new directory %s failed: %s", path,
				  g_strerror(-r));
	}
	g_free(smb_path);
	return ret;
}

int client_rmdir(struct client *c, const char *path)
{
	uint8_t buf[PATH_MSG];
	struct wr w;
	WITH_SMB_PATH(c, path, smb_path);

	int ret = posix_unlink(c, smb_path, true);
	if (ret != -EOPNOTSUPP)
		goto out;
	session_msg_begin(c->session, &w, buf, sizeof(buf), SMB_COM_DELETE_DIRECTORY);
	ret = smb_delete_directory_encode(&w, smb_path, true);
	if (ret == 0)
		ret = client_simple_call(c, &w);
out:
	g_free(smb_path);
	return ret;
}

/* SMB_COM_RENAME: fails when the target exists (which RENAME_NOREPLACE
 * wants). */
static int rename_plain(struct client *c, const char *from, const char *to)
{
	uint8_t buf[PATH_MSG];
	struct wr w;

	session_msg_begin(c->session, &w, buf, sizeof(buf), SMB_COM_RENAME);
	int ret = smb_rename_encode(&w, from, to,
				    FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM |
					    FILE_ATTRIBUTE_DIRECTORY,
				    true);
	return ret < 0 ? ret : client_simple_call(c, &w);
}

/* Replaces the target atomically within one directory: open the source for
 * DELETE and set FILE_RENAME_INFORMATION with ReplaceIfExists to the bare
 * target name (a pass-through level, so it needs CAP_INFOLEVEL_PASSTHRU). */
static int rename_replace_in_dir(struct client *c, const char *from, const char *to_name)
{
	uint8_t data[PATH_MSG];
	uint16_t fid;
	long len = smb_set_rename_info_data(data, sizeof(data), true, to_name, true);
	if (len < 0)
		return len == -EMSGSIZE ? -ENAMETOOLONG : (int)len;
	int ret = client_nt_create(c, from, DELETE_ACCESS | FILE_READ_ATTRIBUTES | SYNCHRONIZE,
				   FILE_OPEN, 0, &fid, NULL);
	if (ret < 0)
		return ret;
	ret = client_set_file_info(c, fid, SMB_SET_FILE_RENAME_INFORMATION, data, (size_t)len);
	int cret = client_close(c, fid);
	return ret < 0 ? ret : cret;
}

/* Last resort, not atomic: remove the target, then rename.  Only for a
 * source just verified to exist (a failed rename must not cost the target
 * its data), on servers where no atomic replace worked (README). */
static int rename_by_unlink(struct client *c, const char *from, const char *to)
{
	int ret = client_smb_path_exists(c, from);
	if (ret < 0)
		return ret;
	log_debug("rename %s -> %s: no atomic replace, removing the target first", from, to);
	ret = delete_file(c, to);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	return rename_plain(c, from, to);
}

/* Splits an SMB path into its directory (with trailing separator) and last
 * component. */
static void split_smb_path(const char *path, char sep, char **dir, const char **name)
{
	const char *last = strrchr(path, sep);
	*name = last ? last + 1 : path;
	*dir = g_strndup(path, last ? (size_t)(last - path) + 1 : 0);
}

/* rename(2) semantics: the target is replaced if it exists, atomically for
 * anyone looking at it, and a failed rename leaves it alone.  Samba renames
 * with replacement only within a directory (FILE_RENAME_INFORMATION takes a
 * bare name), so otherwise the source first moves next to the target under
 * a temporary name (a plain rename: nothing is replaced yet), then replaces
 * it there; if that fails it moves back.
 *
 * NO_SUCH_FILE from the in-directory replace is ambiguous: the source may
 * be gone (another client removed it), or Samba refused it because it is
 * hidden - its SMB1 FILE_RENAME_INFORMATION passes no search attributes to
 * can_rename(), and with "hide dot files" (the default) every dot file is
 * hidden.  The temporary name (not a dot file) tells them apart: the plain
 * rename to it fails with ENOENT for a vanished source, and the replace
 * from it is not refused. */
static int rename_replace(struct client *c, const char *from, const char *to,
			  struct client_rename_state *st)
{
	char sep = c->session->path_sep;
	char *from_dir, *to_dir;
	const char *from_name, *to_name;
	int ret;

	split_smb_path(from, sep, &from_dir, &from_name);
	split_smb_path(to, sep, &to_dir, &to_name);
	/* An earlier attempt that got as far as the temporary name goes on
	 * from there (its connection was lost after that step). */
	if (st->tmp && client_smb_path_exists(c, st->tmp) == 0)
		goto from_tmp;
	if (strcmp(from_dir, to_dir) == 0) {
		ret = rename_replace_in_dir(c, from, to_name);
		if (ret != -ENOENT)
			goto out;
	} else {
		ret = rename_plain(c, from, to);
		if (ret != -EEXIST)
			goto out;
	}
	/* One name for every attempt of this rename, so a repeat finds it. */
	if (!st->tmp)
		st->tmp = g_strdup_printf("%ssmbfuse-rename-%08x.tmp", to_dir, g_random_int());
	ret = rename_plain(c, from, st->tmp);
	if (ret < 0)
		goto out;
from_tmp:
	ret = rename_replace_in_dir(c, st->tmp, to_name);
	/* Still refused: a source with the DOS hidden or system attribute
	 * stored on it.  No atomic way is left. */
	if (ret == -ENOENT)
		ret = rename_by_unlink(c, st->tmp, to);
	if (ret < 0 && rename_plain(c, st->tmp, from) < 0)
		log_warn("rename: could not move %s back; it is left as %s", from, st->tmp);
out:
	g_free(from_dir);
	g_free(to_dir);
	return ret;
}

void client_rename_state_clear(struct client_rename_state *st)
{
	g_free(st->tmp);
	st->tmp = NULL;
}

int client_rename(struct client *c, const char *from, const char *to, bool noreplace,
		  struct client_rename_state *st)
{
	char *smb_from = client_smb_path(c, from);
	char *smb_to = client_smb_path(c, to);
	int ret;

	if (!smb_from || !smb_to) {
		ret = client_path_error(c, smb_from ? to : from, -EINVAL);
		goto out;
	}
	if (noreplace || !(c->session->server_caps & CAP_INFOLEVEL_PASSTHRU)) {
		ret = rename_plain(c, smb_from, smb_to);
		/* No atomic replace on this server: remove, then move. */
		if (ret == -EEXIST && !noreplace)
			ret = rename_by_unlink(c, smb_from, smb_to);
		goto out;
	}
	ret = rename_replace(c, smb_from, smb_to, st);
out:
	g_free(smb_from);
	g_free(smb_to);
	return ret;
}

/* UTIME_NOW / UTIME_OMIT resolved to NT time; 0 means "leave it" for the
 * BASIC level, NO_CHANGE for UNIX_BASIC. */
static uint64_t nt_time_of(const struct timespec *ts, uint64_t omit)
{
	struct timespec now;
	if (ts->tv_nsec == UTIME_OMIT)
		return omit;
	if (ts->tv_nsec == UTIME_NOW) {
		clock_gettime(CLOCK_REALTIME, &now);
		ts = &now;
	}
	return smb_timespec_to_nttime(ts);
}

/* Times through an open handle: Samba then keeps them ("sticky"), where a
 * change by path would be undone by the close of a handle that wrote. */
int client_futimens(struct client *c, uint16_t fid, const struct timespec tv[2])
{
	uint8_t data[UNIX_BASIC_LEN];
	long len;
	uint16_t level;

	if (c->session->unix_ext) {
		struct smb_unix_set u;
		smb_unix_set_init(&u);
		u.access_time = nt_time_of(&tv[0], SMB_UNIX_TIME_NO_CHANGE);
		u.write_time = nt_time_of(&tv[1], SMB_UNIX_TIME_NO_CHANGE);
		len = smb_set_unix_basic_data(data, sizeof(data), &u);
		level = SMB_SET_FILE_UNIX_BASIC;
	} else {
		len = smb_set_basic_info_data(data, sizeof(data), 0, nt_time_of(&tv[0], 0),
					      nt_time_of(&tv[1], 0), 0, 0);
		level = SMB_SET_FILE_BASIC_INFO;
	}
	if (len < 0)
		return (int)len;
	return client_set_file_info(c, fid, level, data, (size_t)len);
}

int client_utimens(struct client *c, const char *path, const struct timespec tv[2])
{
	WITH_SMB_PATH(c, path, smb_path);
	int ret;

	if (c->session->unix_ext) {
		struct smb_unix_set u;
		smb_unix_set_init(&u);
		u.access_time = nt_time_of(&tv[0], SMB_UNIX_TIME_NO_CHANGE);
		u.write_time = nt_time_of(&tv[1], SMB_UNIX_TIME_NO_CHANGE);
		ret = set_unix_basic(c, smb_path, &u);
	} else {
		ret = set_basic(c, smb_path, nt_time_of(&tv[0], 0), nt_time_of(&tv[1], 0), 0);
	}
	g_free(smb_path);
	return ret;
}

int client_chmod(struct client *c, const char *path, mode_t mode, bool is_dir)
{
	WITH_SMB_PATH(c, path, smb_path);
	int ret;

	if (c->session->unix_ext) {
		struct smb_unix_set u;
		smb_unix_set_init(&u);
		u.perms = mode & 07777;
		ret = set_unix_basic(c, smb_path, &u);
	} else if (is_dir) {
		/* Directories have no DOS permission to change. */
		ret = 0;
	} else {
		/* Without UNIX extensions the only permission SMB stores is
		 * the DOS read-only attribute: it follows the write bits.
		 * Set it only when it changes: a BASIC_INFO set is not
		 * harmless everywhere (Impacket's smbserver 0.10 takes its
		 * "leave alone" zero times for 1969 on a handle). */
		bool readonly = !(mode & 0222);
		struct smb_file_info fi;
		ret = client_getattr(c, path, &fi);
		if (ret < 0 || !!(fi.attrs & FILE_ATTRIBUTE_READONLY) != readonly)
			ret = set_basic(c, smb_path, 0, 0,
					readonly ? FILE_ATTRIBUTE_READONLY : FILE_ATTRIBUTE_NORMAL);
	}
	g_free(smb_path);
	return ret;
}

int client_chown(struct client *c, const char *path, uid_t uid, gid_t gid)
{
	if (!c->session->unix_ext)
		return -EPERM; /* no owners on the share */
	WITH_SMB_PATH(c, path, smb_path);
	struct smb_unix_set u;
	smb_unix_set_init(&u);
	if (uid != (uid_t)-1)
		u.uid = uid;
	if (gid != (gid_t)-1)
		u.gid = gid;
	int ret = set_unix_basic(c, smb_path, &u);
	g_free(smb_path);
	return ret;
}

/* truncate(2) by name.  Samba refuses SMB_SET_FILE_END_OF_FILE_INFO by path
 * (INVALID_LEVEL), and so may others; every server takes it on a handle
 * (MS-CIFS 2.2.6.9), so open, set, close, as the Linux client does. */
int client_truncate(struct client *c, const char *path, uint64_t size)
{
	uint16_t fid;
	/* Read access too if we may (not if the mode or another client's
	 * share mode denies it): a server that ignores a shrink may have
	 * changed a byte client_ftruncate then puts back. */
	int ret = client_open(c, path, O_RDWR, &fid, NULL);
	if (ret == -EACCES || ret == -EBUSY)
		ret = client_open(c, path, O_WRONLY, &fid, NULL);
	if (ret < 0)
		return ret;
	ret = client_ftruncate(c, fid, size);
	int cret = client_close(c, fid);
	return ret < 0 ? ret : cret;
}

int client_symlink(struct client *c, const char *target, const char *path,
		   const struct client_owner *own)
{
	if (!c->session->unix_ext)
		return -EPERM; /* SMB1 without UNIX extensions has no symlinks */
	WITH_SMB_PATH(c, path, smb_path);
	uint8_t data[PATH_MSG];
	long len = smb_set_unix_link_data(data, sizeof(data), target, true);
	int ret = len < 0 ? (len == -EMSGSIZE ? -ENAMETOOLONG : (int)len)
			  : client_set_path_info(c, smb_path, SMB_SET_FILE_UNIX_LINK, data,
						 (size_t)len);
	if (ret == 0)
		set_new_owner(c, path, smb_path, own);
	g_free(smb_path);
	return ret;
}

int client_link(struct client *c, const char *from, const char *to)
{
	char *smb_from = client_smb_path(c, from);
	char *smb_to = client_smb_path(c, to);
	int ret;

	if (!smb_from || !smb_to) {
		ret = client_path_error(c, smb_from ? to : from, -EINVAL);
		goto out;
	}
	if (c->session->unix_ext) {
		uint8_t data[PATH_MSG];
		long len = smb_set_unix_hlink_data(data, sizeof(data), smb_from, true);
		ret = len < 0 ? (int)len
			      : client_set_path_info(c, smb_to, SMB_SET_FILE_UNIX_HLINK, data,
						     (size_t)len);
	} else {
		uint8_t buf[PATH_MSG];
		struct wr w;
		session_msg_begin(c->session, &w, buf, sizeof(buf), SMB_COM_NT_RENAME);
		ret = smb_nt_rename_encode(&w, smb_from, smb_to,
					   FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM,
					   SMB_NT_RENAME_SET_LINK_INFO, true);
		if (ret == 0)
			ret = client_simple_call(c, &w);
	}
out:
	g_free(smb_from);
	g_free(smb_to);
	return ret;
}

int client_mknod(struct client *c, const char *path, mode_t mode, dev_t rdev,
		 const struct client_owner *own)
{
	if (S_ISREG(mode)) {
		uint16_t fid;
		int ret = client_create(c, path, O_WRONLY | O_CREAT | O_EXCL, mode, own, &fid, NULL);
		return ret < 0 ? ret : client_close(c, fid);
	}
	if (!c->session->unix_ext)
		return -EPERM;
	WITH_SMB_PATH(c, path, smb_path);
	struct smb_unix_set u;
	smb_unix_set_init(&u);
	u.perms = mode & 07777;
	u.type = S_ISDIR(mode)	  ? UNIX_TYPE_DIR
		 : S_ISCHR(mode)  ? UNIX_TYPE_CHARDEV
		 : S_ISBLK(mode)  ? UNIX_TYPE_BLKDEV
		 : S_ISFIFO(mode) ? UNIX_TYPE_FIFO
				  : UNIX_TYPE_SOCKET;
	u.dev_major = major(rdev);
	u.dev_minor = minor(rdev);
	/* UNIX_BASIC on a name that does not exist creates it with this type
	 * (the CIFS UNIX extensions' mknod); Samba ignores the owner then. */
	int ret = set_unix_basic(c, smb_path, &u);
	if (ret == 0)
		set_new_owner(c, path, smb_path, own);
	g_free(smb_path);
	return ret;
}
