/* fuzz_crash.c - libFuzzer harness: crash records (src/core/crash.c) as
 * 'mvbuild crash get' receives one from a device and 'crash show' reads
 * one from a file: the bytes go to mvb_crash_check as a record and to
 * mvb_crash_from_core as a core file.  Oracles: a record that passes
 * encodes back to its first cr_size bytes; its core is the same bytes
 * every time and gives back the same record; a record out of a core
 * passes the check and round-trips the same way.
 *
 * Covers: src/core/crash.c
 */
#include <stdlib.h>
#include <string.h>
#include "mvb/crashfile.h"

/* c's core gives c back, and the same core twice. */
static void round_trip(const struct mvb_crash *c)
{
	struct mvb_buf core = MVB_BUF_INIT, again = MVB_BUF_INIT;
	struct mvb_crash back;
	char err[200];
	if (mvb_crash_core(c, &core) || mvb_crash_core(c, &again))
		abort();
	if (core.len != again.len || memcmp(core.data, again.data, core.len) != 0)
		abort(); /* not deterministic */
	if (mvb_crash_from_core(core.data, core.len, &back, err, sizeof(err)))
		abort();
	if (memcmp(&back, c, sizeof(back)) != 0)
		abort();
	mvb_buf_release(&core);
	mvb_buf_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mvb_crash c;
	char err[200];
	size_t off = 0;
	if (mvb_crash_check_at(data, size, &c, err, sizeof(err), &off) == 0) {
		struct mvb_buf enc = MVB_BUF_INIT;
		if (mvb_crash_encode(&c, &enc) || enc.len != c.cr_size || memcmp(enc.data, data, enc.len) != 0)
			abort();
		mvb_buf_release(&enc);
		round_trip(&c);
	} else if (off > size || !err[0]) {
		abort(); /* a reason, at a place inside the input (or its end) */
	}
	off = 0;
	if (mvb_crash_from_core_at(data, size, &c, err, sizeof(err), &off) == 0) {
		struct mvb_buf enc = MVB_BUF_INIT;
		if (mvb_crash_encode(&c, &enc) || mvb_crash_check(enc.data, enc.len, NULL, NULL, 0) != 0)
			abort();
		mvb_buf_release(&enc);
		round_trip(&c);
	} else if ((off > size && off != SIZE_MAX) || !err[0]) {
		abort();
	}
	return 0;
}
