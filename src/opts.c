/* Options: the table, defaults, validation, credentials file.
 *
 * Every -o option is either ours (the table), FUSE's (passed to fuse_new),
 * one meant for mount(8)/fstab/systemd (accepted and ignored), or an error
 * that names it.  Validation happens before any connection is made. */
#include "opts.h"

#include <errno.h>
#include <fuse_lowlevel.h>
#include <glib.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"

#define UNSET_ID ((unsigned)-1)

enum {
	KEY_HELP,
	KEY_RO,
	KEY_RW,
};

#define OPT(t, field, v) { t, offsetof(struct smbfuse_opts, field), v }
/* A flag (no value in the template): fuse_opt stores `v` as an int
 * (*(int *)field = v), which over a smaller field would overwrite the
 * next ones; the field must be an int (checked here, at compile time). */
#define OPT_FLAG(t, field, v)                                                       \
	{ t,                                                                        \
	  offsetof(struct smbfuse_opts, field) +                                    \
		  0 * sizeof(char[sizeof(((struct smbfuse_opts *)0)->field) ==      \
					   sizeof(int)                               \
				   ? 1                                               \
				   : -1]),                                           \
	  v }

static const struct fuse_opt opt_spec[] = {
	OPT("username=%s", username, 0),
	OPT("user=%s", username, 0),
	OPT("password=%s", password, 0),
	OPT("pass=%s", password, 0),
	OPT("credentials=%s", credentials, 0),
	OPT("cred=%s", credentials, 0),
	OPT("domain=%s", domain, 0),
	OPT("dom=%s", domain, 0),
	OPT("workgroup=%s", domain, 0),
	OPT("port=%u", port, 0),
	OPT_FLAG("netbios", netbios, 1),
	OPT("servern=%s", servern, 0),
	OPT_FLAG("guest", guest, 1),
	OPT("sec=%s", sec, 0),
	OPT_FLAG("sign", sign, 1),
	OPT_FLAG("nounix", nounix, 1),
	OPT_FLAG("unix", nounix, 0),
	OPT_FLAG("stats_xattr", stats_xattr, 1),
	OPT_FLAG("noxattr", stats_xattr, 0), /* the default now; kept for fstab lines */
	OPT_FLAG("nowritebehind", nowb, 1),
	OPT("opencmd=%s", opencmd, 0),
	OPT("cache=%s", cache, 0),
	OPT("uid=%u", uid, 0),
	OPT("gid=%u", gid, 0),
	OPT("file_mode=%o", file_mode, 0),
	OPT("dir_mode=%o", dir_mode, 0),
	OPT("actimeo=%lf", actimeo, 0),
	OPT("rsize=%u", rsize, 0),
	OPT("wsize=%u", wsize, 0),
	OPT("timeout=%u", timeout, 0),
	OPT("conn_timeout=%u", conn_timeout, 0),
	OPT("conns=%u", conns, 0),
	OPT("echo_interval=%u", echo_interval, 0),
	OPT("reconnect_timeout=%u", reconnect_timeout, 0),
	OPT_FLAG("hard", hard, 1),
	/* libfuse 3 takes it in fuse_config only, not as an option. */
	OPT_FLAG("direct_io", direct_io, 1),
	OPT_FLAG("soft", hard, 0),
	FUSE_OPT_KEY("help", KEY_HELP),
	FUSE_OPT_KEY("ro", KEY_RO),
	FUSE_OPT_KEY("rw", KEY_RW),
	FUSE_OPT_END,
};

/* Options libfuse itself understands (library and kernel mount options). */
static const char *const fuse_options[] = {
	"allow_other", "allow_root", "auto_unmount", "default_permissions", "fsname=",
	"subtype=", "max_read=", "blkdev", "blksize=", "dev", "nodev", "suid", "nosuid",
	"exec", "noexec", "atime", "noatime", "relatime", "strictatime", "sync", "async",
	"dirsync", "hard_remove", "use_ino", "readdir_ino", "kernel_cache",
	"auto_cache", "noauto_cache", "umask=", "negative_timeout=", "ac_attr_timeout=",
	"noforget", "remember=", "modules=", "context=", "fscontext=", "defcontext=",
	"rootcontext=", NULL,
};

/* Options for mount(8), fstab and systemd: never the daemon's business. */
static const char *const ignored_options[] = {
	"_netdev", "nofail", "noauto", "auto", "user", "nouser", "users", "nousers", "owner",
	"noowner", "group", "nogroup", "defaults", "comment=", "x-", "nobootwait", "loop",
	"helper=", "uhelper=",
	/* mount.cifs habits: interrupts are always on here */
	"intr", "nointr", NULL,
};

static bool option_in(const char *opt, const char *const *list)
{
	for (const char *const *p = list; *p; p++) {
		size_t n = strlen(*p);
		bool prefix = (*p)[n - 1] == '=' || (*p)[n - 1] == '-';
		if (prefix ? strncmp(opt, *p, n) == 0 : strcmp(opt, *p) == 0)
			return true;
	}
	return false;
}

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct smbfuse_opts *o = data;

	switch (key) {
	case KEY_HELP: /* -o help, as mount helpers are asked */
		o->show_help = 1;
		return 0;
	case KEY_RO:
		o->ro = true;
		return 1;
	case KEY_RW:
		o->ro = false;
		return 1;
	case FUSE_OPT_KEY_NONOPT:
		if (!o->unc) {
			o->unc = g_strdup(arg);
			return 0;
		}
		if (!o->mountpoint) {
			/* Kept from fuse_parse_cmdline, whose own check would print
			 * a second error line; main checks it. */
			o->mountpoint = g_strdup(arg);
			return 0;
		}
		if (!o->bad_option)
			o->bad_option = g_strdup_printf("extra argument '%s'", arg);
		return 0;
	case FUSE_OPT_KEY_OPT:
		if (arg[0] == '-')
			return 1; /* -f, -d, -s, -h, -V: fuse_parse_cmdline's */
		if (option_in(arg, fuse_options))
			return 1;
		if (option_in(arg, ignored_options))
			return 0;
		if (!o->bad_option)
			o->bad_option = g_strdup_printf("unknown option '%s'", arg);
		return 0;
	}
	return 1;
}

/* //HOST[:PORT]/SHARE[/SUBDIR] (backslashes accepted); IPv6 as [addr]. */
static int parse_unc(struct smbfuse_opts *o, char **errmsg)
{
	char *s = g_strdup(o->unc);
	int ret = -EINVAL;

	g_strdelimit(s, "\\", '/');
	if (strncmp(s, "//", 2) != 0)
		goto bad;
	char *host = s + 2;
	char *slash = strchr(host, '/');
	if (!slash)
		goto bad;
	*slash = 0;
	char *share = slash + 1;
	char *sub = strchr(share, '/');
	if (sub) {
		*sub++ = 0;
		while (*sub == '/')
			sub++;
		if (*sub)
			o->subdir = g_strdup(sub);
	}
	if (!*share)
		goto bad;

	char *port = NULL;
	if (host[0] == '[') {
		char *end = strchr(host, ']');
		if (!end)
			goto bad;
		*end = 0;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1])
			goto bad;
		host++;
	} else {
		char *colon = strchr(host, ':');
		if (colon && !strchr(colon + 1, ':')) { /* not a bare IPv6 literal */
			*colon = 0;
			port = colon + 1;
		}
	}
	if (!*host)
		goto bad;
	if (port) {
		char *end;
		unsigned long v = strtoul(port, &end, 10);
		if (*end || v == 0 || v > 65535) {
			*errmsg = g_strdup_printf("bad port in '%s'", o->unc);
			goto out;
		}
		if (!o->port)
			o->port = (unsigned)v;
	}
	o->host = g_strdup(host);
	o->share = g_strdup(share);
	ret = 0;
	goto out;
bad:
	*errmsg = g_strdup_printf("bad share name '%s': expected //HOST[:PORT]/SHARE[/SUBDIR]",
				  o->unc);
out:
	g_free(s);
	return ret;
}

/* mount.cifs credentials file: username=, password=, domain= lines. */
static int read_credentials(struct smbfuse_opts *o, char **errmsg)
{
	char *text = NULL;
	GError *err = NULL;
	struct stat st;

	if (!g_file_get_contents(o->credentials, &text, NULL, &err)) {
		*errmsg = g_strdup_printf("cannot read credentials file: %s", err->message);
		g_error_free(err);
		return -EINVAL;
	}
	if (stat(o->credentials, &st) == 0 && (st.st_mode & 077))
		log_warn("credentials file %s is readable by group or others", o->credentials);
	gchar **lines = g_strsplit(text, "\n", -1);
	for (gchar **l = lines; *l; l++) {
		char *line = g_strstrip(*l);
		char *eq = strchr(line, '=');
		if (!*line || line[0] == '#' || !eq)
			continue;
		*eq = 0;
		char *key = g_strstrip(line), *val = eq + 1;
		if (!o->username && (!strcmp(key, "username") || !strcmp(key, "user")))
			o->username = g_strdup(val);
		else if (!o->password && (!strcmp(key, "password") || !strcmp(key, "pass")))
			o->password = g_strdup(val);
		else if (!o->domain && (!strcmp(key, "domain") || !strcmp(key, "dom")))
			o->domain = g_strdup(val);
	}
	g_strfreev(lines);
	memset(text, 0, strlen(text));
	g_free(text);
	return 0;
}

/* user=DOMAIN/name, user=DOMAIN\name and user=name%password, as mount.cifs. */
static void split_username(struct smbfuse_opts *o)
{
	char *pct = strchr(o->username, '%');
	if (pct) {
		*pct = 0;
		if (!o->password)
			o->password = g_strdup(pct + 1);
	}
	char *sep = strpbrk(o->username, "/\\");
	if (sep) {
		*sep = 0;
		if (!o->domain)
			o->domain = g_strdup(o->username);
		char *name = g_strdup(sep + 1);
		g_free(o->username);
		o->username = name;
	}
}

static int check_range(const char *name, double v, double lo, double hi, char **errmsg)
{
	if (v < lo || v > hi) {
		*errmsg = g_strdup_printf("option %s=%g out of range (%g to %g)", name, v, lo, hi);
		return -EINVAL;
	}
	return 0;
}

int opts_parse(struct fuse_args *args, struct smbfuse_opts *o, char **errmsg)
{
	int ret;

	*errmsg = NULL;
	o->uid = o->gid = UNSET_ID;
	o->file_mode = 0644;
	o->dir_mode = 0755;
	o->actimeo = 1.0;
	o->timeout = 30;
	o->conn_timeout = 15;
	o->conns = 2;
	o->echo_interval = 60;
	o->reconnect_timeout = 60;
	if (fuse_opt_parse(args, o, opt_spec, opt_proc) == -1) {
		*errmsg = g_strdup("invalid option value (see smbfuse -h)");
		return -EINVAL;
	}
	struct fuse_cmdline_opts cmd = { 0 };
	if (fuse_parse_cmdline(args, &cmd) != 0) {
		*errmsg = g_strdup("invalid command line (see smbfuse -h)");
		return -EINVAL;
	}
	o->foreground = cmd.foreground;
	o->debug = cmd.debug;
	o->show_help |= cmd.show_help;
	o->show_version = cmd.show_version;
	o->singlethread = cmd.singlethread;
	if (cmd.mountpoint && !o->mountpoint)
		o->mountpoint = g_strdup(cmd.mountpoint);
	free(cmd.mountpoint);
	if (o->show_help || o->show_version)
		return 0;

	if (o->bad_option) {
		*errmsg = g_strdup(o->bad_option);
		return -EINVAL;
	}
	if (!o->unc || !o->mountpoint) {
		*errmsg = g_strdup("usage: smbfuse //HOST[:PORT]/SHARE[/SUBDIR] MOUNTPOINT "
				   "[-o opt,...] (see smbfuse -h)");
		return -EINVAL;
	}
	ret = parse_unc(o, errmsg);
	if (ret < 0)
		return ret;
	o->uid_set = o->uid != UNSET_ID;
	o->gid_set = o->gid != UNSET_ID;
	if ((ret = check_range("port", o->port, 0, 65535, errmsg)) ||
	    (ret = check_range("file_mode", o->file_mode, 0, 07777, errmsg)) ||
	    (ret = check_range("dir_mode", o->dir_mode, 0, 07777, errmsg)) ||
	    (ret = check_range("actimeo", o->actimeo, 0, 86400, errmsg)) ||
	    (ret = check_range("timeout", o->timeout, 1, 86400, errmsg)) ||
	    (ret = check_range("conn_timeout", o->conn_timeout, 1, 3600, errmsg)) ||
	    (ret = check_range("conns", o->conns, 1, 16, errmsg)) ||
	    (ret = check_range("echo_interval", o->echo_interval, 0, 86400, errmsg)) ||
	    (ret = check_range("reconnect_timeout", o->reconnect_timeout, 1, 86400, errmsg)) ||
	    (ret = check_range("rsize", o->rsize, 0, 16 * 1024 * 1024, errmsg)) ||
	    (ret = check_range("wsize", o->wsize, 0, 16 * 1024 * 1024, errmsg)))
		return ret;
	if ((o->rsize && o->rsize < 1024) || (o->wsize && o->wsize < 1024)) {
		*errmsg = g_strdup("rsize and wsize must be at least 1024");
		return -EINVAL;
	}
	/* Port 139 is the NetBIOS session service: a session request comes
	 * first there (RFC 1002), whatever -o netbios says, as with mount.cifs.
	 * Without a port, 445 then 139 (conn_open); with netbios, 139. */
	if (o->port == SMB_NETBIOS_PORT)
		o->netbios = true;
	if (!o->port && o->netbios)
		o->port = SMB_NETBIOS_PORT;

	if (o->sec) {
		static const char *const known[] = { "ntlmssp", "ntlmsspi", "ntlmv2", "ntlmv2i",
						     "none", NULL };
		bool ok = false;
		for (const char *const *k = known; *k; k++)
			ok |= strcmp(o->sec, *k) == 0;
		if (!ok) {
			*errmsg = g_strdup_printf("sec=%s is not supported (use ntlmssp, ntlmv2 "
						  "or none; NTLMv1 and Kerberos are not offered)",
						  o->sec);
			return -EINVAL;
		}
		if (g_str_has_suffix(o->sec, "i"))
			o->sign = true;
	}
	if (o->opencmd && strcmp(o->opencmd, "auto") && strcmp(o->opencmd, "ntcreate") &&
	    strcmp(o->opencmd, "openandx")) {
		*errmsg = g_strdup_printf("opencmd=%s: use auto, ntcreate or openandx", o->opencmd);
		return -EINVAL;
	}

	if (o->cache && strcmp(o->cache, "strict") && strcmp(o->cache, "loose") &&
	    strcmp(o->cache, "none")) {
		*errmsg = g_strdup_printf("cache=%s: use strict, loose or none", o->cache);
		return -EINVAL;
	}

	if (o->credentials && (ret = read_credentials(o, errmsg)) < 0)
		return ret;
	if (o->sec && !strcmp(o->sec, "none"))
		o->guest = true;
	if (!o->guest) {
		if (!o->username) {
			const char *env = getenv("USER");
			o->username = g_strdup(env && *env ? env : g_get_user_name());
		}
		split_username(o);
		if (!o->password) {
			const char *env = getenv("PASSWD");
			if (env)
				o->password = g_strdup(env);
		}
		if (!o->password && isatty(STDIN_FILENO)) {
			char *prompt = g_strdup_printf("Password for %s@%s: ", o->username, o->unc);
			char *pw = getpass(prompt);
			g_free(prompt);
			if (pw) {
				o->password = g_strdup(pw);
				memset(pw, 0, strlen(pw));
			}
		}
		if (!o->password)
			o->password = g_strdup("");
	}
	return 0;
}

static void star_out(char *v)
{
	for (; *v && *v != ','; v++)
		*v = '*';
}

/* Keeps the password out of /proc/PID/cmdline and ps: every option token
 * password=, pass= and the %PASS of user=NAME%PASS is overwritten in place. */
void opts_scrub_argv(int argc, char *argv[])
{
	for (int i = 1; i < argc; i++) {
		char *tok = argv[i];
		if (!strncmp(tok, "-o", 2))
			tok += 2;
		while (tok) {
			if (!strncmp(tok, "password=", 9))
				star_out(tok + 9);
			else if (!strncmp(tok, "pass=", 5))
				star_out(tok + 5);
			else if (!strncmp(tok, "user=", 5) || !strncmp(tok, "username=", 9)) {
				char *pct = strchr(tok, '%');
				char *comma = strchr(tok, ',');
				if (pct && (!comma || pct < comma))
					star_out(pct + 1);
			}
			tok = strchr(tok, ',');
			if (tok)
				tok++;
		}
	}
}

void opts_free(struct smbfuse_opts *o)
{
	if (o->password)
		memset(o->password, 0, strlen(o->password));
	/* Strings from fuse_opt_parse are malloc'd; ours are g_malloc'd, which
	 * is the same allocator on this platform (glib >= 2.46). */
	g_free(o->unc);
	g_free(o->host);
	g_free(o->share);
	g_free(o->subdir);
	g_free(o->mountpoint);
	g_free(o->username);
	g_free(o->password);
	g_free(o->domain);
	g_free(o->credentials);
	g_free(o->sec);
	g_free(o->servern);
	g_free(o->opencmd);
	g_free(o->cache);
	g_free(o->bad_option);
	memset(o, 0, sizeof(*o));
}

void opts_session_params(const struct smbfuse_opts *o, struct session_params *p)
{
	memset(p, 0, sizeof(*p));
	p->conn.host = o->host;
	p->conn.port = (uint16_t)o->port;
	p->conn.netbios = o->netbios;
	p->conn.called_name = o->servern;
	p->conn.connect_timeout_ms = (int)o->conn_timeout * 1000;
	p->conn.request_timeout_ms = (int)o->timeout * 1000;
	p->server = o->host;
	p->share = o->share;
	p->user = o->username;
	p->password = o->password;
	p->domain = o->domain;
	p->guest = o->guest;
	p->sec = SEC_NTLMSSP;
	if (o->sec && g_str_has_prefix(o->sec, "ntlmv2"))
		p->sec = SEC_NTLMV2;
	else if (o->sec && !strcmp(o->sec, "none"))
		p->sec = SEC_NONE;
	p->unix_extensions = !o->nounix;
	p->sign = o->sign;
	p->rsize = o->rsize;
	p->wsize = o->wsize;
}

void opts_pool_config(const struct smbfuse_opts *o, struct pool_config *cfg)
{
	cfg->conns = o->conns;
	cfg->echo_interval_s = (int)o->echo_interval;
	cfg->reconnect_timeout_s = (int)o->reconnect_timeout;
	cfg->hard = o->hard;
}

enum open_cmd opts_open_cmd(const struct smbfuse_opts *o)
{
	if (o->opencmd && !strcmp(o->opencmd, "ntcreate"))
		return OPEN_CMD_NTCREATE;
	if (o->opencmd && !strcmp(o->opencmd, "openandx"))
		return OPEN_CMD_OPENANDX;
	return OPEN_CMD_AUTO;
}

enum cache_mode opts_cache_mode(const struct smbfuse_opts *o)
{
	if (o->cache && !strcmp(o->cache, "loose"))
		return CACHE_LOOSE;
	if (o->cache && !strcmp(o->cache, "none"))
		return CACHE_NONE;
	return CACHE_STRICT;
}

void opts_print_help(const char *progname)
{
	printf("usage: %s //HOST[:PORT]/SHARE[/SUBDIR] MOUNTPOINT [-o opt,...] [-f] [-d]\n"
	       "       %s --stats MOUNTPOINT\n"
	       "\n"
	       "Mounts an SMB1/CIFS share (dialect NT LM 0.12) through FUSE.  --stats prints\n"
	       "a mount's state and counters as key: value lines (the mount's owner only).\n"
	       "\n"
	       "smbfuse options (-o opt,...):\n"
	       "    username=NAME       user name (also DOMAIN/NAME or NAME%%PASS); default $USER\n"
	       "    password=PASS       password; default $PASSWD, else a prompt on a tty\n"
	       "    credentials=FILE    file with username=, password=, domain= lines\n"
	       "    domain=NAME         authentication domain / workgroup\n"
	       "    guest               log in anonymously, no password\n"
	       "    sec=MODE            ntlmssp (default: NTLMv2 in NTLMSSP/SPNEGO), ntlmv2\n"
	       "                        (classic challenge/response), none (anonymous);\n"
	       "                        append i (ntlmsspi, ntlmv2i) to require signing\n"
	       "    sign                require SMB message signing\n"
	       "    port=N              TCP port (default: 445, and 139 if 445 refuses;\n"
	       "                        139 with netbios); port 139 implies netbios\n"
	       "    netbios             NetBIOS session service (session request first)\n"
	       "    servern=NAME        NetBIOS name of the server (default: from the host\n"
	       "                        name, falling back to *SMBSERVER)\n"
	       "    uid=N, gid=N        owner of all files (default: the server's with UNIX\n"
	       "                        extensions, else the mounting user)\n"
	       "    file_mode=MODE      permissions of files without UNIX extensions (0644)\n"
	       "    dir_mode=MODE       permissions of directories without UNIX extensions (0755)\n"
	       "    nounix              do not use the CIFS UNIX extensions\n"
	       "    ro                  read-only mount\n"
	       "    nowritebehind       write(2) returns only once the server has the data\n"
	       "                        (default: up to 4 MiB per open file in flight; a\n"
	       "                        failure is reported by the next write, fsync or close)\n"
	       "    actimeo=SECONDS     attribute and name cache lifetime (default 1)\n"
	       "    rsize=N, wsize=N    largest read / write request (default: what the\n"
	       "                        server's capabilities allow)\n"
	       "    timeout=SECONDS     how long a request waits for its reply before the\n"
	       "                        connection counts as dead (default 30)\n"
	       "    conn_timeout=SECONDS  TCP connect timeout (default 15)\n"
	       "    conns=N             connections (sessions) per mount, 1 to 16 (default 2)\n"
	       "    echo_interval=SECONDS  keepalive echo on a connection idle this long\n"
	       "                        (default 60; 0: none)\n"
	       "    reconnect_timeout=SECONDS  how long operations wait while reconnecting\n"
	       "                        before failing with ETIMEDOUT (default 60)\n"
	       "    hard                wait for the server forever instead\n"
	       "    soft                fail after reconnect_timeout (default)\n"
	       "    opencmd=CMD         auto (default), ntcreate or openandx\n"
	       "    cache=MODE          strict (default): file data cached across opens only\n"
	       "                        under an oplock or change notification; loose: also\n"
	       "                        without them; none: no caching, direct I/O\n"
	       "    stats_xattr         also offer the counters as the user.smbfuse.stats\n"
	       "                        attribute of the mount root (costs ls -l two local\n"
	       "                        round trips per entry); noxattr: not (the default)\n"
	       "\n"
	       "Options for mount(8) and systemd (_netdev, nofail, noauto, user, x-systemd.*,\n"
	       "...) are accepted and ignored.\n"
	       "\n"
	       "Exit status: 0 mounted, 1 usage error, 32 mount failure; --stats: 0, or 1\n"
	       "with a line saying why (not an smbfuse mount point, no answer in 10 s).\n"
	       "\n"
	       "FUSE options:\n",
	       progname, progname);
}
