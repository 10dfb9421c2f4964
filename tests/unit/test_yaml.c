/* test_yaml.c - the strict YAML layer: what it rejects, where it says so,
 * and how numbers are read. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "yaml_int.h"

struct ycase {
	const char *name, *text, *id;
	unsigned line, col; /* 0: not checked */
};

static const struct ycase cases[] = {
	{ "syntax", "a: [1, 2\nb: 3\n", "yaml-syntax", 0, 0 },
	{ "tab indent", "a:\n\tb: 1\n", "yaml-syntax", 2, 1 },
	{ "duplicate key", "a: 1\nb: 2\na: 3\n", "yaml-duplicate-key", 3, 1 },
	{ "duplicate nested", "m:\n  x: 1\n  x: 2\n", "yaml-duplicate-key", 3, 3 },
	{ "anchor", "a: &x 1\nb: 2\n", "yaml-alias", 1, 4 },
	{ "alias", "a: 1\nb: *x\n", "yaml-alias", 2, 4 },
	{ "alias cycle", "a: &a [*a]\n", "yaml-alias", 1, 4 },
	{ "tag", "a: !!str 1\n", "yaml-tag", 1, 4 },
	{ "custom tag", "a: !mine 1\n", "yaml-tag", 1, 4 },
	{ "two documents", "a: 1\n---\nb: 2\n", "yaml-documents", 2, 1 },
	{ "complex key", "? [1, 2]\n: 3\n", "yaml-type", 1, 3 },
	{ "empty", "", "yaml-type", 1, 1 },
	{ "too deep", "a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n", "yaml-limit", 1, 0 },
	{ "bad utf8", "a: \xff\xfe\n", "yaml-syntax", 0, 0 },
};

static void test_rejects(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ycase *c = &cases[i];
		struct mvb_diags d = MVB_DIAGS_INIT;
		struct ycx cx = { "t.yaml", &d };
		struct ydoc doc;
		print_message("case %s\n", c->name);
		int rc = mvb_yaml_load(&cx, c->text, strlen(c->text), &doc);
		assert_int_equal(rc, 1);
		assert_null(doc.root);
		tu_expect_id(&d, c->id);
		const struct mvb_diag *g = mvb_diags_find(&d, (enum mvb_check)mvb_check_by_id(c->id));
		if (c->line)
			assert_int_equal(g->line, c->line);
		if (c->col)
			assert_int_equal(g->col, c->col);
		assert_string_equal(g->file, "t.yaml");
		mvb_diags_release(&d);
	}
}

/* Repeated keys among many: each repeat in file order, with the line of
 * the key's first use (the keys are sorted to find them, not compared in
 * pairs: 45,000 keys took seconds). */
static void test_many_keys(void **state)
{
	(void)state;
	const unsigned n = 40000;
	struct mvb_buf t = MVB_BUF_INIT;
	for (unsigned i = 0; i < n; i++) {
		/* line i+1 holds key i; lines 30001 and 40000 repeat keys 7 and
		 * 29999, line 35001 repeats 7 again */
		unsigned k = i == 30000 || i == 35000 ? 7 : i == n - 1 ? 29999 : i;
		mvb_buf_printf(&t, "key%u: %u\n", k, i);
	}
	struct mvb_diags d = MVB_DIAGS_INIT;
	struct ycx cx = { "t.yaml", &d };
	struct ydoc doc;
	assert_int_equal(mvb_yaml_load(&cx, t.data, t.len, &doc), 1);
	assert_int_equal(d.n, 3);
	static const unsigned line[] = { 30001, 35001, 40000 }, first[] = { 8, 8, 30000 };
	for (unsigned i = 0; i < 3; i++) {
		char hint[64];
		snprintf(hint, sizeof(hint), "first defined at line %u", first[i]);
		assert_int_equal(d.v[i].check, MVB_CK_YAML_DUPLICATE_KEY);
		assert_int_equal(d.v[i].line, line[i]);
		assert_string_equal(d.v[i].hint, hint);
	}
	mvb_diags_release(&d);
	mvb_buf_release(&t);
}

static void test_tree(void **state)
{
	(void)state;
	const char *t = "a: 1\nlist:\n  - x\n  - {k: v}\n";
	struct mvb_diags d = MVB_DIAGS_INIT;
	struct ycx cx = { "t.yaml", &d };
	struct ydoc doc;
	assert_int_equal(mvb_yaml_load(&cx, t, strlen(t), &doc), 0);
	assert_int_equal(doc.root->kind, YN_MAP);
	const struct ynode *l = y_get(doc.root, "list");
	assert_non_null(l);
	assert_int_equal(l->kind, YN_SEQ);
	assert_int_equal(l->n, 2);
	assert_int_equal(l->kids[1]->line, 4);
	assert_int_equal(l->kids[1]->col, 5);
	assert_string_equal(y_get(l->kids[1], "k")->str, "v");
	assert_null(y_get(doc.root, "missing"));
	mvb_yaml_free(&doc);
	assert_int_equal(d.n, 0);
}

struct ncase {
	const char *text;
	int ok;
	uint32_t value;
	const char *id;
};

static void test_numbers(void **state)
{
	(void)state;
	static const struct ncase n[] = {
		{ "0", 1, 0, NULL },
		{ "4096", 1, 4096, NULL },
		{ "0x1000", 1, 0x1000, NULL },
		{ "0X1f", 1, 0x1f, NULL },
		{ "4KiB", 1, 4096, NULL },
		{ "2MiB", 1, 2u << 20, NULL },
		{ "1GiB", 1, 1u << 30, NULL },
		{ "4294967295", 1, 0xffffffffu, NULL },
		{ "4294967296", 0, 0, "yaml-range" }, /* a number, too large: like 4GiB */
		{ "4GiB", 0, 0, "yaml-range" },
		{ "0x100000000", 0, 0, "yaml-range" },
		{ "99999999999999999999999999", 0, 0, "yaml-range" }, /* past 64 bits too */
		{ "0xfffffffffffffffffffffMiB", 0, 0, "yaml-range" },
		{ "12kb", 0, 0, "yaml-type" },
		{ "-1", 0, 0, "yaml-type" },
		{ "0x", 0, 0, "yaml-type" },
		{ "'12'", 0, 0, "yaml-type" },
		{ "1.5", 0, 0, "yaml-type" },
		{ "[1]", 0, 0, "yaml-type" },
	};
	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		char text[64];
		snprintf(text, sizeof(text), "v: %s\n", n[i].text);
		struct mvb_diags d = MVB_DIAGS_INIT;
		struct ycx cx = { "n.yaml", &d };
		struct ydoc doc;
		print_message("number %s\n", n[i].text);
		assert_int_equal(mvb_yaml_load(&cx, text, strlen(text), &doc), 0);
		uint32_t v = 7;
		int rc = y_u32(&cx, y_get(doc.root, "v"), "v", 0, 0xffffffffu, &v);
		if (n[i].ok) {
			assert_int_equal(rc, 0);
			assert_int_equal(v, n[i].value);
		} else {
			assert_int_not_equal(rc, 0);
			tu_expect_id(&d, n[i].id);
			assert_int_equal(d.v[0].line, 1);
			assert_int_equal(d.v[0].col, 4);
		}
		mvb_yaml_free(&doc);
		mvb_diags_release(&d);
	}
}

static void test_keys_suggest(void **state)
{
	(void)state;
	const char *t = "nmae: x\nsize: 1\n";
	struct mvb_diags d = MVB_DIAGS_INIT;
	struct ycx cx = { "k.yaml", &d };
	struct ydoc doc;
	assert_int_equal(mvb_yaml_load(&cx, t, strlen(t), &doc), 0);
	static const char *const allowed[] = { "name", "size", NULL };
	static const char *const req[] = { "name", NULL };
	assert_int_not_equal(y_keys(&cx, doc.root, "thing", allowed, req), 0);
	tu_expect_id(&d, "yaml-unknown-key");
	tu_expect_id(&d, "yaml-missing-key");
	const struct mvb_diag *g = mvb_diags_find(&d, MVB_CK_YAML_UNKNOWN_KEY);
	assert_non_null(g->hint);
	assert_non_null(strstr(g->hint, "'name'"));
	mvb_yaml_free(&doc);
	mvb_diags_release(&d);
}

static void test_control_chars_in_messages(void **state)
{
	(void)state;
	const char *t = "\"a\\x01b\": 1\n";
	struct mvb_diags d = MVB_DIAGS_INIT;
	struct ycx cx = { "c.yaml", &d };
	struct ydoc doc;
	assert_int_equal(mvb_yaml_load(&cx, t, strlen(t), &doc), 0);
	static const char *const allowed[] = { "name", NULL };
	y_keys(&cx, doc.root, "thing", allowed, NULL);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.v[0].message, "a?b"));
	mvb_yaml_free(&doc);
	mvb_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_keys_suggest),
		cmocka_unit_test(test_control_chars_in_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
