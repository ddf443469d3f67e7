/* One SMB connection: a TCP socket (direct or NetBIOS session service), a
 * MID table and one receiver thread that matches replies to waiters, so many
 * FUSE threads share the connection with up to MaxMpxCount requests in
 * flight.
 *
 * A request reads top to bottom: conn_msg_begin -> encode -> conn_submit ->
 * conn_wait (or conn_call for both).  The receiver only moves a request's
 * state forward and wakes its waiter.  When the connection dies every
 * pending request fails at once with the same error and later submits fail
 * with -ENOTCONN; the connection never reconnects by itself.
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
	int request_timeout_ms; /* a reply later than this kills the connection */
};

/* Connects (resolving names, IPv6 literals accepted) and, in NetBIOS mode,
 * runs the session request, following retargets and falling back to the
 * called name "*SMBSERVER" when the server refuses the host name.  On
 * failure returns -errno and sets *errmsg (g_malloc) to one line saying why. */
int conn_open(const struct conn_params *p, struct conn **out, char **errmsg);
/* Fails every pending request, closes the socket, joins the receiver. */
void conn_free(struct conn *c);
bool conn_alive(struct conn *c);
/* The TCP port connected to (the one that answered, for port 0). */
uint16_t conn_port(struct conn *c);
/* Why it died (negative errno), 0 while alive. */
int conn_error(struct conn *c);

/* From now on losing the connection is news worth a log line (before, the
 * caller reports failures itself). */
void conn_set_established(struct conn *c);
/* Negotiated limits: max requests in flight, max message size. */
void conn_set_limits(struct conn *c, uint16_t max_mpx, uint32_t max_msg);
/* Turns on signing with key (copied) from the next message on; the next
 * sequence number is `seq` (MS-CIFS 3.2.4.1.1). */
void conn_start_signing(struct conn *c, const uint8_t *key, size_t key_len, uint32_t seq);

/* A reply: the whole SMB message (g_malloc), parsed, and for TRANS2 the
 * reassembled parameters and data. */
struct smb_reply {
	uint8_t *frame;
	size_t len;
	struct smb_msg msg;
	struct smb_trans2_rep t2;
};
void smb_reply_clear(struct smb_reply *r);

/* Starts a request message in buf: room for the NetBIOS header, then the
 * SMB header for command with tid/uid and our flags; w->origin is the SMB
 * header.  The MID is assigned by conn_submit. */
void conn_msg_begin(struct conn *c, struct wr *w, void *buf, size_t cap, uint8_t command,
		    uint16_t tid, uint16_t uid);

struct conn_req;
/* Sends the message; blocks while MaxMpxCount requests are in flight.
 * Returns NULL and sets *err on failure (message overflow, dead connection). */
struct conn_req *conn_submit(struct conn *c, struct wr *w, int *err);
/* Waits for the reply and frees the request.  Returns 0 with *reply filled
 * (caller clears it) even for an error status: the caller decides; or
 * -errno for transport failure / timeout.  TRANS2 replies are reassembled
 * before the waiter wakes. */
int conn_wait(struct conn_req *req, struct smb_reply *reply);
int conn_call(struct conn *c, struct wr *w, struct smb_reply *reply);
/* conn_wait with its own deadline (keepalive echoes, goodbyes). */
int conn_wait_timeout(struct conn_req *req, struct smb_reply *reply, int timeout_ms);
/* Marks the connection dead from outside (a missed keepalive). */
void conn_kill(struct conn *c, int err);
/* How long nothing has been in flight and nothing received, in us; 0 while
 * requests are in flight. */
gint64 conn_idle_us(struct conn *c);

struct conn_stats {
	uint64_t requests;
	uint64_t bytes_sent;
	uint64_t bytes_received;
	unsigned in_flight;
	unsigned peak_in_flight; /* most requests ever in flight at once */
};
void conn_get_stats(struct conn *c, struct conn_stats *st);

#endif
