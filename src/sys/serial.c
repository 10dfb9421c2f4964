/* serial.c - a serial port set raw through termios, and writes with a
 * deadline for the link to a device (serial port or TCP socket). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "sys/serial.h"

static const struct {
	unsigned long baud;
	speed_t speed;
} speeds[] = {
	{ 1200, B1200 },     { 2400, B2400 },     { 4800, B4800 },     { 9600, B9600 },
	{ 19200, B19200 },   { 38400, B38400 },   { 57600, B57600 },   { 115200, B115200 },
	{ 230400, B230400 }, { 460800, B460800 }, { 921600, B921600 }, { 1000000, B1000000 },
	{ 2000000, B2000000 }, { 3000000, B3000000 }, { 4000000, B4000000 },
};

static int speed_of(unsigned long baud, speed_t *s)
{
	for (size_t i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++)
		if (speeds[i].baud == baud) {
			*s = speeds[i].speed;
			return 0;
		}
	return -1;
}

int sys_serial_baud_ok(unsigned long baud)
{
	speed_t s;
	return speed_of(baud, &s) == 0;
}

int sys_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -1 : 0;
}

int sys_serial_open(const char *path, unsigned long baud, char *err, size_t errlen)
{
	speed_t sp;
	if (speed_of(baud, &sp)) {
		snprintf(err, errlen, "no baud rate %lu on this system", baud);
		return -1;
	}
	/* O_NONBLOCK also keeps open() from waiting for carrier detect */
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	struct termios t;
	if (tcgetattr(fd, &t) < 0) {
		snprintf(err, errlen, "'%s' is not a serial port: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cflag &= ~(tcflag_t)(CSTOPB | CRTSCTS);
	t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (cfsetispeed(&t, sp) < 0 || cfsetospeed(&t, sp) < 0 || tcsetattr(fd, TCSANOW, &t) < 0) {
		snprintf(err, errlen, "cannot set '%s' to %lu baud, raw: %s", path, baud, strerror(errno));
		close(fd);
		return -1;
	}
	/* no tcflush: bytes the device sent before the port was opened may
	 * hold its HELLO, and the codec drops whatever is not a frame */
	return fd;
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

int sys_write_deadline(int fd, const void *buf, size_t n, int timeout_ms)
{
	const unsigned char *p = buf;
	long end = now_ms() + timeout_ms;
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0 && errno == ENOTSOCK)
			k = write(fd, p, n);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		long left = end - now_ms();
		if (left <= 0)
			return -2;
		struct pollfd q = { fd, POLLOUT, 0 };
		if (poll(&q, 1, (int)left) < 0 && errno != EINTR)
			return -1;
	}
	return 0;
}
