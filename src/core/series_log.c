/* series_log.c -- the pipeline's report of which series it processes (issue 11): the
 * series line of `qmap info` with its --scans option, recorded in /parameters, and under
 * mpirun how the scans are split over the ranks (printed once, by rank 0's log).
 */
#include "series_log.h"
#include "log.h"
#include "qmap/error.h"
#include "qmap/mpi.h"
#include "qmap/series.h"

#include <stdlib.h>

void qmap_series_log(const qmap_process_options *o, const qmap_dataset *ds, qmap_results *r)
{
    qmap_series *sv = NULL;
    int ns = 0;
    if (qmap_series_find(ds, &sv, &ns) == QMAP_OK && ns == 1) {
        char line[512];
        qmap_series_describe(ds, &sv[0], line, sizeof line);
        qmap_log(o, "series %s%s", line, o->scans ? " (as selected)" : " (the file's only series)");
        qmap_results_param(r, "series", "%s", sv[0].scans);
    }
    free(sv);
    if (qmap_mpi_size() > qmap_dataset_n_scans(ds)) {   /* issue 18 */
        qmap_log(o, "MPI: %d ranks share the %d scans: more ranks than scans, so every rank reads every "
                    "scan, a block of about %d map positions of each", qmap_mpi_size(), qmap_dataset_n_scans(ds),
                 (qmap_dataset_scan(ds, 0)->title.n_fast * qmap_dataset_scan(ds, 0)->title.n_slow +
                  qmap_mpi_size() - 1) / qmap_mpi_size());
    } else if (qmap_mpi_size() > 1) {
        char split[2048];
        qmap_series_rank_split(ds, qmap_mpi_size(), split, sizeof split);
        qmap_log(o, "MPI: %d ranks share the %d scans: %s", qmap_mpi_size(), qmap_dataset_n_scans(ds),
                 split);
    }
}
