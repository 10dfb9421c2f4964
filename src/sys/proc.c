/* proc.c - child processes for probes (qemu-system-arm, st-util, openocd):
 * spawn with stdin from /dev/null and one inherited descriptor, wait with
 * a deadline, stop. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "sys/sys.h"

pid_t sys_spawn(char *const argv[], int keep_fd, int stdout_fd, int stderr_fd)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int null = open("/dev/null", O_RDWR);
	if (null >= 0)
		dup2(null, 0);
	if (stdout_fd >= 0)
		dup2(stdout_fd, 1);
	if (stderr_fd >= 0)
		dup2(stderr_fd, 2);
	if (keep_fd >= 0) {
		int fl = fcntl(keep_fd, F_GETFD);
		if (fl >= 0)
			fcntl(keep_fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
	/* a new process group: a Ctrl-C aimed at mvbuild is handled by mvbuild,
	 * which stops the child itself */
	setpgid(0, 0);
	execvp(argv[0], argv);
	_exit(127);
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

int sys_wait(pid_t pid, int timeout_ms, int *status)
{
	long end = now_ms() + timeout_ms;
	for (;;) {
		int st;
		pid_t r = waitpid(pid, &st, timeout_ms < 0 ? 0 : WNOHANG);
		if (r == pid) {
			*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
			return 0;
		}
		if (r < 0 && errno != EINTR)
			return -1;
		if (timeout_ms >= 0 && now_ms() >= end)
			return 1;
		struct timespec ts = { 0, 5 * 1000000L };
		nanosleep(&ts, NULL);
	}
}

void sys_stop(pid_t pid)
{
	int st;
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	if (sys_wait(pid, 2000, &st) == 1) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
}
