/*
 * port.c - the mps2-an505 port: console on UART0 (secure alias), memory
 * gates (three TZ MPCs), peripheral gates (IoT-kit PPCs in secctl), the
 * violation interrupts and the test exit through semihosting.  All
 * addresses come from the generated mv_board.h.
 */
#include "an505.h"
#include "armv8m.h"
#include "mv/port.h"
#include "mv_board.h"
#include "mvb/le.h"

#define SECCTL MVB_PERIPH_SECCTL_S_BASE

/* ------------------------------------------------------------ console */
void mv_port_console_init(void)
{
	MV_REG(MVB_CONSOLE_S_BASE + UART_BAUDDIV) = 16u; /* smallest legal divider */
	MV_REG(MVB_CONSOLE_S_BASE + UART_CTRL) = 1u;     /* TX only: the microvisor never reads */
}

void mv_port_console_write(const char *s, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		while (MV_REG(MVB_CONSOLE_S_BASE + UART_STATE) & 1u)
			;
		MV_REG(MVB_CONSOLE_S_BASE + UART_DATA) = (uint8_t)s[i];
	}
}

/* ---------------------------------------------------------- the link */
#ifdef MVB_LINK_S_BASE
#define UART_STATE_TX_FULL (1u << 0)
#define UART_STATE_RX_FULL (1u << 1)
#define UART_CTRL_TX (1u << 0)
#define UART_CTRL_RX (1u << 1)
#define UART_CTRL_RX_INT (1u << 3)
#define UART_INTCLEAR 0x0cu
#define UART_INT_RX (1u << 1)

int mv_port_link_init(void)
{
	MV_REG(MVB_LINK_S_BASE + UART_BAUDDIV) = 16u;
	MV_REG(MVB_LINK_S_BASE + UART_CTRL) = UART_CTRL_TX | UART_CTRL_RX | UART_CTRL_RX_INT;
	MV_REG(MVB_LINK_S_BASE + UART_INTCLEAR) = UART_INT_RX;
	mv_arch_irq_secure_enable(MVB_LINK_IRQ, PRIO_LINK);
	return 1;
}

void mv_port_link_write(const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		while (MV_REG(MVB_LINK_S_BASE + UART_STATE) & UART_STATE_TX_FULL)
			;
		MV_REG(MVB_LINK_S_BASE + UART_DATA) = p[i];
	}
}

/* The link's receive interrupt (its vector: vectors.c). */
void mv_port_link_isr(void)
{
	/* Acknowledge first, then drain: a byte that arrives while draining
	 * raises the interrupt again instead of waiting unannounced. */
	MV_REG(MVB_LINK_S_BASE + UART_INTCLEAR) = UART_INT_RX;
	mv_arch_irq_ack(MVB_LINK_IRQ);
	while (MV_REG(MVB_LINK_S_BASE + UART_STATE) & UART_STATE_RX_FULL)
		mv_link_rx_byte((uint8_t)MV_REG(MVB_LINK_S_BASE + UART_DATA));
}
#else
int mv_port_link_init(void)
{
	return 0;
}

void mv_port_link_write(const uint8_t *p, uint32_t len)
{
	(void)p;
	(void)len;
}
#endif

/* ------------------------------------------------------- memory gates */
/* Every gated memory of the board: all of them are written in full, so a
 * block is non-secure only if an app partition says so. */
static const uint32_t mpcs[] = {
    MVB_MEM_CODE_GATE_BASE,
    MVB_MEM_SRAM2_GATE_BASE,
    MVB_MEM_SRAM3_GATE_BASE,
};

#define N_MPCS (sizeof mpcs / sizeof mpcs[0])

static uint32_t mpc_program(uint32_t mpc)
{
	/* The block size is the hardware's, not the manifest's: read it,
	 * and refuse a partition that does not start and end on a block. */
	uint32_t blk = 1u << ((MV_REG(mpc + MPC_BLK_CFG) & 0xfu) + 5u);
	uint32_t words = (MV_REG(mpc + MPC_BLK_MAX) & 0xffffu) + 1u;
	uint32_t r = mv_gate_geometry(mpc, blk, 32u * words);

	if (r != MV_R_NONE)
		return r;
	/* AUTOINC off, so BLK_IDX stays put: each word is written, then read
	 * back through the same index before moving on. */
	MV_REG(mpc + MPC_CTRL) = MPC_CTRL_SEC_RESP;
	mv_barrier();
	if ((MV_REG(mpc + MPC_CTRL) & (MPC_CTRL_SEC_RESP | MPC_CTRL_AUTOINC)) != MPC_CTRL_SEC_RESP)
		return MV_R_HW_MPC;
	for (uint32_t w = 0; w < words; w++) {
		uint32_t v = mv_gate_ns_word(mpc, blk, w); /* LUT bit 1 = non-secure */

		MV_REG(mpc + MPC_BLK_IDX) = w;
		MV_REG(mpc + MPC_BLK_LUT) = v;
		if (MV_REG(mpc + MPC_BLK_IDX) != w || MV_REG(mpc + MPC_BLK_LUT) != v)
			return MV_R_HW_MPC;
	}
	mv_barrier();
	return MV_R_NONE;
}

uint32_t mv_port_memory_gates(void)
{
	uint32_t r = mv_gate_layout(mpcs, N_MPCS);

	for (uint32_t m = 0; r == MV_R_NONE && m < N_MPCS; m++)
		r = mpc_program(mpcs[m]);
	return r;
}

/* -------------------------------------------------- secure controller */
uint32_t mv_port_security_init(void)
{
	/* Veneers live in 0x1xxxxxxx, which the IDAU makes secure; CODENSC
	 * lets the SAU's NSC region there take effect. */
	MV_REG(SECCTL + SECCTL_NSCCFG) = NSCCFG_CODENSC;
	MV_REG(SECCTL + SECCTL_SECRESPCFG) = 1u;
	/* QEMU 7.2 does not pass SECRESPCFG on to the expansion PPCs, so a
	 * blocked app access is RAZ/WI there instead of a bus error; the
	 * violation interrupt works on both QEMU and silicon. */
	MV_REG(SECCTL + SECCTL_SECPPCINTCLR) = SECPPCINT_ALL;
	MV_REG(SECCTL + SECCTL_SECPPCINTEN) = SECPPCINT_ALL;
	mv_barrier();
	if (MV_REG(SECCTL + SECCTL_NSCCFG) != NSCCFG_CODENSC || MV_REG(SECCTL + SECCTL_SECRESPCFG) != 1u ||
	    MV_REG(SECCTL + SECCTL_SECPPCINTEN) != SECPPCINT_ALL)
		return MV_R_HW_SECCTL;
	mv_arch_irq_secure_enable(AN505_IRQ_PPC, PRIO_VIOLATION);
	mv_arch_irq_secure_enable(AN505_IRQ_MPC, PRIO_VIOLATION);
	return MV_R_NONE;
}

/* The NS peripheral alias: the PPC, not the SAU, decides per device. */
static const struct mv_sau_region windows[] = {
    {0x40000000u, 0x4fffffffu, 0u},
};

const struct mv_sau_region *mv_port_sau_windows(uint32_t *count)
{
	*count = sizeof windows / sizeof windows[0];
	return windows;
}

/* ---------------------------------------------------- peripheral gates */
/* Every gate register any peripheral of the board names, written in full
 * each time, so that an earlier grant never survives a restart.  One
 * list: the offsets below and each peripheral's gate (its index in them,
 * plus one; 0 for `none`) come from it. */
#define GATES(X)                                                                                                       \
	X(ahbnsppcexp0) X(ahbnsppcexp1) X(ahbnsppcexp2) X(ahbnsppcexp3) X(apbnsppc0) X(apbnsppc1) X(apbnsppcexp0)      \
	    X(apbnsppcexp1) X(apbnsppcexp2) X(apbnsppcexp3)

#define GATE_NUMBER(reg) gate_##reg,
enum { gate_none, GATES(GATE_NUMBER) };
#undef GATE_NUMBER

#define GATE_OFFSET(reg) MV_GATE_##reg,
static const uint8_t gate_regs[] = {GATES(GATE_OFFSET)};
#undef GATE_OFFSET

#define N_GATES (sizeof gate_regs / sizeof gate_regs[0])

/* Gate and bit of each board peripheral (from the manifest). */
static const uint8_t periph_gate[MVB_PERIPH_COUNT][2] = {
#define MV_GATE_OF(name, index, s_base, ns_base, size, owner, gate_reg, gate_bit)                                      \
	[(index)] = {gate_##gate_reg, (gate_bit)},
    MVB_PERIPH_TABLE(MV_GATE_OF)
#undef MV_GATE_OF
};
#define MV_GATE_OF(name, index, s_base, ns_base, size, owner, gate_reg, gate_bit)                                      \
	_Static_assert(MV_GATE_##gate_reg <= 0xffu && (gate_bit) < 32u, #name ": gate offset or bit too large");
MVB_PERIPH_TABLE(MV_GATE_OF)
#undef MV_GATE_OF

uint32_t mv_port_grant_periph(const uint32_t periph[MVB_APPHDR_PERIPH_WORDS])
{
	uint32_t ns[N_GATES] = {0};

	/* The core vetted the grant; this is the last line of defence
	 * against a peripheral with no gate in this port. */
	for (uint32_t i = 0; i < 32u * MVB_APPHDR_PERIPH_WORDS; i++) {
		if (!((periph[i / 32u] >> (i % 32u)) & 1u))
			continue;
		if (i >= MVB_PERIPH_COUNT || periph_gate[i][0] == gate_none)
			return MV_R_HW_PPC;
		ns[periph_gate[i][0] - 1u] |= 1u << periph_gate[i][1];
	}
	for (uint32_t g = 0; g < N_GATES; g++)
		MV_REG(SECCTL + gate_regs[g]) = ns[g]; /* bit 1 = non-secure */
	mv_barrier();
	/* A PPC drops bits for ports it does not have; a mismatch means the
	 * manifest names a gate bit this chip lacks. */
	for (uint32_t g = 0; g < N_GATES; g++)
		if (MV_REG(SECCTL + gate_regs[g]) != ns[g])
			return MV_R_HW_PPC;
	return MV_R_NONE;
}

/* ------------------------------------------------------------ the app */
const struct mvb_app_header *mv_port_app_header(void)
{
	return (const struct mvb_app_header *)MVB_PART_APP_HEADER_BASE;
}

const uint8_t *mv_port_ns_bytes(uint32_t ns_addr, uint32_t len)
{
	/* Secure code reads the app image through its NS alias: before the
	 * SAU is on that is a secure access to still-secure blocks, after it
	 * an NS access to NS blocks; the MPC lets both through. */
	(void)len;
	return (const uint8_t *)ns_addr;
}

/* ------------------------------------------------------------ flash */
/* The code memory is RAM under QEMU (SSRAM1): erasing writes 0xff, and
 * programming stores what NOR flash would hold, the old bits ANDed with
 * the new, so that programming bytes that were not erased fails here as
 * it does on a real part (STM32U5: PROGERR).  Both read back what they
 * wrote, so a store the memory gate blocked is an error, not a silent
 * loss.  Power cuts are modelled by the tests (a snapshot of this memory
 * at any instant). */
uint32_t mv_port_flash_erase(uint32_t addr)
{
	volatile uint32_t *w = (volatile uint32_t *)addr;

	for (uint32_t i = 0; i < MVB_PART_APP_FLASH_ERASE_SIZE / 4u; i++) {
		w[i] = 0xffffffffu;
		if (w[i] != 0xffffffffu)
			return MV_R_UPD_FLASH;
	}
	return MV_R_NONE;
}

const uint8_t *mv_port_flash_bytes(uint32_t addr, uint32_t len)
{
	(void)len;
	return (const uint8_t *)addr;
}

uint32_t mv_port_flash_write(uint32_t addr, const void *src, uint32_t n)
{
	volatile uint32_t *w = (volatile uint32_t *)addr;
	const uint8_t *b = src;

	for (uint32_t i = 0; i < n / 4u; i++) {
		uint32_t v = mvb_get_le32(b + 4u * i);

		w[i] &= v;
		if (w[i] != v)
			return MV_R_UPD_FLASH;
	}
	return MV_R_NONE;
}

#ifdef MV_UPDATE
/* The app's flash is RAM here (QEMU's SSRAM1): a breakpoint is one
 * store, through the app's own (non-secure) alias. */
int mv_port_debug_patch(uint32_t addr, uint16_t v)
{
	volatile uint16_t *h = (volatile uint16_t *)addr;

	*h = v;
	return *h == v;
}
#endif

int mv_port_irq_fault(uint32_t irq, struct mv_fault *f)
{
	if (irq == AN505_IRQ_PPC) {
		uint32_t st = MV_REG(SECCTL + SECCTL_SECPPCINTSTAT);

		/* Clear the source, then the NVIC's latched pending bit, or
		 * the report comes back once the app is restarted.  QEMU 7.2
		 * drives each PPC's clear input with the status bit *after*
		 * the write, so a write-one-to-clear never reaches the PPC: a
		 * write of 0 (a no-op on silicon) raises the clear input while
		 * the bit is still set, the second write lowers it again so
		 * the next violation latches. */
		MV_REG(SECCTL + SECCTL_SECPPCINTCLR) = 0u;
		MV_REG(SECCTL + SECCTL_SECPPCINTCLR) = st;
		mv_arch_irq_ack(irq);
		f->reason = MV_R_APP_PPC;
		f->extra_name = "SECPPCINTSTAT";
		f->extra = st;
		return 1;
	}
	if (irq == AN505_IRQ_MPC) {
		/* Silicon only: QEMU 7.2's MPC answers with a bus fault and never
		 * raises this interrupt. */
		f->reason = MV_R_APP_MPC;
		f->extra_name = "SECMPCINTSTATUS";
		f->extra = MV_REG(SECCTL + SECCTL_SECMPCINTSTATUS);
		for (uint32_t m = 0; m < N_MPCS; m++)
			MV_REG(mpcs[m] + MPC_INT_CLEAR) = 1u;
		mv_arch_irq_ack(irq);
		return 1;
	}
	return 0;
}

uint32_t mv_port_cpu_hz(void)
{
	return AN505_CPU_HZ;
}

/* ---------------------------------------------------------------- exit */
int mv_port_can_exit(void)
{
#ifdef MV_SEMIHOSTING
	return 1;
#else
	return 0;
#endif
}

void mv_port_exit(uint32_t status)
{
#ifdef MV_SEMIHOSTING
	/* SYS_EXIT_EXTENDED (0x20) with ADP_Stopped_ApplicationExit: the
	 * only semihosting exit that carries a full status on AArch32. */
	uint32_t block[2] = {0x20026u, status};
	register uint32_t r0 __asm__("r0") = 0x20u;
	register uint32_t *r1 __asm__("r1") = block;

	__asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
#else
	(void)status;
#endif
	mv_arch_park();
}
