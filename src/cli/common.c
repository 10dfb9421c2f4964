/* common.c - loaders shared by the commands: read files, resolve board
 * names, find the firmware's secure entry table, write outputs. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "sys/sys.h"
#include "mvb/app_header.h"
#include "mvb/hash.h"
#include "mvb/delta.h"

int cli_read(const char *path, unsigned char **data, size_t *len)
{
	if (sys_read_file(path, CLI_MAX_INPUT, data, len) < 0) {
		int e = errno;
		char what[64];
		if (e == EFBIG)
			snprintf(what, sizeof(what), "larger than 256 MiB");
		else if (e == ETIMEDOUT)
			snprintf(what, sizeof(what), "a pipe or device that did not end within %d s", SYS_INPUT_TIMEOUT_S);
		else if (e == ENODATA)
			snprintf(what, sizeof(what), "a pipe or device that gave no data");
		else
			snprintf(what, sizeof(what), "%s", strerror(e));
		cli_error("cannot read '%s': %s", path, what);
		return MVB_EXIT_IO;
	}
	sys_note_input(path);
	return 0;
}

static void list_boards(char *out, size_t n)
{
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof(cmd), "%s/boards", sys_data_dir());
	out[0] = 0;
	DIR *dir = opendir(cmd);
	if (!dir)
		return;
	struct dirent *de;
	while ((de = readdir(dir))) {
		size_t l = strlen(de->d_name);
		if (l > 5 && !strcmp(de->d_name + l - 5, ".yaml")) {
			size_t o = strlen(out);
			snprintf(out + o, n - o, "%s%.*s", o ? ", " : "", (int)(l - 5), de->d_name);
		}
	}
	closedir(dir);
}

int cli_load_board(const char *arg, struct mvb_board *b, struct mvb_diags *d)
{
	char path[PATH_MAX];
	int is_path = strchr(arg, '/') || (strlen(arg) > 5 && !strcmp(arg + strlen(arg) - 5, ".yaml"));
	if (is_path)
		snprintf(path, sizeof(path), "%s", arg);
	else
		snprintf(path, sizeof(path), "%s/boards/%s.yaml", sys_data_dir(), arg);
	if (!is_path && !sys_is_file(path)) {
		char known[512];
		list_boards(known, sizeof(known));
		cli_error("unknown board '%s' (known: %s)", arg, known[0] ? known : "none found");
		return MVB_EXIT_USAGE;
	}
	unsigned char *data;
	size_t len;
	int rc = cli_read(path, &data, &len);
	if (rc)
		return rc;
	rc = mvb_board_parse(b, path, data, len, d);
	free(data);
	if (rc == MVB_ENOMEM) {
		cli_error("out of memory");
		return MVB_EXIT_IO;
	}
	return rc ? MVB_EXIT_FINDINGS : 0;
}

int cli_run_board(struct cli_run *r, const char *arg, struct mvb_board *b)
{
	struct mvb_diags d = MVB_DIAGS_INIT;
	int rc = cli_load_board(arg, b, &d);
	cli_take(r, &d);
	if (rc)
		mvb_board_release(b);
	return rc;
}

int cli_bundle_board(const struct mvb_bundle_view *v, const char *path, const char *board_arg, struct mvb_board *b,
		     struct mvb_diags *d)
{
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = path;
	const char *name = v->m.bm_board;
	if (!board_arg) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/boards/%s.yaml", sys_data_dir(), name);
		/* a name from the bundle is untrusted: board names only, never a path */
		if (!name[0] || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(name) || !sys_is_file(p)) {
			char safe[64];
			cli_sanitize(name, safe, sizeof(safe));
			return mvb_report_hint(d, &l, MVB_CK_BUNDLE_BOARD, "name the board's manifest with --board FILE",
					       "the bundle is for board '%s', which this mvbuild does not know", safe)
				       ? MVB_EXIT_FINDINGS
				       : 0;
		}
	}
	int rc = cli_load_board(board_arg ? board_arg : name, b, d);
	if (rc)
		return rc;
	if (strcmp(b->name, name))
		return mvb_report(d, &l, MVB_CK_BUNDLE_BOARD, "bundle is for board '%s', not '%s'", name, b->name)
			       ? MVB_EXIT_FINDINGS
			       : 0;
	return 0;
}

int cli_load_api(const char *path, const struct mvb_board *b, struct mvb_api *api, int *have, struct mvb_diags *d)
{
	char p[PATH_MAX];
	*have = 0;
	if (path)
		snprintf(p, sizeof(p), "%s", path);
	else {
		snprintf(p, sizeof(p), "%s/firmware/prebuilt/%s/mv_api.yaml", sys_data_dir(), b->name);
		if (!sys_is_file(p))
			return 0;
	}
	unsigned char *data;
	size_t len;
	int rc = cli_read(p, &data, &len);
	if (rc)
		return rc;
	rc = mvb_api_parse(api, p, data, len, d);
	free(data);
	if (rc)
		return MVB_EXIT_FINDINGS;
	if (strcmp(api->board, b->name)) {
		cli_error("'%s' describes board '%s', not '%s'", p, api->board, b->name);
		return MVB_EXIT_USAGE;
	}
	*have = 1;
	return 0;
}

int cli_write(const char *path, const void *data, size_t len, unsigned mode)
{
	if (!strcmp(path, "-")) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout)) {
			cli_error("cannot write to standard output: %s", strerror(errno));
			return MVB_EXIT_IO;
		}
		return 0;
	}
	if (sys_write_atomic(path, data, len, (mode_t)mode) < 0) {
		if (errno == EEXIST)
			cli_error("refusing to overwrite input file '%s'", path);
		else
			cli_error("cannot write '%s': %s", path, strerror(errno));
		return MVB_EXIT_IO;
	}
	return 0;
}

int cli_random(void *buf, size_t n)
{
	if (sys_random(buf, n) < 0) {
		cli_error("cannot read random bytes from /dev/urandom: %s", strerror(errno));
		return MVB_EXIT_IO;
	}
	return 0;
}

static char *read_pass_fd(int fd)
{
	char buf[512];
	size_t n = 0;
	while (n + 1 < sizeof(buf)) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			memset(buf, 0, sizeof(buf));
			return NULL;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = 0;
	char *s = strdup(buf);
	memset(buf, 0, sizeof(buf));
	return s;
}

int cli_passphrase(int pass_fd, char **pass)
{
	*pass = NULL;
	if (pass_fd >= 0) {
		if (!(*pass = read_pass_fd(pass_fd))) {
			cli_error("cannot read the passphrase from file descriptor %d: %s", pass_fd, strerror(errno));
			return MVB_EXIT_IO;
		}
		return 0;
	}
	const char *env = getenv("MVBUILD_KEY_PASSPHRASE");
	if (env && !(*pass = strdup(env))) {
		cli_error("out of memory");
		return MVB_EXIT_IO;
	}
	return 0;
}

/* A key file mvbuild cannot use: a key-format finding. */
static int bad_key(struct cli_run *r, const char *path, const char *why)
{
	struct mvb_diags d = MVB_DIAGS_INIT;
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = path;
	mvb_report(&d, &l, MVB_CK_KEY_FORMAT, "%s", why);
	cli_take(r, &d);
	return MVB_EXIT_FINDINGS;
}

int cli_load_signing_key(struct cli_run *r, const char *path, int pass_fd, struct mvb_key **k)
{
	int mode = sys_file_mode(path);
	if (mode >= 0 && (mode & 077)) {
		cli_error("refusing to use private key '%s': it is readable by group or others (mode %04o); chmod 600 it",
			  path, mode);
		return MVB_EXIT_IO;
	}
	unsigned char *data;
	size_t len;
	int rc = cli_read(path, &data, &len);
	if (rc)
		return rc;
	char *pass;
	if ((rc = cli_passphrase(pass_fd, &pass))) {
		memset(data, 0, len);
		free(data);
		return rc;
	}
	char err[400];
	rc = mvb_key_load(k, data, len, pass, 1, err, sizeof(err));
	memset(data, 0, len);
	free(data);
	if (pass) {
		memset(pass, 0, strlen(pass));
		free(pass);
	}
	return rc ? bad_key(r, path, err) : 0;
}

int cli_load_public_key(struct cli_run *r, const char *path, struct mvb_key **k)
{
	unsigned char *data;
	size_t len;
	int rc = cli_read(path, &data, &len);
	if (rc)
		return rc;
	char err[160];
	rc = mvb_key_load(k, data, len, NULL, 0, err, sizeof(err));
	free(data);
	return rc ? bad_key(r, path, err) : 0;
}

int cli_load_bundle(struct cli_run *r, const char *path, unsigned char **data, size_t *len, struct mvb_bundle_view *v)
{
	int rc = cli_read(path, data, len);
	if (rc)
		return rc;
	struct mvb_diags d = MVB_DIAGS_INIT;
	if (mvb_bundle_parse(v, path, *data, *len, &d)) {
		free(*data);
		*data = NULL;
		rc = MVB_EXIT_FINDINGS;
	}
	cli_take(r, &d);
	return rc;
}

void cli_note_layers(const struct mvb_build_report *rep, const char *what)
{
	static const char *const no_revert[] = {
		[MVB_WHY_NO_BASE_LAYER] = "the base holds no app image that decodes",
		[MVB_WHY_TOO_MANY_PAGES] = "the base's or this app image spans more pages than the device patcher's page table",
		[MVB_WHY_NO_DELTA] = "no delta could be made back to the base's app image",
	};
	if ((unsigned)rep->revert_why < sizeof(no_revert) / sizeof(no_revert[0]) && no_revert[rep->revert_why])
		fprintf(stderr, "mvbuild: note: %s: no revert layer: %s; a device cannot undo this release by itself\n", what,
			no_revert[rep->revert_why]);
	for (unsigned i = 0; i < rep->nl; i++) {
		const struct mvb_layer_report *l = &rep->l[i];
		if (l->why == MVB_WHY_TOO_MANY_PAGES)
			fprintf(stderr,
				"mvbuild: note: %s: the %s layer is sent whole: it or its base spans more than the %u "
				"pages of %u bytes the device patcher's page table holds\n",
				what, mvb_layer_role_name(l->role), mvb_delta_max_pages(), rep->page_size);
	}
}

void cli_version_str(uint32_t v, char *o, size_t n)
{
	snprintf(o, n, "%u.%u.%u", v >> 24, (v >> 16) & 0xff, v & 0xffff);
}

void cli_json_layer(struct json *j, const struct mvb_bundle_layer *l)
{
	json_str(j, "role", mvb_layer_role_name(l->bl_role));
	json_str(j, "encoding", mvb_encoding_name(l->bl_encoding));
	json_hex(j, "target", l->bl_target_addr);
	json_int(j, "size", l->bl_size);
	json_int(j, "encoded_size", l->bl_encoded_size);
}

static const char *confirm_mode(uint32_t flags, uint32_t trial_ms)
{
	return !trial_ms ? "at-install" : flags & MVB_APPHDR_F_CONFIRM_EXPLICIT ? "explicit" : "after";
}

void cli_json_confirm(struct json *j, uint32_t flags, uint32_t trial_ms)
{
	json_obj(j, "confirm");
	json_str(j, "mode", confirm_mode(flags, trial_ms));
	json_int(j, "ms", trial_ms);
	json_end_obj(j);
}

void cli_print_confirm(uint32_t flags, uint32_t trial_ms, uint32_t watchdog_ms)
{
	if (!flags && trial_ms == mvb_app_trial_default_ms(watchdog_ms))
		return;
	if (!trial_ms)
		printf("  confirm: at install (no trial)\n");
	else if (flags & MVB_APPHDR_F_CONFIRM_EXPLICIT)
		printf("  confirm: explicit, by mv_update_confirm within %u ms of a start on trial\n", trial_ms);
	else
		printf("  confirm: after %u ms on trial without a crash\n", trial_ms);
}

void cli_json_bundle(struct json *j, const struct mvb_bundle_view *v)
{
	char ver[32], abi[16], hex[65];
	cli_version_str(v->m.bm_app_version, ver, sizeof(ver));
	snprintf(abi, sizeof(abi), "%u.%u", v->m.bm_min_abi >> 16, v->m.bm_min_abi & 0xffff);
	json_str(j, "board", v->m.bm_board);
	json_obj(j, "app");
	json_str(j, "name", v->m.bm_app_name);
	json_str(j, "version", ver);
	json_int(j, "security_counter", v->m.bm_security_counter);
	json_str(j, "min_abi", abi);
	cli_json_confirm(j, v->m.bm_flags, v->m.bm_trial_ms);
	json_end_obj(j);
	json_arr(j, "layers");
	for (unsigned i = 0; i < v->nl; i++) {
		const struct mvb_bundle_layer *l = &v->l[i];
		json_obj(j, NULL);
		cli_json_layer(j, l);
		mvb_hex(l->bl_sha256, 32, hex);
		json_str(j, "sha256", hex);
		if (l->bl_encoding == MVB_ENC_DELTA) {
			mvb_hex(l->bl_base_sha256, 32, hex);
			json_str(j, "base_sha256", hex);
		} else {
			json_null(j, "base_sha256");
		}
		json_end_obj(j);
	}
	json_end_arr(j);
}

int cli_load_public_keys(struct cli_run *r, const char *list, struct mvb_key **k, unsigned *nk)
{
	*nk = 0;
	if (!list)
		return 0;
	char *copy = strdup(list), *save = NULL;
	int rc = copy ? 0 : MVB_EXIT_IO;
	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t && !rc; t = strtok_r(NULL, ",", &save)) {
		if (*nk == CLI_MAX_KEYS) {
			cli_error("%s: at most %d keys", r->cmd, CLI_MAX_KEYS);
			rc = MVB_EXIT_USAGE;
		} else if (!(rc = cli_load_public_key(r, t, &k[*nk]))) {
			(*nk)++;
		}
	}
	free(copy);
	if (rc)
		cli_free_keys(k, nk);
	return rc;
}

void cli_free_keys(struct mvb_key **k, unsigned *nk)
{
	while (*nk)
		mvb_key_free(k[--*nk]);
}

int cli_sign_view(const struct mvb_bundle_view *v, const struct mvb_key *k, struct mvb_bundle_sig *sig)
{
	uint8_t dg[32], seed[48];
	size_t n = 0;
	int rc = cli_random(seed, sizeof(seed));
	if (rc)
		return rc;
	memset(sig, 0, sizeof(*sig));
	mvb_bundle_digest(v, dg);
	if (mvb_key_sign(k, dg, seed, sizeof(seed), sig->sg_der, &n)) {
		cli_error("signing failed");
		return MVB_EXIT_INTERNAL;
	}
	mvb_key_id(k, sig->sg_key_id);
	sig->sg_alg = MVB_SIG_ECDSA_P256_SHA256;
	sig->sg_len = (uint16_t)n;
	return 0;
}

/* A finding about a file as a whole (one that is not there). */
void cli_report_file(struct mvb_diags *d, const char *file, enum mvb_check c, const char *msg)
{
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = file;
	mvb_report(d, &l, c, "%s", msg);
}
