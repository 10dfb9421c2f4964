/*
 * image.h - memory images: the app's flat image as installed in app flash,
 * the installed-app header (app_header.h) that describes it, and writers
 * that turn a list of (address, bytes) pieces into ELF, Intel HEX or raw
 * binary files (factory images for programmers and QEMU).
 *
 * A struct mvb_image borrows the bytes of its pieces.
 */
#ifndef MVB_IMAGE_H
#define MVB_IMAGE_H

#include <stdint.h>
#include "mvb/app.h"
#include "mvb/app_header.h"
#include "mvb/board.h"
#include "mvb/buf.h"
#include "mvb/diag.h"
#include "mvb/elf.h"
#include "mvb/provision.h"

#define MVB_IMAGE_MAX_PIECES 64

struct mvb_piece {
	uint32_t addr;
	const unsigned char *data;
	uint32_t len;
	const char *what; /* "microvisor", "app header", "app" */
};

struct mvb_image {
	struct mvb_piece p[MVB_IMAGE_MAX_PIECES];
	unsigned n;
};

/* Flattens the app's loadable bytes that live in app flash into one image
 * starting at the app flash base; gaps are filled with 0xff (erased
 * flash).  The caller checked the ELF first.  *out owns the bytes. */
int mvb_app_image(const struct mvb_elf *e, const struct mvb_board *b, struct mvb_buf *out);

/* Flattens every loadable byte of e into one image from its lowest load
 * address (*base) to its highest; gaps are 0xff.  Fails with MVB_ELIMIT
 * when the span exceeds max bytes. */
int mvb_elf_flat(const struct mvb_elf *e, uint32_t max, uint32_t *base, struct mvb_buf *out);

/* Fills an installed-app header for image (at the board's app flash base). */
void mvb_apphdr_build(struct mvb_app_header *h, const struct mvb_app *app, const struct mvb_grant *g,
		      uint32_t min_abi, uint32_t image_addr, const unsigned char *image, uint32_t image_len);
/* Serialises the header little-endian into out[MVB_APPHDR_SIZE], CRC last. */
void mvb_apphdr_encode(const struct mvb_app_header *h, unsigned char out[MVB_APPHDR_SIZE]);

/* The provisioning record (mvbuild-provision(5)) for `n` trust anchors
 * (ids[i]: key id, points[i]: X || Y), a serial (at most 31 bytes, may
 * be empty), the app the device follows (at most 31 bytes, may be NULL)
 * and the debug key it trusts (debug: key id then X || Y, as an anchor;
 * NULL: none, pv_debug stays zero).  Returns 0, or -1 for more than
 * MVB_PROV_ANCHORS_MAX anchors or a serial or app name too long. */
int mvb_provision_encode(unsigned char out[512], const uint8_t (*ids)[8], const uint8_t (*points)[64], unsigned n,
			 const char *serial, const char *app, const uint8_t debug[MVB_PROV_ANCHOR_SIZE]);

/* Adds the file bytes of every PT_LOAD segment of e at its load address. */
int mvb_image_add_elf(struct mvb_image *img, const struct mvb_elf *e, const char *what);
int mvb_image_add(struct mvb_image *img, uint32_t addr, const unsigned char *data, uint32_t len, const char *what);
/* Reports an overlap between two pieces (as an error diagnostic) and
 * returns MVB_EINPUT; else 0. */
int mvb_image_check(const struct mvb_image *img, const struct mvb_board *b, struct mvb_diags *d);

/* Reads an Intel HEX file (types 00, 01, 02, 04, 05; 03 ignored) into
 * img, merging contiguous records into pieces named what.  The bytes live
 * in *store, which must be empty and outlive img.  Returns 0, MVB_EINPUT
 * (one finding with its line), MVB_ELIMIT (too many pieces) or MVB_ENOMEM. */
int mvb_image_read_ihex(struct mvb_image *img, struct mvb_buf *store, const char *file, const unsigned char *text,
			size_t len, const char *what, struct mvb_diags *d);

int mvb_image_write_elf(const struct mvb_image *img, uint32_t entry, struct mvb_buf *out);
int mvb_image_write_ihex(const struct mvb_image *img, struct mvb_buf *out);
/* Raw binary of one memory: offset 0 is the memory's start, gaps 0xff.
 * Fails with MVB_EINPUT when the pieces span more than one memory. */
int mvb_image_write_bin(const struct mvb_image *img, const struct mvb_board *b, struct mvb_buf *out,
			struct mvb_diags *d);

#endif
