/* fuzz_board.c - libFuzzer harness: board manifest parser and generators.
 *
 * Covers: src/core/board.c src/core/yaml.c src/core/gen.c
 */
#include <stddef.h>
#include <stdint.h>
#include "mvb/board.h"
#include "mvb/gen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mvb_board b;
	struct mvb_diags d = MVB_DIAGS_INIT;
	if (mvb_board_parse(&b, "fuzz.yaml", data, size, &d) == 0) {
		struct mvb_buf o = MVB_BUF_INIT;
		mvb_gen_header(&b, &o);
		mvb_gen_ld(&b, &o);
		mvb_buf_release(&o);
	}
	mvb_board_release(&b);
	mvb_diags_release(&d);
	return 0;
}
