/* Names of hard-linked files (see linknames.h). */
#include "linknames.h"

#include <glib.h>

#define LINKNAMES_MAX 65536 /* names kept before the table starts over */

struct linknames {
	GMutex lock;
	GHashTable *by_path; /* char *path -> uint64_t *ino (both owned) */
	GHashTable *by_ino;  /* uint64_t *ino (owned) -> GPtrArray of char * */
};

static void ptr_array_free(gpointer p)
{
	g_ptr_array_free(p, TRUE);
}

struct linknames *linknames_new(void)
{
	struct linknames *ln = g_new0(struct linknames, 1);
	g_mutex_init(&ln->lock);
	ln->by_path = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	ln->by_ino = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, ptr_array_free);
	return ln;
}

void linknames_free(struct linknames *ln)
{
	if (!ln)
		return;
	g_hash_table_destroy(ln->by_ino);
	g_hash_table_destroy(ln->by_path);
	g_mutex_clear(&ln->lock);
	g_free(ln);
}

/* Removes path; the caller holds the lock. */
static void forget_locked(struct linknames *ln, const char *path)
{
	gpointer key, value;
	if (!g_hash_table_lookup_extended(ln->by_path, path, &key, &value))
		return;
	GPtrArray *names = g_hash_table_lookup(ln->by_ino, value);
	for (guint i = 0; names && i < names->len; i++) {
		if (g_str_equal(g_ptr_array_index(names, i), path)) {
			g_ptr_array_remove_index_fast(names, i);
			break;
		}
	}
	if (names && !names->len)
		g_hash_table_remove(ln->by_ino, value);
	g_hash_table_remove(ln->by_path, path);
}

void linknames_note(struct linknames *ln, const char *path, uint64_t ino, unsigned long nlink)
{
	g_mutex_lock(&ln->lock);
	uint64_t *known = g_hash_table_lookup(ln->by_path, path);
	if (known && *known == ino && nlink > 1)
		goto out;
	forget_locked(ln, path);
	if (nlink <= 1)
		goto out;
	if (g_hash_table_size(ln->by_path) >= LINKNAMES_MAX) {
		g_hash_table_remove_all(ln->by_ino);
		g_hash_table_remove_all(ln->by_path);
	}
	g_hash_table_insert(ln->by_path, g_strdup(path), g_memdup2(&ino, sizeof(ino)));
	GPtrArray *names = g_hash_table_lookup(ln->by_ino, &ino);
	if (!names) {
		names = g_ptr_array_new_with_free_func(g_free);
		g_hash_table_insert(ln->by_ino, g_memdup2(&ino, sizeof(ino)), names);
	}
	g_ptr_array_add(names, g_strdup(path));
out:
	g_mutex_unlock(&ln->lock);
}

void linknames_forget(struct linknames *ln, const char *path)
{
	g_mutex_lock(&ln->lock);
	forget_locked(ln, path);
	g_mutex_unlock(&ln->lock);
}

char **linknames_others(struct linknames *ln, const char *path)
{
	GPtrArray *out = NULL;

	g_mutex_lock(&ln->lock);
	uint64_t *ino = g_hash_table_lookup(ln->by_path, path);
	GPtrArray *names = ino ? g_hash_table_lookup(ln->by_ino, ino) : NULL;
	for (guint i = 0; names && i < names->len; i++) {
		const char *n = g_ptr_array_index(names, i);
		if (g_str_equal(n, path))
			continue;
		if (!out)
			out = g_ptr_array_new();
		g_ptr_array_add(out, g_strdup(n));
	}
	g_mutex_unlock(&ln->lock);
	if (!out)
		return NULL;
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}
