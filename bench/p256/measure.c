/* measure.c - the device ECDSA verifier (src/p256) on the host: makes a
 * P-256 key and a signature with mvbuild's core (fixed seeds), checks that
 * the verifier accepts it, then verifies it N times and prints the time per
 * verification.  bench/p256/run.sh runs it, also under callgrind. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "mvb/sign.h"
#include "mvp.h"

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	uint8_t seed[32] = { 7 }, dg[32], sig[72], pt[65];
	struct mvb_buf priv = MVB_BUF_INIT, pub = MVB_BUF_INIT;
	struct mvb_key *k;
	char err[128];
	size_t len;
	for (int i = 0; i < 32; i++)
		dg[i] = (uint8_t)(i * 29 + 3);
	if (mvb_key_generate(seed, sizeof(seed), &priv, &pub) ||
	    mvb_key_load(&k, priv.data, priv.len, NULL, 1, err, sizeof(err)) ||
	    mvb_key_sign(k, dg, seed, sizeof(seed), sig, &len))
		return 3;
	mvb_key_point(k, pt);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++)
		if (mvp_verify_der(pt + 1, dg, sig, len) != MVP_OK) {
			fprintf(stderr, "measure: the signature does not verify\n");
			return 1;
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / n;
	printf("%d %.1f\n", n, us);
	mvb_key_free(k);
	mvb_buf_release(&priv);
	mvb_buf_release(&pub);
	return 0;
}
