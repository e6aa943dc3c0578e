/* particles.c -- label the particles of an SXDM map and compute the per-particle table.
 *
 * Labelling is segment.h's: connected components of the mask (or the watershed split of
 * touching particles), then removal of regions below the minimum size. Measurement is
 * one pass over the map accumulating per-label sums, then a second pass for the
 * quantities that need the particle's mean first (standard deviations, the angles to the
 * particle's own mean Q).
 */
#include "qmap/particles.h"
#include "qmap/error.h"
#include "qmap/segment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RAD2DEG (180.0 / M_PI)

static const struct {
    const char *name, *unit, *meaning;
} columns[QMAP_N_PCOLS] = {
    {"label", "", "value of the particle in /particles/labels"},
    {"n_positions", "", "number of map positions in the particle"},
    {"area", "um^2", "n_positions x |x step| x |y step|"},
    {"equivalent_diameter", "um", "diameter of the disc of the same area, 2 sqrt(area/pi)"},
    {"centroid_x", "um", "mean /maps/x over the particle's positions"},
    {"centroid_y", "um", "mean /maps/y over the particle's positions"},
    {"intensity", "counts", "sum of /maps/intensity"},
    {"d_mean", "angstrom", "mean d-spacing"},
    {"d_std", "angstrom", "standard deviation of the d-spacing"},
    {"c_mean", "angstrom", "mean c (NaN without /maps/c)"},
    {"c_std", "angstrom", "standard deviation of c"},
    {"strain_mean", "1", "mean strain (/maps/strain, relative to the map's d_ref)"},
    {"strain_std", "1", "standard deviation of the strain"},
    {"sigma_qx_mean", "1/angstrom", "mean Gaussian-fit sigma along qx"},
    {"sigma_qy_mean", "1/angstrom", "mean Gaussian-fit sigma along qy"},
    {"sigma_qz_mean", "1/angstrom", "mean Gaussian-fit sigma along qz"},
    {"tilt_mean", "degree", "mean /maps/tilt_magnitude (tilt from the mean Q of the whole mask)"},
    {"tilt_extension_max", "degree", "largest angle between a position's Q and the particle's own mean Q"},
    {"mean_qx", "1/angstrom", "particle mean Q, x (unweighted mean of finite Q)"},
    {"mean_qy", "1/angstrom", "particle mean Q, y"},
    {"mean_qz", "1/angstrom", "particle mean Q, z"},
};

const char *qmap_particle_column_name(int k)
{
    return k >= 0 && k < QMAP_N_PCOLS ? columns[k].name : "";
}

const char *qmap_particle_column_unit(int k)
{
    return k >= 0 && k < QMAP_N_PCOLS ? columns[k].unit : "";
}

const char *qmap_particle_column_meaning(int k)
{
    return k >= 0 && k < QMAP_N_PCOLS ? columns[k].meaning : "";
}

void qmap_particle_options_default(qmap_particle_options *o)
{
    o->min_positions = 4;
    o->connectivity = 8;
    o->split = 1;
    o->min_dynamic_px = 1.0;
    o->min_fraction = 0.2;
}

void qmap_particles_free(qmap_particles *p)
{
    if (!p)
        return;
    free(p->labels);
    free(p->table);
    free(p);
}

/* Mean step between consecutive positions (um), NaN with fewer than two. */
static double mean_step(const double *v, int n)
{
    return n > 1 ? fabs(v[n - 1] - v[0]) / (n - 1) : NAN;
}

/* Running sums for mean and std of one map over one particle. */
typedef struct {
    double n, sum, sum2;
} moments;

static void add(moments *m, double v)
{
    if (!isfinite(v))
        return;
    m->n += 1;
    m->sum += v;
    m->sum2 += v * v;
}

static double mean_of(const moments *m)
{
    return m->n > 0 ? m->sum / m->n : NAN;
}

static double std_of(const moments *m)
{
    if (!(m->n > 0))
        return NAN;
    double mu = m->sum / m->n;
    return sqrt(fmax(0, m->sum2 / m->n - mu * mu));
}

/* The sums one particle needs. */
typedef struct {
    long count;
    double sx, sy, intensity;
    moments d, c, strain, sigma[3], tilt;
    double q[3];
    long nq;
    double max_angle;
} particle_sums;

int qmap_particles_measure(const qmap_particle_maps *m, const int32_t *labels, int n_labels,
                           double *table)
{
    if (n_labels < 0)
        return qmap_error(QMAP_ERR_VALUE, "particle count %d is negative", n_labels);
    int nf = m->n_fast, ns = m->n_slow;
    particle_sums *s = calloc((size_t)n_labels + 1, sizeof *s);
    if (!s)
        return qmap_error(QMAP_ERR_NOMEM, "measuring %d particles: out of memory", n_labels);
    for (int r = 0; r < ns; r++)
        for (int c = 0; c < nf; c++) {
            long i = (long)r * nf + c;
            int32_t l = labels[i];
            if (l <= 0 || l > n_labels)
                continue;
            particle_sums *p = s + l;
            p->count++;
            p->sx += m->x[c];
            p->sy += m->y[r];
            if (isfinite(m->intensity[i]))
                p->intensity += m->intensity[i];
            add(&p->d, m->d_spacing[i]);
            if (m->c)
                add(&p->c, m->c[i]);
            add(&p->strain, m->strain[i]);
            for (int a = 0; a < 3; a++)
                add(&p->sigma[a], m->sigma[a][i]);
            add(&p->tilt, m->tilt[i]);
            if (isfinite(m->q[0][i]) && isfinite(m->q[1][i]) && isfinite(m->q[2][i])) {
                for (int a = 0; a < 3; a++)
                    p->q[a] += m->q[a][i];
                p->nq++;
            }
        }
    /* Second pass: the angle between each Q and its particle's mean Q. */
    for (long i = 0; i < (long)nf * ns; i++) {
        int32_t l = labels[i];
        if (l <= 0 || l > n_labels || s[l].nq == 0)
            continue;
        double q[3] = {m->q[0][i], m->q[1][i], m->q[2][i]};
        if (!isfinite(q[0]) || !isfinite(q[1]) || !isfinite(q[2]))
            continue;
        const double *mq = s[l].q;   /* sum; direction is all that matters */
        double dot = q[0] * mq[0] + q[1] * mq[1] + q[2] * mq[2];
        double nq = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
        double nm = sqrt(mq[0] * mq[0] + mq[1] * mq[1] + mq[2] * mq[2]);
        /* atan2 of |q x m| and q.m: accurate for small angles, where acos is not. */
        double cx = q[1] * mq[2] - q[2] * mq[1], cy = q[2] * mq[0] - q[0] * mq[2],
               cz = q[0] * mq[1] - q[1] * mq[0];
        double angle = nq > 0 && nm > 0 ? atan2(sqrt(cx * cx + cy * cy + cz * cz), dot) * RAD2DEG : NAN;
        if (angle > s[l].max_angle)
            s[l].max_angle = angle;
    }
    double dx = mean_step(m->x, nf), dy = mean_step(m->y, ns);
    if (isnan(dx))
        dx = dy;
    if (isnan(dy))
        dy = dx;
    for (int l = 1; l <= n_labels; l++) {
        const particle_sums *p = s + l;
        double *row = table + (size_t)(l - 1) * QMAP_N_PCOLS;
        double area = p->count * dx * dy;
        row[QMAP_PCOL_LABEL] = l;
        row[QMAP_PCOL_N_POSITIONS] = (double)p->count;
        row[QMAP_PCOL_AREA] = area;
        row[QMAP_PCOL_EQ_DIAMETER] = 2 * sqrt(area / M_PI);
        row[QMAP_PCOL_CENTROID_X] = p->count ? p->sx / p->count : NAN;
        row[QMAP_PCOL_CENTROID_Y] = p->count ? p->sy / p->count : NAN;
        row[QMAP_PCOL_INTENSITY] = p->intensity;
        row[QMAP_PCOL_D_MEAN] = mean_of(&p->d);
        row[QMAP_PCOL_D_STD] = std_of(&p->d);
        row[QMAP_PCOL_C_MEAN] = mean_of(&p->c);
        row[QMAP_PCOL_C_STD] = std_of(&p->c);
        row[QMAP_PCOL_STRAIN_MEAN] = mean_of(&p->strain);
        row[QMAP_PCOL_STRAIN_STD] = std_of(&p->strain);
        for (int a = 0; a < 3; a++)
            row[QMAP_PCOL_SIGMA_QX + a] = mean_of(&p->sigma[a]);
        row[QMAP_PCOL_TILT_MEAN] = mean_of(&p->tilt);
        row[QMAP_PCOL_TILT_EXTENSION_MAX] = p->nq ? p->max_angle : NAN;
        for (int a = 0; a < 3; a++)
            row[QMAP_PCOL_MEAN_QX + a] = p->nq ? p->q[a] / p->nq : NAN;
    }
    free(s);
    return QMAP_OK;
}

int qmap_particles_find(const qmap_particle_maps *m, const qmap_particle_options *o,
                        qmap_particles **out)
{
    *out = NULL;
    if (o->min_positions < 1)
        return qmap_error(QMAP_ERR_VALUE, "minimum particle size %d positions: expected >= 1", o->min_positions);
    int nf = m->n_fast, ns = m->n_slow;
    qmap_particles *p = calloc(1, sizeof *p);
    if (!p)
        return qmap_error(QMAP_ERR_NOMEM, "particles: out of memory");
    p->n_fast = nf;
    p->n_slow = ns;
    p->labels = malloc((size_t)nf * ns * sizeof *p->labels);
    if (!p->labels) {
        qmap_particles_free(p);
        return qmap_error(QMAP_ERR_NOMEM, "particles: out of memory");
    }
    int n = o->split ? qmap_split_touching(m->mask, nf, ns, o->min_dynamic_px, o->min_fraction, p->labels)
                     : qmap_label_components(m->mask, nf, ns, o->connectivity, p->labels);
    /* The watershed floods 8-neighbours: under 4-connectivity a label may hold regions that
     * only touch by a corner, which are separate particles. */
    if (n >= 0 && o->split && o->connectivity == 4)
        n = qmap_relabel_connected(p->labels, nf, ns, 4);
    if (n >= 0)
        n = qmap_filter_labels(p->labels, nf, ns, n, 0, o->min_positions);
    if (n >= 0) {
        p->n_particles = n;
        p->table = calloc((size_t)(n ? n : 1) * QMAP_N_PCOLS, sizeof *p->table);
        n = p->table ? qmap_particles_measure(m, p->labels, n, p->table)
                     : qmap_error(QMAP_ERR_NOMEM, "particles: out of memory");
    }
    if (n < 0) {
        qmap_particles_free(p);
        return n;
    }
    *out = p;
    return QMAP_OK;
}
