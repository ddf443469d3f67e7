/* argv -> options -> session -> FUSE main loop.
 *
 * Daemonising: the process forks before any thread exists (the connection's
 * receiver is a thread, and threads do not survive fork).  The parent waits
 * on a pipe: the child reports success only once the share is mounted, or
 * sends one line saying why it failed, which the parent prints; so the
 * command's exit status tells whether the mount worked. */
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <glib.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "crypto.h"
#include "fs_ops.h"
#include "log.h"
#include "opts.h"
#include "pool.h"
#include "session.h"
#include "stats_ioctl.h"
#include "writebehind.h"

#define EXIT_USAGE 1
#define EXIT_MOUNT_FAILURE 32
/* How long smbfuse --stats waits for a mount to answer. */
#define STATS_TIMEOUT_S 10

/* Write end of the pipe to the waiting parent; -1 in the foreground. */
static int status_fd = -1;

/* Reports the outcome: in the foreground print it, in the child send it to
 * the parent.  Exit code 0 means mounted. */
static void report(int code, const char *msg)
{
	if (status_fd < 0) {
		if (code)
			fprintf(stderr, "smbfuse: %s\n", msg);
		return;
	}
	char *line = g_strdup_printf("%d %s", code, msg ? msg : "");
	ssize_t n = write(status_fd, line, strlen(line));
	(void)n;
	g_free(line);
	close(status_fd);
	status_fd = -1;
}

/* Parent side: wait for the child's verdict. */
static int wait_for_child(int fd)
{
	GString *buf = g_string_new("");
	char chunk[512];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		g_string_append_len(buf, chunk, n);
	}
	close(fd);
	int code = EXIT_MOUNT_FAILURE;
	char *space = strchr(buf->str, ' ');
	if (!buf->len || !space) {
		fprintf(stderr, "smbfuse: the mount process exited without saying why\n");
	} else {
		*space = 0;
		code = atoi(buf->str);
		if (code)
			fprintf(stderr, "smbfuse: %s\n", space + 1);
	}
	g_string_free(buf, TRUE);
	return code;
}

static void daemonize_early(void)
{
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		fprintf(stderr, "smbfuse: pipe: %s\n", g_strerror(errno));
		exit(EXIT_MOUNT_FAILURE);
	}
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "smbfuse: fork: %s\n", g_strerror(errno));
		exit(EXIT_MOUNT_FAILURE);
	}
	if (pid > 0) {
		close(pfd[1]);
		exit(wait_for_child(pfd[0]));
	}
	close(pfd[0]);
	status_fd = pfd[1];
	setsid();
}

static void interrupt_signal(int sig)
{
	(void)sig;
}

/* What ends a wait for the server (the pool's cancelled hook, any thread):
 * unmounting, and the process whose request it is being killed. */
static gint unmounting;       /* set once the FUSE loop is over */
static GMutex exit_lock;      /* guards exit_fuse */
static struct fuse *exit_fuse; /* while the FUSE loop runs */

/* /proc/PID/NAME's text (NULL: gone). */
static char *proc_file(pid_t pid, const char *name)
{
	char path[64];
	gchar *text = NULL;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return NULL;
	return text;
}

/* Whether process pid is being killed: SIGKILL pending (a fatal signal of
 * any kind is turned into one for each of its threads).  Only that: the
 * kernel interrupts a FUSE request for any signal, and a stop, ^Z or a
 * handled SIGALRM must not fail a read, as on an NFS hard mount. */
static bool being_killed(pid_t pid)
{
	char *text = proc_file(pid, "status");
	bool killed = false;
	static const char *const fields[] = { "\nSigPnd:", "\nShdPnd:" };
	for (size_t i = 0; text && i < G_N_ELEMENTS(fields) && !killed; i++) {
		const char *f = strstr(text, fields[i]);
		if (f)
			killed = g_ascii_strtoull(f + strlen(fields[i]), NULL, 16) &
				 (1ull << (SIGKILL - 1));
	}
	g_free(text);
	return killed;
}

/* Whether thread pid is exiting (PF_EXITING in /proc/PID/stat's flags,
 * field 9), by exit(2) or a signal: its files are being closed for it. */
static bool exiting(pid_t pid)
{
	char *text = proc_file(pid, "stat");
	bool ret = false;
	/* After the command's closing parenthesis: state, ppid, pgrp,
	 * session, tty_nr, tpgid, flags. */
	const char *p = text ? strrchr(text, ')') : NULL;
	if (p) {
		gchar **f = g_strsplit(p + 1, " ", 9);
		if (g_strv_length(f) >= 9)
			ret = g_ascii_strtoull(f[7], NULL, 10) & 0x4 /* PF_EXITING */;
		g_strfreev(f);
	}
	g_free(text);
	return ret;
}

/* The process whose FUSE request this thread serves (0: none, or not a
 * FUSE thread). */
static pid_t caller_pid(void)
{
	struct fuse_context *ctx = fuse_get_context();
	return ctx && ctx->pid > 0 ? ctx->pid : 0;
}

/* The write-behind waits' hook (wb_set_caller_state): what the request's
 * caller is doing. */
static enum wb_caller_state caller_state(void)
{
	pid_t pid = caller_pid();
	if (!pid)
		return WB_CALLER_WAITING;
	if (being_killed(pid))
		return WB_CALLER_KILLED;
	return exiting(pid) ? WB_CALLER_EXITING : WB_CALLER_WAITING;
}

static int wait_cancelled(void *arg)
{
	(void)arg;
	/* First: once unmounting, libfuse's context may be gone. */
	if (g_atomic_int_get(&unmounting))
		return -ESHUTDOWN;
	g_mutex_lock(&exit_lock);
	bool exited = exit_fuse && fuse_session_exited(fuse_get_session(exit_fuse));
	g_mutex_unlock(&exit_lock);
	if (exited)
		return -ESHUTDOWN;
	pid_t pid = caller_pid();
	return pid && being_killed(pid) ? -EINTR : 0;
}

/* From now on waits for the server end (ESHUTDOWN): the FUSE loop is over,
 * and the threads still waiting (change watch, relock, write-behind) must
 * be let go before what they use is freed. */
static void end_waits(void)
{
	g_atomic_int_set(&unmounting, 1);
	g_mutex_lock(&exit_lock);
	exit_fuse = NULL;
	g_mutex_unlock(&exit_lock);
}

static void detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (chdir("/") < 0)
		log_warn("chdir /: %s", g_strerror(errno));
	log_use_syslog();
}

/* The change watcher's callback. */
static void notify_changed(void *arg, const char *path, uint32_t action)
{
	fs_server_changed(arg, path, action);
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct smbfuse_opts opts = { 0 };
	struct smbfuse fs = { .opts = &opts };
	struct pool *pool = NULL;

	/* Reads and writes pass through buffers of 64 KiB to 2 MiB, allocated
	 * and freed at the rate of the transfer.  glibc would give each its own
	 * mmap, or hand freed memory back at once, so that every buffer comes
	 * as fresh pages to fault in and zero (a tenth of the daemon's time on
	 * a large read); the budgets of read-ahead and write-behind bound what
	 * is kept instead. */
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 8 << 20);
	mallopt(M_ARENA_MAX, 2);
	struct session *first = NULL;
	struct fuse *fuse = NULL;
	char *errmsg = NULL;
	char mountpoint[PATH_MAX];
	int ret, code = EXIT_MOUNT_FAILURE;

	log_init("smbfuse", false);
	if (argc >= 2 && !strcmp(argv[1], "--stats")) {
		if (argc != 3) {
			fprintf(stderr, "usage: %s --stats MOUNTPOINT\n", argv[0]);
			return EXIT_USAGE;
		}
		return stats_command(argv[2], STATS_TIMEOUT_S);
	}
	stats_init(&fs.stats);
	g_mutex_init(&fs.handles_lock);
	g_mutex_init(&fs.relock_lock);
	g_cond_init(&fs.relock_cond);
	g_mutex_init(&fs.inval_lock);
	g_mutex_init(&fs.modes_lock);
	fs.links = linknames_new();
	fs.handles = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					   (GDestroyNotify)g_ptr_array_unref);
	fs.pending_breaks = g_array_new(FALSE, FALSE, sizeof(struct pending_break));

	ret = opts_parse(&args, &opts, &errmsg);
	opts_scrub_argv(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "smbfuse: %s\n", errmsg);
		g_free(errmsg);
		code = EXIT_USAGE;
		goto out_free;
	}
	if (opts.show_version) {
		printf("smbfuse %s\n", PACKAGE_VERSION);
		fflush(stdout); /* fusermount3 writes its version straight to fd 1 */
		fuse_lowlevel_version();
		code = 0;
		goto out_free;
	}
	if (opts.show_help) {
		opts_print_help(argv[0]);
		fuse_lib_help(&args);
		code = 0;
		goto out_free;
	}
	log_init("smbfuse", opts.debug);
	if (!realpath(opts.mountpoint, mountpoint)) {
		fprintf(stderr, "smbfuse: mount point %s: %s\n", opts.mountpoint,
			g_strerror(errno));
		goto out_free;
	}

	const char *crypto_err = NULL;
	if (crypto_init(&crypto_err) < 0) {
		fprintf(stderr, "smbfuse: %s\n", crypto_err);
		goto out_free;
	}
	if (!opts.foreground)
		daemonize_early();

	char *fsopts = g_strdup_printf("-osubtype=smbfuse,fsname=%s", opts.unc);
	fuse_opt_add_arg(&args, fsopts);
	g_free(fsopts);

	/* Answering getxattr at all costs `ls -l` two daemon round trips per
	 * entry (it asks for security.selinux and POSIX ACLs); without it the
	 * kernel hears ENOSYS once and stops asking.  smbfuse --stats reads the
	 * counters; stats_xattr offers them as an attribute too. */
	struct fuse_operations ops = smbfuse_ops;
	if (!opts.stats_xattr) {
		ops.getxattr = NULL;
		ops.listxattr = NULL;
	}
	fuse = fuse_new(&args, &ops, sizeof(ops), &fs);
	if (!fuse) {
		report(EXIT_USAGE, "invalid FUSE options");
		code = EXIT_USAGE;
		goto out_free;
	}

	struct session_params sp;
	struct pool_config pc;
	opts_session_params(&opts, &sp);
	opts_pool_config(&opts, &pc);
	pc.cancelled = wait_cancelled;
	pc.cancel_arg = NULL;
	wb_set_caller_state(caller_state);
	pc.event_fn = fs_server_event;
	pc.event_arg = &fs;
	pc.reconnected = fs_pool_reconnected;
	pc.reconnected_arg = &fs;
	fs.cache_mode = opts_cache_mode(&opts);
	fs.cache = cache_new(fs.cache_mode == CACHE_NONE ? 0 : (int)(opts.actimeo * 1000));
	fs_relock_start(&fs);
	ret = pool_open(&sp, &pc, &pool, &errmsg);
	if (ret < 0) {
		report(EXIT_MOUNT_FAILURE, errmsg);
		g_free(errmsg);
		goto out_destroy;
	}
	fs.pool = pool;
	/* The first session lends its path syntax to the prefix and serves the
	 * checks below; every later call binds a live session of its own. */
	first = pool_any_ref(pool);
	fs.client = client_new(first, opts.subdir);
	fs.unix_ext = first->unix_ext;
	fs.client->open_cmd = opts_open_cmd(&opts);
	fs.client->want_oplock = fs.cache_mode != CACHE_NONE;
	fs.default_uid = getuid();
	fs.default_gid = getgid();

	if (opts.subdir) {
		struct smb_file_info fi;
		ret = client_getattr(fs.client, "/", &fi);
		if (ret < 0 || !(fi.is_dir || (fi.has_unix && fi.unix_type == UNIX_TYPE_DIR))) {
			errmsg = g_strdup_printf("%s: subdirectory %s: %s", opts.unc, opts.subdir,
						 ret < 0 ? g_strerror(-ret) : "not a directory");
			report(EXIT_MOUNT_FAILURE, errmsg);
			g_free(errmsg);
			goto out_destroy;
		}
	}

	if (fuse_mount(fuse, mountpoint) != 0) {
		errmsg = g_strdup_printf("cannot mount on %s", mountpoint);
		report(EXIT_MOUNT_FAILURE, errmsg);
		g_free(errmsg);
		goto out_destroy;
	}
	/* FUSE interrupts reach a worker as SIGUSR1 (fs_init sets intr); it
	 * must only wake a sleeping call, never end the process. */
	struct sigaction sa = { .sa_handler = interrupt_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	if (fuse_set_signal_handlers(fuse_get_session(fuse)) != 0) {
		report(EXIT_MOUNT_FAILURE, "cannot set signal handlers");
		goto out_unmount;
	}
	if (opts.foreground)
		log_info("mounted %s on %s (user %s%s, %u connections)", first->unc, mountpoint,
			 first->user, first->unix_ext ? ", UNIX extensions" : "", opts.conns);
	fs.client->session = NULL;
	session_unref(first);
	first = NULL;
	report(0, "mounted");
	if (!opts.foreground)
		detach_stdio();

	/* Change notification keeps the caches honest (cache=none has none). */
	fs.fuse = fuse;
	g_mutex_lock(&exit_lock);
	exit_fuse = fuse;
	g_mutex_unlock(&exit_lock);
	if (fs.cache_mode != CACHE_NONE && opts.actimeo > 0) {
		struct notify_config nc = { .pool = pool, .template = fs.client,
					    .on_change = notify_changed, .arg = &fs };
		fs.notify = notify_start(&nc);
	}

	if (opts.singlethread) {
		ret = fuse_loop(fuse);
	} else {
		struct fuse_loop_config lc = { .clone_fd = 0, .max_idle_threads = 16 };
		ret = fuse_loop_mt(fuse, &lc);
	}
	code = ret == 0 ? 0 : EXIT_MOUNT_FAILURE;
	end_waits();
	notify_stop(fs.notify);
	fs.notify = NULL;
	g_mutex_lock(&fs.inval_lock);
	fs.fuse = NULL; /* no more kernel invalidations from oplock breaks */
	g_mutex_unlock(&fs.inval_lock);
	fuse_remove_signal_handlers(fuse_get_session(fuse));
out_unmount:
	fuse_unmount(fuse);
out_destroy:
	end_waits();
	fs_relock_stop(&fs); /* it uses the client, the pool and libfuse */
	fuse_destroy(fuse);
	fs_release_all(&fs);
	session_unref(first);
	client_free(fs.client);
	pool_free(pool);
out_free:
	if (status_fd >= 0)
		report(code ? code : EXIT_MOUNT_FAILURE, "failed");
	opts_free(&opts);
	fuse_opt_free_args(&args);
	stats_clear(&fs.stats);
	g_hash_table_destroy(fs.handles);
	g_array_free(fs.pending_breaks, TRUE);
	g_mutex_clear(&fs.handles_lock);
	g_mutex_clear(&fs.relock_lock);
	g_cond_clear(&fs.relock_cond);
	cache_free(fs.cache);
	g_mutex_clear(&fs.inval_lock);
	g_mutex_clear(&fs.modes_lock);
	linknames_free(fs.links);

	return code;
}
