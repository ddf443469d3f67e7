/* POSIX lock requests as SMB lock steps (see locktab.h). */
#include "locktab.h"

static void add_step(GArray *steps, bool unlock, struct lock_range r)
{
	struct lock_step s = { .unlock = unlock, .range = r };
	g_array_append_val(steps, s);
}

void locktab_plan(const struct lock_range *held, guint n_held, uint64_t owner,
		  enum locktab_type type, uint64_t start, uint64_t end, GArray *steps,
		  GArray *result)
{
	for (guint i = 0; i < n_held; i++) {
		struct lock_range h = held[i];
		bool overlaps = h.owner == owner && h.start < end && start < h.end;
		if (!overlaps) {
			g_array_append_val(result, h);
			continue;
		}
		/* Unlock it whole, as it was locked, then keep what lies
		 * outside the request. */
		add_step(steps, true, h);
		if (h.start < start) {
			struct lock_range left = h;
			left.end = start;
			add_step(steps, false, left);
			g_array_append_val(result, left);
		}
		if (end < h.end) {
			struct lock_range right = h;
			right.start = end;
			add_step(steps, false, right);
			g_array_append_val(result, right);
		}
	}
	if (type != LOCKTAB_UNLOCK) {
		struct lock_range r = { .owner = owner, .start = start, .end = end,
					.shared = type == LOCKTAB_SHARED };
		add_step(steps, false, r);
		g_array_append_val(result, r);
	}
}

const struct lock_range *locktab_conflict(const struct lock_range *held, guint n_held,
					  uint64_t owner, enum locktab_type type, uint64_t start,
					  uint64_t end)
{
	for (guint i = 0; i < n_held; i++) {
		const struct lock_range *h = &held[i];
		if (h->owner != owner && h->start < end && start < h->end &&
		    (type == LOCKTAB_EXCLUSIVE || !h->shared))
			return h;
	}
	return NULL;
}

static gint by_start(gconstpointer a, gconstpointer b)
{
	const struct lock_range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

void locktab_gaps(const struct lock_range *held, guint n_held, uint64_t start, uint64_t end,
		  GArray *gaps)
{
	GArray *cover = g_array_new(FALSE, FALSE, sizeof(struct lock_range));
	for (guint i = 0; i < n_held; i++)
		if (held[i].start < end && start < held[i].end)
			g_array_append_val(cover, held[i]);
	g_array_sort(cover, by_start);
	uint64_t pos = start; /* everything before pos is covered or reported */
	for (guint i = 0; i < cover->len && pos < end; i++) {
		const struct lock_range *c = &g_array_index(cover, struct lock_range, i);
		if (c->start > pos) {
			struct lock_range g = { .start = pos, .end = c->start };
			g_array_append_val(gaps, g);
		}
		if (c->end > pos)
			pos = c->end;
	}
	if (pos < end) {
		struct lock_range g = { .start = pos, .end = end };
		g_array_append_val(gaps, g);
	}
	g_array_free(cover, TRUE);
}
