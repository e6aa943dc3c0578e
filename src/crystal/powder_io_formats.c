/* powder_io_formats.c -- powder patterns as diffractometers write them: PANalytical
 * .xrdml (XML, parsed with libxml2), GSAS raw files with a constant step (STD, ESD and
 * FXYE records), and plain text columns (powder_io.c). The format is recognised from the
 * content, not the name, so a file of another format is refused with a message saying what
 * was found.
 *
 * GSAS: 'BANK n nchan nrec CONS start step 0 0 FMT', start and step in centidegrees.
 * STD records: 10 fields of 8 characters (I2 counter count + F6 intensity), sigma =
 * sqrt(I / counters); ESD: 5 pairs of F8 (intensity, sigma); FXYE: lines x (centidegrees),
 * y, sigma. Only the first bank is read. Time-of-flight banks (SLOG, TIME_MAP) are refused.
 * xrdml: the first <dataPoints> of the first scan whose <positions axis="2Theta"> is given
 * by start/end (even steps) or by <listPositions>; intensities from <intensities> or
 * <counts>, sigma = sqrt(max(counts, 1)).
 */
#define _GNU_SOURCE
#include "qmap/error.h"
#include "qmap/powder.h"

#include <ctype.h>
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int alloc_data(qmap_powder_data *d, size_t n, const char *path)
{
    d->tth = malloc(n * sizeof *d->tth);
    d->y = malloc(n * sizeof *d->y);
    d->sigma = malloc(n * sizeof *d->sigma);
    if (!d->tth || !d->y || !d->sigma) {
        qmap_powder_data_free(d);
        return qmap_error(QMAP_ERR_NOMEM, "out of memory reading %s", path);
    }
    d->n = n;
    return 0;
}

/* Every point finite, sigma > 0, 2theta in (0, 180) and increasing; at least 10. */
static int validate(const qmap_powder_data *d, const char *path)
{
    if (d->n < 10)
        return qmap_error(QMAP_ERR_FORMAT, "%s: %zu data points (at least 10 needed)", path, d->n);
    for (size_t i = 0; i < d->n; i++) {
        if (!isfinite(d->tth[i]) || !isfinite(d->y[i]) || !(d->sigma[i] > 0) ||
            !isfinite(d->sigma[i]) || !(d->tth[i] > 0 && d->tth[i] < 180))
            return qmap_error(QMAP_ERR_FORMAT, "%s: point %zu: 2theta %g, intensity %g, sigma %g: "
                              "not finite, sigma not positive or 2theta outside (0, 180)", path,
                              i + 1, d->tth[i], d->y[i], d->sigma[i]);
        if (i > 0 && !(d->tth[i] > d->tth[i - 1]))
            return qmap_error(QMAP_ERR_FORMAT, "%s: point %zu: 2theta %g does not increase", path,
                              i + 1, d->tth[i]);
    }
    return 0;
}

/* ---- GSAS ---- */

static double field(const char *line, size_t len, size_t at, size_t width, int *ok)
{
    char buf[32];
    size_t n = 0;
    for (size_t i = at; i < at + width && i < len && n + 1 < sizeof buf; i++)
        buf[n++] = line[i];
    buf[n] = '\0';
    char *end;
    double v = strtod(buf, &end);
    while (*end == ' ' || *end == '\r' || *end == '\n')
        end++;
    *ok = end != buf && *end == '\0';
    return v;
}

static int read_gsas(FILE *f, const char *path, char *bank, int bank_line, qmap_powder_data *d,
                     qmap_powder_file_info *info)
{
    char kw[4][32] = {{0}};
    long nchan = 0, nrec = 0;
    double start = 0, step = 0, b3 = 0, b4 = 0;
    char fmt[32] = "STD";
    int n = sscanf(bank, "BANK %31s %ld %ld %31s %lf %lf %lf %lf %31s", kw[0], &nchan, &nrec, kw[1],
                   &start, &step, &b3, &b4, fmt);
    if (n < 6)
        return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: GSAS BANK line not understood: '%.60s'",
                          path, bank_line, bank);
    if (strcmp(kw[1], "CONS") != 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: GSAS bank binning '%s' is not supported "
                          "(only constant step, CONS)", path, bank_line, kw[1]);
    if (!(nchan >= 10 && nchan <= 10000000) || !(step > 0))
        return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: GSAS bank with %ld points, step %g "
                          "centidegrees", path, bank_line, nchan, step);
    int kind = strcmp(fmt, "STD") == 0 ? 0 : strcmp(fmt, "ESD") == 0 ? 1 : strcmp(fmt, "FXYE") == 0 ? 2 : -1;
    if (kind < 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: GSAS record format '%s' is not supported "
                          "(STD, ESD, FXYE)", path, bank_line, fmt);
    snprintf(info->format, sizeof info->format, "GSAS %s", fmt);
    if (alloc_data(d, (size_t)nchan, path) < 0)
        return QMAP_ERR_NOMEM;
    size_t got = 0;
    int lineno = bank_line;
    char line[512];
    while (got < (size_t)nchan && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strcspn(line, "\r\n");
        line[len] = '\0';
        if (strncmp(line, "BANK", 4) == 0)
            break;
        if (kind == 2) {
            double x, y, e;
            if (sscanf(line, "%lf %lf %lf", &x, &y, &e) != 3) {
                qmap_powder_data_free(d);
                return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: expected FXYE 'x y sigma', got "
                                  "'%.40s'", path, lineno, line);
            }
            d->tth[got] = x / 100.0, d->y[got] = y, d->sigma[got] = e;
            got++;
            continue;
        }
        int per = kind == 0 ? 10 : 5;
        for (int j = 0; j < per && got < (size_t)nchan; j++) {
            int ok1 = 1, ok2 = 1;
            double y, e;
            if (kind == 0) {
                size_t at = (size_t)j * 8;
                if (at >= len)
                    break;
                int okc;
                double nc = field(line, len, at, 2, &okc);
                y = field(line, len, at + 2, 6, &ok1);
                if (!okc || nc < 1)
                    nc = 1;
                e = sqrt(fmax(y, 1.0) / nc);
            } else {
                size_t at = (size_t)j * 16;
                if (at >= len)
                    break;
                y = field(line, len, at, 8, &ok1);
                e = field(line, len, at + 8, 8, &ok2);
            }
            if (!ok1 || !ok2) {
                qmap_powder_data_free(d);
                return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: GSAS %s record field %d is not a "
                                  "number: '%.40s'", path, lineno, fmt, j + 1, line);
            }
            d->tth[got] = (start + step * (double)got) / 100.0;
            d->y[got] = y;
            d->sigma[got] = e;
            got++;
        }
    }
    if (got < (size_t)nchan) {
        qmap_powder_data_free(d);
        return qmap_error(QMAP_ERR_FORMAT, "%s: GSAS bank announces %ld points, the file holds %zu",
                          path, nchan, got);
    }
    return 0;
}

/* ---- xrdml ---- */

static xmlNode *child(xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
            return c;
    return NULL;
}

static xmlNode *find(xmlNode *n, const char *name)
{
    for (xmlNode *c = n; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)c->name, name) == 0)
            return c;
        xmlNode *r = find(c->children, name);
        if (r)
            return r;
    }
    return NULL;
}

static double number_of(xmlNode *n)
{
    if (!n)
        return NAN;
    xmlChar *t = xmlNodeGetContent(n);
    char *end;
    double v = t ? strtod((const char *)t, &end) : NAN;
    if (t && end == (char *)t)
        v = NAN;
    xmlFree(t);
    return v;
}

/* Whitespace-separated numbers of a node into a new array; count in *n. */
static double *numbers_of(xmlNode *node, size_t *n)
{
    *n = 0;
    xmlChar *t = xmlNodeGetContent(node);
    if (!t)
        return NULL;
    size_t cap = 1024;
    double *v = malloc(cap * sizeof *v);
    const char *p = (const char *)t;
    while (v) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        char *end;
        double x = strtod(p, &end);
        if (end == p) {
            free(v);
            v = NULL;
            *n = (size_t)-1;
            break;
        }
        if (*n == cap) {
            double *nv = realloc(v, 2 * cap * sizeof *v);
            if (!nv) {
                free(v);
                v = NULL;
                break;
            }
            v = nv;
            cap *= 2;
        }
        v[(*n)++] = x;
        p = end;
    }
    xmlFree(t);
    return v;
}

static int read_xrdml(const char *path, qmap_powder_data *d, qmap_powder_file_info *info)
{
    xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return qmap_error(QMAP_ERR_FORMAT, "%s: not well-formed XML (an .xrdml file is XML)", path);
    int rc = 0;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || strcmp((const char *)root->name, "xrdMeasurements") != 0) {
        rc = qmap_error(QMAP_ERR_FORMAT, "%s: XML root element is <%s>, not <xrdMeasurements> "
                        "(PANalytical xrdml)", path, root ? (const char *)root->name : "none");
        goto done;
    }
    snprintf(info->format, sizeof info->format, "xrdml");
    xmlNode *wl = find(root->children, "usedWavelength");
    if (wl) {
        info->lambda1 = number_of(child(wl, "kAlpha1"));
        info->lambda2 = number_of(child(wl, "kAlpha2"));
        info->ratio = number_of(child(wl, "ratioKAlpha2KAlpha1"));
        xmlChar *intended = xmlGetProp(wl, (const xmlChar *)"intended");
        if (intended && strcmp((const char *)intended, "K-Alpha 1") == 0)
            info->lambda2 = 0;
        xmlFree(intended);
        if (!(info->lambda1 > 0))
            info->lambda1 = info->lambda2 = 0;
        if (!(info->lambda2 > 0) || !(info->ratio >= 0))
            info->lambda2 = 0, info->ratio = 0;
    }
    xmlNode *dp = find(root->children, "dataPoints");
    xmlNode *pos = NULL;
    for (xmlNode *c = dp ? dp->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "positions") != 0)
            continue;
        xmlChar *axis = xmlGetProp(c, (const xmlChar *)"axis");
        if (axis && strcmp((const char *)axis, "2Theta") == 0)
            pos = c;
        xmlFree(axis);
    }
    if (!dp || !pos) {
        rc = qmap_error(QMAP_ERR_FORMAT, "%s: xrdml without a <dataPoints> block with <positions "
                        "axis=\"2Theta\">", path);
        goto done;
    }
    xmlNode *in = child(dp, "intensities");
    if (!in)
        in = child(dp, "counts");
    size_t n = 0, nl = 0;
    double *y = in ? numbers_of(in, &n) : NULL;
    if (!y || n < 10 || n == (size_t)-1) {
        free(y);
        rc = qmap_error(QMAP_ERR_FORMAT, "%s: xrdml <intensities>/<counts> missing, not numbers or "
                        "shorter than 10", path);
        goto done;
    }
    double *list = child(pos, "listPositions") ? numbers_of(child(pos, "listPositions"), &nl) : NULL;
    double a = number_of(child(pos, "startPosition")), b = number_of(child(pos, "endPosition"));
    if (!list && !(isfinite(a) && isfinite(b) && b > a)) {
        free(y);
        rc = qmap_error(QMAP_ERR_FORMAT, "%s: xrdml 2Theta positions: neither increasing "
                        "start/end nor a list", path);
        goto done;
    }
    if (list && nl != n) {
        free(y);
        free(list);
        rc = qmap_error(QMAP_ERR_FORMAT, "%s: xrdml lists %zu 2Theta positions for %zu intensities",
                        path, nl, n);
        goto done;
    }
    if ((rc = alloc_data(d, n, path)) == 0)
        for (size_t i = 0; i < n; i++) {
            d->tth[i] = list ? list[i] : a + (b - a) * (double)i / (double)(n - 1);
            d->y[i] = y[i];
            d->sigma[i] = sqrt(fmax(y[i], 1.0));
        }
    free(y);
    free(list);
done:
    xmlFreeDoc(doc);
    return rc;
}

int qmap_powder_data_read_file(const char *path, qmap_powder_x xkind, double wavelength_A,
                               qmap_powder_data *d, qmap_powder_file_info *info)
{
    memset(d, 0, sizeof *d);
    memset(info, 0, sizeof *info);
    FILE *f = fopen(path, "rb");
    if (!f)
        return qmap_error(QMAP_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    /* sniff: XML, a GSAS BANK line within the first 200 lines, or text */
    char line[512];
    int lineno = 0, rc = 1, is_xml = 0;
    while (rc == 1 && lineno < 200 && fgets(line, sizeof line, f)) {
        lineno++;
        const char *p = line;
        if (lineno == 1 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB)
            p += 3;  /* UTF-8 byte-order mark */
        while (*p == ' ' || *p == '\t')
            p++;
        if (lineno == 1 && p[0] == '<') {
            is_xml = 1;
            break;
        }
        if (strncmp(line, "BANK", 4) == 0 && isspace((unsigned char)line[4])) {
            if (xkind == QMAP_POWDER_X_Q)
                rc = qmap_error(QMAP_ERR_VALUE, "%s: --q applies to text columns, not GSAS files", path);
            else
                rc = read_gsas(f, path, line, lineno, d, info);
        }
    }
    fclose(f);
    if (is_xml) {
        if (xkind == QMAP_POWDER_X_Q)
            return qmap_error(QMAP_ERR_VALUE, "%s: --q applies to text columns, not xrdml", path);
        rc = read_xrdml(path, d, info);
    } else if (rc == 1) {
        snprintf(info->format, sizeof info->format, "text");
        return qmap_powder_data_read(path, xkind, wavelength_A, d);
    }
    if (rc == 0 && (rc = validate(d, path)) < 0)
        qmap_powder_data_free(d);
    return rc;
}
