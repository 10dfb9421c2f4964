/*
 * crashfile.h - crash records (mvb/crash.h) on the host: checking the
 * bytes a device sent, the ELF core file gdb reads with the app's ELF,
 * and the record read back out of such a core.  mvbuild-crash(5)
 * documents both files.
 *
 * Pure and bounded: every function works on memory the caller owns, the
 * only allocation is the growth of the caller's struct mvb_buf, and a
 * failure says why in the caller's err[errcap] (one line, lowercase, no
 * trailing period; cut to fit, always NUL-terminated when errcap > 0).
 * A struct mvb_crash filled here always passed mvb_crash_check: its bytes
 * past cr_stack_len are zero.
 */
#ifndef MVB_CRASHFILE_H
#define MVB_CRASHFILE_H

#include <stddef.h>
#include <stdint.h>
#include "mvb/buf.h"
#include "mvb/crash.h"

/* Checks n bytes of a crash record: magic, format 1, cr_size ==
 * MVB_CRASH_HEAD + cr_stack_len <= n, cr_stack_len <=
 * MVB_CRASH_STACK_MAX, no unknown flag bits, no stack bytes without
 * MVB_CRASH_F_STACK, a stack that does not pass the end of the address
 * space.  Bytes past cr_size are not read.  0 and *out filled
 * (zero-padded), or -1 with a one-line reason in err[errcap]. */
int mvb_crash_check(const uint8_t *rec, size_t n, struct mvb_crash *out, char *err, size_t errcap);
/* As mvb_crash_check; on failure *bad_off (when not NULL) is the offset
 * in rec of the field that is wrong (n when the bytes end too soon). */
int mvb_crash_check_at(const uint8_t *rec, size_t n, struct mvb_crash *out, char *err, size_t errcap, size_t *bad_off);

/* The cr_size bytes of the record c, as the device sends them, appended
 * to out.  0, or -1 when c would not pass mvb_crash_check or out cannot
 * grow. */
int mvb_crash_encode(const struct mvb_crash *c, struct mvb_buf *out);

/* An ELF32 core file for the record, appended to out (the file's first
 * byte is out->len on entry): ET_CORE, EM_ARM, a PT_NOTE segment with
 * NT_PRSTATUS (Linux ARM layout), NT_AUXV, NT_ARM_VFP (with
 * MVB_CRASH_F_FP) and the record itself ("MVBUILD" note type 1), and a
 * PT_LOAD of the stack bytes (with MVB_CRASH_F_STACK).  The same record
 * always gives the same bytes.  0, or -1 when c would not pass
 * mvb_crash_check or out cannot grow (out is left as it was). */
int mvb_crash_core(const struct mvb_crash *c, struct mvb_buf *out);

/* The record a core written by mvb_crash_core carries (its "MVBUILD"
 * note), checked as mvb_crash_check checks one.  0, or -1 with a reason
 * in err[errcap]. */
int mvb_crash_from_core(const uint8_t *core, size_t n, struct mvb_crash *out, char *err, size_t errcap);
/* As mvb_crash_from_core, with the offset in core of what is wrong
 * (SIZE_MAX when no one field is: the file holds no record). */
int mvb_crash_from_core_at(const uint8_t *core, size_t n, struct mvb_crash *out, char *err, size_t errcap,
                           size_t *bad_off);

/* The note that carries the record in a core file. */
#define MVB_CRASH_NOTE_NAME "MVBUILD"
#define MVB_CRASH_NOTE_TYPE 1u

/* The signal the core file reports for the crash (pr_cursig), from the
 * fault status first, then the reason code:
 *   SIGFPE  (8)  a UsageFault DIVBYZERO
 *   SIGBUS  (7)  a UsageFault UNALIGNED
 *   SIGILL  (4)  any other UsageFault (UNDEFINSTR, INVSTATE, INVPC, NOCP)
 *                or the reason "UsageFault"
 *   SIGSEGV (11) STKOF, a MemManage, BusFault or SecureFault status bit,
 *                or the reasons MemManage, BusFault, SecureFault, PPC, MPC
 *   SIGTRAP (5)  anything else (a watchdog, an app that returned, ...). */
int mvb_crash_signal(const struct mvb_crash *c);

/* Fault status registers whose bits mvb_crash_fsr_bit names. */
enum mvb_crash_fsr { MVB_CRASH_CFSR, MVB_CRASH_HFSR, MVB_CRASH_SFSR };

/* The architectural name of bit (0-31) of a fault status register
 * ("DACCVIOL", "FORCED", "INVEP"), or NULL for a reserved bit. */
const char *mvb_crash_fsr_bit(enum mvb_crash_fsr reg, unsigned bit);

/* A fault address register that holds a valid address. */
struct mvb_crash_addr {
	const char *name; /* "MMFAR_NS", "BFAR", "SFAR" */
	uint32_t addr;
};
/* The fault addresses the record's status says are valid (MMFAR_NS with
 * CFSR_NS.MMARVALID, BFAR with BFARVALID in either CFSR bank, SFAR with
 * SFSR.SFARVALID), in that order, into out[0..3).  Returns how many. */
unsigned mvb_crash_fault_addrs(const struct mvb_crash *c, struct mvb_crash_addr out[3]);

#endif
