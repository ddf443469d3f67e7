/* Logging: stderr until the daemon detaches, syslog after.  Thread-safe:
 * each message is formatted into one buffer and written with one call. */
#include "log.h"

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static bool debug_on;
static gint use_syslog; /* atomic: set after the threads start */
static const char *log_ident = "smbfuse";

void log_init(const char *ident, bool debug)
{
	if (ident)
		log_ident = ident;
	debug_on = debug;
}

void log_use_syslog(void)
{
	openlog(log_ident, LOG_PID, LOG_DAEMON);
	g_atomic_int_set(&use_syslog, 1);
}

bool log_debug_enabled(void)
{
	return debug_on;
}

void log_msg(int priority, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (g_atomic_int_get(&use_syslog))
		syslog(priority, "%s", line);
	else
		fprintf(stderr, "%s: %s\n", log_ident, line);
}

void log_hexdump(const char *label, const void *data, size_t len)
{
	const unsigned char *p = data;
	char line[100];

	if (!debug_on)
		return;
	log_msg(LOG_DEBUG, "%s (%zu bytes)", label, len);
	for (size_t off = 0; off < len; off += 16) {
		int n = snprintf(line, sizeof(line), "  %04zx:", off);
		for (size_t i = off; i < off + 16 && i < len; i++)
			n += snprintf(line + n, sizeof(line) - n, " %02x", p[i]);
		log_msg(LOG_DEBUG, "%s", line);
	}
}
