/* cmd_init.c - `mvbuild init DIR`: a new app project from templates/app,
 * with the board and app name filled in, and the command that builds it.
 * The project holds no path of this machine: it finds the SDK and mvbuild
 * through mvbuild's CMake package, which the printed command names unless
 * find_package finds it by itself. */
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

/* Copies the template tree src into dst (created with its parents),
 * expanding placeholders. */
static int copy_tree(const char *src, const char *dst, const struct subst *s, size_t ns)
{
	if (sys_mkdir_p(dst, 0755) < 0) {
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
			mode_t mode = stat(sp, &st) == 0 && (st.st_mode & 0111) ? 0777 : 0666;
			rc = cli_write(dp, o.data ? (const void *)o.data : "", o.len, mode);
		}
		mvb_buf_release(&o);
		free(data);
	}
	closedir(d);
	return rc;
}

/* Appends word to o, in single quotes when the shell would split or
 * expand it. */
static int put_shell_word(struct mvb_buf *o, const char *word)
{
	int plain = *word != 0;
	for (const char *c = word; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./+:,@%=", *c))
			plain = 0;
	if (plain)
		return mvb_buf_puts(o, word);
	if (mvb_buf_puts(o, "'"))
		return -1;
	for (const char *c = word; *c; c++)
		if (*c == '\'' ? mvb_buf_puts(o, "'\\''") : mvb_buf_append(o, c, 1))
			return -1;
	return mvb_buf_puts(o, "'");
}

/* Where this mvbuild's CMake package is (pkg), and whether find_package
 * finds it without being told (*implicit): the build tree's, next to the
 * binary, or the installed one in DATADIR/cmake, which find_package finds
 * through $PATH when this binary is the mvbuild there.  0, or -1 when
 * there is no package. */
static int find_package_dir(char *pkg, size_t n, int *implicit)
{
	char exe[PATH_MAX], dir[PATH_MAX], cand[PATH_MAX + 32];
	*implicit = 0;
	if (sys_exe_path(exe, sizeof(exe)) < 0)
		return -1;
	snprintf(dir, sizeof(dir), "%s", exe);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return -1;
	*slash = 0;
	snprintf(cand, sizeof(cand), "%s/mvbuildConfig.cmake", dir);
	if (sys_is_file(cand)) {
		snprintf(pkg, n, "%s", dir);
		return 0;
	}
	snprintf(cand, sizeof(cand), "%s/cmake/mvbuildConfig.cmake", sys_data_dir());
	if (!sys_is_file(cand) || !realpath(cand, dir))
		return -1;
	*strrchr(dir, '/') = 0;
	snprintf(pkg, n, "%s", dir);
	/* find_package turns a $PATH entry <prefix>/bin into <prefix> and
	 * looks in <prefix>/share/mvbuild/cmake */
	char onpath[PATH_MAX], real[PATH_MAX];
	if (sys_which("mvbuild", onpath, sizeof(onpath)) == 0 && realpath(onpath, real) && !strcmp(real, exe)) {
		char *s = strrchr(onpath, '/');
		*s = 0;
		snprintf(cand, sizeof(cand), "%s/../share/mvbuild/cmake", onpath);
		size_t bl = strlen(onpath);
		*implicit = bl >= 4 && !strcmp(onpath + bl - 4, "/bin") && realpath(cand, real) && !strcmp(real, pkg);
	}
	return 0;
}

int cmd_init(struct cli_run *r, int argc, char **argv)
{
	const char *board = MVB_DEFAULT_BOARD, *name = NULL;
	const struct opt opts[] = {
		{ 'b', "board", OPT_STRING, &board, "NAME", "board the app runs on (default mps2-an505)" },
		{ 'n', "name", OPT_STRING, &name, "NAME", "app name (default: the directory's name)" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { "init", "init DIR [--board NAME] [--name NAME]",
				       "Create a buildable app project in DIR (made with its parents; it must not\n"
				       "exist or be empty): CMake project, app manifest, startup code, linker\n"
				       "script for the board, toolchain files for GCC and for clang.  Prints the\n"
				       "command that builds it: cmake -S DIR -B DIR/build && cmake --build DIR/build,\n"
				       "with -Dmvbuild_DIR=<this mvbuild's CMake package> unless CMake finds that\n"
				       "through PATH.",
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
	if ((rc = cli_run_board(r, board, &b)))
		return rc;
	/* the app name: the last component of DIR, trailing slashes aside */
	char appname[MVB_APP_NAME_MAX], last[PATH_MAX];
	snprintf(last, sizeof(last), "%s", dir);
	for (size_t l = strlen(last); l > 1 && last[l - 1] == '/'; l--)
		last[l - 1] = 0;
	const char *base = strrchr(last, '/');
	base = base && base[1] ? base + 1 : last;
	snprintf(appname, sizeof(appname), "%s", name ? name : base);
	for (char *c = appname; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' ||
		      *c == '_' || *c == '.'))
			*c = '_';
	char tmpl[PATH_MAX], pkg[PATH_MAX];
	snprintf(tmpl, sizeof(tmpl), "%s/templates/app", sys_data_dir());
	int implicit, have_pkg = find_package_dir(pkg, sizeof(pkg), &implicit) == 0;
	const struct subst s[] = {
		{ "@MVB_BOARD@", b.name },
		{ "@MVB_APP_NAME@", appname },
	};
	rc = copy_tree(tmpl, dir, s, sizeof(s) / sizeof(s[0]));
	if (!rc) {
		char build[PATH_MAX + 8];
		snprintf(build, sizeof(build), "%s/build", last);
		struct mvb_buf cmd = MVB_BUF_INIT;
		int bad = mvb_buf_puts(&cmd, "cmake -S ") || put_shell_word(&cmd, last) ||
			  mvb_buf_puts(&cmd, " -B ") || put_shell_word(&cmd, build);
		if (have_pkg && !implicit) {
			char def[PATH_MAX + 16];
			snprintf(def, sizeof(def), "-Dmvbuild_DIR=%s", pkg);
			bad = bad || mvb_buf_puts(&cmd, " ") || put_shell_word(&cmd, def);
		}
		bad = bad || mvb_buf_puts(&cmd, " && cmake --build ") || put_shell_word(&cmd, build);
		if (bad) {
			cli_error("out of memory");
			rc = MVB_EXIT_IO;
		} else {
			printf("created app '%s' for board %s in %s\nbuild it with: %.*s\n", appname, b.name, dir,
			       (int)cmd.len, (const char *)cmd.data);
			if (!have_pkg)
				cli_warning("init: this mvbuild has no CMake package (install it with 'cmake --install'); "
					    "configure with -Dmvbuild_DIR=<prefix>/share/mvbuild/cmake");
		}
		mvb_buf_release(&cmd);
	}
	mvb_board_release(&b);
	return rc;
}
