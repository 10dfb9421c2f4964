/*
 * picolibc_stdio.c - stdin, stdout and stderr for apps linked with
 * picolibc: output goes to the microvisor console through mv_log, a line
 * (or MV_LOG_MAX bytes) per call; input is always at end of file.  Each
 * stream is weak, so an app may define its own (a UART, say).
 */
#include <stdint.h>
#include <stdio.h>

#include <mv/mv_api.h>

/* One buffer for the whole app: lines from threads that print at the
 * same time may be mixed (an RTOS app serialises printing itself). */
static char line[MV_LOG_MAX];
static uint32_t used;

static int console_flush(FILE *f)
{
	(void)f;
	if (used != 0u) {
		(void)mv_log(line, used);
		used = 0;
	}
	return 0;
}

static int console_put(char c, FILE *f)
{
	line[used++] = c;
	if (c == '\n' || used == sizeof line)
		console_flush(f);
	return (unsigned char)c;
}

static int console_get(FILE *f)
{
	(void)f;
	return _FDEV_EOF;
}

static FILE console = FDEV_SETUP_STREAM(console_put, console_get, console_flush, _FDEV_SETUP_RW);

FILE *const stdin __attribute__((weak)) = &console;
FILE *const stdout __attribute__((weak)) = &console;
FILE *const stderr __attribute__((weak)) = &console;
