/*
 * crash.h - the crash record, format 1: what the microvisor keeps of the
 * app's last crash (its registers as the fault left them, the fault
 * status registers and a bounded copy of its stack) until the next crash
 * replaces it or the power goes.  It goes out over the link to an
 * authorized peer (mvbuild-link(5), CRASH), and 'mvbuild crash' turns it
 * into an ELF core file that gdb reads with the app's ELF.
 *
 * Freestanding (<stdint.h> only): the microvisor fills it, mvbuild
 * parses it; mvbuild-crash(5) documents it and a test checks that page
 * against this header.  Little-endian.
 *
 * What it never holds: secure memory or secure registers.  The registers
 * are the app's (read from its own exception frame on its own stack, or
 * live when the fault came from the app's state), the stack bytes are
 * copied only from the app's RAM partition as the app itself sees it;
 * a fault taken while the microvisor ran a secure call on the app's
 * behalf records the fault status and the reason, no registers.
 */
#ifndef MVB_CRASH_H
#define MVB_CRASH_H

#include <stdint.h>

#define MVB_CRASH_MAGIC 0x5243564du /* bytes "MVCR" */
#define MVB_CRASH_FORMAT 1u
#define MVB_CRASH_HEAD 0x138u      /* the record up to cr_stack */
#define MVB_CRASH_STACK_MAX 256u   /* bytes of stack kept */
#define MVB_CRASH_SIZE (MVB_CRASH_HEAD + MVB_CRASH_STACK_MAX)

/* cr_flags: which parts hold the app's values (the others are zero). */
#define MVB_CRASH_F_FRAME 0x01u   /* r0-r3, r12, lr, pc, xpsr and sp, from the app's exception frame */
#define MVB_CRASH_F_CALLEE 0x02u  /* r4-r11, live at the fault */
#define MVB_CRASH_F_FP 0x04u      /* s0-s31 and fpscr */
#define MVB_CRASH_F_STACK 0x08u   /* cr_stack_len bytes of stack from cr_stack_addr */
#define MVB_CRASH_F_HANDLER 0x10u /* the app was in one of its handlers (xpsr's exception number) */
#define MVB_CRASH_F_PSP 0x20u     /* its frame was on PSP (a thread's stack), else on MSP */
#define MVB_CRASH_F_KNOWN 0x3fu

struct mvb_crash {
	uint32_t cr_magic;            /* 0x00 MVB_CRASH_MAGIC */
	uint16_t cr_format;           /* 0x04 MVB_CRASH_FORMAT */
	uint16_t cr_size;             /* 0x06 bytes in use: MVB_CRASH_HEAD + cr_stack_len */
	uint32_t cr_number;           /* 0x08 crashes since power-on, this one included */
	uint32_t cr_reason;           /* 0x0c the reason code (mvbuild-decode(1)) */
	uint32_t cr_uptime_ms;        /* 0x10 ms since the microvisor started */
	uint32_t cr_app_version;      /* 0x14 the app that crashed, MVB_VERSION_PACK */
	uint8_t cr_image_sha256[32];  /* 0x18 SHA-256 of its image (matches the ELF's bundle) */
	uint32_t cr_flags;            /* 0x38 MVB_CRASH_F_* */
	uint32_t cr_exc_return;       /* 0x3c EXC_RETURN of the fault (its S, SPSEL, FType bits) */
	uint32_t cr_r[13];            /* 0x40 r0-r12 */
	uint32_t cr_sp;               /* 0x74 sp before the exception: frame popped, padding undone */
	uint32_t cr_lr;               /* 0x78 */
	uint32_t cr_pc;               /* 0x7c the faulting instruction (or the next one) */
	uint32_t cr_xpsr;             /* 0x80 */
	uint32_t cr_msp_ns;           /* 0x84 the app's MSP */
	uint32_t cr_psp_ns;           /* 0x88 the app's PSP */
	uint32_t cr_control_ns;       /* 0x8c the app's CONTROL */
	uint32_t cr_cfsr;             /* 0x90 CFSR, the microvisor's bank (BusFault, secure faults) */
	uint32_t cr_cfsr_ns;          /* 0x94 CFSR, the app's bank (UsageFault, MemManage) */
	uint32_t cr_hfsr;             /* 0x98 HFSR */
	uint32_t cr_sfsr;             /* 0x9c SFSR */
	uint32_t cr_sfar;             /* 0xa0 SFAR (valid when SFSR.SFARVALID) */
	uint32_t cr_mmfar_ns;         /* 0xa4 MMFAR, the app's bank (valid when MMARVALID) */
	uint32_t cr_bfar;             /* 0xa8 BFAR (valid when BFARVALID) */
	uint32_t cr_fpscr;            /* 0xac */
	uint32_t cr_s[32];            /* 0xb0 s0-s31 */
	uint32_t cr_stack_addr;       /* 0x130 where cr_stack[0] was, in the app's view (= cr_sp) */
	uint32_t cr_stack_len;        /* 0x134 0 to MVB_CRASH_STACK_MAX */
	uint8_t cr_stack[MVB_CRASH_STACK_MAX]; /* 0x138 */
};

#endif
