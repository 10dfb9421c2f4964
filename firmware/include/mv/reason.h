/*
 * reason.h - why the microvisor refused, restarted or stopped an app, and
 * the QEMU exit statuses that tests see.
 *
 * A reason code is (exit status << 8) | detail, so every reason names the
 * outcome class it belongs to.  The console prints the code, its name and
 * a short text; tests assert on the exit status and the console marker.
 * Codes are stable: never renumber, only add.
 */
#ifndef MV_REASON_H
#define MV_REASON_H

/*
 * Exit statuses (semihosting SYS_EXIT_EXTENDED, test builds only).
 * 0..63 belong to the app (mv_exit); 64 and up are the microvisor's own.
 * A production build never exits: it parks in a WFI loop instead.
 */
#define MV_EXIT_APP_MAX 63u
#define MV_EXIT_NO_APP 64u     /* no app installed (header magic absent) */
#define MV_EXIT_BAD_HEADER 65u /* header present but corrupt */
#define MV_EXIT_BAD_IMAGE 66u  /* image outside its partition, hash mismatch, bad vectors */
#define MV_EXIT_ABI 67u        /* app needs a newer or different microvisor ABI */
#define MV_EXIT_REFUSED 68u    /* app asks for a peripheral or IRQ it may not have */
#define MV_EXIT_CRASH_LOOP 69u /* app crashed too often in a row: safe mode */
#define MV_EXIT_MV_FAULT 70u   /* fault inside the microvisor itself */
#define MV_EXIT_HW 71u         /* security hardware did not take its configuration */
#define MV_EXIT_UPDATE 72u     /* not an exit: why an update session refused or failed */

#define MV_REASON(exit_status, detail) ((((unsigned)(exit_status)) << 8) | (unsigned)(detail))
#define MV_REASON_EXIT(reason) (((unsigned)(reason) >> 8) & 0xffu)

/* X(name, code, text): the single list; reason.c builds names from it. */
#define MV_REASON_TABLE(X)                                                                                             \
	X(MV_R_NONE, 0u, "no error")                                                                                   \
	X(MV_R_NO_APP, MV_REASON(MV_EXIT_NO_APP, 1u), "no app installed (header magic missing)")                       \
	X(MV_R_HDR_FORMAT, MV_REASON(MV_EXIT_BAD_HEADER, 1u), "app header format unknown")                             \
	X(MV_R_HDR_SIZE, MV_REASON(MV_EXIT_BAD_HEADER, 2u), "app header size field wrong")                             \
	X(MV_R_HDR_CRC, MV_REASON(MV_EXIT_BAD_HEADER, 3u), "app header crc mismatch")                                  \
	X(MV_R_HDR_FLAGS, MV_REASON(MV_EXIT_BAD_HEADER, 4u), "app header has unknown flags or a trial over a day")                         \
	X(MV_R_HDR_WATCHDOG, MV_REASON(MV_EXIT_BAD_HEADER, 5u), "app header watchdog deadline out of range")         \
	X(MV_R_HDR_UPDATE_DEFER, MV_REASON(MV_EXIT_BAD_HEADER, 6u), "app header update deferral out of range")       \
	X(MV_R_IMG_RANGE, MV_REASON(MV_EXIT_BAD_IMAGE, 1u), "app image outside its flash partition")                   \
	X(MV_R_IMG_ALIGN, MV_REASON(MV_EXIT_BAD_IMAGE, 2u), "app image start not aligned for its vector table")        \
	X(MV_R_IMG_HASH, MV_REASON(MV_EXIT_BAD_IMAGE, 3u), "app image sha-256 mismatch")                               \
	X(MV_R_IMG_SP, MV_REASON(MV_EXIT_BAD_IMAGE, 4u), "app initial stack pointer outside app ram")                  \
	X(MV_R_IMG_ENTRY, MV_REASON(MV_EXIT_BAD_IMAGE, 5u), "app reset vector outside the image or not thumb")         \
	X(MV_R_ABI_TOO_NEW, MV_REASON(MV_EXIT_ABI, 1u), "app needs a newer microvisor abi")                            \
	X(MV_R_ABI_MAJOR, MV_REASON(MV_EXIT_ABI, 2u), "app built for another abi major version")                       \
	X(MV_R_PERIPH_UNKNOWN, MV_REASON(MV_EXIT_REFUSED, 1u), "app asks for a peripheral the board does not have")    \
	X(MV_R_PERIPH_NOT_APP, MV_REASON(MV_EXIT_REFUSED, 2u), "app asks for a microvisor-owned peripheral")           \
	X(MV_R_PERIPH_NO_GATE, MV_REASON(MV_EXIT_REFUSED, 3u), "app asks for a peripheral that has no security gate")  \
	X(MV_R_IRQ_RANGE, MV_REASON(MV_EXIT_REFUSED, 4u), "app asks for an irq the board does not have")               \
	X(MV_R_IRQ_NOT_OWNED, MV_REASON(MV_EXIT_REFUSED, 5u), "app asks for an irq of a peripheral it was not given")  \
	X(MV_R_CRASH_LOOP, MV_REASON(MV_EXIT_CRASH_LOOP, 1u), "app crashed too often in a row")                        \
	X(MV_R_NESTED, MV_REASON(MV_EXIT_CRASH_LOOP, 2u), "app crashed inside a handler that cannot be unwound")       \
	X(MV_R_TRIAL_DEADLINE, MV_REASON(MV_EXIT_CRASH_LOOP, 3u), "app did not confirm its release by the trial deadline") \
	X(MV_R_APP_SECUREFAULT, MV_REASON(MV_EXIT_CRASH_LOOP, 0x10u), "SecureFault")                                   \
	X(MV_R_APP_BUSFAULT, MV_REASON(MV_EXIT_CRASH_LOOP, 0x11u), "BusFault")                                         \
	X(MV_R_APP_USAGEFAULT, MV_REASON(MV_EXIT_CRASH_LOOP, 0x12u), "UsageFault")                                     \
	X(MV_R_APP_MEMMANAGE, MV_REASON(MV_EXIT_CRASH_LOOP, 0x13u), "MemManage")                                       \
	X(MV_R_APP_HARDFAULT, MV_REASON(MV_EXIT_CRASH_LOOP, 0x14u), "HardFault")                                       \
	X(MV_R_APP_PPC, MV_REASON(MV_EXIT_CRASH_LOOP, 0x15u), "peripheral access violation (PPC)")                     \
	X(MV_R_APP_MPC, MV_REASON(MV_EXIT_CRASH_LOOP, 0x16u), "memory access violation (MPC)")                         \
	X(MV_R_APP_RETURNED, MV_REASON(MV_EXIT_CRASH_LOOP, 0x17u), "app returned from its reset handler")              \
	X(MV_R_APP_REPORTED, MV_REASON(MV_EXIT_CRASH_LOOP, 0x18u), "app reported a fatal fault")                       \
	X(MV_R_APP_WATCHDOG, MV_REASON(MV_EXIT_CRASH_LOOP, 0x19u), "watchdog deadline missed")                         \
	X(MV_R_MV_FAULT, MV_REASON(MV_EXIT_MV_FAULT, 1u), "fault in microvisor code")                                  \
	X(MV_R_MV_IRQ, MV_REASON(MV_EXIT_MV_FAULT, 2u), "unexpected secure interrupt")                                 \
	X(MV_R_MV_RETURN, MV_REASON(MV_EXIT_MV_FAULT, 3u), "unreachable code reached")                                 \
	X(MV_R_HW_MPC, MV_REASON(MV_EXIT_HW, 1u), "memory gate (MPC) did not take its configuration")                  \
	X(MV_R_HW_MPC_GEOMETRY, MV_REASON(MV_EXIT_HW, 2u), "partition not aligned to the memory gate's blocks")        \
	X(MV_R_HW_SAU, MV_REASON(MV_EXIT_HW, 3u), "SAU did not take its configuration")                                \
	X(MV_R_HW_SAU_REGIONS, MV_REASON(MV_EXIT_HW, 4u), "SAU has too few regions")                                   \
	X(MV_R_HW_PPC, MV_REASON(MV_EXIT_HW, 5u), "peripheral gate (PPC) did not take its configuration")              \
	X(MV_R_HW_NVIC, MV_REASON(MV_EXIT_HW, 6u), "interrupt target (NVIC ITNS) did not take its configuration")      \
	X(MV_R_HW_SCB, MV_REASON(MV_EXIT_HW, 7u), "system control registers did not take their configuration")         \
	X(MV_R_HW_SECCTL, MV_REASON(MV_EXIT_HW, 8u), "security controller did not take its configuration")          \
	X(MV_R_UPD_NO_ANCHORS, MV_REASON(MV_EXIT_UPDATE, 1u), "no trust anchors provisioned")                          \
	X(MV_R_UPD_LINK, MV_REASON(MV_EXIT_UPDATE, 2u), "the link or the repository failed")                          \
	X(MV_R_UPD_INDEX, MV_REASON(MV_EXIT_UPDATE, 3u), "the channel index is malformed")                             \
	X(MV_R_UPD_INDEX_OTHER, MV_REASON(MV_EXIT_UPDATE, 4u), "the index is for another board, app or channel")       \
	X(MV_R_UPD_INDEX_SIG, MV_REASON(MV_EXIT_UPDATE, 5u), "the index has no valid signature by a trust anchor")     \
	X(MV_R_UPD_INDEX_OLD, MV_REASON(MV_EXIT_UPDATE, 6u), "the index is older than the last one accepted")          \
	X(MV_R_UPD_COUNTER, MV_REASON(MV_EXIT_UPDATE, 7u), "the release has a lower security counter")                 \
	X(MV_R_UPD_OLDER, MV_REASON(MV_EXIT_UPDATE, 8u), "the latest release is older than the installed one")        \
	X(MV_R_UPD_NO_APP, MV_REASON(MV_EXIT_UPDATE, 9u), "no installed app names the updates to follow")             \
	X(MV_R_UPD_BUNDLE, MV_REASON(MV_EXIT_UPDATE, 10u), "the bundle is malformed")                                  \
	X(MV_R_UPD_BUNDLE_SIG, MV_REASON(MV_EXIT_UPDATE, 11u), "the bundle has no valid signature by a trust anchor")  \
	X(MV_R_UPD_BUNDLE_OTHER, MV_REASON(MV_EXIT_UPDATE, 12u), "the bundle is not the release the index names")     \
	X(MV_R_UPD_MICROVISOR, MV_REASON(MV_EXIT_UPDATE, 13u), "the bundle's microvisor differs from this one")      \
	X(MV_R_UPD_PLACE, MV_REASON(MV_EXIT_UPDATE, 14u), "a layer does not lie exactly in its partition")            \
	X(MV_R_UPD_HEADER, MV_REASON(MV_EXIT_UPDATE, 15u), "the app header the bundle makes would not boot")          \
	X(MV_R_UPD_BASE, MV_REASON(MV_EXIT_UPDATE, 16u), "the delta's base is not the installed image")               \
	X(MV_R_UPD_CHUNK, MV_REASON(MV_EXIT_UPDATE, 17u), "a chunk does not match its signed hash")                   \
	X(MV_R_UPD_LIMIT, MV_REASON(MV_EXIT_UPDATE, 18u), "the bundle exceeds this device's limits")                  \
	X(MV_R_UPD_PATCH, MV_REASON(MV_EXIT_UPDATE, 19u), "the patch does not apply")                                 \
	X(MV_R_UPD_FLASH, MV_REASON(MV_EXIT_UPDATE, 20u), "a flash operation failed")                                 \
	X(MV_R_UPD_IMAGE, MV_REASON(MV_EXIT_UPDATE, 21u), "the installed image does not match its signed hash")       \
	X(MV_R_IMG_ROLLBACK, MV_REASON(MV_EXIT_BAD_IMAGE, 6u), "app security counter below the device's rollback floor") \
	X(MV_R_UPD_FLASH_RANGE, MV_REASON(MV_EXIT_UPDATE, 22u),                                                          \
	  "flash change outside the partitions the microvisor writes, or not whole erase pages or program units")        \
	X(MV_R_UPD_FLASH_LOCKED, MV_REASON(MV_EXIT_UPDATE, 23u), "the flash control register stayed locked after its keys") \
	X(MV_R_UPD_FLASH_BUSY, MV_REASON(MV_EXIT_UPDATE, 24u), "the flash stayed busy past its deadline")              \
	X(MV_R_UPD_FLASH_WRP, MV_REASON(MV_EXIT_UPDATE, 25u), "the flash refused a protected page (WRPERR)")          \
	X(MV_R_UPD_FLASH_PROG, MV_REASON(MV_EXIT_UPDATE, 26u), "the flash refused to program bytes not erased (PROGERR)") \
	X(MV_R_UPD_FLASH_PGS, MV_REASON(MV_EXIT_UPDATE, 27u), "the flash refused the programming sequence (PGSERR)")  \
	X(MV_R_UPD_FLASH_SIZE, MV_REASON(MV_EXIT_UPDATE, 28u), "the flash refused the write size (SIZERR)")          \
	X(MV_R_UPD_FLASH_PGA, MV_REASON(MV_EXIT_UPDATE, 29u), "the flash refused the write alignment (PGAERR)")       \
	X(MV_R_UPD_FLASH_OP, MV_REASON(MV_EXIT_UPDATE, 30u), "the flash reported an operation error (OPERR)")         \
	X(MV_R_UPD_FLASH_ECC, MV_REASON(MV_EXIT_UPDATE, 31u), "the flash reported an uncorrectable ECC error (ECCD)") \
	X(MV_R_UPD_FLASH_VERIFY, MV_REASON(MV_EXIT_UPDATE, 32u), "flash read back differs from what was written")       \
	X(MV_R_UPD_REJECTED, MV_REASON(MV_EXIT_UPDATE, 33u), "this release was rejected on trial on this device")      \
	X(MV_R_UPD_ON_TRIAL, MV_REASON(MV_EXIT_UPDATE, 34u), "a release is on trial: updates wait for its outcome")

enum mv_reason {
#define MV_REASON_ENUM(name, code, text) name = (code),
	MV_REASON_TABLE(MV_REASON_ENUM)
#undef MV_REASON_ENUM
};

#endif
