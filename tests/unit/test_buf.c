/* Bounded cursors (src/buf.c): byte order, sticky overflow, alignment
 * relative to the origin, UTF-16 conversion and invalid input. */
#include <glib.h>

#include "buf.h"
#include "check.h"

static void test_rd_numbers(void)
{
	static const uint8_t d[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
				     0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
				     0x99, 0xAA, 0xBB, 0xCC, 0xDD };
	struct rd r;

	rd_init(&r, d, sizeof(d));
	CHECK_INT(rd_u8(&r), 0x01);
	CHECK_INT(rd_le16(&r), 0x0302);
	CHECK_INT(rd_le32(&r), 0x07060504);
	CHECK(rd_le64(&r) == 0x7766554433221108ULL);
	CHECK_INT(rd_be16(&r), 0x8899);
	CHECK_INT(rd_be32(&r), 0xAABBCCDD);
	CHECK_INT(rd_remaining(&r), 0);
	CHECK(!r.overflow);
}

static void test_rd_overflow_sticky(void)
{
	static const uint8_t d[] = { 0xAA, 0xBB, 0xCC };
	struct rd r;
	uint8_t out[4] = { 1, 2, 3, 4 };

	rd_init(&r, d, sizeof(d));
	CHECK_INT(rd_le16(&r), 0xBBAA);
	/* Two bytes wanted, one left: fails without consuming it ... */
	CHECK_INT(rd_le16(&r), 0);
	CHECK(r.overflow);
	CHECK_INT(r.pos, 2);
	/* ... and from now on everything reads as zero, even what would fit. */
	CHECK_INT(rd_u8(&r), 0);
	CHECK_INT(rd_remaining(&r), 0);
	CHECK(rd_ptr(&r, 0) == NULL);
	rd_bytes(&r, out, sizeof(out));
	CHECK(out[0] == 0 && out[3] == 0);
	rd_seek(&r, 0);
	CHECK_INT(rd_u8(&r), 0);
	CHECK(r.overflow);

	/* rd_ptr / rd_skip / rd_seek past the end. */
	rd_init(&r, d, sizeof(d));
	CHECK(rd_ptr(&r, 3) == d);
	CHECK(rd_ptr(&r, 1) == NULL);
	CHECK(r.overflow);
	rd_init(&r, d, sizeof(d));
	rd_skip(&r, 4);
	CHECK(r.overflow);
	rd_init(&r, d, sizeof(d));
	rd_seek(&r, 3);
	CHECK(!r.overflow);
	CHECK_INT(rd_remaining(&r), 0);
	rd_seek(&r, 4);
	CHECK(r.overflow);
	/* A huge length must not wrap around the bounds check. */
	rd_init(&r, d, sizeof(d));
	rd_u8(&r);
	CHECK(rd_ptr(&r, SIZE_MAX) == NULL);
	CHECK(r.overflow);
}

static void test_wr_numbers(void)
{
	uint8_t buf[32];
	struct wr w;
	static const uint8_t want[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
					0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
					0x99, 0xAA, 0xBB, 0xCC, 0xDD };

	wr_init(&w, buf, sizeof(buf));
	wr_u8(&w, 0x01);
	wr_le16(&w, 0x0302);
	wr_le32(&w, 0x07060504);
	wr_le64(&w, 0x7766554433221108ULL);
	wr_be16(&w, 0x8899);
	wr_be32(&w, 0xAABBCCDD);
	CHECK(!w.overflow);
	CHECK_INT(wr_len(&w), sizeof(want));
	CHECK_MEM(buf, want, sizeof(want));

	wr_le16_at(&w, 1, 0xBEEF);
	wr_le32_at(&w, 3, 0xCAFEF00D);
	CHECK(buf[1] == 0xEF && buf[2] == 0xBE && buf[3] == 0x0D && buf[6] == 0xCA);
	CHECK_INT(wr_len(&w), sizeof(want));
	wr_le16_at(&w, sizeof(buf) - 1, 1);
	CHECK(w.overflow);
}

static void test_wr_overflow_sticky(void)
{
	uint8_t buf[8];
	struct wr w;

	memset(buf, 0x5A, sizeof(buf));
	wr_init(&w, buf, 5);
	wr_le32(&w, 0x11223344);
	wr_le16(&w, 0xFFFF); /* needs 2, has 1 */
	CHECK(w.overflow);
	CHECK_INT(wr_len(&w), 4);
	CHECK_INT(buf[4], 0x5A);
	wr_u8(&w, 0xEE); /* would fit, but the flag is sticky */
	CHECK_INT(buf[4], 0x5A);
	CHECK_INT(wr_len(&w), 4);
	wr_bytes(&w, "x", 1);
	wr_zero(&w, 1);
	wr_asciiz(&w, "");
	CHECK_INT(buf[4], 0x5A);
	CHECK_INT(buf[5], 0x5A); /* never writes past cap */

	/* wr_le32 split across the end writes nothing beyond cap. */
	memset(buf, 0x5A, sizeof(buf));
	wr_init(&w, buf, 3);
	wr_le32(&w, 0x11223344);
	CHECK(w.overflow);
	CHECK_INT(buf[3], 0x5A);
	/* Zero-length writes at the end are fine. */
	wr_init(&w, buf, 2);
	wr_le16(&w, 1);
	wr_bytes(&w, NULL, 0);
	wr_zero(&w, 0);
	CHECK(!w.overflow);
	wr_le16_at(&w, 0, 7);
	CHECK(!w.overflow);
	wr_le16_at(&w, 1, 7);
	CHECK(w.overflow);
}

static void test_alignment(void)
{
	uint8_t buf[16];
	struct wr w;
	struct rd r;

	/* Origin 0: odd position gets one pad byte, even none. */
	wr_init(&w, buf, sizeof(buf));
	wr_u8(&w, 1);
	wr_align2(&w);
	CHECK_INT(wr_len(&w), 2);
	wr_align2(&w);
	CHECK_INT(wr_len(&w), 2);
	CHECK_INT(buf[1], 0);

	/* Origin 4 (NetBIOS header in front): position 5 is odd relative to the
	 * header; 6 is even. */
	wr_init(&w, buf, sizeof(buf));
	w.origin = 4;
	wr_zero(&w, 5);
	wr_align2(&w);
	CHECK_INT(wr_len(&w), 6);
	wr_align4(&w);
	CHECK_INT(wr_len(&w), 8);
	wr_u8(&w, 1);
	wr_align4(&w);
	CHECK_INT(wr_len(&w), 12);

	/* Odd origin: absolute 3 is even relative to origin 1. */
	wr_init(&w, buf, sizeof(buf));
	w.origin = 1;
	wr_zero(&w, 3);
	wr_align2(&w);
	CHECK_INT(wr_len(&w), 3);
	wr_align4(&w);
	CHECK_INT(wr_len(&w), 5);

	/* Alignment that does not fit overflows. */
	wr_init(&w, buf, 3);
	wr_zero(&w, 3);
	wr_align2(&w);
	CHECK(w.overflow);
	wr_init(&w, buf, 6);
	wr_zero(&w, 5);
	wr_align4(&w);
	CHECK(w.overflow);
	CHECK_INT(wr_len(&w), 6);

	/* Reader: same rule. */
	memset(buf, 0, sizeof(buf));
	rd_init(&r, buf, sizeof(buf));
	r.origin = 4;
	rd_skip(&r, 5);
	rd_align2(&r);
	CHECK_INT(r.pos, 6);
	rd_align2(&r);
	CHECK_INT(r.pos, 6);
	rd_init(&r, buf, 5);
	r.origin = 0;
	rd_skip(&r, 5);
	rd_align2(&r);
	CHECK(r.overflow);
}

static void check_utf16_round_trip(const char *utf8, const uint8_t *want, size_t want_len)
{
	uint8_t buf[64];
	struct wr w;
	struct rd r;

	wr_init(&w, buf, sizeof(buf));
	CHECK_INT(wr_utf16(&w, utf8, true), want_len + 2);
	CHECK(!w.overflow);
	CHECK_MEM(buf, want, want_len);
	CHECK(buf[want_len] == 0 && buf[want_len + 1] == 0);

	rd_init(&r, buf, wr_len(&w));
	char *s = rd_utf16z(&r);
	CHECK_STR(s, utf8);
	CHECK_INT(r.pos, want_len + 2);
	g_free(s);

	rd_init(&r, buf, wr_len(&w));
	s = rd_utf16(&r, want_len);
	CHECK_STR(s, utf8);
	g_free(s);

	wr_init(&w, buf, sizeof(buf));
	CHECK_INT(wr_utf16(&w, utf8, false), want_len);
}

static void test_utf16(void)
{
	static const uint8_t ascii[] = { 'S', 0, 'h', 0, 'a', 0, 'r', 0, 'e', 0 };
	/* U+00E9, U+65E5 U+672C (CJK), U+1F600 (surrogate pair D83D DE00) */
	static const uint8_t mixed[] = { 0xE9, 0x00, 0xE5, 0x65, 0x2C, 0x67,
					0x3D, 0xD8, 0x00, 0xDE };
	uint8_t buf[16];
	struct wr w;
	struct rd r;

	check_utf16_round_trip("Share", ascii, sizeof(ascii));
	check_utf16_round_trip("\xc3\xa9\xe6\x97\xa5\xe6\x9c\xac\xf0\x9f\x98\x80", mixed,
			       sizeof(mixed));
	check_utf16_round_trip("", (const uint8_t *)"", 0);

	/* rd_utf16 stops at an embedded NUL but consumes all nbytes; an odd
	 * byte count ignores the last byte. */
	static const uint8_t nul_inside[] = { 'a', 0, 0, 0, 'b', 0, 'c' };
	rd_init(&r, nul_inside, sizeof(nul_inside));
	char *s = rd_utf16(&r, 7);
	CHECK_STR(s, "a");
	CHECK_INT(r.pos, 7);
	g_free(s);
	rd_init(&r, nul_inside + 4, 3);
	s = rd_utf16(&r, 3);
	CHECK_STR(s, "b");
	g_free(s);

	/* Invalid UTF-8 cannot be written. */
	wr_init(&w, buf, sizeof(buf));
	CHECK_INT(wr_utf16(&w, "ab\xff", true), -1);
	CHECK(w.overflow);
	wr_init(&w, buf, sizeof(buf));
	CHECK_INT(wr_utf16(&w, "\xc3", false), -1);
	/* Does not fit. */
	wr_init(&w, buf, 5);
	CHECK_INT(wr_utf16(&w, "ab", true), -1);
	CHECK(w.overflow);

	/* Unpaired surrogates are invalid UTF-16. */
	static const uint8_t lone_high[] = { 'a', 0, 0x3D, 0xD8, 0, 0 };
	static const uint8_t lone_low[] = { 0x00, 0xDE, 'a', 0, 0, 0 };
	rd_init(&r, lone_high, sizeof(lone_high));
	CHECK(rd_utf16z(&r) == NULL);
	rd_init(&r, lone_low, sizeof(lone_low));
	CHECK(rd_utf16(&r, 4) == NULL);

	/* No terminator: NULL and overflow. */
	static const uint8_t unterminated[] = { 'a', 0, 'b', 0, 0 };
	rd_init(&r, unterminated, sizeof(unterminated));
	CHECK(rd_utf16z(&r) == NULL);
	CHECK(r.overflow);
	rd_init(&r, unterminated, 2);
	CHECK(rd_utf16(&r, 4) == NULL);
	CHECK(r.overflow);
}

static void test_asciiz(void)
{
	static const uint8_t two[] = { 'A', ':', 0, 'N', 'T', 'F', 'S', 0 };
	static const uint8_t latin1[] = { 'c', 'a', 'f', 0xE9, 0 };
	static const uint8_t utf8[] = { 'c', 'a', 'f', 0xC3, 0xA9, 0 };
	static const uint8_t unterminated[] = { 'a', 'b' };
	uint8_t buf[8];
	struct rd r;
	struct wr w;

	rd_init(&r, two, sizeof(two));
	char *a = rd_asciiz(&r), *b = rd_asciiz(&r);
	CHECK_STR(a, "A:");
	CHECK_STR(b, "NTFS");
	CHECK_INT(rd_remaining(&r), 0);
	g_free(a);
	g_free(b);

	/* Not UTF-8: taken as Latin-1, so nothing invalid travels on. */
	rd_init(&r, latin1, sizeof(latin1));
	a = rd_asciiz(&r);
	CHECK_STR(a, "caf\xc3\xa9");
	g_free(a);
	rd_init(&r, utf8, sizeof(utf8));
	a = rd_asciiz(&r);
	CHECK_STR(a, "caf\xc3\xa9");
	g_free(a);

	rd_init(&r, unterminated, sizeof(unterminated));
	CHECK(rd_asciiz(&r) == NULL);
	CHECK(r.overflow);

	wr_init(&w, buf, sizeof(buf));
	wr_asciiz(&w, "?????");
	CHECK_INT(wr_len(&w), 6);
	CHECK_MEM(buf, "?????", 6);
	wr_asciiz(&w, "xy");
	CHECK(w.overflow);
}

int main(void)
{
	test_rd_numbers();
	test_rd_overflow_sticky();
	test_wr_numbers();
	test_wr_overflow_sticky();
	test_alignment();
	test_utf16();
	test_asciiz();
	CHECK_DONE();
}
