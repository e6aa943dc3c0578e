/* frames_edf.c -- the frame source of SPEC-era scans: EDF(.gz) image files.
 *
 * Opening parses the SPEC file once, finds the scan's image files (frames_edf.h says
 * how) and reads the first frame header for the shape. A scan stored as one multi-frame
 * file keeps that file open (frames are indexed lazily, so reading in order never
 * re-decompresses); a scan stored as one file per frame opens each file as it is read.
 * Every frame must have the first frame's shape. Not thread-safe: one reader per thread.
 */
#include "frames_edf.h"
#include "qmap/edf.h"
#include "qmap/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct qmap_edf_frames {
    qmap_spec_images img;
    int n_frames, rows, cols;
    int multi;                  /* 1: one file holds every frame */
    qmap_edf_file *file;        /* the multi-frame file */
    char spec_path[QMAP_EDF_PATH_MAX];
    char scan[32];
};

/* ---------------------------------------------------------------- sniffing */

int qmap_is_spec_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    unsigned char b[512];
    size_t n = fread(b, 1, sizeof b, fp);
    fclose(fp);
    static const unsigned char hdf5_sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    if (n >= 8 && memcmp(b, hdf5_sig, 8) == 0)
        return 0;
    size_t i = 0;
    while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
        i++;
    return i + 2 <= n && b[i] == '#' &&
           ((b[i + 1] >= 'A' && b[i + 1] <= 'Z'));
}

/* ---------------------------------------------------------------- image files */

static int dir_exists(const char *d)
{
    struct stat st;
    return stat(d, &st) == 0 && S_ISDIR(st.st_mode);
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Text between "key[" and the next ']' of a comment, bounded; 0 if found. */
static int bracket_value(const char *text, const char *key, char *out, size_t size)
{
    char pat[32];
    snprintf(pat, sizeof pat, "%s[", key);
    const char *p = strstr(text, pat);
    if (!p)
        return -1;
    p += strlen(pat);
    const char *e = strchr(p, ']');
    if (!e || (size_t)(e - p) >= size)
        return -1;
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = '\0';
    return 0;
}

/* An index format must be "%d" or "%0Nd" with N <= 12: it goes to snprintf. */
static int safe_index_format(const char *fmt)
{
    if (fmt[0] != '%')
        return 0;
    const char *p = fmt + 1;
    int digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 3) {
        p++;
        digits++;
    }
    return p[0] == 'd' && p[1] == '\0' && digits <= 2;
}

/* Split ".../P<digits>S" where S starts at the first '.' after the last '/'. */
static int split_template(const char *path, qmap_spec_images *img)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dn = slash ? (size_t)(slash - path) : 0;
    const char *dot = strchr(base, '.');
    if (!dot)
        dot = base + strlen(base);
    const char *d = dot;
    while (d > base && d[-1] >= '0' && d[-1] <= '9')
        d--;
    size_t nd = (size_t)(dot - d);
    if (nd == 0 || nd > 12 || dn >= sizeof img->dir || (size_t)(d - base) >= sizeof img->prefix ||
        strlen(dot) >= sizeof img->suffix)
        return -1;
    memcpy(img->dir, path, dn);
    img->dir[dn] = '\0';
    if (dn == 0 && slash)
        strcpy(img->dir, "/");
    memcpy(img->prefix, base, (size_t)(d - base));
    img->prefix[d - base] = '\0';
    snprintf(img->fmt, sizeof img->fmt, "%%0%zud", nd);
    snprintf(img->suffix, sizeof img->suffix, "%s", dot);
    img->first = 0;
    for (const char *p = d; p < dot; p++)
        img->first = img->first * 10 + (*p - '0');
    return 0;
}

int qmap_spec_images_path(const qmap_spec_images *img, long index, char *out, size_t size)
{
    char num[32];
    snprintf(num, sizeof num, img->fmt, (int)index);
    int n = snprintf(out, size, "%s%s%s%s%s", img->dir, img->dir[0] ? "/" : "", img->prefix,
                     num, img->suffix);
    if (n < 0 || (size_t)n >= size)
        return qmap_error(QMAP_ERR_VALUE, "image file path too long (%s...)", img->prefix);
    return QMAP_OK;
}

/* Make img->dir absolute or relative to the SPEC folder and pick the folder that holds the
 * first image file (see frames_edf.h); keeps the recorded one when none does. */
static void resolve_dir(const char *spec_path, qmap_spec_images *img)
{
    char spec_dir[QMAP_EDF_PATH_MAX];
    snprintf(spec_dir, sizeof spec_dir, "%s", spec_path);
    char *s = strrchr(spec_dir, '/');
    if (s)
        *s = '\0';
    else
        strcpy(spec_dir, ".");
    char recorded[QMAP_EDF_PATH_MAX];
    if (img->dir[0] == '/')
        snprintf(recorded, sizeof recorded, "%s", img->dir);
    else if (img->dir[0])
        snprintf(recorded, sizeof recorded, "%s/%s", spec_dir, img->dir);
    else
        snprintf(recorded, sizeof recorded, "%s", spec_dir);
    const char *last = strrchr(img->dir, '/');
    last = last ? last + 1 : img->dir;
    char cand[3][QMAP_EDF_PATH_MAX];
    snprintf(cand[0], sizeof cand[0], "%s", recorded);
    snprintf(cand[1], sizeof cand[1], "%s/%s", spec_dir, last);
    snprintf(cand[2], sizeof cand[2], "%s", spec_dir);
    for (int i = 0; i < 3; i++) {
        if (!dir_exists(cand[i]))
            continue;
        qmap_spec_images t = *img;
        snprintf(t.dir, sizeof t.dir, "%s", cand[i]);
        char p[QMAP_EDF_PATH_MAX + 512];
        if (qmap_spec_images_path(&t, t.first, p, sizeof p) == QMAP_OK && file_exists(p)) {
            *img = t;
            return;
        }
    }
    snprintf(img->dir, sizeof img->dir, "%s", recorded);
}

int qmap_spec_images_find(const char *spec_path, const qmap_spec_scan *s, const char *detector,
                          qmap_spec_images *img)
{
    memset(img, 0, sizeof *img);
    /* the detector: the one asked for, else the first #ULIMA_<det> */
    const char *tmpl = NULL;
    if (detector) {
        char key[96];
        snprintf(key, sizeof key, "ULIMA_%s", detector);
        tmpl = qmap_spec_user(s, key);
        snprintf(img->detector, sizeof img->detector, "%s", detector);
    } else {
        for (int pass = 0; pass < 2 && !tmpl; pass++) {
            const qmap_spec_line *l = pass ? s->header_user : s->user;
            int n = pass ? s->n_header_user : s->n_user;
            for (int i = 0; i < n && !tmpl; i++) {
                if (strncmp(l[i].key, "ULIMA_", 6) == 0 && l[i].key[6]) {
                    tmpl = l[i].value;
                    snprintf(img->detector, sizeof img->detector, "%s", l[i].key + 6);
                }
            }
        }
    }
    /* "#C imageFile ..." of the scan wins over the template */
    for (int i = 0; i < s->n_comments; i++) {
        const char *c = s->comments[i].value;
        if (strncmp(c, "imageFile", 9) != 0)
            continue;
        char nr[32];
        if (bracket_value(c, "dir", img->dir, sizeof img->dir) != 0 ||
            bracket_value(c, "prefix", img->prefix, sizeof img->prefix) != 0 ||
            bracket_value(c, "nextNr", nr, sizeof nr) != 0 ||
            bracket_value(c, "suffix", img->suffix, sizeof img->suffix) != 0)
            return qmap_error(QMAP_ERR_FORMAT, "%s: scan %d: malformed '#C imageFile' line "
                              "(needs dir[], prefix[], nextNr[], suffix[])", spec_path, s->number);
        if (bracket_value(c, "idxFmt", img->fmt, sizeof img->fmt) != 0)
            snprintf(img->fmt, sizeof img->fmt, "%%04d");
        char *end = NULL;
        img->first = strtol(nr, &end, 10);
        if (end == nr || *end || img->first < 0 || img->first > 1000000000L ||
            !safe_index_format(img->fmt))
            return qmap_error(QMAP_ERR_FORMAT, "%s: scan %d: '#C imageFile': bad nextNr[%s] or "
                              "idxFmt[%s]", spec_path, s->number, nr, img->fmt);
        resolve_dir(spec_path, img);
        return QMAP_OK;
    }
    if (!tmpl) {
        if (detector)
            return qmap_error(QMAP_ERR_FORMAT, "%s: scan %d: no #ULIMA_%s line and no '#C "
                              "imageFile' line: cannot locate the EDF frames", spec_path,
                              s->number, detector);
        return qmap_error(QMAP_ERR_FORMAT, "%s: scan %d: no #ULIMA_<detector> line and no '#C "
                          "imageFile' line: cannot locate the EDF frames", spec_path, s->number);
    }
    if (split_template(tmpl, img) != 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: scan %d: #ULIMA_%s '%.200s' is not a "
                          "DIR/PREFIX<number>.edf[.gz] template", spec_path, s->number,
                          img->detector, tmpl);
    resolve_dir(spec_path, img);
    return QMAP_OK;
}

/* ---------------------------------------------------------------- reader */

void qmap_edf_frames_close(qmap_edf_frames *r)
{
    if (!r)
        return;
    qmap_edf_close(r->file);
    free(r);
}

int qmap_edf_frames_clone(const qmap_edf_frames *r, qmap_edf_frames **out)
{
    *out = NULL;
    qmap_edf_frames *c = malloc(sizeof *c);
    if (!c)
        return qmap_error(QMAP_ERR_NOMEM, "%s: no memory for a frame reader", r->spec_path);
    *c = *r;
    c->file = NULL;
    if (r->multi && r->file) {
        int rc = qmap_edf_open(qmap_edf_path(r->file), &c->file);
        if (rc != QMAP_OK) {
            free(c);
            return rc;
        }
    }
    *out = c;
    return QMAP_OK;
}

int qmap_edf_frames_n_frames(const qmap_edf_frames *r)
{
    return r ? r->n_frames : 0;
}

void qmap_edf_frames_shape(const qmap_edf_frames *r, int *rows, int *cols)
{
    *rows = r ? r->rows : 0;
    *cols = r ? r->cols : 0;
}

int qmap_edf_frames_open(const char *spec_path, const char *scan, const char *detector,
                         qmap_edf_frames **out)
{
    *out = NULL;
    qmap_spec_file *sf = NULL;
    int rc = qmap_spec_open(spec_path, &sf);
    if (rc != QMAP_OK)
        return rc;
    qmap_edf_frames *r = calloc(1, sizeof *r);
    if (!r) {
        qmap_spec_close(sf);
        return qmap_error(QMAP_ERR_NOMEM, "%s: no memory for the frame reader", spec_path);
    }
    snprintf(r->spec_path, sizeof r->spec_path, "%s", spec_path);
    snprintf(r->scan, sizeof r->scan, "%s", scan ? scan : "");
    const qmap_spec_scan *s = qmap_spec_find_scan(sf, scan ? scan : "");
    if (!s)
        rc = qmap_error(QMAP_ERR_FORMAT, "%s: no scan %s", spec_path, scan ? scan : "(null)");
    if (rc == QMAP_OK)
        rc = qmap_spec_images_find(spec_path, s, detector, &r->img);
    if (rc == QMAP_OK) {
        r->n_frames = s->n_rows > 1 << 30 ? 1 << 30 : (int)s->n_rows;
        if (r->n_frames == 0)
            rc = qmap_error(QMAP_ERR_FORMAT, "%s: scan %s has no data line (no frame)",
                            spec_path, r->scan);
    }
    qmap_spec_close(sf);
    char path[QMAP_EDF_PATH_MAX + 512];
    if (rc == QMAP_OK)
        rc = qmap_spec_images_path(&r->img, r->img.first, path, sizeof path);
    if (rc == QMAP_OK)
        rc = qmap_edf_open(path, &r->file);
    qmap_edf_header h;
    if (rc == QMAP_OK)
        rc = qmap_edf_frame_header(r->file, 0, &h);
    if (rc == QMAP_OK) {
        r->rows = h.rows;
        r->cols = h.cols;
        int more = qmap_edf_has_frame(r->file, 1);
        if (more < 0)
            rc = more;
        r->multi = more == 1 || r->n_frames == 1;
        if (!r->multi) {
            qmap_edf_close(r->file);
            r->file = NULL;
        }
    }
    if (rc != QMAP_OK) {
        qmap_edf_frames_close(r);
        return rc;
    }
    *out = r;
    return QMAP_OK;
}

int qmap_edf_frames_read(qmap_edf_frames *r, int first, int count, int row0, int row1,
                         float *out)
{
    if (first < 0 || count < 0 || first + count > r->n_frames || row0 < 0 || row1 > r->rows ||
        row0 >= row1)
        return qmap_error(QMAP_ERR_VALUE, "%s: scan %s: frames [%d, %d) rows [%d, %d) outside "
                          "%d frames of %d rows", r->spec_path, r->scan, first, first + count,
                          row0, row1, r->n_frames, r->rows);
    size_t per = (size_t)(row1 - row0) * (size_t)r->cols;
    for (int i = 0; i < count; i++) {
        int k = first + i;
        qmap_edf_file *f = r->file;
        int frame = k;
        if (!r->multi) {
            char path[QMAP_EDF_PATH_MAX + 512];
            int rc = qmap_spec_images_path(&r->img, r->img.first + k, path, sizeof path);
            if (rc == QMAP_OK)
                rc = qmap_edf_open(path, &f);
            if (rc != QMAP_OK) {
                char msg[QMAP_EDF_PATH_MAX + 128];
                snprintf(msg, sizeof msg, "%s", qmap_error_message());
                return qmap_error(rc, "scan %s frame %d: %s", r->scan, k, msg);
            }
            frame = 0;
        }
        qmap_edf_header h;
        int rc = qmap_edf_frame_header(f, frame, &h);
        if (rc == QMAP_OK && (h.rows != r->rows || h.cols != r->cols))
            rc = qmap_error(QMAP_ERR_FORMAT, "%s: frame %d is %d x %d, the scan's first frame "
                            "is %d x %d", qmap_edf_path(f), frame, h.rows, h.cols, r->rows, r->cols);
        if (rc == QMAP_OK)
            rc = qmap_edf_read(f, frame, row0, row1, out + (size_t)i * per);
        if (!r->multi)
            qmap_edf_close(f);
        if (rc != QMAP_OK)
            return rc;
    }
    return QMAP_OK;
}
