/*
 * bundle.h - build, parse and verify bundles (layout: bundle_format.h).
 *
 * mvb_bundle_build lays out a canonical bundle from layers and a manifest:
 * deterministic bytes for identical inputs.  mvb_bundle_parse accepts only
 * the canonical layout and fails fast on the first bad field, naming it and
 * its offset; the view it fills borrows the bundle bytes.
 */
#ifndef MVB_BUNDLE_H
#define MVB_BUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include "mvb/buf.h"
#include "mvb/bundle_format.h"
#include "mvb/diag.h"

struct mvb_bundle_in_layer {
	uint8_t role;
	uint32_t addr;
	const unsigned char *data;
	uint32_t size;
};

/* Why a layer has the encoding the builder gave it. */
enum mvb_layer_why {
	MVB_WHY_OWN = 0,        /* no base given: raw, or deflate where smaller */
	MVB_WHY_DELTA,          /* a delta from the base's layer of its role, smaller than its own encoding */
	MVB_WHY_NO_BASE_LAYER,  /* the base holds no layer of its role that decodes */
	MVB_WHY_LARGER,         /* the delta was not smaller than the layer's own encoding */
	MVB_WHY_TOO_MANY_PAGES, /* the base or the layer spans more pages than the device patcher's page table */
	MVB_WHY_NO_DELTA,       /* the encoder made none (an empty image) */
	MVB_WHY_NOT_ASKED,      /* revert layer: --no-revert */
};

/* What mvb_bundle_build did with each layer, and why. */
struct mvb_layer_report {
	uint8_t role, encoding;
	enum mvb_layer_why why;
	uint32_t size;         /* the image */
	uint32_t encoded_size; /* its stream in the bundle */
	uint32_t own_size;     /* its stream without a base (raw or deflate) */
	uint32_t delta_size;   /* the delta made, 0 when none was */
	/* with a base layer: the image's pages of the delta page size, and how
	 * many of them differ from the base's */
	uint32_t pages, pages_changed;
};

struct mvb_build_report {
	unsigned nl;        /* layers in the bundle, the revert layer included */
	uint32_t page_size; /* with a base: the delta page; else 0 */
	/* with a base: why the bundle has a revert layer or not
	 * (MVB_WHY_DELTA: it has), and its size */
	enum mvb_layer_why revert_why;
	uint32_t revert_size;
	struct mvb_layer_report l[MVB_BUNDLE_MAX_LAYERS];
};

const char *mvb_layer_why_name(enum mvb_layer_why w);

struct mvb_bundle_spec {
	struct mvb_bundle_manifest manifest; /* host-order fields; encoded on build */
	struct mvb_bundle_in_layer layer[MVB_BUNDLE_MAX_LAYERS];
	unsigned nlayers;
	uint32_t chunk_size; /* 0: MVB_BUNDLE_CHUNK_SIZE */
	int allow_deflate;   /* encode a layer as deflate when that is smaller */
	unsigned threads;    /* for compression (0, 1: the calling thread); the bytes do not depend on it */
	/* NULL, or a bundle whose layers are the device's current ones: a layer
	 * is then a delta (delta_format.h) from the base layer of its role when
	 * that is smaller than deflate (borrowed) */
	const struct mvb_bundle_view *base;
	/* with base: the page of the delta layers, from the board the bundle is
	 * for (mvb_delta_board_page); required, so that no page size is
	 * guessed */
	uint32_t delta_page_size;
	/* with base: no revert layer (MVB_LAYER_REVERT), which is otherwise
	 * made from the base's app image whenever there is one */
	int no_revert;
	struct mvb_build_report *report; /* NULL, or filled by mvb_bundle_build */
};

/* Writes an unsigned bundle (empty signature block) to out.  MVB_EINPUT
 * when the spec is incomplete (no layers, a base without a page size). */
struct mvb_board;
/* The chunk size bundles for board b use: its app-code memory's erase
 * size (a power of two), within 512..MVB_BUNDLE_DEVICE_CHUNK_MAX; the
 * default for boards that give none. */
uint32_t mvb_bundle_board_chunk(const struct mvb_board *b);
int mvb_bundle_build(const struct mvb_bundle_spec *s, struct mvb_buf *out);

struct mvb_bundle_view {
	const unsigned char *data;
	size_t len;
	struct mvb_bundle_header h;
	struct mvb_bundle_manifest m;
	struct mvb_bundle_layer l[MVB_BUNDLE_MAX_LAYERS];
	unsigned nl;
	const unsigned char *chunks; /* h.bh_chunk_count x 32 */
	const unsigned char *payload;
	size_t sigs_off;
	struct mvb_bundle_sig s[MVB_BUNDLE_MAX_SIGS];
	unsigned ns;
};

/* Structure only (no hashing).  Returns 0 or MVB_EINPUT (one finding). */
int mvb_bundle_parse(struct mvb_bundle_view *v, const char *file, const unsigned char *data, size_t len,
		     struct mvb_diags *d);
/* Checks every chunk hash, decodes every layer and checks its SHA-256.
 * Reports every bad layer.  Returns 0 or MVB_EINPUT. */
int mvb_bundle_check_payload(const struct mvb_bundle_view *v, const char *file, struct mvb_diags *d);
/* As mvb_bundle_check_payload; delta layers are applied to the layer of
 * base (NULL: none given, a bundle-base finding) that their
 * bl_base_sha256 names. */
int mvb_bundle_check_payload_base(const struct mvb_bundle_view *v, const struct mvb_bundle_view *base, const char *file,
				  struct mvb_diags *d);
/* Decodes layer i into out (exactly bl_size bytes).  0 or MVB_EINPUT (also
 * for a delta layer: see mvb_bundle_decode_base). */
int mvb_bundle_decode(const struct mvb_bundle_view *v, unsigned i, struct mvb_buf *out);
/* Decodes layer i, a delta from the base bundle's layer its
 * bl_base_sha256 names (or any layer), into out.  0 or MVB_EINPUT. */
int mvb_bundle_decode_base(const struct mvb_bundle_view *v, unsigned i, const struct mvb_bundle_view *base,
			   struct mvb_buf *out);
struct mvb_board;
/* Where each layer lands on board b, by the device's own rule (mvu_place,
 * src/update/mvu.h): the app layer exactly inside the app-code partition
 * from its first byte, the microvisor layer inside microvisor-code (from
 * its first byte) and veneers, each in the alias of its world.  Reports
 * every misplaced layer at its bl_target_addr with the bytes at fault:
 * bundle-layer-start, bundle-layer-partition, bundle-layer-outside.
 * Returns 0 or MVB_EINPUT. */
int mvb_bundle_check_layers(const struct mvb_bundle_view *v, const struct mvb_board *b, const char *file,
			    struct mvb_diags *d);
/* The page size (dh_page_size) of delta layer i: 0 with *ps, or MVB_EINPUT
 * when the layer is no delta or its patch header does not read. */
int mvb_bundle_delta_page(const struct mvb_bundle_view *v, unsigned i, uint32_t *ps);
/* Checks base, the bundle the device runs, before deltas are made over
 * it: each layer must be one the delta encoder takes in pages of page
 * (mvb_delta_max_image), or it fits no partition of a board with that
 * page, and decoding it would cost its claimed size in memory.  Reports
 * each larger layer (delta-limit, at its bl_size) in file.  Returns 0 or
 * MVB_EINPUT. */
int mvb_bundle_base_check(const struct mvb_bundle_view *base, const char *file, uint32_t page, struct mvb_diags *d);
/* Rebases bundle v on base, the bundle devices run: the same manifest,
 * chunk size and images, each layer a delta from base's layer of its role
 * where that is smaller (in pages of page_size, the board's delta page),
 * into out, unsigned; rep says per layer what was done and why.  Then the
 * proof: out decodes over base to v's images.  threads as in the spec.
 * Returns 0, MVB_EINPUT (a layer of v does not decode: v is itself a
 * delta, or damaged), MVB_ENOMEM, or MVB_EINTERNAL (the result does not
 * decode over base: a bug). */
int mvb_bundle_rebase(const struct mvb_bundle_view *v, const struct mvb_bundle_view *base, uint32_t page_size,
		      unsigned threads, struct mvb_buf *out, struct mvb_build_report *rep);

/* SHA-256 of the signed bytes [0, bh_payload_off). */
void mvb_bundle_digest(const struct mvb_bundle_view *v, uint8_t out[32]);
/* The bundle with its signature block replaced by sigs[0..n). */
int mvb_bundle_with_sigs(const struct mvb_bundle_view *v, const struct mvb_bundle_sig *sigs, unsigned n,
			 struct mvb_buf *out);

struct mvb_key;
/* The device's signature rule: every signature whose key id matches one of
 * the trusted keys[0..nk) must verify (else bundle-signature at its
 * offset), and with nk > 0 at least one must (else bundle-unsigned,
 * reported only when d holds no error yet: it would only repeat one).
 * *good gets the number of valid signatures.  Returns 0 or MVB_EINPUT. */
int mvb_bundle_check_sigs(const struct mvb_bundle_view *v, const char *file, struct mvb_key *const *keys, unsigned nk,
			  unsigned *good, struct mvb_diags *d);

const char *mvb_layer_role_name(unsigned role);
const char *mvb_encoding_name(unsigned enc);

#endif
