/* Session pool: keepalive, reconnect and the retry decision (see pool.h).
 *
 * Locking: p->lock protects the slots, the counters and `down`.  Nothing
 * that talks to the network runs under it: the keeper drops it around
 * session_open and session_echo.  A slot's session pointer only changes
 * under the lock, from the keeper.
 *
 * Ownership: the pool is shared by its owner and the keeper thread (refs);
 * whoever lets go last frees it, so pool_free can return while the keeper
 * is still inside a connect to a server that does not answer.
 */
#include "pool.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "log.h"

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 10000
#define KEEPER_TICK_MS 1000
#define FREE_WAIT_MS 2000

struct slot {
	struct session *s;   /* a reference; NULL until the first successful open */
	bool lost_logged;    /* the drop of s has been logged */
	unsigned failures;   /* reconnect attempts failed in a row */
	gint64 next_attempt; /* monotonic us */
};

struct pool {
	gint refs;
	struct session_params sp; /* strings owned (params_copy) */
	struct pool_config cfg;
	bool unix_ext;  /* the profile every session must have */
	char path_sep;

	GMutex lock;
	GCond changed; /* a slot came back, or stopping */
	GCond wake;    /* the keeper has work */
	struct slot *slots;
	unsigned next; /* round-robin cursor */
	unsigned reconnects;
	bool down;     /* no session for longer than reconnect_timeout */
	bool stopping;
	bool keeper_done;
};

/* ---- the pool's own copy of the session parameters ---- */

static void params_copy(struct session_params *dst, const struct session_params *src)
{
	*dst = *src;
	dst->conn.host = g_strdup(src->conn.host);
	dst->conn.called_name = g_strdup(src->conn.called_name);
	dst->conn.calling_name = g_strdup(src->conn.calling_name);
	dst->server = g_strdup(src->server);
	dst->share = g_strdup(src->share);
	dst->user = g_strdup(src->user);
	dst->password = g_strdup(src->password);
	dst->domain = g_strdup(src->domain);
}

static void params_clear(struct session_params *p)
{
	if (p->password)
		memset((char *)p->password, 0, strlen(p->password));
	g_free((char *)p->conn.host);
	g_free((char *)p->conn.called_name);
	g_free((char *)p->conn.calling_name);
	g_free((char *)p->server);
	g_free((char *)p->share);
	g_free((char *)p->user);
	g_free((char *)p->password);
	g_free((char *)p->domain);
}

static struct pool *pool_ref(struct pool *p)
{
	g_atomic_int_inc(&p->refs);
	return p;
}

static void pool_unref(struct pool *p)
{
	if (!g_atomic_int_dec_and_test(&p->refs))
		return;
	for (unsigned i = 0; i < p->cfg.conns; i++)
		session_unref(p->slots[i].s);
	g_free(p->slots);
	params_clear(&p->sp);
	g_cond_clear(&p->changed);
	g_cond_clear(&p->wake);
	g_mutex_clear(&p->lock);
	g_free(p);
}

/* ---- keeper ---- */

/* References of every slot's session (the caller unrefs each and frees the
 * array), for work outside p->lock. */
static GPtrArray *sessions_locked(struct pool *p)
{
	GPtrArray *out = g_ptr_array_new();
	for (unsigned i = 0; i < p->cfg.conns; i++)
		if (p->slots[i].s)
			g_ptr_array_add(out, session_ref(p->slots[i].s));
	return out;
}

static bool slot_live(const struct slot *sl)
{
	return sl->s && conn_alive(sl->s->conn);
}

static unsigned backoff_ms(unsigned failures)
{
	unsigned ms = BACKOFF_MIN_MS;
	for (unsigned i = 0; i < failures && ms < BACKOFF_MAX_MS; i++)
		ms *= 2;
	return ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS;
}

/* A new session must look like the first: the mount's paths and modes were
 * set up for that one. */
static int check_profile(const struct pool *p, const struct session *s, char **errmsg)
{
	if (s->unix_ext == p->unix_ext && s->path_sep == p->path_sep)
		return 0;
	*errmsg = g_strdup_printf("the server now %s the CIFS UNIX extensions; refusing the "
				  "new session (remount to use it as it is now)",
				  s->unix_ext ? "offers" : "lacks");
	return -EPROTO;
}

/* Replaces the unusable session of slot i.  Called with the lock held;
 * drops it while connecting. */
static void reconnect_slot(struct pool *p, unsigned i)
{
	struct slot *sl = &p->slots[i];
	struct session *fresh = NULL;
	char *errmsg = NULL;

	if (sl->s && !sl->lost_logged) {
		int err = conn_error(sl->s->conn);
		log_warn("reconnecting connection %u to %s (it died: %s)", i, p->sp.server,
			 g_strerror(err < 0 ? -err : EIO));
		sl->lost_logged = true;
	}
	g_mutex_unlock(&p->lock);
	int ret = session_open(&p->sp, &fresh, &errmsg);
	if (ret == 0 && (ret = check_profile(p, fresh, &errmsg)) < 0) {
		session_goodbye(fresh);
		session_unref(fresh);
		fresh = NULL;
	}
	if (ret == 0 && p->cfg.event_fn)
		conn_set_event_handler(fresh->conn, p->cfg.event_fn, p->cfg.event_arg);
	g_mutex_lock(&p->lock);

	if (ret < 0) {
		sl->failures++;
		sl->next_attempt = g_get_monotonic_time() + (gint64)backoff_ms(sl->failures) * 1000;
		/* The first failure and then every tenth, not every attempt. */
		if (sl->failures == 1 || sl->failures % 10 == 0)
			log_warn("reconnect %u to %s failed (attempt %u): %s", i, p->sp.server,
				 sl->failures, errmsg ? errmsg : g_strerror(-ret));
		g_free(errmsg);
		return;
	}
	if (p->stopping) {
		g_mutex_unlock(&p->lock);
		session_goodbye(fresh);
		session_unref(fresh);
		g_mutex_lock(&p->lock);
		return;
	}
	struct session *old = sl->s;
	bool replaced = old != NULL;
	sl->s = fresh;
	sl->failures = 0;
	sl->lost_logged = false;
	if (old) {
		p->reconnects++;
		log_info("reconnected connection %u to %s (%u reconnects so far)", i,
			 p->sp.server, p->reconnects);
	}
	p->down = false;
	g_cond_broadcast(&p->changed);
	/* Users of the old session still hold their references; it goes when
	 * the last of them lets go. */
	session_unref(old);
	if (replaced && p->cfg.reconnected) {
		g_mutex_unlock(&p->lock);
		p->cfg.reconnected(p->cfg.reconnected_arg);
		g_mutex_lock(&p->lock);
	}
}

/* Sends an echo on slot i's connection if it has been idle too long; a
 * missing answer abandons the connection (the next round replaces it). */
static void keepalive_slot(struct pool *p, unsigned i)
{
	struct session *s = p->slots[i].s;
	gint64 idle = conn_idle_us(s->conn);

	if (!p->cfg.echo_interval_s || idle < (gint64)p->cfg.echo_interval_s * G_USEC_PER_SEC)
		return;
	session_ref(s);
	g_mutex_unlock(&p->lock);
	int ret = session_echo(s, p->sp.conn.request_timeout_ms);
	if (ret < 0) /* a no-op if the connection is already given up */
		conn_abandon(s->conn, ret == -ETIMEDOUT ? -ETIMEDOUT : -ECONNRESET);
	session_unref(s);
	g_mutex_lock(&p->lock);
}

static gpointer keeper_main(gpointer data)
{
	struct pool *p = data;

	g_mutex_lock(&p->lock);
	while (!p->stopping) {
		gint64 now = g_get_monotonic_time();
		for (unsigned i = 0; i < p->cfg.conns && !p->stopping; i++) {
			struct slot *sl = &p->slots[i];
			if (!slot_live(sl)) {
				if (now >= sl->next_attempt)
					reconnect_slot(p, i);
			} else {
				keepalive_slot(p, i);
			}
		}
		if (p->stopping)
			break;
		g_cond_wait_until(&p->wake, &p->lock,
				  g_get_monotonic_time() + KEEPER_TICK_MS * 1000);
	}
	p->keeper_done = true;
	g_cond_broadcast(&p->changed);
	g_mutex_unlock(&p->lock);
	pool_unref(p);
	return NULL;
}

/* ---- public ---- */

int pool_open(const struct session_params *sp, const struct pool_config *cfg,
	      struct pool **out, char **errmsg)
{
	struct session *first = NULL;
	int ret = session_open(sp, &first, errmsg);
	if (ret < 0)
		return ret;

	struct pool *p = g_new0(struct pool, 1);
	p->refs = 1;
	params_copy(&p->sp, sp);
	p->cfg = *cfg;
	if (p->cfg.conns < 1)
		p->cfg.conns = 1;
	p->unix_ext = first->unix_ext;
	p->path_sep = first->path_sep;
	g_mutex_init(&p->lock);
	g_cond_init(&p->changed);
	g_cond_init(&p->wake);
	p->slots = g_new0(struct slot, p->cfg.conns);
	p->slots[0].s = first;
	if (cfg->event_fn)
		conn_set_event_handler(first->conn, cfg->event_fn, cfg->event_arg);
	for (unsigned i = 1; i < p->cfg.conns; i++) {
		char *err = NULL;
		struct session *s = NULL;
		int r = session_open(&p->sp, &s, &err);
		if (r == 0 && (r = check_profile(p, s, &err)) < 0) {
			session_unref(s);
			s = NULL;
		}
		if (r == 0 && cfg->event_fn)
			conn_set_event_handler(s->conn, cfg->event_fn, cfg->event_arg);
		if (r < 0) {
			log_warn("extra connection %u to %s failed: %s; retrying in the background",
				 i, sp->server, err ? err : "?");
			g_free(err);
		}
		p->slots[i].s = s;
	}
	GThread *keeper = g_thread_new("smb-keeper", keeper_main, pool_ref(p));
	g_thread_unref(keeper); /* detached: it lets go of the pool itself */
	*out = p;
	return 0;
}

void pool_free(struct pool *p)
{
	if (!p)
		return;
	gint64 deadline = g_get_monotonic_time() + FREE_WAIT_MS * 1000;
	g_mutex_lock(&p->lock);
	p->stopping = true;
	g_cond_broadcast(&p->wake);
	g_cond_broadcast(&p->changed);
	while (!p->keeper_done && g_cond_wait_until(&p->changed, &p->lock, deadline))
		;
	if (!p->keeper_done)
		log_debug("keeper still connecting at unmount; not waiting for it");
	/* Goodbyes outside the lock, on references of our own. */
	GPtrArray *live = sessions_locked(p);
	g_mutex_unlock(&p->lock);
	for (guint i = 0; i < live->len; i++) {
		struct session *s = g_ptr_array_index(live, i);
		session_goodbye(s);
		/* Requests still waiting on it fail now, not at their timeout. */
		conn_abandon(s->conn, -ESHUTDOWN);
		session_unref(s);
	}
	g_ptr_array_free(live, TRUE);
	pool_unref(p);
}

static __thread gint64 wait_limit_us;

void pool_limit_waits(gint64 until_us)
{
	wait_limit_us = until_us;
}

int pool_get(struct pool *p, struct session **out)
{
	gint64 deadline = g_get_monotonic_time() +
			  (gint64)p->cfg.reconnect_timeout_s * G_USEC_PER_SEC;
	int ret;

	/* A thread that must not wait long (pool_limit_waits), even when
	 * hard. */
	bool limited = wait_limit_us > 0;
	if (limited && deadline > wait_limit_us)
		deadline = wait_limit_us;

	g_mutex_lock(&p->lock);
	for (;;) {
		if (p->stopping) {
			ret = -ESHUTDOWN;
			break;
		}
		for (unsigned n = 0; n < p->cfg.conns; n++) {
			unsigned i = (p->next + n) % p->cfg.conns;
			if (slot_live(&p->slots[i])) {
				p->next = i + 1;
				*out = session_ref(p->slots[i].s);
				g_mutex_unlock(&p->lock);
				return 0;
			}
		}
		/* Nothing live: the keeper is on it.  Waits end early when the
		 * hook says so (every second, below). */
		ret = p->cfg.cancelled ? p->cfg.cancelled(p->cfg.cancel_arg) : 0;
		if (ret < 0)
			break;
		/* Once the server has been away longer than reconnect_timeout,
		 * fail at once. */
		if (p->down && !p->cfg.hard) {
			ret = -ETIMEDOUT;
			break;
		}
		g_cond_signal(&p->wake);
		gint64 now = g_get_monotonic_time();
		if (limited && now >= deadline) {
			ret = -ETIMEDOUT;
			break;
		}
		if (!p->cfg.hard && now >= deadline) {
			if (!p->down)
				log_warn("server %s unreachable for %d s: operations fail until it "
					 "is back",
					 p->sp.server, p->cfg.reconnect_timeout_s);
			p->down = true;
			ret = -ETIMEDOUT;
			break;
		}
		gint64 until = now + G_USEC_PER_SEC;
		if ((!p->cfg.hard || limited) && until > deadline)
			until = deadline;
		g_cond_wait_until(&p->changed, &p->lock, until);
	}
	g_mutex_unlock(&p->lock);
	return ret;
}

void pool_report(struct pool *p)
{
	g_mutex_lock(&p->lock);
	g_cond_signal(&p->wake);
	g_mutex_unlock(&p->lock);
}

void pool_session_lost(struct pool *p, gint64 seen_us)
{
	g_mutex_lock(&p->lock);
	GPtrArray *live = sessions_locked(p);
	g_mutex_unlock(&p->lock);
	/* Outside the pool's lock: giving a connection up takes its own. */
	for (guint i = 0; i < live->len; i++) {
		struct session *s = g_ptr_array_index(live, i);
		if (conn_established_us(s->conn) <= seen_us)
			conn_abandon(s->conn, -ECONNRESET);
		session_unref(s);
	}
	g_ptr_array_free(live, TRUE);
	pool_report(p);
}

void pool_note_attempt(struct pool *p, const struct conn_ledger *l)
{
	if (l->refused)
		pool_session_lost(p, l->refused_us);
	else if (l->failed)
		pool_report(p);
}

struct session *pool_any_ref(struct pool *p)
{
	struct session *s = NULL;
	g_mutex_lock(&p->lock);
	for (unsigned i = 0; i < p->cfg.conns && !s; i++)
		if (p->slots[i].s)
			s = session_ref(p->slots[i].s);
	g_mutex_unlock(&p->lock);
	return s;
}

enum pool_retry pool_retry_decision(enum pool_op_kind kind, const struct conn_ledger *l,
				    int attempt)
{
	/* Every request answered: the result is the server's, not ours to
	 * second-guess. */
	if (l->failed == 0 || attempt + 1 >= POOL_MAX_ATTEMPTS)
		return POOL_RETRY_NO;
	switch (conn_ledger_fate(l)) {
	case CONN_FATE_NOT_SENT:
		return POOL_RETRY_YES;
	case CONN_FATE_ANSWERED: /* earlier steps ran, a later one never left */
		return kind == POOL_OP_ONCE ? POOL_RETRY_RESUME : POOL_RETRY_YES;
	case CONN_FATE_LOST: /* it ran or it did not; it will not run later */
		return kind == POOL_OP_ONCE ? POOL_RETRY_VERIFY : POOL_RETRY_YES;
	case CONN_FATE_UNKNOWN: /* a copy may still run, after anything we do now */
		return kind == POOL_OP_READ ? POOL_RETRY_YES : POOL_RETRY_NO;
	}
	return POOL_RETRY_NO;
}

void pool_get_info(struct pool *p, struct pool_info *info)
{
	g_mutex_lock(&p->lock);
	info->conns = p->cfg.conns;
	info->live = 0;
	for (unsigned i = 0; i < p->cfg.conns; i++)
		info->live += slot_live(&p->slots[i]);
	info->reconnects = p->reconnects;
	info->down = p->down;
	g_mutex_unlock(&p->lock);
}

struct session *pool_slot(struct pool *p, unsigned i)
{
	g_mutex_lock(&p->lock);
	struct session *s = i < p->cfg.conns && p->slots[i].s ? session_ref(p->slots[i].s) : NULL;
	g_mutex_unlock(&p->lock);
	return s;
}
