/* The table of hard-linked files' names (linknames.c). */
#include <glib.h>
#include <stdlib.h>

#include "check.h"
#include "linknames.h"

static int cmp_str(const void *a, const void *b)
{
	return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

/* The other names of path, sorted and joined with ' ' ("" for none). */
static char *others(struct linknames *ln, const char *path)
{
	char **v = linknames_others(ln, path);
	if (!v)
		return g_strdup("");
	guint n = g_strv_length(v);
	qsort(v, n, sizeof(*v), cmp_str);
	char *s = g_strjoinv(" ", v);
	g_strfreev(v);
	return s;
}

#define CHECK_OTHERS(ln, path, want)              \
	do {                                      \
		char *got_ = others((ln), (path)); \
		CHECK_STR(got_, (want));           \
		g_free(got_);                      \
	} while (0)

int main(void)
{
	struct linknames *ln = linknames_new();

	/* Single-link files are not kept. */
	linknames_note(ln, "/x", 7, 1);
	CHECK_OTHERS(ln, "/x", "");

	linknames_note(ln, "/a", 10, 2);
	CHECK_OTHERS(ln, "/a", "");
	linknames_note(ln, "/b", 10, 2);
	linknames_note(ln, "/d/c", 10, 3);
	linknames_note(ln, "/b", 10, 3); /* seen again: no duplicate */
	linknames_note(ln, "/other", 11, 2);
	CHECK_OTHERS(ln, "/a", "/b /d/c");
	CHECK_OTHERS(ln, "/d/c", "/a /b");
	CHECK_OTHERS(ln, "/other", "");
	CHECK_OTHERS(ln, "/unknown", "");

	/* unlinked, or now another file */
	linknames_forget(ln, "/b");
	CHECK_OTHERS(ln, "/a", "/d/c");
	linknames_note(ln, "/d/c", 11, 2);
	CHECK_OTHERS(ln, "/a", "");
	CHECK_OTHERS(ln, "/other", "/d/c");
	/* down to one link: forgotten */
	linknames_note(ln, "/other", 11, 1);
	CHECK_OTHERS(ln, "/d/c", "");
	linknames_forget(ln, "/a");
	linknames_forget(ln, "/a");
	linknames_forget(ln, "/d/c");

	/* Past the bound the table starts over and stays usable. */
	for (int i = 0; i < 70000; i++) {
		char p[32];
		g_snprintf(p, sizeof(p), "/f%d", i);
		linknames_note(ln, p, (uint64_t)i / 2, 2);
	}
	CHECK_OTHERS(ln, "/f69998", "/f69999");
	CHECK_OTHERS(ln, "/f0", "");

	linknames_free(ln);
	linknames_free(NULL);
	CHECK_DONE();
}
