/* Runs the fuzz targets without libFuzzer, for `make check`: every file of
 * the corpus (replies captured from Samba with SMBFUSE_DUMP_DIR, plus
 * crafted ones) as it is, then a fixed number of deterministic mutations of
 * each (byte flips, boundary values in length fields, truncations).  The
 * same seed gives the same inputs, so a failure reproduces. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static void mutate(uint8_t *buf, size_t *len, size_t cap)
{
	static const uint8_t interesting[] = { 0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff };
	int rounds = 1 + (int)(rng() % 4);

	for (int r = 0; r < rounds && *len; r++) {
		size_t pos = rng() % *len;
		switch (rng() % 6) {
		case 0:
			buf[pos] ^= (uint8_t)(1u << (rng() % 8));
			break;
		case 1:
			buf[pos] = interesting[rng() % sizeof(interesting)];
			break;
		case 2: /* a 16-bit length or offset gone large */
			if (pos + 1 < *len) {
				buf[pos] = 0xff;
				buf[pos + 1] = (uint8_t)(rng() & 0xff);
			}
			break;
		case 3:
			*len = pos;
			break;
		case 4: /* append garbage */
			while (*len < cap && rng() % 8)
				buf[(*len)++] = (uint8_t)rng();
			break;
		default:
			buf[pos] = (uint8_t)rng();
			break;
		}
	}
}

int main(int argc, char *argv[])
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR [MUTATIONS_PER_FILE]\n", argv[0]);
		return 2;
	}
	long per_file = argc > 2 ? strtol(argv[2], NULL, 10) : 2000;
	GDir *dir = g_dir_open(argv[1], 0, NULL);
	if (!dir) {
		fprintf(stderr, "cannot open corpus %s\n", argv[1]);
		return 1;
	}
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while ((name = g_dir_read_name(dir)))
		g_ptr_array_add(names, g_strdup(name));
	g_dir_close(dir);
	/* Sorted, so the mutation sequence does not depend on readdir order. */
	g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);

	long inputs = 0;
	for (guint i = 0; i < names->len; i++) {
		const char *n = *(const char **)g_ptr_array_index(names, i) ? g_ptr_array_index(names, i) : "";
		char *path = g_build_filename(argv[1], n, NULL);
		gchar *seed;
		gsize seed_len;
		if (!g_file_get_contents(path, &seed, &seed_len, NULL)) {
			g_free(path);
			continue;
		}
		size_t cap = seed_len + 256;
		uint8_t *buf = g_malloc(cap);
		/* Exact-size copies so reads past the end are caught by ASan. */
		uint8_t *exact = g_memdup2(seed, seed_len);
		fuzz_all(exact, seed_len);
		g_free(exact);
		inputs++;
		for (long m = 0; m < per_file; m++) {
			size_t len = seed_len;
			memcpy(buf, seed, seed_len);
			mutate(buf, &len, cap);
			exact = g_memdup2(buf, len);
			fuzz_all(exact, len);
			g_free(exact);
			inputs++;
		}
		g_free(buf);
		g_free(seed);
		g_free(path);
	}
	printf("%ld inputs from %u corpus files: no crash\n", inputs, names->len);
	g_ptr_array_free(names, TRUE);
	return names ? 0 : 1;
}
