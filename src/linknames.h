/* The names the mount has seen for each hard-linked file.
 *
 * The high-level FUSE API gives every path a node of its own, so the kernel
 * caches the attributes (and pages) of two names of one server file
 * separately: a change through one name would show through the other only
 * after actimeo.  Knowing which names share a server inode number (UNIX
 * extensions), the FUSE layer invalidates the others after a change.  Only
 * files with more than one link are kept; the table forgets a name when it
 * is unlinked or seen with one link, and is emptied if it grows past a
 * bound (a stale name costs one needless invalidation, nothing more). */
#ifndef SMBFUSE_LINKNAMES_H
#define SMBFUSE_LINKNAMES_H

#include <stdint.h>

struct linknames;

struct linknames *linknames_new(void);
void linknames_free(struct linknames *ln);
/* path names inode ino, which has nlink links (nlink 1: forget path). */
void linknames_note(struct linknames *ln, const char *path, uint64_t ino, unsigned long nlink);
void linknames_forget(struct linknames *ln, const char *path);
/* The other known names of path's inode (NULL-terminated, g_strfreev), or
 * NULL if none is known. */
char **linknames_others(struct linknames *ln, const char *path);

#endif
