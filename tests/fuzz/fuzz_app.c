/* fuzz_app.c - libFuzzer harness: app manifest and secure entry table;
 * an app manifest that parses is resolved against the default board (its
 * peripherals and IRQs granted or refused), the board coming from the
 * path in MVB_FUZZ_BOARD (set by scripts/fuzz.sh and CTest).
 *
 * Covers: src/core/app.c src/core/api.c src/core/yaml.c
 */
#include <stddef.h>
#include <stdint.h>
#include "harness.h"
#include "mvb/api.h"
#include "mvb/app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mvb_app a;
	struct mvb_api api;
	struct mvb_diags d = MVB_DIAGS_INIT;
	if (mvb_app_parse(&a, "app.yaml", data, size, &d) == 0) {
		struct mvb_grant g;
		mvb_app_resolve(&a, fuzz_board(), "app.yaml", &g, &d);
	}
	mvb_api_parse(&api, "mv_api.yaml", data, size, &d);
	mvb_diags_release(&d);
	return 0;
}
