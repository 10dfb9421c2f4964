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
	expect("empty log at a secure pointer", mv_log(secure, 0), MV_EFAULT);

	/* The whole address map through every pointer-taking call: only the
	 * app's own RAM (both calls) and flash (mv_log) may pass. */
	static const struct {
		const char *name;
		uint32_t addr;
		int32_t log, info; /* results for a 4-byte mv_log, a 4-byte mv_info */
	} map[] = {
	    {"app flash start", MVB_PART_APP_FLASH_NS_BASE, MV_OK, MV_EFAULT},
	    {"app flash last word", MVB_PART_APP_FLASH_NS_BASE + MVB_PART_APP_FLASH_SIZE - 4u, MV_OK, MV_EFAULT},
	    {"app flash end", MVB_PART_APP_FLASH_NS_BASE + MVB_PART_APP_FLASH_SIZE, MV_EFAULT, MV_EFAULT},
	    {"below app flash", MVB_PART_APP_FLASH_NS_BASE - 4u, MV_EFAULT, MV_EFAULT},
	    {"app flash, secure alias", MVB_PART_APP_FLASH_S_BASE, MV_EFAULT, MV_EFAULT},
	    {"app ram start", MVB_PART_APP_RAM_NS_BASE, MV_OK, 4},
	    {"app ram last word", MVB_PART_APP_RAM_NS_BASE + MVB_PART_APP_RAM_SIZE - 4u, MV_OK, 4},
	    {"app ram end", MVB_PART_APP_RAM_NS_BASE + MVB_PART_APP_RAM_SIZE, MV_EFAULT, MV_EFAULT},
	    {"below app ram", MVB_PART_APP_RAM_NS_BASE - 4u, MV_EFAULT, MV_EFAULT},
	    {"app ram, secure alias", MVB_PART_APP_RAM_S_BASE, MV_EFAULT, MV_EFAULT},
	    {"microvisor ram", MVB_PART_MV_RAM_S_BASE, MV_EFAULT, MV_EFAULT},
	    {"microvisor ram, ns alias", MVB_PART_MV_RAM_NS_BASE, MV_EFAULT, MV_EFAULT},
	    {"microvisor code, ns alias", MVB_PART_MV_CODE_NS_BASE, MV_EFAULT, MV_EFAULT},
	    {"veneers", MVB_PART_MV_NSC_S_BASE, MV_EFAULT, MV_EFAULT},
	    {"app header", MVB_PART_APP_HEADER_BASE, MV_EFAULT, MV_EFAULT},
	    {"ppb: SHPR3", 0xE000ED20u, MV_EFAULT, MV_EFAULT},
	    {"ppb: SHPR3 byte of the secure tick", 0xE000ED23u, MV_EFAULT, MV_EFAULT},
	    {"ppb: SysTick", 0xE000E010u, MV_EFAULT, MV_EFAULT},
	    {"ppb: ns alias", 0xE002ED20u, MV_EFAULT, MV_EFAULT},
	    {"ns peripheral window start", 0x40000000u, MV_EFAULT, MV_EFAULT},
	    {"ns peripheral window, nothing there", 0x4ff00000u, MV_EFAULT, MV_EFAULT},
	    {"secure peripheral window", 0x50000000u, MV_EFAULT, MV_EFAULT},
	    {"unmapped hole", 0x60000000u, MV_EFAULT, MV_EFAULT},
	    {"vendor space", 0xF0000000u, MV_EFAULT, MV_EFAULT},
	};
	for (uint32_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		expect(map[i].name, mv_log((const char *)map[i].addr, 4u), map[i].log);
		expect(map[i].name, mv_log((const char *)map[i].addr, 0u), map[i].log == MV_OK ? MV_OK : MV_EFAULT);
		if (map[i].info == 4) {
			/* A word of the app's own RAM: put it back at once. */
			volatile uint32_t *w = (volatile uint32_t *)map[i].addr;
			uint32_t old = *w;

			expect(map[i].name, mv_info((struct mv_info *)map[i].addr, 4u), 4);
			*w = old;
		} else {
			expect(map[i].name, mv_info((struct mv_info *)map[i].addr, 4u), map[i].info);
		}
	}
	mv_print_dec("address map rows: ", sizeof map / sizeof map[0]);
	mv_print_dec("pointer checks failed: ", (uint32_t)failures);
	return failures == 0 ? 0 : 1;
}
