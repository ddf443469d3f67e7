/* Option parsing: UNC forms, validation, credentials, ignored options and
 * password scrubbing. */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "opts.h"

/* Parses a NULL-terminated argv; returns opts_parse's result. */
static int parse(struct smbfuse_opts *o, char **errmsg, const char *const *argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	char **copy = g_new0(char *, argc + 1);
	for (int i = 0; i < argc; i++)
		copy[i] = g_strdup(argv[i]);
	struct fuse_args args = FUSE_ARGS_INIT(argc, copy);
	memset(o, 0, sizeof(*o));
	*errmsg = NULL;
	int ret = opts_parse(&args, o, errmsg);
	fuse_opt_free_args(&args);
	g_strfreev(copy);
	return ret;
}

static void test_unc_forms(void)
{
	struct smbfuse_opts o;
	char *err;

	CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "//srv/share", "/mnt", "-o",
						   "password=x", NULL }),
		  0);
	CHECK_STR(o.host, "srv");
	CHECK_STR(o.share, "share");
	CHECK(o.subdir == NULL);
	CHECK_INT(o.port, 0); /* 445, then 139 with NetBIOS: conn_open */
	CHECK(!o.netbios);
	opts_free(&o);

	/* Port 139, from the UNC or -o port=, is the NetBIOS session service;
	 * an explicit 445 is just that. */
	static const struct {
		const char *unc, *opts;
		unsigned port;
		bool netbios;
	} ports[] = {
		{ "//srv:139/share", "password=x", 139, true },
		{ "//srv/share", "password=x,port=139", 139, true },
		{ "//srv/share", "password=x,port=445", 445, false },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(ports); i++) {
		CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", ports[i].unc, "/mnt", "-o",
							   ports[i].opts, NULL }),
			  0);
		CHECK_INT(o.port, ports[i].port);
		CHECK(o.netbios == ports[i].netbios);
		opts_free(&o);
	}

	CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "//127.0.0.1:4450/s/a/b/", "/mnt",
						   "-o", "guest", NULL }),
		  0);
	CHECK_STR(o.host, "127.0.0.1");
	CHECK_INT(o.port, 4450);
	CHECK_STR(o.subdir, "a/b/");
	CHECK(o.guest);
	opts_free(&o);

	CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "//[::1]:1445/s", "/mnt", "-o",
						   "guest,netbios", NULL }),
		  0);
	CHECK_STR(o.host, "::1");
	CHECK_INT(o.port, 1445);
	opts_free(&o);

	CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "\\\\srv\\share", "/mnt", "-o",
						   "guest,netbios", NULL }),
		  0);
	CHECK_STR(o.share, "share");
	CHECK_INT(o.port, 139);
	opts_free(&o);

	CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "srv/share", "/mnt", NULL }),
		  -EINVAL);
	CHECK(err && strstr(err, "bad share name"));
	g_free(err);
	opts_free(&o);

	CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "//srv:99999/s", "/mnt", NULL }),
		  -EINVAL);
	g_free(err);
	opts_free(&o);
}

/* getxattr is off unless stats_xattr; noxattr (old fstab lines) is the
 * default, and the later option wins. */
static void test_stats_xattr(void)
{
	struct smbfuse_opts o;
	char *err;
	const char *cases[][2] = { { "guest", "0" },
				   { "guest,noxattr", "0" },
				   { "guest,stats_xattr", "1" },
				   { "guest,stats_xattr,noxattr", "0" } };

	for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
		CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "//s/x", "/mnt", "-o",
							   cases[i][0], NULL }),
			  0);
		CHECK_INT(o.stats_xattr, cases[i][1][0] == '1');
		g_free(err);
		opts_free(&o);
	}
}

static void test_validation(void)
{
	struct smbfuse_opts o;
	char *err;

	CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "//s/x", "/mnt", "-o", "bogus=1",
						   NULL }),
		  -EINVAL);
	CHECK(err && strstr(err, "unknown option 'bogus=1'"));
	g_free(err);
	opts_free(&o);

	CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "//s/x", "/mnt", "-o",
						   "guest,port=70000", NULL }),
		  -EINVAL);
	CHECK(err && strstr(err, "port"));
	g_free(err);
	opts_free(&o);

	CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "//s/x", "/mnt", "-o",
						   "guest,sec=krb5", NULL }),
		  -EINVAL);
	g_free(err);
	opts_free(&o);

	CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "//s/x", "/mnt", "-o",
						   "guest,cache=sometimes", NULL }),
		  -EINVAL);
	CHECK(err && strstr(err, "cache=sometimes"));
	g_free(err);
	opts_free(&o);
	const char *modes[] = { "strict", "loose", "none" };
	for (int i = 0; i < 3; i++) {
		char *opt = g_strdup_printf("guest,cache=%s", modes[i]);
		CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "//s/x", "/mnt", "-o", opt,
							   NULL }),
			  0);
		CHECK_INT(opts_cache_mode(&o), i == 0 ? CACHE_STRICT : i == 1 ? CACHE_LOOSE : CACHE_NONE);
		opts_free(&o);
		g_free(opt);
	}

	CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "//s/x", "/mnt", "-o",
						   "guest,file_mode=0640,dir_mode=750,uid=1000,"
						   "actimeo=2.5",
						   NULL }),
		  0);
	CHECK_INT(o.file_mode, 0640);
	CHECK_INT(o.dir_mode, 0750);
	CHECK(o.uid_set && o.uid == 1000);
	CHECK(!o.gid_set);
	CHECK(o.actimeo == 2.5);
	opts_free(&o);

	/* mount(8) / systemd options are accepted and ignored; FUSE's pass. */
	CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "//s/x", "/mnt", "-o",
						   "guest,_netdev,nofail,noauto,user,"
						   "x-systemd.automount,allow_other,ro",
						   NULL }),
		  0);
	CHECK(o.ro);
	opts_free(&o);

	CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "//s/x", NULL }), -EINVAL);
	g_free(err);
	opts_free(&o);
}

static void test_credentials(void)
{
	struct smbfuse_opts o;
	char *err;
	char path[] = "/tmp/smbfuse-test-cred-XXXXXX";
	int fd = mkstemp(path);
	const char text[] = "# comment\nusername=alice\npassword=s3cr=t\ndomain=CORP\n";
	CHECK(fd >= 0 && write(fd, text, sizeof(text) - 1) == (ssize_t)sizeof(text) - 1);
	close(fd);
	char *opt = g_strdup_printf("credentials=%s", path);
	CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "//s/x", "/mnt", "-o", opt, NULL }),
		  0);
	CHECK_STR(o.username, "alice");
	CHECK_STR(o.password, "s3cr=t");
	CHECK_STR(o.domain, "CORP");
	opts_free(&o);

	/* Explicit options win over the file. */
	char *opt2 = g_strdup_printf("%s,username=bob", opt);
	CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "//s/x", "/mnt", "-o", opt2, NULL }),
		  0);
	CHECK_STR(o.username, "bob");
	opts_free(&o);
	unlink(path);
	g_free(opt);
	g_free(opt2);

	CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "//s/x", "/mnt", "-o",
						   "username=DOM/carol%pw", NULL }),
		  0);
	CHECK_STR(o.username, "carol");
	CHECK_STR(o.domain, "DOM");
	CHECK_STR(o.password, "pw");
	opts_free(&o);

	setenv("PASSWD", "fromenv", 1);
	CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "//s/x", "/mnt", "-o", "user=dave",
						   NULL }),
		  0);
	CHECK_STR(o.password, "fromenv");
	opts_free(&o);
	unsetenv("PASSWD");
}

static void test_scrub(void)
{
	char a0[] = "smbfuse", a1[] = "-o", a2[] = "user=u%hidden,password=secret,pass=p2,uid=1",
	     a3[] = "-opassword=abc";
	char *argv[] = { a0, a1, a2, a3, NULL };
	opts_scrub_argv(4, argv);
	CHECK_STR(a2, "user=u%******,password=******,pass=**,uid=1");
	CHECK_STR(a3, "-opassword=***");
}

/* Every flag keeps its value whatever comes after it: libfuse stores a
 * flag option as an int, over what follows a smaller field. */
static void test_flags_independent(void)
{
	struct smbfuse_opts o;
	char *err;

	CHECK_INT(parse(&o, &err, (const char *[]){ "smbfuse", "//s/x", "/mnt", "-o",
						   "nowritebehind,stats_xattr,nounix,netbios,sign,guest,hard",
						   NULL }),
		  0);
	CHECK(o.nowb);
	CHECK(o.stats_xattr);
	CHECK(o.nounix);
	CHECK(o.netbios);
	CHECK(o.sign);
	CHECK(o.guest);
	CHECK(o.hard);
	g_free(err);
	opts_free(&o);
}

int main(void)
{
	test_unc_forms();
	test_stats_xattr();
	test_flags_independent();
	test_validation();
	test_credentials();
	test_scrub();
	CHECK_DONE();
}
