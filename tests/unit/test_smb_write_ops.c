/* Requests that change the share: DELETE, CREATE/DELETE_DIRECTORY, RENAME,
 * NT_RENAME, FLUSH (src/smb_path.c), LOCKING_ANDX (src/smb_lock.c), and the
 * TRANS2 SET_PATH / SET_FILE_INFORMATION parameter and data blocks
 * (src/smb_setinfo.c): exact bytes from the MS-CIFS / MS-FSCC layouts and
 * the CIFS UNIX extensions, Unicode alignment relative to the header,
 * overflow and invalid input. */
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

/* Starts a request: `prefix` bytes (a NetBIOS header, or an odd count to
 * show alignment follows the header, not the buffer) then the SMB header. */
static void req_start(struct wr *w, uint8_t *buf, size_t cap, size_t prefix, uint8_t cmd)
{
	struct smb_hdr h = { .command = cmd, .flags2 = SMB_FLAGS2_UNICODE, .mid = 9 };

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

/* Checks a standalone block of length len (or a negative error) against hex. */
#define CHECK_HEX(p, len, hex)                                                         \
	do {                                                                           \
		uint8_t want_[512];                                                    \
		size_t n_ = unhex((hex), want_, sizeof(want_));                       \
		CHECK_INT((len), n_);                                                  \
		if ((long)(len) == (long)n_)                                           \
			CHECK_MEM((p), want_, n_);                                     \
	} while (0)

/* A cursor whose next byte is at an odd offset from the header: what an
 * encoder would see if its words started one byte later.  The encoders must
 * still align Unicode names to the header. */
static void odd_start(struct wr *w, uint8_t *buf, size_t cap)
{
	wr_init(w, buf, cap);
	wr_u8(w, 0xAA); /* origin 0, next byte at 1 */
}

#define CHECK_ODD(w, hex)                                                              \
	do {                                                                           \
		uint8_t want_[512];                                                    \
		size_t n_ = unhex((hex), want_, sizeof(want_));                       \
		CHECK(!(w)->overflow);                                                 \
		CHECK_INT(wr_len(w) - 1, n_);                                          \
		CHECK_MEM((w)->data + 1, want_, n_);                                   \
	} while (0)

/* ---- DELETE, CREATE_DIRECTORY, DELETE_DIRECTORY ---- */

static void test_delete(void)
{
	uint8_t buf[256];
	struct wr w;

	/* 32 + 1 + 2 + 2 = 37: BufferFormat at 37, the name at 38 is even: no
	 * pad.  Same with a 4-byte NetBIOS header in front, and with an odd
	 * 3-byte prefix (alignment is relative to the header). */
	for (size_t prefix = 0; prefix <= 4; prefix++) {
		req_start(&w, buf, sizeof(buf), prefix, SMB_COM_DELETE);
		CHECK_INT(smb_delete_encode(&w, "\\a.txt", SMB_SEARCH_ALL_ATTRS, true), 0);
		CHECK_BODY(&w, "01 1600 0f00 04 5c00 6100 2e00 7400 7800 7400 0000");
	}
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_DELETE);
	CHECK_INT(smb_delete_encode(&w, "\\a.txt", 0, false), 0);
	CHECK_BODY(&w, "01 0000 0800 04 5c612e74787400");

	/* Non-BMP and non-ASCII: "/d/文😀" (POSIX separators pass through) */
	req_start(&w, buf, sizeof(buf), 4, SMB_COM_DELETE);
	CHECK_INT(smb_delete_encode(&w, "/d/\xe6\x96\x87\xf0\x9f\x98\x80", 6, true), 0);
	CHECK_BODY(&w, "01 0600 0f00 04 2f00 6400 2f00 8765 3dd8 00de 0000");

	/* Odd start: a pad byte after the BufferFormat */
	odd_start(&w, buf, sizeof(buf));
	CHECK_INT(smb_delete_encode(&w, "\\x", 0, true), 0);
	CHECK_ODD(&w, "01 0000 0800 04 00 5c00 7800 0000");
	odd_start(&w, buf, sizeof(buf));
	CHECK_INT(smb_delete_encode(&w, "\\x", 0, false), 0);
	CHECK_ODD(&w, "01 0000 0400 04 5c7800");

	/* Overflow at every length short of the whole message */
	for (size_t cap = SMB_HDR_LEN; cap < SMB_HDR_LEN + 20; cap++) {
		req_start(&w, buf, cap, 0, SMB_COM_DELETE);
		CHECK_INT(smb_delete_encode(&w, "\\a.txt", 0, true), -EMSGSIZE);
	}
	req_start(&w, buf, SMB_HDR_LEN + 20, 0, SMB_COM_DELETE);
	CHECK_INT(smb_delete_encode(&w, "\\a.txt", 0, true), 0);

	req_start(&w, buf, sizeof(buf), 0, SMB_COM_DELETE);
	CHECK_INT(smb_delete_encode(&w, "\\bad\xff", 0, true), -EINVAL);
	CHECK_INT(smb_delete_encode(&w, NULL, 0, true), -EINVAL);
}

static void test_directory(void)
{
	uint8_t buf[128];
	struct wr w;

	/* 32 + 1 + 2 = 35: BufferFormat at 35, the name at 36: no pad */
	for (size_t prefix = 0; prefix <= 4; prefix += 4) {
		req_start(&w, buf, sizeof(buf), prefix, SMB_COM_CREATE_DIRECTORY);
		CHECK_INT(smb_create_directory_encode(&w, "\\d", true), 0);
		CHECK_BODY(&w, "00 0700 04 5c00 6400 0000");
		req_start(&w, buf, sizeof(buf), prefix, SMB_COM_DELETE_DIRECTORY);
		CHECK_INT(smb_delete_directory_encode(&w, "\\d", true), 0);
		CHECK_BODY(&w, "00 0700 04 5c00 6400 0000");
	}
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_CREATE_DIRECTORY);
	CHECK_INT(smb_create_directory_encode(&w, "\\d\\e", false), 0);
	CHECK_BODY(&w, "00 0600 04 5c645c6500");
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_DELETE_DIRECTORY);
	CHECK_INT(smb_delete_directory_encode(&w, "\\d\\e", false), 0);
	CHECK_BODY(&w, "00 0600 04 5c645c6500");

	odd_start(&w, buf, sizeof(buf));
	CHECK_INT(smb_create_directory_encode(&w, "\\d", true), 0);
	CHECK_ODD(&w, "00 0800 04 00 5c00 6400 0000");
	odd_start(&w, buf, sizeof(buf));
	CHECK_INT(smb_delete_directory_encode(&w, "\\d", true), 0);
	CHECK_ODD(&w, "00 0800 04 00 5c00 6400 0000");

	/* The empty name is the share root: encoded, the server refuses it */
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_DELETE_DIRECTORY);
	CHECK_INT(smb_delete_directory_encode(&w, "", true), 0);
	CHECK_BODY(&w, "00 0300 04 0000");

	for (size_t cap = SMB_HDR_LEN; cap < SMB_HDR_LEN + 10; cap++) {
		req_start(&w, buf, cap, 0, SMB_COM_CREATE_DIRECTORY);
		CHECK_INT(smb_create_directory_encode(&w, "\\d", true), -EMSGSIZE);
		req_start(&w, buf, cap, 0, SMB_COM_DELETE_DIRECTORY);
		CHECK_INT(smb_delete_directory_encode(&w, "\\d", true), -EMSGSIZE);
	}
	req_start(&w, buf, SMB_HDR_LEN + 10, 0, SMB_COM_CREATE_DIRECTORY);
	CHECK_INT(smb_create_directory_encode(&w, "\\d", true), 0);

	req_start(&w, buf, sizeof(buf), 0, SMB_COM_CREATE_DIRECTORY);
	CHECK_INT(smb_create_directory_encode(&w, "\xc3", true), -EINVAL);
	CHECK_INT(smb_create_directory_encode(&w, NULL, true), -EINVAL);
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_DELETE_DIRECTORY);
	CHECK_INT(smb_delete_directory_encode(&w, "\xc3", true), -EINVAL);
	CHECK_INT(smb_delete_directory_encode(&w, NULL, true), -EINVAL);
}

/* ---- RENAME, NT_RENAME ---- */

static void test_rename(void)
{
	uint8_t buf[256];
	struct wr w;

	/* BufferFormat1 at 37, old name at 38..43, BufferFormat2 at 44, so one
	 * pad byte puts the new name at 46 (MS-CIFS 2.2.1.1: the pad follows
	 * the buffer format byte). */
	for (size_t prefix = 0; prefix <= 4; prefix++) {
		req_start(&w, buf, sizeof(buf), prefix, SMB_COM_RENAME);
		CHECK_INT(smb_rename_encode(&w, "\\a", "\\b", SMB_SEARCH_ALL_ATTRS, true), 0);
		CHECK_BODY(&w, "01 1600 0f00 04 5c00 6100 0000 04 00 5c00 6200 0000");
	}
	/* Longer names change nothing: every UTF-16 name has even length */
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_RENAME);
	CHECK_INT(smb_rename_encode(&w, "\\\xe6\x96\x87", "\\d\\xy", 0, true), 0);
	CHECK_BODY(&w, "01 0000 1500 04 5c00 8765 0000 04 00 5c00 6400 5c00 7800 7900 0000");

	/* 8-bit: no pads */
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_RENAME);
	CHECK_INT(smb_rename_encode(&w, "\\a", "\\bc", 0, false), 0);
	CHECK_BODY(&w, "01 0000 0900 04 5c6100 04 5c626300");

	/* Odd start: both names need a pad */
	odd_start(&w, buf, sizeof(buf));
	CHECK_INT(smb_rename_encode(&w, "\\a", "\\b", 0, true), 0);
	CHECK_ODD(&w, "01 0000 1000 04 00 5c00 6100 0000 04 00 5c00 6200 0000");

	for (size_t cap = SMB_HDR_LEN; cap < SMB_HDR_LEN + 20; cap++) {
		req_start(&w, buf, cap, 0, SMB_COM_RENAME);
		CHECK_INT(smb_rename_encode(&w, "\\a", "\\b", 0, true), -EMSGSIZE);
	}
	req_start(&w, buf, SMB_HDR_LEN + 20, 0, SMB_COM_RENAME);
	CHECK_INT(smb_rename_encode(&w, "\\a", "\\b", 0, true), 0);

	req_start(&w, buf, sizeof(buf), 0, SMB_COM_RENAME);
	CHECK_INT(smb_rename_encode(&w, "\\a\xff", "\\b", 0, true), -EINVAL);
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_RENAME);
	CHECK_INT(smb_rename_encode(&w, "\\a", "\\b\xff", 0, true), -EINVAL);
	CHECK_INT(smb_rename_encode(&w, NULL, "\\b", 0, true), -EINVAL);
	CHECK_INT(smb_rename_encode(&w, "\\a", NULL, 0, true), -EINVAL);
}

static void test_nt_rename(void)
{
	uint8_t buf[256];
	struct wr w;

	/* 32 + 1 + 8 + 2 = 43: BufferFormat1 at 43, old name at 44, the new
	 * name padded as in RENAME. */
	for (size_t prefix = 0; prefix <= 4; prefix++) {
		req_start(&w, buf, sizeof(buf), prefix, SMB_COM_NT_RENAME);
		CHECK_INT(smb_nt_rename_encode(&w, "\\a", "\\b", SMB_SEARCH_ALL_ATTRS,
					       SMB_NT_RENAME_RENAME_FILE, true), 0);
		CHECK_BODY(&w, "04 1600 0401 00000000 0f00 04 5c00 6100 0000 04 00 5c00 6200 0000");
	}
	/* A hard link: MS-CIFS 2.2.4.66.1 SMB_NT_RENAME_SET_LINK_INFO is
	 * 0x0103 (what Samba accepts); the level is passed through as given. */
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_NT_RENAME);
	CHECK_INT(smb_nt_rename_encode(&w, "\\a", "\\hl", 0, 0x0103, false), 0);
	CHECK_BODY(&w, "04 0000 0301 00000000 0900 04 5c6100 04 5c686c00");

	odd_start(&w, buf, sizeof(buf));
	CHECK_INT(smb_nt_rename_encode(&w, "\\a", "\\b", 0, 0x0103, true), 0);
	CHECK_ODD(&w, "04 0000 0301 00000000 1000 04 00 5c00 6100 0000 04 00 5c00 6200 0000");

	for (size_t cap = SMB_HDR_LEN; cap < SMB_HDR_LEN + 26; cap++) {
		req_start(&w, buf, cap, 0, SMB_COM_NT_RENAME);
		CHECK_INT(smb_nt_rename_encode(&w, "\\a", "\\b", 0, SMB_NT_RENAME_RENAME_FILE,
					       true), -EMSGSIZE);
	}
	req_start(&w, buf, SMB_HDR_LEN + 26, 0, SMB_COM_NT_RENAME);
	CHECK_INT(smb_nt_rename_encode(&w, "\\a", "\\b", 0, SMB_NT_RENAME_RENAME_FILE, true), 0);

	req_start(&w, buf, sizeof(buf), 0, SMB_COM_NT_RENAME);
	CHECK_INT(smb_nt_rename_encode(&w, "\\a", "\xed\xa0\x80", 0, SMB_NT_RENAME_RENAME_FILE,
				       true), -EINVAL); /* an encoded surrogate */
	CHECK_INT(smb_nt_rename_encode(&w, NULL, "\\b", 0, 0, true), -EINVAL);
	CHECK_INT(smb_nt_rename_encode(&w, "\\a", NULL, 0, 0, true), -EINVAL);
}

/* A name long enough that ByteCount would not hold it: refused, not cut. */
static void test_path_too_long(void)
{
	size_t cap = 200000;
	uint8_t *buf = g_malloc(cap);
	char *name = g_malloc(40001);
	struct wr w;

	memset(name, 'a', 40000);
	name[40000] = '\0';
	req_start(&w, buf, cap, 0, SMB_COM_DELETE);
	CHECK_INT(smb_delete_encode(&w, name, 0, true), -EMSGSIZE);
	req_start(&w, buf, cap, 0, SMB_COM_DELETE);
	CHECK_INT(smb_delete_encode(&w, name, 0, false), 0);
	req_start(&w, buf, cap, 0, SMB_COM_RENAME);
	CHECK_INT(smb_rename_encode(&w, name, name, 0, false), -EMSGSIZE);
	g_free(name);
	g_free(buf);
}

static void test_flush(void)
{
	uint8_t buf[64];
	struct wr w;

	req_start(&w, buf, sizeof(buf), 4, SMB_COM_FLUSH);
	CHECK_INT(smb_flush_encode(&w, 0x4001), 0);
	CHECK_BODY(&w, "01 0140 0000");
	req_start(&w, buf, SMB_HDR_LEN + 4, 0, SMB_COM_FLUSH);
	CHECK_INT(smb_flush_encode(&w, 0x4001), -EMSGSIZE);
	req_start(&w, buf, SMB_HDR_LEN + 5, 0, SMB_COM_FLUSH);
	CHECK_INT(smb_flush_encode(&w, 0x4001), 0);
}

/* ---- LOCKING_ANDX ---- */

static void test_locking_andx(void)
{
	uint8_t buf[256];
	struct wr w;
	struct smb_lock_range lk = { .pid = 0x1234, .offset = 0x100, .length = 0x10 };
	struct smb_lock_range ul = { .pid = 0x1234, .offset = 0xFFFFFFFF, .length = 1 };

	/* One exclusive lock, 32-bit range, fail at once */
	req_start(&w, buf, sizeof(buf), 4, SMB_COM_LOCKING_ANDX);
	CHECK_INT(smb_locking_andx_encode(&w, 0x4001, 0, 0, NULL, 0, &lk, 1), 0);
	CHECK_BODY(&w, "08 ff00 0000 0140 00 00 00000000 0000 0100"
		       "0a00 3412 00010000 10000000");

	/* Unlocks come first; the largest 32-bit offset still fits */
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_LOCKING_ANDX);
	CHECK_INT(smb_locking_andx_encode(&w, 0x4001, LOCKING_ANDX_SHARED_LOCK, 5000, &ul, 1,
					  &lk, 1), 0);
	CHECK_BODY(&w, "08 ff00 0000 0140 01 00 88130000 0100 0100"
		       "1400 3412 ffffffff 01000000 3412 00010000 10000000");

	/* Unlock only */
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_LOCKING_ANDX);
	CHECK_INT(smb_locking_andx_encode(&w, 7, 0, 0, &lk, 1, NULL, 0), 0);
	CHECK_BODY(&w, "08 ff00 0000 0700 00 00 00000000 0100 0000"
		       "0a00 3412 00010000 10000000");

	/* 64-bit form: offsets above 4 GiB, high half first */
	struct smb_lock_range big[2] = {
		{ .pid = 1, .offset = 0x100000002ULL, .length = 0x300000004ULL },
		{ .pid = 0xFFFF, .offset = 0x7FFFFFFFFFFFFFF0ULL, .length = 0x10 },
	};
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_LOCKING_ANDX);
	CHECK_INT(smb_locking_andx_encode(&w, 0x4001,
					  LOCKING_ANDX_LARGE_FILES | LOCKING_ANDX_SHARED_LOCK,
					  0xFFFFFFFF, NULL, 0, big, 2), 0);
	CHECK_BODY(&w, "08 ff00 0000 0140 11 00 ffffffff 0000 0200 2800"
		       "0100 0000 01000000 02000000 03000000 04000000"
		       "ffff 0000 ffffff7f f0ffffff 00000000 10000000");
	/* ... and small ranges in the large form */
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_LOCKING_ANDX);
	CHECK_INT(smb_locking_andx_encode(&w, 0x4001, LOCKING_ANDX_LARGE_FILES, 0, &lk, 1, &ul,
					  1), 0);
	CHECK_BODY(&w, "08 ff00 0000 0140 10 00 00000000 0100 0100 2800"
		       "3412 0000 00000000 00010000 00000000 10000000"
		       "3412 0000 00000000 ffffffff 00000000 01000000");

	/* What the 32-bit form cannot carry */
	struct smb_lock_range off_big = { .offset = 0x100000000ULL, .length = 1 };
	struct smb_lock_range len_big = { .offset = 0, .length = 0x100000000ULL };
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_LOCKING_ANDX);
	CHECK_INT(smb_locking_andx_encode(&w, 1, 0, 0, NULL, 0, &off_big, 1), -EINVAL);
	CHECK_INT(smb_locking_andx_encode(&w, 1, 0, 0, NULL, 0, &len_big, 1), -EINVAL);
	CHECK_INT(smb_locking_andx_encode(&w, 1, 0, 0, &off_big, 1, &lk, 1), -EINVAL);
	CHECK_INT(smb_locking_andx_encode(&w, 1, 0, 0, NULL, 1, NULL, 0), -EINVAL);
	CHECK_INT(smb_locking_andx_encode(&w, 1, 0, 0, NULL, 0, NULL, 1), -EINVAL);
	CHECK_INT(wr_len(&w), SMB_HDR_LEN); /* nothing written */

	/* Overflow at every length short of the message (17 + 2 + 20) */
	for (size_t cap = SMB_HDR_LEN; cap < SMB_HDR_LEN + 39; cap++) {
		req_start(&w, buf, cap, 0, SMB_COM_LOCKING_ANDX);
		CHECK_INT(smb_locking_andx_encode(&w, 1, LOCKING_ANDX_LARGE_FILES, 0, NULL, 0,
						  big, 1), -EMSGSIZE);
	}
	req_start(&w, buf, SMB_HDR_LEN + 39, 0, SMB_COM_LOCKING_ANDX);
	CHECK_INT(smb_locking_andx_encode(&w, 1, LOCKING_ANDX_LARGE_FILES, 0, NULL, 0, big, 1),
		  0);

	/* More ranges than ByteCount can count */
	struct smb_lock_range *many = g_new0(struct smb_lock_range, 3300);
	req_start(&w, buf, sizeof(buf), 0, SMB_COM_LOCKING_ANDX);
	CHECK_INT(smb_locking_andx_encode(&w, 1, LOCKING_ANDX_LARGE_FILES, 0, many, 1650, many,
					  1650), -EMSGSIZE);
	g_free(many);
}

/* ---- SET_PATH / SET_FILE_INFORMATION ---- */

static void test_setinfo_params(void)
{
	uint8_t p[64];
	long n;

	n = smb_spathinfo_params(p, sizeof(p), SMB_SET_FILE_BASIC_INFO, "\\x", false);
	CHECK_HEX(p, n, "0101 00000000 5c7800");
	n = smb_spathinfo_params(p, sizeof(p), SMB_SET_FILE_UNIX_LINK, "/l/\xe6\x96\x87", true);
	CHECK_HEX(p, n, "0102 00000000 2f00 6c00 2f00 8765 0000");
	n = smb_spathinfo_params(p, sizeof(p), SMB_POSIX_PATH_UNLINK, "", true);
	CHECK_HEX(p, n, "0a02 00000000 0000");
	CHECK_INT(smb_spathinfo_params(p, 11, SMB_SET_FILE_BASIC_INFO, "\\x", true), -EMSGSIZE);
	CHECK_INT(smb_spathinfo_params(p, 12, SMB_SET_FILE_BASIC_INFO, "\\x", true), 12);
	CHECK_INT(smb_spathinfo_params(p, 5, SMB_SET_FILE_BASIC_INFO, "", false), -EMSGSIZE);
	CHECK_INT(smb_spathinfo_params(p, sizeof(p), 1, "\xff", true), -EINVAL);
	CHECK_INT(smb_spathinfo_params(p, sizeof(p), 1, NULL, true), -EINVAL);

	n = smb_sfileinfo_params(p, sizeof(p), 0x4001, SMB_SET_FILE_RENAME_INFORMATION);
	CHECK_HEX(p, n, "0140 f203 0000");
	n = smb_sfileinfo_params(p, 6, 0xFFFF, SMB_SET_POSIX_LOCK);
	CHECK_HEX(p, n, "ffff 0802 0000");
	CHECK_INT(smb_sfileinfo_params(p, 5, 1, 1), -EMSGSIZE);
}

static void test_setinfo_data(void)
{
	uint8_t d[128];
	long n;

	/* BASIC: 0 leaves a time alone, all-ones too (for the handle) */
	n = smb_set_basic_info_data(d, sizeof(d), 0x0102030405060708ULL, 0,
				    0x1122334455667788ULL, UINT64_MAX, FILE_ATTRIBUTE_ARCHIVE);
	CHECK_HEX(d, n, "0807060504030201 0000000000000000 8877665544332211"
			"ffffffffffffffff 20000000 00000000");
	CHECK_INT(smb_set_basic_info_data(d, 39, 1, 2, 3, 4, 5), -EMSGSIZE);
	CHECK_INT(smb_set_basic_info_data(d, 40, 1, 2, 3, 4, 5), 40);

	n = smb_set_end_of_file_data(d, sizeof(d), 0x100000001ULL);
	CHECK_HEX(d, n, "0100000001000000");
	n = smb_set_end_of_file_data(d, 8, 0);
	CHECK_HEX(d, n, "0000000000000000");
	CHECK_INT(smb_set_end_of_file_data(d, 7, 0), -EMSGSIZE);

	n = smb_set_disposition_data(d, sizeof(d), true);
	CHECK_HEX(d, n, "01");
	n = smb_set_disposition_data(d, 1, false);
	CHECK_HEX(d, n, "00");
	CHECK_INT(smb_set_disposition_data(d, 0, true), -EMSGSIZE);

	/* FILE_RENAME_INFORMATION: length in bytes, no terminator */
	n = smb_set_rename_info_data(d, sizeof(d), true, "b.txt", true);
	CHECK_HEX(d, n, "01 000000 00000000 0a000000 6200 2e00 7400 7800 7400");
	n = smb_set_rename_info_data(d, sizeof(d), false, "\xe6\x96\x87\xf0\x9f\x98\x80", true);
	CHECK_HEX(d, n, "00 000000 00000000 06000000 8765 3dd8 00de");
	n = smb_set_rename_info_data(d, sizeof(d), false, "b.txt", false);
	CHECK_HEX(d, n, "00 000000 00000000 05000000 622e747874");
	CHECK_INT(smb_set_rename_info_data(d, 21, true, "b.txt", true), -EMSGSIZE);
	CHECK_INT(smb_set_rename_info_data(d, 22, true, "b.txt", true), 22);
	CHECK_INT(smb_set_rename_info_data(d, 11, true, "b", true), -EMSGSIZE);
	CHECK_INT(smb_set_rename_info_data(d, sizeof(d), true, "b\xff", true), -EINVAL);
	CHECK_INT(smb_set_rename_info_data(d, sizeof(d), true, "", true), -EINVAL);
	CHECK_INT(smb_set_rename_info_data(d, sizeof(d), true, NULL, false), -EINVAL);

	/* POSIX unlink */
	n = smb_posix_unlink_data(d, sizeof(d), true);
	CHECK_HEX(d, n, "0100");
	n = smb_posix_unlink_data(d, 2, false);
	CHECK_HEX(d, n, "0000");
	CHECK_INT(smb_posix_unlink_data(d, 1, false), -EMSGSIZE);

	/* POSIX lock: 24 bytes, 64-bit values little-endian */
	n = smb_posix_lock_data(d, sizeof(d), SMB_POSIX_LOCK_WRITE, true, 0x01020304,
				0x100000000ULL, 0x10);
	CHECK_HEX(d, n, "0100 0100 04030201 0000000001000000 1000000000000000");
	n = smb_posix_lock_data(d, 24, SMB_POSIX_LOCK_UNLOCK, false, 1, 0, UINT64_MAX);
	CHECK_HEX(d, n, "0200 0000 01000000 0000000000000000 ffffffffffffffff");
	n = smb_posix_lock_data(d, 24, SMB_POSIX_LOCK_READ, false, 0, 5, 6);
	CHECK_HEX(d, n, "0000 0000 00000000 0500000000000000 0600000000000000");
	CHECK_INT(smb_posix_lock_data(d, 23, SMB_POSIX_LOCK_READ, false, 0, 0, 0), -EMSGSIZE);
	CHECK_INT(smb_posix_lock_data(d, sizeof(d), 3, false, 0, 0, 0), -EINVAL);

	/* ... and parsed back, as SMB_QUERY_POSIX_LOCK answers it */
	struct smb_posix_lock l;
	n = smb_posix_lock_data(d, sizeof(d), SMB_POSIX_LOCK_WRITE, false, 77, 1ULL << 40, 9);
	CHECK_INT(smb_parse_posix_lock_data(d, (size_t)n, &l), 0);
	CHECK_INT(l.type, SMB_POSIX_LOCK_WRITE);
	CHECK_INT(l.pid, 77);
	CHECK(l.start == 1ULL << 40 && l.length == 9);
	CHECK_INT(smb_parse_posix_lock_data(d, 23, &l), -EPROTO);
	d[0] = 3;
	CHECK_INT(smb_parse_posix_lock_data(d, 24, &l), -EPROTO);
}

static void test_unix_link_data(void)
{
	uint8_t d[64];
	long n;

	n = smb_set_unix_link_data(d, sizeof(d), "../t", true);
	CHECK_HEX(d, n, "2e00 2e00 2f00 7400 0000");
	n = smb_set_unix_link_data(d, sizeof(d), "../t", false);
	CHECK_HEX(d, n, "2e2e2f7400");
	n = smb_set_unix_hlink_data(d, sizeof(d), "/d/\xe6\x96\x87", true);
	CHECK_HEX(d, n, "2f00 6400 2f00 8765 0000");
	n = smb_set_unix_hlink_data(d, sizeof(d), "\\d\\f", false);
	CHECK_HEX(d, n, "5c645c6600");

	/* The data parses back with the query-side reader */
	char *t = NULL;
	n = smb_set_unix_link_data(d, sizeof(d), "target \xe6\x96\x87", true);
	CHECK_INT(n, 18);
	CHECK_INT(smb_parse_file_unix_link(d, (size_t)n, true, &t), 0);
	CHECK_STR(t, "target \xe6\x96\x87");
	g_free(t);

	CHECK_INT(smb_set_unix_link_data(d, 9, "../t", true), -EMSGSIZE);
	CHECK_INT(smb_set_unix_link_data(d, 10, "../t", true), 10);
	CHECK_INT(smb_set_unix_hlink_data(d, 4, "../t", false), -EMSGSIZE);
	CHECK_INT(smb_set_unix_link_data(d, sizeof(d), "\xff", true), -EINVAL);
	CHECK_INT(smb_set_unix_hlink_data(d, sizeof(d), "\xc3", true), -EINVAL);
	CHECK_INT(smb_set_unix_link_data(d, sizeof(d), "", true), -EINVAL);
	CHECK_INT(smb_set_unix_hlink_data(d, sizeof(d), NULL, true), -EINVAL);
}

static void test_unix_basic_set(void)
{
	uint8_t d[128];
	struct smb_unix_set u;
	struct smb_file_info fi;
	long n;

	/* Everything "no change": all ones but Type (FILE) and the devices */
	smb_unix_set_init(&u);
	n = smb_set_unix_basic_data(d, sizeof(d), &u);
	CHECK_HEX(d, n, "ffffffffffffffff ffffffffffffffff ffffffffffffffff ffffffffffffffff"
			"ffffffffffffffff ffffffffffffffff ffffffffffffffff 00000000"
			"0000000000000000 0000000000000000 ffffffffffffffff ffffffffffffffff"
			"ffffffffffffffff");

	/* chmod 0644 */
	smb_unix_set_init(&u);
	u.perms = 0644;
	n = smb_set_unix_basic_data(d, sizeof(d), &u);
	CHECK_HEX(d, n, "ffffffffffffffff ffffffffffffffff ffffffffffffffff ffffffffffffffff"
			"ffffffffffffffff ffffffffffffffff ffffffffffffffff 00000000"
			"0000000000000000 0000000000000000 ffffffffffffffff a401000000000000"
			"ffffffffffffffff");

	/* Every settable field, at its offset */
	u.size = 0x1122334455ULL;
	u.change_time = 130000000000000000ULL;
	u.access_time = 130000000000000001ULL;
	u.write_time = 130000000000000002ULL;
	u.uid = 1000;
	u.gid = 100;
	u.type = UNIX_TYPE_CHARDEV;
	u.dev_major = 8;
	u.dev_minor = 0x100000001ULL;
	u.perms = 01755;
	n = smb_set_unix_basic_data(d, sizeof(d), &u);
	CHECK_HEX(d, n, "5544332211000000 ffffffffffffffff 0000cdac4fdacd01 0100cdac4fdacd01"
			"0200cdac4fdacd01 e803000000000000 6400000000000000 03000000"
			"0800000000000000 0100000001000000 ffffffffffffffff ed03000000000000"
			"ffffffffffffffff");

	/* The query-side parser reads back what was set */
	CHECK_INT(smb_parse_file_unix_basic(d, (size_t)n, &fi), 0);
	CHECK(fi.has_unix);
	CHECK_INT(fi.end_of_file, 0x1122334455LL);
	CHECK(fi.num_bytes == UINT64_MAX);
	CHECK_INT(fi.change_time, 130000000000000000LL);
	CHECK_INT(fi.access_time, 130000000000000001LL);
	CHECK_INT(fi.write_time, 130000000000000002LL);
	CHECK_INT(fi.uid, 1000);
	CHECK_INT(fi.gid, 100);
	CHECK_INT(fi.unix_type, UNIX_TYPE_CHARDEV);
	CHECK_INT(fi.dev_major, 8);
	CHECK_INT(fi.dev_minor, 0x100000001LL);
	CHECK(fi.unique_id == UINT64_MAX);
	CHECK_INT(fi.perms, 01755);
	CHECK(fi.nlinks == UINT64_MAX);

	/* ... and so does the init block */
	smb_unix_set_init(&u);
	n = smb_set_unix_basic_data(d, sizeof(d), &u);
	CHECK_INT(smb_parse_file_unix_basic(d, (size_t)n, &fi), 0);
	CHECK(fi.end_of_file == SMB_UNIX_SIZE_NO_CHANGE);
	CHECK(fi.uid == SMB_UNIX_ID_NO_CHANGE && fi.gid == SMB_UNIX_ID_NO_CHANGE);
	CHECK(fi.perms == SMB_UNIX_MODE_NO_CHANGE);
	CHECK(fi.write_time == SMB_UNIX_TIME_NO_CHANGE);
	CHECK_INT(fi.unix_type, UNIX_TYPE_FILE);

	CHECK_INT(smb_set_unix_basic_data(d, 99, &u), -EMSGSIZE);
	CHECK_INT(smb_set_unix_basic_data(d, 100, &u), 100);
}

/* A SET_PATH_INFORMATION request as sent: the blocks land 4-aligned, so the
 * Unicode name in the parameters and the link target in the data are
 * aligned to the header. */
static void test_setpath_message(void)
{
	uint8_t buf[256], p[64], d[64];
	struct wr w;

	long pn = smb_spathinfo_params(p, sizeof(p), SMB_SET_FILE_UNIX_LINK, "/l", true);
	long dn = smb_set_unix_link_data(d, sizeof(d), "t", true);
	CHECK_INT(pn, 12);
	CHECK_INT(dn, 4);
	struct smb_trans2_req r = {
		.subcommand = TRANS2_SET_PATH_INFORMATION,
		.params = p,
		.param_len = (uint16_t)pn,
		.data = d,
		.data_len = (uint16_t)dn,
		.max_param_count = 2,
	};
	req_start(&w, buf, sizeof(buf), 4, SMB_COM_TRANSACTION2);
	CHECK_INT(smb_trans2_encode(&w, &r), 0);
	/* params at 68, data at 80 (both multiples of 4 from the header) */
	CHECK_BODY(&w, "0f 0c00 0400 0200 0000 00 00 0000 00000000 0000 0c00 4400 0400 5000"
		       "01 00 0600 1300 00 0000 0102 00000000 2f00 6c00 0000 7400 0000");
}

int main(void)
{
	test_delete();
	test_directory();
	test_rename();
	test_nt_rename();
	test_path_too_long();
	test_flush();
	test_locking_andx();
	test_setinfo_params();
	test_setinfo_data();
	test_unix_link_data();
	test_unix_basic_set();
	test_setpath_message();
	CHECK_DONE();
}
