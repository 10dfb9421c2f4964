/*
 * fake_port.c - host implementations of mv/port.h and mv/arch.h for the
 * core's unit tests (see fake_port.h).  Records what the core asked for
 * instead of touching hardware.
 */
#include <stddef.h>
#include <string.h>

#include "fake_port.h"
#include "mv/port.h"

struct fake_state fake;
jmp_buf fake_jmp;
uint8_t fake_flash[MVB_PART_APP_FLASH_SIZE];
struct mvb_app_header fake_header;

#define MAX_REGIONS 8
static struct {
	uintptr_t lo, hi; /* [lo, hi) */
	int writable;
} regions[MAX_REGIONS];
static int n_regions;

void fake_reset(void)
{
	memset(&fake, 0, sizeof fake);
	memset(fake_flash, 0, sizeof fake_flash);
	memset(&fake_header, 0, sizeof fake_header);
	n_regions = 0;
	fake.can_exit = 1;
}

void fake_ns_region(const void *p, size_t n, int writable)
{
	if (n_regions < MAX_REGIONS) {
		regions[n_regions].lo = (uintptr_t)p;
		regions[n_regions].hi = (uintptr_t)p + n;
		regions[n_regions].writable = writable;
		n_regions++;
	}
}

/* Like TT over a range: every byte must lie in one permitted region. */
static int in_region(const void *p, uint32_t len, int write)
{
	uintptr_t lo = (uintptr_t)p;

	if (p == NULL || len == 0u || lo > UINTPTR_MAX - len)
		return 0;
	for (int i = 0; i < n_regions; i++)
		if (lo >= regions[i].lo && lo + len <= regions[i].hi && (!write || regions[i].writable))
			return 1;
	return 0;
}

enum fake_stop fake_run(void (*fn)(void))
{
	int how = setjmp(fake_jmp);

	if (how == 0) {
		fn();
		return FAKE_RUNNING;
	}
	return (enum fake_stop)how;
}

void fake_seal_header(struct mvb_app_header *h)
{
	h->ah_crc32 = mv_crc32(0, h, (uint32_t)offsetof(struct mvb_app_header, ah_crc32));
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

void fake_make_app(uint32_t size)
{
	struct mv_sha256 c;

	/* Vectors: SP at the top of app_ram, reset just past the table. */
	put_le32(fake_flash, MVB_PART_APP_RAM_NS_BASE + MVB_PART_APP_RAM_SIZE);
	put_le32(fake_flash + 4, MVB_PART_APP_FLASH_NS_BASE + 0x101u);
	for (uint32_t i = 8; i < size; i++)
		fake_flash[i] = (uint8_t)(i * 7u);

	memset(&fake_header, 0, sizeof fake_header);
	fake_header.ah_magic = MVB_APPHDR_MAGIC;
	fake_header.ah_format = MVB_APPHDR_FORMAT;
	fake_header.ah_size = MVB_APPHDR_SIZE;
	fake_header.ah_app_version = MVB_VERSION_PACK(1, 2, 3);
	fake_header.ah_min_abi = MV_CORE_ABI;
	fake_header.ah_image_addr = MVB_PART_APP_FLASH_NS_BASE;
	fake_header.ah_image_size = size;
	memcpy(fake_header.ah_name, "testapp", 7);
	mv_sha256_init(&c);
	mv_sha256_update(&c, fake_flash, size);
	mv_sha256_final(&c, fake_header.ah_image_sha256);
	fake_seal_header(&fake_header);
}

/* ---------------------------------------------------------------- port */
void mv_port_console_init(void)
{
}

void mv_port_console_write(const char *s, uint32_t len)
{
	for (uint32_t i = 0; i < len && fake.console_len + 1 < sizeof fake.console; i++)
		fake.console[fake.console_len++] = s[i];
	fake.console[fake.console_len] = '\0';
}

uint32_t mv_port_memory_gates(void)
{
	return fake.r_gates;
}

uint32_t mv_port_security_init(void)
{
	return fake.r_security;
}

const struct mv_sau_region *mv_port_sau_windows(uint32_t *count)
{
	static const struct mv_sau_region w[] = {{0x40000000u, 0x4fffffffu, 0u}};

	*count = 1;
	return w;
}

uint32_t mv_port_grant_periph(const uint32_t periph[MVB_APPHDR_PERIPH_WORDS])
{
	fake.grant_calls++;
	memcpy(fake.granted, periph, sizeof fake.granted);
	return fake.r_grant;
}

const struct mvb_app_header *mv_port_app_header(void)
{
	return &fake_header;
}

const uint8_t *mv_port_ns_bytes(uint32_t ns_addr, uint32_t len)
{
	/* The core only asks after checking the range against app_flash. */
	if (ns_addr < MVB_PART_APP_FLASH_NS_BASE || ns_addr - MVB_PART_APP_FLASH_NS_BASE > sizeof fake_flash ||
	    len > sizeof fake_flash - (ns_addr - MVB_PART_APP_FLASH_NS_BASE))
		return NULL;
	return fake_flash + (ns_addr - MVB_PART_APP_FLASH_NS_BASE);
}

int mv_port_irq_fault(uint32_t irq, struct mv_fault *f)
{
	(void)irq;
	(void)f;
	return 0;
}

uint32_t mv_port_cpu_hz(void)
{
	return 1000000u;
}

int mv_port_can_exit(void)
{
	return fake.can_exit;
}

void mv_port_exit(uint32_t status)
{
	fake.exit_status = status;
	longjmp(fake_jmp, FAKE_EXITED);
}

/* ---------------------------------------------------------------- arch */
uint32_t mv_arch_cpu_init(uint32_t cpu_hz)
{
	(void)cpu_hz;
	return fake.r_cpu;
}

uint32_t mv_arch_sau_init(const struct mv_sau_region *r, uint32_t n)
{
	fake.sau_n = n;
	for (uint32_t i = 0; i < n && i < 16u; i++)
		fake.sau[i] = r[i];
	return fake.r_sau;
}

uint32_t mv_arch_irq_target(const uint32_t *irq_ns, uint32_t words)
{
	fake.irq_target_calls++;
	memset(fake.irq_ns, 0, sizeof fake.irq_ns);
	for (uint32_t w = 0; w < words && w < MVB_APPHDR_IRQ_WORDS; w++)
		fake.irq_ns[w] = irq_ns[w];
	return fake.r_irq_target;
}

void mv_arch_irq_secure_enable(uint32_t irq, uint32_t prio)
{
	(void)prio;
	(void)irq;
}

void mv_arch_irq_ack(uint32_t irq)
{
	(void)irq;
}

int mv_arch_ns_readable(const void *p, uint32_t len)
{
	return in_region(p, len, 0);
}

int mv_arch_ns_writable(void *p, uint32_t len)
{
	return in_region(p, len, 1);
}

int mv_arch_caller_is_handler(void)
{
	return fake.caller_is_handler;
}

/* Secure context stacks: context i spans [0x1000 * (i + 1), + 0x800), its
 * top at the end (any numbers do, the core only compares them). */
uint32_t mv_arch_sctx_bottom(uint32_t i)
{
	return 0x1000u * (i + 1u);
}

uint32_t mv_arch_sctx_top(uint32_t i)
{
	return 0x1000u * (i + 1u) + 0x800u;
}

uint32_t mv_arch_sctx_sp(void)
{
	return fake.sctx_sp;
}

void mv_arch_sctx_switch(uint32_t i, uint32_t sp)
{
	fake.sctx_loaded = i;
	fake.sctx_sp = sp;
	fake.sctx_switches++;
}

int mv_port_link_init(void)
{
	return fake.has_link;
}

void mv_port_link_write(const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len && fake.link_out_len < sizeof fake.link_out; i++)
		fake.link_out[fake.link_out_len++] = p[i];
}

uint32_t mv_arch_link_lock(void)
{
	return 0;
}

void mv_arch_link_unlock(uint32_t key)
{
	(void)key;
}

uint32_t mv_arch_ticks(void)
{
	return fake.ticks;
}

void mv_arch_wait_irq(void)
{
	fake.waits++;
	fake.ticks++; /* time passes while we sleep */
}

void mv_arch_request_restart(int now)
{
	fake.restart_requests++;
	fake.restart_now = (uint32_t)now;
}

void mv_arch_ns_reset(uint32_t ram_base)
{
	(void)ram_base;
	fake.ns_resets++;
}

void mv_arch_enter_ns(const struct mv_app_entry *e, uint32_t ram_base)
{
	(void)ram_base;
	fake.entry = *e;
	longjmp(fake_jmp, FAKE_ENTERED);
}

void mv_arch_park(void)
{
	longjmp(fake_jmp, FAKE_EXITED);
}
