/* fuzz_bundle.c - libFuzzer harness: bundle reader, payload checks
 * (chunk hashes, inflate, delta patching over a base bundle, image
 * hashes), the signature rule against a fixed trusted key
 * (mvb_bundle_check_sigs) and re-signing paths.
 *
 * Each input is checked as given, then resealed when it parses: every
 * chunk hash recomputed, each layer's bl_sha256 set to what the layer
 * decodes to, and the digest signed with the trusted key.  Mutations of
 * the streams thus reach the inflater and the patcher instead of stopping
 * at a chunk hash.  Oracles (differential: the streaming check against
 * the whole-layer decoder): a resealed bundle passes the payload check
 * exactly when every layer decodes; and, for one resealed bundle in 64
 * (signing is slow), its signature by the trusted key verifies.
 *
 * The base bundle for delta layers is built here (make_base); with
 * MVB_FUZZ_EMIT=DIR the replay binary writes seeds signed with the
 * trusted key (a full bundle, a raw one, a delta one) to DIR.
 *
 * Every parsed input's layers are also placed on a board (the code memory
 * of mps2-an505, built here: mvb_bundle_check_layers and the device's
 * mvu_place), with the oracle that a bundle whose layers pass lies inside
 * the partitions it may use.
 *
 * Covers: src/core/bundle.c src/core/sign.c src/update/place.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "mvb/board.h"
#include "mvb/bundle.h"
#include "mvb/hash.h"
#include "mvb/sign.h"

static struct mvb_key *key; /* private; also the trusted public key */
static uint8_t key_id[8];
static struct mvb_buf base_bytes = MVB_BUF_INIT;
static struct mvb_bundle_view base;
static struct mvb_board board; /* mps2-an505's code memory and its partitions */

static void make_board(void)
{
	strcpy(board.name, "mps2-an505");
	board.nmem = 1;
	board.mem[0] = (struct mvb_memory){ .name = "code", .s_base = 0x10000000u, .ns_base = 0, .size = 4u << 20 };
	static const struct {
		const char *name;
		uint32_t off, size;
		enum mvb_world world;
		enum mvb_role role;
	} p[] = {
		{ "mv_code", 0, 0x1f000, MVB_WORLD_SECURE, MVB_ROLE_MV_CODE },
		{ "mv_nsc", 0x1f000, 0x1000, MVB_WORLD_NSC, MVB_ROLE_VENEERS },
		{ "mv_state", 0x20000, 0x2000, MVB_WORLD_SECURE, MVB_ROLE_RESERVED },
		{ "app_header", 0x22000, 0x400, MVB_WORLD_SECURE, MVB_ROLE_APP_HEADER },
		{ "app_flash", 0x200000, 0x200000, MVB_WORLD_NONSECURE, MVB_ROLE_APP_CODE },
	};
	for (unsigned i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		struct mvb_partition *q = &board.part[board.npart++];
		strcpy(q->name, p[i].name);
		q->memory = 0;
		q->offset = p[i].off;
		q->size = p[i].size;
		q->world = p[i].world;
		q->role = p[i].role;
	}
}

static void image(unsigned char *p, size_t n, unsigned salt)
{
	/* code-like bytes: runs of a pattern with some variety, so deflate and
	 * delta both have something to find */
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)((i % 64 < 40 ? i * 7 : i / 64) + salt * (i % 512 == 0));
}

static int build(int deflate, const struct mvb_bundle_view *b, unsigned salt, struct mvb_buf *out)
{
	static unsigned char mv[6144], app[9000];
	image(mv, sizeof(mv), 0);
	image(app, sizeof(app), salt);
	struct mvb_bundle_spec s;
	memset(&s, 0, sizeof(s));
	strcpy(s.manifest.bm_board, "mps2-an505");
	strcpy(s.manifest.bm_app_name, "fuzz");
	s.manifest.bm_app_version = 0x01000000u + salt;
	s.manifest.bm_security_counter = 1 + salt;
	s.layer[0] = (struct mvb_bundle_in_layer){ MVB_LAYER_MICROVISOR, 0x10000000u, mv, sizeof(mv) };
	s.layer[1] = (struct mvb_bundle_in_layer){ MVB_LAYER_APP, 0x00080000u, app, sizeof(app) };
	s.nlayers = 2;
	s.chunk_size = 1024;
	s.allow_deflate = deflate;
	s.base = b;
	s.delta_page_size = 4096; /* mps2-an505's (mvb_delta_board_page) */
	return mvb_bundle_build(&s, out);
}

/* The bundle with its signature block replaced by one signature of the
 * trusted key; 0 or an error. */
static int sign_view(const struct mvb_bundle_view *v, struct mvb_buf *out)
{
	struct mvb_bundle_sig sg;
	memset(&sg, 0, sizeof(sg));
	uint8_t dg[32], sig[72];
	size_t n;
	mvb_bundle_digest(v, dg);
	if (mvb_key_sign(key, dg, dg, sizeof(dg), sig, &n))
		return -1;
	memcpy(sg.sg_key_id, key_id, 8);
	sg.sg_alg = MVB_SIG_ECDSA_P256_SHA256;
	sg.sg_len = (uint16_t)n;
	memcpy(sg.sg_der, sig, n);
	return mvb_bundle_with_sigs(v, &sg, 1, out);
}

static void emit(const char *dir, const char *name, struct mvb_buf *unsigned_bundle)
{
	struct mvb_bundle_view v;
	struct mvb_diags d = MVB_DIAGS_INIT;
	struct mvb_buf o = MVB_BUF_INIT;
	char path[4096];
	if (mvb_bundle_parse(&v, name, unsigned_bundle->data, unsigned_bundle->len, &d) || sign_view(&v, &o))
		abort();
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(o.data, 1, o.len, f) != o.len || fclose(f))
		abort();
	mvb_buf_release(&o);
	mvb_diags_release(&d);
}

static void setup(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	struct mvb_diags d = MVB_DIAGS_INIT;
	key = fuzz_trusted_key();
	make_board();
	if (build(1, NULL, 0, &base_bytes) || mvb_bundle_parse(&base, "base.mvb", base_bytes.data, base_bytes.len, &d))
		abort();
	mvb_key_id(key, key_id);
	const char *dir = getenv("MVB_FUZZ_EMIT");
	if (dir) {
		struct mvb_buf raw = MVB_BUF_INIT, delta = MVB_BUF_INIT;
		if (build(0, NULL, 1, &raw) || build(1, &base, 2, &delta))
			abort();
		emit(dir, "full-signed.mvb", &base_bytes);
		emit(dir, "raw-signed.mvb", &raw);
		emit(dir, "delta-signed.mvb", &delta);
		mvb_buf_release(&raw);
		mvb_buf_release(&delta);
	}
	mvb_diags_release(&d);
}

/* Every chunk hash recomputed and every layer's bl_sha256 set to its
 * decoded image in the (parsed) bundle p[0..n); returns how many layers
 * did not decode. */
static unsigned reseal(unsigned char *p, const struct mvb_bundle_view *v)
{
	unsigned undecoded = 0;
	uint32_t cs = v->h.bh_chunk_size;
	for (unsigned i = 0; i < v->nl; i++) {
		const struct mvb_bundle_layer *l = &v->l[i];
		const unsigned char *stream = v->payload + l->bl_payload_off;
		for (uint32_t c = 0; c < l->bl_chunk_count; c++) {
			uint32_t off = c * cs, n = l->bl_encoded_size - off < cs ? l->bl_encoded_size - off : cs;
			mvb_sha256(stream + off, n, p + v->h.bh_chunks_off + 32u * (l->bl_first_chunk + c));
		}
	}
	for (unsigned i = 0; i < v->nl; i++) {
		struct mvb_buf img = MVB_BUF_INIT;
		if (mvb_bundle_decode_base(v, i, &base, &img) == 0 && img.len == v->l[i].bl_size)
			mvb_sha256(img.data, img.len, p + v->h.bh_layers_off + i * MVB_BUNDLE_LAYER_SIZE + 0x20);
		else
			undecoded++;
		mvb_buf_release(&img);
	}
	return undecoded;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	unsigned char *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	struct mvb_bundle_view v;
	struct mvb_diags d = MVB_DIAGS_INIT;
	unsigned good;
	if (mvb_bundle_parse(&v, "fuzz.mvb", copy, size, &d) == 0) {
		mvb_bundle_check_payload(&v, "fuzz.mvb", &d);
		mvb_bundle_check_payload_base(&v, &base, "fuzz.mvb", &d);
		if (mvb_bundle_check_layers(&v, &board, "fuzz.mvb", &d) == 0)
			for (unsigned i = 0; i < v.nl; i++) {
				uint64_t a = v.l[i].bl_target_addr, e = a + v.l[i].bl_size;
				int app = v.l[i].bl_role == MVB_LAYER_APP;
				/* placed: the app in app_flash, the microvisor in mv_code + mv_nsc */
				if (app ? a != 0x00200000u || e > 0x00400000u : a != 0x10000000u || e > 0x10020000u)
					abort();
			}
		/* ECDSA verification costs milliseconds, and a mutant's signature
		 * almost never verifies: check it for one input in 16 (by a hash
		 * of the whole input, so the same ones every time) */
		if ((fuzz_hash(data, size) & 15) == 0)
			mvb_bundle_check_sigs(&v, "fuzz.mvb", &key, 1, &good, &d);
		struct mvb_buf o = MVB_BUF_INIT;
		mvb_bundle_with_sigs(&v, v.s, v.ns, &o);
		mvb_buf_release(&o);

		unsigned undecoded = reseal(copy, &v);
		struct mvb_bundle_view w;
		struct mvb_diags d2 = MVB_DIAGS_INIT;
		/* resealing changes no field the parser reads */
		if (mvb_bundle_parse(&w, "sealed.mvb", copy, size, &d2))
			abort();
		int payload = mvb_bundle_check_payload_base(&w, &base, "sealed.mvb", &d2);
		if ((payload == 0) != (undecoded == 0))
			abort(); /* the streaming check and the decoder disagree */
		/* Signing and verifying cost milliseconds: only for the resealed
		 * bundles whose digest starts with six zero bits (1 in 64, the
		 * same ones every time). */
		uint8_t dg[32];
		mvb_bundle_digest(&w, dg);
		struct mvb_buf sealed = MVB_BUF_INIT;
		struct mvb_bundle_view sv;
		if (dg[0] < 4 && sign_view(&w, &sealed) == 0) {
			if (mvb_bundle_parse(&sv, "signed.mvb", sealed.data, sealed.len, &d2) ||
			    mvb_bundle_check_sigs(&sv, "signed.mvb", &key, 1, &good, &d2) || good != 1)
				abort();
		}
		mvb_buf_release(&sealed);
		mvb_diags_release(&d2);
	}
	mvb_diags_release(&d);
	free(copy);
	return 0;
}
