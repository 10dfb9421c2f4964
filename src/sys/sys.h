/*
 * sys.h - the CLI's door to the operating system: whole-file reads with a
 * size ceiling, atomic writes (temporary file in the target directory,
 * fsync, rename) that refuse to replace an input, and where mvbuild's data
 * (boards, firmware, templates) lives.  The core never includes this.
 */
#ifndef MVB_SYS_H
#define MVB_SYS_H

#include <stddef.h>
#include <sys/types.h>

/* Reads a whole file (at most max bytes) into a malloc'd buffer with a NUL
 * after the data.  Returns 0, or -1 with errno set: EFBIG when too large
 * (a regular file by its size, before reading; a pipe or device after
 * max + 1 bytes, so /dev/zero costs no more than max), ETIMEDOUT when a
 * pipe or device has not ended within SYS_INPUT_TIMEOUT_S in all, ENODATA
 * when it gave nothing (a FIFO nobody writes to: opening it does not
 * wait). */
#define SYS_INPUT_TIMEOUT_S 30
int sys_read_file(const char *path, size_t max, unsigned char **data, size_t *len);

/* 1 when a and b name the same file: the same inode when both exist, the
 * same name in the same (real) directory when neither does yet. */
int sys_same_file(const char *a, const char *b);
/* Remembers an input path so sys_write_atomic refuses to replace it. */
void sys_note_input(const char *path);

/* Writes data to path atomically: a temporary file with a short name in
 * the same directory (so a name of NAME_MAX bytes works), renamed over
 * path.  mode is what open(2) would be given (0666 for most outputs), and
 * the umask filters it as open(2) would; a private mode (no bits for group
 * or others: 0600 for a key) is kept exactly whatever the umask.  An existing device
 * or FIFO is written in place instead, never renamed over (a FIFO without
 * a reader is ENXIO); every write and the close are checked.  Returns 0,
 * or -1 with errno set (EEXIST when path is one of the noted inputs,
 * EISDIR for a directory, ENOSPC for a full disk or /dev/full). */
int sys_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* The directory holding boards/, firmware/ and templates/: $MVBUILD_DATA_DIR,
 * else the installed share directory next to the executable, else the
 * source tree the binary was built from. */
const char *sys_data_dir(void);

/* The running executable's absolute path (from /proc/self/exe) in buf.
 * Returns 0, or -1 when it cannot be told. */
int sys_exe_path(char *buf, size_t n);

/* The first executable file called name in a directory of $PATH, in buf
 * as found there (not resolved).  Returns 0, or -1 when there is none. */
int sys_which(const char *name, char *buf, size_t n);

/* Creates directory path and its missing parents (like mkdir -p).
 * Returns 0, or -1 with errno set. */
int sys_mkdir_p(const char *path, mode_t mode);

/* 1 when path names an existing directory. */
int sys_is_dir(const char *path);
/* 1 when path names an existing regular file. */
int sys_is_file(const char *path);

/* Fills buf with n bytes from the kernel's random source.  0 or -1. */
int sys_random(void *buf, size_t n);
/* Mode bits of an existing file, or -1. */
int sys_file_mode(const char *path);

/* ---- sockets (net.c) ---- */
/* A listening TCP socket on 127.0.0.1 with a free port (in *port). */
int sys_listen_loopback(int *port);
/* A connected TCP socket with TCP_NODELAY, or -1 with a message in err. */
int sys_tcp_connect(const char *host, int port, int timeout_ms, char *err, size_t errlen);
/* read(2) waiting at most timeout_ms: bytes read, 0 at end, -2 timeout, -1 error. */
long sys_read_timeout(int fd, void *buf, size_t n, int timeout_ms);
int sys_write_all(int fd, const void *buf, size_t n);

/* ---- child processes (proc.c) ---- */
/* Starts argv[0] (PATH search) in its own process group with stdin from
 * /dev/null, keep_fd inherited (or -1), stdout to stdout_fd and stderr to
 * stderr_fd (each -1 to share ours).  Returns the pid or -1. */
pid_t sys_spawn(char *const argv[], int keep_fd, int stdout_fd, int stderr_fd);
/* Waits up to timeout_ms (< 0: forever): 0 with the exit status (128+N
 * for signal N), 1 when still running, -1 on error. */
int sys_wait(pid_t pid, int timeout_ms, int *status);
/* SIGTERM, then SIGKILL after 2 s, and reap. */
void sys_stop(pid_t pid);
/* CPUs this process may run on (at least 1). */
unsigned sys_cpu_count(void);

/* ---- HTTP(S) through libcurl (http.c) ---- */
struct sys_http_req {
	const char *method, *url;
	const char *const *headers; /* "Name: value" */
	unsigned nheaders;
	const void *body; /* PUT */
	size_t body_len;
	size_t max_body;  /* response bytes kept at most (0: 1 MiB); more aborts */
	const char *auth; /* "user:password" or NULL (~/.netrc is read either way) */
	long long max_send_speed; /* bytes/s, 0: unlimited */
	unsigned retries;         /* extra attempts after transient failures */
	void (*progress)(void *ctx, unsigned long long done, unsigned long long total);
	void *progress_ctx;
	/* the deadline of the whole request, retries and their pauses
	 * included (0: none beyond the low-speed limit): a server that
	 * trickles a byte now and then ends within it */
	long timeout_ms;
	/* S3: sign with AWS Signature V4 (CURLOPT_AWS_SIGV4,
	 * "aws:amz:REGION:s3"), auth then being "KEYID:SECRET"; ~/.netrc is
	 * not read */
	const char *aws_sigv4;
};
struct sys_http_resp {
	int keep;      /* set by the caller: keep the body in data */
	long status;   /* HTTP status, 0 when no response */
	unsigned char *data;
	size_t len, cap;
	int transient, too_large;
	int timed_out; /* the request's timeout_ms passed */
	unsigned retried;
	/* the reply's ETag without its quotes ("" when none, or not a plain
	 * one of at most 127 printable characters) */
	char etag[128];
	/* a reply of status 400 or more: its first bytes (an S3 error's XML),
	 * whatever keep and max_body say; the rest is read and dropped */
	unsigned char err_body[1024];
	size_t err_len;
};
int sys_http_init(void);
void sys_http_cleanup(void);
/* Performs q, retrying transient failures (connection errors, 408, 429,
 * 5xx) with backoff, all within q->timeout_ms.  Returns 0 when a response
 * arrived (any status), -1 with err set otherwise (r->timed_out when the
 * deadline passed). */
int sys_http(const struct sys_http_req *q, struct sys_http_resp *r, char *err, size_t errlen);
void sys_http_resp_release(struct sys_http_resp *r);
#endif
