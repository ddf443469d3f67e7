/* Per-operation counters (see stats.h).  One mutex: an operation costs a
 * network round trip, next to which the lock is free. */
#include "stats.h"

static const char *const op_names[STATS_N_OPS] = {
	[STATS_GETATTR] = "getattr", [STATS_READLINK] = "readlink", [STATS_OPENDIR] = "opendir",
	[STATS_OPEN] = "open",	     [STATS_CREATE] = "create",	    [STATS_READ] = "read",
	[STATS_WRITE] = "write",     [STATS_FSYNC] = "fsync",	    [STATS_RELEASE] = "release",
	[STATS_TRUNCATE] = "truncate", [STATS_UNLINK] = "unlink",   [STATS_MKDIR] = "mkdir",
	[STATS_RMDIR] = "rmdir",     [STATS_RENAME] = "rename",	    [STATS_UTIMENS] = "utimens",
	[STATS_CHMOD] = "chmod",     [STATS_CHOWN] = "chown",	    [STATS_SYMLINK] = "symlink",
	[STATS_LINK] = "link",	     [STATS_MKNOD] = "mknod",	    [STATS_LOCK] = "lock",
	[STATS_STATFS] = "statfs",
};

void stats_init(struct stats *s)
{
	*s = (struct stats){ 0 };
	g_mutex_init(&s->lock);
}

void stats_clear(struct stats *s)
{
	g_mutex_clear(&s->lock);
}

void stats_record(struct stats *s, enum stats_op op, gint64 elapsed_us, long ret)
{
	uint64_t us = elapsed_us > 0 ? (uint64_t)elapsed_us : 0;

	g_mutex_lock(&s->lock);
	s->count[op]++;
	if (ret < 0)
		s->errors[op]++;
	else if (op == STATS_READ)
		s->bytes_read += (uint64_t)ret;
	else if (op == STATS_WRITE)
		s->bytes_written += (uint64_t)ret;
	s->total_us[op] += us;
	if (us > s->max_us[op])
		s->max_us[op] = us;
	g_mutex_unlock(&s->lock);
}

void stats_append(struct stats *s, GString *out)
{
	g_mutex_lock(&s->lock);
	g_string_append_printf(out, "file_bytes_read: %llu\nfile_bytes_written: %llu\n",
			       (unsigned long long)s->bytes_read,
			       (unsigned long long)s->bytes_written);
	for (int op = 0; op < STATS_N_OPS; op++) {
		if (!s->count[op])
			continue;
		g_string_append_printf(out,
				       "op.%s.count: %llu\nop.%s.errors: %llu\n"
				       "op.%s.avg_us: %llu\nop.%s.max_us: %llu\n",
				       op_names[op], (unsigned long long)s->count[op], op_names[op],
				       (unsigned long long)s->errors[op], op_names[op],
				       (unsigned long long)(s->total_us[op] / s->count[op]),
				       op_names[op], (unsigned long long)s->max_us[op]);
	}
	g_mutex_unlock(&s->lock);
}
