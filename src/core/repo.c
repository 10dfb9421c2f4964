/* repo.c - the channel index of an update repository: strict reader,
 * canonical writer, signature and freshness rules, adding releases,
 * choosing what a device downloads, what a device accepts (the index, the
 * object) and its record of accepted indexes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mvb/bundle.h"
#include "mvb/hash.h"
#include "mvb/repo.h"
#include "mvb/sign.h"
#include "mvb/status.h"
#include "mvu.h"

#define bad(off, ...) mvb_report_at(d, file, (off), __VA_ARGS__)

int mvb_repo_name_ok(const char *s, size_t max)
{
	size_t l = strnlen(s, max);
	if (l == 0 || l == max || s[0] == '.')
		return 0;
	for (size_t i = 0; i < l; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

/* A fixed name field: a path-safe name, NUL-padded to the end. */
static int name_field_ok(const unsigned char *p, size_t n)
{
	char tmp[64];
	memcpy(tmp, p, n);
	tmp[n] = 0;
	size_t l = strnlen(tmp, n);
	if (!mvb_repo_name_ok(tmp, n))
		return 0;
	for (size_t i = l; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static int all_zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

static void version_str(uint32_t v, char *o, size_t n)
{
	snprintf(o, n, "%u.%u.%u", v >> 24, (v >> 16) & 0xff, v & 0xffff);
}

int mvb_repo_find(const struct mvb_repo_index *x, uint32_t version)
{
	for (unsigned i = 0; i < x->nrel; i++)
		if (x->rel[i].rr_version == version)
			return (int)i;
	return -1;
}

/* The 48-byte layout releases and deltas share: two version-like words,
 * size, flags, SHA-256.  Checks what is common to both: no flags, and a
 * size that holds at least a bundle header.  what is "release" or "delta",
 * pre "rr" or "rd" (the field prefix in messages). */
static int read_entry(const char *file, struct mvb_diags *d, const unsigned char *p, size_t off, const char *what,
		      const char *pre, unsigned i, uint32_t w[2], uint32_t *size, uint32_t *flags, uint8_t sha[32])
{
	w[0] = mvb_le32(p);
	w[1] = mvb_le32(p + 4);
	*size = mvb_le32(p + 8);
	*flags = mvb_le32(p + 12);
	memcpy(sha, p + 16, 32);
	if (*flags)
		return bad(off + 0x0c, MVB_CK_REPO_FIELD, "%s %u: %s_flags is 0x%08x; no flags are defined", what, i, pre,
			   *flags);
	if (*size < MVB_BUNDLE_HEADER_SIZE)
		return bad(off + 0x08, MVB_CK_REPO_FIELD, "%s %u: %s_size %u is smaller than a bundle header", what, i, pre,
			   *size);
	return 0;
}

int mvb_repo_parse(struct mvb_repo_index *x, const char *file, const unsigned char *data, size_t len,
		   struct mvb_diags *d)
{
	memset(x, 0, sizeof(*x));
	if (len < 4)
		return bad(len, MVB_CK_REPO_TRUNCATED, "file ends after %zu bytes, inside the header", len);
	if (mvb_le32(data) != MVB_REPO_MAGIC)
		return bad(0, MVB_CK_REPO_MAGIC, "rh_magic is 0x%08x, not \"MVR1\"", mvb_le32(data));
	if (len < MVB_REPO_HEADER_SIZE)
		return bad(len, MVB_CK_REPO_TRUNCATED, "file ends after %zu bytes, inside the 128-byte header", len);
	unsigned fmt = mvb_le16(data + 0x04);
	if (fmt != MVB_REPO_FORMAT)
		return bad(0x04, MVB_CK_REPO_FORMAT, "rh_format is %u; this mvbuild reads format 1", fmt);
	if (mvb_le16(data + 0x06) != MVB_REPO_HEADER_SIZE)
		return bad(0x06, MVB_CK_REPO_FIELD, "rh_header_size is %u, not 128", mvb_le16(data + 0x06));
	if (mvb_le32(data + 0x08))
		return bad(0x08, MVB_CK_REPO_FIELD, "rh_flags is 0x%08x; no flags are defined", mvb_le32(data + 0x08));
	x->index_version = mvb_le32(data + 0x0c);
	if (!x->index_version)
		return bad(0x0c, MVB_CK_REPO_FIELD, "rh_index_version is 0; the first index is version 1");
	unsigned nr = mvb_le16(data + 0x10), nd = mvb_le16(data + 0x14);
	if (nr < 1 || nr > MVB_REPO_MAX_RELEASES)
		return bad(0x10, MVB_CK_REPO_FIELD, "rh_release_count is %u (1-%u)", nr, MVB_REPO_MAX_RELEASES);
	if (mvb_le16(data + 0x12) != MVB_REPO_RELEASE_SIZE)
		return bad(0x12, MVB_CK_REPO_FIELD, "rh_release_size is %u, not 48", mvb_le16(data + 0x12));
	if (nd > MVB_REPO_MAX_DELTAS)
		return bad(0x14, MVB_CK_REPO_FIELD, "rh_delta_count is %u (0-%u)", nd, MVB_REPO_MAX_DELTAS);
	if (mvb_le16(data + 0x16) != MVB_REPO_DELTA_SIZE)
		return bad(0x16, MVB_CK_REPO_FIELD, "rh_delta_size is %u, not 48", mvb_le16(data + 0x16));
	x->expires = mvb_le32(data + 0x18) | (uint64_t)mvb_le32(data + 0x1c) << 32;
	x->published = mvb_le32(data + 0x20) | (uint64_t)mvb_le32(data + 0x24) << 32;
	if (x->expires <= x->published)
		return bad(0x18, MVB_CK_REPO_FIELD, "rh_expires (%llu) is not after rh_published (%llu)",
			   (unsigned long long)x->expires, (unsigned long long)x->published);
	static const struct {
		unsigned off, n;
		const char *name;
	} names[] = { { 0x28, 32, "rh_board" }, { 0x48, 32, "rh_app" }, { 0x68, 16, "rh_channel" } };
	for (unsigned i = 0; i < 3; i++)
		if (!name_field_ok(data + names[i].off, names[i].n))
			return bad(names[i].off, MVB_CK_REPO_FIELD,
				   "%s is not a NUL-padded name of [A-Za-z0-9._-] (not starting with '.')", names[i].name);
	memcpy(x->board, data + 0x28, 32);
	memcpy(x->app, data + 0x48, 32);
	memcpy(x->channel, data + 0x68, 16);
	if (!all_zero(data + 0x78, 8))
		return bad(0x78, MVB_CK_REPO_FIELD, "rh_reserved is not zero");

	/* sizes are bounded by the counts above, so none of this can wrap */
	size_t sigs_off = MVB_REPO_HEADER_SIZE + (size_t)nr * MVB_REPO_RELEASE_SIZE + (size_t)nd * MVB_REPO_DELTA_SIZE;
	if (!mvb_range_ok(0, sigs_off + MVB_REPO_SIGS_SIZE, len))
		return bad(len, MVB_CK_REPO_TRUNCATED, "file ends at 0x%zx but the header describes 0x%zx bytes", len,
			   sigs_off + MVB_REPO_SIGS_SIZE);
	struct mvb_cur c;
	mvb_cur_init(&c, data, len);
	mvb_cur_seek(&c, MVB_REPO_HEADER_SIZE);
	char v1[24], v2[24];
	for (unsigned i = 0; i < nr; i++) {
		size_t off = c.pos;
		const unsigned char *p;
		mvb_cur_bytes(&c, MVB_REPO_RELEASE_SIZE, &p);
		struct mvb_repo_release *r = &x->rel[i];
		uint32_t w[2];
		int rc = read_entry(file, d, p, off, "release", "rr", i, w, &r->rr_size, &r->rr_flags, r->rr_sha256);
		r->rr_version = w[0];
		r->rr_security_counter = w[1];
		if (rc)
			return rc;
		if (i && r->rr_security_counter <= x->rel[i - 1].rr_security_counter)
			return bad(off + 0x04, MVB_CK_REPO_ORDER,
				   "release %u: security counter %u is not above the previous release's %u", i,
				   r->rr_security_counter, x->rel[i - 1].rr_security_counter);
		x->nrel = i;
		if (mvb_repo_find(x, r->rr_version) >= 0) {
			version_str(r->rr_version, v1, sizeof(v1));
			return bad(off, MVB_CK_REPO_ORDER, "release %u: version %s is listed twice", i, v1);
		}
	}
	x->nrel = nr;
	for (unsigned i = 0; i < nd; i++) {
		size_t off = c.pos;
		const unsigned char *p;
		mvb_cur_bytes(&c, MVB_REPO_DELTA_SIZE, &p);
		struct mvb_repo_delta *dl = &x->del[i];
		uint32_t w[2];
		int rc = read_entry(file, d, p, off, "delta", "rd", i, w, &dl->rd_size, &dl->rd_flags, dl->rd_sha256);
		dl->rd_from_version = w[0];
		dl->rd_to_version = w[1];
		if (rc)
			return rc;
		int f = mvb_repo_find(x, dl->rd_from_version), t = mvb_repo_find(x, dl->rd_to_version);
		version_str(dl->rd_from_version, v1, sizeof(v1));
		version_str(dl->rd_to_version, v2, sizeof(v2));
		if (f < 0 || t < 0)
			return bad(off + (f < 0 ? 0 : 4), MVB_CK_REPO_ORDER, "delta %u: names version %s, which is no release", i,
				   f < 0 ? v1 : v2);
		if (f >= t)
			return bad(off, MVB_CK_REPO_ORDER, "delta %u goes from %s back to %s", i, v1, v2);
		for (unsigned j = 0; j < i; j++)
			if (x->del[j].rd_from_version == dl->rd_from_version && x->del[j].rd_to_version == dl->rd_to_version)
				return bad(off, MVB_CK_REPO_ORDER, "delta %u: %s to %s is listed twice", i, v1, v2);
	}
	x->ndel = nd;
	x->signed_len = sigs_off;

	const unsigned char *sh;
	mvb_cur_bytes(&c, MVB_REPO_SIGS_SIZE, &sh);
	if (mvb_le32(sh) != MVB_REPO_SIGS_MAGIC)
		return bad(sigs_off, MVB_CK_REPO_LAYOUT, "rs_magic is 0x%08x, not \"MVRS\": the signature block is not where the counts put it",
			   mvb_le32(sh));
	unsigned ns = mvb_le16(sh + 4);
	if (ns > MVB_REPO_MAX_SIGS)
		return bad(sigs_off + 4, MVB_CK_REPO_FIELD, "rs_count is %u (0-%u)", ns, MVB_REPO_MAX_SIGS);
	if (mvb_le16(sh + 6) != MVB_BUNDLE_SIG_SIZE)
		return bad(sigs_off + 6, MVB_CK_REPO_FIELD, "rs_entry_size is %u, not 88", mvb_le16(sh + 6));
	size_t end = sigs_off + MVB_REPO_SIGS_SIZE + (size_t)ns * MVB_BUNDLE_SIG_SIZE;
	if (len < end)
		return bad(len, MVB_CK_REPO_TRUNCATED, "file ends at 0x%zx, inside signature %zu of %u", len,
			   (len - sigs_off - MVB_REPO_SIGS_SIZE) / MVB_BUNDLE_SIG_SIZE, ns);
	if (len > end)
		return bad(end, MVB_CK_REPO_LAYOUT, "%zu bytes follow the last signature", len - end);
	for (unsigned i = 0; i < ns; i++) {
		size_t off = c.pos;
		const unsigned char *p;
		mvb_cur_bytes(&c, MVB_BUNDLE_SIG_SIZE, &p);
		struct mvb_bundle_sig *s = &x->sig[i];
		memcpy(s->sg_key_id, p, 8);
		s->sg_alg = mvb_le16(p + 8);
		s->sg_len = mvb_le16(p + 10);
		if (s->sg_alg != MVB_SIG_ECDSA_P256_SHA256)
			return bad(off + 8, MVB_CK_REPO_FIELD, "signature %u: sg_alg is %u, not 1 (ECDSA P-256)", i, s->sg_alg);
		if (s->sg_len < 8 || s->sg_len > 72)
			return bad(off + 10, MVB_CK_REPO_FIELD, "signature %u: sg_len is %u (8-72)", i, s->sg_len);
		memcpy(s->sg_der, p + 12, s->sg_len);
		if (!all_zero(p + 12 + s->sg_len, 72 - s->sg_len) || !all_zero(p + 84, 4))
			return bad(off + 12 + s->sg_len, MVB_CK_REPO_FIELD, "signature %u: padding or sg_reserved is not zero", i);
	}
	x->nsig = ns;
	return 0;
}

static int name_put(unsigned char *o, const char *s, size_t n)
{
	if (!mvb_repo_name_ok(s, n))
		return MVB_EINPUT;
	memset(o, 0, n);
	memcpy(o, s, strlen(s));
	return 0;
}

int mvb_repo_encode(struct mvb_repo_index *x, struct mvb_buf *out)
{
	if (!x->index_version || x->nrel < 1 || x->nrel > MVB_REPO_MAX_RELEASES || x->ndel > MVB_REPO_MAX_DELTAS ||
	    x->nsig > MVB_REPO_MAX_SIGS || x->expires <= x->published)
		return MVB_EINPUT;
	unsigned char h[MVB_REPO_HEADER_SIZE];
	memset(h, 0, sizeof(h));
	mvb_put_le32(h, MVB_REPO_MAGIC);
	mvb_put_le16(h + 0x04, MVB_REPO_FORMAT);
	mvb_put_le16(h + 0x06, MVB_REPO_HEADER_SIZE);
	mvb_put_le32(h + 0x0c, x->index_version);
	mvb_put_le16(h + 0x10, (uint16_t)x->nrel);
	mvb_put_le16(h + 0x12, MVB_REPO_RELEASE_SIZE);
	mvb_put_le16(h + 0x14, (uint16_t)x->ndel);
	mvb_put_le16(h + 0x16, MVB_REPO_DELTA_SIZE);
	mvb_put_le32(h + 0x18, (uint32_t)x->expires);
	mvb_put_le32(h + 0x1c, (uint32_t)(x->expires >> 32));
	mvb_put_le32(h + 0x20, (uint32_t)x->published);
	mvb_put_le32(h + 0x24, (uint32_t)(x->published >> 32));
	if (name_put(h + 0x28, x->board, 32) || name_put(h + 0x48, x->app, 32) || name_put(h + 0x68, x->channel, 16))
		return MVB_EINPUT;
	size_t start = out->len;
	int rc = mvb_buf_append(out, h, sizeof(h));
	for (unsigned i = 0; i < x->nrel && !rc; i++) {
		const struct mvb_repo_release *r = &x->rel[i];
		unsigned char e[MVB_REPO_RELEASE_SIZE];
		if (r->rr_flags || (i && r->rr_security_counter <= x->rel[i - 1].rr_security_counter))
			return MVB_EINPUT;
		mvb_put_le32(e, r->rr_version);
		mvb_put_le32(e + 4, r->rr_security_counter);
		mvb_put_le32(e + 8, r->rr_size);
		mvb_put_le32(e + 12, 0);
		memcpy(e + 16, r->rr_sha256, 32);
		rc = mvb_buf_append(out, e, sizeof(e));
	}
	for (unsigned i = 0; i < x->ndel && !rc; i++) {
		const struct mvb_repo_delta *dl = &x->del[i];
		unsigned char e[MVB_REPO_DELTA_SIZE];
		if (dl->rd_flags)
			return MVB_EINPUT;
		mvb_put_le32(e, dl->rd_from_version);
		mvb_put_le32(e + 4, dl->rd_to_version);
		mvb_put_le32(e + 8, dl->rd_size);
		mvb_put_le32(e + 12, 0);
		memcpy(e + 16, dl->rd_sha256, 32);
		rc = mvb_buf_append(out, e, sizeof(e));
	}
	x->signed_len = out->len - start;
	unsigned char sh[MVB_REPO_SIGS_SIZE];
	mvb_put_le32(sh, MVB_REPO_SIGS_MAGIC);
	mvb_put_le16(sh + 4, (uint16_t)x->nsig);
	mvb_put_le16(sh + 6, MVB_BUNDLE_SIG_SIZE);
	if (!rc)
		rc = mvb_buf_append(out, sh, sizeof(sh));
	for (unsigned i = 0; i < x->nsig && !rc; i++) {
		const struct mvb_bundle_sig *s = &x->sig[i];
		unsigned char e[MVB_BUNDLE_SIG_SIZE];
		if (s->sg_len < 8 || s->sg_len > 72)
			return MVB_EINPUT;
		memset(e, 0, sizeof(e));
		memcpy(e, s->sg_key_id, 8);
		mvb_put_le16(e + 8, s->sg_alg);
		mvb_put_le16(e + 10, s->sg_len);
		memcpy(e + 12, s->sg_der, s->sg_len);
		rc = mvb_buf_append(out, e, sizeof(e));
	}
	return rc ? MVB_ENOMEM : 0;
}

void mvb_repo_digest(const struct mvb_repo_index *x, const unsigned char *data, uint8_t out[32])
{
	mvb_sha256(data, x->signed_len, out);
}

int mvb_repo_check_sigs(const struct mvb_repo_index *x, const unsigned char *data, const char *file,
			struct mvb_key *const *keys, unsigned nk, unsigned *good, struct mvb_diags *d)
{
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = file;
	uint8_t dg[32];
	mvb_repo_digest(x, data, dg);
	int failed = 0;
	*good = 0;
	for (unsigned i = 0; i < x->nsig; i++) {
		for (unsigned j = 0; j < nk; j++) {
			uint8_t id[8];
			mvb_key_id(keys[j], id);
			if (memcmp(id, x->sig[i].sg_key_id, 8))
				continue;
			if (mvb_key_verify(keys[j], dg, x->sig[i].sg_der, x->sig[i].sg_len) == 0) {
				(*good)++;
				continue;
			}
			char hex[17];
			mvb_hex(id, 8, hex);
			l.has_offset = 1;
			l.offset = x->signed_len + MVB_REPO_SIGS_SIZE + (uint64_t)i * MVB_BUNDLE_SIG_SIZE;
			mvb_report(d, &l, MVB_CK_REPO_SIGNATURE, "index signature %u by key %s does not verify", i, hex);
			failed = 1;
		}
	}
	if (!*good) {
		l.has_offset = 0;
		if (!failed)
			mvb_report_hint(d, &l, MVB_CK_REPO_UNSIGNED, "pass the public key of the publisher's --sign key",
					"no valid index signature by %s trusted key (%u signature%s present)",
					nk == 1 ? "the" : "any", x->nsig, x->nsig == 1 ? "" : "s");
		failed = 1;
	}
	return failed ? MVB_EINPUT : 0;
}

int mvb_repo_check_fresh(const struct mvb_repo_index *x, const char *file, const char *board, const char *app,
			 const char *channel, uint64_t now, const struct mvb_repo_seen *seen, const uint8_t sha256[32],
			 struct mvb_diags *d)
{
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = file;
	l.has_offset = 1;
	int failed = 0;
	if (strcmp(x->board, board) || strcmp(x->app, app) || strcmp(x->channel, channel)) {
		l.offset = 0x28;
		mvb_report(d, &l, MVB_CK_REPO_CHANNEL, "index is for %s/%s channel '%s', not %s/%s channel '%s'", x->board,
			   x->app, x->channel, board, app, channel);
		failed = 1;
	}
	if (now >= x->expires) {
		l.offset = 0x18;
		mvb_report_hint(d, &l, MVB_CK_REPO_EXPIRED,
				"the publisher re-signs the index with 'mvbuild publish --refresh'; if it keeps expiring, "
				"someone may be serving an old copy",
				"index version %u expired %llu s ago (at %llu)", x->index_version,
				(unsigned long long)(now - x->expires), (unsigned long long)x->expires);
		failed = 1;
	}
	if (seen && seen->index_version) {
		l.offset = 0x0c;
		if (x->index_version < seen->index_version) {
			mvb_report(d, &l, MVB_CK_REPO_ROLLBACK,
				   "index version %u is older than version %u, which this device already accepted",
				   x->index_version, seen->index_version);
			failed = 1;
		} else if (x->index_version == seen->index_version && memcmp(sha256, seen->sha256, 32)) {
			mvb_report(d, &l, MVB_CK_REPO_ROLLBACK,
				   "index version %u differs from the version %u this device already accepted", x->index_version,
				   seen->index_version);
			failed = 1;
		}
	}
	return failed ? MVB_EINPUT : 0;
}

int mvb_repo_check_offer(const struct mvb_repo_index *x, const char *file, uint32_t have_version,
			 uint32_t have_counter, int allow_older, struct mvb_diags *d)
{
	const struct mvb_repo_release *lr = &x->rel[x->nrel - 1];
	struct mvu_release run = { have_version, have_counter }, off = { lr->rr_version, lr->rr_security_counter };
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = file;
	l.has_offset = 1;
	l.offset = MVB_REPO_HEADER_SIZE + (uint64_t)(x->nrel - 1) * MVB_REPO_RELEASE_SIZE;
	char v1[24], v2[24];
	version_str(lr->rr_version, v1, sizeof(v1));
	version_str(have_version, v2, sizeof(v2));
	switch (mvu_accept(&run, &off, allow_older ? MVU_ALLOW_OLDER : 0)) {
	case MVU_INSTALL:
		return 0;
	case MVU_SAME:
		return 1;
	case MVU_E_COUNTER:
		l.offset += 4;
		return mvb_report_hint(d, &l, MVB_CK_REPO_DOWNGRADE, "a device never installs a lower security counter",
				       "the channel's latest release, %s, has security counter %u, below %u of %s, which the "
				       "device runs",
				       v1, lr->rr_security_counter, have_counter, v2);
	default:
		return mvb_report_hint(d, &l, MVB_CK_REPO_OLDER,
				       "to go back to it on purpose, pass --allow-downgrade (its counter must still not be lower)",
				       "the channel's latest release, %s, is older than %s, which the device runs", v1, v2);
	}
}

static void drop_oldest(struct mvb_repo_index *x)
{
	uint32_t v = x->rel[0].rr_version;
	memmove(&x->rel[0], &x->rel[1], (x->nrel - 1) * sizeof(x->rel[0]));
	x->nrel--;
	unsigned k = 0;
	for (unsigned i = 0; i < x->ndel; i++)
		if (x->del[i].rd_from_version != v && x->del[i].rd_to_version != v)
			x->del[k++] = x->del[i];
	x->ndel = k;
}

int mvb_repo_add_release(struct mvb_repo_index *x, const struct mvb_repo_release *r, const char *file,
			 struct mvb_diags *d)
{
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = file;
	char v1[24], v2[24];
	version_str(r->rr_version, v1, sizeof(v1));
	if (x->nrel) {
		const struct mvb_repo_release *last = &x->rel[x->nrel - 1];
		version_str(last->rr_version, v2, sizeof(v2));
		if (mvb_repo_find(x, r->rr_version) >= 0)
			return mvb_report_hint(d, &l, MVB_CK_REPO_COUNTER, "give the release a new version",
					       "version %s is already published in channel '%s'", v1, x->channel);
		if (r->rr_security_counter <= last->rr_security_counter)
			return mvb_report_hint(
				d, &l, MVB_CK_REPO_COUNTER,
				"raise security_counter in the app manifest (or --security-counter) and bundle again",
				"security counter %u of %s is not above %u of %s, the latest in channel '%s'",
				r->rr_security_counter, v1, last->rr_security_counter, v2, x->channel);
	}
	if (x->nrel == MVB_REPO_MAX_RELEASES)
		drop_oldest(x);
	x->rel[x->nrel++] = *r;
	return 0;
}

int mvb_repo_add_delta(struct mvb_repo_index *x, const struct mvb_repo_delta *dl)
{
	int f = mvb_repo_find(x, dl->rd_from_version), t = mvb_repo_find(x, dl->rd_to_version);
	if (f < 0 || t < 0 || f >= t || dl->rd_flags)
		return MVB_EINPUT;
	for (unsigned i = 0; i < x->ndel; i++)
		if (x->del[i].rd_from_version == dl->rd_from_version && x->del[i].rd_to_version == dl->rd_to_version)
			return MVB_EINPUT;
	if (x->ndel == MVB_REPO_MAX_DELTAS) {
		/* the oldest deltas lead to the oldest releases: drop those first */
		memmove(&x->del[0], &x->del[1], (x->ndel - 1) * sizeof(x->del[0]));
		x->ndel--;
	}
	x->del[x->ndel++] = *dl;
	return 0;
}

void mvb_repo_pick(const struct mvb_repo_index *x, int have_known, uint32_t have, struct mvb_repo_step *s)
{
	memset(s, 0, sizeof(*s));
	unsigned latest = x->nrel - 1;
	const struct mvb_repo_release *lr = &x->rel[latest];
	if (have_known && have == lr->rr_version) {
		s->up_to_date = 1;
		s->idx = latest;
		return;
	}
	s->idx = latest;
	s->size = lr->rr_size;
	s->sha256 = lr->rr_sha256;
	if (!have_known)
		return;
	for (unsigned i = 0; i < x->ndel; i++) {
		const struct mvb_repo_delta *dl = &x->del[i];
		if (dl->rd_from_version == have && dl->rd_to_version == lr->rr_version && dl->rd_size < s->size) {
			s->delta = 1;
			s->idx = i;
			s->size = dl->rd_size;
			s->sha256 = dl->rd_sha256;
		}
	}
}

void mvb_repo_object_name(const uint8_t sha256[32], char *out, size_t n)
{
	char hex[65];
	mvb_hex(sha256, 32, hex);
	snprintf(out, n, "objects/%s.mvb", hex);
}

/* ---- what a device accepts */

int mvb_repo_accept_index(const struct mvb_repo_index *x, const unsigned char *data, size_t len, const char *file,
			  const struct mvb_repo_device *dev, struct mvb_key *const *keys, unsigned nk, int *runs_latest,
			  struct mvb_diags *d)
{
	unsigned good;
	if (runs_latest)
		*runs_latest = 0;
	if (mvb_repo_check_sigs(x, data, file, keys, nk, &good, d))
		return MVB_EINPUT;
	uint8_t sha[32];
	mvb_sha256(data, len, sha);
	if (mvb_repo_check_fresh(x, file, dev->board, dev->app, dev->channel, dev->now, dev->seen, sha, d))
		return MVB_EINPUT;
	if (!dev->runs_known)
		return 0;
	uint32_t counter = dev->runs_counter;
	if (!dev->runs_counter_known) {
		int i = mvb_repo_find(x, dev->runs_version);
		counter = i >= 0 ? x->rel[i].rr_security_counter : 0;
	}
	unsigned before = d->errors;
	int rc = mvb_repo_check_offer(x, file, dev->runs_version, counter, dev->allow_older, d);
	if (d->errors > before)
		return MVB_EINPUT;
	if (runs_latest)
		*runs_latest = rc == 1;
	return 0;
}

int mvb_repo_accept_object(const struct mvb_repo_index *x, const struct mvb_repo_step *st, const unsigned char *data,
			   size_t len, const char *file, const struct mvb_bundle_view *base, struct mvb_key *const *keys,
			   unsigned nk, struct mvb_diags *d)
{
	const struct mvb_repo_release *r = &x->rel[x->nrel - 1];
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = file;
	uint8_t h[32];
	mvb_sha256(data, len, h);
	if (len != st->size || memcmp(h, st->sha256, 32)) {
		char a[65], b[65];
		mvb_hex(h, 32, a);
		mvb_hex(st->sha256, 32, b);
		return mvb_report(d, &l, MVB_CK_REPO_OBJECT,
				  "%zu bytes with sha256 %.16s..., but the index says %u bytes, %.16s...", len, a, st->size, b);
	}
	struct mvb_bundle_view v;
	unsigned good;
	unsigned before = d->errors;
	if (mvb_bundle_parse(&v, file, data, len, d))
		return MVB_EINPUT;
	/* a delta's layers are checked by decoding them over the base */
	mvb_bundle_check_payload_base(&v, base, file, d);
	mvb_bundle_check_sigs(&v, file, keys, nk, &good, d);
	if (strcmp(v.m.bm_board, x->board) || strcmp(v.m.bm_app_name, x->app) || v.m.bm_app_version != r->rr_version ||
	    v.m.bm_security_counter != r->rr_security_counter) {
		char v1[24], v2[24];
		version_str(v.m.bm_app_version, v1, sizeof(v1));
		version_str(r->rr_version, v2, sizeof(v2));
		mvb_report(d, &l, MVB_CK_REPO_OBJECT,
			   "the bundle is %s/%s %s (counter %u), but the index says %s/%s %s (counter %u)", v.m.bm_board,
			   v.m.bm_app_name, v1, v.m.bm_security_counter, x->board, x->app, v2, r->rr_security_counter);
	}
	return d->errors > before ? MVB_EINPUT : 0;
}

/* ---- the device's record of accepted indexes */

static int is_name_byte(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
	       c == '-' || c == '/';
}

static int hex_digit(uint8_t c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The byte at the cursor without taking it; -1 at the end. */
static int peek(const struct mvb_cur *c)
{
	return mvb_cur_has(c, 1) ? c->base[c->pos] : -1;
}

/* Skips one or more blanks; 0 when there is none. */
static int blanks(struct mvb_cur *c)
{
	size_t at = c->pos;
	while (peek(c) == ' ' || peek(c) == '\t')
		mvb_cur_skip(c, 1);
	return c->pos > at;
}

/* One line of a record (without its newline): 0, with the entry's key
 * (NUL-terminated, at most 127 bytes), or the 1-based column of the first
 * byte that does not fit. */
static size_t state_line(struct mvb_cur *c, char key[128], struct mvb_repo_seen *e)
{
	size_t n = 0;
	while (peek(c) >= 0 && is_name_byte((uint8_t)peek(c)) && n < 127) {
		uint8_t b;
		mvb_cur_u8(c, &b);
		key[n++] = (char)b;
	}
	key[n] = 0;
	if (!n || !blanks(c))
		return c->pos + 1;
	uint64_t v = 0;
	size_t digits = 0;
	while (peek(c) >= '0' && peek(c) <= '9') {
		uint8_t b;
		mvb_cur_u8(c, &b);
		v = v * 10 + (uint64_t)(b - '0');
		if (++digits > 10 || v > UINT32_MAX)
			return c->pos;
	}
	if (!digits || !blanks(c))
		return c->pos + 1;
	e->index_version = (uint32_t)v;
	for (unsigned i = 0; i < 64; i++) {
		uint8_t b;
		if (mvb_cur_u8(c, &b))
			return c->pos + 1; /* the line ends before the 64th digit */
		if (hex_digit(b) < 0)
			return c->pos; /* the byte just read */
		e->sha256[i / 2] = (uint8_t)(i % 2 ? e->sha256[i / 2] | hex_digit(b) : hex_digit(b) << 4);
	}
	return peek(c) < 0 ? 0 : c->pos + 1;
}

int mvb_repo_state_read(const unsigned char *data, size_t len, const char *file, const char *key,
			struct mvb_repo_seen *seen, struct mvb_buf *others, struct mvb_diags *d)
{
	memset(seen, 0, sizeof(*seen));
	struct mvb_cur c;
	mvb_cur_init(&c, data, len);
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = file;
	unsigned lines = 0;
	for (unsigned line = 1; mvb_cur_has(&c, 1); line++) {
		size_t n = 0;
		struct mvb_cur lc = c; /* the line: up to its newline or the end */
		while (peek(&lc) >= 0 && peek(&lc) != '\n') {
			mvb_cur_skip(&lc, 1);
			n++;
		}
		const unsigned char *text;
		mvb_cur_bytes(&c, n, &text);
		mvb_cur_skip(&c, peek(&c) == '\n');
		if (!n)
			continue;
		l.line = line;
		l.col = 1;
		if (++lines > MVB_REPO_STATE_LINES || n > MVB_REPO_STATE_LINE)
			return mvb_report(d, &l, MVB_CK_REPO_STATE, "the record holds more than %u lines, or a line over %u bytes",
					  MVB_REPO_STATE_LINES, MVB_REPO_STATE_LINE);
		char k[128];
		struct mvb_repo_seen e;
		memset(&e, 0, sizeof(e));
		mvb_cur_init(&lc, text, n);
		size_t col = state_line(&lc, k, &e);
		if (col) {
			l.col = (unsigned)col;
			return mvb_report(d, &l, MVB_CK_REPO_STATE,
					  "not '<board>/<app>/<channel> <index version> <sha256 of the index>'");
		}
		if (!strcmp(k, key))
			*seen = e;
		else if (mvb_buf_append(others, text, n) || mvb_buf_puts(others, "\n"))
			return MVB_ENOMEM;
	}
	return 0;
}

int mvb_repo_state_put(struct mvb_buf *out, const char *key, uint32_t index_version, const uint8_t sha256[32])
{
	char hex[65];
	mvb_hex(sha256, 32, hex);
	return mvb_buf_printf(out, "%s %u %s\n", key, index_version, hex) ? MVB_ENOMEM : 0;
}
