/*
 * hello - an app that owns no peripheral: logs through the microvisor,
 * reads its info and tick, and uses the FPU (which the microvisor shares
 * with the non-secure side).
 */
#include <stdint.h>

#include <mv/app_print.h>
#include <mv/mv_api.h>

static volatile float operand = 1.5f; /* volatile: make the FPU do the work */

int main(void)
{
	struct mv_info info;

	mv_print("hello from the non-secure app\n");
	mv_print_hex("mv_version ", mv_version());
	if (mv_info(&info, sizeof info) != (int32_t)sizeof info)
		return 1;
	mv_print_dec("start number ", info.mi_starts);

	float x = operand * 3.0f;

	mv_print_dec("fpu: 1.5 * 3.0 * 100 = ", (uint32_t)(x * 100.0f));

	uint32_t t0 = mv_ticks();

	(void)mv_wait(20);
	uint32_t dt = mv_ticks() - t0;

	mv_print_dec("waited ms: ", dt);
	return dt >= 20u ? 0 : 2;
}
