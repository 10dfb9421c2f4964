/*
 * libc_main.c - the C library in an app: snprintf into a buffer shown
 * with mv_log, memcpy, strlen, printf through stdout (the SDK's stream
 * to the console), errno (thread-local in picolibc) from strtol, and
 * malloc from the heap above the stack.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mv/mv_api.h>

int main(void)
{
	char src[] = "copied by memcpy";
	char dst[sizeof src];
	char buf[96];

	memcpy(dst, src, sizeof src);
	int n = snprintf(buf, sizeof buf, "snprintf: %d '%s' 0x%x %u\n", -42, dst, 0xbeefu, (unsigned)strlen(dst));
	(void)mv_log(buf, (uint32_t)n);
	printf("printf: %ld\n", strtol("12345", NULL, 10));
	errno = 0;
	(void)strtol("99999999999999999999", NULL, 10);
	printf("errno after overflow: %s\n", errno == ERANGE ? "ERANGE" : "wrong");
	char *heap = malloc(100000);
	if (heap) {
		memset(heap, 'x', 100000);
		printf("malloc: %s\n", heap[99999] == 'x' ? "ok" : "wrong");
		free(heap);
	}
	return 0;
}
