/* POSIX byte-range lock semantics on top of Windows-style SMB locks.
 *
 * LOCKING_ANDX locks do not merge or split, an unlock must name a range
 * exactly as locked, and a shared lock cannot be turned into an exclusive
 * one in place.  fcntl does all of that.  Knowing exactly which SMB ranges
 * an owner holds, a POSIX request becomes a sequence of SMB unlocks and
 * locks: unlock every held range the request touches, re-lock the parts of
 * them outside it, then lock the requested range.  Pure planning here, no
 * I/O; client_io.c runs the steps. */
#ifndef SMBFUSE_LOCKTAB_H
#define SMBFUSE_LOCKTAB_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define LOCKTAB_EOF UINT64_MAX /* end of a range that runs to end of file */

struct lock_range {
	uint64_t owner;
	uint64_t start;
	uint64_t end; /* exclusive; LOCKTAB_EOF: to end of file */
	bool shared;
};

struct lock_step {
	bool unlock;
	struct lock_range range;
};

enum locktab_type { LOCKTAB_UNLOCK, LOCKTAB_SHARED, LOCKTAB_EXCLUSIVE };

/* Plans request (owner, type, [start, end)) against `held` (every SMB range
 * held on one handle, all owners).  Appends the steps to `steps` (struct
 * lock_step) and the resulting held set to `result` (struct lock_range).
 * The last step is the requested lock (none for an unlock). */
void locktab_plan(const struct lock_range *held, guint n_held, uint64_t owner,
		  enum locktab_type type, uint64_t start, uint64_t end, GArray *steps,
		  GArray *result);

/* The first range in `held` of an owner other than `owner` that a request
 * (type, [start, end)) would conflict with (one of the two exclusive), or
 * NULL.  Windows servers cannot tell POSIX owners sharing one handle apart
 * (they all use its FID and the mount's PID), so this is their check. */
const struct lock_range *locktab_conflict(const struct lock_range *held, guint n_held,
					  uint64_t owner, enum locktab_type type, uint64_t start,
					  uint64_t end);

/* Appends to `gaps` (struct lock_range, start/end only) the parts of
 * [start, end) that no range in `held` covers, in order. */
void locktab_gaps(const struct lock_range *held, guint n_held, uint64_t start, uint64_t end,
		  GArray *gaps);

#endif
