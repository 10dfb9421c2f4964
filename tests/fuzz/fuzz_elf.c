/* fuzz_elf.c - libFuzzer harness: ELF reader, then every check against the
 * default board when the ELF parses.  The board comes from the path in
 * MVB_FUZZ_BOARD (set by scripts/fuzz.sh).
 *
 * Covers: src/core/elf.c src/core/check.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "mvb/check.h"
#include "mvb/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct mvb_board *board = fuzz_board();
	/* an exact-size private copy: libelf wants writable memory, and any
	 * read past the end is caught */
	unsigned char *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	struct mvb_elf e;
	struct mvb_diags d = MVB_DIAGS_INIT;
	if (mvb_elf_parse(&e, "fuzz.elf", copy, size, &d) == 0) {
		struct mvb_app app;
		int have_app = 0;
		if (e.app_manifest) {
			struct mvb_diags ad = MVB_DIAGS_INIT;
			have_app = mvb_app_parse(&app, "embedded", e.app_manifest, e.app_manifest_len, &ad) == 0;
			mvb_diags_release(&ad);
		}
		struct mvb_check_in in = { &e, "fuzz.elf", board, have_app ? &app : NULL, "embedded", NULL };
		struct mvb_check_out out;
		mvb_check_run(&in, &out, &d);
		struct mvb_buf img = MVB_BUF_INIT;
		mvb_app_image(&e, board, &img);
		mvb_buf_release(&img);
	}
	mvb_elf_release(&e);
	mvb_diags_release(&d);
	free(copy);
	return 0;
}
