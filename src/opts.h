/* Command line and mount options: the table, defaults, validation and the
 * credentials file.  Names follow mount.cifs so habits carry over. */
#ifndef SMBFUSE_OPTS_H
#define SMBFUSE_OPTS_H

#include <fuse.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "client.h"
#include "cache.h"
#include "pool.h"
#include "session.h"

struct smbfuse_opts {
	/* //HOST[:PORT]/SHARE[/SUBDIR] */
	char *unc;
	char *host;
	char *share;
	char *subdir;
	char *mountpoint;
	unsigned port; /* 0: 445, or 139 with netbios */

	char *username;
	char *password;
	char *domain;
	char *credentials;
	char *sec;
	/* Flags set by fuse_opt are int: it stores them as int (opts.c). */
	int guest;
	int netbios;
	char *servern;
	int sign;
	int nounix;
	int stats_xattr; /* answer getxattr user.smbfuse.stats (slows ls -l) */
	int nowb;    /* every write on the server before write(2) returns */
	char *opencmd;
	char *cache; /* strict | loose | none */

	bool uid_set, gid_set;
	unsigned uid, gid;
	unsigned file_mode, dir_mode;
	bool ro;
	double actimeo;
	unsigned rsize, wsize;
	unsigned timeout; /* seconds a request may wait for its reply */
	unsigned conn_timeout;
	unsigned conns;             /* sessions in the pool */
	unsigned echo_interval;     /* keepalive after this many idle seconds */
	unsigned reconnect_timeout; /* how long operations wait for a reconnect */
	int hard;                   /* ... or forever */
	int direct_io;              /* no page cache: each read(2) and write(2) reaches us */

	int foreground;
	int debug;
	int show_help;
	int show_version;
	int singlethread;

	char *bad_option; /* first option we do not know, for the error line */
};

/* Parses argv into opts; FUSE's own options stay in *args for fuse_new.
 * Returns 0, or -EINVAL with *errmsg (g_malloc) naming what is wrong.  Reads
 * the credentials file and the PASSWD / USER environment variables. */
int opts_parse(struct fuse_args *args, struct smbfuse_opts *opts, char **errmsg);
void opts_free(struct smbfuse_opts *opts);
/* Overwrites password values in argv in place (password=, pass=, and the
 * %PASS of user=NAME%PASS), so they do not show in ps or /proc/PID/cmdline. */
void opts_scrub_argv(int argc, char *argv[]);
/* Fills session parameters from opts (pointers into opts). */
void opts_session_params(const struct smbfuse_opts *opts, struct session_params *p);
void opts_pool_config(const struct smbfuse_opts *opts, struct pool_config *cfg);
enum open_cmd opts_open_cmd(const struct smbfuse_opts *opts);
enum cache_mode opts_cache_mode(const struct smbfuse_opts *opts);
void opts_print_help(const char *progname);

#endif
