/* gap_setup.h -- choose and record the chip-gap handling of a pipeline run (issue 11). */
#ifndef QMAP_GAP_SETUP_H
#define QMAP_GAP_SETUP_H

#include <stdint.h>
#include "qmap/gaps.h"
#include "qmap/process.h"
#include "qmap/results.h"

/* Layout from o->gap_layout or the detector; *on = 1 when frames are to be corrected.
 * Adjusts mask (n_rows x n_cols) for the virtual pixels; logs and records the choice. */
int qmap_gap_choose(const qmap_process_options *o, const char *detector, int rows, int cols,
                    uint8_t *mask, qmap_results *r, qmap_gap_layout *g, int *on);

#endif
