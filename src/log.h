/* One logging sink: stderr in the foreground, syslog once daemonised.
 * log_debug output appears only with -d; log_hexdump is for -d wire traces. */
#ifndef SMBFUSE_LOG_H
#define SMBFUSE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

void log_init(const char *ident, bool debug);
/* Switch to syslog (called after daemonising). */
void log_use_syslog(void);
bool log_debug_enabled(void);
void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_hexdump(const char *label, const void *data, size_t len);

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)                               \
	do {                                         \
		if (log_debug_enabled())             \
			log_msg(LOG_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
