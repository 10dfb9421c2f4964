/*
 * api.h - the microvisor's secure entry table as the firmware build
 * describes it (firmware/prebuilt/<board>/mv_api.yaml): ABI version, the NSC
 * region, and each entry's name, slot, veneer address and the ABI version
 * that introduced it.  `check` resolves an app's references against it.
 */
#ifndef MVB_API_H
#define MVB_API_H

#include <stdint.h>
#include "mvb/diag.h"

#define MVB_API_MAX_ENTRIES 64

struct mvb_api_entry {
	char name[48];
	unsigned slot;
	uint32_t address; /* veneer address, Thumb bit clear */
	uint32_t since;   /* MVB_ABI_PACK */
};

struct mvb_api {
	char board[32];
	uint32_t abi; /* MVB_ABI_PACK */
	uint32_t nsc_base, nsc_size;
	struct mvb_api_entry e[MVB_API_MAX_ENTRIES];
	unsigned n;
};

int mvb_api_parse(struct mvb_api *api, const char *file, const void *text, size_t len, struct mvb_diags *d);
/* Entry whose veneer starts at addr (Thumb bit ignored), or NULL. */
const struct mvb_api_entry *mvb_api_at(const struct mvb_api *api, uint32_t addr);
/* "MAJOR.MINOR" into MVB_ABI_PACK form; 0 on success. */
int mvb_abi_parse(const char *s, uint32_t *abi);

#endif
