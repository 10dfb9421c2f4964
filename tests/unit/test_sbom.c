/* test_sbom.c - the bundle's SBOM (src/core/sbom.c): the document names
 * what it was given and reads back to the bundle it names; equal input
 * gives equal bytes; strings from an ELF cannot break out of theirs; a
 * table of documents the reader refuses, each with its id and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mvb/app_header.h"
#include "mvb/sbom.h"
#include "mvb/status.h"
#include "testutil.h"

static void fill(struct mvb_sbom *s)
{
	memset(s, 0, sizeof(*s));
	s->tool_version = "9.8.7";
	snprintf(s->board, sizeof(s->board), "mps2-an505");
	snprintf(s->app, sizeof(s->app), "hello");
	s->app_version = MVB_VERSION_PACK(1, 2, 3);
	s->security_counter = 7;
	s->min_abi = MVB_ABI_PACK(1, 1);
	s->size = 11266;
	memset(s->sha256, 0xab, 32);
	memset(s->signed_sha256, 0x11, 32);
	s->nkeys = 2;
	memset(s->key_id[0], 0xd7, 8);
	memset(s->key_id[1], 0x01, 8);
	s->mv.present = s->appl.present = 1;
	s->mv.addr = 0x10000000;
	s->mv.size = 127104;
	s->mv.encoding = MVB_ENC_DEFLATE;
	memset(s->mv.sha256, 0x41, 32);
	s->appl.addr = 0x00200000;
	s->appl.size = 1148;
	s->appl.encoding = MVB_ENC_DELTA;
	memset(s->appl.sha256, 0xa0, 32);
	memset(s->appl.base_sha256, 0xbb, 32);
	s->have_mv_version = 1;
	s->mv_version = MVB_VERSION_PACK(0, 1, 0);
	s->ntools = 1;
	snprintf(s->tool[0], sizeof(s->tool[0]), "GCC: (15:12.2.rel1-1) 12.2.1 20221205");
}

static char *doc_of(const struct mvb_sbom *s, struct mvb_buf *b)
{
	mvb_buf_init(b, MVB_BUF_DEFAULT_MAX);
	assert_int_equal(mvb_sbom_write(s, b), 0);
	return (char *)b->data;
}

static void test_names_what_it_was_given(void **st)
{
	(void)st;
	struct mvb_sbom s;
	struct mvb_buf b;
	fill(&s);
	const char *t = doc_of(&s, &b);
	const char *want[] = {
		"\"bomFormat\": \"CycloneDX\"", "\"specVersion\": \"1.5\"", "\"version\": \"9.8.7\"",
		"\"bom-ref\": \"bundle\"", "\"version\": \"1.2.3\"", "\"version\": \"0.1.0\"",
		"\"content\": \"abababababababababababababababababababababababababababababababab\"",
		"\"value\": \"d7d7d7d7d7d7d7d7\"", "\"value\": \"0101010101010101\"", "\"value\": \"0x10000000\"",
		"\"value\": \"delta\"", "\"value\": \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"",
		"\"value\": \"GCC: (15:12.2.rel1-1) 12.2.1 20221205\"", "\"name\": \"mps2-an505\"",
		"\"value\": \"7\"", "\"value\": \"1.1\"",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(t, want[i]))
			fail_msg("missing %s", want[i]);
	/* no time unless the bundle records one, and then that one */
	assert_null(strstr(t, "timestamp"));
	assert_null(strstr(t, "serialNumber"));
	mvb_buf_release(&b);
	s.build_time = 1700000000;
	t = doc_of(&s, &b);
	assert_non_null(strstr(t, "\"timestamp\": \"2023-11-14T22:13:20Z\""));
	mvb_buf_release(&b);
	/* a microvisor of unknown version has none */
	s.have_mv_version = 0;
	t = doc_of(&s, &b);
	assert_null(strstr(t, "\"version\": \"0.1.0\""));
	mvb_buf_release(&b);
}

static void test_deterministic_and_read_back(void **st)
{
	(void)st;
	struct mvb_sbom s;
	struct mvb_buf a, b;
	fill(&s);
	doc_of(&s, &a);
	doc_of(&s, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	uint8_t sha[32];
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_sbom_read("x.json", a.data, a.len, sha, &d), 0);
	tu_print(&d);
	assert_int_equal(d.n, 0);
	assert_memory_equal(sha, s.sha256, 32);
	mvb_buf_release(&a);
	mvb_buf_release(&b);
}

/* An ELF's .comment is the linker's, i.e. anyone's: quotes, backslashes
 * and control bytes stay inside the JSON string. */
static void test_hostile_strings(void **st)
{
	(void)st;
	struct mvb_sbom s;
	struct mvb_buf b;
	fill(&s);
	snprintf(s.tool[0], sizeof(s.tool[0]), "a\"b\\c\x01\x1f\x7f");
	snprintf(s.app, sizeof(s.app), "\"}]");
	const char *t = doc_of(&s, &b);
	assert_non_null(strstr(t, "\"a\\\"b\\\\c\\u0001\\u001f\\u007f\""));
	assert_non_null(strstr(t, "\"name\": \"\\\"}]\""));
	uint8_t sha[32];
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_sbom_read("x.json", b.data, b.len, sha, &d), 0);
	assert_memory_equal(sha, s.sha256, 32);
	mvb_buf_release(&b);
	mvb_diags_release(&d);
}

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
struct bad {
	const char *what, *text, *id;
	unsigned line;
};
static const struct bad bads[] = {
	{ "not JSON", "{\n\"a\": ]", "yaml-syntax", 2 },
	{ "an array", "[1, 2]", "sbom-format", 1 },
	{ "SPDX", "{\"spdxVersion\": \"SPDX-2.3\"}", "sbom-format", 1 },
	{ "CycloneDX 1.4", "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.4\"}", "sbom-format", 1 },
	{ "a number, not a string", "{\"bomFormat\": \"CycloneDX\", \"specVersion\": 1.5}", "sbom-format", 1 },
	{ "no metadata", "{\"bomFormat\": \"CycloneDX\",\n \"specVersion\": \"1.5\"}", "sbom-format", 1 },
	{ "no component", "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\",\n \"metadata\": {}}", "sbom-format", 2 },
	{ "no hashes", "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\",\n \"metadata\": {\"component\": {}}}",
	  "sbom-format", 2 },
	{ "SHA-1 only",
	  "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\", \"metadata\": {\"component\":\n"
	  " {\"hashes\": [{\"alg\": \"SHA-1\", \"content\": \"00\"}]}}}",
	  "sbom-format", 2 },
	{ "uppercase hex",
	  "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\", \"metadata\": {\"component\":\n"
	  " {\"hashes\": [\n{\"alg\": \"SHA-256\", \"content\": \"" "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef" "\"}]}}}",
	  "sbom-format", 3 },
	{ "a key twice",
	  "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\",\n\"bomFormat\": \"CycloneDX\"}", "yaml-duplicate-key", 2 },
};

static void test_refused(void **st)
{
	(void)st;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		uint8_t sha[32];
		struct mvb_diags d = MVB_DIAGS_INIT;
		int rc = mvb_sbom_read("x.json", bads[i].text, strlen(bads[i].text), sha, &d);
		if (rc != MVB_EINPUT || !d.errors)
			fail_msg("%s: accepted", bads[i].what);
		tu_expect_id(&d, bads[i].id);
		if (d.v[0].line != bads[i].line)
			fail_msg("%s: line %u, want %u", bads[i].what, d.v[0].line, bads[i].line);
		mvb_diags_release(&d);
	}
	/* the smallest one that names a bundle */
	const char *ok = "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\", \"metadata\": {\"component\":"
			 " {\"hashes\": [{\"alg\": \"MD5\", \"content\": \"x\"}, {\"alg\": \"SHA-256\", \"content\": \"" H64
			 "\"}]}}}";
	uint8_t sha[32];
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_sbom_read("x.json", ok, strlen(ok), sha, &d), 0);
	assert_int_equal(sha[0], 0x01);
	assert_int_equal(sha[31], 0xef);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_what_it_was_given),
		cmocka_unit_test(test_deterministic_and_read_back),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
