/* cif.h -- CIF 1.1 (Crystallographic Information File) reader: syntax only.
 *
 * A parsed file is plain data: data blocks, each holding single items (tag, value) and
 * loops (tags x rows). Values keep their text exactly as in the file (quotes and
 * semicolon delimiters removed); qmap_cif_number() turns "2.8776(3)" into value 2.8776
 * and standard uncertainty 0.0003. '?' (unknown) and '.' (inapplicable) are marked by
 * kind. Tags are compared case-insensitively, as CIF requires. Save frames are skipped.
 * The parser is iterative (no recursion) and accepts any bytes: malformed input gives
 * QMAP_ERR_FORMAT with a message naming the file and line.
 */
#ifndef QMAP_CIF_H
#define QMAP_CIF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    QMAP_CIF_VALUE = 0,        /* ordinary value (bare, quoted or text field) */
    QMAP_CIF_UNKNOWN,          /* bare '?' */
    QMAP_CIF_INAPPLICABLE      /* bare '.' */
} qmap_cif_kind;

typedef struct {
    char *text;                /* NUL-terminated value text, delimiters removed */
    qmap_cif_kind kind;
    int quoted;                /* 1 = was quoted or a text field (never a number) */
    int line;                  /* line of the file where the value starts (1-based) */
} qmap_cif_value;

typedef struct {
    int n_tags;
    char **tags;               /* n_tags, as written (leading '_' included) */
    size_t n_rows;
    qmap_cif_value *values;    /* n_rows * n_tags, row-major */
    int line;                  /* line of the loop_ keyword */
} qmap_cif_loop;

typedef struct {
    char *name;                /* text after data_ */
    int n_items;
    char **item_tags;
    qmap_cif_value *item_values;
    int n_loops;
    qmap_cif_loop *loops;
} qmap_cif_block;

typedef struct {
    char *source;              /* file name used in messages */
    int n_blocks;
    qmap_cif_block *blocks;
} qmap_cif;

/* Parse len bytes (any content; need not be NUL-terminated). source names the input in
 * error messages. Returns a new qmap_cif (free with qmap_cif_free) or NULL with
 * qmap_error set (QMAP_ERR_FORMAT naming source and line, or QMAP_ERR_NOMEM). */
qmap_cif *qmap_cif_parse(const char *buf, size_t len, const char *source);

/* Read and parse a file (refused above 64 MiB). NULL on error (QMAP_ERR_IO/FORMAT). */
qmap_cif *qmap_cif_read(const char *path);

/* Free; NULL is fine. */
void qmap_cif_free(qmap_cif *cif);

/* Value of a single item or of the first row of a one-row loop holding tag; NULL when
 * the tag is absent. Borrowed: valid until qmap_cif_free. */
const qmap_cif_value *qmap_cif_find(const qmap_cif_block *b, const char *tag);

/* Loop holding tag and the tag's column in it, or NULL when no loop has the tag. */
const qmap_cif_loop *qmap_cif_find_loop(const qmap_cif_block *b, const char *tag, int *column);

/* Column of tag in loop, or -1. */
int qmap_cif_loop_column(const qmap_cif_loop *loop, const char *tag);

/* Numeric value of v: "2.8776(3)" -> 2.8776 and su 0.0003, "1.5e2(4)" -> 150 and 40,
 * "7" -> 7 and su 0. su may be NULL. Returns 0, or QMAP_ERR_FORMAT (with a message
 * naming the value and line) for '?', '.', quoted text or anything else not a number. */
int qmap_cif_number(const qmap_cif_value *v, double *value, double *su);

#ifdef __cplusplus
}
#endif
#endif
