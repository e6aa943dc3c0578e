/* log.c -- the log and progress callbacks of qmap_process_options, in one place so that
 * every stage (and peak_maps.c) reports without depending on process.c.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

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
