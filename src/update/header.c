/* header.c - the app header of an installed bundle (mvu.h): what the
 * device's installer and `mvbuild flash` write after the app layer, from
 * the bundle's manifest and app layer entry alone. */
#include "mvu.h"

static void put16(uint8_t *o, uint32_t v)
{
	o[0] = (uint8_t)v;
	o[1] = (uint8_t)(v >> 8);
}

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
	 * compiler may turn into a memset call the firmware need not have */
	put32(out + 0x00, MVB_APPHDR_MAGIC);
	put16(out + 0x04, MVB_APPHDR_FORMAT);
	put16(out + 0x06, MVB_APPHDR_SIZE);
	put32(out + 0x08, m->bm_app_version);
	put32(out + 0x0c, m->bm_security_counter);
	put32(out + 0x10, m->bm_min_abi);
	put32(out + 0x14, app->bl_target_addr);
	put32(out + 0x18, app->bl_size);
	put32(out + 0x1c, 0); /* ah_flags: none defined */
	for (uint32_t i = 0; i < MVB_APPHDR_PERIPH_WORDS; i++)
		put32(out + 0x20 + 4u * i, m->bm_periph_mask[i]);
	for (uint32_t i = 0; i < MVB_APPHDR_IRQ_WORDS; i++)
		put32(out + 0x28 + 4u * i, m->bm_irq_mask[i]);
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
