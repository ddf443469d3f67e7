/* SMB1 header and framing (src/smb_hdr.c), NEGOTIATE (src/smb_negotiate.c)
 * and NT time (src/smb_time.c).
 *
 * The negotiate replies marked "Samba 4.17" were captured from an SMB1-only
 * smbd on loopback, in answer to the exact requests tested here. */
#include <errno.h>
#include <glib.h>
#include <sys/stat.h>

#include "check.h"
#include "smb.h"

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = check_unhex(hex, out, cap);

	if (n > cap) {
		fprintf(stderr, "vector larger than %zu bytes\n", cap);
		exit(2);
	}
	return n;
}

/* Parses an exact-size heap copy, so ASan sees any read past the end. */
static int parse_copy(const uint8_t *v, size_t len, uint8_t **copy, struct smb_msg *m)
{
	*copy = g_malloc(len ? len : 1);
	memcpy(*copy, v, len);
	return smb_msg_parse(*copy, len, m);
}

/* ---- header ---- */

static const struct smb_hdr sample_hdr = {
	.command = SMB_COM_TREE_CONNECT_ANDX,
	.status = 0xC0000022,
	.flags = SMB_FLAGS_CASE_INSENSITIVE | SMB_FLAGS_CANONICALIZED_PATHS,
	.flags2 = 0xC807,
	.pid_high = 0xABCD,
	.signature = { 1, 2, 3, 4, 5, 6, 7, 8 },
	.tid = 0x0102,
	.pid = 0x0304,
	.uid = 0x0506,
	.mid = 0x0708,
};

static const char sample_hdr_hex[] = "ff534d42 75 220000c0 18 07c8 cdab 0102030405060708 0000"
				     "0201 0403 0605 0807";

static void test_hdr_encode(void)
{
	uint8_t want[SMB_HDR_LEN], buf[64];
	struct wr w;

	CHECK_INT(unhex(sample_hdr_hex, want, sizeof(want)), SMB_HDR_LEN);
	wr_init(&w, buf, sizeof(buf));
	smb_hdr_encode(&w, &sample_hdr);
	CHECK(!w.overflow);
	CHECK_INT(wr_len(&w), SMB_HDR_LEN);
	CHECK_MEM(buf, want, SMB_HDR_LEN);
	CHECK_INT(w.origin, 0);

	/* With the NetBIOS header in front, the origin moves to the SMB
	 * header. */
	wr_init(&w, buf, sizeof(buf));
	wr_zero(&w, 4);
	smb_hdr_encode(&w, &sample_hdr);
	CHECK_INT(w.origin, 4);
	CHECK_MEM(buf + 4, want, SMB_HDR_LEN);

	wr_init(&w, buf, SMB_HDR_LEN - 1);
	smb_hdr_encode(&w, &sample_hdr);
	CHECK(w.overflow);
}

static void test_msg_parse(void)
{
	uint8_t v[128];
	uint8_t bad[128];
	struct smb_msg m;
	size_t n = unhex(sample_hdr_hex, v, sizeof(v));

	/* wct 2, words 11 22 33 44, bcc 3, bytes aa bb cc, 2 trailing bytes */
	n += unhex("02 1122 3344 0300 aabbcc eeee", v + n, sizeof(v) - n);
	CHECK_INT(smb_msg_parse(v, n, &m), 0);
	CHECK_INT(m.hdr.command, SMB_COM_TREE_CONNECT_ANDX);
	CHECK_INT(m.hdr.status, 0xC0000022);
	CHECK_INT(m.hdr.flags, 0x18);
	CHECK_INT(m.hdr.flags2, 0xC807);
	CHECK_INT(m.hdr.pid_high, 0xABCD);
	CHECK_MEM(m.hdr.signature, sample_hdr.signature, 8);
	CHECK_INT(m.hdr.tid, 0x0102);
	CHECK_INT(m.hdr.pid, 0x0304);
	CHECK_INT(m.hdr.uid, 0x0506);
	CHECK_INT(m.hdr.mid, 0x0708);
	CHECK(m.base == v);
	CHECK_INT(m.len, n);
	CHECK_INT(m.wct, 2);
	CHECK(m.words == v + 33);
	CHECK_INT(m.bcc, 3);
	CHECK(m.bytes == v + 39);
	CHECK_INT(m.bytes_off, 39);

	/* The cursors cover exactly the words / the bytes, positions relative
	 * to the header. */
	struct rd r;
	smb_msg_words(&m, &r);
	CHECK_INT(r.pos, 33);
	CHECK_INT(r.origin, 0);
	CHECK_INT(rd_le16(&r), 0x2211);
	CHECK_INT(rd_le16(&r), 0x4433);
	CHECK(!r.overflow);
	rd_u8(&r);
	CHECK(r.overflow);
	smb_msg_bytes(&m, &r);
	CHECK_INT(r.pos, 39);
	CHECK_INT(rd_remaining(&r), 3);
	rd_skip(&r, 3);
	CHECK(!r.overflow);
	rd_u8(&r); /* the trailing bytes are outside */
	CHECK(r.overflow);

	/* Every truncation fails (the last two bytes are trailing data), but
	 * the bare header of this error reply (Impacket's way to refuse). */
	for (size_t k = 0; k < n - 2; k++) {
		uint8_t *c;
		CHECK_INT(parse_copy(v, k, &c, &m), k == SMB_HDR_LEN ? 0 : -EPROTO);
		g_free(c);
	}
	uint8_t *hc;
	CHECK_INT(parse_copy(v, SMB_HDR_LEN, &hc, &m), 0);
	CHECK_INT(m.hdr.status, 0xC0000022);
	CHECK_INT(m.wct, 0);
	CHECK_INT(m.bcc, 0);
	CHECK_INT(m.bytes_off, SMB_HDR_LEN);
	smb_msg_words(&m, &r);
	CHECK_INT(rd_remaining(&r), 0);
	smb_msg_bytes(&m, &r);
	CHECK_INT(rd_remaining(&r), 0);
	g_free(hc);
	/* A success reply must have both counts. */
	memcpy(bad, v, SMB_HDR_LEN);
	memset(bad + 5, 0, 4);
	CHECK_INT(smb_msg_parse(bad, SMB_HDR_LEN, &m), -EPROTO);
	CHECK_INT(smb_msg_parse(NULL, 0, &m), -EPROTO);

	/* Bad magic, SMB2 magic (a server that dropped SMB1). */
	memcpy(bad, v, n);
	bad[0] = 0xFE;
	CHECK_INT(smb_msg_parse(bad, n, &m), -EPROTONOSUPPORT);
	CHECK_INT(smb_msg_parse(bad, 4, &m), -EPROTONOSUPPORT);
	bad[0] = 0xFF;
	bad[3] = 'b';
	CHECK_INT(smb_msg_parse(bad, n, &m), -EPROTO);
	bad[3] = 'B';
	bad[1] = 0;
	CHECK_INT(smb_msg_parse(bad, n, &m), -EPROTO);

	/* WordCount past the end; ByteCount past the end. */
	memcpy(bad, v, n);
	bad[32] = 0xFF;
	CHECK_INT(smb_msg_parse(bad, n, &m), -EPROTO);
	bad[32] = 4; /* words would swallow bcc */
	CHECK_INT(smb_msg_parse(bad, 43, &m), -EPROTO);
	memcpy(bad, v, n);
	bad[37] = 6; /* 3 bytes + 2 trailing < 6 */
	CHECK_INT(smb_msg_parse(bad, n, &m), -EPROTO);
	bad[37] = 5; /* exactly to the end */
	CHECK_INT(smb_msg_parse(bad, n, &m), 0);
	CHECK_INT(m.bcc, 5);
	bad[38] = 0x80;
	CHECK_INT(smb_msg_parse(bad, n, &m), -EPROTO);

	/* Minimal message: header, wct 0, bcc 0. */
	n = unhex(sample_hdr_hex, v, sizeof(v));
	n += unhex("00 0000", v + n, sizeof(v) - n);
	CHECK_INT(smb_msg_parse(v, n, &m), 0);
	CHECK_INT(m.wct, 0);
	CHECK_INT(m.bcc, 0);
	smb_msg_words(&m, &r);
	CHECK_INT(rd_remaining(&r), 0);
	smb_msg_bytes(&m, &r);
	CHECK_INT(rd_remaining(&r), 0);
	/* The ByteCount field itself is mandatory (MS-CIFS 2.2.3.3). */
	CHECK_INT(smb_msg_parse(v, n - 1, &m), -EPROTO);
}

static void test_words_bytes_helpers(void)
{
	uint8_t buf[70000];
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	size_t wct = smb_words_begin(&w);
	smb_andx_none(&w);
	wr_le16(&w, 0x1234);
	smb_words_end(&w, wct);
	size_t bcc = smb_bytes_begin(&w);
	wr_bytes(&w, "abc", 3);
	smb_bytes_end(&w, bcc);
	CHECK(!w.overflow);
	CHECK_INT(wr_len(&w), 12);
	CHECK_MEM(buf, "\x03\xff\x00\x00\x00\x34\x12\x03\x00" "abc", 12);

	/* An odd number of word bytes is an encoder bug: refuse. */
	wr_init(&w, buf, sizeof(buf));
	wct = smb_words_begin(&w);
	wr_u8(&w, 1);
	smb_words_end(&w, wct);
	CHECK(w.overflow);
	/* More than 255 words. */
	wr_init(&w, buf, sizeof(buf));
	wct = smb_words_begin(&w);
	wr_zero(&w, 512);
	smb_words_end(&w, wct);
	CHECK(w.overflow);
	wr_init(&w, buf, sizeof(buf));
	wct = smb_words_begin(&w);
	wr_zero(&w, 510);
	smb_words_end(&w, wct);
	CHECK(!w.overflow);
	CHECK_INT(buf[0], 255);

	/* Byte counts above 0xFFFF (large WRITE_ANDX) keep the low 16 bits. */
	wr_init(&w, buf, sizeof(buf));
	bcc = smb_bytes_begin(&w);
	wr_zero(&w, 0x10005);
	smb_bytes_end(&w, bcc);
	CHECK(!w.overflow);
	CHECK_INT(buf[0] | buf[1] << 8, 5);

	/* Overflow in the middle leaves the flag set. */
	wr_init(&w, buf, 4);
	wct = smb_words_begin(&w);
	smb_andx_none(&w);
	smb_words_end(&w, wct);
	CHECK(w.overflow);
}

static void test_put_string(void)
{
	uint8_t buf[16];
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	CHECK_INT(smb_put_string(&w, "A\xc3\xa9", true), 0);
	CHECK_INT(wr_len(&w), 6);
	CHECK_MEM(buf, "A\0\xe9\0\0\0", 6);
	CHECK_INT(smb_put_string(&w, "A:", false), 0);
	CHECK_MEM(buf + 6, "A:\0", 3);
	CHECK_INT(smb_put_string(&w, NULL, true), 0);
	CHECK_INT(wr_len(&w), 11);
	CHECK_INT(smb_put_string(&w, "\xff", true), -EINVAL);
	CHECK_INT(smb_put_string(&w, "abc", true), -EMSGSIZE);
}

/* ---- negotiate ---- */

/* Request as sent to Samba 4.17 (NetBIOS header stripped). */
static const char negotiate_req_hex[] =
	"ff534d42 72 00000000 18 01c0 0000 0000000000000000 0000 0000 4242 0000 0100"
	"00 0c00 02 4e54204c4d20302e313200";

/* Samba 4.17 reply, classic form (client FLAGS2 without extended security),
 * FLAGS2_UNICODE set. */
static const char neg_classic_hex[] =
	"ff534d42 72 00000000 88 03c0 0000 0000000000000000 0000 0000 4242 0000 0100"
	"11 0000 03 3200 0100 04410000 00000100 1d170000 fdf38000 fd9acde4e97cdd01 0000 08"
	"2a00 3bf499224c7f6939"
	"57004f0052004b00470052004f00550050000000" /* WORKGROUP */
	"4800310054004500530054000000";            /* H1TEST */

/* Samba 4.17 reply to a client without FLAGS2_UNICODE: FLAGS2 says OEM, but
 * the names are still UTF-16. */
static const char neg_classic_oemflag_hex[] =
	"ff534d42 72 00000000 88 0340 0000 0000000000000000 0000 0000 4242 0000 0100"
	"11 0000 03 3200 0100 04410000 00000100 4c170000 fdf38000 ef2c26e6e97cdd01 0000 08"
	"2a00 b27a94b88f426a26"
	"57004f0052004b00470052004f00550050000000"
	"4800310054004500530054000000";

/* Samba 4.17 reply, extended form: ServerGUID then a SPNEGO negTokenInit. */
static const char neg_extended_hex[] =
	"ff534d42 72 00000000 88 01c8 0000 0000000000000000 0000 0000 4242 0000 0100"
	"11 0000 03 3200 0100 04410000 00000100 48170000 fdf38080 131624e6e97cdd01 0000 00"
	"5a00 68317465737400000000000000000000"
	"604806062b0601050502a03e303ca00e300c060a2b06010401823702020aa32a3028a0261b246e6f74"
	"5f646566696e65645f696e5f5246433431373840706c656173655f69676e6f7265";

static void test_negotiate_encode(void)
{
	uint8_t want[64], buf[128];
	size_t n = unhex(negotiate_req_hex, want, sizeof(want));
	struct smb_hdr h = { .command = SMB_COM_NEGOTIATE, .flags = 0x18, .flags2 = 0xC001,
			     .pid = 0x4242, .mid = 1 };
	struct wr w;

	CHECK_INT(n, 47);
	wr_init(&w, buf, sizeof(buf));
	smb_hdr_encode(&w, &h);
	CHECK_INT(smb_negotiate_encode(&w), 0);
	CHECK_INT(wr_len(&w), n);
	CHECK_MEM(buf, want, n);

	for (size_t cap = SMB_HDR_LEN; cap < n; cap++) {
		wr_init(&w, buf, cap);
		smb_hdr_encode(&w, &h);
		CHECK_INT(smb_negotiate_encode(&w), -EMSGSIZE);
	}
}

/* Decodes a hex vector; the message (and so the blob) lives in `v`. */
static int decode_hex(const char *hex, uint8_t v[256], struct smb_negotiate_rep *r)
{
	struct smb_msg m;
	size_t n = unhex(hex, v, 256);
	int rc = smb_msg_parse(v, n, &m);

	if (rc)
		return rc;
	return smb_negotiate_decode(&m, r);
}

static void test_negotiate_decode_captured(void)
{
	struct smb_negotiate_rep r;
	uint8_t v[256];
	static const uint8_t chal[] = { 0x3b, 0xf4, 0x99, 0x22, 0x4c, 0x7f, 0x69, 0x39 };

	CHECK_INT(decode_hex(neg_classic_hex, v, &r), 0);
	CHECK_INT(r.dialect_index, 0);
	CHECK_INT(r.security_mode, NEGOTIATE_USER_SECURITY | NEGOTIATE_ENCRYPT_PASSWORDS);
	CHECK_INT(r.max_mpx_count, 50);
	CHECK_INT(r.max_vcs, 1);
	CHECK_INT(r.max_buffer_size, 16644);
	CHECK_INT(r.max_raw_size, 65536);
	CHECK_INT(r.session_key, 0x171d);
	CHECK_INT(r.capabilities, 0x0080f3fd);
	CHECK(r.capabilities & CAP_UNIX);
	CHECK(r.system_time == 0x01dd7ce9e4cd9afdULL);
	CHECK_INT(r.server_tz, 0);
	CHECK(!r.extended_security);
	CHECK_INT(r.challenge_len, 8);
	CHECK_MEM(r.challenge, chal, 8);
	CHECK_STR(r.domain_name, "WORKGROUP");
	CHECK_INT(r.security_blob_len, 0);
	smb_negotiate_rep_clear(&r);
	CHECK(r.domain_name == NULL);
	smb_negotiate_rep_clear(&r); /* idempotent */

	struct timespec ts;
	smb_nttime_to_timespec(0x01dd7ce9e4cd9afdULL, &ts);
	CHECK_INT(ts.tv_sec, 1795617189);

	CHECK_INT(decode_hex(neg_classic_oemflag_hex, v, &r), 0);
	CHECK_STR(r.domain_name, "WORKGROUP");
	CHECK_INT(r.session_key, 0x174c);
	smb_negotiate_rep_clear(&r);

	CHECK_INT(decode_hex(neg_extended_hex, v, &r), 0);
	CHECK(r.extended_security);
	CHECK_INT(r.capabilities, 0x8080f3fd);
	CHECK_INT(r.challenge_len, 0);
	CHECK(r.domain_name == NULL);
	CHECK_MEM(r.server_guid, "h1test\0\0\0\0\0\0\0\0\0\0", 16);
	CHECK_INT(r.security_blob_len, 74);
	CHECK(r.security_blob == v + 69 + 16);
	CHECK(r.security_blob[0] == 0x60 && r.security_blob[1] == 0x48 &&
	      r.security_blob[73] == 0x65);
	smb_negotiate_rep_clear(&r);
}

/* Builds an NT LM 0.12 reply: header, 17 words, then `bytes`. */
static size_t build_nt1(uint8_t *buf, size_t cap, uint16_t flags2, uint32_t caps,
			uint8_t challenge_len, const void *bytes, size_t nbytes)
{
	struct smb_hdr h = { .command = SMB_COM_NEGOTIATE, .flags = SMB_FLAGS_REPLY,
			     .flags2 = flags2 };
	struct wr w;

	wr_init(&w, buf, cap);
	smb_hdr_encode(&w, &h);
	wr_u8(&w, 17);
	wr_le16(&w, 0);          /* DialectIndex */
	wr_u8(&w, 0x03);         /* SecurityMode */
	wr_le16(&w, 10);         /* MaxMpxCount */
	wr_le16(&w, 1);          /* MaxNumberVcs */
	wr_le32(&w, 0x10000);    /* MaxBufferSize */
	wr_le32(&w, 0x10000);    /* MaxRawSize */
	wr_le32(&w, 0xdeadbeef); /* SessionKey */
	wr_le32(&w, caps);
	wr_le64(&w, 116444736000000000ULL);
	wr_le16(&w, (uint16_t)-120); /* ServerTimeZone: UTC+2 */
	wr_u8(&w, challenge_len);
	wr_le16(&w, (uint16_t)nbytes);
	wr_bytes(&w, bytes, nbytes);
	if (w.overflow) {
		fprintf(stderr, "build_nt1: buffer too small\n");
		exit(2);
	}
	return wr_len(&w);
}

/* Decodes from an exact-size copy; the copy is freed before returning, so
 * the blob pointer is cleared (its length stays for the checks). */
static int decode_built(const uint8_t *v, size_t n, struct smb_negotiate_rep *r)
{
	uint8_t *c;
	struct smb_msg m;
	int rc = parse_copy(v, n, &c, &m);

	if (!rc)
		rc = smb_negotiate_decode(&m, r);
	g_free(c);
	r->security_blob = NULL;
	return rc;
}

static void test_negotiate_decode_forms(void)
{
	uint8_t v[256];
	struct smb_negotiate_rep r;
	size_t n;

	/* OEM domain name, then server name (MS-SMB 2.2.4.5.2.2). */
	n = build_nt1(v, sizeof(v), 0x4001, CAP_NT_SMBS, 8, "12345678DOMAIN\0SRV\0", 19);
	CHECK_INT(decode_built(v, n, &r), 0);
	CHECK_MEM(r.challenge, "12345678", 8);
	CHECK_STR(r.domain_name, "DOMAIN");
	CHECK_INT(r.server_tz, -120);
	CHECK(r.system_time == 116444736000000000ULL);
	smb_negotiate_rep_clear(&r);

	/* Latin-1 OEM name comes back as UTF-8. */
	n = build_nt1(v, sizeof(v), 0x4001, CAP_NT_SMBS, 8, "12345678D\xc9V\0", 12);
	CHECK_INT(decode_built(v, n, &r), 0);
	CHECK_STR(r.domain_name, "D\xc3\x89V");
	smb_negotiate_rep_clear(&r);

	/* No domain at all: fine. */
	n = build_nt1(v, sizeof(v), 0xC001, CAP_UNICODE, 8, "12345678", 8);
	CHECK_INT(decode_built(v, n, &r), 0);
	CHECK(r.domain_name == NULL);

	/* Unterminated names are tolerated (OEM and UTF-16, odd tail). */
	n = build_nt1(v, sizeof(v), 0x4001, 0, 8, "12345678DOM", 11);
	CHECK_INT(decode_built(v, n, &r), 0);
	CHECK_STR(r.domain_name, "DOM");
	smb_negotiate_rep_clear(&r);
	n = build_nt1(v, sizeof(v), 0xC001, CAP_UNICODE, 8, "12345678D\0O\0M", 13);
	CHECK_INT(decode_built(v, n, &r), 0);
	CHECK_STR(r.domain_name, "DO");
	smb_negotiate_rep_clear(&r);
	n = build_nt1(v, sizeof(v), 0xC001, CAP_UNICODE, 8, "12345678D", 9);
	CHECK_INT(decode_built(v, n, &r), 0);
	CHECK(r.domain_name == NULL);
	/* Invalid UTF-16 in the (informational) domain: NULL, not an error. */
	n = build_nt1(v, sizeof(v), 0xC001, CAP_UNICODE, 8, "12345678\x00\xdc\0\0", 12);
	CHECK_INT(decode_built(v, n, &r), 0);
	CHECK(r.domain_name == NULL);

	/* OEM flags but a server without CAP_UNICODE: no UTF-16 guessing. */
	n = build_nt1(v, sizeof(v), 0x4001, CAP_NT_SMBS, 8, "12345678W\0\0\0", 12);
	CHECK_INT(decode_built(v, n, &r), 0);
	CHECK_STR(r.domain_name, "W");
	smb_negotiate_rep_clear(&r);

	/* Plaintext-password server: no challenge. */
	n = build_nt1(v, sizeof(v), 0x4001, 0, 0, "DOM\0", 4);
	CHECK_INT(decode_built(v, n, &r), 0);
	CHECK_INT(r.challenge_len, 0);
	CHECK_STR(r.domain_name, "DOM");
	smb_negotiate_rep_clear(&r);

	/* ChallengeLength beyond the bytes, or beyond 8. */
	n = build_nt1(v, sizeof(v), 0x4001, 0, 8, "1234567", 7);
	CHECK_INT(decode_built(v, n, &r), -EPROTO);
	CHECK(r.domain_name == NULL);
	n = build_nt1(v, sizeof(v), 0x4001, 0, 9, "123456789", 9);
	CHECK_INT(decode_built(v, n, &r), -EPROTO);

	/* Extended form with an empty blob (raw NTLMSSP follows). */
	n = build_nt1(v, sizeof(v), 0xC801, CAP_EXTENDED_SECURITY, 0, "0123456789abcdef", 16);
	CHECK_INT(decode_built(v, n, &r), 0);
	CHECK(r.extended_security);
	CHECK_MEM(r.server_guid, "0123456789abcdef", 16);
	CHECK_INT(r.security_blob_len, 0);
	/* Shorter than a GUID. */
	n = build_nt1(v, sizeof(v), 0xC801, CAP_EXTENDED_SECURITY, 0, "0123456789abcde", 15);
	CHECK_INT(decode_built(v, n, &r), -EPROTO);
}

static void test_negotiate_decode_other_dialects(void)
{
	struct smb_negotiate_rep r;
	uint8_t v[256];
	const char *hdr =
		"ff534d42 72 00000000 88 01c0 0000 0000000000000000 0000 0000 4242 0000 0100";
	char hex[512];

	/* "None of your dialects": WordCount 1, DialectIndex 0xFFFF. */
	snprintf(hex, sizeof(hex), "%s 01 ffff 0000", hdr);
	memset(&r, 0x55, sizeof(r));
	CHECK_INT(decode_hex(hex, v, &r), 0);
	CHECK_INT(r.dialect_index, 0xFFFF);
	CHECK(r.domain_name == NULL);
	smb_negotiate_rep_clear(&r);

	/* WordCount 1 claiming our dialect: not NT LM 0.12's 17 words. */
	snprintf(hex, sizeof(hex), "%s 01 0000 0000", hdr);
	CHECK_INT(decode_hex(hex, v, &r), -EPROTO);
	/* WordCount 0 (an error reply body). */
	snprintf(hex, sizeof(hex), "%s 00 0000", hdr);
	CHECK_INT(decode_hex(hex, v, &r), -EPROTO);
	/* LANMAN 2.1-style 13 words (MS-CIFS 2.2.4.52.2, LANMAN2.1 form). */
	snprintf(hex, sizeof(hex), "%s 0d 0000 %s 0000", hdr,
		 "0300 0411 3200 0100 0000 00000000 0000 0000 0000 0000 0000");
	CHECK_INT(decode_hex(hex, v, &r), -EPROTO);

	/* 17 words but an index we never offered. */
	size_t n = unhex(neg_classic_hex, v, sizeof(v));
	struct smb_msg m;
	v[33] = 1;
	CHECK_INT(smb_msg_parse(v, n, &m), 0);
	CHECK_INT(smb_negotiate_decode(&m, &r), -EPROTO);
}

/* Every cut of a valid reply: parsing must fail (ByteCount no longer fits).
 * Then the same cut with ByteCount lowered to match: decoding must fail when
 * a fixed field (words, challenge, GUID) is cut, and may succeed only when
 * just the optional DomainName is shortened; never read out of bounds. */
static void check_truncations(const char *hex, size_t fixed_end)
{
	uint8_t v[256];
	size_t n = unhex(hex, v, sizeof(v));

	for (size_t k = 0; k < n; k++) {
		uint8_t *c;
		struct smb_msg m;
		struct smb_negotiate_rep r;

		CHECK_INT(parse_copy(v, k, &c, &m), -EPROTO);
		g_free(c);

		if (k < 35)
			continue; /* no room for a ByteCount field */
		uint8_t cut[256];
		size_t len = k;
		memcpy(cut, v, k);
		/* Lower WordCount or ByteCount to what is left. */
		if (k < 33 + 34 + 2) {
			cut[32] = (uint8_t)((k - 35) / 2);
			size_t bcc_off = 33 + 2 * (size_t)cut[32];
			cut[bcc_off] = 0;
			cut[bcc_off + 1] = 0;
			len = bcc_off + 2;
		} else {
			cut[67] = (uint8_t)(k - 69);
			cut[68] = 0;
		}
		int rc = parse_copy(cut, len, &c, &m);
		CHECK_INT(rc, 0);
		if (!rc) {
			rc = smb_negotiate_decode(&m, &r);
			CHECK_INT(rc, k < fixed_end ? -EPROTO : 0);
			smb_negotiate_rep_clear(&r);
		}
		g_free(c);
	}
}

static void test_negotiate_truncations(void)
{
	/* Classic: fixed part ends after the 8-byte challenge (69 + 8). */
	check_truncations(neg_classic_hex, 77);
	check_truncations(neg_classic_oemflag_hex, 77);
	/* Extended: after the GUID (69 + 16); the blob may be any length. */
	check_truncations(neg_extended_hex, 85);
}

/* Random byte flips over the captured replies: no crash, no leak. */
static void test_negotiate_mutations(void)
{
	const char *vectors[] = { neg_classic_hex, neg_classic_oemflag_hex, neg_extended_hex };
	uint32_t seed = 12345;

	for (size_t vi = 0; vi < 3; vi++) {
		uint8_t v[256];
		size_t n = unhex(vectors[vi], v, sizeof(v));

		for (int iter = 0; iter < 20000; iter++) {
			uint8_t mut[256];
			memcpy(mut, v, n);
			for (int f = 0; f < 3; f++) {
				seed = seed * 1103515245 + 12345;
				size_t at = 32 + (seed >> 8) % (n - 32);
				seed = seed * 1103515245 + 12345;
				mut[at] = (uint8_t)(seed >> 16);
			}
			seed = seed * 1103515245 + 12345;
			size_t len = n - (seed >> 8) % 8;
			uint8_t *c;
			struct smb_msg m;
			struct smb_negotiate_rep r;
			if (parse_copy(mut, len, &c, &m) == 0) {
				int rc = smb_negotiate_decode(&m, &r);
				CHECK(rc == 0 || rc == -EPROTO);
				if (rc == 0 && r.security_blob)
					CHECK(r.security_blob + r.security_blob_len <= c + len);
				smb_negotiate_rep_clear(&r);
			}
			g_free(c);
		}
	}
}

/* ---- time ---- */

#define NT_1970 116444736000000000ULL

static void test_time(void)
{
	struct timespec ts;

	smb_nttime_to_timespec(0, &ts);
	CHECK_INT(ts.tv_sec, 0);
	CHECK_INT(ts.tv_nsec, 0);
	smb_nttime_to_timespec(NT_1970, &ts);
	CHECK_INT(ts.tv_sec, 0);
	CHECK_INT(ts.tv_nsec, 0);
	smb_nttime_to_timespec(NT_1970 + 10000000 + 1234567, &ts);
	CHECK_INT(ts.tv_sec, 1);
	CHECK_INT(ts.tv_nsec, 123456700);
	smb_nttime_to_timespec(NT_1970 - 1, &ts); /* just before 1970 */
	CHECK_INT(ts.tv_sec, -1);
	CHECK_INT(ts.tv_nsec, 999999900);
	smb_nttime_to_timespec(1, &ts);
	CHECK_INT(ts.tv_sec, -11644473600LL);
	CHECK_INT(ts.tv_nsec, 100);
	smb_nttime_to_timespec(UINT64_MAX, &ts);
	CHECK_INT(ts.tv_sec, 1833029933770LL);
	CHECK_INT(ts.tv_nsec, 955161500);
	/* 2038-01-19T03:14:08Z, past 32-bit time_t */
	smb_nttime_to_timespec(NT_1970 + 2147483648ULL * 10000000, &ts);
	CHECK_INT(ts.tv_sec, 2147483648LL);

	ts = (struct timespec){ 0, 0 };
	CHECK(smb_timespec_to_nttime(&ts) == NT_1970); /* 1970 is a time, not "unset" */
	ts = (struct timespec){ 1, 123456789 };
	CHECK(smb_timespec_to_nttime(&ts) == NT_1970 + 11234567);
	ts = (struct timespec){ -1, 999999900 };
	CHECK(smb_timespec_to_nttime(&ts) == NT_1970 - 1);
	ts = (struct timespec){ 1795617189, 500 };
	struct timespec back;
	smb_nttime_to_timespec(smb_timespec_to_nttime(&ts), &back);
	CHECK_INT(back.tv_sec, 1795617189);
	CHECK_INT(back.tv_nsec, 500);

	/* Clamps: before 1601 -> 1 (never 0, "unset"); far future -> max. */
	ts = (struct timespec){ -11644473601LL, 0 };
	CHECK(smb_timespec_to_nttime(&ts) == 1);
	ts = (struct timespec){ -11644473600LL, 0 };
	CHECK(smb_timespec_to_nttime(&ts) == 1);
	ts = (struct timespec){ -11644473600LL, 100 };
	CHECK(smb_timespec_to_nttime(&ts) == 1);
	ts = (struct timespec){ -11644473600LL, 200 };
	CHECK(smb_timespec_to_nttime(&ts) == 2);
	ts = (struct timespec){ INT64_MAX, 0 };
	CHECK(smb_timespec_to_nttime(&ts) == INT64_MAX);
	ts = (struct timespec){ INT64_MIN, 0 };
	CHECK(smb_timespec_to_nttime(&ts) == 1);
	ts = (struct timespec){ 910692730085LL, 999999999 };
	CHECK(smb_timespec_to_nttime(&ts) == INT64_MAX);
	/* Out-of-range nanoseconds are clamped; UTIME_OMIT is "unset". */
	ts = (struct timespec){ 1, -5 };
	CHECK(smb_timespec_to_nttime(&ts) == NT_1970 + 10000000);
	ts = (struct timespec){ 1, 2000000000 };
	CHECK(smb_timespec_to_nttime(&ts) == NT_1970 + 19999999);
	ts = (struct timespec){ 1, UTIME_OMIT };
	CHECK(smb_timespec_to_nttime(&ts) == 0);
}

int main(void)
{
	test_hdr_encode();
	test_msg_parse();
	test_words_bytes_helpers();
	test_put_string();
	test_negotiate_encode();
	test_negotiate_decode_captured();
	test_negotiate_decode_forms();
	test_negotiate_decode_other_dialects();
	test_negotiate_truncations();
	test_negotiate_mutations();
	test_time();
	CHECK_DONE();
}
