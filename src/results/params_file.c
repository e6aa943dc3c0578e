/* params_file.c -- the settings of a run read from a parameter file (`name = value`
 * lines, '#' comments) or from a qmap results file (through the results reader:
 * results_read_settings.c), and written as a parameter file (exclusive temporary, renamed
 * when complete).
 */
#include "qmap/params.h"
#include "qmap/error.h"
#include "qmap/output.h"
#include "results_read.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
