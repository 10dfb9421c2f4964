/* fuzz_app.c - libFuzzer harness: app manifest and secure entry table;
 * an app manifest that parses is resolved against the default board (its
 * peripherals and IRQs granted or refused), the board coming from the
 * path in MVB_FUZZ_BOARD (set by scripts/fuzz.sh and CTest).
 *
 * Covers: src/core/app.c src/core/api.c src/core/yaml.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "mvb/api.h"
#include "mvb/app.h"
#include "mvb/board.h"

static struct mvb_board board;

static void load_board(void)
{
	static int have;
	if (have)
		return;
	const char *p = getenv("MVB_FUZZ_BOARD");
	FILE *f = p ? fopen(p, "rb") : NULL;
	if (!f) {
		fprintf(stderr, "fuzz_app: set MVB_FUZZ_BOARD to a board manifest\n");
		abort();
	}
	static char text[1 << 16];
	size_t n = fread(text, 1, sizeof(text), f);
	fclose(f);
	struct mvb_diags d = MVB_DIAGS_INIT;
	if (mvb_board_parse(&board, p, text, n, &d))
		abort();
	mvb_diags_release(&d);
	have = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load_board();
	struct mvb_app a;
	struct mvb_api api;
	struct mvb_diags d = MVB_DIAGS_INIT;
	if (mvb_app_parse(&a, "app.yaml", data, size, &d) == 0) {
		struct mvb_grant g;
		mvb_app_resolve(&a, &board, "app.yaml", &g, &d);
	}
	mvb_api_parse(&api, "mv_api.yaml", data, size, &d);
	mvb_diags_release(&d);
	return 0;
}
