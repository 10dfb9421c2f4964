/*
 * main.c - @MVB_APP_NAME@: greets through the microvisor's console and
 * shows its tick.
 */
#include <stdint.h>

#include <mv/app_print.h>
#include <mv/mv_api.h>

int main(void)
{
	mv_print("hello from @MVB_APP_NAME@\n");
	mv_print_hex("microvisor abi ", mv_version());
	/* This release works: keep it.  After an over-the-air update it runs
	 * on trial and is reverted unless it confirms (or runs the healthy
	 * time of `confirm:` in app.yaml without a crash); otherwise this
	 * returns at once. */
	(void)mv_update_confirm();
	for (int i = 0; i < 3; i++) {
		(void)mv_wait(10);
		mv_print_dec("ticks ", mv_ticks());
	}
	return 0;
}
