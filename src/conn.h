/* One SMB connection: a TCP socket (direct or NetBIOS session service), a
 * MID table and one receiver thread that matches replies to waiters, so many
 * FUSE threads share the connection with up to MaxMpxCount requests in
 * flight.
 *
 * A request reads top to bottom: conn_msg_begin -> encode -> conn_submit ->
 * conn_wait (or conn_call for both).  The receiver only moves a request's
 * state forward and wakes its waiter.  Every request ends with a known fate
 * (enum conn_fate), which the thread that made it can read from its ledger:
 * that is what the pool's retry decision stands on.
 *
 * Life of a connection: usable -> (abandoned) -> dead.  A request without an
 * answer in time, a missed keepalive or a bad signature *abandons* the
 * connection: no new requests go out on it, our side sends FIN, and the
 * receiver keeps reading.  Replies that still arrive complete their requests
 * normally; once the server closes its end (it has read our FIN, so it has
 * run or dropped everything we sent) the rest fail as LOST: they will never
 * run.  A server that stays silent past the drain time leaves them UNKNOWN:
 * they may still run later.  A connection the server closes on its own
 * fails its requests as LOST at once.  Connections never reconnect by
 * themselves (pool.c does).
 *
 * Messages the server sends on its own (oplock breaks: LOCKING_ANDX with
 * MID 0xFFFF, MS-CIFS 2.2.4.32.1) go to a handler that runs on the
 * connection's event thread, never on the receiver, so it may send requests.
 *
 * Ownership: a connection is reference counted; the last conn_unref closes
 * the socket, joins the receiver and the event thread, and frees it.  An
 * event handler must not drop the last reference of its own connection.
 *
 * Locking: send_lock serialises writes (and signing, which needs the send
 * order); lock protects the MID table, credits and state.  Never hold lock
 * while blocking on the socket.
 */
#ifndef SMBFUSE_CONN_H
#define SMBFUSE_CONN_H

#include <stdbool.h>
#include <glib.h>
#include <stdint.h>

#include "buf.h"
#include "smb.h"

struct conn;

/* The SMB ports: direct TCP (MS-SMB 2.1) and the NetBIOS session service
 * (RFC 1002, MS-CIFS 2.1.1). */
#define SMB_DIRECT_PORT 445
#define SMB_NETBIOS_PORT 139

struct conn_params {
	const char *host;
	uint16_t port;            /* 0: 445, then 139 with NetBIOS if 445 refuses */
	bool netbios;             /* NetBIOS session request first (port 139 style) */
	const char *called_name;  /* servern=; NULL: derived from host, *SMBSERVER fallback */
	const char *calling_name; /* NULL: local host name */
	int connect_timeout_ms;
	int request_timeout_ms; /* a reply later than this abandons the connection */
};

/* What became of a request, as far as anyone can know. */
enum conn_fate {
	CONN_FATE_NOT_SENT, /* never (wholly) left: it cannot run */
	CONN_FATE_ANSWERED, /* the server answered, whatever the status */
	CONN_FATE_LOST,     /* sent, unanswered, and it will not run any more:
			       it ran once or never */
	CONN_FATE_UNKNOWN,  /* sent, unanswered; the server may still run it */
};

/* The requests one thread makes between conn_ledger_begin and
 * conn_ledger_end (one attempt of one file operation) are tallied here.
 * `settle`: when such a request gets no answer in time, wait for the
 * connection to drain (up to the request timeout again) so that its fate
 * becomes ANSWERED or LOST instead of UNKNOWN; operations that change
 * state want this, reads do not. */
struct conn_ledger {
	bool settle;
	unsigned sent;      /* requests that left */
	unsigned failed;    /* requests that ended without an answer (any fate) */
	unsigned refused;   /* of those: refused unrun, the session or tree gone */
	gint64 refused_us;  /* when the last of those was seen (monotonic) */
	enum conn_fate worst; /* of those: NOT_SENT < LOST < UNKNOWN */
};
void conn_ledger_begin(struct conn_ledger *l, bool settle);
void conn_ledger_end(void);
/* Puts l (NULL: none) in place of the thread's ledger and returns the one it
 * replaces: requests made for no operation in particular (read-ahead) then
 * count in nobody's attempt. */
struct conn_ledger *conn_ledger_swap(struct conn_ledger *l);
/* The fate of the whole attempt: NOT_SENT if nothing left; else the worst
 * fate of a failed request (LOST/UNKNOWN); else ANSWERED (every request that
 * left was answered; a later one was not sent). */
enum conn_fate conn_ledger_fate(const struct conn_ledger *l);
const char *conn_fate_name(enum conn_fate f);

/* Connects (resolving names, IPv6 literals accepted) and, in NetBIOS mode,
 * runs the session request, following retargets and falling back to the
 * called name "*SMBSERVER" when the server refuses the host name.  On
 * failure returns -errno and sets *errmsg (g_malloc) to one line saying why.
 * The new connection has one reference, the caller's. */
int conn_open(const struct conn_params *p, struct conn **out, char **errmsg);
struct conn *conn_ref(struct conn *c);
void conn_unref(struct conn *c);
/* Usable for new requests: neither abandoned nor dead. */
bool conn_alive(struct conn *c);
/* The TCP port connected to (the one that answered, for port 0). */
uint16_t conn_port(struct conn *c);
/* Why it stopped being usable (negative errno), 0 while usable. */
int conn_error(struct conn *c);

/* From now on losing the connection is news worth a log line (before, the
 * caller reports failures itself). */
void conn_set_established(struct conn *c);
/* When conn_set_established ran (monotonic microseconds); 0 if not yet. */
gint64 conn_established_us(struct conn *c);
/* Negotiated limits: max requests in flight, max message size. */
void conn_set_limits(struct conn *c, uint16_t max_mpx, uint32_t max_msg);
/* Turns on signing with key (copied) from the next message on; the next
 * sequence number is `seq` (MS-CIFS 3.2.4.1.1).  At most once per
 * connection: the receiver reads the key without the lock once it has seen
 * signing on. */
void conn_start_signing(struct conn *c, const uint8_t *key, size_t key_len, uint32_t seq);

/* Server-initiated messages: fn(arg, c, msg) runs on the event thread with
 * the parsed message (valid during the call). */
typedef void (*conn_event_fn)(void *arg, struct conn *c, const struct smb_msg *msg);
void conn_set_event_handler(struct conn *c, conn_event_fn fn, void *arg);

/* A reply: the whole SMB message (g_malloc), parsed, and for TRANS2 and
 * NT_TRANSACT the reassembled parameters and data. */
struct smb_reply {
	uint8_t *frame;
	size_t len;
	struct smb_msg msg;
	struct smb_trans2_rep t2;
	uint32_t sunk; /* conn_submit_read: data bytes that went to the sink */
};
void smb_reply_clear(struct smb_reply *r);

/* Starts a request message in buf: room for the NetBIOS header, then the
 * SMB header for command with tid/uid and our flags; w->origin is the SMB
 * header.  The MID is assigned by conn_submit. */
void conn_msg_begin(struct conn *c, struct wr *w, void *buf, size_t cap, uint8_t command,
		    uint16_t tid, uint16_t uid);

struct conn_req;
/* Sends the message; waits while MaxMpxCount requests are in flight, at
 * most the request timeout (then the connection is abandoned as stuck).
 * Returns NULL and sets *err when the request was not sent (message
 * overflow, connection not usable, send failure). */
struct conn_req *conn_submit(struct conn *c, struct wr *w, int *err);
/* The same for a message whose last len bytes are sent from data, after
 * w's bytes (a write's payload, never copied into the message buffer). */
struct conn_req *conn_submit_data(struct conn *c, struct wr *w, const void *data, size_t len,
				  int *err);
/* The same for a READ_ANDX request whose answer's data is received straight
 * into sink (sink_n parts of at most CONN_SINK_MAX_PARTS, filled in order),
 * not copied out of the frame: then reply->sunk is the data's length and
 * the frame holds everything but the data.  Only an unchained, successful
 * answer on an unsigned connection whose data fits goes there; anything
 * else comes as a whole frame as usual (sunk 0).  The sink must stay valid
 * until conn_wait returns, which it does only once the receiver is done
 * with it, whatever the request's end. */
#define CONN_SINK_MAX_PARTS 16
struct iovec;
struct conn_req *conn_submit_read(struct conn *c, struct wr *w, const struct iovec *sink,
				  int sink_n, int *err);
/* The same for a request that may wait for its answer indefinitely
 * (NT_TRANSACT_NOTIFY_CHANGE): no reply timeout, it does not make the
 * connection look busy to the keepalive, and it fails at once when the
 * connection is abandoned. */
struct conn_req *conn_submit_long(struct conn *c, struct wr *w, int *err);
/* Sends a message the server does not answer (an oplock break
 * acknowledgement, MS-CIFS 3.3.5.30): no credit, no waiter. */
int conn_send_oneway(struct conn *c, struct wr *w);
/* Waits for the reply and frees the request.  Returns 0 with *reply filled
 * (caller clears it) even for an error status: the caller decides; or
 * -errno when no answer came (the fate is in the thread's ledger).  TRANS2
 * and NT_TRANSACT replies are reassembled before the waiter wakes. */
int conn_wait(struct conn_req *req, struct smb_reply *reply);
int conn_call(struct conn *c, struct wr *w, struct smb_reply *reply);
/* conn_wait with its own deadline (keepalive echoes, goodbyes); a late
 * answer here does not abandon the connection. */
int conn_wait_timeout(struct conn_req *req, struct smb_reply *reply, int timeout_ms);
/* Abandons the connection from outside (a missed keepalive). */
void conn_abandon(struct conn *c, int err);
/* How long no ordinary request has been in flight and nothing was
 * received, in us; 0 while ordinary requests are in flight. */
gint64 conn_idle_us(struct conn *c);

#define CONN_TRANS2_SUBS 0x12 /* TRANS2 subcommands 0x00-0x11 (MS-CIFS 2.2.6) */
struct conn_stats {
	uint64_t requests;
	uint64_t bytes_sent;
	uint64_t bytes_received;
	unsigned in_flight;
	unsigned peak_in_flight; /* most requests ever in flight at once */
	uint64_t late_answers;   /* replies that arrived while draining */
	uint64_t server_events;  /* server-initiated messages */
	/* Requests by command, and TRANSACTION2 ones by subcommand (the
	 * round trips a file operation costs, for "requests per file"). */
	uint64_t by_command[256];
	uint64_t by_trans2[CONN_TRANS2_SUBS];
};
/* Requests in flight now (long-lived ones included), without copying the
 * counters conn_get_stats does. */
unsigned conn_in_flight(struct conn *c);
void conn_get_stats(struct conn *c, struct conn_stats *st);

#endif
