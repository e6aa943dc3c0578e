/* peak_maps.c -- per-position maps from the streaming accumulators.
 *
 * Centre of mass and second-moment width are exact over the VOI pixels (no binning);
 * Gaussian fits (XSOCS style) run on the hit-normalised projections along each axis.
 * Then the particle mask (Otsu on the VOI intensity unless a threshold is given), and
 * the derived maps: |Q|, d = 2 pi/|Q|, strain = (d - d_ref)/d_ref, c = l*d for 00l,
 * tilt magnitude (angle between Q and the particle-mean Q) and tilt direction
 * atan2(qx - <qx>, qy - <qy>) (the sxdm convention, docs/sxdm-reference.md section 10).
 */
#include "pipeline.h"
#include "log.h"
#include "qmap/error.h"
#include "qmap/fit.h"

#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RAD2DEG (180.0 / M_PI)
#define QMAP_MASK_SEPARABILITY_MIN 0.8   /* Otsu kept above this (particle_mask) */
#define QMAP_BACKGROUND_SAID 0.05   /* std widened or centre moved (std) above this: a WARNING */
#define QMAP_PEAK_UNRESOLVED 0.35   /* std below this many sampling steps: not resolved */
#define QMAP_FIT_WIDER_SAID 1.15   /* sigma / std (median) above this: a WARNING */

/* Each position's flat background per hit on its VOI's faces (numeric/face_background.c):
 * the map /maps/background, at the positions of the other maps, those measured in every scan
 * (the faces' hits are the map's per position; a position some scans missed, at the edge of
 * a drifting map, has fewer and would read low: 18 % over the demo's map). Measured whether
 * or not --background faces subtracts it, on the faces that hold no tail of the peak over the
 * map (background_faces.c; note says which were left out). Returns the faces used. */
static unsigned face_backgrounds(const qmap_accumulators *acc, qmap_results *r, char *note, size_t len)
{
    note[0] = '\0';
    unsigned faces = acc->faces_given ? acc->faces_given
                     : acc->n_pos > 1 ? qmap__background_faces(acc, note, len) : QMAP_FACES_ALL;
    for (int p = 0; p < acc->n_pos; p++) {
        r->background[p] = NAN;
        if (acc->contrib[p] < acc->n_scans)
            continue;
        if (acc->background_given) {   /* what the run measured at this position */
            r->background[p] = acc->background_given[p];
            continue;
        }
        const double *proj[3], *hits[3];
        for (int a = 0; a < 3; a++) {
            proj[a] = acc->proj[a] + (size_t)p * acc->n_bins[a];
            hits[a] = acc->hits_proj[a];
        }
        r->background[p] = qmap_face_background(proj, hits, acc->n_bins, faces);
    }
    return faces;
}

/* The background per hit subtracted at position p: the faces' with --background faces, else 0. */
static double subtracted(const qmap_accumulators *acc, const qmap_results *r, int p)
{
    return acc->background_faces && isfinite(r->background[p]) ? r->background[p] : 0;
}

static void moments(const qmap_accumulators *acc, qmap_results *r)
{
    static const int com_map[3] = {QMAP_MAP_QX, QMAP_MAP_QY, QMAP_MAP_QZ};
    static const int std_map[3] = {QMAP_MAP_STD_QX, QMAP_MAP_STD_QY, QMAP_MAP_STD_QZ};
    for (int p = 0; p < acc->n_pos; p++) {
        if (acc->contrib[p] < acc->n_scans)
            continue;
        double b = subtracted(acc, r, p);   /* 0 by default: the sums as they are */
        double s0 = acc->s0[p] - b * acc->hits_total;
        r->maps[QMAP_MAP_INTENSITY][p] = s0;
        if (!(s0 > 0))
            continue;
        for (int a = 0; a < 3; a++) {
            double m1 = (acc->s1[3 * p + a] - b * acc->hits_q1[a]) / s0;
            double var = (acc->s2[3 * p + a] - b * acc->hits_q2[a]) / s0 - m1 * m1;
            r->maps[com_map[a]][p] = acc->qc[a] + m1;
            r->maps[std_map[a]][p] = sqrt(var > 0 ? var : 0);
        }
    }
}

static void gaussian_fits(const qmap_accumulators *acc, qmap_results *r)
{
    static const int sig_map[3] = {QMAP_MAP_SIGMA_QX, QMAP_MAP_SIGMA_QY, QMAP_MAP_SIGMA_QZ};
    for (int a = 0; a < 3; a++) {
        int n = acc->n_bins[a];
        double *x = malloc(n * sizeof *x);
        if (!x)
            continue;
        for (int k = 0; k < n; k++)
            x[k] = qmap_axis_center(&r->axes[a], k);
#pragma omp parallel
        {
            double *y = malloc(3 * (size_t)n * sizeof *y);   /* y, then the fit's work (issue 18) */
#pragma omp for schedule(dynamic, 16)
            for (int p = 0; p < acc->n_pos; p++) {
                if (!y || !(r->maps[QMAP_MAP_INTENSITY][p] > 0))
                    continue;
                const double *pr = acc->proj[a] + (size_t)p * n;
                double b = subtracted(acc, r, p);
                for (int k = 0; k < n; k++)
                    y[k] = acc->hits_proj[a][k] > 0 ? pr[k] / acc->hits_proj[a][k] - b : 0;
                qmap_gauss_fit f = qmap_fit_gaussian_work(x, y, n, y + n);
                r->fit[a].status[p] = (uint8_t)f.status;
                if (f.status) {
                    r->fit[a].center[p] = f.center;
                    r->fit[a].sigma[p] = f.sigma;
                    r->fit[a].area[p] = f.area;
                    r->maps[sig_map[a]][p] = f.sigma;
                }
            }
            free(y);
        }
        free(x);
    }
    for (int p = 0; p < acc->n_pos; p++)
        r->maps[QMAP_MAP_SIGMA_MEAN][p] = (r->maps[QMAP_MAP_SIGMA_QX][p] +
                                           r->maps[QMAP_MAP_SIGMA_QY][p] +
                                           r->maps[QMAP_MAP_SIGMA_QZ][p]) / 3.0;
}

/* The particle mask: positions measured in every scan whose VOI intensity is above the
 * threshold (--threshold, else Otsu's). Otsu always splits, even a map without two
 * populations: a film filling the map, or a particle larger than it, was cut into a random
 * half of its noise (simulated: 345 of 720 positions of a uniform film), and that half set
 * d_ref and the tilt reference. So Otsu's split is kept only when it separates two
 * populations (separability, fit.h: simulated particles on a background 0.91-0.95, uniform
 * films 0.64-0.66); below QMAP_MASK_SEPARABILITY_MIN the whole measured map is the mask, with a
 * WARNING. Recorded in /parameters mask_threshold either way. */
static int particle_mask(const qmap_process_options *o, qmap_results *r, int n_pos)
{
    const double *I = r->maps[QMAP_MAP_INTENSITY];
    double thr = o->mask_threshold, sep = NAN;
    if (isnan(thr)) {
        thr = qmap_otsu_threshold(I, n_pos, 256);
        if (isnan(thr))
            return qmap_error(QMAP_ERR_VALUE, "cannot threshold the intensity map for the particle "
                                              "mask (fewer than 2 distinct values); give --threshold");
        sep = qmap_otsu_separability(I, n_pos, thr);
        if (sep < QMAP_MASK_SEPARABILITY_MIN) {
            qmap_log(o, "WARNING: the VOI intensity map has no particle/background split (Otsu separability "
                        "%.2f: one population gives 0.64-0.75, a particle on a background above 0.9): the "
                        "whole measured map is taken as the particle (a film, or a particle larger than the "
                        "map); give --threshold to choose a mask", sep);
            qmap_results_param(r, "mask_threshold", "none: the whole measured map (Otsu %.6g rejected: "
                               "separability %.3f, no particle/background split)", thr, sep);
            thr = -INFINITY;
        } else {
            qmap_results_param(r, "mask_threshold", "%.6g (Otsu, separability %.3f)", thr, sep);
        }
    } else {
        qmap_results_param(r, "mask_threshold", "%.6g (user)", thr);
    }
    long n = 0;
    for (int p = 0; p < n_pos; p++) {
        r->mask[p] = I[p] > thr && isfinite(r->maps[QMAP_MAP_QX][p]);
        n += r->mask[p];
    }
    if (n == 0)
        return qmap_error(QMAP_ERR_VALUE, "the particle mask is empty (threshold %g above every "
                                          "intensity): lower --threshold", thr);
    if (thr == -INFINITY)
        qmap_log(o, "particle mask: %ld of %d positions (every position measured in every scan)", n, n_pos);
    else
        qmap_log(o, "particle mask: %ld of %d positions above intensity %.6g", n, n_pos, thr);
    /* a particle cut by the map's border: its strain and tilt references are means over the part
     * in the map (found with the simulated particle on the border: tilt direction 24 degrees
     * off the whole particle's truth). Not for the whole-map mask, which is said already. */
    long edge = 0;
    for (int p = 0; p < n_pos && thr != -INFINITY; p++) {
        if (!r->mask[p])
            continue;
        int row = p / r->n_fast, col = p % r->n_fast, nf = r->n_fast;
        /* on the border, or beside a position not measured in every scan (the band the drift
         * correction leaves without data along the border it moved the particle to) */
        edge += row == 0 || col == 0 || row == r->n_slow - 1 || col == nf - 1 || isnan(I[p - 1]) ||
                isnan(I[p + 1]) || isnan(I[p - nf]) || isnan(I[p + nf]);
    }
    if (edge > 0) {
        qmap_log(o, "WARNING: the particle mask reaches the edge of the measured map at %ld positions: a particle "
                    "is cut by it, and d_ref%s and the tilt reference (the mean Q) are means over the part "
                    "inside", edge, isnan(o->dref) ? "" : " (given: not affected)");
        qmap_results_param(r, "mask_border", "%ld positions of the particle mask on the edge of the measured map",
                           edge);
    }
    return QMAP_OK;
}

static void lattice_maps(const qmap_process_options *o, qmap_results *r, int n_pos)
{
    double *Q = r->maps[QMAP_MAP_Q], *d = r->maps[QMAP_MAP_D];
    double mq[3] = {0, 0, 0}, md = 0;
    long n = 0;
    for (int p = 0; p < n_pos; p++) {
        double q[3] = {r->maps[QMAP_MAP_QX][p], r->maps[QMAP_MAP_QY][p], r->maps[QMAP_MAP_QZ][p]};
        if (!isfinite(q[0]))
            continue;
        Q[p] = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
        d[p] = 2 * M_PI / Q[p];
        if (r->mask[p]) {
            for (int a = 0; a < 3; a++)
                mq[a] += q[a];
            md += d[p];
            n++;
        }
    }
    for (int a = 0; a < 3; a++)
        r->mean_q[a] = mq[a] / n;
    r->d_ref = isnan(o->dref) ? md / n : o->dref;
    qmap_results_param(r, "d_ref", "%.8f angstrom (%s)", r->d_ref,
                       isnan(o->dref) ? "mean over the particle mask" : "user");
    qmap_log(o, "strain reference d_ref = %.6f A (%s); mean Q over particle = (%.6f, %.6f, %.6f) 1/A",
             r->d_ref, isnan(o->dref) ? "particle mean" : "--dref", r->mean_q[0], r->mean_q[1],
             r->mean_q[2]);
    double mn = sqrt(mq[0] * mq[0] + mq[1] * mq[1] + mq[2] * mq[2]) / n;
    for (int p = 0; p < n_pos; p++) {
        if (!isfinite(Q[p]))
            continue;
        double q[3] = {r->maps[QMAP_MAP_QX][p], r->maps[QMAP_MAP_QY][p], r->maps[QMAP_MAP_QZ][p]};
        r->maps[QMAP_MAP_STRAIN][p] = (d[p] - r->d_ref) / r->d_ref;
        if (r->maps[QMAP_MAP_C] && o->hkl_set)
            r->maps[QMAP_MAP_C][p] = o->hkl[2] * d[p];
        double c = (q[0] * r->mean_q[0] + q[1] * r->mean_q[1] + q[2] * r->mean_q[2]) / (Q[p] * mn);
        r->maps[QMAP_MAP_TILT_MAGNITUDE][p] = acos(fmin(1.0, fmax(-1.0, c))) * RAD2DEG;
        r->maps[QMAP_MAP_TILT_DIRECTION][p] =
            atan2(q[0] - r->mean_q[0], q[1] - r->mean_q[1]) * RAD2DEG;
    }
}

/* How far the Gaussian fits can be trusted: per axis, the median over the particle of the
 * fitted sigma over the second-moment std (exact over the VOI pixels). A background in the VOI
 * widens std, never sigma, so sigma well above std means the fit itself went wide: a
 * projection sampled by too few bins or rocking steps across the peak (simulated: +29 % along
 * qx with 7 eta steps, +16 % with 5, +3 % with 13, where std stays within 1.4 %). Recorded
 * always, said with a WARNING above QMAP_FIT_WIDER_SAID. */
static int check_fit_widths(const qmap_process_options *o, const qmap_accumulators *acc, qmap_results *r,
                            int n_pos)
{
    static const char *const axis[3] = {"qx", "qy", "qz"};
    static const int std_map[3] = {QMAP_MAP_STD_QX, QMAP_MAP_STD_QY, QMAP_MAP_STD_QZ};
    double *v = malloc(3 * (size_t)n_pos * sizeof *v), ratio[3], bins[3], resolved[3];
    long fitted[3], particle = 0;
    if (!v)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory (fit width check)");
    for (int p = 0; p < n_pos; p++)
        particle += r->mask[p] && r->maps[std_map[0]][p] > 0;
    for (int a = 0; a < 3; a++) {
        size_t m = 0, k = 0;
        for (int p = 0; p < n_pos; p++) {
            double sig = r->fit[a].sigma[p], sd = r->maps[std_map[a]][p];
            if (!r->mask[p] || !(sd > 0))
                continue;
            v[2 * (size_t)n_pos + k++] = sd;
            if (r->fit[a].status[p] && isfinite(sig)) {
                v[m] = sig / sd;
                v[n_pos + m++] = sig;
            }
        }
        double step = qmap_axis_step(&r->axes[a]);
        fitted[a] = (long)m;
        ratio[a] = m ? gsl_stats_median(v, 1, m) : NAN;   /* reorders v */
        bins[a] = m && step > 0 ? gsl_stats_median(v + n_pos, 1, m) / step : NAN;
        /* the peak's second-moment width in samples (rocking steps along the rocking axis) */
        resolved[a] = k && acc->sampling[a] > 0 ? gsl_stats_median(v + 2 * (size_t)n_pos, 1, k) / acc->sampling[a]
                                                : NAN;
    }
    free(v);
    qmap_results_param(r, "fit_width_check", "median over the particle of the Gaussian sigma / the second-moment "
                       "std: %.3f, %.3f, %.3f; sigma = %.2f, %.2f, %.2f bins; fits converged at %ld, %ld, %ld of %ld "
                       "positions; std = %.2f, %.2f, %.2f sampling steps (qx, qy, qz)", ratio[0], ratio[1], ratio[2],
                       bins[0], bins[1], bins[2], fitted[0], fitted[1], fitted[2], particle, resolved[0], resolved[1],
                       resolved[2]);
    for (int a = 0; a < 3; a++) {
        if (resolved[a] < QMAP_PEAK_UNRESOLVED)
            qmap_log(o, "WARNING: the peak is not resolved along %s: its second-moment width (median over the "
                        "particle) is %.2f of the step between samples (%.3g 1/A: rocking steps or pixels), so "
                        "the centres, std_%s and the tilt along %s stand for the few samples that caught it, not "
                        "the peak; measure with finer steps across it", axis[a], resolved[a], acc->sampling[a],
                     axis[a], axis[a]);
        if (particle > 0 && fitted[a] < particle / 2)
            qmap_log(o, "WARNING: the Gaussian fits along %s converged at %ld of the %ld particle positions "
                        "(%d bins): sigma_%s is NaN elsewhere%s%s%s", axis[a], fitted[a], particle, r->axes[a].n,
                     axis[a], resolved[a] < QMAP_PEAK_UNRESOLVED ? "" : "; std_",   /* where it is resolved */
                     resolved[a] < QMAP_PEAK_UNRESOLVED ? "" : axis[a],
                     resolved[a] < QMAP_PEAK_UNRESOLVED ? "" : " is the width to use");
        else if (ratio[a] > QMAP_FIT_WIDER_SAID)
            qmap_log(o, "WARNING: the Gaussian fits along %s are %.0f %% wider than the second-moment widths "
                        "(median over the particle; sigma = %.2f bins of %d): the projection is sampled too "
                        "coarsely across the peak for a fit (too few rocking steps or bins); std_%s is exact "
                        "over the pixels, sigma_%s is kept as fitted", axis[a], 100 * (ratio[a] - 1), bins[a],
                     r->axes[a].n, axis[a], axis[a]);
    }
    return QMAP_OK;
}

/* The six faces' means per hit over the particle (the positions of its mask measured in every
 * scan) into note; whether the faces the background was measured on disagree (the peak's tail
 * reaches four faces or more: qmap__faces_uneven), -1 when they agree or the particle has
 * fewer than 3 positions. Simulated with a --voi at about 0.6 of the automatic one along qy
 * and qz (the VOI check "ok" at 4.4 % and 2.2 %): four faces on the tail, 0.10 counts per hit
 * for a true 0.050, and --background faces took peak (std 4-7 % too narrow). */
static int faces_uneven(const qmap_accumulators *acc, const qmap_results *r, unsigned used, char *note, size_t len,
                        double *ratio)
{
    unsigned char *sel = malloc(acc->n_pos > 0 ? (size_t)acc->n_pos : 1);
    note[0] = 0;
    if (!sel)
        return -1;
    for (int p = 0; p < acc->n_pos; p++)
        sel[p] = r->mask[p] && acc->contrib[p] >= acc->n_scans;
    qmap_face_stats st;
    qmap__face_stats(acc, sel, &st);
    free(sel);
    for (int f = 0; f < 6; f++) {
        size_t l = strlen(note);
        snprintf(note + l, len - l, "%s%.4g", f ? ", " : "", st.mean[f]);
    }
    return qmap__faces_uneven(&st, used, ratio);
}

/* How much a flat background moves the moments (seventh round of issue 18). The centres and
 * widths are moments of everything in the VOI (sxdm's calc_com_3d), background included: a
 * flat background pulls each centre toward the VOI's middle and widens each std by the VOI's
 * own spread (simulated with 0.05 counts per pixel per frame: std_qy +16 %, std_qz +21 %
 * against the truth). With each position's background per hit, measured on the VOI's faces
 * (face_backgrounds, /maps/background; the map's average outside the VOI, qmap_check_voi, where no face has
 * hits) and the VOI's hits and their summed q, the moments without it follow in closed form;
 * per axis, the median over the particle of std / std-without-background and of the centre's
 * move in stds are recorded (/parameters background_check), with a WARNING above
 * QMAP_BACKGROUND_SAID; the maps keep the sxdm definition. The faces, not the average outside
 * the VOI: a background that is stronger on the particle (its fluorescence: simulated with
 * --fluo-frames 20000, 0.060 counts per hit on the faces at the particle, 0.013 outside the
 * VOI on average) widened std_qz by +23 % against the truth while the average said +3.7 %,
 * under the WARNING's 5 %. With --background faces the maps are already without it: the
 * record says what the subtraction took away, with no WARNING. */
static int check_background(const qmap_process_options *o, const qmap_accumulators *acc, qmap_results *r,
                            unsigned used, const char *left_out)
{
    static const char *const axis[3] = {"qx", "qy", "qz"};
    int faces = acc->background_faces;
    if (!(acc->hits_total > 0)) {
        qmap_results_param(r, "background_check", "not measured (no pixel in the VOI)");
        return QMAP_OK;
    }
    size_t n_pos = (size_t)acc->n_pos, m = 0, nf = 0;
    double *v = malloc(8 * (n_pos ? n_pos : 1) * sizeof *v), share, widen[3], moved[3];
    if (!v)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory (background check)");
    for (size_t p = 0; p < n_pos; p++) {
        if (!r->mask[p] || acc->contrib[p] < acc->n_scans)
            continue;
        double fb = r->background[p];
        if (isfinite(fb))
            v[7 * n_pos + nf++] = fb;
        double b = isfinite(fb) ? fb : acc->background;   /* per hit, at this position */
        double s0 = acc->s0[p], c0 = s0 - b * acc->hits_total;
        if (!isfinite(b) || !(s0 > 0) || !(c0 > 0))
            continue;
        int ok = 1;
        double w[3], mv[3];
        for (int a = 0; a < 3 && ok; a++) {
            double m1 = acc->s1[3 * p + a] / s0, var = acc->s2[3 * p + a] / s0 - m1 * m1;
            double c1 = (acc->s1[3 * p + a] - b * acc->hits_q1[a]) / c0;
            double cvar = (acc->s2[3 * p + a] - b * acc->hits_q2[a]) / c0 - c1 * c1;
            ok = var > 0 && cvar > 0;
            w[a] = ok ? sqrt(var / cvar) : NAN;
            mv[a] = ok ? fabs(m1 - c1) / sqrt(cvar) : NAN;
        }
        if (!ok)
            continue;
        v[m] = b * acc->hits_total / s0;
        for (int a = 0; a < 3; a++) {
            v[(1 + a) * n_pos + m] = w[a];
            v[(4 + a) * n_pos + m] = mv[a];
        }
        m++;
    }
    share = m ? gsl_stats_median(v, 1, m) : NAN;   /* each reorders its own part of v */
    for (int a = 0; a < 3; a++) {
        widen[a] = m ? gsl_stats_median(v + (1 + a) * n_pos, 1, m) - 1 : NAN;
        moved[a] = m ? gsl_stats_median(v + (4 + a) * n_pos, 1, m) : NAN;
    }
    double face = nf ? gsl_stats_median(v + 7 * n_pos, 1, nf) : NAN, ratio = NAN;
    free(v);
    char faces_note[200], used_names[64];
    int tail = faces_uneven(acc, r, used, faces_note, sizeof faces_note, &ratio);
    qmap_faces_format(used, used_names, sizeof used_names);
    if (tail >= 0)
        qmap_log(o, "WARNING: the VOI's faces are not at one background: the third lowest of those it is measured "
                    "on (%s) is %.2g times the lowest per hit (means over the particle: %s for qx-, qx+, qy-, qy+, "
                    "qz-, qz+): the peak's tail reaches four faces or more, the highest along %s, so the background "
                    "measured on the faces is too high%s; widen --voi along %s", used_names, ratio, faces_note,
                 axis[tail], faces ? " and --background faces takes part of the peak (std too narrow)"
                                   : " and so is the widening said below", axis[tail]);
    if (left_out[0])
        qmap_log(o, "background: %s", left_out);
    char faces_said[700];
    snprintf(faces_said, sizeof faces_said, "%s%s%s", tail >= 0 ? "uneven: the peak's tail" : "even",
             left_out[0] ? "; " : "", left_out);
    if (faces)
        qmap_results_param(r, "background_check", "subtracted at each position (--background faces): median over "
                           "the particle %.4g counts per hit on the VOI's faces (%.4g outside the VOI, map average), "
                           "%.3g %% of the VOI intensity; without the subtraction std_qx, std_qy, std_qz would be "
                           "%+.1f, %+.1f, %+.1f %% wider and the centres %.3f, %.3f, %.3f std away; faces qx-, qx+, "
                           "qy-, qy+, qz-, qz+: %s per hit (%s)", face, acc->background, 100 * share, 100 * widen[0],
                           100 * widen[1], 100 * widen[2], moved[0], moved[1], moved[2], faces_note, faces_said);
    else
        qmap_results_param(r, "background_check", "flat background at each position on the VOI's faces, median over "
                           "the particle %.4g counts per hit (%.4g outside the VOI, map average): %.3g %% of the VOI "
                           "intensity; it widens std_qx, std_qy, std_qz by %+.1f, %+.1f, %+.1f %% and moves the "
                           "centres by %.3f, %.3f, %.3f std; faces qx-, qx+, qy-, qy+, qz-, qz+: %s per hit (%s)",
                           face, acc->background, 100 * share, 100 * widen[0], 100 * widen[1], 100 * widen[2],
                           moved[0], moved[1], moved[2], faces_note, faces_said);
    if (faces) {
        qmap_log(o, "background: %.3g counts per hit subtracted at each position (median over the particle, "
                    "measured on the VOI's faces; %.3g %% of the VOI intensity): std_qx, std_qy, std_qz %+.1f, "
                    "%+.1f, %+.1f %% narrower than without", face, 100 * share, 100 * widen[0], 100 * widen[1],
                 100 * widen[2]);
        return QMAP_OK;
    }
    char said[400] = "";
    for (int a = 0; a < 3; a++)
        if (widen[a] > QMAP_BACKGROUND_SAID || moved[a] > QMAP_BACKGROUND_SAID) {
            size_t l = strlen(said);
            snprintf(said + l, sizeof said - l, "%sstd_%s %+.0f %% and the centre %.2f std", l ? ", " : "",
                     axis[a], 100 * widen[a], moved[a]);
        }
    if (said[0])
        qmap_log(o, "WARNING: the flat background (%.3g counts per hit on the VOI's faces at the particle, %.3g "
                    "outside the VOI; %.3g %% of the VOI intensity over the particle) moves the moments (medians "
                    "over the particle): %s; the centres and std maps include everything in the VOI (sxdm's "
                    "definition): --background faces subtracts it at each position, a --voi closer around the "
                    "peak lowers it", face, acc->background, 100 * share, said);
    return QMAP_OK;
}

/* Hook for the recomputation of single positions (position.c, qmap view): the moments and
 * fits only, with no particle mask or lattice maps (they need the whole map). */
static unsigned peak_maps(const qmap_accumulators *acc, qmap_results *r, char *left_out, size_t len)
{
    unsigned used = face_backgrounds(acc, r, left_out, len);
    moments(acc, r);
    gaussian_fits(acc, r);
    return used;
}

void qmap_derive_peak_maps(const qmap_accumulators *acc, qmap_results *r)
{
    char left_out[400];
    peak_maps(acc, r, left_out, sizeof left_out);
}

int qmap_derive_maps(const qmap_process_options *o, const qmap_accumulators *acc,
                     qmap_results *r)
{
    qmap_stage_clock clk;   /* -v (issue 18) */
    qmap_stage_clock_start(&clk);
    char left_out[400], used_names[64];
    unsigned used = peak_maps(acc, r, left_out, sizeof left_out);
    qmap_faces_format(used, used_names, sizeof used_names);
    int rc0 = qmap_results_param(r, "background_faces", "%s", used_names);   /* for qmap view */
    if (rc0 < 0)
        return rc0;
    qmap_stage_time(o, &clk, "  of which moments+fits");
    int rc = particle_mask(o, r, acc->n_pos);
    if (rc < 0)
        return rc;
    lattice_maps(o, r, acc->n_pos);
    rc = check_fit_widths(o, acc, r, acc->n_pos);
    return rc < 0 ? rc : check_background(o, acc, r, used, left_out);
}
