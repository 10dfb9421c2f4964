/* harness.h - what several fuzz harnesses share: the default board (from
 * the path in MVB_FUZZ_BOARD, set by scripts/fuzz.sh and CTest) and the
 * fixed trusted key their seeds are signed with.  Header-only: each
 * harness is one translation unit. */
#ifndef MVB_FUZZ_HARNESS_H
#define MVB_FUZZ_HARNESS_H
#include <stdio.h>
#include <stdlib.h>
#include "mvb/board.h"
#include "mvb/sign.h"

/* The board at $MVB_FUZZ_BOARD, parsed once; aborts when there is none. */
static inline const struct mvb_board *fuzz_board(void)
{
	static struct mvb_board board;
	static int have;
	if (have)
		return &board;
	const char *p = getenv("MVB_FUZZ_BOARD");
	FILE *f = p ? fopen(p, "rb") : NULL;
	if (!f) {
		fprintf(stderr, "fuzz: set MVB_FUZZ_BOARD to a board manifest\n");
		abort();
	}
	static char text[1 << 16];
	size_t n = fread(text, 1, sizeof(text), f);
	fclose(f);
	struct mvb_diags d = MVB_DIAGS_INIT;
	if (mvb_board_parse(&board, p, text, n, &d))
		abort();
	mvb_diags_release(&d);
	have = 1;
	return &board;
}

/* The private key made from 32 bytes of 0x42, 0, ...: the one the signed
 * seeds of fuzz_bundle and fuzz_repo carry; it also serves as the trusted
 * public key. */
static inline struct mvb_key *fuzz_trusted_key(void)
{
	static struct mvb_key *key;
	if (key)
		return key;
	uint8_t seed[32] = { 0x42 };
	struct mvb_buf priv = MVB_BUF_INIT, pub = MVB_BUF_INIT;
	char err[64];
	if (mvb_key_generate(seed, sizeof(seed), &priv, &pub) ||
	    mvb_key_load(&key, priv.data, priv.len, NULL, 1, err, sizeof(err)))
		abort();
	mvb_buf_release(&priv);
	mvb_buf_release(&pub);
	return key;
}

/* FNV-1a of the input: picks the same inputs every time for checks too
 * slow to run on all of them. */
static inline uint32_t fuzz_hash(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}
#endif
