/*
 * board.h - the board model: memories with their secure and non-secure
 * aliases, the partitioning between microvisor and app, peripherals and
 * their IRQs, and how to reach the board.  The single source of the memory
 * map: `check` validates against it and `gen` renders the firmware's
 * configuration from it.
 *
 * A struct mvb_board is plain data with fixed-size arrays (no pointers
 * except file), so it can be copied; mvb_board_release frees file.
 * Every address range in a parsed board has been checked not to wrap.
 */
#ifndef MVB_BOARD_H
#define MVB_BOARD_H

#include <stddef.h>
#include <stdint.h>
#include "mvb/diag.h"

#define MVB_NAME_MAX 32
#define MVB_DESC_MAX 128
#define MVB_BOARD_MAX_MEMORIES 16
#define MVB_BOARD_MAX_PARTITIONS 32
#define MVB_BOARD_MAX_PERIPHERALS 64 /* the app header has 64 peripheral bits */
#define MVB_PERIPH_MAX_IRQS 8
#define MVB_BOARD_MAX_IRQS 256 /* the app header has 256 IRQ bits */
#define MVB_PERIPH_MAX_PINS 8
#define MVB_BOARD_MAX_PIN_PORTS 16 /* GPIO ports A to P */

enum mvb_mem_kind { MVB_MEM_FLASH, MVB_MEM_RAM };
enum mvb_world { MVB_WORLD_SECURE, MVB_WORLD_NSC, MVB_WORLD_NONSECURE };
enum mvb_role {
	MVB_ROLE_MV_CODE,
	MVB_ROLE_VENEERS,
	MVB_ROLE_MV_RAM,
	MVB_ROLE_APP_HEADER,
	MVB_ROLE_APP_CODE,
	MVB_ROLE_APP_RAM,
	MVB_ROLE_RESERVED,
	MVB_ROLE_DEVICE_STATE, /* optional: the provisioning record, then the update's progress */
	MVB_ROLE_REVERT,       /* optional: what the update client keeps to undo an update (a revert layer) */
	MVB_ROLE__COUNT
};
enum mvb_owner { MVB_OWNER_MICROVISOR, MVB_OWNER_APP };
enum mvb_fpu { MVB_FPU_NONE, MVB_FPU_FPV5_SP_D16, MVB_FPU_FPV5_D16 };
enum mvb_float_abi { MVB_FLOAT_SOFT, MVB_FLOAT_SOFTFP, MVB_FLOAT_HARD };

struct mvb_memory {
	char name[MVB_NAME_MAX];
	char description[MVB_DESC_MAX];
	enum mvb_mem_kind kind;
	uint32_t s_base, ns_base, size;
	uint32_t granule;    /* security attribution block (MPC block, MPCBB block, watermark page) */
	uint32_t erase_size; /* 0 for RAM */
	uint32_t write_size;
	int has_gate;
	char gate_controller[MVB_NAME_MAX];
	uint32_t gate_base;
	unsigned line, col;
};

struct mvb_partition {
	char name[MVB_NAME_MAX];
	char description[MVB_DESC_MAX];
	unsigned memory; /* index into mem[] */
	uint32_t offset, size;
	enum mvb_world world;
	enum mvb_role role;
	unsigned line, col;
};

/* A pin a peripheral drives: GPIO port ('A' + port), pin number (0-15)
 * and the alternate function (0-15) that connects it.  A pin belongs to
 * one peripheral of the board only; granting the peripheral gives the app
 * its pins. */
struct mvb_pin {
	char signal[16]; /* "tx", "sck" ... */
	uint8_t port, num, af;
	unsigned line, col;
};

struct mvb_peripheral {
	char name[MVB_NAME_MAX];
	char description[MVB_DESC_MAX];
	uint32_t s_base, ns_base, size;
	uint16_t irqs[MVB_PERIPH_MAX_IRQS];
	unsigned nirqs;
	enum mvb_owner owner;
	int has_gate;
	char gate_reg[MVB_NAME_MAX];
	unsigned gate_bit;
	struct mvb_pin pins[MVB_PERIPH_MAX_PINS];
	unsigned npins;
	unsigned line, col;
};

struct mvb_board {
	char *file; /* owned copy of the manifest path */
	unsigned schema;
	char name[MVB_NAME_MAX];
	char description[MVB_DESC_MAX];
	char vendor[MVB_NAME_MAX];
	struct {
		char core[MVB_NAME_MAX];
		char arch[MVB_NAME_MAX];
		enum mvb_fpu fpu;
		enum mvb_float_abi float_abi;
		unsigned nvic_irqs, mpu_regions, sau_regions, sau_granule;
	} cpu;
	char memory_gate[MVB_NAME_MAX];
	char peripheral_gate[MVB_NAME_MAX];
	struct mvb_memory mem[MVB_BOARD_MAX_MEMORIES];
	size_t nmem;
	struct mvb_partition part[MVB_BOARD_MAX_PARTITIONS];
	size_t npart;
	struct mvb_peripheral per[MVB_BOARD_MAX_PERIPHERALS];
	size_t nper;
	int console; /* index into per[] */
	int link;    /* index into per[] of the update link's UART, -1: none */
	char qemu_machine[MVB_NAME_MAX];
	char openocd_target[96];
	char openocd_config[96];
	int stlink;
};

void mvb_board_init(struct mvb_board *b);
void mvb_board_release(struct mvb_board *b);

/* Parses and validates a board manifest held in memory.  file names it in
 * diagnostics.  Returns 0, MVB_EINPUT (findings in d) or MVB_ENOMEM. */
int mvb_board_parse(struct mvb_board *b, const char *file, const void *text, size_t len, struct mvb_diags *d);

/* Address of a partition in the alias of its world (secure alias for
 * secure and NSC partitions, non-secure alias for non-secure ones). */
uint32_t mvb_partition_base(const struct mvb_board *b, const struct mvb_partition *p);
uint32_t mvb_partition_s_base(const struct mvb_board *b, const struct mvb_partition *p);
uint32_t mvb_partition_ns_base(const struct mvb_board *b, const struct mvb_partition *p);
/* The (unique) partition with the role, or NULL (never NULL for the six
 * required roles on a parsed board). */
const struct mvb_partition *mvb_board_role(const struct mvb_board *b, enum mvb_role role);
/* Lookups by name; NULL when absent. */
const struct mvb_peripheral *mvb_board_peripheral(const struct mvb_board *b, const char *name);
const struct mvb_partition *mvb_board_partition(const struct mvb_board *b, const char *name);

const char *mvb_world_name(enum mvb_world w);
const char *mvb_role_name(enum mvb_role r);
const char *mvb_fpu_name(enum mvb_fpu f);
const char *mvb_float_abi_name(enum mvb_float_abi f);

#endif
