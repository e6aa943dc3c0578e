/* log.c -- the log and progress callbacks of qmap_process_options, in one place so that
 * every stage (and peak_maps.c) reports without depending on process.c; and the stage
 * timers behind `qmap process -v` (wall clock and process CPU time per stage, the profile
 * of bench/README.md).
 */
#include "log.h"
#include "qmap/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* ---- the run's warnings (see log.h) ---- */

static void capture_log(void *ctx, const char *line)
{
    qmap_warning_capture *c = ctx;
    if (c->log)
        c->log(c->ctx, line);
    if (strncmp(line, "WARNING", 7) != 0)
        return;
    char **l = realloc(c->lines, (size_t)(c->n + 1) * sizeof *l);
    char *copy = l ? strdup(line) : NULL;
    if (l)
        c->lines = l;
    if (!copy) {
        c->failed = 1;   /* said by qmap_warnings_record */
        return;
    }
    c->lines[c->n++] = copy;
}

static void capture_progress(void *ctx, const char *stage, double f)
{
    const qmap_warning_capture *c = ctx;
    if (c->progress)
        c->progress(c->ctx, stage, f);
}

void qmap_warnings_capture(qmap_warning_capture *c, const qmap_process_options *o,
                           qmap_process_options *wrapped)
{
    *c = (qmap_warning_capture){o->log, o->progress, o->ctx, NULL, 0, 0};
    *wrapped = *o;
    wrapped->log = capture_log;
    wrapped->progress = capture_progress;
    wrapped->ctx = c;
}

int qmap_warnings_record(const qmap_warning_capture *c, qmap_results *r)
{
    if (c->failed)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory keeping the run's warnings");
    for (int i = 0; i < c->n; i++) {
        char key[32];
        snprintf(key, sizeof key, "warning_%d", i + 1);
        int rc = qmap_results_param(r, key, "%s", c->lines[i]);
        if (rc < 0)
            return rc;
    }
    return QMAP_OK;
}

void qmap_warnings_free(qmap_warning_capture *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->lines[i]);
    free(c->lines);
    c->lines = NULL;
    c->n = 0;
}
