/* `smbfuse --stats MOUNTPOINT`: the mount's counters (fs_ops.c
 * stats_report) read through an ioctl on the mount root directory, so the
 * filesystem need not answer getxattr, which would cost `ls -l` two FUSE
 * round trips per entry (security.selinux and the POSIX ACLs).
 *
 * The ioctl is a restricted one (its size is in the number, _IOC_SIZE, 14
 * bits: under 16 KiB), which FUSE passes to the daemon for directories as
 * FUSE_IOCTL_DIR; only the mount's owner may open the mount, so only the
 * owner (and allow_other's users) can read it.  A report longer than one
 * answer is read in pages by offset. */
#ifndef SMBFUSE_STATS_IOCTL_H
#define SMBFUSE_STATS_IOCTL_H

#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>

#define SMBFUSE_STATS_MAGIC 0x46424d53u /* "SMBF": an answer from smbfuse */

struct smbfuse_stats_ioc {
	uint32_t offset; /* in: first byte of the report wanted */
	uint32_t magic;  /* out: SMBFUSE_STATS_MAGIC */
	uint32_t total;  /* out: length of the whole report */
	uint32_t len;    /* out: bytes of it in text, from offset */
	char text[16364];
};

#define SMBFUSE_IOC_STATS _IOWR('S', 0xb5, struct smbfuse_stats_ioc)

/* The stats command opens the root with this flag, which no directory
 * reader uses: opendir then skips the listing (the ioctl needs none, and a
 * listing would cost server round trips and show in the counters it
 * reads); a readdir on such a handle lists then. */
#define SMBFUSE_STATS_OPEN_FLAG O_DSYNC

/* Prints the report of the smbfuse mount at mountpoint on stdout; 0, or 1
 * with a line on stderr saying why not (not an smbfuse mount, no answer
 * within timeout_s seconds, ...). */
int stats_command(const char *mountpoint, int timeout_s);

#endif
