/* series_log.h -- print and record the series a pipeline run processes (issue 11). */
#ifndef QMAP_SERIES_LOG_H
#define QMAP_SERIES_LOG_H

#include "qmap/dataset.h"
#include "qmap/process.h"
#include "qmap/results.h"

/* Log the series (and under MPI the split of its scans over the ranks); record /parameters
 * series. */
void qmap_series_log(const qmap_process_options *o, const qmap_dataset *ds, qmap_results *r);

#endif
