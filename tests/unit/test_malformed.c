/* test_malformed.c - the malformed-input corpus (tests/data/malformed/):
 * each file in expect.txt must be rejected with its class's check id, at
 * the named file offset (ELF) or line (YAML); the bases ("ok") must be
 * accepted, so each class is one change away from an accepted input.
 * ELF files go through the reader and, when they parse, every check
 * against mps2-an505; board manifests through the board parser; app
 * manifests through the parser and resolution against the base board;
 * secure entry tables through their parser. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "mvb/api.h"
#include "mvb/app.h"
#include "mvb/check.h"

#define DIR "tests/data/malformed/"

static const char *check_id(const struct mvb_diag *g)
{
	return mvb_check_info(g->check)->id;
}

static void judge(const char *path, unsigned char *data, size_t len, struct mvb_diags *d)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t n = strlen(path);
	if (n > 4 && !strcmp(path + n - 4, ".elf")) {
		struct mvb_elf e;
		if (mvb_elf_parse(&e, path, data, len, d) == 0) {
			struct mvb_board b;
			tu_board(&b, "mps2-an505");
			struct mvb_check_in in = { &e, path, &b, NULL, NULL, NULL };
			struct mvb_check_out out;
			mvb_check_run(&in, &out, d);
			mvb_board_release(&b);
		}
		mvb_elf_release(&e);
	} else if (!strncmp(base, "board-", 6)) {
		struct mvb_board b;
		mvb_board_parse(&b, path, data, len, d);
		mvb_board_release(&b);
	} else if (!strncmp(base, "app-", 4)) {
		struct mvb_app a;
		if (mvb_app_parse(&a, path, data, len, d) == 0) {
			size_t bl;
			char *bt = tu_read(DIR "yaml/board-base.yaml", &bl);
			struct mvb_board b;
			struct mvb_diags bd = MVB_DIAGS_INIT;
			assert_int_equal(mvb_board_parse(&b, "board-base.yaml", bt, bl, &bd), 0);
			struct mvb_grant g;
			mvb_app_resolve(&a, &b, path, &g, d);
			mvb_board_release(&b);
			mvb_diags_release(&bd);
			free(bt);
		}
	} else if (!strncmp(base, "api-", 4)) {
		struct mvb_api api;
		mvb_api_parse(&api, path, data, len, d);
	} else {
		fail_msg("%s: no parser for this kind of file", path);
	}
}

static void test_corpus(void **state)
{
	(void)state;
	size_t tl;
	char *table = tu_read(DIR "expect.txt", &tl);
	unsigned nelf = 0, nyaml = 0, nok = 0, failures = 0;
	char *save = NULL;
	for (char *line = strtok_r(table, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		char file[128], id[64], where[32] = "";
		int f = sscanf(line, "%127s %63s %31s", file, id, where);
		assert_true(f >= 2);
		char path[200];
		snprintf(path, sizeof(path), DIR "%s", file);
		size_t len;
		char *data = tu_read(path, &len);
		struct mvb_diags d = MVB_DIAGS_INIT;
		judge(file, (unsigned char *)data, len, &d);
		int ok;
		if (!strcmp(id, "ok")) {
			ok = d.errors == 0;
			nok++;
		} else {
			ok = 0;
			for (size_t i = 0; i < d.n && !ok; i++) {
				const struct mvb_diag *g = &d.v[i];
				if (g->severity != MVB_SEV_ERROR || strcmp(check_id(g), id))
					continue;
				if (where[0] == '@')
					ok = g->has_offset && g->offset == strtoull(where + 1, NULL, 0);
				else if (where[0] == ':')
					ok = g->line == strtoul(where + 1, NULL, 10);
				else
					ok = 1;
			}
			if (strstr(file, ".elf"))
				nelf++;
			else
				nyaml++;
		}
		if (!ok) {
			printf("FAIL %s: want %s %s, got:\n", file, id, where);
			tu_print(&d);
			failures++;
		}
		mvb_diags_release(&d);
		free(data);
	}
	free(table);
	printf("malformed: %u ELF and %u YAML classes rejected as expected, %u bases accepted\n", nelf, nyaml, nok);
	assert_int_equal(failures, 0);
	/* the corpus the hardening goals ask for (B3, B4) is all there */
	assert_true(nelf >= 20);
	assert_true(nyaml >= 30);
	assert_int_equal(nok, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
