/* NTLM / NTLMSSP / SPNEGO: MS-NLMP 4.2 published vectors, RFC 1320 / 1321 /
 * 2104 / 6229 primitive vectors, and hostile inputs (every truncation of the
 * 4.2.4.3 challenge, malformed DER).  DER expectations were produced with an
 * independent Python encoder; DES vectors are MS-NLMP 4.2.2 (checked against
 * the openssl command line). */
#include <errno.h>
#include <stdlib.h>

#include "buf.h"
#include "check.h"
#include "crypto.h"
#include "ntlmssp.h"

#define HEX(name, hex)                                                                         \
	uint8_t name[sizeof(hex) / 2 + 1];                                                     \
	size_t name##_len __attribute__((unused)) = check_unhex(hex, name, sizeof(name))

/* MS-NLMP 4.2.4.3 CHALLENGE_MESSAGE */
static const char challenge_hex[] =
	"4e544c4d53535000 02000000 0c000c00 38000000 33828ae2 0123456789abcdef"
	"0000000000000000 24002400 44000000 060070170000000f"
	"530065007200760065007200"
	"02000c00 44006f006d00610069006e00 01000c00 530065007200760065007200 00000000";

/* MS-NLMP 4.2.4.2.2 NTLMv2 response: NTProofStr || temp */
static const char ntv2_hex[] =
	"68cd0ab851e51c96aabc927bebef6a1c 0101000000000000 0000000000000000"
	"aaaaaaaaaaaaaaaa 00000000"
	"02000c00 44006f006d00610069006e00 01000c00 530065007200760065007200 00000000"
	"00000000";

/* A heap copy of exactly n bytes, so ASan sees any read past the end. */
static uint8_t *heap_copy(const uint8_t *p, size_t n)
{
	uint8_t *q = g_malloc(n ? n : 1);
	memcpy(q, p, n);
	return q;
}

static const uint8_t server_challenge[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
static const uint8_t client_challenge[8] = { 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa };
static const uint8_t random_key[16] = { 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
					0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55 };

static void test_primitives(void)
{
	uint8_t out[16];

	/* RFC 1320 A.5 */
	HEX(md4_empty, "31d6cfe0d16ae931b73c59d7e0c089c0");
	HEX(md4_abc, "a448017aaf21d8525fc10ae87aa6729d");
	HEX(md4_md, "d9130a8164549fe818874806e1c7014b");
	CHECK_INT(crypto_md4("", 0, out), 0);
	CHECK_MEM(out, md4_empty, 16);
	CHECK_INT(crypto_md4("abc", 3, out), 0);
	CHECK_MEM(out, md4_abc, 16);
	CHECK_INT(crypto_md4("message digest", 14, out), 0);
	CHECK_MEM(out, md4_md, 16);

	/* RFC 1321 A.5 */
	HEX(md5_empty, "d41d8cd98f00b204e9800998ecf8427e");
	HEX(md5_abc, "900150983cd24fb0d6963f7d28e17f72");
	CHECK_INT(crypto_md5("", 0, out), 0);
	CHECK_MEM(out, md5_empty, 16);
	CHECK_INT(crypto_md5("abc", 3, out), 0);
	CHECK_MEM(out, md5_abc, 16);
	struct crypto_iov parts[] = { { "a", 1 }, { "", 0 }, { "bc", 2 } };
	CHECK_INT(crypto_md5_iov(parts, 3, out), 0);
	CHECK_MEM(out, md5_abc, 16);

	/* RFC 2104 test vectors */
	uint8_t k1[16], k3[16], d3[50];
	memset(k1, 0x0b, sizeof(k1));
	memset(k3, 0xaa, sizeof(k3));
	memset(d3, 0xdd, sizeof(d3));
	HEX(hm1, "9294727a3638bb1c13f48ef8158bfc9d");
	HEX(hm2, "750c783e6ab0b503eaa86e310a5db738");
	HEX(hm3, "56be34521d144c88dbb8c733f0e8b3f6");
	CHECK_INT(crypto_hmac_md5(k1, 16, "Hi There", 8, out), 0);
	CHECK_MEM(out, hm1, 16);
	CHECK_INT(crypto_hmac_md5("Jefe", 4, "what do ya want for nothing?", 28, out), 0);
	CHECK_MEM(out, hm2, 16);
	CHECK_INT(crypto_hmac_md5(k3, 16, d3, 50, out), 0);
	CHECK_MEM(out, hm3, 16);
	struct crypto_iov hparts[] = { { "what do ya ", 11 }, { "want for nothing?", 17 } };
	CHECK_INT(crypto_hmac_md5_iov("Jefe", 4, hparts, 2, out), 0);
	CHECK_MEM(out, hm2, 16);

	/* RC4: RFC 6229 40-bit key, offset 0; the classic "Key"/"Plaintext". */
	static const uint8_t k40[5] = { 1, 2, 3, 4, 5 };
	uint8_t zero[16] = { 0 }, ks[16], back[16];
	HEX(rc4_6229, "b2396305f03dc027ccc3524a0a1118a8");
	CHECK_INT(crypto_rc4(k40, 5, zero, 16, ks), 0);
	CHECK_MEM(ks, rc4_6229, 16);
	HEX(rc4_pt, "bbf316e8d940af0ad3");
	CHECK_INT(crypto_rc4("Key", 3, "Plaintext", 9, ks), 0);
	CHECK_MEM(ks, rc4_pt, 9);
	CHECK_INT(crypto_rc4("Key", 3, ks, 9, back), 0);
	CHECK_MEM(back, "Plaintext", 9);
	memcpy(back, "Plaintext", 9); /* in place */
	CHECK_INT(crypto_rc4("Key", 3, back, 9, back), 0);
	CHECK_MEM(back, rc4_pt, 9);
	CHECK_INT(crypto_rc4("", 0, zero, 16, ks), -EINVAL);

	/* DES with a 7-byte key: LM hash of "" (MS-NLMP 6, the "KGS!@#$%"
	 * magic), LMOWFv1("Password") of 4.2.2.1.1 and the NTLMv1 response
	 * DESL(NTOWFv1, ServerChallenge) of 4.2.2.2.1. */
	static const uint8_t kgs[8] = { 'K', 'G', 'S', '!', '@', '#', '$', '%' };
	uint8_t k7[7] = { 0 }, block[8];
	HEX(lm_empty_half, "aad3b435b51404ee");
	CHECK_INT(crypto_des_7(k7, kgs, block), 0);
	CHECK_MEM(block, lm_empty_half, 8);

	static const uint8_t pw[14] = "PASSWORD";
	uint8_t lm[16];
	HEX(lmowf, "e52cac67419a9a224a3b108f3fa6cb6d");
	CHECK_INT(crypto_des_7(pw, kgs, lm), 0);
	CHECK_INT(crypto_des_7(pw + 7, kgs, lm + 8), 0);
	CHECK_MEM(lm, lmowf, 16);

	uint8_t nt_key[21] = { 0 }, v1[24];
	HEX(ntowf1, "a4f49c406510bdcab6824ee7c30fd852");
	HEX(ntv1, "67c43011f30298a2ad35ece64f16331c44bdbed927841f94");
	memcpy(nt_key, ntowf1, 16);
	for (int i = 0; i < 3; i++)
		CHECK_INT(crypto_des_7(nt_key + 7 * i, server_challenge, v1 + 8 * i), 0);
	CHECK_MEM(v1, ntv1, 24);

	uint8_t rnd1[32] = { 0 }, rnd2[32] = { 0 };
	CHECK_INT(crypto_random(rnd1, sizeof(rnd1)), 0);
	CHECK_INT(crypto_random(rnd2, sizeof(rnd2)), 0);
	CHECK(memcmp(rnd1, rnd2, sizeof(rnd1)) != 0);
	CHECK_INT(crypto_random(rnd1, 0), 0);
}

/* MS-NLMP 4.2.4.1 / 4.2.4.2 */
static void test_ntlmv2_vectors(void)
{
	uint8_t nt_hash[16], v2hash[16], base_key[16], lmv2[24], enc[16];

	HEX(ntowf1, "a4f49c406510bdcab6824ee7c30fd852");
	CHECK_INT(ntlm_nt_hash("Password", nt_hash), 0);
	CHECK_MEM(nt_hash, ntowf1, 16);

	HEX(ntowf2, "0c868a403bfd7a93a3001ef22ef02e3f");
	CHECK_INT(ntlm_v2_hash(nt_hash, "User", "Domain", v2hash), 0);
	CHECK_MEM(v2hash, ntowf2, 16);
	/* the user name is uppercased, the domain is not */
	uint8_t other[16];
	CHECK_INT(ntlm_v2_hash(nt_hash, "user", "Domain", other), 0);
	CHECK_MEM(other, ntowf2, 16);
	CHECK_INT(ntlm_v2_hash(nt_hash, "User", "DOMAIN", other), 0);
	CHECK(memcmp(other, ntowf2, 16) != 0);

	HEX(chal, challenge_hex);
	CHECK_INT(chal_len, 104);
	const uint8_t *ti = chal + 0x44;
	size_t ti_len = 0x24;

	HEX(ntv2, ntv2_hex);
	CHECK_INT(ntv2_len, 84);
	GByteArray *nt = g_byte_array_new();
	CHECK_INT(ntlm_v2_response(v2hash, server_challenge, client_challenge, 0, ti, ti_len, nt,
				   base_key),
		  0);
	CHECK_INT(nt->len, 84);
	CHECK_MEM(nt->data, ntv2, 84);
	HEX(sbk, "8de40ccadbc14a82f15cb0ad0de95ca3");
	CHECK_MEM(base_key, sbk, 16);
	g_byte_array_free(nt, TRUE);

	HEX(lmv2_expect, "86c35097ac9cec102554764a57cccc19 aaaaaaaaaaaaaaaa");
	CHECK_INT(ntlm_lmv2_response(v2hash, server_challenge, client_challenge, lmv2), 0);
	CHECK_MEM(lmv2, lmv2_expect, 24);

	/* 4.2.4.2.3: EncryptedSessionKey = RC4(KeyExchangeKey = SessionBaseKey,
	 * RandomSessionKey) */
	HEX(enc_expect, "c5dad2544fc9799094ce1ce90bc9d03e");
	CHECK_INT(crypto_rc4(base_key, 16, random_key, 16, enc), 0);
	CHECK_MEM(enc, enc_expect, 16);

	CHECK_INT(ntlm_nt_hash("\xff\xfe", nt_hash), -EINVAL);
}

static void test_challenge_parse(void)
{
	struct ntlmssp_challenge c;
	HEX(chal, challenge_hex);

	CHECK_INT(ntlmssp_parse_challenge(chal, chal_len, &c), 0);
	CHECK_INT(c.flags, 0xe28a8233);
	CHECK_MEM(c.server_challenge, server_challenge, 8);
	CHECK_INT(c.target_info_len, 36);
	CHECK(c.target_info && memcmp(c.target_info, chal + 0x44, 36) == 0);
	CHECK_STR(c.target_name, "Server");
	CHECK(!c.has_timestamp);
	ntlmssp_challenge_clear(&c);
	CHECK(c.target_info == NULL && c.target_name == NULL);

	/* Every truncation fails cleanly (ASan catches any over-read). */
	int accepted = 0;
	for (size_t n = 0; n < chal_len; n++) {
		uint8_t *copy = heap_copy(chal, n);
		if (ntlmssp_parse_challenge(copy, n, &c) != -EPROTO)
			accepted++;
		CHECK(c.target_info == NULL && c.target_name == NULL);
		g_free(copy);
	}
	CHECK_INT(accepted, 0);

	/* Every single-byte corruption either parses or fails; never crashes. */
	uint8_t mut[sizeof(chal)];
	for (size_t i = 0; i < chal_len; i++) {
		static const uint8_t vals[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };
		for (size_t v = 0; v < sizeof(vals); v++) {
			memcpy(mut, chal, chal_len);
			mut[i] = vals[v];
			if (ntlmssp_parse_challenge(mut, chal_len, &c) == 0)
				ntlmssp_challenge_clear(&c);
		}
	}

	/* Wrong signature / type; security buffer offsets past the end */
	memcpy(mut, chal, chal_len);
	mut[8] = 3;
	CHECK_INT(ntlmssp_parse_challenge(mut, chal_len, &c), -EPROTO);
	memcpy(mut, chal, chal_len);
	mut[0] = 'n';
	CHECK_INT(ntlmssp_parse_challenge(mut, chal_len, &c), -EPROTO);
	memcpy(mut, chal, chal_len);
	mut[0x28] = 0xff; /* TargetInfo length 0x24 -> 0xff */
	CHECK_INT(ntlmssp_parse_challenge(mut, chal_len, &c), -EPROTO);
	memcpy(mut, chal, chal_len);
	mut[0x2f] = 0xff; /* TargetInfo offset huge */
	CHECK_INT(ntlmssp_parse_challenge(mut, chal_len, &c), -EPROTO);
	memcpy(mut, chal, chal_len);
	mut[0x13] = 0x80; /* TargetName offset huge */
	CHECK_INT(ntlmssp_parse_challenge(mut, chal_len, &c), -EPROTO);
	/* an AV pair running past TargetInfo */
	memcpy(mut, chal, chal_len);
	mut[0x44 + 2] = 0x40;
	CHECK_INT(ntlmssp_parse_challenge(mut, chal_len, &c), -EPROTO);
	/* target info without MsvAvEOL (drop the last 4 bytes) */
	memcpy(mut, chal, chal_len);
	mut[0x28] = mut[0x2a] = 0x20;
	CHECK_INT(ntlmssp_parse_challenge(mut, chal_len - 4, &c), -EPROTO);
	CHECK_INT(ntlmssp_parse_challenge(NULL, 0, &c), -EPROTO);
}

/* A CHALLENGE_MESSAGE without Version, with TargetName "Server" and the
 * given target info; returns its length. */
static size_t build_challenge(uint8_t *buf, size_t cap, uint32_t flags, const uint8_t *ti,
			      size_t ti_len)
{
	static const uint8_t name[12] = { 'S', 0, 'e', 0, 'r', 0, 'v', 0, 'e', 0, 'r', 0 };
	struct wr w;
	wr_init(&w, buf, cap);
	wr_bytes(&w, "NTLMSSP", 8);
	wr_le32(&w, 2);
	wr_le16(&w, sizeof(name));
	wr_le16(&w, sizeof(name));
	wr_le32(&w, 48);
	wr_le32(&w, flags);
	wr_bytes(&w, server_challenge, 8);
	wr_zero(&w, 8);
	wr_le16(&w, (uint16_t)ti_len);
	wr_le16(&w, (uint16_t)ti_len);
	wr_le32(&w, 48 + sizeof(name));
	wr_bytes(&w, name, sizeof(name));
	wr_bytes(&w, ti, ti_len);
	CHECK(!w.overflow);
	return wr_len(&w);
}

struct auth_fields {
	uint32_t flags;
	const uint8_t *f[6]; /* LM, NT, domain, user, workstation, session key */
	size_t len[6];
};

/* Re-parses an AUTHENTICATE_MESSAGE, checking that every security buffer is
 * inside the message, none overlap and together they fill the payload. */
static int parse_auth(const GByteArray *m, struct auth_fields *a)
{
	struct rd r;
	size_t sum = 0;
	size_t off[6];

	if (!m || m->len < 64 || memcmp(m->data, "NTLMSSP", 8) != 0)
		return -1;
	rd_init(&r, m->data, m->len);
	rd_skip(&r, 8);
	if (rd_le32(&r) != 3)
		return -1;
	for (int i = 0; i < 6; i++) {
		uint16_t len = rd_le16(&r), max = rd_le16(&r);
		off[i] = rd_le32(&r);
		if (len != max || off[i] < 64 || off[i] > m->len || len > m->len - off[i])
			return -1;
		a->f[i] = m->data + off[i];
		a->len[i] = len;
		sum += len;
	}
	a->flags = rd_le32(&r);
	for (int i = 0; i < 6; i++)
		for (int j = 0; j < 6; j++)
			if (i != j && a->len[i] && a->len[j] && off[i] < off[j] &&
			    off[i] + a->len[i] > off[j])
				return -1;
	/* Unicode strings start 2-aligned */
	for (int i = 2; i < 5; i++)
		if (off[i] & 1)
			return -1;
	return 64 + sum == m->len ? 0 : -1;
}

static void check_utf16(const uint8_t *p, size_t len, const char *ascii)
{
	size_t n = strlen(ascii);
	CHECK_INT(len, 2 * n);
	if (len != 2 * n)
		return;
	for (size_t i = 0; i < n; i++)
		CHECK(p[2 * i] == (uint8_t)ascii[i] && p[2 * i + 1] == 0);
}

static void test_authenticate(void)
{
	struct ntlmssp_challenge c;
	struct auth_fields a;
	uint8_t session_key[16];
	HEX(chal, challenge_hex);
	HEX(ntv2, ntv2_hex);
	HEX(lmv2, "86c35097ac9cec102554764a57cccc19 aaaaaaaaaaaaaaaa");
	HEX(enc, "c5dad2544fc9799094ce1ce90bc9d03e");
	HEX(sbk, "8de40ccadbc14a82f15cb0ad0de95ca3");

	CHECK_INT(ntlmssp_parse_challenge(chal, chal_len, &c), 0);
	struct ntlm_creds cr = { .user = "User",
				 .domain = "Domain",
				 .password = "Password",
				 .workstation = "COMPUTER" };

	/* MS-NLMP 4.2.4.3: KEY_EXCH negotiated -> the random key is exported. */
	GByteArray *m = ntlmssp_authenticate_msg(&c, &cr, client_challenge, 0, random_key,
						 session_key);
	CHECK(m != NULL);
	CHECK_INT(parse_auth(m, &a), 0);
	if (m && parse_auth(m, &a) == 0) {
		CHECK_INT(a.len[0], 24);
		CHECK_MEM(a.f[0], lmv2, 24);
		CHECK_INT(a.len[1], 84);
		CHECK_MEM(a.f[1], ntv2, 84);
		check_utf16(a.f[2], a.len[2], "Domain");
		check_utf16(a.f[3], a.len[3], "User");
		check_utf16(a.f[4], a.len[4], "COMPUTER");
		CHECK_INT(a.len[5], 16);
		CHECK_MEM(a.f[5], enc, 16);
		CHECK(a.flags & NTLMSSP_NEGOTIATE_KEY_EXCH);
		CHECK(a.flags & NTLMSSP_NEGOTIATE_UNICODE);
		CHECK(a.flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY);
		CHECK(!(a.flags & NTLMSSP_NEGOTIATE_VERSION));
		CHECK(!(a.flags & NTLMSSP_TARGET_TYPE_SERVER));
		CHECK(!(a.flags & NTLMSSP_ANONYMOUS));
	}
	CHECK_MEM(session_key, random_key, 16);
	if (m)
		g_byte_array_free(m, TRUE);
	ntlmssp_challenge_clear(&c);

	/* Without KEY_EXCH the session key is the session base key and no
	 * encrypted key is sent. */
	const uint8_t *ti = chal + 0x44;
	uint8_t buf[256];
	size_t n = build_challenge(buf, sizeof(buf), 0x00888205 /* no KEY_EXCH */, ti, 36);
	CHECK_INT(ntlmssp_parse_challenge(buf, n, &c), 0);
	m = ntlmssp_authenticate_msg(&c, &cr, client_challenge, 0, random_key, session_key);
	CHECK_INT(parse_auth(m, &a), 0);
	if (m && parse_auth(m, &a) == 0) {
		CHECK_INT(a.len[5], 0);
		CHECK_MEM(a.f[1], ntv2, 84);
		CHECK(!(a.flags & NTLMSSP_NEGOTIATE_KEY_EXCH));
	}
	CHECK_MEM(session_key, sbk, 16);
	if (m)
		g_byte_array_free(m, TRUE);
	/* KEY_EXCH without a random key is refused */
	c.flags |= NTLMSSP_NEGOTIATE_KEY_EXCH;
	m = ntlmssp_authenticate_msg(&c, &cr, client_challenge, 0, NULL, session_key);
	CHECK(m == NULL);
	ntlmssp_challenge_clear(&c);

	/* MsvAvTimestamp: the server's time goes into the blob, LM is Z(24). */
	uint8_t ti_ts[64];
	struct wr w;
	wr_init(&w, ti_ts, sizeof(ti_ts));
	wr_bytes(&w, ti, 32); /* Domain, Server pairs without EOL */
	wr_le16(&w, MSV_AV_TIMESTAMP);
	wr_le16(&w, 8);
	wr_le64(&w, 0x01d5a1b2c3d4e5f6ull);
	wr_zero(&w, 4); /* EOL */
	n = build_challenge(buf, sizeof(buf), 0xe2898215, ti_ts, wr_len(&w));
	CHECK_INT(ntlmssp_parse_challenge(buf, n, &c), 0);
	CHECK(c.has_timestamp);
	CHECK(c.timestamp == 0x01d5a1b2c3d4e5f6ull);
	m = ntlmssp_authenticate_msg(&c, &cr, client_challenge, 0x1122334455667788ull, random_key,
				     session_key);
	CHECK_INT(parse_auth(m, &a), 0);
	if (m && parse_auth(m, &a) == 0) {
		static const uint8_t z24[24];
		CHECK_INT(a.len[0], 24);
		CHECK_MEM(a.f[0], z24, 24);
		CHECK_INT(a.len[1], 16 + 28 + wr_len(&w) + 4);
		struct rd t;
		rd_init(&t, a.f[1] + 16 + 8, 8);
		CHECK(rd_le64(&t) == 0x01d5a1b2c3d4e5f6ull);
		CHECK_MEM(a.f[1] + 16 + 28, ti_ts, wr_len(&w));
		/* the NT response recomputes to the same value */
		uint8_t h[16], v2[16], bk[16];
		GByteArray *nt = g_byte_array_new();
		CHECK_INT(ntlm_nt_hash("Password", h), 0);
		CHECK_INT(ntlm_v2_hash(h, "User", "Domain", v2), 0);
		CHECK_INT(ntlm_v2_response(v2, server_challenge, client_challenge,
					   0x01d5a1b2c3d4e5f6ull, ti_ts, wr_len(&w), nt, bk),
			  0);
		CHECK_INT(nt->len, a.len[1]);
		CHECK(nt->len == a.len[1] && memcmp(nt->data, a.f[1], nt->len) == 0);
		g_byte_array_free(nt, TRUE);
	}
	if (m)
		g_byte_array_free(m, TRUE);

	/* Anonymous (MS-NLMP 3.1.5.1.2): NT empty, LM Z(1), no session key. */
	struct ntlm_creds anon = { .anonymous = true, .workstation = "COMPUTER" };
	memset(session_key, 0xee, sizeof(session_key));
	m = ntlmssp_authenticate_msg(&c, &anon, client_challenge, 0, random_key, session_key);
	CHECK_INT(parse_auth(m, &a), 0);
	if (m && parse_auth(m, &a) == 0) {
		CHECK_INT(a.len[0], 1);
		CHECK_INT(a.f[0][0], 0);
		CHECK_INT(a.len[1], 0);
		CHECK_INT(a.len[2], 0);
		CHECK_INT(a.len[3], 0);
		check_utf16(a.f[4], a.len[4], "COMPUTER");
		CHECK_INT(a.len[5], 0);
		CHECK(a.flags & NTLMSSP_ANONYMOUS);
		CHECK(!(a.flags & NTLMSSP_NEGOTIATE_KEY_EXCH));
		CHECK(!(a.flags & NTLMSSP_NEGOTIATE_SIGN));
	}
	static const uint8_t z16[16];
	CHECK_MEM(session_key, z16, 16);
	if (m)
		g_byte_array_free(m, TRUE);
	ntlmssp_challenge_clear(&c);

	/* Non-ASCII names and an empty target info still make a sound message. */
	n = build_challenge(buf, sizeof(buf), 0xe2898215, NULL, 0);
	CHECK_INT(ntlmssp_parse_challenge(buf, n, &c), 0);
	struct ntlm_creds intl = { .user = "J\xc3\xbcrgen", .domain = "D\xc3\x96M",
				   .password = "p\xc3\xa4ss", .workstation = NULL };
	m = ntlmssp_authenticate_msg(&c, &intl, client_challenge, 1, random_key, session_key);
	CHECK_INT(parse_auth(m, &a), 0);
	if (m && parse_auth(m, &a) == 0) {
		CHECK_INT(a.len[3], 12);
		CHECK_INT(a.len[4], 0);
		CHECK_INT(a.len[1], 16 + 28 + 4);
	}
	if (m)
		g_byte_array_free(m, TRUE);
	intl.user = "\xc3\x28"; /* invalid UTF-8 */
	m = ntlmssp_authenticate_msg(&c, &intl, client_challenge, 1, random_key, session_key);
	CHECK(m == NULL);
	CHECK_MEM(session_key, z16, 16);
	ntlmssp_challenge_clear(&c);
}

/* MS-NLMP 2.2.1.1: VERSION is dropped, as the message carries no Version. */
static void test_negotiate(void)
{
	uint32_t flags = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_REQUEST_TARGET |
			 NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_NTLM |
			 NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
			 NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_NEGOTIATE_128 |
			 NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_56 |
			 NTLMSSP_NEGOTIATE_VERSION;
	GByteArray *m = ntlmssp_negotiate_msg(flags);
	HEX(expect, "4e544c4d53535000 01000000 158208e0 0000 0000 20000000 0000 0000 20000000");
	CHECK(m && m->len == expect_len);
	if (m && m->len == expect_len)
		CHECK_MEM(m->data, expect, expect_len);
	if (m)
		g_byte_array_free(m, TRUE);
}

static void test_spnego_wrap(void)
{
	uint8_t tok[32];
	for (int i = 0; i < 32; i++)
		tok[i] = (uint8_t)i;

	HEX(init32, "604006062b0601050502a0363034a00e300c060a2b06010401823702020aa2220420"
		    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
	GByteArray *m = spnego_wrap_init(tok, sizeof(tok));
	CHECK(m && m->len == init32_len);
	if (m && m->len == init32_len)
		CHECK_MEM(m->data, init32, init32_len);
	CHECK(m && spnego_offers_ntlmssp(m->data, m->len));
	if (m)
		g_byte_array_free(m, TRUE);

	/* long-form lengths (2 octets) */
	uint8_t *big = g_malloc0(70000);
	HEX(init300, "6082015406062b0601050502a082014830820144a00e300c060a2b06010401823702020a"
		     "a28201300482012c");
	m = spnego_wrap_init(big, 300);
	CHECK(m && m->len == 344);
	if (m && m->len == 344)
		CHECK_MEM(m->data, init300, init300_len);
	if (m)
		g_byte_array_free(m, TRUE);

	HEX(resp5, "a10b3009a207040568656c6c6f");
	m = spnego_wrap_resp((const uint8_t *)"hello", 5);
	CHECK(m && m->len == resp5_len);
	if (m && m->len == resp5_len)
		CHECK_MEM(m->data, resp5, resp5_len);
	if (m)
		g_byte_array_free(m, TRUE);

	/* 3-octet lengths, and round trip through unwrap */
	HEX(resp70000, "a18301117f308301117aa2830111750483011170");
	big[0] = 0x42;
	big[69999] = 0x24;
	m = spnego_wrap_resp(big, 70000);
	CHECK(m && m->len == 70020);
	if (m && m->len == 70020) {
		const uint8_t *t;
		size_t tl;
		int st;
		CHECK_MEM(m->data, resp70000, resp70000_len);
		CHECK_INT(spnego_unwrap(m->data, m->len, &t, &tl, &st), 0);
		CHECK_INT(tl, 70000);
		CHECK(t == m->data + 20);
		CHECK_INT(st, -1);
	}
	if (m)
		g_byte_array_free(m, TRUE);
	g_free(big);
	CHECK(spnego_wrap_init(NULL, 5) == NULL);
	CHECK(spnego_wrap_resp(NULL, 5) == NULL);
}

static void test_spnego_unwrap(void)
{
	const uint8_t *t;
	size_t tl;
	int st;
	HEX(chal, challenge_hex);

	/* Samba's first session setup reply: accept-incomplete, supportedMech
	 * NTLMSSP, responseToken = CHALLENGE_MESSAGE. */
	HEX(prefix, "a18181307fa0030a0101a10c060a2b06010401823702020aa26a0468");
	uint8_t resp[256];
	memcpy(resp, prefix, prefix_len);
	memcpy(resp + prefix_len, chal, chal_len);
	size_t resp_len = prefix_len + chal_len;
	CHECK_INT(resp_len, 132);
	CHECK_INT(spnego_unwrap(resp, resp_len, &t, &tl, &st), 0);
	CHECK_INT(st, 1);
	CHECK_INT(tl, chal_len);
	CHECK(t == resp + prefix_len);
	struct ntlmssp_challenge c;
	CHECK_INT(ntlmssp_parse_challenge(t, tl, &c), 0);
	CHECK_STR(c.target_name, "Server");
	ntlmssp_challenge_clear(&c);

	/* every truncation is rejected */
	int accepted = 0;
	for (size_t n = 0; n < resp_len; n++) {
		uint8_t *copy = heap_copy(resp, n);
		if (spnego_unwrap(copy, n, &t, &tl, &st) == 0)
			accepted++;
		g_free(copy);
	}
	CHECK_INT(accepted, 0);

	/* every byte corruption: no crash; success keeps the token inside */
	for (size_t i = 0; i < resp_len; i++) {
		static const uint8_t vals[] = { 0x00, 0x7f, 0x80, 0x81, 0x84, 0x85, 0xff };
		for (size_t v = 0; v < sizeof(vals); v++) {
			uint8_t mut[256];
			memcpy(mut, resp, resp_len);
			mut[i] = vals[v];
			if (spnego_unwrap(mut, resp_len, &t, &tl, &st) == 0 && t)
				CHECK(t >= mut && t + tl <= mut + resp_len);
		}
	}

	/* final reply: accept-completed with a mechListMIC and no token */
	HEX(fin, "a11b3019a0030a0100a312041011111111111111111111111111111111");
	CHECK_INT(spnego_unwrap(fin, fin_len, &t, &tl, &st), 0);
	CHECK_INT(st, 0);
	CHECK(t == NULL && tl == 0);

	/* bare NTLMSSP */
	CHECK_INT(spnego_unwrap(chal, chal_len, &t, &tl, &st), 0);
	CHECK(t == chal && tl == chal_len && st == -1);

	/* malformed DER */
	HEX(huge, "a184ffffffff3000");
	HEX(five, "a18500000000053000");
	HEX(indef, "a1803000a2000000");
	HEX(inner_long, "a1053005a2070400"); /* inner length beyond its container */
	HEX(bad_state, "a1073005a0030a0107");
	HEX(state_len2, "a1083006a0040a020001");
	HEX(other_mech, "a1153013a0030a0101a10c060a2a864882f712010202ff");
	HEX(hightag, "bf01023000");
	HEX(init_not_resp, "a0023000");
	CHECK_INT(spnego_unwrap(huge, huge_len, &t, &tl, &st), -EPROTO);
	CHECK_INT(spnego_unwrap(five, five_len, &t, &tl, &st), -EPROTO);
	CHECK_INT(spnego_unwrap(indef, indef_len, &t, &tl, &st), -EPROTO);
	CHECK_INT(spnego_unwrap(inner_long, inner_long_len, &t, &tl, &st), -EPROTO);
	CHECK_INT(spnego_unwrap(bad_state, bad_state_len, &t, &tl, &st), -EPROTO);
	CHECK_INT(spnego_unwrap(state_len2, state_len2_len, &t, &tl, &st), -EPROTO);
	CHECK_INT(spnego_unwrap(other_mech, other_mech_len, &t, &tl, &st), -EPROTO);
	CHECK_INT(spnego_unwrap(hightag, hightag_len, &t, &tl, &st), -EPROTO);
	CHECK_INT(spnego_unwrap(init_not_resp, init_not_resp_len, &t, &tl, &st), -EPROTO);
	CHECK_INT(spnego_unwrap(NULL, 0, &t, &tl, &st), -EPROTO);
	CHECK(t == NULL && tl == 0 && st == -1);
}

static void test_spnego_offers(void)
{
	/* Samba's negprot blob: MS-KRB5, KRB5, NEGOEX, NTLMSSP + negHints */
	HEX(samba, "606a06062b0601050502a060305ea030302e06092a864882f71201020206092a864886"
		   "f712010202060a2b06010401823702021e060a2b06010401823702020aa32a3028a026"
		   "1b246e6f745f646566696e65645f696e5f5246433431373840706c656173655f69676e"
		   "6f7265");
	HEX(krb, "605206062b0601050502a0483046a018301606092a864882f71201020206092a864886f7"
		 "12010202a32a3028a0261b246e6f745f646566696e65645f696e5f524643343137384070"
		 "6c656173655f69676e6f7265");
	CHECK(spnego_offers_ntlmssp(samba, samba_len));
	CHECK(!spnego_offers_ntlmssp(krb, krb_len));
	CHECK(spnego_offers_ntlmssp(NULL, 0));
	CHECK(spnego_offers_ntlmssp(samba, 0));
	/* a bare NegTokenInit without the GSS-API wrapper */
	CHECK(spnego_offers_ntlmssp(samba + 10, samba_len - 10));

	for (size_t n = 1; n < samba_len; n++) {
		uint8_t *copy = heap_copy(samba, n);
		CHECK(!spnego_offers_ntlmssp(copy, n));
		g_free(copy);
	}
	HEX(garbage, "ffffffff");
	HEX(huge, "6084ffffffff06062b0601050502");
	HEX(wrong_oid, "600806062b0601050503");
	CHECK(!spnego_offers_ntlmssp(garbage, garbage_len));
	CHECK(!spnego_offers_ntlmssp(huge, huge_len));
	CHECK(!spnego_offers_ntlmssp(wrong_oid, wrong_oid_len));
}

int main(void)
{
	const char *err = NULL;
	int rc = crypto_init(&err);
	if (rc) {
		fprintf(stderr, "SKIP: %s\n", err);
		return 77;
	}
	CHECK_INT(crypto_init(NULL), 0); /* idempotent */
	test_primitives();
	test_ntlmv2_vectors();
	test_challenge_parse();
	test_authenticate();
	test_negotiate();
	test_spnego_wrap();
	test_spnego_unwrap();
	test_spnego_offers();
	CHECK_DONE();
}
