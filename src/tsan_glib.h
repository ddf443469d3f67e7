/* glib's locks made visible to ThreadSanitizer.
 *
 * On Linux GMutex, GCond and GRWLock are futexes driven from inside
 * libglib, which is not instrumented: TSan sees no lock at all and reports
 * every access made under one as a race.  In a TSan build
 * (./configure --enable-tsan) this header is force-included (-include)
 * into every file, after <glib.h>: it replaces the lock calls the code
 * makes with wrappers that call the real function and tell TSan what it
 * did (<sanitizer/tsan_interface.h>, the mutex annotation API).  A
 * condition wait is an unlock followed by a lock of its mutex.
 *
 * Data handed from one thread to another through glib's own internals
 * (a GThreadPool queue) needs the pair SMBFUSE_TSAN_RELEASE(addr) before
 * the hand-over and SMBFUSE_TSAN_ACQUIRE(addr) after it.  Outside TSan
 * builds those are no-ops and nothing else here is defined, so files may
 * include this header unconditionally.
 *
 * glib's memory slices (g_slice, used by GHashTable, GPtrArray...) are
 * handed between threads the same invisible way: run TSan builds with
 * G_SLICE=always-malloc (the test fixture does), which turns them into
 * plain malloc/free.
 */
#ifndef SMBFUSE_TSAN_GLIB_H
#define SMBFUSE_TSAN_GLIB_H

#if defined(__SANITIZE_THREAD__)
#define SMBFUSE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SMBFUSE_TSAN 1
#endif
#endif

#ifndef SMBFUSE_TSAN

#define SMBFUSE_TSAN_RELEASE(addr) ((void)(addr))
#define SMBFUSE_TSAN_ACQUIRE(addr) ((void)(addr))

#else

#include <glib.h>
#include <sanitizer/tsan_interface.h>

/* In libtsan, not in every version of its header. */
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);

#define SMBFUSE_TSAN_RELEASE(addr) __tsan_release((void *)(addr))
#define SMBFUSE_TSAN_ACQUIRE(addr) __tsan_acquire((void *)(addr))

/* Each wrapper is tsan_<glib name> and calls the real function as (fn)(x):
 * the parentheses keep the #defines at the end of this file from expanding
 * it (they are not defined yet here anyway). */
#define TSAN_WRAP_INIT(fn, type)                                                        \
	static inline void tsan_##fn(type *x)                                           \
	{                                                                               \
		(fn)(x);                                                                \
		__tsan_mutex_create(x, 0);                                              \
	}
#define TSAN_WRAP_CLEAR(fn, type)                                                       \
	static inline void tsan_##fn(type *x)                                           \
	{                                                                               \
		__tsan_mutex_destroy(x, 0);                                             \
		(fn)(x);                                                                \
	}
#define TSAN_WRAP_LOCK(fn, type, flags)                                                 \
	static inline void tsan_##fn(type *x)                                           \
	{                                                                               \
		__tsan_mutex_pre_lock(x, flags);                                        \
		(fn)(x);                                                                \
		__tsan_mutex_post_lock(x, flags, 0);                                    \
	}
#define TSAN_WRAP_TRYLOCK(fn, type, flags)                                              \
	static inline gboolean tsan_##fn(type *x)                                       \
	{                                                                               \
		__tsan_mutex_pre_lock(x, (flags) | __tsan_mutex_try_lock);              \
		gboolean ok = (fn)(x);                                                  \
		__tsan_mutex_post_lock(x,                                               \
				       (flags) | (ok ? __tsan_mutex_try_lock            \
						     : __tsan_mutex_try_lock_failed),   \
				       0);                                              \
		return ok;                                                              \
	}
#define TSAN_WRAP_UNLOCK(fn, type, flags)                                               \
	static inline void tsan_##fn(type *x)                                           \
	{                                                                               \
		__tsan_mutex_pre_unlock(x, flags);                                      \
		(fn)(x);                                                                \
		__tsan_mutex_post_unlock(x, flags);                                     \
	}

TSAN_WRAP_INIT(g_mutex_init, GMutex)
TSAN_WRAP_CLEAR(g_mutex_clear, GMutex)
TSAN_WRAP_LOCK(g_mutex_lock, GMutex, 0)
TSAN_WRAP_TRYLOCK(g_mutex_trylock, GMutex, 0)
TSAN_WRAP_UNLOCK(g_mutex_unlock, GMutex, 0)

TSAN_WRAP_INIT(g_rec_mutex_init, GRecMutex)
TSAN_WRAP_CLEAR(g_rec_mutex_clear, GRecMutex)
TSAN_WRAP_LOCK(g_rec_mutex_lock, GRecMutex, 0)
TSAN_WRAP_TRYLOCK(g_rec_mutex_trylock, GRecMutex, 0)
TSAN_WRAP_UNLOCK(g_rec_mutex_unlock, GRecMutex, 0)

/* Readers take GRWLock shared: __tsan_mutex_read_lock. */
TSAN_WRAP_INIT(g_rw_lock_init, GRWLock)
TSAN_WRAP_CLEAR(g_rw_lock_clear, GRWLock)
TSAN_WRAP_LOCK(g_rw_lock_writer_lock, GRWLock, 0)
TSAN_WRAP_TRYLOCK(g_rw_lock_writer_trylock, GRWLock, 0)
TSAN_WRAP_UNLOCK(g_rw_lock_writer_unlock, GRWLock, 0)
TSAN_WRAP_LOCK(g_rw_lock_reader_lock, GRWLock, __tsan_mutex_read_lock)
TSAN_WRAP_TRYLOCK(g_rw_lock_reader_trylock, GRWLock, __tsan_mutex_read_lock)
TSAN_WRAP_UNLOCK(g_rw_lock_reader_unlock, GRWLock, __tsan_mutex_read_lock)

/* While g_cond_wait sleeps, m is free: in TSan's model it is released
 * before the wait and taken again after it, so what the signalling thread
 * wrote under m happens-before what the waiter reads after waking. */
static inline void tsan_g_cond_wait(GCond *c, GMutex *m)
{
	__tsan_mutex_pre_unlock(m, 0);
	__tsan_mutex_post_unlock(m, 0);
	(g_cond_wait)(c, m);
	__tsan_mutex_pre_lock(m, 0);
	__tsan_mutex_post_lock(m, 0, 0);
}

static inline gboolean tsan_g_cond_wait_until(GCond *c, GMutex *m, gint64 end_time)
{
	__tsan_mutex_pre_unlock(m, 0);
	__tsan_mutex_post_unlock(m, 0);
	gboolean ok = (g_cond_wait_until)(c, m, end_time);
	__tsan_mutex_pre_lock(m, 0);
	__tsan_mutex_post_lock(m, 0, 0);
	return ok;
}

/* glib keeps a finished pool thread to serve the next pool, handing the
 * new pool over through its own (invisible) queue: TSan would see the
 * thread touch memory it was never given.  In TSan builds pool threads are
 * not kept, so each one starts from a pthread_create by the pool's creator.
 */
static inline GThreadPool *tsan_g_thread_pool_new(GFunc func, gpointer user_data,
						  gint max_threads, gboolean exclusive,
						  GError **error)
{
	g_thread_pool_set_max_unused_threads(0);
	return (g_thread_pool_new)(func, user_data, max_threads, exclusive, error);
}

/* A pool's queue allocates a list node in the pushing thread and frees it
 * in the popping one, under glib's own lock; so do the stop messages of
 * g_thread_pool_free.  TSan is told to look away from glib's allocations in
 * these two calls (the data pushed is annotated by the caller:
 * SMBFUSE_TSAN_RELEASE/ACQUIRE). */
static inline gboolean tsan_g_thread_pool_push(GThreadPool *pool, gpointer data, GError **error)
{
	__tsan_ignore_thread_begin();
	gboolean ok = (g_thread_pool_push)(pool, data, error);
	__tsan_ignore_thread_end();
	return ok;
}

static inline void tsan_g_thread_pool_free(GThreadPool *pool, gboolean immediate, gboolean wait_)
{
	__tsan_ignore_thread_begin();
	(g_thread_pool_free)(pool, immediate, wait_);
	__tsan_ignore_thread_end();
}

/* g_strerror interns its strings under a lock of its own: the string one
 * thread allocated, another reads.  One process-wide (weak, so defined once
 * whatever the number of files) annotated mutex around it shows TSan the
 * order. */
__attribute__((weak)) GMutex smbfuse_tsan_strerror_lock;

static inline const gchar *tsan_g_strerror(gint errnum)
{
	tsan_g_mutex_lock(&smbfuse_tsan_strerror_lock);
	const gchar *s = (g_strerror)(errnum);
	tsan_g_mutex_unlock(&smbfuse_tsan_strerror_lock);
	return s;
}

#define g_mutex_init tsan_g_mutex_init
#define g_mutex_clear tsan_g_mutex_clear
#define g_mutex_lock tsan_g_mutex_lock
#define g_mutex_trylock tsan_g_mutex_trylock
#define g_mutex_unlock tsan_g_mutex_unlock
#define g_cond_wait tsan_g_cond_wait
#define g_cond_wait_until tsan_g_cond_wait_until
#define g_rw_lock_init tsan_g_rw_lock_init
#define g_rw_lock_clear tsan_g_rw_lock_clear
#define g_rw_lock_writer_lock tsan_g_rw_lock_writer_lock
#define g_rw_lock_writer_trylock tsan_g_rw_lock_writer_trylock
#define g_rw_lock_writer_unlock tsan_g_rw_lock_writer_unlock
#define g_rw_lock_reader_lock tsan_g_rw_lock_reader_lock
#define g_rw_lock_reader_trylock tsan_g_rw_lock_reader_trylock
#define g_rw_lock_reader_unlock tsan_g_rw_lock_reader_unlock
#define g_rec_mutex_init tsan_g_rec_mutex_init
#define g_rec_mutex_clear tsan_g_rec_mutex_clear
#define g_rec_mutex_lock tsan_g_rec_mutex_lock
#define g_rec_mutex_trylock tsan_g_rec_mutex_trylock
#define g_rec_mutex_unlock tsan_g_rec_mutex_unlock
#define g_thread_pool_new tsan_g_thread_pool_new
#define g_thread_pool_push tsan_g_thread_pool_push
#define g_thread_pool_free tsan_g_thread_pool_free
#define g_strerror tsan_g_strerror

#endif /* SMBFUSE_TSAN */

#endif
