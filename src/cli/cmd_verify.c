/* cmd_verify.c - `mvbuild verify`: what a device would accept. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "mvb/app_header.h"
#include "mvb/hash.h"
#include "mvb/map.h"
#include "sys/sys.h"

/* verify --format json: the outcome, what the bundle is, each signature. */
static void verify_json(struct cli_run *r, const char *path, size_t len, const struct mvb_bundle_view *v, int parsed,
			struct mvb_key *const *k, unsigned nk, unsigned good)
{
	struct json *j = cli_doc(r);
	char hex[17];
	json_str(j, "file", path);
	json_bool(j, "ok", !r->diags.errors);
	if (parsed) {
		json_int(j, "size", (long long)len);
		cli_json_bundle(j, v);
		uint8_t dg[32];
		mvb_bundle_digest(v, dg);
		json_bool(j, "signatures_checked", nk > 0);
		json_int(j, "valid_trusted_signatures", good);
		json_arr(j, "signatures");
		for (unsigned i = 0; i < v->ns; i++) {
			const struct mvb_key *by = NULL;
			for (unsigned t = 0; t < nk && !by; t++) {
				uint8_t id[8];
				mvb_key_id(k[t], id);
				if (!memcmp(id, v->s[i].sg_key_id, 8))
					by = k[t];
			}
			json_obj(j, NULL);
			mvb_hex(v->s[i].sg_key_id, 8, hex);
			json_str(j, "key_id", hex);
			json_bool(j, "trusted", by != NULL);
			if (by)
				json_bool(j, "valid", mvb_key_verify(by, dg, v->s[i].sg_der, v->s[i].sg_len) == 0);
			else
				json_null(j, "valid"); /* not checked: no such --key */
			json_end_obj(j);
		}
		json_end_arr(j);
	} else {
		json_null(j, "board");
	}
}

int cmd_verify(struct cli_run *r, int argc, char **argv)
{
	const char *keys = NULL, *board = NULL, *base = NULL, *format = "text";
	const struct opt opts[] = {
		{ 'k', "key", OPT_STRING, &keys, "PUB.pem[,PUB.pem...]", "trusted public keys; a valid signature by one is required" },
		{ 'b', "board", OPT_STRING, &board, "NAME|FILE", "the board (default: the bundle's); the bundle must be for it and its layers inside its partitions" },
		{ 0, "base", OPT_STRING, &base, "OLD.mvb", "the bundle delta layers were made from (the device's current one)" },
		{ 0, "format", OPT_STRING, &format, "text|json", "output format (default text)" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { "verify",
				       "verify BUNDLE [--key PUB.pem[,PUB.pem...]] [--board NAME|FILE] [--base OLD.mvb] [--format text|json]",
				       "Check a bundle as a device would: structure, every chunk hash, every layer's\n"
				       "decoded image hash, the board and where each layer lands on it, and the\n"
				       "signatures by the given keys.",
				       opts, 1, 1 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	if ((rc = cli_format("verify", format, &r->json)))
		return rc;
	struct mvb_key *k[CLI_MAX_KEYS];
	unsigned nk = 0;
	if ((rc = cli_load_public_keys(r, keys, k, &nk)))
		return rc;
	unsigned char *data = NULL;
	size_t len = 0;
	struct mvb_bundle_view v;
	struct mvb_diags *d = &r->diags;
	if ((rc = cli_load_bundle(r, pos[0], &data, &len, &v))) {
		if (r->json && rc == MVB_EXIT_FINDINGS)
			verify_json(r, pos[0], len, &v, 0, k, nk, 0);
		cli_free_keys(k, &nk);
		return rc;
	}
	unsigned char *bdata = NULL;
	size_t blen;
	struct mvb_bundle_view bv;
	if (base && (rc = cli_load_bundle(r, base, &bdata, &blen, &bv))) {
		free(data);
		cli_free_keys(k, &nk);
		return rc;
	}
	/* the report: the findings of the checks (or the verdict) on standard
	 * output; a file that does not read is said on standard error */
	r->diag_out = stdout;
	mvb_bundle_check_payload_base(&v, base ? &bv : NULL, pos[0], d);
	free(bdata);
	struct mvb_board b;
	mvb_board_init(&b);
	int brc = cli_bundle_board(&v, pos[0], board, &b, d);
	if (!brc)
		mvb_bundle_check_layers(&v, &b, pos[0], d);
	mvb_board_release(&b);
	if (brc && brc != MVB_EXIT_FINDINGS) { /* the board does not load */
		free(data);
		cli_free_keys(k, &nk);
		return brc;
	}
	unsigned good = 0;
	mvb_bundle_check_sigs(&v, pos[0], k, nk, &good, d);
	if (r->json) {
		verify_json(r, pos[0], len, &v, 1, k, nk, good);
	} else {
		cli_show(r);
		char ver[32];
		cli_version_str(v.m.bm_app_version, ver, sizeof(ver));
		if (!d->errors) {
			int rev = v.nl > 1 && v.l[v.nl - 1].bl_role == MVB_LAYER_REVERT;
			printf("%s: ok: board %s, app '%s' %s, %u layer%s%s, ", pos[0], v.m.bm_board, v.m.bm_app_name, ver,
			       v.nl, v.nl == 1 ? "" : "s", rev ? " (one undoes the app layer)" : "");
			if (nk)
				printf("%u valid signature%s by trusted keys\n", good, good == 1 ? "" : "s");
			else
				printf("%u signature%s not checked (no --key)\n", v.ns, v.ns == 1 ? "" : "s");
		}
	}
	rc = d->errors ? MVB_EXIT_FINDINGS : MVB_EXIT_OK;
	free(data);
	cli_free_keys(k, &nk);
	return rc;
}
