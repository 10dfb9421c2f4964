/* cmd_verify.c - `mvbuild verify` (what a device would accept) and
 * `mvbuild inspect` (what is inside). */
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "mvb/app_header.h"
#include "mvb/hash.h"

#define MAX_KEYS 8

static void version_str(uint32_t v, char *o, size_t n)
{
	snprintf(o, n, "%u.%u.%u", v >> 24, (v >> 16) & 0xff, v & 0xffff);
}

int cmd_verify(int argc, char **argv)
{
	const char *keys = NULL, *board = NULL, *base = NULL;
	const struct opt opts[] = {
		{ 'k', "key", OPT_STRING, &keys, "PUB.pem[,PUB.pem...]", "trusted public keys; a valid signature by one is required" },
		{ 'b', "board", OPT_STRING, &board, "NAME", "require the bundle to be for this board" },
		{ 0, "base", OPT_STRING, &base, "OLD.mvb", "the bundle delta layers were made from (the device's current one)" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { "verify", "verify BUNDLE [--key PUB.pem[,PUB.pem...]] [--board NAME] [--base OLD.mvb]",
				       "Check a bundle as a device would: structure, every chunk hash, every layer's\n"
				       "decoded image hash, the board, and the signatures by the given keys.",
				       opts, 1, 1 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	struct mvb_key *k[MAX_KEYS];
	unsigned nk = 0;
	if (keys) {
		char *list = strdup(keys), *save = NULL;
		for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (nk == MAX_KEYS || (rc = cli_load_public_key(t, &k[nk])) != 0) {
				if (nk == MAX_KEYS)
					cli_error("verify: at most %d keys", MAX_KEYS);
				free(list);
				while (nk)
					mvb_key_free(k[--nk]);
				return rc ? rc : MVB_EXIT_USAGE;
			}
			nk++;
		}
		free(list);
	}
	unsigned char *data;
	size_t len;
	struct mvb_bundle_view v;
	if ((rc = cli_load_bundle(pos[0], &data, &len, &v))) {
		while (nk)
			mvb_key_free(k[--nk]);
		return rc;
	}
	struct mvb_diags d = MVB_DIAGS_INIT;
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = pos[0];
	unsigned char *bdata = NULL;
	size_t blen;
	struct mvb_bundle_view bv;
	if (base && (rc = cli_load_bundle(base, &bdata, &blen, &bv))) {
		free(data);
		while (nk)
			mvb_key_free(k[--nk]);
		return rc;
	}
	mvb_bundle_check_payload_base(&v, base ? &bv : NULL, pos[0], &d);
	free(bdata);
	if (board && strcmp(board, v.m.bm_board))
		mvb_report(&d, &l, MVB_CK_BUNDLE_BOARD, "bundle is for board '%s', not '%s'", v.m.bm_board, board);
	unsigned good = 0;
	mvb_bundle_check_sigs(&v, pos[0], k, nk, &good, &d);
	cli_render_diags(stdout, &d);
	char ver[32];
	version_str(v.m.bm_app_version, ver, sizeof(ver));
	if (!d.errors) {
		printf("%s: ok: board %s, app '%s' %s, %u layer%s, ", pos[0], v.m.bm_board, v.m.bm_app_name, ver, v.nl,
		       v.nl == 1 ? "" : "s");
		if (nk)
			printf("%u valid signature%s by trusted keys\n", good, good == 1 ? "" : "s");
		else
			printf("%u signature%s not checked (no --key)\n", v.ns, v.ns == 1 ? "" : "s");
	}
	rc = d.errors ? MVB_EXIT_FINDINGS : MVB_EXIT_OK;
	mvb_diags_release(&d);
	free(data);
	while (nk)
		mvb_key_free(k[--nk]);
	return rc;
}

int cmd_inspect(int argc, char **argv)
{
	const char *format = "text";
	const struct opt opts[] = {
		{ 0, "format", OPT_STRING, &format, "text|json", "output format (default text)" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { "inspect", "inspect BUNDLE [--format text|json]",
				       "Show what a bundle holds: manifest, layers with their target addresses, sizes,\n"
				       "encodings and hashes, and the key ids of its signatures.",
				       opts, 1, 1 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	int json;
	if ((rc = cli_format("inspect", format, &json)))
		return rc;
	unsigned char *data;
	size_t len;
	struct mvb_bundle_view v;
	if ((rc = cli_load_bundle(pos[0], &data, &len, &v)))
		return rc;
	char ver[32], hex[65], abi[16];
	uint8_t dg[32];
	version_str(v.m.bm_app_version, ver, sizeof(ver));
	snprintf(abi, sizeof(abi), "%u.%u", v.m.bm_min_abi >> 16, v.m.bm_min_abi & 0xffff);
	mvb_bundle_digest(&v, dg);
	if (json) {
		struct mvb_buf b = MVB_BUF_INIT;
		struct json j;
		json_begin(&j, &b);
		json_obj(&j, NULL);
		json_int(&j, "format", v.h.bh_format);
		json_int(&j, "size", (long long)len);
		mvb_hex(dg, 32, hex);
		json_str(&j, "digest", hex);
		json_obj(&j, "manifest");
		json_str(&j, "board", v.m.bm_board);
		json_str(&j, "app", v.m.bm_app_name);
		json_str(&j, "version", ver);
		json_int(&j, "security_counter", v.m.bm_security_counter);
		json_str(&j, "min_abi", abi);
		json_arr(&j, "irqs");
		for (unsigned i = 0; i < 256; i++)
			if (v.m.bm_irq_mask[i / 32] & (1u << (i % 32)))
				json_int(&j, NULL, i);
		json_end_arr(&j);
		json_end_obj(&j);
		json_arr(&j, "layers");
		for (unsigned i = 0; i < v.nl; i++) {
			const struct mvb_bundle_layer *l = &v.l[i];
			json_obj(&j, NULL);
			json_str(&j, "role", mvb_layer_role_name(l->bl_role));
			json_str(&j, "encoding", mvb_encoding_name(l->bl_encoding));
			json_hex(&j, "target", l->bl_target_addr);
			json_int(&j, "size", l->bl_size);
			json_int(&j, "encoded_size", l->bl_encoded_size);
			json_int(&j, "chunks", l->bl_chunk_count);
			mvb_hex(l->bl_sha256, 32, hex);
			json_str(&j, "sha256", hex);
			json_end_obj(&j);
		}
		json_end_arr(&j);
		json_arr(&j, "signatures");
		for (unsigned i = 0; i < v.ns; i++) {
			mvb_hex(v.s[i].sg_key_id, 8, hex);
			json_obj(&j, NULL);
			json_str(&j, "key_id", hex);
			json_str(&j, "algorithm", "ecdsa-p256-sha256");
			json_end_obj(&j);
		}
		json_end_arr(&j);
		json_end_obj(&j);
		fwrite(b.data, 1, b.len, stdout);
		mvb_buf_release(&b);
	} else {
		printf("bundle %s: format %u, %zu bytes\n", pos[0], v.h.bh_format, len);
		printf("  board %s, app '%s' %s, security counter %u, needs microvisor ABI >= %s\n", v.m.bm_board,
		       v.m.bm_app_name, ver, v.m.bm_security_counter, abi);
		printf("  layers:\n");
		for (unsigned i = 0; i < v.nl; i++) {
			const struct mvb_bundle_layer *l = &v.l[i];
			mvb_hex(l->bl_sha256, 32, hex);
			printf("    %-10s 0x%08x-0x%08x  %8u B  %-7s %8u B  %u chunk%s  sha256 %.16s...\n",
			       mvb_layer_role_name(l->bl_role), l->bl_target_addr, l->bl_target_addr + l->bl_size - 1,
			       l->bl_size, mvb_encoding_name(l->bl_encoding), l->bl_encoded_size, l->bl_chunk_count,
			       l->bl_chunk_count == 1 ? "" : "s", hex);
		}
		mvb_hex(dg, 32, hex);
		printf("  signed bytes: 0x0-0x%x, sha256 %s\n", v.h.bh_payload_off - 1, hex);
		if (!v.ns)
			printf("  signatures: none (unsigned)\n");
		for (unsigned i = 0; i < v.ns; i++) {
			mvb_hex(v.s[i].sg_key_id, 8, hex);
			printf("  signature %u: ECDSA P-256, key id %s\n", i, hex);
		}
	}
	free(data);
	return 0;
}
