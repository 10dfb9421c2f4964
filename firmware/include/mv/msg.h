/*
 * msg.h - the microvisor's console messages, kept as texts on the host.
 *
 * The microvisor does not carry the English of its console lines: it
 * prints a message token "{@ID|ARG|ARG}" and mvbuild (decode, serve,
 * the tests) puts the text back, as it already does for reason codes
 * ("{#HEX}", reason.h).  Zephyr's dictionary logging and defmt do the
 * same; here it keeps about 600 bytes of text out of a 20 KiB image.
 * The "mv: " that starts a microvisor line stays plain text, so a raw
 * console still tells the microvisor's lines from the app's ("app: ").
 *
 * One row per message: M(id, args, text)
 *   id    a decimal number, stable: never renumber or reuse, only add;
 *   args  what the firmware prints inside the token: "|%conv" per value;
 *   text  what the host shows instead of the token, with one conversion
 *         per value, in order: %u %x %v %s as the firmware printed them,
 *         %r a reason code printed as %x shown as its text (reason.h),
 *         %R the same followed by " (reason 0x...)".
 * A text holds no '{', '|' or '}', and no conversion other than those;
 * a value printed into a token never holds '|', '{', '}' or a line end
 * (the firmware prints names through a filter).  tests/unit/test_reason.c
 * checks every row against these rules.
 *
 * The firmware prints a message with MV_MSG(MV_M_NAME) as (part of) a
 * format string: mv_printf(MV_MSG(MV_M_BOOT) "\n", ...), which prints
 * "mv: " before a format that begins with a token.
 */
#ifndef MV_MSG_H
#define MV_MSG_H

#define MV_M_BOOT(M) M(1, "|%v|%u|%u|%s", "microvisor %v abi %u.%u board %s")
#define MV_M_NOT_PROVISIONED(M) M(2, "", "not provisioned: no update will be accepted")
#define MV_M_PROVISIONED(M) M(3, "|%s|%u|%s", "provisioned: serial '%s', %u trust anchor%s")
#define MV_M_NO_UPDATE(M) M(4, "", ": no update will be accepted")
#define MV_M_SAFE_MODE(M) M(5, "|%x", "safe mode: %R")
#define MV_M_ASKING(M) M(6, "", "; asking for an update")
#define MV_M_APP_VERIFIED(M) M(7, "|%s|%v|%u|%x|%u|%u", "app '%s' %v verified: %u bytes at %x, abi %u.%u")
#define MV_M_GRANTED(M) M(8, "", "app granted peripherals:")
#define MV_M_WATCHDOG(M) M(9, "|%u", "app watchdog %u ms")
#define MV_M_ENTERING(M) M(10, "|%x|%u", "entering app at %x (start %u)")
#define MV_M_FAULT(M) M(11, "|%s|%x|%x|%x|%x|%x", "%s: %r SFSR=%x CFSR=%x HFSR=%x BFAR=%x")
#define MV_M_RESTARTING(M) M(12, "|%u|%u|%u", "restarting app in %u ms (crash %u of %u in a row)")
#define MV_M_STOPPED(M) M(13, "", "update session asked for: app stopped")
#define MV_M_RESTART_ASKED(M) M(14, "", "app asked for a restart")
#define MV_M_EXIT(M) M(15, "|%u", "app exit %u")
#define MV_M_UPDATE_READY(M) M(16, "|%u", "update ready: the app may put it off for %u ms")
#define MV_M_WRITING(M) M(17, "", "update: writing")
#define MV_M_RESUMING(M) M(18, "|%v", "update: resuming the install of %v")
#define MV_M_INSTALLING(M) M(19, "|%v|%s|%u", "update: installing %v (%s, %u bytes)")
#define MV_M_UP_TO_DATE(M) M(20, "|%u", "update: up to date (index version %u)")
#define MV_M_INSTALLED(M) M(21, "|%v|%u", "update: installed %v (%u bytes over the link)")
#define MV_M_UPDATE_ENDED(M) M(22, "|%s|%x", "update: %s: %R")
#define MV_M_CLOCK(M) M(23, "|%s|%x|%u", "clock: %s %x); running at %u Hz")
#define MV_M_OPTION_BYTES(M)                                                                                          \
	M(24, "|%x|%x|%x|%x",                                                                                          \
	  "option bytes: items %x of src/optbytes/mvo.h are wrong (OPTR %x SECWM1R1 %x SECWM2R1 %x); "                 \
	  "'mvbuild provision' sets them")
#define MV_M_NO_HASH(M) M(25, "|%x", "hash: no digest from the HASH peripheral (HASH_SR %x); software SHA-256")
#define MV_M_FLASH_ERROR(M) M(26, "|%x|%x|%x", "flash: %r at %x (status %x)")
#define MV_M_FLASH_CORRECTED(M) M(27, "|%x|%x", "flash: corrected a single-bit error near %x (ECCR %x)")
#define MV_M_TRIAL_AFTER(M) M(28, "|%v|%u", "app %v on trial: confirmed after %u ms without a crash")
#define MV_M_TRIAL_EXPLICIT(M) M(29, "|%v|%u", "app %v on trial: mv_update_confirm() due within %u ms")
#define MV_M_CONFIRMED(M) M(30, "|%v", "update: %v confirmed")
#define MV_M_REVERTED(M) M(31, "|%v|%x|%v", "update: %v rejected: %R; reverted to %v")

/* Every row, for the host's table. */
#define MV_MSG_LIST(X)                                                                                                 \
	X(MV_M_BOOT)                                                                                                   \
	X(MV_M_NOT_PROVISIONED)                                                                                        \
	X(MV_M_PROVISIONED)                                                                                            \
	X(MV_M_NO_UPDATE)                                                                                              \
	X(MV_M_SAFE_MODE)                                                                                              \
	X(MV_M_ASKING)                                                                                                 \
	X(MV_M_APP_VERIFIED)                                                                                           \
	X(MV_M_GRANTED)                                                                                                \
	X(MV_M_WATCHDOG)                                                                                               \
	X(MV_M_ENTERING)                                                                                               \
	X(MV_M_FAULT)                                                                                                  \
	X(MV_M_RESTARTING)                                                                                             \
	X(MV_M_STOPPED)                                                                                                \
	X(MV_M_RESTART_ASKED)                                                                                          \
	X(MV_M_EXIT)                                                                                                   \
	X(MV_M_UPDATE_READY)                                                                                           \
	X(MV_M_WRITING)                                                                                                \
	X(MV_M_RESUMING)                                                                                               \
	X(MV_M_INSTALLING)                                                                                             \
	X(MV_M_UP_TO_DATE)                                                                                             \
	X(MV_M_INSTALLED)                                                                                              \
	X(MV_M_UPDATE_ENDED)                                                                                           \
	X(MV_M_CLOCK)                                                                                                  \
	X(MV_M_OPTION_BYTES)                                                                                           \
	X(MV_M_NO_HASH)                                                                                                \
	X(MV_M_FLASH_ERROR)                                                                                            \
	X(MV_M_FLASH_CORRECTED)                                                                                        \
	X(MV_M_TRIAL_AFTER)                                                                                            \
	X(MV_M_TRIAL_EXPLICIT)                                                                                         \
	X(MV_M_CONFIRMED)                                                                                              \
	X(MV_M_REVERTED)

/* The firmware's format string of a message: "{@ID|%conv...}". */
#define MV_MSG_FORMAT_(id, args, text) "{@" #id args "}"
#define MV_MSG(m) m(MV_MSG_FORMAT_)
/* The word mv_msg() takes for a message: the id (below 100) in bits 0-7,
 * then 3 bits per value from bit 8 (1 %u, 2 %x, 3 %v, 4 %s; six at most),
 * and MV_MSG_OPEN when the line goes on.  GCC folds the reads of the
 * args string to constants. */
#define MV_MSG_KC_(c) ((c) == 'u' ? 1u : (c) == 'x' ? 2u : (c) == 'v' ? 3u : (c) == 's' ? 4u : 0u)
#define MV_MSG_K_(a, i) \
	(sizeof(a) > 3u * (i) + 2u ? MV_MSG_KC_((a)[sizeof(a) > 3u * (i) + 2u ? 3u * (i) + 2u : 0u]) << (8u + 3u * (i)) : 0u)
#define MV_MSG_WORD_(id, args, text)                                                                                  \
	((unsigned)(id) | MV_MSG_K_(args, 0u) | MV_MSG_K_(args, 1u) | MV_MSG_K_(args, 2u) | MV_MSG_K_(args, 3u) |     \
	 MV_MSG_K_(args, 4u) | MV_MSG_K_(args, 5u))
#define MV_MSGW(m) m(MV_MSG_WORD_)
#define MV_MSG_OPEN 0x80000000u
/* A message's id, as a number. */
#define MV_MSG_ID_(id, args, text) id

#endif
