/* xsocs.h -- write qmap's per-position q-space in the file layout of XSOCS (`qspace.h5`).
 *
 * XSOCS (ESRF's K-map viewer) reads a q-space file made of
 *   Data/qspace      f32 (n_pos, nx, ny, nz)  summed VOI intensity per map position (not / hits)
 *   Data/qx, qy, qz  f64 bin centres (1/Angstrom)
 *   Data/histo       i32 (nx, ny, nz)         (pixel, scan) samples per bin, the same for all positions
 *   Data/qspace_sum  f32 (n_pos)              per-position sum of Data/qspace
 *   Data/sample_x, sample_y  f64 (n_pos)      position of each map point (micrometres)
 *   Params/{channels_per_degree, direct_beam, image_normalizer, maxipix_correction,
 *           medfilt_dims, sample_roi}
 *   params/entries/{selected, discarded, has_shift, has_grid_shift[, shifts/ENTRY/shift]}
 * with Data an NXdata group (signal "qspace", axes [".", "qx", "qy", "qz"]). The datatypes,
 * ranks, compression and attributes are those of a file written by XSOCS itself
 * (shared/data/id01-xsocs-ingan/qspace_shift.h5); tests/test_xsocs_write.c checks them field
 * by field against it.
 *
 * Position p = row * n_fast + column (row = slow motor), as /qspace/cube of the results file.
 */
#ifndef QMAP_XSOCS_H
#define QMAP_XSOCS_H

#include "qmap/results.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write results r (which must hold r->qspace_cube: the pipeline ran with save_qspace = 1)
 * as an XSOCS q-space file at path. The file is written to "path.tmp-PID" in the same
 * folder and renamed onto path when complete; on failure nothing is left at either name.
 * The parameters come from r's text parameters (center_pixel, distance_m, pixel_size_m,
 * monitor, scans); a missing calibration value is written as NaN.
 * Returns QMAP_OK, QMAP_ERR_VALUE (no cube, hits not integer counts, scan list not matching
 * r->n_scans) or QMAP_ERR_IO (cannot create / write / rename, naming the path). */
int qmap_xsocs_qspace_write(const qmap_results *r, const char *path);

#ifdef __cplusplus
}
#endif
#endif
