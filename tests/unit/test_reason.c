/* test_reason.c - the microvisor's texts on the host and the decoder of
 * its tokens, "{#HEX}" reasons and "{@ID|...}" messages
 * (src/core/reason.c): one row per input, with the text it must decode
 * to; every row is also fed in pieces split at every byte, held back as
 * mvb_console_pending says, and must decode the same; every code and
 * message of the firmware's own tables round-trips, and every message row
 * keeps msg.h's rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mvb/reason.h"
#include "mv/msg.h"
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
	/* messages */
	ROW("a message", "mv: {@1|0.1.0|1|1|mps2-an505}\n", "mv: microvisor 0.1.0 abi 1.1 board mps2-an505\n"),
	ROW("no values", "{@17}", "update: writing"),
	ROW("an empty value", "{@3|sn|1|}", "provisioned: serial 'sn', 1 trust anchor"),
	ROW("a reason with its code", "mv: {@5|0x00004103}{@6}", "mv: safe mode: " CRC " (reason 0x00004103); asking for an update"),
	ROW("a reason without", "{@11|app fault|0x00004001|0x1|0x2|0x3|0x4}",
	    "app fault: " NOAPP " SFSR=0x1 CFSR=0x2 HFSR=0x3 BFAR=0x4"),
	ROW("an unknown reason", "{@5|0x0000ffff}", "safe mode: reason 0x0000ffff"),
	ROW("an unknown reason in %r", "{@11|x|0xffff|a|b|c|d}", "x: 0xffff SFSR=a CFSR=b HFSR=c BFAR=d"),
	ROW("a reason not in %x form", "{@5|4103}", "safe mode: reason 4103"),
	ROW("adjacent messages", "{@17}{@17}", "update: writing" "update: writing"),
	ROW("a reason token in a value", "{@15|{#4103}}", "{@15|" CRC "}"),
	ROW("too few values", "{@1|0.1.0|1|1}", "{@1|0.1.0|1|1}"),
	ROW("too many values", "{@17|x}", "{@17|x}"),
	ROW("unknown message", "{@999|x}", "{@999|x}"),
	ROW("message 0", "{@0}", "{@0}"),
	ROW("a leading zero", "{@017}", "{@017}"),
	ROW("seven digits", "{@0000017}", "{@0000017}"),
	ROW("no id", "{@|x}", "{@|x}"),
	ROW("a control byte in a value", "{@15|\n}", "{@15|\n}"),
	ROW("a NUL in a value", "{@15|\0}", "{@15|\0}"),
	ROW("a brace in a value, then one", "{@15|{@15|7}", "{@15|app exit 7"),
	ROW("cut short", "mv: {@15|7", "mv: {@15|7"),
	ROW("a value and no '|'", "{@157}", "{@157}"),
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
		size_t n = mvb_console_decode(r->in, r->len, out, sizeof(out));
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
			size_t held = mvb_console_pending(buf, cut);
			assert_true(held < MVB_TOKEN_MAX);
			o += mvb_console_decode(buf, cut - held, out + o, sizeof(out) - o);
			memmove(buf, buf + cut - held, held);
			memcpy(buf + held, r->in + cut, r->len - cut);
			o += mvb_console_decode(buf, held + r->len - cut, out + o, sizeof(out) - o);
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
		{ "{@", 2 },         { "{@1", 3 },         { "{@0", 0 },         { "{@15|", 5 },
		{ "x{@15|ab c", 9 }, { "{@15}", 0 },       { "{@|", 0 },         { "{@1234567", 0 },
		{ "{@123456|", 9 },  { "{@15|\n", 0 },     { "{@1a", 0 },        { "{@15||", 6 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (mvb_console_pending(t[i].in, strlen(t[i].in)) != t[i].want)
			fail_msg("pending '%s': %zu, want %zu", t[i].in, mvb_console_pending(t[i].in, strlen(t[i].in)),
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
		assert_int_equal(mvb_console_decode(in, strlen(in), out, cap), whole);
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
	const char *s = "{#ffff} {#04103} {@999} {#4103}";
	assert_int_equal(mvb_token_find(s, strlen(s), &tl), 24);
	assert_int_equal(tl, 7);
	assert_int_equal(mvb_token_find(s, 23, &tl), 23);
	assert_int_equal(tl, 0);
	s = "a {@15|3} b";
	assert_int_equal(mvb_token_find(s, strlen(s), &tl), 2);
	assert_int_equal(tl, 7);
	char out[64];
	assert_int_equal(mvb_token_text(s + 2, tl, out, sizeof(out)), 10);
	assert_string_equal(out, "app exit 3");
	assert_int_equal(mvb_token_text(s + 2, tl, out, 5), 10);
	assert_string_equal(out, "app ");
}

/* A message token of the longest length decoded, and one byte longer. */
static void test_long(void **state)
{
	(void)state;
	char in[MVB_TOKEN_MAX + 2], out[MVB_TOKEN_MAX + 32];
	for (size_t extra = 0; extra < 2; extra++) {
		size_t len = MVB_TOKEN_MAX + extra;
		memset(in, 'v', len);
		memcpy(in, "{@15|", 5);
		in[len - 1] = '}';
		size_t n = mvb_console_decode(in, len, out, sizeof(out));
		if (extra == 0) {
			assert_int_equal(n, strlen("app exit ") + len - 6);
			assert_memory_equal(out, "app exit vvv", 12);
		} else {
			assert_int_equal(n, len);
			assert_memory_equal(out, in, len);
		}
	}
}

/* msg.h's rules for every row: a listed, unique, nonzero id; a text
 * without '{', '|' or '}' whose conversions are the firmware's values in
 * order (%r and %R printed as %x); its token, with values that the
 * conversions take, decodes to the text with them put in. */
static void test_messages(void **state)
{
	(void)state;
	static const struct {
		unsigned id;
		const char *args, *text;
	} t[] = {
#define MSG_FIELDS(id, args, text) { (id), (args), (text) },
#define MSG_ROW(m) m(MSG_FIELDS)
		MV_MSG_LIST(MSG_ROW)
#undef MSG_ROW
#undef MSG_FIELDS
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_true(t[i].id > 0);
		for (size_t j = 0; j < i; j++)
			assert_int_not_equal(t[i].id, t[j].id);
		assert_string_equal(mvb_msg_text(t[i].id), t[i].text);
		assert_null(strpbrk(t[i].text, "{|}"));
		char conv[64] = "", tok[256], want[512];
		size_t c = 0, k = (size_t)snprintf(tok, sizeof(tok), "{@%u", t[i].id), w = 0;
		for (const char *p = t[i].text; *p; p++) {
			if (*p != '%') {
				want[w++] = *p;
				continue;
			}
			char v = *++p;
			assert_non_null(strchr("uxvsrR", v));
			c += (size_t)snprintf(conv + c, sizeof(conv) - c, "|%%%c", v == 'r' || v == 'R' ? 'x' : v);
			/* a value for it: the reason 0x4103 for %r and %R */
			const char *val = v == 'r' || v == 'R' ? "0x00004103" : v == 's' ? "a b" : "7";
			k += (size_t)snprintf(tok + k, sizeof(tok) - k, "|%s", val);
			w += (size_t)snprintf(want + w, sizeof(want) - w, "%s%s", v == 'r' || v == 'R' ? CRC : val,
					      v == 'R' ? " (reason 0x00004103)" : "");
		}
		want[w] = 0;
		tok[k++] = '}';
		assert_string_equal(t[i].args, conv);
		char out[512], again[512];
		assert_int_equal(mvb_console_decode(tok, k, out, sizeof(out)), w);
		assert_string_equal(out, want);
		assert_int_equal(mvb_console_decode(out, w, again, sizeof(again)), w); /* decoding twice: the same */
		assert_string_equal(again, want);
	}
	assert_null(mvb_msg_text(0));
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
		assert_int_equal(mvb_console_decode(tok, strlen(tok), out, sizeof(out)), strlen(t[i].text));
		assert_string_equal(out, t[i].text);
		assert_int_equal(mvb_console_decode(t[i].text, strlen(t[i].text), out, sizeof(out)), strlen(t[i].text));
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
		cmocka_unit_test(test_long), cmocka_unit_test(test_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
