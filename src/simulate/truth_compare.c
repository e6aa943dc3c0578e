/* truth_compare.c -- recovered maps against the simulation's ground truth.
 *
 * The results file is read with the one results reader (qmap_results_read, which checks
 * its seal and every shape); the truth file of `qmap simulate` with plain H5Dread of
 * /maps/... and /shift/..., independently of the writer code.
 */
#include "qmap/truth.h"
#include "qmap/results.h"
#include "qmap/error.h"
#include "h5util.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Read a float64 dataset of exactly n values; NULL (with error) otherwise. */
static double *read_doubles(hid_t f, const char *path, const char *file, size_t n)
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d < 0) {
        qmap_error(QMAP_ERR_FORMAT, "%s: missing dataset %s", file, path);
        return NULL;
    }
    hid_t s = H5Dget_space(d);
    hssize_t m = H5Sget_simple_extent_npoints(s);
    H5Sclose(s);
    double *v = NULL;
    if (m != (hssize_t)n) {
        qmap_error(QMAP_ERR_FORMAT, "%s: %s has %lld values, expected %zu", file, path, (long long)m, n);
    } else if (!(v = malloc(n * sizeof *v))) {
        qmap_error(QMAP_ERR_NOMEM, "out of memory");
    } else if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        qmap_error(QMAP_ERR_FORMAT, "%s: cannot read %s", file, path);
        free(v);
        v = NULL;
    }
    H5Dclose(d);
    return v;
}

static hsize_t n_values(hid_t f, const char *path)
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d < 0)
        return 0;
    hid_t s = H5Dget_space(d);
    hssize_t m = H5Sget_simple_extent_npoints(s);
    H5Sclose(s);
    H5Dclose(d);
    return m > 0 ? (hsize_t)m : 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile(double *v, int n, double q)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    int k = (int)floor(q * (n - 1) + 0.5);
    return v[k];
}

enum { INT, QX, QY, QZ, D, SX, SY, SZ, STX, STY, STZ, TM, TD, MASK, NF };
static const char *res_names[NF] = {"intensity", "qx", "qy", "qz", "d_spacing", "sigma_qx", "sigma_qy",
                                    "sigma_qz", "std_qx", "std_qy", "std_qz", "tilt_magnitude",
                                    "tilt_direction", "mask"};
static const char *true_names[NF] = {"intensity", "qx", "qy", "qz", "d_spacing", "sigma_qx", "sigma_qy",
                                     "sigma_qz", "sigma_qx", "sigma_qy", "sigma_qz", "tilt_magnitude",
                                     "tilt_direction", "mask"};

static void statistics(double *const *rv, double *const *tv, size_t n, qmap_truth_report *rep)
{
    double *tmp = malloc(n * sizeof *tmp);
    int *use = calloc(n, sizeof *use);
    if (!tmp || !use) {
        free(tmp);
        free(use);
        return;
    }
    int m = 0, uni = 0, inter = 0;
    double tmax = 0, smin = INFINITY, smax = -INFINITY;
    for (size_t p = 0; p < n; p++) {
        /* positions the results could not measure (NaN) are outside the comparison */
        int valid = isfinite(rv[INT][p]);
        int a = valid && rv[MASK][p] > 0, b = valid && tv[MASK][p] > 0;
        uni += a || b;
        inter += a && b;
        use[p] = a && b && isfinite(rv[QX][p]);
        if (use[p]) {
            m++;
            tmax = fmax(tmax, tv[TM][p]);
            double st = tv[D][p];
            smin = fmin(smin, st);
            smax = fmax(smax, st);
        }
    }
    rep->n_positions = m;
    rep->mask_iou = uni ? (double)inter / uni : 0;
    rep->tilt_max_true_deg = tmax;
    for (int a = 0; a < 3; a++) {
        int k = 0;
        for (size_t p = 0; p < n; p++)
            if (use[p])
                tmp[k++] = fabs(rv[QX + a][p] - tv[QX + a][p]) / tv[SX + a][p];
        rep->com_err_sigma[a] = quantile(tmp, k, 0.95);
        k = 0;
        for (size_t p = 0; p < n; p++)
            if (use[p])
                tmp[k++] = fabs(rv[STX + a][p] - tv[STX + a][p]) / tv[STX + a][p];
        rep->std_rel_err[a] = quantile(tmp, k, 0.5);
        k = 0;
        for (size_t p = 0; p < n; p++)
            if (use[p])
                tmp[k++] = isfinite(rv[SX + a][p]) ? fabs(rv[SX + a][p] - tv[SX + a][p]) / tv[SX + a][p] : INFINITY;
        rep->fit_rel_err[a] = quantile(tmp, k, 0.5);
    }
    double sd = 0, st = 0;
    int kd = 0;
    for (size_t p = 0; p < n; p++) {
        if (!use[p])
            continue;
        double e = (rv[D][p] - tv[D][p]) / tv[D][p];
        sd += e * e;
        e = rv[TM][p] - tv[TM][p];
        st += e * e;
        if (tv[TM][p] > 0.4 * tmax) {
            double dd = fabs(fmod(rv[TD][p] - tv[TD][p] + 540.0, 360.0) - 180.0);
            tmp[kd++] = dd;
        }
    }
    rep->d_rel_rms = m ? sqrt(sd / m) : NAN;
    rep->strain_range_true = m ? (smax - smin) / (0.5 * (smax + smin)) : NAN;
    rep->tilt_mag_rms_deg = m ? sqrt(st / m) : NAN;
    rep->tilt_dir_err_deg = quantile(tmp, kd, 0.5);
    free(tmp);
    free(use);
}

static int compare_shifts(const qmap_results *res, hid_t ft, const char *rp, const char *tp, double step_x,
                          double step_y, qmap_truth_report *rep)
{
    size_t ns = n_values(ft, "/shift/x");
    if (ns == 0 || (size_t)res->n_scans != ns)
        return qmap_error(QMAP_ERR_FORMAT, "%s: /shift/x does not match the %zu scans of %s", rp, ns, tp);
    const double *rx = res->shift_x, *ry = res->shift_y;
    double *tx = read_doubles(ft, "/shift/x", tp, ns), *ty = read_doubles(ft, "/shift/y", tp, ns);
    int rc = tx && ty ? QMAP_OK : QMAP_ERR_FORMAT;
    rep->shift_err_px = 0;
    for (size_t s = 0; rc == QMAP_OK && s < ns; s++) {
        rep->shift_err_px = fmax(rep->shift_err_px, fabs(rx[s] - tx[s]) / fabs(step_x));
        rep->shift_err_px = fmax(rep->shift_err_px, fabs(ry[s] - ty[s]) / fabs(step_y));
    }
    free(tx);
    free(ty);
    return rc;
}

/* The background map (/maps/background) against the truth's, summed over every position
 * finite in both: one position's value is a few counts' worth at the default background, the
 * sum is what must be right (an unbiased estimate per position). */
static void compare_background(const qmap_results *res, hid_t ft, const char *tp, size_t n, qmap_truth_report *rep)
{
    rep->background_rel_err = NAN;
    rep->background_positions = 0;
    if (!qmap_h5_exists(ft, "/maps/background"))
        return;   /* a truth file written before it */
    double *t = read_doubles(ft, "/maps/background", tp, n), sr = 0, st = 0;
    for (size_t p = 0; t && p < n; p++)
        if (isfinite(res->background[p]) && isfinite(t[p])) {
            sr += res->background[p];
            st += t[p];
            rep->background_positions++;
        }
    if (st > 0)
        rep->background_rel_err = fabs(sr / st - 1);
    free(t);
    qmap_error_clear();   /* an unreadable truth background is reported as NaN, not an error */
}

/* The results' map named like the truth's res_names[k] (a new copy as doubles), or NULL. */
static double *results_map(const qmap_results *res, int k, size_t n)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) {
        qmap_error(QMAP_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (k == MASK) {
        for (size_t i = 0; i < n; i++)
            v[i] = res->mask[i];
        return v;
    }
    for (int m = 0; m < QMAP_N_MAPS; m++)
        if (strcmp(qmap_map_name(m), res_names[k]) == 0 && res->maps[m]) {
            memcpy(v, res->maps[m], n * sizeof *v);
            return v;
        }
    free(v);
    qmap_error(QMAP_ERR_FORMAT, "results have no map %s", res_names[k]);
    return NULL;
}

int qmap_compare_truth(const char *results_path, const char *truth_path, qmap_truth_report *rep)
{
    memset(rep, 0, sizeof *rep);
    qmap_results *res = NULL;
    int rc = qmap_results_read(results_path, 0, &res);
    if (rc < 0)
        return rc;
    qmap_h5_quiet quiet;
    qmap_h5_quiet_begin(&quiet);
    hid_t ft = H5Fopen(truth_path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (ft < 0)
        rc = qmap_error(QMAP_ERR_IO, "cannot open %s", truth_path);
    size_t n = rc == QMAP_OK ? n_values(ft, "/maps/qx") : 0;
    double *rv[NF] = {0}, *tv[NF] = {0};
    if (rc == QMAP_OK && (n == 0 || (size_t)res->n_fast * res->n_slow != n))
        rc = qmap_error(QMAP_ERR_FORMAT, "%s and %s have different map sizes", results_path, truth_path);
    char path[128];
    for (int k = 0; rc == QMAP_OK && k < NF; k++) {
        rv[k] = results_map(res, k, n);
        snprintf(path, sizeof path, "/maps/%s", true_names[k]);
        tv[k] = read_doubles(ft, path, truth_path, n);
        if (!rv[k] || !tv[k])
            rc = QMAP_ERR_FORMAT;
    }
    if (rc == QMAP_OK) {
        statistics(rv, tv, n, rep);
        compare_background(res, ft, truth_path, n, rep);
        size_t nx = n_values(ft, "/maps/x"), ny = n_values(ft, "/maps/y");
        double *x = read_doubles(ft, "/maps/x", truth_path, nx), *y = read_doubles(ft, "/maps/y", truth_path, ny);
        if (x && y && nx > 1 && ny > 1)
            rc = compare_shifts(res, ft, results_path, truth_path, x[1] - x[0], y[1] - y[0], rep);
        free(x);
        free(y);
    }
    for (int k = 0; k < NF; k++) {
        free(rv[k]);
        free(tv[k]);
    }
    if (ft >= 0)
        H5Fclose(ft);
    qmap_h5_quiet_end(&quiet);
    qmap_results_free(res);
    return rc;
}
