/* cif_parse.c -- CIF 1.1 tokenizer and parser into blocks, items and loops.
 *
 * Design: one pass over the bytes with an explicit position and line counter; no
 * recursion, no fixed-size buffers, every read checked against the length, so any byte
 * string (fuzzed input, binary garbage, a truncated file) gives either a parsed file or
 * QMAP_ERR_FORMAT naming the source and line. Token rules (CIF 1.1 syntax, section 2.2):
 *   - whitespace is space, tab, CR, LF; '#' at a token start comments to end of line;
 *   - ';' in column 1 opens a text field that ends at the next line starting with ';'
 *     (the line breaks just after the opening and before the closing ';' are dropped);
 *   - a token starting with ' or " is a quoted string; the quote closes it only when
 *     followed by whitespace or the end of input, so 'O'Neil' is one value; it may not
 *     span lines;
 *   - data_NAME, loop_, save_NAME / save_, global_, stop_ are reserved (case-insensitive);
 *   - a token starting with '_' is a tag; anything else is a value; bare ? and . are the
 *     unknown and inapplicable markers.
 */
#include "qmap/cif.h"
#include "qmap/error.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum tok_type { TOK_EOF, TOK_DATA, TOK_LOOP, TOK_SAVE, TOK_GLOBAL, TOK_STOP, TOK_TAG, TOK_VALUE };

typedef struct {
    enum tok_type type;
    const char *text;     /* token text (for DATA/SAVE: the name after the prefix) */
    size_t len;
    int quoted;           /* quoted string or text field */
    int line;
} token;

typedef struct {
    const char *buf;
    size_t len, pos;
    int line;
    const char *source;
} lexer;

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Advance past one byte, counting lines (CR, LF and CRLF each end one line). */
static void advance(lexer *lx)
{
    char c = lx->buf[lx->pos++];
    if (c == '\n' || (c == '\r' && !(lx->pos < lx->len && lx->buf[lx->pos] == '\n')))
        lx->line++;
}

static int at_line_start(const lexer *lx)
{
    return lx->pos == 0 || lx->buf[lx->pos - 1] == '\n' || lx->buf[lx->pos - 1] == '\r';
}

static int has_prefix_ci(const char *s, size_t n, const char *prefix)
{
    size_t p = strlen(prefix);
    return n >= p && strncasecmp(s, prefix, p) == 0;
}

/* Read the next token; returns 0 or QMAP_ERR_FORMAT. */
static int next_token(lexer *lx, token *t)
{
    for (;;) {
        while (lx->pos < lx->len && is_space((unsigned char)lx->buf[lx->pos]))
            advance(lx);
        if (lx->pos < lx->len && lx->buf[lx->pos] == '#') {
            while (lx->pos < lx->len && lx->buf[lx->pos] != '\n' && lx->buf[lx->pos] != '\r')
                lx->pos++;
            continue;
        }
        break;
    }
    memset(t, 0, sizeof *t);
    t->line = lx->line;
    if (lx->pos >= lx->len) {
        t->type = TOK_EOF;
        return 0;
    }
    char c = lx->buf[lx->pos];
    if (c == ';' && at_line_start(lx)) {
        advance(lx);
        /* an opening ';' alone on its line: the value starts on the next line */
        if (lx->pos < lx->len && lx->buf[lx->pos] == '\r')
            advance(lx);
        if (lx->pos < lx->len && lx->buf[lx->pos] == '\n' && lx->buf[lx->pos - 1] != '\n')
            advance(lx);
        size_t start = lx->pos;
        for (;;) {
            if (lx->pos >= lx->len)
                return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: text field (';') is never closed",
                                  lx->source, t->line);
            if (lx->buf[lx->pos] == ';' && at_line_start(lx))
                break;
            advance(lx);
        }
        size_t end = lx->pos;
        /* the line break before the closing ';' belongs to the delimiter */
        if (end > start && lx->buf[end - 1] == '\n')
            end--;
        if (end > start && lx->buf[end - 1] == '\r')
            end--;
        advance(lx); /* closing ';' */
        t->type = TOK_VALUE;
        t->text = lx->buf + start;
        t->len = end - start;
        t->quoted = 1;
        return 0;
    }
    if (c == '\'' || c == '"') {
        size_t start = ++lx->pos;
        for (;;) {
            if (lx->pos >= lx->len || lx->buf[lx->pos] == '\n' || lx->buf[lx->pos] == '\r')
                return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: quoted string (%c) is not closed "
                                  "on its line", lx->source, t->line, c);
            if (lx->buf[lx->pos] == c &&
                (lx->pos + 1 >= lx->len || is_space((unsigned char)lx->buf[lx->pos + 1])))
                break;
            lx->pos++;
        }
        t->type = TOK_VALUE;
        t->text = lx->buf + start;
        t->len = lx->pos - start;
        t->quoted = 1;
        lx->pos++; /* closing quote */
        return 0;
    }
    size_t start = lx->pos;
    while (lx->pos < lx->len && !is_space((unsigned char)lx->buf[lx->pos]))
        lx->pos++;
    t->text = lx->buf + start;
    t->len = lx->pos - start;
    if (c == '_') {
        t->type = TOK_TAG;
    } else if (has_prefix_ci(t->text, t->len, "data_")) {
        t->type = TOK_DATA;
        t->text += 5;
        t->len -= 5;
        if (t->len == 0)
            return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: data_ without a block name",
                              lx->source, t->line);
    } else if (has_prefix_ci(t->text, t->len, "save_")) {
        t->type = TOK_SAVE;
        t->text += 5;
        t->len -= 5;
    } else if (t->len == 5 && has_prefix_ci(t->text, t->len, "loop_")) {
        t->type = TOK_LOOP;
    } else if (t->len == 7 && has_prefix_ci(t->text, t->len, "global_")) {
        t->type = TOK_GLOBAL;
    } else if (t->len == 5 && has_prefix_ci(t->text, t->len, "stop_")) {
        t->type = TOK_STOP;
    } else {
        t->type = TOK_VALUE;
    }
    return 0;
}

/* At most 40 bytes of a token for a message, non-printable bytes shown as '?'. */
static const char *shown(const token *t, char out[48])
{
    size_t n = t->len < 40 ? t->len : 40;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t->text[i];
        out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    out[n] = '\0';
    return out;
}

static char *copy_text(const char *s, size_t n)
{
    if (n > SIZE_MAX - 1)
        return NULL;
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Grow *arr (elements of size elem) so that it holds at least need; cap tracked in *cap. */
static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return -1;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / elem)
        return -1;
    void *p = realloc(*arr, ncap * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

static int set_value(qmap_cif_value *v, const token *t)
{
    v->text = copy_text(t->text, t->len);
    if (!v->text)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory reading a CIF value");
    v->quoted = t->quoted;
    v->line = t->line;
    v->kind = QMAP_CIF_VALUE;
    if (!t->quoted && t->len == 1 && t->text[0] == '?')
        v->kind = QMAP_CIF_UNKNOWN;
    else if (!t->quoted && t->len == 1 && t->text[0] == '.')
        v->kind = QMAP_CIF_INAPPLICABLE;
    return 0;
}

static void free_loop(qmap_cif_loop *l)
{
    for (int i = 0; i < l->n_tags; i++)
        free(l->tags[i]);
    free(l->tags);
    if (l->values)
        for (size_t i = 0; i < l->n_rows * (size_t)l->n_tags; i++)
            free(l->values[i].text);
    free(l->values);
}

static void free_block(qmap_cif_block *b)
{
    free(b->name);
    for (int i = 0; i < b->n_items; i++) {
        free(b->item_tags[i]);
        free(b->item_values[i].text);
    }
    free(b->item_tags);
    free(b->item_values);
    for (int i = 0; i < b->n_loops; i++)
        free_loop(&b->loops[i]);
    free(b->loops);
}

void qmap_cif_free(qmap_cif *cif)
{
    if (!cif)
        return;
    for (int i = 0; i < cif->n_blocks; i++)
        free_block(&cif->blocks[i]);
    free(cif->blocks);
    free(cif->source);
    free(cif);
}

/* Is tag (len n) already defined in block b (as an item or in a loop)? */
static int tag_defined(const qmap_cif_block *b, const char *tag, size_t n)
{
    for (int i = 0; i < b->n_items; i++)
        if (strlen(b->item_tags[i]) == n && strncasecmp(b->item_tags[i], tag, n) == 0)
            return 1;
    for (int l = 0; l < b->n_loops; l++)
        for (int i = 0; i < b->loops[l].n_tags; i++)
            if (strlen(b->loops[l].tags[i]) == n && strncasecmp(b->loops[l].tags[i], tag, n) == 0)
                return 1;
    return 0;
}

typedef struct {
    lexer lx;
    qmap_cif *cif;
    size_t blocks_cap, items_cap, loops_cap;
    token pending;        /* one token of look-ahead */
    int have_pending;
} parser;

static int get_token(parser *p, token *t)
{
    if (p->have_pending) {
        *t = p->pending;
        p->have_pending = 0;
        return 0;
    }
    return next_token(&p->lx, t);
}

static void unget_token(parser *p, const token *t)
{
    p->pending = *t;
    p->have_pending = 1;
}

static qmap_cif_block *current_block(parser *p, const token *t)
{
    if (p->cif->n_blocks == 0) {
        char buf[48];
        qmap_error(QMAP_ERR_FORMAT, "%s: line %d: '%s' before the first data_ block",
                   p->lx.source, t->line, shown(t, buf));
        return NULL;
    }
    return &p->cif->blocks[p->cif->n_blocks - 1];
}

static int add_block(parser *p, const token *t)
{
    if (grow((void **)&p->cif->blocks, &p->blocks_cap, (size_t)p->cif->n_blocks + 1,
             sizeof(qmap_cif_block)) < 0 || p->cif->n_blocks == INT32_MAX)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory reading %s", p->lx.source);
    qmap_cif_block *b = &p->cif->blocks[p->cif->n_blocks];
    memset(b, 0, sizeof *b);
    p->cif->n_blocks++;
    p->items_cap = p->loops_cap = 0;
    b->name = copy_text(t->text, t->len);
    return b->name ? 0 : qmap_error(QMAP_ERR_NOMEM, "out of memory reading %s", p->lx.source);
}

static int parse_item(parser *p, qmap_cif_block *b, const token *tag)
{
    token v;
    char buf[48];
    int rc = get_token(p, &v);
    if (rc < 0)
        return rc;
    if (v.type != TOK_VALUE)
        return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: tag %s has no value", p->lx.source,
                          tag->line, shown(tag, buf));
    if (tag_defined(b, tag->text, tag->len))
        return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: tag %s appears twice in block %s",
                          p->lx.source, tag->line, shown(tag, buf), b->name);
    size_t cap_tags = p->items_cap, cap_vals = p->items_cap;
    if (grow((void **)&b->item_tags, &cap_tags, (size_t)b->n_items + 1, sizeof(char *)) < 0 ||
        grow((void **)&b->item_values, &cap_vals, (size_t)b->n_items + 1,
             sizeof(qmap_cif_value)) < 0 || b->n_items == INT32_MAX)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory reading %s", p->lx.source);
    p->items_cap = cap_tags < cap_vals ? cap_tags : cap_vals;
    b->item_tags[b->n_items] = copy_text(tag->text, tag->len);
    memset(&b->item_values[b->n_items], 0, sizeof(qmap_cif_value));
    b->n_items++;
    if (!b->item_tags[b->n_items - 1])
        return qmap_error(QMAP_ERR_NOMEM, "out of memory reading %s", p->lx.source);
    return set_value(&b->item_values[b->n_items - 1], &v);
}

static int parse_loop(parser *p, qmap_cif_block *b, const token *loop_tok)
{
    if (grow((void **)&b->loops, &p->loops_cap, (size_t)b->n_loops + 1, sizeof(qmap_cif_loop)) < 0 ||
        b->n_loops == INT32_MAX)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory reading %s", p->lx.source);
    qmap_cif_loop *l = &b->loops[b->n_loops++];
    memset(l, 0, sizeof *l);
    l->line = loop_tok->line;
    size_t tags_cap = 0, vals_cap = 0, n_vals = 0;
    token t;
    char buf[48];
    int rc;
    while ((rc = get_token(p, &t)) == 0 && t.type == TOK_TAG) {
        if (tag_defined(b, t.text, t.len))
            return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: tag %s appears twice in block %s",
                              p->lx.source, t.line, shown(&t, buf), b->name);
        if (grow((void **)&l->tags, &tags_cap, (size_t)l->n_tags + 1, sizeof(char *)) < 0 ||
            l->n_tags == INT32_MAX)
            return qmap_error(QMAP_ERR_NOMEM, "out of memory reading %s", p->lx.source);
        l->tags[l->n_tags] = copy_text(t.text, t.len);
        if (!l->tags[l->n_tags++])
            return qmap_error(QMAP_ERR_NOMEM, "out of memory reading %s", p->lx.source);
    }
    if (rc < 0)
        return rc;
    if (l->n_tags == 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: loop_ without tags", p->lx.source,
                          loop_tok->line);
    while (t.type == TOK_VALUE) {
        if (grow((void **)&l->values, &vals_cap, n_vals + 1, sizeof(qmap_cif_value)) < 0)
            return qmap_error(QMAP_ERR_NOMEM, "out of memory reading %s", p->lx.source);
        memset(&l->values[n_vals], 0, sizeof(qmap_cif_value));
        /* n_rows tracks complete rows only; free_loop frees up to the full rows, so the
         * partial row is counted through n_vals below until it is complete */
        rc = set_value(&l->values[n_vals++], &t);
        l->n_rows = n_vals / (size_t)l->n_tags;
        if (rc < 0) {
            for (size_t i = l->n_rows * (size_t)l->n_tags; i < n_vals; i++)
                free(l->values[i].text);
            return rc;
        }
        if ((rc = get_token(p, &t)) < 0) {
            for (size_t i = l->n_rows * (size_t)l->n_tags; i < n_vals; i++)
                free(l->values[i].text);
            return rc;
        }
    }
    if (n_vals % (size_t)l->n_tags != 0) {
        for (size_t i = l->n_rows * (size_t)l->n_tags; i < n_vals; i++)
            free(l->values[i].text);
        return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: loop of %d tags (%s, ...) has %zu values, "
                          "not a multiple of %d", p->lx.source, l->line, l->n_tags, l->tags[0],
                          n_vals, l->n_tags);
    }
    if (n_vals == 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: loop (%s, ...) has no values",
                          p->lx.source, l->line, l->tags[0]);
    unget_token(p, &t);
    return 0;
}

/* Skip a save frame up to its closing save_ (save frames hold dictionary definitions). */
static int skip_save_frame(parser *p, const token *open)
{
    token t;
    int rc;
    while ((rc = get_token(p, &t)) == 0) {
        if (t.type == TOK_SAVE && t.len == 0)
            return 0;
        if (t.type == TOK_EOF || t.type == TOK_DATA)
        {
            char buf[48];
            return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: save frame save_%s is never closed",
                              p->lx.source, open->line, shown(open, buf));
        }
    }
    return rc;
}

qmap_cif *qmap_cif_parse(const char *buf, size_t len, const char *source)
{
    parser p;
    memset(&p, 0, sizeof p);
    p.lx.buf = buf ? buf : "";
    p.lx.len = buf ? len : 0;
    p.lx.line = 1;
    p.cif = calloc(1, sizeof *p.cif);
    if (!p.cif) {
        qmap_error(QMAP_ERR_NOMEM, "out of memory reading %s", source ? source : "CIF");
        return NULL;
    }
    p.cif->source = copy_text(source ? source : "CIF", strlen(source ? source : "CIF"));
    if (!p.cif->source) {
        qmap_error(QMAP_ERR_NOMEM, "out of memory reading CIF");
        goto fail;
    }
    p.lx.source = p.cif->source;
    token t;
    for (;;) {
        if (get_token(&p, &t) < 0)
            goto fail;
        if (t.type == TOK_EOF)
            break;
        qmap_cif_block *b;
        switch (t.type) {
        case TOK_DATA:
            if (add_block(&p, &t) < 0)
                goto fail;
            break;
        case TOK_STOP:
            break;
        case TOK_GLOBAL:
            qmap_error(QMAP_ERR_FORMAT, "%s: line %d: global_ blocks are not CIF 1.1 data",
                       p.lx.source, t.line);
            goto fail;
        case TOK_SAVE:
            if (t.len == 0) {
                qmap_error(QMAP_ERR_FORMAT, "%s: line %d: save_ closes no save frame",
                           p.lx.source, t.line);
                goto fail;
            }
            if (!current_block(&p, &t) || skip_save_frame(&p, &t) < 0)
                goto fail;
            break;
        case TOK_TAG:
            if (!(b = current_block(&p, &t)) || parse_item(&p, b, &t) < 0)
                goto fail;
            break;
        case TOK_LOOP:
            if (!(b = current_block(&p, &t)) || parse_loop(&p, b, &t) < 0)
                goto fail;
            break;
        case TOK_VALUE:
        default:
            {
                char buf[48];
                qmap_error(QMAP_ERR_FORMAT, "%s: line %d: value '%s' without a tag", p.lx.source,
                           t.line, shown(&t, buf));
            }
            goto fail;
        }
    }
    if (p.cif->n_blocks == 0) {
        qmap_error(QMAP_ERR_FORMAT, "%s: no data_ block (not a CIF file?)", p.lx.source);
        goto fail;
    }
    return p.cif;
fail:
    qmap_cif_free(p.cif);
    return NULL;
}

qmap_cif *qmap_cif_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        qmap_error(QMAP_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    const size_t max_size = (size_t)64 << 20;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    qmap_cif *cif = NULL;
    if (!buf) {
        qmap_error(QMAP_ERR_NOMEM, "out of memory reading %s", path);
        goto done;
    }
    for (;;) {
        if (n == cap) {
            if (cap >= max_size) {
                qmap_error(QMAP_ERR_FORMAT, "%s: larger than 64 MiB, not a CIF structure file", path);
                goto done;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                qmap_error(QMAP_ERR_NOMEM, "out of memory reading %s", path);
                goto done;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                qmap_error(QMAP_ERR_IO, "%s: read error: %s", path, strerror(errno));
                goto done;
            }
            break;
        }
    }
    cif = qmap_cif_parse(buf, n, path);
done:
    free(buf);
    fclose(f);
    return cif;
}
