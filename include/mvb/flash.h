/*
 * flash.h - what `mvbuild flash` writes and how: the plan (every piece of
 * memory a device needs: microvisor, app, and last the installed-app
 * header that makes the app bootable) and the writer that puts a plan on a
 * target through a GDB server (struct mvb_rsp) and reads it back.
 *
 * Interruption safety: the writer first clears the commit piece (the app
 * header) so the microvisor sees no app, writes everything else, writes
 * the commit piece last and then verifies every byte.  A flash cut off at
 * any point leaves a device that boots into "no app" and that the next
 * flash repairs; it never leaves a valid header over a partial app.
 *
 * A plan borrows the bytes of its pieces; the planners keep what they
 * decode or parse in the plan (released with mvb_flash_plan_release).
 */
#ifndef MVB_FLASH_H
#define MVB_FLASH_H

#include <stdint.h>
#include "mvb/board.h"
#include "mvb/bundle.h"
#include "mvb/image.h"
#include "mvb/rsp.h"

struct mvb_flash_plan {
	struct mvb_image img;
	int commit; /* index of the piece written last (cleared first), or -1 */
	struct mvb_buf owned[MVB_BUNDLE_MAX_LAYERS];
	unsigned char header[MVB_APPHDR_SIZE];
	struct mvb_elf elf;   /* a factory image read as ELF */
	struct mvb_buf store; /* a factory image read as Intel HEX */
};

void mvb_flash_plan_init(struct mvb_flash_plan *p);
void mvb_flash_plan_release(struct mvb_flash_plan *p);

/* Plans a parsed (and checked: mvb_bundle_check_payload_base) bundle for
 * board b: every layer decoded at its address (a delta layer over the
 * layer of base, the bundle the device runs, that its bl_base_sha256
 * names; base may be NULL), plus the installed-app header at the board's
 * app_header partition, made from the manifest and the app layer entry by
 * the device's own rule (mvu_app_header, src/update/mvu.h).  Returns 0, MVB_EINPUT (a layer lands outside its partition
 * (mvb_bundle_check_layers), does not decode, or does not belong in b's
 * memory) with findings in d, or MVB_ENOMEM. */
int mvb_flash_plan_bundle(struct mvb_flash_plan *p, const struct mvb_bundle_view *v,
			  const struct mvb_bundle_view *base, const struct mvb_board *b, const char *file,
			  struct mvb_diags *d);

/* Plans a factory image for board b: an ELF file (each PT_LOAD segment at
 * its load address) or Intel HEX, data borrowed (libelf reads it in
 * place), every piece inside b's memories and none overlapping
 * (mvb_image_check); the piece at the app header partition (in any alias)
 * is written last.  Returns 0, MVB_EINPUT
 * with findings (image-format: neither ELF nor Intel HEX; a malformed
 * file; image-limit: more than MVB_IMAGE_MAX_PIECES pieces; pieces outside
 * memory or overlapping), or MVB_ENOMEM. */
int mvb_flash_plan_image(struct mvb_flash_plan *p, unsigned char *data, size_t len, const struct mvb_board *b,
			 const char *file, struct mvb_diags *d);

enum mvb_flash_phase { MVB_FLASH_ERASE, MVB_FLASH_WRITE, MVB_FLASH_VERIFY };

struct mvb_flash_progress {
	enum mvb_flash_phase phase;
	const char *what; /* piece name */
	uint32_t addr;
	uint64_t done, total; /* bytes of this phase */
};

typedef void (*mvb_flash_progress_fn)(void *ctx, const struct mvb_flash_progress *pr);

struct mvb_flash_opts {
	int verify; /* read back (or qCRC) after writing */
	mvb_flash_progress_fn progress;
	void *ctx;
	/* compare first (qCRC, else read back) and leave alone every flash
	 * block, or memory step, that already holds what it would be written
	 * to: only what changed is erased and written */
	int skip_same;
};

enum mvb_flash_method { MVB_FLASH_BY_M = 1, MVB_FLASH_BY_X = 2, MVB_FLASH_BY_VFLASH = 4 };

struct mvb_flash_result {
	uint64_t written, verified, erased;
	uint64_t skipped_erased;  /* of written: flash steps all 0xff, left as erased */
	uint64_t skipped_same;    /* of written: already on the device (skip_same) */
	uint64_t compared;        /* bytes compared with the device before writing */
	unsigned methods;         /* MVB_FLASH_BY_* used */
	int verified_by_crc;      /* 1: qCRC throughout, 0: read back (for some or all) */
	int crc_distrusted;       /* the server's qCRC disagreed with bytes that read back right */
	uint32_t crc_distrust_addr; /* where: verification went on by read-back from there */
	uint32_t mismatch_addr;   /* first differing address when verify failed */
	unsigned char got, want;  /* the bytes there */
	const char *mismatch_what;
};

/* Writes the plan and verifies it.  Returns 0; MVB_EINPUT when verify
 * found a difference (result says where); or an enum mvb_rsp_rc + 100
 * when the GDB server failed (c->err says what, where). */
#define MVB_FLASH_ERSP 100
int mvb_flash_write(struct mvb_rsp *c, const struct mvb_flash_plan *p, const struct mvb_flash_opts *o,
		    struct mvb_flash_result *r);

#endif
