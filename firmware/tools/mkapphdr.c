/*
 * mkapphdr.c - test tooling: write the installed-app header (struct
 * mvb_app_header) for an app image, so the QEMU tests can boot apps before
 * 'mvbuild bundle' exists.  Uses the microvisor core's own SHA-256 and
 * CRC-32 and the board's generated peripheral table; reads only the flat
 * subset of app.yaml that the app template writes (name, version,
 * security-counter, peripherals: [..], irqs: [..]).  Not a product tool.
 *
 *   mkapphdr --manifest app.yaml --image app.bin -o hdr.bin
 *            [--addr 0xADDR] [--min-abi MAJOR.MINOR] [--watchdog MS]
 *            [--size N] [--magic N] [--format N] [--flags N] [--trial MS]
 *
 * The last five write wrong values on purpose (with a valid CRC), for the
 * tests of the microvisor's header checks; --flags and --trial also write
 * right ones (ah_flags, ah_trial_ms: how an installed release on trial is
 * confirmed; a header written here is never on trial, which only an
 * install starts).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mv/core.h"
#include "mv/mv_api.h"
#include "mv_board.h"

static const char *const periph_names[MVB_PERIPH_COUNT] = {
#define MV_NAME(name, index, s_base, ns_base, size, owner, gate_reg, gate_bit) [(index)] = #name,
    MVB_PERIPH_TABLE(MV_NAME)
#undef MV_NAME
};

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "mkapphdr: error: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL)
		die("cannot open '%s'", path);
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			buf = realloc(buf, cap + 1);
			if (buf == NULL)
				die("out of memory reading '%s'", path);
		}
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		die("cannot read '%s'", path);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);

	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static uint32_t parse_u32(const char *s, const char *what)
{
	char *end;

	errno = 0;
	unsigned long v = strtoul(s, &end, 0);

	if (errno != 0 || end == s || *trim(end) != '\0' || v > 0xffffffffUL)
		die("bad number for %s", what);
	return (uint32_t)v;
}

static void set_bit(uint32_t *words, uint32_t n)
{
	words[n / 32u] |= 1u << (n % 32u);
}

/* "[a, b, c]": peripheral names or IRQ numbers. */
static void parse_list(char *v, struct mvb_app_header *h, int irqs)
{
	size_t n = strlen(v);

	if (n < 2 || v[0] != '[' || v[n - 1] != ']')
		die("expected a [flow, list], got '%s'", v);
	v[n - 1] = '\0';
	for (char *item = strtok(v + 1, ","); item != NULL; item = strtok(NULL, ",")) {
		item = trim(item);
		if (*item == '\0')
			continue;
		if (irqs) {
			uint32_t irq = parse_u32(item, "irqs");

			if (irq >= 32u * MVB_APPHDR_IRQ_WORDS)
				die("irq %s does not fit the header", item);
			set_bit(h->ah_irq_mask, irq);
			continue;
		}
		uint32_t i;

		for (i = 0; i < MVB_PERIPH_COUNT; i++)
			if (strcmp(periph_names[i], item) == 0)
				break;
		if (i == MVB_PERIPH_COUNT)
			die("board has no peripheral '%s'", item);
		set_bit(h->ah_periph_mask, i);
	}
}

static void parse_line(char *line, struct mvb_app_header *h, int *have_name)
{
	char *hash = strchr(line, '#');

	if (hash != NULL)
		*hash = '\0';
	/* Top-level "key: value" only; the template writes nothing else. */
	char *colon = strchr(line, ':');

	if (colon == NULL || line[0] == ' ' || line[0] == '\t')
		return;
	*colon = '\0';
	char *key = trim(line), *val = trim(colon + 1);

	if (strcmp(key, "name") == 0) {
		if (strlen(val) >= MVB_APPHDR_NAME_MAX)
			die("name '%s' too long", val);
		memcpy(h->ah_name, val, strlen(val));
		*have_name = 1;
	} else if (strcmp(key, "version") == 0) {
		unsigned ma, mi, pa;

		if (sscanf(val, "%u.%u.%u", &ma, &mi, &pa) != 3 || ma > 255 || mi > 255 || pa > 65535)
			die("bad version '%s'", val);
		h->ah_app_version = MVB_VERSION_PACK(ma, mi, pa);
	} else if (strcmp(key, "security-counter") == 0) {
		h->ah_security_counter = parse_u32(val, "security-counter");
	} else if (strcmp(key, "watchdog") == 0) {
		uint32_t ms = 0;
		char *end;
		unsigned long v = strtoul(val, &end, 10);

		if (end == val || v > 3600000ul)
			die("bad watchdog '%s'", val);
		ms = (uint32_t)v;
		if (strcmp(end, "s") == 0)
			ms *= 1000u;
		else if (strcmp(end, "ms") != 0)
			die("bad watchdog '%s'", val);
		h->ah_watchdog_ms = ms;
	} else if (strcmp(key, "peripherals") == 0) {
		parse_list(val, h, 0);
	} else if (strcmp(key, "irqs") == 0) {
		parse_list(val, h, 1);
	}
}

static void parse_manifest(const char *text, struct mvb_app_header *h)
{
	int have_name = 0;

	while (*text != '\0') {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		char line[512];

		if (n >= sizeof line)
			die("manifest line too long: '%.40s'", text);
		memcpy(line, text, n);
		line[n] = '\0';
		parse_line(line, h, &have_name);
		text += n + (nl ? 1 : 0);
	}
	if (!have_name)
		die("manifest has no '%s'", "name");
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

int main(int argc, char **argv)
{
	const char *manifest = NULL, *image = NULL, *out = NULL;
	uint32_t addr = MVB_PART_APP_FLASH_NS_BASE, abi = MV_ABI, size_override = 0;
	uint32_t magic = MVB_APPHDR_MAGIC, format = MVB_APPHDR_FORMAT, flags = 0;
	int have_size = 0, have_wd = 0;
	uint32_t wd_override = 0, trial = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (i + 1 >= argc)
			die("option '%s' needs a value", a);
		const char *v = argv[++i];

		if (strcmp(a, "--manifest") == 0) {
			manifest = v;
		} else if (strcmp(a, "--image") == 0) {
			image = v;
		} else if (strcmp(a, "-o") == 0) {
			out = v;
		} else if (strcmp(a, "--addr") == 0) {
			addr = parse_u32(v, "--addr");
		} else if (strcmp(a, "--size") == 0) {
			size_override = parse_u32(v, "--size");
			have_size = 1;
		} else if (strcmp(a, "--magic") == 0) {
			magic = parse_u32(v, "--magic");
		} else if (strcmp(a, "--format") == 0) {
			format = parse_u32(v, "--format");
			if (format > 0xffffu)
				die("--format %s does not fit 16 bits", v);
		} else if (strcmp(a, "--watchdog") == 0) {
			wd_override = parse_u32(v, "--watchdog"); /* ms, unchecked: tests of the range check */
			have_wd = 1;
		} else if (strcmp(a, "--flags") == 0) {
			flags = parse_u32(v, "--flags");
		} else if (strcmp(a, "--trial") == 0) {
			trial = parse_u32(v, "--trial"); /* ms, unchecked: tests of the range check */
		} else if (strcmp(a, "--min-abi") == 0) {
			unsigned ma, mi;

			if (sscanf(v, "%u.%u", &ma, &mi) != 2 || ma > 0xffff || mi > 0xffff)
				die("bad --min-abi '%s'", v);
			abi = MVB_ABI_PACK(ma, mi);
		} else {
			die("unknown option '%s'", a);
		}
	}
	if (manifest == NULL || image == NULL || out == NULL) {
		fprintf(stderr, "usage: mkapphdr --manifest app.yaml --image app.bin -o hdr.bin "
		                "[--addr A] [--min-abi M.m] [--size N] [--magic N] [--format N] [--flags N] "
		                "[--watchdog MS] [--trial MS]\n");
		return 2;
	}

	size_t mlen, ilen;
	char *text = (char *)read_file(manifest, &mlen);
	unsigned char *img = read_file(image, &ilen);
	struct mvb_app_header h;

	if (ilen > 0xffffffffu)
		die("image '%s' too large", image);
	memset(&h, 0, sizeof h);
	parse_manifest(text, &h);
	h.ah_magic = magic;
	h.ah_format = (uint16_t)format;
	h.ah_flags = flags;
	h.ah_trial_ms = trial;
	if (have_wd)
		h.ah_watchdog_ms = wd_override;
	h.ah_size = MVB_APPHDR_SIZE;
	h.ah_min_abi = abi;
	h.ah_image_addr = addr;
	/* --size lies about the image (tests of the range check); the hash
	 * still covers the real bytes. */
	h.ah_image_size = have_size ? size_override : (uint32_t)ilen;

	struct mv_sha256 c;

	mv_sha256_init(&c);
	mv_sha256_update(&c, img, (uint32_t)ilen);
	mv_sha256_final(&c, h.ah_image_sha256);

	/* Serialise field by field, little-endian, whatever the host. */
	unsigned char b[MVB_APPHDR_SIZE];

	memset(b, 0, sizeof b);
	put_le32(b + 0x00, h.ah_magic);
	b[0x04] = (unsigned char)h.ah_format;
	b[0x05] = (unsigned char)(h.ah_format >> 8);
	b[0x06] = (unsigned char)h.ah_size;
	b[0x07] = (unsigned char)(h.ah_size >> 8);
	put_le32(b + 0x08, h.ah_app_version);
	put_le32(b + 0x0c, h.ah_security_counter);
	put_le32(b + 0x10, h.ah_min_abi);
	put_le32(b + 0x14, h.ah_image_addr);
	put_le32(b + 0x18, h.ah_image_size);
	put_le32(b + 0x1c, h.ah_flags);
	for (unsigned i = 0; i < MVB_APPHDR_PERIPH_WORDS; i++)
		put_le32(b + 0x20 + 4 * i, h.ah_periph_mask[i]);
	for (unsigned i = 0; i < MVB_APPHDR_IRQ_WORDS; i++)
		put_le32(b + 0x28 + 4 * i, h.ah_irq_mask[i]);
	memcpy(b + 0x48, h.ah_image_sha256, 32);
	memcpy(b + 0x68, h.ah_name, MVB_APPHDR_NAME_MAX);
	put_le32(b + 0x88, h.ah_watchdog_ms);
	put_le32(b + 0x90, h.ah_trial_ms);
	put_le32(b + 0xfc, mv_crc32(0, b, 0xfc));

	FILE *f = fopen(out, "wb");

	if (f == NULL || fwrite(b, 1, sizeof b, f) != sizeof b || fclose(f) != 0)
		die("cannot write '%s'", out);
	free(text);
	free(img);
	return 0;
}
