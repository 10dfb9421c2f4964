/* cmd_sign.c - `mvbuild sign`: a signature added to a bundle, made with a
 * key here or elsewhere (--signature, checked before it is attached). */
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "mvb/hash.h"
#include "sys/sys.h"

/* Adds sig (replacing one with the same key id) and writes the bundle;
 * *total gets the signatures it then holds, *replaced whether one went. */
static int attach(struct cli_run *r, const char *path, const struct mvb_bundle_view *v, const struct mvb_bundle_sig *sig,
		  const char *out, unsigned *total, int *replaced)
{
	struct mvb_bundle_sig all[MVB_BUNDLE_MAX_SIGS];
	unsigned n = 0;
	for (unsigned i = 0; i < v->ns; i++)
		if (memcmp(v->s[i].sg_key_id, sig->sg_key_id, 8))
			all[n++] = v->s[i];
	if (n == MVB_BUNDLE_MAX_SIGS) {
		struct mvb_diags d = MVB_DIAGS_INIT;
		struct mvb_loc l = MVB_LOC_INIT;
		l.file = path;
		l.has_offset = 1;
		l.offset = v->sigs_off;
		mvb_report(&d, &l, MVB_CK_SIGN_FULL, "the bundle already has %u signatures by other keys",
			   MVB_BUNDLE_MAX_SIGS);
		cli_take(r, &d);
		return MVB_EXIT_FINDINGS;
	}
	*replaced = n < v->ns;
	all[n++] = *sig;
	*total = n;
	struct mvb_buf o = MVB_BUF_INIT;
	int rc = mvb_bundle_with_sigs(v, all, n, &o) ? MVB_EXIT_INTERNAL : cli_write(out, o.data, o.len, 0666);
	mvb_buf_release(&o);
	return rc;
}

int cmd_sign(struct cli_run *r, int argc, char **argv)
{
	const char *key = NULL, *sigfile = NULL, *pubfile = NULL, *out = NULL, *format = "text";
	unsigned long pass_fd = (unsigned long)-1;
	const struct opt opts[] = {
		{ 'k', "key", OPT_STRING, &key, "KEY.pem", "sign with this private key" },
		{ 0, "signature", OPT_STRING, &sigfile, "SIG.der", "attach this DER signature (made elsewhere) instead" },
		{ 0, "pubkey", OPT_STRING, &pubfile, "PUB.pem", "the public key of --signature; it is checked before attaching" },
		{ 0, "passphrase-fd", OPT_UINT, &pass_fd, "N", "read the key's passphrase from file descriptor N" },
		{ 'o', "output", OPT_STRING, &out, "OUT.mvb", "write the signed bundle here" },
		{ 0, "format", OPT_STRING, &format, "text|json", "output format: json prints a summary (default text: nothing)" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { "sign", "sign BUNDLE (--key KEY.pem | --signature SIG.der --pubkey PUB.pem) -o OUT.mvb [--format text|json]",
				       "Add a signature to a bundle: made here with --key, or made elsewhere (HSM, CI\n"
				       "secret) over the bytes 'mvbuild digest -o' writes and attached with --signature.\n"
				       "A signature by the same key replaces the old one.",
				       opts, 1, 1 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	if (!out || (!key == !sigfile) || (sigfile && !pubfile)) {
		cli_error("sign: usage: mvbuild %s", spec.synopsis);
		return MVB_EXIT_USAGE;
	}
	if ((rc = cli_format("sign", format, &r->json)))
		return rc;
	if (r->json && !strcmp(out, "-")) {
		cli_error("sign: --format json prints on standard output; give -o a file");
		return MVB_EXIT_USAGE;
	}
	unsigned char *data;
	size_t len;
	struct mvb_bundle_view v;
	if ((rc = cli_load_bundle(r, pos[0], &data, &len, &v)))
		return rc;
	struct mvb_bundle_sig sig;
	struct mvb_key *k = NULL;
	if (key) {
		if (!(rc = cli_load_signing_key(r, key, pass_fd == (unsigned long)-1 ? -1 : (int)pass_fd, &k)))
			rc = cli_sign_view(&v, k, &sig);
	} else if (!(rc = cli_load_public_key(r, pubfile, &k))) {
		unsigned char *sd;
		size_t sl;
		if (!(rc = cli_read(sigfile, &sd, &sl))) {
			uint8_t dg[32];
			mvb_bundle_digest(&v, dg);
			if (sl < 8 || sl > 72 || mvb_key_verify(k, dg, sd, sl)) {
				struct mvb_diags d = MVB_DIAGS_INIT;
				struct mvb_loc l = MVB_LOC_INIT;
				l.file = sigfile;
				mvb_report(&d, &l, MVB_CK_BUNDLE_SIGNATURE, "not a valid signature of '%s' by '%s'", pos[0],
					   pubfile);
				cli_take(r, &d);
				rc = MVB_EXIT_FINDINGS;
			} else {
				memset(&sig, 0, sizeof(sig));
				memcpy(sig.sg_der, sd, sl);
				sig.sg_len = (uint16_t)sl;
				sig.sg_alg = MVB_SIG_ECDSA_P256_SHA256;
				mvb_key_id(k, sig.sg_key_id);
			}
			free(sd);
		}
	}
	unsigned total = 0;
	int replaced = 0;
	if (!rc)
		rc = attach(r, pos[0], &v, &sig, out, &total, &replaced);
	if (!rc && r->json) {
		struct json *j = cli_doc(r);
		char hex[17];
		mvb_hex(sig.sg_key_id, 8, hex);
		json_str(j, "output", out);
		json_str(j, "key_id", hex);
		json_bool(j, "replaced", replaced);
		json_int(j, "signatures", total);
	}
	mvb_key_free(k);
	free(data);
	return rc;
}
