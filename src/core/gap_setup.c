/* gap_setup.c -- the pipeline's choice of chip-gap handling (issue 11), printed and recorded
 * like the other calibration choices: the layout given with --gap-layout, else the built-in
 * layout of the detector (Maxipix 2x2 516 x 516), corrected unless --no-gap-correction.
 * Also sets the mask policy for the virtual pixels (include/qmap/gaps.h).
 */
#include "gap_setup.h"
#include "log.h"
#include "qmap/error.h"

#include <stdio.h>

int qmap_gap_choose(const qmap_process_options *o, const char *detector, int rows, int cols,
                    uint8_t *mask, qmap_results *r, qmap_gap_layout *g, int *on)
{
    *on = 0;
    const char *from;
    if (o->gap_layout) {
        int rc = qmap_gap_layout_parse(o->gap_layout, rows, cols, g);
        if (rc != QMAP_OK)
            return rc;
        from = "--gap-layout";
    } else if (qmap_gap_layout_known(detector, rows, cols, g)) {
        from = "built-in layout of the detector";
    } else {
        qmap_gap_layout_known(NULL, rows, cols, g);   /* empty layout */
        from = "no known gap layout for this detector";
    }
    char desc[256];
    qmap_gap_layout_describe(g, desc, sizeof desc);
    if (g->n_row == 0 && g->n_col == 0) {
        qmap_log(o, "chip gaps: none (%s %d x %d: %s)", detector, rows, cols, from);
        qmap_results_param(r, "gap_correction", "none (%s)", from);
        return QMAP_OK;
    }
    *on = !o->no_gap_correction;
    long n_virtual = 0;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            n_virtual += qmap_gap_is_virtual(g, i, j);
    qmap_gap_adjust_mask(g, mask, *on);
    if (*on) {
        qmap_log(o, "chip gaps: wide edge pixels at %s (%s); their counts are split over their "
                 "physical positions following the neighbours' profile (%ld virtual pixels filled; "
                 "--no-gap-correction to keep the frames as stored)", desc, from, n_virtual);
        qmap_results_param(r, "gap_correction", "profile split: %s (%s)", desc, from);
    } else {
        qmap_log(o, "chip gaps: NOT corrected (--no-gap-correction): edge pixels at %s keep their "
                 "whole counts, the %ld virtual pixels are masked", desc, n_virtual);
        qmap_results_param(r, "gap_correction", "off: %s, virtual pixels masked", desc);
    }
    return QMAP_OK;
}
