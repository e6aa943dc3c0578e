/* test_edf.c -- the EDF reader on files written here in the real ESRF format (every data
 * type, both byte orders, plain and gzip, multi-frame), on broken files, and the SPEC+EDF
 * dataset end to end against the BLISS file of the same simulated measurement. */
#include "qmap/dataset.h"
#include "qmap/edf.h"
#include "qmap/error.h"
#include "qmap/frames.h"
#include "qmap/simulate.h"
#include "frames_edf.h"
#include "check.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

typedef struct {
    const char *name;
    int size, is_float, is_signed;
} edf_type;

static const edf_type types[] = {
    {"UnsignedByte", 1, 0, 0}, {"SignedByte", 1, 0, 1}, {"UnsignedShort", 2, 0, 0},
    {"SignedShort", 2, 0, 1}, {"UnsignedInteger", 4, 0, 0}, {"SignedInteger", 4, 0, 1},
    {"UnsignedLong64", 8, 0, 0}, {"SignedLong64", 8, 0, 1}, {"FloatValue", 4, 1, 1},
    {"DoubleValue", 8, 1, 1}, {"UnsignedShortInteger", 2, 0, 0}, {"SignedLongInteger", 4, 0, 1},
    {"Float", 4, 1, 1}, {"Double", 8, 1, 1}, {"UnsignedLong", 4, 0, 0},
};

/* Encode value v as type t in the byte order asked for. */
static void encode(const edf_type *t, int big, double v, unsigned char *out)
{
    uint64_t u;
    if (t->is_float && t->size == 4) {
        float f = (float)v;
        uint32_t w;
        memcpy(&w, &f, 4);
        u = w;
    } else if (t->is_float) {
        memcpy(&u, &v, 8);
    } else {
        u = (uint64_t)(int64_t)v;
    }
    for (int b = 0; b < t->size; b++)
        out[big ? t->size - 1 - b : b] = (unsigned char)(u >> (8 * b));
}

/* One EDF frame as ESRF writes it: header padded to a multiple of 512 bytes. */
static size_t make_frame(const edf_type *t, int big, int rows, int cols, const double *v,
                         int image_nr, unsigned char **out)
{
    char head[2048];
    int n = snprintf(head, sizeof head,
                     "{\nHeaderID = EH:%06d:000000:000000 ;\nImage = %d ;\nByteOrder = %s ;\n"
                     "DataType = %s ;\nDim_1 = %d ;\nDim_2 = %d ;\nSize = %zu ;\n"
                     "count_time = 0.01 ; motor_pos = 1 2 3 ;\n",
                     image_nr, image_nr, big ? "HighByteFirst" : "LowByteFirst", t->name, cols,
                     rows, (size_t)rows * cols * t->size);
    size_t hb = ((size_t)n + 2 + 511) / 512 * 512;
    memset(head + n, ' ', hb - (size_t)n);
    head[hb - 2] = '}';
    head[hb - 1] = '\n';
    size_t db = (size_t)rows * cols * t->size;
    *out = malloc(hb + db);
    memcpy(*out, head, hb);
    for (size_t i = 0; i < (size_t)rows * cols; i++)
        encode(t, big, v[i], *out + hb + i * t->size);
    return hb + db;
}

static void write_bytes(const char *path, int gz, const unsigned char *b, size_t n)
{
    if (gz) {
        gzFile g = gzopen(path, "wb1");
        gzwrite(g, b, (unsigned)n);
        gzclose(g);
    } else {
        FILE *f = fopen(path, "wb");
        fwrite(b, 1, n, f);
        fclose(f);
    }
}

static void test_types(const char *tmp)
{
    const int rows = 7, cols = 5, nfr = 3;
    double v[3][35];
    for (int k = 0; k < nfr; k++)
        for (int i = 0; i < rows * cols; i++)
            v[k][i] = (i * 7 + k * 13) % 100 + (i % 3 == 0 ? 20 : 0);
    for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++) {
        const edf_type *t = &types[ti];
        for (int big = 0; big < 2; big++) {
            for (int gz = 0; gz < 2; gz++) {
                double vals[3][35];
                for (int k = 0; k < nfr; k++)
                    for (int i = 0; i < rows * cols; i++)
                        vals[k][i] = t->is_signed ? v[k][i] - 50 + (t->is_float ? 0.25 : 0) : v[k][i];
                unsigned char *all = NULL;
                size_t total = 0;
                for (int k = 0; k < nfr; k++) {
                    unsigned char *fr;
                    size_t n = make_frame(t, big, rows, cols, vals[k], k, &fr);
                    all = realloc(all, total + n);
                    memcpy(all + total, fr, n);
                    total += n;
                    free(fr);
                }
                char path[1024];
                snprintf(path, sizeof path, "%s/edf_%s_%d.edf%s", tmp, t->name, big, gz ? ".gz" : "");
                write_bytes(path, gz, all, total);
                free(all);
                qmap_edf_file *f = NULL;
                int rc = qmap_edf_open(path, &f);
                CHECK(rc == QMAP_OK, "%s: %s", path, qmap_error_message());
                if (rc != QMAP_OK)
                    continue;
                CHECK(qmap_edf_n_frames(f) == nfr, "%s: %d frames", path, qmap_edf_n_frames(f));
                for (int k = nfr - 1; k >= 0; k--) {   /* backwards: seeks in gz too */
                    float out[35];
                    rc = qmap_edf_read(f, k, 2, 6, out);
                    CHECK(rc == QMAP_OK, "%s frame %d: %s", path, k, qmap_error_message());
                    int bad = 0;
                    for (int i = 0; i < 4 * cols; i++)
                        bad += out[i] != (float)vals[k][2 * cols + i];
                    CHECK(bad == 0, "%s frame %d: %d wrong values", path, k, bad);
                }
                CHECK(qmap_edf_read(f, nfr, 0, 1, (float[5]){0}) < 0 &&
                      strstr(qmap_error_message(), path), "frame past the end names the file");
                qmap_edf_close(f);
            }
        }
    }
}

static void test_broken(const char *tmp)
{
    char path[1024];
    qmap_edf_file *f = NULL;
    snprintf(path, sizeof path, "%s/edf_missing.edf", tmp);
    CHECK(qmap_edf_open(path, &f) == QMAP_ERR_IO && strstr(qmap_error_message(), path),
          "missing: %s", qmap_error_message());
    double v[20] = {1, 2, 3};
    unsigned char *fr;
    size_t n = make_frame(&types[5], 0, 4, 5, v, 0, &fr);
    for (int gz = 0; gz < 2; gz++) {
        snprintf(path, sizeof path, "%s/edf_trunc.edf%s", tmp, gz ? ".gz" : "");
        write_bytes(path, gz, fr, n - 9);    /* data cut short */
        int rc = qmap_edf_open(path, &f);
        CHECK(rc == QMAP_OK, "truncated data still has a header");
        float out[20];
        rc = f ? qmap_edf_read(f, 0, 0, 4, out) : -1;
        CHECK(rc == QMAP_ERR_CORRUPT && strstr(qmap_error_message(), path) &&
              strstr(qmap_error_message(), "truncated"), "truncated: %s", qmap_error_message());
        qmap_edf_close(f);
        f = NULL;
        write_bytes(path, gz, fr, 300);      /* header cut short */
        CHECK(qmap_edf_open(path, &f) < 0 && strstr(qmap_error_message(), path),
              "cut header: %s", qmap_error_message());
        write_bytes(path, gz, (const unsigned char *)"", 0);
        CHECK(qmap_edf_open(path, &f) < 0 && strstr(qmap_error_message(), "empty"),
              "empty: %s", qmap_error_message());
    }
    free(fr);
    qmap_edf_header h;
    const char *bad[] = {
        "{ DataType = Complex ; Dim_1 = 2 ; Dim_2 = 2 ; }\n",
        "{ DataType = FloatValue ; Dim_1 = 0 ; Dim_2 = 2 ; }\n",
        "{ DataType = FloatValue ; Dim_1 = 2 ; }\n",
        "{ Dim_1 = 2 ; Dim_2 = 2 ; }\n",
        "{ DataType = FloatValue ; Dim_1 = 2 ; Dim_2 = 2 ; Size = 3 ; }\n",
        "{ DataType = FloatValue ; ByteOrder = Middle ; Dim_1 = 2 ; Dim_2 = 2 ; }\n",
        "{ DataType = FloatValue ; Dim_1 = 99999999999999999999 ; Dim_2 = 2 ; }\n",
        "no brace", "{ DataType = FloatValue ; Dim_1 = 2 ; Dim_2 = 2 ; ",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(qmap_edf_parse_header(bad[i], strlen(bad[i]), "x.edf", &h) < 0 &&
              strstr(qmap_error_message(), "x.edf"), "bad header %zu accepted", i);
    const char *ok = "{ DataType = UnsignedShort ; ByteOrder = HighByteFirst ; Dim_1 = 3 ; Dim_2 = 2 ; }\n";
    CHECK(qmap_edf_parse_header(ok, strlen(ok), "x", &h) == QMAP_OK && h.cols == 3 && h.rows == 2 &&
          h.big_endian && h.data_bytes == 12 && h.header_bytes == strlen(ok), "good header");
}

/* ---------------------------------------------------------------- SPEC + EDF vs BLISS */

static void write_spec_dataset(const char *dir, const qmap_dataset *ds, const char *spec)
{
    FILE *f = fopen(spec, "w");
    const qmap_scan_info *s0 = qmap_dataset_scan(ds, 0);
    const qmap_detector_geometry *g = &s0->geom;
    fprintf(f, "#F %s\n#E 1615727206\n#D Sun 2021/03/14 16:27:32\n#C test  User = opid01\n\n", spec);
    fprintf(f, "#O0      del       eta       chi       phi        nu        mu   Invalid\n");
    fprintf(f, "#O1      pix       piy\n");
    fprintf(f, "#UDETCALIB cen_pix_x=%.17g,cen_pix_y=%.17g,pixperdeg=%.17g,det_distance_CC=%.17g,"
            "timestamp=2021-03-14T15:54:11\n", g->center_col, g->center_row,
            g->distance_m * tan(M_PI / 180) / g->pixel_row_m, g->distance_m);
    fprintf(f, "#UMONO mono=dcm,mononrj=%.17gkeV,monoth=12.705deg\n", g->energy_ev / 1000);
    fprintf(f, "#ULIMA_mpx4 /nonexistent/mpx/data00000.edf.gz\n");
    for (int k = 0; k < qmap_dataset_n_scans(ds); k++) {
        const qmap_scan_info *s = qmap_dataset_scan(ds, k);
        const qmap_scan_title *t = &s->title;
        fprintf(f, "\n#S %d _pscando %s %.17g %.17g %d %s %.17g %.17g %d %g\n", s->number,
                t->fast_motor, t->fast_start, t->fast_end, t->n_fast, t->slow_motor,
                t->slow_start, t->slow_end, t->n_slow, t->exposure_s);
        fprintf(f, "#D Sun 2021/03/14 16:27:33\n#T 0.01 (Seconds)\n");
        fprintf(f, "#P0 %.17g %.17g 90 %.17g %.17g 0 -6.9\n#P1 1 2\n", s->angles.delta,
                s->angles.eta, s->angles.phi, s->angles.nu);
        /* scan 0: one gzip multi-frame file per scan; others: one plain file per frame */
        if (k == 0)
            fprintf(f, "#C imageFile dir[/data/id01/inhouse/x/mpx] prefix[data] idxFmt[%%05d] "
                    "nextNr[%d] suffix[.edf.gz]\n", 10 + k);
        else
            fprintf(f, "#C imageFile dir[mpx] prefix[img_%d_] idxFmt[%%04d] nextNr[3] "
                    "suffix[.edf]\n", k);
        fprintf(f, "#N 5\n#L timer  adcX  adcY  mpx4int  imgnr\n");
        for (int i = 0; i < s->n_frames; i++)
            fprintf(f, "%g %.17g %.17g 0 %d\n", 0.01 * i, s->y[i], s->x[i], 3 + i);
    }
    fclose(f);
    (void)dir;
}

static void write_frames(const char *bliss, const qmap_dataset *ds, const char *mpx)
{
    const edf_type *t = &types[5];   /* SignedInteger, as the Maxipix */
    for (int k = 0; k < qmap_dataset_n_scans(ds); k++) {
        const qmap_scan_info *s = qmap_dataset_scan(ds, k);
        qmap_frame_reader *r = NULL;
        if (qmap_frame_reader_open(bliss, s->name, s->detector, &r) != QMAP_OK) {
            CHECK(0, "BLISS frames: %s", qmap_error_message());
            return;
        }
        int rows = s->geom.n_rows, cols = s->geom.n_cols;
        float *fr = malloc((size_t)rows * cols * sizeof *fr);
        double *v = malloc((size_t)rows * cols * sizeof *v);
        gzFile g = NULL;
        char path[1024];
        if (k == 0) {
            snprintf(path, sizeof path, "%s/data%05d.edf.gz", mpx, 10 + k);
            g = gzopen(path, "wb1");
        }
        for (int i = 0; i < s->n_frames; i++) {
            CHECK(qmap_frame_reader_read(r, i, 1, 0, rows, fr) == QMAP_OK, "read BLISS frame");
            for (size_t p = 0; p < (size_t)rows * cols; p++)
                v[p] = fr[p];
            unsigned char *b;
            size_t n = make_frame(t, i % 2, rows, cols, v, i, &b);
            if (g) {
                gzwrite(g, b, (unsigned)n);
            } else {
                snprintf(path, sizeof path, "%s/img_%d_%04d.edf", mpx, k, 3 + i);
                write_bytes(path, 0, b, n);
            }
            free(b);
        }
        if (g)
            gzclose(g);
        free(fr);
        free(v);
        qmap_frame_reader_close(r);
    }
}

static void test_spec_vs_bliss(const char *tmp)
{
    char dir[1024], bliss[1024], spec[1200], mpx[1200];
    snprintf(dir, sizeof dir, "%s/spec_edf_sim", tmp);
    qmap_sim_params p;
    qmap_sim_defaults(&p);
    p.n_fast = 6;
    p.n_slow = 4;
    p.n_eta = 3;
    p.compression = 2;
    if (qmap_simulate(&p, dir, bliss, sizeof bliss) != QMAP_OK) {
        CHECK(0, "simulate: %s", qmap_error_message());
        return;
    }
    qmap_dataset *ref = NULL, *ds = NULL;
    CHECK(qmap_dataset_open(bliss, NULL, &ref) == QMAP_OK, "BLISS: %s", qmap_error_message());
    if (!ref)
        return;
    snprintf(spec, sizeof spec, "%s/sim.spec", dir);
    snprintf(mpx, sizeof mpx, "%s/mpx", dir);
    mkdir(mpx, 0755);
    char first_file[1300];
    snprintf(first_file, sizeof first_file, "%s/data00010.edf.gz", mpx);
    remove(first_file);   /* left by an earlier run */
    write_spec_dataset(dir, ref, spec);
    /* frames absent: metadata opens (known Maxipix shape), frame reading names the file */
    int rc = qmap_dataset_open(spec, NULL, &ds);
    CHECK(rc == QMAP_OK, "SPEC without frames: %s", qmap_error_message());
    qmap_dataset_close(ds);
    ds = NULL;
    qmap_edf_frames *er = NULL;
    rc = qmap_edf_frames_open(spec, qmap_dataset_scan(ref, 0)->name, NULL, &er);
    CHECK(rc == QMAP_ERR_IO && strstr(qmap_error_message(), "data00010.edf.gz"),
          "missing EDF named: %s", qmap_error_message());
    write_frames(bliss, ref, mpx);
    rc = qmap_dataset_open(spec, NULL, &ds);
    CHECK(rc == QMAP_OK, "SPEC: %s", qmap_error_message());
    if (!ds) {
        qmap_dataset_close(ref);
        return;
    }
    CHECK(qmap_dataset_n_scans(ds) == qmap_dataset_n_scans(ref), "same scans");
    for (int k = 0; k < qmap_dataset_n_scans(ds) && k < qmap_dataset_n_scans(ref); k++) {
        const qmap_scan_info *a = qmap_dataset_scan(ds, k), *b = qmap_dataset_scan(ref, k);
        CHECK(a->number == b->number && a->n_frames == b->n_frames, "scan %d frames", k);
        CHECK(a->title.n_fast == b->title.n_fast && a->title.n_slow == b->title.n_slow &&
              strcmp(a->title.fast_motor, b->title.fast_motor) == 0, "scan %d title", k);
        const qmap_detector_geometry *ga = &a->geom, *gb = &b->geom;
        CHECK(ga->n_rows == gb->n_rows && ga->n_cols == gb->n_cols, "shape");
        CHECK(fabs(ga->energy_ev - gb->energy_ev) < 1e-9 * gb->energy_ev &&
              fabs(ga->distance_m - gb->distance_m) < 1e-12 &&
              fabs(ga->pixel_row_m - gb->pixel_row_m) < 1e-12 * 1e3 * gb->pixel_row_m &&
              fabs(ga->center_row - gb->center_row) < 1e-12 &&
              fabs(ga->center_col - gb->center_col) < 1e-12, "scan %d geometry", k);
        CHECK(fabs(a->angles.eta - b->angles.eta) < 1e-12 && fabs(a->angles.delta - b->angles.delta) < 1e-12 &&
              fabs(a->angles.phi - b->angles.phi) < 1e-12 && fabs(a->angles.nu - b->angles.nu) < 1e-12,
              "scan %d angles", k);
        int bad = 0;
        for (int i = 0; i < b->n_frames; i++)
            bad += a->x[i] != b->x[i] || a->y[i] != b->y[i];
        CHECK(bad == 0 && a->positions_recorded, "scan %d: %d positions differ", k, bad);
        /* frames */
        qmap_frame_reader *rb = NULL;
        er = NULL;
        rc = qmap_edf_frames_open(spec, a->name, NULL, &er);
        CHECK(rc == QMAP_OK, "EDF frames %s: %s", a->name, qmap_error_message());
        if (rc != QMAP_OK || qmap_frame_reader_open(bliss, b->name, b->detector, &rb) != QMAP_OK)
            continue;
        int rows, cols;
        qmap_edf_frames_shape(er, &rows, &cols);
        CHECK(qmap_edf_frames_n_frames(er) == b->n_frames && rows == gb->n_rows, "EDF shape");
        size_t n = (size_t)3 * 50 * cols;
        float *fa = malloc(n * sizeof *fa), *fb = malloc(n * sizeof *fb);
        for (int first = 0; first + 3 <= b->n_frames; first += 5) {
            CHECK(qmap_edf_frames_read(er, first, 3, 100, 150, fa) == QMAP_OK, "EDF read: %s",
                  qmap_error_message());
            CHECK(qmap_frame_reader_read(rb, first, 3, 100, 150, fb) == QMAP_OK, "BLISS read");
            CHECK(memcmp(fa, fb, n * sizeof *fa) == 0, "scan %d frames %d..: differ", k, first);
        }
        free(fa);
        free(fb);
        qmap_edf_frames_close(er);
        qmap_frame_reader_close(rb);
    }
    /* a frame file removed: the error names it */
    char gone[1400];
    snprintf(gone, sizeof gone, "%s/img_1_%04d.edf", mpx, 3 + 4);
    remove(gone);
    er = NULL;
    if (qmap_edf_frames_open(spec, qmap_dataset_scan(ds, 1)->name, NULL, &er) == QMAP_OK) {
        float *buf = malloc((size_t)516 * 516 * 8 * sizeof *buf);
        rc = qmap_edf_frames_read(er, 0, 4, 0, 516, buf);
        CHECK(rc == QMAP_OK, "frames before the removed one");
        rc = qmap_edf_frames_read(er, 2, 8, 0, 516, buf);
        CHECK(rc == QMAP_ERR_IO && strstr(qmap_error_message(), gone), "removed file: %s",
              qmap_error_message());
        free(buf);
        qmap_edf_frames_close(er);
    }
    qmap_dataset_close(ds);
    qmap_dataset_close(ref);
}

int main(void)
{
    const char *tmp = getenv("QMAP_TEST_TMP");
    if (!tmp) {
        fprintf(stderr, "test_edf: QMAP_TEST_TMP must be set\n");
        return 1;
    }
    test_types(tmp);
    test_broken(tmp);
    test_spec_vs_bliss(tmp);
    return failures != 0;
}
