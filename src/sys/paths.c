/* paths.c - where mvbuild's data directory and executable are, and what
 * $PATH finds. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sys/sys.h"

#ifndef MVB_SOURCE_DATA_DIR
#define MVB_SOURCE_DATA_DIR "."
#endif
#ifndef MVB_INSTALL_DATA_DIR
#define MVB_INSTALL_DATA_DIR "/usr/local/share/mvbuild"
#endif

static int has_boards(const char *dir)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/boards", dir);
	return sys_is_dir(p);
}

int sys_exe_path(char *buf, size_t n)
{
	ssize_t len = readlink("/proc/self/exe", buf, n - 1);
	if (len <= 0 || (size_t)len >= n - 1)
		return -1;
	buf[len] = 0;
	return 0;
}

int sys_which(const char *name, char *buf, size_t n)
{
	const char *path = getenv("PATH");
	if (!path)
		return -1;
	for (const char *p = path;;) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		/* an empty entry is the current directory */
		int w = len ? snprintf(buf, n, "%.*s/%s", (int)len, p, name) : snprintf(buf, n, "./%s", name);
		if (w > 0 && (size_t)w < n && sys_is_file(buf) && access(buf, X_OK) == 0)
			return 0;
		if (!end)
			return -1;
		p = end + 1;
	}
}

const char *sys_data_dir(void)
{
	static char dir[PATH_MAX];
	if (dir[0])
		return dir;
	const char *env = getenv("MVBUILD_DATA_DIR");
	if (env && *env) {
		snprintf(dir, sizeof(dir), "%s", env);
		return dir;
	}
	/* <prefix>/bin/mvbuild -> <prefix>/share/mvbuild */
	char exe[PATH_MAX];
	if (sys_exe_path(exe, sizeof(exe)) == 0) {
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			char cand[PATH_MAX];
			snprintf(cand, sizeof(cand), "%s/../share/mvbuild", exe);
			if (has_boards(cand) && realpath(cand, dir))
				return dir;
		}
	}
	if (has_boards(MVB_SOURCE_DATA_DIR)) {
		snprintf(dir, sizeof(dir), "%s", MVB_SOURCE_DATA_DIR);
		return dir;
	}
	snprintf(dir, sizeof(dir), "%s", MVB_INSTALL_DATA_DIR);
	return dir;
}
