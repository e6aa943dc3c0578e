/* params.c -- the settings of a run as (name, text) pairs: storage, the text parameter
 * file (`name = value` lines) and reading them back from a results file.
 *
 * The text is kept exactly as it was given, so that repeating a run from its parameter
 * file or from its results file (/entry/process/parameters, attribute "text" of each
 * dataset) applies the very same option values: the maps come out bit-identical.
 */
#include "qmap/params.h"
#include "qmap/error.h"
#include "qmap/output.h"
#include "h5util.h"
#include "results_read.h"

#include <ctype.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int read_text(const char *path, FILE *f, qmap_params *p)
{
    char line[8192];
    int lineno = 0, rc = QMAP_OK;
    while (rc == QMAP_OK && fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f))
            return qmap_error(QMAP_ERR_FORMAT, "%s:%d: line longer than %zu characters", path, lineno,
                              sizeof line - 2);
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq)
            return qmap_error(QMAP_ERR_FORMAT, "%s:%d: expected 'name = value', got '%.60s'", path, lineno, s);
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        if (!*key)
            return qmap_error(QMAP_ERR_FORMAT, "%s:%d: parameter name missing", path, lineno);
        for (const char *c = key; *c; c++)
            if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
                return qmap_error(QMAP_ERR_FORMAT, "%s:%d: bad parameter name '%.60s'", path, lineno, key);
        rc = qmap_params_set(p, key, value);
    }
    if (ferror(f))
        return qmap_error(QMAP_ERR_IO, "%s: read error", path);
    return rc;
}

typedef struct {
    qmap_params *p;
    const char *path;
    int rc;
} h5_walk;

static herr_t take_one(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    h5_walk *w = data;
    char text[8192];
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0)
        return 0;   /* a subgroup: not a setting */
    hid_t a = H5Aopen(d, "text", H5P_DEFAULT);
    hid_t t = a >= 0 ? H5Aget_type(a) : -1;
    int ok = 0;
    if (t >= 0 && H5Tget_class(t) == H5T_STRING) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_cset(mt, H5Tget_cset(t));
        if (H5Tis_variable_str(t) > 0) {
            char *v = NULL;
            H5Tset_size(mt, H5T_VARIABLE);
            if (H5Aread(a, mt, &v) >= 0 && v) {
                snprintf(text, sizeof text, "%s", v);
                ok = 1;
                H5free_memory(v);
            }
        } else {
            size_t n = H5Tget_size(t);
            if (n < sizeof text) {
                H5Tset_size(mt, n + 1);
                ok = H5Aread(a, mt, text) >= 0;
            }
        }
        H5Tclose(mt);
    }
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
    H5Dclose(d);
    if (!ok) {
        w->rc = qmap_error(QMAP_ERR_FORMAT, "%s: /entry/process/parameters/%s has no text attribute",
                           w->path, name);
        return 1;
    }
    w->rc = qmap_params_set(w->p, name, text);
    return w->rc < 0;
}

/* The settings under /entry/process/parameters of the open results file f. */
int qmap__params_read_h5(hid_t f, const char *path, qmap_params *p)
{
    hid_t g = H5Gopen2(f, "/entry/process/parameters", H5P_DEFAULT);
    if (g < 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: no /entry/process/parameters (not a results file of "
                                           "qmap 0.1 or later?)", path);
    h5_walk w = {p, path, QMAP_OK};
    hsize_t idx = 0;
    /* creation order when tracked (qmap writes it), else names */
    H5_index_t order = H5_INDEX_NAME;
    hid_t gcpl = H5Gget_create_plist(g);
    unsigned flags = 0;
    if (gcpl >= 0 && H5Pget_link_creation_order(gcpl, &flags) >= 0 && (flags & H5P_CRT_ORDER_TRACKED))
        order = H5_INDEX_CRT_ORDER;
    if (gcpl >= 0)
        H5Pclose(gcpl);
    H5Literate(g, order, H5_ITER_INC, &idx, take_one, &w);
    H5Gclose(g);
    return w.rc;
}

int qmap_params_read(const char *path, qmap_params *p)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return qmap_error(QMAP_ERR_IO, "%s: cannot open the parameter file", path);
    /* an HDF5 file: its signature at offset 0, or after a user block (512, 1024, ... bytes:
     * qmap's results files carry their checksum seal in a 512-byte user block) */
    unsigned char sig[8] = {0};
    for (long off = 0; off <= 4096; off = off ? off * 2 : 512) {
        if (fseek(f, off, SEEK_SET) != 0 || fread(sig, 1, 8, f) != 8)
            break;
        if (memcmp(sig, "\x89HDF\r\n\x1a\n", 8) == 0) {
            fclose(f);
            return qmap__results_read_settings(path, p);   /* results_read.c */
        }
    }
    rewind(f);
    int rc = read_text(path, f, p);
    fclose(f);
    return rc;
}

int qmap_params_write_text(const char *path, const qmap_params *p, const char *header)
{
    char tmp[4400];
    int fd = qmap_temp_create(path, tmp, sizeof tmp);   /* exclusive temporary, renamed when complete */
    if (fd < 0)
        return fd;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        qmap_temp_discard(tmp);
        return qmap_error(QMAP_ERR_IO, "%s: cannot create the parameter file", path);
    }
    if (header)
        fprintf(f, "# %s\n", header);
    for (int i = 0; i < p->n; i++)
        fprintf(f, "%s = %s\n", p->keys[i], p->values[i]);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        qmap_temp_discard(tmp);
        return qmap_error(QMAP_ERR_IO, "%s: writing the parameter file failed", path);
    }
    return qmap_temp_commit(tmp, path);
}
