/* test_scan_title.c -- qmap_parse_scan_title: both title forms, every map command,
 * rejection of malformed titles with a message quoting them, and a small fuzz run
 * (random bytes and mutations of valid titles) that must never crash. */
#include "qmap/dataset.h"
#include "qmap/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "check.h"

static int near(double a, double b)
{
    return fabs(a - b) <= 1e-12 * (1 + fabs(b));
}

static void expect_ok(const char *title, const char *cmd, const char *m0, double s0, double e0,
                      int n0, const char *m1, double s1, double e1, int n1, double t)
{
    qmap_scan_title st;
    int rc = qmap_parse_scan_title(title, &st);
    CHECK(rc == QMAP_OK, "'%s' rejected: %s", title, qmap_error_message());
    if (rc != QMAP_OK)
        return;
    CHECK(strcmp(st.command, cmd) == 0, "'%s': command '%s'", title, st.command);
    CHECK(strcmp(st.fast_motor, m0) == 0, "'%s': fast motor '%s'", title, st.fast_motor);
    CHECK(strcmp(st.slow_motor, m1) == 0, "'%s': slow motor '%s'", title, st.slow_motor);
    CHECK(near(st.fast_start, s0) && near(st.fast_end, e0), "'%s': fast range %g..%g", title,
          st.fast_start, st.fast_end);
    CHECK(near(st.slow_start, s1) && near(st.slow_end, e1), "'%s': slow range %g..%g", title,
          st.slow_start, st.slow_end);
    CHECK(st.n_fast == n0 && st.n_slow == n1, "'%s': points %d x %d", title, st.n_fast,
          st.n_slow);
    CHECK(near(st.exposure_s, t), "'%s': exposure %g", title, st.exposure_s);
}

/* Must be rejected with QMAP_ERR_FORMAT and a message containing `word`. */
static void expect_bad(const char *title, const char *word)
{
    qmap_scan_title st;
    qmap_error_clear();
    int rc = qmap_parse_scan_title(title, &st);
    CHECK(rc == QMAP_ERR_FORMAT, "'%s' accepted (rc %d)", title ? title : "(null)", rc);
    CHECK(word == NULL || strstr(qmap_error_message(), word) != NULL,
          "'%s': message '%s' lacks '%s'", title ? title : "(null)", qmap_error_message(),
          word);
}

static void test_forms(void)
{
    expect_ok("sxdm( pix, 10.0, 17.75, 32, piy, 20.0, 25.75, 24, 0.005 )", "sxdm", "pix", 10.0,
              17.75, 32, "piy", 20.0, 25.75, 24, 0.005);
    expect_ok("sxdm(pix,10.0,17.75,32,piy,20.0,25.75,24,0.005)", "sxdm", "pix", 10.0, 17.75, 32,
              "piy", 20.0, 25.75, 24, 0.005);
    expect_ok("sxdm pix 10.0 17.75 32 piy 20.0 25.75 24 0.005", "sxdm", "pix", 10.0, 17.75, 32,
              "piy", 20.0, 25.75, 24, 0.005);
    expect_ok("  asxdm( pix, 48.244, 64.244, 60, piy, 37.477, 53.477, 60, 0.01 )  ", "asxdm",
              "pix", 48.244, 64.244, 60, "piy", 37.477, 53.477, 60, 0.01);
    expect_ok("dsxdm(piy, -5, 5e0, 11, piz, -2.5, +2.5, 6, 1e-3)", "dsxdm", "piy", -5, 5, 11,
              "piz", -2.5, 2.5, 6, 1e-3);
    expect_ok("kmap\tpix  .5 1. 1 piy 0 0 1 1\n", "kmap", "pix", 0.5, 1.0, 1, "piy", 0, 0, 1, 1);
    expect_ok("mesh (pix, 0, 1, 2, piy, 0, 1, 3, 0.1, save=True)", "mesh", "pix", 0, 1, 2, "piy",
              0, 1, 3, 0.1);
    expect_ok("amesh pix 0 1 2 piy 0 1 3 0.1 extra words", "amesh", "pix", 0, 1, 2, "piy", 0, 1,
              3, 0.1);
    expect_ok("sxdm pix 0 1 2.0 piy 0 1 1000000 0", "sxdm", "pix", 0, 1, 2, "piy", 0, 1, 1000000,
              0);
}

static void test_all_commands(void)
{
    static const char *cmds[] = {"sxdm", "asxdm", "dsxdm", "kmap", "akmap",
                                 "dkmap", "mesh", "amesh", "dmesh"};
    char t[200];
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        snprintf(t, sizeof t, "%s( pix, 1, 2, 3, piy, 4, 5, 6, 0.5 )", cmds[i]);
        expect_ok(t, cmds[i], "pix", 1, 2, 3, "piy", 4, 5, 6, 0.5);
        snprintf(t, sizeof t, "%s pix 1 2 3 piy 4 5 6 0.5", cmds[i]);
        expect_ok(t, cmds[i], "pix", 1, 2, 3, "piy", 4, 5, 6, 0.5);
    }
}

static void test_bad(void)
{
    expect_bad("ascan eta 15.24 19.24 50 1", "'ascan eta 15.24 19.24 50 1'");
    expect_bad("ascan eta 15.24 19.24 50 1", "not an SXDM");
    expect_bad("SXDM( pix, 1, 2, 3, piy, 4, 5, 6, 0.5 )", "not an SXDM");
    expect_bad("sxdmx pix 1 2 3 piy 4 5 6 0.5", "not an SXDM");
    expect_bad("pscan pix 1 2 3 piy 4 5 6 0.5", "not an SXDM");
    expect_bad("sxdm2 pix 1 2 3 piy 4 5 6 0.5", "not an SXDM");
    expect_bad("", "not an SXDM");
    expect_bad(NULL, "title");
    expect_bad("sxdm", "fast motor");
    expect_bad("sxdm(", "fast motor");
    expect_bad("sxdm( pix, 1, 2, 0, piy, 4, 5, 6, 0.5 )", "points");
    expect_bad("sxdm( pix, 1, 2, -3, piy, 4, 5, 6, 0.5 )", "points");
    expect_bad("sxdm( pix, 1, 2, 3, piy, 4, 5, 2.5, 0.5 )", "points");
    expect_bad("sxdm( pix, 1, 2, 3, piy, 4, 5, 1000001, 0.5 )", "points");
    expect_bad("sxdm( pix, 1, 2, 3, piy, 4, 5, 1e300, 0.5 )", "points");
    expect_bad("sxdm( pix, nan, 2, 3, piy, 4, 5, 6, 0.5 )", "fast start");
    expect_bad("sxdm( pix, 1, inf, 3, piy, 4, 5, 6, 0.5 )", "fast end");
    expect_bad("sxdm( pix, 1, 2, 3, piy, 1e999, 5, 6, 0.5 )", "slow start");
    expect_bad("sxdm( pix, 1, 2, 3, piy, 4, 5, 6 )", "exposure");
    expect_bad("sxdm( pix, 1, 2, 3, piy, 4, 5, 6, 0.5", NULL);
    expect_bad("sxdm( pix, 1, 2, 3, piy, 4, 5, 6, 0.5 x)", NULL);
    expect_bad("sxdm( pix 1, 2, 3, piy, 4, 5, 6, 0.5 )", "fast motor");
    expect_bad("sxdm( 1, 1, 2, 3, piy, 4, 5, 6, 0.5 )", "fast motor");
    expect_bad("sxdm( pix, 1, 2, 3, 7, 4, 5, 6, 0.5 )", "slow motor");
    expect_bad("sxdm( pix, 1..5, 2, 3, piy, 4, 5, 6, 0.5 )", "fast start");
    expect_bad("sxdm( pix, 0x10, 2, 3, piy, 4, 5, 6, 0.5 )", "fast start");
    expect_bad("sxdm( pix, 1e, 2, 3, piy, 4, 5, 6, 0.5 )", "fast start");
    expect_bad("sxdm( pix, ., 2, 3, piy, 4, 5, 6, 0.5 )", "fast start");
    expect_bad("sxdm pix 1 2 3 piy 4 5 6", "exposure");
    expect_bad("sxdm pix 1 2 3 piy 4 5 6 0.5x", NULL);
    expect_bad("sxdm pix a 2 3 piy 4 5 6 0.5", "fast start");
    expect_bad("sxdm pix,1,2,3,piy,4,5,6,0.5", "fast start");
    expect_bad("sxdm pix 1 2 3 piy 4 5 6 -0.5", "exposure");
    expect_bad("sxdm pix 1 2 3 piy 4 5 6 0.5\x01", NULL);
    /* motor name longer than QMAP_NAME_MAX */
    char t[400];
    snprintf(t, sizeof t, "sxdm %s 1 2 3 piy 4 5 6 0.5",
             "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij");
    expect_bad(t, "fast motor");
    /* over-long number token */
    snprintf(t, sizeof t, "sxdm pix 1.%0200d 2 3 piy 4 5 6 0.5", 0);
    expect_bad(t, "fast start");
}

static void test_long_title_message(void)
{
    size_t n = 100000;
    char *t = malloc(n + 1);
    memset(t, 'a', n);
    t[n] = '\0';
    expect_bad(t, "...");
    CHECK(strlen(qmap_error_message()) < 300, "message of a long title is %zu chars",
          strlen(qmap_error_message()));
    /* non-printable bytes must not reach the message */
    t[0] = '\n';
    t[1] = (char)0xff;
    t[2] = '\0';
    expect_bad(t, "??");
    free(t);
}

/* Random bytes and random edits of valid titles: no crash, sane output when accepted. */
static void test_fuzz(void)
{
    static const char *seeds[] = {
        "sxdm( pix, 10.0, 17.75, 32, piy, 20.0, 25.75, 24, 0.005 )",
        "kmap pix 10.0 17.75 32 piy 20.0 25.75 24 0.005",
    };
    static const char alphabet[] = "0123456789.,()+-eE pixysdmk\t\n\x01\xff";
    char buf[128];
    unsigned s = 12345u;
    for (int it = 0; it < 200000; it++) {
        size_t len;
        if (it % 2) {
            const char *seed = seeds[(it / 2) % 2];
            len = strlen(seed);
            memcpy(buf, seed, len + 1);
            int edits = 1 + (int)((s = s * 1103515245u + 12345u) >> 16) % 4;
            for (int e = 0; e < edits; e++) {
                s = s * 1103515245u + 12345u;
                size_t pos = (s >> 8) % (len + 1);
                buf[pos] = alphabet[(s >> 20) % (sizeof alphabet - 1)];
                if (pos == len && len + 1 < sizeof buf)
                    buf[++len] = '\0';
            }
            buf[len] = '\0';
        } else {
            s = s * 1103515245u + 12345u;
            len = (s >> 16) % (sizeof buf);
            for (size_t i = 0; i < len; i++) {
                s = s * 1103515245u + 12345u;
                buf[i] = (char)(1 + (s >> 16) % 255);
            }
            buf[len] = '\0';
        }
        qmap_scan_title st;
        if (qmap_parse_scan_title(buf, &st) == QMAP_OK) {
            CHECK(st.n_fast >= 1 && st.n_slow >= 1 && st.n_fast <= 1000000 &&
                  st.n_slow <= 1000000 && isfinite(st.fast_start) && isfinite(st.fast_end) &&
                  isfinite(st.slow_start) && isfinite(st.slow_end) &&
                  isfinite(st.exposure_s) && st.exposure_s >= 0,
                  "fuzz title '%s' accepted with absurd values", buf);
        }
    }
}

int main(void)
{
    test_forms();
    test_all_commands();
    test_bad();
    test_long_title_message();
    test_fuzz();
    if (failures) {
        fprintf(stderr, "test_scan_title: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_scan_title: all passed\n");
    return 0;
}
