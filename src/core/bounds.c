/* bounds.c -- physical ranges for every number of qmap process, applied to the values read
 * from the file and to the options alike. Why: a distance or pixel size of 1e-300 (a flipped
 * bit), --offset eta=1e308 or --shift 1e308 were accepted and produced maps of nonsense, and
 * --shift 1073741824.25,0 overflowed the integer re-indexing. A value outside its range is a
 * one-line error naming it; the ranges are generous (any real ID01 setup is far inside) and
 * listed in --help and README.
 */
#include "bounds.h"
#include "qmap/error.h"

#include <math.h>

static int within(double v, double lo, double hi)
{
    return isfinite(v) && v >= lo && v <= hi;
}

int qmap_bounds_check_options(const qmap_process_options *o)
{
    if (!isnan(o->distance_m) && !within(o->distance_m, QMAP_BOUND_DISTANCE_MIN_M, QMAP_BOUND_DISTANCE_MAX_M))
        return qmap_error(QMAP_ERR_VALUE, "--distance %g m is outside %g .. %g m", o->distance_m,
                          QMAP_BOUND_DISTANCE_MIN_M, QMAP_BOUND_DISTANCE_MAX_M);
    if (!isnan(o->pixel_m) && !within(o->pixel_m, QMAP_BOUND_PIXEL_MIN_M, QMAP_BOUND_PIXEL_MAX_M))
        return qmap_error(QMAP_ERR_VALUE, "--pixel-size %g m is outside %g .. %g m", o->pixel_m,
                          QMAP_BOUND_PIXEL_MIN_M, QMAP_BOUND_PIXEL_MAX_M);
    const double centre[2] = {o->center_row, o->center_col};
    for (int i = 0; i < 2; i++)
        if (!isnan(centre[i]) && !within(fabs(centre[i]), 0, QMAP_BOUND_CENTRE_MAX_PX))
            return qmap_error(QMAP_ERR_VALUE, "--center %s %g px is outside +-%g px", i ? "column" : "row",
                              centre[i], QMAP_BOUND_CENTRE_MAX_PX);
    const double off[4] = {o->offset_eta, o->offset_phi, o->offset_nu, o->offset_delta};
    static const char *const names[4] = {"eta", "phi", "nu", "delta"};
    for (int i = 0; i < 4; i++)
        if (!within(fabs(off[i]), 0, QMAP_BOUND_OFFSET_MAX_DEG))
            return qmap_error(QMAP_ERR_VALUE, "--offset %s=%g deg is outside +-%g deg", names[i], off[i],
                              QMAP_BOUND_OFFSET_MAX_DEG);
    if (o->shift_mode == QMAP_SHIFT_MANUAL &&
        !(within(fabs(o->shift_dx_um), 0, QMAP_BOUND_SHIFT_MAX_UM) && within(fabs(o->shift_dy_um), 0, QMAP_BOUND_SHIFT_MAX_UM)))
        return qmap_error(QMAP_ERR_VALUE, "--shift %g,%g um per scan is outside +-%g um", o->shift_dx_um,
                          o->shift_dy_um, QMAP_BOUND_SHIFT_MAX_UM);
    if (o->voi_set)
        for (int k = 0; k < 6; k++)
            if (!within(fabs(o->voi[k]), 0, QMAP_BOUND_Q_MAX))
                return qmap_error(QMAP_ERR_VALUE, "--voi bound %g 1/A is outside +-%g 1/A", o->voi[k],
                                  QMAP_BOUND_Q_MAX);
    return QMAP_OK;
}

int qmap_bounds_check_scan(const qmap_detector_geometry *g, const qmap_angles *a)
{
    if (!within(g->distance_m, QMAP_BOUND_DISTANCE_MIN_M, QMAP_BOUND_DISTANCE_MAX_M))
        return qmap_error(QMAP_ERR_VALUE, "detector distance %g m is outside %g .. %g m", g->distance_m,
                          QMAP_BOUND_DISTANCE_MIN_M, QMAP_BOUND_DISTANCE_MAX_M);
    if (!within(g->pixel_row_m, QMAP_BOUND_PIXEL_MIN_M, QMAP_BOUND_PIXEL_MAX_M) ||
        !within(g->pixel_col_m, QMAP_BOUND_PIXEL_MIN_M, QMAP_BOUND_PIXEL_MAX_M))
        return qmap_error(QMAP_ERR_VALUE, "pixel size %g x %g m is outside %g .. %g m", g->pixel_row_m,
                          g->pixel_col_m, QMAP_BOUND_PIXEL_MIN_M, QMAP_BOUND_PIXEL_MAX_M);
    if (!within(fabs(g->center_row), 0, QMAP_BOUND_CENTRE_MAX_PX) ||
        !within(fabs(g->center_col), 0, QMAP_BOUND_CENTRE_MAX_PX))
        return qmap_error(QMAP_ERR_VALUE, "centre pixel %g, %g is outside +-%g px", g->center_row, g->center_col,
                          QMAP_BOUND_CENTRE_MAX_PX);
    const double ang[4] = {a->eta, a->phi, a->nu, a->delta};
    static const char *const names[4] = {"eta", "phi", "nu", "delta"};
    for (int i = 0; i < 4; i++)
        if (!within(fabs(ang[i]), 0, QMAP_BOUND_ANGLE_MAX_DEG))
            return qmap_error(QMAP_ERR_VALUE, "angle %s %g deg is outside +-%g deg", names[i], ang[i],
                              QMAP_BOUND_ANGLE_MAX_DEG);
    return QMAP_OK;
}
