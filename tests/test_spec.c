/* test_spec.c -- the SPEC parser on the real ID01 "fast" SPEC file (five pscan maps) and
 * on hostile text; the SPEC dataset path (metadata of the real file, frames absent). */
#include "qmap/dataset.h"
#include "qmap/error.h"
#include "qmap/frames.h"
#include "qmap/spec.h"
#include "check.h"
#include "shared_data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_real_file(const char *path, const char *tmp)
{
    qmap_spec_file *f = NULL;
    int rc = qmap_spec_open(path, &f);
    CHECK(rc == QMAP_OK, "open %s: %s", path, qmap_error_message());
    if (rc != QMAP_OK)
        return;
    CHECK(qmap_spec_n_scans(f) == 5, "5 scans, got %d", qmap_spec_n_scans(f));
    for (int i = 0; i < qmap_spec_n_scans(f); i++) {
        const qmap_spec_scan *s = qmap_spec_scan_at(f, i);
        CHECK(s->number == i, "scan %d numbered %d", i, s->number);
        CHECK(strncmp(s->command, "_pscando pix ", 13) == 0, "command '%s'", s->command);
        CHECK(s->n_columns == 14, "scan %d: 14 columns, got %d", i, s->n_columns);
        CHECK(s->n_rows == (i < 3 ? 5000 : 10000), "scan %d rows %ld", i, s->n_rows);
        CHECK(qmap_spec_column(s, "adcY") == 5 && qmap_spec_column(s, "imgnr") == 13,
              "labels adcY/imgnr");
        CHECK(s->n_motors == 96, "96 motors, got %d", s->n_motors);
        double v;
        CHECK(qmap_spec_motor(s, "eta", &v) == QMAP_OK && fabs(v) < 1e-12, "eta = 0");
        CHECK(qmap_spec_motor(s, "chi", &v) == QMAP_OK && fabs(v - 90.000004) < 1e-9,
              "chi 90.000004, got %g", v);
        CHECK(qmap_spec_motor(s, "nix", &v) == QMAP_OK && fabs(v - 0.1) < 1e-12, "nix");
        CHECK(qmap_spec_motor(s, "Invalid", &v) == QMAP_OK, "motor 'Invalid' (7th name)");
        qmap_detector_geometry g = {0};
        rc = qmap_spec_calibration(s, path, &g);
        CHECK(rc == QMAP_OK, "calibration: %s", qmap_error_message());
        CHECK(fabs(g.center_col - 302.080) < 1e-9 && fabs(g.center_row - 227.592) < 1e-9,
              "centre row %g col %g", g.center_row, g.center_col);
        CHECK(fabs(g.distance_m - 0.575) < 1e-12, "distance %g", g.distance_m);
        double pix = 0.575 * tan(M_PI / 180) / 182.536;   /* 54.98 um */
        CHECK(fabs(g.pixel_row_m - pix) < 1e-15 && fabs(g.pixel_col_m - 5.498e-5) < 1e-7,
              "pixel %g", g.pixel_row_m);
        CHECK(fabs(g.energy_ev - 8990.0) < 1e-9, "energy %g", g.energy_ev);
        CHECK(qmap_spec_user(s, "ULIMA_mpx4") != NULL, "ULIMA_mpx4");
    }
    const qmap_spec_scan *s0 = qmap_spec_scan_at(f, 0), *s4 = qmap_spec_scan_at(f, 4);
    /* first and last data values of the file, read by eye */
    CHECK(s0->data[0] == 0.029415 && s0->data[5] == 1.41602 && s0->data[13] == 3, "scan 0 row 0");
    const double *last = s4->data + (s4->n_rows - 1) * 14;
    CHECK(last[0] == 103.98 && last[6] == 29.3594 && last[13] == 10006, "scan 4 last row");
    CHECK(qmap_spec_find_scan(f, "3") == qmap_spec_scan_at(f, 3), "find 3");
    CHECK(qmap_spec_find_scan(f, "3.1") == qmap_spec_scan_at(f, 3), "find 3.1");
    CHECK(qmap_spec_find_scan(f, "3.2") == NULL && qmap_spec_find_scan(f, "x") == NULL, "find bad");
    qmap_spec_close(f);

    /* as a dataset: the five maps do not share one raster (100 x 50 and 100 x 100) */
    qmap_dataset *ds = NULL;
    rc = qmap_dataset_open(path, NULL, &ds);
    CHECK(rc < 0 && strstr(qmap_error_message(), "map shape 100 x 100"), "mixed rasters: %s",
          qmap_error_message());
    qmap_dataset_close(ds);
    ds = NULL;
    /* the file header plus its scans 3 and 4 (both 100 x 100), metadata only: the EDF
     * frames are not in the repository */
    FILE *in = fopen(path, "rb");
    char *buf = malloc(4 << 20);
    size_t len = in && buf ? fread(buf, 1, (4 << 20) - 1, in) : 0;
    if (in)
        fclose(in);
    buf[len] = '\0';
    char *s3 = strstr(buf, "\n#S 3 "), *h0 = strstr(buf, "\n#S 0 ");
    char sub[1024];
    snprintf(sub, sizeof sub, "%s/spec_scans34.spec", tmp);
    FILE *out = fopen(sub, "wb");
    CHECK(s3 && h0 && out, "cut the real file");
    if (s3 && h0 && out) {
        fwrite(buf, 1, (size_t)(h0 - buf + 1), out);
        fwrite(s3 + 1, 1, len - (size_t)(s3 + 1 - buf), out);
    }
    if (out)
        fclose(out);
    free(buf);
    path = sub;
    /* scans 3 and 4 map different regions: two series, never merged */
    rc = qmap_dataset_open(path, NULL, &ds);
    CHECK(rc < 0 && strstr(qmap_error_message(), "--scans 3 (") &&
          strstr(qmap_error_message(), "--scans 4 ("), "two series: %s", qmap_error_message());
    qmap_dataset_close(ds);
    ds = NULL;
    qmap_open_options listing = {.listing = 1};
    rc = qmap_dataset_open(path, &listing, &ds);
    CHECK(rc == QMAP_OK, "dataset: %s", qmap_error_message());
    if (rc != QMAP_OK)
        return;
    CHECK(qmap_dataset_n_scans(ds) == 2, "2 map scans");
    const qmap_scan_info *a = qmap_dataset_scan(ds, 0);
    CHECK(a && strcmp(a->name, "3.1") == 0 && a->title.n_fast == 100 && a->title.n_slow == 100,
          "scan 3 is 100 x 100");
    CHECK(a && strcmp(a->title.command, "_pscando") == 0 && strcmp(a->title.fast_motor, "pix") == 0 &&
          strcmp(a->title.slow_motor, "piz") == 0, "title of scan 3");
    CHECK(a && strcmp(a->detector, "mpx4") == 0 && a->geom.n_rows == 516 && a->geom.n_cols == 516,
          "detector mpx4 516 x 516");
    /* fast pix -> adcY (col 5), slow piz -> adcZ (col 6): first line of scan 3 */
    CHECK(a && a->positions_recorded && a->x[0] == 35.3119 && a->y[0] == 26.1871,
          "recorded positions %g %g", a ? a->x[0] : 0, a ? a->y[0] : 0);
    CHECK(a && a->n_frames == 10000, "10000 frames");
    qmap_dataset_close(ds);
    /* frames are absent: the EDF reader names the file it looked for */
    qmap_frame_reader *r = NULL;
    rc = qmap_frame_reader_open(path, "3.1", "mpx4", &r);
    CHECK(rc < 0, "opening absent frames must fail");
    qmap_frame_reader_close(r);
}

static void test_hostile(void)
{
    /* lengths from sizeof, so cases may hold NUL bytes */
#define CASE(lit) {lit, sizeof(lit) - 1}
    static const struct { const char *text; size_t len; } table[] = {
        CASE(""), CASE("#"), CASE("#S"), CASE("#S\n"), CASE("#S x\n#L a  b\n1 2\n"),
        CASE("#O0 a  b\n#S 1 t\n#P0 1\n#L x\n1e999 nan -\n"),
        CASE("#S 2 cmd\n#L a\n\x00\x01 3\n"), CASE("#S 3\n#L a  b  c\n1\n1 2 3 4 5\n#L z\n7\n"),
        CASE("#S 99999999999999999 x\n"), CASE("#UDETCALIB cen_pix_x=1\n#S 1 x\n"),
    };
#undef CASE
    const char *cases[sizeof table / sizeof table[0]];
    size_t lens[sizeof table / sizeof table[0]];
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        cases[i] = table[i].text;
        lens[i] = table[i].len;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        qmap_spec_file *f = NULL;
        int rc = qmap_spec_parse(cases[i], lens[i], "case", &f);
        if (rc == QMAP_OK) {
            for (int k = 0; k < qmap_spec_n_scans(f); k++) {
                const qmap_spec_scan *s = qmap_spec_scan_at(f, k);
                qmap_detector_geometry g;
                CHECK(qmap_spec_calibration(s, "case", &g) < 0, "case %zu: no calibration", i);
            }
        } else {
            CHECK(strlen(qmap_error_message()) > 0, "case %zu: message", i);
        }
        qmap_spec_close(f);
    }
    /* a second #L restarts the columns and data */
    qmap_spec_file *f = NULL;
    const char *t = "#S 3 x\n#L a  b  c\n1\n1 2 3 4 5\n#L z\n7\n";
    CHECK(qmap_spec_parse(t, strlen(t), "t", &f) == QMAP_OK, "restart");
    const qmap_spec_scan *s = qmap_spec_scan_at(f, 0);
    CHECK(s && s->n_columns == 1 && s->n_rows == 1 && s->data[0] == 7, "restarted scan");
    qmap_spec_close(f);
    double v;
    CHECK(qmap_spec_keyval("a=1,mononrj=8.990keV,b=2", "mononrj", &v) == QMAP_OK && v == 8.990,
          "keyval");
    CHECK(qmap_spec_keyval("xmononrj=1", "mononrj", &v) < 0, "keyval prefix");
    CHECK(qmap_spec_keyval("mononrj=keV", "mononrj", &v) < 0, "keyval not a number");
}

int main(void)
{
    const char *tmp = getenv("QMAP_TEST_TMP");
    if (!tmp) {
        fprintf(stderr, "test_spec: QMAP_TEST_TMP must be set\n");
        return 1;
    }
    const char *shared = shared_folder("test_spec", "data", "the real SPEC pscan file");
    if (shared) {
        char path[1024];
        snprintf(path, sizeof path,
                 "%s/data/id01-spec-pscan/ALIGNMENT_2021_03_14_140646_fast_00004.spec", shared);
        test_real_file(path, tmp);
    }
    test_hostile();
    return shared_exit_status(failures);
}
