/* fuzz_fw_apphdr.c - libFuzzer harness: the microvisor's boot-time
 * validation of the installed-app header and image (firmware/core: header
 * checks, image hash and vectors, peripheral and IRQ grants, the name it
 * prints), built for the host against the fake port.
 *
 * Input: the 256-byte header (short input: the rest reads as erased
 * flash, 0xff), then the image bytes from the start of app flash.  Each
 * input boots up to three times: as given; with the header CRC resealed,
 * so the checks after the CRC are reached; and, when the header then
 * passes, with the image hash made to match, so the vector and grant
 * checks are reached.  Oracle: whenever the core enters the app, the
 * header CRC and image hash really match and the entry lies in the image.
 *
 * Covers: firmware/core/apphdr.c firmware/core/grant.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fake_port.h"
#include "mv/port.h"

static uint8_t input_image[sizeof fake_flash];
static size_t input_image_len;

static void load(const struct mvb_app_header *h)
{
	fake_reset();
	memcpy(fake_flash, input_image, input_image_len);
	fake_header = *h;
}

static void image_digest(const struct mvb_app_header *h, uint8_t out[MV_SHA256_LEN])
{
	struct mv_sha256 c;
	mv_sha256_init(&c);
	mv_sha256_update(&c, mv_port_ns_bytes(h->ah_image_addr, h->ah_image_size), h->ah_image_size);
	mv_sha256_final(&c, out);
}

static void boot(void)
{
	const struct mvb_app_header h = fake_header;
	if (fake_run(mv_start_app) != FAKE_ENTERED)
		return;
	/* Entered: everything the core claims to have checked must hold. */
	uint8_t dg[MV_SHA256_LEN];
	if (h.ah_magic != MVB_APPHDR_MAGIC ||
	    mv_crc32(0, &h, (uint32_t)offsetof(struct mvb_app_header, ah_crc32)) != h.ah_crc32 ||
	    mv_port_ns_bytes(h.ah_image_addr, h.ah_image_size) == NULL)
		abort();
	image_digest(&h, dg);
	if (memcmp(dg, h.ah_image_sha256, sizeof dg) != 0)
		abort();
	uint32_t pc = fake.entry.reset & ~1u;
	if (pc < h.ah_image_addr || pc - h.ah_image_addr >= h.ah_image_size)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mvb_app_header h;
	size_t hl = size < sizeof h ? size : sizeof h;
	memset(&h, 0xff, sizeof h);
	memcpy(&h, data, hl);
	input_image_len = size - hl < sizeof input_image ? size - hl : sizeof input_image;
	memcpy(input_image, data + hl, input_image_len);

	load(&h);
	boot();

	fake_seal_header(&h);
	load(&h);
	boot();

	struct mv_app_limits lim;
	mv_app_limits_board(&lim);
	if (mv_apphdr_check(&h, &lim) == MV_R_NONE) {
		load(&h);
		image_digest(&h, h.ah_image_sha256);
		fake_seal_header(&h);
		fake_header = h;
		boot();
	}
	return 0;
}
