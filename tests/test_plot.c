/* test_plot.c -- the plotting layer against published colour values and by pixel content:
 * a known gradient drawn as an image gives a monotonic viridis ramp in the PNG, NaN pixels
 * are the neutral grey, PNG size follows the figure size and scale; histogram statistics
 * (FWHM) against the analytic Gaussian value. */
#include "check.h"
#include "qmap/plot.h"
#include "qmap/report.h"

#include <cairo.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int near(qmap_rgb c, int r, int g, int b, double tol)
{
    return fabs(c.r * 255 - r) <= tol && fabs(c.g * 255 - g) <= tol && fabs(c.b * 255 - b) <= tol;
}

/* Pixel (x, y) of an RGB24 surface as 0..255 components. */
static void pixel(cairo_surface_t *s, int x, int y, int rgb[3])
{
    const unsigned char *d = cairo_image_surface_get_data(s);
    uint32_t v = *(const uint32_t *)(d + (size_t)y * cairo_image_surface_get_stride(s) + 4 * (size_t)x);
    rgb[0] = (v >> 16) & 255;
    rgb[1] = (v >> 8) & 255;
    rgb[2] = v & 255;
}

/* Index 0..255 of the nearest viridis colour. */
static int viridis_index(const int rgb[3])
{
    int best = 0;
    double bd = 1e9;
    for (int i = 0; i < 256; i++) {
        qmap_rgb c = qmap_colormap_eval(QMAP_CMAP_VIRIDIS, i / 255.0);
        double d = pow(c.r * 255 - rgb[0], 2) + pow(c.g * 255 - rgb[1], 2) + pow(c.b * 255 - rgb[2], 2);
        if (d < bd) {
            bd = d;
            best = i;
        }
    }
    return best;
}

static void test_colormaps(void)
{
    /* viridis end points and middle as published (#440154, #21918c, #fde725) */
    CHECK(near(qmap_colormap_eval(QMAP_CMAP_VIRIDIS, 0), 0x44, 0x01, 0x54, 0.6), "viridis(0)");
    CHECK(near(qmap_colormap_eval(QMAP_CMAP_VIRIDIS, 0.5), 0x21, 0x91, 0x8c, 1.5), "viridis(0.5)");
    CHECK(near(qmap_colormap_eval(QMAP_CMAP_VIRIDIS, 1), 0xfd, 0xe7, 0x25, 0.6), "viridis(1)");
    /* diverging: ColorBrewer RdBu end and centre colours; blue for low, red for high */
    CHECK(near(qmap_colormap_eval(QMAP_CMAP_DIVERGING, 0), 5, 48, 97, 0.6), "diverging(0) dark blue");
    CHECK(near(qmap_colormap_eval(QMAP_CMAP_DIVERGING, 0.5), 247, 247, 247, 0.6), "diverging(0.5) white");
    CHECK(near(qmap_colormap_eval(QMAP_CMAP_DIVERGING, 1), 103, 0, 31, 0.6), "diverging(1) dark red");
    qmap_colorscale cs = {QMAP_CMAP_DIVERGING, -2e-3, 2e-3, 0};
    CHECK(near(qmap_colorscale_color(&cs, 0), 247, 247, 247, 0.6), "strain 0 is the white centre");
    /* cyclic: same colour at both ends */
    qmap_rgb a = qmap_colormap_eval(QMAP_CMAP_CYCLIC, 0), b = qmap_colormap_eval(QMAP_CMAP_CYCLIC, 1 - 1e-9);
    CHECK(fabs(a.r - b.r) + fabs(a.g - b.g) + fabs(a.b - b.b) < 0.02, "cyclic map wraps");
    /* every cyclic colour is far from the NaN grey (the light ends of twilight were not),
     * and it is the tilt vector map's colour of the same direction at full saturation */
    double nearest = 1;
    for (int i = 0; i < 720; i++) {
        qmap_rgb c = qmap_colormap_eval(QMAP_CMAP_CYCLIC, i / 720.0), hs = qmap_hsv_to_rgb(i / 720.0, 1, 1);
        double d = fmax(fabs(c.r - qmap_nan_color.r), fmax(fabs(c.g - qmap_nan_color.g), fabs(c.b - qmap_nan_color.b)));
        nearest = fmin(nearest, d);
        CHECK(fabs(c.r - hs.r) + fabs(c.g - hs.g) + fabs(c.b - hs.b) < 1e-9, "cyclic = hue wheel");
    }
    CHECK(nearest > 0.25, "cyclic colours distinct from the NaN grey");
    qmap_rgb h = qmap_hsv_to_rgb(1.0 / 3, 1, 1);
    CHECK(near(h, 0, 255, 0, 0.5), "hsv green");
    h = qmap_hsv_to_rgb(210.0 / 360, 1, 1);
    CHECK(near(h, 0, 127.5, 255, 0.5), "hsv azure");
    CHECK(qmap_nice_length(3.7) == 2 && qmap_nice_length(0.8) == 0.5 && qmap_nice_length(12) == 10, "nice lengths");
}

static void test_image_pixels(const char *tmp)
{
    enum { NC = 50, NR = 20 };
    double v[NR * NC];
    for (int r = 0; r < NR; r++)
        for (int c = 0; c < NC; c++)
            v[r * NC + c] = c;                       /* gradient along x */
    for (int r = 0; r < 4; r++)
        for (int c = 10; c < 14; c++)
            v[r * NC + c] = NAN;                      /* NaN block at the bottom */
    qmap_figure *f = qmap_figure_new(400, 250);
    CHECK(f != NULL, "figure");
    if (!f)
        return;
    qmap_axes *a = qmap_axes_new(f, 50, 30, 250, 100);
    qmap_axes_set_xlim(a, 0, 5);
    qmap_axes_set_ylim(a, 0, 2);
    qmap_axes_set_xlabel(a, "x (\u00b5m)");
    qmap_colorscale cs = {QMAP_CMAP_VIRIDIS, 0, NC - 1, 0};
    qmap_plot_image(a, v, NC, NR, 0, 5, 0, 2, &cs);
    qmap_colorbar_new(f, 310, 30, 12, 100, &cs, "value");
    char path[4096];
    snprintf(path, sizeof path, "%s/test_plot_image.png", tmp);
    CHECK(qmap_figure_write_png(f, path, 2) == 0, "write png");
    snprintf(path + strlen(path) - 4, 8, ".svg");
    CHECK(qmap_figure_write_svg(f, path) == 0, "write svg");
    snprintf(path + strlen(path) - 4, 8, ".png");
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    CHECK(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS, "png readable");
    if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
        CHECK(cairo_image_surface_get_width(s) == 800 && cairo_image_surface_get_height(s) == 500,
              "png size %dx%d, expected 800x500", cairo_image_surface_get_width(s), cairo_image_surface_get_height(s));
        /* data row 15 is at y = 2 - 15.5/20*2 ... in figure units: 30 + (1 - 15.5/20) * 100 */
        int y = (int)((30 + (1 - 15.5 / NR) * 100) * 2), last = -1, ok = 1;
        for (int c = 0; c < NC; c++) {
            int x = (int)((50 + (c + 0.5) / NC * 250) * 2), rgb[3];
            pixel(s, x, y, rgb);
            int k = viridis_index(rgb);
            if (k < last)
                ok = 0;
            last = k;
            if (c == 0) CHECK(k <= 3, "first column is the lowest colour (index %d)", k);
            if (c == NC - 1) CHECK(k >= 252, "last column is the highest colour (index %d)", k);
        }
        CHECK(ok, "colour ramp along the gradient is monotonic");
        int rgb[3];
        pixel(s, (int)((50 + 12.0 / NC * 250) * 2), (int)((30 + (1 - 2.0 / NR) * 100) * 2), rgb);
        CHECK(rgb[0] == 178 && rgb[1] == 178 && rgb[2] == 178, "NaN pixel is neutral grey, got %d,%d,%d", rgb[0], rgb[1], rgb[2]);
    }
    cairo_surface_destroy(s);
    /* in memory (qmap view): the same bytes as the files */
    for (int svg = 0; svg <= 1; svg++) {
        snprintf(path + strlen(path) - 4, 8, svg ? ".svg" : ".png");
        char *bytes = NULL, *file = NULL;
        size_t n = 0;
        CHECK(qmap_figure_encode(f, "image", svg, 2, &bytes, &n) == 0 && bytes && n > 100, "encode %s",
              svg ? "svg" : "png");
        FILE *fp = fopen(path, "rb");
        long fn = -1;
        if (fp && fseek(fp, 0, SEEK_END) == 0 && (fn = ftell(fp)) > 0 && fseek(fp, 0, SEEK_SET) == 0 &&
            (file = malloc((size_t)fn)) && fread(file, 1, (size_t)fn, fp) != (size_t)fn)
            fn = -1;
        if (fp)
            fclose(fp);
        /* cairo numbers the SVG's surfaces per process: the PNG compared byte for byte, the SVG's size */
        CHECK(bytes && file && bytes[n] == '\0' &&
                  (svg ? labs((long)n - fn) < 64 : (long)n == fn && memcmp(bytes, file, n) == 0),
              "%s in memory: %zu bytes, file %ld", svg ? "svg" : "png", n, fn);
        CHECK(bytes && (svg ? strstr(bytes, "<svg") != NULL : memcmp(bytes, "\x89PNG", 4) == 0), "format");
        free(bytes);
        free(file);
    }
    /* a writer that fails (a full disk): libpng's error comes back as an error, no crash */
    int full = open("/dev/full", O_WRONLY);
    if (full >= 0) {
        CHECK(qmap_figure_write_png_fd(f, full, "full", 2) < 0, "a full disk accepted");
        close(full);
    }
    qmap_figure_free(f);
    /* bad path: a clear error, no file */
    f = qmap_figure_new(100, 100);
    CHECK(qmap_figure_write_png(f, "/nonexistent-dir/x.png", 1) < 0, "unwritable path fails");
    qmap_figure_free(f);
}

static void test_distribution(void)
{
    enum { N = 200000 };
    double *v = malloc(N * sizeof *v);
    unsigned long long s = 12345;
    for (int i = 0; i < N; i += 2) {
        double u[2];
        for (int k = 0; k < 2; k++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            u[k] = ((s >> 11) + 0.5) / 9007199254740992.0;
        }
        double rr = sqrt(-2 * log(u[0]));
        v[i] = 3 + 0.5 * rr * cos(2 * M_PI * u[1]);
        v[i + 1] = 3 + 0.5 * rr * sin(2 * M_PI * u[1]);
    }
    qmap_distribution d;
    CHECK(qmap_distribution_stats(v, NULL, N, 100, &d) == 0, "stats");
    CHECK(fabs(d.mean - 3) < 0.01 && fabs(d.std - 0.5) < 0.01, "mean %g std %g", d.mean, d.std);
    CHECK(fabs(d.fwhm - 2.35482 * 0.5) < 0.05, "Gaussian FWHM %g, expected %g", d.fwhm, 2.35482 * 0.5);
    double counts[4];
    double w[6] = {0, 0.5, 1, 1.5, 2, NAN};
    CHECK(qmap_histogram(w, NULL, 6, 0, 2, 4, counts) == 5 && counts[3] == 2, "histogram puts hi in the last bin");
    free(v);
}

int main(void)
{
    const char *tmp = getenv("QMAP_TEST_TMP");
    if (!tmp)
        tmp = "/tmp";
    test_colormaps();
    test_image_pixels(tmp);
    test_distribution();
    if (failures)
        fprintf(stderr, "%d failure(s)\n", failures);
    return failures != 0;
}
