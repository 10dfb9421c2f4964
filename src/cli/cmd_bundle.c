/* cmd_bundle.c - `mvbuild bundle --factory`: check the app, then write the
 * microvisor, the installed-app header and the app as one image. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "mvb/image.h"
#include "mvb/bundle.h"
#include "mvb/delta.h"
#include "mvb/hash.h"
#include "mvb/sbom.h"
#include "sys/sys.h"

static const char *ext_of(const char *path)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	return dot && (!slash || dot > slash) ? dot + 1 : "";
}

/* 1 when path is one of mvbuild's prebuilt microvisors for board: its
 * version is then the one the firmware sources mvbuild was built with
 * give (scripts/check-prebuilt.sh proves they built it). */
static int is_prebuilt(const char *path, const char *board)
{
	char dir[PATH_MAX], want[PATH_MAX + 64], *real = realpath(path, NULL);
	snprintf(dir, sizeof(dir), "%s/firmware/prebuilt/%s", sys_data_dir(), board);
	char *rdir = realpath(dir, NULL);
	int yes = 0;
	if (real && rdir) {
		snprintf(want, sizeof(want), "%s/", rdir);
		yes = !strncmp(real, want, strlen(want)) && !strchr(real + strlen(want), '/');
	}
	free(real);
	free(rdir);
	return yes;
}

/* What --format json prints: the file written (NULL when nothing was:
 * then the findings say why) and, for an update bundle, its view. */
struct bundle_result {
	const char *out, *kind; /* "bundle" or "factory" */
	const unsigned char *data;
	size_t len;
	const struct mvb_bundle_view *v;
	const struct mvb_key *signer;
	size_t mv_bytes, app_bytes;
	const char *sbom; /* the SBOM written, or NULL */
	const char *debug_key_id; /* factory: the debug key provisioned (hex), or NULL */
};

static void bundle_json(struct cli_run *run, const struct bundle_result *res)
{
	struct json *j = cli_doc(run);
	char hex[65];
	json_bool(j, "ok", res->data != NULL && !run->diags.errors);
	json_str(j, "kind", res->kind);
	if (res->data) {
		uint8_t h[32];
		json_str(j, "output", res->out);
		json_int(j, "size", (long long)res->len);
		mvb_sha256(res->data, res->len, h);
		mvb_hex(h, 32, hex);
		json_str(j, "sha256", hex);
		if (!res->v) { /* factory: the bytes of each part */
			json_int(j, "microvisor_bytes", (long long)res->mv_bytes);
			json_int(j, "app_header_bytes", MVB_APPHDR_SIZE);
			json_int(j, "app_bytes", (long long)res->app_bytes);
			if (res->debug_key_id)
				json_str(j, "debug_key_id", res->debug_key_id);
			else
				json_null(j, "debug_key_id");
		} else {
			json_bool(j, "signed", res->signer != NULL);
			if (res->signer) {
				uint8_t id[8];
				mvb_key_id(res->signer, id);
				mvb_hex(id, 8, hex);
				json_str(j, "key_id", hex);
			} else {
				json_null(j, "key_id");
			}
			cli_json_bundle(j, res->v);
			json_str(j, "sbom", res->sbom);
		}
	} else {
		json_null(j, "output");
	}
}

/* What the SBOM says beyond the bundle itself (bundle --sbom). */
struct sbom_in {
	const char *path; /* NULL: no SBOM */
	const unsigned char *mv_elf;
	size_t mv_elf_len;
	int prebuilt; /* the microvisor is one of mvbuild's prebuilt images */
};

/* The SBOM of the bundle final (bytes just written to out) into sb->path. */
static int write_sbom(const struct check_run *r, const struct sbom_in *sb, const struct mvb_bundle_view *fv)
{
	struct mvb_sbom *s = malloc(sizeof(*s));
	struct mvb_buf doc = MVB_BUF_INIT;
	if (!s) {
		cli_error("out of memory");
		return MVB_EXIT_IO;
	}
	mvb_sbom_from_bundle(s, fv);
	s->tool_version = MVB_VERSION_STRING;
	s->appl.have_elf = s->mv.have_elf = 1;
	mvb_sha256(r->elf_data, r->elf_len, s->appl.elf_sha256);
	mvb_sha256(sb->mv_elf, sb->mv_elf_len, s->mv.elf_sha256);
	mvb_sbom_elf_tools(s, &r->elf);
	if (sb->prebuilt) {
		s->have_mv_version = 1;
		s->mv_version = mvb_sbom_prebuilt_version();
	}
	if (r->have_api) {
		s->have_mv_abi = 1;
		s->mv_abi = r->api.abi;
	}
	int rc = 0;
	if (mvb_sbom_write(s, &doc)) {
		cli_error("out of memory");
		rc = MVB_EXIT_IO;
	} else {
		rc = cli_write(sb->path, doc.data, doc.len, 0666);
	}
	mvb_buf_release(&doc);
	free(s);
	return rc;
}

/* The update bundle: microvisor and app layers, signed when a key is given. */
static int write_bundle(struct cli_run *run, struct check_run *r, const char *mvpath, const struct mvb_elf *mve,
			const struct mvb_buf *app_image, const struct mvb_key *signer, const char *out,
			const struct mvb_bundle_view *base, const char *basepath, const struct sbom_in *sb, int no_revert)
{
	struct mvb_bundle_spec s;
	memset(&s, 0, sizeof(s));
	s.base = base;
	s.no_revert = no_revert;
	s.chunk_size = mvb_bundle_board_chunk(&r->board);
	struct mvb_bundle_manifest *m = &s.manifest;
	snprintf(m->bm_board, sizeof(m->bm_board), "%s", r->board.name);
	/* without a manifest r->app is zero but still carries --version and
	 * --security-counter */
	memcpy(m->bm_app_name, r->app.name, strnlen(r->app.name, sizeof(m->bm_app_name) - 1));
	m->bm_app_version = MVB_VERSION_PACK(r->app.major, r->app.minor, r->app.patch);
	m->bm_security_counter = r->app.security_counter;
	m->bm_min_abi = r->out.min_abi;
	memcpy(m->bm_periph_mask, r->out.grant.periph_mask, sizeof(m->bm_periph_mask));
	memcpy(m->bm_irq_mask, r->out.grant.irq_mask, sizeof(m->bm_irq_mask));
	m->bm_watchdog_ms = r->app.watchdog_ms;
	m->bm_update_defer_ms = r->app.update_defer_ms;
	m->bm_flags = r->app.confirm_flags;
	m->bm_trial_ms = r->app.trial_ms;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde) {
		char *end;
		unsigned long long t = strtoull(sde, &end, 10);
		if (*end) {
			cli_error("bundle: SOURCE_DATE_EPOCH '%s' is not a number", sde);
			return MVB_EXIT_USAGE;
		}
		m->bm_build_time_lo = (uint32_t)t;
		m->bm_build_time_hi = (uint32_t)(t >> 32);
	}
	struct mvb_build_report rep;
	s.report = &rep;
	struct mvb_buf mvimg = MVB_BUF_INIT, b = MVB_BUF_INIT, signed_b = MVB_BUF_INIT;
	uint32_t mvbase = 0;
	int rc = 0;
	if (mvb_elf_flat(mve, 16u << 20, &mvbase, &mvimg)) {
		struct mvb_diags d = MVB_DIAGS_INIT;
		cli_report_file(&d, mvpath, MVB_CK_IMAGE_LIMIT,
				"the microvisor image spans more than 16 MiB");
		cli_take(run, &d);
		rc = MVB_EXIT_FINDINGS;
		goto done;
	}
	if (base) { /* delta layers go in pages of the board's erase size */
		struct mvb_diags d = MVB_DIAGS_INIT;
		if (mvb_delta_board_page(&r->board, &s.delta_page_size, &d) ||
		    mvb_bundle_base_check(base, basepath, s.delta_page_size, &d))
			rc = MVB_EXIT_FINDINGS;
		cli_take(run, &d);
		if (rc)
			goto done;
	}
	const struct mvb_partition *fp = mvb_board_role(&r->board, MVB_ROLE_APP_CODE);
	s.layer[0] = (struct mvb_bundle_in_layer){ MVB_LAYER_MICROVISOR, mvbase, mvimg.data, (uint32_t)mvimg.len };
	s.layer[1] = (struct mvb_bundle_in_layer){ MVB_LAYER_APP, mvb_partition_ns_base(&r->board, fp), app_image->data,
						   (uint32_t)app_image->len };
	s.nlayers = 2;
	s.allow_deflate = 1;
	s.threads = sys_cpu_count(); /* the bytes do not depend on it */
	if (mvb_bundle_build(&s, &b)) {
		cli_error("bundle: cannot lay out the bundle");
		rc = MVB_EXIT_INTERNAL;
		goto done;
	}
	const struct mvb_buf *final = &b;
	if (signer) {
		struct mvb_bundle_view v;
		struct mvb_diags d = MVB_DIAGS_INIT;
		struct mvb_bundle_sig sig;
		if (mvb_bundle_parse(&v, out, b.data, b.len, &d))
			MVB_BUG("mvbuild wrote a bundle it cannot read");
		mvb_diags_release(&d);
		if ((rc = cli_sign_view(&v, signer, &sig)))
			goto done;
		if (mvb_bundle_with_sigs(&v, &sig, 1, &signed_b)) {
			rc = MVB_EXIT_INTERNAL;
			goto done;
		}
		final = &signed_b;
	}
	struct mvb_bundle_view fv;
	struct mvb_diags fd = MVB_DIAGS_INIT;
	if (mvb_bundle_parse(&fv, out, final->data, final->len, &fd))
		MVB_BUG("mvbuild wrote a bundle it cannot read");
	mvb_diags_release(&fd);
	/* the SBOM first: a bundle is not left without the SBOM asked for */
	if (sb->path && (rc = write_sbom(r, sb, &fv)))
		goto done;
	if (!(rc = cli_write(out, final->data, final->len, 0666))) {
		if (base)
			cli_note_layers(&rep, out);
		/* what the device keeps: the revert layer, and the replaced app's
		 * header in one erase page */
		const struct mvb_partition *rp = mvb_board_role(&r->board, MVB_ROLE_REVERT);
		uint32_t keep = rp ? rp->size - r->board.mem[rp->memory].erase_size : 0;
		if (base && rep.revert_why == MVB_WHY_DELTA && !rp)
			fprintf(stderr, "mvbuild: note: %s: board '%s' has no revert partition: a device cannot undo this "
					"release by itself\n",
				out, r->board.name);
		else if (base && rep.revert_why == MVB_WHY_DELTA && rep.revert_size > keep)
			fprintf(stderr, "mvbuild: note: %s: the revert layer (%u bytes) is larger than the %u bytes the "
					"revert partition '%s' keeps: a device cannot undo this release by itself\n",
				out, rep.revert_size, keep, rp->name);
		if (run->json) {
			struct bundle_result res = { out, "bundle", final->data, final->len, &fv, signer, mvimg.len,
						     app_image->len, sb->path, NULL };
			bundle_json(run, &res);
		} else {
			fprintf(stderr, "mvbuild: wrote %s: %zu bytes, microvisor %zu B + app %zu B, %s%s%s\n", out,
				final->len, mvimg.len, app_image->len, signer ? "signed" : "unsigned",
				sb->path ? "; SBOM " : "", sb->path ? sb->path : "");
			if (!base && !no_revert)
				fprintf(stderr, "mvbuild: note: %s: no revert layer (no --base): a device cannot undo this "
						"release by itself\n",
					out);
		}
	} else if (sb->path) {
		unlink(sb->path); /* no SBOM of a bundle that was not written */
	}
done:
	mvb_buf_release(&mvimg);
	mvb_buf_release(&b);
	mvb_buf_release(&signed_b);
	return rc;
}

/* The provisioning record's debug key (pv_debug) from path: its key id,
 * then X || Y, as a trust anchor is kept.  A key that is also one of the
 * n anchors is allowed but said: whoever may debug the device could then
 * also sign its updates. */
static int debug_key(struct cli_run *run, const char *path, uint8_t out[MVB_PROV_ANCHOR_SIZE],
		     const uint8_t (*ids)[8], unsigned n)
{
	struct mvb_key *k;
	int rc = cli_load_public_key(run, path, &k);
	if (rc)
		return rc;
	uint8_t pt[65];
	mvb_key_point(k, pt);
	mvb_key_id(k, out);
	memcpy(out + 8, pt + 1, 64);
	mvb_key_free(k);
	for (unsigned i = 0; i < n; i++)
		if (!memcmp(ids[i], out, 8)) {
			char hex[17];
			mvb_hex(out, 8, hex);
			cli_warning("bundle: --trust-debug '%s' (key %s) is also a --trust anchor: whoever may debug "
				    "the device may also sign its updates; give it a key of its own",
				    path, hex);
		}
	return 0;
}

int cmd_bundle(struct cli_run *run, int argc, char **argv)
{
	const char *board = MVB_DEFAULT_BOARD, *app = NULL, *out = NULL, *mv = NULL, *api = NULL, *key = NULL, *base = NULL,
		   *version = NULL, *format = "text", *trust = NULL, *serial = NULL, *sbom = NULL,
		   *trust_debug = NULL;
	int factory = 0, unsigned_ = 0, no_revert = 0;
	unsigned long counter = (unsigned long)-1, pass_fd = (unsigned long)-1;
	const struct opt opts[] = {
		{ 'b', "board", OPT_STRING, &board, "NAME|FILE", "board name or manifest path (default mps2-an505)" },
		{ 'a', "app", OPT_STRING, &app, "FILE", "app manifest (default: the one embedded in the ELF)" },
		{ 0, "sign", OPT_STRING, &key, "KEY.pem", "sign the bundle with this private key" },
		{ 0, "unsigned", OPT_FLAG, &unsigned_, NULL, "write an unsigned bundle (sign it later with 'mvbuild sign')" },
		{ 0, "version", OPT_STRING, &version, "X.Y.Z", "app version (default: the app manifest's)" },
		{ 0, "security-counter", OPT_UINT, &counter, "N", "anti-rollback counter (default: the app manifest's)" },
		{ 0, "passphrase-fd", OPT_UINT, &pass_fd, "N", "read the key's passphrase from file descriptor N" },
		{ 0, "factory", OPT_FLAG, &factory, NULL, "write a factory image (.elf, .hex or .bin by the name of OUT)" },
		{ 0, "trust", OPT_STRING, &trust, "PUB.pem[,PUB.pem]", "factory: provision these public keys as the device's trust anchors (at most 4)" },
		{ 0, "trust-debug", OPT_STRING, &trust_debug, "DEBUG.pub.pem", "factory, with --trust: provision this public key as the one debug key the device trusts (mvbuild-link(5), AUTH)" },
		{ 0, "serial", OPT_STRING, &serial, "TEXT", "factory: provision this serial number (at most 31 characters)" },
		{ 0, "microvisor", OPT_STRING, &mv, "ELF", "microvisor image (default: the board's prebuilt firmware)" },
		{ 0, "api", OPT_STRING, &api, "FILE", "secure entry table (default: the board's prebuilt firmware)" },
		{ 'o', "output", OPT_STRING, &out, "OUT", "output file" },
		{ 0, "base", OPT_STRING, &base, "OLD.mvb", "encode each layer as a delta from OLD.mvb's layer when smaller, and add a revert layer back to OLD.mvb's app" },
		{ 0, "no-revert", OPT_FLAG, &no_revert, NULL, "no revert layer: a device cannot undo this release by itself" },
		{ 0, "sbom", OPT_STRING, &sbom, "FILE", "also write the bundle's software bill of materials (CycloneDX 1.5 JSON)" },
		{ 0, "format", OPT_STRING, &format, "text|json", "output format: json prints a summary on standard output (default text)" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { "bundle",
				       "bundle APP.elf (--sign KEY.pem | --unsigned | --factory [--trust PUB.pem[,PUB.pem]] [--trust-debug DEBUG.pub.pem] [--serial TEXT]) -o OUT [--board NAME|FILE] [--app FILE] [--version X.Y.Z] [--security-counter N] [--microvisor ELF] [--api FILE] [--base OLD.mvb] [--no-revert] [--sbom FILE] [--format text|json]",
				       "Check the app, then link it with the board's microvisor: into a signed update\n"
				       "bundle (mvbuild-bundle(5)), or with --factory into one image holding the\n"
				       "microvisor, the installed-app header and the app, for a programmer or QEMU.\n"
				       "Identical inputs give identical bytes (SOURCE_DATE_EPOCH is recorded if set).",
				       opts, 1, 1 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	if (factory + unsigned_ + (key != NULL) != 1) {
		cli_error("bundle: choose one of --sign KEY.pem, --unsigned or --factory");
		return MVB_EXIT_USAGE;
	}
	if (!out) {
		cli_error("bundle: -o OUT is required");
		return MVB_EXIT_USAGE;
	}
	if (sbom && factory) {
		cli_error("bundle: --sbom describes an update bundle; a factory image has none");
		return MVB_EXIT_USAGE;
	}
	if (sbom && (!strcmp(sbom, out) || !strcmp(sbom, "-"))) {
		cli_error("bundle: --sbom needs a file of its own, not '%s'", sbom);
		return MVB_EXIT_USAGE;
	}
	if (!factory && (trust || serial || trust_debug)) {
		cli_error("bundle: --trust, --trust-debug and --serial provision a factory image: give --factory");
		return MVB_EXIT_USAGE;
	}
	if (trust_debug && !trust) {
		/* the microvisor takes nothing but the serial from a record without anchors */
		cli_error("bundle: --trust-debug needs --trust: a device with no trust anchor trusts no debug key either");
		return MVB_EXIT_USAGE;
	}
	if (serial && strlen(serial) >= MVB_PROV_SERIAL_MAX) {
		cli_error("bundle: --serial is longer than %u characters", MVB_PROV_SERIAL_MAX - 1);
		return MVB_EXIT_USAGE;
	}
	for (const char *s = serial; s && *s; s++)
		if (*s < 0x21 || *s > 0x7e || *s == '{' || *s == '|' || *s == '}') {
			/* the console prints it inside a message token (msg.h) */
			cli_error("bundle: --serial may hold printable characters only, no spaces, '{', '|' or '}'");
			return MVB_EXIT_USAGE;
		}
	if ((rc = cli_format("bundle", format, &run->json)))
		return rc;
	if (run->json && !strcmp(out, "-")) {
		cli_error("bundle: --format json prints on standard output; give -o a file");
		return MVB_EXIT_USAGE;
	}
	unsigned vma = 0, vmi = 0, vpa = 0;
	if (version && mvb_version_parse(version, &vma, &vmi, &vpa)) {
		cli_error("bundle: --version '%s' is not MAJOR.MINOR.PATCH", version);
		return MVB_EXIT_USAGE;
	}
	struct mvb_key *signer = NULL;
	if (key && (rc = cli_load_signing_key(run, key, pass_fd == (unsigned long)-1 ? -1 : (int)pass_fd, &signer)))
		return rc;
	const char *ext = ext_of(out);
	if (factory && strcmp(ext, "elf") && strcmp(ext, "hex") && strcmp(ext, "bin")) {
		cli_error("bundle: OUT must end in .elf, .hex or .bin, not '%s'", out);
		return MVB_EXIT_USAGE;
	}
	struct check_run r;
	rc = check_run_exec(&r, pos[0], board, app, api);
	cli_take(run, &r.diags); /* with no error, warnings (with json, in its findings) */
	if (rc >= 0 || run->diags.errors) {
		mvb_key_free(signer);
		if (run->json && (rc < 0 || rc == MVB_EXIT_FINDINGS)) {
			struct bundle_result res = { out, factory ? "factory" : "bundle", NULL, 0, NULL, NULL, 0, 0, NULL, NULL };
			bundle_json(run, &res);
			check_run_release(&r);
			return MVB_EXIT_FINDINGS;
		}
		cli_show(run);
		if (rc < 0) {
			cli_error("bundle: '%s' has %u error%s; fix them first ('mvbuild check' lists them)", pos[0],
				  run->diags.errors, run->diags.errors == 1 ? "" : "s");
			rc = MVB_EXIT_FINDINGS;
		}
		check_run_release(&r);
		return rc;
	}
	cli_show(run);

	char mvpath[PATH_MAX];
	if (mv)
		snprintf(mvpath, sizeof(mvpath), "%s", mv);
	else
		snprintf(mvpath, sizeof(mvpath), "%s/firmware/prebuilt/%s/microvisor.elf", sys_data_dir(), r.board.name);
	unsigned char *mvdata = NULL;
	size_t mvlen = 0;
	struct mvb_elf mve;
	struct mvb_buf image = MVB_BUF_INIT, file = MVB_BUF_INIT;
	struct mvb_diags d2 = MVB_DIAGS_INIT;
	struct mvb_buf mvflat = MVB_BUF_INIT;
	memset(&mve, 0, sizeof(mve));
	if ((rc = cli_read(mvpath, &mvdata, &mvlen)))
		goto out;
	if ((rc = mvb_elf_parse(&mve, mvpath, mvdata, mvlen, &d2))) {
		rc = cli_status(run, rc);
		goto out;
	}
	if (mvb_app_image(&r.elf, &r.board, &image)) {
		cli_error("bundle: cannot lay out the app image");
		rc = MVB_EXIT_INTERNAL;
		goto out;
	}
	const struct mvb_partition *hp = mvb_board_role(&r.board, MVB_ROLE_APP_HEADER);
	const struct mvb_partition *fp = mvb_board_role(&r.board, MVB_ROLE_APP_CODE);
	if (version) {
		r.app.major = vma;
		r.app.minor = vmi;
		r.app.patch = vpa;
	}
	if (counter != (unsigned long)-1)
		r.app.security_counter = (uint32_t)counter;
	if (!factory) {
		unsigned char *bdata = NULL;
		size_t blen;
		struct mvb_bundle_view bv;
		if (base && (rc = cli_load_bundle(run, base, &bdata, &blen, &bv)))
			goto out;
		struct sbom_in sb = { sbom, mvdata, mvlen, mv == NULL || is_prebuilt(mvpath, r.board.name) };
		rc = write_bundle(run, &r, mvpath, &mve, &image, signer, out, base ? &bv : NULL, base, &sb, no_revert);
		free(bdata);
		goto out;
	}
	struct mvb_app_header h;
	unsigned char hbytes[MVB_APPHDR_SIZE];
	mvb_apphdr_build(&h, r.have_app ? &r.app : NULL, &r.out.grant, r.out.min_abi, mvb_partition_ns_base(&r.board, fp),
			 image.data, (uint32_t)image.len);
	mvb_apphdr_encode(&h, hbytes);
	struct mvb_image img;
	memset(&img, 0, sizeof(img));
	/* the microvisor as one piece, gaps filled as in a bundle's layer: the
	 * device compares a bundle's microvisor layer with these bytes */
	uint32_t mvflat_base = 0;
	if (mvb_elf_flat(&mve, 16u << 20, &mvflat_base, &mvflat)) {
		cli_report_file(&d2, mvpath, MVB_CK_IMAGE_LIMIT, "the microvisor image spans more than 16 MiB");
		rc = MVB_EXIT_FINDINGS;
		goto out;
	}
	rc = mvb_image_add(&img, mvflat_base, mvflat.data, (uint32_t)mvflat.len, "microvisor");
	unsigned char prov[MVB_PROV_SIZE];
	unsigned nanchors = 0;
	uint8_t debug[MVB_PROV_ANCHOR_SIZE];
	char debug_hex[17] = "";
	if (trust || serial || trust_debug) {
		const struct mvb_partition *sp = NULL;
		for (size_t i = 0; i < r.board.npart; i++)
			if (r.board.part[i].role == MVB_ROLE_DEVICE_STATE)
				sp = &r.board.part[i];
		if (!sp) {
			cli_error("bundle: board '%s' has no device-state partition to provision", r.board.name);
			rc = MVB_EXIT_USAGE;
			goto out;
		}
		struct mvb_key *keys[CLI_MAX_KEYS];
		if ((rc = cli_load_public_keys(run, trust, keys, &nanchors)))
			goto out;
		uint8_t ids[CLI_MAX_KEYS][8], points[CLI_MAX_KEYS][64];
		int bad = nanchors > MVB_PROV_ANCHORS_MAX;
		for (unsigned i = 0; i < nanchors && !bad; i++) {
			uint8_t pt[65];
			if (!mvb_key_is_p256(keys[i])) {
				bad = 1;
				break;
			}
			mvb_key_point(keys[i], pt);
			memcpy(points[i], pt + 1, 64);
			mvb_key_id(keys[i], ids[i]);
		}
		cli_free_keys(keys, &(unsigned){ nanchors });
		if (trust_debug && (rc = debug_key(run, trust_debug, debug, ids, bad ? 0 : nanchors)))
			goto out;
		if (trust_debug)
			mvb_hex(debug, 8, debug_hex);
		if (bad || mvb_provision_encode(prov, (const uint8_t(*)[8])ids, (const uint8_t(*)[64])points, nanchors,
						serial, r.app.name, trust_debug ? debug : NULL)) {
			cli_error("bundle: --trust takes at most %u P-256 public keys", MVB_PROV_ANCHORS_MAX);
			rc = MVB_EXIT_USAGE;
			goto out;
		}
		rc = mvb_image_add(&img, mvb_partition_base(&r.board, sp), prov, sizeof(prov), "provisioning record");
	}
	rc |= mvb_image_add(&img, mvb_partition_base(&r.board, hp), hbytes, sizeof(hbytes), "app header");
	rc |= mvb_image_add(&img, mvb_partition_ns_base(&r.board, fp), image.data, (uint32_t)image.len, "app");
	if (rc) {
		cli_report_file(&d2, mvpath, MVB_CK_IMAGE_LIMIT, "the factory image has too many separate pieces");
		rc = MVB_EXIT_FINDINGS;
		goto out;
	}
	if (mvb_image_check(&img, &r.board, &d2)) {
		rc = MVB_EXIT_FINDINGS;
		goto out;
	}
	if (!strcmp(ext, "elf"))
		rc = mvb_image_write_elf(&img, mve.entry, &file);
	else if (!strcmp(ext, "hex"))
		rc = mvb_image_write_ihex(&img, &file);
	else if (mvb_image_write_bin(&img, &r.board, &file, &d2)) {
		rc = MVB_EXIT_FINDINGS;
		goto out;
	}
	if (rc) {
		cli_error("out of memory");
		rc = MVB_EXIT_IO;
		goto out;
	}
	if (!(rc = cli_write(out, file.data, file.len, 0666))) {
		size_t mvbytes = 0;
		for (size_t i = 0; i < mve.nseg; i++)
			mvbytes += mve.seg[i].filesz;
		if (run->json) {
			struct bundle_result res = { out,  "factory", file.data, file.len, NULL, NULL, mvbytes, image.len,
						     NULL, debug_hex[0] ? debug_hex : NULL };
			bundle_json(run, &res);
		} else {
			fprintf(stderr, "mvbuild: wrote %s: microvisor %zu B, app header %u B, app %zu B", out, mvbytes,
				MVB_APPHDR_SIZE, image.len);
			if (trust || serial || trust_debug)
				fprintf(stderr, ", provisioning record: %u trust anchor%s%s%s%s%s", nanchors,
					nanchors == 1 ? "" : "s", serial ? ", serial " : "", serial ? serial : "",
					trust_debug ? ", debug key " : "", debug_hex);
			fprintf(stderr, "\n");
		}
	}
out:
	cli_take(run, &d2);
	mvb_elf_release(&mve);
	free(mvdata);
	mvb_buf_release(&image);
	mvb_buf_release(&file);
	mvb_buf_release(&mvflat);
	check_run_release(&r);
	mvb_key_free(signer);
	return rc;
}
