/* test_gen.c - generated firmware config: values come from the board, the
 * header compiles, and output is byte-identical across runs. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "mvb/gen.h"

static void test_header(void **state)
{
	(void)state;
	struct mvb_board b;
	tu_board(&b, "mps2-an505");
	struct mvb_buf o1 = MVB_BUF_INIT, o2 = MVB_BUF_INIT;
	assert_int_equal(mvb_gen_header(&b, &o1), 0);
	assert_int_equal(mvb_gen_header(&b, &o2), 0);
	assert_int_equal(o1.len, o2.len);
	assert_memory_equal(o1.data, o2.data, o1.len);
	const char *h = (const char *)o1.data;
	assert_non_null(strstr(h, "Do not edit"));
	assert_non_null(strstr(h, "#define MVB_PART_APP_FLASH_BASE 0x00200000u\n"));
	assert_non_null(strstr(h, "#define MVB_PART_MV_NSC_BASE 0x1001f000u\n"));
	assert_non_null(strstr(h, "#define MVB_PERIPH_UART1_NS_BASE 0x40201000u\n"));
	assert_non_null(strstr(h, "#define MVB_CONSOLE_S_BASE 0x50200000u\n"));
	size_t iu = (size_t)(mvb_board_peripheral(&b, "uart1") - b.per);
	char row[160];
	snprintf(row, sizeof(row), "X(uart1, %zuu, 0x50201000u, 0x40201000u, 0x00001000u, MVB_OWNER_APP, apbnsppcexp1, 6u)", iu);
	assert_non_null(strstr(h, row));
	snprintf(row, sizeof(row), "X(34u, %zuu)", iu);
	assert_non_null(strstr(h, row));
	/* it is valid C: compile it with a use of both tables */
	FILE *f = fopen(MVB_TEST_TMP "/gen_board.h", "w");
	fwrite(o1.data, 1, o1.len, f);
	fclose(f);
	f = fopen(MVB_TEST_TMP "/gen_use.c", "w");
	fprintf(f, "#include \"gen_board.h\"\n#define N(n, i, s, ns, sz, o, g, b) +1\n#define I(q, p) +1\n"
		   "int periphs = 0 MVB_PERIPH_TABLE(N);\nint irqs = 0 MVB_IRQ_TABLE(I);\n"
		   "_Static_assert(MVB_PERIPH_COUNT == 0 MVB_PERIPH_TABLE(N), \"count\");\n");
	fclose(f);
	assert_int_equal(tu_sh("cc -std=c11 -Wall -Werror -c %s/gen_use.c -o %s/gen_use.o", MVB_TEST_TMP, MVB_TEST_TMP), 0);
	mvb_buf_release(&o1);
	mvb_buf_release(&o2);
	mvb_board_release(&b);
}

static void test_ld(void **state)
{
	(void)state;
	struct mvb_board b;
	tu_board(&b, "mps2-an505");
	struct mvb_buf o = MVB_BUF_INIT;
	assert_int_equal(mvb_gen_ld(&b, &o), 0);
	const char *t = (const char *)o.data;
	assert_non_null(strstr(t, "APP_FLASH    (rx) : ORIGIN = 0x00200000, LENGTH = 0x00200000"));
	assert_non_null(strstr(t, "MV_RAM       (rwx) : ORIGIN = 0x38200000, LENGTH = 0x00010000"));
	assert_non_null(strstr(t, "PROVIDE(__mvb_app_ram_base = 0x28000000);"));
	/* the linker accepts it */
	FILE *f = fopen(MVB_TEST_TMP "/gen_regions.ld", "w");
	fwrite(o.data, 1, o.len, f);
	fprintf(f, "SECTIONS { .text : { *(.text*) } > APP_FLASH }\n");
	fclose(f);
	f = fopen(MVB_TEST_TMP "/gen_empty.c", "w");
	fprintf(f, "void f(void); void f(void) {}\n");
	fclose(f);
	assert_int_equal(tu_sh("%s -mcpu=cortex-m33 -mthumb -nostdlib -Wl,-e,f -T %s/gen_regions.ld %s/gen_empty.c -o %s/gen.elf",
			       MVB_ARM_GCC, MVB_TEST_TMP, MVB_TEST_TMP, MVB_TEST_TMP), 0);
	mvb_buf_release(&o);
	mvb_board_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_ld),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
