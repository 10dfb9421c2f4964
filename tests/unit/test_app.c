/* test_app.c - app manifests: parsing, versions, and resolution against a
 * board (peripherals and IRQs). */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "mvb/app.h"
#include "mvb/app_header.h"

struct acase {
	const char *name, *text, *id;
	unsigned line;
};

static const struct acase bad[] = {
	{ "schema", "schema: 3\nname: a\nversion: 1.0.0\n", "app-schema", 1 },
	{ "name chars", "schema: 1\nname: a b\nversion: 1.0.0\n", "app-name", 2 },
	{ "name empty", "schema: 1\nname: ''\nversion: 1.0.0\n", "app-name", 2 },
	{ "version form", "schema: 1\nname: a\nversion: 1.0\n", "app-version", 3 },
	{ "version range", "schema: 1\nname: a\nversion: 256.0.0\n", "app-version", 3 },
	{ "version zeros", "schema: 1\nname: a\nversion: 01.0.0\n", "app-version", 3 },
	{ "unknown key", "schema: 1\nname: a\nversion: 1.0.0\nperipheral: [uart1]\n", "yaml-unknown-key", 4 },
	{ "missing version", "schema: 1\nname: a\n", "yaml-missing-key", 1 },
	{ "irq range", "schema: 1\nname: a\nversion: 1.0.0\nirqs: [256]\n", "yaml-range", 4 },
	{ "peripherals type", "schema: 1\nname: a\nversion: 1.0.0\nperipherals: uart1\n", "yaml-type", 4 },
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mvb_app a;
		struct mvb_diags d = MVB_DIAGS_INIT;
		print_message("case %s\n", bad[i].name);
		assert_int_equal(mvb_app_parse(&a, "app.yaml", bad[i].text, strlen(bad[i].text), &d), 1);
		tu_expect_id(&d, bad[i].id);
		assert_int_equal(mvb_diags_find(&d, (enum mvb_check)mvb_check_by_id(bad[i].id))->line, bad[i].line);
		mvb_diags_release(&d);
	}
}

static void test_resolve(void **state)
{
	(void)state;
	struct mvb_board b;
	tu_board(&b, "mps2-an505");
	const char *t = "schema: 1\nname: demo\nversion: 2.3.4\nsecurity-counter: 7\n"
			"peripherals: [uart1, timer0]\nirqs: [34, 3]\n";
	struct mvb_app a;
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_app_parse(&a, "app.yaml", t, strlen(t), &d), 0);
	assert_string_equal(a.name, "demo");
	assert_int_equal(a.major, 2);
	assert_int_equal(a.minor, 3);
	assert_int_equal(a.patch, 4);
	assert_int_equal(a.security_counter, 7);
	struct mvb_grant g;
	assert_int_equal(mvb_app_resolve(&a, &b, "app.yaml", &g, &d), 0);
	size_t iu = (size_t)(mvb_board_peripheral(&b, "uart1") - b.per), it = (size_t)(mvb_board_peripheral(&b, "timer0") - b.per);
	assert_int_equal(g.periph_mask[0], (1u << iu) | (1u << it));
	assert_int_equal(g.irq_mask[1], 1u << (34 - 32));
	assert_int_equal(g.irq_mask[0], 1u << 3);
	assert_int_equal(d.n, 0);

	const char *t2 = "schema: 1\nname: demo\nversion: 1.0.0\nperipherals: [uart7, uart0, uart1]\nirqs: [36]\n";
	assert_int_equal(mvb_app_parse(&a, "app.yaml", t2, strlen(t2), &d), 0);
	assert_int_equal(mvb_app_resolve(&a, &b, "app.yaml", &g, &d), 3);
	tu_expect_id(&d, "periph-unknown");
	tu_expect_id(&d, "periph-not-assignable");
	tu_expect_id(&d, "irq-not-owned");
	assert_int_equal(mvb_diags_find(&d, MVB_CK_PERIPH_UNKNOWN)->line, 4);
	assert_int_equal(mvb_diags_find(&d, MVB_CK_IRQ_NOT_OWNED)->line, 5);
	mvb_diags_release(&d);
	mvb_board_release(&b);
}

static void test_version_parse(void **state)
{
	(void)state;
	unsigned a, b, c;
	assert_int_equal(mvb_version_parse("0.0.0", &a, &b, &c), 0);
	assert_int_equal(mvb_version_parse("255.255.65535", &a, &b, &c), 0);
	assert_int_equal(c, 65535);
	assert_int_not_equal(mvb_version_parse("1.2.3.4", &a, &b, &c), 0);
	assert_int_not_equal(mvb_version_parse("1.2.65536", &a, &b, &c), 0);
	assert_int_not_equal(mvb_version_parse("1..3", &a, &b, &c), 0);
	assert_int_not_equal(mvb_version_parse("v1.2.3", &a, &b, &c), 0);
	assert_int_not_equal(mvb_version_parse("", &a, &b, &c), 0);
}

/* The watchdog deadline: what the manifest may say, and what it gives. */
static const struct {
	const char *text;
	int ok;
	uint32_t ms;
} wd[] = {
	{ "2s", 1, 2000 },	      { "500ms", 1, 500 },	     { "10ms", 1, 10 },
	{ "3600s", 1, 3600000 },      { "3600000ms", 1, 3600000 },   { "9ms", 0, 0 },
	{ "3601s", 0, 0 },	      { "0s", 0, 0 },		     { "2", 0, 0 },
	{ "2 s", 0, 0 },	      { "s", 0, 0 },		     { "-1s", 0, 0 },
	{ "4294967296ms", 0, 0 },     { "5000000s", 0, 0 },	     { "2sec", 0, 0 },
	{ "1.5s", 0, 0 },	      { "1m", 1, 60000 },	     { "1h", 1, 3600000 },
	{ "61m", 0, 0 },	      { "2h", 0, 0 },		     { "1d", 0, 0 },
};

static void test_watchdog(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(wd) / sizeof(wd[0]); i++) {
		char t[160];
		snprintf(t, sizeof(t), "schema: 1\nname: demo\nversion: 1.0.0\nwatchdog: \"%s\"\n", wd[i].text);
		struct mvb_app a;
		struct mvb_diags d = MVB_DIAGS_INIT;
		int rc = mvb_app_parse(&a, "app.yaml", t, strlen(t), &d);
		if (wd[i].ok) {
			if (rc != 0 || a.watchdog_ms != wd[i].ms)
				fail_msg("watchdog '%s': rc %d, %u ms", wd[i].text, rc, a.watchdog_ms);
		} else {
			if (rc == 0)
				fail_msg("watchdog '%s' accepted", wd[i].text);
			tu_expect_id(&d, "yaml-range");
			assert_int_equal(d.v[0].line, 4);
		}
		mvb_diags_release(&d);
	}
	const char *none = "schema: 1\nname: demo\nversion: 1.0.0\n";
	struct mvb_app a;
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_app_parse(&a, "app.yaml", none, strlen(none), &d), 0);
	assert_int_equal(a.watchdog_ms, 0);
}

/* The update deferral: 0 to ten minutes. */
static void test_update_defer(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int ok;
		uint32_t ms;
	} t[] = {
		{ "30s", 1, 30000 }, { "0s", 1, 0 },   { "250ms", 1, 250 }, { "600s", 1, 600000 },
		{ "601s", 0, 0 },    { "600001ms", 0, 0 }, { "30", 0, 0 },  { "-1s", 0, 0 },
		{ "10m", 1, 600000 }, { "11m", 0, 0 },	   { "0m", 1, 0 },  { "1h", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char m[160];
		snprintf(m, sizeof(m), "schema: 1\nname: demo\nversion: 1.0.0\nupdate-defer: \"%s\"\n", t[i].text);
		struct mvb_app a;
		struct mvb_diags d = MVB_DIAGS_INIT;
		int rc = mvb_app_parse(&a, "app.yaml", m, strlen(m), &d);
		if (t[i].ok) {
			if (rc != 0 || a.update_defer_ms != t[i].ms)
				fail_msg("update-defer '%s': rc %d, %u ms", t[i].text, rc, a.update_defer_ms);
		} else {
			if (rc == 0)
				fail_msg("update-defer '%s' accepted", t[i].text);
			tu_expect_id(&d, "yaml-range");
			assert_int_equal(d.v[0].line, 4);
		}
		mvb_diags_release(&d);
	}
}

/* confirm: each form, the default, and each way to get it wrong. */
static const struct {
	const char *extra; /* lines after the required keys */
	const char *id;    /* expected finding, NULL: accepted */
	uint32_t flags, trial_ms;
	unsigned line; /* of the finding */
} cf[] = {
	{ "", NULL, 0, 60000, 0 }, /* absent: after 60s */
	{ "confirm: after 60s\n", NULL, 0, 60000, 0 },
	{ "confirm: after 90s\n", NULL, 0, 90000, 0 },
	{ "confirm: after 1500ms\n", NULL, 0, 1500, 0 },
	{ "confirm: after 2m\n", NULL, 0, 120000, 0 },
	{ "confirm: after 24h\n", NULL, 0, 86400000, 0 },
	{ "confirm: \"after   30s\"\n", NULL, 0, 30000, 0 },
	{ "confirm: explicit within 10m\n", NULL, MVB_APPHDR_F_CONFIRM_EXPLICIT, 600000, 0 },
	{ "confirm: explicit within 1s\n", NULL, MVB_APPHDR_F_CONFIRM_EXPLICIT, 1000, 0 },
	{ "confirm: at-install\n", NULL, 0, 0, 0 },
	/* the default stretches to twice a watchdog of more than 30 s */
	{ "watchdog: 30s\n", NULL, 0, 60000, 0 },
	{ "watchdog: 45s\n", NULL, 0, 90000, 0 },
	{ "watchdog: 3600s\n", NULL, 0, 7200000, 0 },
	/* an explicit deadline may be shorter than the watchdog: missing it
	 * rejects the release anyway */
	{ "watchdog: 5s\nconfirm: explicit within 2s\n", NULL, MVB_APPHDR_F_CONFIRM_EXPLICIT, 2000, 0 },
	{ "watchdog: 5s\nconfirm: after 6s\n", NULL, 0, 6000, 0 },
	{ "watchdog: 5s\nconfirm: at-install\n", NULL, 0, 0, 0 },
	/* errors */
	{ "confirm: later\n", "yaml-enum", 0, 0, 4 },
	{ "confirm: explicit 10s\n", "yaml-enum", 0, 0, 4 },
	{ "confirm: after 10s please\n", "yaml-enum", 0, 0, 4 },
	{ "confirm: at-install 5s\n", "yaml-enum", 0, 0, 4 },
	{ "confirm: \"\"\n", "yaml-enum", 0, 0, 4 },
	{ "confirm: 60s\n", "yaml-enum", 0, 0, 4 },
	{ "confirm: [after, 60s]\n", "yaml-type", 0, 0, 4 },
	{ "confirm: after\n", "yaml-range", 0, 0, 4 },
	{ "confirm: explicit\n", "yaml-range", 0, 0, 4 },
	{ "confirm: explicit within\n", "yaml-range", 0, 0, 4 },
	{ "confirm: after 999ms\n", "yaml-range", 0, 0, 4 },
	{ "confirm: after 0s\n", "yaml-range", 0, 0, 4 },
	{ "confirm: explicit within 86401s\n", "yaml-range", 0, 0, 4 },
	{ "confirm: after 25h\n", "yaml-range", 0, 0, 4 },
	{ "confirm: after 60\n", "yaml-range", 0, 0, 4 },
	{ "confirm: after 1.5s\n", "yaml-range", 0, 0, 4 },
	{ "confirm: after -1s\n", "yaml-range", 0, 0, 4 },
	{ "confirm: after 99999999999h\n", "yaml-range", 0, 0, 4 },
	/* confirmed before the watchdog could catch a hang at the start */
	{ "watchdog: 5s\nconfirm: after 5s\n", "yaml-range", 0, 0, 5 },
	{ "watchdog: 120s\nconfirm: after 60s\n", "yaml-range", 0, 0, 5 },
	{ "unknown: 1\nconfirm: at-install\n", "yaml-unknown-key", 0, 0, 4 },
};

static void test_confirm(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cf) / sizeof(cf[0]); i++) {
		char t[200];
		snprintf(t, sizeof(t), "schema: 1\nname: demo\nversion: 1.0.0\n%s", cf[i].extra);
		struct mvb_app a;
		struct mvb_diags d = MVB_DIAGS_INIT;
		int rc = mvb_app_parse(&a, "app.yaml", t, strlen(t), &d);
		if (!cf[i].id) {
			if (rc != 0 || d.n || a.confirm_flags != cf[i].flags || a.trial_ms != cf[i].trial_ms)
				fail_msg("'%s': rc %d, flags %u, %u ms", cf[i].extra, rc, a.confirm_flags, a.trial_ms);
		} else {
			if (rc == 0)
				fail_msg("'%s' accepted", cf[i].extra);
			assert_int_equal(d.n, 1);
			tu_expect_id(&d, cf[i].id);
			assert_int_equal(d.v[0].line, cf[i].line);
			/* at the value of confirm, or at the unknown key */
			assert_int_equal(d.v[0].col, strncmp(cf[i].extra, "unknown", 7) ? 10 : 1);
		}
		mvb_diags_release(&d);
	}
	/* the app with no manifest gets the default too */
	struct mvb_app a;
	mvb_app_init(&a);
	assert_int_equal(a.trial_ms, MVB_APP_TRIAL_DEFAULT_MS);
	assert_int_equal(a.confirm_flags, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_version_parse),
		cmocka_unit_test(test_watchdog),
		cmocka_unit_test(test_update_defer),
		cmocka_unit_test(test_confirm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
