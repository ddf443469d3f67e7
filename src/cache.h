/* What the server said, kept in user space by mount path: attributes
 * (positive and negative), directory listings, and the stamp (write time,
 * size) of each file whose data the kernel caches.
 *
 * Entries live ttl_ms at most (actimeo); change notifications, oplock
 * breaks and the mount's own changes drop them sooner (cache_invalidate).
 * A fetch that began before an invalidation must not store what it got:
 * callers take a ticket before asking the server and store with it, and an
 * invalidation in between voids the ticket.  Thread-safe. */
#ifndef SMBFUSE_CACHE_H
#define SMBFUSE_CACHE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

struct cache;

/* cache= (the kernel client's names): how file data may be cached. */
enum cache_mode {
	CACHE_STRICT, /* across opens only when unchanged and kept coherent
			 (an oplock or change notification) */
	CACHE_LOOSE,  /* across opens whenever unchanged */
	CACHE_NONE,   /* not at all: direct I/O, no attribute cache */
};

struct cache_dirent {
	char *name;
	struct stat st;
};

struct cache_stats {
	uint64_t attr_hits, attr_misses, negative_hits;
	uint64_t absent_names; /* lookups answered from a directory's set */
	uint64_t dir_hits, dir_misses;
	uint64_t invalidations, invalidate_all;
};

/* ttl_ms 0: nothing is kept. */
struct cache *cache_new(int ttl_ms);
void cache_free(struct cache *c);

uint64_t cache_ticket(struct cache *c);

/* true with *st filled (or *negative: the name is known not to exist). */
bool cache_get_attr(struct cache *c, const char *path, struct stat *st, bool *negative);
void cache_put_attr(struct cache *c, uint64_t ticket, const char *path, const struct stat *st);
void cache_put_negative(struct cache *c, uint64_t ticket, const char *path);

/* A copy of the listing (GArray of struct cache_dirent with names owned by
 * the array; free with g_array_free(a, TRUE)), or NULL. */
GArray *cache_get_dir(struct cache *c, const char *path);
/* Stores a listing and the attributes of its entries. */
void cache_put_dir(struct cache *c, uint64_t ticket, const char *path, const GArray *entries);
/* A new empty GArray of struct cache_dirent that frees its names. */
GArray *cache_dirents_new(void);

/* The data stamp of a file: its write time and size when the kernel last
 * filled its page cache from the server. */
bool cache_get_stamp(struct cache *c, const char *path, uint64_t *write_time, uint64_t *size);
void cache_put_stamp(struct cache *c, uint64_t ticket, const char *path, uint64_t write_time,
		     uint64_t size);

/* Drops path (attributes, listing, stamp), everything below it, and the
 * listing and attributes of its parent.  A hard link's other names are the
 * caller's to drop (fs_ops.c knows them: linknames.c). */
void cache_invalidate(struct cache *c, const char *path);
void cache_invalidate_all(struct cache *c);
/* The cheap form for a file whose data or attributes changed through the
 * mount (a write): its attributes and its parent's listing. */
void cache_invalidate_file(struct cache *c, const char *path);

/* After a create through the mount whose reply told the new file's
 * attributes: drops what cache_invalidate drops and keeps st for path,
 * unless something was invalidated since ticket (taken before the
 * request: what the reply said may be out of date already). */
void cache_invalidate_put(struct cache *c, uint64_t ticket, const char *path,
			  const struct stat *st);

/* After a change through the mount that the server carried out: what
 * cache_invalidate_file drops, except that path's attributes, if cached,
 * are kept with the change applied (their expiry unchanged: the fields it
 * does not set are as old as they were).  apply returns false when it
 * cannot tell the result: then they are dropped too. */
typedef bool (*cache_apply_fn)(struct stat *st, void *arg);
/* sets_times: the change set the write time (utimens), which makes the
 * times of attributes kept across writes (cache_update_written) known. */
void cache_update_file(struct cache *c, const char *path, cache_apply_fn apply, void *arg,
		       bool sets_times);
/* After a write through the mount that no one else can have seen or
 * raced (under an exclusive oplock) of [off, end): what
 * cache_invalidate_file drops, except that path's attributes, if cached,
 * are kept with the size it makes (and blocks to match), but not served
 * (the server's clock set the times) until a cache_update_file that sets
 * the write time, as tar and cp -p do after writing.  Not past the end
 * (a hole: what is allocated is not known), nor for a setuid or setgid
 * file (a write may clear the bits): dropped then. */
void cache_update_written(struct cache *c, const char *path, uint64_t off, uint64_t end);

/* The whole set of names of a directory, kept where nothing else can
 * change it unseen: one created through the mount while change
 * notification watches the whole tree (the caller's to check), with its
 * names as the mount's own changes and the server's notifications make
 * them.  A name not in it is not there: a lookup of a new name (before
 * every create) costs no round trip.  Lives the cache's ttl like the rest;
 * anything the caller cannot account for forgets the set.  Exact names:
 * only where the server compares them so (POSIX pathnames). */
/* dir is being made (before the request, so that notifications about it
 * that come before the answer are applied): empty, and not answered from
 * until cache_names_ready (the request may find a directory that was
 * there, with names of its own). */
void cache_names_created(struct cache *c, const char *dir);
void cache_names_ready(struct cache *c, const char *dir);
/* path exists now (made through the mount, or the server said so);
 * replacing: it may have taken the place of another (a rename's target),
 * whose sets and those below are forgotten. */
void cache_names_add(struct cache *c, const char *path, bool replacing);
/* path is gone; so are the sets of it and below it. */
void cache_names_remove(struct cache *c, const char *path);
/* Whether path exists is not known: its directory's set, and the sets of
 * it and below it, are forgotten. */
void cache_names_forget(struct cache *c, const char *path);
/* The server named a change with backslashes in it, which with POSIX
 * pathnames may be separators or part of a name: path is the reading with
 * all of them separators, and any ancestor may be the parent.  added: the
 * change made a name (each reading's name goes into each reading's
 * parent's set: a name too many only costs a lookup); otherwise every
 * possible parent's set is forgotten. */
void cache_names_ambiguous(struct cache *c, const char *path, bool added);
/* path's directory has a set, without path's name. */
bool cache_name_absent(struct cache *c, const char *path);

/* Every path the cache knows (its tables' keys; g_free'd by the array):
 * what the kernel may be caching too. */
GPtrArray *cache_known_paths(struct cache *c);
void cache_get_stats(struct cache *c, struct cache_stats *st);
int cache_ttl_ms(const struct cache *c);

#endif
