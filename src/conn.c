/* One SMB connection: socket, MID table, receiver thread, event thread.
 * See conn.h for the request life cycle, fates and locking rules.
 *
 * Invariants (under c->lock):
 *  - a request is in `pending` exactly while it holds a credit and has not
 *    completed; whoever removes it from `pending` releases the credit and
 *    completes it (wakes its waiter, or frees it if nobody waits any more);
 *  - `abandoned` and `dead` never go back to false; once `dead` is set,
 *    `pending` is empty;
 *  - only requests with a waiter are counted in `waiting` (for conn_unref's
 *    sanity check); orphans are freed by whoever completes them.
 */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "netbios.h"
#include "ntstatus.h"
#include "signing.h"
#include "tsan_glib.h"

#define DEFAULT_MAX_MSG (64 * 1024)
#define MAX_RETARGETS 3
/* NT_TRANSACT replies (MS-CIFS 2.2.4.62.2) carry 32-bit totals; nothing we
 * ask for comes near this, so more is a hostile or broken server. */
#define MAX_NTTRANS_TOTAL (16u * 1024 * 1024)
/* Frames at least this long are looked at before they are read: a READ_ANDX
 * answer's data then goes straight to the reader's memory, the copy out of
 * the frame saved.  Shorter ones are read whole in one go. */
#define SINK_MIN_FRAME 4096

struct conn_req {
	struct conn *conn;
	uint16_t mid;
	uint8_t command;
	bool long_lived; /* no reply timeout; not "busy" for keepalives */
	bool settle;     /* on timeout, wait for the drain (ledger's choice) */
	bool orphan;     /* the waiter gave up: free on completion */
	bool refused;    /* the server no longer knew its session or tree */
	/* The attempt that sent it (thread_ledger then): only that one's
	 * tally is corrected for a request refused unrun. */
	struct conn_ledger *ledger;
	uint32_t seq;    /* signing sequence number of the request */
	GCond cond;
	bool done;
	int err;
	enum conn_fate fate; /* when err < 0 */
	struct smb_reply reply;
	/* conn_submit_read: where a READ_ANDX answer's data goes (the caller's
	 * memory, alive until conn_wait returns), and whether the receiver is
	 * writing there now (the waiter must not return meanwhile). */
	const struct iovec *sink;
	int sink_n;
	size_t sink_cap;
	bool sinking;
};

struct conn {
	gint refs;
	int fd;
	char *peer; /* "host:port" for logs */
	uint16_t port; /* the TCP port connected to */
	int request_timeout_ms;

	GMutex lock;
	GCond credit_cond;
	GHashTable *pending; /* mid -> struct conn_req* */
	uint16_t next_mid;
	unsigned in_flight;      /* credits in use (long-lived included) */
	unsigned long_in_flight; /* of which long-lived */
	unsigned max_in_flight;
	uint32_t max_msg;
	bool abandoned;      /* no new requests; FIN sent; still reading */
	gint64 drain_until;  /* monotonic us: when an abandoned conn gives up */
	bool dead;           /* everything pending has been failed */
	int dead_err;        /* why it stopped being usable */
	gint64 last_reply_us; /* monotonic time of the last frame received */
	bool established; /* set once the session is up: failures before that are
			     reported by the caller in one line, not logged */
	gint64 established_us; /* when (monotonic): older ones may share a loss */
	struct conn_stats stats;

	GMutex send_lock;
	bool signing;
	uint8_t *sign_key;
	size_t sign_key_len;
	uint32_t seq;

	GThread *reader;
	GThreadPool *events; /* one thread: server-initiated messages */
	conn_event_fn event_fn;
	void *event_arg;
	char *dump_dir; /* $SMBFUSE_DUMP_DIR: received frames saved for the fuzz corpus */
	unsigned dump_count;
};

static __thread struct conn_ledger *thread_ledger;

void conn_ledger_begin(struct conn_ledger *l, bool settle)
{
	memset(l, 0, sizeof(*l));
	l->settle = settle;
	l->worst = CONN_FATE_NOT_SENT;
	thread_ledger = l;
}

void conn_ledger_end(void)
{
	thread_ledger = NULL;
}

struct conn_ledger *conn_ledger_swap(struct conn_ledger *l)
{
	struct conn_ledger *was = thread_ledger;
	thread_ledger = l;
	return was;
}

enum conn_fate conn_ledger_fate(const struct conn_ledger *l)
{
	if (l->sent == 0)
		return CONN_FATE_NOT_SENT;
	if (l->worst == CONN_FATE_LOST || l->worst == CONN_FATE_UNKNOWN)
		return l->worst;
	return CONN_FATE_ANSWERED;
}

const char *conn_fate_name(enum conn_fate f)
{
	switch (f) {
	case CONN_FATE_NOT_SENT:
		return "not sent";
	case CONN_FATE_ANSWERED:
		return "answered";
	case CONN_FATE_LOST:
		return "lost (will not run)";
	case CONN_FATE_UNKNOWN:
		return "unknown (may still run)";
	}
	return "?";
}

/* Notes a request that ended without an answer in the thread's ledger. */
static void ledger_note_failure(enum conn_fate fate)
{
	struct conn_ledger *l = thread_ledger;
	if (!l)
		return;
	l->failed++;
	if (fate > l->worst)
		l->worst = fate;
}

/* A request that left but was refused unrun (the server no longer knew
 * its session or tree): in the ledger of the attempt that sent it, if that
 * is the one running here, as if it never left, and counted as refused
 * (the pool then replaces its other connections too: pool_note_attempt).
 * Any other attempt only learns that a request of its failed unrun. */
static void ledger_note_refused(struct conn_ledger *sender)
{
	struct conn_ledger *l = thread_ledger;
	if (l && l == sender) {
		if (l->sent > 0)
			l->sent--;
		l->refused++;
		l->refused_us = g_get_monotonic_time();
	}
	ledger_note_failure(CONN_FATE_NOT_SENT);
}

void smb_reply_clear(struct smb_reply *r)
{
	g_free(r->frame);
	smb_trans2_rep_clear(&r->t2);
	memset(r, 0, sizeof(*r));
}

/* ---- socket helpers ---- */

/* Sends head then data (a write's payload from where it lies: no copy into
 * the message buffer). */
static int write_full2(int fd, const void *head, size_t head_len, const void *data,
		       size_t data_len)
{
	struct iovec iov[2] = { { (void *)head, head_len }, { (void *)data, data_len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = data_len ? 2 : 1 };
	while (mh.msg_iovlen) {
		ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* SO_SNDTIMEO: the server stopped reading.  Not EAGAIN,
			 * which callers above would take for a lock conflict. */
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return -ETIMEDOUT;
			return -errno;
		}
		while (mh.msg_iovlen && (size_t)n >= mh.msg_iov->iov_len) {
			n -= (ssize_t)mh.msg_iov->iov_len;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (mh.msg_iovlen) {
			mh.msg_iov->iov_base = (uint8_t *)mh.msg_iov->iov_base + n;
			mh.msg_iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	return write_full2(fd, buf, len, NULL, 0);
}

/* Reads len bytes into the parts of iov in order (their sizes add up to
 * at least len). */
static int read_full_iov(int fd, const struct iovec *iov, int n, size_t len)
{
	struct iovec v[CONN_SINK_MAX_PARTS];
	int cnt = 0;

	for (int i = 0; i < n && len; i++) {
		size_t take = MIN(iov[i].iov_len, len);
		if (take == 0)
			continue;
		v[cnt].iov_base = iov[i].iov_base;
		v[cnt].iov_len = take;
		cnt++;
		len -= take;
	}
	struct iovec *p = v;
	while (cnt > 0) {
		struct msghdr mh = { .msg_iov = p, .msg_iovlen = (size_t)cnt };
		ssize_t got = recvmsg(fd, &mh, 0);
		if (got == 0)
			return -ECONNRESET;
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		while (got > 0 && cnt > 0) {
			if ((size_t)got >= p->iov_len) {
				got -= (ssize_t)p->iov_len;
				p++;
				cnt--;
			} else {
				p->iov_base = (uint8_t *)p->iov_base + got;
				p->iov_len -= (size_t)got;
				got = 0;
			}
		}
	}
	return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	struct iovec v = { .iov_base = buf, .iov_len = len };
	return read_full_iov(fd, &v, 1, len);
}

static int connect_addr(const struct addrinfo *ai, int timeout_ms)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			ai->ai_protocol);
	if (fd < 0)
		return -errno;
	int ret = connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (ret < 0 && errno != EINPROGRESS) {
		ret = -errno;
		goto out_close;
	}
	if (ret < 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		do
			ret = poll(&pfd, 1, timeout_ms);
		while (ret < 0 && errno == EINTR);
		if (ret == 0) {
			ret = -ETIMEDOUT;
			goto out_close;
		}
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr) {
			ret = -soerr;
			goto out_close;
		}
	}
	int flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	return fd;
out_close:
	close(fd);
	return ret;
}

/* Resolves host and connects to the first address that answers. */
static int tcp_connect(const char *host, uint16_t port, int timeout_ms, char **errmsg)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res = NULL;
	char portstr[8];
	int fd = -EHOSTUNREACH;

	snprintf(portstr, sizeof(portstr), "%u", port);
	int gai = getaddrinfo(host, portstr, &hints, &res);
	if (gai == EAI_ADDRFAMILY || gai == EAI_NONAME) {
		hints.ai_flags = 0; /* loopback-only hosts have no "configured" address */
		gai = getaddrinfo(host, portstr, &hints, &res);
	}
	if (gai != 0) {
		*errmsg = g_strdup_printf("cannot resolve host %s: %s", host, gai_strerror(gai));
		return -EHOSTUNREACH;
	}
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = connect_addr(ai, timeout_ms);
		if (fd >= 0)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		if (fd == -ECONNREFUSED)
			*errmsg = g_strdup_printf("connection refused by %s port %u", host, port);
		else if (fd == -ETIMEDOUT)
			*errmsg = g_strdup_printf("connection to %s port %u timed out", host, port);
		else
			*errmsg = g_strdup_printf("cannot connect to %s port %u: %s", host, port,
						  g_strerror(-fd));
	}
	return fd;
}

/* The NetBIOS called name for host: servern= wins; an IP literal gives
 * "*SMBSERVER"; otherwise the first label of the host name. */
static char *called_name_for(const char *host)
{
	if (g_hostname_is_ip_address(host))
		return g_strdup("*SMBSERVER");
	const char *dot = strchr(host, '.');
	return g_ascii_strup(host, dot ? dot - host : -1);
}

static char *calling_name(void)
{
	char name[256] = "SMBFUSE";
	gethostname(name, sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	char *dot = strchr(name, '.');
	if (dot)
		*dot = 0;
	return g_ascii_strup(name, -1);
}

/* RFC 1002 4.3.2: session request, then one of positive / negative /
 * retarget responses. */
static int netbios_session(int fd, const char *called, const char *calling,
			   struct netbios_session_reply *reply)
{
	uint8_t buf[NETBIOS_HDR_LEN + 2 * NETBIOS_ENCODED_NAME_LEN];
	struct wr w;
	uint8_t hdr[NETBIOS_HDR_LEN], payload[16];
	uint8_t type;
	uint32_t len;

	wr_init(&w, buf, sizeof(buf));
	int ret = netbios_encode_session_request(&w, called, calling);
	if (ret < 0)
		return ret;
	ret = write_full(fd, buf, w.pos);
	if (ret < 0)
		return ret;
	ret = read_full(fd, hdr, sizeof(hdr));
	if (ret < 0)
		return ret;
	netbios_decode_header(hdr, &type, &len);
	if (len > sizeof(payload))
		return -EPROTO;
	ret = read_full(fd, payload, len);
	if (ret < 0)
		return ret;
	return netbios_decode_session_reply(type, payload, len, reply);
}

static int open_socket(const struct conn_params *p, char **errmsg)
{
	char *host = g_strdup(p->host);
	uint16_t port = p->port;
	char *called = p->called_name ? g_ascii_strup(p->called_name, -1) : called_name_for(host);
	char *calling = p->calling_name ? g_strdup(p->calling_name) : calling_name();
	int fd = -EPROTO;

	for (int hop = 0; hop <= MAX_RETARGETS; hop++) {
		fd = tcp_connect(host, port, p->connect_timeout_ms, errmsg);
		if (fd < 0 || !p->netbios)
			goto out;

		struct timeval tv = { .tv_sec = p->connect_timeout_ms / 1000,
				      .tv_usec = (p->connect_timeout_ms % 1000) * 1000 };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		struct netbios_session_reply reply;
		int ret = netbios_session(fd, called, calling, &reply);
		if (ret < 0) {
			close(fd);
			fd = ret;
			*errmsg = g_strdup_printf(
				"%s port %u: NetBIOS session request failed: %s", host, port,
				ret == -EAGAIN ? "no answer" : g_strerror(-ret));
			goto out;
		}
		struct timeval zero = { 0, 0 };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &zero, sizeof(zero));
		switch (reply.result) {
		case NETBIOS_SESSION_OK:
			goto out;
		case NETBIOS_SESSION_RETARGET: {
			close(fd);
			uint32_t ip = reply.retarget_ip;
			g_free(host);
			host = g_strdup_printf("%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
					       (ip >> 8) & 0xff, ip & 0xff);
			port = reply.retarget_port;
			log_info("NetBIOS session retargeted to %s port %u", host, port);
			continue;
		}
		case NETBIOS_SESSION_REFUSED:
			close(fd);
			fd = -ECONNREFUSED;
			/* Servers that do not know their own name answer to
			 * "*SMBSERVER" (RFC 1002 name, MS-CIFS 3.2.4.2.1). */
			if (!p->called_name && strcmp(called, "*SMBSERVER") != 0) {
				log_info("NetBIOS name %s refused (%s), trying *SMBSERVER", called,
					 netbios_error_string(reply.error));
				g_free(called);
				called = g_strdup("*SMBSERVER");
				hop--;
				continue;
			}
			*errmsg = g_strdup_printf("%s port %u refused NetBIOS session for %s: %s",
						  host, port, called,
						  netbios_error_string(reply.error));
			goto out;
		}
	}
	*errmsg = g_strdup_printf("too many NetBIOS retargets from %s", p->host);
	fd = -ELOOP;
out:
	g_free(host);
	g_free(called);
	g_free(calling);
	return fd;
}

/* No port given: 445 with direct TCP, then 139 with a NetBIOS session, as
 * mount.cifs and the Linux kernel client do (old servers, Windows 9x/NT 4
 * among them, listen on 139 only).  Only a refused 445 (the host is up,
 * nothing listens) moves on, and both tries share one connect timeout: a
 * host that does not answer is not waited for twice. */
static int open_default_ports(const struct conn_params *p, uint16_t *port, char **errmsg)
{
	struct conn_params q = *p;
	gint64 start = g_get_monotonic_time();

	q.port = SMB_DIRECT_PORT;
	q.netbios = false;
	*port = q.port;
	int fd = open_socket(&q, errmsg);
	int left = p->connect_timeout_ms - (int)((g_get_monotonic_time() - start) / 1000);
	if (fd != -ECONNREFUSED || left <= 0)
		return fd;

	char *first = *errmsg;
	*errmsg = NULL;
	log_debug("%s: %s; trying port %u with NetBIOS", p->host, first, SMB_NETBIOS_PORT);
	q.port = SMB_NETBIOS_PORT;
	q.netbios = true;
	q.connect_timeout_ms = left;
	*port = q.port;
	fd = open_socket(&q, errmsg);
	if (fd < 0) {
		char *second = *errmsg;
		*errmsg = g_strdup_printf("%s; %s", first, second ? second : "");
		g_free(second);
	}
	g_free(first);
	return fd;
}

/* ---- completion and failure ---- */

/* Completes req (removed from pending by the caller, credit released):
 * wakes its waiter, or frees it when nobody waits. */
static void complete_locked(struct conn *c, struct conn_req *req)
{
	c->in_flight--;
	if (req->long_lived)
		c->long_in_flight--;
	g_cond_signal(&c->credit_cond);
	req->done = true;
	if (req->orphan) {
		smb_reply_clear(&req->reply);
		g_cond_clear(&req->cond);
		g_free(req);
		return;
	}
	g_cond_signal(&req->cond);
}

struct fail_args {
	struct conn *c;
	int err;
	enum conn_fate fate;
};

static gboolean fail_pending(gpointer key, gpointer value, gpointer user)
{
	struct fail_args *fa = user;
	struct conn_req *req = value;
	req->err = fa->err;
	req->fate = fa->fate;
	complete_locked(fa->c, req);
	return TRUE;
}

/* Marks the connection dead (once): every pending request fails with err
 * and fate.  Called with c->lock held. */
static void die_locked(struct conn *c, int err, enum conn_fate fate)
{
	if (c->dead)
		return;
	if (!c->abandoned) {
		c->dead_err = err;
		if (err != -ESHUTDOWN && c->established)
			log_warn("connection to %s lost: %s", c->peer, g_strerror(-err));
	}
	c->abandoned = true;
	c->dead = true;
	struct fail_args fa = { .c = c, .err = c->dead_err, .fate = fate };
	g_hash_table_foreach_remove(c->pending, fail_pending, &fa);
	g_cond_broadcast(&c->credit_cond);
	shutdown(c->fd, SHUT_RDWR);
}

/* Stops new requests and sends FIN, keeping the receiver reading: replies
 * still on their way complete their requests, and the server's EOF tells
 * us it has read everything we sent (MS-CIFS has no way to cancel a
 * request that may be running; TCP's ordering is what we have). */
static gboolean fail_long_lived(gpointer key, gpointer value, gpointer user)
{
	struct fail_args *fa = user;
	struct conn_req *req = value;
	if (!req->long_lived)
		return FALSE;
	req->err = fa->err;
	req->fate = CONN_FATE_UNKNOWN; /* nobody waits for a watch's fate */
	complete_locked(fa->c, req);
	return TRUE;
}

static void abandon_locked(struct conn *c, int err)
{
	if (c->abandoned)
		return;
	if (err == -ESHUTDOWN) { /* unmounting: nobody waits for answers */
		die_locked(c, err, CONN_FATE_UNKNOWN);
		return;
	}
	c->abandoned = true;
	c->dead_err = err;
	c->drain_until = g_get_monotonic_time() + (gint64)c->request_timeout_ms * 1000;
	/* Watches (NOTIFY_CHANGE) have no answer worth draining for. */
	struct fail_args fa = { .c = c, .err = err };
	g_hash_table_foreach_remove(c->pending, fail_long_lived, &fa);
	g_cond_broadcast(&c->credit_cond);
	shutdown(c->fd, SHUT_WR);
	if (c->established)
		log_warn("connection to %s lost: %s (answers still in flight are taken for "
			 "%d ms)",
			 c->peer, g_strerror(-err), c->request_timeout_ms);
}

static void conn_die(struct conn *c, int err, enum conn_fate fate)
{
	g_mutex_lock(&c->lock);
	die_locked(c, err, fate);
	g_mutex_unlock(&c->lock);
}

void conn_abandon(struct conn *c, int err)
{
	g_mutex_lock(&c->lock);
	abandon_locked(c, err);
	g_mutex_unlock(&c->lock);
}

/* ---- receiver ---- */

/* A reply saying the session or tree it was sent on is gone (ntstatus.h),
 * to a request that needs them: those that make or end them answer for
 * themselves (session.c).  NT_CREATE_ANDX is answered INVALID_HANDLE
 * instead of NETWORK_NAME_DELETED on a tree that is gone (Samba, after
 * Windows), which can mean nothing else for a request that names no
 * handle; only when the create itself failed (no words: a chained READ_ANDX
 * that failed after it would leave the create's answer in front). */
static bool refuses_session(uint8_t command, const struct smb_msg *msg)
{
	switch (command) {
	case SMB_COM_NEGOTIATE:
	case SMB_COM_SESSION_SETUP_ANDX:
	case SMB_COM_LOGOFF_ANDX:
	case SMB_COM_TREE_CONNECT_ANDX:
	case SMB_COM_TREE_DISCONNECT:
	case SMB_COM_ECHO:
		return false;
	case SMB_COM_NT_CREATE_ANDX:
		if (msg->wct == 0 && smb_hdr_bad_handle(&msg->hdr))
			return true;
		break;
	}
	return smb_hdr_session_gone(&msg->hdr);
}

/* A frame whose SMB header is intact enough to name its request. */
static bool frame_mid(const uint8_t *frame, uint32_t len, uint16_t *mid, uint8_t *command)
{
	if (len < SMB_HDR_LEN || memcmp(frame, "\xffSMB", 4) != 0)
		return false;
	*command = frame[4];
	*mid = (uint16_t)(frame[30] | frame[31] << 8);
	return true;
}

struct event {
	uint8_t *frame;
	uint32_t len;
};

static void event_main(gpointer data, gpointer user)
{
	struct conn *c = user;
	struct event *ev = data;
	struct smb_msg msg;

	SMBFUSE_TSAN_ACQUIRE(ev); /* handed over inside glib's queue */
	g_mutex_lock(&c->lock);
	conn_event_fn fn = c->event_fn;
	void *arg = c->event_arg;
	g_mutex_unlock(&c->lock);
	if (smb_msg_parse(ev->frame, ev->len, &msg) == 0 && fn)
		fn(arg, c, &msg);
	else
		log_debug("ignoring request 0x%02x from server %s",
			  ev->len > 4 ? ev->frame[4] : 0, c->peer);
	g_free(ev->frame);
	g_free(ev);
	SMBFUSE_TSAN_RELEASE(c); /* conn_unref waits for us inside glib */
}

/* A message the server sent on its own: to the event thread. */
static void dispatch_event(struct conn *c, uint8_t *frame, uint32_t len)
{
	struct event *ev = g_new(struct event, 1);
	ev->frame = frame;
	ev->len = len;
	g_mutex_lock(&c->lock);
	c->stats.server_events++;
	g_mutex_unlock(&c->lock);
	SMBFUSE_TSAN_RELEASE(ev);
	g_thread_pool_push(c->events, ev, NULL);
}

/* Adds one part of a multi-part transaction reply; >0 when complete. */
static int add_transaction_part(struct conn_req *req, const struct smb_msg *msg)
{
	if (req->command == SMB_COM_NT_TRANSACT)
		return smb_nttrans_rep_add(&req->reply.t2, msg, MAX_NTTRANS_TOTAL);
	return smb_trans2_rep_add(&req->reply.t2, msg);
}

/* Hands a reply frame to its waiter.  Takes ownership of frame.  When
 * sunk is set, the frame is that request's READ_ANDX answer whose
 * sunk_len bytes of data went to the request's sink, not into the frame. */
static void dispatch(struct conn *c, uint8_t *frame, uint32_t len, struct conn_req *sunk,
		     uint32_t sunk_len)
{
	struct smb_msg msg;
	uint16_t mid;
	uint8_t command;

	if (!frame_mid(frame, len, &mid, &command)) {
		/* Not SMB1 at all: the stream cannot be trusted any more. */
		log_warn("malformed SMB message from %s (%u bytes)", c->peer, len);
		log_hexdump("malformed message", frame, len < 64 ? len : 64);
		g_free(frame);
		conn_die(c, -EPROTO, CONN_FATE_UNKNOWN);
		return;
	}
	int ret = smb_msg_parse(frame, len, &msg);
	if (ret == 0 && !(msg.hdr.flags & SMB_FLAGS_REPLY)) {
		dispatch_event(c, frame, len);
		return;
	}

	g_mutex_lock(&c->lock);
	c->stats.bytes_received += len + NETBIOS_HDR_LEN;
	c->last_reply_us = g_get_monotonic_time();
	struct conn_req *req = g_hash_table_lookup(c->pending, GUINT_TO_POINTER(mid));
	if (!req || req->command != command || (sunk && req != sunk)) {
		g_mutex_unlock(&c->lock);
		log_debug("reply for unknown MID %u (command 0x%02x)", mid, command);
		g_free(frame);
		return;
	}
	/* The MD5 over the reply runs outside the lock, so that senders are
	 * not held up behind a large read's checksum; the request is looked
	 * up again after it (the connection may have failed it meanwhile). */
	bool sig_ok = true;
	if (c->signing) {
		uint32_t seq = req->seq;
		g_mutex_unlock(&c->lock);
		sig_ok = signing_verify(c->sign_key, c->sign_key_len, frame, len, seq + 1);
		g_mutex_lock(&c->lock);
		struct conn_req *again = g_hash_table_lookup(c->pending, GUINT_TO_POINTER(mid));
		if (again != req || req->seq != seq) {
			g_mutex_unlock(&c->lock);
			g_free(frame);
			return;
		}
	}
	if (!sig_ok) {
		/* The server ran the request, but nothing in the answer can be
		 * believed: the request is LOST, and so is the connection. */
		log_err("bad signature on reply from %s: dropping the connection", c->peer);
		g_hash_table_remove(c->pending, GUINT_TO_POINTER(mid));
		req->err = -EBADMSG;
		req->fate = CONN_FATE_LOST;
		complete_locked(c, req);
		abandon_locked(c, -EBADMSG);
		g_mutex_unlock(&c->lock);
		g_free(frame);
		return;
	}
	if (ret < 0) {
		/* One garbled reply fails its own request, not the others. */
		log_warn("malformed reply to command 0x%02x (MID %u) from %s (%u bytes)", command,
			 mid, c->peer, len);
		req->err = -EIO;
		req->fate = CONN_FATE_ANSWERED;
		goto complete;
	}
	if (c->abandoned)
		c->stats.late_answers++;
	if (refuses_session(req->command, &msg)) {
		/* The server dropped our session or tree but kept talking (an
		 * administrator's close-share, a logoff): it ran nothing, and
		 * will run nothing more sent here.  The connection goes, so
		 * that the pool makes a new one with a new session and tree
		 * and repeats what was refused, as after a drop. */
		if (!c->abandoned)
			log_warn("%s dropped this connection's session or tree (%s): making a "
				 "new connection",
				 c->peer, ntstatus_name(msg.hdr.status));
		g_hash_table_remove(c->pending, GUINT_TO_POINTER(mid));
		req->err = -ECONNRESET;
		req->fate = CONN_FATE_NOT_SENT;
		req->refused = true;
		complete_locked(c, req);
		/* After the completion: abandoning fails what is still pending
		 * (a watch at once), and this request is no longer among it. */
		abandon_locked(c, -ECONNRESET);
		g_mutex_unlock(&c->lock);
		g_free(frame);
		return;
	}
	if ((req->command == SMB_COM_TRANSACTION2 || req->command == SMB_COM_NT_TRANSACT) &&
	    (msg.hdr.status == NT_STATUS_OK || msg.hdr.status == NT_STATUS_BUFFER_OVERFLOW)) {
		ret = add_transaction_part(req, &msg);
		if (ret == 0) { /* more parts to come with the same MID */
			g_mutex_unlock(&c->lock);
			g_free(frame);
			return;
		}
		if (ret < 0) {
			req->err = -EIO;
			req->fate = CONN_FATE_ANSWERED;
			goto complete;
		}
	}
	req->reply.frame = frame;
	req->reply.len = len;
	req->reply.msg = msg;
	req->reply.sunk = sunk ? sunk_len : 0;
	frame = NULL;
complete:
	g_hash_table_remove(c->pending, GUINT_TO_POINTER(mid));
	complete_locked(c, req);
	g_mutex_unlock(&c->lock);
	g_free(frame);
}

/* Saves a received frame as a fuzzing seed (tests/fuzz/corpus). */
static void dump_frame(struct conn *c, const uint8_t *frame, uint32_t len)
{
	char *name = g_strdup_printf("%s/reply-%02x-%d-%04u.bin", c->dump_dir,
				     len > 4 ? frame[4] : 0, (int)getpid(), c->dump_count++);
	g_file_set_contents(name, (const char *)frame, len, NULL);
	g_free(name);
}

/* EOF or a reset: the server has closed its end, so nothing we sent can run
 * any more.  Anything else (a TCP timeout) says nothing about that. */
static enum conn_fate fate_of_read_error(int err)
{
	return err == -ECONNRESET || err == -EPIPE ? CONN_FATE_LOST : CONN_FATE_UNKNOWN;
}

/* The pending request that a READ_ANDX answer of len data bytes for mid
 * belongs to, if its data may go to the request's sink (never on a signed
 * connection: the signature covers the data, checked before anything is
 * believed); marked as being written into, so that its waiter waits. */
static struct conn_req *sink_begin(struct conn *c, uint16_t mid, uint32_t len)
{
	g_mutex_lock(&c->lock);
	struct conn_req *req = g_hash_table_lookup(c->pending, GUINT_TO_POINTER(mid));
	if (req && (req->command != SMB_COM_READ_ANDX || req->sink_n == 0 ||
		    len > req->sink_cap || c->signing))
		req = NULL;
	if (req)
		req->sinking = true;
	g_mutex_unlock(&c->lock);
	return req;
}

static void sink_end(struct conn *c, struct conn_req *req)
{
	g_mutex_lock(&c->lock);
	req->sinking = false;
	g_cond_broadcast(&req->cond);
	g_mutex_unlock(&c->lock);
}

/* Reads one frame of len bytes.  A READ_ANDX answer whose request has a
 * sink is read in three parts: up to its data (header, words, padding),
 * the data straight into the sink, and whatever follows; the frame keeps
 * its length, with the data's place in it left unwritten. */
static int read_frame(struct conn *c, uint8_t *frame, uint32_t len, struct conn_req **sunk,
		      uint32_t *sunk_len)
{
	uint32_t have = 0;
	uint16_t mid;
	uint32_t data_off, data_len;
	int ret;

	*sunk = NULL;
	*sunk_len = 0;
	if (len >= SINK_MIN_FRAME) {
		have = SMB_READ_ANDX_REP_HEAD;
		ret = read_full(c->fd, frame, have);
		if (ret < 0)
			return ret;
		if (smb_read_andx_rep_peek(frame, have, len, &mid, &data_off, &data_len) == 0 &&
		    (*sunk = sink_begin(c, mid, data_len)) != NULL) {
			ret = read_full(c->fd, frame + have, data_off - have);
			if (ret == 0)
				ret = read_full_iov(c->fd, (*sunk)->sink, (*sunk)->sink_n, data_len);
			sink_end(c, *sunk);
			if (ret < 0)
				return ret;
			*sunk_len = data_len;
			have = data_off + data_len;
		}
	}
	return read_full(c->fd, frame + have, len - have);
}

static gpointer reader_main(gpointer data)
{
	struct conn *c = data;
	uint8_t hdr[NETBIOS_HDR_LEN];

	for (;;) {
		int ret = read_full(c->fd, hdr, sizeof(hdr));
		if (ret < 0) {
			conn_die(c, ret, fate_of_read_error(ret));
			break;
		}
		uint8_t type;
		uint32_t len;
		netbios_decode_header(hdr, &type, &len);
		if (type == NB_KEEPALIVE && len == 0)
			continue;
		if (type != NB_SESSION_MESSAGE || len < SMB_HDR_LEN) {
			log_warn("unexpected NetBIOS frame type 0x%02x length %u from %s", type, len,
				 c->peer);
			conn_die(c, -EPROTO, CONN_FATE_UNKNOWN);
			break;
		}
		uint8_t *frame = g_malloc(len);
		struct conn_req *sunk;
		uint32_t sunk_len;
		ret = read_frame(c, frame, len, &sunk, &sunk_len);
		if (ret < 0) {
			g_free(frame);
			conn_die(c, ret, fate_of_read_error(ret));
			break;
		}
		if (log_debug_enabled()) /* (a sunk frame: no data in it) */
			log_hexdump("received", frame,
				    MIN(len, sunk ? SMB_READ_ANDX_REP_HEAD : 96u));
		if (c->dump_dir && !sunk)
			dump_frame(c, frame, len);
		dispatch(c, frame, len, sunk, sunk_len);
	}
	return NULL;
}

/* ---- public ---- */

int conn_open(const struct conn_params *p, struct conn **out, char **errmsg)
{
	*errmsg = NULL;
	uint16_t port = p->port;
	int fd = port ? open_socket(p, errmsg) : open_default_ports(p, &port, errmsg);
	if (fd < 0)
		return fd;

	struct conn *c = g_new0(struct conn, 1);
	c->refs = 1;
	c->fd = fd;
	c->port = port;
	c->peer = g_strdup_printf("%s port %u", p->host, port);
	c->request_timeout_ms = p->request_timeout_ms > 0 ? p->request_timeout_ms : 60000;
	g_mutex_init(&c->lock);
	g_mutex_init(&c->send_lock);
	g_cond_init(&c->credit_cond);
	c->pending = g_hash_table_new(g_direct_hash, g_direct_equal);
	c->next_mid = 1;
	c->max_in_flight = 1; /* until negotiate tells us MaxMpxCount */
	c->max_msg = DEFAULT_MAX_MSG;
	c->last_reply_us = g_get_monotonic_time();

	/* A server that stops reading must not block a sender forever. */
	struct timeval tv = { .tv_sec = c->request_timeout_ms / 1000,
			      .tv_usec = (c->request_timeout_ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

	const char *dump = getenv("SMBFUSE_DUMP_DIR");
	if (dump && *dump)
		c->dump_dir = g_strdup(dump);
	c->events = g_thread_pool_new(event_main, c, 1, TRUE, NULL);
	c->reader = g_thread_new("smb-reader", reader_main, c);
	*out = c;
	return 0;
}

struct conn *conn_ref(struct conn *c)
{
	g_atomic_int_inc(&c->refs);
	return c;
}

void conn_unref(struct conn *c)
{
	if (!c || !g_atomic_int_dec_and_test(&c->refs))
		return;
	conn_die(c, -ESHUTDOWN, CONN_FATE_UNKNOWN);
	g_thread_join(c->reader);
	/* Handlers still queued see a dead connection and fail fast. */
	g_thread_pool_free(c->events, FALSE, TRUE);
	SMBFUSE_TSAN_ACQUIRE(c);
	close(c->fd);
	g_hash_table_destroy(c->pending);
	g_cond_clear(&c->credit_cond);
	g_mutex_clear(&c->lock);
	g_mutex_clear(&c->send_lock);
	if (c->sign_key)
		memset(c->sign_key, 0, c->sign_key_len);
	g_free(c->sign_key);
	g_free(c->peer);
	g_free(c->dump_dir);
	g_free(c);
}

bool conn_alive(struct conn *c)
{
	g_mutex_lock(&c->lock);
	bool alive = !c->abandoned;
	g_mutex_unlock(&c->lock);
	return alive;
}

uint16_t conn_port(struct conn *c)
{
	return c->port; /* set before the connection is shared */
}

int conn_error(struct conn *c)
{
	g_mutex_lock(&c->lock);
	int err = c->abandoned ? c->dead_err : 0;
	g_mutex_unlock(&c->lock);
	return err;
}

void conn_set_established(struct conn *c)
{
	g_mutex_lock(&c->lock);
	c->established = true;
	c->established_us = g_get_monotonic_time();
	g_mutex_unlock(&c->lock);
}

gint64 conn_established_us(struct conn *c)
{
	g_mutex_lock(&c->lock);
	gint64 t = c->established ? c->established_us : 0;
	g_mutex_unlock(&c->lock);
	return t;
}

void conn_set_limits(struct conn *c, uint16_t max_mpx, uint32_t max_msg)
{
	g_mutex_lock(&c->lock);
	c->max_in_flight = max_mpx ? max_mpx : 1;
	c->max_msg = max_msg ? max_msg : DEFAULT_MAX_MSG;
	g_cond_broadcast(&c->credit_cond);
	g_mutex_unlock(&c->lock);
}

void conn_start_signing(struct conn *c, const uint8_t *key, size_t key_len, uint32_t seq)
{
	g_mutex_lock(&c->send_lock);
	g_mutex_lock(&c->lock);
	g_free(c->sign_key);
	c->sign_key = g_memdup2(key, key_len);
	c->sign_key_len = key_len;
	c->seq = seq;
	c->signing = true;
	g_mutex_unlock(&c->lock);
	g_mutex_unlock(&c->send_lock);
}

void conn_set_event_handler(struct conn *c, conn_event_fn fn, void *arg)
{
	g_mutex_lock(&c->lock);
	c->event_fn = fn;
	c->event_arg = arg;
	g_mutex_unlock(&c->lock);
}

void conn_msg_begin(struct conn *c, struct wr *w, void *buf, size_t cap, uint8_t command,
		    uint16_t tid, uint16_t uid)
{
	struct smb_hdr h = {
		.command = command,
		.flags = SMB_FLAGS_CASE_INSENSITIVE | SMB_FLAGS_CANONICALIZED_PATHS,
		.flags2 = SMB_FLAGS2_LONG_NAMES | SMB_FLAGS2_NT_STATUS | SMB_FLAGS2_UNICODE |
			  SMB_FLAGS2_IS_LONG_NAME,
		.tid = tid,
		.uid = uid,
		.pid = (uint16_t)getpid(),
		.pid_high = (uint16_t)((uint32_t)getpid() >> 16),
	};
	g_mutex_lock(&c->lock);
	if (c->signing)
		h.flags2 |= SMB_FLAGS2_SMB_SECURITY_SIGNATURE;
	g_mutex_unlock(&c->lock);
	wr_init(w, buf, cap);
	wr_zero(w, NETBIOS_HDR_LEN);
	w->origin = NETBIOS_HDR_LEN;
	smb_hdr_encode(w, &h);
}

/* Picks a MID not in use (0xFFFF is reserved for oplock breaks). */
static uint16_t next_mid_locked(struct conn *c)
{
	for (;;) {
		uint16_t mid = c->next_mid++;
		if (mid == 0 || mid == 0xFFFF)
			continue;
		if (!g_hash_table_contains(c->pending, GUINT_TO_POINTER(mid)))
			return mid;
	}
}

/* Waits for a credit, at most the request timeout: replies that stop
 * coming for that long mean a stuck server, as a late reply does. */
static int take_credit_locked(struct conn *c)
{
	gint64 timeout_us = (gint64)c->request_timeout_ms * 1000;
	gint64 deadline = g_get_monotonic_time() + timeout_us;
	while (!c->abandoned && c->in_flight >= c->max_in_flight) {
		if (g_cond_wait_until(&c->credit_cond, &c->lock, deadline) ||
		    c->in_flight < c->max_in_flight || c->abandoned)
			continue;
		/* A busy server still answers: others got the slots, wait on. */
		gint64 now = g_get_monotonic_time();
		if (now - c->last_reply_us < timeout_us) {
			deadline = c->last_reply_us + timeout_us;
			continue;
		}
		if (c->established)
			log_warn("no request slot freed on %s in %d ms", c->peer,
				 c->request_timeout_ms);
		abandon_locked(c, -ETIMEDOUT);
	}
	/* Why the connection went, not ENOTCONN: a caller out of retries
	 * shows this errno, and ENOTCONN reads as "the mount is dead". */
	if (c->abandoned)
		return c->dead_err;
	c->in_flight++;
	return 0;
}

/* The TRANSACTION2 subcommand is its first setup word, after the 14
 * parameter words of the request (MS-CIFS 2.2.4.46.1). */
#define TRANS2_SETUP_AT (SMB_HDR_LEN + 1 + 14 * 2)

static void count_request_locked(struct conn *c, const uint8_t *smb, size_t smb_len)
{
	c->stats.requests++;
	c->stats.by_command[smb[4]]++;
	if (smb[4] == SMB_COM_TRANSACTION2 && smb_len >= TRANS2_SETUP_AT + 2 &&
	    smb[SMB_HDR_LEN] >= 15) {
		unsigned sub = smb[TRANS2_SETUP_AT] | smb[TRANS2_SETUP_AT + 1] << 8;
		if (sub < CONN_TRANS2_SUBS)
			c->stats.by_trans2[sub]++;
	}
}

/* The receiver is writing into the request's sink: the caller's memory
 * must outlive that, so the waiter waits, however the request ended.  The
 * socket is shut down (which ends the receiver's read) if the server
 * leaves a frame unfinished past the drain time. */
static void sink_settle_locked(struct conn *c, struct conn_req *req)
{
	while (req->sinking) {
		if (c->dead) { /* shut down: the receiver's read ends now */
			g_cond_wait(&req->cond, &c->lock);
			continue;
		}
		gint64 until = c->abandoned ? c->drain_until
					    : g_get_monotonic_time() +
						      (gint64)c->request_timeout_ms * 1000;
		if (!g_cond_wait_until(&req->cond, &c->lock, until) && req->sinking &&
		    g_get_monotonic_time() >= until) {
			if (!c->abandoned)
				abandon_locked(c, -ETIMEDOUT);
			else
				die_locked(c, -ETIMEDOUT, CONN_FATE_UNKNOWN);
		}
	}
}

static struct conn_req *submit(struct conn *c, struct wr *w, const void *data, size_t data_len,
			       bool long_lived, const struct iovec *sink, int sink_n, int *err)
{
	if (w->overflow || w->pos < NETBIOS_HDR_LEN + SMB_HDR_LEN ||
	    w->pos - NETBIOS_HDR_LEN + data_len > NETBIOS_MAX_LEN) {
		*err = -EMSGSIZE;
		return NULL;
	}
	size_t smb_len = w->pos - NETBIOS_HDR_LEN;
	uint8_t *smb = w->data + NETBIOS_HDR_LEN;
	struct conn_req *req = g_new0(struct conn_req, 1);
	req->conn = c;
	req->command = smb[4];
	req->long_lived = long_lived;
	req->settle = thread_ledger && thread_ledger->settle;
	req->ledger = thread_ledger;
	g_cond_init(&req->cond);
	req->sink = sink;
	req->sink_n = sink_n;
	for (int i = 0; i < sink_n; i++)
		req->sink_cap += sink[i].iov_len;

	g_mutex_lock(&c->lock);
	int ret = take_credit_locked(c);
	if (ret < 0) {
		g_mutex_unlock(&c->lock);
		goto out_not_sent;
	}
	if (long_lived)
		c->long_in_flight++;
	req->mid = next_mid_locked(c);
	if (c->in_flight > c->stats.peak_in_flight)
		c->stats.peak_in_flight = c->in_flight;
	count_request_locked(c, smb, smb_len);
	c->stats.bytes_sent += w->pos + data_len;
	g_hash_table_insert(c->pending, GUINT_TO_POINTER(req->mid), req);
	g_mutex_unlock(&c->lock);

	netbios_encode_header(w->data, NB_SESSION_MESSAGE, (uint32_t)(smb_len + data_len));
	smb[30] = (uint8_t)req->mid;
	smb[31] = (uint8_t)(req->mid >> 8);

	/* Sequence numbers follow the order on the wire (MS-CIFS 3.2.4.1.1). */
	g_mutex_lock(&c->send_lock);
	if (c->signing) {
		req->seq = c->seq;
		c->seq += 2;
		signing_sign_data(c->sign_key, c->sign_key_len, smb, smb_len, data, data_len,
				  req->seq);
	}
	if (log_debug_enabled())
		log_hexdump("sending", smb, smb_len < 96 ? smb_len : 96);
	ret = write_full2(c->fd, w->data, w->pos, data, data_len);
	g_mutex_unlock(&c->send_lock);
	if (ret < 0) {
		/* Whatever part of the message went out can never be completed
		 * (the connection dies now), so the request never ran. */
		g_mutex_lock(&c->lock);
		if (g_hash_table_remove(c->pending, GUINT_TO_POINTER(req->mid))) {
			c->in_flight--;
			if (long_lived)
				c->long_in_flight--;
		}
		die_locked(c, ret, ret == -EPIPE || ret == -ECONNRESET ? CONN_FATE_LOST
								       : CONN_FATE_UNKNOWN);
		/* (A server answering before the request was all sent.) */
		sink_settle_locked(c, req);
		g_mutex_unlock(&c->lock);
		goto out_not_sent;
	}
	if (thread_ledger)
		thread_ledger->sent++;
	return req;

out_not_sent:
	/* The connection is gone (it died, or dies now): a failure for the
	 * attempt's ledger, which the pool may repeat elsewhere, not an answer. */
	ledger_note_failure(CONN_FATE_NOT_SENT);
	*err = ret;
	g_cond_clear(&req->cond);
	g_free(req);
	return NULL;
}

int conn_send_oneway(struct conn *c, struct wr *w)
{
	if (w->overflow || w->pos < NETBIOS_HDR_LEN + SMB_HDR_LEN)
		return -EMSGSIZE;
	size_t smb_len = w->pos - NETBIOS_HDR_LEN;
	uint8_t *smb = w->data + NETBIOS_HDR_LEN;

	g_mutex_lock(&c->lock);
	if (c->abandoned) {
		int err = c->dead_err;
		g_mutex_unlock(&c->lock);
		return err;
	}
	/* A MID that no waiter owns: nothing comes back for it. */
	uint16_t mid = next_mid_locked(c);
	count_request_locked(c, smb, smb_len);
	c->stats.bytes_sent += w->pos;
	g_mutex_unlock(&c->lock);

	netbios_encode_header(w->data, NB_SESSION_MESSAGE, (uint32_t)smb_len);
	smb[30] = (uint8_t)mid;
	smb[31] = (uint8_t)(mid >> 8);
	g_mutex_lock(&c->send_lock);
	if (c->signing) {
		/* Two sequence numbers, as for any request: only NT_CANCEL
		 * takes one (MS-CIFS 3.2.4.1.1); Samba counts an oplock break
		 * acknowledgement as an ordinary request. */
		signing_sign(c->sign_key, c->sign_key_len, smb, smb_len, c->seq);
		c->seq += 2;
	}
	int ret = write_full(c->fd, w->data, w->pos);
	g_mutex_unlock(&c->send_lock);
	if (ret < 0)
		conn_die(c, ret, CONN_FATE_UNKNOWN);
	return ret;
}

struct conn_req *conn_submit(struct conn *c, struct wr *w, int *err)
{
	return submit(c, w, NULL, 0, false, NULL, 0, err);
}

struct conn_req *conn_submit_data(struct conn *c, struct wr *w, const void *data, size_t len,
				  int *err)
{
	return submit(c, w, data, len, false, NULL, 0, err);
}

struct conn_req *conn_submit_read(struct conn *c, struct wr *w, const struct iovec *sink,
				  int sink_n, int *err)
{
	if (sink_n <= 0 || sink_n > CONN_SINK_MAX_PARTS) {
		*err = -EINVAL;
		return NULL;
	}
	return submit(c, w, NULL, 0, false, sink, sink_n, err);
}

struct conn_req *conn_submit_long(struct conn *c, struct wr *w, int *err)
{
	return submit(c, w, NULL, 0, true, NULL, 0, err);
}


/* Hands the finished request's outcome to the caller and frees it. */
static int finish(struct conn_req *req, struct smb_reply *reply)
{
	int err = req->err;
	if (err < 0) {
		if (req->refused)
			ledger_note_refused(req->ledger);
		else if (req->fate != CONN_FATE_ANSWERED)
			ledger_note_failure(req->fate);
		smb_reply_clear(&req->reply);
	} else {
		*reply = req->reply;
	}
	g_cond_clear(&req->cond);
	g_free(req);
	return err;
}

int conn_wait(struct conn_req *req, struct smb_reply *reply)
{
	struct conn *c = req->conn;
	gint64 deadline = g_get_monotonic_time() + (gint64)c->request_timeout_ms * 1000;

	g_mutex_lock(&c->lock);
	while (!req->done) {
		gint64 until = deadline;
		if (req->long_lived)
			until = G_MAXINT64;
		if (c->abandoned && (req->settle || req->long_lived))
			until = c->drain_until;
		else if (c->abandoned && !req->settle)
			until = MIN(deadline, c->drain_until);
		if (until == G_MAXINT64)
			g_cond_wait(&req->cond, &c->lock);
		else if (!g_cond_wait_until(&req->cond, &c->lock, until) && !req->done &&
			 g_get_monotonic_time() >= until) {
			if (!c->abandoned) {
				if (c->established)
					log_warn("no reply from %s to command 0x%02x (MID %u) in "
						 "%d ms",
						 c->peer, req->command, req->mid,
						 c->request_timeout_ms);
				abandon_locked(c, -ETIMEDOUT);
			} else if (g_get_monotonic_time() >= c->drain_until) {
				/* Silent past the drain time too: whatever is still
				 * in flight may yet run. */
				die_locked(c, -ETIMEDOUT, CONN_FATE_UNKNOWN);
			} else {
				/* A read need not wait for the drain: its fate
				 * does not matter, only that it failed. */
				g_hash_table_remove(c->pending, GUINT_TO_POINTER(req->mid));
				req->err = -ETIMEDOUT;
				req->fate = CONN_FATE_UNKNOWN;
				complete_locked(c, req);
			}
		}
	}
	sink_settle_locked(c, req);
	g_mutex_unlock(&c->lock);
	return finish(req, reply);
}

int conn_wait_timeout(struct conn_req *req, struct smb_reply *reply, int timeout_ms)
{
	struct conn *c = req->conn;
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

	g_mutex_lock(&c->lock);
	while (!req->done) {
		if (!g_cond_wait_until(&req->cond, &c->lock, deadline) && !req->done) {
			/* Still pending: whoever completes it frees it, and
			 * nothing is written to the caller's memory any more. */
			sink_settle_locked(c, req);
			req->sink_n = 0;
			if (req->done)
				break;
			req->orphan = true;
			g_mutex_unlock(&c->lock);
			ledger_note_failure(CONN_FATE_UNKNOWN);
			return -ETIMEDOUT;
		}
	}
	sink_settle_locked(c, req);
	g_mutex_unlock(&c->lock);
	return finish(req, reply);
}

int conn_call(struct conn *c, struct wr *w, struct smb_reply *reply)
{
	int err;
	struct conn_req *req = conn_submit(c, w, &err);
	if (!req)
		return err;
	return conn_wait(req, reply);
}

gint64 conn_idle_us(struct conn *c)
{
	g_mutex_lock(&c->lock);
	gint64 last = c->last_reply_us;
	bool busy = c->in_flight > c->long_in_flight;
	g_mutex_unlock(&c->lock);
	return busy ? 0 : g_get_monotonic_time() - last;
}

unsigned conn_in_flight(struct conn *c)
{
	g_mutex_lock(&c->lock);
	unsigned n = c->in_flight;
	g_mutex_unlock(&c->lock);
	return n;
}

void conn_get_stats(struct conn *c, struct conn_stats *st)
{
	g_mutex_lock(&c->lock);
	*st = c->stats;
	st->in_flight = c->in_flight;
	g_mutex_unlock(&c->lock);
}
