/*
 * flags_main.c - main of the CMAKE_C_FLAGS case: the user's define is in
 * effect, and so are the SDK's CPU flags (hard-float arithmetic in FP
 * registers, which the microvisor keeps enabled for the app).
 */
#include <stdint.h>

#include <mv/app_print.h>

#ifndef SDK_USER_FLAG
#error "CMAKE_C_FLAGS did not reach the compiler"
#endif
#if !defined(__ARM_FP) || !defined(__ARM_PCS_VFP)
#error "compiled without the hard-float CPU flags"
#endif

/* Floats made at run time: 'mvbuild check' would take a float constant
 * such as 2.5f (0x40200000) in the image for a peripheral address. */
static volatile uint32_t ten = 10, four = 4;

int main(void)
{
	float x = (float)ten, y = (float)four;

	mv_print_dec("user flag ", SDK_USER_FLAG);
	mv_print_dec("fpu result ", (uint32_t)(x / y * x));
	return 0;
}
