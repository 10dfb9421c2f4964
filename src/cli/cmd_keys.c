/* cmd_keys.c - `mvbuild keygen`, `mvbuild digest`, `mvbuild sign`: keys and
 * detached signing. */
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "mvb/hash.h"
#include "sys/sys.h"

int cmd_keygen(int argc, char **argv)
{
	const char *out = NULL, *format = "text";
	int force = 0, encrypt = 0, json;
	unsigned long pass_fd = (unsigned long)-1;
	const struct opt opts[] = {
		{ 'o', "output", OPT_STRING, &out, "KEY.pem", "private key file; the public key goes to KEY.pub.pem" },
		{ 0, "encrypt", OPT_FLAG, &encrypt, NULL, "encrypt the private key under $MVBUILD_KEY_PASSPHRASE" },
		{ 0, "passphrase-fd", OPT_UINT, &pass_fd, "N", "encrypt it under a passphrase read from file descriptor N" },
		{ 0, "force", OPT_FLAG, &force, NULL, "replace existing key files" },
		{ 0, "format", OPT_STRING, &format, "text|json", "output format (default text)" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { "keygen", "keygen -o KEY.pem [--encrypt | --passphrase-fd N] [--force] [--format text|json]",
				       "Generate an ECDSA P-256 signing key.  The private key is written with mode 0600\n"
				       "(atomically), the public key next to it as KEY.pub.pem.  With a passphrase the\n"
				       "private key is encrypted (PKCS#8, PBKDF2-HMAC-SHA256, DES-EDE3-CBC: what\n"
				       "mbedTLS 2.28 and OpenSSL both read); a passphrase is never taken from argv.",
				       opts, 0, 0 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	if (!out) {
		cli_error("keygen: -o KEY.pem is required");
		return MVB_EXIT_USAGE;
	}
	if ((rc = cli_format("keygen", format, &json)))
		return rc;
	char pub[4096];
	size_t ol = strlen(out);
	if (ol > 4 && !strcmp(out + ol - 4, ".pem"))
		snprintf(pub, sizeof(pub), "%.*s.pub.pem", (int)(ol - 4), out);
	else
		snprintf(pub, sizeof(pub), "%s.pub", out);
	if (!force && (sys_is_file(out) || sys_is_file(pub))) {
		cli_error("keygen: '%s' or '%s' exists; use --force to replace it", out, pub);
		return MVB_EXIT_USAGE;
	}
	char *pass = NULL;
	if (encrypt || pass_fd != (unsigned long)-1) {
		if ((rc = cli_passphrase(pass_fd == (unsigned long)-1 ? -1 : (int)pass_fd, &pass)))
			return rc;
		if (!pass || !*pass) {
			cli_error("keygen: no passphrase to encrypt the key with: set MVBUILD_KEY_PASSPHRASE or pass "
				  "--passphrase-fd N");
			free(pass);
			return MVB_EXIT_USAGE;
		}
	}
	uint8_t seed[64 + 24];
	if ((rc = cli_random(seed, sizeof(seed)))) {
		free(pass);
		return rc;
	}
	struct mvb_buf priv = MVB_BUF_INIT, pubb = MVB_BUF_INIT, enc = MVB_BUF_INIT;
	rc = mvb_key_generate(seed, 64, &priv, &pubb);
	if (!rc && pass) {
		rc = mvb_key_encrypt_pem(priv.data, priv.len, pass, seed + 64, MVB_KEY_PBKDF2_ITERATIONS, &enc);
		memset(priv.data, 0, priv.len);
		priv.len = 0;
		if (!rc)
			rc = mvb_buf_append(&priv, enc.data, enc.len);
		memset(enc.data, 0, enc.len);
		mvb_buf_release(&enc);
	}
	memset(seed, 0, sizeof(seed));
	if (pass) {
		memset(pass, 0, strlen(pass));
		free(pass);
	}
	if (rc) {
		cli_error("keygen: key generation failed");
		rc = MVB_EXIT_INTERNAL;
	} else if (!(rc = cli_write(out, priv.data, priv.len, 0600)) && !(rc = cli_write(pub, pubb.data, pubb.len, 0644))) {
		struct mvb_key *k;
		char err[64], hex[17];
		uint8_t id[8];
		if (!mvb_key_load(&k, pubb.data, pubb.len, NULL, 0, err, sizeof(err))) {
			mvb_key_id(k, id);
			mvb_hex(id, 8, hex);
			mvb_key_free(k);
			int encrypted = encrypt || pass_fd != (unsigned long)-1;
			if (json) {
				struct mvb_buf b = MVB_BUF_INIT;
				struct json j;
				json_doc_begin(&j, &b);
				json_str(&j, "private_key", out);
				json_str(&j, "public_key", pub);
				json_bool(&j, "encrypted", encrypted);
				json_str(&j, "key_id", hex);
				json_doc_print(&j);
			} else {
				printf("wrote %s (private, 0600%s) and %s; key id %s\n", out, encrypted ? ", encrypted" : "", pub,
				       hex);
			}
		}
	}
	if (priv.data)
		memset(priv.data, 0, priv.len);
	mvb_buf_release(&priv);
	mvb_buf_release(&pubb);
	return rc;
}

int cmd_digest(int argc, char **argv)
{
	const char *out = NULL;
	const struct opt opts[] = {
		{ 'o', "output", OPT_STRING, &out, "FILE", "also write the signed bytes (the message to sign) to FILE" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { "digest", "digest BUNDLE [-o FILE]",
				       "Print the SHA-256 of the bytes a signature covers, for detached signing with an\n"
				       "HSM or a CI secret; -o writes those bytes, e.g. for\n"
				       "'openssl dgst -sha256 -sign KEY.pem -out SIG.der FILE'.",
				       opts, 1, 1 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	unsigned char *data;
	size_t len;
	struct mvb_bundle_view v;
	if ((rc = cli_load_bundle(pos[0], &data, &len, &v)))
		return rc;
	uint8_t dg[32];
	char hex[65];
	mvb_bundle_digest(&v, dg);
	mvb_hex(dg, 32, hex);
	printf("%s\n", hex);
	if (out)
		rc = cli_write(out, data, v.h.bh_payload_off, 0644);
	free(data);
	return rc;
}

/* Adds sig (replacing one with the same key id) and writes the bundle;
 * *total gets the signatures it then holds, *replaced whether one went. */
static int attach(const struct mvb_bundle_view *v, const struct mvb_bundle_sig *sig, const char *out, unsigned *total,
		  int *replaced)
{
	struct mvb_bundle_sig all[MVB_BUNDLE_MAX_SIGS];
	unsigned n = 0;
	for (unsigned i = 0; i < v->ns; i++)
		if (memcmp(v->s[i].sg_key_id, sig->sg_key_id, 8))
			all[n++] = v->s[i];
	if (n == MVB_BUNDLE_MAX_SIGS) {
		cli_error("sign: the bundle already has %u signatures", MVB_BUNDLE_MAX_SIGS);
		return MVB_EXIT_FINDINGS;
	}
	*replaced = n < v->ns;
	all[n++] = *sig;
	*total = n;
	struct mvb_buf o = MVB_BUF_INIT;
	int rc = mvb_bundle_with_sigs(v, all, n, &o) ? MVB_EXIT_INTERNAL : cli_write(out, o.data, o.len, 0644);
	mvb_buf_release(&o);
	return rc;
}

/* Signs a parsed bundle with a loaded key into sig. */
int cli_sign_view(const struct mvb_bundle_view *v, const struct mvb_key *k, struct mvb_bundle_sig *sig);
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

int cmd_sign(int argc, char **argv)
{
	const char *key = NULL, *sigfile = NULL, *pubfile = NULL, *out = NULL, *format = "text";
	unsigned long pass_fd = (unsigned long)-1;
	int json;
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
	if ((rc = cli_format("sign", format, &json)))
		return rc;
	if (json && !strcmp(out, "-")) {
		cli_error("sign: --format json prints on standard output; give -o a file");
		return MVB_EXIT_USAGE;
	}
	unsigned char *data;
	size_t len;
	struct mvb_bundle_view v;
	if ((rc = cli_load_bundle(pos[0], &data, &len, &v)))
		return rc;
	struct mvb_bundle_sig sig;
	struct mvb_key *k = NULL;
	if (key) {
		if (!(rc = cli_load_signing_key(key, pass_fd == (unsigned long)-1 ? -1 : (int)pass_fd, &k)))
			rc = cli_sign_view(&v, k, &sig);
	} else if (!(rc = cli_load_public_key(pubfile, &k))) {
		unsigned char *sd;
		size_t sl;
		if (!(rc = cli_read(sigfile, &sd, &sl))) {
			uint8_t dg[32];
			mvb_bundle_digest(&v, dg);
			if (sl < 8 || sl > 72 || mvb_key_verify(k, dg, sd, sl)) {
				cli_error("sign: '%s' is not a valid signature of this bundle by '%s'", sigfile, pubfile);
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
		rc = attach(&v, &sig, out, &total, &replaced);
	if (!rc && json) {
		struct mvb_buf b = MVB_BUF_INIT;
		struct json j;
		char hex[17];
		mvb_hex(sig.sg_key_id, 8, hex);
		json_doc_begin(&j, &b);
		json_str(&j, "output", out);
		json_str(&j, "key_id", hex);
		json_bool(&j, "replaced", replaced);
		json_int(&j, "signatures", total);
		json_doc_print(&j);
	}
	mvb_key_free(k);
	free(data);
	return rc;
}
