/*
 * yaml_int.h - the strict YAML tree the manifest parsers walk.
 *
 * Only yaml.c includes <yaml.h>.  mvb_yaml_load turns one YAML document into
 * a tree of scalars, sequences and mappings, each node carrying its 1-based
 * line and column, and rejects what a manifest must not contain: aliases and
 * anchors (libyaml 0.2.5 builds alias cycles), explicit tags, duplicate keys
 * (libyaml keeps both), non-scalar keys, more than one document, and
 * documents deeper or larger than fixed limits.  The tree owns its strings.
 */
#ifndef MVB_YAML_INT_H
#define MVB_YAML_INT_H

#include <stddef.h>
#include <stdint.h>
#include "mvb/diag.h"

enum ynode_kind { YN_SCALAR, YN_SEQ, YN_MAP };

struct ynode {
	enum ynode_kind kind;
	unsigned line, col;
	char *str;  /* scalar text, NUL-terminated (may contain NULs: see len) */
	size_t len;
	int plain;  /* scalar was unquoted */
	struct ynode **kids; /* seq: items; map: key0, value0, key1, value1, ... */
	size_t n;            /* number of kids */
};

struct ydoc {
	struct ynode *root;
	struct ynode **all; /* every node, for freeing */
	size_t nall, alloc;
};

/* The walking context: the file name for locations and the sink. */
struct ycx {
	const char *file;
	struct mvb_diags *d;
};

#define YAML_MAX_DEPTH 32
#define YAML_MAX_NODES 100000
#define YAML_MAX_BYTES (4u << 20)

/* Loads one document.  On error the diagnostics say why and doc is empty. */
int mvb_yaml_load(struct ycx *cx, const void *text, size_t len, struct ydoc *doc);
void mvb_yaml_free(struct ydoc *doc);

/* Location of a node, for reports. */
struct mvb_loc y_loc(const struct ycx *cx, const struct ynode *n);

/* Checks a mapping's keys: each key must be in `allowed` (NULL-terminated);
 * each key in `required` must be present.  Reports yaml-unknown-key (with a
 * did-you-mean hint) and yaml-missing-key; returns MVB_EINPUT on any. */
int y_keys(struct ycx *cx, const struct ynode *map, const char *what, const char *const *allowed,
	   const char *const *required);
/* Value for key in a mapping, or NULL. */
const struct ynode *y_get(const struct ynode *map, const char *key);
/* Reports yaml-type unless n has the kind. */
int y_expect(struct ycx *cx, const struct ynode *n, enum ynode_kind kind, const char *what);
/* Unsigned number: decimal, 0x hex, optional KiB/MiB/GiB suffix; plain only. */
int y_u32(struct ycx *cx, const struct ynode *n, const char *what, uint32_t min, uint32_t max, uint32_t *out);
/* A scalar copied into out (NUL-terminated); longer than outsz-1 is
 * yaml-range; control characters are yaml-type. */
int y_str(struct ycx *cx, const struct ynode *n, const char *what, char *out, size_t outsz);
/* One of words (NULL-terminated); *out gets its index. */
int y_enum(struct ycx *cx, const struct ynode *n, const char *what, const char *const *words, int *out);
/* Boolean true/false. */
int y_bool(struct ycx *cx, const struct ynode *n, const char *what, int *out);
/* Writes a printable, shortened copy of a scalar for messages. */
void y_show(const struct ynode *n, char *out, size_t outsz);
/* Closest word to s within edit distance 2, or NULL. */
const char *y_suggest(const char *s, const char *const *words);

#endif
