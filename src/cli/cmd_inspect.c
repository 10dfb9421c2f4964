/* cmd_inspect.c - `mvbuild inspect`: what a bundle or an app ELF holds,
 * where it lands on its board, and a map of it. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "mvb/app_header.h"
#include "mvb/hash.h"
#include "mvb/map.h"
#include "sys/sys.h"

struct inspect {
	struct cli_run *r;
	const char *path;
	int json;
	struct mvb_board board;
	int have_board;
	struct mvb_map_item items[MVB_MAP_MAX_ITEMS];
	size_t nitems;
};

/* Names of the partitions [addr, addr+size) touches, in address order,
 * and whether some of it lies in none. */
static void landing(const struct mvb_board *b, uint32_t addr, uint32_t size, char *out, size_t n, int *outside)
{
	const struct mvb_partition *p[MVB_BOARD_MAX_PARTITIONS];
	size_t np = mvb_map_partitions_in(b, addr, size, p, MVB_BOARD_MAX_PARTITIONS, outside);
	out[0] = 0;
	for (size_t i = 0; i < np; i++)
		snprintf(out + strlen(out), n - strlen(out), "%s%s", i ? ", " : "", p[i]->name);
}

static void json_landing(struct json *j, const struct inspect *in, uint32_t addr, uint32_t size)
{
	if (!in->have_board) {
		json_null(j, "partitions");
		return;
	}
	const struct mvb_partition *p[MVB_BOARD_MAX_PARTITIONS];
	int outside;
	size_t np = mvb_map_partitions_in(&in->board, addr, size, p, MVB_BOARD_MAX_PARTITIONS, &outside);
	json_arr(j, "partitions");
	for (size_t i = 0; i < np; i++)
		json_str(j, NULL, p[i]->name);
	json_end_arr(j);
	json_bool(j, "outside_partitions", outside);
}

static int load_named_board(struct inspect *in, const char *arg, int named, int required)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/boards/%s.yaml", sys_data_dir(), arg);
	/* a name from the bundle is untrusted: board names only, never a path */
	int plain = arg[0] && strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(arg);
	if (!named && (!plain || !sys_is_file(path))) {
		if (!required)
			return 0; /* a board this mvbuild does not know: no partition names */
		cli_error("inspect: the bundle is for board '%s', which this mvbuild does not know; name its manifest with "
			  "--board FILE", arg);
		return MVB_EXIT_USAGE;
	}
	mvb_board_init(&in->board);
	int rc = cli_run_board(in->r, arg, &in->board);
	if (rc)
		return required ? rc : 0;
	in->have_board = 1;
	return 0;
}

static int inspect_elf(struct inspect *in, const struct mvb_elf *e)
{
	in->nitems = mvb_map_elf_items(e, in->items, MVB_MAP_MAX_ITEMS);
	if (in->json) {
		struct json *j = cli_doc(in->r);
		json_str(j, "kind", "elf");
		json_str(j, "file", in->path);
		json_str(j, "board", in->board.name);
		json_hex(j, "entry", e->entry);
		json_arr(j, "sections");
		for (size_t i = 0; i < in->nitems; i++) {
			const struct mvb_map_item *it = &in->items[i];
			json_obj(j, NULL);
			json_str(j, "name", it->name);
			json_str(j, "kind", mvb_map_kind_name(it->kind));
			json_hex(j, "address", it->addr);
			json_int(j, "size", it->size);
			json_landing(j, in, it->addr, it->size);
			json_end_obj(j);
		}
		json_end_arr(j);
		return 0;
	}
	char name[64];
	cli_sanitize(in->path, name, sizeof(name));
	printf("app ELF %s on board %s: entry 0x%08x\n  sections:\n", name, in->board.name, e->entry);
	for (size_t i = 0; i < in->nitems; i++) {
		const struct mvb_map_item *it = &in->items[i];
		char parts[512], nm[64];
		int outside;
		landing(&in->board, it->addr, it->size, parts, sizeof(parts), &outside);
		cli_sanitize(it->name, nm, sizeof(nm));
		printf("    %-20s 0x%08x-0x%08x  %8u B  %-6s  %s%s%s\n", nm, it->addr, it->addr + it->size - 1, it->size,
		       mvb_map_kind_name(it->kind), parts, outside && parts[0] ? ", " : "", outside ? "(no partition)" : "");
	}
	return 0;
}

static void periph_names(const struct inspect *in, const uint32_t mask[2], char *out, size_t n)
{
	out[0] = 0;
	for (unsigned i = 0; i < 64; i++) {
		if (!(mask[i / 32] & (1u << (i % 32))))
			continue;
		size_t l = strlen(out);
		if (in->have_board && i < in->board.nper)
			snprintf(out + l, n - l, "%s%s", l ? ", " : "", in->board.per[i].name);
		else
			snprintf(out + l, n - l, "%s#%u", l ? ", " : "", i);
	}
	if (!out[0])
		snprintf(out, n, "none");
}

/* A bundle: what it holds, and, on the board it is for, where its layers
 * land by the device's rule (findings in d). */
static int inspect_bundle(struct inspect *in, const struct mvb_bundle_view *v, size_t len, struct mvb_diags *d)
{
	if (in->have_board && !strcmp(in->board.name, v->m.bm_board))
		mvb_bundle_check_layers(v, &in->board, in->path, d);
	char ver[32], hex[145], abi[16], periph[512];
	uint8_t dg[32];
	cli_version_str(v->m.bm_app_version, ver, sizeof(ver));
	snprintf(abi, sizeof(abi), "%u.%u", v->m.bm_min_abi >> 16, v->m.bm_min_abi & 0xffff);
	mvb_bundle_digest(v, dg);
	periph_names(in, v->m.bm_periph_mask, periph, sizeof(periph));
	unsigned long long built = (unsigned long long)v->m.bm_build_time_hi << 32 | v->m.bm_build_time_lo;
	for (unsigned i = 0; i < v->nl && in->nitems < MVB_MAP_MAX_ITEMS; i++) {
		struct mvb_map_item *it = &in->items[in->nitems++];
		memset(it, 0, sizeof(*it));
		snprintf(it->name, sizeof(it->name), "%s layer", mvb_layer_role_name(v->l[i].bl_role));
		it->addr = v->l[i].bl_target_addr;
		it->size = v->l[i].bl_size;
		it->kind = v->l[i].bl_role == MVB_LAYER_MICROVISOR ? MVB_MAP_LAYER_MV : MVB_MAP_LAYER_APP;
	}
	if (in->json) {
		struct json *j = cli_doc(in->r);
		json_str(j, "kind", "bundle");
		json_str(j, "file", in->path);
		json_int(j, "format", v->h.bh_format);
		json_int(j, "size", (long long)len);
		mvb_hex(dg, 32, hex);
		json_str(j, "digest", hex);
		json_obj(j, "signed_bytes");
		json_int(j, "offset", 0);
		json_int(j, "size", v->h.bh_payload_off);
		json_end_obj(j);
		json_int(j, "chunk_size", v->h.bh_chunk_size);
		json_int(j, "chunks", v->h.bh_chunk_count);
		json_int(j, "payload_offset", v->h.bh_payload_off);
		json_int(j, "payload_size", v->h.bh_payload_size);
		json_obj(j, "manifest");
		json_str(j, "board", v->m.bm_board);
		json_str(j, "app", v->m.bm_app_name);
		json_str(j, "version", ver);
		json_int(j, "security_counter", v->m.bm_security_counter);
		json_str(j, "min_abi", abi);
		json_arr(j, "peripheral_bits");
		for (unsigned i = 0; i < 64; i++)
			if (v->m.bm_periph_mask[i / 32] & (1u << (i % 32)))
				json_int(j, NULL, i);
		json_end_arr(j);
		if (in->have_board) {
			json_arr(j, "peripherals");
			for (unsigned i = 0; i < 64; i++)
				if (v->m.bm_periph_mask[i / 32] & (1u << (i % 32)))
					json_str(j, NULL, i < in->board.nper ? in->board.per[i].name : "?");
			json_end_arr(j);
		} else {
			json_null(j, "peripherals");
		}
		json_arr(j, "irqs");
		for (unsigned i = 0; i < 256; i++)
			if (v->m.bm_irq_mask[i / 32] & (1u << (i % 32)))
				json_int(j, NULL, i);
		json_end_arr(j);
		json_int(j, "build_time", (long long)built);
		json_int(j, "watchdog_ms", v->m.bm_watchdog_ms);
		json_int(j, "update_defer_ms", v->m.bm_update_defer_ms);
		cli_json_confirm(j, v->m.bm_flags, v->m.bm_trial_ms);
		json_end_obj(j);
		json_arr(j, "layers");
		for (unsigned i = 0; i < v->nl; i++) {
			const struct mvb_bundle_layer *l = &v->l[i];
			json_obj(j, NULL);
			cli_json_layer(j, l);
			json_int(j, "offset", (long long)v->h.bh_payload_off + l->bl_payload_off);
			json_int(j, "first_chunk", l->bl_first_chunk);
			json_int(j, "chunks", l->bl_chunk_count);
			mvb_hex(l->bl_sha256, 32, hex);
			json_str(j, "sha256", hex);
			uint32_t ps;
			if (l->bl_encoding == MVB_ENC_DELTA) {
				mvb_hex(l->bl_base_sha256, 32, hex);
				json_str(j, "base_sha256", hex);
			} else {
				json_null(j, "base_sha256");
			}
			if (!mvb_bundle_delta_page(v, i, &ps))
				json_int(j, "page_size", ps);
			else
				json_null(j, "page_size");
			json_landing(j, in, l->bl_target_addr, l->bl_size);
			json_end_obj(j);
		}
		json_end_arr(j);
		json_arr(j, "signatures");
		for (unsigned i = 0; i < v->ns; i++) {
			json_obj(j, NULL);
			mvb_hex(v->s[i].sg_key_id, 8, hex);
			json_str(j, "key_id", hex);
			json_str(j, "algorithm", "ecdsa-p256-sha256");
			json_int(j, "offset", (long long)(v->sigs_off + MVB_BUNDLE_SIGS_SIZE + (size_t)i * MVB_BUNDLE_SIG_SIZE));
			mvb_hex(v->s[i].sg_der, v->s[i].sg_len, hex);
			json_str(j, "der", hex);
			json_end_obj(j);
		}
		json_end_arr(j);
		return d->errors ? MVB_EXIT_FINDINGS : 0;
	}
	char name[64];
	cli_sanitize(in->path, name, sizeof(name));
	printf("bundle %s: format %u, %zu bytes\n", name, v->h.bh_format, len);
	printf("  board %s, app '%s' %s, security counter %u, needs microvisor ABI >= %s\n", v->m.bm_board,
	       v->m.bm_app_name, ver, v->m.bm_security_counter, abi);
	printf("  peripherals: %s\n  IRQs:", periph);
	int any = 0;
	for (unsigned i = 0; i < 256; i++)
		if (v->m.bm_irq_mask[i / 32] & (1u << (i % 32)))
			printf("%s %u", any++ ? "," : "", i);
	printf("%s\n", any ? "" : " none");
	if (v->m.bm_watchdog_ms)
		printf("  watchdog: %u ms\n", v->m.bm_watchdog_ms);
	if (v->m.bm_update_defer_ms)
		printf("  update deferral: up to %u ms\n", v->m.bm_update_defer_ms);
	cli_print_confirm(v->m.bm_flags, v->m.bm_trial_ms, v->m.bm_watchdog_ms);
	if (built)
		printf("  built at %llu (SOURCE_DATE_EPOCH)\n", built);
	printf("  layers:\n");
	for (unsigned i = 0; i < v->nl; i++) {
		const struct mvb_bundle_layer *l = &v->l[i];
		mvb_hex(l->bl_sha256, 32, hex);
		printf("    %-10s 0x%08x-0x%08x  %8u B  %-7s %8u B  %u chunk%s  sha256 %.16s...\n",
		       mvb_layer_role_name(l->bl_role), l->bl_target_addr, l->bl_target_addr + l->bl_size - 1, l->bl_size,
		       mvb_encoding_name(l->bl_encoding), l->bl_encoded_size, l->bl_chunk_count,
		       l->bl_chunk_count == 1 ? "" : "s", hex);
		uint32_t ps;
		if (l->bl_encoding == MVB_ENC_DELTA) {
			mvb_hex(l->bl_base_sha256, 32, hex);
			if (!mvb_bundle_delta_page(v, i, &ps))
				printf("               a delta in pages of %u bytes over the installed image with sha256 %.16s...\n",
				       ps, hex);
			else
				printf("               a delta over the installed image with sha256 %.16s...\n", hex);
		}
	}
	if (in->have_board) {
		printf("  where the layers land on %s:\n", in->board.name);
		for (unsigned i = 0; i < v->nl; i++) {
			char parts[512];
			int outside;
			landing(&in->board, v->l[i].bl_target_addr, v->l[i].bl_size, parts, sizeof(parts), &outside);
			printf("    %-10s %s%s%s\n", mvb_layer_role_name(v->l[i].bl_role), parts, outside && parts[0] ? ", " : "",
			       outside ? "(no partition)" : "");
		}
	}
	mvb_hex(dg, 32, hex);
	printf("  signed bytes: 0x0-0x%x, sha256 %s\n", v->h.bh_payload_off - 1, hex);
	if (!v->ns)
		printf("  signatures: none (unsigned)\n");
	for (unsigned i = 0; i < v->ns; i++) {
		mvb_hex(v->s[i].sg_key_id, 8, hex);
		printf("  signature %u: ECDSA P-256, key id %s\n", i, hex);
	}
	return d->errors ? MVB_EXIT_FINDINGS : 0;
}

/* inspect --format json of a file whose structure is bad: what it was
 * taken for (the finding that stopped the reader follows). */
static void inspect_refused_json(struct inspect *in, const char *kind)
{
	struct json *j = cli_doc(in->r);
	json_str(j, "kind", kind);
	json_str(j, "file", in->path);
}

/* Reads and parses an app ELF for inspect; *data and e are released by the caller. */
static int read_elf(struct cli_run *r, const char *path, unsigned char **data, size_t *len, struct mvb_elf *e)
{
	int rc = cli_read(path, data, len);
	if (rc)
		return rc;
	return cli_status(r, mvb_elf_parse(e, path, *data, *len, &r->diags));
}

int cmd_inspect(struct cli_run *r, int argc, char **argv)
{
	const char *format = "text", *map = NULL, *board = NULL, *elf = NULL;
	const struct opt opts[] = {
		{ 0, "format", OPT_STRING, &format, "text|json", "output format (default text)" },
		{ 0, "map", OPT_STRING, &map, "MAP.svg", "also draw the board's memories to scale, with what lands where, as SVG" },
		{ 'b', "board", OPT_STRING, &board, "NAME|FILE", "board for partitions (default: the bundle's; mps2-an505 for an ELF)" },
		{ 0, "elf", OPT_STRING, &elf, "APP.elf", "with a bundle: the app ELF it was made from, to show its sections" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { "inspect",
				       "inspect FILE [--format text|json] [--map MAP.svg] [--board NAME|FILE] [--elf APP.elf]",
				       "Show what a bundle holds: manifest, grants, layers with their target addresses,\n"
				       "sizes, encodings and hashes, the partitions they land in, and the key ids of\n"
				       "its signatures.  FILE may also be an app ELF: its sections and their partitions.\n"
				       "--map draws flash and RAM to scale: partitions by world, free space, layers\n"
				       "and (from an ELF) the app's sections.",
				       opts, 1, 1 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	static struct inspect in; /* the item table is large; one per process */
	memset(&in, 0, sizeof(in));
	in.r = r;
	in.path = pos[0];
	if ((rc = cli_format("inspect", format, &r->json)))
		return rc;
	in.json = r->json;
	unsigned char *data = NULL, *edata = NULL;
	size_t len = 0, elen = 0;
	struct mvb_elf e;
	memset(&e, 0, sizeof(e));
	if ((rc = cli_read(pos[0], &data, &len)))
		return rc;
	char title[256];
	int misplaced = 0;
	if (len >= 4 && !memcmp(data, "\177ELF", 4)) {
		if (elf) {
			cli_error("inspect: --elf goes with a bundle; '%s' is an ELF already", pos[0]);
			rc = MVB_EXIT_USAGE;
		} else if (!(rc = load_named_board(&in, board ? board : MVB_DEFAULT_BOARD, 1, 1))) {
			int prc = mvb_elf_parse(&e, pos[0], data, len, &r->diags);
			if (in.json && prc && prc != MVB_ENOMEM)
				inspect_refused_json(&in, "elf");
			rc = prc ? cli_status(r, prc) : inspect_elf(&in, &e);
			snprintf(title, sizeof(title), "app ELF %s on board %s", pos[0], in.board.name);
		}
	} else {
		struct mvb_bundle_view v;
		int prc = mvb_bundle_parse(&v, pos[0], data, len, &r->diags);
		if (in.json && prc && prc != MVB_ENOMEM)
			inspect_refused_json(&in, "bundle");
		if (prc)
			rc = MVB_EXIT_FINDINGS;
		else if (!(rc = load_named_board(&in, board ? board : v.m.bm_board, board != NULL, map != NULL))) {
			if (elf && !(rc = read_elf(r, elf, &edata, &elen, &e)))
				in.nitems = mvb_map_elf_items(&e, in.items, MVB_MAP_MAX_ITEMS - MVB_BUNDLE_MAX_LAYERS);
			if (!rc) {
				/* misplaced layers are findings (status 1), and the
				 * map is still drawn: it shows where they land */
				misplaced = inspect_bundle(&in, &v, len, &r->diags) == MVB_EXIT_FINDINGS;
			}
			char ver[32];
			cli_version_str(v.m.bm_app_version, ver, sizeof(ver));
			snprintf(title, sizeof(title), "bundle %s: app '%s' %s on board %s", pos[0], v.m.bm_app_name, ver,
				 in.have_board ? in.board.name : v.m.bm_board);
		}
	}
	if (!rc && map) {
		struct mvb_buf svg = MVB_BUF_INIT;
		if (mvb_map_svg(&in.board, title, in.items, in.nitems, &svg)) {
			cli_error("out of memory");
			rc = MVB_EXIT_IO;
		} else {
			rc = cli_write(map, svg.data, svg.len, 0666);
		}
		mvb_buf_release(&svg);
	}
	if (!rc && misplaced)
		rc = MVB_EXIT_FINDINGS;
	mvb_elf_release(&e);
	if (in.have_board)
		mvb_board_release(&in.board);
	free(data);
	free(edata);
	return rc;
}
