/*
 * update.c - the device's update session over the link, run with the app
 * stopped (mvbuild-link(5), "The device's update session"):
 *
 *  1. an install the update record says was begun is finished first (the
 *     same bundle, verified again whole);
 *  2. otherwise the channel index: read in pieces, checked whole before
 *     any of it is believed (layout, board, app, channel, a signature by a
 *     provisioned trust anchor, its version never below the last accepted
 *     one), the latest release judged against the installed one and the
 *     rollback floor (src/update, mvu_accept), a delta from the installed
 *     release preferred to the full bundle;
 *  3. the bundle: header, manifest, layers and chunk table hashed, its
 *     signature checked, every rule checked (board, app, the release the
 *     index named, counter, the app header it makes passes the boot
 *     checks, each layer exactly in its partition, the microvisor layer
 *     identical to this microvisor, a delta's base the installed image);
 *  4. only then is anything written: the update record (installing), the
 *     app header erased, the app layer written page by page from chunks
 *     each checked against its signed hash before a byte of it is used
 *     (delta: the patcher in src/delta; full: inflated or raw), the image
 *     checked against its signed hash, the header written last, the
 *     record (idle, floors raised) after it.
 * A power cut anywhere leaves either the old app (nothing written yet) or
 * an install the record names, which the next session resumes; the app
 * never runs half written, because its header is gone until the end.
 */
#include <mvb/devstate.h>
#include <mvb/le.h>
#include <mvb/link.h>
#include <mvb/repo_format.h>

#include "core_int.h"
#include "mv/arch.h"
#include "mv/core.h"
#include "mv/port.h"
#include "mv_board.h"
#include "mvd.h"
#include "mvl.h"
#include "mvp.h"
#include "mvu.h"

/* Functions that -Os with link-time optimisation would copy into their
 * callers although the copies cost more flash than the calls (measured on
 * microvisor-ota.elf; check again when the callers change). */
#define NOINLINE __attribute__((noinline))

#define CHANNEL "stable"
#define READ_MAX (MVL_PAYLOAD_MAX - MVL_DATA_SIZE)
#define PAGE MVB_PART_APP_FLASH_ERASE_SIZE
/* The patch page: the erase page, doubled until MVD_MAX_PAGES of them
 * cover app_flash (what mvbuild's mvb_delta_board_page picks). */
#define PATCH_PAGE (MVB_PART_APP_FLASH_SIZE / MVD_MAX_PAGES > PAGE ? MVB_PART_APP_FLASH_SIZE / MVD_MAX_PAGES : PAGE)
#define SPARE (MVB_PART_MV_STATE_BASE + MVB_PART_MV_STATE_SIZE - PATCH_PAGE)
#define CHUNK_MAX MVB_BUNDLE_DEVICE_CHUNK_MAX /* largest bundle chunk this device buffers */
/* The app layer's chunk hashes are checked in GROUPS groups of equal size
 * (the last one shorter), a SHA-256 of each kept while the chunks come,
 * and WINDOW hashes of one group at a time kept checked: both in the
 * scratch memory's top (HASHES bytes; the patcher, the inflater and the
 * verifier's stack use the rest). */
#define GROUPS 16u
#define WINDOW 16u
#define HASHES ((GROUPS + WINDOW) * 32u)
#define STATE_BASE MVB_PART_MV_STATE_BASE
#define NO_CHUNK 0xffffffffu
/* The revert partition (mvbuild-devstate(5)): the replaced release's
 * header in its first erase page, the revert patch after it.  A board
 * without one installs without a trial. */
#ifdef MVB_PART_MV_REVERT_BASE
#define REVERT MVB_PART_MV_REVERT_BASE
#define RPAGE MVB_PART_MV_REVERT_ERASE_SIZE
#define REVERT_MAX (MVB_PART_MV_REVERT_SIZE - RPAGE)
_Static_assert(RPAGE >= MVB_APPHDR_SIZE && RPAGE % 16u == 0u, "revert partition's erase page");
#else
#define REVERT 0u
#define RPAGE 0u
#define REVERT_MAX 0u
#endif

_Static_assert(MVB_PART_MV_STATE_SIZE >= 3u * PAGE + PATCH_PAGE && PATCH_PAGE % PAGE == 0u,
               "device-state partition too small");
_Static_assert(PAGE >= MVB_UREC_SIZE && PAGE % 4u == 0u && PAGE >= MVB_APPHDR_SIZE, "erase page size");
#define NAME_MAX (sizeof "objects/" - 1u + 64u + sizeof ".mvb" - 1u) /* the longest object name */
_Static_assert(NAME_MAX <= MVL_OBJECT_MAX && sizeof CHANNEL "/index" - 1u <= NAME_MAX, "object names fit a READ");

/* A layer whose chunks are read: its table entry, and the SHA-256 of each
 * group of gsize of its chunk hashes. */
struct layer {
	struct mvb_bundle_layer l;
	uint8_t (*group)[32];
	uint32_t gsize;
};

/* The bundle under verification or install. */
struct bundle {
	uint32_t size;                   /* the object's bytes (from the index or the record) */
	uint32_t chunks_off, cs, payload_off;
	struct mvb_bundle_manifest m;
	struct layer app;                /* the app layer */
	struct layer rev;                /* the revert layer (l.bl_role 0: none) */
	struct layer *on;                /* the one chunk() reads: app, or rev while it is kept */
	uint8_t mv_sha[32];              /* the microvisor layer's image hash */
	uint32_t mv_size;                /* its size (0: no microvisor layer) */
	uint8_t (*win)[32];              /* checked hashes of a window of WINDOW chunks */
	uint32_t work;                   /* scratch bytes below the hashes */
	uint32_t wk;                     /* win holds the hashes of chunks wk * WINDOW to wk * WINDOW + WINDOW - 1, or NO_CHUNK */
	uint32_t cur;                    /* app-layer chunk in buf, or NO_CHUNK */
	uint8_t buf[CHUNK_MAX];
};

/* The small fields first, where the Thumb code reaches them with short
 * offsets from one base (measured: 8 bytes less than resp before rec). */
static struct {
	struct mvl_read rq; /* the READ of the object in hand: its name, set once */
	uint32_t bytes; /* object bytes read over the link this session */
	struct mvb_update_record rec;
	struct bundle b;
	struct mvb_app_header h; /* the installed app's header (if valid), then the new one */
	uint8_t resp[MVL_PAYLOAD_MAX];
	uint8_t page[PATCH_PAGE]; /* the one page of buffer: a patch page */
} s;

static uint32_t le32(const uint8_t *p)
{
	return mvb_get_le32(p);
}

static uint32_t le16(const uint8_t *p)
{
	return mvb_get_le16(p);
}

static void copy(void *d, const volatile void *src, uint32_t n)
{
	const volatile uint8_t *a = src;
	uint8_t *b = d;

	for (uint32_t i = 0; i < n; i++)
		b[i] = a[i];
}

NOINLINE static void zero(void *d, uint32_t n)
{
	uint8_t *b = d;

	for (uint32_t i = 0; i < n; i++)
		b[i] = 0;
}

/* The string t at p, without its NUL; returns the end. */
NOINLINE static char *put_str(char *p, const char *t)
{
	while (*t != '\0')
		*p++ = *t++;
	return p;
}

/* An object's name, relative to the directory of the board and app the
 * session's HELLO named (mvbuild-link(5)): CHANNEL "/index", or
 * "objects/" and the hex of its SHA-256 and ".mvb"; into the READ. */
NOINLINE static void object_name(const uint8_t *sha)
{
	char *p = s.rq.lr_name;

	zero(p, sizeof s.rq.lr_name);
	if (!sha) {
		p = put_str(p, CHANNEL "/index");
	} else {
		p = put_str(p, "objects/");
		for (uint32_t i = 0; i < 64u; i++) {
			uint32_t d = (sha[i / 2u] >> (i & 1u ? 0u : 4u)) & 15u;

			*p++ = (char)(d < 10u ? '0' + d : 'a' + d - 10u);
		}
		p = put_str(p, ".mvb");
	}
	s.rq.lr_name_len = (uint16_t)(p - s.rq.lr_name);
}

/* Bytes [off, off + len) of the object named in s.rq into out: 0, or -1
 * when the link fails or the other end answers anything but exactly
 * them. */
static int read_object(uint32_t off, uint32_t len, uint8_t *out)
{
	while (len > 0u) {
		struct mvl_data d;
		uint32_t want = len < READ_MAX ? len : READ_MAX, n;
		uint8_t p[MVL_READ_SIZE];

		s.rq.lr_offset = off;
		s.rq.lr_length = (uint16_t)want;
		mvl_put_read(p, &s.rq);
		if (mv_link_call(MVL_S_UPDATE, MVL_T_READ, p, sizeof p, s.resp, sizeof s.resp, &n) != 0 ||
		    mvl_get_data(s.resp, n, &d) != 0 || d.ld_offset != off || n - MVL_DATA_SIZE != want)
			return -1;
		copy(out, s.resp + MVL_DATA_SIZE, want);
		s.bytes += want;
		off += want;
		out += want;
		len -= want;
	}
	return 0;
}

/* The object's bytes [off, off + len) into a running hash (len <= a chunk). */
static int read_hash(struct mv_sha256 *sha, uint32_t off, uint32_t len, uint8_t *out)
{
	if (read_object(off, len, out) != 0)
		return -1;
	mv_sha256_update(sha, out, len);
	return 0;
}

/* Whether the hash ends as want. */
static int final_is(struct mv_sha256 *sha, const uint8_t want[MV_SHA256_LEN])
{
	uint8_t d[MV_SHA256_LEN];

	mv_sha256_final(sha, d);
	return mv_memeq_ct(d, want, 32u);
}

/* Whether len bytes at p hash to want (SHA-256). */
static int sha_is(const void *p, uint32_t len, const uint8_t want[MV_SHA256_LEN])
{
	struct mv_sha256 sha;

	mv_sha256_init(&sha);
	mv_sha256_update(&sha, p, len);
	return final_is(&sha, want);
}

/* The fixed leading bytes of the index's and the bundle's headers (magic,
 * format, sizes and offsets that follow from the format, zero flags),
 * compared whole. */
#define LE16(v) (uint8_t)(v), (uint8_t)((v) >> 8)
#define LE32(v) LE16((v) & 0xffffu), LE16((v) >> 16)
static const uint8_t index_head[12] = {LE32(MVB_REPO_MAGIC), LE16(MVB_REPO_FORMAT), LE16(MVB_REPO_HEADER_SIZE),
                                       LE32(0u)};
static const uint8_t bundle_head[24] = {
	LE32(MVB_BUNDLE_MAGIC), LE16(MVB_BUNDLE_FORMAT), LE16(MVB_BUNDLE_HEADER_SIZE), LE32(0u),
	LE32(MVB_BUNDLE_HEADER_SIZE), LE32(MVB_BUNDLE_MANIFEST_SIZE),
	LE32(MVB_BUNDLE_HEADER_SIZE + MVB_BUNDLE_MANIFEST_SIZE),
};

static int name_is(const uint8_t *field, uint32_t cap, const char *want)
{
	uint32_t i = 0;

	for (; i < cap && want[i] != '\0'; i++)
		if (field[i] != (uint8_t)want[i])
			return 0;
	for (; i < cap; i++)
		if (field[i] != 0u)
			return 0;
	return 1;
}

/* This board's name in the 32-byte field at f and the app's in the one
 * after it: the index's names lie so (0x28, 0x48), and the manifest's. */
_Static_assert(offsetof(struct mvb_bundle_manifest, bm_app_name) == 32u, "board and app names adjacent");
static int ours(const uint8_t *f, const char *app)
{
	return name_is(f, 32u, MVB_BOARD_NAME) && name_is(f + 32, 32u, app);
}

/* mvp_verify_der on the scratch memory below the hashes as its stack
 * (1.8 KiB deep). */
struct vjob {
	const uint8_t *pub, *digest, *der;
	uint32_t len;
	int r;
};

static void vrun(void *a)
{
	struct vjob *j = a;

	j->r = mvp_verify_der(j->pub, j->digest, j->der, j->len);
}

/* An ECDSA P-256 check while the app runs (a debug authorization,
 * link.c): on the patch page as its stack, which only an install uses,
 * and none runs while an app does. */
struct rsjob {
	const uint8_t *pub, *hash, *sig;
	int r;
};

static void rsrun(void *a)
{
	struct rsjob *j = a;

	j->r = mvp_verify_rs(j->pub, j->hash, j->sig, j->sig + 32);
}

int mv_update_verify_rs(const uint8_t pub[64], const uint8_t hash[32], const uint8_t sig[64])
{
	struct rsjob j = {pub, hash, sig, -1};
	uint32_t b = (uint32_t)(uintptr_t)s.page;

	mv_arch_run_on(rsrun, &j, (b + sizeof s.page) & ~7u, b);
	return j.r == MVP_OK;
}

/* A signature block at off: one valid signature over digest by a trust
 * anchor.  MV_R_NONE, bad (its layout is wrong), sig, or MV_R_UPD_LINK. */
static uint32_t check_sigs(uint32_t off, uint32_t magic, const uint8_t digest[32], uint32_t bad, uint32_t sig)
{
	uint8_t sb[8], e[MVB_BUNDLE_SIG_SIZE];

	if (read_object(off, sizeof sb, sb) != 0)
		return MV_R_UPD_LINK;
	uint32_t n = le16(sb + 4);

	if (le32(sb) != magic || n > MVB_BUNDLE_MAX_SIGS || le16(sb + 6) != MVB_BUNDLE_SIG_SIZE)
		return bad;
	for (uint32_t i = 0; i < n; i++) {
		if (read_object(off + 8u + MVB_BUNDLE_SIG_SIZE * i, sizeof e, e) != 0)
			return MV_R_UPD_LINK;
		uint32_t dlen = le16(e + 0x0a);

		if (le16(e + 8) != MVB_SIG_ECDSA_P256_SHA256 || dlen > 72u)
			continue;
		for (uint32_t k = 0; k < mv_prov_anchors(); k++) {
			struct vjob j = {mv_prov_anchor_point(k), digest, e + 0x0c, dlen, MVP_E_SIG};

			if (!mv_memeq_ct(e, mv_prov_anchor_id(k), 8u))
				continue;
			mv_arch_run_on_scratch(vrun, &j, s.b.work);
			if (j.r == MVP_OK)
				return MV_R_NONE;
		}
	}
	return sig;
}

/* ------------------------------------------------------ the update record */
NOINLINE static uint32_t state_page(uint32_t i)
{
	return STATE_BASE + i * PAGE;
}

/* The newer valid copy of the record, read where it lies in flash, or 0.
 * The getters below read through it without a copy on the stack: STATUS
 * calls them from the link's interrupt, maybe in the middle of a session
 * (on whatever stack the session is using), and a record is never erased
 * while it is the newer one, so an interrupt reads a stable copy. */
static const struct mvb_update_record *current_record(void)
{
	const struct mvb_update_record *best = 0;
	uint32_t seq = 0; /* best's */

	for (uint32_t p = MVB_UREC_PAGE_A; p <= MVB_UREC_PAGE_B; p++) {
		const struct mvb_update_record *r =
			(const struct mvb_update_record *)(const void *)mv_port_flash_bytes(state_page(p), sizeof *r);

		if (r->ur_magic == MVB_UREC_MAGIC && r->ur_format == MVB_UREC_FORMAT && r->ur_size == MVB_UREC_SIZE &&
		    r->ur_crc32 == mv_crc32(0, r, 0x7cu) && r->ur_seq > seq) {
			best = r;
			seq = r->ur_seq;
		}
	}
	return best;
}

/* The record into *out (zero without one). */
static void read_record(struct mvb_update_record *out)
{
	const struct mvb_update_record *r = current_record();

	if (r)
		copy(out, r, sizeof *out);
	else
		zero(out, sizeof *out);
}

static void load_record(void)
{
	read_record(&s.rec);
}

/* The next record, into the copy that does not hold the current one. */
static uint32_t save_record(void)
{
	uint32_t at = state_page((s.rec.ur_seq + 1u) & 1u ? MVB_UREC_PAGE_A : MVB_UREC_PAGE_B);

	s.rec.ur_magic = MVB_UREC_MAGIC;
	s.rec.ur_format = MVB_UREC_FORMAT;
	s.rec.ur_size = MVB_UREC_SIZE;
	s.rec.ur_seq++;
	s.rec.ur_crc32 = mv_crc32(0, &s.rec, 0x7cu);
	uint32_t r = mv_port_flash_erase(at);

	return r != MV_R_NONE ? r : mv_port_flash_write(at, &s.rec, sizeof s.rec);
}

uint32_t mv_update_floor(void)
{
	const struct mvb_update_record *r = current_record();

	return r ? r->ur_counter_floor : 0u;
}

uint32_t mv_update_index_version(void)
{
	const struct mvb_update_record *r = current_record();

	return r ? r->ur_index_version : 0u;
}

int mv_update_pending(void)
{
	const struct mvb_update_record *r = current_record();

	return r && (r->ur_state == MVB_UREC_INSTALLING || r->ur_state == MVB_UREC_REVERTING);
}

/* --------------------------------------------------------------- index */
/* The index: layout, names, signature, version; the latest release and a
 * delta from the installed version to it (object sha and size) out. */
NOINLINE static uint32_t check_index(const char *app, struct mvu_release *latest, uint8_t obj[32],
                                     uint32_t *obj_size, uint32_t *index_version)
{
	uint8_t *hd = s.b.buf, *rec = s.b.buf + MVB_REPO_HEADER_SIZE, digest[MV_SHA256_LEN];
	struct mv_sha256 sha;

	object_name(0);
	mv_sha256_init(&sha);
	if (read_hash(&sha, 0, MVB_REPO_HEADER_SIZE, hd) != 0)
		return MV_R_UPD_LINK;
	uint32_t nrel = le16(hd + 0x10), ndel = le16(hd + 0x14);

	if (!mv_memeq_ct(hd, index_head, sizeof index_head) || nrel == 0u || nrel > MVB_REPO_MAX_RELEASES ||
	    le16(hd + 0x12) != 48u || ndel > MVB_REPO_MAX_DELTAS || le16(hd + 0x16) != 48u)
		return MV_R_UPD_INDEX;
	if (!ours(hd + 0x28, app) || !name_is(hd + 0x68, 16u, CHANNEL))
		return MV_R_UPD_INDEX_OTHER;
	*index_version = le32(hd + 0x0c);

	/* Entry by entry: the last release is the latest (counters strictly
	 * increase); a delta to it from the installed version is kept. */
	uint32_t n = nrel + ndel, delta = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (read_hash(&sha, MVB_REPO_HEADER_SIZE + 48u * i, 48u, rec) != 0)
			return MV_R_UPD_LINK;
		if (i + 1u == nrel) {
			latest->version = le32(rec);
			latest->counter = le32(rec + 4);
		} else if (i >= nrel && le32(rec) == s.h.ah_app_version && le32(rec + 4) == latest->version &&
		           !delta) {
			delta = 1;
		} else {
			continue;
		}
		*obj_size = le32(rec + 8);
		copy(obj, rec + 16, 32u);
	}
	mv_sha256_final(&sha, digest);
	uint32_t r = check_sigs(MVB_REPO_HEADER_SIZE + 48u * n, MVB_REPO_SIGS_MAGIC, digest, MV_R_UPD_INDEX,
	                        MV_R_UPD_INDEX_SIG);

	if (r == MV_R_NONE && *index_version < s.rec.ur_index_version)
		r = MV_R_UPD_INDEX_OLD;
	return r;
}

/* -------------------------------------------------------------- bundle */
/* s.h passes the checks every boot applies. */
static int header_ok(void)
{
	struct mv_app_limits lim;

	mv_app_limits_board(&lim);
	return mv_apphdr_check(&s.h, &lim) == MV_R_NONE;
}

static const struct mvu_part parts[] = {
	{MVB_PART_MV_CODE_BASE, MVB_PART_MV_CODE_NS_BASE, MVB_PART_MV_CODE_SIZE, MVU_PART_MV_CODE},
	{MVB_PART_MV_NSC_BASE, MVB_PART_MV_NSC_NS_BASE, MVB_PART_MV_NSC_SIZE, MVU_PART_VENEERS},
	{MVB_PART_MV_STATE_BASE, MVB_PART_MV_STATE_NS_BASE, MVB_PART_MV_STATE_SIZE, MVU_PART_OTHER},
	{MVB_PART_APP_HEADER_BASE, MVB_PART_APP_HEADER_NS_BASE, MVB_PART_APP_HEADER_SIZE, MVU_PART_APP_HEADER},
	{MVB_PART_APP_FLASH_BASE, MVB_PART_APP_FLASH_NS_BASE, MVB_PART_APP_FLASH_SIZE, MVU_PART_APP_CODE},
	{MVB_PART_APP_RAM_BASE, MVB_PART_APP_RAM_NS_BASE, MVB_PART_APP_RAM_SIZE, MVU_PART_OTHER},
};

/* The bundle named in s.rq (size bytes), verified as a whole: MV_R_NONE
 * with s.b filled, or why not.  Reads the signed bytes and the signatures
 * only. */
static uint32_t check_bundle(const char *app, const struct mvu_release *want)
{
	struct bundle *b = &s.b;
	struct mv_sha256 sha, grp;
	uint8_t digest[MV_SHA256_LEN], *h = b->buf;

	mv_sha256_init(&sha);
	if (read_hash(&sha, 0, MVB_BUNDLE_HEADER_SIZE + MVB_BUNDLE_MANIFEST_SIZE, h) != 0)
		return MV_R_UPD_LINK;
	uint32_t nl = le16(h + 0x18), nc = le32(h + 0x20);

	b->cs = le32(h + 0x24);
	b->chunks_off = MVB_BUNDLE_HEADER_SIZE + MVB_BUNDLE_MANIFEST_SIZE + MVB_BUNDLE_LAYER_SIZE * nl;
	b->payload_off = le32(h + 0x28);
	/* The layout mvbuild writes, exactly: every offset follows from the
	 * counts, so nothing points anywhere else. */
	if (!mv_memeq_ct(h, bundle_head, sizeof bundle_head) || nl == 0u ||
	    nl > MVB_BUNDLE_MAX_LAYERS || le16(h + 0x1a) != MVB_BUNDLE_LAYER_SIZE || le32(h + 0x1c) != b->chunks_off ||
	    nc > (1u << 20) || b->payload_off != b->chunks_off + 32u * nc ||
	    le32(h + 0x2c) > b->size || b->size - le32(h + 0x2c) < b->payload_off + MVB_BUNDLE_SIGS_SIZE ||
	    b->cs < 512u || (b->cs & (b->cs - 1u)) != 0u)
		return MV_R_UPD_BUNDLE;
	if (b->cs > CHUNK_MAX)
		return MV_R_UPD_LIMIT;
	uint32_t payload_size = le32(h + 0x2c);

	copy(&b->m, h + MVB_BUNDLE_HEADER_SIZE, sizeof b->m);
	if (!ours((const uint8_t *)b->m.bm_board, app))
		return MV_R_UPD_BUNDLE_OTHER;

	/* Layers: one app layer, at most one microvisor layer, each exactly
	 * in its partition, streams inside the payload, chunks inside the
	 * table. */
	uint32_t apps = 0;

	b->mv_size = 0;
	b->rev.l.bl_role = 0;          /* none yet */
	b->rev.l.bl_chunk_count = 0;  /* no groups */
	for (uint32_t i = 0; i < nl; i++) {
		struct mvb_bundle_layer l;
		struct mvu_where w;

		if (read_hash(&sha, MVB_BUNDLE_HEADER_SIZE + MVB_BUNDLE_MANIFEST_SIZE + MVB_BUNDLE_LAYER_SIZE * i,
		              MVB_BUNDLE_LAYER_SIZE, h) != 0)
			return MV_R_UPD_LINK;
		copy(&l, h, sizeof l);
		if (l.bl_reserved0 != 0u || l.bl_reserved1 != 0u || l.bl_encoding > MVB_ENC_DELTA ||
		    l.bl_encoded_size > payload_size || l.bl_payload_off > payload_size - l.bl_encoded_size ||
		    l.bl_chunk_count != (l.bl_encoded_size + b->cs - 1u) / b->cs || l.bl_first_chunk > nc ||
		    l.bl_chunk_count > nc - l.bl_first_chunk)
			return MV_R_UPD_BUNDLE;
		if (mvu_place(parts, sizeof parts / sizeof parts[0], l.bl_role, l.bl_target_addr, l.bl_size, &w) !=
		    MVU_PLACED)
			return MV_R_UPD_PLACE;
		if (l.bl_role == MVB_LAYER_APP) {
			apps++;
			copy(&b->app.l, &l, sizeof l);
		} else if (l.bl_role == MVB_LAYER_REVERT && b->rev.l.bl_role == 0u) {
			/* what undoes the app layer: kept (keep_revert) if it
			 * fits and undoes exactly this install */
			copy(&b->rev.l, &l, sizeof l);
		} else if (b->mv_size == 0u && l.bl_size != 0u) {
			b->mv_size = l.bl_size;
			copy(b->mv_sha, l.bl_sha256, 32u);
		} else {
			return MV_R_UPD_BUNDLE;
		}
	}
	if (apps != 1u)
		return MV_R_UPD_BUNDLE;

	/* The chunk table, hashed whole for the signature and in GROUPS
	 * groups of the app layer's hashes and of the revert layer's, so
	 * that each can be checked later (any number of chunks: the groups
	 * grow).  A layer's chunks are consecutive, so one group is hashed
	 * at a time. */
	struct layer *y;

	_Pragma("GCC unroll 1") /* a loop, not two copies of its body: 16 bytes less */
	for (y = &b->app; y <= &b->rev; y++) {
		uint32_t count = y->l.bl_chunk_count;

		/* whole windows, at least one (count 0 divides nothing by it) */
		y->gsize = (count > GROUPS * WINDOW ? (count + GROUPS * WINDOW - 1u) / (GROUPS * WINDOW) : 1u) * WINDOW;
	}
	for (uint32_t i = 0; i < nc; i += 15u) {
		uint32_t n = nc - i < 15u ? nc - i : 15u;

		if (read_hash(&sha, b->chunks_off + 32u * i, 32u * n, h) != 0)
			return MV_R_UPD_LINK;
		for (uint32_t j = 0; j < n; j++) {
			for (y = &b->app; y <= &b->rev; y++) {
				uint32_t k = i + j - y->l.bl_first_chunk, gs = y->gsize;

				if (i + j < y->l.bl_first_chunk || k >= y->l.bl_chunk_count)
					continue;
				if (k % gs == 0u)
					mv_sha256_init(&grp);
				mv_sha256_update(&grp, h + 32u * j, 32u);
				if (k % gs == gs - 1u || k + 1u == y->l.bl_chunk_count)
					mv_sha256_final(&grp, y->group[k / gs]);
			}
		}
	}
	mv_sha256_final(&sha, digest);
	uint32_t r = check_sigs(b->payload_off + payload_size, MVB_BUNDLE_SIGS_MAGIC, digest, MV_R_UPD_BUNDLE,
	                        MV_R_UPD_BUNDLE_SIG);

	if (r != MV_R_NONE)
		return r;

	/* Signed: now its claims.  The release the index named (or the
	 * record), never below the rollback floor. */
	if (b->m.bm_app_version != want->version || b->m.bm_security_counter != want->counter)
		return MV_R_UPD_BUNDLE_OTHER;
	if (b->m.bm_security_counter < s.rec.ur_counter_floor)
		return MV_R_UPD_COUNTER;
	/* The header it makes must pass the checks every boot applies. */
	mvu_app_header(&b->m, &b->app.l, (uint8_t *)&s.h, mv_crc32);
	if (!header_ok())
		return MV_R_UPD_HEADER;
	if (b->mv_size != 0u) {
		/* The running microvisor never changes: hashed once per boot
		 * for each layer size asked (about 7 M instructions). */
		static uint8_t own[MV_SHA256_LEN];
		static uint32_t own_size;

		if (own_size != b->mv_size) {
			mv_sha256_init(&sha);
			mv_sha256_update(&sha, mv_port_flash_bytes(MVB_PART_MV_CODE_BASE, b->mv_size), b->mv_size);
			mv_sha256_final(&sha, own);
			own_size = b->mv_size;
		}
		if (!mv_memeq_ct(own, b->mv_sha, 32u))
			return MV_R_UPD_MICROVISOR;
	}
	return MV_R_NONE;
}

/* The window of chunk k (its WINDOW hashes, k's among them): k's whole
 * group read again, the window's hashes kept as they pass, and believed
 * only when the group's digest matches.  The chunks come in order, so a
 * group is read gsize / WINDOW times: the link moves 32 * gsize bytes
 * more per WINDOW chunks (6% more than the chunks for 512 of 1 KiB). */
static uint32_t window(uint32_t k)
{
	struct bundle *b = &s.b;
	struct layer *y = b->on;
	struct mv_sha256 sha;
	uint32_t g = k / y->gsize, i = g * y->gsize, end = i + y->gsize;

	if (end > y->l.bl_chunk_count)
		end = y->l.bl_chunk_count;
	b->wk = NO_CHUNK;
	mv_sha256_init(&sha);
	while (i < end) {
		uint32_t n = end - i < CHUNK_MAX / 32u ? end - i : CHUNK_MAX / 32u;

		if (read_hash(&sha, b->chunks_off + 32u * (y->l.bl_first_chunk + i), 32u * n, b->buf) != 0)
			return MV_R_UPD_LINK;
		for (uint32_t j = 0; j < n; j++, i++)
			if (i / WINDOW == k / WINDOW)
				copy(b->win[i % WINDOW], b->buf + 32u * j, 32u);
	}
	if (!final_is(&sha, y->group[g]))
		return MV_R_UPD_CHUNK;
	b->wk = k / WINDOW;
	return MV_R_NONE;
}

/* Chunk k of the layer s.b.on into s.b.buf, checked against its signed
 * hash: its length, or 0 on failure (*why says which). */
static uint32_t chunk(uint32_t k, uint32_t *why)
{
	struct bundle *b = &s.b;
	const struct mvb_bundle_layer *l = &b->on->l;
	uint32_t len = l->bl_encoded_size - k * b->cs, r = MV_R_NONE;

	if (len > b->cs)
		len = b->cs;
	if (b->cur == k)
		return len;
	b->cur = NO_CHUNK;
	if (b->wk != k / WINDOW)
		r = window(k);
	if (r == MV_R_NONE)
		r = read_object(b->payload_off + l->bl_payload_off + k * b->cs, len, b->buf) != 0 ? MV_R_UPD_LINK :
		    sha_is(b->buf, len, b->win[k % WINDOW])                                          ? MV_R_NONE :
		                                                                                       MV_R_UPD_CHUNK;
	if (r != MV_R_NONE) {
		*why = r;
		return 0;
	}
	b->cur = k;
	return len;
}

/* ------------------------------------------------------------- install */
/* The first write of an install: the record says what is being
 * installed, then the old header goes.  Until then nothing is written, so
 * a refusal (a bad chunk, a dead link) leaves the old app as it was. */
static uint32_t begun; /* 0: nothing written yet this session */

static uint32_t begin(void)
{
	if (begun)
		return MV_R_NONE;
	begun = 1;
	mv_msg(MV_MSGW(MV_M_WRITING)); /* nothing before this point changed flash */
	uint32_t r = save_record(); /* a resumed install starts with begun set */

	return r != MV_R_NONE ? r : mv_port_flash_erase(MVB_PART_APP_HEADER_BASE);
}

NOINLINE static uint32_t page_addr(uint32_t page)
{
	return page == MVD_STATE_PAGE ? SPARE : MVB_PART_APP_FLASH_BASE + page * PATCH_PAGE;
}

static int op_read(void *ctx, uint32_t page, uint32_t off, void *buf, uint32_t n)
{
	(void)ctx;
	copy(buf, mv_port_flash_bytes(page_addr(page) + off, n), n);
	return 0;
}

static int op_erase(void *ctx, uint32_t page)
{
	(void)ctx;
	if (begin() != MV_R_NONE)
		return 1;
	for (uint32_t i = 0; i < PATCH_PAGE; i += PAGE)
		if (mv_port_flash_erase(page_addr(page) + i) != MV_R_NONE)
			return 1;
	return 0;
}

static int op_prog(void *ctx, uint32_t page, const void *buf)
{
	(void)ctx;
	if (begin() != MV_R_NONE)
		return 1;
	return mv_port_flash_write(page_addr(page), buf, PATCH_PAGE) != MV_R_NONE;
}

static int op_sha(void *ctx, uint32_t len, const uint8_t want[32])
{
	(void)ctx;
	return !sha_is(mv_port_ns_bytes(MVB_PART_APP_FLASH_BASE, len), len, want);
}

/* The patch: app-layer chunks, each checked against its signed hash
 * before the patcher sees a byte of it. */
static uint32_t patch_why; /* why the last op_patch failed */

static const uint8_t *op_patch(void *ctx, uint32_t off, uint32_t *n)
{
	if (ctx) {
		/* a revert: the patch kept in the revert partition */
		*n = s.rec.ur_revert_size - off;
		return mv_port_flash_bytes(REVERT + RPAGE + off, *n);
	}
	uint32_t k = off / s.b.cs, at = off - k * s.b.cs, len = chunk(k, &patch_why);

	if (len <= at)
		return 0;
	*n = len - at;
	return s.b.buf + at;
}

static const struct mvd_ops ops = {op_patch, op_read, op_erase, op_prog, op_sha};

/* Full layers: bytes into the page buffer, a page programmed when full. */
struct fill {
	uint32_t pos;  /* image bytes so far */
	uint32_t fail; /* reason, once something failed */
};

static int flush_page(struct fill *f)
{
	uint32_t at = (f->pos - 1u) / PATCH_PAGE, used = f->pos - at * PATCH_PAGE;

	for (uint32_t i = used; i < PATCH_PAGE; i++)
		s.page[i] = 0xffu;
	if (op_erase(0, at) || op_prog(0, at, s.page)) {
		f->fail = MV_R_UPD_FLASH;
		return -1;
	}
	return 0;
}

static int put_byte(void *arg, uint8_t byte)
{
	struct fill *f = arg;

	if (f->pos >= s.b.app.l.bl_size) {
		f->fail = MV_R_UPD_IMAGE;
		return MVD_E_CORRUPT;
	}
	s.page[f->pos % PATCH_PAGE] = byte;
	f->pos++;
	if (f->pos % PATCH_PAGE == 0u && flush_page(f) != 0)
		return MVD_E_IO;
	return 0;
}

/* The patcher over the app region, reading the patch from the bundle's
 * app layer (rev 0) or from the revert partition. */
static uint32_t apply(struct mvd *d, void *rev, uint32_t size)
{
	int r = mvd_apply(d, &ops, rev, s.page, PATCH_PAGE, size);

	return r == MVD_DONE ? MV_R_NONE : r == MVD_E_READ ? patch_why : r == MVD_E_IO ? MV_R_UPD_FLASH :
	       r == MVD_E_LIMIT ? MV_R_UPD_LIMIT : r == MVD_E_BASE ? MV_R_UPD_BASE :
	       r == MVD_E_HASH ? MV_R_UPD_IMAGE : MV_R_UPD_PATCH;
}

NOINLINE static uint32_t install(void *scratch, uint32_t scratch_size)
{
	struct bundle *b = &s.b;
	uint32_t why = MV_R_UPD_PATCH, len;

	b->on = &b->app;
	b->cur = NO_CHUNK;
	b->wk = NO_CHUNK;
	if (b->app.l.bl_encoding == MVB_ENC_DELTA) {
		struct mvd *d = scratch;

		if (sizeof *d > scratch_size)
			return MV_R_UPD_LIMIT;
		/* pages of this board's patch size only (the ops count in them) */
		if ((len = chunk(0, &why)) == 0u)
			return why;
		if (len < MVD_HEADER_SIZE || le32(b->buf + 0x14) != PATCH_PAGE)
			return MV_R_UPD_LIMIT;
		return apply(d, 0, b->app.l.bl_encoded_size);
	}
	/* Full: raw or deflate, from the start (a resumed install rewrites
	 * every page: each is a pure function of the bundle). */
	struct mvd_inflate *inf = scratch;
	struct fill f = {0, MV_R_NONE};
	struct mvd_src in = {op_patch, 0, 0, 0, 0, b->app.l.bl_encoded_size, 0};
	int r = 0;

	if (sizeof *inf > scratch_size)
		return MV_R_UPD_LIMIT;
	if (b->app.l.bl_encoding == MVB_ENC_RAW) {
		while (r >= 0 && mvd_src_used(&in) < in.end) {
			int c = mvd_src_byte(&in);

			r = c < 0 ? c : put_byte(&f, (uint8_t)c);
		}
	} else {
		r = mvd_inflate(inf, &in, put_byte, &f);
		if (r >= 0 && mvd_src_used(&in) != in.end)
			r = MVD_E_CORRUPT; /* bytes after the stream */
	}
	if (in.err == MVD_E_READ)
		return patch_why;
	if (f.fail != MV_R_NONE)
		return f.fail;
	if (r < 0)
		return MV_R_UPD_PATCH;
	if (f.pos != b->app.l.bl_size)
		return MV_R_UPD_IMAGE;
	if (f.pos % PATCH_PAGE != 0u && flush_page(&f) != 0)
		return f.fail;
	return op_sha(0, b->app.l.bl_size, b->app.l.bl_sha256) ? MV_R_UPD_IMAGE : MV_R_NONE;
}

/* The app header from h, its page erased first: a resumed install (or
 * revert) finds the old header when a cut came between the record and
 * begin()'s erase, and flash programs erased bytes only. */
static uint32_t put_header(const void *h)
{
	uint32_t r = mv_port_flash_erase(MVB_PART_APP_HEADER_BASE);

	return r != MV_R_NONE ? r : mv_port_flash_write(MVB_PART_APP_HEADER_BASE, h, MVB_APPHDR_SIZE);
}

/* ---------------------------------------------------- trial and revert */
/* Before the first write of an install that can be undone: the installed
 * header into the revert partition's first page, the revert layer's
 * chunks after it, each checked against its signed hash before it is
 * written.  The record does not name them yet (a cut here leaves the old
 * app running and the partition unused); begin() does.  MV_R_NONE,
 * MV_R_UPD_LIMIT when the layer is not one this device can keep (the
 * install goes on without a trial), or why the install must stop. */
static uint32_t keep_revert(void)
{
	struct bundle *b = &s.b;
	uint32_t r = MV_R_NONE, len, size = b->rev.l.bl_encoded_size;

	for (uint32_t a = 0; r == MV_R_NONE && a < RPAGE + size; a += RPAGE)
		r = mv_port_flash_erase(REVERT + a);
	if (r == MV_R_NONE)
		r = mv_port_flash_write(REVERT, mv_port_app_header(), MVB_APPHDR_SIZE);
	b->on = &b->rev;
	b->cur = b->wk = NO_CHUNK;
	for (uint32_t k = 0; r == MV_R_NONE && k < b->rev.l.bl_chunk_count; k++) {
		if ((len = chunk(k, &r)) == 0u)
			break;
		/* a patch of this board's patch pages only (as install()) */
		if (k == 0u && (len < MVD_HEADER_SIZE || le32(b->buf + 0x14) != PATCH_PAGE))
			r = MV_R_UPD_LIMIT;
		/* whole program units (cs is a multiple of 16): the last
		 * chunk's tail is whatever buf held, which the patcher never
		 * reads (it stops at ur_revert_size) */
		if (r == MV_R_NONE)
			r = mv_port_flash_write(REVERT + RPAGE + k * b->cs, b->buf, (len + 15u) & ~15u);
	}
	return r; /* install() reads the app layer's again */
}

/* Whether the new release runs on trial (its header, s.h, asks for one)
 * and the bundle's revert layer undoes this install exactly: a delta from
 * the new image to the installed one, which the revert partition holds. */
static int revertible(void)
{
	const struct mvb_bundle_layer *r = &s.b.rev.l;
	const struct mvb_app_header *h = mv_port_app_header();

	/* the image's hash names it, size included (the patch's header
	 * carries the size, which the patcher checks) */
	return s.h.ah_trial_ms != 0u && r->bl_role == MVB_LAYER_REVERT && r->bl_encoding == MVB_ENC_DELTA &&
	       r->bl_encoded_size <= REVERT_MAX && mv_memeq_ct(r->bl_sha256, h->ah_image_sha256, 32u) &&
	       mv_memeq_ct(r->bl_base_sha256, s.b.app.l.bl_sha256, 32u);
}

/* A rejected release: the revert patch applied in place (resumed after a
 * cut like an install), the replaced release's header written back, the
 * record IDLE and naming the rejected version.  A patch that does not
 * apply (a kept, checked patch cannot, short of decayed flash) leaves an
 * image its header does not match: the REPORT names no release put back,
 * and the boot's hash check (0x4203) sends the device to safe mode, which
 * asks for an update. */
static uint32_t revert(void *scratch)
{
	uint32_t rej = s.rec.ur_to_version, r;

	/* The record says REVERTING (no app boots until it says otherwise),
	 * and the struct mvd fits the scratch (install() checked it). */
	begun = 1;
	r = apply(scratch, &s, s.rec.ur_revert_size);
	if (r == MV_R_NONE)
		r = put_header(mv_port_flash_bytes(REVERT, MVB_APPHDR_SIZE));
	if (r == MV_R_UPD_FLASH)
		return MVL_R_FAILED; /* tried again: the record still says REVERTING */
	s.rec.ur_state = MVB_UREC_IDLE;
	s.rec.ur_rejected_version = rej;
	(void)save_record();
	if (r == MV_R_NONE) /* else the REPORT says so, and safe mode follows */
		mv_msg(MV_MSGW(MV_M_REVERTED), rej, s.rec.ur_reason, s.rec.ur_from_version);
	mv_link_report(MVL_R_REVERTED, s.rec.ur_reason, rej, r == MV_R_NONE ? s.rec.ur_from_version : 0u, 0u);
	return MVL_R_INSTALLED;
}

int mv_update_on_trial(void)
{
	const struct mvb_update_record *r = current_record();

	return r && r->ur_state == MVB_UREC_TRIAL;
}

/* Both called while the record says TRIAL (boot.c's on_trial, which a
 * confirm clears before it writes). */
void mv_update_confirm_trial(void)
{
	load_record();
	s.rec.ur_state = MVB_UREC_IDLE;
	if (s.rec.ur_to_counter > s.rec.ur_counter_floor)
		s.rec.ur_counter_floor = s.rec.ur_to_counter;
	(void)save_record();
	mv_msg(MV_MSGW(MV_M_CONFIRMED), s.rec.ur_to_version);
	mv_link_report(MVL_R_CONFIRMED, 0u, s.rec.ur_from_version, s.rec.ur_to_version, 0u);
}

void mv_update_reject(uint32_t why)
{
	load_record();
	s.rec.ur_state = MVB_UREC_REVERTING;
	s.rec.ur_reason = why;
	(void)save_record();
}

void mv_update_status(struct mvl_status *m)
{
	const struct mvb_update_record *r = current_record();

	if (r) {
		m->ls_update_state = r->ur_state;
		m->ls_rejected_version = r->ur_rejected_version;
		m->ls_rejected_reason = r->ur_reason; /* REVERTING: the rejection under way */
	}
}

/* ------------------------------------------------------------- session */
/* The installed app as its header says (a copy, checked like at boot). */
static int installed(void)
{
	copy(&s.h, mv_port_app_header(), sizeof s.h);
	return header_ok();
}

uint32_t mv_update_session(void)
{
	struct mvu_release running = {0, 0}, latest = {0, 0};
	uint32_t outcome = MVL_R_FAILED, reason = MV_R_NONE, index_version = 0, scratch_size;
	uint8_t obj[32];
	char app[MVB_APPHDR_NAME_MAX + 1u];
	uint8_t *scratch = mv_arch_scratch(&scratch_size);

	/* the app layer's chunk hashes at the scratch memory's top, the
	 * work below; the revert layer's groups at the bottom, needed only
	 * before the patcher's state goes there (the verifier's stack, 1.8
	 * KiB down from the work's top, stays clear of them) */
	s.b.work = scratch_size - HASHES;
	s.b.app.group = (uint8_t(*)[32])(scratch + s.b.work);
	s.b.win = s.b.app.group + GROUPS;
	s.b.rev.group = (uint8_t(*)[32])scratch;

	s.bytes = 0;
	load_record();
	if (s.rec.ur_state == MVB_UREC_REVERTING)
		return revert(scratch);
	int resuming = s.rec.ur_state == MVB_UREC_INSTALLING;

	if (!resuming && installed()) {
		running.version = s.h.ah_app_version;
		running.counter = s.h.ah_security_counter;
	} else {
		/* No app runs: the HELLO names the app being installed, or
		 * else the one the device was provisioned for (a header lost
		 * or never written); the other end reads the names of this
		 * session's READs in that app's directory. */
		const char *name = resuming ? s.rec.ur_app : mv_prov_app();

		zero(&s.h, sizeof s.h);
		for (uint32_t i = 0; i < MVB_APPHDR_NAME_MAX - 1u && name[i] != '\0'; i++)
			s.h.ah_name[i] = name[i];
	}
	if (running.counter < s.rec.ur_counter_floor)
		running.counter = s.rec.ur_counter_floor;
	mv_link_hello(s.h.ah_name[0] ? &s.h : 0, MVL_DEV_INSTALLING, 0, running.counter, s.rec.ur_index_version);

	copy(app, s.h.ah_name, MVB_APPHDR_NAME_MAX);
	app[MVB_APPHDR_NAME_MAX] = '\0';
	if (mv_prov_anchors() == 0u) {
		reason = MV_R_UPD_NO_ANCHORS;
	} else if (resuming) {
		latest.version = s.rec.ur_to_version;
		latest.counter = s.rec.ur_to_counter;
		copy(obj, s.rec.ur_object, 32u);
		s.b.size = s.rec.ur_object_size;
		mv_msg(MV_MSGW(MV_M_RESUMING), latest.version);
	} else if (s.rec.ur_state == MVB_UREC_TRIAL) {
		reason = MV_R_UPD_ON_TRIAL;
	} else if (app[0] == '\0') {
		reason = MV_R_UPD_NO_APP;
	} else {
		reason = check_index(app, &latest, obj, &s.b.size, &index_version);
		if (reason == MV_R_NONE) {
			int r = mvu_accept(&running, &latest, 0);

			if (r == MVU_SAME) {
				outcome = MVL_R_UP_TO_DATE;
				if (index_version > s.rec.ur_index_version) {
					s.rec.ur_index_version = index_version;
					(void)save_record();
				}
			} else if (r != MVU_INSTALL || latest.version == s.rec.ur_rejected_version) {
				reason = r == MVU_E_COUNTER ? MV_R_UPD_COUNTER : r == MVU_INSTALL ? MV_R_UPD_REJECTED : MV_R_UPD_OLDER;
			}
		}
	}
	if (reason == MV_R_NONE && outcome != MVL_R_UP_TO_DATE) {
		object_name(obj);
		reason = check_bundle(app, &latest);
		if (reason == MV_R_NONE && !resuming && s.b.app.l.bl_encoding == MVB_ENC_DELTA &&
		    !mv_memeq_ct(s.b.app.l.bl_base_sha256, mv_port_app_header()->ah_image_sha256, 32u))
			reason = MV_R_UPD_BASE;
		if (reason == MV_R_NONE && !resuming) {
			/* what undoes it, kept before anything else is written */
			s.rec.ur_from_version = running.version;
			s.rec.ur_revert_size = 0;
			if (revertible()) {
				uint32_t r = keep_revert();

				if (r == MV_R_NONE)
					s.rec.ur_revert_size = s.b.rev.l.bl_encoded_size;
				else if (r != MV_R_UPD_LIMIT)
					reason = r;
			}
		}
		if (reason == MV_R_NONE) {
			mv_msg(MV_MSGW(MV_M_INSTALLING), latest.version,
			          s.b.app.l.bl_encoding == MVB_ENC_DELTA ? "delta" : "full", s.b.size);
			/* What begin() records at the first write. */
			begun = resuming;
			s.rec.ur_state = MVB_UREC_INSTALLING;
			s.rec.ur_to_version = latest.version;
			s.rec.ur_to_counter = latest.counter;
			s.rec.ur_object_size = s.b.size;
			copy(s.rec.ur_object, obj, 32u);
			copy(s.rec.ur_app, app, 32u);
			if (index_version > s.rec.ur_index_version)
				s.rec.ur_index_version = index_version;
			reason = install(scratch, s.b.work);
			if (reason == MV_R_NONE)
				reason = begin(); /* a patch that changes nothing still commits */
			/* s.h holds the header check_bundle made and checked */
			if (reason == MV_R_NONE)
				reason = put_header(&s.h);
			/* On trial when it can be undone: the floor stays until
			 * it is confirmed, so the release it replaced can come
			 * back. */
			if (reason == MV_R_NONE) {
				s.rec.ur_state = MVB_UREC_IDLE;
				if (s.rec.ur_revert_size != 0u)
					s.rec.ur_state = MVB_UREC_TRIAL;
				else if (latest.counter > s.rec.ur_counter_floor)
					s.rec.ur_counter_floor = latest.counter;
				reason = save_record();
			}
			if (reason == MV_R_NONE)
				outcome = MVL_R_INSTALLED;
		}
	}
	if (outcome == MVL_R_FAILED && reason != MV_R_UPD_LINK && reason != MV_R_UPD_FLASH)
		outcome = MVL_R_REFUSED;
	if (outcome == MVL_R_UP_TO_DATE)
		mv_msg(MV_MSGW(MV_M_UP_TO_DATE), index_version);
	else if (outcome == MVL_R_INSTALLED)
		mv_msg(MV_MSGW(MV_M_INSTALLED), latest.version, s.bytes);
	else
		mv_msg(MV_MSGW(MV_M_UPDATE_ENDED), outcome == MVL_R_FAILED ? "failed" : "refused", reason);
	mv_link_report(outcome, reason, running.version, latest.version ? latest.version : running.version, s.bytes);
	return outcome;
}
