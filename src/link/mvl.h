/*
 * mvl.h - the link's frame codec and message layouts (mvbuild-link(5)),
 * written once for both ends: the microvisor's link driver and 'mvbuild
 * serve' compile the same src/link/link.c.  Freestanding: <stdint.h> and
 * <stddef.h>, no C library call, no allocation, no static state; every
 * length is checked against the space it claims before it is used.
 *
 * The CRC is mv_crc32() from firmware/core/crc32.c, which both ends link.
 */
#ifndef MVL_H
#define MVL_H

#include <stddef.h>
#include <stdint.h>

#include "mvb/link.h"

uint32_t mv_crc32(uint32_t crc, const void *data, uint32_t len);

/* ---- sending */

/* Encode one frame (header fields as given, lf_version and lf_len filled
 * in) with `len` payload bytes into `out`: a leading zero, the COBS bytes,
 * the closing zero.  Returns the bytes written, 0 if `len` is over
 * MVL_PAYLOAD_MAX or `cap` is too small (MVL_WIRE_MAX always suffices).
 * The payload must not lie inside `out`, which is scratch space up to
 * `cap` bytes. */
size_t mvl_encode(uint8_t stream, uint8_t type, uint8_t flags, uint16_t seq, const void *payload, size_t len,
                  uint8_t *out, size_t cap);

/* ---- receiving: feed every byte; a frame comes out whole or not at all */

/* Why a frame was dropped (the counters of struct mvl_rx). */
#define MVL_RX_OVERSIZE 0u /* more bytes than the longest frame before a zero */
#define MVL_RX_COBS 1u     /* not valid COBS */
#define MVL_RX_SHORT 2u    /* shorter than a header and a CRC */
#define MVL_RX_LENGTH 3u   /* lf_len disagrees with the frame's size, or is over the limit */
#define MVL_RX_VERSION 4u  /* another protocol format */
#define MVL_RX_CRC 5u      /* CRC mismatch */
#define MVL_RX_KINDS 6u

struct mvl_rx {
	uint8_t buf[MVL_WIRE_MAX - 2u]; /* the frame since the last zero, decoded as it comes */
	uint16_t n;                /* encoded bytes since the last zero */
	uint16_t w;                /* decoded bytes in buf */
	uint8_t left;              /* data bytes still to come in the current COBS block */
	uint8_t code;              /* the current block's code byte */
	uint8_t skipping;          /* an oversize frame: drop bytes up to the next zero */
	uint32_t frames;           /* frames delivered */
	uint32_t dropped[MVL_RX_KINDS];
};

void mvl_rx_init(struct mvl_rx *rx);

/* One byte in.  Returns 1 when it completed a valid frame: *h holds its
 * header and *payload points at its lf_len payload bytes inside rx->buf,
 * valid until the next call.  Returns 0 otherwise (the byte was kept, or a
 * bad frame was dropped and counted). */
int mvl_rx_byte(struct mvl_rx *rx, uint8_t b, struct mvl_header *h, const uint8_t **payload);

/* ---- payloads: fixed layouts, little-endian (sizes in bytes) */
#define MVL_HELLO_SIZE 0x90u
#define MVL_READ_SIZE 0x68u
#define MVL_DATA_SIZE 8u
#define MVL_ERROR_SIZE 8u
#define MVL_REPORT_SIZE 0x18u
#define MVL_LINE_SIZE 8u
#define MVL_STATUS_SIZE 0xd0u
#define MVL_LOG_REQ_SIZE 8u
#define MVL_LOG_PART_SIZE 16u

/* The records with names and hashes (hello, read, status) lay their
 * fields out as their structs in mvb/link.h do (link.c checks it): on a
 * little-endian machine such a struct is byte for byte its payload, and
 * a sender may send it as it is instead of putting it. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MVL_STRUCT_IS_PAYLOAD 1
#else
#define MVL_STRUCT_IS_PAYLOAD 0
#endif

void mvl_put_hello(uint8_t *p, const struct mvl_hello *m);
/* The get functions check the payload's length and return 0, or -1. */
int mvl_get_hello(const uint8_t *p, size_t len, struct mvl_hello *m);
void mvl_put_read(uint8_t *p, const struct mvl_read *m);
/* Also refuses a name that is empty, over MVL_OBJECT_MAX, holds a byte
 * outside [A-Za-z0-9._/-], starts with '/', or has a ".." component,
 * and a length of 0 or past what `payload_max` lets a response carry. */
/* Whether n bytes at s are an object name a READ may carry (the rule
 * mvl_get_read applies; the device checks the names it builds with it). */
int mvl_name_ok(const char *s, size_t n);
int mvl_get_read(const uint8_t *p, size_t len, uint16_t payload_max, struct mvl_read *m);
void mvl_put_data(uint8_t *p, const struct mvl_data *m);
int mvl_get_data(const uint8_t *p, size_t len, struct mvl_data *m);
void mvl_put_error(uint8_t *p, const struct mvl_error *m);
int mvl_get_error(const uint8_t *p, size_t len, struct mvl_error *m);
void mvl_put_report(uint8_t *p, const struct mvl_report *m);
int mvl_get_report(const uint8_t *p, size_t len, struct mvl_report *m);
void mvl_put_status(uint8_t *p, const struct mvl_status *m);
/* Also refuses a state over MVL_DEV_TRIAL; names are read as
 * NUL-padded strings (the last byte of each is forced to NUL). */
int mvl_get_status(const uint8_t *p, size_t len, struct mvl_status *m);
void mvl_put_line(uint8_t *p, const struct mvl_line *m);
int mvl_get_line(const uint8_t *p, size_t len, struct mvl_line *m);
void mvl_put_log_req(uint8_t *p, const struct mvl_log_req *m);
/* A LOG_READ response: the header, then lk_count lines (a length byte and
 * its text each) that fill the payload exactly, and lk_next equal to
 * lk_first + lk_count; anything else is refused.  On success the lines
 * are read with mvl_log_line(). */
int mvl_get_log_part(const uint8_t *p, size_t len, struct mvl_log_part *m);
/* The line at *off of a payload mvl_get_log_part() accepted (start with
 * *off = 0): 1 with *text and *n set and *off moved past it, 0 after the
 * last line (or if the payload does not hold a whole line there). */
int mvl_log_line(const uint8_t *p, size_t len, size_t *off, const uint8_t **text, size_t *n);

#endif
