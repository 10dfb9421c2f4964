/* cmd_keygen.c - `mvbuild keygen`: an ECDSA P-256 key pair, the private
 * key 0600 (encrypted with a passphrase when asked), written atomically. */
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "mvb/hash.h"
#include "sys/sys.h"

int cmd_keygen(struct cli_run *r, int argc, char **argv)
{
	const char *out = NULL, *format = "text";
	int force = 0, encrypt = 0;
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
	if ((rc = cli_format("keygen", format, &r->json)))
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
	} else if (!(rc = cli_write(out, priv.data, priv.len, 0600)) && !(rc = cli_write(pub, pubb.data, pubb.len, 0666))) {
		struct mvb_key *k;
		char err[64], hex[17];
		uint8_t id[8];
		if (!mvb_key_load(&k, pubb.data, pubb.len, NULL, 0, err, sizeof(err))) {
			mvb_key_id(k, id);
			mvb_hex(id, 8, hex);
			mvb_key_free(k);
			int encrypted = encrypt || pass_fd != (unsigned long)-1;
			if (r->json) {
				struct json *j = cli_doc(r);
				json_str(j, "private_key", out);
				json_str(j, "public_key", pub);
				json_bool(j, "encrypted", encrypted);
				json_str(j, "key_id", hex);
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
