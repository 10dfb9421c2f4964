/* cmd_init.c - `mvbuild init DIR`: a new app project from templates/app,
 * with the board, app name and SDK location filled in. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli/cli.h"
#include "mvb/app.h"
#include "sys/sys.h"

struct subst {
	const char *key, *value;
};

static int expand(const unsigned char *in, size_t n, const struct subst *s, size_t ns, struct mvb_buf *o)
{
	for (size_t i = 0; i < n;) {
		size_t k;
		for (k = 0; k < ns; k++) {
			size_t kl = strlen(s[k].key);
			if (kl <= n - i && !memcmp(in + i, s[k].key, kl)) {
				if (mvb_buf_puts(o, s[k].value))
					return -1;
				i += kl;
				break;
			}
		}
		if (k == ns) {
			if (mvb_buf_append(o, in + i, 1))
				return -1;
			i++;
		}
	}
	return 0;
}

/* Copies the template tree src into dst, expanding placeholders. */
static int copy_tree(const char *src, const char *dst, const struct subst *s, size_t ns)
{
	if (mkdir(dst, 0755) < 0 && errno != EEXIST) {
		cli_error("cannot create '%s': %s", dst, strerror(errno));
		return MVB_EXIT_IO;
	}
	DIR *d = opendir(src);
	if (!d) {
		cli_error("cannot read template '%s': %s", src, strerror(errno));
		return MVB_EXIT_IO;
	}
	struct dirent *de;
	int rc = 0;
	while (!rc && (de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (!strcmp(de->d_name, "build"))
			continue;
		char sp[PATH_MAX], dp[PATH_MAX];
		snprintf(sp, sizeof(sp), "%s/%s", src, de->d_name);
		snprintf(dp, sizeof(dp), "%s/%s", dst, de->d_name);
		if (sys_is_dir(sp)) {
			rc = copy_tree(sp, dp, s, ns);
			continue;
		}
		unsigned char *data;
		size_t len;
		if ((rc = cli_read(sp, &data, &len)))
			break;
		struct mvb_buf o = MVB_BUF_INIT;
		if (expand(data, len, s, ns, &o)) {
			cli_error("out of memory");
			rc = MVB_EXIT_IO;
		} else {
			struct stat st;
			mode_t mode = stat(sp, &st) == 0 && (st.st_mode & 0111) ? 0755 : 0644;
			rc = cli_write(dp, o.data ? (const void *)o.data : "", o.len, mode);
		}
		mvb_buf_release(&o);
		free(data);
	}
	closedir(d);
	return rc;
}

int cmd_init(int argc, char **argv)
{
	const char *board = MVB_DEFAULT_BOARD, *name = NULL;
	const struct opt opts[] = {
		{ 'b', "board", OPT_STRING, &board, "NAME", "board the app runs on (default mps2-an505)" },
		{ 'n', "name", OPT_STRING, &name, "NAME", "app name (default: the directory's name)" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { "init", "init DIR [--board NAME] [--name NAME]",
				       "Create a buildable app project in DIR (which must not exist or be empty):\n"
				       "CMake project, app manifest, startup code and linker script for the board.\n"
				       "Build it with: cmake -S DIR -B DIR/build && cmake --build DIR/build",
				       opts, 1, 1 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	const char *dir = pos[0];
	DIR *existing = opendir(dir);
	if (existing) {
		struct dirent *de;
		int empty = 1;
		while ((de = readdir(existing)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				empty = 0;
		closedir(existing);
		if (!empty) {
			cli_error("init: '%s' exists and is not empty", dir);
			return MVB_EXIT_USAGE;
		}
	}
	/* the board must exist and be valid */
	struct mvb_board b;
	struct mvb_diags d = MVB_DIAGS_INIT;
	rc = cli_load_board(board, &b, &d);
	cli_render_diags(stderr, &d);
	mvb_diags_release(&d);
	if (rc) {
		mvb_board_release(&b);
		return rc;
	}
	char appname[MVB_APP_NAME_MAX];
	const char *base = strrchr(dir, '/');
	base = base && base[1] ? base + 1 : dir;
	snprintf(appname, sizeof(appname), "%s", name ? name : base);
	for (char *c = appname; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' ||
		      *c == '_' || *c == '.'))
			*c = '_';
	char tmpl[PATH_MAX], sdk[PATH_MAX], self[PATH_MAX];
	snprintf(tmpl, sizeof(tmpl), "%s/templates/app", sys_data_dir());
	snprintf(sdk, sizeof(sdk), "%s/firmware", sys_data_dir());
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		snprintf(self, sizeof(self), "mvbuild");
	else
		self[n] = 0;
	char data_dir[PATH_MAX];
	if (!realpath(sys_data_dir(), data_dir))
		snprintf(data_dir, sizeof(data_dir), "%s", sys_data_dir());
	snprintf(sdk, sizeof(sdk), "%s/firmware", data_dir);
	const struct subst s[] = {
		{ "@MVB_BOARD@", b.name },
		{ "@MVB_APP_NAME@", appname },
		{ "@MVB_SDK_DIR@", sdk },
		{ "@MVB_DATA_DIR@", data_dir },
		{ "@MVBUILD@", self },
	};
	rc = copy_tree(tmpl, dir, s, sizeof(s) / sizeof(s[0]));
	if (!rc)
		printf("created app '%s' for board %s in %s\nbuild it with: cmake -S %s -B %s/build && cmake --build %s/build\n",
		       appname, b.name, dir, dir, dir, dir);
	mvb_board_release(&b);
	return rc;
}
