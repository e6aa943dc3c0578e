/* simulate_model.c -- the physics of qmap's synthetic 5D-SXDM dataset.
 *
 * A cathode particle (elliptical, smooth edge) whose 003 Bragg peak at each sample
 * point is a 3D Gaussian in q centred on Q0 = (2 pi / d) n: d carries a linear strain
 * gradient along x, n is tilted from +qz by tilt_max * rho towards the azimuth of the
 * point, and sigma_qz widens towards the edge. Each frame is Poisson counts of
 * amp * monitor * Gaussian(q_pixel) + flat background, plus hot and dead pixels. The
 * Gaussian is only evaluated inside a per-scan detector window (6 sigma around every
 * Q0 of the particle); the rest of a frame is sparse background drawn by geometric
 * skips. Every frame has its own RNG stream, so output does not depend on threads.
 * The random numbers are in simulate_rng.c, the ground truth in simulate_truth.c.
 */
#include "simulate_internal.h"
#include "qmap/gaps.h"   /* gaps (issue 11) */
#include "qmap/geometry_calib.h"   /* calibration (issue 11) */
#include "qmap/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEG (QMAP_SIM_PI / 180.0)
#define WINDOW_SIGMAS 6.0
#define TAPER_START 0.75       /* rho where the intensity starts to fall to 0 at rho = 1 */
#define MONITOR_MEAN 1e5

/* ---------------------------------------------------------------- the crystal */

#define FLUO_PARTICLE 2000.0   /* fluorescence counts per frame on the particle */
#define FLUO_BACKGROUND 50.0

static double taper(double rho)
{
    if (rho <= TAPER_START)
        return 1.0;
    if (rho >= 1.0)
        return 0.0;
    return 0.5 * (1.0 + cos(QMAP_SIM_PI * (rho - TAPER_START) / (1.0 - TAPER_START)));
}

/* The particle holding sample point (sx, sy): its index (-1 outside every particle), the
 * point's offset from its centre, its semi-axes and the normalised radius. A film
 * (featureless) holds every point, with offsets from the map centre and rho 0. */
static int which_particle(const qmap_sim_model *m, double sx, double sy, double d[2], double a[2],
                          double *rho)
{
    if (m->p.featureless) {
        d[0] = sx - m->cx;
        d[1] = sy - m->cy;
        a[0] = m->ax;
        a[1] = m->ay;
        *rho = 0;
        return 0;
    }
    for (int i = 0; i < m->n_part; i++) {
        d[0] = sx - m->part_c[i][0];
        d[1] = sy - m->part_c[i][1];
        a[0] = m->part_a[i][0];
        a[1] = m->part_a[i][1];
        *rho = hypot(d[0] / a[0], d[1] / a[1]);
        if (*rho < 1.0)
            return i;
    }
    return -1;
}

double qmap_sim_thickness(const qmap_sim_model *m, double sx, double sy)
{
    double d[2], a[2], rho;
    int i = which_particle(m, sx, sy, d, a, &rho);
    if (i < 0)
        return 0.0;
    /* an ellipsoid whose third semi-axis is the smaller in-plane one */
    return sqrt(fmax(0.0, 1.0 - rho * rho)) * fmin(a[0], a[1]) / fmin(m->ax, m->ay);
}

/* Mosaic: tilt (radians, along x and y) of the block holding (sx, sy), fixed in the sample.
 * The blocks are made of whole raster cells (the point's nearest grid position, then that
 * position's block): a block edge never runs through a position, where the beam's 3 nm jitter
 * would pick one block in some scans and the other in the rest while the truth names one
 * (seventh round of issue 18: 1 column in 3 of a 0.3 um mosaic on a 0.1 um raster sat on an
 * edge, and its centres were 0.6-0.8 sigma from the truth with or without drift). */
static void mosaic_tilt(const qmap_sim_model *m, double sx, double sy, double t[2])
{
    double b = m->p.mosaic_block_um, st = m->p.step_um;
    double kx = floor((sx - m->x0) / st + 0.5), ky = floor((sy - m->y0) / st + 0.5);   /* nearest cell */
    int64_t ix = (int64_t)floor((kx + 0.5) * st / b), iy = (int64_t)floor((ky + 0.5) * st / b);
    qmap_sim_rng r;
    qmap_sim_rng_seed(&r, m->p.seed, 3, (uint64_t)(ix * 1000003 + iy));
    t[0] = m->p.tilt_max_deg * DEG * qmap_sim_normal(&r);
    t[1] = m->p.tilt_max_deg * DEG * qmap_sim_normal(&r);
}

int qmap_sim_point_at(const qmap_sim_model *m, double sx, double sy, qmap_sim_point *pt)
{
    const qmap_sim_params *p = &m->p;
    double d[2], a[2], rho;
    memset(pt, 0, sizeof *pt);
    int i = which_particle(m, sx, sy, d, a, &rho);
    pt->rho = rho;
    if (i < 0)
        return 0;
    double dx = d[0], dy = d[1];
    double eps = p->strain_amplitude * dx / (2.0 * a[0]);
    pt->d = p->d_spacing * (1.0 + eps);
    double qm = 2.0 * QMAP_SIM_PI / pt->d;
    if (p->tilt_shape == QMAP_SIM_TILT_BENDING) {
        double tau = p->tilt_max_deg * DEG * dx / a[0];   /* rotation about y: in the rocking plane */
        pt->q0[0] = qm * sin(tau);
        pt->q0[1] = 0.0;
        pt->q0[2] = qm * cos(tau);
    } else if (p->tilt_shape == QMAP_SIM_TILT_MOSAIC) {
        double t[2], v[3];
        mosaic_tilt(m, sx, sy, t);
        v[0] = tan(t[0]);
        v[1] = tan(t[1]);
        v[2] = 1.0;
        double n = sqrt(v[0] * v[0] + v[1] * v[1] + 1.0);
        for (int k = 0; k < 3; k++)
            pt->q0[k] = qm * v[k] / n;
    } else {
        double tau = p->tilt_max_deg * hypot(dx / a[0], dy / a[1]) * DEG;
        double az = (dx == 0 && dy == 0) ? 0.0 : atan2(dy, dx);
        pt->q0[0] = qm * sin(tau) * cos(az);
        pt->q0[1] = qm * sin(tau) * sin(az);
        pt->q0[2] = qm * cos(tau);
    }
    pt->sigma[0] = p->sigma_q[0];
    pt->sigma[1] = p->sigma_q[1];
    pt->sigma[2] = p->sigma_q[2] * (1.0 + p->sigma_qz_growth * rho * rho);
    pt->amp = m->amp0 * taper(rho);
    return 1;
}

/* exp(-chi2/2) of q against pt, 0 beyond a cut where it is negligible. */
static inline double gauss3(const double *q, const qmap_sim_point *pt, const double *inv2s2)
{
    double a = 0;
    for (int d = 0; d < 3; d++) {
        double t = q[d] - pt->q0[d];
        a += t * t * inv2s2[d];
    }
    return a < 40.0 ? exp(-a) : 0.0;
}

static void inv_two_sigma2(const qmap_sim_point *pt, double out[3])
{
    for (int d = 0; d < 3; d++)
        out[d] = 1.0 / (2.0 * pt->sigma[d] * pt->sigma[d]);
}

double qmap_sim_peak_sum(const qmap_sim_model *m, int scan, const qmap_sim_point *pt)
{
    const qmap_sim_box *b = &m->box[scan];
    size_t n = (size_t)(b->r1 - b->r0) * (size_t)(b->c1 - b->c0);
    double w[3], s = 0;
    if (b->r1 <= b->r0 || b->c1 <= b->c0)
        return 0.0;
    inv_two_sigma2(pt, w);
    for (size_t i = 0; i < n; i++)
        s += gauss3(b->q + 3 * i, pt, w);
    return s * pt->amp;
}

/* ---------------------------------------------------------------- frames */

static void add_background(qmap_sim_rng *r, double bg, int32_t *img, size_t npix)
{
    if (!(bg > 0))
        return;
    double idx = -1.0;
    for (;;) {
        idx += 1.0 + floor(-log(qmap_sim_uniform(r)) / bg);
        if (idx >= (double)npix)
            return;
        img[(size_t)idx] = qmap_sim_poisson_nonzero(r, bg);
    }
}

static void add_peak(const qmap_sim_model *m, int scan, const qmap_sim_point *pt, double mf,
                     double bg, qmap_sim_rng *r, int32_t *img)
{
    const qmap_sim_box *b = &m->box[scan];
    int bw = b->c1 - b->c0;
    double w[3], amp = pt->amp * mf;
    inv_two_sigma2(pt, w);
    for (int i = b->r0; i < b->r1; i++) {
        const double *q = b->q + 3 * (size_t)(i - b->r0) * bw;
        int32_t *row = img + (size_t)i * QMAP_SIM_COLS;
        for (int j = 0; j < bw; j++)
            row[b->c0 + j] = qmap_sim_poisson(r, amp * gauss3(q + 3 * j, pt, w) + bg);
    }
}

void qmap_sim_frame(const qmap_sim_model *m, int scan, int frame, int32_t *img, int64_t *sum)
{
    const size_t npix = (size_t)QMAP_SIM_ROWS * QMAP_SIM_COLS;
    size_t k = (size_t)scan * m->npts + frame;
    double mf = m->mon[k] / MONITOR_MEAN, bg = m->p.background * mf;
    double sx = m->pos_x[k] - scan * m->p.drift_um[0];
    double sy = m->pos_y[k] - scan * m->p.drift_um[1];
    qmap_sim_rng r;
    qmap_sim_point pt;
    int64_t s = 0;

    if (m->p.fluo_frame_counts > 0)   /* the sample's fluorescence, evenly over the chip */
        bg += m->p.fluo_frame_counts * qmap_sim_thickness(m, sx, sy) * mf / (double)npix;
    qmap_sim_rng_seed(&r, m->p.seed, 1000 + (uint64_t)scan, (uint64_t)frame);
    memset(img, 0, npix * sizeof *img);
    add_background(&r, bg, img, npix);
    if (qmap_sim_point_at(m, sx, sy, &pt) && m->box[scan].r1 > m->box[scan].r0)
        add_peak(m, scan, &pt, mf, bg, &r, img);
    for (int h = 0; h < m->n_hot; h++)
        img[m->hot_idx[h]] = qmap_sim_poisson(&r, m->hot_level[h]);
    for (int h = 0; h < QMAP_SIM_NDEAD; h++)
        img[m->dead_idx[h]] = 0;
    qmap_gap_layout gaps;   /* gaps (issue 11): LIMA's Maxipix layout of wide edge pixels */
    if (!m->p.ideal_frames &&
        qmap_gap_layout_known(QMAP_SIM_DETECTOR, QMAP_SIM_ROWS, QMAP_SIM_COLS, &gaps))
        qmap_gap_fold_frame(&gaps, img);
    for (size_t i = 0; i < npix; i++)
        s += img[i];
    *sum = s;
}

/* ---------------------------------------------------------------- model setup */

int qmap_sim_check_params(const qmap_sim_params *p)
{
    if (p->n_fast < 2 || p->n_slow < 2 || p->n_eta < 1)
        return qmap_error(QMAP_ERR_VALUE, "simulation size %d x %d points x %d eta is too small "
                          "(need >= 2 x 2 x 1)", p->n_fast, p->n_slow, p->n_eta);
    if ((double)p->n_fast * p->n_slow * p->n_eta > 5e6)
        return qmap_error(QMAP_ERR_VALUE, "simulation of %d x %d x %d frames is too large",
                          p->n_fast, p->n_slow, p->n_eta);
    struct { const char *name; double v; } pos[] = {
        {"step_um", p->step_um}, {"energy_ev", p->energy_ev}, {"d_spacing", p->d_spacing},
        {"sigma_q[0]", p->sigma_q[0]}, {"sigma_q[1]", p->sigma_q[1]},
        {"sigma_q[2]", p->sigma_q[2]}, {"distance_m", p->distance_m}, {"pixel_m", p->pixel_m},
        {"particle_axes[0]", p->particle_axes[0]}, {"particle_axes[1]", p->particle_axes[1]},
    };
    for (size_t i = 0; i < sizeof pos / sizeof pos[0]; i++)
        if (!isfinite(pos[i].v) || pos[i].v <= 0)
            return qmap_error(QMAP_ERR_VALUE, "simulation parameter %s must be positive, got %g",
                              pos[i].name, pos[i].v);
    struct { const char *name; double v; } nonneg[] = {
        {"strain_amplitude", fabs(p->strain_amplitude)}, {"tilt_max_deg", fabs(p->tilt_max_deg)},
        {"peak_counts", p->peak_counts}, {"background", p->background},
        {"monitor_noise", p->monitor_noise}, {"jitter_um", p->jitter_um},
        {"sigma_qz_growth", p->sigma_qz_growth}, {"eta_half_range_deg", p->eta_half_range_deg},
        {"drift_um[0]", fabs(p->drift_um[0])}, {"drift_um[1]", fabs(p->drift_um[1])},
        {"beam_row", fabs(p->beam_row)}, {"beam_col", fabs(p->beam_col)},
    };
    for (size_t i = 0; i < sizeof nonneg / sizeof nonneg[0]; i++)
        if (!isfinite(nonneg[i].v) || nonneg[i].v < 0)
            return qmap_error(QMAP_ERR_VALUE, "simulation parameter %s must be finite and >= 0, "
                              "got %g", nonneg[i].name, nonneg[i].v);
    double s = QMAP_HC_EV_ANGSTROM / p->energy_ev / (2.0 * p->d_spacing);
    if (s >= 1.0)
        return qmap_error(QMAP_ERR_VALUE, "d = %g A is not reachable at %g eV (lambda/2d = %g)",
                          p->d_spacing, p->energy_ev, s);
    if (p->hot_pixels < 0 || p->hot_pixels > 1000)
        return qmap_error(QMAP_ERR_VALUE, "hot_pixels = %d must be 0 .. 1000", p->hot_pixels);
    if (p->n_particles < 1 || p->n_particles > 4)
        return qmap_error(QMAP_ERR_VALUE, "simulation: %d particles, must be 1 .. 4", p->n_particles);
    if (p->tilt_shape < 0 || p->tilt_shape > 2 || p->fluo_counter < 0 || p->fluo_counter > 2 ||
        p->eta_order < 0 || p->eta_order > 1)
        return qmap_error(QMAP_ERR_VALUE, "simulation: tilt shape %d, fluorescence counter %d or eta "
                          "order %d out of range", p->tilt_shape, p->fluo_counter, p->eta_order);
    if (!(isfinite(p->fluo_frame_counts) && p->fluo_frame_counts >= 0 && p->fluo_frame_counts < 1e6) ||
        !(isfinite(p->mosaic_block_um) && p->mosaic_block_um > 0) ||
        !(fabs(p->particle_offset[0]) <= 2 && fabs(p->particle_offset[1]) <= 2) ||
        !(p->particle_axes[0] <= 2 && p->particle_axes[1] <= 2))
        return qmap_error(QMAP_ERR_VALUE, "simulation: fluorescence counts %g (0 .. 1e6), mosaic block %g um "
                          "(> 0), particle offset %g, %g (|.| <= 2) or particle size %g, %g (0 .. 2 map extents) "
                          "out of range", p->fluo_frame_counts, p->mosaic_block_um, p->particle_offset[0],
                          p->particle_offset[1], p->particle_axes[0], p->particle_axes[1]);
    if (p->compression < 0 || p->compression > 2)
        return qmap_error(QMAP_ERR_VALUE, "compression = %d must be 0, 1 or 2", p->compression);
    qmap_detector_calib c = {p->mu_deg, p->detector_calib_deg[0], p->detector_calib_deg[1],
                             p->detector_calib_deg[2]};   /* calibration (issue 11) */
    return qmap_detector_calib_validate(&c);
}

static void scan_transform(const qmap_sim_model *m, int scan, qmap_q_transform *t)
{
    qmap_angles a = {m->eta[scan], 0.0, 0.0, m->delta_deg};
    /* calibration (issue 11): mu and the detector's calibration angles */
    qmap_detector_calib c = {m->p.mu_deg, m->p.detector_calib_deg[0], m->p.detector_calib_deg[1],
                             m->p.detector_calib_deg[2]};
    qmap_q_transform_init_calib(t, &m->geom, &a, &c);
}

/* Range of Q0 over the particle, widened by WINDOW_SIGMAS of the widest peak. */
static void q0_window(const qmap_sim_model *m, double lo[3], double hi[3])
{
    const int n = 151;
    for (int d = 0; d < 3; d++) {
        lo[d] = INFINITY;
        hi[d] = -INFINITY;
    }
    double bx0 = INFINITY, bx1 = -INFINITY, by0 = INFINITY, by1 = -INFINITY;
    if (m->p.featureless) {   /* the film seen over the map and every drifted position */
        double span = (m->p.n_eta - 1) * (fabs(m->p.drift_um[0]) + fabs(m->p.drift_um[1]));
        bx0 = m->x0 - span;
        bx1 = m->x0 + (m->p.n_fast - 1) * m->p.step_um + span;
        by0 = m->y0 - span;
        by1 = m->y0 + (m->p.n_slow - 1) * m->p.step_um + span;
    }
    for (int k = 0; !m->p.featureless && k < m->n_part; k++) {
        bx0 = fmin(bx0, m->part_c[k][0] - m->part_a[k][0]);
        bx1 = fmax(bx1, m->part_c[k][0] + m->part_a[k][0]);
        by0 = fmin(by0, m->part_c[k][1] - m->part_a[k][1]);
        by1 = fmax(by1, m->part_c[k][1] + m->part_a[k][1]);
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            qmap_sim_point pt;
            double sx = bx0 + (bx1 - bx0) * j / (n - 1);
            double sy = by0 + (by1 - by0) * i / (n - 1);
            if (!qmap_sim_point_at(m, sx, sy, &pt))
                continue;
            for (int d = 0; d < 3; d++) {
                lo[d] = fmin(lo[d], pt.q0[d]);
                hi[d] = fmax(hi[d], pt.q0[d]);
            }
        }
    double smax[3] = {m->p.sigma_q[0], m->p.sigma_q[1],
                      m->p.sigma_q[2] * (1.0 + m->p.sigma_qz_growth)};
    for (int d = 0; d < 3; d++) {
        lo[d] -= WINDOW_SIGMAS * smax[d];
        hi[d] += WINDOW_SIGMAS * smax[d];
    }
}

static int inside3(const double q[3], const double lo[3], const double hi[3])
{
    return q[0] >= lo[0] && q[0] <= hi[0] && q[1] >= lo[1] && q[1] <= hi[1] &&
           q[2] >= lo[2] && q[2] <= hi[2];
}

static int build_box(const qmap_sim_model *m, int scan, const double lo[3], const double hi[3],
                     qmap_sim_box *b)
{
    qmap_q_transform t;
    scan_transform(m, scan, &t);
    b->r0 = QMAP_SIM_ROWS;
    b->c0 = QMAP_SIM_COLS;
    b->r1 = b->c1 = 0;
    for (int i = 0; i < QMAP_SIM_ROWS; i++)
        for (int j = 0; j < QMAP_SIM_COLS; j++) {
            double q[3];
            qmap_pixel_q(&t, i, j, q);
            if (!inside3(q, lo, hi))
                continue;
            if (i < b->r0) b->r0 = i;
            if (i + 1 > b->r1) b->r1 = i + 1;
            if (j < b->c0) b->c0 = j;
            if (j + 1 > b->c1) b->c1 = j + 1;
        }
    if (b->r1 <= b->r0) {
        b->r0 = b->r1 = b->c0 = b->c1 = 0;
        return QMAP_OK;
    }
    int bw = b->c1 - b->c0;
    b->q = malloc(sizeof(double) * 3 * (size_t)(b->r1 - b->r0) * bw);
    if (!b->q)
        return qmap_error(QMAP_ERR_NOMEM, "simulation: no memory for the detector window");
    for (int i = b->r0; i < b->r1; i++)
        for (int j = b->c0; j < b->c1; j++)
            qmap_pixel_q(&t, i, j, b->q + 3 * ((size_t)(i - b->r0) * bw + (j - b->c0)));
    return QMAP_OK;
}

static void positions_and_monitor(qmap_sim_model *m)
{
    const qmap_sim_params *p = &m->p;
    qmap_sim_rng r;
    qmap_sim_rng_seed(&r, p->seed, 1, 0);
    for (int k = 0; k < p->n_eta; k++)
        for (int f = 0; f < m->npts; f++) {
            size_t i = (size_t)k * m->npts + f;
            m->pos_x[i] = m->x0 + (f % p->n_fast) * p->step_um + p->jitter_um * qmap_sim_normal(&r);
            m->pos_y[i] = m->y0 + (f / p->n_fast) * p->step_um + p->jitter_um * qmap_sim_normal(&r);
            m->mon[i] = fmax(MONITOR_MEAN * (1.0 + p->monitor_noise * qmap_sim_normal(&r)), 1.0);
        }
    /* Fluorescence of the particle's element: follows the particle's footprint (with the
     * drift) whatever the Bragg condition, as an XRF counter at the beamline does. */
    for (int k = 0; k < p->n_eta; k++)
        for (int f = 0; f < m->npts; f++) {
            size_t i = (size_t)k * m->npts + f;
            double sx = m->pos_x[i] - k * p->drift_um[0], sy = m->pos_y[i] - k * p->drift_um[1];
            double lam = (FLUO_PARTICLE * qmap_sim_thickness(m, sx, sy) + FLUO_BACKGROUND) * m->mon[i] / MONITOR_MEAN;
            m->fluo[i] = p->fluo_counter == 2 ? 0.0 : qmap_sim_poisson(&r, lam);
        }
}

/* A pixel that is free for a hot or dead pixel: outside every peak window (with a
 * margin), off the chip gaps, not already taken. */
static int pixel_free(const qmap_sim_model *m, int idx, const int *taken, int n_taken)
{
    int r = idx / QMAP_SIM_COLS, c = idx % QMAP_SIM_COLS, margin = 8;
    if ((r >= 250 && r <= 265) || (c >= 250 && c <= 265))
        return 0;
    for (int k = 0; k < m->p.n_eta; k++) {
        const qmap_sim_box *b = &m->box[k];
        if (r >= b->r0 - margin && r < b->r1 + margin && c >= b->c0 - margin &&
            c < b->c1 + margin)
            return 0;
    }
    for (int i = 0; i < n_taken; i++)
        if (taken[i] == idx)
            return 0;
    return 1;
}

static int special_pixels(qmap_sim_model *m)
{
    int n = m->p.hot_pixels, total = n + QMAP_SIM_NDEAD;
    int *taken = malloc(sizeof(int) * total);
    m->hot_idx = malloc(sizeof(int) * (n ? n : 1));
    m->hot_level = malloc(sizeof(double) * (n ? n : 1));
    if (!taken || !m->hot_idx || !m->hot_level) {
        free(taken);
        return qmap_error(QMAP_ERR_NOMEM, "simulation: no memory for hot pixels");
    }
    qmap_sim_rng r;
    qmap_sim_rng_seed(&r, m->p.seed, 2, 0);
    for (int i = 0, tries = 0; i < total; tries++) {
        if (tries > 1000000) {
            free(taken);
            return qmap_error(QMAP_ERR_VALUE, "simulation: no room on the detector for %d hot "
                              "pixels", n);
        }
        int idx = (int)(qmap_sim_uniform(&r) * QMAP_SIM_ROWS * QMAP_SIM_COLS);
        if (!pixel_free(m, idx, taken, i))
            continue;
        taken[i] = idx;
        if (i < n) {
            m->hot_idx[i] = idx;
            m->hot_level[i] = 500.0 + 1500.0 * qmap_sim_uniform(&r);
        } else {
            m->dead_idx[i - n] = idx;
        }
        i++;
    }
    m->n_hot = n;
    free(taken);
    return QMAP_OK;
}

static void geometry_and_angles(qmap_sim_model *m)
{
    const qmap_sim_params *p = &m->p;
    double lambda = QMAP_HC_EV_ANGSTROM / p->energy_ev;
    m->geom = (qmap_detector_geometry){p->energy_ev, p->distance_m, p->pixel_m, p->pixel_m,
                                       p->beam_row, p->beam_col, QMAP_SIM_ROWS, QMAP_SIM_COLS};
    m->theta_deg = asin(lambda / (2.0 * p->d_spacing)) / DEG;
    m->delta_deg = 2.0 * m->theta_deg;
    for (int k = 0; k < p->n_eta; k++) {
        /* eta_order 1: rocking-curve steps 0, 2, 4, ... then 1, 3, 5, ... */
        int j = p->eta_order == 1 ? (2 * k < p->n_eta ? 2 * k : 2 * k - p->n_eta + (p->n_eta % 2 == 0)) : k;
        double f = p->n_eta > 1 ? 2.0 * j / (p->n_eta - 1) - 1.0 : 0.0;
        m->eta[k] = m->theta_deg + f * p->eta_half_range_deg;
    }
}

/* The particle is centred in the map at the middle scan of the rocking curve. */
static void particle_placement(qmap_sim_model *m)
{
    const qmap_sim_params *p = &m->p;
    double ex = (p->n_fast - 1) * p->step_um, ey = (p->n_slow - 1) * p->step_um;
    double mid = 0.5 * (p->n_eta - 1);
    m->x0 = p->origin_um[0];
    m->y0 = p->origin_um[1];
    m->cx = m->x0 + 0.5 * ex - mid * p->drift_um[0];
    m->cy = m->y0 + 0.5 * ey - mid * p->drift_um[1];
    m->ax = p->particle_axes[0] * ex;
    m->ay = p->particle_axes[1] * ey;
    m->n_part = p->n_particles;
    if (p->featureless) {       /* the film: tilt and strain fields scaled to the map */
        m->ax = 0.5 * ex;
        m->ay = 0.5 * ey;
    }
    /* particle 1 (with the offset) and up to three half-size neighbours around it */
    static const double place[4][2] = {{-0.22, -0.2}, {0.24, 0.22}, {0.25, -0.24}, {-0.23, 0.24}};
    for (int i = 0; i < m->n_part; i++) {
        double f = m->n_part > 1 ? 0.5 : 1.0, stretch = 1.0 + 0.1 * (i % 2 ? 1 : -1) * (i > 0);
        double ox = m->n_part > 1 ? place[i][0] : 0.0, oy = m->n_part > 1 ? place[i][1] : 0.0;
        if (i == 0) {
            ox += p->particle_offset[0];
            oy += p->particle_offset[1];
        }
        m->part_c[i][0] = m->cx + ox * ex;
        m->part_c[i][1] = m->cy + oy * ey;
        m->part_a[i][0] = f * m->ax * stretch;
        m->part_a[i][1] = f * m->ay / stretch;
    }
    if (!p->featureless) {
        m->cx = m->part_c[0][0];
        m->cy = m->part_c[0][1];
        m->ax = m->part_a[0][0];
        m->ay = m->part_a[0][1];
    }
}

static int calibrate_amplitude(qmap_sim_model *m)
{
    qmap_sim_point pt;
    double s = 0;
    m->amp0 = 1.0;
    qmap_sim_point_at(m, m->cx, m->cy, &pt);
    for (int k = 0; k < m->p.n_eta; k++)
        s += qmap_sim_peak_sum(m, k, &pt);
    if (!(s > 0))
        return qmap_error(QMAP_ERR_VALUE, "simulation: the Bragg peak (d = %g A) never reaches "
                          "the detector over eta %g .. %g deg", m->p.d_spacing, m->eta[0],
                          m->eta[m->p.n_eta - 1]);
    m->amp0 = m->p.peak_counts / s;
    return QMAP_OK;
}

int qmap_sim_model_init(qmap_sim_model *m, const qmap_sim_params *p)
{
    int rc = qmap_sim_check_params(p);
    if (rc < 0)
        return rc;
    memset(m, 0, sizeof *m);
    m->p = *p;
    m->npts = p->n_fast * p->n_slow;
    m->number0 = 2;
    size_t n = (size_t)p->n_eta * m->npts;
    m->eta = malloc(sizeof(double) * p->n_eta);
    m->box = calloc(p->n_eta, sizeof *m->box);
    m->pos_x = malloc(sizeof(double) * n);
    m->pos_y = malloc(sizeof(double) * n);
    m->mon = malloc(sizeof(double) * n);
    m->fluo = malloc(sizeof(double) * n);
    if (!m->eta || !m->box || !m->pos_x || !m->pos_y || !m->mon || !m->fluo) {
        qmap_sim_model_free(m);
        return qmap_error(QMAP_ERR_NOMEM, "simulation: no memory for %zu frames", n);
    }
    geometry_and_angles(m);
    particle_placement(m);
    m->amp0 = 1.0;
    double lo[3], hi[3];
    q0_window(m, lo, hi);
    for (int k = 0; k < p->n_eta && rc == QMAP_OK; k++)
        rc = build_box(m, k, lo, hi, &m->box[k]);
    if (rc == QMAP_OK)
        rc = calibrate_amplitude(m);
    if (rc == QMAP_OK)
        rc = special_pixels(m);
    if (rc < 0) {
        qmap_sim_model_free(m);
        return rc;
    }
    positions_and_monitor(m);
    return QMAP_OK;
}

void qmap_sim_model_free(qmap_sim_model *m)
{
    if (m->box)
        for (int k = 0; k < m->p.n_eta; k++)
            free(m->box[k].q);
    free(m->box);
    free(m->eta);
    free(m->pos_x);
    free(m->pos_y);
    free(m->mon);
    free(m->fluo);
    free(m->hot_idx);
    free(m->hot_level);
    memset(m, 0, sizeof *m);
}

