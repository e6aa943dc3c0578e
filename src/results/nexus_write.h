/* nexus_write.h -- the NeXus tree of a results file (private to src/results). */
#ifndef QMAP_RESULTS_NEXUS_WRITE_H
#define QMAP_RESULTS_NEXUS_WRITE_H

#include "qmap/results.h"
#include <hdf5.h>

/* Add to an open results file whose /maps, /parameters (and /qspace...) are written: the
 * NXroot attributes, /entry (NXentry, default) linking the NXdata groups, the regular axes
 * and long names of /maps, and /entry/process (NXprocess). Returns < 0 when a write failed. */
int qmap_nexus_write(hid_t file, const qmap_results *r);

#endif
