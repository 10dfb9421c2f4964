/* testutil.c - see testutil.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "testutil.h"
#include "mvb/bundle.h"
#include "mvb/sign.h"

char *tu_read(const char *path, size_t *len)
{
	char full[1024];
	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", MVB_SRC_DIR, path);
	FILE *f = fopen(full, "rb");
	if (!f)
		fail_msg("cannot open %s", full);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

char *tu_replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	if (!at)
		fail_msg("'%s' not in text", from);
	size_t n = strlen(text) - strlen(from) + strlen(to);
	char *out = malloc(n + 1);
	assert_non_null(out);
	size_t pre = (size_t)(at - text);
	memcpy(out, text, pre);
	strcpy(out + pre, to);
	strcat(out, at + strlen(from));
	return out;
}

unsigned tu_line_of(const char *text, const char *needle)
{
	const char *at = strstr(text, needle);
	if (!at)
		fail_msg("'%s' not in text", needle);
	unsigned line = 1;
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

int tu_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

const char *tu_build_app(const char *name, const char *flags)
{
	static char path[64][512];
	static char names[64][64];
	static int n;
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return path[i];
	assert_true(n < 64);
	snprintf(names[n], sizeof(names[n]), "%s", name);
	snprintf(path[n], sizeof(path[n]), "%s/%s.elf", MVB_TEST_TMP, name);
	/* flags come last so they can override the defaults (a later --defsym
	 * wins, a later -mfpu wins); a flags string with its own -T replaces
	 * the default script */
	char script[600] = "";
	if (!strstr(flags, "-T "))
		snprintf(script, sizeof(script),
			 "-T %s/tests/data/elf/app.ld "
			 "-Wl,--defsym=FLASH_ORIGIN=0x00200000,--defsym=FLASH_LENGTH=0x200000 "
			 "-Wl,--defsym=RAM_ORIGIN=0x28000000,--defsym=RAM_LENGTH=0x200000,--defsym=STACK_SIZE=0x1000",
			 MVB_SRC_DIR);
	int rc = tu_sh("cd %s/tests/data/elf && %s -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16 -Os "
		       "-ffreestanding -nostdlib -Wl,--no-warn-rwx-segments %s %s app.c -lgcc -o %s",
		       MVB_SRC_DIR, MVB_ARM_GCC, script, flags, path[n]);
	if (rc)
		fail_msg("building fixture %s failed (%d)", name, rc);
	return path[n++];
}

void tu_board(struct mvb_board *b, const char *name)
{
	char p[256];
	size_t len;
	snprintf(p, sizeof(p), "boards/%s.yaml", name);
	char *t = tu_read(p, &len);
	struct mvb_diags d = MVB_DIAGS_INIT;
	int rc = mvb_board_parse(b, p, t, len, &d);
	if (rc)
		tu_print(&d);
	assert_int_equal(rc, 0);
	assert_int_equal(d.n, 0);
	mvb_diags_release(&d);
	free(t);
}

void tu_print(const struct mvb_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_message("  %s:%u:%u: %s [%s]\n", d->v[i].file ? d->v[i].file : "-", d->v[i].line, d->v[i].col,
			      d->v[i].message, mvb_check_info(d->v[i].check)->id);
}

void tu_expect_id(const struct mvb_diags *d, const char *id)
{
	int c = mvb_check_by_id(id);
	if (c < 0)
		fail_msg("unknown id %s", id);
	if (!mvb_diags_count(d, (enum mvb_check)c)) {
		print_message("expected [%s], got:\n", id);
		tu_print(d);
		fail();
	}
}

void tu_sign_bundle(const struct mvb_buf *b, const struct mvb_key *k, struct mvb_buf *out)
{
	struct mvb_bundle_view v;
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_bundle_parse(&v, "b.mvb", b->data, b->len, &d), 0);
	uint8_t dg[32], blind[32] = { 1 };
	struct mvb_bundle_sig sig;
	memset(&sig, 0, sizeof(sig));
	size_t n;
	mvb_bundle_digest(&v, dg);
	assert_int_equal(mvb_key_sign(k, dg, blind, sizeof(blind), sig.sg_der, &n), 0);
	sig.sg_len = (uint16_t)n;
	sig.sg_alg = MVB_SIG_ECDSA_P256_SHA256;
	mvb_key_id(k, sig.sg_key_id);
	assert_int_equal(mvb_bundle_with_sigs(&v, &sig, 1, out), 0);
	mvb_diags_release(&d);
}

struct mvb_key *tu_key(const uint8_t seed[32])
{
	struct mvb_buf priv = MVB_BUF_INIT, pub = MVB_BUF_INIT;
	assert_int_equal(mvb_key_generate(seed, 32, &priv, &pub), 0);
	struct mvb_key *k;
	char err[128];
	assert_int_equal(mvb_key_load(&k, priv.data, priv.len, NULL, 1, err, sizeof(err)), 0);
	mvb_buf_release(&priv);
	mvb_buf_release(&pub);
	return k;
}
