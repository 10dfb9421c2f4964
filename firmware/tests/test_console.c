/* test_console.c - the console formatter and the reason table: every
 * reason has a text, codes are unique and carry their exit status. */
#include <string.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_port.h"

static int setup(void **state)
{
	(void)state;
	fake_reset();
	return 0;
}

static void test_printf(void **state)
{
	(void)state;
	mv_printf("a %s b %u c %x %% e\n", "str", (uint32_t)4294967295u, (uint32_t)0xabcu);
	assert_string_equal(fake.console, "a str b 4294967295 c 0x00000abc % e\n");
	fake.console_len = 0;
	mv_printf("%u|%x|%q|", (uint32_t)0, (uint32_t)0);
	assert_string_equal(fake.console, "0|0x00000000|%q|");
	fake.console_len = 0;
	mv_printf("trailing %");
	assert_string_equal(fake.console, "trailing %");
	fake.console_len = 0;
	mv_printf("v%v %v|", (uint32_t)0x01020003u, (uint32_t)0xff00ffffu);
	assert_string_equal(fake.console, "v1.2.3 255.0.65535|");
}

static const uint32_t codes[] = {
#define CODE(name, code, text) (code),
    MV_REASON_TABLE(CODE)
#undef CODE
};

static void test_reasons(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		for (size_t j = i + 1; j < sizeof codes / sizeof codes[0]; j++)
			assert_int_not_equal(codes[i], codes[j]);
		if (codes[i] != MV_R_NONE) {
			uint32_t ex = MV_REASON_EXIT(codes[i]);

			assert_true(ex > MV_EXIT_APP_MAX && ex <= MV_EXIT_UPDATE);
		}
	}
	assert_int_equal(MV_REASON_EXIT(MV_R_IMG_HASH), MV_EXIT_BAD_IMAGE);
}

/* A message: the token the host turns back into the message's text,
 * with the values as the conversions print them; a format that begins
 * with a token gets the line's tag first. */
static void test_message_token(void **state)
{
	(void)state;
	mv_printf(MV_MSG(MV_M_BOOT) "\n", (uint32_t)0x00010002u, (uint32_t)1, (uint32_t)2, "board");
	assert_string_equal(fake.console, "mv: {@1|0.1.2|1|2|board}\n");
	fake.console_len = 0;
	mv_printf("mv: " MV_MSG(MV_M_SAFE_MODE) MV_MSG(MV_M_ASKING) "\n", (uint32_t)0x4103u);
	assert_string_equal(fake.console, "mv: {@5|0x00004103}{@6}\n");
}

/* mv_msg(): a message from its word prints the bytes mv_printf() prints
 * from its format, for every row (values of each kind), and leaves the
 * line open with MV_MSG_OPEN. */
static void test_message_word(void **state)
{
	static char want[sizeof fake.console];

	(void)state;
#define ROW(m)                                                                                                         \
	fake.console_len = 0;                                                                                          \
	mv_printf(MV_MSG(m) "\n", (uint32_t)0x01020003u, "s1", (uint32_t)77u, "s2", (uint32_t)5u, (uint32_t)6u);       \
	memcpy(want, fake.console, sizeof want);                                                                      \
	fake.console_len = 0;                                                                                          \
	mv_msg(MV_MSGW(m), (uint32_t)0x01020003u, "s1", (uint32_t)77u, "s2", (uint32_t)5u, (uint32_t)6u);             \
	assert_string_equal(fake.console, want);
	/* rows whose values are all words (a string value would read the
	 * word above as a pointer): every kind but %s */
	ROW(MV_M_RESTARTING)
	ROW(MV_M_ENTERING)
	ROW(MV_M_UPDATE_READY)
	ROW(MV_M_REVERTED)
	ROW(MV_M_WRITING)
#undef ROW
	fake.console_len = 0;
	mv_msg(MV_MSGW(MV_M_APP_VERIFIED), "app", (uint32_t)0x01020003u, (uint32_t)10u, (uint32_t)0x200000u, (uint32_t)1u,
	       (uint32_t)4u);
	assert_string_equal(fake.console, "mv: {@7|app|1.2.3|10|0x00200000|1|4}\n");
	fake.console_len = 0;
	mv_msg(MV_MSGW(MV_M_SAFE_MODE) | MV_MSG_OPEN, (uint32_t)0x4103u);
	assert_string_equal(fake.console, "mv: {@5|0x00004103}");
	fake.console_len = 0;
	mv_msg(MV_MSGW(MV_M_TRIAL_AFTER) + 1u, (uint32_t)0x01010000u, (uint32_t)2000u);
	assert_string_equal(fake.console, "mv: {@29|1.1.0|2000}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_printf, setup),
	    cmocka_unit_test_setup(test_reasons, setup),
	    cmocka_unit_test_setup(test_message_token, setup),
	    cmocka_unit_test_setup(test_message_word, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
