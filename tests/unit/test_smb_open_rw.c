/* OPEN_ANDX, NT_CREATE_ANDX, CLOSE (src/smb_open.c) and READ_ANDX,
 * WRITE_ANDX (src/smb_rw.c): exact request bytes from the MS-CIFS / MS-SMB
 * layouts, reply decoding, and rejection of every truncation and bad
 * offset. */
#include <errno.h>
#include <glib.h>
#include <string.h>

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

/* Starts a request: `prefix` bytes (a NetBIOS header) then the SMB header;
 * the codec output starts SMB_HDR_LEN bytes after the origin. */
static void req_start(struct wr *w, uint8_t *buf, size_t cap, size_t prefix, uint8_t cmd)
{
	struct smb_hdr h = { .command = cmd, .flags2 = SMB_FLAGS2_UNICODE, .mid = 7 };

	wr_init(w, buf, cap);
	wr_zero(w, prefix);
	smb_hdr_encode(w, &h);
}

/* Checks the bytes after the SMB header against hex. */
#define CHECK_BODY(w, hex)                                                             \
	do {                                                                           \
		uint8_t want_[512];                                                    \
		size_t n_ = unhex((hex), want_, sizeof(want_));                       \
		CHECK(!(w)->overflow);                                                 \
		CHECK_INT(wr_len(w) - (w)->origin - SMB_HDR_LEN, n_);                   \
		CHECK_MEM((w)->data + (w)->origin + SMB_HDR_LEN, want_, n_);          \
	} while (0)

/* Builds a reply message: header, the given words, ByteCount `bcc`, then
 * `nbytes` bytes.  Returns an exact-size heap copy so ASan sees overreads. */
static uint8_t *reply(uint8_t cmd, const uint8_t *words, uint8_t wct, uint16_t bcc,
		      const uint8_t *bytes, size_t nbytes, size_t *len)
{
	struct smb_hdr h = { .command = cmd, .flags = SMB_FLAGS_REPLY,
			     .flags2 = SMB_FLAGS2_UNICODE | SMB_FLAGS2_NT_STATUS };
	size_t n = SMB_HDR_LEN + 1 + 2 * (size_t)wct + 2 + nbytes;
	uint8_t *buf = g_malloc(n);
	struct wr w;

	wr_init(&w, buf, n);
	smb_hdr_encode(&w, &h);
	wr_u8(&w, wct);
	wr_bytes(&w, words, 2 * (size_t)wct);
	wr_le16(&w, bcc);
	wr_bytes(&w, bytes, nbytes);
	if (w.overflow || wr_len(&w) != n)
		abort();
	*len = n;
	return buf;
}

/* ---- OPEN_ANDX ---- */

static void test_open_andx_encode(void)
{
	uint8_t buf[256];
	struct wr w;
	struct smb_open_andx_req r = {
		.flags = SMB_OPEN_QUERY_INFORMATION,
		.access_mode = SMB_OPEN_READWRITE | SMB_OPEN_SHARE_DENY_NONE,
		.search_attrs = SMB_SEARCH_ALL_ATTRS,
		.file_attrs = FILE_ATTRIBUTE_ARCHIVE,
		.creation_time = 0x11223344,
		.open_mode = SMB_OFUN_OPEN_OPEN | SMB_OFUN_CREATE_CREATE,
		.alloc_size = 0x1000,
		.path = "\\a.txt",
		.unicode = true,
	};
	static const char words[] = "0f ff00 0000 0100 4200 1600 2000 44332211 1100 00100000"
				    "00000000 00000000";

	/* 32 + 1 + 30 + 2 = 65: one pad byte puts the name at 66. */
	for (size_t prefix = 0; prefix <= 4; prefix += 4) {
		req_start(&w, buf, sizeof(buf), prefix, SMB_COM_OPEN_ANDX);
		CHECK_INT(smb_open_andx_encode(&w, &r), 0);
		char *want = g_strconcat(words, "0f00 00 5c00 6100 2e00 7400 7800 7400 0000", NULL);
		CHECK_BODY(&w, want);
		g_free(want);
	}

	r.unicode = false;
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_OPEN_ANDX);
	CHECK_INT(smb_open_andx_encode(&w, &r), 0);
	char *want = g_strconcat(words, "0700 5c612e74787400", NULL);
	CHECK_BODY(&w, want);
	g_free(want);

	/* Overflow, invalid UTF-8, no path */
	req_start(&w, buf, SMB_HDR_LEN + 39, 0, SMB_COM_OPEN_ANDX);
	CHECK_INT(smb_open_andx_encode(&w, &r), -EMSGSIZE);
	r.unicode = true;
	r.path = "\\bad\xff";
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_OPEN_ANDX);
	CHECK_INT(smb_open_andx_encode(&w, &r), -EINVAL);
	r.path = NULL;
	CHECK_INT(smb_open_andx_encode(&w, &r), -EINVAL);
}

static void test_open_andx_decode(void)
{
	uint8_t words[38];
	size_t n, len;
	struct smb_msg m;
	struct smb_open_andx_rep r;

	/* The extended form replaces Reserved[3] with ServerFID, Reserved and
	 * the two access masks. */
	n = unhex("ff00 0000 0140 2000 00105e5f 34120000 0200 0000 0000 0200"
		  "44332211 0000 ffff1f00 a9001200", words, sizeof(words));
	CHECK_INT(n, 38);

	/* 15 words (MS-CIFS) and 19 words (MS-SMB extended) */
	for (uint8_t wct = 15; wct <= 19; wct += 4) {
		uint8_t *msg = reply(SMB_COM_OPEN_ANDX, words, wct, 0, NULL, 0, &len);
		CHECK_INT(smb_msg_parse(msg, len, &m), 0);
		CHECK_INT(smb_open_andx_decode(&m, &r), 0);
		CHECK_INT(r.fid, 0x4001);
		CHECK_INT(r.file_attrs, FILE_ATTRIBUTE_ARCHIVE);
		CHECK_INT(r.last_write_time, 0x5f5e1000);
		CHECK_INT(r.file_size, 0x1234);
		CHECK_INT(r.access_rights, 2);
		CHECK_INT(r.resource_type, 0);
		CHECK_INT(r.open_results, 2);
		g_free(msg);
	}

	/* An error reply has no words; any short form is refused. */
	for (uint8_t wct = 0; wct < 15; wct += 14) {
		uint8_t *msg = reply(SMB_COM_OPEN_ANDX, words, wct, 0, NULL, 0, &len);
		CHECK_INT(smb_msg_parse(msg, len, &m), 0);
		CHECK_INT(smb_open_andx_decode(&m, &r), -EPROTO);
		g_free(msg);
	}
}

/* ---- NT_CREATE_ANDX ---- */

static void test_nt_create_encode(void)
{
	uint8_t buf[256];
	struct wr w;
	struct smb_nt_create_req r = {
		.flags = NT_CREATE_REQUEST_OPLOCK | NT_CREATE_REQUEST_OPBATCH |
			 NT_CREATE_REQUEST_EXTENDED_RESPONSE,
		.desired_access = 0x0012019f,
		.alloc_size = 0x100000000ULL,
		.ext_file_attrs = FILE_ATTRIBUTE_NORMAL,
		.share_access = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
		.create_disposition = FILE_OPEN_IF,
		.create_options = FILE_NON_DIRECTORY_FILE,
		.impersonation = SEC_IMPERSONATION,
		.security_flags = 3,
		.path = "\\d\\\xe6\x96\x87", /* "\d\文" */
		.unicode = true,
	};

	/* 32 + 1 + 48 + 2 = 83: pad to 84.  NameLength 10 counts the NUL, not
	 * the pad. */
	for (size_t prefix = 0; prefix <= 4; prefix += 4) {
		req_start(&w, buf, sizeof(buf), prefix, SMB_COM_NT_CREATE_ANDX);
		CHECK_INT(smb_nt_create_encode(&w, &r), 0);
		CHECK_BODY(&w, "18 ff00 0000 00 0a00 16000000 00000000 9f011200 0000000001000000"
			       "80000000 07000000 03000000 40000000 02000000 03"
			       "0b00 00 5c00 6400 5c00 8765 0000");
	}

	r.unicode = false;
	r.path = "\\d\\f";
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_NT_CREATE_ANDX);
	CHECK_INT(smb_nt_create_encode(&w, &r), 0);
	CHECK_BODY(&w, "18 ff00 0000 00 0500 16000000 00000000 9f011200 0000000001000000"
		       "80000000 07000000 03000000 40000000 02000000 03"
		       "0500 5c645c6600");

	req_start(&w, buf, SMB_HDR_LEN + 52, 0, SMB_COM_NT_CREATE_ANDX);
	CHECK_INT(smb_nt_create_encode(&w, &r), -EMSGSIZE);
	r.unicode = true;
	r.path = "\xc3";
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_NT_CREATE_ANDX);
	CHECK_INT(smb_nt_create_encode(&w, &r), -EINVAL);
}

static void test_nt_create_decode(void)
{
	uint8_t words[102] = { 0 }; /* 50 words and the real ByteCount 0 */
	size_t n, len;
	struct smb_msg m;
	struct smb_nt_create_rep r;

	n = unhex("ff00 0000 02 0140 01000000"
		  "0100000000000000 0200000000000000 0300000000000000 0400000000000000"
		  "10000000 0010000000000000 3412000000000000 0000 0700 01"
		  /* MS-SMB extension: VolumeGUID, FileId, access masks */
		  "00000000000000000000000000000000 0000000000000000 ff011f00 a9001200",
		  words, sizeof(words));
	CHECK_INT(n, 100);

	/* 34 words; 42 with the 50 words Samba and Windows really send (the
	 * word count says 42, ByteCount is read inside FileId); 50. */
	static const struct {
		uint8_t wct;
		size_t extra;
	} forms[] = { { 34, 0 }, { 42, 16 }, { 50, 0 } };
	for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
		uint8_t *msg = reply(SMB_COM_NT_CREATE_ANDX, words, forms[i].wct, 0,
				     words + 2 * forms[i].wct + 2, forms[i].extra, &len);
		CHECK_INT(smb_msg_parse(msg, len, &m), 0);
		CHECK_INT(smb_nt_create_decode(&m, &r), 0);
		CHECK_INT(r.oplock_level, 2);
		CHECK_INT(r.fid, 0x4001);
		CHECK_INT(r.create_action, 1);
		CHECK_INT(r.create_time, 1);
		CHECK_INT(r.access_time, 2);
		CHECK_INT(r.write_time, 3);
		CHECK_INT(r.change_time, 4);
		CHECK_INT(r.ext_file_attrs, FILE_ATTRIBUTE_DIRECTORY);
		CHECK_INT(r.alloc_size, 0x1000);
		CHECK_INT(r.end_of_file, 0x1234);
		CHECK_INT(r.resource_type, 0);
		CHECK_INT(r.nmpipe_status, 7);
		CHECK(r.directory);
		g_free(msg);
	}

	uint8_t *msg = reply(SMB_COM_NT_CREATE_ANDX, words, 33, 0, NULL, 0, &len);
	CHECK_INT(smb_msg_parse(msg, len, &m), 0);
	CHECK_INT(smb_nt_create_decode(&m, &r), -EPROTO);
	g_free(msg);
}

/* ---- CLOSE ---- */

static void test_close_encode(void)
{
	uint8_t buf[64];
	struct wr w;

	req_start(&w, buf, sizeof(buf), 0, SMB_COM_CLOSE);
	CHECK_INT(smb_close_encode(&w, 0x4001, 0xFFFFFFFF), 0);
	CHECK_BODY(&w, "03 0140 ffffffff 0000");

	req_start(&w, buf, SMB_HDR_LEN + 8, 0, SMB_COM_CLOSE);
	CHECK_INT(smb_close_encode(&w, 0x4001, 0), -EMSGSIZE);
}

/* ---- READ_ANDX ---- */

static void test_read_andx_encode(void)
{
	uint8_t buf[64];
	struct wr w;

	/* Offset above 4 GiB (OffsetHigh), count above 64 KiB (MaxCountHigh) */
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_READ_ANDX);
	CHECK_INT(smb_read_andx_encode(&w, 0x4001, 0x123456789ULL, 0x20000), 0);
	CHECK_BODY(&w, "0c ff00 0000 0140 89674523 0000 0000 0200 0000 0000 01000000 0000");

	req_start(&w, buf, sizeof(buf), 0, SMB_COM_READ_ANDX);
	CHECK_INT(smb_read_andx_encode(&w, 0x4001, 0x1000, 0xF000), 0);
	CHECK_BODY(&w, "0c ff00 0000 0140 00100000 00f0 00f0 0000 0000 0000 00000000 0000");

	req_start(&w, buf, sizeof(buf), 0, SMB_COM_READ_ANDX);
	CHECK_INT(smb_read_andx_encode(&w, 0x4001, 0, 0x00FFFFFF), 0);
	CHECK_BODY(&w, "0c ff00 0000 0140 00000000 ffff ffff ff00 0000 0000 00000000 0000");

	/* MaxCountHigh 0xFFFF means "ignore me" to the server. */
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_READ_ANDX);
	CHECK_INT(smb_read_andx_encode(&w, 0x4001, 0, 0xFFFF0000), -EINVAL);

	req_start(&w, buf, SMB_HDR_LEN + 26, 0, SMB_COM_READ_ANDX);
	CHECK_INT(smb_read_andx_encode(&w, 0x4001, 0, 1), -EMSGSIZE);
}

/* READ_ANDX reply words with the given lengths and DataOffset */
static void read_words(uint8_t *words, uint32_t data_len, uint16_t data_off)
{
	struct wr w;

	wr_init(&w, words, 24);
	wr_u8(&w, 0xff);
	wr_u8(&w, 0);
	wr_le16(&w, 0);
	wr_le16(&w, 0xFFFF); /* Available: "unknown", as Samba sends for files */
	wr_le16(&w, 0);
	wr_le16(&w, 0);
	wr_le16(&w, (uint16_t)data_len);
	wr_le16(&w, data_off);
	wr_le16(&w, (uint16_t)(data_len >> 16));
	wr_zero(&w, 8);
}

/* A READ_ANDX reply as Samba shapes it: data after one pad byte at 60,
 * ByteCount = pad + data, low 16 bits only for a large read. */
static uint8_t *read_reply(const uint8_t *data, uint32_t data_len, uint16_t data_off,
			   size_t *len)
{
	uint8_t words[24];
	uint8_t *bytes = g_malloc0(1 + (size_t)data_len);

	read_words(words, data_len, data_off);
	if (data_len)
		memcpy(bytes + 1, data, data_len);
	uint8_t *msg = reply(SMB_COM_READ_ANDX, words, 12, (uint16_t)(1 + data_len), bytes,
			     1 + (size_t)data_len, len);
	g_free(bytes);
	return msg;
}

static void test_read_andx_decode(void)
{
	struct smb_msg m;
	struct smb_read_andx_rep r;
	size_t len;

	uint8_t *msg = read_reply((const uint8_t *)"abc", 3, 60, &len);
	CHECK_INT(smb_msg_parse(msg, len, &m), 0);
	CHECK_INT(smb_read_andx_decode(&m, &r), 0);
	CHECK_INT(r.data_len, 3);
	CHECK(r.data == msg + 60);
	CHECK_MEM(r.data, "abc", 3);
	CHECK_INT(r.available, 0xFFFF);

	/* Every truncation is refused by the framing or by the decoder. */
	for (size_t n = 0; n < len; n++) {
		uint8_t *cut = g_memdup2(msg, n);
		int rc = smb_msg_parse(cut, n, &m);
		if (rc == 0)
			rc = smb_read_andx_decode(&m, &r);
		CHECK_INT(rc, -EPROTO);
		g_free(cut);
	}
	g_free(msg);

	/* Bad DataOffsets: in the header, at ByteCount, one past the data,
	 * beyond the message. */
	static const uint16_t bad_offs[] = { 0, 32, 57, 61, 64, 0xFFFF };
	for (size_t i = 0; i < G_N_ELEMENTS(bad_offs); i++) {
		msg = read_reply((const uint8_t *)"abc", 3, bad_offs[i], &len);
		CHECK_INT(smb_msg_parse(msg, len, &m), 0);
		CHECK_INT(smb_read_andx_decode(&m, &r), -EPROTO);
		g_free(msg);
	}

	/* End of file: no data, whatever DataOffset says. */
	msg = read_reply(NULL, 0, 0, &len);
	CHECK_INT(smb_msg_parse(msg, len, &m), 0);
	CHECK_INT(smb_read_andx_decode(&m, &r), 0);
	CHECK_INT(r.data_len, 0);
	CHECK(r.data != NULL);
	g_free(msg);

	/* A short word block */
	uint8_t words[24];
	read_words(words, 0, 60);
	msg = reply(SMB_COM_READ_ANDX, words, 11, 0, NULL, 0, &len);
	CHECK_INT(smb_msg_parse(msg, len, &m), 0);
	CHECK_INT(smb_read_andx_decode(&m, &r), -EPROTO);
	g_free(msg);
}

/* The receiver's look at the first 59 bytes of a frame agrees with the
 * decoder on where the data lies, and lets nothing else through. */
static void test_read_andx_peek(void)
{
	struct smb_msg m;
	struct smb_read_andx_rep r;
	uint16_t mid;
	uint32_t off, dlen;
	size_t len;

	uint8_t *msg = read_reply((const uint8_t *)"abc", 3, 60, &len);
	msg[30] = 0x34;
	msg[31] = 0x12;
	CHECK_INT(smb_read_andx_rep_peek(msg, SMB_READ_ANDX_REP_HEAD, (uint32_t)len, &mid, &off,
					 &dlen),
		  0);
	CHECK_INT(mid, 0x1234);
	CHECK_INT(off, 60);
	CHECK_INT(dlen, 3);
	CHECK_INT(smb_msg_parse(msg, len, &m), 0);
	CHECK_INT(smb_read_andx_decode(&m, &r), 0);
	CHECK(r.data == msg + off && r.data_len == dlen);
	/* Fewer bytes looked at, or a frame too short for the data. */
	CHECK_INT(smb_read_andx_rep_peek(msg, SMB_READ_ANDX_REP_HEAD - 1, (uint32_t)len, &mid,
					 &off, &dlen),
		  -EPROTO);
	for (uint32_t n = SMB_READ_ANDX_REP_HEAD; n < len; n++)
		CHECK_INT(smb_read_andx_rep_peek(msg, SMB_READ_ANDX_REP_HEAD, n, &mid, &off, &dlen),
			  -EPROTO);
	/* Not a plain successful answer: an error status (NT or DOS), a
	 * request, another command, another word count, a chained reply. */
	static const struct {
		size_t at;
		uint8_t value;
	} bad[] = { { 5, 1 }, { 7, 2 }, { 9, 0 }, { 4, SMB_COM_WRITE_ANDX }, { 32, 11 },
		    { 33, SMB_COM_READ_ANDX }, { 0, 0xfe } };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		uint8_t *b = g_memdup2(msg, len);
		b[bad[i].at] = bad[i].value;
		CHECK_INT(smb_read_andx_rep_peek(b, SMB_READ_ANDX_REP_HEAD, (uint32_t)len, &mid,
						 &off, &dlen),
			  -EPROTO);
		g_free(b);
	}
	g_free(msg);

	/* The DataOffsets the decoder refuses, and end of file (no data). */
	static const uint16_t bad_offs[] = { 0, 32, 57, 58, 61, 64, 0xFFFF };
	for (size_t i = 0; i < G_N_ELEMENTS(bad_offs); i++) {
		msg = read_reply((const uint8_t *)"abc", 3, bad_offs[i], &len);
		CHECK_INT(smb_read_andx_rep_peek(msg, SMB_READ_ANDX_REP_HEAD, (uint32_t)len, &mid,
						 &off, &dlen),
			  -EPROTO);
		g_free(msg);
	}
	msg = read_reply(NULL, 0, 60, &len);
	CHECK_INT(smb_read_andx_rep_peek(msg, SMB_READ_ANDX_REP_HEAD, (uint32_t)len, &mid, &off,
					 &dlen),
		  -EPROTO);
	g_free(msg);

	/* DataLengthHigh: 0x10003 bytes. */
	uint8_t *big = g_malloc0(0x10003);
	msg = read_reply(big, 0x10003, 60, &len);
	CHECK_INT(smb_read_andx_rep_peek(msg, SMB_READ_ANDX_REP_HEAD, (uint32_t)len, &mid, &off,
					 &dlen),
		  0);
	CHECK_INT(dlen, 0x10003);
	g_free(msg);
	g_free(big);
}

static void test_read_andx_large(void)
{
	/* 96 KiB + 5: DataLengthHigh 1, ByteCount wraps to 0x8006. */
	const uint32_t n = 0x18005;
	uint8_t *data = g_malloc(n);
	struct smb_msg m;
	struct smb_read_andx_rep r;
	size_t len;

	for (uint32_t i = 0; i < n; i++)
		data[i] = (uint8_t)(i * 7 + (i >> 8));
	uint8_t *msg = read_reply(data, n, 60, &len);
	CHECK_INT(len, 60 + n);
	CHECK_INT(smb_msg_parse(msg, len, &m), 0);
	CHECK_INT(m.bcc, (1 + n) & 0xFFFF);
	CHECK_INT(smb_read_andx_decode(&m, &r), 0);
	CHECK_INT(r.data_len, n);
	CHECK(r.data == msg + 60);
	CHECK_MEM(r.data, data, n);

	/* Truncations that still hold the 16-bit ByteCount's worth of bytes:
	 * only the decoder can see the data is missing. */
	static const size_t cuts[] = { 1, 2, 1000, 0x10000 };
	for (size_t i = 0; i < G_N_ELEMENTS(cuts); i++) {
		size_t cut_len = len - cuts[i];
		uint8_t *cut = g_memdup2(msg, cut_len);
		int rc = smb_msg_parse(cut, cut_len, &m);
		CHECK_INT(rc, 0);
		if (rc == 0)
			CHECK_INT(smb_read_andx_decode(&m, &r), -EPROTO);
		g_free(cut);
	}
	g_free(msg);
	g_free(data);
}

/* ---- WRITE_ANDX ---- */

static void test_write_andx_encode(void)
{
	uint8_t buf[128];
	struct wr w;

	/* 32 + 1 + 28 + 2 = 63, one pad byte: DataOffset 64. */
	for (size_t prefix = 0; prefix <= 4; prefix += 4) {
		req_start(&w, buf, sizeof(buf), prefix, SMB_COM_WRITE_ANDX);
		CHECK_INT(smb_write_andx_encode(&w, 0x4001, 0x200000010ULL, 1, "hello", 5), 0);
		CHECK_BODY(&w, "0e ff00 0000 0140 10000000 00000000 0100 0000 0000 0500 4000"
			       "02000000 0600 00 68656c6c6f");
	}

	req_start(&w, buf, sizeof(buf), 0, SMB_COM_WRITE_ANDX);
	CHECK_INT(smb_write_andx_encode(&w, 0x4001, 0, 0, NULL, 0), 0);
	CHECK_BODY(&w, "0e ff00 0000 0140 00000000 00000000 0000 0000 0000 0000 4000"
		       "00000000 0100 00");

	req_start(&w, buf, sizeof(buf), 0, SMB_COM_WRITE_ANDX);
	CHECK_INT(smb_write_andx_encode(&w, 0x4001, 0, 0, NULL, 1), -EINVAL);
	req_start(&w, buf, 68, 0, SMB_COM_WRITE_ANDX);
	CHECK_INT(smb_write_andx_encode(&w, 0x4001, 0, 0, "hello", 5), -EMSGSIZE);
}

static void test_write_andx_large(void)
{
	/* CAP_LARGE_WRITEX: 0x12345 bytes, DataLengthHigh 1, the data follows
	 * in full although ByteCount holds only the low 16 bits of 1 + len. */
	const uint32_t n = 0x12345;
	uint8_t *data = g_malloc(n);
	size_t cap = 4 + 64 + n;
	uint8_t *buf = g_malloc(cap);
	struct wr w;

	for (uint32_t i = 0; i < n; i++)
		data[i] = (uint8_t)(i ^ (i >> 9));
	req_start(&w, buf, cap, 4, SMB_COM_WRITE_ANDX);
	CHECK_INT(smb_write_andx_encode(&w, 0x4001, 0, 0, data, n), 0);
	CHECK_INT(wr_len(&w), 4 + 64 + n);
	const uint8_t *body = buf + 4 + SMB_HDR_LEN;
	uint8_t want[32];
	unhex("0e ff00 0000 0140 00000000 00000000 0000 0000 0100 4523 4000 00000000 4623 00",
	      want, sizeof(want));
	CHECK_MEM(body, want, sizeof(want));
	CHECK_MEM(buf + 4 + 64, data, n);

	/* One byte short of room */
	req_start(&w, buf, cap - 1, 4, SMB_COM_WRITE_ANDX);
	CHECK_INT(smb_write_andx_encode(&w, 0x4001, 0, 0, data, n), -EMSGSIZE);

	/* Without its data (sent from where it lies): the same 64 bytes,
	 * ByteCount still counting the data; a buffer one byte short of the
	 * pad is too small. */
	req_start(&w, buf, cap, 4, SMB_COM_WRITE_ANDX);
	CHECK_INT(smb_write_andx_encode_head(&w, 0x4001, 0, 0, n), 0);
	CHECK_INT(wr_len(&w), 4 + 64);
	CHECK_MEM(buf + 4 + SMB_HDR_LEN, want, sizeof(want));
	req_start(&w, buf, 4 + 63, 4, SMB_COM_WRITE_ANDX);
	CHECK_INT(smb_write_andx_encode_head(&w, 0x4001, 0, 0, n), -EMSGSIZE);
	g_free(buf);
	g_free(data);
}

static void test_write_andx_decode(void)
{
	uint8_t words[12];
	struct smb_msg m;
	uint32_t count = 7;
	size_t len;

	unhex("ff00 0000 4523 0000 0100 0000", words, sizeof(words));
	uint8_t *msg = reply(SMB_COM_WRITE_ANDX, words, 6, 0, NULL, 0, &len);
	CHECK_INT(smb_msg_parse(msg, len, &m), 0);
	CHECK_INT(smb_write_andx_decode(&m, &count), 0);
	CHECK_INT(count, 0x12345);
	g_free(msg);

	msg = reply(SMB_COM_WRITE_ANDX, words, 5, 0, NULL, 0, &len);
	CHECK_INT(smb_msg_parse(msg, len, &m), 0);
	CHECK_INT(smb_write_andx_decode(&m, &count), -EPROTO);
	CHECK_INT(count, 0);
	g_free(msg);
}

/* ---- NT_CREATE_ANDX + READ_ANDX chain (MS-CIFS 3.2.4.1.1) ---- */

static void test_nt_create_read_encode(void)
{
	uint8_t buf[256];
	struct wr w;
	struct smb_nt_create_req r = {
		.desired_access = 0x00120089,
		.ext_file_attrs = FILE_ATTRIBUTE_NORMAL,
		.share_access = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
		.create_disposition = FILE_OPEN,
		.create_options = FILE_NON_DIRECTORY_FILE,
		.impersonation = SEC_IMPERSONATION,
		.path = "/f",
		.unicode = true,
	};

	/* NT_CREATE_ANDX ends at 32 + 1 + 48 + 2 + pad 1 + 6 = 90; READ_ANDX's
	 * WordCount at 92 (0x5c), 4-aligned from the header whatever lies
	 * before it (the NetBIOS prefix), FID 0xFFFF, offset 0, 0xF000. */
	for (size_t prefix = 0; prefix <= 4; prefix += 4) {
		req_start(&w, buf, sizeof(buf), prefix, SMB_COM_NT_CREATE_ANDX);
		CHECK_INT(smb_nt_create_read_encode(&w, &r, 0xF000), 0);
		CHECK_BODY(&w, "18 2e00 5c00 00 0600 00000000 00000000 89001200 0000000000000000"
			       "80000000 07000000 01000000 40000000 02000000 00"
			       "0700 00 2f00 6600 0000 0000"
			       "0c ff00 0000 ffff 00000000 00f0 00f0 0000 0000 0000 00000000 0000");
	}
	/* No room for the read: the whole message fails. */
	req_start(&w, buf, SMB_HDR_LEN + 80, 0, SMB_COM_NT_CREATE_ANDX);
	CHECK_INT(smb_nt_create_read_encode(&w, &r, 16), -EMSGSIZE);
}

/* A chained reply: NT_CREATE_ANDX (34 words) whose AndX names READ_ANDX at
 * `next`, then the READ_ANDX reply with `data` at DataOffset `next + 28`
 * (after its 12 words, ByteCount and a pad byte). */
static uint8_t *chain_reply(uint8_t andx_cmd, uint16_t next, const char *data, size_t *len)
{
	size_t dlen = strlen(data);
	size_t n = (size_t)next + 1 + 24 + 2 + 1 + dlen;
	uint8_t *buf = g_malloc0(n);
	struct smb_hdr h = { .command = SMB_COM_NT_CREATE_ANDX, .flags = SMB_FLAGS_REPLY,
			     .flags2 = SMB_FLAGS2_UNICODE | SMB_FLAGS2_NT_STATUS };
	struct wr w;
	uint8_t rw[24];

	wr_init(&w, buf, n);
	smb_hdr_encode(&w, &h);
	wr_u8(&w, 34);
	wr_u8(&w, andx_cmd);
	wr_u8(&w, 0);
	wr_le16(&w, next);
	wr_u8(&w, 1);        /* OplockLevel */
	wr_le16(&w, 0x4002); /* FID */
	wr_le32(&w, 1);      /* CreateAction: opened */
	wr_zero(&w, 32);     /* times */
	wr_le32(&w, FILE_ATTRIBUTE_ARCHIVE);
	wr_le64(&w, 4096);
	wr_le64(&w, dlen); /* EndOfFile */
	wr_zero(&w, 5);
	wr_le16(&w, 0); /* ByteCount */
	while (wr_len(&w) < next)
		wr_u8(&w, 0);
	read_words(rw, (uint32_t)dlen, (uint16_t)(next + 28));
	wr_u8(&w, 12);
	wr_bytes(&w, rw, sizeof(rw));
	wr_le16(&w, (uint16_t)(1 + dlen));
	wr_u8(&w, 0);
	wr_bytes(&w, data, dlen);
	if (w.overflow || wr_len(&w) != n)
		abort();
	*len = n;
	return buf;
}

static void test_andx_chain_decode(void)
{
	struct smb_msg m, next;
	struct smb_nt_create_rep c;
	struct smb_read_andx_rep r;
	size_t len;

	/* The open's reply ends at 32 + 1 + 68 + 2 = 103: the read's at 104. */
	uint8_t *msg = chain_reply(SMB_COM_READ_ANDX, 104, "hello", &len);
	CHECK_INT(smb_msg_parse(msg, len, &m), 0);
	CHECK_INT(smb_nt_create_decode(&m, &c), 0);
	CHECK_INT(c.fid, 0x4002);
	CHECK_INT(c.end_of_file, 5);
	CHECK_INT(smb_andx_next(&m, &next), 1);
	CHECK_INT(next.hdr.command, SMB_COM_READ_ANDX);
	CHECK_INT(next.wct, 12);
	CHECK_INT(smb_read_andx_decode(&next, &r), 0);
	CHECK_INT(r.data_len, 5);
	CHECK_MEM(r.data, "hello", 5);
	/* The read is the last: nothing after it. */
	struct smb_msg after;
	CHECK_INT(smb_andx_next(&next, &after), 0);

	/* Every truncation: either the chain or the read fails, never a read
	 * past the message. */
	for (size_t cut = 104; cut < len; cut++) {
		struct smb_msg mc, nc;
		if (smb_msg_parse(msg, cut, &mc) < 0)
			continue;
		int rc = smb_andx_next(&mc, &nc);
		if (rc == 1)
			CHECK_INT(smb_read_andx_decode(&nc, &r), -EPROTO);
		else
			CHECK_INT(rc, -EPROTO);
	}
	g_free(msg);

	/* An offset back into the open's own words or bytes, or past the
	 * end, is refused (a walk must move forward and stay inside). */
	static const uint16_t bad[] = { 0, 33, 60, 102, 2000 };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		msg = chain_reply(SMB_COM_READ_ANDX, 104, "hello", &len);
		msg[SMB_HDR_LEN + 3] = (uint8_t)bad[i];
		msg[SMB_HDR_LEN + 4] = (uint8_t)(bad[i] >> 8);
		CHECK_INT(smb_msg_parse(msg, len, &m), 0);
		CHECK_INT(smb_andx_next(&m, &next), -EPROTO);
		g_free(msg);
	}

	/* A next command whose WordCount claims more than the message holds. */
	msg = chain_reply(SMB_COM_READ_ANDX, 104, "hello", &len);
	msg[104] = 40;
	CHECK_INT(smb_msg_parse(msg, len, &m), 0);
	CHECK_INT(smb_andx_next(&m, &next), -EPROTO);
	g_free(msg);

	/* A reply that did not go on (the server ran the open only). */
	msg = chain_reply(SMB_COM_NO_ANDX_COMMAND, 104, "hello", &len);
	CHECK_INT(smb_msg_parse(msg, len, &m), 0);
	CHECK_INT(smb_andx_next(&m, &next), 0);
	g_free(msg);

	/* An error reply for the whole chain: no words, no next command. */
	uint8_t *err = reply(SMB_COM_NT_CREATE_ANDX, NULL, 0, 0, NULL, 0, &len);
	CHECK_INT(smb_msg_parse(err, len, &m), 0);
	CHECK_INT(smb_andx_next(&m, &next), 0);
	CHECK_INT(smb_nt_create_decode(&m, &c), -EPROTO);
	g_free(err);
}

int main(void)
{
	test_open_andx_encode();
	test_open_andx_decode();
	test_nt_create_encode();
	test_nt_create_decode();
	test_nt_create_read_encode();
	test_andx_chain_decode();
	test_close_encode();
	test_read_andx_encode();
	test_read_andx_decode();
	test_read_andx_large();
	test_read_andx_peek();
	test_write_andx_encode();
	test_write_andx_large();
	test_write_andx_decode();
	CHECK_DONE();
}
