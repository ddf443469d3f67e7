/* TRANSACTION2 (src/smb_trans2.c): request layout, multi-part reply
 * reassembly, parameter blocks, the query / find / fs-info data parsers, and
 * rejection of malformed counts, offsets and entry chains. */
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

#define CHECK_HEX(p, len, hex)                                                         \
	do {                                                                           \
		uint8_t want_[512];                                                    \
		size_t n_ = unhex((hex), want_, sizeof(want_));                       \
		CHECK_INT((len), n_);                                                  \
		CHECK_MEM((p), want_, n_);                                             \
	} while (0)

/* ---- request ---- */

static void test_trans2_encode(void)
{
	uint8_t buf[256], params[64];
	struct smb_hdr h = { .command = SMB_COM_TRANSACTION2, .flags2 = SMB_FLAGS2_UNICODE };
	struct wr w;

	long plen = smb_qpathinfo_params(params, sizeof(params), SMB_QUERY_FILE_ALL_INFO, "\\a",
					 true);
	CHECK_INT(plen, 12);
	struct smb_trans2_req r = {
		.subcommand = TRANS2_QUERY_PATH_INFORMATION,
		.params = params,
		.param_len = (uint16_t)plen,
		.max_param_count = 2,
		.max_data_count = 0xFFF0,
	};

	/* 32 + 1 + 30 + 2 = 65: pad, 2-byte Name, parameters at 68; no data,
	 * so DataOffset is the end of the parameters. */
	for (size_t prefix = 0; prefix <= 4; prefix += 4) {
		wr_init(&w, buf, sizeof(buf));
		wr_zero(&w, prefix);
		smb_hdr_encode(&w, &h);
		CHECK_INT(smb_trans2_encode(&w, &r), 0);
		CHECK_HEX(buf + prefix + SMB_HDR_LEN, wr_len(&w) - prefix - SMB_HDR_LEN,
			  "0f 0c00 0000 0200 f0ff 00 00 0000 00000000 0000 0c00 4400 0000 5000"
			  "01 00 0500 0f00 00 0000 0701 00000000 5c00 6100 0000");
	}

	/* Parameters and data: data 4-aligned after the parameters. */
	uint8_t data[16];
	long dlen = smb_set_unix_info_data(data, sizeof(data), 1, 0, 0x1FB);
	plen = smb_set_unix_info_params(params, sizeof(params));
	CHECK_INT(dlen, 12);
	CHECK_INT(plen, 4);
	struct smb_trans2_req s = {
		.subcommand = TRANS2_SET_FS_INFORMATION,
		.params = params,
		.param_len = (uint16_t)plen,
		.data = data,
		.data_len = (uint16_t)dlen,
		.max_param_count = 4,
		.max_data_count = 0,
	};
	wr_init(&w, buf, sizeof(buf));
	smb_hdr_encode(&w, &h);
	CHECK_INT(smb_trans2_encode(&w, &s), 0);
	CHECK_HEX(buf + SMB_HDR_LEN, wr_len(&w) - SMB_HDR_LEN,
		  "0f 0400 0c00 0400 0000 00 00 0000 00000000 0000 0400 4400 0c00 4800"
		  "01 00 0400 1300 00 0000 0000 0002 0100 0000 fb01000000000000");

	/* Parameters of 5 bytes: 3 bytes of Pad2 before the data. */
	s.param_len = 5;
	params[4] = 0xAA;
	wr_init(&w, buf, sizeof(buf));
	smb_hdr_encode(&w, &h);
	CHECK_INT(smb_trans2_encode(&w, &s), 0);
	CHECK_HEX(buf + SMB_HDR_LEN, wr_len(&w) - SMB_HDR_LEN,
		  "0f 0500 0c00 0400 0000 00 00 0000 00000000 0000 0500 4400 0c00 4c00"
		  "01 00 0400 1700 00 0000 0000 0002 aa 000000 0100 0000 fb01000000000000");

	wr_init(&w, buf, SMB_HDR_LEN + 50);
	smb_hdr_encode(&w, &h);
	CHECK_INT(smb_trans2_encode(&w, &s), -EMSGSIZE);

	s.data = NULL;
	wr_init(&w, buf, sizeof(buf));
	smb_hdr_encode(&w, &h);
	CHECK_INT(smb_trans2_encode(&w, &s), -EINVAL);
}

/* ---- reply reassembly ---- */

struct part {
	uint16_t total_param, total_data;
	const uint8_t *params;
	uint16_t param_count, param_disp;
	const uint8_t *data;
	uint16_t data_count, data_disp;
	/* Overrides: 0 = where the part really puts them */
	uint16_t param_off, data_off;
	uint8_t setup_count;
	uint8_t wct;
};

/* A TRANSACTION2 reply part laid out like Samba's: parameters at 56 (after
 * one pad byte), data 4-aligned after them.  Exact-size heap buffer. */
static uint8_t *t2_part(const struct part *p, size_t *len)
{
	struct smb_hdr h = { .command = SMB_COM_TRANSACTION2, .flags = SMB_FLAGS_REPLY,
			     .flags2 = SMB_FLAGS2_UNICODE | SMB_FLAGS2_NT_STATUS };
	/* p->wct overrides WordCount; below 10 only the count byte says so */
	uint8_t wct = p->wct ? p->wct : (uint8_t)(10 + p->setup_count);
	uint8_t layout = wct < 10 ? 10 : wct;
	size_t bytes_off = SMB_HDR_LEN + 1 + 2 * (size_t)layout + 2;
	size_t poff = bytes_off + 1;
	size_t doff = (poff + p->param_count + 3) & ~(size_t)3;
	size_t n = doff + p->data_count;
	uint8_t *buf = g_malloc0(n);
	struct wr w;

	wr_init(&w, buf, n);
	smb_hdr_encode(&w, &h);
	wr_u8(&w, wct);
	wr_le16(&w, p->total_param);
	wr_le16(&w, p->total_data);
	wr_le16(&w, 0);
	wr_le16(&w, p->param_count);
	wr_le16(&w, p->param_off ? p->param_off : (uint16_t)poff);
	wr_le16(&w, p->param_disp);
	wr_le16(&w, p->data_count);
	wr_le16(&w, p->data_off ? p->data_off : (uint16_t)doff);
	wr_le16(&w, p->data_disp);
	wr_u8(&w, p->setup_count);
	wr_u8(&w, 0);
	wr_zero(&w, 2 * (size_t)(layout - 10));
	wr_le16(&w, (uint16_t)(n - bytes_off));
	wr_u8(&w, 0);
	wr_bytes(&w, p->params, p->param_count);
	wr_zero(&w, doff - poff - p->param_count);
	wr_bytes(&w, p->data, p->data_count);
	if (w.overflow || wr_len(&w) != n)
		abort();
	*len = n;
	return buf;
}

#define PART(tp, td, p, pc, pd, d, dc, dd)                                             \
	.total_param = (tp), .total_data = (td), .params = (p), .param_count = (pc),     \
	.param_disp = (pd), .data = (d), .data_count = (dc), .data_disp = (dd)

static int add_part(struct smb_trans2_rep *r, const struct part *p)
{
	struct smb_msg m;
	size_t len;
	uint8_t *msg = t2_part(p, &len);
	int rc = smb_msg_parse(msg, len, &m);

	if (rc == 0)
		rc = smb_trans2_rep_add(r, &m);
	g_free(msg);
	return rc;
}

static void test_trans2_reassembly(void)
{
	uint8_t params[10], data[300];
	struct smb_trans2_rep r = { 0 };

	for (size_t i = 0; i < sizeof(params); i++)
		params[i] = (uint8_t)(0xA0 + i);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);

	/* Three parts, the data out of order: [0,100), [200,300), [100,200). */
	struct part a = { PART(10, 300, params, 10, 0, data, 100, 0) };
	struct part b = { PART(10, 300, NULL, 0, 0, data + 200, 100, 200) };
	struct part c = { PART(10, 300, NULL, 0, 0, data + 100, 100, 100) };
	CHECK_INT(add_part(&r, &a), 0);
	CHECK_INT(add_part(&r, &b), 0);
	CHECK_INT(add_part(&r, &c), 1);
	CHECK_INT(r.total_param, 10);
	CHECK_INT(r.total_data, 300);
	CHECK_MEM(r.params, params, 10);
	CHECK_MEM(r.data, data, 300);
	smb_trans2_rep_clear(&r);
	CHECK(r.params == NULL && r.data == NULL && !r.started);

	/* Parameters split too, the second half first. */
	struct part p1 = { PART(10, 0, params + 6, 4, 6, NULL, 0, 0) };
	struct part p2 = { PART(10, 0, params, 6, 0, NULL, 0, 0) };
	CHECK_INT(add_part(&r, &p1), 0);
	CHECK_INT(add_part(&r, &p2), 1);
	CHECK_MEM(r.params, params, 10);
	smb_trans2_rep_clear(&r);

	/* Totals may shrink in a later part (MS-CIFS 2.2.4.46.2). */
	struct part s1 = { PART(10, 300, params, 10, 0, data, 100, 0) };
	struct part s2 = { PART(10, 200, NULL, 0, 0, data + 100, 100, 100) };
	CHECK_INT(add_part(&r, &s1), 0);
	CHECK_INT(add_part(&r, &s2), 1);
	CHECK_INT(r.total_data, 200);
	CHECK_MEM(r.data, data, 200);
	smb_trans2_rep_clear(&r);

	/* ... but never grow. */
	struct part g2 = { PART(10, 301, NULL, 0, 0, data + 100, 100, 100) };
	CHECK_INT(add_part(&r, &s1), 0);
	CHECK_INT(add_part(&r, &g2), -EPROTO);
	smb_trans2_rep_clear(&r);

	/* A reply with nothing in it is complete at once; a one-part reply
	 * with a setup word too. */
	struct part empty = { 0 };
	CHECK_INT(add_part(&r, &empty), 1);
	CHECK(r.params != NULL && r.data != NULL);
	smb_trans2_rep_clear(&r);
	struct part setup = { PART(10, 300, params, 10, 0, data, 300, 0), .setup_count = 1 };
	CHECK_INT(add_part(&r, &setup), 1);
	CHECK_MEM(r.data, data, 300);
	smb_trans2_rep_clear(&r);

	/* Bad parts, each on a fresh reply */
	const struct part bad[] = {
		/* displacement + count beyond the total */
		{ PART(10, 300, NULL, 0, 0, data, 100, 201) },
		{ PART(10, 300, params, 10, 1, NULL, 0, 0) },
		{ PART(10, 300, NULL, 0, 0, data, 100, 0xFFFF) },
		/* more than the total in one part */
		{ PART(10, 50, NULL, 0, 0, data, 100, 0) },
		/* offsets: beyond the message, into the header, into the words */
		{ PART(10, 300, params, 10, 0, NULL, 0, 0), .param_off = 0xFFF0 },
		{ PART(10, 300, NULL, 0, 0, data, 100, 0), .data_off = 100 },
		{ PART(10, 300, params, 10, 0, NULL, 0, 0), .param_off = 4 },
		{ PART(10, 300, params, 10, 0, NULL, 0, 0), .param_off = 40 },
		/* too few words for the block, or for its setup words */
		{ PART(10, 300, params, 10, 0, NULL, 0, 0), .wct = 9 },
		{ PART(10, 300, params, 10, 0, NULL, 0, 0), .setup_count = 2, .wct = 11 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		int rc = add_part(&r, &bad[i]);
		if (rc != -EPROTO)
			fprintf(stderr, "bad part %zu accepted\n", i);
		CHECK_INT(rc, -EPROTO);
		smb_trans2_rep_clear(&r);
	}

	/* The data offset one byte past the message end */
	struct part last = { PART(0, 4, NULL, 0, 0, data, 4, 0) };
	size_t len;
	uint8_t *msg = t2_part(&last, &len);
	struct smb_msg m;
	CHECK_INT(smb_msg_parse(msg, len, &m), 0);
	msg[SMB_HDR_LEN + 1 + 14] = (uint8_t)(len - 3);
	CHECK_INT(smb_trans2_rep_add(&r, &m), -EPROTO);
	smb_trans2_rep_clear(&r);
	msg[SMB_HDR_LEN + 1 + 14] = (uint8_t)(len - 4);
	CHECK_INT(smb_trans2_rep_add(&r, &m), 1);
	CHECK_MEM(r.data, data, 4);
	smb_trans2_rep_clear(&r);
	g_free(msg);

	/* A duplicated part overshoots the total. */
	CHECK_INT(add_part(&r, &a), 0);
	CHECK_INT(add_part(&r, &a), -EPROTO);
	smb_trans2_rep_clear(&r);
}

/* ---- parameter blocks ---- */

static void test_params(void)
{
	uint8_t p[64];
	long n;

	n = smb_qpathinfo_params(p, sizeof(p), SMB_QUERY_FILE_UNIX_BASIC, "\\x", false);
	CHECK_HEX(p, n, "0002 00000000 5c7800");
	n = smb_qpathinfo_params(p, sizeof(p), SMB_QUERY_FILE_UNIX_BASIC, "\\\xe6\x96\x87", true);
	CHECK_HEX(p, n, "0002 00000000 5c00 8765 0000");
	CHECK_INT(smb_qpathinfo_params(p, 9, SMB_QUERY_FILE_UNIX_BASIC, "\\x", true), -EMSGSIZE);
	CHECK_INT(smb_qpathinfo_params(p, sizeof(p), 1, "\xff", true), -EINVAL);
	CHECK_INT(smb_qpathinfo_params(p, sizeof(p), 1, NULL, true), -EINVAL);

	n = smb_qfileinfo_params(p, sizeof(p), 0x4001, SMB_QUERY_FILE_ALL_INFO);
	CHECK_HEX(p, n, "0140 0701");
	CHECK_INT(smb_qfileinfo_params(p, 3, 0x4001, 1), -EMSGSIZE);
	n = smb_qfsinfo_params(p, sizeof(p), SMB_QUERY_FS_FULL_SIZE_INFO);
	CHECK_HEX(p, n, "ef03");
	CHECK_INT(smb_qfsinfo_params(p, 1, 1), -EMSGSIZE);
	n = smb_set_unix_info_params(p, sizeof(p));
	CHECK_HEX(p, n, "0000 0002");
	n = smb_set_unix_info_data(p, sizeof(p), 1, 0, CIFS_UNIX_POSIX_PATHNAMES_CAP |
				   CIFS_UNIX_LARGE_READ_CAP | 0x100000000ULL);
	CHECK_HEX(p, n, "0100 0000 5000000001000000");
	CHECK_INT(smb_set_unix_info_data(p, 11, 1, 0, 0), -EMSGSIZE);

	struct smb_find_first_req ff = {
		.pattern = "\\dir\\*",
		.search_attrs = SMB_SEARCH_ALL_ATTRS,
		.search_count = 1366,
		.flags = SMB_FIND_CLOSE_AT_EOS | SMB_FIND_RETURN_RESUME_KEYS,
		.info_level = SMB_FIND_FILE_UNIX,
		.unicode = true,
	};
	n = smb_find_first_params(p, sizeof(p), &ff);
	CHECK_HEX(p, n, "1600 5605 0600 0202 00000000 5c00 6400 6900 7200 5c00 2a00 0000");
	ff.unicode = false;
	n = smb_find_first_params(p, sizeof(p), &ff);
	CHECK_HEX(p, n, "1600 5605 0600 0202 00000000 5c6469725c2a00");
	CHECK_INT(smb_find_first_params(p, 18, &ff), -EMSGSIZE);

	struct smb_find_next_req fn = {
		.sid = 0x0102,
		.search_count = 1366,
		.info_level = SMB_FIND_FILE_BOTH_DIRECTORY_INFO,
		.resume_key = 0x11223344,
		.flags = SMB_FIND_CONTINUE_FROM_LAST | SMB_FIND_CLOSE_AT_EOS,
		.resume_name = "z",
		.unicode = true,
	};
	n = smb_find_next_params(p, sizeof(p), &fn);
	CHECK_HEX(p, n, "0201 5605 0401 44332211 0a00 7a00 0000");
	fn.resume_name = NULL;
	n = smb_find_next_params(p, sizeof(p), &fn);
	CHECK_HEX(p, n, "0201 5605 0401 44332211 0a00 0000");

	/* Reply parameters */
	struct smb_find_rep fr;
	uint8_t rp[10];
	unhex("3412 0300 0100 0000 2800", rp, sizeof(rp));
	CHECK_INT(smb_find_first_rep_params(rp, 10, &fr), 0);
	CHECK_INT(fr.sid, 0x1234);
	CHECK_INT(fr.search_count, 3);
	CHECK(fr.end_of_search);
	CHECK_INT(fr.last_name_offset, 0x28);
	CHECK_INT(smb_find_first_rep_params(rp, 9, &fr), -EPROTO);
	CHECK_INT(smb_find_next_rep_params(rp + 2, 8, &fr), 0);
	CHECK_INT(fr.sid, 0);
	CHECK_INT(fr.search_count, 3);
	CHECK(fr.end_of_search);
	CHECK_INT(fr.last_name_offset, 0x28);
	CHECK_INT(smb_find_next_rep_params(rp + 2, 7, &fr), -EPROTO);
	CHECK_INT(smb_find_next_rep_params(NULL, 0, &fr), -EPROTO);
}

static void test_find_close2(void)
{
	uint8_t buf[64];
	struct smb_hdr h = { .command = SMB_COM_FIND_CLOSE2 };
	struct wr w;

	wr_init(&w, buf, sizeof(buf));
	smb_hdr_encode(&w, &h);
	CHECK_INT(smb_find_close2_encode(&w, 0x1234), 0);
	CHECK_HEX(buf + SMB_HDR_LEN, wr_len(&w) - SMB_HDR_LEN, "01 3412 0000");
	wr_init(&w, buf, SMB_HDR_LEN + 4);
	smb_hdr_encode(&w, &h);
	CHECK_INT(smb_find_close2_encode(&w, 0x1234), -EMSGSIZE);
}

/* ---- query information ---- */

static void test_file_info(void)
{
	uint8_t d[128];
	struct smb_file_info fi;
	size_t n;

	/* SMB_QUERY_FILE_ALL_INFO with a name cut short by the server */
	n = unhex("0100000000000000 0200000000000000 0300000000000000 0400000000000000"
		  "10000000 00000000 0010000000000000 0000000001000000 03000000 00 00 0000"
		  "00000000 20000000 5c00", d, sizeof(d));
	CHECK_INT(n, 74);
	memset(&fi, 0xEE, sizeof(fi));
	CHECK_INT(smb_parse_file_all_info(d, n, &fi), 0);
	CHECK_INT(fi.create_time, 1);
	CHECK_INT(fi.access_time, 2);
	CHECK_INT(fi.write_time, 3);
	CHECK_INT(fi.change_time, 4);
	CHECK_INT(fi.attrs, FILE_ATTRIBUTE_DIRECTORY);
	CHECK_INT(fi.alloc_size, 0x1000);
	CHECK_INT(fi.end_of_file, 0x100000000LL);
	CHECK_INT(fi.nlink, 3);
	CHECK(fi.is_dir); /* from the attributes, Directory byte 0 */
	CHECK(!fi.has_unix);
	CHECK_INT(fi.uid, 0);
	CHECK_INT(smb_parse_file_all_info(d, 62, &fi), 0);
	CHECK_INT(smb_parse_file_all_info(d, 61, &fi), -EPROTO);
	d[61] = 1; /* Directory */
	d[32] = 0; /* no attribute */
	CHECK_INT(smb_parse_file_all_info(d, 62, &fi), 0);
	CHECK(fi.is_dir);

	/* BASIC then STANDARD into one record */
	uint8_t b[40], s[24];
	CHECK_INT(unhex("0a00000000000000 0b00000000000000 0c00000000000000 0d00000000000000"
			"21000000 00000000", b, sizeof(b)), 40);
	CHECK_INT(unhex("0020000000000000 0510000000000000 02000000 00 00 0000", s, sizeof(s)),
		  24);
	memset(&fi, 0, sizeof(fi));
	CHECK_INT(smb_parse_file_basic_info(b, 36, &fi), 0);
	CHECK_INT(smb_parse_file_standard_info(s, 22, &fi), 0);
	CHECK_INT(fi.create_time, 10);
	CHECK_INT(fi.change_time, 13);
	CHECK_INT(fi.attrs, FILE_ATTRIBUTE_ARCHIVE | FILE_ATTRIBUTE_READONLY);
	CHECK_INT(fi.alloc_size, 0x2000);
	CHECK_INT(fi.end_of_file, 0x1005);
	CHECK_INT(fi.nlink, 2);
	CHECK(!fi.is_dir);
	CHECK_INT(smb_parse_file_basic_info(b, 35, &fi), -EPROTO);
	CHECK_INT(smb_parse_file_standard_info(s, 21, &fi), -EPROTO);
	s[21] = 1;
	CHECK_INT(smb_parse_file_standard_info(s, 22, &fi), 0);
	CHECK(fi.is_dir);
}

/* 100 bytes of FILE_UNIX_BASIC_INFO */
static void put_unix_basic(struct wr *w, uint64_t size, uint32_t type, uint64_t perms,
			   uint64_t nlinks)
{
	wr_le64(w, size);
	wr_le64(w, 4096);                /* NumOfBytes */
	wr_le64(w, 130000000000000000ULL); /* LastStatusChange */
	wr_le64(w, 130000000000000001ULL); /* LastAccess */
	wr_le64(w, 130000000000000002ULL); /* LastModification */
	wr_le64(w, 1000);                /* Uid */
	wr_le64(w, 100);                 /* Gid */
	wr_le32(w, type);
	wr_le64(w, 8);                   /* DevMajor */
	wr_le64(w, 1);                   /* DevMinor */
	wr_le64(w, 0x123456789ULL);      /* UniqueId */
	wr_le64(w, perms);
	wr_le64(w, nlinks);
}

static void test_unix_basic(void)
{
	uint8_t d[100];
	struct smb_file_info fi;
	struct wr w;

	wr_init(&w, d, sizeof(d));
	put_unix_basic(&w, 0x1122334455ULL, UNIX_TYPE_DIR, 01755, 5);
	CHECK_INT(wr_len(&w), 100);
	CHECK_INT(smb_parse_file_unix_basic(d, 100, &fi), 0);
	CHECK(fi.has_unix);
	CHECK_INT(fi.end_of_file, 0x1122334455LL);
	CHECK_INT(fi.num_bytes, 4096);
	CHECK_INT(fi.alloc_size, 4096);
	CHECK_INT(fi.change_time, 130000000000000000LL);
	CHECK_INT(fi.access_time, 130000000000000001LL);
	CHECK_INT(fi.write_time, 130000000000000002LL);
	CHECK_INT(fi.create_time, 0);
	CHECK_INT(fi.uid, 1000);
	CHECK_INT(fi.gid, 100);
	CHECK_INT(fi.unix_type, UNIX_TYPE_DIR);
	CHECK_INT(fi.dev_major, 8);
	CHECK_INT(fi.dev_minor, 1);
	CHECK_INT(fi.unique_id, 0x123456789LL);
	CHECK_INT(fi.perms, 01755);
	CHECK_INT(fi.nlinks, 5);
	CHECK_INT(fi.nlink, 5);
	CHECK(fi.is_dir);
	CHECK(fi.attrs & FILE_ATTRIBUTE_DIRECTORY);
	CHECK_INT(smb_parse_file_unix_basic(d, 99, &fi), -EPROTO);
	CHECK(!fi.has_unix);

	/* A link count beyond 32 bits saturates nlink. */
	wr_init(&w, d, sizeof(d));
	put_unix_basic(&w, 0, UNIX_TYPE_SYMLINK, 0777, 0x100000001ULL);
	CHECK_INT(smb_parse_file_unix_basic(d, 100, &fi), 0);
	CHECK_INT(fi.nlink, UINT32_MAX);
	CHECK(!fi.is_dir);
	CHECK_INT(fi.unix_type, UNIX_TYPE_SYMLINK);
}

static void test_unix_link(void)
{
	uint8_t d[64];
	char *t = NULL;
	size_t n;

	/* "../t/文" then NUL */
	n = unhex("2e00 2e00 2f00 7400 2f00 8765 0000", d, sizeof(d));
	CHECK_INT(smb_parse_file_unix_link(d, n, true, &t), 0);
	CHECK_STR(t, "../t/\xe6\x96\x87");
	g_free(t);
	/* No terminator, odd trailing byte ignored */
	CHECK_INT(smb_parse_file_unix_link(d, 11, true, &t), 0);
	CHECK_STR(t, "../t/");
	g_free(t);
	CHECK_INT(smb_parse_file_unix_link((const uint8_t *)"target", 6, false, &t), 0);
	CHECK_STR(t, "target");
	g_free(t);
	CHECK_INT(smb_parse_file_unix_link((const uint8_t *)"caf\xe9\0junk", 9, false, &t), 0);
	CHECK_STR(t, "caf\xc3\xa9");
	g_free(t);
	/* Empty, lone surrogate */
	CHECK_INT(smb_parse_file_unix_link(d + 12, 2, true, &t), -EPROTO);
	CHECK(t == NULL);
	CHECK_INT(smb_parse_file_unix_link(NULL, 0, false, &t), -EPROTO);
	n = unhex("4100 00d8 0000", d, sizeof(d));
	CHECK_INT(smb_parse_file_unix_link(d, n, true, &t), -EPROTO);
	CHECK(t == NULL);
}

/* ---- FIND_FIRST2 / FIND_NEXT2 entries ---- */

struct collected {
	int n;
	char *names[8];
	struct smb_file_info fi[8];
	int stop_after; /* return 42 from the callback after this many */
};

static int collect(void *ctx, const char *name, const struct smb_file_info *fi)
{
	struct collected *c = ctx;

	if (c->n < 8) {
		c->names[c->n] = g_strdup(name);
		c->fi[c->n] = *fi;
	}
	c->n++;
	return c->stop_after && c->n >= c->stop_after ? 42 : 0;
}

static void collected_clear(struct collected *c)
{
	for (int i = 0; i < 8 && i < c->n; i++)
		g_free(c->names[i]);
	memset(c, 0, sizeof(*c));
}

/* Appends a BOTH_DIRECTORY_INFO entry; returns its offset.  The caller
 * patches NextEntryOffset.  Entries are padded to 8 bytes, as Samba does. */
static size_t put_both_dir(struct wr *w, uint32_t index, uint32_t attrs, uint64_t size,
			   const char *name, bool unicode)
{
	size_t start = wr_len(w);
	uint8_t tmp[256];
	struct wr nw;

	wr_init(&nw, tmp, sizeof(tmp));
	if (unicode)
		wr_utf16(&nw, name, false);
	else
		wr_bytes(&nw, name, strlen(name));

	wr_le32(w, 0);
	wr_le32(w, index);
	wr_le64(w, 11);
	wr_le64(w, 12);
	wr_le64(w, 13);
	wr_le64(w, 14);
	wr_le64(w, size);
	wr_le64(w, (size + 4095) & ~4095ULL);
	wr_le32(w, attrs);
	wr_le32(w, (uint32_t)wr_len(&nw));
	wr_le32(w, 0);  /* EaSize */
	wr_u8(w, 0);    /* ShortNameLength */
	wr_u8(w, 0);
	wr_zero(w, 24); /* ShortName */
	wr_bytes(w, tmp, wr_len(&nw));
	while ((wr_len(w) - start) % 8)
		wr_u8(w, 0);
	return start;
}

/* Sets NextEntryOffset of all entries but the last (left 0). */
static void link_entries(uint8_t *buf, const size_t *offs, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		uint32_t next = GUINT32_TO_LE((uint32_t)(offs[i + 1] - offs[i]));
		memcpy(buf + offs[i], &next, 4);
	}
}

#define NAME_CJK "\xe6\x96\x87\xe4\xbb\xb6.txt"       /* 文件.txt */
#define NAME_EMOJI "\xf0\x9f\x98\x80 smile"            /* U+1F600, a surrogate pair */

static void test_find_both_dir(void)
{
	uint8_t buf[1024];
	struct wr w;
	size_t offs[3];
	struct collected c = { 0 };
	char *last = NULL;
	uint32_t key = 0;

	wr_init(&w, buf, sizeof(buf));
	offs[0] = put_both_dir(&w, 1, FILE_ATTRIBUTE_DIRECTORY, 0, ".", true);
	offs[1] = put_both_dir(&w, 2, FILE_ATTRIBUTE_ARCHIVE, 5000, NAME_CJK, true);
	offs[2] = put_both_dir(&w, 3, FILE_ATTRIBUTE_ARCHIVE, 7, NAME_EMOJI, true);
	size_t len = wr_len(&w);
	link_entries(buf, offs, 3);

	CHECK_INT(smb_find_parse_entries(buf, len, SMB_FIND_FILE_BOTH_DIRECTORY_INFO, true, 3,
					 collect, &c, &last, &key), 0);
	CHECK_INT(c.n, 3);
	CHECK_STR(c.names[0], ".");
	CHECK_STR(c.names[1], NAME_CJK);
	CHECK_STR(c.names[2], NAME_EMOJI);
	CHECK(c.fi[0].is_dir);
	CHECK_INT(c.fi[0].nlink, 2);
	CHECK(!c.fi[1].is_dir);
	CHECK_INT(c.fi[1].nlink, 1);
	CHECK_INT(c.fi[1].end_of_file, 5000);
	CHECK_INT(c.fi[1].alloc_size, 8192);
	CHECK_INT(c.fi[1].create_time, 11);
	CHECK_INT(c.fi[1].change_time, 14);
	CHECK(!c.fi[1].has_unix);
	CHECK_STR(last, NAME_EMOJI);
	CHECK_INT(key, 3);
	g_free(last);
	collected_clear(&c);

	/* Fewer entries asked for than present: stops at count. */
	CHECK_INT(smb_find_parse_entries(buf, len, SMB_FIND_FILE_BOTH_DIRECTORY_INFO, true, 2,
					 collect, &c, &last, &key), 0);
	CHECK_INT(c.n, 2);
	CHECK_STR(last, NAME_CJK);
	CHECK_INT(key, 2);
	g_free(last);
	collected_clear(&c);

	/* The callback stops the walk; nothing leaks. */
	c.stop_after = 2;
	CHECK_INT(smb_find_parse_entries(buf, len, SMB_FIND_FILE_BOTH_DIRECTORY_INFO, true, 3,
					 collect, &c, &last, &key), 42);
	CHECK_INT(c.n, 2);
	CHECK(last == NULL);
	collected_clear(&c);

	/* The last entry pointing at (or past) the end of the block */
	uint32_t next_le = GUINT32_TO_LE((uint32_t)(len - offs[2]));
	memcpy(buf + offs[2], &next_le, 4);
	CHECK_INT(smb_find_parse_entries(buf, len, SMB_FIND_FILE_BOTH_DIRECTORY_INFO, true, 3,
					 collect, &c, NULL, NULL), 0);
	CHECK_INT(c.n, 3);
	collected_clear(&c);
	next_le = GUINT32_TO_LE(0x1000);
	memcpy(buf + offs[2], &next_le, 4);
	CHECK_INT(smb_find_parse_entries(buf, len, SMB_FIND_FILE_BOTH_DIRECTORY_INFO, true, 3,
					 collect, &c, NULL, NULL), 0);
	CHECK_STR(c.names[2], NAME_EMOJI);
	collected_clear(&c);
	memset(buf + offs[2], 0, 4);

	/* Every truncation of the block fails, without reading past it. */
	for (size_t n = 0; n < len; n++) {
		uint8_t *cut = g_memdup2(buf, n ? n : 1);
		int rc = smb_find_parse_entries(cut, n, SMB_FIND_FILE_BOTH_DIRECTORY_INFO, true,
						3, collect, &c, &last, &key);
		/* Only the padding after the last name may go. */
		if (n < offs[2] + 94 + 16)
			CHECK_INT(rc, -EPROTO);
		if (rc == 0)
			g_free(last);
		collected_clear(&c);
		g_free(cut);
	}

	/* Unsupported level */
	CHECK_INT(smb_find_parse_entries(buf, len, SMB_FIND_FILE_DIRECTORY_INFO, true, 3, collect,
					 &c, &last, &key), -EINVAL);

	/* 8-bit names */
	wr_init(&w, buf, sizeof(buf));
	offs[0] = put_both_dir(&w, 9, 0, 1, "plain", false);
	offs[1] = put_both_dir(&w, 10, 0, 2, "caf\xe9", false);
	len = wr_len(&w);
	link_entries(buf, offs, 2);
	CHECK_INT(smb_find_parse_entries(buf, len, SMB_FIND_FILE_BOTH_DIRECTORY_INFO, false, 2,
					 collect, &c, &last, &key), 0);
	CHECK_INT(c.n, 2);
	CHECK_STR(c.names[0], "plain");
	CHECK_STR(c.names[1], "caf\xc3\xa9");
	CHECK_STR(last, "caf\xc3\xa9");
	CHECK_INT(key, 10);
	g_free(last);
	collected_clear(&c);
}

static void test_find_malicious(void)
{
	uint8_t buf[1024];
	struct wr w;
	size_t offs[3];
	struct collected c = { 0 };
	char *last = (char *)"untouched";
	uint32_t key;

	wr_init(&w, buf, sizeof(buf));
	offs[0] = put_both_dir(&w, 1, 0, 0, "a", true);
	offs[1] = put_both_dir(&w, 2, 0, 0, "b", true);
	offs[2] = put_both_dir(&w, 3, 0, 0, "c", true);
	size_t len = wr_len(&w);
	link_entries(buf, offs, 3);

	static const struct {
		size_t entry;
		uint32_t next;
	} bad[] = {
		{ 1, 0 },          /* 0 in the middle: the chain ends before count */
		{ 0, 0 },
		{ 0, 4 },          /* "backwards": points into its own fixed part */
		{ 0, 1 },
		{ 1, 0xFFFFFFF8 }, /* wraps a 32-bit position back before itself */
		{ 1, 0x200 },      /* beyond the end */
		{ 0, 0xFFFFFFFF },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		uint8_t copy[1024];
		uint32_t v = GUINT32_TO_LE(bad[i].next);
		memcpy(copy, buf, len);
		memcpy(copy + offs[bad[i].entry], &v, 4);
		CHECK_INT(smb_find_parse_entries(copy, len, SMB_FIND_FILE_BOTH_DIRECTORY_INFO, true,
						 3, collect, &c, &last, &key), -EPROTO);
		CHECK(last == NULL);
		collected_clear(&c);
	}

	/* More entries claimed than the block holds */
	CHECK_INT(smb_find_parse_entries(buf, len, SMB_FIND_FILE_BOTH_DIRECTORY_INFO, true, 4,
					 collect, &c, &last, &key), -EPROTO);
	collected_clear(&c);

	/* FileNameLength beyond the entry (and beyond the block) */
	uint8_t copy[1024];
	memcpy(copy, buf, len);
	copy[offs[1] + 60] = 0x20;
	CHECK_INT(smb_find_parse_entries(copy, len, SMB_FIND_FILE_BOTH_DIRECTORY_INFO, true, 3,
					 collect, &c, &last, &key), -EPROTO);
	collected_clear(&c);
	memcpy(copy, buf, len);
	copy[offs[2] + 63] = 0x80;
	CHECK_INT(smb_find_parse_entries(copy, len, SMB_FIND_FILE_BOTH_DIRECTORY_INFO, true, 3,
					 collect, &c, &last, &key), -EPROTO);
	collected_clear(&c);

	/* A name that is not valid UTF-16 (lone high surrogate) is skipped;
	 * the walk goes on. */
	memcpy(copy, buf, len);
	copy[offs[1] + 94] = 0x00;
	copy[offs[1] + 95] = 0xD8;
	CHECK_INT(smb_find_parse_entries(copy, len, SMB_FIND_FILE_BOTH_DIRECTORY_INFO, true, 3,
					 collect, &c, &last, &key), 0);
	CHECK_INT(c.n, 2);
	CHECK_STR(c.names[0], "a");
	CHECK_STR(c.names[1], "c");
	CHECK_STR(last, "c");
	g_free(last);
	collected_clear(&c);
	/* ... also when it is the last one: no last name then, but the key. */
	memcpy(copy, buf, len);
	copy[offs[2] + 94] = 0x00;
	copy[offs[2] + 95] = 0xDC;
	CHECK_INT(smb_find_parse_entries(copy, len, SMB_FIND_FILE_BOTH_DIRECTORY_INFO, true, 3,
					 collect, &c, &last, &key), 0);
	CHECK_INT(c.n, 2);
	CHECK(last == NULL);
	CHECK_INT(key, 3);
	collected_clear(&c);

	/* No entries at all */
	CHECK_INT(smb_find_parse_entries(NULL, 0, SMB_FIND_FILE_UNIX, true, 0, collect, &c, &last,
					 &key), 0);
	CHECK_INT(c.n, 0);
	CHECK(last == NULL);
}

/* Appends a FIND_FILE_UNIX entry: the name, then `nul` NUL code units, then
 * padding to 8 bytes (only when nul is set: the unterminated name ends the
 * entry). */
static size_t put_unix_entry(struct wr *w, uint32_t key, uint32_t type, const char *name,
			     bool unicode, int nul)
{
	size_t start = wr_len(w);

	wr_le32(w, 0);
	wr_le32(w, key);
	put_unix_basic(w, key * 100, type, type == UNIX_TYPE_DIR ? 0755 : 0644, key);
	if (unicode) {
		wr_utf16(w, name, false);
		for (int i = 0; i < nul; i++)
			wr_le16(w, 0);
	} else {
		wr_bytes(w, name, strlen(name));
		for (int i = 0; i < nul; i++)
			wr_u8(w, 0);
	}
	while (nul && (wr_len(w) - start) % 8)
		wr_u8(w, 0);
	return start;
}

static void test_find_unix(void)
{
	uint8_t buf[1024];
	struct wr w;
	size_t offs[3];
	struct collected c = { 0 };
	char *last = NULL;
	uint32_t key = 0;

	wr_init(&w, buf, sizeof(buf));
	offs[0] = put_unix_entry(&w, 1, UNIX_TYPE_DIR, "..", true, 1);
	offs[1] = put_unix_entry(&w, 2, UNIX_TYPE_FILE, NAME_CJK, true, 1);
	offs[2] = put_unix_entry(&w, 3, UNIX_TYPE_SYMLINK, NAME_EMOJI, true, 0);
	size_t len = wr_len(&w);
	link_entries(buf, offs, 3);

	CHECK_INT(smb_find_parse_entries(buf, len, SMB_FIND_FILE_UNIX, true, 3, collect, &c,
					 &last, &key), 0);
	CHECK_INT(c.n, 3);
	CHECK_STR(c.names[0], "..");
	CHECK_STR(c.names[1], NAME_CJK);
	CHECK_STR(c.names[2], NAME_EMOJI);
	CHECK(c.fi[0].has_unix);
	CHECK(c.fi[0].is_dir);
	CHECK_INT(c.fi[0].perms, 0755);
	CHECK_INT(c.fi[1].unix_type, UNIX_TYPE_FILE);
	CHECK_INT(c.fi[1].end_of_file, 200);
	CHECK_INT(c.fi[1].nlink, 2);
	CHECK_INT(c.fi[1].uid, 1000);
	CHECK_INT(c.fi[1].unique_id, 0x123456789LL);
	CHECK_INT(c.fi[2].unix_type, UNIX_TYPE_SYMLINK);
	CHECK(!c.fi[2].is_dir);
	CHECK_STR(last, NAME_EMOJI);
	CHECK_INT(key, 3);
	g_free(last);
	collected_clear(&c);

	/* Truncations: never a read past the block; a cut in the fixed part of
	 * any entry, or anywhere before the last one, fails. */
	for (size_t n = 0; n < len; n++) {
		uint8_t *cut = g_memdup2(buf, n ? n : 1);
		int rc = smb_find_parse_entries(cut, n, SMB_FIND_FILE_UNIX, true, 3, collect, &c,
						&last, &key);
		if (n < offs[2] + 108)
			CHECK_INT(rc, -EPROTO);
		if (rc == 0)
			g_free(last);
		collected_clear(&c);
		g_free(cut);
	}

	/* 8-bit names: NUL-terminated, and the last one by the entry end */
	wr_init(&w, buf, sizeof(buf));
	offs[0] = put_unix_entry(&w, 5, UNIX_TYPE_FIFO, "fifo", false, 1);
	offs[1] = put_unix_entry(&w, 6, UNIX_TYPE_FILE, "end", false, 0);
	len = wr_len(&w);
	link_entries(buf, offs, 2);
	CHECK_INT(smb_find_parse_entries(buf, len, SMB_FIND_FILE_UNIX, false, 2, collect, &c,
					 &last, &key), 0);
	CHECK_INT(c.n, 2);
	CHECK_STR(c.names[0], "fifo");
	CHECK_INT(c.fi[0].unix_type, UNIX_TYPE_FIFO);
	CHECK_STR(c.names[1], "end");
	CHECK_STR(last, "end");
	CHECK_INT(key, 6);
	g_free(last);
	collected_clear(&c);
}

/* Names the mount cannot show are skipped, the rest of the listing stays:
 * an empty name (the kernel would fail the whole getdents with EIO), a '/'
 * inside, a NUL before the end of FileNameLength (decoding would cut it to
 * another name).  A trailing NUL counted in the length is fine. */
static void test_find_bad_names(void)
{
	uint8_t buf[1024];
	struct wr w;
	size_t offs[6];
	struct collected c = { 0 };
	char *last = NULL;
	uint32_t key = 0;

	wr_init(&w, buf, sizeof(buf));
	offs[0] = put_both_dir(&w, 1, 0, 0, "a", true);
	offs[1] = put_both_dir(&w, 2, 0, 0, "", true);
	offs[2] = put_both_dir(&w, 3, 0, 0, "x/y", true);
	offs[3] = put_both_dir(&w, 4, 0, 0, "pqr", true);
	offs[4] = put_both_dir(&w, 5, 0, 0, "ok", true);
	offs[5] = put_both_dir(&w, 6, 0, 0, "", true);
	size_t len = wr_len(&w);
	link_entries(buf, offs, 6);
	/* "pqr" -> "p\0r": the middle code unit at 94 + 2 */
	buf[offs[3] + 96] = 0;
	/* "ok" with its NUL terminator counted: FileNameLength 4 -> 6 */
	buf[offs[4] + 60] = 6;
	CHECK_INT(smb_find_parse_entries(buf, len, SMB_FIND_FILE_BOTH_DIRECTORY_INFO, true, 6,
					 collect, &c, &last, &key), 0);
	CHECK_INT(c.n, 2);
	CHECK_STR(c.names[0], "a");
	CHECK_STR(c.names[1], "ok");
	CHECK(last == NULL); /* the last one was skipped */
	CHECK_INT(key, 6);
	collected_clear(&c);

	/* The same at the UNIX level, 8-bit names too */
	for (int unicode = 0; unicode < 2; unicode++) {
		wr_init(&w, buf, sizeof(buf));
		offs[0] = put_unix_entry(&w, 1, UNIX_TYPE_FILE, "", unicode, 1);
		offs[1] = put_unix_entry(&w, 2, UNIX_TYPE_FILE, "d/e", unicode, 1);
		offs[2] = put_unix_entry(&w, 3, UNIX_TYPE_FILE, "f", unicode, 0);
		len = wr_len(&w);
		link_entries(buf, offs, 3);
		CHECK_INT(smb_find_parse_entries(buf, len, SMB_FIND_FILE_UNIX, unicode, 3, collect,
						 &c, &last, &key), 0);
		CHECK_INT(c.n, 1);
		CHECK_STR(c.names[0], "f");
		CHECK_STR(last, "f");
		g_free(last);
		collected_clear(&c);
	}
}

/* ---- file system information ---- */

static void test_fs_info(void)
{
	uint8_t d[64];
	struct smb_fs_size s;
	struct smb_posix_fs_info p;
	size_t n;

	n = unhex("0000000001000000 0010000000000000 0020000000000000 08000000 00020000", d,
		  sizeof(d));
	CHECK_INT(smb_parse_fs_full_size_info(d, n, &s), 0);
	CHECK_INT(s.total_units, 0x100000000LL);
	CHECK_INT(s.caller_avail_units, 0x1000);
	CHECK_INT(s.actual_avail_units, 0x2000);
	CHECK_INT(s.sectors_per_unit, 8);
	CHECK_INT(s.bytes_per_sector, 512);
	CHECK_INT(smb_parse_fs_full_size_info(d, n - 1, &s), -EPROTO);

	n = unhex("0000000001000000 0010000000000000 08000000 00020000", d, sizeof(d));
	CHECK_INT(smb_parse_fs_size_info(d, n, &s), 0);
	CHECK_INT(s.total_units, 0x100000000LL);
	CHECK_INT(s.caller_avail_units, 0x1000);
	CHECK_INT(s.actual_avail_units, 0x1000);
	CHECK_INT(s.sectors_per_unit, 8);
	CHECK_INT(s.bytes_per_sector, 512);
	CHECK_INT(smb_parse_fs_size_info(d, n - 1, &s), -EPROTO);

	n = unhex("00000100 00100000 0100000000000000 0200000000000000 0300000000000000"
		  "0400000000000000 0500000000000000 0600000000000000", d, sizeof(d));
	CHECK_INT(n, 56);
	CHECK_INT(smb_parse_posix_fs_info(d, n, &p), 0);
	CHECK_INT(p.optimal_transfer_size, 0x10000);
	CHECK_INT(p.block_size, 4096);
	CHECK_INT(p.total_blocks, 1);
	CHECK_INT(p.blocks_avail, 2);
	CHECK_INT(p.user_blocks_avail, 3);
	CHECK_INT(p.total_file_nodes, 4);
	CHECK_INT(p.free_file_nodes, 5);
	CHECK_INT(p.fs_id, 6);
	CHECK_INT(smb_parse_posix_fs_info(d, 55, &p), -EPROTO);

	uint16_t major, minor;
	uint64_t caps;
	n = unhex("0100 0000 fb01000000000000", d, sizeof(d));
	CHECK_INT(smb_parse_cifs_unix_info(d, n, &major, &minor, &caps), 0);
	CHECK_INT(major, 1);
	CHECK_INT(minor, 0);
	CHECK_INT(caps, 0x1FB);
	CHECK_INT(smb_parse_cifs_unix_info(d, 11, &major, &minor, &caps), -EPROTO);
}


/* An NT_TRANSACT reply part (MS-CIFS 2.2.4.62.2): 18 words of 32-bit counts
 * after three reserved bytes; parameters right after ByteCount's pad,
 * data 4-aligned after them. */
static uint8_t *nttrans_part(uint32_t total_param, uint32_t total_data, const uint8_t *params,
			     uint32_t pc, uint32_t pd, const uint8_t *data, uint32_t dc,
			     uint32_t dd, size_t *len)
{
	struct smb_hdr h = { .command = SMB_COM_NT_TRANSACT, .flags = SMB_FLAGS_REPLY,
			     .flags2 = SMB_FLAGS2_UNICODE | SMB_FLAGS2_NT_STATUS };
	size_t bytes_off = SMB_HDR_LEN + 1 + 2 * 18 + 2;
	size_t poff = bytes_off + 1;
	size_t doff = (poff + pc + 3) & ~(size_t)3;
	size_t n = doff + dc;
	uint8_t *buf = g_malloc0(n);
	struct wr w;

	wr_init(&w, buf, n);
	smb_hdr_encode(&w, &h);
	wr_u8(&w, 18);
	wr_zero(&w, 3);
	wr_le32(&w, total_param);
	wr_le32(&w, total_data);
	wr_le32(&w, pc);
	wr_le32(&w, (uint32_t)poff);
	wr_le32(&w, pd);
	wr_le32(&w, dc);
	wr_le32(&w, (uint32_t)doff);
	wr_le32(&w, dd);
	wr_u8(&w, 0); /* SetupCount */
	wr_le16(&w, (uint16_t)(n - bytes_off));
	wr_u8(&w, 0);
	wr_bytes(&w, params, pc);
	wr_zero(&w, doff - poff - pc);
	wr_bytes(&w, data, dc);
	if (w.overflow || wr_len(&w) != n)
		abort();
	*len = n;
	return buf;
}

static int nttrans_add(struct smb_trans2_rep *r, uint8_t *msg, size_t len, uint32_t max)
{
	struct smb_msg m;
	int rc = smb_msg_parse(msg, len, &m);
	if (rc == 0)
		rc = smb_nttrans_rep_add(r, &m, max);
	g_free(msg);
	return rc;
}

static void test_nttrans_reassembly(void)
{
	struct smb_trans2_rep r = { 0 };
	uint8_t params[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, data[300];
	size_t len;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	/* Two parts: parameters and the first 100 data bytes, then the rest. */
	uint8_t *m1 = nttrans_part(8, 300, params, 8, 0, data, 100, 0, &len);
	CHECK_INT(nttrans_add(&r, m1, len, 4096), 0);
	uint8_t *m2 = nttrans_part(8, 300, NULL, 0, 0, data + 100, 200, 100, &len);
	CHECK_INT(nttrans_add(&r, m2, len, 4096), 1);
	CHECK_INT(r.total_param, 8);
	CHECK_INT(r.total_data, 300);
	CHECK_MEM(r.params, params, 8);
	CHECK_MEM(r.data, data, 300);
	smb_trans2_rep_clear(&r);

	/* Totals above the caller's bound, and 32-bit displacements that
	 * would wrap, are refused. */
	uint8_t *m3 = nttrans_part(8, 0x20000000u, params, 8, 0, NULL, 0, 0, &len);
	CHECK_INT(nttrans_add(&r, m3, len, 4096), -EPROTO);
	smb_trans2_rep_clear(&r);
	uint8_t *m4 = nttrans_part(8, 300, NULL, 0, 0, data, 100, 0xFFFFFFF0u, &len);
	CHECK_INT(nttrans_add(&r, m4, len, 4096), -EPROTO);
	smb_trans2_rep_clear(&r);
	/* A part with more than the total still to come */
	uint8_t *m5 = nttrans_part(8, 50, params, 8, 0, data, 100, 0, &len);
	CHECK_INT(nttrans_add(&r, m5, len, 4096), -EPROTO);
	smb_trans2_rep_clear(&r);
}

int main(void)
{
	test_trans2_encode();
	test_trans2_reassembly();
	test_nttrans_reassembly();
	test_params();
	test_find_close2();
	test_file_info();
	test_unix_basic();
	test_unix_link();
	test_find_both_dir();
	test_find_malicious();
	test_find_bad_names();
	test_find_unix();
	test_fs_info();
	CHECK_DONE();
}
