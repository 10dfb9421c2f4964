/* test_reason.c - the microvisor's reason texts on the host and the
 * decoder of its "{#HEX}" tokens (src/core/reason.c): one row per input,
 * with the text it must decode to; every row is also fed in pieces split
 * at every byte, held back as mvb_reason_pending says, and must decode the
 * same; every code of the firmware's own table round-trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mvb/reason.h"
#include "mv/reason.h"

#define CRC "app header crc mismatch"
#define NOAPP "no app installed (header magic missing)"

struct row {
	const char *what;
	const char *in; /* may hold NULs: len says how long */
	size_t len;
	const char *want;
	size_t want_len;
};
#define ROW(what, in, want) { what, in, sizeof(in) - 1, want, sizeof(want) - 1 }

static const struct row rows[] = {
	/* known codes */
	ROW("the example line", "mv: safe mode: {#4103} (reason 4103)", "mv: safe mode: " CRC " (reason 4103)"),
	ROW("a token alone", "{#4103}", CRC),
	ROW("code 0, one digit", "{#0}", "no error"),
	ROW("two digits of detail", "app fault: {#4510} SFSR=0x8", "app fault: SecureFault SFSR=0x8"),
	ROW("at the end of a line", "x {#4001}\n", "x " NOAPP "\n"),
	/* adjacent and nested */
	ROW("adjacent tokens", "{#4103}{#4001}", CRC NOAPP),
	ROW("the same token twice", "{#0} {#0}", "no error no error"),
	ROW("an opening brace before", "{{#4103}", "{" CRC),
	ROW("'{#' before", "{#{#4103}", "{#" CRC),
	ROW("a closing brace after", "{#4103}}", CRC "}"),
	ROW("a token cut short, then one", "{#41{#4103}", "{#41" CRC),
	/* unknown codes: as they are */
	ROW("unknown code", "{#ffff}", "{#ffff}"),
	ROW("unknown code of 8 digits", "{#deadbeef}", "{#deadbeef}"),
	ROW("unknown 8 digits ending in a known code", "{#10004103}", "{#10004103}"),
	ROW("unknown beside known", "{#1}{#4103}{#2}", "{#1}" CRC "{#2}"),
	/* malformed: as they are */
	ROW("no digits", "{#}", "{#}"),
	ROW("leading zero", "{#04103}", "{#04103}"),
	ROW("zero twice", "{#00}", "{#00}"),
	ROW("leading zeros to 8 digits", "{#00004103}", "{#00004103}"),
	ROW("nine digits", "{#000004103}", "{#000004103}"),
	ROW("uppercase digit", "{#4A03}", "{#4A03}"),
	ROW("0x", "{#0x4103}", "{#0x4103}"),
	ROW("no '#'", "{4103}", "{4103}"),
	ROW("a space inside", "{# 4103}", "{# 4103}"),
	ROW("a space before the brace", "{#4103 }", "{#4103 }"),
	ROW("another closing bracket", "{#4103]", "{#4103]"),
	ROW("'#' first", "#4103}", "#4103}"),
	ROW("a NUL inside", "{#41\0" "03}", "{#41\0" "03}"),
	ROW("a NUL around", "\0{#4103}\0", "\0" CRC "\0"),
	/* truncated: as they are */
	ROW("only a brace", "{", "{"),
	ROW("brace and '#'", "{#", "{#"),
	ROW("no closing brace", "mv: {#4103", "mv: {#4103"),
	ROW("eight digits, no brace", "{#10004103", "{#10004103"),
	/* nothing to do */
	ROW("empty", "", ""),
	ROW("plain text", "app: hello {world} #1", "app: hello {world} #1"),
};

static void test_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		char out[256];
		size_t n = mvb_reason_decode(r->in, r->len, out, sizeof(out));
		if (n != r->want_len || memcmp(out, r->want, n) != 0 || out[n] != 0)
			fail_msg("row '%s': decoded to '%.*s' (%zu bytes), want '%s'", r->what, (int)n, out, n, r->want);
	}
}

/* Fed in two pieces split at every byte, as mvbuild decode reads a stream:
 * the bytes mvb_reason_pending names are held to the front of the next. */
static void test_pieces(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		for (size_t cut = 0; cut <= r->len; cut++) {
			char buf[128], out[512];
			size_t o = 0;
			memcpy(buf, r->in, cut);
			size_t held = mvb_reason_pending(buf, cut);
			assert_true(held < MVB_REASON_TOKEN_MAX);
			o += mvb_reason_decode(buf, cut - held, out + o, sizeof(out) - o);
			memmove(buf, buf + cut - held, held);
			memcpy(buf + held, r->in + cut, r->len - cut);
			o += mvb_reason_decode(buf, held + r->len - cut, out + o, sizeof(out) - o);
			if (o != r->want_len || memcmp(out, r->want, o) != 0)
				fail_msg("row '%s' cut at %zu: decoded to '%.*s', want '%s'", r->what, cut, (int)o, out,
					 r->want);
		}
	}
}

static void test_pending(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t want;
	} t[] = {
		{ "", 0 },           { "abc", 0 },         { "abc{", 1 },        { "abc{#", 2 },
		{ "x{#4103", 6 },    { "{#0", 3 },         { "{#00", 0 },        { "{#10004103", 10 },
		{ "{#100041030", 0 }, { "{#4103}", 0 },    { "{#4G", 0 },        { "{4", 0 },
		{ "{#41{", 1 },      { "{#41{#4", 3 },     { "{#ABC", 0 },       { "{#4103 ", 0 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (mvb_reason_pending(t[i].in, strlen(t[i].in)) != t[i].want)
			fail_msg("pending '%s': %zu, want %zu", t[i].in, mvb_reason_pending(t[i].in, strlen(t[i].in)),
				 t[i].want);
}

/* snprintf semantics: the whole length returned, a NUL always, no byte
 * past the cap. */
static void test_cap(void **state)
{
	(void)state;
	const char *in = "a {#4103} b";
	size_t whole = strlen("a " CRC " b");
	for (size_t cap = 0; cap <= whole + 2; cap++) {
		char out[64];
		memset(out, 'Z', sizeof(out));
		assert_int_equal(mvb_reason_decode(in, strlen(in), out, cap), whole);
		if (cap == 0) {
			assert_int_equal(out[0], 'Z');
			continue;
		}
		size_t got = cap - 1 < whole ? cap - 1 : whole;
		assert_memory_equal(out, "a " CRC " b", got);
		assert_int_equal(out[got], 0);
		assert_int_equal(out[got + 1], 'Z');
	}
}

static void test_find(void **state)
{
	(void)state;
	size_t tl = 99;
	uint32_t code = 99;
	const char *s = "{#ffff} {#04103} {#4103}";
	assert_int_equal(mvb_reason_find(s, strlen(s), &tl, &code), 17);
	assert_int_equal(tl, 7);
	assert_int_equal(code, 0x4103);
	assert_int_equal(mvb_reason_find(s, 16, &tl, &code), 16);
	assert_int_equal(tl, 0);
}

/* Every code of the firmware's table: its token as the firmware's %r
 * prints it (lowercase hex, no leading zeros) decodes to its text; no text
 * holds a token, so decoding twice changes nothing. */
static void test_table(void **state)
{
	(void)state;
	static const struct {
		uint32_t code;
		const char *text;
	} t[] = {
#define ROW_OF(name, code, text) { (code), (text) },
		MV_REASON_TABLE(ROW_OF)
#undef ROW_OF
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_string_equal(mvb_reason_text(t[i].code), t[i].text);
		char tok[16], out[256];
		snprintf(tok, sizeof(tok), "{#%x}", (unsigned)t[i].code);
		assert_int_equal(mvb_reason_decode(tok, strlen(tok), out, sizeof(out)), strlen(t[i].text));
		assert_string_equal(out, t[i].text);
		assert_int_equal(mvb_reason_decode(t[i].text, strlen(t[i].text), out, sizeof(out)), strlen(t[i].text));
		assert_string_equal(out, t[i].text);
	}
	assert_string_equal(mvb_reason_text(MV_R_HDR_CRC), CRC);
	assert_null(mvb_reason_text(0xdead00u));
	assert_null(mvb_reason_text(0xffffffffu));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows), cmocka_unit_test(test_pieces), cmocka_unit_test(test_pending),
		cmocka_unit_test(test_cap),  cmocka_unit_test(test_find),   cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
