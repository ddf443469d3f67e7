/* The connection core against a scripted server on 127.0.0.1: every fate a
 * request can have (answered, lost, answered late while draining, unknown),
 * bounded credit waits, one garbled reply failing only its own request, and
 * server-initiated messages handled off the receiver thread; READ_ANDX
 * answers received straight into the reader's memory (conn_submit_read),
 * and what is not (too long, too short), and a server that stops in the
 * middle of one.
 *
 * The scripted server is a thread of this program: it accepts one
 * connection and runs one scene.  Every wait is bounded. */
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "check.h"
#include "conn.h"
#include "netbios.h"
#include "pool.h"

#define TIMEOUT_MS 300

enum scene {
	SCENE_ANSWER,       /* answer every request */
	SCENE_CLOSE,        /* read one request, close */
	SCENE_LATE,         /* read one request, answer after 1.6 timeouts */
	SCENE_SILENT,       /* read one request, say nothing for a while */
	SCENE_GARBLED,      /* two requests: garble the first answer */
	SCENE_EVENT,        /* after the first request, an oplock break; answer all */
	SCENE_ONE_SLOT,     /* never answer; the client has one credit */
	SCENE_READ,         /* answer each request with READ_LEN bytes of data */
	SCENE_READ_SMALL,   /* ... with 100 bytes */
	SCENE_READ_STALL,   /* send part of a READ_LEN answer, then nothing for a while */
	SCENE_REFUSE,       /* answer everything NT_STATUS_NETWORK_NAME_DELETED */
};

#define READ_LEN 8000

struct server {
	int listen_fd;
	uint16_t port;
	enum scene scene;
	GThread *thread;
	bool saw_eof_after_late; /* SCENE_LATE: our FIN arrived after the answer */
};

static int read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len) {
		ssize_t n = recv(fd, p, len, 0);
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads one request: its SMB header (32 bytes) in hdr; -1 at EOF. */
static int read_request(int fd, uint8_t hdr[SMB_HDR_LEN])
{
	uint8_t nb[4];
	if (read_full(fd, nb, 4) < 0)
		return -1;
	uint32_t len = (uint32_t)nb[1] << 16 | (uint32_t)nb[2] << 8 | nb[3];
	uint8_t *msg = g_malloc(len);
	int ret = read_full(fd, msg, len);
	if (ret == 0 && len >= SMB_HDR_LEN)
		memcpy(hdr, msg, SMB_HDR_LEN);
	g_free(msg);
	return ret == 0 && len >= SMB_HDR_LEN ? 0 : -1;
}

/* Sends a message: the header of `req` turned into a reply (or a request
 * of the server's own with `command`/`mid` when req is NULL), no words, no
 * bytes; `garble` claims one word that is not there. */
static void send_status(int fd, const uint8_t *req, uint8_t command, uint16_t mid, bool garble,
			uint32_t status)
{
	uint8_t buf[4 + SMB_HDR_LEN + 3];
	struct wr w;
	struct smb_hdr h = { .command = command, .mid = mid, .flags2 = SMB_FLAGS2_NT_STATUS,
			     .status = status };

	if (req) {
		h.command = req[4];
		h.mid = (uint16_t)(req[30] | req[31] << 8);
		h.flags = SMB_FLAGS_REPLY;
	}
	wr_init(&w, buf, sizeof(buf));
	wr_zero(&w, 4);
	w.origin = 4;
	smb_hdr_encode(&w, &h);
	wr_u8(&w, garble ? 1 : 0);
	wr_le16(&w, 0);
	netbios_encode_header(buf, NB_SESSION_MESSAGE, (uint32_t)(w.pos - 4));
	if (send(fd, buf, w.pos, MSG_NOSIGNAL) != (ssize_t)w.pos)
		fprintf(stderr, "scripted server: short send\n");
}

static void send_msg(int fd, const uint8_t *req, uint8_t command, uint16_t mid, bool garble)
{
	send_status(fd, req, command, mid, garble, 0);
}

/* The byte at i of the data answered to MID mid. */
static uint8_t pattern(uint16_t mid, uint32_t i)
{
	return (uint8_t)(i * 7 + mid);
}

/* Sends a READ_ANDX answer (MS-CIFS 2.2.4.42.2) to req with len bytes of
 * data after one pad byte; only the first `send_len` bytes of the frame go
 * out (a server that stops halfway). */
static void send_read(int fd, const uint8_t *req, uint32_t len, size_t send_len)
{
	size_t total = 4 + SMB_HDR_LEN + 1 + 24 + 2 + 1 + len;
	uint8_t *buf = g_malloc0(total);
	uint16_t mid = (uint16_t)(req[30] | req[31] << 8);
	struct smb_hdr h = { .command = SMB_COM_READ_ANDX, .mid = mid, .flags = SMB_FLAGS_REPLY,
			     .flags2 = SMB_FLAGS2_NT_STATUS };
	struct wr w;

	wr_init(&w, buf, total);
	wr_zero(&w, 4);
	w.origin = 4;
	smb_hdr_encode(&w, &h);
	wr_u8(&w, 12);
	wr_u8(&w, SMB_COM_NO_ANDX_COMMAND);
	wr_u8(&w, 0);
	wr_le16(&w, 0);      /* AndXOffset */
	wr_le16(&w, 0xFFFF); /* Available */
	wr_le16(&w, 0);      /* DataCompactionMode */
	wr_le16(&w, 0);      /* Reserved1 */
	wr_le16(&w, (uint16_t)len);
	wr_le16(&w, SMB_HDR_LEN + 1 + 24 + 2 + 1); /* DataOffset, after the pad */
	wr_le16(&w, (uint16_t)(len >> 16));
	wr_zero(&w, 8);
	wr_le16(&w, (uint16_t)(len + 1));
	wr_u8(&w, 0); /* pad */
	for (uint32_t i = 0; i < len; i++)
		wr_u8(&w, pattern(mid, i));
	netbios_encode_header(buf, NB_SESSION_MESSAGE, (uint32_t)(w.pos - 4));
	send_len = MIN(send_len, w.pos);
	if (send(fd, buf, send_len, MSG_NOSIGNAL) != (ssize_t)send_len)
		fprintf(stderr, "scripted server: short send\n");
	g_free(buf);
}

/* Waits (bounded) for the peer's EOF; true if it came. */
static bool wait_eof(int fd, int ms)
{
	uint8_t hdr[SMB_HDR_LEN];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	while (poll(&pfd, 1, ms) == 1)
		if (read_request(fd, hdr) < 0)
			return true;
	return false;
}

static gpointer server_main(gpointer data)
{
	struct server *sv = data;
	int fd = accept(sv->listen_fd, NULL, NULL);
	uint8_t hdr[SMB_HDR_LEN], hdr2[SMB_HDR_LEN];

	if (fd < 0)
		return NULL;
	switch (sv->scene) {
	case SCENE_ANSWER:
		while (read_request(fd, hdr) == 0)
			send_msg(fd, hdr, 0, 0, false);
		break;
	case SCENE_CLOSE:
		read_request(fd, hdr);
		break;
	case SCENE_LATE:
		if (read_request(fd, hdr) == 0) {
			g_usleep(TIMEOUT_MS * 1600);
			send_msg(fd, hdr, 0, 0, false);
			sv->saw_eof_after_late = wait_eof(fd, 2000);
		}
		break;
	case SCENE_SILENT:
		read_request(fd, hdr);
		g_usleep(TIMEOUT_MS * 4000);
		break;
	case SCENE_GARBLED:
		if (read_request(fd, hdr) == 0 && read_request(fd, hdr2) == 0) {
			send_msg(fd, hdr, 0, 0, true);
			send_msg(fd, hdr2, 0, 0, false);
		}
		while (read_request(fd, hdr) == 0)
			send_msg(fd, hdr, 0, 0, false);
		break;
	case SCENE_EVENT:
		/* MS-CIFS 2.2.4.32.1: an oplock break is a LOCKING_ANDX request
		 * from the server with MID 0xFFFF. */
		if (read_request(fd, hdr) == 0) {
			send_msg(fd, NULL, SMB_COM_LOCKING_ANDX, 0xFFFF, false);
			send_msg(fd, hdr, 0, 0, false);
		}
		while (read_request(fd, hdr) == 0)
			send_msg(fd, hdr, 0, 0, false);
		break;
	case SCENE_ONE_SLOT:
		wait_eof(fd, TIMEOUT_MS * 10);
		break;
	case SCENE_READ:
	case SCENE_READ_SMALL:
		while (read_request(fd, hdr) == 0)
			send_read(fd, hdr, sv->scene == SCENE_READ ? READ_LEN : 100, SIZE_MAX);
		break;
	case SCENE_REFUSE:
		while (read_request(fd, hdr) == 0)
			send_status(fd, hdr, 0, 0, false, NT_STATUS_NETWORK_NAME_DELETED);
		break;
	case SCENE_READ_STALL:
		/* ... and keeps the connection open, our FIN unread. */
		if (read_request(fd, hdr) == 0) {
			send_read(fd, hdr, READ_LEN, 3000);
			g_usleep(TIMEOUT_MS * 6000);
		}
		break;
	}
	close(fd);
	return NULL;
}

static struct conn *start(struct server *sv, enum scene scene, uint16_t max_mpx)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);

	memset(sv, 0, sizeof(*sv));
	sv->scene = scene;
	sv->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (sv->listen_fd < 0 || bind(sv->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(sv->listen_fd, 1) < 0 ||
	    getsockname(sv->listen_fd, (struct sockaddr *)&sa, &sl) < 0) {
		perror("scripted server");
		exit(99);
	}
	sv->port = ntohs(sa.sin_port);
	sv->thread = g_thread_new("scripted-server", server_main, sv);

	struct conn_params p = { .host = "127.0.0.1", .port = sv->port,
				 .connect_timeout_ms = 2000, .request_timeout_ms = TIMEOUT_MS };
	struct conn *c = NULL;
	char *errmsg = NULL;
	if (conn_open(&p, &c, &errmsg) < 0) {
		fprintf(stderr, "conn_open: %s\n", errmsg);
		exit(99);
	}
	conn_set_limits(c, max_mpx, 65536);
	conn_set_established(c);
	return c;
}

static void finish(struct server *sv, struct conn *c)
{
	conn_unref(c);
	g_thread_join(sv->thread);
	close(sv->listen_fd);
}

static struct conn_req *submit_echo(struct conn *c, int *err)
{
	uint8_t buf[128];
	struct wr w;
	conn_msg_begin(c, &w, buf, sizeof(buf), SMB_COM_ECHO, 0, 0);
	smb_echo_encode(&w, 1, "ping", 4);
	return conn_submit(c, &w, err);
}

/* One echo, its result, and the ledger it leaves. */
static int echo(struct conn *c, bool settle, struct conn_ledger *l)
{
	struct smb_reply reply = { 0 };
	int err = 0;
	conn_ledger_begin(l, settle);
	struct conn_req *req = submit_echo(c, &err);
	if (req)
		err = conn_wait(req, &reply);
	conn_ledger_end();
	smb_reply_clear(&reply);
	return err;
}

static void test_answered(void)
{
	struct server sv;
	struct conn_ledger l;
	struct conn *c = start(&sv, SCENE_ANSWER, 4);
	CHECK_INT(echo(c, false, &l), 0);
	CHECK_INT(l.sent, 1);
	CHECK_INT(l.failed, 0);
	CHECK_INT(conn_ledger_fate(&l), CONN_FATE_ANSWERED);
	CHECK(conn_alive(c));
	finish(&sv, c);
}

static void test_lost(void)
{
	struct server sv;
	struct conn_ledger l;
	struct conn *c = start(&sv, SCENE_CLOSE, 4);
	CHECK(echo(c, true, &l) < 0);
	CHECK_INT(conn_ledger_fate(&l), CONN_FATE_LOST);
	CHECK(!conn_alive(c));
	/* Nothing goes out on it any more: not sent, and counted as a
	 * failure, so that the attempt is made again (on another connection)
	 * instead of its errno being taken for the server's answer. */
	CHECK(echo(c, true, &l) < 0);
	CHECK_INT(conn_ledger_fate(&l), CONN_FATE_NOT_SENT);
	CHECK_INT(l.sent, 0);
	CHECK_INT(l.failed, 1);
	CHECK_INT(pool_retry_decision(POOL_OP_ONCE, &l, 0), POOL_RETRY_YES);
	finish(&sv, c);
}

/* A server that no longer knows our tree (close-share) refuses what needs
 * it: the request did not run (not sent, for the ledger, and counted as
 * refused for the pool), the connection is given up, and a watch (a
 * long-lived request) refused so is completed once.  An ECHO needs no
 * tree: its answer is the server's. */
static void test_refused(void)
{
	struct server sv;
	struct conn_ledger l;
	struct smb_reply reply = { 0 };
	struct conn *c = start(&sv, SCENE_REFUSE, 4);
	CHECK_INT(echo(c, true, &l), 0);
	CHECK_INT(conn_ledger_fate(&l), CONN_FATE_ANSWERED);
	CHECK(conn_alive(c));

	uint8_t buf[128];
	struct wr w;
	int err = 0;
	conn_ledger_begin(&l, true);
	conn_msg_begin(c, &w, buf, sizeof(buf), SMB_COM_NT_TRANSACT, 0, 0);
	wr_u8(&w, 0);
	wr_le16(&w, 0);
	struct conn_req *req = conn_submit_long(c, &w, &err);
	CHECK(req != NULL);
	if (req)
		err = conn_wait(req, &reply);
	conn_ledger_end();
	CHECK_INT(err, -ECONNRESET);
	CHECK_INT(l.sent, 0);
	CHECK_INT(l.failed, 1);
	CHECK_INT(l.refused, 1);
	CHECK_INT(conn_ledger_fate(&l), CONN_FATE_NOT_SENT);
	CHECK_INT(pool_retry_decision(POOL_OP_ONCE, &l, 0), POOL_RETRY_YES);
	CHECK_INT(conn_in_flight(c), 0);
	CHECK(!conn_alive(c));
	smb_reply_clear(&reply);
	finish(&sv, c);
}

static void test_late_answer(void)
{
	struct server sv;
	struct conn_ledger l;
	struct conn_stats st;
	struct conn *c = start(&sv, SCENE_LATE, 4);
	/* settle: the answer that comes after the timeout is taken */
	CHECK_INT(echo(c, true, &l), 0);
	CHECK_INT(conn_ledger_fate(&l), CONN_FATE_ANSWERED);
	CHECK(!conn_alive(c)); /* out of service all the same */
	conn_get_stats(c, &st);
	CHECK_INT(st.late_answers, 1);
	finish(&sv, c);
	CHECK(sv.saw_eof_after_late); /* we sent FIN when abandoning */
}

/* Requests are counted by command, and TRANSACTION2 by subcommand (the
 * first setup word), whatever their answer. */
static void test_counts_by_command(void)
{
	struct server sv;
	struct conn_ledger l;
	struct conn_stats st;
	struct conn *c = start(&sv, SCENE_ANSWER, 4);
	uint8_t buf[256], params[12] = { 0 };
	struct smb_reply reply = { 0 };
	struct wr w;
	struct smb_trans2_req t2 = { .subcommand = TRANS2_FIND_NEXT2, .params = params,
				     .param_len = sizeof(params), .max_param_count = 8,
				     .max_data_count = 0xFFFF };

	CHECK_INT(echo(c, false, &l), 0);
	CHECK_INT(echo(c, false, &l), 0);
	conn_msg_begin(c, &w, buf, sizeof(buf), SMB_COM_TRANSACTION2, 0, 0);
	CHECK_INT(smb_trans2_encode(&w, &t2), 0);
	conn_call(c, &w, &reply); /* the scripted answer is no TRANS2 reply */
	smb_reply_clear(&reply);
	conn_get_stats(c, &st);
	CHECK_INT(st.requests, 3);
	CHECK_INT(st.by_command[SMB_COM_ECHO], 2);
	CHECK_INT(st.by_command[SMB_COM_TRANSACTION2], 1);
	CHECK_INT(st.by_trans2[TRANS2_FIND_NEXT2], 1);
	CHECK_INT(st.by_trans2[TRANS2_FIND_FIRST2], 0);
	finish(&sv, c);
}

static void test_unknown(void)
{
	struct server sv;
	struct conn_ledger l;
	struct conn *c = start(&sv, SCENE_SILENT, 4);
	gint64 t0 = g_get_monotonic_time();
	CHECK_INT(echo(c, true, &l), -ETIMEDOUT);
	gint64 ms = (g_get_monotonic_time() - t0) / 1000;
	CHECK_INT(conn_ledger_fate(&l), CONN_FATE_UNKNOWN);
	CHECK(ms >= 2 * TIMEOUT_MS - 50 && ms < 6 * TIMEOUT_MS); /* timeout + drain */
	finish(&sv, c);

	/* A read does not wait for the drain. */
	c = start(&sv, SCENE_SILENT, 4);
	t0 = g_get_monotonic_time();
	CHECK_INT(echo(c, false, &l), -ETIMEDOUT);
	ms = (g_get_monotonic_time() - t0) / 1000;
	CHECK_INT(conn_ledger_fate(&l), CONN_FATE_UNKNOWN);
	CHECK(ms < 2 * TIMEOUT_MS);
	finish(&sv, c);
}

static void test_garbled(void)
{
	struct server sv;
	struct smb_reply r1 = { 0 }, r2 = { 0 };
	int e1 = 0, e2 = 0;
	struct conn *c = start(&sv, SCENE_GARBLED, 4);
	struct conn_req *q1 = submit_echo(c, &e1);
	struct conn_req *q2 = submit_echo(c, &e2);
	CHECK(q1 && q2);
	if (q1)
		e1 = conn_wait(q1, &r1);
	if (q2)
		e2 = conn_wait(q2, &r2);
	CHECK_INT(e1, -EIO);
	CHECK_INT(e2, 0);
	CHECK(conn_alive(c));
	smb_reply_clear(&r1);
	smb_reply_clear(&r2);
	finish(&sv, c);
}

struct event_seen {
	GMutex lock;
	GCond cond;
	struct conn *c;
	GThread *thread;
	uint8_t command;
	uint16_t mid;
	int echo_result;
	bool done;
};

static void on_event(void *arg, struct conn *c, const struct smb_msg *msg)
{
	(void)c;
	struct event_seen *ev = arg;
	struct conn_ledger l;
	/* A handler may send requests and wait for them. */
	int ret = echo(ev->c, false, &l);
	g_mutex_lock(&ev->lock);
	ev->thread = g_thread_self();
	ev->command = msg->hdr.command;
	ev->mid = msg->hdr.mid;
	ev->echo_result = ret;
	ev->done = true;
	g_cond_signal(&ev->cond);
	g_mutex_unlock(&ev->lock);
}

static void test_server_event(void)
{
	struct server sv;
	struct event_seen ev = { .echo_result = 1 };
	g_mutex_init(&ev.lock);
	g_cond_init(&ev.cond);
	struct conn *c = start(&sv, SCENE_EVENT, 4);
	ev.c = c;
	conn_set_event_handler(c, on_event, &ev);
	struct conn_ledger l;
	CHECK_INT(echo(c, false, &l), 0); /* the server breaks after this one */
	gint64 until = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
	g_mutex_lock(&ev.lock);
	while (!ev.done && g_cond_wait_until(&ev.cond, &ev.lock, until))
		;
	bool done = ev.done;
	g_mutex_unlock(&ev.lock);
	finish(&sv, c);
	CHECK(done);
	if (!done)
		return;
	CHECK_INT(ev.command, SMB_COM_LOCKING_ANDX);
	CHECK_INT(ev.mid, 0xFFFF);
	CHECK_INT(ev.echo_result, 0);
	CHECK(ev.thread != g_thread_self());
	g_mutex_clear(&ev.lock);
	g_cond_clear(&ev.cond);
}

struct second_submit {
	struct conn *c;
	int err;
	gint64 ms;
	bool sent;
};

static gpointer second_main(gpointer data)
{
	struct second_submit *s = data;
	gint64 t0 = g_get_monotonic_time();
	struct conn_req *req = submit_echo(s->c, &s->err);
	s->sent = req != NULL;
	if (req) {
		struct smb_reply r = { 0 };
		s->err = conn_wait(req, &r);
		smb_reply_clear(&r);
	}
	s->ms = (g_get_monotonic_time() - t0) / 1000;
	return NULL;
}

static void test_credit_bound(void)
{
	struct server sv;
	struct conn_ledger l;
	struct conn *c = start(&sv, SCENE_ONE_SLOT, 1);
	struct second_submit s = { .c = c };
	int err = 0;
	/* The first request takes the only credit and is never answered; the
	 * second waits for a credit at most the request timeout. */
	conn_ledger_begin(&l, false);
	struct conn_req *req = submit_echo(c, &err);
	conn_ledger_end();
	CHECK(req != NULL);
	GThread *t = g_thread_new("second", second_main, &s);
	g_thread_join(t);
	CHECK(!s.sent);
	CHECK_INT(s.err, -ETIMEDOUT); /* why it went, not ENOTCONN */
	CHECK(s.ms < 4 * TIMEOUT_MS);
	if (req) {
		struct smb_reply r = { 0 };
		CHECK(conn_wait(req, &r) < 0);
		smb_reply_clear(&r);
	}
	finish(&sv, c);
}

static struct conn_req *submit_read(struct conn *c, const struct iovec *sink, int n, int *err)
{
	uint8_t buf[128];
	struct wr w;
	conn_msg_begin(c, &w, buf, sizeof(buf), SMB_COM_READ_ANDX, 0, 0);
	smb_read_andx_encode(&w, 1, 0, READ_LEN);
	return conn_submit_read(c, &w, sink, n, err);
}

/* The data of an answer in the sink's two parts, in order; the frame
 * holds the rest; the bytes after the data are untouched. */
static void test_read_sink(void)
{
	struct server sv;
	struct conn *c = start(&sv, SCENE_READ, 4);
	uint8_t a[3000], b[6000];
	struct iovec sink[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	int err = 0;

	memset(a, 0xEE, sizeof(a));
	memset(b, 0xEE, sizeof(b));
	struct conn_req *req = submit_read(c, sink, 2, &err);
	CHECK(req != NULL);
	struct smb_reply reply = { 0 };
	CHECK_INT(conn_wait(req, &reply), 0);
	CHECK_INT((int)reply.sunk, READ_LEN);
	struct smb_read_andx_rep rep;
	CHECK_INT(smb_read_andx_decode(&reply.msg, &rep), 0);
	CHECK_INT((int)rep.data_len, READ_LEN);
	uint16_t mid = reply.msg.hdr.mid;
	bool same = true;
	for (uint32_t i = 0; i < READ_LEN; i++)
		same &= (i < sizeof(a) ? a[i] : b[i - sizeof(a)]) == pattern(mid, i);
	CHECK(same);
	CHECK(b[READ_LEN - sizeof(a)] == 0xEE && b[sizeof(b) - 1] == 0xEE);
	smb_reply_clear(&reply);

	/* Longer than the sink: a whole frame, for the caller to refuse. */
	struct iovec small = { a, 4096 };
	req = submit_read(c, &small, 1, &err);
	CHECK(req != NULL);
	CHECK_INT(conn_wait(req, &reply), 0);
	CHECK_INT((int)reply.sunk, 0);
	CHECK_INT(smb_read_andx_decode(&reply.msg, &rep), 0);
	CHECK_INT((int)rep.data_len, READ_LEN);
	CHECK(rep.data[0] == pattern(reply.msg.hdr.mid, 0));
	smb_reply_clear(&reply);
	finish(&sv, c);

	/* A short frame is read whole. */
	c = start(&sv, SCENE_READ_SMALL, 4);
	req = submit_read(c, sink, 2, &err);
	CHECK(req != NULL);
	CHECK_INT(conn_wait(req, &reply), 0);
	CHECK_INT((int)reply.sunk, 0);
	CHECK_INT(smb_read_andx_decode(&reply.msg, &rep), 0);
	CHECK_INT((int)rep.data_len, 100);
	smb_reply_clear(&reply);
	finish(&sv, c);
}

/* A server that stops in the middle of the data: the waiter gets an
 * error within the timeouts and only once the receiver has let go of its
 * memory (freed right after: a sanitizer build sees any late write). */
static void test_read_stall(void)
{
	struct server sv;
	struct conn *c = start(&sv, SCENE_READ_STALL, 4);
	uint8_t *mem = g_malloc(READ_LEN);
	struct iovec sink = { mem, READ_LEN };
	int err = 0;

	struct conn_req *req = submit_read(c, &sink, 1, &err);
	CHECK(req != NULL);
	struct smb_reply reply = { 0 };
	gint64 t0 = g_get_monotonic_time();
	int ret = conn_wait(req, &reply);
	gint64 took_ms = (g_get_monotonic_time() - t0) / 1000;
	g_free(mem);
	CHECK(ret < 0);
	CHECK(took_ms < TIMEOUT_MS * 5);
	CHECK(!conn_alive(c));
	finish(&sv, c);
}

int main(void)
{
	test_answered();
	test_lost();
	test_refused();
	test_late_answer();
	test_counts_by_command();
	test_unknown();
	test_garbled();
	test_server_event();
	test_credit_bound();
	test_read_sink();
	test_read_stall();
	CHECK_DONE();
}
