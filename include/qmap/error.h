/* error.h -- qmap's error reporting: negative codes plus a thread-local message.
 *
 * Library functions never print and never exit. On failure they return a negative
 * qmap_status and leave a one-line message (naming the file, dataset and value at
 * fault) that qmap_error_message() returns until the next failure on the same thread.
 */
#ifndef QMAP_ERROR_H
#define QMAP_ERROR_H

#include <signal.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    QMAP_OK = 0,
    QMAP_ERR_IO = -1,        /* file missing, unreadable, not HDF5, write failed */
    QMAP_ERR_FORMAT = -2,    /* file readable but a dataset is missing or malformed */
    QMAP_ERR_VALUE = -3,     /* a value (calibration, option, shape) is absurd */
    QMAP_ERR_NOMEM = -4,     /* allocation failed */
    QMAP_ERR_CORRUPT = -5,   /* compressed chunk truncated or corrupt */
    QMAP_ERR_INTERNAL = -6,  /* a library (HDF5, FFTW, GSL) failed unexpectedly */
    QMAP_ERR_CANCELLED = -7  /* interrupted: the cancel flag was raised (SIGINT, SIGTERM) */
} qmap_status;

/* Record an error message (printf-style) for the calling thread; returns code. */
int qmap_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Put a context (printf-style) in front of the message already recorded on this thread:
 * the message becomes "<context>: <earlier message>"; returns code. Use this instead of
 * passing qmap_error_message() back into qmap_error(), which would read and write the same
 * buffer. */
int qmap_error_prefix(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The last message recorded on this thread ("" when none). Owned by qmap. */
const char *qmap_error_message(void);

/* Forget the last message. */
void qmap_error_clear(void);

/* Cancellation. A program registers a flag that its signal handler sets (the handler does
 * nothing else); long operations (qmap_process, qmap_results_write) poll it between frame
 * batches, scans and datasets and then stop, remove their temporary files and return
 * QMAP_ERR_CANCELLED with the message "interrupted". NULL unregisters. */
void qmap_set_cancel_flag(const volatile sig_atomic_t *flag);

/* 1 when the registered flag is set, else 0 (cheap: one volatile read). */
int qmap_cancelled(void);

/* QMAP_ERR_CANCELLED with the message "interrupted" when qmap_cancelled(), else QMAP_OK. */
int qmap_check_cancel(void);

#ifdef __cplusplus
}
#endif
#endif
