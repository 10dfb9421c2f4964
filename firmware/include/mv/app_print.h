/*
 * app_print.h - small text helpers for apps, on top of mv_log(): a string,
 * a labelled decimal or hex number.  Header-only, no state, no libc.
 */
#ifndef MV_APP_PRINT_H
#define MV_APP_PRINT_H

#include <stdint.h>

#include "mv_api.h"

#ifdef __cplusplus
extern "C" {
#endif

static inline void mv_print(const char *s)
{
	uint32_t n = 0;

	while (s[n] != '\0')
		n++;
	/* Longer strings go in MV_LOG_MAX pieces. */
	for (uint32_t off = 0; off < n; off += MV_LOG_MAX)
		(void)mv_log(s + off, n - off < MV_LOG_MAX ? n - off : MV_LOG_MAX);
}

/* "<label><value>\n", value in decimal. */
static inline void mv_print_dec(const char *label, uint32_t v)
{
	char b[12];
	uint32_t i = sizeof b;

	b[--i] = '\0';
	b[--i] = '\n';
	do {
		b[--i] = (char)('0' + v % 10u);
		v /= 10u;
	} while (v != 0u);
	mv_print(label);
	mv_print(&b[i]);
}

/* "<label>0x%08x\n". */
static inline void mv_print_hex(const char *label, uint32_t v)
{
	char b[12];

	b[0] = '0';
	b[1] = 'x';
	for (uint32_t i = 0; i < 8u; i++) {
		uint32_t d = (v >> (28u - 4u * i)) & 15u;

		b[2 + i] = (char)(d < 10u ? '0' + d : 'a' + d - 10u);
	}
	b[10] = '\n';
	b[11] = '\0';
	mv_print(label);
	mv_print(b);
}

#ifdef __cplusplus
}
#endif

#endif
