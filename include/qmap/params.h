/* params.h -- the settings of a `qmap process` run as (option name, text value) pairs.
 *
 * The names are those of the CLI's long options and of qmap_process_set_option (energy,
 * voi, bins, ...), plus "input"; the values are the exact text that was given, so applying
 * them again repeats the run bit for bit. They are stored in every results file
 * (/entry/process/parameters, typed, with the text as attribute) and can be written to and
 * read from a small text file of `name = value` lines (`qmap process --write-params` /
 * `--params`). Format: docs/results-file.md.
 */
#ifndef QMAP_PARAMS_H
#define QMAP_PARAMS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int n;
    char **keys, **values;
} qmap_params;

/* Set key to value (copied); an existing key is replaced, keeping its place. */
int qmap_params_set(qmap_params *p, const char *key, const char *value);
/* The value of key, or NULL. */
const char *qmap_params_get(const qmap_params *p, const char *key);
void qmap_params_clear(qmap_params *p);

/* Read a parameter file (text `name = value` lines, '#' comments) or the parameters stored
 * in a qmap results file (HDF5: /entry/process/parameters). Appends to p. */
int qmap_params_read(const char *path, qmap_params *p);
/* Write p as a text parameter file: to an exclusive temporary beside path first
 * (qmap_temp_create), renamed when complete. */
int qmap_params_write_text(const char *path, const qmap_params *p, const char *header);

#ifdef __cplusplus
}
#endif
#endif
