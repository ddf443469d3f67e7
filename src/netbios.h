/* NetBIOS session service framing (RFC 1002 4.3): pure encode/decode.
 *
 * Every SMB message travels in a 4-byte frame: type, then a length.  RFC 1002
 * allows 17 bits of length (one flag bit); direct TCP on port 445 uses the
 * low 24 bits, and so does Samba on port 139, which lets large READX/WRITEX
 * replies through.  We accept 24-bit lengths on both.
 */
#ifndef SMBFUSE_NETBIOS_H
#define SMBFUSE_NETBIOS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define NETBIOS_HDR_LEN 4
#define NETBIOS_MAX_LEN 0xFFFFFF
/* An encoded name: length byte 32, 32 half-ASCII characters, scope NUL. */
#define NETBIOS_ENCODED_NAME_LEN 34

/* First-level encoding (RFC 1001 14.1): name upper-cased, padded with
 * spaces to 15 characters, suffix as the 16th byte, each nibble + 'A'.
 * Names longer than 15 bytes are truncated (as every client does).  */
void netbios_encode_name(const char *name, uint8_t suffix, uint8_t out[NETBIOS_ENCODED_NAME_LEN]);
/* Decodes an encoded name back (for tests and logs): out gets the 15
 * characters with trailing spaces removed, *suffix the 16th byte.  Returns 0
 * or -EPROTO. */
int netbios_decode_name(const uint8_t *in, size_t len, char out[16], uint8_t *suffix);

/* Session request frame (type 0x81) with called name (suffix 0x20, file
 * server) and calling name (suffix 0x00, workstation). Returns 0 or -EMSGSIZE. */
int netbios_encode_session_request(struct wr *w, const char *called, const char *calling);

/* Writes a session message header for a payload of len bytes. */
void netbios_encode_header(uint8_t out[NETBIOS_HDR_LEN], uint8_t type, uint32_t len);
/* Reads a frame header: type and payload length (24 bits). */
void netbios_decode_header(const uint8_t in[NETBIOS_HDR_LEN], uint8_t *type, uint32_t *len);

enum netbios_session_result {
	NETBIOS_SESSION_OK,       /* positive response */
	NETBIOS_SESSION_REFUSED,  /* negative response; error code given */
	NETBIOS_SESSION_RETARGET, /* retarget to ip:port */
};
struct netbios_session_reply {
	enum netbios_session_result result;
	uint8_t error; /* 0x80 not listening on called name, 0x81 not listening
			  for calling name, 0x82 called name not present,
			  0x83 insufficient resources, 0x8F unspecified */
	uint32_t retarget_ip; /* host byte order */
	uint16_t retarget_port;
};
/* Decodes the reply to a session request from its type and payload.
 * Returns 0, or -EPROTO for an unknown type or a wrong payload length. */
int netbios_decode_session_reply(uint8_t type, const uint8_t *payload, size_t len,
				 struct netbios_session_reply *r);
const char *netbios_error_string(uint8_t error);

#endif
