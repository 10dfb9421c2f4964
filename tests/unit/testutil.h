/* testutil.h - helpers shared by the unit tests: files, fixtures built with
 * arm-none-eabi-gcc at test time, and diagnostic assertions. */
#ifndef MVB_TESTUTIL_H
#define MVB_TESTUTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "mvb/board.h"
#include "mvb/buf.h"
#include "mvb/diag.h"
#include "mvb/sign.h"

/* Reads a file (relative paths are under the source tree); fails the test
 * when it cannot.  Returns a malloc'd NUL-terminated buffer. */
char *tu_read(const char *path, size_t *len);
/* The text with the first occurrence of from replaced by to (malloc'd);
 * fails the test when from is absent. */
char *tu_replace(const char *text, const char *from, const char *to);
/* 1-based line of the first occurrence of needle in text. */
unsigned tu_line_of(const char *text, const char *needle);
/* Builds tests/data/elf/app.c with extra flags into tmp/<name>.elf and
 * returns its path (static storage); cached per name within a process. */
const char *tu_build_app(const char *name, const char *flags);
/* Runs a shell command; returns its exit status. */
int tu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parses the shipped board manifest boards/<name>.yaml. */
void tu_board(struct mvb_board *b, const char *name);
/* Asserts that d holds a finding with the id (printing d when not). */
void tu_expect_id(const struct mvb_diags *d, const char *id);
void tu_print(const struct mvb_diags *d);

struct mvb_key;
/* The P-256 private key mvb_key_generate makes from these 32 seed bytes
 * (the same key every run). */
struct mvb_key *tu_key(const uint8_t seed[32]);

/* Parses the unsigned bundle in b and writes it to out with one signature
 * by k (blinding from a fixed seed, so the bytes are the same each run). */
void tu_sign_bundle(const struct mvb_buf *b, const struct mvb_key *k, struct mvb_buf *out);

#endif
