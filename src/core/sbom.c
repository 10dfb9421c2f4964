/* sbom.c - the CycloneDX 1.5 document that describes an update bundle
 * (its microvisor, its app, the board, the keys that signed it and the
 * tool that made it), and the reading back of which bundle one names. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <mv/core.h>
#include "mvb/elf.h"
#include "mvb/hash.h"
#include "mvb/sbom.h"
#include "mvb/status.h"
#include "yaml_int.h"

/* ---- from a bundle and an ELF */

static void take_layer(struct mvb_sbom_layer *o, const struct mvb_bundle_layer *l)
{
	o->present = 1;
	o->addr = l->bl_target_addr;
	o->size = l->bl_size;
	o->encoding = l->bl_encoding;
	memcpy(o->sha256, l->bl_sha256, 32);
	if (l->bl_encoding == MVB_ENC_DELTA)
		memcpy(o->base_sha256, l->bl_base_sha256, 32);
}

void mvb_sbom_from_bundle(struct mvb_sbom *s, const struct mvb_bundle_view *v)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->board, v->m.bm_board, strnlen(v->m.bm_board, sizeof(v->m.bm_board)));
	memcpy(s->app, v->m.bm_app_name, strnlen(v->m.bm_app_name, sizeof(v->m.bm_app_name)));
	s->app_version = v->m.bm_app_version;
	s->security_counter = v->m.bm_security_counter;
	s->min_abi = v->m.bm_min_abi;
	s->build_time = (uint64_t)v->m.bm_build_time_hi << 32 | v->m.bm_build_time_lo;
	s->size = v->len;
	mvb_sha256(v->data, v->len, s->sha256);
	mvb_bundle_digest(v, s->signed_sha256);
	for (unsigned i = 0; i < v->nl; i++) {
		if (v->l[i].bl_role == MVB_LAYER_MICROVISOR)
			take_layer(&s->mv, &v->l[i]);
		else if (v->l[i].bl_role == MVB_LAYER_APP)
			take_layer(&s->appl, &v->l[i]);
	}
	for (unsigned i = 0; i < v->ns && s->nkeys < MVB_BUNDLE_MAX_SIGS; i++)
		memcpy(s->key_id[s->nkeys++], v->s[i].sg_key_id, 8);
}

void mvb_sbom_elf_tools(struct mvb_sbom *s, const struct mvb_elf *e)
{
	const struct mvb_elf_sec *c = NULL;
	for (size_t i = 0; i < e->nsec; i++)
		if (e->sec[i].name && !strcmp(e->sec[i].name, ".comment") && e->sec[i].type == 1 /* SHT_PROGBITS */)
			c = &e->sec[i];
	/* the parser checked that a PROGBITS section lies inside the file */
	if (!c || !mvb_range_ok(c->offset, c->size, e->len))
		return;
	const unsigned char *p = e->data + c->offset, *end = p + c->size;
	while (p < end && s->ntools < MVB_SBOM_MAX_TOOLS) {
		const unsigned char *z = memchr(p, 0, (size_t)(end - p));
		size_t n = z ? (size_t)(z - p) : (size_t)(end - p);
		char t[MVB_SBOM_TOOL_LEN];
		size_t k = n < sizeof(t) - 1 ? n : sizeof(t) - 1;
		for (size_t i = 0; i < k; i++)
			t[i] = p[i] < 0x20 || p[i] >= 0x7f ? '?' : (char)p[i];
		t[k] = 0;
		int seen = !k;
		for (unsigned i = 0; i < s->ntools && !seen; i++)
			seen = !strcmp(s->tool[i], t);
		if (!seen)
			memcpy(s->tool[s->ntools++], t, k + 1);
		p += n + 1;
	}
}

uint32_t mvb_sbom_prebuilt_version(void)
{
	return MV_FW_VERSION;
}

/* ---- writing: a fixed layout, so equal input gives equal bytes */

struct w {
	struct mvb_buf *b;
	int depth, first[16], rc;
};

static void put(struct w *w, const char *s)
{
	if (!w->rc)
		w->rc = mvb_buf_puts(w->b, s);
}

static void quoted(struct w *w, const char *s)
{
	put(w, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p && !w->rc; p++) {
		if (*p == '"' || *p == '\\')
			w->rc = mvb_buf_printf(w->b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			w->rc = mvb_buf_printf(w->b, "\\u%04x", *p);
		else
			w->rc = mvb_buf_append(w->b, p, 1);
	}
	put(w, "\"");
}

static void key(struct w *w, const char *k)
{
	if (w->depth) {
		put(w, w->first[w->depth] ? "\n" : ",\n");
		w->first[w->depth] = 0;
		for (int i = 0; i < w->depth; i++)
			put(w, "  ");
	}
	if (k) {
		quoted(w, k);
		put(w, ": ");
	}
}

static void open_(struct w *w, const char *k, const char *c)
{
	key(w, k);
	put(w, c);
	w->depth++;
	w->first[w->depth] = 1;
}

static void close_(struct w *w, const char *c)
{
	int empty = w->first[w->depth];
	w->depth--;
	if (!empty) {
		put(w, "\n");
		for (int i = 0; i < w->depth; i++)
			put(w, "  ");
	}
	put(w, c);
}

static void str(struct w *w, const char *k, const char *v)
{
	key(w, k);
	quoted(w, v);
}

static void num(struct w *w, const char *k, unsigned long long v)
{
	char t[24];
	snprintf(t, sizeof(t), "%llu", v);
	key(w, k);
	put(w, t);
}

static void ver_str(uint32_t v, char *o, size_t n)
{
	snprintf(o, n, "%u.%u.%u", v >> 24, (v >> 16) & 0xffu, v & 0xffffu);
}

static void hashes(struct w *w, const uint8_t sha[32])
{
	char hex[65];
	mvb_hex(sha, 32, hex);
	open_(w, "hashes", "[");
	open_(w, NULL, "{");
	str(w, "alg", "SHA-256");
	str(w, "content", hex);
	close_(w, "}");
	close_(w, "]");
}

/* One name/value pair of a properties array (mvbuild's own names, in the
 * "mvbuild:" namespace as CycloneDX asks of tools). */
static void prop(struct w *w, const char *name, const char *value)
{
	open_(w, NULL, "{");
	str(w, "name", name);
	str(w, "value", value);
	close_(w, "}");
}

static void prop_hex(struct w *w, const char *name, const uint8_t *b, size_t n)
{
	char hex[65];
	mvb_hex(b, n, hex);
	prop(w, name, hex);
}

static void prop_num(struct w *w, const char *name, unsigned long long v)
{
	char t[24];
	snprintf(t, sizeof(t), "%llu", v);
	prop(w, name, t);
}

static void layer_props(struct w *w, const struct mvb_sbom_layer *l)
{
	static const char *const enc[] = { "raw", "deflate", "delta" };
	char t[16];
	snprintf(t, sizeof(t), "0x%08x", (unsigned)l->addr);
	prop(w, "mvbuild:image:address", t);
	prop_num(w, "mvbuild:image:size", l->size);
	prop(w, "mvbuild:bundle:encoding", l->encoding < 3 ? enc[l->encoding] : "unknown");
	if (l->encoding == MVB_ENC_DELTA)
		prop_hex(w, "mvbuild:bundle:delta-base-sha256", l->base_sha256, 32);
	if (l->have_elf)
		prop_hex(w, "mvbuild:elf:sha256", l->elf_sha256, 32);
}

int mvb_sbom_write(const struct mvb_sbom *s, struct mvb_buf *out)
{
	struct w w;
	memset(&w, 0, sizeof(w));
	w.b = out;
	char v[24], t[40];
	open_(&w, NULL, "{");
	str(&w, "$schema", "http://cyclonedx.org/schema/bom-1.5.schema.json");
	str(&w, "bomFormat", "CycloneDX");
	str(&w, "specVersion", "1.5");
	num(&w, "version", 1);
	open_(&w, "metadata", "{");
	if (s->build_time) { /* SOURCE_DATE_EPOCH as the bundle records it; else no time at all */
		time_t tt = (time_t)s->build_time;
		struct tm tm;
		if (gmtime_r(&tt, &tm) && strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm))
			str(&w, "timestamp", t);
	}
	open_(&w, "tools", "{");
	open_(&w, "components", "[");
	open_(&w, NULL, "{");
	str(&w, "type", "application");
	str(&w, "name", "mvbuild");
	str(&w, "version", s->tool_version ? s->tool_version : "unknown");
	close_(&w, "}");
	close_(&w, "]");
	close_(&w, "}");
	/* the bundle: what this document is about */
	open_(&w, "component", "{");
	str(&w, "type", "firmware");
	str(&w, "bom-ref", "bundle");
	str(&w, "name", s->app);
	ver_str(s->app_version, v, sizeof(v));
	str(&w, "version", v);
	str(&w, "description", "mvbuild update bundle (mvbuild-bundle(5)): a microvisor layer and an app layer");
	hashes(&w, s->sha256);
	open_(&w, "properties", "[");
	prop(&w, "mvbuild:board", s->board);
	prop_num(&w, "mvbuild:bundle:size", s->size);
	prop_hex(&w, "mvbuild:bundle:signed-bytes-sha256", s->signed_sha256, 32);
	prop_num(&w, "mvbuild:bundle:security-counter", s->security_counter);
	snprintf(t, sizeof(t), "%u.%u", s->min_abi >> 16, s->min_abi & 0xffffu);
	prop(&w, "mvbuild:bundle:min-abi", t);
	for (unsigned i = 0; i < s->nkeys; i++)
		prop_hex(&w, "mvbuild:signature:key-id", s->key_id[i], 8);
	close_(&w, "]");
	close_(&w, "}");
	close_(&w, "}");

	open_(&w, "components", "[");
	if (s->mv.present) {
		open_(&w, NULL, "{");
		str(&w, "type", "firmware");
		str(&w, "bom-ref", "microvisor");
		str(&w, "name", "microvisor");
		if (s->have_mv_version) {
			ver_str(s->mv_version, v, sizeof(v));
			str(&w, "version", v);
		}
		hashes(&w, s->mv.sha256);
		open_(&w, "properties", "[");
		layer_props(&w, &s->mv);
		if (s->have_mv_abi) {
			snprintf(t, sizeof(t), "%u.%u", s->mv_abi >> 16, s->mv_abi & 0xffffu);
			prop(&w, "mvbuild:microvisor:abi", t);
		}
		close_(&w, "]");
		close_(&w, "}");
	}
	if (s->appl.present) {
		open_(&w, NULL, "{");
		str(&w, "type", "firmware");
		str(&w, "bom-ref", "app");
		str(&w, "name", s->app);
		ver_str(s->app_version, v, sizeof(v));
		str(&w, "version", v);
		hashes(&w, s->appl.sha256);
		open_(&w, "properties", "[");
		layer_props(&w, &s->appl);
		for (unsigned i = 0; i < s->ntools; i++)
			prop(&w, "mvbuild:elf:toolchain", s->tool[i]);
		close_(&w, "]");
		close_(&w, "}");
	}
	open_(&w, NULL, "{");
	str(&w, "type", "device");
	str(&w, "bom-ref", "board");
	str(&w, "name", s->board);
	str(&w, "description", "board manifest (mvbuild-board(5)) the bundle is made for");
	close_(&w, "}");
	close_(&w, "]");

	/* the bundle holds its layers and targets the board; the app runs on
	 * the microvisor */
	open_(&w, "dependencies", "[");
	open_(&w, NULL, "{");
	str(&w, "ref", "bundle");
	open_(&w, "dependsOn", "[");
	if (s->mv.present)
		str(&w, NULL, "microvisor");
	if (s->appl.present)
		str(&w, NULL, "app");
	str(&w, NULL, "board");
	close_(&w, "]");
	close_(&w, "}");
	if (s->appl.present && s->mv.present) {
		open_(&w, NULL, "{");
		str(&w, "ref", "app");
		open_(&w, "dependsOn", "[");
		str(&w, NULL, "microvisor");
		close_(&w, "]");
		close_(&w, "}");
	}
	close_(&w, "]");
	close_(&w, "}");
	put(&w, "\n");
	return w.rc;
}

/* ---- reading back */

static int bad(struct ycx *cx, const struct ynode *n, const char *what)
{
	struct mvb_loc l = y_loc(cx, n);
	return mvb_report(cx->d, &l, MVB_CK_SBOM_FORMAT, "%s", what);
}

static int is_str(const struct ynode *n, const char *v)
{
	return n && n->kind == YN_SCALAR && !n->plain && n->len == strlen(v) && !memcmp(n->str, v, n->len);
}

int mvb_sbom_read(const char *file, const void *text, size_t len, uint8_t sha256[32], struct mvb_diags *d)
{
	struct ycx cx = { file, d };
	struct ydoc doc;
	if (len > MVB_SBOM_MAX_BYTES) {
		struct mvb_loc l = MVB_LOC_INIT;
		l.file = file;
		return mvb_report(d, &l, MVB_CK_SBOM_FORMAT, "larger than %u bytes: not an SBOM mvbuild reads",
				  MVB_SBOM_MAX_BYTES);
	}
	if (mvb_yaml_load(&cx, text, len, &doc))
		return MVB_EINPUT;
	const struct ynode *r = doc.root, *m = NULL, *c = NULL, *h = NULL;
	int rc = MVB_EINPUT;
	if (!r || r->kind != YN_MAP)
		bad(&cx, r, "not a JSON object");
	else if (!is_str(y_get(r, "bomFormat"), "CycloneDX"))
		bad(&cx, r, "'bomFormat' is not \"CycloneDX\"");
	else if (!is_str(y_get(r, "specVersion"), "1.5"))
		bad(&cx, r, "'specVersion' is not \"1.5\"");
	else if (!(m = y_get(r, "metadata")) || m->kind != YN_MAP || !(c = y_get(m, "component")) || c->kind != YN_MAP)
		bad(&cx, m ? m : r, "no 'metadata.component': the document names no bundle");
	else if (!(h = y_get(c, "hashes")) || h->kind != YN_SEQ)
		bad(&cx, c, "'metadata.component' has no 'hashes'");
	else {
		int said = 0;
		for (size_t i = 0; i < h->n && rc && !said; i++) {
			const struct ynode *e = h->kids[i], *x;
			if (e->kind != YN_MAP || !is_str(y_get(e, "alg"), "SHA-256"))
				continue;
			x = y_get(e, "content");
			int ok = x && x->kind == YN_SCALAR && x->len == 64;
			for (size_t k = 0; ok && k < 64; k++) {
				char ch = x->str[k];
				int nib = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
				if (nib < 0)
					ok = 0;
				else if (k % 2)
					sha256[k / 2] = (uint8_t)(sha256[k / 2] | nib);
				else
					sha256[k / 2] = (uint8_t)(nib << 4);
			}
			if (!ok) {
				said = bad(&cx, x ? x : e, "a SHA-256 of 'metadata.component' is not 64 lowercase hex digits");
				break;
			}
			rc = 0;
		}
		if (rc && !said)
			bad(&cx, h, "'metadata.component' has no SHA-256");
	}
	mvb_yaml_free(&doc);
	return rc;
}
