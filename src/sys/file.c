/* file.c - whole-file reads, atomic input-preserving writes, mkdir -p. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "sys/sys.h"

#define MAX_INPUTS 16
static struct {
	dev_t dev;
	ino_t ino;
} inputs[MAX_INPUTS];
static int ninputs;

int sys_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int sys_is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static long mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* How long a pipe or device input may take in all (tests shorten it). */
static long input_deadline_ms(void)
{
	const char *t = getenv("MVBUILD_TEST_INPUT_TIMEOUT_MS");
	long v = t && *t ? strtol(t, NULL, 10) : 0;
	return v > 0 ? v : SYS_INPUT_TIMEOUT_S * 1000L;
}

int sys_read_file(const char *path, size_t max, unsigned char **data, size_t *len)
{
	/* O_NONBLOCK: opening a FIFO nobody writes to does not wait */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		return -1;
	}
	int regular = S_ISREG(st.st_mode);
	if (regular && (uint64_t)st.st_size > max) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	long deadline = regular ? 0 : mono_ms() + input_deadline_ms();
	size_t cap = regular ? (size_t)st.st_size + 1 : 4096;
	unsigned char *buf = malloc(cap + 1);
	size_t n = 0;
	if (!buf) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		if (n == cap) {
			/* one byte past max shows there is more: stop there, never
			 * holding more than max + 2 bytes (/dev/zero, a pipe) */
			if (cap > max) {
				free(buf);
				close(fd);
				errno = EFBIG;
				return -1;
			}
			size_t nc = cap > (max + 1) / 2 ? max + 1 : cap * 2;
			unsigned char *nb = realloc(buf, nc + 1);
			if (!nb) {
				free(buf);
				close(fd);
				errno = ENOMEM;
				return -1;
			}
			buf = nb;
			cap = nc;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EAGAIN && !regular) {
			/* a pipe or device with nothing yet: wait, but not past the
			 * deadline of the whole input */
			long left = deadline - mono_ms();
			struct pollfd p = { fd, POLLIN, 0 };
			if (left <= 0 || poll(&p, 1, (int)left) == 0) {
				free(buf);
				close(fd);
				errno = ETIMEDOUT;
				return -1;
			}
			continue;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > max) {
		free(buf);
		errno = EFBIG;
		return -1;
	}
	if (!n && !regular) { /* a FIFO nothing wrote to, /dev/null */
		free(buf);
		errno = ENODATA;
		return -1;
	}
	buf[n] = 0;
	*data = buf;
	*len = n;
	return 0;
}

/* dir's real path + "/" + the last component of path, in out. */
static void resolved_name(const char *path, char *out, size_t n)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX], real[PATH_MAX];
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (realpath(dir, real))
		snprintf(out, n, "%s/%s", real, slash ? slash + 1 : path);
	else
		snprintf(out, n, "%s", path);
}

int sys_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	int ha = stat(a, &sa) == 0, hb = stat(b, &sb) == 0;
	if (ha && hb)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	if (ha || hb)
		return 0;
	char ra[2 * PATH_MAX], rb[2 * PATH_MAX];
	resolved_name(a, ra, sizeof(ra));
	resolved_name(b, rb, sizeof(rb));
	return !strcmp(ra, rb);
}

void sys_note_input(const char *path)
{
	struct stat st;
	if (ninputs < MAX_INPUTS && stat(path, &st) == 0) {
		inputs[ninputs].dev = st.st_dev;
		inputs[ninputs].ino = st.st_ino;
		ninputs++;
	}
}

/* Writes all of data to fd; 0, or -1 with errno. */
static int write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* A device or FIFO output is written in place, never renamed over (that
 * would replace the node itself, /dev/null for everyone); every write and
 * the close are checked, so /dev/full is an error. */
static int write_in_place(const char *path, const void *data, size_t len)
{
	/* O_NONBLOCK: a FIFO without a reader is an error (ENXIO), not a wait */
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	int fl = fcntl(fd, F_GETFL);
	int e = fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 || write_all(fd, data, len) < 0 ? errno : 0;
	if (close(fd) < 0 && !e)
		e = errno;
	errno = e;
	return e ? -1 : 0;
}

int sys_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	struct stat st;
	if (stat(path, &st) == 0) {
		for (int i = 0; i < ninputs; i++) {
			if (inputs[i].dev == st.st_dev && inputs[i].ino == st.st_ino) {
				errno = EEXIST;
				return -1;
			}
		}
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			return -1;
		}
		if (!S_ISREG(st.st_mode))
			return write_in_place(path, data, len);
	}
	/* the temporary file gets a short name of its own in the target's
	 * directory: "NAME.tmpXXXXXX" would pass NAME_MAX for a legal name of
	 * 250 bytes or more */
	const char *slash = strrchr(path, '/');
	size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
	char *tmp = malloc(dl + sizeof(".mvbuild-XXXXXX"));
	if (!tmp) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(tmp, path, dl);
	memcpy(tmp + dl, ".mvbuild-XXXXXX", sizeof(".mvbuild-XXXXXX"));
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		errno = e;
		return -1;
	}
	/* a private mode (nothing for group or others: a key) is kept exactly,
	 * whatever the umask; any other is filtered by the umask as open(2)
	 * would filter it */
	if (mode & 077) {
		mode_t um = umask(0);
		umask(um);
		mode &= ~um;
	}
	int e = write_all(fd, data, len) < 0 ? errno : 0;
	if (!e && fchmod(fd, mode) < 0)
		e = errno;
	if (!e && fsync(fd) < 0)
		e = errno;
	if (close(fd) < 0 && !e)
		e = errno;
	if (!e && rename(tmp, path) < 0)
		e = errno;
	if (e) {
		unlink(tmp);
		free(tmp);
		errno = e;
		return -1;
	}
	free(tmp);
	return 0;
}

int sys_random(void *buf, size_t n)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	unsigned char *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	close(fd);
	return 0;
}

int sys_file_mode(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

int sys_mkdir_p(const char *path, mode_t mode)
{
	char p[PATH_MAX];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof(p)) {
		errno = n ? ENAMETOOLONG : ENOENT;
		return -1;
	}
	memcpy(p, path, n + 1);
	/* each parent in turn, then path itself */
	for (char *c = p + 1;; c++) {
		if (*c != '/' && *c)
			continue;
		char saved = *c;
		*c = 0;
		if (mkdir(p, mode) < 0 && (errno != EEXIST || !sys_is_dir(p)))
			return -1;
		if (!saved)
			return 0;
		*c = saved;
	}
}
