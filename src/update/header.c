/* header.c - the app header of an installed bundle (mvu.h): what the
 * device's installer and `mvbuild flash` write after the app layer, from
 * the bundle's manifest and app layer entry alone. */
#include "mvu.h"

_Static_assert(8u + MVB_APPHDR_PERIPH_WORDS + MVB_APPHDR_IRQ_WORDS == 18u, "app header words 0x00-0x47");

static void put32(uint8_t *o, uint32_t v)
{
	o[0] = (uint8_t)v;
	o[1] = (uint8_t)(v >> 8);
	o[2] = (uint8_t)(v >> 16);
	o[3] = (uint8_t)(v >> 24);
}

void mvu_app_header(const struct mvb_bundle_manifest *m, const struct mvb_bundle_layer *app,
                    uint8_t out[MVB_APPHDR_SIZE], mvu_crc32_fn *crc)
{
	/* every byte written once, in order: no zeroing pass first, which a
	 * compiler may turn into a memset call the firmware need not have.
	 * 0x00-0x47 are 18 words: magic, format and size, version, counter,
	 * minimum ABI, target, size, flags (none defined), the peripheral and
	 * interrupt masks. */
	uint32_t w[18];
	w[0] = MVB_APPHDR_MAGIC;
	w[1] = MVB_APPHDR_FORMAT | MVB_APPHDR_SIZE << 16;
	w[2] = m->bm_app_version;
	w[3] = m->bm_security_counter;
	w[4] = m->bm_min_abi;
	w[5] = app->bl_target_addr;
	w[6] = app->bl_size;
	w[7] = 0;
	for (uint32_t i = 0; i < MVB_APPHDR_PERIPH_WORDS; i++)
		w[8 + i] = m->bm_periph_mask[i];
	for (uint32_t i = 0; i < MVB_APPHDR_IRQ_WORDS; i++)
		w[8 + MVB_APPHDR_PERIPH_WORDS + i] = m->bm_irq_mask[i];
	for (uint32_t i = 0; i < 18u; i++)
		put32(out + 4u * i, w[i]);
	for (uint32_t i = 0; i < 32u; i++)
		out[0x48 + i] = app->bl_sha256[i];
	/* the name up to its first NUL, then NULs: the header is NUL-padded
	 * whatever follows a NUL in the manifest */
	int ended = 0;
	for (uint32_t i = 0; i < MVB_APPHDR_NAME_MAX; i++) {
		ended = ended || m->bm_app_name[i] == '\0';
		out[0x68 + i] = ended ? 0u : (uint8_t)m->bm_app_name[i];
	}
	put32(out + 0x88, m->bm_watchdog_ms);
	put32(out + 0x8c, m->bm_update_defer_ms);
	for (uint32_t i = 0x90; i < 0xfc; i++)
		out[i] = 0;
	put32(out + 0xfc, crc(0, out, 0xfc));
}
