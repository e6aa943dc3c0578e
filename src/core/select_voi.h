/* select_voi.h -- stage 4 of qmap_process: the volume of interest (VOI). */
#ifndef QMAP_CORE_SELECT_VOI_H
#define QMAP_CORE_SELECT_VOI_H

#include "stage.h"

/* Coarse space over the data range, quick-look pass (quicklook.c), then the VOI: the
 * user's --voi (checked against the data range) or the automatic one (geometry/voi.c). */
int qmap_choose_voi(pipeline *P, const double lo[3], const double hi[3], const double step[3],
                    double voi[6], qmap_coarse_space *cs, double **scan_maps);

/* An automatic VOI is clipped to the q range its pixels really sample (the box corners
 * can lie outside the rocking range), so that no edge slab of the grid is empty. */
void qmap_clip_and_report_voi(pipeline *P, const qmap_scan_plan *plans, double voi[6],
                              const double lo[3], const double hi[3]);

/* After pass 2: log (and keep in /parameters voi_check) how far the map-averaged peak has
 * fallen at the VOI's ends along each axis. Returns 1 when an automatic VOI placed on a
 * sample of the frames cuts the peak where the data go on (the caller then redoes the quick
 * look on every frame and pass 2, once); else 0, with a WARNING where the VOI cuts it. */
int qmap_check_voi(pipeline *P, const double voi[6], const double lo[3], const double hi[3]);

#endif
