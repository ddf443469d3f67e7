/* modemask: learning what a server (Samba's mask and force mode) makes of a
 * chmod, and predicting only what was seen. */
#include <sys/stat.h>

#include "check.h"
#include "modemask.h"

/* A Samba share: create mask 0750, force create mode 0004. */
static mode_t samba(mode_t asked)
{
	return (asked & 0750) | 0004;
}

static void test_learn_predict(void)
{
	struct modemask m = { 0 };
	mode_t got;

	CHECK(!modemask_predict(&m, 0644, &got));
	modemask_learn(&m, 0644, samba(0644));
	/* 0644 was seen bit for bit; 0755 asks bits set (x) never seen set. */
	CHECK(modemask_predict(&m, 0644, &got));
	CHECK_INT(got, samba(0644));
	CHECK(!modemask_predict(&m, 0755, &got));
	modemask_learn(&m, 0755, samba(0755));
	CHECK(modemask_predict(&m, 0755, &got));
	CHECK_INT(got, samba(0755));
	/* Group and other read never asked clear yet. */
	CHECK(!modemask_predict(&m, 0711, &got));
	modemask_learn(&m, 0600, samba(0600));
	/* Every permission bit seen both ways now; the special bits only
	 * asked clear. */
	CHECK(modemask_predict(&m, 0711, &got));
	CHECK_INT(got, samba(0711));
	CHECK(modemask_predict(&m, 0640, &got));
	CHECK_INT(got, samba(0640));
	CHECK(!modemask_predict(&m, 04755, &got));
	modemask_learn(&m, 04755, samba(04755));
	CHECK(modemask_predict(&m, 04700, &got));
	CHECK_INT(got, samba(04700));
	/* Only permission bits count. */
	CHECK(modemask_predict(&m, S_IFREG | 0644, &got));
	CHECK_INT(got, samba(0644));
}

/* A server the model cannot explain is never predicted again. */
static void test_broken(void)
{
	struct modemask m = { 0 };
	mode_t got;

	modemask_learn(&m, 0644, 0644);
	modemask_learn(&m, 0644, 0640); /* o+r kept once, dropped once */
	CHECK(m.broken);
	CHECK(!modemask_predict(&m, 0644, &got));
	modemask_learn(&m, 0644, 0644);
	CHECK(!modemask_predict(&m, 0644, &got));

	struct modemask n = { 0 };
	modemask_learn(&n, 0600, 0600);
	modemask_learn(&n, 0600, 0604); /* o+r clear once, added once */
	CHECK(!modemask_predict(&n, 0600, &got));
}

int main(void)
{
	test_learn_predict();
	test_broken();
	CHECK_DONE();
}
