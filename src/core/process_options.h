/* process_options.h -- checks of qmap_process_options (private). */
#ifndef QMAP_CORE_PROCESS_OPTIONS_H
#define QMAP_CORE_PROCESS_OPTIONS_H

#include "qmap/process.h"

/* Every option value that can be checked before the input is opened. */
int qmap_check_process_options(const qmap_process_options *o);

#endif
