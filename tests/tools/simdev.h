/*
 * simdev.h - what the simulated devices (tests/tools/devsim.c, authsim.c)
 * share: their log of what they saw (--log FILE: note(), one line each)
 * and their TCP end (listen1(): listen on a free loopback port, write its
 * number to port_file, accept one connection within 30 s; exits 2 on a
 * socket error, 1 when nobody connects).
 */
#ifndef MVB_TESTS_SIMDEV_H
#define MVB_TESTS_SIMDEV_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static FILE *logf; /* --log FILE, or NULL */

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	if (!logf)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(logf, fmt, ap);
	va_end(ap);
	fputc('\n', logf);
	fflush(logf);
}

static int listen1(const char *who, const char *port_file)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof(a);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &al)) {
		fprintf(stderr, "%s: listen: %s\n", who, strerror(errno));
		exit(2);
	}
	FILE *f = fopen(port_file, "w");
	if (!f || fprintf(f, "%d\n", ntohs(a.sin_port)) < 0 || fclose(f)) {
		perror(port_file);
		exit(2);
	}
	struct pollfd q = { l, POLLIN, 0 };
	if (poll(&q, 1, 30000) != 1) {
		fprintf(stderr, "%s: nobody connected within 30 s\n", who);
		exit(1);
	}
	int c = accept(l, NULL, NULL);
	close(l);
	if (c < 0) {
		fprintf(stderr, "%s: accept: %s\n", who, strerror(errno));
		exit(2);
	}
	return c;
}

#endif
