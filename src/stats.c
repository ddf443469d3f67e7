/* Per-operation counters (see stats.h).  One mutex: an operation costs a
 * network round trip, next to which the lock is free. */
#include "stats.h"
#include "smb_proto.h"

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

static const char *const command_names[256] = {
	[SMB_COM_CREATE_DIRECTORY] = "CREATE_DIRECTORY",
	[SMB_COM_DELETE_DIRECTORY] = "DELETE_DIRECTORY",
	[SMB_COM_CLOSE] = "CLOSE",
	[SMB_COM_FLUSH] = "FLUSH",
	[SMB_COM_DELETE] = "DELETE",
	[SMB_COM_RENAME] = "RENAME",
	[SMB_COM_LOCKING_ANDX] = "LOCKING_ANDX",
	[SMB_COM_ECHO] = "ECHO",
	[SMB_COM_OPEN_ANDX] = "OPEN_ANDX",
	[SMB_COM_READ_ANDX] = "READ_ANDX",
	[SMB_COM_WRITE_ANDX] = "WRITE_ANDX",
	[SMB_COM_FIND_CLOSE2] = "FIND_CLOSE2",
	[SMB_COM_TREE_DISCONNECT] = "TREE_DISCONNECT",
	[SMB_COM_NEGOTIATE] = "NEGOTIATE",
	[SMB_COM_SESSION_SETUP_ANDX] = "SESSION_SETUP_ANDX",
	[SMB_COM_LOGOFF_ANDX] = "LOGOFF_ANDX",
	[SMB_COM_TREE_CONNECT_ANDX] = "TREE_CONNECT_ANDX",
	[SMB_COM_NT_TRANSACT] = "NT_TRANSACT",
	[SMB_COM_NT_CREATE_ANDX] = "NT_CREATE_ANDX",
	[SMB_COM_NT_CANCEL] = "NT_CANCEL",
	[SMB_COM_NT_RENAME] = "NT_RENAME",
};

static const char *const trans2_names[] = {
	[TRANS2_FIND_FIRST2] = "FIND_FIRST2",
	[TRANS2_FIND_NEXT2] = "FIND_NEXT2",
	[TRANS2_QUERY_FS_INFORMATION] = "QUERY_FS_INFORMATION",
	[TRANS2_SET_FS_INFORMATION] = "SET_FS_INFORMATION",
	[TRANS2_QUERY_PATH_INFORMATION] = "QUERY_PATH_INFORMATION",
	[TRANS2_SET_PATH_INFORMATION] = "SET_PATH_INFORMATION",
	[TRANS2_QUERY_FILE_INFORMATION] = "QUERY_FILE_INFORMATION",
	[TRANS2_SET_FILE_INFORMATION] = "SET_FILE_INFORMATION",
	[TRANS2_CREATE_DIRECTORY] = "CREATE_DIRECTORY",
};

void stats_append_requests(GString *out, const uint64_t *by_command, const uint64_t *by_trans2,
			   unsigned n_trans2)
{
	for (unsigned i = 0; i < 256; i++) {
		if (!by_command[i] || i == SMB_COM_TRANSACTION2)
			continue;
		if (command_names[i])
			g_string_append_printf(out, "requests.%s: %llu\n", command_names[i],
					       (unsigned long long)by_command[i]);
		else
			g_string_append_printf(out, "requests.0x%02x: %llu\n", i,
					       (unsigned long long)by_command[i]);
	}
	for (unsigned i = 0; i < n_trans2; i++) {
		if (!by_trans2[i])
			continue;
		const char *name = i < G_N_ELEMENTS(trans2_names) ? trans2_names[i] : NULL;
		if (name)
			g_string_append_printf(out, "requests.TRANS2_%s: %llu\n", name,
					       (unsigned long long)by_trans2[i]);
		else
			g_string_append_printf(out, "requests.TRANS2_0x%02x: %llu\n", i,
					       (unsigned long long)by_trans2[i]);
	}
}
