/* scan_list.c -- the --scans lists: "2-14", "2-9,11-14" parsed into scan numbers, looked up,
 * and written back in that form (include/qmap/series.h).
 *
 * Why apart from series.c: the dataset container (dataset.c) keeps the list it was opened
 * with, and the series grouping reads the container; a file of its own keeps the two from
 * calling each other.
 */
#include "qmap/series.h"
#include "qmap/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add_number(qmap_scan_list *l, int v, int *cap, const char *text)
{
    if (qmap_scan_list_has(l, v))
        return qmap_error(QMAP_ERR_VALUE, "--scans '%s': scan %d is named twice (overlapping "
                          "ranges)", text, v);
    if (l->n == *cap) {
        int c = *cap ? 2 * *cap : 16;
        int *p = realloc(l->numbers, (size_t)c * sizeof *p);
        if (!p)
            return qmap_error(QMAP_ERR_NOMEM, "--scans: no memory");
        l->numbers = p;
        *cap = c;
    }
    l->numbers[l->n++] = v;
    return QMAP_OK;
}

/* A non-negative decimal at *p (advanced past it). */
static int read_number(const char **p, long *v)
{
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    *v = strtol(s, &end, 10);
    if (errno == ERANGE || *v > 100000000L)
        return -1;
    *p = end;
    return 0;
}

int qmap_scan_list_parse(const char *text, qmap_scan_list *out)
{
    memset(out, 0, sizeof *out);
    if (!text || !*text)
        return qmap_error(QMAP_ERR_VALUE, "--scans: empty scan list (expected e.g. 2-14 or "
                          "2-9,11-14)");
    int cap = 0, rc = QMAP_OK;
    const char *p = text;
    while (rc == QMAP_OK) {
        long a, b;
        if (read_number(&p, &a) != 0) {
            rc = qmap_error(QMAP_ERR_VALUE, "--scans '%s': expected a scan number at '%s' "
                            "(e.g. 2-14 or 2-9,11-14)", text, *p ? p : "(end)");
            break;
        }
        b = a;
        if (*p == '-') {
            p++;
            if (read_number(&p, &b) != 0) {
                rc = qmap_error(QMAP_ERR_VALUE, "--scans '%s': range %ld- has no end", text, a);
                break;
            }
            if (b < a) {
                rc = qmap_error(QMAP_ERR_VALUE, "--scans '%s': range %ld-%ld is empty (reversed)",
                                text, a, b);
                break;
            }
            if (b - a > 1000000) {
                rc = qmap_error(QMAP_ERR_VALUE, "--scans '%s': range %ld-%ld is too long", text,
                                a, b);
                break;
            }
        }
        for (long v = a; v <= b && rc == QMAP_OK; v++)
            rc = add_number(out, (int)v, &cap, text);
        if (rc != QMAP_OK || *p == '\0')
            break;
        if (*p != ',' || p[1] == '\0') {
            rc = qmap_error(QMAP_ERR_VALUE, "--scans '%s': unexpected '%s' (ranges and comma "
                            "lists only, e.g. 2-9,11-14)", text, p);
            break;
        }
        p++;
    }
    if (rc != QMAP_OK)
        qmap_scan_list_free(out);
    return rc;
}

void qmap_scan_list_free(qmap_scan_list *l)
{
    if (!l)
        return;
    free(l->numbers);
    l->numbers = NULL;
    l->n = 0;
}

int qmap_scan_list_has(const qmap_scan_list *l, int number)
{
    for (int i = 0; l && i < l->n; i++)
        if (l->numbers[i] == number)
            return 1;
    return 0;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

void qmap_scan_list_format(const int *numbers, int n, char *out, size_t size)
{
    if (size == 0)
        return;
    out[0] = '\0';
    int *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    if (!v)
        return;
    memcpy(v, numbers, (size_t)n * sizeof *v);
    qsort(v, (size_t)n, sizeof *v, cmp_int);
    size_t len = 0;
    for (int i = 0; i < n && len < size;) {
        int j = i;
        while (j + 1 < n && v[j + 1] == v[j] + 1)
            j++;
        int w = j > i ? snprintf(out + len, size - len, "%s%d-%d", i ? "," : "", v[i], v[j])
                      : snprintf(out + len, size - len, "%s%d", i ? "," : "", v[i]);
        len += w > 0 ? (size_t)w : 0;
        i = j + 1;
    }
    free(v);
}

