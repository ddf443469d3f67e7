/* SESSION_SETUP_ANDX and LOGOFF_ANDX (src/smb_session.c), TREE_CONNECT_ANDX
 * and TREE_DISCONNECT (src/smb_tree.c), ECHO (src/smb_misc.c).
 *
 * Vectors marked "Samba 4.17" are requests this code sent to an SMB1-only
 * smbd on loopback (which accepted them) and the replies it got back. */
#include <errno.h>
#include <glib.h>

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

/* Header of our requests in the captures: FLAGS2 = flags2, PID 0x4242. */
static void put_hdr(struct wr *w, uint8_t cmd, uint16_t flags2, uint16_t tid, uint16_t uid,
		    uint16_t mid)
{
	struct smb_hdr h = { .command = cmd, .flags = 0x18, .flags2 = flags2, .tid = tid,
			     .pid = 0x4242, .uid = uid, .mid = mid };

	smb_hdr_encode(w, &h);
}

/* Runs enc into buffers of every size below the full length: each must
 * fail with -EMSGSIZE and never write past the cap. */
typedef int (*encode_fn)(struct wr *w, const void *arg);

static void check_small_buffers(encode_fn enc, const void *arg, size_t full)
{
	for (size_t cap = 0; cap < full; cap++) {
		uint8_t *buf = g_malloc(cap ? cap : 1);
		struct wr w;

		wr_init(&w, buf, cap);
		CHECK_INT(enc(&w, arg), -EMSGSIZE);
		g_free(buf);
	}
}

/* ---- session setup, classic (MS-CIFS 2.2.4.53.1) ---- */

static const uint8_t lm_resp[24] = { [0 ... 23] = 0xAA };
static const uint8_t nt_resp[24] = { [0 ... 23] = 0xBB };

static const struct smb_session_setup_req classic_req = {
	.max_buffer_size = 16644,
	.max_mpx_count = 50,
	.vc_number = 0,
	.session_key = 0x11223344,
	.capabilities = 0xD4,
	.oem_password = lm_resp,
	.oem_password_len = 24,
	.unicode_password = nt_resp,
	.unicode_password_len = 24,
	.account = "user",
	.domain = "DOM",
	.unicode = true,
	.native_os = "Unix",
	.native_lanman = "smbfuse",
};

#define HDR_SS_U "ff534d42 73 00000000 18 01c0 0000 0000000000000000 0000 0000 4242 0000 0200"
#define CLASSIC_WORDS "0d ff 00 0000 0441 3200 0000 44332211 1800 1800 00000000 d4000000"
#define LM24 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define NT24 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* Bytes start at offset 61 (32 + 1 + 26 + 2); 61 + 48 is odd, so one Pad
 * byte puts AccountName on an even offset from the header. */
static const char classic_unicode_hex[] =
	HDR_SS_U CLASSIC_WORDS "5d00" LM24 NT24 "00"
	"7500730065007200 0000"             /* user */
	"44004f004d00 0000"                 /* DOM */
	"55006e00690078000000"              /* Unix */
	"73006d0062006600750073006500 0000"; /* smbfuse */

static const char classic_oem_hex[] =
	"ff534d42 73 00000000 18 0140 0000 0000000000000000 0000 0000 4242 0000 0200"
	CLASSIC_WORDS "4600" LM24 NT24 "7573657200 444f4d00 556e697800 736d626675736500";

/* Samba 4.17 accepted this anonymous request (no passwords): bytes start at
 * 61, so the Pad comes right away. */
static const char classic_anon_hex[] =
	"ff534d42 73 00000000 18 01c0 0000 0000000000000000 0000 0000 4242 0000 0200"
	"0d ff 00 0000 0441 0100 0000 1d170000 0000 0000 00000000 5c000000"
	"2100 00 0000 0000 4c0069006e00750078000000 73006d0062006600750073006500 0000";

static int enc_session(struct wr *w, const void *arg)
{
	const struct smb_session_setup_req *r = arg;

	put_hdr(w, SMB_COM_SESSION_SETUP_ANDX, r->unicode ? 0xC001 : 0x4001, 0, 0, 2);
	return smb_session_setup_encode(w, r);
}

static int enc_session_ext(struct wr *w, const void *arg)
{
	put_hdr(w, SMB_COM_SESSION_SETUP_ANDX, 0xC801, 0, 0, 2);
	return smb_session_setup_encode(w, arg);
}

static void check_encoded(const struct smb_session_setup_req *r, uint16_t flags2,
			  const char *hex)
{
	uint8_t want[512], buf[512];
	size_t n = unhex(hex, want, sizeof(want));
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	put_hdr(&w, SMB_COM_SESSION_SETUP_ANDX, flags2, 0, 0, 2);
	CHECK_INT(smb_session_setup_encode(&w, r), 0);
	CHECK_INT(wr_len(&w), n);
	CHECK_MEM(buf, want, n);

	/* Behind a NetBIOS header: same bytes, alignment still relative to the
	 * SMB header. */
	wr_init(&w, buf, sizeof(buf));
	wr_zero(&w, 4);
	put_hdr(&w, SMB_COM_SESSION_SETUP_ANDX, flags2, 0, 0, 2);
	CHECK_INT(smb_session_setup_encode(&w, r), 0);
	CHECK_INT(wr_len(&w), n + 4);
	CHECK_MEM(buf + 4, want, n);
}

static void test_session_setup_classic(void)
{
	check_encoded(&classic_req, 0xC001, classic_unicode_hex);

	struct smb_session_setup_req r = classic_req;
	r.unicode = false;
	check_encoded(&r, 0x4001, classic_oem_hex);

	struct smb_session_setup_req anon = {
		.max_buffer_size = 16644, .max_mpx_count = 1, .session_key = 0x171d,
		.capabilities = 0x5c, .account = "", .domain = "", .unicode = true,
		.native_os = "Linux", .native_lanman = "smbfuse",
	};
	check_encoded(&anon, 0xC001, classic_anon_hex);
	/* NULL strings are empty strings. */
	anon.account = NULL;
	anon.domain = NULL;
	check_encoded(&anon, 0xC001, classic_anon_hex);

	/* Pad depends on the password lengths: 61 + 1 is even, no Pad. */
	uint8_t buf[256];
	struct wr w;
	r = classic_req;
	r.oem_password_len = 1;
	r.unicode_password_len = 0;
	wr_init(&w, buf, sizeof(buf));
	put_hdr(&w, SMB_COM_SESSION_SETUP_ANDX, 0xC001, 0, 0, 2);
	CHECK_INT(smb_session_setup_encode(&w, &r), 0);
	CHECK_MEM(buf + 61, "\xaa" "u\0s\0e\0r\0\0\0", 11);
	CHECK_INT(buf[59] | buf[60] << 8, 1 + 10 + 8 + 10 + 16);
	/* 61 + 24 is odd: Pad. */
	r.oem_password_len = 0;
	r.unicode_password_len = 24;
	wr_init(&w, buf, sizeof(buf));
	put_hdr(&w, SMB_COM_SESSION_SETUP_ANDX, 0xC001, 0, 0, 2);
	CHECK_INT(smb_session_setup_encode(&w, &r), 0);
	CHECK_MEM(buf + 85, "\0u\0s\0", 5);

	/* Non-ASCII account in UTF-16. */
	r = classic_req;
	r.account = "J\xc3\xb6rg";
	wr_init(&w, buf, sizeof(buf));
	put_hdr(&w, SMB_COM_SESSION_SETUP_ANDX, 0xC001, 0, 0, 2);
	CHECK_INT(smb_session_setup_encode(&w, &r), 0);
	CHECK_MEM(buf + 110, "J\0\xf6\0r\0g\0\0\0", 10);

	/* Arguments the wire cannot carry. */
	r = classic_req;
	r.account = "bad\xff";
	wr_init(&w, buf, sizeof(buf));
	CHECK_INT(smb_session_setup_encode(&w, &r), -EINVAL);
	r = classic_req;
	r.oem_password = NULL;
	wr_init(&w, buf, sizeof(buf));
	CHECK_INT(smb_session_setup_encode(&w, &r), -EINVAL);
	r = classic_req;
	r.unicode_password_len = 0x10000;
	wr_init(&w, buf, sizeof(buf));
	CHECK_INT(smb_session_setup_encode(&w, &r), -EINVAL);

	check_small_buffers(enc_session, &classic_req,
			    unhex(classic_unicode_hex, buf, sizeof(buf)));
}

/* ---- session setup, extended security (MS-SMB 2.2.4.6.1) ---- */

static const uint8_t ntlm_negotiate[32] = "NTLMSSP\0\x01\0\0\0\x07\x82\x08\xa2";

/* Samba 4.17 answered this with STATUS_MORE_PROCESSING_REQUIRED: bytes start
 * at 59, + 32 is odd, so a Pad precedes NativeOS. */
static const char extended_hex[] =
	"ff534d42 73 00000000 18 01c8 0000 0000000000000000 0000 0000 4242 0000 0200"
	"0c ff 00 0000 0441 0100 0000 48170000 2000 00000000 5c000080"
	"3d00 4e544c4d5353500001000000078208a20000000000000000000000000000000000"
	"4c0069006e00750078000000 73006d0062006600750073006500 0000";

static const struct smb_session_setup_req extended_req = {
	.extended = true,
	.max_buffer_size = 16644,
	.max_mpx_count = 1,
	.session_key = 0x1748,
	.capabilities = 0x8000005c,
	.security_blob = ntlm_negotiate,
	.security_blob_len = sizeof(ntlm_negotiate),
	.unicode = true,
	.native_os = "Linux",
	.native_lanman = "smbfuse",
};

static void test_session_setup_extended(void)
{
	uint8_t buf[256];
	struct wr w;

	check_encoded(&extended_req, 0xC801, extended_hex);

	/* Classic-only fields are ignored in the extended form. */
	struct smb_session_setup_req r = extended_req;
	r.account = "ignored";
	r.oem_password = lm_resp;
	r.oem_password_len = 24;
	check_encoded(&r, 0xC801, extended_hex);

	/* Even blob length: no Pad. OEM strings: never a Pad. */
	r = extended_req;
	r.security_blob_len = 31;
	wr_init(&w, buf, sizeof(buf));
	put_hdr(&w, SMB_COM_SESSION_SETUP_ANDX, 0xC801, 0, 0, 2);
	CHECK_INT(smb_session_setup_encode(&w, &r), 0);
	CHECK_INT(buf[47] | buf[48] << 8, 31); /* SecurityBlobLength */
	CHECK_MEM(buf + 90, "L\0i\0", 4);
	r.unicode = false;
	r.security_blob_len = 32;
	wr_init(&w, buf, sizeof(buf));
	put_hdr(&w, SMB_COM_SESSION_SETUP_ANDX, 0x4801, 0, 0, 2);
	CHECK_INT(smb_session_setup_encode(&w, &r), 0);
	CHECK_MEM(buf + 91, "Linux\0smbfuse\0", 14);
	CHECK_INT(wr_len(&w), 105);

	r = extended_req;
	r.security_blob = NULL;
	wr_init(&w, buf, sizeof(buf));
	CHECK_INT(smb_session_setup_encode(&w, &r), -EINVAL);
	r.security_blob_len = 0; /* an empty blob is fine */
	wr_init(&w, buf, sizeof(buf));
	CHECK_INT(smb_session_setup_encode(&w, &r), 0);
	r = extended_req;
	r.security_blob_len = 0x10000;
	wr_init(&w, buf, sizeof(buf));
	CHECK_INT(smb_session_setup_encode(&w, &r), -EINVAL);
	r = extended_req;
	r.native_os = "\xc0\x80"; /* overlong NUL: invalid UTF-8 */
	wr_init(&w, buf, sizeof(buf));
	CHECK_INT(smb_session_setup_encode(&w, &r), -EINVAL);

	check_small_buffers(enc_session_ext, &extended_req, unhex(extended_hex, buf, sizeof(buf)));
}

/* ---- session setup replies ---- */

/* Samba 4.17, classic reply (MS-CIFS 2.2.4.53.2) to the anonymous request. */
static const char classic_rep_hex[] =
	"ff534d4273000000008803c0000000000000000000000000000042421359020003ff000000000057"
	"0000570069006e0064006f0077007300200036002e0031000000530061006d006200610020003400"
	"2e00310037002e00310032002d00440065006200690061006e00000057004f0052004b0047005200"
	"4f00550050000000";

/* Samba 4.17, extended reply (MS-SMB 2.2.4.6.2) with
 * STATUS_MORE_PROCESSING_REQUIRED and an NTLMSSP CHALLENGE of 128 bytes. */
static const char extended_rep_hex[] =
	"ff534d4273160000c08803c8000000000000000000000000000042420db0020004ff000000000080"
	"00d7004e544c4d53535000020000000c000c003800000005828aa264d403508eebc4960000000000"
	"0000003c003c0044000000060100000000000f48003100540045005300540002000c004800310054"
	"0045005300540001000c00480031005400450053005400040000000300040076006d00070008006e"
	"a09e70ea7cdd010000000000570069006e0064006f0077007300200036002e003100000053006100"
	"6d0062006100200034002e00310037002e00310032002d00440065006200690061006e0000005700"
	"4f0052004b00470052004f00550050000000";

static int session_decode_hex(const char *hex, size_t cut, bool lower_bcc, bool extended,
			      struct smb_session_setup_rep *r)
{
	uint8_t v[512];
	size_t n = unhex(hex, v, sizeof(v));
	struct smb_msg m;

	if (cut < n) {
		if (lower_bcc) {
			size_t bcc_off = 33 + 2 * (size_t)v[32];
			if (cut < bcc_off + 2)
				return -ERANGE; /* not a meaningful case */
			size_t bcc = cut - bcc_off - 2;
			v[bcc_off] = (uint8_t)bcc;
			v[bcc_off + 1] = (uint8_t)(bcc >> 8);
		}
		n = cut;
	}
	uint8_t *c = g_malloc(n ? n : 1);
	memcpy(c, v, n);
	int rc = smb_msg_parse(c, n, &m);
	if (!rc)
		rc = smb_session_setup_decode(&m, extended, r);
	if (!rc && r->security_blob) {
		/* The blob must lie inside the message. */
		CHECK(r->security_blob >= c && r->security_blob + r->security_blob_len <= c + n);
		r->security_blob = (const uint8_t *)hex; /* non-NULL marker; c goes */
	}
	g_free(c);
	return rc;
}

static void test_session_setup_decode(void)
{
	struct smb_session_setup_rep r;
	uint8_t v[512];
	size_t n;

	n = unhex(classic_rep_hex, v, sizeof(v));
	CHECK_INT(n, 128);
	CHECK_INT(session_decode_hex(classic_rep_hex, SIZE_MAX, false, false, &r), 0);
	CHECK_INT(r.action, 0);
	CHECK(r.security_blob == NULL);
	CHECK_INT(r.security_blob_len, 0);

	/* Guest bit (Action bit 0). */
	struct smb_msg m;
	v[37] = 1;
	CHECK_INT(smb_msg_parse(v, n, &m), 0);
	CHECK_INT(smb_session_setup_decode(&m, false, &r), 0);
	CHECK_INT(r.action, 1);
	/* The classic reply is not the extended one, and vice versa. */
	CHECK_INT(smb_session_setup_decode(&m, true, &r), -EPROTO);

	n = unhex(extended_rep_hex, v, sizeof(v));
	CHECK_INT(n, 258);
	CHECK_INT(session_decode_hex(extended_rep_hex, SIZE_MAX, false, true, &r), 0);
	CHECK_INT(r.security_blob_len, 128);
	CHECK(r.security_blob != NULL);
	CHECK_INT(smb_msg_parse(v, n, &m), 0);
	CHECK_INT(m.hdr.status, NT_STATUS_MORE_PROCESSING_REQUIRED);
	CHECK_INT(smb_session_setup_decode(&m, true, &r), 0);
	CHECK(r.security_blob == v + 43);
	CHECK_MEM(r.security_blob, "NTLMSSP\0\x02\0\0\0", 12);
	CHECK_INT(smb_session_setup_decode(&m, false, &r), -EPROTO);

	/* An error reply has no words at all. */
	static const char err_hex[] =
		"ff534d42 73 6d0000c0 88 03c0 0000 0000000000000000 0000 0000 4242 0000 0200"
		"00 0000";
	CHECK_INT(session_decode_hex(err_hex, SIZE_MAX, false, false, &r), -EPROTO);
	CHECK_INT(session_decode_hex(err_hex, SIZE_MAX, false, true, &r), -EPROTO);

	/* Raw truncations: parsing fails.  With ByteCount lowered to match:
	 * classic still decodes (strings are not needed), extended fails as soon
	 * as the blob no longer fits. */
	n = unhex(classic_rep_hex, v, sizeof(v));
	for (size_t k = 0; k < n; k++) {
		CHECK_INT(session_decode_hex(classic_rep_hex, k, false, false, &r), -EPROTO);
		int rc = session_decode_hex(classic_rep_hex, k, true, false, &r);
		CHECK(rc == -ERANGE || rc == (k < 41 ? -EPROTO : 0));
	}
	n = unhex(extended_rep_hex, v, sizeof(v));
	for (size_t k = 0; k < n; k++) {
		CHECK_INT(session_decode_hex(extended_rep_hex, k, false, true, &r), -EPROTO);
		int rc = session_decode_hex(extended_rep_hex, k, true, true, &r);
		CHECK(rc == -ERANGE || rc == (k < 43 + 128 ? -EPROTO : 0));
	}

	/* SecurityBlobLength one more than ByteCount. */
	n = unhex(extended_rep_hex, v, sizeof(v));
	v[39] = 0xd8;
	v[40] = 0;
	CHECK_INT(smb_msg_parse(v, n, &m), 0);
	CHECK_INT(smb_session_setup_decode(&m, true, &r), -EPROTO);
	v[39] = 0xd7;
	CHECK_INT(smb_msg_parse(v, n, &m), 0);
	CHECK_INT(smb_session_setup_decode(&m, true, &r), 0);
	CHECK_INT(r.security_blob_len, 0xd7);
	v[39] = 0xff;
	v[40] = 0xff;
	CHECK_INT(smb_msg_parse(v, n, &m), 0);
	CHECK_INT(smb_session_setup_decode(&m, true, &r), -EPROTO);
	CHECK(r.security_blob == NULL);
	CHECK_INT(r.security_blob_len, 0);
}

/* ---- logoff ---- */

static void test_logoff(void)
{
	/* Samba 4.17 capture. */
	static const char want_hex[] =
		"ff534d42 74 00000000 18 01c0 0000 0000000000000000 0000 27aa 4242 6f98 0600"
		"02 ff 00 0000 0000";
	uint8_t want[64], buf[64];
	size_t n = unhex(want_hex, want, sizeof(want));
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	put_hdr(&w, SMB_COM_LOGOFF_ANDX, 0xC001, 0xaa27, 0x986f, 6);
	CHECK_INT(smb_logoff_encode(&w), 0);
	CHECK_INT(wr_len(&w), n);
	CHECK_MEM(buf, want, n);
	for (size_t cap = SMB_HDR_LEN; cap < n; cap++) {
		wr_init(&w, buf, cap);
		put_hdr(&w, SMB_COM_LOGOFF_ANDX, 0xC001, 0xaa27, 0x986f, 6);
		CHECK_INT(smb_logoff_encode(&w), -EMSGSIZE);
	}
}

/* ---- tree connect (MS-CIFS 2.2.4.55, MS-SMB 2.2.4.7) ---- */

static void test_tree_connect_encode(void)
{
	/* Samba 4.17 capture: Flags 0x0008 (extended response), one NUL
	 * password byte, then the path at offset 44, already even. */
	static const char unicode_hex[] =
		"ff534d42 75 00000000 18 01c0 0000 0000000000000000 0000 0000 4242 6f98 0300"
		"04 ff 00 0000 0800 0100 2b00 00"
		"5c005c003100320037002e0030002e0030002e0031005c0073006800610072006500 0000"
		"3f3f3f3f3f00";
	static const char oem_hex[] =
		"ff534d42 75 00000000 18 0140 0000 0000000000000000 0000 0000 4242 6f98 0300"
		"04 ff 00 0000 0800 0100 1900 00"
		"5c5c3132372e302e302e315c736861726500 3f3f3f3f3f00";
	uint8_t want[128], buf[128];
	size_t n;
	struct wr w;

	n = unhex(unicode_hex, want, sizeof(want));
	CHECK_INT(n, 86);
	wr_init(&w, buf, sizeof(buf));
	put_hdr(&w, SMB_COM_TREE_CONNECT_ANDX, 0xC001, 0, 0x986f, 3);
	CHECK_INT(smb_tree_connect_encode(&w, "\\\\127.0.0.1\\share", true), 0);
	CHECK_INT(wr_len(&w), n);
	CHECK_MEM(buf, want, n);
	for (size_t cap = SMB_HDR_LEN; cap < n; cap++) {
		wr_init(&w, buf, cap);
		put_hdr(&w, SMB_COM_TREE_CONNECT_ANDX, 0xC001, 0, 0x986f, 3);
		CHECK_INT(smb_tree_connect_encode(&w, "\\\\127.0.0.1\\share", true), -EMSGSIZE);
	}

	n = unhex(oem_hex, want, sizeof(want));
	wr_init(&w, buf, sizeof(buf));
	put_hdr(&w, SMB_COM_TREE_CONNECT_ANDX, 0x4001, 0, 0x986f, 3);
	CHECK_INT(smb_tree_connect_encode(&w, "\\\\127.0.0.1\\share", false), 0);
	CHECK_INT(wr_len(&w), n);
	CHECK_MEM(buf, want, n);

	/* If the password ends on an odd offset from the header, a Pad byte
	 * aligns the Unicode path: origin 1 makes offset 12 odd. */
	wr_init(&w, buf, sizeof(buf));
	w.origin = 1;
	CHECK_INT(smb_tree_connect_encode(&w, "\\\\S\\x", true), 0);
	CHECK_MEM(buf, "\x04\xff\x00\x00\x00\x08\x00\x01\x00\x14\x00" "\x00" "\x00"
		  "\\\0\\\0S\0\\\0x\0\0\0" "?????\0", 31);
	CHECK_INT(wr_len(&w), 31);

	wr_init(&w, buf, sizeof(buf));
	CHECK_INT(smb_tree_connect_encode(&w, NULL, true), -EINVAL);
	wr_init(&w, buf, sizeof(buf));
	CHECK_INT(smb_tree_connect_encode(&w, "\\\\srv\\\xfe", true), -EINVAL);
}

static void test_tree_unc(void)
{
	char *u = smb_tree_unc("127.0.0.1", "share");
	CHECK_STR(u, "\\\\127.0.0.1\\SHARE");
	g_free(u);
	/* The server part is left alone; only the share is upper-cased, one
	 * code point for one (sharp s has no one-letter capital). */
	u = smb_tree_unc("nas.example", "Caf\xc3\xa9-\xc3\x9f_1$");
	CHECK_STR(u, "\\\\nas.example\\CAF\xc3\x89-\xc3\x9f_1$");
	g_free(u);
	CHECK(smb_tree_unc("srv", "\xfe") == NULL);
	CHECK(smb_tree_unc(NULL, "x") == NULL);
	CHECK(smb_tree_unc("srv", NULL) == NULL);

	CHECK(smb_tree_service_is_disk("A:"));
	CHECK(smb_tree_service_is_disk("SHARE"));
	CHECK(smb_tree_service_is_disk(""));
	CHECK(!smb_tree_service_is_disk("LPT1:"));
	CHECK(!smb_tree_service_is_disk("IPC"));
	CHECK(!smb_tree_service_is_disk("COMM"));
}

static int tree_decode_hex(const char *hex, struct smb_tree_connect_rep *r)
{
	uint8_t v[256];
	size_t n = unhex(hex, v, sizeof(v));
	uint8_t *c = g_malloc(n);
	struct smb_msg m;

	memcpy(c, v, n);
	int rc = smb_msg_parse(c, n, &m);
	if (!rc)
		rc = smb_tree_connect_decode(&m, r);
	g_free(c);
	return rc;
}

#define HDR_TC_REP "ff534d42 75 00000000 88 03c0 0000 0000000000000000 0000 27aa 4242 6f98 0300"

static void test_tree_connect_decode(void)
{
	struct smb_tree_connect_rep r;
	char hex[512];

	/* Samba 4.17, extended (7-word) replies, Unicode and OEM. */
	CHECK_INT(tree_decode_hex(HDR_TC_REP "07 ff 00 0000 0100 ff011f00 00000000 0d00"
					     "413a00 4e00540046005300 0000", &r), 0);
	CHECK_STR(r.service, "A:");
	CHECK_INT(r.optional_support, 1);
	CHECK_INT(tree_decode_hex("ff534d42 75 00000000 88 0340 0000 0000000000000000 0000 6cf6"
				  "4242 069e 0300 07 ff 00 0000 0100 ff011f00 00000000 0800"
				  "413a00 4e54465300", &r), 0);
	CHECK_STR(r.service, "A:");

	/* Classic 3-word reply to IPC$, with a Pad before the native FS. */
	CHECK_INT(tree_decode_hex(HDR_TC_REP "03 ff 00 0000 0300 0700 49504300 00 0000", &r), 0);
	CHECK_STR(r.service, "IPC");
	CHECK_INT(r.optional_support, 3);

	/* Missing terminator at the end, or no bytes: tolerated. */
	CHECK_INT(tree_decode_hex(HDR_TC_REP "03 ff 00 0000 0100 0200 413a", &r), 0);
	CHECK_STR(r.service, "A:");
	CHECK_INT(tree_decode_hex(HDR_TC_REP "03 ff 00 0000 0100 0000", &r), 0);
	CHECK_STR(r.service, "");
	/* 15 characters fit; a longer service is cut (Impacket sends the
	 * share's name, of any length). */
	CHECK_INT(tree_decode_hex(HDR_TC_REP "03 ff 00 0000 0100 1000"
					     "414141414141414141414141414141 00", &r), 0);
	CHECK_STR(r.service, "AAAAAAAAAAAAAAA");
	CHECK_INT(tree_decode_hex(HDR_TC_REP "03 ff 00 0000 0100 1000"
					     "41414141414141414141414141414142", &r), 0);
	CHECK_STR(r.service, "AAAAAAAAAAAAAAA");
	/* Impacket 0.10's form of reply to \\127.0.0.1\SHARE: the share's name as
	 * the service. */
	CHECK_INT(tree_decode_hex(HDR_TC_REP "07 ff 00 0000 0100 00000000 00000000 1000"
					     "534841524500 4e00540046005300 0000", &r), 0);
	CHECK_STR(r.service, "SHARE");

	/* Word counts other than 3 and 7. */
	static const char *const bad_wct[] = {
		"00 0300 413a00",
		"02 ff 00 0000 0300 413a00",
		"04 ff 00 0000 0100 0000 0300 413a00",
		"06 ff 00 0000 0100 ff011f00 0000 0300 413a00",
		"08 ff 00 0000 0100 ff011f00 00000000 0000 0300 413a00",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad_wct); i++) {
		snprintf(hex, sizeof(hex), "%s %s", HDR_TC_REP, bad_wct[i]);
		CHECK_INT(tree_decode_hex(hex, &r), -EPROTO);
	}

	/* Every truncation of a valid reply fails to parse. */
	static const char valid[] = HDR_TC_REP "07 ff 00 0000 0100 ff011f00 00000000 0d00"
					       "413a00 4e00540046005300 0000";
	uint8_t v[128];
	size_t n = unhex(valid, v, sizeof(v));
	for (size_t k = 0; k < n; k++) {
		uint8_t *c = g_malloc(k ? k : 1);
		struct smb_msg m;
		memcpy(c, v, k);
		CHECK_INT(smb_msg_parse(c, k, &m), -EPROTO);
		g_free(c);
	}
}

/* ---- tree disconnect, echo ---- */

static void test_tree_disconnect(void)
{
	static const char want_hex[] =
		"ff534d42 71 00000000 18 01c0 0000 0000000000000000 0000 27aa 4242 6f98 0500"
		"00 0000";
	uint8_t want[64], buf[64];
	size_t n = unhex(want_hex, want, sizeof(want));
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	put_hdr(&w, SMB_COM_TREE_DISCONNECT, 0xC001, 0xaa27, 0x986f, 5);
	CHECK_INT(smb_tree_disconnect_encode(&w), 0);
	CHECK_INT(wr_len(&w), n);
	CHECK_MEM(buf, want, n);
	wr_init(&w, buf, n - 1);
	put_hdr(&w, SMB_COM_TREE_DISCONNECT, 0xC001, 0xaa27, 0x986f, 5);
	CHECK_INT(smb_tree_disconnect_encode(&w), -EMSGSIZE);
}

static void test_echo(void)
{
	/* Samba 4.17 echoed this back unchanged (but for the reply flag). */
	static const char want_hex[] =
		"ff534d42 2b 00000000 18 01c0 0000 0000000000000000 0000 27aa 4242 6f98 0400"
		"01 0100 0500 68656c6c6f";
	uint8_t want[64], buf[64];
	size_t n = unhex(want_hex, want, sizeof(want));
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	put_hdr(&w, SMB_COM_ECHO, 0xC001, 0xaa27, 0x986f, 4);
	CHECK_INT(smb_echo_encode(&w, 1, "hello", 5), 0);
	CHECK_INT(wr_len(&w), n);
	CHECK_MEM(buf, want, n);

	wr_init(&w, buf, sizeof(buf));
	CHECK_INT(smb_echo_encode(&w, 3, NULL, 0), 0);
	CHECK_MEM(buf, "\x01\x03\x00\x00\x00", 5);
	CHECK_INT(wr_len(&w), 5);
	wr_init(&w, buf, sizeof(buf));
	CHECK_INT(smb_echo_encode(&w, 1, NULL, 4), -EINVAL);
	wr_init(&w, buf, 9);
	CHECK_INT(smb_echo_encode(&w, 1, "hello", 5), -EMSGSIZE);
}

int main(void)
{
	test_session_setup_classic();
	test_session_setup_extended();
	test_session_setup_decode();
	test_logoff();
	test_tree_connect_encode();
	test_tree_connect_decode();
	test_tree_unc();
	test_tree_disconnect();
	test_echo();
	CHECK_DONE();
}
