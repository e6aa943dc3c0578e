/* cmd_sem.c -- `qmap sem`: particle size distribution of an SEM image.
 *
 * Reads the image (image_io.h), segments and measures it (sem.h), fits the log-normal and
 * writes, into the output folder, STEM_particles.csv (one row per particle),
 * STEM_size_distribution.csv (histogram with the fitted counts per bin),
 * STEM_size_summary.csv (the fit and the settings) and STEM_size_distribution.png (the
 * figure). All four are written under temporary names and renamed only once every one is
 * complete, so a failure leaves no output.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "qmap/error.h"
#include "qmap/output.h"
#include "qmap/image_io.h"
#include "qmap/plot.h"
#include "qmap/sem.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OUT_PARTICLES, OUT_HISTOGRAM, OUT_SUMMARY, OUT_FIGURE, N_OUT };
static const char *out_suffix[N_OUT] = {"_particles.csv", "_size_distribution.csv",
                                        "_size_summary.csv", "_size_distribution.png"};

static void usage(FILE *f)
{
    fprintf(f,
"usage: qmap sem IMAGE [--pixel-size-nm NM] [-o DIR] [options]\n\n"
"Particle size distribution of an SEM image (8/16-bit grey or RGB TIFF, PNG): smoothing,\n"
"background correction (image minus its grey opening), Otsu threshold, hole filling,\n"
"watershed split of touching particles, rejection of particles cut by the border; the\n"
"equivalent circular diameters, their histogram and a log-normal fit (median, geometric std).\n"
"Writes STEM_particles.csv, STEM_size_distribution.csv, STEM_size_summary.csv and\n"
"STEM_size_distribution.png into DIR (default: the image's folder).\n\n"
"The pixel size comes from the TIFF tags of FEI/Thermo (34682 [Scan] PixelWidth), Zeiss\n"
"(34118 Image Pixel Size), ImageJ calibration or XResolution in pixels/cm; --pixel-size-nm\n"
"overrides it and is required when the file has none (PNG).\n\n"
"      --pixel-size-nm NM       pixel size in nanometres (the old spelling --pixel-size is\n"
"                               still read, also in nm; qmap process's --pixel-size is metres)\n"
"  -o, --output DIR             output folder (must exist)\n"
"      --bins N                 histogram bins (default: about sqrt(n) bins of a round width)\n"
"      --smooth PX              Gaussian pre-smoothing sigma in pixels (default 1, 0 = none)\n"
"      --background-radius PX   half-width of the background window, larger than the\n"
"                               particles (default max(width, height)/8; 0 = no correction)\n"
"      --dark                   particles darker than the background\n"
"      --threshold T            threshold on the corrected image (default: Otsu)\n"
"      --no-split               do not split touching particles\n"
"      --min-dynamic PX         split: distance-map maximum above its saddle, pixels (default 1.5)\n"
"      --min-fraction F         split: ... and as a fraction of its height (default 0.2)\n"
"      --min-area PX            smaller objects are noise (default 20 pixels)\n"
"      --keep-border            keep particles cut by the image border\n"
"  -h, --help                   this help\n");
}

/* "DIR/STEM" from the image path and the output folder. */
static int output_base(const char *image, const char *dir, char *base, size_t size)
{
    char *copy = strdup(image), *copy2 = strdup(image);
    if (!copy || !copy2) {
        free(copy), free(copy2);
        return -1;
    }
    const char *name = basename(copy);
    const char *folder = dir ? dir : dirname(copy2);
    char stem[1024];
    snprintf(stem, sizeof stem, "%s", name);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem)
        *dot = '\0';
    int n = snprintf(base, size, "%s/%s", folder, stem);
    free(copy), free(copy2);
    return n < (int)size ? 0 : -1;
}

/* Open the temporary qmap_temp_create made (never through a symbolic link). */
static FILE *open_temp(const char *path)
{
    int fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f && fd >= 0)
        close(fd);
    return f;
}

/* The figure's PNG into its temporary, committed with the tables. */
static int write_figure(qmap_figure *fig, const char *tmp, const char *final)
{
    int fd = open(tmp, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return qmap_error(QMAP_ERR_IO, "%s: %s", tmp, strerror(errno));
    int rc = qmap_figure_write_png_fd(fig, fd, final, 2.0);
    if (close(fd) != 0 && rc == QMAP_OK)
        rc = qmap_error(QMAP_ERR_IO, "%s: write failed (disk full?)", final);
    return rc;
}

static int write_particles_csv(const char *path, const qmap_sem_result *r)
{
    FILE *f = open_temp(path);
    if (!f)
        return -1;
    fprintf(f, "label,n_pixels,area (nm^2),ecd (nm),centroid_x (nm),centroid_y (nm),major_axis (nm),minor_axis (nm)\n");
    for (int i = 0; i < r->n_particles; i++) {
        const qmap_sem_particle *p = r->particles + i;
        fprintf(f, "%d,%ld,%.8g,%.8g,%.8g,%.8g,%.8g,%.8g\n", p->label, p->n_pixels, p->area_nm2, p->ecd_nm,
                p->centroid_x_nm, p->centroid_y_nm, p->major_nm, p->minor_nm);
    }
    int bad = ferror(f);
    return fclose(f) != 0 || bad ? -1 : 0;
}

static int write_histogram_csv(const char *path, const double *counts, int nbins, double lo, double hi,
                               const qmap_lognormal *ln)
{
    FILE *f = open_temp(path);
    if (!f)
        return -1;
    double width = (hi - lo) / nbins;
    fprintf(f, "bin_low (nm),bin_high (nm),count,lognormal_fit_count\n");
    for (int k = 0; k < nbins; k++) {
        double a = lo + k * width, b = a + width;
        /* Expected count in the bin: n x (CDF(b) - CDF(a)), from the fitted normal of ln d. */
        double fit = NAN;
        if (ln) {
            double za = a > 0 ? (log(a) - ln->mu) / ln->sigma : -INFINITY;
            double zb = (log(b) - ln->mu) / ln->sigma;
            fit = ln->n * 0.5 * (erfc(-zb / M_SQRT2) - erfc(-za / M_SQRT2));
        }
        fprintf(f, "%.8g,%.8g,%.0f,%.6g\n", a, b, counts[k], fit);
    }
    int bad = ferror(f);
    return fclose(f) != 0 || bad ? -1 : 0;
}

static int write_summary_csv(const char *path, const char *image, const qmap_grey_image *img,
                             const char *ps_source, const qmap_sem_options *o, const qmap_sem_result *r,
                             const qmap_lognormal *ln)
{
    FILE *f = open_temp(path);
    if (!f)
        return -1;
    double mean = 0;
    for (int i = 0; i < r->n_particles; i++)
        mean += r->particles[i].ecd_nm / r->n_particles;
    fprintf(f, "key,value\n");
    fprintf(f, "image,\"%s\"\nwidth_px,%d\nheight_px,%d\nbits,%d\n", image, img->width, img->height, img->bits);
    fprintf(f, "pixel_size_nm,%.8g\npixel_size_source,\"%s\"\n", o->pixel_size_nm, ps_source);
    fprintf(f, "smooth_sigma_px,%g\nbackground_radius_px,%g\nthreshold,%.8g\ndark_particles,%d\n",
            o->smooth_sigma_px, r->background_radius_px, r->threshold, o->dark_particles);
    fprintf(f, "split,%d\nmin_dynamic_px,%g\nmin_fraction,%g\nmin_area_px,%ld\nkeep_border,%d\n", o->split,
            o->min_dynamic_px, o->min_fraction, o->min_area_px, o->keep_border);
    fprintf(f, "n_particles,%d\nn_border_rejected,%d\nn_small_rejected,%d\n", r->n_particles,
            r->n_border_rejected, r->n_small_rejected);
    if (r->n_particles > 0)
        fprintf(f, "mean_ecd_nm,%.8g\n", mean);
    if (ln)
        fprintf(f, "lognormal_median_nm,%.8g\nlognormal_geometric_std,%.8g\nlognormal_mu_ln_nm,%.8g\n"
                   "lognormal_sigma,%.8g\nfit,maximum likelihood (mean and sample std of ln ECD)\n",
                ln->median, ln->geometric_std, ln->mu, ln->sigma);
    int bad = ferror(f);
    return fclose(f) != 0 || bad ? -1 : 0;
}

int cmd_sem(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"pixel-size-nm", required_argument, 0, 'p'}, {"pixel-size", required_argument, 0, 'p'}, {"output", required_argument, 0, 'o'},
        {"bins", required_argument, 0, 'b'}, {"smooth", required_argument, 0, 's'},
        {"background-radius", required_argument, 0, 'r'}, {"dark", no_argument, 0, 'd'},
        {"threshold", required_argument, 0, 't'}, {"no-split", no_argument, 0, 'n'},
        {"min-dynamic", required_argument, 0, 'y'}, {"min-fraction", required_argument, 0, 'f'},
        {"min-area", required_argument, 0, 'a'}, {"keep-border", no_argument, 0, 'k'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    qmap_sem_options o;
    qmap_sem_options_default(&o);
    double pixel_size = NAN;
    const char *dir = NULL;
    int bins = 0, c, min_area = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'p': bad = parse_double("--pixel-size-nm", optarg, &pixel_size) < 0 || !(pixel_size > 0);
                  if (!bad) break;
                  cli_error("--pixel-size-nm: '%s' must be a positive size in nm\n", optarg);
                  return 2;
        case 'o': dir = optarg; break;
        case 'b': bad = parse_int("--bins", optarg, 1, 10000, &bins) < 0; break;
        case 's': bad = parse_double("--smooth", optarg, &o.smooth_sigma_px) < 0; break;
        case 'r': bad = parse_double("--background-radius", optarg, &o.background_radius_px) < 0; break;
        case 'd': o.dark_particles = 1; break;
        case 't': bad = parse_double("--threshold", optarg, &o.threshold) < 0; break;
        case 'n': o.split = 0; break;
        case 'y': bad = parse_double("--min-dynamic", optarg, &o.min_dynamic_px) < 0; break;
        case 'f': bad = parse_double("--min-fraction", optarg, &o.min_fraction) < 0; break;
        case 'a': bad = parse_int("--min-area", optarg, 0, 1000000000, &min_area) < 0;
                  o.min_area_px = min_area; break;
        case 'k': o.keep_border = 1; break;
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
        if (bad)
            return 2;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "qmap sem: expected one image file; see qmap sem --help\n");
        return 2;
    }
    const char *image = argv[optind];
    if (dir) {
        struct stat sb;
        if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            cli_error("-o %s: not an existing folder\n", dir);
            return 2;
        }
    }
    qmap_grey_image *img = NULL;
    if (qmap_grey_image_read(image, &img) < 0) {
        cli_error("%s\n", qmap_error_message());
        return 1;
    }
    char source[160];
    if (!isnan(pixel_size)) {
        o.pixel_size_nm = pixel_size;
        if (img->pixel_size_nm > 0)
            snprintf(source, sizeof source, "--pixel-size (the file says %.6g nm from %s)", img->pixel_size_nm,
                     img->pixel_size_source);
        else
            snprintf(source, sizeof source, "--pixel-size");
    } else if (img->pixel_size_nm > 0) {
        o.pixel_size_nm = img->pixel_size_nm;
        snprintf(source, sizeof source, "%s", img->pixel_size_source);
    } else {
        cli_error("%s: no pixel size in the file's metadata; give it with --pixel-size-nm NM\n", image);
        qmap_grey_image_free(img);
        return 2;
    }
    int rc = 1;
    qmap_sem_result *r = NULL;
    double *ecd = NULL, *counts = NULL;
    qmap_figure *fig = NULL;
    char base[4000], final[N_OUT][4100], tmp[N_OUT][4200] = {{0}};
    if (output_base(image, dir, base, sizeof base) < 0) {
        cli_error("%s: output path too long\n", image);
        goto done;
    }
    for (int k = 0; k < N_OUT; k++) {
        if (snprintf(final[k], sizeof final[k], "%.3900s%s", base, out_suffix[k]) >= (int)sizeof final[k] ||
            qmap_output_check("output", final[k], (const char *const[]){image}, 1) < 0) {
            cli_error("%s: %s\n", image, qmap_error_message());
            goto done;
        }
    }
    for (int k = 0; k < N_OUT; k++) {
        int fd = qmap_temp_create(final[k], tmp[k], sizeof tmp[k]);
        if (fd < 0) {
            cli_error("%s\n", qmap_error_message());
            goto done;
        }
        close(fd);
    }
    printf("image       %s: %d x %d pixels, %d-bit\n", image, img->width, img->height, img->bits);
    printf("pixel size  %.6g nm (%s)\n", o.pixel_size_nm, source);
    if (qmap_sem_analyse(img, &o, &r) < 0) {
        cli_error("%s: %s\n", image, qmap_error_message());
        goto done;
    }
    printf("threshold   %.6g on the background-corrected image (%s), background radius %g px\n", r->threshold,
           isnan(o.threshold) ? "Otsu" : "--threshold", r->background_radius_px);
    printf("particles   %d counted, %d cut by the border, %d below %ld pixels\n", r->n_particles,
           r->n_border_rejected, r->n_small_rejected, o.min_area_px);
    ecd = malloc((size_t)(r->n_particles > 0 ? r->n_particles : 1) * sizeof *ecd);
    if (!ecd) {
        cli_error("out of memory\n");
        goto done;
    }
    for (int i = 0; i < r->n_particles; i++)
        ecd[i] = r->particles[i].ecd_nm;
    qmap_lognormal ln;
    int have_fit = qmap_lognormal_fit(ecd, (size_t)r->n_particles, &ln) == QMAP_OK;
    if (have_fit)
        printf("log-normal  median ECD %.4g nm, geometric std %.4f (mu %.5f, sigma %.5f; n = %zu)\n", ln.median,
               ln.geometric_std, ln.mu, ln.sigma, ln.n);
    else
        printf("log-normal  not fitted: %s\n", qmap_error_message());
    double lo, hi;
    int nbins = qmap_size_histogram(ecd, (size_t)r->n_particles, bins, &lo, &hi, &counts);
    if (nbins < 0) {
        cli_error("%s\n", qmap_error_message());
        goto done;
    }
    const qmap_lognormal *lnp = have_fit ? &ln : NULL;
    char title[512];
    qmap_markup_escape(image, title, sizeof title);
    if (write_particles_csv(tmp[OUT_PARTICLES], r) < 0 ||
        write_histogram_csv(tmp[OUT_HISTOGRAM], counts, nbins, lo, hi, lnp) < 0 ||
        write_summary_csv(tmp[OUT_SUMMARY], image, img, source, &o, r, lnp) < 0) {
        cli_error("writing into %s failed: %s\n", dir ? dir : "the image's folder", strerror(errno));
        goto done;
    }
    fig = qmap_sem_figure(img, r, lnp, counts, nbins, lo, hi, title);
    if (!fig || write_figure(fig, tmp[OUT_FIGURE], final[OUT_FIGURE]) < 0) {
        cli_error("%s: %s\n", final[OUT_FIGURE], qmap_error_message());
        goto done;
    }
    char *tmps[N_OUT], *finals[N_OUT];
    for (int k = 0; k < N_OUT; k++) {
        tmps[k] = tmp[k];
        finals[k] = final[k];
    }
    int renamed = 0;
    if (qmap_temp_commit_all(tmps, finals, N_OUT, &renamed) < 0) {   /* the figure and tables: all or none */
        cli_error("%s\n", qmap_error_message());
        for (int j = 0; j < renamed; j++)
            unlink(final[j]);
        memset(tmp, 0, sizeof tmp);   /* committed or removed */
        goto done;
    }
    for (int k = 0; k < N_OUT; k++)
        printf("wrote       %s\n", final[k]);
    rc = 0;
done:
    if (rc != 0)
        for (int k = 0; k < N_OUT; k++)
            if (tmp[k][0])
                qmap_temp_discard(tmp[k]);
    qmap_figure_free(fig);
    free(counts);
    free(ecd);
    qmap_sem_result_free(r);
    qmap_grey_image_free(img);
    return rc;
}
