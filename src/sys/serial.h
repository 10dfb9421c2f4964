/*
 * serial.h - byte links to a device for 'mvbuild serve': a serial port
 * opened raw with termios, and writes that give up at a deadline (a device
 * that stops reading must not hold the other end forever).  Every
 * descriptor here is non-blocking; read it with sys_read_timeout.
 */
#ifndef MVB_SYS_SERIAL_H
#define MVB_SYS_SERIAL_H

#include <stddef.h>

/* Opens a serial port raw (8N1, no flow control, no echo, no line
 * discipline) at baud, non-blocking.  Returns the descriptor, or -1 with
 * a message in err (a baud rate termios has no constant for included). */
int sys_serial_open(const char *path, unsigned long baud, char *err, size_t errlen);

/* 1 when termios has a speed constant for baud. */
int sys_serial_baud_ok(unsigned long baud);

/* Makes fd non-blocking.  0 or -1. */
int sys_set_nonblock(int fd);

/* Writes all n bytes to a non-blocking fd within timeout_ms in all.
 * Returns 0, -2 when the time ran out (the peer does not read), -1 on an
 * error (errno set; EPIPE when the peer is gone). */
int sys_write_deadline(int fd, const void *buf, size_t n, int timeout_ms);

#endif
