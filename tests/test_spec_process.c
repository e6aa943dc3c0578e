/* test_spec_process.c -- `qmap process SPECFILE` end to end: a simulated BLISS measurement is
 * copied to the SPEC-era layout (a SPEC file with #UDETCALIB/#UMONO, the swapped piezo
 * counters adcX/adcY and a monitor column; EDF frames as one multi-frame .edf.gz, one plain
 * .edf per frame, one .edf.gz per frame and one multi-frame plain .edf), both copies go
 * through the CLI, and the maps must agree: identical with the same calibration options,
 * within the pixperdeg round trip without them. Also `qmap info SPECFILE` and the error for
 * a missing EDF file (one line naming it, no output file left). */
#include "qmap/dataset.h"
#include "qmap/error.h"
#include "qmap/frames.h"
#include "qmap/results.h"
#include "qmap/simulate.h"
#include "check.h"

#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define PATH 1400

/* One EDF frame of rows x cols SignedInteger values in the byte order asked for: the header
 * padded with spaces to 512 bytes and closed by "}\n", then the data. Caller frees. */
static unsigned char *edf_frame(const float *v, int rows, int cols, int big, int image,
                                size_t *size)
{
    size_t data = (size_t)rows * cols * 4;
    unsigned char *b = malloc(512 + data);
    char h[512];
    int n = snprintf(h, sizeof h, "{\nHeaderID = EH:%06d:000000:000000 ;\nImage = %d ;\n"
                     "ByteOrder = %s ;\nDataType = SignedInteger ;\nDim_1 = %d ;\nDim_2 = %d ;\n"
                     "Size = %zu ;\ncounter_mne = mon1 ;\n", image, image,
                     big ? "HighByteFirst" : "LowByteFirst", cols, rows, data);
    memcpy(b, h, (size_t)n);
    memset(b + n, ' ', 512 - (size_t)n);
    b[510] = '}';
    b[511] = '\n';
    for (size_t p = 0; p < (size_t)rows * cols; p++) {
        uint32_t u = (uint32_t)(int32_t)lrintf(v[p]);
        for (int j = 0; j < 4; j++)
            b[512 + 4 * p + (size_t)j] = (unsigned char)(u >> (8 * (big ? 3 - j : j)));
    }
    *size = 512 + data;
    return b;
}

static void write_file(const char *path, int gz, const unsigned char *b, size_t n)
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

/* Recorded position of piezo `motor` ("pix"/"piy") at point i of scan s. */
static double piezo(const qmap_scan_info *s, const char *motor, int i)
{
    return strcmp(s->title.fast_motor, motor) == 0 ? s->x[i] : s->y[i];
}

/* Scan k's image files: 0 multi-frame .edf.gz (#C imageFile, recorded folder gone), 1 one
 * .edf per frame (the scan's #ULIMA_mpx4), 2 one .edf.gz per frame (#C imageFile, relative
 * folder), 3 multi-frame .edf (the file header's #ULIMA_mpx4). */
static void write_spec(const qmap_dataset *ds, const char *spec)
{
    FILE *f = fopen(spec, "w");
    const qmap_detector_geometry *g = &qmap_dataset_scan(ds, 0)->geom;
    fprintf(f, "#F %s\n#E 1615727206\n#D Sun 2021/03/14 16:27:32\n#C sim  User = opid01\n\n", spec);
    fprintf(f, "#O0      del       eta       chi       phi        nu        mu\n");
    fprintf(f, "#O1      pix       piy       piz\n");
    fprintf(f, "#UDETCALIB cen_pix_x=%.17g,cen_pix_y=%.17g,pixperdeg=%.17g,det_distance_CC=%.17g,"
            "det_distance_COM=0.9,timestamp=2021-03-14T15:54:11\n", g->center_col, g->center_row,
            g->distance_m * tan(M_PI / 180) / g->pixel_row_m, g->distance_m);
    fprintf(f, "#UMONO mono=dcm,mononrj=%.17gkeV,monoth=12.705deg\n", g->energy_ev / 1000);
    fprintf(f, "#ULIMA_mpx4 /data/id01/inhouse/sim/mpx/s3_00000.edf\n");
    for (int k = 0; k < qmap_dataset_n_scans(ds); k++) {
        const qmap_scan_info *s = qmap_dataset_scan(ds, k);
        const qmap_scan_title *t = &s->title;
        fprintf(f, "\n#S %d _pscando %s %.17g %.17g %d %s %.17g %.17g %d %g\n", s->number,
                t->fast_motor, t->fast_start, t->fast_end, t->n_fast, t->slow_motor,
                t->slow_start, t->slow_end, t->n_slow, t->exposure_s);
        fprintf(f, "#D Sun 2021/03/14 16:27:33\n#T 0.01 (Seconds)\n");
        fprintf(f, "#P0 %.17g %.17g 90 %.17g %.17g 0\n#P1 1 2 3\n", s->angles.delta,
                s->angles.eta, s->angles.phi, s->angles.nu);
        if (k == 0)
            fprintf(f, "#C imageFile dir[/data/id01/inhouse/sim/mpx] prefix[s0_] idxFmt[%%05d] "
                    "nextNr[7] suffix[.edf.gz]\n");
        else if (k == 1)
            fprintf(f, "#ULIMA_mpx4 /data/id01/inhouse/sim/mpx/s1_0003.edf\n");
        else if (k == 2)
            fprintf(f, "#C imageFile dir[mpx] prefix[s2_] idxFmt[%%04d] nextNr[0] "
                    "suffix[.edf.gz]\n");
        fprintf(f, "#N 6\n#L Epoch  adcX  adcY  mon1  mpx4int  imgnr\n");
        for (int i = 0; i < s->n_frames; i++)
            fprintf(f, "%g %.17g %.17g %.17g 0 %d\n", 0.01 * i, piezo(s, "piy", i),
                    piezo(s, "pix", i), s->monitor[i], i);
    }
    fclose(f);
}

/* The BLISS frames of every scan as EDF files in mpx/ (layouts: see write_spec). */
static void write_frames(const char *bliss, const qmap_dataset *ds, const char *mpx)
{
    static const int first_nr[4] = {7, 3, 0, 0};
    for (int k = 0; k < qmap_dataset_n_scans(ds); k++) {
        const qmap_scan_info *s = qmap_dataset_scan(ds, k);
        qmap_frame_reader *r = NULL;
        if (qmap_frame_reader_open(bliss, s->name, s->detector, &r) != QMAP_OK) {
            CHECK(0, "BLISS frames: %s", qmap_error_message());
            return;
        }
        int rows = s->geom.n_rows, cols = s->geom.n_cols, multi = k == 0 || k == 3;
        int gz = k == 0 || k == 2;
        float *fr = malloc((size_t)rows * cols * sizeof *fr);
        char path[PATH];
        gzFile g = NULL;
        FILE *plain = NULL;
        if (multi) {
            snprintf(path, sizeof path, "%s/s%d_%05d.edf%s", mpx, k, first_nr[k], gz ? ".gz" : "");
            if (gz)
                g = gzopen(path, "wb1");
            else
                plain = fopen(path, "wb");
        }
        for (int i = 0; i < s->n_frames; i++) {
            CHECK(qmap_frame_reader_read(r, i, 1, 0, rows, fr) == QMAP_OK, "read BLISS frame");
            size_t n;
            unsigned char *b = edf_frame(fr, rows, cols, (i + k) % 2, i + 1, &n);
            if (g) {
                gzwrite(g, b, (unsigned)n);
            } else if (plain) {
                fwrite(b, 1, n, plain);
            } else {
                snprintf(path, sizeof path, "%s/s%d_%04d.edf%s", mpx, k, first_nr[k] + i,
                         gz ? ".gz" : "");
                write_file(path, gz, b, n);
            }
            free(b);
        }
        if (g)
            gzclose(g);
        if (plain)
            fclose(plain);
        free(fr);
        qmap_frame_reader_close(r);
    }
}

/* Dataset `name` of results file `path` as n doubles (malloc'd), or NULL. */
static double *read_doubles(const char *path, const char *name, size_t n)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return NULL;
    double *v = NULL;
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d >= 0) {
        hid_t sp = H5Dget_space(d);
        if (H5Sget_simple_extent_npoints(sp) == (hssize_t)n) {
            v = malloc(n * sizeof *v);
            if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
                free(v);
                v = NULL;
            }
        }
        H5Sclose(sp);
        H5Dclose(d);
    }
    H5Fclose(f);
    return v;
}

/* Compare the maps (and mask, rocking curve) of two results files; tol = 0: bit-identical,
 * else |a - b| <= tol * (|b| + scale), scale the map's typical magnitude. */
static void compare_results(const char *a, const char *b, size_t npos, int n_scans, double tol,
                            const char *what)
{
    for (int k = 0; k <= QMAP_N_MAPS + 1; k++) {
        char name[128];
        size_t n = npos;
        if (k == QMAP_MAP_C)
            continue;   /* only with --hkl */
        if (k == QMAP_N_MAPS)
            snprintf(name, sizeof name, "/maps/mask");
        else if (k == QMAP_N_MAPS + 1) {
            snprintf(name, sizeof name, "/scans/intensity");
            n = (size_t)n_scans;
        } else
            snprintf(name, sizeof name, "/maps/%s", qmap_map_name(k));
        double *va = read_doubles(a, name, n), *vb = read_doubles(b, name, n);
        CHECK(va && vb, "%s: %s missing in %s or %s", what, name, a, b);
        if (va && vb) {
            double scale = 0;
            for (size_t i = 0; i < n; i++)
                if (isfinite(vb[i]) && fabs(vb[i]) > scale)
                    scale = fabs(vb[i]);
            size_t bad = 0, worst = 0;
            double worst_d = 0;
            for (size_t i = 0; i < n; i++) {
                int same = (isnan(va[i]) && isnan(vb[i])) ||
                           (tol == 0 ? va[i] == vb[i]
                                     : fabs(va[i] - vb[i]) <= tol * (fabs(vb[i]) + scale));
                if (!same) {
                    bad++;
                    if (!(fabs(va[i] - vb[i]) <= worst_d)) {
                        worst_d = fabs(va[i] - vb[i]);
                        worst = i;
                    }
                }
            }
            CHECK(bad == 0, "%s: %s: %zu of %zu values differ (e.g. [%zu] %.17g vs %.17g)", what,
                  name, bad, n, worst, va[worst], vb[worst]);
        }
        free(va);
        free(vb);
    }
}

static int run(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Text of a small file (static buffer), "" when unreadable. */
static const char *slurp(const char *path)
{
    static char buf[8192];
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f) {
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = '\0';
        fclose(f);
    }
    return buf;
}

int main(void)
{
    const char *tmp = getenv("QMAP_TEST_TMP"), *bin = getenv("QMAP_BIN");
    if (!tmp || !bin) {
        fprintf(stderr, "test_spec_process: QMAP_TEST_TMP and QMAP_BIN must be set\n");
        return 1;
    }
    char dir[PATH], bliss[PATH], spec[PATH], mpx[PATH], cmd[4 * PATH];
    snprintf(dir, sizeof dir, "%s/spec_process", tmp);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    run(cmd);
    qmap_sim_params p;
    qmap_sim_defaults(&p);
    p.n_fast = 10;
    p.n_slow = 8;
    p.n_eta = 4;
    if (qmap_simulate(&p, dir, bliss, sizeof bliss) != QMAP_OK) {
        fprintf(stderr, "test_spec_process: simulate: %s\n", qmap_error_message());
        return 1;
    }
    qmap_open_options oo = {.monitor = "mon1"};
    qmap_dataset *ref = NULL;
    if (qmap_dataset_open(bliss, &oo, &ref) != QMAP_OK) {
        fprintf(stderr, "test_spec_process: BLISS: %s\n", qmap_error_message());
        return 1;
    }
    int n_scans = qmap_dataset_n_scans(ref);
    const qmap_scan_info *s0 = qmap_dataset_scan(ref, 0);
    const qmap_detector_geometry *g = &s0->geom;
    size_t npos = (size_t)s0->title.n_fast * s0->title.n_slow;
    CHECK(n_scans == 4 && s0->monitor, "simulated dataset: %d scans, monitor %p", n_scans,
          (void *)s0->monitor);
    snprintf(spec, sizeof spec, "%s/sim.spec", dir);
    snprintf(mpx, sizeof mpx, "%s/mpx", dir);
    mkdir(mpx, 0755);
    write_spec(ref, spec);
    write_frames(bliss, ref, mpx);

    /* SPEC data has no detector mask: both runs take the BLISS one as the user mask. The
     * drift is measured on the Bragg maps in both: the BLISS file also holds a fluorescence
     * counter, which this SPEC file does not, and the automatic choice would take it */
    char base[2 * PATH], opts[3 * PATH];
    snprintf(base, sizeof base, "--threads 2 --monitor mon1 --shift-signal bragg "
             "--mask '%s:/%s/instrument/%s/pixel_mask'", bliss, s0->name, s0->detector);
    /* same calibration options on both inputs: identical maps */
    snprintf(opts, sizeof opts, "%s --distance %.17g --pixel-size %.17g --center %.17g,%.17g "
             "--energy %.17g", base, g->distance_m, g->pixel_row_m, g->center_row, g->center_col,
             g->energy_ev);
    const char *runs[][3] = {{spec, "a.h5", opts}, {bliss, "b.h5", opts},
                             {spec, "c.h5", base}, {bliss, "d.h5", base}};
    char out[4][PATH];
    for (int i = 0; i < 4; i++) {
        snprintf(out[i], sizeof out[i], "%s/%s", dir, runs[i][1]);
        snprintf(cmd, sizeof cmd, "'%s' process '%s' -o '%s' %s > '%s/log%d.txt' 2>&1", bin,
                 runs[i][0], out[i], runs[i][2], dir, i);
        int rc = run(cmd);
        snprintf(cmd, sizeof cmd, "%s/log%d.txt", dir, i);
        CHECK(rc == 0 && exists(out[i]), "qmap process %s %s: exit %d\n%s", runs[i][0],
              runs[i][2], rc, slurp(cmd));
    }
    compare_results(out[0], out[1], npos, n_scans, 0, "SPEC vs BLISS, same options");
    /* without options the SPEC pixel size is det_distance_CC * tan(1 deg) / pixperdeg, here
     * equal to the BLISS one to ~1e-16 relative: the maps agree to far better than 1e-9 */
    compare_results(out[2], out[3], npos, n_scans, 1e-9, "SPEC vs BLISS, file calibration");

    /* qmap info on the SPEC file */
    snprintf(cmd, sizeof cmd, "'%s' info '%s' > '%s/info.txt' 2>&1", bin, spec, dir);
    int rc = run(cmd);
    snprintf(cmd, sizeof cmd, "%s/info.txt", dir);
    const char *info = slurp(cmd);
    CHECK(rc == 0 && strstr(info, "_pscando") && strstr(info, "recorded") &&
          !strstr(info, "NOT readable"), "qmap info SPECFILE: exit %d\n%s", rc, info);

    /* a missing EDF file: one line naming it, non-zero exit, no results file */
    char gone[PATH + 64], eout[PATH];
    snprintf(gone, sizeof gone, "%s/s2_%04d.edf.gz", mpx, 5);
    remove(gone);
    snprintf(eout, sizeof eout, "%s/e.h5", dir);
    snprintf(cmd, sizeof cmd, "'%s' process '%s' -o '%s' --threads 2 > /dev/null 2> '%s/err.txt'",
             bin, spec, eout, dir);
    rc = run(cmd);
    snprintf(cmd, sizeof cmd, "%s/err.txt", dir);
    const char *err = slurp(cmd);
    const char *nl = strchr(err, '\n');
    CHECK(rc != 0 && strncmp(err, "qmap process: ", 14) == 0 && strstr(err, "s2_0005.edf.gz") && nl &&
          nl[1] == '\0', "missing EDF: exit %d, stderr:\n%s", rc, err);
    CHECK(!exists(eout), "missing EDF: %s left behind", eout);
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -q 'e.h5.tmp'", dir);
    CHECK(run(cmd) != 0, "missing EDF: temporary file left behind");

    qmap_dataset_close(ref);
    if (failures == 0 && !getenv("KEEP")) {   /* KEEP=1: leave the files to look at */
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        run(cmd);
    }
    return failures != 0;
}
