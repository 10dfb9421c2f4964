/*
 * gen.h - renders the firmware's configuration from the board model: a C
 * header of addresses and tables, and a linker-script MEMORY fragment.
 * Output is a pure function of the board (no dates, no paths beyond the
 * manifest's base name), so generated files are reproducible.
 */
#ifndef MVB_GEN_H
#define MVB_GEN_H

#include "mvb/board.h"
#include "mvb/buf.h"

int mvb_gen_header(const struct mvb_board *b, struct mvb_buf *out);
int mvb_gen_ld(const struct mvb_board *b, struct mvb_buf *out);

#endif
