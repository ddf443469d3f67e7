/*
 * contrib/delayproxy.c - a loopback TCP proxy that adds round-trip time
 * without limiting bandwidth (netem is not available everywhere).
 *
 *     cc -O2 -Wall -pthread -o delayproxy contrib/delayproxy.c
 *     delayproxy LISTEN_PORT TARGET_PORT RTT_MS
 *
 * Listens on 127.0.0.1:LISTEN_PORT (0 = any free port; the port is then
 * printed as "port N" before "ready"), connects every accepted client to
 * 127.0.0.1:TARGET_PORT, and delivers every byte RTT_MS/2 after it arrived,
 * in each direction, so a request/reply exchange takes RTT_MS longer.
 * Prints "ready" on stdout once it accepts connections; SIGTERM ends it.
 * RTT_MS 0 forwards through the same code with no delay.
 *
 * Why it does not throttle: per direction a reader thread reads whatever
 * arrives (up to CHUNK bytes at a time), stamps it with its due time and
 * queues it, never waiting for the writer; a writer thread sleeps until the
 * oldest chunk is due and then writes every chunk that is due.  The
 * bandwidth-delay product lives in the queue (bounded by QUEUE_MAX so a peer
 * that stops reading pushes back on the sender through TCP), not in a
 * per-chunk sleep that would serialise the stream.
 *
 * End of stream: a FIN is passed on (shutdown SHUT_WR) once the bytes before
 * it have been delivered; a reset or a write error closes both sides of the
 * connection at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (256 * 1024)
#define QUEUE_MAX (64u * 1024 * 1024)
#define SOCKBUF (4 * 1024 * 1024)
#define IOV_MAX_BATCH 64

struct chunk {
	struct chunk *next;
	struct timespec due;
	size_t len;              /* 0 = end of stream (FIN) */
	unsigned char data[];
};

struct conn;

struct dir {                     /* one direction: bytes from src to dst */
	struct conn *c;
	int src, dst;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk *head, *tail;
	size_t queued;
	int dead;                /* the direction failed: drop everything */
};

struct conn {
	struct dir d[2];
	int fd[2];
	pthread_mutex_t mu;
	int refs;                /* threads still running */
};

static long delay_ns;

static void ts_add_ns(struct timespec *t, long ns)
{
	t->tv_nsec += ns % 1000000000L;
	t->tv_sec += ns / 1000000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
}

static void tune(int fd)
{
	int one = 1, sz = SOCKBUF;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* FORCE variants exceed rmem_max when we may (root); otherwise keep
	 * the kernel's autotuning, which a plain SO_RCVBUF would turn off. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
}

static void conn_put(struct conn *c)
{
	int last;
	struct chunk *k;

	pthread_mutex_lock(&c->mu);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->mu);
	if (!last)
		return;
	for (int i = 0; i < 2; i++) {
		while ((k = c->d[i].head)) {
			c->d[i].head = k->next;
			free(k);
		}
		pthread_mutex_destroy(&c->d[i].mu);
		pthread_cond_destroy(&c->d[i].cv);
		close(c->fd[i]);
	}
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* Both directions die: wake every thread of the connection, unblock reads. */
static void conn_kill(struct conn *c)
{
	for (int i = 0; i < 2; i++) {
		struct dir *d = &c->d[i];

		pthread_mutex_lock(&d->mu);
		d->dead = 1;
		pthread_cond_broadcast(&d->cv);
		pthread_mutex_unlock(&d->mu);
		shutdown(c->fd[i], SHUT_RDWR);
	}
}

static void enqueue(struct dir *d, struct chunk *k)
{
	k->next = NULL;
	clock_gettime(CLOCK_MONOTONIC, &k->due);
	ts_add_ns(&k->due, delay_ns);
	pthread_mutex_lock(&d->mu);
	while (!d->dead && d->queued >= QUEUE_MAX)
		pthread_cond_wait(&d->cv, &d->mu);
	if (d->dead) {
		pthread_mutex_unlock(&d->mu);
		free(k);
		return;
	}
	if (d->tail)
		d->tail->next = k;
	else
		d->head = k;
	d->tail = k;
	d->queued += k->len;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

static void *reader(void *arg)
{
	struct dir *d = arg;
	unsigned char *buf = malloc(CHUNK);
	int eof = 0;

	while (buf && !eof) {
		ssize_t n = read(d->src, buf, CHUNK);
		struct chunk *k;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			conn_kill(d->c);
			break;
		}
		eof = n == 0;
		k = malloc(sizeof(*k) + (size_t)n);
		if (!k) {
			conn_kill(d->c);
			break;
		}
		k->len = (size_t)n;
		memcpy(k->data, buf, (size_t)n);
		enqueue(d, k);
	}
	if (!buf)
		conn_kill(d->c);
	free(buf);
	conn_put(d->c);
	return NULL;
}

static int write_all(int fd, struct iovec *iov, int cnt)
{
	while (cnt > 0) {
		ssize_t n = writev(fd, iov, cnt);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		while (cnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

static int due(const struct timespec *t, const struct timespec *now)
{
	return t->tv_sec < now->tv_sec ||
	       (t->tv_sec == now->tv_sec && t->tv_nsec <= now->tv_nsec);
}

static void *writer(void *arg)
{
	struct dir *d = arg;

	for (;;) {
		struct chunk *batch[IOV_MAX_BATCH];
		struct iovec iov[IOV_MAX_BATCH];
		struct timespec now, when;
		int cnt = 0, fin = 0, rc = 0;
		size_t bytes = 0;

		pthread_mutex_lock(&d->mu);
		while (!d->dead && !d->head)
			pthread_cond_wait(&d->cv, &d->mu);
		if (d->dead) {
			pthread_mutex_unlock(&d->mu);
			break;
		}
		when = d->head->due;
		pthread_mutex_unlock(&d->mu);

		/* Only this thread removes chunks, so the head stays put. */
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &when, NULL) == EINTR)
			;
		clock_gettime(CLOCK_MONOTONIC, &now);

		pthread_mutex_lock(&d->mu);
		while (d->head && cnt < IOV_MAX_BATCH && due(&d->head->due, &now)) {
			struct chunk *k = d->head;

			d->head = k->next;
			if (!d->head)
				d->tail = NULL;
			if (k->len == 0) {
				fin = 1;
				free(k);
				break;
			}
			batch[cnt] = k;
			iov[cnt].iov_base = k->data;
			iov[cnt].iov_len = k->len;
			bytes += k->len;
			cnt++;
		}
		pthread_mutex_unlock(&d->mu);

		if (cnt)
			rc = write_all(d->dst, iov, cnt);
		for (int i = 0; i < cnt; i++)
			free(batch[i]);
		pthread_mutex_lock(&d->mu);
		d->queued -= bytes;
		pthread_cond_broadcast(&d->cv);
		pthread_mutex_unlock(&d->mu);
		if (rc) {
			conn_kill(d->c);
			break;
		}
		if (fin) {
			shutdown(d->dst, SHUT_WR);
			break;
		}
	}
	conn_put(d->c);
	return NULL;
}

static int connect_target(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	tune(fd);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void start(int cfd, int target_port)
{
	pthread_attr_t at;
	struct conn *c;
	int sfd = connect_target(target_port);

	if (sfd < 0) {
		fprintf(stderr, "delayproxy: connect to %d: %s\n", target_port, strerror(errno));
		close(cfd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(cfd);
		close(sfd);
		return;
	}
	tune(cfd);
	c->fd[0] = cfd;
	c->fd[1] = sfd;
	c->refs = 4;
	pthread_mutex_init(&c->mu, NULL);
	for (int i = 0; i < 2; i++) {
		c->d[i].c = c;
		c->d[i].src = c->fd[i];
		c->d[i].dst = c->fd[1 - i];
		pthread_mutex_init(&c->d[i].mu, NULL);
		pthread_cond_init(&c->d[i].cv, NULL);
	}
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 256 * 1024);
	for (int i = 0; i < 2; i++) {
		pthread_t t;

		/* A thread that cannot start still drops its reference. */
		if (pthread_create(&t, &at, reader, &c->d[i])) {
			conn_kill(c);
			conn_put(c);
		}
		if (pthread_create(&t, &at, writer, &c->d[i])) {
			conn_kill(c);
			conn_put(c);
		}
	}
	pthread_attr_destroy(&at);
}

static int parse_int(const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	long lport, tport, rtt;
	int one = 1, lfd;

	if (argc != 4 || parse_int(argv[1], 65535, &lport) ||
	    parse_int(argv[2], 65535, &tport) || tport == 0 ||
	    parse_int(argv[3], 600000, &rtt)) {
		fprintf(stderr, "usage: delayproxy LISTEN_PORT TARGET_PORT RTT_MS\n");
		return 2;
	}
	delay_ns = rtt * 1000000L / 2;
	signal(SIGPIPE, SIG_IGN);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0) {
		perror("delayproxy: socket");
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)lport);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 128) < 0) {
		perror("delayproxy: listen");
		return 1;
	}
	if (lport == 0 && getsockname(lfd, (struct sockaddr *)&a, &alen) == 0)
		printf("port %d\n", ntohs(a.sin_port));
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE ||
			    errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				if (errno != EINTR && errno != ECONNABORTED)
					usleep(10000);
				continue;
			}
			perror("delayproxy: accept");
			return 1;
		}
		start(cfd, (int)tport);
	}
}
