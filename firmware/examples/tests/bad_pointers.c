/* bad_pointers - hands the microvisor pointers and values it must refuse
 * with an error code (never a fault): NULL, secure memory, wrapping and
 * region-crossing ranges, over-long lengths, words that only look small
 * (CVE-2024-0151: the high bits are set), exit codes of the microvisor's
 * own range. */
#include "testapp.h"

static int failures;

static void expect(const char *what, int32_t got, int32_t want)
{
	if (got == want)
		return;
	failures++;
	mv_print(what);
	mv_print_hex(": unexpected result ", (uint32_t)got);
}

int main(void)
{
	static char ok[] = "in-range log text\n";
	struct mv_info info;
	const char *secure = (const char *)MVB_PART_MV_RAM_S_BASE;
	const char *ram_end = (const char *)(MVB_PART_APP_RAM_NS_BASE + MVB_PART_APP_RAM_SIZE - 4u);

	expect("valid log", mv_log(ok, sizeof ok - 1u), MV_OK);
	expect("empty log", mv_log(ok, 0), MV_OK);
	expect("NULL log", mv_log(0, 4), MV_EFAULT);
	expect("secure log", mv_log(secure, 16), MV_EFAULT);
	expect("secure code log", mv_log((const char *)MVB_PART_MV_CODE_S_BASE, 16), MV_EFAULT);
	expect("app header log", mv_log((const char *)MVB_PART_APP_HEADER_BASE, 16), MV_EFAULT);
	expect("wrapping log", mv_log((const char *)0xfffffff0u, 32), MV_EFAULT);
	expect("crossing log", mv_log(ram_end, 16), MV_EFAULT);
	expect("long log", mv_log(ok, MV_LOG_MAX + 1u), MV_E2BIG);
	expect("huge log", mv_log(ok, 0xffffff00u), MV_E2BIG);
	expect("NULL info", mv_info(0, sizeof info), MV_EFAULT);
	expect("secure info", mv_info((struct mv_info *)MVB_PART_MV_RAM_S_BASE, sizeof info), MV_EFAULT);
	expect("zero info", mv_info(&info, 0), MV_EINVAL);
	expect("short info", mv_info(&info, 4), 4);
	expect("wide wait", mv_wait(0xffffff00u), MV_EINVAL);
	expect("wide restart", mv_restart_app(0xffffff00u), MV_EINVAL);
	expect("restart code 2", mv_restart_app(2), MV_EINVAL);
	expect("wide exit", mv_exit(0xffffff00u), MV_EINVAL);
	expect("exit 64", mv_exit(64), MV_EINVAL);
	mv_print_dec("pointer checks failed: ", (uint32_t)failures);
	return failures == 0 ? 0 : 1;
}
