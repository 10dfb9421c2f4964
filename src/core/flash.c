/* flash.c - the flash plan of a bundle, and writing a plan to a target
 * through a GDB server: flash regions through the server's flash driver
 * (vFlash), everything else as memory, the app header last, then verify. */
#include <stdlib.h>
#include <string.h>
#include "mvb/checks.h"
#include "mvb/flash.h"
#include "mvb/status.h"

void mvb_flash_plan_init(struct mvb_flash_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->commit = -1;
	for (unsigned i = 0; i < MVB_BUNDLE_MAX_LAYERS; i++)
		mvb_buf_init(&p->owned[i], MVB_BUF_DEFAULT_MAX);
}

void mvb_flash_plan_release(struct mvb_flash_plan *p)
{
	for (unsigned i = 0; i < MVB_BUNDLE_MAX_LAYERS; i++)
		mvb_buf_release(&p->owned[i]);
	p->img.n = 0;
	p->commit = -1;
}

int mvb_flash_plan_bundle(struct mvb_flash_plan *p, const struct mvb_bundle_view *v,
			  const struct mvb_bundle_view *base, const struct mvb_board *b, const char *file,
			  struct mvb_diags *d)
{
	const unsigned char *app = NULL;
	uint32_t app_addr = 0, app_len = 0;
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = file;
	for (unsigned i = 0; i < v->nl; i++) {
		int rc = mvb_bundle_decode_base(v, i, base, &p->owned[i]);
		if (rc == MVB_ENOMEM)
			return rc;
		if (rc)
			return mvb_report(d, &l, MVB_CK_BUNDLE_DECODE, "%s layer does not decode",
					  mvb_layer_role_name(v->l[i].bl_role));
		if (mvb_image_add(&p->img, v->l[i].bl_target_addr, p->owned[i].data, (uint32_t)p->owned[i].len,
				  mvb_layer_role_name(v->l[i].bl_role)))
			return MVB_ELIMIT;
		if (v->l[i].bl_role == MVB_LAYER_APP) {
			app = p->owned[i].data;
			app_addr = v->l[i].bl_target_addr;
			app_len = (uint32_t)p->owned[i].len;
		}
	}
	if (app) {
		const struct mvb_partition *hp = mvb_board_role(b, MVB_ROLE_APP_HEADER);
		const struct mvb_partition *fp = mvb_board_role(b, MVB_ROLE_APP_CODE);
		if (app_addr != mvb_partition_ns_base(b, fp))
			return mvb_report(d, &l, MVB_CK_BUNDLE_BOARD,
					  "app layer at 0x%08x, but board '%s' installs apps at 0x%08x", (unsigned)app_addr,
					  b->name, (unsigned)mvb_partition_ns_base(b, fp));
		struct mvb_grant g;
		memcpy(g.periph_mask, v->m.bm_periph_mask, sizeof(g.periph_mask));
		memcpy(g.irq_mask, v->m.bm_irq_mask, sizeof(g.irq_mask));
		struct mvb_app_header h;
		mvb_apphdr_build(&h, NULL, &g, v->m.bm_min_abi, app_addr, app, app_len);
		h.ah_app_version = v->m.bm_app_version;
		h.ah_security_counter = v->m.bm_security_counter;
		memcpy(h.ah_name, v->m.bm_app_name, strnlen(v->m.bm_app_name, MVB_APPHDR_NAME_MAX));
		mvb_apphdr_encode(&h, p->header);
		if (mvb_image_add(&p->img, mvb_partition_base(b, hp), p->header, MVB_APPHDR_SIZE, "app header"))
			return MVB_ELIMIT;
		p->commit = (int)p->img.n - 1;
	}
	return mvb_image_check(&p->img, b, d);
}

/* ---- writing ---- */

struct job {
	struct mvb_rsp *c;
	const struct mvb_flash_opts *o;
	struct mvb_flash_result *r;
	struct mvb_flash_progress pr;
};

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
	for (uint32_t off = 0; off < len;) {
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
		int rc = 0;
		if (reg && reg->type == MVB_RSP_FLASH) {
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
		if (rc)
			return MVB_FLASH_ERSP + rc;
		off += n;
		j->r->written += n;
		j->pr.addr = a + n;
		j->pr.done += n;
		report(j);
	}
	return 0;
}

/* Erases every flash block a piece touches (once each). */
static int erase(struct job *j, const struct mvb_flash_plan *p)
{
	uint64_t total = 0;
	/* blocks to erase, as [start,end) ranges merged per region */
	struct range {
		uint32_t lo, hi;
	} *rg = calloc(p->img.n + 1, sizeof(*rg) * MVB_RSP_MAX_MAP);
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
	for (unsigned a = 0; a < m; a++)
		total += (uint64_t)rg[a].hi - rg[a].lo + 1;
	j->pr = (struct mvb_flash_progress){ MVB_FLASH_ERASE, "flash", 0, 0, total };
	int rc = 0;
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
	struct job j = { c, o, r, { MVB_FLASH_WRITE, NULL, 0, 0, 0 } };
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
	int rc;
	/* 1. clear the commit piece: flash erase does it for flash; in RAM write
	 *    the erased value, so a cut-off write leaves no bootable header */
	if (flash && (rc = erase(&j, p)))
		return rc;
	if (p->commit >= 0) {
		const struct mvb_piece *h = &p->img.p[p->commit];
		const struct mvb_rsp_region *reg = mvb_rsp_region_at(c, h->addr);
		if (!reg || reg->type != MVB_RSP_FLASH) {
			unsigned char blank[MVB_APPHDR_SIZE];
			memset(blank, 0xff, sizeof(blank));
			for (uint32_t off = 0; off < h->len; off += sizeof(blank)) {
				uint32_t n = h->len - off < sizeof(blank) ? h->len - off : (uint32_t)sizeof(blank);
				if ((rc = mvb_rsp_write_mem(c, h->addr + off, blank, n)))
					return MVB_FLASH_ERSP + rc;
			}
		}
	}
	/* 2. everything else, then the commit piece */
	j.pr = (struct mvb_flash_progress){ MVB_FLASH_WRITE, NULL, 0, 0, total };
	for (unsigned i = 0; i < p->img.n; i++) {
		if ((int)i == p->commit)
			continue;
		if ((rc = put(&j, p->img.p[i].addr, p->img.p[i].data, p->img.p[i].len, p->img.p[i].what)))
			return rc;
	}
	if (p->commit >= 0) {
		const struct mvb_piece *h = &p->img.p[p->commit];
		if ((rc = put(&j, h->addr, h->data, h->len, h->what)))
			return rc;
	}
	if ((r->methods & MVB_FLASH_BY_VFLASH) && (rc = mvb_rsp_flash_done(c)))
		return MVB_FLASH_ERSP + rc;
	/* 3. read back */
	if (o->verify && (rc = verify(&j, p, total)))
		return rc;
	return 0;
}
