/* Minimal assertion helpers for unit tests: each test program counts its own
 * failures and exits 1 if any (automake: 0 pass, 1 fail, 77 skip). */
#ifndef SMBFUSE_CHECK_H
#define SMBFUSE_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		check_count++;                                                         \
		if (!(cond)) {                                                         \
			check_failures++;                                              \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                \
		}                                                                      \
	} while (0)

#define CHECK_INT(a, b)                                                                \
	do {                                                                           \
		long long a_ = (long long)(a), b_ = (long long)(b);                    \
		check_count++;                                                         \
		if (a_ != b_) {                                                        \
			check_failures++;                                              \
			fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n",      \
				__FILE__, __LINE__, #a, a_, #b, b_);                   \
		}                                                                      \
	} while (0)

#define CHECK_STR(a, b)                                                                \
	do {                                                                           \
		const char *a_ = (a), *b_ = (b);                                       \
		check_count++;                                                         \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                               \
			check_failures++;                                              \
			fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n",        \
				__FILE__, __LINE__, #a, a_ ? a_ : "(null)",            \
				b_ ? b_ : "(null)");                                   \
		}                                                                      \
	} while (0)

static inline void check_hexdump(const char *label, const void *p, size_t n)
{
	const unsigned char *b = p;
	fprintf(stderr, "  %s:", label);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n    ", b[i]);
	fprintf(stderr, "\n");
}

#define CHECK_MEM(a, b, n)                                                             \
	do {                                                                           \
		check_count++;                                                         \
		if (memcmp((a), (b), (n)) != 0) {                                      \
			check_failures++;                                              \
			fprintf(stderr, "%s:%d: %s differs from %s\n", __FILE__,        \
				__LINE__, #a, #b);                                     \
			check_hexdump("got", (a), (n));                                \
			check_hexdump("expected", (b), (n));                           \
		}                                                                      \
	} while (0)

/* Parses a hex string ("0a 1b2c ...", whitespace ignored) into out; returns
 * the byte count. */
static inline size_t check_unhex(const char *hex, unsigned char *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	for (; *hex; hex++) {
		int v;
		if (*hex >= '0' && *hex <= '9')
			v = *hex - '0';
		else if (*hex >= 'a' && *hex <= 'f')
			v = *hex - 'a' + 10;
		else if (*hex >= 'A' && *hex <= 'F')
			v = *hex - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (n < cap)
				out[n] = (unsigned char)(hi << 4 | v);
			n++;
			hi = -1;
		}
	}
	return n;
}

#define CHECK_DONE()                                                                   \
	do {                                                                           \
		printf("%d checks, %d failed\n", check_count, check_failures);         \
		return check_failures ? 1 : 0;                                         \
	} while (0)

#endif
