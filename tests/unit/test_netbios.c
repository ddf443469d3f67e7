/* NetBIOS session service codec (src/netbios.c): RFC 1001 name encoding,
 * session request frame, 24-bit frame header, session replies. */
#include <errno.h>

#include "check.h"
#include "netbios.h"
#include "smb_proto.h"

static void check_name(const char *name, uint8_t suffix, const char *want32)
{
	uint8_t out[NETBIOS_ENCODED_NAME_LEN];

	memset(out, 0xEE, sizeof(out));
	netbios_encode_name(name, suffix, out);
	CHECK_INT(out[0], 32);
	CHECK_MEM(out + 1, want32, 32);
	CHECK_INT(out[33], 0);
}

static void test_encode_name(void)
{
	/* RFC 1001 14.1: "FRED" padded with spaces (the 16th byte here is the
	 * 0x20 suffix, a space too). */
	check_name("FRED", 0x20, "EGFCEFEECACACACACACACACACACACACA");
	/* Upper-cased before encoding. */
	check_name("fred", 0x20, "EGFCEFEECACACACACACACACACACACACA");
	/* Workstation suffix 0x00 goes in the 16th byte only. */
	check_name("FRED", 0x00, "EGFCEFEECACACACACACACACACACACAAA");
	/* Server suffix with a name that is exactly 15 characters. */
	check_name("ABCDEFGHIJKLMNO", 0x20, "EBECEDEEEFEGEHEIEJEKELEMENEOEPCA");
	/* Longer names are cut at 15. */
	check_name("abcdefghijklmnopqrs", 0x1C, "EBECEDEEEFEGEHEIEJEKELEMENEOEPBM");
	/* The generic name for "any server" used when the real one is unknown. */
	check_name("*SMBSERVER", 0x20, "CKFDENECFDEFFCFGEFFCCACACACACACA");
	/* The wildcard alone is padded with NULs, not spaces. */
	check_name("*", 0x00, "CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	/* Empty and NULL names: all spaces. */
	check_name("", 0x20, "CACACACACACACACACACACACACACACACA");
	check_name(NULL, 0x20, "CACACACACACACACACACACACACACACACA");
	/* Non-ASCII bytes (OEM code page) are not case-mapped. */
	check_name("\xe9", 0x20, "OJCACACACACACACACACACACACACACACA");
}

static void test_decode_name(void)
{
	uint8_t enc[NETBIOS_ENCODED_NAME_LEN];
	char name[16];
	uint8_t suffix = 0;

	netbios_encode_name("server1", 0x20, enc);
	CHECK_INT(netbios_decode_name(enc, sizeof(enc), name, &suffix), 0);
	CHECK_STR(name, "SERVER1");
	CHECK_INT(suffix, 0x20);

	netbios_encode_name("*", 0x00, enc);
	CHECK_INT(netbios_decode_name(enc, sizeof(enc), name, &suffix), 0);
	CHECK_STR(name, "*");
	CHECK_INT(suffix, 0);

	netbios_encode_name("ABCDEFGHIJKLMNOPQ", 0x03, enc);
	CHECK_INT(netbios_decode_name(enc, sizeof(enc), name, &suffix), 0);
	CHECK_STR(name, "ABCDEFGHIJKLMNO");
	CHECK_INT(suffix, 3);

	netbios_encode_name("", 0x20, enc);
	CHECK_INT(netbios_decode_name(enc, sizeof(enc), name, &suffix), 0);
	CHECK_STR(name, "");

	/* Every truncation is an error. */
	netbios_encode_name("FRED", 0x20, enc);
	for (size_t n = 0; n < sizeof(enc); n++)
		CHECK_INT(netbios_decode_name(enc, n, name, &suffix), -EPROTO);

	uint8_t bad[NETBIOS_ENCODED_NAME_LEN];
	memcpy(bad, enc, sizeof(bad));
	bad[0] = 31;
	CHECK_INT(netbios_decode_name(bad, sizeof(bad), name, &suffix), -EPROTO);
	memcpy(bad, enc, sizeof(bad));
	bad[5] = 'Q'; /* outside 'A'..'P' */
	CHECK_INT(netbios_decode_name(bad, sizeof(bad), name, &suffix), -EPROTO);
	memcpy(bad, enc, sizeof(bad));
	bad[6] = '@';
	CHECK_INT(netbios_decode_name(bad, sizeof(bad), name, &suffix), -EPROTO);
	memcpy(bad, enc, sizeof(bad));
	bad[33] = 3; /* a scope label: not supported */
	CHECK_INT(netbios_decode_name(bad, sizeof(bad), name, &suffix), -EPROTO);
}

static void test_session_request(void)
{
	/* Called "H1TEST" (0x20), calling "CLIENT" (0x00), as sent to Samba
	 * 4.17 and answered with a positive response: type 0x81, length 68,
	 * then two encoded names (H = 0x48 -> "EI", 1 = 0x31 -> "DB", ...). */
	static const char want[] = "\x81\x00\x00\x44"
				   "\x20" "EIDBFEEFFDFE" "CACACACACACACACACA" "CA" "\x00"
				   "\x20" "EDEMEJEFEOFE" "CACACACACACACACACA" "AA" "\x00";
	size_t want_len = sizeof(want) - 1;
	uint8_t buf[128];
	struct wr w;

	CHECK_INT(want_len, 72);
	wr_init(&w, buf, sizeof(buf));
	CHECK_INT(netbios_encode_session_request(&w, "h1test", "client"), 0);
	CHECK_INT(wr_len(&w), 72);
	CHECK_MEM(buf, want, 72);

	wr_init(&w, buf, 71);
	CHECK_INT(netbios_encode_session_request(&w, "H1TEST", "CLIENT"), -EMSGSIZE);
	wr_init(&w, buf, sizeof(buf));
	CHECK_INT(netbios_encode_session_request(&w, NULL, "CLIENT"), -EINVAL);
	CHECK_INT(netbios_encode_session_request(&w, "H1TEST", NULL), -EINVAL);
}

static void test_header(void)
{
	uint8_t h[NETBIOS_HDR_LEN];
	uint8_t type;
	uint32_t len;

	netbios_encode_header(h, NB_SESSION_MESSAGE, 0x123456);
	CHECK_MEM(h, "\x00\x12\x34\x56", 4);
	netbios_decode_header(h, &type, &len);
	CHECK_INT(type, 0);
	CHECK_INT(len, 0x123456);

	/* More than RFC 1002's 17 bits: a large READX reply. */
	netbios_encode_header(h, NB_SESSION_MESSAGE, NETBIOS_MAX_LEN);
	CHECK_MEM(h, "\x00\xff\xff\xff", 4);
	netbios_decode_header(h, &type, &len);
	CHECK_INT(len, 0xFFFFFF);

	netbios_encode_header(h, NB_KEEPALIVE, 0);
	CHECK_MEM(h, "\x85\x00\x00\x00", 4);
	netbios_decode_header(h, &type, &len);
	CHECK_INT(type, NB_KEEPALIVE);
	CHECK_INT(len, 0);

	static const uint8_t in[] = { 0x00, 0x01, 0x00, 0x2F };
	netbios_decode_header(in, &type, &len);
	CHECK_INT(len, 0x1002F);
}

static void test_session_reply(void)
{
	struct netbios_session_reply r;
	static const uint8_t retarget[] = { 0xC0, 0xA8, 0x01, 0x02, 0x01, 0xBD };
	uint8_t err;

	memset(&r, 0xAA, sizeof(r));
	CHECK_INT(netbios_decode_session_reply(NB_POSITIVE_RESPONSE, NULL, 0, &r), 0);
	CHECK_INT(r.result, NETBIOS_SESSION_OK);
	CHECK_INT(r.error, 0);
	CHECK_INT(netbios_decode_session_reply(NB_POSITIVE_RESPONSE, retarget, 1, &r), -EPROTO);

	static const uint8_t codes[] = { 0x80, 0x81, 0x82, 0x83, 0x8F };
	for (size_t i = 0; i < sizeof(codes); i++) {
		CHECK_INT(netbios_decode_session_reply(NB_NEGATIVE_RESPONSE, &codes[i], 1, &r), 0);
		CHECK_INT(r.result, NETBIOS_SESSION_REFUSED);
		CHECK_INT(r.error, codes[i]);
	}
	err = 0x82;
	CHECK_INT(netbios_decode_session_reply(NB_NEGATIVE_RESPONSE, &err, 0, &r), -EPROTO);
	CHECK_INT(netbios_decode_session_reply(NB_NEGATIVE_RESPONSE, retarget, 2, &r), -EPROTO);

	CHECK_INT(netbios_decode_session_reply(NB_RETARGET_RESPONSE, retarget, 6, &r), 0);
	CHECK_INT(r.result, NETBIOS_SESSION_RETARGET);
	CHECK_INT(r.retarget_ip, 0xC0A80102);
	CHECK_INT(r.retarget_port, 445);
	for (size_t n = 0; n < 6; n++)
		CHECK_INT(netbios_decode_session_reply(NB_RETARGET_RESPONSE, retarget, n, &r),
			  -EPROTO);
	uint8_t longer[7] = { 0 };
	CHECK_INT(netbios_decode_session_reply(NB_RETARGET_RESPONSE, longer, 7, &r), -EPROTO);

	/* Not a reply to a session request. */
	CHECK_INT(netbios_decode_session_reply(NB_SESSION_MESSAGE, NULL, 0, &r), -EPROTO);
	CHECK_INT(netbios_decode_session_reply(NB_SESSION_REQUEST, NULL, 0, &r), -EPROTO);
	CHECK_INT(netbios_decode_session_reply(NB_KEEPALIVE, NULL, 0, &r), -EPROTO);
	CHECK_INT(netbios_decode_session_reply(0x86, NULL, 0, &r), -EPROTO);
}

static void test_error_string(void)
{
	CHECK_STR(netbios_error_string(0x80), "not listening on called name");
	CHECK_STR(netbios_error_string(0x81), "not listening for calling name");
	CHECK_STR(netbios_error_string(0x82), "called name not present");
	CHECK_STR(netbios_error_string(0x83), "called name present, but insufficient resources");
	CHECK_STR(netbios_error_string(0x8F), "unspecified error");
	CHECK_STR(netbios_error_string(0x00), "unknown error");
	CHECK_STR(netbios_error_string(0x84), "unknown error");
}

int main(void)
{
	test_encode_name();
	test_decode_name();
	test_session_request();
	test_header();
	test_session_reply();
	test_error_string();
	CHECK_DONE();
}
