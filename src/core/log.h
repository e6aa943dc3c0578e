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

/* The run's warnings, kept for the results file (issue 18, seventh round): a WARNING only in
 * the log scrolled away with it, and the results file and its report said nothing. The
 * capture wraps the caller's callbacks: every log line still reaches the caller's log (when
 * there is one: also with -q the warnings are kept), progress its progress; the lines that
 * begin with "WARNING" are kept, in order, and qmap_warnings_record stores them as
 * /parameters warning_1, warning_2 ... (qmap report shows them first). */
typedef struct {
    qmap_log_fn log;
    qmap_progress_fn progress;
    void *ctx;
    char **lines;
    int n, failed;
} qmap_warning_capture;
/* wrapped = *o with the capture's callbacks; c must outlive every use of wrapped. */
void qmap_warnings_capture(qmap_warning_capture *c, const qmap_process_options *o,
                           qmap_process_options *wrapped);
int qmap_warnings_record(const qmap_warning_capture *c, qmap_results *r);
void qmap_warnings_free(qmap_warning_capture *c);

#endif
