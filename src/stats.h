/* Per-operation counters and the mount's state as text, for the
 * user.smbfuse.stats extended attribute on the mount root (see README,
 * "Looking inside a mount"). */
#ifndef SMBFUSE_STATS_H
#define SMBFUSE_STATS_H

#include <glib.h>
#include <stdint.h>

enum stats_op {
	STATS_GETATTR,
	STATS_READLINK,
	STATS_OPENDIR,
	STATS_OPEN,
	STATS_CREATE,
	STATS_READ,
	STATS_WRITE,
	STATS_FSYNC,
	STATS_RELEASE,
	STATS_TRUNCATE,
	STATS_UNLINK,
	STATS_MKDIR,
	STATS_RMDIR,
	STATS_RENAME,
	STATS_UTIMENS,
	STATS_CHMOD,
	STATS_CHOWN,
	STATS_SYMLINK,
	STATS_LINK,
	STATS_MKNOD,
	STATS_LOCK,
	STATS_STATFS,
	STATS_N_OPS,
};

struct stats {
	GMutex lock;
	uint64_t count[STATS_N_OPS];
	uint64_t errors[STATS_N_OPS];
	uint64_t total_us[STATS_N_OPS];
	uint64_t max_us[STATS_N_OPS];
	uint64_t bytes_read, bytes_written;
};

void stats_init(struct stats *s);
void stats_clear(struct stats *s);
/* ret: the operation's result (negative errno counts as an error; for
 * read/write a positive result is the byte count). */
void stats_record(struct stats *s, enum stats_op op, gint64 elapsed_us, long ret);
/* Appends "op.NAME.count: N" etc. for every operation used so far. */
void stats_append(struct stats *s, GString *out);

/* Appends "requests.COMMAND: N" (and "requests.TRANS2_SUB: N") for every
 * SMB command sent so far; by_command is indexed by command code, by_trans2
 * (n_trans2 entries) by TRANSACTION2 subcommand. */
void stats_append_requests(GString *out, const uint64_t *by_command, const uint64_t *by_trans2,
			   unsigned n_trans2);

#endif
