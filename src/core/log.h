/* log.h -- what qmap_process tells its caller: log lines and progress (private). */
#ifndef QMAP_CORE_LOG_H
#define QMAP_CORE_LOG_H

#include "qmap/process.h"

/* Report a choice through the options' log callback (printf-style). */
void qmap_log(const qmap_process_options *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Progress of a stage (fraction 0..1) through the options' progress callback. */
void qmap_stage_progress(const qmap_process_options *o, const char *stage, double f);

/* Stage timer (options' timings): start it, then qmap_stage_time logs the wall-clock and
 * process CPU seconds (all threads) since the start, and restarts it. */
typedef struct {
    double wall, cpu;
} qmap_stage_clock;
void qmap_stage_clock_start(qmap_stage_clock *c);
void qmap_stage_time(const qmap_process_options *o, qmap_stage_clock *c, const char *stage);

#endif
