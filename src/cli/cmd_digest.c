/* cmd_digest.c - `mvbuild digest`: what a bundle's signatures cover, for
 * signing elsewhere (an HSM, OpenSSL). */
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "mvb/hash.h"
#include "sys/sys.h"

int cmd_digest(struct cli_run *r, int argc, char **argv)
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
	if ((rc = cli_load_bundle(r, pos[0], &data, &len, &v)))
		return rc;
	uint8_t dg[32];
	char hex[65];
	mvb_bundle_digest(&v, dg);
	mvb_hex(dg, 32, hex);
	printf("%s\n", hex);
	if (out)
		rc = cli_write(out, data, v.h.bh_payload_off, 0666);
	free(data);
	return rc;
}
