/* NetBIOS session service (RFC 1001 / RFC 1002): name encoding, session
 * request, frame headers and the session reply.  Pure: no I/O, no
 * allocation.  Every byte goes through struct rd / struct wr.
 */
#include "netbios.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "smb_proto.h"

/* A session request carries two encoded names (RFC 1002 4.3.2). */
#define SESSION_REQUEST_LEN (2 * NETBIOS_ENCODED_NAME_LEN)

static uint8_t ascii_upper(uint8_t c)
{
	/* Not toupper(): names must not depend on the locale, and bytes above
	 * 0x7F (OEM code page) pass through unchanged. */
	return c >= 'a' && c <= 'z' ? (uint8_t)(c - 'a' + 'A') : c;
}

void netbios_encode_name(const char *name, uint8_t suffix, uint8_t out[NETBIOS_ENCODED_NAME_LEN])
{
	uint8_t raw[16];
	size_t n = name ? strnlen(name, 15) : 0;
	/* The wildcard name "*" is padded with NULs, every other name with
	 * spaces (RFC 1002 4.1). */
	uint8_t pad = (n == 1 && name[0] == '*') ? 0x00 : 0x20;

	for (size_t i = 0; i < 15; i++)
		raw[i] = i < n ? ascii_upper((uint8_t)name[i]) : pad;
	raw[15] = suffix;

	/* First-level encoding (RFC 1001 14.1): each nibble becomes 'A' + nibble;
	 * the label length is 32 and the (empty) scope ends with a NUL label. */
	out[0] = 32;
	for (size_t i = 0; i < 16; i++) {
		out[1 + 2 * i] = (uint8_t)('A' + (raw[i] >> 4));
		out[2 + 2 * i] = (uint8_t)('A' + (raw[i] & 0x0F));
	}
	out[33] = 0;
}

int netbios_decode_name(const uint8_t *in, size_t len, char out[16], uint8_t *suffix)
{
	struct rd r;
	uint8_t raw[16];

	rd_init(&r, in, len);
	/* No NetBIOS scope support: label of 32, then the root label. */
	if (rd_u8(&r) != 32)
		return -EPROTO;
	for (size_t i = 0; i < 16; i++) {
		uint8_t hi = rd_u8(&r), lo = rd_u8(&r);

		if (hi < 'A' || hi > 'P' || lo < 'A' || lo > 'P')
			return -EPROTO;
		raw[i] = (uint8_t)((hi - 'A') << 4 | (lo - 'A'));
	}
	if (rd_u8(&r) != 0 || r.overflow)
		return -EPROTO;

	size_t n = 15;
	while (n > 0 && (raw[n - 1] == ' ' || raw[n - 1] == 0))
		n--;
	memcpy(out, raw, n);
	out[n] = '\0';
	*suffix = raw[15];
	return 0;
}

void netbios_encode_header(uint8_t out[NETBIOS_HDR_LEN], uint8_t type, uint32_t len)
{
	/* RFC 1002 4.3.1 has a flags byte whose low bit extends the length to
	 * 17 bits; SMB over TCP (and Samba on 139) treat all 24 bits as length.
	 * The caller keeps len <= NETBIOS_MAX_LEN. */
	out[0] = type;
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
}

void netbios_decode_header(const uint8_t in[NETBIOS_HDR_LEN], uint8_t *type, uint32_t *len)
{
	*type = in[0];
	*len = (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
}

int netbios_encode_session_request(struct wr *w, const char *called, const char *calling)
{
	uint8_t hdr[NETBIOS_HDR_LEN];
	uint8_t name[NETBIOS_ENCODED_NAME_LEN];

	if (!called || !calling)
		return -EINVAL;
	netbios_encode_header(hdr, NB_SESSION_REQUEST, SESSION_REQUEST_LEN);
	wr_bytes(w, hdr, sizeof(hdr));
	/* RFC 1002 4.3.2: CALLED NAME then CALLING NAME.  Suffix 0x20 is the
	 * file server service, 0x00 the workstation. */
	netbios_encode_name(called, 0x20, name);
	wr_bytes(w, name, sizeof(name));
	netbios_encode_name(calling, 0x00, name);
	wr_bytes(w, name, sizeof(name));
	return w->overflow ? -EMSGSIZE : 0;
}

int netbios_decode_session_reply(uint8_t type, const uint8_t *payload, size_t len,
				 struct netbios_session_reply *r)
{
	struct rd rd;

	memset(r, 0, sizeof(*r));
	rd_init(&rd, payload, len);
	/* RFC 1002 4.3.3 - 4.3.5: each reply has a fixed payload length. */
	switch (type) {
	case NB_POSITIVE_RESPONSE:
		if (len != 0)
			return -EPROTO;
		r->result = NETBIOS_SESSION_OK;
		return 0;
	case NB_NEGATIVE_RESPONSE:
		if (len != 1)
			return -EPROTO;
		r->result = NETBIOS_SESSION_REFUSED;
		r->error = rd_u8(&rd);
		return 0;
	case NB_RETARGET_RESPONSE:
		if (len != 6)
			return -EPROTO;
		r->result = NETBIOS_SESSION_RETARGET;
		r->retarget_ip = rd_be32(&rd);
		r->retarget_port = rd_be16(&rd);
		return 0;
	default:
		return -EPROTO;
	}
}

const char *netbios_error_string(uint8_t error)
{
	/* RFC 1002 4.3.4 */
	switch (error) {
	case 0x80:
		return "not listening on called name";
	case 0x81:
		return "not listening for calling name";
	case 0x82:
		return "called name not present";
	case 0x83:
		return "called name present, but insufficient resources";
	case 0x8F:
		return "unspecified error";
	default:
		return "unknown error";
	}
}
