/* api.c - reads the firmware's secure entry table (mv_api.yaml). */
#include <stdio.h>
#include <string.h>
#include "mvb/api.h"
#include "mvb/app_header.h"
#include "mvb/status.h"
#include "yaml_int.h"

int mvb_abi_parse(const char *s, uint32_t *abi)
{
	unsigned long v[2] = { 0, 0 };
	for (int i = 0; i < 2; i++) {
		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9') {
			v[i] = v[i] * 10 + (unsigned long)(*s++ - '0');
			if (v[i] > 0xffff)
				return -1;
		}
		if (i == 0 && *s++ != '.')
			return -1;
	}
	if (*s)
		return -1;
	*abi = MVB_ABI_PACK(v[0], v[1]);
	return 0;
}

static int abi_field(struct ycx *cx, const struct ynode *n, const char *what, uint32_t *out)
{
	char s[24];
	int rc = y_str(cx, n, what, s, sizeof(s));
	if (rc)
		return rc;
	if (mvb_abi_parse(s, out)) {
		struct mvb_loc l = y_loc(cx, n);
		return mvb_report(cx->d, &l, MVB_CK_YAML_TYPE, "%s '%s' is not MAJOR.MINOR", what, s);
	}
	return 0;
}

const struct mvb_api_entry *mvb_api_at(const struct mvb_api *api, uint32_t addr)
{
	addr &= ~1u;
	for (unsigned i = 0; i < api->n; i++)
		if (api->e[i].address == addr)
			return &api->e[i];
	return NULL;
}

int mvb_api_parse(struct mvb_api *api, const char *file, const void *text, size_t len, struct mvb_diags *d)
{
	struct ycx cxs = { file, d }, *cx = &cxs;
	struct ydoc doc;
	memset(api, 0, sizeof(*api));
	int rc = mvb_yaml_load(cx, text, len, &doc);
	if (rc)
		return rc;
	static const char *const keys[] = { "schema", "board", "abi", "nsc", "entries", NULL };
	const struct ynode *root = doc.root, *n;
	int e;
	uint32_t schema;
	if ((e = y_keys(cx, root, "the secure entry table", keys, keys)))
		goto out;
	if ((e = y_u32(cx, y_get(root, "schema"), "schema", 1, 1, &schema)))
		goto out;
	e |= y_str(cx, y_get(root, "board"), "board", api->board, sizeof(api->board));
	e |= abi_field(cx, y_get(root, "abi"), "abi", &api->abi);
	n = y_get(root, "nsc");
	static const char *const nkeys[] = { "base", "size", NULL };
	if (y_keys(cx, n, "nsc", nkeys, nkeys))
		e = 1;
	else {
		e |= y_u32(cx, y_get(n, "base"), "nsc base", 0, 0xffffffffu, &api->nsc_base);
		e |= y_u32(cx, y_get(n, "size"), "nsc size", 1, 0x10000000u, &api->nsc_size);
	}
	n = y_get(root, "entries");
	if (y_expect(cx, n, YN_SEQ, "entries")) {
		e = 1;
		goto out;
	}
	if (n->n > MVB_API_MAX_ENTRIES) {
		struct mvb_loc l = y_loc(cx, n);
		e = mvb_report(d, &l, MVB_CK_YAML_RANGE, "more than %d entries", MVB_API_MAX_ENTRIES);
		goto out;
	}
	static const char *const ekeys[] = { "name", "slot", "address", "since", NULL };
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *m = n->kids[i];
		struct mvb_api_entry *en = &api->e[api->n];
		memset(en, 0, sizeof(*en));
		if (y_keys(cx, m, "entry", ekeys, ekeys)) {
			e = 1;
			continue;
		}
		int ee = y_str(cx, y_get(m, "name"), "entry name", en->name, sizeof(en->name));
		ee |= y_u32(cx, y_get(m, "slot"), "slot", 0, MVB_API_MAX_ENTRIES - 1, &en->slot);
		ee |= y_u32(cx, y_get(m, "address"), "address", 0, 0xffffffffu, &en->address);
		ee |= abi_field(cx, y_get(m, "since"), "since", &en->since);
		if (!ee && (en->address < api->nsc_base || en->address - api->nsc_base >= api->nsc_size)) {
			struct mvb_loc l = y_loc(cx, m);
			ee = mvb_report(d, &l, MVB_CK_YAML_RANGE, "entry '%s' lies outside the NSC region", en->name);
		}
		if (ee)
			e = 1;
		else
			api->n++;
	}
out:
	mvb_yaml_free(&doc);
	return e ? MVB_EINPUT : 0;
}
