/* log.c -- the log and progress callbacks of qmap_process_options, in one place so that
 * every stage (and peak_maps.c) reports without depending on process.c; and the stage
 * timers behind `qmap process -v` (wall clock and process CPU time per stage, the profile
 * of bench/README.md).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

void qmap_log(const qmap_process_options *o, const char *fmt, ...)
{
    if (!o->log)
        return;
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    o->log(o->ctx, buf);
}

void qmap_stage_progress(const qmap_process_options *o, const char *stage, double f)
{
    if (o->progress)
        o->progress(o->ctx, stage, f);
}

static double seconds(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void qmap_stage_clock_start(qmap_stage_clock *c)
{
    c->wall = seconds(CLOCK_MONOTONIC);
    c->cpu = seconds(CLOCK_PROCESS_CPUTIME_ID);
}

void qmap_stage_time(const qmap_process_options *o, qmap_stage_clock *c, const char *stage)
{
    double w = seconds(CLOCK_MONOTONIC), u = seconds(CLOCK_PROCESS_CPUTIME_ID);
    if (o->timings)
        qmap_log(o, "time: %-22s wall %8.3f s  cpu %8.3f s", stage, w - c->wall, u - c->cpu);
    c->wall = w;
    c->cpu = u;
}
