/* cancel.c -- the process-wide cancellation flag behind qmap_cancelled().
 *
 * Why: a signal handler may only set a volatile sig_atomic_t. The program owns that flag
 * and registers it here; the long loops of the library poll it and unwind through their
 * ordinary error paths (temporary files removed, nothing half-written left behind).
 */
#include "qmap/error.h"

#include <stddef.h>

static const volatile sig_atomic_t *cancel_flag;

void qmap_set_cancel_flag(const volatile sig_atomic_t *flag)
{
    cancel_flag = flag;
}

int qmap_cancelled(void)
{
    return cancel_flag != NULL && *cancel_flag != 0;
}

int qmap_check_cancel(void)
{
    return qmap_cancelled() ? qmap_error(QMAP_ERR_CANCELLED, "interrupted") : QMAP_OK;
}
