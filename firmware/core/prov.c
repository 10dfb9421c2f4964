/*
 * prov.c - the provisioning record (mvbuild-provision(5)): read once at
 * boot from the board's device-state partition, checked whole (magic,
 * format, size, count, CRC) before any field is believed, and reported.
 * A device without a valid record has no trust anchors: the update client
 * accepts nothing on such a device, and the boot line says so.
 */
#include <mvb/le.h>
#include <mvb/provision.h>

#include "core_int.h"
#include "mv/core.h"
#include "mv/port.h"
#include "mv_board.h"

static uint8_t rec[MVB_PROV_SIZE] MV_BSS_APART(prov_rec);
static uint32_t anchors; /* valid anchors, 0 without a record */

static uint32_t le32(const uint8_t *p)
{
	return mvb_get_le32(p);
}

uint32_t mv_prov_load(void)
{
#ifdef MVB_DEVICE_STATE_S_BASE
	return mv_prov_parse((const volatile uint8_t *)MVB_DEVICE_STATE_S_BASE);
#else
	anchors = 0;
	return MV_PROV_NONE;
#endif
}

uint32_t mv_prov_parse(const volatile uint8_t *src)
{
	anchors = 0;
	for (uint32_t i = 0; i < MVB_PROV_SIZE; i++)
		rec[i] = src[i];
	if (le32(rec) != MVB_PROV_MAGIC || le32(rec + 4) != (MVB_PROV_FORMAT | MVB_PROV_SIZE << 16) ||
	    le32(rec + 8) > MVB_PROV_ANCHORS_MAX ||
	    mv_crc32(0, rec, 0x1fcu) != le32(rec + 0x1fc))
		return MV_PROV_NONE;
	rec[0x10 + MVB_PROV_SERIAL_MAX - 1u] = 0;
	rec[0x150 + MVB_PROV_APP_MAX - 1u] = 0;
	anchors = le32(rec + 8);
	return anchors ? MV_PROV_OK : MV_PROV_NO_ANCHORS;
}

uint32_t mv_prov_anchors(void)
{
	return anchors;
}

const uint8_t *mv_prov_anchor_point(uint32_t i)
{
	return i < anchors ? rec + 0x30 + MVB_PROV_ANCHOR_SIZE * i + 8u : 0;
}

const uint8_t *mv_prov_anchor_id(uint32_t i)
{
	return i < anchors ? rec + 0x30 + MVB_PROV_ANCHOR_SIZE * i : 0;
}

const uint8_t *mv_prov_debug_key(void)
{
	const uint8_t *k = rec + 0x170;

	return anchors && (le32(k) | le32(k + 4)) != 0u ? k : 0;
}

const char *mv_prov_app(void)
{
	return anchors ? (const char *)rec + 0x150 : "";
}

/* Out of line: STATUS and the boot report would each get a copy. */
__attribute__((noinline)) const char *mv_prov_serial(void)
{
	return anchors || rec[0] ? (const char *)rec + 0x10 : "";
}

void mv_prov_report(uint32_t r)
{
	if (r == MV_PROV_NONE) {
		mv_msg(MV_MSGW(MV_M_NOT_PROVISIONED));
		return;
	}
	mv_msg(MV_MSGW(MV_M_PROVISIONED) | MV_MSG_OPEN, mv_prov_serial(), anchors, anchors == 1u ? "" : "s");
	for (uint32_t i = 0; i < anchors; i++) {
		char id[17];
		const uint8_t *k = rec + 0x30 + MVB_PROV_ANCHOR_SIZE * i;

		for (uint32_t j = 0; j < 16u; j++) {
			uint32_t d = (k[j / 2u] >> (j & 1u ? 0u : 4u)) & 15u;

			id[j] = (char)(d < 10u ? '0' + d : 'a' + d - 10u);
		}
		id[16] = 0;
		mv_printf(" %s", id);
	}
	mv_printf("%s\n", r == MV_PROV_NO_ANCHORS ? MV_MSG(MV_M_NO_UPDATE) : ""); /* the line goes on: no tag */
}
