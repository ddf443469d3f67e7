/* POSIX lock requests planned as Windows-style SMB lock steps. */
#include <glib.h>

#include "check.h"
#include "locktab.h"

static GArray *steps, *result;

static void plan(const struct lock_range *held, guint n, uint64_t owner, enum locktab_type t,
		 uint64_t start, uint64_t end)
{
	g_array_set_size(steps, 0);
	g_array_set_size(result, 0);
	locktab_plan(held, n, owner, t, start, end, steps, result);
}

static struct lock_step step(guint i)
{
	return g_array_index(steps, struct lock_step, i);
}

static struct lock_range res(guint i)
{
	return g_array_index(result, struct lock_range, i);
}

int main(void)
{
	steps = g_array_new(FALSE, FALSE, sizeof(struct lock_step));
	result = g_array_new(FALSE, FALSE, sizeof(struct lock_range));

	/* A fresh lock is one step. */
	plan(NULL, 0, 1, LOCKTAB_EXCLUSIVE, 0, 100);
	CHECK_INT(steps->len, 1);
	CHECK(!step(0).unlock && !step(0).range.shared && step(0).range.end == 100);
	CHECK_INT(result->len, 1);

	/* Two adjacent locks, one unlock over both: each unlocked whole. */
	struct lock_range two[] = { { 1, 0, 100, false }, { 1, 100, 200, false } };
	plan(two, 2, 1, LOCKTAB_UNLOCK, 0, 200);
	CHECK_INT(steps->len, 2);
	CHECK(step(0).unlock && step(0).range.start == 0 && step(0).range.end == 100);
	CHECK(step(1).unlock && step(1).range.start == 100 && step(1).range.end == 200);
	CHECK_INT(result->len, 0);

	/* Unlock the middle: unlock whole, re-lock both ends. */
	struct lock_range one[] = { { 1, 0, 300, true } };
	plan(one, 1, 1, LOCKTAB_UNLOCK, 100, 200);
	CHECK_INT(steps->len, 3);
	CHECK(step(0).unlock && step(0).range.end == 300);
	CHECK(!step(1).unlock && step(1).range.start == 0 && step(1).range.end == 100 &&
	      step(1).range.shared);
	CHECK(!step(2).unlock && step(2).range.start == 200 && step(2).range.end == 300);
	CHECK_INT(result->len, 2);

	/* Upgrade shared to exclusive: unlock, then lock exclusive. */
	struct lock_range sh[] = { { 1, 0, 100, true } };
	plan(sh, 1, 1, LOCKTAB_EXCLUSIVE, 0, 100);
	CHECK_INT(steps->len, 2);
	CHECK(step(0).unlock && step(0).range.shared);
	CHECK(!step(1).unlock && !step(1).range.shared);
	CHECK_INT(result->len, 1);
	CHECK(!res(0).shared);

	/* Another owner's ranges are never touched. */
	struct lock_range other[] = { { 2, 0, 100, false } };
	plan(other, 1, 1, LOCKTAB_UNLOCK, 0, LOCKTAB_EOF);
	CHECK_INT(steps->len, 0);
	CHECK_INT(result->len, 1);
	CHECK_INT(res(0).owner, 2);

	/* Unlock to EOF removes everything from the start on. */
	struct lock_range spread[] = { { 1, 10, 20, false }, { 1, 50, LOCKTAB_EOF, false } };
	plan(spread, 2, 1, LOCKTAB_UNLOCK, 15, LOCKTAB_EOF);
	CHECK_INT(steps->len, 3); /* unlock 10-20, relock 10-15, unlock 50-EOF */
	CHECK_INT(result->len, 1);
	CHECK(res(0).start == 10 && res(0).end == 15);

	/* Conflicts are other owners' overlapping ranges, one of the two
	 * exclusive; one's own locks never conflict. */
	struct lock_range mixed[] = { { 1, 0, 100, false }, { 2, 200, 300, false },
				      { 3, 250, LOCKTAB_EOF, true } };
	CHECK(locktab_conflict(mixed, 3, 1, LOCKTAB_EXCLUSIVE, 0, 100) == NULL);
	CHECK(locktab_conflict(mixed, 3, 2, LOCKTAB_EXCLUSIVE, 50, 60) == &mixed[0]);
	CHECK(locktab_conflict(mixed, 3, 2, LOCKTAB_SHARED, 50, 60) == &mixed[0]);
	CHECK(locktab_conflict(mixed, 3, 1, LOCKTAB_SHARED, 100, 200) == NULL);
	CHECK(locktab_conflict(mixed, 3, 1, LOCKTAB_SHARED, 100, 201) == &mixed[1]);
	CHECK(locktab_conflict(mixed, 3, 2, LOCKTAB_EXCLUSIVE, 200, 250) == NULL);
	CHECK(locktab_conflict(mixed, 3, 4, LOCKTAB_SHARED, 1000, LOCKTAB_EOF) == NULL);
	CHECK(locktab_conflict(mixed, 3, 4, LOCKTAB_EXCLUSIVE, 1000, LOCKTAB_EOF) == &mixed[2]);
	CHECK(locktab_conflict(mixed, 3, 4, LOCKTAB_SHARED, 260, 270) == &mixed[1]);

	/* Gaps: what no held range covers, in order, overlaps merged. */
	GArray *gaps = g_array_new(FALSE, FALSE, sizeof(struct lock_range));
	locktab_gaps(mixed, 3, 0, LOCKTAB_EOF, gaps);
	CHECK_INT(gaps->len, 1);
	CHECK(g_array_index(gaps, struct lock_range, 0).start == 100 &&
	      g_array_index(gaps, struct lock_range, 0).end == 200);
	g_array_set_size(gaps, 0);
	struct lock_range few[] = { { 1, 40, 60, false }, { 1, 10, 20, false }, { 2, 15, 30, true } };
	locktab_gaps(few, 3, 5, 100, gaps);
	CHECK_INT(gaps->len, 3); /* 5-10, 30-40, 60-100 */
	CHECK(g_array_index(gaps, struct lock_range, 0).start == 5 &&
	      g_array_index(gaps, struct lock_range, 0).end == 10);
	CHECK(g_array_index(gaps, struct lock_range, 1).start == 30 &&
	      g_array_index(gaps, struct lock_range, 1).end == 40);
	CHECK(g_array_index(gaps, struct lock_range, 2).start == 60 &&
	      g_array_index(gaps, struct lock_range, 2).end == 100);
	g_array_set_size(gaps, 0);
	locktab_gaps(few, 3, 12, 18, gaps);
	CHECK_INT(gaps->len, 0);
	locktab_gaps(NULL, 0, 7, 9, gaps);
	CHECK_INT(gaps->len, 1);
	g_array_free(gaps, TRUE);

	g_array_free(steps, TRUE);
	g_array_free(result, TRUE);
	CHECK_DONE();
}
