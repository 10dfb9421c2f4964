/* restart - asks for a planned restart on its first start; the second
 * start must see it as such (no crash counted). */
#include "testapp.h"

int main(void)
{
	struct mv_info info;
	uint32_t n = test_start_number(&info);

	if (n > 1u) {
		mv_print_dec("second start, crashes in a row ", info.mi_crashes);
		return info.mi_crashes == 0u ? 0 : 1;
	}
	mv_print("asking for a restart\n");
	int32_t rc = mv_restart_app(MV_RESTART_REQUEST);

	mv_print_dec("mv_restart_app returned ", (uint32_t)rc);
	return 1;
}
