/* params.c -- the settings of a run as (name, text) pairs in memory (qmap/params.h): set,
 * get, clear. The files they come from and go to are params_file.c (parameter files) and
 * results_read_settings.c (/entry/process/parameters of a results file).
 *
 * The text is kept exactly as it was given, so that repeating a run from its parameter
 * file or from its results file applies the very same option values: the maps come out
 * bit-identical.
 */
#include "qmap/params.h"
#include "qmap/error.h"

#include <stdlib.h>
#include <string.h>

int qmap_params_set(qmap_params *p, const char *key, const char *value)
{
    char *v = strdup(value ? value : "");
    if (!v)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory storing parameter %s", key);
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->keys[i], key) == 0) {
            free(p->values[i]);
            p->values[i] = v;
            return QMAP_OK;
        }
    char **k = realloc(p->keys, (p->n + 1) * sizeof *k);
    if (k)
        p->keys = k;
    char **vs = k ? realloc(p->values, (p->n + 1) * sizeof *vs) : NULL;
    if (vs)
        p->values = vs;
    char *kc = vs ? strdup(key) : NULL;
    if (!kc) {
        free(v);
        return qmap_error(QMAP_ERR_NOMEM, "out of memory storing parameter %s", key);
    }
    p->keys[p->n] = kc;
    p->values[p->n] = v;
    p->n++;
    return QMAP_OK;
}

const char *qmap_params_get(const qmap_params *p, const char *key)
{
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->keys[i], key) == 0)
            return p->values[i];
    return NULL;
}

void qmap_params_clear(qmap_params *p)
{
    for (int i = 0; i < p->n; i++) {
        free(p->keys[i]);
        free(p->values[i]);
    }
    free(p->keys);
    free(p->values);
    p->n = 0;
    p->keys = p->values = NULL;
}
