/* header.c - the app header of an installed bundle (mvu.h): what the
 * device's installer and `mvbuild flash` write after the app layer, from
 * the bundle's manifest and app layer entry alone. */
#include "mvu.h"
#include "mvb/le.h" /* freestanding too */

#define MASK_WORDS (MVB_APPHDR_PERIPH_WORDS + MVB_APPHDR_IRQ_WORDS)
_Static_assert(offsetof(struct mvb_bundle_manifest, bm_irq_mask) ==
                       offsetof(struct mvb_bundle_manifest, bm_periph_mask) + 4u * MVB_APPHDR_PERIPH_WORDS &&
               0x20u + 4u * MASK_WORDS == 0x48u, "the masks: one run of words in the manifest and at 0x20-0x47");

/* One store where the target takes unaligned little-endian words (le.h),
 * four byte stores elsewhere. */
static void put32(uint8_t *o, uint32_t v)
{
	mvb_set_le32(o, v);
}

void mvu_app_header(const struct mvb_bundle_manifest *m, const struct mvb_bundle_layer *app,
                    uint8_t out[MVB_APPHDR_SIZE], mvu_crc32_fn *crc)
{
	/* every byte written once, in order: no zeroing pass first, which a
	 * compiler may turn into a memset call the firmware need not have.
	 * 0x00-0x1f: magic, format and size, version, counter, minimum ABI,
	 * target, size, flags; then the peripheral and
	 * interrupt masks, which follow each other in the manifest too. */
	put32(out, MVB_APPHDR_MAGIC);
	put32(out + 0x04, MVB_APPHDR_FORMAT | MVB_APPHDR_SIZE << 16);
	put32(out + 0x08, m->bm_app_version);
	put32(out + 0x0c, m->bm_security_counter);
	put32(out + 0x10, m->bm_min_abi);
	put32(out + 0x14, app->bl_target_addr);
	put32(out + 0x18, app->bl_size);
	put32(out + 0x1c, m->bm_flags);
	const uint32_t *mask = (const uint32_t *)(const void *)((const uint8_t *)m +
	                                                        offsetof(struct mvb_bundle_manifest, bm_periph_mask));
	for (uint32_t i = 0; i < MASK_WORDS; i++)
		put32(out + 0x20 + 4u * i, mask[i]);
	for (uint32_t i = 0; i < 32u; i++)
		out[0x48 + i] = app->bl_sha256[i];
	/* the name up to its first NUL, then NULs: the header is NUL-padded
	 * whatever follows a NUL in the manifest */
	uint8_t c = 1;
	for (uint32_t i = 0; i < MVB_APPHDR_NAME_MAX; i++) {
		if (c != 0u)
			c = (uint8_t)m->bm_app_name[i];
		out[0x68 + i] = c;
	}
	put32(out + 0x88, m->bm_watchdog_ms);
	put32(out + 0x8c, m->bm_update_defer_ms);
	put32(out + 0x90, m->bm_trial_ms);
	for (uint32_t i = 0x94; i < 0xfc; i += 4u)
		put32(out + i, 0);
	put32(out + 0xfc, crc(0, out, 0xfc));
}
