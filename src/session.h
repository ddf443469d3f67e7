/* One authenticated tree connection over one struct conn (which it holds a
 * reference to):
 * NEGOTIATE -> SESSION_SETUP_ANDX (NTLMSSP in SPNEGO, or classic NTLMv2, or
 * anonymous) -> TREE_CONNECT_ANDX, then the CIFS UNIX extensions handshake.
 * Everything later requests need (UID, TID, negotiated sizes and
 * capabilities) lives here; it is immutable once session_open returns, but
 * for the read/write limits learned from the server's answers (read_limit,
 * write_limit: atomic, see session_io_learn). */
#ifndef SMBFUSE_SESSION_H
#define SMBFUSE_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"

enum sec_mode {
	SEC_NTLMSSP, /* extended security, NTLMv2 inside NTLMSSP/SPNEGO (default) */
	SEC_NTLMV2,  /* classic challenge/response: NTLMv2 + LMv2 */
	SEC_NONE,    /* anonymous */
};

struct session_params {
	struct conn_params conn;
	const char *server; /* host as the user wrote it, for the UNC path */
	const char *share;
	const char *user;
	const char *password;
	const char *domain;
	bool guest;
	enum sec_mode sec;
	bool unix_extensions; /* use them when the server offers them */
	bool sign;            /* require message signing */
	uint32_t rsize, wsize; /* 0: as large as the capabilities allow */
};

struct session {
	gint refs;
	struct conn *conn;
	uint16_t uid;
	uint16_t tid;
	uint32_t server_caps;
	uint8_t security_mode;
	uint16_t max_mpx;
	uint32_t max_buffer; /* server's MaxBufferSize */
	bool extended_security;
	bool guest_login;
	bool signing;
	bool unix_ext;
	uint16_t unix_major, unix_minor;
	uint64_t unix_caps; /* the ones we set with SET_CIFS_UNIX_INFO */
	char path_sep;      /* '/' with POSIX pathnames, else '\\' */
	gint no_posix_open; /* the server refused SMB_POSIX_PATH_OPEN once (atomic) */
	gint no_open_chain; /* NT_CREATE_ANDX + READ_ANDX chains failed once (atomic) */
	gint chain_no_oplock; /* chained opens in a row that got no oplock (atomic) */
	gint no_posix_unlink; /* ... SMB_POSIX_PATH_UNLINK (atomic) */
	gint gap_writes;      /* GAP_WRITES_* (client_io.c): does a write past the
			       * end of file land? (atomic) */
	gint no_shrink;       /* the server ignored a shrinking truncate (atomic) */
	GHashTable *eof_known; /* FID -> end of file last known (client_io.c,
				* its lock): gap checks, and reads' end */
	uint32_t max_read;  /* per READ_ANDX, as the capabilities allow */
	uint32_t max_write; /* per WRITE_ANDX, as the capabilities allow */
	uint32_t safe_read;  /* what any server honours: its buffer less the header */
	uint32_t safe_write;
	uint32_t read_limit;  /* learned: the server reads less than max_read (0: no) */
	uint32_t write_limit; /* learned, likewise for writes */
	uint16_t max_trans_data; /* MaxDataCount for TRANS2 replies */
	char *unc;
	char *user; /* for logs and introspection */
};

/* On failure returns -errno and sets *errmsg (g_malloc) to one line naming
 * the cause: "authentication failed ...", "share ... not found", ... */
int session_open(const struct session_params *p, struct session **out, char **errmsg);
/* SMB_COM_ECHO with its own deadline: 0 if the server answered. */
int session_echo(struct session *s, int timeout_ms);
/* Tree disconnect and logoff (best effort, 1 s at most each); the session
 * stays allocated. */
void session_goodbye(struct session *s);
/* Sessions are reference counted: session_open gives one reference; the
 * last session_unref releases the connection (conn_unref) and frees. */
struct session *session_ref(struct session *s);
void session_unref(struct session *s);

/* Starts a request on the session (TID and UID filled). */
void session_msg_begin(struct session *s, struct wr *w, void *buf, size_t cap,
		       uint8_t command);
/* Sends w and waits; returns -errno for transport failures and for an error
 * status in the reply (mapped through ntstatus.c, reply cleared).  On 0 the
 * caller owns *reply. */
int session_call(struct session *s, struct wr *w, struct smb_reply *reply);
/* The size to use per READ_ANDX / WRITE_ANDX now: max (max_read or
 * max_write) unless the server taught us a smaller *limit. */
uint32_t session_io_size(const uint32_t *limit, uint32_t max);
/* The server answered `got` bytes where more were asked and the transfer
 * went on (so not end of file), or refused the request (got 0): remember a
 * smaller size for the session, never below safe (MS-CIFS guarantees that
 * much).  what: "read" or "write", for the log. */
void session_io_learn(uint32_t *limit, uint32_t got, uint32_t safe, const char *what);
/* TRANS2 round trip: params/data in, reassembled reply in *reply (t2). */
int session_trans2(struct session *s, uint16_t subcommand, const uint8_t *params,
		   uint16_t param_len, const uint8_t *data, uint16_t data_len,
		   uint16_t max_param, struct smb_reply *reply);
/* The same with the reply's MaxDataCount chosen by the caller (a listing
 * asks for as much as the 16-bit field allows). */
int session_trans2_max(struct session *s, uint16_t subcommand, const uint8_t *params,
		       uint16_t param_len, const uint8_t *data, uint16_t data_len,
		       uint16_t max_param, uint16_t max_data, struct smb_reply *reply);

#endif
