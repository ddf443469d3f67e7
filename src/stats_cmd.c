/* `smbfuse --stats MOUNTPOINT` (stats_ioctl.h).
 *
 * A FUSE request the daemon has taken cannot be abandoned: the caller
 * waits for it even through SIGKILL.  So a child process asks, with its
 * stdio on /dev/null, and hands the report over a pipe; the parent waits a
 * bounded time and, if nothing comes, says so and exits, leaving the child
 * to finish whenever the mount answers or goes away.  A command
 * substitution around us then returns too: nothing but the parent holds
 * its pipe. */
#include "stats_ioctl.h"

#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum stage {
	STAGE_OPEN = 1,
	STAGE_NOT_MOUNT,
	STAGE_IOCTL,
	STAGE_NOT_OURS,
	STAGE_CHANGING,
};

static void write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

/* The whole report; a report that changes length between pages (the
 * counters moved on) is read again, a few times at most. */
static int read_report(int fd, GString *out, int *err)
{
	struct smbfuse_stats_ioc *io = g_new0(struct smbfuse_stats_ioc, 1);
	int stage = STAGE_CHANGING;

	for (int attempt = 0; attempt < 5 && stage == STAGE_CHANGING; attempt++) {
		uint32_t total = 0;
		g_string_truncate(out, 0);
		stage = 0;
		do {
			memset(io, 0, sizeof(*io));
			io->offset = (uint32_t)out->len;
			if (ioctl(fd, SMBFUSE_IOC_STATS, io) < 0) {
				*err = errno;
				stage = STAGE_IOCTL;
				break;
			}
			if (io->magic != SMBFUSE_STATS_MAGIC || io->len > sizeof(io->text) ||
			    (!io->len && io->offset < io->total)) {
				stage = STAGE_NOT_OURS;
				break;
			}
			if (out->len && io->total != total) {
				stage = STAGE_CHANGING;
				break;
			}
			total = io->total;
			g_string_append_len(out, io->text, io->len);
		} while (out->len < total);
	}
	g_free(io);
	return stage;
}

/* Whether the topmost mount on path (canonical) is an smbfuse one, from
 * /proc/self/mountinfo (proc(5)): asks nothing of any filesystem, where
 * statfs would cost the mount a server round trip. */
static bool is_smbfuse_mount(const char *path)
{
	char *text = NULL;
	bool ours = false;

	if (!g_file_get_contents("/proc/self/mountinfo", &text, NULL, NULL))
		return false;
	gchar **lines = g_strsplit(text, "\n", -1);
	for (gchar **l = lines; *l; l++) {
		gchar **f = g_strsplit(*l, " ", -1);
		guint n = g_strv_length(f), dash = 6;
		while (dash < n && strcmp(f[dash], "-") != 0)
			dash++;
		if (dash + 1 < n) {
			/* mountinfo escapes space, tab, newline and backslash
			 * as \ooo, which g_strcompress decodes. */
			gchar *point = g_strcompress(f[4]);
			if (strcmp(point, path) == 0) /* a later line is mounted on top */
				ours = strcmp(f[dash + 1], "fuse.smbfuse") == 0;
			g_free(point);
		}
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_free(text);
	return ours;
}

/* The child: asks, and writes "0\n" and the report, or "STAGE ERRNO\n". */
static void child(const char *mountpoint, int pipe_fd)
{
	GString *out = g_string_new("");
	int stage = 0, err = 0;

	int null_fd = open("/dev/null", O_RDWR);
	if (null_fd >= 0) {
		dup2(null_fd, STDIN_FILENO);
		dup2(null_fd, STDOUT_FILENO);
		dup2(null_fd, STDERR_FILENO);
	}
	char *path = realpath(mountpoint, NULL);
	int fd = -1;
	if (!path) {
		stage = STAGE_OPEN;
		err = errno;
	} else if (!is_smbfuse_mount(path)) {
		/* Our ioctl number means nothing elsewhere: never send it. */
		stage = STAGE_NOT_MOUNT;
	} else if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
					    SMBFUSE_STATS_OPEN_FLAG)) < 0) {
		stage = STAGE_OPEN;
		err = errno;
	} else {
		stage = read_report(fd, out, &err);
	}
	free(path);
	char *head = g_strdup_printf("%d %d\n", stage, err);
	write_all(pipe_fd, head, strlen(head));
	if (!stage)
		write_all(pipe_fd, out->str, out->len);
	g_free(head);
	g_string_free(out, TRUE);
	_exit(0);
}

static void explain(const char *mnt, int stage, int err)
{
	switch (stage) {
	case STAGE_OPEN:
		if (err == ENOTCONN)
			fprintf(stderr,
				"smbfuse: %s: %s (its smbfuse process is gone; unmount it with "
				"fusermount3 -u)\n",
				mnt, g_strerror(err));
		else if (err == EACCES)
			fprintf(stderr,
				"smbfuse: %s: %s (only the mount's owner can read its "
				"statistics)\n",
				mnt, g_strerror(err));
		else
			fprintf(stderr, "smbfuse: %s: %s\n", mnt, g_strerror(err));
		break;
	case STAGE_IOCTL:
		if (err != ENOTTY && err != ENOSYS && err != EINVAL && err != EOPNOTSUPP &&
		    err != EPERM) {
			fprintf(stderr, "smbfuse: %s: reading the statistics: %s\n", mnt,
				g_strerror(err));
			break;
		}
		/* a FUSE filesystem that is not ours, or not its root */
		__attribute__((fallthrough));
	case STAGE_NOT_MOUNT:
	case STAGE_NOT_OURS:
		fprintf(stderr, "smbfuse: %s is not the mount point of an smbfuse mount\n", mnt);
		break;
	default:
		fprintf(stderr, "smbfuse: %s: the statistics kept changing size while read\n",
			mnt);
	}
}

int stats_command(const char *mountpoint, int timeout_s)
{
	int pfd[2];
	int ret = 1;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		fprintf(stderr, "smbfuse: pipe: %s\n", g_strerror(errno));
		return 1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "smbfuse: fork: %s\n", g_strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return 1;
	}
	if (pid == 0) {
		close(pfd[0]);
		child(mountpoint, pfd[1]);
	}
	close(pfd[1]);

	GString *buf = g_string_new("");
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
	bool eof = false;
	while (!eof) {
		gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		if (left_ms <= 0)
			break;
		int n = poll(&p, 1, (int)MIN(left_ms, 1000));
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0)
			continue;
		char chunk[4096];
		ssize_t got = read(pfd[0], chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got == 0)
			eof = true;
		if (got <= 0)
			break;
		g_string_append_len(buf, chunk, got);
	}
	close(pfd[0]);

	int stage = -1, err = 0;
	char *nl = strchr(buf->str, '\n');
	if (!eof) {
		fprintf(stderr, "smbfuse: %s: no answer from the mount within %d s\n", mountpoint,
			timeout_s);
		kill(pid, SIGKILL); /* ends it unless a FUSE request holds it */
	} else if (!nl || sscanf(buf->str, "%d %d", &stage, &err) != 2) {
		fprintf(stderr, "smbfuse: %s: the statistics reader failed\n", mountpoint);
	} else if (stage) {
		explain(mountpoint, stage, err);
	} else {
		fwrite(nl + 1, 1, buf->len - (size_t)(nl + 1 - buf->str), stdout);
		ret = fflush(stdout) == 0 ? 0 : 1;
	}
	if (eof)
		waitpid(pid, NULL, 0);
	g_string_free(buf, TRUE);
	return ret;
}
