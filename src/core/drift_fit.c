/* drift_fit.c -- linear drift from per-scan maps, with its confidence figures.
 *
 * Why this estimator: on a signal that does not change with eta (fluorescence), every
 * scan shows the same object, so each scan can be registered against one template and a
 * straight line fitted through all of them; registering consecutive scans instead and
 * averaging the steps telescopes to (last - first) / n and ignores every scan between.
 * The template starts as the scan with the most signal and is then the mean of all
 * scans moved back by the current line (sub-pixel, bilinear), which averages the noise
 * of the template down. The line is a weighted least-squares fit (weights: each scan's
 * signal, so faint tails of a Bragg rocking curve count little), with one round of
 * outlier rejection. On Bragg maps (mode consecutive) the maps change with eta, so only
 * consecutive scans are alike: they are registered pairwise and the shifts cumulated.
 *
 * Confidence: the rms of the measured shifts about the line, and the difference of the
 * slopes fitted on the low-eta and the high-eta half of the rocking curve (a drift is
 * the same in both halves; an apparent motion from a tilt field generally is not),
 * expressed in map pixels at the last scan.
 */
#include "drift_measure.h"
#include "qmap/error.h"
#include "qmap/shift.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define UPSAMPLE 20
#define TEMPLATE_ROUNDS 2

void qmap_drift_shift_map(const double *in, int n_slow, int n_fast, double dr, double dc,
                          double fill, double *out)
{
    for (int r = 0; r < n_slow; r++)
        for (int c = 0; c < n_fast; c++) {
            double sr = r - dr, sc = c - dc;          /* source position */
            int r0 = (int)floor(sr), c0 = (int)floor(sc);
            double fr = sr - r0, fc = sc - c0, v = 0, w = 0;
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++) {
                    int rr = r0 + i, cc = c0 + j;
                    double k = (i ? fr : 1 - fr) * (j ? fc : 1 - fc);
                    if (k <= 0)
                        continue;
                    double x = (rr >= 0 && rr < n_slow && cc >= 0 && cc < n_fast)
                                   ? in[(size_t)rr * n_fast + cc] : NAN;
                    if (!isfinite(x)) {
                        w = -1;
                        break;
                    }
                    v += k * x;
                    w += k;
                }
            out[(size_t)r * n_fast + c] = w > 0 ? v / w : fill;
        }
}

static double map_sum(const double *m, size_t n)
{
    double t = 0;
    for (size_t p = 0; p < n; p++)
        if (isfinite(m[p]))
            t += m[p];
    return t;
}

/* Weighted least-squares line y = a + b x over the points with use[i] and finite y. */
static int wline(const double *x, const double *y, const double *w, const uint8_t *use, int n,
                 double *a, double *b)
{
    double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (!use[i] || !isfinite(y[i]) || !(w[i] > 0))
            continue;
        sw += w[i];
        sx += w[i] * x[i];
        sy += w[i] * y[i];
        sxx += w[i] * x[i] * x[i];
        sxy += w[i] * x[i] * y[i];
        k++;
    }
    double det = sw * sxx - sx * sx;
    if (k < 2 || !(fabs(det) > 1e-12 * sw * sxx)) {
        return -1;
    }
    *b = (sw * sxy - sx * sy) / det;
    *a = (sy - *b * sx) / sw;
    return k;
}

/* Fit both axes with one round of rejection of scans more than 3 robust sigma (and at
 * least 0.5 px) off the line. */
static int fit_both(const double *x, const double *yr, const double *yc, const double *w,
                    uint8_t *use, int n, double ab[4])
{
    if (wline(x, yr, w, use, n, &ab[0], &ab[1]) < 0 || wline(x, yc, w, use, n, &ab[2], &ab[3]) < 0)
        return -1;
    double *res = malloc((size_t)n * sizeof *res), *tmp = malloc((size_t)n * sizeof *tmp);
    if (!res || !tmp) {
        free(res);
        free(tmp);
        return -1;
    }
    int m = 0;
    for (int i = 0; i < n; i++) {
        res[i] = hypot(yr[i] - ab[0] - ab[1] * x[i], yc[i] - ab[2] - ab[3] * x[i]);
        if (use[i] && isfinite(res[i]))
            tmp[m++] = res[i];
    }
    double med = 0;
    for (int i = 0; i < m; i++) {      /* median by selection (n is small) */
        int below = 0, equal = 0;
        for (int j = 0; j < m; j++) {
            below += tmp[j] < tmp[i];
            equal += tmp[j] == tmp[i];
        }
        if (below <= m / 2 && below + equal > m / 2) {
            med = tmp[i];
            break;
        }
    }
    int dropped = 0;
    for (int i = 0; i < n; i++)
        if (use[i] && isfinite(res[i]) && res[i] > fmax(3 * 1.4826 * med, 0.5) && m - dropped > 3) {
            use[i] = 0;
            dropped++;
        }
    free(res);
    free(tmp);
    if (dropped && (wline(x, yr, w, use, n, &ab[0], &ab[1]) < 0 || wline(x, yc, w, use, n, &ab[2], &ab[3]) < 0))
        return -1;
    return 0;
}

/* The sums of a correlation coefficient over the pairs where both values are finite. */
typedef struct {
    double sa, sb, saa, sbb, sab;
    long n;
} ncc_sums;

static inline void ncc_add(ncc_sums *s, double a, double b)
{
    if (!isfinite(a) || !isfinite(b))
        return;
    s->sa += a;
    s->sb += b;
    s->saa += a * a;
    s->sbb += b * b;
    s->sab += a * b;
    s->n++;
}

/* The coefficient, or -2 when the pairs cover less than half the map. */
static double ncc_finish(const ncc_sums *s, int n_slow, int n_fast)
{
    long n = s->n;
    if (2 * n < (long)n_slow * n_fast)
        return -2;
    double va = s->saa - s->sa * s->sa / n, vb = s->sbb - s->sb * s->sb / n, cov = s->sab - s->sa * s->sb / n;
    return va > 0 && vb > 0 ? cov / sqrt(va * vb) : -2;
}

/* Correlation coefficient of tmpl and map moved by the integer shift (dr, dc) over the
 * positions where both are finite; -2 when they overlap on less than half the map. */
static double ncc_at(const double *tmpl, const double *map, int n_slow, int n_fast, int dr, int dc)
{
    ncc_sums s = {0};
    for (int r = 0; r < n_slow; r++) {
        int rr = r + dr;
        if (rr < 0 || rr >= n_slow)
            continue;
        for (int c = 0; c < n_fast; c++) {
            int cc = c + dc;
            if (cc < 0 || cc >= n_fast)
                continue;
            double a = tmpl[(size_t)r * n_fast + c], b = map[(size_t)rr * n_fast + cc];
            ncc_add(&s, a, b);
        }
    }
    return ncc_finish(&s, n_slow, n_fast);
}

/* Correlation coefficient of map and tmpl moved by the sub-pixel shift (dr, dc)
 * (bilinear interpolation of the template, which averages many scans and so carries
 * little noise to smooth: interpolating the noisy map instead would favour half-pixel
 * shifts); -2 below half the map of overlap. */
static double ncc_sub(const double *tmpl, const double *map, int n_slow, int n_fast, double dr, double dc)
{
    ncc_sums s = {0};
    int r0 = (int)floor(-dr), c0 = (int)floor(-dc);
    double fr = -dr - r0, fc = -dc - c0;
    double w00 = (1 - fr) * (1 - fc), w01 = (1 - fr) * fc, w10 = fr * (1 - fc), w11 = fr * fc;
    for (int r = 0; r < n_slow; r++) {
        int rr = r + r0;
        if (rr < 0 || rr + 1 >= n_slow)
            continue;
        for (int c = 0; c < n_fast; c++) {
            int cc = c + c0;
            if (cc < 0 || cc + 1 >= n_fast)
                continue;
            const double *t = tmpl + (size_t)rr * n_fast + cc;
            double a = w00 * t[0] + w01 * t[1] + w10 * t[n_fast] + w11 * t[n_fast + 1];
            double b = map[(size_t)r * n_fast + c];
            ncc_add(&s, a, b);
        }
    }
    return ncc_finish(&s, n_slow, n_fast);
}

/* Best sub-pixel shift on two nested grids (step 0.05 over +-0.3, then 0.01 over +-0.05)
 * around (*r, *c). */
static void refine_sub(const double *tmpl, const double *map, int n_slow, int n_fast, double *r, double *c)
{
    static const double span[2] = {0.3, 0.05}, step[2] = {0.05, 0.01};
    for (int level = 0; level < 2; level++) {
        double br = *r, bc = *c, best = -3;
        int k = (int)lround(span[level] / step[level]);
        for (int i = -k; i <= k; i++)
            for (int j = -k; j <= k; j++) {
                double v = ncc_sub(tmpl, map, n_slow, n_fast, *r + i * step[level], *c + j * step[level]);
                if (v > best) {
                    best = v;
                    br = *r + i * step[level];
                    bc = *c + j * step[level];
                }
            }
        if (best <= -2)
            return;
        *r = br;
        *c = bc;
    }
}

/* Shift of map against tmpl (a feature at p in tmpl is at p + (r, c) in map) by the
 * largest correlation coefficient over the positions both measure: no window and no
 * wrap-around, so content cut by the map border does not pull the shift to zero.
 * Integer search within `radius` of (r0, c0), then the peak of a quadratic surface
 * least-squares fitted to the 5 x 5 coefficients around the best integer shift. */
static int register_masked(const double *tmpl, const double *map, int n_slow, int n_fast,
                           double r0, double c0, int radius, double *r, double *c)
{
    int ir = (int)lround(r0), ic = (int)lround(c0), br = ir, bc = ic;
    double best = -2;
    for (int dr = ir - radius; dr <= ir + radius; dr++)
        for (int dc = ic - radius; dc <= ic + radius; dc++) {
            double v = ncc_at(tmpl, map, n_slow, n_fast, dr, dc);
            if (v > best) {
                best = v;
                br = dr;
                bc = dc;
            }
        }
    if (best <= -2)
        return -1;
    /* z = a0 + a1 x + a2 y + a3 x^2 + a4 x y + a5 y^2 over x, y in -2..2 (normal equations) */
    double M[6][7] = {{0}};
    for (int y = -2; y <= 2; y++)
        for (int x = -2; x <= 2; x++) {
            double z = ncc_at(tmpl, map, n_slow, n_fast, br + y, bc + x);
            if (z <= -2)
                continue;
            double f[6] = {1, x, y, x * x, x * y, y * y};
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 6; j++)
                    M[i][j] += f[i] * f[j];
                M[i][6] += f[i] * z;
            }
        }
    for (int i = 0; i < 6; i++) {       /* Gauss-Jordan with partial pivoting */
        int piv = i;
        for (int k = i + 1; k < 6; k++)
            if (fabs(M[k][i]) > fabs(M[piv][i]))
                piv = k;
        if (!(fabs(M[piv][i]) > 1e-12))
            goto integer_only;
        for (int j = 0; j < 7; j++) {
            double t = M[i][j];
            M[i][j] = M[piv][j];
            M[piv][j] = t;
        }
        for (int k = 0; k < 6; k++)
            if (k != i) {
                double f = M[k][i] / M[i][i];
                for (int j = i; j < 7; j++)
                    M[k][j] -= f * M[i][j];
            }
    }
    {
        double a[6];
        for (int i = 0; i < 6; i++)
            a[i] = M[i][6] / M[i][i];
        /* gradient zero: [2a3 a4; a4 2a5] [x y] = -[a1 a2]; must be a maximum */
        double h11 = 2 * a[3], h12 = a[4], h22 = 2 * a[5], det = h11 * h22 - h12 * h12;
        if (h11 < 0 && det > 0) {
            double x = (-a[1] * h22 + a[2] * h12) / det, y = (-a[2] * h11 + a[1] * h12) / det;
            if (fabs(x) <= 1 && fabs(y) <= 1) {
                *r = br + y;
                *c = bc + x;
                return 0;
            }
        }
    }
integer_only:
    *r = br;
    *c = bc;
    return 0;
}

/* Leave-one-out template refinement: the template is the mean of the other scans moved
 * back by the line ab (NaN where fewer than half of them measure), and each scan is
 * registered against it with register_masked around the line's prediction. */
static int register_refine(const double *maps, int n_scans, int n_slow, int n_fast, const double *x,
                           const double ab[4], double *r, double *c)
{
    size_t npos = (size_t)n_slow * n_fast;
    double *sum = calloc(npos, sizeof *sum), *cnt = calloc(npos, sizeof *cnt);
    int nth = omp_get_max_threads();
    double *moved = malloc((size_t)n_scans * npos * sizeof *moved), *tt = malloc((size_t)nth * npos * sizeof *tt);
    int ok = 0;
    if (!sum || !cnt || !moved || !tt)
        goto done;
    for (int s = 0; s < n_scans; s++) {
        double *m = moved + (size_t)s * npos;
        qmap_drift_shift_map(maps + (size_t)s * npos, n_slow, n_fast, -(ab[0] + ab[1] * x[s]),
                             -(ab[2] + ab[3] * x[s]), NAN, m);
        for (size_t p = 0; p < npos; p++)
            if (isfinite(m[p])) {
                sum[p] += m[p];
                cnt[p] += 1;
            }
    }
    /* issue 18: the scans are registered independently (each against its own leave-one-out
     * template): one per thread at a time, the same numbers as in order */
#pragma omp parallel for schedule(dynamic, 1) reduction(+ : ok)
    for (int s = 0; s < n_scans; s++) {
        const double *m = moved + (size_t)s * npos;
        double *t = tt + (size_t)omp_get_thread_num() * npos;
        for (size_t p = 0; p < npos; p++) {
            double sm = sum[p], n = cnt[p];
            if (isfinite(m[p]) && n_scans > 2) {
                sm -= m[p];
                n -= 1;
            }
            t[p] = n >= 0.5 * (n_scans > 2 ? n_scans - 1 : n_scans) && n > 0 ? sm / n : NAN;
        }
        if (register_masked(t, maps + (size_t)s * npos, n_slow, n_fast, ab[0] + ab[1] * x[s],
                            ab[2] + ab[3] * x[s], 2, &r[s], &c[s]) == 0) {
            refine_sub(t, maps + (size_t)s * npos, n_slow, n_fast, &r[s], &c[s]);
            ok++;
        } else
            r[s] = c[s] = NAN;
    }
done:
    free(sum);
    free(cnt);
    free(moved);
    free(tt);
    return ok;
}

/* Register every scan against tmpl by phase correlation; r/c NaN where it fails.
 * issue 18: the scans are independent, one per thread at a time (each thread its own copy
 * of the map, `work` when there is no memory for more: then in order on one thread); the
 * FFTW plans are made under shift.c's lock. The same numbers as in order. */
static int register_all(const double *tmpl, const double *maps, int n_scans, int n_slow,
                        int n_fast, double *work, double *r, double *c)
{
    size_t npos = (size_t)n_slow * n_fast;
    int nth = omp_get_max_threads(), ok = 0;
    double *per_thread = nth > 1 ? malloc((size_t)nth * npos * sizeof *per_thread) : NULL;
#pragma omp parallel for schedule(dynamic, 1) reduction(+ : ok) if (per_thread != NULL)
    for (int s = 0; s < n_scans; s++) {
        double *w = per_thread ? per_thread + (size_t)omp_get_thread_num() * npos : work;
        for (size_t p = 0; p < npos; p++) {
            double v = maps[(size_t)s * npos + p];
            w[p] = isfinite(v) ? v : 0;
        }
        if (qmap_phase_correlation(tmpl, w, n_slow, n_fast, UPSAMPLE, &r[s], &c[s]) < 0)
            r[s] = c[s] = NAN;
        else
            ok++;
    }
    free(per_thread);
    return ok;
}

/* Bragg maps: scans that are neighbours in eta are registered (the maps change with eta,
 * so only those look alike). The shift r between neighbours a -> b is the drift over
 * their distance in the sequence plus the apparent motion of the diffracting region
 * over their distance in eta: r = slope*dk + v*deta. With eta monotonic in the sequence
 * dk and deta are proportional and the two cannot be told apart (a tilt field looks
 * like drift); in any other order a least-squares fit of (slope, v) separates them and
 * *separated = 1. The shifts, less v*deta, are cumulated along eta into r/c (relative
 * to scan 0), ready for the line fit. w receives the pair weights' cumulation. */
static int register_eta_pairs(const double *maps, int n_scans, int n_slow, int n_fast, const double *x,
                              const double *eta, const double *w_scan, double *a, double *b, double *r,
                              double *c, int *separated, double *v_out)
{
    size_t npos = (size_t)n_slow * n_fast;
    int *order = calloc((size_t)n_scans, sizeof *order);
    double *pr = malloc(3 * (size_t)n_scans * sizeof *pr), *pc = pr + n_scans, *pw = pc + n_scans;
    if (!order || !pr) {
        free(order);
        free(pr);
        return 0;
    }
    for (int s = 0; s < n_scans; s++) {
        int k = s;
        for (; k > 0 && eta[order[k - 1]] > eta[s]; k--)
            order[k] = order[k - 1];
        order[k] = s;
    }
    int ok = 0;
    double skk = 0, ske = 0, see = 0, skr = 0, ser = 0, skc = 0, sec = 0;
    for (int i = 1; i < n_scans; i++) {
        int sa = order[i - 1], sb = order[i];
        for (size_t p = 0; p < npos; p++) {
            double va = maps[(size_t)sa * npos + p], vb = maps[(size_t)sb * npos + p];
            a[p] = isfinite(va) ? va : 0;
            b[p] = isfinite(vb) ? vb : 0;
        }
        pw[i] = 0;
        if (qmap_phase_correlation(a, b, n_slow, n_fast, UPSAMPLE, &pr[i], &pc[i]) < 0)
            continue;
        ok++;
        double w = fmin(w_scan[sa], w_scan[sb]), dk = x[sb] - x[sa], de = eta[sb] - eta[sa];
        pw[i] = w;
        skk += w * dk * dk;
        ske += w * dk * de;
        see += w * de * de;
        skr += w * dk * pr[i];
        ser += w * de * pr[i];
        skc += w * dk * pc[i];
        sec += w * de * pc[i];
    }
    /* separable when dk and deta are far from proportional over the pairs */
    double det = skk * see - ske * ske;
    *separated = skk > 0 && see > 0 && det > 0.1 * skk * see;
    double vr = *separated ? (skk * ser - ske * skr) / det : 0;
    double vc = *separated ? (skk * sec - ske * skc) / det : 0;
    *v_out = hypot(vr, vc);
    double cr = 0, cc = 0;
    r[order[0]] = c[order[0]] = 0;
    for (int i = 1; i < n_scans; i++) {   /* a pair not registered breaks the chain */
        double de = eta[order[i]] - eta[order[i - 1]];
        cr += pw[i] > 0 ? pr[i] - vr * de : NAN;
        cc += pw[i] > 0 ? pc[i] - vc * de : NAN;
        r[order[i]] = cr;
        c[order[i]] = cc;
    }
    double r0 = r[0], c0 = c[0];
    for (int s = 0; s < n_scans; s++) {
        r[s] -= isfinite(r0) ? r0 : 0;
        c[s] -= isfinite(c0) ? c0 : 0;
    }
    free(order);
    free(pr);
    return ok;
}

/* Slopes on the two halves of the rocking curve (eta below / at-or-above the median). */
static double halves(const double *x, const double *yr, const double *yc, const double *w,
                     const uint8_t *use, const double *eta, int n, double resid, double *sigma)
{
    *sigma = NAN;
    if (n < 4)
        return NAN;
    double *e = malloc((size_t)n * sizeof *e);
    uint8_t *u = malloc((size_t)n);
    if (!e || !u) {
        free(e);
        free(u);
        return NAN;
    }
    memcpy(e, eta, (size_t)n * sizeof *e);
    for (int i = 1; i < n; i++)     /* insertion sort, n small */
        for (int j = i; j > 0 && e[j] < e[j - 1]; j--) {
            double t = e[j];
            e[j] = e[j - 1];
            e[j - 1] = t;
        }
    double med = 0.5 * (e[(n - 1) / 2] + e[n / 2]);
    double br[2], bc[2], a, xmax = 0, inv_spread = 0;
    int ok = 1;
    for (int h = 0; h < 2 && ok; h++) {
        int cnt = 0;
        double sx = 0, sxx = 0;
        for (int i = 0; i < n; i++) {
            u[i] = use[i] && (h == 0 ? eta[i] < med : eta[i] >= med);
            cnt += u[i];
            sx += u[i] ? x[i] : 0;
            sxx += u[i] ? x[i] * x[i] : 0;
        }
        ok = cnt >= 2 && wline(x, yr, w, u, n, &a, &br[h]) >= 2 && wline(x, yc, w, u, n, &a, &bc[h]) >= 2;
        double spread = cnt > 0 ? sxx - sx * sx / cnt : 0;   /* this half's sum (k - mean k)^2 */
        inv_spread += spread > 0 ? 1 / spread : INFINITY;
    }
    for (int i = 0; i < n; i++)
        xmax = fmax(xmax, fabs(x[i]));
    free(e);
    free(u);
    /* the two slopes' difference from the residual scatter alone (each half's slope error is
     * rms / sqrt(its spread)), at the last step */
    if (ok && isfinite(resid) && isfinite(inv_spread))
        *sigma = resid * sqrt(inv_spread) * xmax;
    return ok ? fmax(fabs(br[0] - br[1]), fabs(bc[0] - bc[1])) * xmax : NAN;
}

static int fit(const double *maps, int n_scans, int n_slow, int n_fast, const int *step,
               const double *eta, int consecutive, double *meas_r, double *meas_c,
               qmap_drift_fit_result *out, double *x, double *w, uint8_t *use, double *tmpl,
               double *work)
{
    size_t npos = (size_t)n_slow * n_fast;
    double wmax = 0, ab[4] = {0, 0, 0, 0};
    int best = 0;
    for (int s = 0; s < n_scans; s++) {
        x[s] = step[s];
        w[s] = map_sum(maps + (size_t)s * npos, npos);
        if (w[s] > wmax) {
            wmax = w[s];
            best = s;
        }
    }
    for (int s = 0; s < n_scans; s++) {
        w[s] = wmax > 0 ? fmax(w[s], 0) / wmax : 1;
        use[s] = 1;
    }
    int ok;
    if (consecutive) {
        ok = register_eta_pairs(maps, n_scans, n_slow, n_fast, x, eta, w, tmpl, work, meas_r, meas_c,
                                &out->tilt_separated, &out->tilt_motion_px_per_deg);
        if (ok + 1 < 2 || fit_both(x, meas_r, meas_c, w, use, n_scans, ab) < 0)
            return qmap_error(QMAP_ERR_VALUE, "fewer than two scans could be registered");
    } else {
        for (size_t p = 0; p < npos; p++) {
            double v = maps[(size_t)best * npos + p];
            tmpl[p] = isfinite(v) ? v : 0;
        }
        ok = register_all(tmpl, maps, n_scans, n_slow, n_fast, work, meas_r, meas_c);
        if (ok < 2 || fit_both(x, meas_r, meas_c, w, use, n_scans, ab) < 0)
            return qmap_error(QMAP_ERR_VALUE, "fewer than two scans could be registered");
        for (int round = 0; round < TEMPLATE_ROUNDS; round++) {
            ok = register_refine(maps, n_scans, n_slow, n_fast, x, ab, meas_r, meas_c);
            for (int s = 0; s < n_scans; s++)
                use[s] = 1;
            if (ok < 2 || fit_both(x, meas_r, meas_c, w, use, n_scans, ab) < 0)
                return qmap_error(QMAP_ERR_VALUE, "fewer than two scans could be registered");
        }
    }
    double ss = 0, sx = 0, sxx = 0, xmax = 0;
    int n = 0;
    for (int s = 0; s < n_scans; s++) {
        meas_r[s] -= ab[0];
        meas_c[s] -= ab[2];
        xmax = fmax(xmax, fabs(x[s]));
        if (use[s] && isfinite(meas_r[s])) {
            double er = meas_r[s] - ab[1] * x[s], ec = meas_c[s] - ab[3] * x[s];
            ss += er * er + ec * ec;
            sx += x[s];
            sxx += x[s] * x[s];
            n++;
        }
    }
    double spread = n > 0 ? sxx - sx * sx / n : 0;   /* sum (k - mean k)^2 */
    out->slope_r = ab[1];
    out->slope_c = ab[3];
    out->n_registered = ok;
    out->resid_rms_px = n > 2 ? sqrt(ss / (n - 2)) : NAN;
    out->sigma_last_px = n > 2 && spread > 0 ? out->resid_rms_px / sqrt(spread) * xmax : NAN;
    out->halves_px = halves(x, meas_r, meas_c, w, use, eta, n_scans, out->resid_rms_px, &out->halves_sigma_px);
    return QMAP_OK;
}

int qmap_drift_fit_mode(const double *maps, int n_scans, int n_slow, int n_fast, const int *step,
                        const double *eta, int consecutive, double *meas_r, double *meas_c,
                        qmap_drift_fit_result *out)
{
    size_t npos = (size_t)n_slow * n_fast;
    double *x = malloc((size_t)n_scans * sizeof *x), *w = malloc((size_t)n_scans * sizeof *w);
    uint8_t *use = malloc((size_t)n_scans);
    double *tmpl = malloc(npos * sizeof *tmpl), *work = malloc(npos * sizeof *work);
    memset(out, 0, sizeof *out);
    out->tilt_separated = -1;
    int rc = x && w && use && tmpl && work
                 ? fit(maps, n_scans, n_slow, n_fast, step, eta, consecutive, meas_r, meas_c, out, x, w,
                       use, tmpl, work)
                 : qmap_error(QMAP_ERR_NOMEM, "out of memory (drift fit)");
    free(x);
    free(w);
    free(use);
    free(tmpl);
    free(work);
    return rc;
}

int qmap_drift_fit(const double *maps, int n_scans, int n_slow, int n_fast, const int *step,
                   const double *eta, double *meas_r, double *meas_c, qmap_drift_fit_result *out)
{
    return qmap_drift_fit_mode(maps, n_scans, n_slow, n_fast, step, eta, 0, meas_r, meas_c, out);
}
