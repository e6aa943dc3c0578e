/* cmd_view.c -- `qmap view RESULTS.h5`: an interactive explorer of a results file in the
 * browser, served by libmicrohttpd on 127.0.0.1 only.
 *
 * Security model: the socket is bound to the loopback address; every URL must start with
 * a 128-bit random token printed once on the terminal (other local users cannot guess it,
 * and a web page elsewhere cannot reach the API by DNS rebinding without it); only GET and
 * HEAD without a body are served; URLs and query values are bounded; the file served is
 * the one named on the command line, opened read-only once: no request value is ever used
 * as a path. Requests are answered one at a time by libmicrohttpd's single internal thread
 * (the HDF5 library is not thread-safe), each bounded by a connection timeout and memory
 * limit. Bad requests get 4xx with a JSON {"error": ...}; file errors 500 with the message.
 *
 * The page (src/view/index.html) is compiled into the binary (cmake/embed_file.cmake).
 */
#define _GNU_SOURCE
#include "cli.h"
#include "qmap/error.h"
#include "qmap/view.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;
extern const unsigned char qmap_view_page[];
extern const size_t qmap_view_page_len;

#define MAX_URL 512          /* longest accepted URL path */
#define MAX_QUERY_VALUE 32   /* longest accepted query value (numbers and map names) */

typedef struct {
    qmap_view *view;
    char token[33];
} server;

static void usage(FILE *f)
{
    fprintf(f,
"usage: qmap view RESULTS.h5 [--port N] [--no-browser]\n\n"
"Serves an interactive explorer of a `qmap process` results file at\n"
"http://127.0.0.1:PORT/TOKEN/ (printed on start; the random token is required in every URL)\n"
"and opens it in the browser. The page shows every map (intensity, d, strain, c, widths,\n"
"tilt magnitude/direction/HSV, mask, particles) with colour limits and colour map controls,\n"
"axes in micrometres and a read-out of every map under the cursor. Click a position: its\n"
"values, Gaussian fits, rocking curve (VOI counts per scan) and the projections of its\n"
"q-space peak with the centre of mass and the fits: from the file's /qspace/cube (qmap\n"
"process --save-qspace), else recomputed for that position from the raw frames with the\n"
"run's recorded settings (the raw input must still be readable; the first click opens it).\n"
"Drag a rectangle or a lasso, or pick a particle: its summed intensity, statistics (mean/std\n"
"of d, strain, tilt, widths), a histogram of d and, with the cube, the summed q-space\n"
"(larger than 1600 positions: summed in steps, with progress). Move the VOI (with the cube): intensity and COM maps of a\n"
"box of q (1/Angstrom), computed over the cube with progress and cancel. Every panel\n"
"downloads as PNG and SVG, curves as CSV.\n"
"Read-only: the results and raw files are never modified. Stop with Ctrl-C.\n\n"
"  -p, --port N     TCP port on 127.0.0.1 (default 0: any free port)\n"
"      --no-browser do not open a browser (print the address only)\n"
"  -h, --help       this help\n");
}

/* Constant-time comparison of the token part of the URL. */
static int token_ok(const server *s, const char *url)
{
    size_t n = strlen(s->token);
    if (url[0] != '/' || strlen(url) < n + 1)
        return 0;
    unsigned diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned)(url[1 + i] ^ s->token[i]);
    return diff == 0 && (url[n + 1] == '/' || url[n + 1] == 0);
}

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, const char *type,
                                const void *data, size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)data, mode);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                            "img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
    char body[600], esc[400];
    size_t k = 0;
    for (const char *p = msg; *p && k + 2 < sizeof esc; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '"' || ch == '\\')
            esc[k++] = '\\';
        esc[k++] = ch < 0x20 ? ' ' : (char)ch;
    }
    esc[k] = 0;
    int n = snprintf(body, sizeof body, "{\"error\":\"%s\"}", esc);
    return send_buf(c, status, "application/json", body, (size_t)n, MHD_RESPMEM_MUST_COPY);
}

/* Query value `name`: NULL when absent; too long values are refused by the caller. */
static const char *arg(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

/* Integer query value in [lo, hi]; -1 when missing or malformed. */
static int int_arg(struct MHD_Connection *c, const char *name, long lo, long hi, int *out)
{
    const char *s = arg(c, name);
    if (!s || !*s || strlen(s) > 12)
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end || errno || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

/* A map or figure name: letters, digits and '_' only, bounded. */
static const char *name_arg(struct MHD_Connection *c, const char *name)
{
    const char *s = arg(c, name);
    if (!s || !*s || strlen(s) > MAX_QUERY_VALUE)
        return NULL;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return NULL;
    return s;
}

/* A lasso: "col,row,col,row,..." (decimal numbers, at most QMAP_VIEW_MAX_POLY vertices).
 * Returns the number of vertices, or -1 when malformed. */
static int poly_arg(const char *s, double *poly)
{
    if (strlen(s) > 24 * 2 * QMAP_VIEW_MAX_POLY)
        return -1;
    int n = 0;
    const char *p = s;
    while (*p) {
        if (n == 2 * QMAP_VIEW_MAX_POLY)
            return -1;
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno || !(v > -1e6 && v < 1e6) || (*end != ',' && *end != 0))
            return -1;
        poly[n++] = v;
        p = *end ? end + 1 : end;
        if (*end == ',' && !*p)
            return -1;
    }
    return n % 2 == 0 && n >= 6 ? n / 2 : -1;
}

static enum MHD_Result send_answer(struct MHD_Connection *c, int rc, qmap_view_text *t, const char *type)
{
    if (rc < 0) {
        unsigned status = rc == QMAP_ERR_VALUE ? MHD_HTTP_NOT_FOUND : MHD_HTTP_INTERNAL_SERVER_ERROR;
        return send_error(c, status, qmap_error_message());
    }
    enum MHD_Result ret = send_buf(c, MHD_HTTP_OK, type, t->data, t->len, MHD_RESPMEM_MUST_FREE);
    t->data = NULL;   /* owned by libmicrohttpd now (free()d after sending) */
    return ret;
}

static enum MHD_Result route(server *s, struct MHD_Connection *c, const char *path)
{
    qmap_view_text t = {0};
    int rc;
    if (strcmp(path, "") == 0 || strcmp(path, "index.html") == 0)
        return send_buf(c, MHD_HTTP_OK, "text/html; charset=utf-8", qmap_view_page, qmap_view_page_len,
                        MHD_RESPMEM_PERSISTENT);
    if (strcmp(path, "api/info") == 0) {
        rc = qmap_view_info_json(s->view, &t);
        return send_answer(c, rc, &t, "application/json");
    }
    if (strcmp(path, "api/map") == 0) {
        const char *name = name_arg(c, "name");
        if (!name)
            return send_error(c, MHD_HTTP_BAD_REQUEST, "api/map needs name=MAP (letters, digits, _)");
        rc = qmap_view_map_json(s->view, name, &t);
        return send_answer(c, rc, &t, "application/json");
    }
    if (strcmp(path, "api/position") == 0) {
        int row, col;
        if (int_arg(c, "row", 0, 1000000, &row) < 0 || int_arg(c, "col", 0, 1000000, &col) < 0)
            return send_error(c, MHD_HTTP_BAD_REQUEST, "api/position needs row=N&col=N (integers >= 0)");
        rc = qmap_view_position_json(s->view, row, col, &t);
        return send_answer(c, rc, &t, "application/json");
    }
    if (strcmp(path, "api/region") == 0) {
        int r0 = 0, r1 = 0, c0 = 0, c1 = 0, label = 0, n_poly = 0;
        double poly[2 * QMAP_VIEW_MAX_POLY];
        if (arg(c, "poly")) {
            if ((n_poly = poly_arg(arg(c, "poly"), poly)) < 0)
                return send_error(c, MHD_HTTP_BAD_REQUEST, "api/region: poly must be 3 to 256 vertices col,row,col,row,...");
        } else if (arg(c, "label")) {
            if (int_arg(c, "label", 1, 100000000, &label) < 0)
                return send_error(c, MHD_HTTP_BAD_REQUEST, "api/region: label must be an integer >= 1");
        } else if (int_arg(c, "r0", 0, 1000000, &r0) < 0 || int_arg(c, "r1", 0, 1000000, &r1) < 0 ||
                   int_arg(c, "c0", 0, 1000000, &c0) < 0 || int_arg(c, "c1", 0, 1000000, &c1) < 0) {
            return send_error(c, MHD_HTTP_BAD_REQUEST, "api/region needs r0, r1, c0, c1 (integers >= 0) or label");
        }
        const char *mode = arg(c, "qspace");   /* "steps": the summed q-space in steps whatever the size */
        if (mode && strcmp(mode, "steps") != 0)
            return send_error(c, MHD_HTTP_BAD_REQUEST, "api/region: qspace must be steps");
        if (mode)
            qmap_view_set_region_direct(s->view, 0);
        rc = qmap_view_region_json(s->view, r0, r1, c0, c1, label, n_poly ? poly : NULL, n_poly, &t);
        qmap_view_set_region_direct(s->view, QMAP_VIEW_REGION_DIRECT);
        return send_answer(c, rc, &t, "application/json");
    }
    if (strcmp(path, "api/region_step") == 0) {   /* a large region's q-space: ~0.2 s more */
        rc = qmap_view_region_step(s->view, 0.2, &t);
        return send_answer(c, rc, &t, "application/json");
    }
    if (strcmp(path, "api/region_cancel") == 0) {
        qmap_view_region_cancel(s->view);
        return send_buf(c, MHD_HTTP_OK, "application/json", "{\"cancelled\":true}", 18, MHD_RESPMEM_PERSISTENT);
    }
    if (strcmp(path, "api/voi") == 0) {   /* move the VOI: start the job (view_voi.c) */
        static const char *keys[6] = {"x0", "x1", "y0", "y1", "z0", "z1"};
        int box[6];
        for (int k = 0; k < 6; k++)
            if (int_arg(c, keys[k], 0, 100000, &box[k]) < 0)
                return send_error(c, MHD_HTTP_BAD_REQUEST, "api/voi needs x0, x1, y0, y1, z0, z1 (bin indices >= 0)");
        rc = qmap_view_voi_start(s->view, box, &t);
        return send_answer(c, rc, &t, "application/json");
    }
    if (strcmp(path, "api/voi_step") == 0) {   /* advance it by at most ~0.2 s */
        rc = qmap_view_voi_step(s->view, 0.2, &t);
        return send_answer(c, rc, &t, "application/json");
    }
    if (strcmp(path, "api/voi_cancel") == 0) {
        qmap_view_voi_cancel(s->view);
        return send_buf(c, MHD_HTTP_OK, "application/json", "{\"cancelled\":true}", 18, MHD_RESPMEM_PERSISTENT);
    }
    if (strcmp(path, "api/figure") == 0) {
        const char *name = name_arg(c, "name");
        if (!name)
            return send_error(c, MHD_HTTP_BAD_REQUEST, "api/figure needs name=FIGURE");
        const char *format = arg(c, "format");
        int svg = format && strcmp(format, "svg") == 0;
        if (format && !svg && strcmp(format, "png") != 0)
            return send_error(c, MHD_HTTP_BAD_REQUEST, "api/figure: format must be png or svg");
        rc = svg ? qmap_view_figure_svg(s->view, name, &t) : qmap_view_figure_png(s->view, name, &t);
        return send_answer(c, rc, &t, svg ? "image/svg+xml" : "image/png");
    }
    return send_error(c, MHD_HTTP_NOT_FOUND, "no such page");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size,
                                  void **con_cls)
{
    server *s = cls;
    static int first_call_marker, body_marker;
    if (*con_cls == NULL) {   /* headers only: answer on the next call */
        *con_cls = &first_call_marker;
        return MHD_YES;
    }
    if (*upload_size) {   /* a body: not accepted, discarded while it arrives */
        *upload_size = 0;
        *con_cls = &body_marker;
        return MHD_YES;
    }
    if (*con_cls == &body_marker)
        return send_error(c, MHD_HTTP_BAD_REQUEST, "requests take no body");
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET is served");
    if (strlen(url) > MAX_URL)
        return send_error(c, MHD_HTTP_URI_TOO_LONG, "URL too long");
    if (!token_ok(s, url))
        return send_error(c, MHD_HTTP_FORBIDDEN, "missing or wrong token: use the address printed by qmap view");
    const char *path = url + 1 + strlen(s->token);
    if (*path == 0) {   /* "/TOKEN" -> "/TOKEN/" so that relative links work */
        char loc[64];
        snprintf(loc, sizeof loc, "/%s/", s->token);
        struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (!r)
            return MHD_NO;
        MHD_add_response_header(r, "Location", loc);
        enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_FOUND, r);
        MHD_destroy_response(r);
        return ret;
    }
    return route(s, c, path + 1);
}

static int make_token(char out[33])
{
    unsigned char b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        got += (size_t)n;
    }
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
}

/* Listening socket on 127.0.0.1:port (0 = any); the port actually bound in *bound. */
static int listen_loopback(int port, int *bound)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "qmap view: cannot create a socket: %s\n", strerror(errno));
        return -1;
    }
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 32) < 0) {
        int e = errno;
        if (e == EADDRINUSE)
            fprintf(stderr, "qmap view: port %d on 127.0.0.1 is in use (choose another with --port, or 0 for any)\n", port);
        else
            fprintf(stderr, "qmap view: cannot listen on 127.0.0.1:%d: %s\n", port, strerror(e));
        close(fd);
        return -1;
    }
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    *bound = ntohs(a.sin_port);
    return fd;
}

static void open_browser(const char *url)
{
    char *argv[] = {"xdg-open", (char *)url, NULL};
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    if (posix_spawnp(&pid, "xdg-open", &fa, NULL, argv, environ) != 0)
        printf("qmap view: no browser could be opened (xdg-open): open the address above yourself\n");
    posix_spawn_file_actions_destroy(&fa);
}

int cmd_view(int argc, char **argv)
{
    enum { O_NOBROWSER = 256 };
    static const struct option longopts[] = {{"port", required_argument, 0, 'p'},
                                             {"no-browser", no_argument, 0, O_NOBROWSER},
                                             {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c, port = 0, browser = 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "p:h", longopts, NULL)) != -1) {
        if (c == 'p') {
            if (parse_int("--port", optarg, 0, 65535, &port) < 0)
                return 2;
        } else if (c == O_NOBROWSER) {
            browser = 0;
        } else if (c == 'h') {
            usage(stdout);
            return 0;
        } else
            return 2;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "qmap view: expected exactly one results file (got %d); see qmap view --help\n",
                argc - optind);
        return 2;
    }
    cli_signals_install();   /* from here on SIGINT/SIGTERM end the loop below: a clean stop */
    server s = {0};
    if (make_token(s.token) < 0) {
        fprintf(stderr, "qmap view: no random bytes for the access token: %s\n", strerror(errno));
        return 1;
    }
    if (qmap_view_open(argv[optind], &s.view) < 0) {
        fprintf(stderr, "qmap view: %s\n", qmap_error_message());
        return 1;
    }
    int bound = 0;
    int fd = listen_loopback(port, &bound);
    if (fd < 0) {
        qmap_view_close(s.view);
        return 1;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, &s, MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)32, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)16,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)20, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "qmap view: the HTTP server (libmicrohttpd) could not start\n");
        close(fd);
        qmap_view_close(s.view);
        return 1;
    }
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/%s/", bound, s.token);
    printf("qmap view: serving %s at %s (Ctrl-C to stop)\n", argv[optind], url);
    fflush(stdout);
    if (browser)
        open_browser(url);
    while (!cli_interrupted()) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
        while (waitpid(-1, NULL, WNOHANG) > 0) {}   /* reap xdg-open */
    }
    MHD_stop_daemon(d);   /* closes the listening socket too */
    qmap_view_close(s.view);
    printf("qmap view: stopped\n");
    return 0;
}
