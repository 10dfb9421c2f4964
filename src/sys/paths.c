/* paths.c - where mvbuild's data directory is. */
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
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
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
