/* view_json.h -- a growing text buffer that writes JSON for qmap view (private).
 *
 * Appends never fail visibly: an allocation failure is remembered (jb.failed) and the
 * caller checks it once at the end. Numbers use %.9g (enough for doubles shown on screen
 * and compared in tests); NaN and infinities become null, as JSON has no such values.
 */
#ifndef QMAP_VIEW_JSON_H
#define QMAP_VIEW_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "qmap/view.h"

typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} qmap_jbuf;

void jb_raw(qmap_jbuf *b, const char *text);
void jb_printf(qmap_jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jb_num(qmap_jbuf *b, double v);
/* A JSON string literal with quotes and escapes. */
void jb_str(qmap_jbuf *b, const char *text);
/* "key": (with a leading comma unless first) */
void jb_key(qmap_jbuf *b, const char *key, int first);
void jb_nums(qmap_jbuf *b, const double *v, size_t n);
/* Move the buffer into out; QMAP_ERR_NOMEM when some append failed. */
int jb_finish(qmap_jbuf *b, qmap_view_text *out);

#endif
