/*
 * link.h - the link between a device's microvisor and the other end
 * ('mvbuild serve', later a modem), protocol format 1.
 *
 * Freestanding (<stdint.h> only): the microvisor and mvbuild both compile
 * this file and src/link, so it is the single definition of the protocol.
 * mvbuild-link(5) documents it (byte tables, the state machines, every
 * timeout and what each failure does) and a test checks that page against
 * this header.
 *
 * On the wire a frame is COBS-encoded and ends with a zero byte; a sender
 * also puts a zero byte before each frame, so a receiver that lost bytes
 * or read garbage starts clean at the next frame.  Decoded, a frame is
 *
 *   struct mvl_header (8 bytes) | payload (lf_len bytes) | CRC-32 (4 bytes)
 *
 * with the CRC-32 (zlib's) over header and payload, little-endian like
 * every integer here.  Frames carry a stream number, so several
 * conversations share one link: the update client's reads, log lines,
 * status and, later, remote debugging and the app's own channels.  The
 * link carries no trust: what a device installs is signed, and a frame
 * only decides what the device asks for next.
 */
#ifndef MVB_LINK_H
#define MVB_LINK_H

#include <stdint.h>

#define MVL_FORMAT 1u
#define MVL_PAYLOAD_MAX 512u                                  /* largest payload either side sends */
#define MVL_FRAME_MAX (8u + MVL_PAYLOAD_MAX + 4u)            /* decoded: header, payload, CRC */
/* COBS-encoded: one code byte per 254 bytes or part, and the zero before
 * and after the frame (529 bytes; a receiver holds all but the zeros). */
#define MVL_WIRE_MAX (MVL_FRAME_MAX + (MVL_FRAME_MAX + 253u) / 254u + 2u)

/* Streams (lf_stream). */
#define MVL_S_CONTROL 0u /* hello, update now, ping */
#define MVL_S_UPDATE 1u  /* the update client's object reads and its report */
#define MVL_S_LOG 2u     /* the microvisor's console and the app's mv_log lines */
#define MVL_S_STATUS 3u  /* device status and crash records (remote operations) */
#define MVL_S_DEBUG 4u   /* authorization, later remote debugging */
#define MVL_S_APP0 16u   /* 16..31 reserved: the app's own channels */
#define MVL_S_LAST 31u

/* Message types (lf_type), per stream. */
#define MVL_T_HELLO 1u      /* control, device -> host: who it is and what it runs */
#define MVL_T_UPDATE_NOW 2u /* control, host -> device: look for an update now */
#define MVL_T_PING 3u       /* control, either way: answered with an empty response */
#define MVL_T_READ 1u       /* update, device -> host: bytes of a repository object */
#define MVL_T_REPORT 2u     /* update, device -> host: how an update session ended */
#define MVL_T_LINE 1u       /* log, device -> host: one line of text, no response */
#define MVL_T_STATUS 1u     /* status, host -> device: its state now; the response is a status record */
#define MVL_T_CRASH 2u      /* status, host -> device: bytes of the last crash record (authorized only) */
#define MVL_T_LOG_READ 2u   /* log, host -> device: the lines it keeps, from a sequence number on */
#define MVL_T_CHALLENGE 1u  /* debug, host -> device: a fresh nonce to sign */
#define MVL_T_AUTH 2u       /* debug, host -> device: the signed nonce; opens an authorized session */
#define MVL_T_END 3u        /* debug, host -> device: ends the authorized session */
/* The debug agent (authorized only; mvbuild-link(5), DEBUGGING). */
#define MVL_T_HALT 4u       /* debug: stop the app at its next instruction in thread mode */
#define MVL_T_STATE 5u      /* debug: the agent's state and, halted, the app's registers (struct mvl_dstate) */
#define MVL_T_REGS 6u       /* debug: write the halted app's registers (struct mvl_regs) */
#define MVL_T_CONTINUE 7u   /* debug: let the halted app run on */
#define MVL_T_MEM_READ 8u   /* debug: bytes of the app's memory (struct mvl_mem) */
#define MVL_T_MEM_WRITE 9u  /* debug: write the app's RAM (struct mvl_mem, then the bytes) */
#define MVL_T_BREAK 10u     /* debug: insert or remove a software breakpoint in app flash (struct mvl_break) */
#define MVL_T_RESTART 11u   /* debug: restart the app (its breakpoints are removed first) */

/* lf_flags */
#define MVL_F_RESPONSE 0x01u /* answers the request with the same stream, type and lf_seq */
#define MVL_F_ERROR 0x02u    /* with MVL_F_RESPONSE: the payload is a struct mvl_error */

struct mvl_header {
	uint8_t lf_version; /* 0x00 MVL_FORMAT */
	uint8_t lf_stream;  /* 0x01 MVL_S_* */
	uint8_t lf_type;    /* 0x02 MVL_T_* of that stream */
	uint8_t lf_flags;   /* 0x03 MVL_F_* */
	uint16_t lf_seq;    /* 0x04 request number, echoed by the response */
	uint16_t lf_len;    /* 0x06 payload bytes, at most MVL_PAYLOAD_MAX */
};

/* Device states (lh_state). */
#define MVL_DEV_RUNNING 0u    /* the app runs */
#define MVL_DEV_SAFE 1u       /* no app runs: lh_reason says why; it asks for an update */
#define MVL_DEV_INSTALLING 2u /* an install is in progress (or was cut and resumes) */
#define MVL_DEV_STARTING 3u   /* STATUS only: the microvisor is starting, no app chosen yet */
#define MVL_DEV_TRIAL 4u      /* the app runs on trial after an install: it is confirmed or reverted next */

#define MVL_NAME_MAX 32u    /* board and app names, NUL-padded */
#define MVL_CHANNEL_MAX 16u /* channel name, NUL-padded */

/* HELLO request payload (device -> host).  The response has none. */
struct mvl_hello {
	uint32_t lh_fw_version;      /* 0x00 microvisor version, MVB_VERSION_PACK */
	uint32_t lh_abi;             /* 0x04 secure-call ABI, MVB_ABI_PACK */
	uint32_t lh_app_version;     /* 0x08 installed app, MVB_VERSION_PACK; 0: none */
	uint32_t lh_counter_floor;   /* 0x0c highest security counter it ever accepted */
	uint32_t lh_index_version;   /* 0x10 last channel index version it accepted; 0: none */
	uint32_t lh_state;           /* 0x14 MVL_DEV_* */
	uint32_t lh_reason;          /* 0x18 reason code of the safe mode or the last refusal; 0 */
	uint16_t lh_payload_max;     /* 0x1c largest payload it takes, <= MVL_PAYLOAD_MAX */
	uint16_t lh_reserved;        /* 0x1e zero */
	uint8_t lh_image_sha256[32]; /* 0x20 SHA-256 of the installed app image; zero: none */
	char lh_board[32];           /* 0x40 board name */
	char lh_app[32];             /* 0x60 app name it follows */
	char lh_channel[16];         /* 0x80 channel it follows */
};

#define MVL_OBJECT_MAX 96u /* longest object name */

/* READ request payload (device -> host): bytes [lr_offset, lr_offset +
 * lr_length) of a repository object, named in the directory of the board
 * and app of the device's last HELLO (the other end reads
 * lh_board/lh_app/lr_name) as mvbuild-repo(5) lays it out:
 * "CHANNEL/index" or "objects/SHA256.mvb". */
struct mvl_read {
	uint32_t lr_offset;   /* 0x00 first byte */
	uint16_t lr_length;   /* 0x04 bytes wanted, 1 to the payload limit less 8 */
	uint16_t lr_name_len; /* 0x06 bytes of lr_name used, 1 to MVL_OBJECT_MAX */
	char lr_name[96];     /* 0x08 the object's name, no NUL needed, rest zero */
};

/* READ response payload (host -> device): this header, then the bytes,
 * as many as the request asked for or up to the object's end. */
struct mvl_data {
	uint32_t ld_offset; /* 0x00 lr_offset of the request */
	uint32_t ld_total;  /* 0x04 the object's size */
};

/* Error responses (MVL_F_RESPONSE | MVL_F_ERROR). */
#define MVL_E_NOT_FOUND 1u   /* no such object */
#define MVL_E_RANGE 2u       /* the offset lies past the object's end */
#define MVL_E_REPOSITORY 3u  /* the other end could not read its repository */
#define MVL_E_BAD_REQUEST 4u /* a malformed request (name, length, type) */
#define MVL_E_UNSUPPORTED 5u /* a stream or type this end does not serve */
#define MVL_E_TOO_SOON 6u    /* asked again too soon (STATUS: once every MVL_STATUS_GAP_MS) */
#define MVL_E_TRIAL 7u       /* UPDATE_NOW while a release is on trial: ask again after its outcome */
#define MVL_E_AUTH 8u        /* not authorized, or an authorization refused: le_detail says why (MVL_A_*) */
#define MVL_E_RUNNING 9u     /* a debug request that needs the app halted, and it runs (or no app runs) */
#define MVL_E_ACCESS 10u     /* an address outside what the request may touch */
#define MVL_E_FULL 11u       /* no room for another breakpoint (MVL_BREAK_MAX in place, or the device's list used up) */
#define MVL_STATUS_GAP_MS 250u

/* le_detail of MVL_E_AUTH. */
#define MVL_A_NONE 0u      /* the request needs an authorized session and none is open */
#define MVL_A_NO_KEY 1u    /* the device trusts no debug key (none provisioned) */
#define MVL_A_DEVICE 2u    /* signed for another device (la_serial is not this one's) */
#define MVL_A_NONCE 3u     /* not the nonce of this device's last CHALLENGE: replayed, stale or never issued */
#define MVL_A_KEY 4u       /* signed with a key the device does not trust for debugging */
#define MVL_A_SIGNATURE 5u /* the signature does not verify */
#define MVL_A_DURATION 6u  /* la_seconds is 0 or over MVL_AUTH_MAX_S */
#define MVL_A_FORMAT 7u    /* wrong size or magic */

struct mvl_error {
	uint32_t le_code;   /* 0x00 MVL_E_* */
	uint32_t le_detail; /* 0x04 more about it (e.g. an errno), 0 */
};

/* REPORT request payload (device -> host): the end of an update session.
 * The response has none. */
#define MVL_R_INSTALLED 0u  /* a new release was installed and runs */
#define MVL_R_UP_TO_DATE 1u /* nothing newer for this device */
#define MVL_R_REFUSED 2u    /* what the repository offers was refused: lp_reason */
#define MVL_R_FAILED 3u     /* the link or the repository failed: it tries again later */
#define MVL_R_CONFIRMED 4u  /* the release on trial (lp_to_version) was confirmed; lp_from_version the one before */
#define MVL_R_REVERTED 5u   /* the release on trial (lp_from_version) was rejected (lp_reason) and
                              * lp_to_version put back; lp_reason 0 with REVERTED never happens */

struct mvl_report {
	uint32_t lp_outcome;      /* 0x00 MVL_R_* */
	uint32_t lp_reason;       /* 0x04 the device's reason code; 0 */
	uint32_t lp_from_version; /* 0x08 app version before */
	uint32_t lp_to_version;   /* 0x0c app version after (the offered one when refused) */
	uint32_t lp_bytes;        /* 0x10 object bytes it read over the link this session */
	uint32_t lp_reserved;     /* 0x14 zero */
};

/* LINE payload (device -> host): this header, then the text. */
struct mvl_line {
	uint32_t ll_seq;  /* 0x00 number of this line since boot */
	uint32_t ll_lost; /* 0x04 lines dropped before it (a full buffer) */
};

/* LOG_READ request payload (host -> device).  The device keeps its most
 * recent console lines (the ones it also sent as LINE) in a ring of
 * MVL_LOG_KEPT bytes; the response is a struct mvl_log_part, then
 * lk_count lines, each a length byte and that many bytes of text (no
 * newline): every line it keeps, oldest first.  A public request, like
 * LINE itself. */
#define MVL_LOG_KEPT 256u
struct mvl_log_req {
	uint32_t lq_from;     /* 0x00 the first line (ll_seq) the other end wants */
	uint32_t lq_reserved; /* 0x04 zero */
};

struct mvl_log_part {
	uint32_t lk_first; /* 0x00 ll_seq of the first line that follows */
	uint32_t lk_lost;  /* 0x04 lines from lq_from up to lk_first it no longer keeps (its ring was full) */
	uint32_t lk_count; /* 0x08 lines that follow */
	uint32_t lk_next;  /* 0x0c ll_seq its next line will get (lk_first + lk_count: all of them) */
};

/* STATUS response payload (device -> host); the request has none.  What
 * anyone at the other end may know: no secret, nothing of the app's. */
struct mvl_status {
	uint32_t ls_fw_version;      /* 0x00 microvisor version, MVB_VERSION_PACK */
	uint32_t ls_abi;             /* 0x04 secure-call ABI, MVB_ABI_PACK */
	uint32_t ls_uptime_ms;       /* 0x08 ms since the microvisor started (wraps after 49 days) */
	uint32_t ls_state;           /* 0x0c MVL_DEV_* */
	uint32_t ls_reason;          /* 0x10 safe mode's reason code; 0 */
	uint32_t ls_app_version;     /* 0x14 installed app, MVB_VERSION_PACK; 0: none valid */
	uint32_t ls_app_counter;     /* 0x18 its security counter */
	uint32_t ls_counter_floor;   /* 0x1c highest security counter it installed */
	uint32_t ls_index_version;   /* 0x20 last channel index version it accepted */
	uint32_t ls_starts;          /* 0x24 app starts since power-on */
	uint32_t ls_crashes;         /* 0x28 app crashes in a row before the current start */
	uint32_t ls_last_crash;      /* 0x2c reason code of the app's last crash; 0: none */
	uint32_t ls_rx_frames;       /* 0x30 frames it received whole since it started */
	uint32_t ls_rx_dropped;      /* 0x34 frames it dropped (bad CRC, length, COBS, format) */
	uint32_t ls_tx_frames;       /* 0x38 frames it sent */
	uint32_t ls_lines;           /* 0x3c console lines it sent as LINE frames since it started */
	uint32_t ls_update_state;    /* 0x40 the update record's state (mvb/devstate.h MVB_UREC_*) */
	uint32_t ls_rejected_version; /* 0x44 the last release rejected on trial here; 0: none */
	uint32_t ls_rejected_reason; /* 0x48 why (a reason code); 0: none */
	uint32_t ls_crash_record;    /* 0x4c cr_number of the crash record it keeps (mvb/crash.h); 0: none */
	uint8_t ls_image_sha256[32]; /* 0x50 SHA-256 of the installed app image; zero: none */
	char ls_serial[32];          /* 0x70 serial number from the provisioning record, NUL-padded */
	char ls_board[32];           /* 0x90 board name */
	char ls_app[32];             /* 0xb0 app name (the header's, else the provisioning record's) */
};

/* CRASH request payload (host -> device): where to read from.  The
 * response is the crash record's bytes (mvb/crash.h) from lq_offset, at
 * most MVL_CRASH_CHUNK of them (fewer at its end: its cr_size, in the
 * first chunk, says how many in all); errors: MVL_E_AUTH (no authorized
 * session), MVL_E_NOT_FOUND (no crash since power-on), MVL_E_RANGE
 * (lq_offset at or past the record's end). */
#define MVL_CRASH_CHUNK 448u
struct mvl_crash_req {
	uint32_t lq_offset;   /* 0x00 byte of the record to start at */
	uint32_t lq_reserved; /* 0x04 zero */
};

/* CHALLENGE response payload (device -> host); the request has none.  A
 * new CHALLENGE replaces the nonce of the one before; an AUTH uses it up,
 * accepted or not. */
#define MVL_NONCE_SIZE 16u
#define MVL_AUTH_MAX_S 3600u     /* longest authorized session */
#define MVL_AUTH_IDLE_MS 30000u  /* a session also ends after this long without a frame from the peer */
struct mvl_challenge {
	uint8_t lc_nonce[MVL_NONCE_SIZE]; /* 0x00 fresh for this challenge */
	char lc_serial[32];               /* 0x10 the device's serial, NUL-padded */
	uint8_t lc_key_id[8];             /* 0x30 the debug key it trusts; zero: none */
	uint32_t lc_max_s;                /* 0x38 MVL_AUTH_MAX_S */
	uint32_t lc_reserved;             /* 0x3c zero */
};

/* AUTH request payload (host -> device): an ECDSA P-256 signature, with
 * the debug key the device was provisioned to trust, over the SHA-256 of
 * the first MVL_AUTH_SIGNED bytes.  The response is empty, or an error
 * MVL_E_AUTH with the MVL_A_* reason, checked in this order: FORMAT,
 * NO_KEY, DEVICE, NONCE, KEY, DURATION, SIGNATURE (the nonce is used up
 * by any AUTH of the right size).  MVL_E_TOO_SOON while no app runs (an
 * install or safe mode: the device has no memory to spare for the check). */
#define MVL_AUTH_MAGIC 0x4144564du /* bytes "MVDA" */
#define MVL_AUTH_SIGNED 0x40u
struct mvl_auth {
	uint32_t la_magic;                /* 0x00 MVL_AUTH_MAGIC */
	uint32_t la_seconds;              /* 0x04 how long the session may last, 1 to MVL_AUTH_MAX_S */
	uint8_t la_nonce[MVL_NONCE_SIZE]; /* 0x08 lc_nonce of the device's last CHALLENGE */
	char la_serial[32];               /* 0x18 lc_serial */
	uint8_t la_key_id[8];             /* 0x38 the signing key's id (mvbuild-keygen(1)) */
	uint8_t la_sig[64];               /* 0x40 r || s, big-endian */
};

/*
 * The debug agent.  All of it needs an authorized session; its end (END,
 * deadline, MVL_AUTH_IDLE_MS of silence) removes every breakpoint and
 * lets a halted app run on.  The app is halted only in thread mode, with
 * its interrupts unmasked (PRIMASK, FAULTMASK and BASEPRI clear) and
 * outside a secure call: a HALT waits for that (MVL_DS_HALTING).  Its
 * interrupt handlers keep running while it is halted.
 */
#define MVL_DS_RUNNING 0u /* the app runs */
#define MVL_DS_HALTING 1u /* HALT asked; the app is in a handler, a secure call or masked */
#define MVL_DS_HALTED 2u  /* the app is halted: the registers are valid */
#define MVL_DS_NO_APP 3u  /* no app runs (safe mode, an install) */
#define MVL_DW_REQUEST 1u /* ld_why: halted by HALT */
#define MVL_DW_BREAK 2u   /* ld_why: halted at a breakpoint (ld_regs.lg_pc is its address) */
#define MVL_BREAK_MAX 8u  /* breakpoints in place at once */

/* The app's registers as gdb's org.gnu.gdb.arm.m-profile feature orders
 * them.  Written by REGS: lg_sp must be what STATE said (the stack does
 * not move), of lg_xpsr only the flags (bits 31-27 and 19-16) change. */
struct mvl_regs {
	uint32_t lg_r[13]; /* 0x00 r0-r12 */
	uint32_t lg_sp;    /* 0x34 the sp of the halted code (its MSP or PSP) */
	uint32_t lg_lr;    /* 0x38 */
	uint32_t lg_pc;    /* 0x3c */
	uint32_t lg_xpsr;  /* 0x40 */
};

/* STATE response payload; the request has none. */
struct mvl_dstate {
	uint32_t ld_state;   /* 0x00 MVL_DS_* */
	uint32_t ld_why;     /* 0x04 MVL_DW_* while halted; 0 */
	uint32_t ld_starts;  /* 0x08 app starts since power-on: a change means the app restarted */
	uint32_t ld_skipped; /* 0x0c breakpoints reached where the app could not halt (a handler, masked): removed */
	struct mvl_regs ld_regs; /* 0x10 halted: the app's registers; else zero */
};

/* MEM_READ and MEM_WRITE request payload.  Reads: the app's flash and
 * RAM partitions (non-secure addresses), as they are (a breakpoint reads
 * as its BKPT: mvbuild debug shows gdb what it replaced); writes: its RAM
 * only.  Anything else, or a range that wraps or leaves its partition,
 * is MVL_E_ACCESS. */
#define MVL_MEM_MAX 448u
struct mvl_mem {
	uint32_t lm_addr; /* 0x00 first byte */
	uint16_t lm_len;  /* 0x04 1 to MVL_MEM_MAX bytes; MEM_WRITE: the bytes that follow */
	uint16_t lm_reserved; /* 0x06 zero */
};

/* BREAK request payload.  lb_addr even, in the app's flash; inserting
 * where one is already, or removing where none is, is not an error. */
struct mvl_break {
	uint32_t lb_addr;   /* 0x00 the instruction's address */
	uint32_t lb_insert; /* 0x04 1 insert, 0 remove */
};

#endif
