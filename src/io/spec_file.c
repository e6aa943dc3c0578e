/* spec_file.c -- parse SPEC data files (scan headers, motor tables, #U headers, data).
 *
 * The whole file is read into memory and cut into lines; every line is handled with its
 * length, never as a C string, so embedded NULs, missing newlines and overlong lines are
 * harmless. Numbers are parsed from bounded copies (at most NUM_CHARS bytes), so strtod
 * never runs past a line. The #O motor names of the current #F block and its header #U
 * lines are kept and attached to every scan that follows (SPEC writes them once per
 * file); #O names are separated by two or more spaces, #L labels likewise (a name may
 * hold one space), #P values and data values by any white space. The questions asked of a
 * parsed file (scan by name, motors, user values, ID01 metadata) are in spec_query.c.
 */
#include "qmap/spec.h"
#include "qmap/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUM_CHARS 63
#define MAX_FILE_BYTES (2L << 30)
#define MAX_COLUMNS 4096
#define MAX_MOTORS 4096
#define QUOTE_CHARS 60

typedef struct {
    char **v;
    int n, cap;
} str_list;

typedef struct {
    qmap_spec_line *v;
    int n, cap;
} line_list;

typedef struct {
    str_list motors;     /* #O names of the current block */
    line_list user;      /* header #U lines of the current block */
} block_header;

struct qmap_spec_file {
    char *name;
    qmap_spec_scan *scans;
    int n_scans, cap_scans;
    block_header *blocks;    /* every block's header, kept alive for the scans */
    int n_blocks, cap_blocks;
};

/* ---------------------------------------------------------------- small helpers */

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static char *dup_range(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    for (size_t i = 0; i < n; i++)
        d[i] = s[i] ? s[i] : ' ';   /* a NUL inside a line would cut the string */
    d[n] = '\0';
    return d;
}

static void trim(const char **s, size_t *n)
{
    while (*n && is_blank(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_blank((*s)[*n - 1]))
        (*n)--;
}

static int list_push(str_list *l, char *s)
{
    if (!s)
        return -1;
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        char **v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v) {
            free(s);
            return -1;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    return 0;
}

static int line_push(line_list *l, char *key, char *value)
{
    if (!key || !value) {
        free(key);
        free(value);
        return -1;
    }
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        qmap_spec_line *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v) {
            free(key);
            free(value);
            return -1;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].key = key;
    l->v[l->n].value = value;
    l->n++;
    return 0;
}

static void free_strs(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void free_lines(qmap_spec_line *v, int n)
{
    for (int i = 0; i < n; i++) {
        free(v[i].key);
        free(v[i].value);
    }
    free(v);
}

/* Parse a bounded token as a finite double; NaN when it is not one. */
static double parse_number(const char *s, size_t n)
{
    char tmp[NUM_CHARS + 1];
    if (n == 0 || n > NUM_CHARS)
        return NAN;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *end = NULL;
    double v = strtod(tmp, &end);
    if (end != tmp + n || !isfinite(v))
        return NAN;
    return v;
}

/* Split s[0..n) on runs of white space (min_gap = 1) or on runs of at least two blanks
 * (min_gap = 2; a tab counts as a gap too), pushing trimmed pieces. */
static int split_names(const char *s, size_t n, int min_gap, str_list *out, int max)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && is_blank(s[i]))
            i++;
        if (i >= n)
            break;
        size_t start = i, end = i;
        while (i < n) {
            if (!is_blank(s[i])) {
                end = ++i;
                continue;
            }
            size_t j = i;
            int tab = 0;
            while (j < n && is_blank(s[j]))
                tab |= s[j++] == '\t';
            if (min_gap == 1 || tab || j - i >= 2 || j >= n)
                break;
            i = j;   /* a single space inside a name */
        }
        if (out->n >= max)
            return 0;
        if (list_push(out, dup_range(s + start, end - start)) < 0)
            return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- file structure */

static void free_scan(qmap_spec_scan *s)
{
    free(s->command);
    free(s->motor_positions);
    free_strs(s->labels, s->n_columns);
    free(s->data);
    free_lines(s->user, s->n_user);
    free_lines(s->comments, s->n_comments);
    /* motor_names and header_user belong to the block */
}

void qmap_spec_close(qmap_spec_file *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->n_scans; i++)
        free_scan(&f->scans[i]);
    free(f->scans);
    for (int b = 0; b < f->n_blocks; b++) {
        free_strs(f->blocks[b].motors.v, f->blocks[b].motors.n);
        free_lines(f->blocks[b].user.v, f->blocks[b].user.n);
    }
    free(f->blocks);
    free(f->name);
    free(f);
}

static block_header *new_block(qmap_spec_file *f)
{
    if (f->n_blocks == f->cap_blocks) {
        int cap = f->cap_blocks ? 2 * f->cap_blocks : 4;
        block_header *v = realloc(f->blocks, (size_t)cap * sizeof *v);
        if (!v)
            return NULL;
        f->blocks = v;
        f->cap_blocks = cap;
    }
    block_header *b = &f->blocks[f->n_blocks++];
    memset(b, 0, sizeof *b);
    return b;
}

/* Per-scan parse state that is folded into the scan when it ends. */
typedef struct {
    qmap_spec_scan *scan;
    str_list positions;      /* #P tokens, as text */
    str_list labels;
    line_list user, comments;
    double *data;
    long rows, cap_rows;
} scan_state;

static int finish_scan(scan_state *st, const block_header *b)
{
    qmap_spec_scan *s = st->scan;
    if (!s)
        return 0;
    s->motor_names = b->motors.v;
    s->n_motors = b->motors.n;
    s->header_user = b->user.v;
    s->n_header_user = b->user.n;
    s->motor_positions = malloc((size_t)(s->n_motors ? s->n_motors : 1) * sizeof(double));
    if (!s->motor_positions)
        return -1;
    for (int i = 0; i < s->n_motors; i++)
        s->motor_positions[i] = i < st->positions.n
            ? parse_number(st->positions.v[i], strlen(st->positions.v[i])) : NAN;
    free_strs(st->positions.v, st->positions.n);
    s->labels = st->labels.v;
    s->n_columns = st->labels.n;
    s->user = st->user.v;
    s->n_user = st->user.n;
    s->comments = st->comments.v;
    s->n_comments = st->comments.n;
    s->data = st->data;
    s->n_rows = st->rows;
    memset(st, 0, sizeof *st);
    return 0;
}

static void drop_state(scan_state *st)
{
    free_strs(st->positions.v, st->positions.n);
    free_strs(st->labels.v, st->labels.n);
    free_lines(st->user.v, st->user.n);
    free_lines(st->comments.v, st->comments.n);
    free(st->data);
    memset(st, 0, sizeof *st);
}

/* A data line: whitespace-separated numbers, one row of n_columns (NaN padded). */
static int add_data_line(scan_state *st, const char *s, size_t n)
{
    int nc = st->labels.n;
    if (nc == 0)
        return 0;   /* data before #L: nothing to attach it to */
    if (st->rows == st->cap_rows) {
        long cap = st->cap_rows ? 2 * st->cap_rows : 256;
        double *v = realloc(st->data, (size_t)cap * (size_t)nc * sizeof *v);
        if (!v)
            return -1;
        st->data = v;
        st->cap_rows = cap;
    }
    double *row = st->data + (size_t)st->rows * (size_t)nc;
    int k = 0;
    size_t i = 0;
    while (i < n && k < nc) {
        while (i < n && (is_blank(s[i]) || s[i] == '\0'))
            i++;
        if (i >= n)
            break;
        size_t start = i;
        while (i < n && !is_blank(s[i]) && s[i] != '\0')
            i++;
        row[k++] = parse_number(s + start, i - start);
    }
    while (k < nc)
        row[k++] = NAN;
    st->rows++;
    return 0;
}

/* "#Ukey value": the key is the word after '#'. */
static int add_user_line(line_list *l, const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && !is_blank(s[k]))
        k++;
    const char *v = s + k;
    size_t vn = n - k;
    trim(&v, &vn);
    return line_push(l, dup_range(s, k), dup_range(v, vn));
}

static qmap_spec_scan *new_scan(qmap_spec_file *f, const char *rest, size_t n)
{
    if (f->n_scans == f->cap_scans) {
        int cap = f->cap_scans ? 2 * f->cap_scans : 16;
        qmap_spec_scan *v = realloc(f->scans, (size_t)cap * sizeof *v);
        if (!v)
            return NULL;
        f->scans = v;
        f->cap_scans = cap;
    }
    trim(&rest, &n);
    size_t k = 0;
    long number = 0;
    int digits = 0;
    while (k < n && rest[k] >= '0' && rest[k] <= '9') {
        if (++digits <= 9)
            number = number * 10 + (rest[k] - '0');
        k++;
    }
    if (digits == 0 || digits > 9 || (k < n && !is_blank(rest[k])))
        number = -1;   /* not a scan number: kept, but no name finds it */
    const char *cmd = rest + k;
    size_t cn = n - k;
    trim(&cmd, &cn);
    char *command = dup_range(cmd, cn);
    if (!command)
        return NULL;
    qmap_spec_scan *s = &f->scans[f->n_scans++];
    memset(s, 0, sizeof *s);
    s->number = (int)number;
    s->command = command;
    s->occurrence = 1;
    for (int i = 0; i < f->n_scans - 1; i++)
        if (f->scans[i].number == s->number)
            s->occurrence++;
    return s;
}

/* "#<tag><digits> ...": 1 when the line starts with tag followed by digits or a blank. */
static int tag_is(const char *s, size_t n, const char *tag, int numbered)
{
    size_t t = strlen(tag);
    if (n < t || memcmp(s, tag, t) != 0)
        return 0;
    if (numbered) {
        size_t k = t;
        while (k < n && s[k] >= '0' && s[k] <= '9')
            k++;
        return k == n || is_blank(s[k]);
    }
    return n == t || is_blank(s[t]);
}

/* Text after "#TAGnn" (the tag and its digits). */
static const char *after_tag(const char *s, size_t n, size_t t, size_t *rest)
{
    size_t k = t;
    while (k < n && s[k] >= '0' && s[k] <= '9')
        k++;
    *rest = n - k;
    return s + k;
}

static int parse_lines(qmap_spec_file *f, const char *buf, size_t len)
{
    block_header *b = new_block(f);
    if (!b)
        return -1;
    int block_has_scan = 0;
    scan_state st = {0};
    size_t pos = 0;
    while (pos < len) {
        const char *s = buf + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl ? 1 : 0);
        while (n && (s[n - 1] == '\r'))
            n--;
        size_t rest_n;
        const char *rest;
        int rc = 0;
        if (n == 0)
            continue;
        if (s[0] != '#') {
            if (st.scan && s[0] != '@')
                rc = add_data_line(&st, s, n);
        } else if (tag_is(s, n, "#F", 0)) {
            if (finish_scan(&st, b) < 0)
                return -1;
            if (block_has_scan || b->motors.n || b->user.n) {
                if (!(b = new_block(f)))
                    return -1;
                block_has_scan = 0;
            }
        } else if (tag_is(s, n, "#S", 0)) {
            if (finish_scan(&st, b) < 0)
                return -1;
            rest = after_tag(s, n, 2, &rest_n);
            if (!(st.scan = new_scan(f, rest, rest_n)))
                return -1;
            block_has_scan = 1;
        } else if (tag_is(s, n, "#O", 1) && !st.scan) {
            rest = after_tag(s, n, 2, &rest_n);
            rc = split_names(rest, rest_n, 2, &b->motors, MAX_MOTORS);
        } else if (tag_is(s, n, "#P", 1) && st.scan) {
            rest = after_tag(s, n, 2, &rest_n);
            rc = split_names(rest, rest_n, 1, &st.positions, MAX_MOTORS);
        } else if (tag_is(s, n, "#L", 0) && st.scan) {
            /* a second #L (scan restarted) replaces the labels and the data so far */
            free_strs(st.labels.v, st.labels.n);
            st.labels = (str_list){0};
            free(st.data);
            st.data = NULL;
            st.rows = st.cap_rows = 0;
            rc = split_names(s + 2, n - 2, 2, &st.labels, MAX_COLUMNS);
        } else if (n >= 2 && s[1] == 'U') {
            rc = add_user_line(st.scan ? &st.user : &b->user, s + 1, n - 1);
        } else if (tag_is(s, n, "#C", 0) && st.scan) {
            rest = s + 2;
            rest_n = n - 2;
            trim(&rest, &rest_n);
            rc = line_push(&st.comments, dup_range("C", 1), dup_range(rest, rest_n));
        }
        if (rc < 0) {
            drop_state(&st);
            return -1;
        }
    }
    return finish_scan(&st, b);
}

int qmap_spec_parse(const char *buf, size_t len, const char *name, qmap_spec_file **out)
{
    *out = NULL;
    if (!name)
        name = "(SPEC text)";
    qmap_spec_file *f = calloc(1, sizeof *f);
    if (!f || !(f->name = strdup(name))) {
        free(f);
        return qmap_error(QMAP_ERR_NOMEM, "%s: no memory to parse the SPEC file", name);
    }
    if (parse_lines(f, buf ? buf : "", buf ? len : 0) < 0) {
        qmap_spec_close(f);
        return qmap_error(QMAP_ERR_NOMEM, "%s: no memory to parse the SPEC file", name);
    }
    if (f->n_scans == 0) {
        qmap_spec_close(f);
        return qmap_error(QMAP_ERR_FORMAT, "%s: no scan (#S line) in the SPEC file", name);
    }
    *out = f;
    return QMAP_OK;
}

int qmap_spec_open(const char *path, qmap_spec_file **out)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return qmap_error(QMAP_ERR_IO, "%s: cannot open the SPEC file", path);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = QMAP_OK;
    for (;;) {
        if (len == cap) {
            if (cap >= (size_t)MAX_FILE_BYTES) {
                rc = qmap_error(QMAP_ERR_VALUE, "%s: SPEC file larger than 2 GiB", path);
                break;
            }
            cap = cap ? 2 * cap : 1 << 20;
            char *v = realloc(buf, cap);
            if (!v) {
                rc = qmap_error(QMAP_ERR_NOMEM, "%s: no memory to read the SPEC file", path);
                break;
            }
            buf = v;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0) {
            if (ferror(fp))
                rc = qmap_error(QMAP_ERR_IO, "%s: read error in the SPEC file", path);
            break;
        }
    }
    fclose(fp);
    if (rc == QMAP_OK)
        rc = qmap_spec_parse(buf, len, path, out);
    free(buf);
    return rc;
}

/* ---------------------------------------------------------------- queries */

int qmap_spec_n_scans(const qmap_spec_file *f)
{
    return f ? f->n_scans : 0;
}

const qmap_spec_scan *qmap_spec_scan_at(const qmap_spec_file *f, int i)
{
    return f && i >= 0 && i < f->n_scans ? &f->scans[i] : NULL;
}
