/* User-space caches (see cache.h).  One lock over four tables; every
 * entry carries its expiry.  Memory is bounded: past MAX_ENTRIES a table
 * starts over, which costs round trips, never correctness. */
#include "cache.h"

#include <string.h>

#define MAX_ENTRIES 200000
#define MAX_DIRS 4096
#define MAX_NAMED_DIRS 1024
#define MAX_NAMES MAX_ENTRIES /* in all the sets together */

/* Every name in a directory (cache_names_created): the set of its names. */
struct named_dir {
	gint64 expires;
	bool ready; /* made: until then changes are applied, nothing answered */
	GHashTable *names;
};

struct attr_entry {
	gint64 expires; /* monotonic us */
	bool negative;
	/* Written through the mount since (cache_update_written): the size
	 * is known, the times are the server's to tell; not served until an
	 * update sets them. */
	bool times_unknown;
	struct stat st;
};

struct dir_entry_list {
	gint64 expires;
	GArray *entries; /* struct cache_dirent */
};

struct stamp {
	uint64_t write_time, size;
};

struct cache {
	int ttl_ms;
	GMutex lock;
	uint64_t epoch; /* bumped by every invalidation: voids older tickets */
	GHashTable *attrs;  /* path -> struct attr_entry */
	GHashTable *dirs;   /* path -> struct dir_entry_list */
	GHashTable *stamps; /* path -> struct stamp */
	GHashTable *named;  /* path -> struct named_dir */
	guint names_held;   /* names in all of them (a bound) */
	struct cache_stats stats;
};

static void dirent_clear(gpointer data)
{
	g_free(((struct cache_dirent *)data)->name);
}

GArray *cache_dirents_new(void)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(struct cache_dirent));
	g_array_set_clear_func(a, dirent_clear);
	return a;
}

static void dir_list_free(gpointer data)
{
	struct dir_entry_list *d = data;
	g_array_free(d->entries, TRUE);
	g_free(d);
}

static GArray *dirents_copy(const GArray *from)
{
	GArray *a = cache_dirents_new();
	g_array_set_size(a, from->len);
	for (guint i = 0; i < from->len; i++) {
		const struct cache_dirent *src = &g_array_index(from, struct cache_dirent, i);
		struct cache_dirent *dst = &g_array_index(a, struct cache_dirent, i);
		dst->name = g_strdup(src->name);
		dst->st = src->st;
	}
	return a;
}

static void named_dir_free(gpointer data)
{
	struct named_dir *d = data;
	g_hash_table_destroy(d->names);
	g_free(d);
}

/* Forgets path's set (its names leave the count). */
static void named_remove_locked(struct cache *c, const char *path)
{
	struct named_dir *d = g_hash_table_lookup(c->named, path);
	if (d) {
		c->names_held -= g_hash_table_size(d->names);
		g_hash_table_remove(c->named, path);
	}
}

/* Forgets every set. */
static void named_clear_locked(struct cache *c)
{
	g_hash_table_remove_all(c->named);
	c->names_held = 0;
}

struct cache *cache_new(int ttl_ms)
{
	struct cache *c = g_new0(struct cache, 1);
	c->ttl_ms = ttl_ms;
	g_mutex_init(&c->lock);
	c->attrs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	c->dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, dir_list_free);
	c->stamps = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	c->named = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, named_dir_free);
	return c;
}

void cache_free(struct cache *c)
{
	if (!c)
		return;
	g_hash_table_destroy(c->attrs);
	g_hash_table_destroy(c->dirs);
	g_hash_table_destroy(c->stamps);
	g_hash_table_destroy(c->named);
	g_mutex_clear(&c->lock);
	g_free(c);
}

int cache_ttl_ms(const struct cache *c)
{
	return c->ttl_ms;
}

uint64_t cache_ticket(struct cache *c)
{
	g_mutex_lock(&c->lock);
	uint64_t t = c->epoch;
	g_mutex_unlock(&c->lock);
	return t;
}

/* Can a result fetched under ticket still be stored?  Called locked. */
static bool storable_locked(struct cache *c, uint64_t ticket)
{
	return c->ttl_ms > 0 && ticket == c->epoch;
}

static gint64 expiry(const struct cache *c)
{
	return g_get_monotonic_time() + (gint64)c->ttl_ms * 1000;
}

bool cache_get_attr(struct cache *c, const char *path, struct stat *st, bool *negative)
{
	bool hit = false;
	g_mutex_lock(&c->lock);
	struct attr_entry *e = g_hash_table_lookup(c->attrs, path);
	if (e && e->times_unknown && e->expires > g_get_monotonic_time()) {
		c->stats.attr_misses++; /* kept for the update that sets them */
	} else if (e && e->expires > g_get_monotonic_time()) {
		hit = true;
		*negative = e->negative;
		if (!e->negative)
			*st = e->st;
		if (e->negative)
			c->stats.negative_hits++;
		else
			c->stats.attr_hits++;
	} else {
		if (e)
			g_hash_table_remove(c->attrs, path);
		c->stats.attr_misses++;
	}
	g_mutex_unlock(&c->lock);
	return hit;
}

static void put_attr_locked(struct cache *c, const char *path, const struct stat *st)
{
	if (g_hash_table_size(c->attrs) >= MAX_ENTRIES)
		g_hash_table_remove_all(c->attrs);
	struct attr_entry *e = g_new0(struct attr_entry, 1);
	e->expires = expiry(c);
	e->negative = st == NULL;
	if (st)
		e->st = *st;
	g_hash_table_replace(c->attrs, g_strdup(path), e);
}

void cache_put_attr(struct cache *c, uint64_t ticket, const char *path, const struct stat *st)
{
	g_mutex_lock(&c->lock);
	if (storable_locked(c, ticket))
		put_attr_locked(c, path, st);
	g_mutex_unlock(&c->lock);
}

void cache_put_negative(struct cache *c, uint64_t ticket, const char *path)
{
	cache_put_attr(c, ticket, path, NULL);
}

GArray *cache_get_dir(struct cache *c, const char *path)
{
	GArray *copy = NULL;
	g_mutex_lock(&c->lock);
	struct dir_entry_list *d = g_hash_table_lookup(c->dirs, path);
	if (d && d->expires > g_get_monotonic_time()) {
		copy = dirents_copy(d->entries);
		c->stats.dir_hits++;
	} else {
		if (d)
			g_hash_table_remove(c->dirs, path);
		c->stats.dir_misses++;
	}
	g_mutex_unlock(&c->lock);
	return copy;
}

/* "/a" + "b" -> "/a/b"; "/" + "b" -> "/b" */
static char *child_path(const char *dir, const char *name)
{
	return g_strconcat(dir, strcmp(dir, "/") == 0 ? "" : "/", name, NULL);
}

void cache_put_dir(struct cache *c, uint64_t ticket, const char *path, const GArray *entries)
{
	g_mutex_lock(&c->lock);
	if (!storable_locked(c, ticket))
		goto out;
	if (g_hash_table_size(c->dirs) >= MAX_DIRS)
		g_hash_table_remove_all(c->dirs);
	struct dir_entry_list *d = g_new0(struct dir_entry_list, 1);
	d->expires = expiry(c);
	d->entries = dirents_copy(entries);
	g_hash_table_replace(c->dirs, g_strdup(path), d);
	for (guint i = 0; i < entries->len; i++) {
		const struct cache_dirent *e = &g_array_index(entries, struct cache_dirent, i);
		char *child = child_path(path, e->name);
		put_attr_locked(c, child, &e->st);
		g_free(child);
	}
out:
	g_mutex_unlock(&c->lock);
}

bool cache_get_stamp(struct cache *c, const char *path, uint64_t *write_time, uint64_t *size)
{
	g_mutex_lock(&c->lock);
	struct stamp *s = g_hash_table_lookup(c->stamps, path);
	if (s) {
		*write_time = s->write_time;
		*size = s->size;
	}
	g_mutex_unlock(&c->lock);
	return s != NULL;
}

void cache_put_stamp(struct cache *c, uint64_t ticket, const char *path, uint64_t write_time,
		     uint64_t size)
{
	g_mutex_lock(&c->lock);
	if (storable_locked(c, ticket)) {
		if (g_hash_table_size(c->stamps) >= MAX_ENTRIES)
			g_hash_table_remove_all(c->stamps);
		struct stamp *s = g_new(struct stamp, 1);
		s->write_time = write_time;
		s->size = size;
		g_hash_table_replace(c->stamps, g_strdup(path), s);
	}
	g_mutex_unlock(&c->lock);
}

/* Is key path itself or below it? */
static bool at_or_below(const char *key, const char *path, size_t len)
{
	if (strncmp(key, path, len) != 0)
		return false;
	return key[len] == 0 || key[len] == '/' || (len == 1 && path[0] == '/');
}

static gboolean remove_at_or_below(gpointer key, gpointer value, gpointer user)
{
	const char *path = user;
	return at_or_below(key, path, strlen(path));
}

static void invalidate_one_locked(struct cache *c, const char *path)
{
	/* A path known as a file has nothing below it: no table walk (every
	 * notification and every change through the mount comes here). */
	struct attr_entry *e = g_hash_table_lookup(c->attrs, path);
	if (e && !e->negative && !S_ISDIR(e->st.st_mode) && !g_hash_table_contains(c->dirs, path)) {
		g_hash_table_remove(c->attrs, path);
		g_hash_table_remove(c->stamps, path);
		return;
	}
	g_hash_table_foreach_remove(c->attrs, remove_at_or_below, (gpointer)path);
	g_hash_table_foreach_remove(c->dirs, remove_at_or_below, (gpointer)path);
	g_hash_table_foreach_remove(c->stamps, remove_at_or_below, (gpointer)path);
}

static void invalidate_locked(struct cache *c, const char *path)
{
	c->epoch++;
	c->stats.invalidations++;
	invalidate_one_locked(c, path);
	/* The parent: its listing, and its times (they changed with it). */
	char *parent = g_path_get_dirname(path);
	g_hash_table_remove(c->dirs, parent);
	g_hash_table_remove(c->attrs, parent);
	g_free(parent);
}

void cache_invalidate(struct cache *c, const char *path)
{
	g_mutex_lock(&c->lock);
	invalidate_locked(c, path);
	g_mutex_unlock(&c->lock);
}

/* A file changed: fetches under way may have read it before (their tickets
 * are void), and its directory's listing holds its old attributes. */
static void file_changed_locked(struct cache *c, const char *path)
{
	c->epoch++;
	char *parent = g_path_get_dirname(path);
	g_hash_table_remove(c->dirs, parent);
	g_free(parent);
}

void cache_invalidate_file(struct cache *c, const char *path)
{
	g_mutex_lock(&c->lock);
	file_changed_locked(c, path);
	g_hash_table_remove(c->attrs, path);
	g_mutex_unlock(&c->lock);
}

void cache_invalidate_put(struct cache *c, uint64_t ticket, const char *path,
			  const struct stat *st)
{
	g_mutex_lock(&c->lock);
	bool storable = storable_locked(c, ticket);
	invalidate_locked(c, path);
	if (storable)
		put_attr_locked(c, path, st);
	g_mutex_unlock(&c->lock);
}

void cache_update_file(struct cache *c, const char *path, cache_apply_fn apply, void *arg,
		       bool sets_times)
{
	g_mutex_lock(&c->lock);
	file_changed_locked(c, path);
	struct attr_entry *e = g_hash_table_lookup(c->attrs, path);
	if (e && (e->negative || e->expires <= g_get_monotonic_time() || !apply(&e->st, arg)))
		g_hash_table_remove(c->attrs, path);
	else if (e && sets_times)
		e->times_unknown = false;
	g_mutex_unlock(&c->lock);
}

void cache_update_written(struct cache *c, const char *path, uint64_t off, uint64_t end)
{
	g_mutex_lock(&c->lock);
	file_changed_locked(c, path);
	struct attr_entry *e = g_hash_table_lookup(c->attrs, path);
	/* Not told by a write: what a server that writes as a user does to
	 * setuid/setgid bits, or what it allocates for a hole. */
	if (e && (e->negative || e->expires <= g_get_monotonic_time() ||
		  (e->st.st_mode & (S_ISUID | S_ISGID)) || off > (uint64_t)e->st.st_size)) {
		g_hash_table_remove(c->attrs, path);
	} else if (e) {
		if (end > (uint64_t)e->st.st_size)
			e->st.st_size = (off_t)end;
		/* What the server allocates is its own business; the size in
		 * 512-byte units until it says (as the Linux client does). */
		blkcnt_t blocks = (blkcnt_t)(((uint64_t)e->st.st_size + 511) / 512);
		if (blocks > e->st.st_blocks)
			e->st.st_blocks = blocks;
		e->times_unknown = true;
	}
	g_mutex_unlock(&c->lock);
}

void cache_invalidate_all(struct cache *c)
{
	g_mutex_lock(&c->lock);
	c->epoch++;
	c->stats.invalidate_all++;
	g_hash_table_remove_all(c->attrs);
	g_hash_table_remove_all(c->dirs);
	g_hash_table_remove_all(c->stamps);
	named_clear_locked(c);
	g_mutex_unlock(&c->lock);
}

static void add_keys(GHashTable *seen, GPtrArray *out, GHashTable *table)
{
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, table);
	while (g_hash_table_iter_next(&it, &key, NULL))
		if (g_hash_table_add(seen, key))
			g_ptr_array_add(out, g_strdup(key));
}

GPtrArray *cache_known_paths(struct cache *c)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	g_mutex_lock(&c->lock);
	add_keys(seen, out, c->attrs);
	add_keys(seen, out, c->dirs);
	add_keys(seen, out, c->stamps);
	g_mutex_unlock(&c->lock);
	g_hash_table_destroy(seen);
	return out;
}

void cache_get_stats(struct cache *c, struct cache_stats *st)
{
	g_mutex_lock(&c->lock);
	*st = c->stats;
	g_mutex_unlock(&c->lock);
}

/* ---- the whole set of names of directories created through the mount ---- */

/* The set of path's parent, if known and current; *name points into path. */
static struct named_dir *parent_names_locked(struct cache *c, const char *path,
					     const char **name, char **parent)
{
	*parent = g_path_get_dirname(path);
	const char *slash = strrchr(path, '/');
	*name = slash ? slash + 1 : path;
	struct named_dir *d = g_hash_table_lookup(c->named, *parent);
	if (d && d->expires <= g_get_monotonic_time()) {
		named_remove_locked(c, *parent);
		d = NULL;
	}
	return d;
}

/* Forgets the sets of path and of the directories below it. */
/* Forgets every set whose path matches (its names leave the count). */
static void named_remove_if_locked(struct cache *c, bool (*match)(const char *, void *),
				   void *arg)
{
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, c->named);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		if (match(key, arg)) {
			c->names_held -= g_hash_table_size(((struct named_dir *)value)->names);
			g_hash_table_iter_remove(&it);
		}
	}
}

static bool path_at_or_below(const char *key, void *path)
{
	return at_or_below(key, path, strlen(path));
}

static void forget_below_locked(struct cache *c, const char *path)
{
	named_remove_if_locked(c, path_at_or_below, (void *)path);
}

void cache_names_created(struct cache *c, const char *dir)
{
	if (c->ttl_ms <= 0)
		return;
	g_mutex_lock(&c->lock);
	if (g_hash_table_size(c->named) >= MAX_NAMED_DIRS)
		named_clear_locked(c);
	named_remove_locked(c, dir);
	struct named_dir *d = g_new0(struct named_dir, 1);
	d->expires = expiry(c);
	d->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_hash_table_insert(c->named, g_strdup(dir), d);
	g_mutex_unlock(&c->lock);
}

void cache_names_ready(struct cache *c, const char *dir)
{
	g_mutex_lock(&c->lock);
	struct named_dir *d = g_hash_table_lookup(c->named, dir);
	if (d)
		d->ready = true;
	g_mutex_unlock(&c->lock);
}

/* Adds name to d (parent's set), within the bound on all names. */
static void add_name_locked(struct cache *c, struct named_dir *d, const char *parent,
			    const char *name)
{
	if (c->names_held >= MAX_NAMES) {
		named_remove_locked(c, parent);
		return;
	}
	if (g_hash_table_add(d->names, g_strdup(name)))
		c->names_held++;
}

void cache_names_add(struct cache *c, const char *path, bool replacing)
{
	const char *name;
	char *parent;
	g_mutex_lock(&c->lock);
	if (replacing) /* what was there had sets of its own */
		forget_below_locked(c, path);
	struct named_dir *d = parent_names_locked(c, path, &name, &parent);
	if (d)
		add_name_locked(c, d, parent, name);
	g_mutex_unlock(&c->lock);
	g_free(parent);
}

void cache_names_remove(struct cache *c, const char *path)
{
	const char *name;
	char *parent;
	g_mutex_lock(&c->lock);
	struct named_dir *d = parent_names_locked(c, path, &name, &parent);
	if (d && g_hash_table_remove(d->names, name))
		c->names_held--;
	forget_below_locked(c, path);
	g_mutex_unlock(&c->lock);
	g_free(parent);
}

void cache_names_forget(struct cache *c, const char *path)
{
	const char *name;
	char *parent;
	g_mutex_lock(&c->lock);
	if (parent_names_locked(c, path, &name, &parent))
		named_remove_locked(c, parent);
	forget_below_locked(c, path);
	g_mutex_unlock(&c->lock);
	g_free(parent);
}

bool cache_name_absent(struct cache *c, const char *path)
{
	const char *name;
	char *parent;
	g_mutex_lock(&c->lock);
	struct named_dir *d = parent_names_locked(c, path, &name, &parent);
	bool absent = d && d->ready && *name && !g_hash_table_contains(d->names, name);
	if (absent)
		c->stats.absent_names++;
	g_mutex_unlock(&c->lock);
	g_free(parent);
	return absent;
}

static bool has_backslash(const char *key, void *unused)
{
	(void)unused;
	return strchr(key, '\\') != NULL;
}

void cache_names_ambiguous(struct cache *c, const char *path, bool added)
{
	g_mutex_lock(&c->lock);
	/* A set of a directory whose own name holds a backslash may be any
	 * reading's parent. */
	named_remove_if_locked(c, has_backslash, NULL);
	/* Every ancestor of path is the parent of one reading, whose name is
	 * the rest of path with its slashes read as backslashes. */
	char *anc = g_strdup(path);
	for (char *slash = strrchr(anc, '/'); slash; slash = strrchr(anc, '/')) {
		const char *rest = path + (slash - anc) + 1;
		*slash = '\0';
		const char *dir = *anc ? anc : "/";
		struct named_dir *d = g_hash_table_lookup(c->named, dir);
		if (d && added) {
			char *name = g_strdup(rest);
			g_strdelimit(name, "/", '\\');
			add_name_locked(c, d, dir, name);
			g_free(name);
		} else if (d) {
			named_remove_locked(c, dir);
		}
	}
	g_free(anc);
	if (!added)
		forget_below_locked(c, path);
	g_mutex_unlock(&c->lock);
}
