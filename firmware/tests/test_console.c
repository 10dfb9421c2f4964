/* test_console.c - the console formatter and the reason table: every
 * reason has a text, codes are unique and carry their exit status. */
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
	mv_printf("a %s b %u c %x d %c %% e\n", "str", (uint32_t)4294967295u, (uint32_t)0xabcu, 'z');
	assert_string_equal(fake.console, "a str b 4294967295 c 0x00000abc d z % e\n");
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
 * with the values as the conversions print them. */
static void test_message_token(void **state)
{
	(void)state;
	mv_printf("mv: " MV_MSG(MV_M_BOOT) "\n", (uint32_t)0x00010002u, (uint32_t)1, (uint32_t)2, "board");
	assert_string_equal(fake.console, "mv: {@1|0.1.2|1|2|board}\n");
	fake.console_len = 0;
	mv_printf("mv: " MV_MSG(MV_M_SAFE_MODE) MV_MSG(MV_M_ASKING) "\n", (uint32_t)0x4103u);
	assert_string_equal(fake.console, "mv: {@5|0x00004103}{@6}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_printf, setup),
	    cmocka_unit_test_setup(test_reasons, setup),
	    cmocka_unit_test_setup(test_message_token, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
