/* The attribute cache's updates in place (cache.c): a create's attributes
 * stored with its ticket, a setattr applied to a cached entry, and what
 * voids either. */
#include <glib.h>
#include <string.h>

#include "cache.h"
#include "check.h"

static bool set_uid_42(struct stat *st, void *arg)
{
	(void)arg;
	st->st_uid = 42;
	return true;
}

static bool cannot_tell(struct stat *st, void *arg)
{
	(void)st;
	(void)arg;
	return false;
}

static struct stat file_stat(off_t size)
{
	struct stat st;
	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0644;
	st.st_size = size;
	return st;
}

static void test_invalidate_put(void)
{
	struct cache *c = cache_new(60000);
	struct stat st = file_stat(7), got;
	bool neg;

	/* The parent's listing and attributes go, the new file's stay. */
	struct stat dir = file_stat(0);
	dir.st_mode = S_IFDIR | 0755;
	cache_put_attr(c, cache_ticket(c), "/d", &dir);
	cache_put_negative(c, cache_ticket(c), "/d/f");
	uint64_t t = cache_ticket(c);
	cache_invalidate_put(c, t, "/d/f", &st);
	CHECK(!cache_get_attr(c, "/d", &got, &neg));
	CHECK(cache_get_attr(c, "/d/f", &got, &neg));
	CHECK(!neg);
	CHECK_INT(got.st_size, 7);

	/* Anything invalidated since the ticket: what the reply said may be
	 * old already; only the invalidation happens. */
	t = cache_ticket(c);
	cache_invalidate(c, "/elsewhere");
	cache_invalidate_put(c, t, "/d/g", &st);
	CHECK(!cache_get_attr(c, "/d/g", &got, &neg));
	cache_free(c);
}

static void test_update_file(void)
{
	struct cache *c = cache_new(60000);
	struct stat st = file_stat(7), got;
	bool neg;

	cache_put_attr(c, cache_ticket(c), "/f", &st);
	uint64_t t = cache_ticket(c);
	cache_update_file(c, "/f", set_uid_42, NULL, false);
	CHECK(cache_get_attr(c, "/f", &got, &neg));
	CHECK_INT(got.st_uid, 42);
	CHECK_INT(got.st_size, 7);
	/* A fetch that began before the change must not store what it read. */
	cache_put_attr(c, t, "/f", &st);
	CHECK(cache_get_attr(c, "/f", &got, &neg));
	CHECK_INT(got.st_uid, 42);

	/* An apply that cannot tell drops the entry; no entry stays none;
	 * a negative entry is dropped, never turned into a positive one. */
	cache_update_file(c, "/f", cannot_tell, NULL, false);
	CHECK(!cache_get_attr(c, "/f", &got, &neg));
	cache_update_file(c, "/none", set_uid_42, NULL, false);
	CHECK(!cache_get_attr(c, "/none", &got, &neg));
	cache_put_negative(c, cache_ticket(c), "/gone");
	cache_update_file(c, "/gone", set_uid_42, NULL, false);
	CHECK(!cache_get_attr(c, "/gone", &got, &neg));
	cache_free(c);
}

/* A write under an exclusive oplock: the size follows it, the entry is
 * not served until a change sets the write time; a later write makes the
 * times unknown again; a fetch begun before the write stores nothing. */
static bool set_mtime_5(struct stat *st, void *arg)
{
	(void)arg;
	st->st_mtim.tv_sec = 5;
	return true;
}

static void test_update_written(void)
{
	struct cache *c = cache_new(60000);
	struct stat st = file_stat(0), got;
	bool neg;

	st.st_blocks = 0;
	cache_put_attr(c, cache_ticket(c), "/f", &st);
	uint64_t t = cache_ticket(c);
	cache_update_written(c, "/f", 0, 4096);
	CHECK(!cache_get_attr(c, "/f", &got, &neg));
	cache_put_attr(c, t, "/f", &st); /* voided by the write */
	cache_update_file(c, "/f", set_uid_42, NULL, false);
	CHECK(!cache_get_attr(c, "/f", &got, &neg));
	cache_update_file(c, "/f", set_mtime_5, NULL, true);
	CHECK(cache_get_attr(c, "/f", &got, &neg));
	CHECK_INT(got.st_size, 4096);
	CHECK_INT(got.st_blocks, 8);
	CHECK_INT(got.st_uid, 42);
	CHECK_INT(got.st_mtim.tv_sec, 5);

	/* A write inside the file keeps the size; times unknown again. */
	cache_update_written(c, "/f", 0, 100);
	CHECK(!cache_get_attr(c, "/f", &got, &neg));
	cache_update_file(c, "/f", set_mtime_5, NULL, true);
	CHECK(cache_get_attr(c, "/f", &got, &neg));
	CHECK_INT(got.st_size, 4096);

	/* Nothing cached, or a negative entry: nothing is made up. */
	cache_update_written(c, "/none", 0, 10);
	cache_update_file(c, "/none", set_mtime_5, NULL, true);
	CHECK(!cache_get_attr(c, "/none", &got, &neg));
	cache_put_negative(c, cache_ticket(c), "/gone");
	cache_update_written(c, "/gone", 0, 10);
	cache_update_file(c, "/gone", set_mtime_5, NULL, true);
	CHECK(!cache_get_attr(c, "/gone", &got, &neg));

	/* A write past the end (a hole), or to a setuid file: dropped. */
	cache_put_attr(c, cache_ticket(c), "/f", &st);
	cache_update_written(c, "/f", 1 << 30, (1 << 30) + 1);
	cache_update_file(c, "/f", set_mtime_5, NULL, true);
	CHECK(!cache_get_attr(c, "/f", &got, &neg));
	st.st_mode |= S_ISUID;
	cache_put_attr(c, cache_ticket(c), "/f", &st);
	cache_update_written(c, "/f", 0, 10);
	cache_update_file(c, "/f", set_mtime_5, NULL, true);
	CHECK(!cache_get_attr(c, "/f", &got, &neg));
	cache_free(c);
}

/* The whole set of names of a directory made through the mount. */
static void test_names(void)
{
	struct cache *c = cache_new(60000);

	CHECK(!cache_name_absent(c, "/d/x")); /* no set: not known */
	cache_names_created(c, "/d");
	CHECK(!cache_name_absent(c, "/d/x")); /* not made yet */
	cache_names_add(c, "/d/early", false);          /* a change meanwhile */
	cache_names_ready(c, "/d");
	CHECK(cache_name_absent(c, "/d/x"));
	CHECK(!cache_name_absent(c, "/d/early"));
	CHECK(!cache_name_absent(c, "/d/x/y")); /* no set for /d/x */
	cache_names_add(c, "/d/x", false);
	CHECK(!cache_name_absent(c, "/d/x"));
	CHECK(cache_name_absent(c, "/d/y"));
	cache_names_created(c, "/d/x");
	cache_names_ready(c, "/d/x");
	cache_names_add(c, "/d/x/deep", false);
	cache_names_remove(c, "/d/x"); /* gone, and its own set with it */
	CHECK(cache_name_absent(c, "/d/x"));
	CHECK(!cache_name_absent(c, "/d/x/other"));
	/* Not knowing whether a name exists forgets its directory's set. */
	cache_names_forget(c, "/d/z");
	CHECK(!cache_name_absent(c, "/d/y"));
	/* The other caches' invalidations leave sets alone; dropping
	 * everything does not. */
	cache_names_created(c, "/e");
	cache_names_ready(c, "/e");
	cache_invalidate(c, "/e/a");
	CHECK(cache_name_absent(c, "/e/a"));
	cache_invalidate_all(c);
	CHECK(!cache_name_absent(c, "/e/a"));
	/* The root's names. */
	cache_names_created(c, "/");
	cache_names_ready(c, "/");
	CHECK(cache_name_absent(c, "/top"));
	cache_names_add(c, "/top", false);
	CHECK(!cache_name_absent(c, "/top"));

	/* A change named with backslashes (POSIX pathnames): any ancestor
	 * may be the parent.  Added: each reading's name goes into each
	 * reading's parent's set; anything else forgets them all. */
	cache_names_created(c, "/a");
	cache_names_ready(c, "/a");
	cache_names_created(c, "/a/b");
	cache_names_ready(c, "/a/b");
	cache_names_ambiguous(c, "/a/b/x", true);
	CHECK(!cache_name_absent(c, "/a/b/x"));
	CHECK(!cache_name_absent(c, "/a/b\\x"));
	CHECK(cache_name_absent(c, "/a/y"));
	cache_names_ambiguous(c, "/a/b/x", false);
	CHECK(!cache_name_absent(c, "/a/y"));
	CHECK(!cache_name_absent(c, "/a/b/y"));
	/* A rename's target replacing a directory with a set. */
	cache_names_created(c, "/p");
	cache_names_ready(c, "/p");
	cache_names_created(c, "/p/out");
	cache_names_ready(c, "/p/out");
	cache_names_add(c, "/p/out", true);
	CHECK(!cache_name_absent(c, "/p/out"));
	CHECK(!cache_name_absent(c, "/p/out/x"));
	cache_free(c);

	/* Sets live the cache's ttl; none with ttl 0. */
	c = cache_new(50);
	cache_names_created(c, "/d");
	cache_names_ready(c, "/d");
	CHECK(cache_name_absent(c, "/d/x"));
	g_usleep(80 * 1000);
	CHECK(!cache_name_absent(c, "/d/x"));
	cache_free(c);
	c = cache_new(0);
	cache_names_created(c, "/d");
	cache_names_ready(c, "/d");
	CHECK(!cache_name_absent(c, "/d/x"));
	cache_free(c);
}

int main(void)
{
	test_invalidate_put();
	test_update_file();
	test_update_written();
	test_names();
	CHECK_DONE();
}
