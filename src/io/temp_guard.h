/* temp_guard.h -- (internal to src/io) the window in which an output's temporary exists on
 * disk but is not yet recorded for qmap_temp_remove_all (qmap/output.h): its creation and
 * qmap_h5_create_temp's re-creation. Inside it the signals that end qmap (SIGINT, SIGTERM,
 * SIGHUP) are blocked on the calling thread, and a handler running on another thread waits
 * for the window's end before it removes the temporaries, so an interrupted command never
 * leaves a temporary behind. Needs _POSIX_C_SOURCE (sigset_t).
 */
#ifndef QMAP_TEMP_GUARD_H
#define QMAP_TEMP_GUARD_H

#include <signal.h>

/* Enter the window: 0, or -1 (nothing blocked, nothing to end) once a signal handler has
 * removed the temporaries: the process is ending and nothing may be created. */
int qmap__temp_guard_begin(sigset_t *saved);

/* Leave the window: the signal mask saved by begin comes back (a signal that arrived
 * inside is delivered now, with the temporary recorded). */
void qmap__temp_guard_end(const sigset_t *saved);

#endif
