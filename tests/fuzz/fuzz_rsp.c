/* fuzz_rsp.c - libFuzzer harness: the GDB remote protocol client fed an
 * arbitrary server byte stream (greeting, memory map, reads, writes, flash,
 * CRC, monitor, stop replies), and the memory-map parser on raw input.
 *
 * Covers: src/core/rsp.c
 */
#include <stdlib.h>
#include <string.h>
#include "mvb/rsp.h"

struct feed {
	const uint8_t *p;
	size_t n, pos;
};

static long f_read(void *ctx, unsigned char *buf, size_t n, int timeout_ms)
{
	(void)timeout_ms;
	struct feed *f = ctx;
	if (f->pos == f->n)
		return 0;
	/* uneven chunks, so packets straddle reads */
	size_t k = 1 + (f->p[f->pos] % 61);
	if (k > f->n - f->pos)
		k = f->n - f->pos;
	if (k > n)
		k = n;
	memcpy(buf, f->p + f->pos, k);
	f->pos += k;
	return (long)k;
}

/* time stands still: the stream ends before any deadline could pass */
static uint64_t f_now(void *ctx)
{
	(void)ctx;
	return 0;
}

static int f_write(void *ctx, const unsigned char *buf, size_t n)
{
	(void)ctx;
	(void)buf;
	(void)n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mvb_rsp_region r[MVB_RSP_MAX_MAP];
	mvb_rsp_parse_memory_map((const char *)data, size, r, MVB_RSP_MAX_MAP);

	struct feed f = { data, size, 0 };
	struct mvb_rsp_io io = { &f, f_read, f_write, f_now };
	struct mvb_rsp c;
	mvb_rsp_init(&c, &io);
	unsigned char buf[600], wr[300];
	memset(wr, '}', sizeof(wr));
	mvb_rsp_start(&c);
	mvb_rsp_read_mem(&c, 0x1000, buf, sizeof(buf));
	mvb_rsp_write_mem(&c, 0x2000, wr, sizeof(wr));
	mvb_rsp_flash_erase(&c, 0x8000000, 0x2000);
	mvb_rsp_flash_write(&c, 0x8000000, wr, sizeof(wr));
	mvb_rsp_flash_done(&c);
	uint32_t crc;
	mvb_rsp_crc(&c, 0x1000, 16, &crc);
	mvb_rsp_monitor(&c, "reset");
	struct mvb_rsp_stop st;
	mvb_rsp_continue(&c);
	mvb_rsp_wait_stop(&c, 1000, &st);
	mvb_rsp_detach(&c);
	mvb_rsp_release(&c);
	return 0;
}
