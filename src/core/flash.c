/* flash.c - the flash plan of a bundle, and writing a plan to a target
 * through a GDB server: flash regions through the server's flash driver
 * (vFlash), everything else as memory, the app header last, then verify. */
#include <stdlib.h>
#include <string.h>
#include "mvb/checks.h"
#include "mvb/flash.h"
#include "mvb/hash.h"
#include "mvb/status.h"
#include "mvu.h"

void mvb_flash_plan_init(struct mvb_flash_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->commit = -1;
	for (unsigned i = 0; i < MVB_BUNDLE_MAX_LAYERS; i++)
		mvb_buf_init(&p->owned[i], MVB_BUF_DEFAULT_MAX);
	mvb_buf_init(&p->store, MVB_BUF_DEFAULT_MAX);
}

void mvb_flash_plan_release(struct mvb_flash_plan *p)
{
	for (unsigned i = 0; i < MVB_BUNDLE_MAX_LAYERS; i++)
		mvb_buf_release(&p->owned[i]);
	mvb_elf_release(&p->elf);
	memset(&p->elf, 0, sizeof(p->elf));
	mvb_buf_release(&p->store);
	p->img.n = 0;
	p->commit = -1;
}

int mvb_flash_plan_bundle(struct mvb_flash_plan *p, const struct mvb_bundle_view *v,
			  const struct mvb_bundle_view *base, const struct mvb_board *b, const char *file,
			  struct mvb_diags *d)
{
	const struct mvb_bundle_layer *app = NULL;
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = file;
	/* every layer exactly inside its partition, as the device's installer
	 * requires (the app from the first byte of app-code) */
	if (mvb_bundle_check_layers(v, b, file, d))
		return MVB_EINPUT;
	for (unsigned i = 0; i < v->nl; i++) {
		if (v->l[i].bl_role == MVB_LAYER_REVERT)
			continue; /* what a device keeps to undo this release: not written by a probe */
		int rc = mvb_bundle_decode_base(v, i, base, &p->owned[i]);
		if (rc == MVB_ENOMEM)
			return rc;
		/* exactly the image bl_size and bl_sha256 describe, which the
		 * header takes from the layer entry */
		if (rc || p->owned[i].len != v->l[i].bl_size)
			return mvb_report(d, &l, MVB_CK_BUNDLE_DECODE, "%s layer does not decode",
					  mvb_layer_role_name(v->l[i].bl_role));
		if (mvb_image_add(&p->img, v->l[i].bl_target_addr, p->owned[i].data, (uint32_t)p->owned[i].len,
				  mvb_layer_role_name(v->l[i].bl_role)))
			return MVB_ELIMIT;
		if (v->l[i].bl_role == MVB_LAYER_APP)
			app = &v->l[i];
	}
	if (app) {
		/* the header by the device's own rule, from the manifest and the
		 * app layer entry (the payload was checked against bl_sha256) */
		const struct mvb_partition *hp = mvb_board_role(b, MVB_ROLE_APP_HEADER);
		mvu_app_header(&v->m, app, p->header, mvb_crc32_update);
		if (mvb_image_add(&p->img, mvb_partition_base(b, hp), p->header, MVB_APPHDR_SIZE, "app header"))
			return MVB_ELIMIT;
		p->commit = (int)p->img.n - 1;
	}
	return mvb_image_check(&p->img, b, d);
}

int mvb_flash_plan_image(struct mvb_flash_plan *p, unsigned char *data, size_t len, const struct mvb_board *b,
			 const char *file, struct mvb_diags *d)
{
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = file;
	int rc;
	if (len >= 4 && !memcmp(data, "\x7f" "ELF", 4)) {
		rc = mvb_elf_parse(&p->elf, file, data, len, d);
		if (!rc)
			rc = mvb_image_add_elf(&p->img, &p->elf, "image");
	} else if (len >= 1 && data[0] == ':') {
		rc = mvb_image_read_ihex(&p->img, &p->store, file, data, len, "image", d);
	} else {
		return mvb_report(d, &l, MVB_CK_IMAGE_FORMAT,
				  "neither a bundle, an ELF file nor Intel HEX (raw binaries carry no addresses)");
	}
	if (rc == MVB_ELIMIT)
		return mvb_report(d, &l, MVB_CK_IMAGE_LIMIT, "more than %d separate pieces", MVB_IMAGE_MAX_PIECES);
	if (!rc)
		rc = mvb_image_check(&p->img, b, d);
	/* the piece at the app header partition is written last */
	const struct mvb_partition *hp = mvb_board_role(b, MVB_ROLE_APP_HEADER);
	for (unsigned i = 0; !rc && hp && i < p->img.n; i++)
		if (p->img.p[i].addr == mvb_partition_base(b, hp) || p->img.p[i].addr == mvb_partition_ns_base(b, hp) ||
		    p->img.p[i].addr == mvb_partition_s_base(b, hp))
			p->commit = (int)i;
	return rc;
}

/* ---- writing ---- */

struct range {
	uint32_t lo, hi; /* inclusive */
};

struct job {
	struct mvb_rsp *c;
	const struct mvb_flash_opts *o;
	struct mvb_flash_result *r;
	struct mvb_flash_progress pr;
	struct range *same; /* flash blocks that already hold their new bytes */
	unsigned nsame;
};

/* *eq = 1 when the device's [a, a+n) holds want: by qCRC where the server
 * answers it, else by reading it back into buf (n bytes). */
static int device_has(struct job *j, uint32_t a, const unsigned char *want, uint32_t n, unsigned char *buf, int *eq)
{
	j->r->compared += n;
	if (j->c->crc_state >= 0) {
		uint32_t got;
		int e = mvb_rsp_crc(j->c, a, n, &got);
		if (!e) {
			*eq = got == mvb_rsp_crc_local(0xffffffffu, want, n);
			return 0;
		}
		if (e != MVB_RSP_EUNSUPPORTED)
			return MVB_FLASH_ERSP + e;
	}
	int e = mvb_rsp_read_mem(j->c, a, buf, n);
	if (e)
		return MVB_FLASH_ERSP + e;
	*eq = !memcmp(buf, want, n);
	return 0;
}

static int in_same(const struct job *j, uint32_t a)
{
	for (unsigned k = 0; k < j->nsame; k++)
		if (a >= j->same[k].lo && a <= j->same[k].hi)
			return 1;
	return 0;
}

/* What flash block [lo, hi] holds after the plan is written: the plan's
 * bytes where a piece covers it, erased (0xff) elsewhere. */
static void block_image(const struct mvb_flash_plan *p, uint32_t lo, uint32_t hi, unsigned char *out)
{
	uint64_t n = (uint64_t)hi - lo + 1;
	memset(out, 0xff, (size_t)n);
	for (unsigned i = 0; i < p->img.n; i++) {
		const struct mvb_piece *pc = &p->img.p[i];
		uint64_t s = pc->addr > lo ? pc->addr : lo, e = (uint64_t)pc->addr + pc->len;
		if (e > (uint64_t)hi + 1)
			e = (uint64_t)hi + 1;
		if (s < e)
			memcpy(out + (s - lo), pc->data + (s - pc->addr), (size_t)(e - s));
	}
}

static void report(struct job *j)
{
	if (j->o->progress)
		j->o->progress(j->o->ctx, &j->pr);
}

#define STEP 16384u /* progress granularity */

/* Writes [addr, addr+len) as memory or through vFlash, in steps. */
static int put(struct job *j, uint32_t addr, const unsigned char *data, uint32_t len, const char *what)
{
	j->pr.what = what;
	unsigned char *buf = j->o->skip_same ? malloc(STEP) : NULL;
	if (j->o->skip_same && !buf)
		return MVB_ENOMEM;
	int rc = 0;
	for (uint32_t off = 0; off < len && !rc;) {
		uint32_t a = addr + off;
		const struct mvb_rsp_region *reg = mvb_rsp_region_at(j->c, a);
		uint32_t n = len - off;
		if (n > STEP)
			n = STEP;
		if (reg && (uint64_t)a + n > (uint64_t)reg->start + reg->length)
			n = reg->start + reg->length - a;
		for (unsigned k = 0; !reg && k < j->c->nmap; k++) /* stop where a mapped region begins */
			if (j->c->map[k].start > a && j->c->map[k].start - a < n)
				n = j->c->map[k].start - a;
		int eq = 0;
		if (j->o->skip_same && reg && reg->type == MVB_RSP_FLASH) {
			/* one block at a time: a block erase() left alone (it holds
			 * its new bytes already) must not be programmed again */
			if (reg->blocksize) {
				uint32_t in_block = reg->blocksize - (a - reg->start) % reg->blocksize;
				if (n > in_block)
					n = in_block;
			}
			eq = in_same(j, a);
		} else if (j->o->skip_same && !(reg && reg->type == MVB_RSP_FLASH)) {
			rc = device_has(j, a, data + off, n, buf, &eq);
		}
		if (rc)
			break;
		if (eq) {
			j->r->skipped_same += n;
		} else if (reg && reg->type == MVB_RSP_FLASH) {
			/* erased flash already reads 0xff: programming it again only costs time */
			uint32_t k = 0;
			while (k < n && data[off + k] == 0xff)
				k++;
			if (k == n)
				j->r->skipped_erased += n;
			else
				rc = mvb_rsp_flash_write(j->c, a, data + off, n);
			j->r->methods |= MVB_FLASH_BY_VFLASH;
		} else {
			rc = mvb_rsp_write_mem(j->c, a, data + off, n);
			j->r->methods |= j->c->x_state > 0 ? MVB_FLASH_BY_X : MVB_FLASH_BY_M;
		}
		if (rc) {
			rc += MVB_FLASH_ERSP;
			break;
		}
		off += n;
		j->r->written += n;
		j->pr.addr = a + n;
		j->pr.done += n;
		report(j);
	}
	free(buf);
	return rc;
}

/* Erases every flash block a piece touches (once each). */
static int erase(struct job *j, const struct mvb_flash_plan *p)
{
	uint64_t total = 0;
	/* blocks to erase, as [start,end) ranges merged per region */
	struct range *rg = calloc(p->img.n + 1, sizeof(*rg) * MVB_RSP_MAX_MAP);
	unsigned nr = 0;
	if (!rg)
		return MVB_ENOMEM;
	for (unsigned i = 0; i < p->img.n; i++) {
		const struct mvb_piece *pc = &p->img.p[i];
		for (uint32_t off = 0; off < pc->len;) {
			uint32_t a = pc->addr + off;
			const struct mvb_rsp_region *reg = mvb_rsp_region_at(j->c, a);
			if (!reg) {
				/* skip to the next mapped region inside the piece */
				uint64_t next = (uint64_t)pc->addr + pc->len;
				for (unsigned k = 0; k < j->c->nmap; k++)
					if (j->c->map[k].start > a && j->c->map[k].start < next)
						next = j->c->map[k].start;
				off = (uint32_t)(next - pc->addr);
				continue;
			}
			uint64_t rend = (uint64_t)reg->start + reg->length;
			uint64_t end = (uint64_t)pc->addr + pc->len < rend ? (uint64_t)pc->addr + pc->len : rend;
			if (reg->type == MVB_RSP_FLASH) {
				uint32_t lo = reg->start + (a - reg->start) / reg->blocksize * reg->blocksize;
				uint64_t hi = reg->start + ((end - reg->start) + reg->blocksize - 1) / reg->blocksize *
								   reg->blocksize;
				if (hi > rend)
					hi = rend;
				rg[nr].lo = lo;
				rg[nr].hi = (uint32_t)(hi - 1);
				nr++;
			}
			off = (uint32_t)(end - pc->addr);
		}
	}
	/* merge overlapping ranges (inclusive ends) so no block is erased twice */
	for (unsigned a = 0; a < nr; a++)
		for (unsigned b = a + 1; b < nr; b++)
			if (rg[b].lo < rg[a].lo) {
				struct range t = rg[a];
				rg[a] = rg[b];
				rg[b] = t;
			}
	unsigned m = 0;
	for (unsigned a = 0; a < nr; a++) {
		if (m && rg[a].lo <= rg[m - 1].hi + 1u && rg[m - 1].hi != 0xffffffffu) {
			if (rg[a].hi > rg[m - 1].hi)
				rg[m - 1].hi = rg[a].hi;
		} else {
			rg[m++] = rg[a];
		}
	}
	int rc = 0;
	if (j->o->skip_same) {
		/* split the ranges into blocks; blocks that already hold what the
		 * plan gives them are left out of the erase (and of the writes) */
		unsigned cap = 64, n2 = 0;
		struct range *keep = malloc(cap * sizeof(*keep));
		j->same = malloc(cap * sizeof(*j->same));
		unsigned char *want = NULL, *buf = NULL;
		rc = keep && j->same ? 0 : MVB_ENOMEM;
		for (unsigned a = 0; a < m && !rc; a++) {
			const struct mvb_rsp_region *reg = mvb_rsp_region_at(j->c, rg[a].lo);
			uint32_t bs = reg && reg->blocksize ? reg->blocksize : rg[a].hi - rg[a].lo + 1;
			free(want);
			free(buf);
			want = malloc(bs);
			buf = malloc(bs);
			if (!want || !buf) {
				rc = MVB_ENOMEM;
				break;
			}
			for (uint64_t lo = rg[a].lo; lo <= rg[a].hi && !rc; lo += bs) {
				uint32_t hi = (uint32_t)(lo + bs - 1 < rg[a].hi ? lo + bs - 1 : rg[a].hi);
				int eq = 0;
				block_image(p, (uint32_t)lo, hi, want);
				if ((rc = device_has(j, (uint32_t)lo, want, hi - (uint32_t)lo + 1, buf, &eq)))
					break;
				struct range **to = eq ? &j->same : &keep;
				unsigned *cnt = eq ? &j->nsame : &n2;
				if (*cnt == cap || (eq ? n2 : j->nsame) == cap) {
					cap *= 2;
					struct range *k2 = realloc(keep, cap * sizeof(*keep)), *s2;
					if (k2)
						keep = k2;
					s2 = k2 ? realloc(j->same, cap * sizeof(*j->same)) : NULL;
					if (!k2 || !s2) {
						rc = MVB_ENOMEM;
						break;
					}
					j->same = s2;
				}
				if (*cnt && (*to)[*cnt - 1].hi + 1u == (uint32_t)lo)
					(*to)[*cnt - 1].hi = hi; /* neighbours: one range */
				else
					(*to)[(*cnt)++] = (struct range){ (uint32_t)lo, hi };
			}
		}
		free(want);
		free(buf);
		if (!rc) {
			free(rg);
			rg = keep;
			m = n2;
			keep = NULL;
		}
		free(keep);
	}
	for (unsigned a = 0; a < m; a++)
		total += (uint64_t)rg[a].hi - rg[a].lo + 1;
	j->pr = (struct mvb_flash_progress){ MVB_FLASH_ERASE, "flash", 0, 0, total };
	for (unsigned a = 0; a < m && !rc; a++) {
		uint32_t len = rg[a].hi - rg[a].lo + 1;
		j->pr.addr = rg[a].lo;
		if ((rc = mvb_rsp_flash_erase(j->c, rg[a].lo, len))) {
			rc += MVB_FLASH_ERSP;
			break;
		}
		j->r->erased += len;
		j->pr.done += len;
		report(j);
	}
	free(rg);
	return rc;
}

static int verify(struct job *j, const struct mvb_flash_plan *p, uint64_t total)
{
	unsigned char *buf = malloc(STEP);
	if (!buf)
		return MVB_ENOMEM;
	j->pr = (struct mvb_flash_progress){ MVB_FLASH_VERIFY, NULL, 0, 0, total };
	int rc = 0;
	for (unsigned i = 0; i < p->img.n && !rc; i++) {
		const struct mvb_piece *pc = &p->img.p[i];
		j->pr.what = pc->what;
		for (uint32_t off = 0; off < pc->len && !rc;) {
			uint32_t n = pc->len - off < STEP ? pc->len - off : STEP;
			uint32_t a = pc->addr + off;
			int by_crc = 0;
			if (j->c->crc_state >= 0) {
				uint32_t got;
				int e = mvb_rsp_crc(j->c, a, n, &got);
				if (!e) {
					by_crc = 1;
					if (got == mvb_rsp_crc_local(0xffffffffu, pc->data + off, n)) {
						j->r->verified_by_crc = 1;
						goto next;
					}
					/* a CRC mismatch: read back to say where */
				} else if (e != MVB_RSP_EUNSUPPORTED) {
					rc = MVB_FLASH_ERSP + e;
					break;
				}
			}
			if ((rc = mvb_rsp_read_mem(j->c, a, buf, n))) {
				rc += MVB_FLASH_ERSP;
				break;
			}
			for (uint32_t k = 0; k < n; k++)
				if (buf[k] != pc->data[off + k]) {
					j->r->mismatch_addr = a + k;
					j->r->got = buf[k];
					j->r->want = pc->data[off + k];
					j->r->mismatch_what = pc->what;
					rc = MVB_EINPUT;
					break;
				}
			if (!rc && by_crc) {
				/* the CRC disagreed but the bytes match: do not trust it */
				j->c->crc_state = -1;
				j->r->verified_by_crc = 0;
				j->r->crc_distrusted = 1;
				j->r->crc_distrust_addr = a;
			}
		next:
			if (rc)
				break;
			off += n;
			j->r->verified += n;
			j->pr.addr = a + n;
			j->pr.done += n;
			report(j);
		}
	}
	free(buf);
	return rc;
}

int mvb_flash_write(struct mvb_rsp *c, const struct mvb_flash_plan *p, const struct mvb_flash_opts *o,
		    struct mvb_flash_result *r)
{
	struct job j = { c, o, r, { MVB_FLASH_WRITE, NULL, 0, 0, 0 }, NULL, 0 };
	memset(r, 0, sizeof(*r));
	uint64_t total = 0;
	int flash = 0;
	for (unsigned i = 0; i < p->img.n; i++) {
		total += p->img.p[i].len;
		const struct mvb_rsp_region *reg = mvb_rsp_region_at(c, p->img.p[i].addr);
		flash |= reg && reg->type == MVB_RSP_FLASH;
	}
	for (unsigned i = 0; i < c->nmap; i++)
		flash |= c->map[i].type == MVB_RSP_FLASH;
	int rc = 0;
	/* 1. clear the commit piece: flash erase does it for flash; in RAM write
	 *    the erased value, so a cut-off write leaves no bootable header
	 *    (unless it is already the new header: then nothing is cleared) */
	if (flash && (rc = erase(&j, p)))
		goto out;
	if (p->commit >= 0) {
		const struct mvb_piece *h = &p->img.p[p->commit];
		const struct mvb_rsp_region *reg = mvb_rsp_region_at(c, h->addr);
		unsigned char blank[MVB_APPHDR_SIZE];
		int eq = 0;
		if (o->skip_same && (!reg || reg->type != MVB_RSP_FLASH)) {
			unsigned char *buf = malloc(h->len);
			rc = buf ? device_has(&j, h->addr, h->data, h->len, buf, &eq) : MVB_ENOMEM;
			free(buf);
			if (rc)
				goto out;
		}
		if ((!reg || reg->type != MVB_RSP_FLASH) && !eq) {
			memset(blank, 0xff, sizeof(blank));
			for (uint32_t off = 0; off < h->len; off += sizeof(blank)) {
				uint32_t n = h->len - off < sizeof(blank) ? h->len - off : (uint32_t)sizeof(blank);
				if ((rc = mvb_rsp_write_mem(c, h->addr + off, blank, n))) {
					rc += MVB_FLASH_ERSP;
					goto out;
				}
			}
		}
	}
	/* 2. everything else, then the commit piece */
	j.pr = (struct mvb_flash_progress){ MVB_FLASH_WRITE, NULL, 0, 0, total };
	for (unsigned i = 0; i < p->img.n; i++) {
		if ((int)i == p->commit)
			continue;
		if ((rc = put(&j, p->img.p[i].addr, p->img.p[i].data, p->img.p[i].len, p->img.p[i].what)))
			goto out;
	}
	if (p->commit >= 0) {
		const struct mvb_piece *h = &p->img.p[p->commit];
		if ((rc = put(&j, h->addr, h->data, h->len, h->what)))
			goto out;
	}
	if ((r->methods & MVB_FLASH_BY_VFLASH) && (rc = mvb_rsp_flash_done(c))) {
		rc += MVB_FLASH_ERSP;
		goto out;
	}
	/* 3. read back */
	if (o->verify)
		rc = verify(&j, p, total);
out:
	free(j.same);
	return rc;
}
