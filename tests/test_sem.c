/* test_sem.c -- SEM particle sizes against ground truth.
 *
 * Synthetic SEM-like images are drawn here (anti-aliased discs and ellipses of known
 * sizes, touching pairs, a particle cut by the border, an uneven background, Gaussian
 * noise), written as 8-bit TIFF, 16-bit TIFF and PNG with libtiff/libpng, read back with
 * image_io.h and analysed with sem.h. Tolerances (stated with each check): every particle
 * found, isolated ECDs within 1 px or 3 %, touching pairs split with each ECD within 6 %,
 * the border particle rejected; on a log-normal population the fitted median within 3 %
 * and geometric std within 0.04 of those of the true diameters. The log-normal fit itself
 * is checked on GSL-drawn samples, the histogram on hand-counted values.
 */
#include "qmap/error.h"
#include "qmap/image_io.h"
#include "qmap/sem.h"
#include "check.h"
#include "sem_internal.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <png.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

static char dir[1024];

typedef struct {
    double r, c;        /* centre (pixels; pixel (i,j) covers [i, i+1) x [j, j+1)) */
    double a, b;        /* semi-axes along the rotated x and y (pixels) */
    double angle;       /* radians */
    int group;          /* 0 = isolated, >0 = member of a touching pair, -1 = cut by the border */
} shape;

static int inside(const shape *s, double y, double x)
{
    double dx = x - s->c, dy = y - s->r, ca = cos(s->angle), sa = sin(s->angle);
    double u = dx * ca + dy * sa, v = -dx * sa + dy * ca;
    return (u * u) / (s->a * s->a) + (v * v) / (s->b * s->b) <= 1;
}

/* Grey image (0..max) of the shapes: uneven background, contrast, noise; 4x4 supersampled. */
static double *draw(int w, int h, const shape *s, int n, double max, gsl_rng *rng)
{
    double *img = malloc((size_t)w * h * sizeof *img);
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++) {
            double bg = 0.15 + 0.2 * c / w + 0.12 * exp(-(pow(r - 0.3 * h, 2) + pow(c - 0.8 * w, 2)) / (2 * pow(0.3 * w, 2)));
            int hits = 0;
            for (int k = 0; k < n; k++) {
                if (fabs(r + 0.5 - s[k].r) > s[k].a + 2 || fabs(c + 0.5 - s[k].c) > s[k].a + 2)
                    continue;
                for (int sy = 0; sy < 4; sy++)
                    for (int sx = 0; sx < 4; sx++)
                        hits += inside(&s[k], r + (sy + 0.5) / 4, c + (sx + 0.5) / 4);
            }
            double cover = hits > 16 ? 1 : hits / 16.0;
            double v = (bg + 0.35 * cover + gsl_ran_gaussian(rng, 0.025)) * max;
            img[(size_t)r * w + c] = v < 0 ? 0 : v > max ? max : round(v);
        }
    return img;
}

static int write_tiff(const char *path, const double *img, int w, int h, int bits, double pixel_nm)
{
    TIFF *t = TIFFOpen(path, "w");
    if (!t)
        return -1;
    static const TIFFFieldInfo fei = {34682, -1, -1, TIFF_ASCII, FIELD_CUSTOM, 1, 0, "FEI_HELIOS"};
    TIFFMergeFieldInfo(t, &fei, 1);
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, w);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, h);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, bits);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 16);
    char text[200];
    snprintf(text, sizeof text, "[User]\r\nUser=test\r\n[Scan]\r\nPixelWidth=%.6e\r\nPixelHeight=%.6e\r\n",
             pixel_nm * 1e-9, pixel_nm * 1e-9);
    TIFFSetField(t, 34682, text);
    unsigned char *line = malloc((size_t)w * 2);
    for (int r = 0; r < h; r++) {
        for (int c = 0; c < w; c++) {
            double v = img[(size_t)r * w + c];
            if (bits == 8)
                line[c] = (unsigned char)v;
            else
                ((uint16_t *)line)[c] = (uint16_t)v;
        }
        TIFFWriteScanline(t, line, r, 0);
    }
    free(line);
    TIFFClose(t);
    return 0;
}

static int write_png(const char *path, const double *img, int w, int h, int bits)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    png_init_io(png, f);
    png_set_IHDR(png, info, w, h, bits, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    unsigned char *row = malloc((size_t)w * 2);
    for (int r = 0; r < h; r++) {
        for (int c = 0; c < w; c++) {
            unsigned v = (unsigned)img[(size_t)r * w + c];
            if (bits == 8)
                row[c] = (unsigned char)v;
            else
                row[2 * c] = (unsigned char)(v >> 8), row[2 * c + 1] = (unsigned char)v;
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    fclose(f);
    return 0;
}

/* The particle whose centroid is nearest (r, c), within tol pixels, or NULL. */
static const qmap_sem_particle *nearest(const qmap_sem_result *res, double ps, double r, double c, double tol)
{
    const qmap_sem_particle *best = NULL;
    double bd = tol;
    for (int i = 0; i < res->n_particles; i++) {
        const qmap_sem_particle *p = res->particles + i;
        double d = hypot(p->centroid_y_nm / ps - r, p->centroid_x_nm / ps - c);
        if (d <= bd)
            bd = d, best = p;
    }
    return best;
}

/* Known shapes in a 400 x 300 image. */
static const shape known[] = {
    {50, 50, 8, 8, 0, 0},      {50, 120, 12, 12, 0, 0},   {60, 200, 17, 17, 0, 0},
    {150, 60, 24, 24, 0, 0},   {240, 60, 10, 10, 0, 0},   {60, 320, 22, 11, 0.5, 0},
    {240, 330, 16, 9, -1.0, 0},{160, 180, 14, 14, 0, 1},  {160, 206, 14, 14, 0, 1},
    {240, 170, 12, 12, 0, 2},  {240, 196.5, 15, 15, 0, 2},{150, 392, 15, 15, 0, -1},
};

static void test_known_shapes(gsl_rng *rng)
{
    int w = 400, h = 300, n = sizeof known / sizeof known[0];
    double ps = 5.0;
    struct {
        const char *name;
        int bits, png;
    } variants[] = {{"shapes8.tif", 8, 0}, {"shapes16.tif", 16, 0}, {"shapes8.png", 8, 1}, {"shapes16.png", 16, 1}};
    for (int v = 0; v < 4; v++) {
        double max = variants[v].bits == 8 ? 255 : 65535;
        double *img = draw(w, h, known, n, max, rng);
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, variants[v].name);
        if (variants[v].png)
            write_png(path, img, w, h, variants[v].bits);
        else
            write_tiff(path, img, w, h, variants[v].bits, ps);
        free(img);
        qmap_grey_image *gi = NULL;
        if (qmap_grey_image_read(path, &gi) != 0) {
            CHECK(0, "%s: %s", path, qmap_error_message());
            continue;
        }
        if (!variants[v].png)
            CHECK(fabs(gi->pixel_size_nm - ps) < 1e-9, "%s: pixel size %g nm from the FEI tag, expected %g",
                  path, gi->pixel_size_nm, ps);
        qmap_sem_options o;
        qmap_sem_options_default(&o);
        o.pixel_size_nm = ps;
        o.background_radius_px = 40;
        qmap_sem_result *res = NULL;
        if (qmap_sem_analyse(gi, &o, &res) != 0) {
            CHECK(0, "%s: analysis failed: %s", path, qmap_error_message());
            qmap_grey_image_free(gi);
            continue;
        }
        /* 11 particles inside the image (the 12th is cut by the right border). */
        CHECK(res->n_particles == 11, "%s: %d particles, expected 11", path, res->n_particles);
        CHECK(res->n_border_rejected >= 1, "%s: the border particle was not rejected", path);
        double worst_iso = 0, worst_pair = 0;
        for (int k = 0; k < n; k++) {
            double ecd_true = 2 * sqrt(known[k].a * known[k].b);   /* pixels */
            const qmap_sem_particle *p = nearest(res, ps, known[k].r, known[k].c, known[k].group ? 4 : 1.5);
            if (known[k].group < 0) {
                CHECK(p == NULL, "%s: particle cut by the border was kept", path);
                continue;
            }
            CHECK(p != NULL, "%s: no particle at (%g, %g)", path, known[k].r, known[k].c);
            if (!p)
                continue;
            double ecd = p->ecd_nm / ps;
            if (known[k].group == 0)
                worst_iso = fmax(worst_iso, fabs(ecd - ecd_true));
            else
                worst_pair = fmax(worst_pair, fabs(ecd / ecd_true - 1));
            if (known[k].group == 0) {
                /* Isolated: within 1 px or 3 %. */
                double tol = fmax(1.0, 0.03 * ecd_true);
                CHECK(fabs(ecd - ecd_true) <= tol, "%s: ECD %.2f px at (%g,%g), expected %.2f +- %.2f", path, ecd,
                      known[k].r, known[k].c, ecd_true, tol);
                if (known[k].a != known[k].b) {
                    CHECK(fabs(p->major_nm / ps - 2 * known[k].a) <= 0.06 * 2 * known[k].a &&
                              fabs(p->minor_nm / ps - 2 * known[k].b) <= 0.1 * 2 * known[k].b,
                          "%s: ellipse axes %.2f x %.2f px, expected %.0f x %.0f", path, p->major_nm / ps,
                          p->minor_nm / ps, 2 * known[k].a, 2 * known[k].b);
                }
            } else {
                /* Touching pair member: split off, ECD within 6 % of its disc. */
                CHECK(fabs(ecd - ecd_true) <= 0.06 * ecd_true, "%s: pair member ECD %.2f px, expected %.2f +- 6%%",
                      path, ecd, ecd_true);
            }
        }
        printf("%s: %d particles, worst isolated ECD error %.2f px, worst pair-member ECD error %.1f %%\n", path,
               res->n_particles, worst_iso, 100 * worst_pair);
        /* Dark particles on a bright background: the inverted image with --dark gives the
         * same particles. */
        int n_bright = res->n_particles;
        for (size_t i = 0; i < (size_t)w * h; i++)
            gi->pixels[i] = max - gi->pixels[i];
        qmap_sem_result_free(res);
        res = NULL;
        o.dark_particles = 1;
        CHECK(qmap_sem_analyse(gi, &o, &res) == 0 && res->n_particles == n_bright,
              "%s inverted, dark particles: %d particles, expected %d", path, res ? res->n_particles : -1, n_bright);
        qmap_sem_result_free(res);
        qmap_grey_image_free(gi);
    }
}

/* A log-normal population of non-overlapping discs: the fitted distribution of the found
 * particles against that of the true diameters. */
static void test_population(gsl_rng *rng)
{
    int w = 700, h = 600, n = 0;
    shape s[200];
    double true_d[200];
    for (int tries = 0; tries < 20000 && n < 120; tries++) {
        double d = exp(log(22.0) + 0.3 * gsl_ran_gaussian(rng, 1));   /* diameter in pixels */
        if (d < 8 || d > 60)
            continue;
        double r = d / 2, cy = r + 3 + gsl_rng_uniform(rng) * (h - d - 6), cx = r + 3 + gsl_rng_uniform(rng) * (w - d - 6);
        int ok = 1;
        for (int k = 0; k < n && ok; k++)
            ok = hypot(cy - s[k].r, cx - s[k].c) > r + s[k].a + 4;
        if (!ok)
            continue;
        s[n] = (shape){cy, cx, r, r, 0, 0};
        true_d[n++] = d;
    }
    double *img = draw(w, h, s, n, 255, rng);
    qmap_grey_image gi = {w, h, 8, img, 0, ""};
    qmap_sem_options o;
    qmap_sem_options_default(&o);
    o.pixel_size_nm = 2.0;
    qmap_sem_result *res = NULL;
    if (qmap_sem_analyse(&gi, &o, &res) != 0) {
        CHECK(0, "population: %s", qmap_error_message());
        free(img);
        return;
    }
    CHECK(res->n_particles == n, "population: %d particles found, %d drawn", res->n_particles, n);
    double *ecd = malloc((size_t)res->n_particles * sizeof *ecd);
    for (int i = 0; i < res->n_particles; i++)
        ecd[i] = res->particles[i].ecd_nm / 2.0;
    qmap_lognormal found, truth;
    CHECK(qmap_lognormal_fit(ecd, (size_t)res->n_particles, &found) == 0, "fit of the found sizes");
    CHECK(qmap_lognormal_fit(true_d, (size_t)n, &truth) == 0, "fit of the true sizes");
    printf("population: %d drawn, %d found; median %.3f px (true %.3f), geometric std %.4f (true %.4f)\n", n,
           res->n_particles, found.median, truth.median, found.geometric_std, truth.geometric_std);
    CHECK(fabs(found.median / truth.median - 1) < 0.03, "population median %.3f px, true %.3f px (3 %%)",
          found.median, truth.median);
    CHECK(fabs(found.geometric_std - truth.geometric_std) < 0.04, "population geometric std %.4f, true %.4f (0.04)",
          found.geometric_std, truth.geometric_std);
    free(ecd);
    qmap_sem_result_free(res);
    free(img);
}

static void test_lognormal(gsl_rng *rng)
{
    size_t n = 20000;
    double mu = log(300), sigma = 0.35, *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = gsl_ran_lognormal(rng, mu, sigma);
    qmap_lognormal ln;
    CHECK(qmap_lognormal_fit(x, n, &ln) == 0, "log-normal fit failed");
    /* Standard errors: sigma/sqrt(n) for mu, sigma/sqrt(2n) for sigma; allow 4 of them. */
    CHECK(fabs(ln.mu - mu) < 4 * sigma / sqrt(n), "mu %.5f, expected %.5f", ln.mu, mu);
    CHECK(fabs(ln.sigma - sigma) < 4 * sigma / sqrt(2.0 * n), "sigma %.5f, expected %.5f", ln.sigma, sigma);
    CHECK(fabs(ln.median - exp(ln.mu)) < 1e-9 && fabs(ln.geometric_std - exp(ln.sigma)) < 1e-12,
          "median and geometric std are exp(mu), exp(sigma)");
    /* The pdf integrates to 1 (midpoint rule over 0..5000). */
    double integral = 0;
    for (int k = 0; k < 50000; k++)
        integral += qmap_lognormal_pdf(&ln, (k + 0.5) * 0.1) * 0.1;
    CHECK(fabs(integral - 1) < 1e-4, "pdf integrates to %.6f", integral);
    double two[2] = {1, 0};
    CHECK(qmap_lognormal_fit(two, 2, &ln) < 0, "a fit needs 2 positive values");
    free(x);

    /* Histogram: automatic bins of a round width from 0. */
    double v[7] = {1.0, 2.5, 2.6, 7.9, 8.0, 9.99, 10.0};
    double lo, hi, *counts = NULL;
    int nb = qmap_size_histogram(v, 7, 0, &lo, &hi, &counts);
    /* sqrt(7) -> 5 bins wanted; width = nice ceiling of 10/5 = 2 -> [0,10) in 5 bins. */
    CHECK(nb == 5 && lo == 0 && fabs(hi - 10) < 1e-12, "auto histogram: %d bins over [%g, %g]", nb, lo, hi);
    if (nb == 5) {
        double want[5] = {1, 2, 0, 1, 3};
        for (int k = 0; k < 5; k++)
            CHECK(counts[k] == want[k], "bin %d: %g, expected %g", k, counts[k], want[k]);
    }
    free(counts);
    nb = qmap_size_histogram(v, 7, 4, &lo, &hi, &counts);
    /* Edges 0, 2.5, 5, 7.5, 10: 1.0 | 2.5, 2.6 | - | 7.9, 8.0, 9.99, 10 (10 in the last bin). */
    CHECK(nb == 4 && fabs(hi - 10) < 1e-12 && counts[0] == 1 && counts[1] == 2 && counts[3] == 4,
          "4 bins: %d over [%g,%g]", nb, lo, hi);
    free(counts);
}

/* The grey-level filters on hand-checkable images. */
static void test_filters(void)
{
    /* Opening with radius 1 removes a 1-2 pixel bright spot, keeps a 4x4 plateau and a step. */
    enum { W = 9, H = 7 };
    double img[W * H], ref[W * H];
    for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++)
            img[r * W + c] = c >= 7 ? 50 : 10;      /* step at column 7 (2 columns wide) */
    img[1 * W + 1] = 99;                            /* single-pixel spike */
    for (int r = 2; r < 6; r++)
        for (int c = 2; c < 6; c++)
            img[r * W + c] = 30;                    /* 4x4 plateau */
    memcpy(ref, img, sizeof img);
    ref[1 * W + 1] = 10;
    CHECK(qmap_grey_opening(img, W, H, 1) == 0, "opening failed");
    int bad = 0;
    for (int i = 0; i < W * H; i++)
        bad += img[i] != ref[i];
    CHECK(bad == 0, "opening radius 1: %d pixels differ from the hand result (spike removed, rest kept)", bad);
    /* Box mean of radius 1 on a single 9 in a zero image: 1 in the 3x3 around it. */
    double box[25] = {0};
    box[12] = 9;
    qmap_box_smooth(box, 5, 5, 1);
    CHECK(fabs(box[6] - 1) < 1e-12 && fabs(box[12] - 1) < 1e-12 && box[0] == 0, "box smooth: %g %g %g", box[6], box[12], box[0]);
    /* Gaussian: a constant stays constant (clamped edges); an impulse keeps its sum and
     * gets the normalised kernel's centre weight. */
    double flat[64], imp[121] = {0};
    for (int i = 0; i < 64; i++)
        flat[i] = 7;
    qmap_gaussian_smooth(flat, 8, 8, 1.5);
    double worst = 0;
    for (int i = 0; i < 64; i++)
        worst = fmax(worst, fabs(flat[i] - 7));
    CHECK(worst < 1e-12, "Gaussian of a constant changed it by %g", worst);
    imp[60] = 1;
    qmap_gaussian_smooth(imp, 11, 11, 1.0);
    double sum = 0, k0 = 0;
    for (int i = 0; i < 121; i++)
        sum += imp[i];
    for (int k = -3; k <= 3; k++)
        k0 += exp(-0.5 * k * k);
    CHECK(fabs(sum - 1) < 1e-12 && fabs(imp[60] - 1 / (k0 * k0)) < 1e-12, "Gaussian impulse: sum %g, centre %g",
          sum, imp[60]);
}

int main(void)
{
    const char *t = getenv("QMAP_TEST_TMP");
    snprintf(dir, sizeof dir, "%s/sem", t ? t : "/tmp");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 12345);
    test_filters();
    test_lognormal(rng);
    test_known_shapes(rng);
    test_population(rng);
    gsl_rng_free(rng);
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures != 0;
}
