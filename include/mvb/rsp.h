/*
 * rsp.h - a client of the GDB remote serial protocol, as spoken by every
 * debug probe's GDB server (QEMU's gdbstub, OpenOCD, st-util, pyOCD,
 * J-Link) and used by `mvbuild flash` to write and read target memory.
 *
 * The client owns no socket and no clock: bytes and time come through the
 * callbacks of struct mvb_rsp_io, so the core stays free of I/O and the
 * tests can put any byte stream (and any passage of time) in front of it.
 *
 * Every wait on the server is bounded three ways, so a server that talks
 * but never answers is an error, never a hang:
 *  - time: the whole reply to a request (acknowledgement, retransmissions,
 *    console output and notifications included) must arrive within one
 *    deadline, timeout_ms from when the request goes out (flash erase and
 *    programming get more: see mvb_rsp_flash_*), not timeout_ms per read;
 *  - bytes: at most MVB_RSP_MAX_WAIT_BYTES arrive while one reply is awaited
 *    (noise, 'O' console packets, '%' notifications, bad packets);
 *  - size: a packet is at most MVB_RSP_MAX_PACKET decoded bytes and
 *    MVB_RSP_MAX_RAW_PACKET bytes on the wire; a longer one is an error at
 *    once, without reading to its end.
 * A bad checksum is answered with '-' and the server's retransmission is
 * awaited, at most `retries` times.  On any failure the functions return a
 * nonzero enum mvb_rsp_rc and leave a one-line explanation (lowercase, no
 * trailing period) in c->err.
 */
#ifndef MVB_RSP_H
#define MVB_RSP_H

#include <stddef.h>
#include <stdint.h>
#include "mvb/buf.h"

#define MVB_RSP_MAX_PACKET 65536u   /* decoded reply payload we accept */
#define MVB_RSP_MAX_MAP 16u         /* memory-map regions kept */
#define MVB_RSP_MAX_MAP_XML 65536u  /* memory-map document size accepted */
#define MVB_RSP_DEFAULT_PACKET 400u /* PacketSize when the server names none */
#define MVB_RSP_MAX_RAW_PACKET (2u * MVB_RSP_MAX_PACKET + 4u) /* framed and escaped */
#define MVB_RSP_MAX_WAIT_BYTES 1048576u /* bytes received while one reply is awaited */
#define MVB_RSP_DEFAULT_TIMEOUT_MS 5000 /* deadline of a reply */
/* Extra time for flash requests, as a rate the slowest flash should still
 * beat: erasing (vFlashErase) 1 s per 32 KiB, programming (vFlashWrite, and
 * vFlashDone, where OpenOCD, pyOCD and J-Link program what they buffered)
 * 1 s per 8 KiB. */
#define MVB_RSP_ERASE_BYTES_PER_S 32768u
#define MVB_RSP_PROGRAM_BYTES_PER_S 8192u

enum mvb_rsp_rc {
	MVB_RSP_OK = 0,
	MVB_RSP_ECLOSED,      /* the server closed the connection */
	MVB_RSP_ETIMEOUT,     /* no (complete) answer in time */
	MVB_RSP_EPROTO,       /* malformed or unexpected reply, checksum retries used up */
	MVB_RSP_ESERVER,      /* the server answered "Exx" */
	MVB_RSP_EUNSUPPORTED, /* the server does not know the request (empty reply) */
	MVB_RSP_EIO,          /* the transport failed */
	MVB_RSP_EFLOOD,       /* MVB_RSP_MAX_WAIT_BYTES arrived, none of them the reply */
};

/* The transport.  read returns the number of bytes read (> 0), 0 at end of
 * stream, MVB_RSP_IO_TIMEOUT when nothing arrived within timeout_ms, or -1
 * on error.  write writes all n bytes and returns 0, or -1.  now_ms is a
 * monotonic clock in milliseconds (any origin); every deadline is measured
 * on it, and it is required. */
#define MVB_RSP_IO_TIMEOUT (-2)
struct mvb_rsp_io {
	void *ctx;
	long (*read)(void *ctx, unsigned char *buf, size_t n, int timeout_ms);
	int (*write)(void *ctx, const unsigned char *buf, size_t n);
	uint64_t (*now_ms)(void *ctx);
};

enum mvb_rsp_mem { MVB_RSP_RAM, MVB_RSP_ROM, MVB_RSP_FLASH };

struct mvb_rsp_region {
	uint32_t start, length;
	uint32_t blocksize; /* flash erase block; 0 for RAM and ROM */
	enum mvb_rsp_mem type;
};

/* Where the run went after a continue. */
struct mvb_rsp_stop {
	char kind;      /* 'W' exited, 'X' terminated by signal, 'T'/'S' stopped */
	unsigned value; /* exit status or signal number */
};

/* Console output the target sends with 'O' packets (during qRcmd and while
 * running); NULL drops it. */
typedef void (*mvb_rsp_output_fn)(void *ctx, const char *text, size_t len);

struct mvb_rsp {
	struct mvb_rsp_io io;
	int timeout_ms;   /* deadline of each whole reply */
	unsigned retries; /* retransmissions per packet */
	mvb_rsp_output_fn output;
	void *output_ctx;

	/* what the server offered (filled by mvb_rsp_start) */
	size_t packet_size;
	int noack;
	int has_memory_map;
	int x_state;   /* binary X writes: 0 not tried, 1 works, -1 refused */
	int crc_state; /* qCRC: 0 not tried, 1 works, -1 refused */
	struct mvb_rsp_region map[MVB_RSP_MAX_MAP];
	unsigned nmap;
	uint64_t flash_pending; /* bytes sent by vFlashWrite since vFlashDone */

	/* statistics */
	unsigned long packets_sent, retransmits, bytes_sent;

	char err[200];
	char said[256]; /* the console output of the last monitor command (its start) */
	size_t said_len;

	/* private */
	unsigned char rbuf[4096];
	size_t rlen, rpos;
	uint64_t deadline;   /* of the reply awaited (now_ms clock) */
	int wait_ms;         /* the time it was given */
	size_t wait_got;     /* bytes received since it was asked for */
	size_t wait_max;     /* bound on wait_got (0: none, the run's console) */
	struct mvb_buf tx, reply;
};

/* Sets defaults (5 s for each reply, 3 retries).  Cannot fail. */
void mvb_rsp_init(struct mvb_rsp *c, const struct mvb_rsp_io *io);
void mvb_rsp_release(struct mvb_rsp *c);

/* Greets the server: qSupported (PacketSize, memory map, no-ack mode),
 * QStartNoAckMode when offered, the memory map when offered, and '?'. */
int mvb_rsp_start(struct mvb_rsp *c);

/* Sends one packet and returns its decoded reply in *reply (borrowed from
 * c, valid until the next call).  An "Exx" reply is MVB_RSP_ESERVER and an
 * empty one MVB_RSP_EUNSUPPORTED, with the reply still in *reply. */
int mvb_rsp_request(struct mvb_rsp *c, const unsigned char *pkt, size_t len, const struct mvb_buf **reply);

/* Memory as RAM: binary X where the server takes it, hex M otherwise. */
int mvb_rsp_write_mem(struct mvb_rsp *c, uint32_t addr, const unsigned char *data, size_t len);
int mvb_rsp_read_mem(struct mvb_rsp *c, uint32_t addr, unsigned char *out, size_t len);

/* Flash through the server's flash driver (only for memory-map flash).  The
 * reply to an erase may take timeout_ms plus 1 s per MVB_RSP_ERASE_BYTES_PER_S
 * erased; to a write, timeout_ms plus 1 s per MVB_RSP_PROGRAM_BYTES_PER_S in
 * the packet; to vFlashDone, timeout_ms plus 1 s per
 * MVB_RSP_PROGRAM_BYTES_PER_S written since the previous vFlashDone. */
int mvb_rsp_flash_erase(struct mvb_rsp *c, uint32_t addr, uint32_t len);
int mvb_rsp_flash_write(struct mvb_rsp *c, uint32_t addr, const unsigned char *data, size_t len);
int mvb_rsp_flash_done(struct mvb_rsp *c);

/* The server's CRC-32 of target memory (qCRC; GDB's CRC: polynomial
 * 0x04c11db7, MSB first, initial 0xffffffff, no final xor). */
int mvb_rsp_crc(struct mvb_rsp *c, uint32_t addr, uint32_t len, uint32_t *crc);
uint32_t mvb_rsp_crc_local(uint32_t crc, const unsigned char *p, size_t n);

/* A monitor command (qRcmd); its console output goes to c->output.  A
 * command the server refuses is MVB_RSP_ESERVER (or EUNSUPPORTED without
 * qRcmd), c->err saying so: an error reply, or output that says the
 * command does not exist (QEMU: "unknown command: ...", OpenOCD:
 * "invalid command name ...", which both answer OK after it). */
int mvb_rsp_monitor(struct mvb_rsp *c, const char *cmd);
/* *qemu 1 when the server is QEMU's gdbstub (it answers the qqemu.sstepbits
 * query), else 0.  Returns 0 or an error. */
int mvb_rsp_is_qemu(struct mvb_rsp *c, int *qemu);

/* Resumes the target ('c'); does not wait. */
int mvb_rsp_continue(struct mvb_rsp *c);
/* Waits up to timeout_ms in all for a stop reply after mvb_rsp_continue;
 * console output meanwhile is unbounded in bytes (the device may print for
 * the whole run) but not in time. */
int mvb_rsp_wait_stop(struct mvb_rsp *c, int timeout_ms, struct mvb_rsp_stop *stop);
/* Detaches ('D'); the target runs on. */
int mvb_rsp_detach(struct mvb_rsp *c);

/* Parses a GDB memory-map document into regions (at most max).  Returns the
 * number of regions, or -1 when the document is malformed. */
int mvb_rsp_parse_memory_map(const char *xml, size_t len, struct mvb_rsp_region *out, unsigned max);

/* The map region holding addr, or NULL. */
const struct mvb_rsp_region *mvb_rsp_region_at(const struct mvb_rsp *c, uint32_t addr);

const char *mvb_rsp_rc_name(int rc);

#endif
