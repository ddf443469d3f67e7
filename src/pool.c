/* Session pool: keepalive and reconnect (see pool.h).
 *
 * Locking: p->lock protects the slots, the counters and `down`.  Nothing
 * that talks to the network runs under it: the keeper drops it around
 * session_open and session_echo.  A slot's session pointer only changes
 * under the lock, from the keeper.
 */
#include "pool.h"

#include <errno.h>
#include <glib.h>

#include "log.h"

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 10000
#define KEEPER_TICK_MS 1000

struct slot {
	struct session *s;   /* NULL until the first successful open */
	bool lost_logged;    /* the drop of s has been logged */
	unsigned failures;   /* reconnect attempts failed in a row */
	gint64 next_attempt; /* monotonic us */
};

struct pool {
	struct session_params sp;
	struct pool_config cfg;

	GMutex lock;
	GCond changed; /* a slot came back, or stopping */
	GCond wake;    /* the keeper has work */
	struct slot *slots;
	unsigned next; /* round-robin cursor */
	unsigned reconnects;
	bool down;     /* no session for longer than reconnect_timeout */
	bool stopping;
	GPtrArray *graveyard; /* replaced sessions, freed with the pool */
	GThread *keeper;
	bool keeper_done;
};

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

/* Replaces the dead session of slot i.  Called with the lock held; drops it
 * while connecting. */
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
		g_ptr_array_add(p->graveyard, fresh);
		return;
	}
	if (sl->s)
		g_ptr_array_add(p->graveyard, sl->s);
	bool was_first = sl->s == NULL;
	sl->s = fresh;
	sl->failures = 0;
	sl->lost_logged = false;
	if (!was_first) {
		p->reconnects++;
		log_info("reconnected connection %u to %s (%u reconnects so far)", i,
			 p->sp.server, p->reconnects);
	}
	p->down = false;
	g_cond_broadcast(&p->changed);
}

/* Sends an echo on slot i's connection if it has been idle too long; a
 * missing answer kills the connection (the next round reconnects it). */
static void keepalive_slot(struct pool *p, unsigned i)
{
	struct session *s = p->slots[i].s;
	gint64 idle = conn_idle_us(s->conn);

	if (!p->cfg.echo_interval_s || idle < (gint64)p->cfg.echo_interval_s * G_USEC_PER_SEC)
		return;
	g_mutex_unlock(&p->lock);
	int ret = session_echo(s, p->sp.conn.request_timeout_ms);
	if (ret < 0 && ret != -ENOTCONN)
		conn_kill(s->conn, ret == -ETIMEDOUT ? -ETIMEDOUT : -ECONNRESET);
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
	return NULL;
}

int pool_open(const struct session_params *sp, const struct pool_config *cfg,
	      struct pool **out, char **errmsg)
{
	struct session *first = NULL;
	int ret = session_open(sp, &first, errmsg);
	if (ret < 0)
		return ret;

	struct pool *p = g_new0(struct pool, 1);
	p->sp = *sp;
	p->cfg = *cfg;
	if (p->cfg.conns < 1)
		p->cfg.conns = 1;
	g_mutex_init(&p->lock);
	g_cond_init(&p->changed);
	g_cond_init(&p->wake);
	p->graveyard = g_ptr_array_new();
	p->slots = g_new0(struct slot, p->cfg.conns);
	p->slots[0].s = first;
	for (unsigned i = 1; i < p->cfg.conns; i++) {
		char *err = NULL;
		if (session_open(sp, &p->slots[i].s, &err) < 0) {
			log_warn("extra connection %u to %s failed: %s; retrying in the background",
				 i, sp->server, err ? err : "?");
			p->slots[i].s = NULL;
			g_free(err);
		}
	}
	p->keeper = g_thread_new("smb-keeper", keeper_main, p);
	*out = p;
	return 0;
}

void pool_free(struct pool *p)
{
	if (!p)
		return;
	gint64 deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
	g_mutex_lock(&p->lock);
	p->stopping = true;
	g_cond_broadcast(&p->wake);
	g_cond_broadcast(&p->changed);
	while (!p->keeper_done && g_cond_wait_until(&p->changed, &p->lock, deadline))
		;
	bool done = p->keeper_done;
	g_mutex_unlock(&p->lock);
	if (!done) {
		log_debug("keeper still connecting at exit; not waiting for it");
		return;
	}
	g_thread_join(p->keeper);
	for (unsigned i = 0; i < p->cfg.conns; i++)
		session_free(p->slots[i].s);
	for (guint i = 0; i < p->graveyard->len; i++)
		session_free(g_ptr_array_index(p->graveyard, i));
	g_ptr_array_free(p->graveyard, TRUE);
	g_free(p->slots);
	g_cond_clear(&p->changed);
	g_cond_clear(&p->wake);
	g_mutex_clear(&p->lock);
	g_free(p);
}

int pool_get(struct pool *p, struct session **out)
{
	gint64 deadline = g_get_monotonic_time() +
			  (gint64)p->cfg.reconnect_timeout_s * G_USEC_PER_SEC;
	int ret;

	g_mutex_lock(&p->lock);
	for (;;) {
		if (p->stopping || (p->cfg.cancelled && p->cfg.cancelled(p->cfg.cancel_arg))) {
			ret = -ESHUTDOWN;
			break;
		}
		for (unsigned n = 0; n < p->cfg.conns; n++) {
			unsigned i = (p->next + n) % p->cfg.conns;
			if (slot_live(&p->slots[i])) {
				p->next = i + 1;
				*out = p->slots[i].s;
				g_mutex_unlock(&p->lock);
				return 0;
			}
		}
		/* Nothing live: the keeper is on it.  Once the server has been
		 * away longer than reconnect_timeout, fail at once. */
		if (p->down && !p->cfg.hard) {
			ret = -ETIMEDOUT;
			break;
		}
		g_cond_signal(&p->wake);
		gint64 now = g_get_monotonic_time();
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
		if (!p->cfg.hard && until > deadline)
			until = deadline;
		g_cond_wait_until(&p->changed, &p->lock, until);
	}
	g_mutex_unlock(&p->lock);
	return ret;
}

bool pool_transport_error(int err)
{
	return err == -ECONNRESET || err == -ENOTCONN || err == -EPIPE || err == -EBADMSG ||
	       err == -ECONNABORTED || err == -EPROTO || err == -ETIMEDOUT;
}

void pool_report(struct pool *p, struct session *s, int err)
{
	if (!s)
		return;
	conn_kill(s->conn, err);
	g_mutex_lock(&p->lock);
	g_cond_signal(&p->wake);
	g_mutex_unlock(&p->lock);
}

bool pool_session_alive(struct pool *p, struct session *s)
{
	bool alive = false;
	g_mutex_lock(&p->lock);
	for (unsigned i = 0; i < p->cfg.conns; i++)
		if (p->slots[i].s == s)
			alive = slot_live(&p->slots[i]);
	g_mutex_unlock(&p->lock);
	return alive;
}

struct session *pool_any(struct pool *p)
{
	struct session *s = NULL;
	g_mutex_lock(&p->lock);
	for (unsigned i = 0; i < p->cfg.conns && !s; i++)
		s = p->slots[i].s;
	g_mutex_unlock(&p->lock);
	return s;
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
	struct session *s = i < p->cfg.conns ? p->slots[i].s : NULL;
	g_mutex_unlock(&p->lock);
	return s;
}
