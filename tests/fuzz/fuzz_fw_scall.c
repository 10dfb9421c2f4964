/* fuzz_fw_scall.c - libFuzzer harness: the microvisor's secure calls
 * (firmware/core/scall.c, console.c) with hostile arguments, built for the
 * host against the fake port.
 *
 * Input: records of one selector byte and two little-endian words.  A
 * word used as a pointer picks, by its top two bits: the app's writable
 * buffer, its read-only buffer (both registered as non-secure, offsets
 * from 32 bytes before to past the end), an address near the top of the
 * address space (wrap), or secure memory.  Oracles: secure memory and the
 * read-only buffer never change; a call that fails leaves the app's
 * memory as it was (no partial write on an error path).
 *
 * Covers: firmware/core/scall.c firmware/core/console.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fake_port.h"
#include "mv/port.h"

#define NS_SIZE 4096u

static uint8_t ns_rw[NS_SIZE], ns_ro[NS_SIZE], secure[NS_SIZE];
static const uint8_t *in;
static size_t in_len, in_pos;

static uint32_t word(void)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < 4u; i++)
		v |= (uint32_t)(in_pos < in_len ? in[in_pos++] : 0u) << (8u * i);
	return v;
}

static void *pointer(uint32_t v)
{
	uint32_t off = v & 0x1fffu;
	switch (v >> 30) {
	case 0:
		return v == 0u ? NULL : (void *)((uintptr_t)ns_rw + off - 32u);
	case 1:
		return (void *)((uintptr_t)ns_ro + off - 32u);
	case 2:
		return (void *)(UINTPTR_MAX - off);
	default:
		return secure + (off % NS_SIZE);
	}
}

static void calls(void)
{
	static uint8_t before[NS_SIZE];
	while (in_pos < in_len) {
		uint8_t op = in[in_pos++];
		uint32_t a = word(), b = word();
		int32_t r = 0;
		memcpy(before, ns_rw, sizeof before);
		switch (op % 5u) {
		case 0:
			r = mv_scall_info(pointer(a), b);
			break;
		case 1:
			r = mv_scall_log(pointer(a), b);
			break;
		case 2: {
			/* the limit is 60000 ms; the fake port's time passes one
			 * tick per wait, so a valid wait loops ms times: keep the
			 * invalid values and the last few valid ones as they are,
			 * and bring the rest under 64 */
			uint32_t ms = b;
			if (ms > 64u && ms < 60000u - 8u)
				ms %= 64u;
			r = mv_scall_wait(ms);
			break;
		}
		case 3:
			r = mv_scall_restart(b);
			break;
		default:
			r = mv_scall_exit(b); /* returns only on error */
			break;
		}
		if (r < 0 && memcmp(before, ns_rw, sizeof before) != 0)
			abort();
		for (unsigned i = 0; i < NS_SIZE; i++)
			if (secure[i] != 0xa5u || ns_ro[i] != 0x5au)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fake_reset();
	memset(ns_rw, 0, sizeof ns_rw);
	memset(ns_ro, 0x5a, sizeof ns_ro);
	memset(secure, 0xa5, sizeof secure);
	fake_ns_region(ns_rw, sizeof ns_rw, 1);
	fake_ns_region(ns_ro, sizeof ns_ro, 0);
	in = data;
	in_len = size;
	in_pos = 0;
	fake_run(calls);
	return 0;
}
