/*
 * cxx_main.c - main of the C++ case: reports what the static
 * constructors of cxx_static.cpp did before main ran.
 */
#include <stdint.h>

#include <mv/app_print.h>

uint32_t cxx_state(void);
uint32_t cxx_area_x100(void);

int main(void)
{
	mv_print_hex("main: constructed state ", cxx_state());
	mv_print_dec("main: virtual area x100 ", cxx_area_x100());
	return 0;
}
