/* test_segment.c -- segment.h on small hand-checkable images: component labelling (4 and
 * 8 neighbours), the exact distance transform against brute force, watershed flooding,
 * maxima markers, splitting of touching discs, hole filling and label filtering. */
#include "qmap/segment.h"
#include "check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Parse a picture: '#' or digits = foreground (digit value kept in vals), '.' = 0. */
static void picture(const char *rows[], int h, uint8_t *mask)
{
    int w = (int)strlen(rows[0]);
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++)
            mask[r * w + c] = rows[r][c] != '.';
}

static void test_labels(void)
{
    const char *rows[] = {
        "##..#.",
        "##...#",
        "......",
        "#..##.",
        ".#..#.",
    };
    int w = 6, h = 5;
    uint8_t mask[30];
    int32_t lab[30];
    picture(rows, h, mask);
    int n8 = qmap_label_components(mask, w, h, 8, lab);
    /* 8-neighbours: {2x2 block}, {(0,4),(1,5)}, {(3,0),(4,1)}, {(3,3),(3,4),(4,4)} */
    CHECK(n8 == 4, "8-connected components: got %d, expected 4", n8);
    CHECK(lab[0] == 1 && lab[7] == 1 && lab[4] == 2 && lab[11] == 2, "raster-order labels %d %d %d %d",
          lab[0], lab[7], lab[4], lab[11]);
    CHECK(lab[18] == 3 && lab[25] == 3 && lab[21] == 4 && lab[28] == 4, "diagonal joins under 8-connectivity");
    int n4 = qmap_label_components(mask, w, h, 4, lab);
    CHECK(n4 == 6, "4-connected components: got %d, expected 6", n4);
    CHECK(qmap_label_components(mask, w, h, 6, lab) < 0, "connectivity 6 must be refused");
    CHECK(qmap_label_components(mask, 0, h, 8, lab) < 0, "zero width must be refused");

    /* Relabelling: one label spread over two diagonal-touching blocks splits under 4. */
    int32_t two[9] = {5, 0, 0, 0, 5, 0, 0, 0, 7};
    int n = qmap_relabel_connected(two, 3, 3, 4);
    CHECK(n == 3 && two[0] == 1 && two[4] == 2 && two[8] == 3, "relabel 4: n=%d %d %d %d", n, two[0], two[4], two[8]);
    int32_t two8[9] = {5, 0, 0, 0, 5, 0, 0, 0, 7};
    n = qmap_relabel_connected(two8, 3, 3, 8);
    CHECK(n == 2 && two8[0] == 1 && two8[4] == 1 && two8[8] == 2, "relabel 8: n=%d", n);
}

/* Brute-force distance to the nearest background pixel centre (with an optional
 * background frame just outside the image). */
static double brute_distance(const uint8_t *mask, int w, int h, int border, int r, int c)
{
    if (!mask[r * w + c])
        return 0;
    double best = INFINITY;
    for (int rr = -1; rr <= h; rr++)
        for (int cc = -1; cc <= w; cc++) {
            int outside = rr < 0 || cc < 0 || rr >= h || cc >= w;
            if (outside ? !border : mask[rr * w + cc])
                continue;
            double d = hypot(rr - r, cc - c);
            if (d < best)
                best = d;
        }
    return best;
}

static void test_distance(void)
{
    /* Hand case: 5x5 all foreground but the centre. */
    uint8_t m[25];
    double d[25];
    memset(m, 1, 25);
    m[12] = 0;
    CHECK(qmap_distance_transform(m, 5, 5, 0, d) == 0, "distance transform failed");
    CHECK(fabs(d[0] - sqrt(8)) < 1e-12 && d[12] == 0 && fabs(d[7] - 1) < 1e-12 && fabs(d[2] - 2) < 1e-12,
          "5x5 centre: d(0,0)=%g (sqrt 8), d(1,2)=%g (1), d(0,2)=%g (2)", d[0], d[7], d[2]);
    CHECK(qmap_distance_transform(m, 5, 5, 1, d) == 0 && fabs(d[0] - 1) < 1e-12 && fabs(d[6] - sqrt(2)) < 1e-12,
          "with the border as background: d(0,0)=%g (1), d(1,1)=%g (sqrt 2)", d[0], d[6]);
    /* No background at all: +inf without the border, distance to the frame with it. */
    memset(m, 1, 25);
    qmap_distance_transform(m, 5, 5, 0, d);
    CHECK(isinf(d[12]), "all foreground, no border: expected +inf, got %g", d[12]);
    qmap_distance_transform(m, 5, 5, 1, d);
    CHECK(fabs(d[12] - 3) < 1e-12, "all foreground, border: centre %g, expected 3", d[12]);

    /* Random masks against brute force. */
    srand(7);
    for (int trial = 0; trial < 40; trial++) {
        int w = 1 + rand() % 23, h = 1 + rand() % 17;
        uint8_t *mk = malloc((size_t)w * h);
        double *dt = malloc((size_t)w * h * sizeof *dt);
        int density = 50 + rand() % 50;
        for (int i = 0; i < w * h; i++)
            mk[i] = rand() % 100 < density;
        for (int border = 0; border <= 1; border++) {
            qmap_distance_transform(mk, w, h, border, dt);
            double worst = 0;
            for (int r = 0; r < h; r++)
                for (int c = 0; c < w; c++) {
                    double b = brute_distance(mk, w, h, border, r, c), e = dt[r * w + c];
                    double err = isinf(b) && isinf(e) ? 0 : fabs(b - e);
                    if (!(err <= worst))
                        worst = err;
                }
            CHECK(worst < 1e-9, "random %dx%d mask (border %d): worst error %g", w, h, border, worst);
        }
        free(mk);
        free(dt);
    }
}

static void test_watershed(void)
{
    /* A valley between two basins: elevation rises to column 3 then falls. */
    int w = 7, h = 3;
    double elev[21];
    int32_t lab[21] = {0};
    static const double profile[7] = {0, 1, 2, 3, 2, 1, 0};
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++)
            elev[r * w + c] = profile[c];
    lab[1 * w + 0] = 1;
    lab[1 * w + 6] = 2;
    CHECK(qmap_watershed(elev, NULL, w, h, lab) == 0, "watershed failed");
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++) {
            if (c == 3)
                continue;   /* the ridge goes to whichever marker floods it first */
            int want = c < 3 ? 1 : 2;
            CHECK(lab[r * w + c] == want, "watershed (%d,%d): label %d, expected %d", r, c, lab[r * w + c], want);
        }
    CHECK(lab[3] >= 1 && lab[3] <= 2, "the ridge is labelled");
    /* A mask stops the flood: column 5 masked out isolates column 6 from marker 1. */
    uint8_t mask[21];
    memset(mask, 1, sizeof mask);
    for (int r = 0; r < h; r++)
        mask[r * w + 5] = 0;
    memset(lab, 0, sizeof lab);
    lab[0] = 1;
    qmap_watershed(elev, mask, w, h, lab);
    CHECK(lab[4] == 1 && lab[5] == 0 && lab[6] == 0, "masked flood: %d %d %d (expected 1 0 0)", lab[4], lab[5], lab[6]);
}

/* Mask of discs (centre row, col, radius) in a w x h image. */
static void discs(uint8_t *m, int w, int h, const double (*d)[3], int n)
{
    memset(m, 0, (size_t)w * h);
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++)
            for (int k = 0; k < n; k++)
                if (hypot(r - d[k][0], c - d[k][1]) <= d[k][2])
                    m[r * w + c] = 1;
}

static void test_split(void)
{
    int w = 80, h = 40;
    uint8_t *m = malloc((size_t)w * h);
    int32_t *lab = malloc((size_t)w * h * sizeof *lab);
    /* Two overlapping discs of radius 10, centres 17 apart: a neck of half-width ~5.3. */
    const double pair[2][3] = {{20, 20, 10}, {20, 37, 10}};
    discs(m, w, h, pair, 2);
    int n = qmap_split_touching(m, w, h, 1.0, 0.2, lab);
    CHECK(n == 2, "touching pair: %d labels, expected 2", n);
    if (n == 2) {
        CHECK(lab[20 * w + 20] != lab[20 * w + 37] && lab[20 * w + 20] > 0, "centres get different labels");
        long a1 = 0, a2 = 0;
        for (int i = 0; i < w * h; i++)
            a1 += lab[i] == 1, a2 += lab[i] == 2;
        CHECK(labs(a1 - a2) <= 12, "symmetric pair split unevenly: %ld vs %ld pixels", a1, a2);
        /* The cut is the mid-plane column 28.5: no label-1 pixel right of it, none of label 2 left. */
        int wrong = 0;
        for (int r = 0; r < h; r++)
            for (int c = 0; c < w; c++) {
                int l = lab[r * w + c];
                if ((l == lab[20 * w + 20] && c > 29) || (l == lab[20 * w + 37] && c < 28))
                    wrong++;
            }
        CHECK(wrong == 0, "%d pixels on the wrong side of the mid-plane", wrong);
    }
    /* A demanding criterion keeps the pair whole. */
    n = qmap_split_touching(m, w, h, 8.0, 0.2, lab);
    CHECK(n == 1, "min dynamic 8 px: %d labels, expected 1", n);
    /* An ellipse (semi-axes 25 x 6) is one particle despite its ridge. */
    memset(m, 0, (size_t)w * h);
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++)
            m[r * w + c] = pow((c - 40) / 25.0, 2) + pow((r - 20) / 6.0, 2) <= 1;
    n = qmap_split_touching(m, w, h, 1.0, 0.2, lab);
    CHECK(n == 1, "ellipse: %d labels, expected 1", n);
    /* Markers on a hand-made profile: maxima 5 and 4 with a saddle at 3 (dynamic 1). */
    double f[7] = {1, 5, 3, 4, 2, 6, 0};
    int32_t mk[7];
    n = qmap_find_maxima_markers(f, NULL, 7, 1, 0.5, 0, mk);
    CHECK(n == 3 && mk[5] == 1 && mk[1] == 2 && mk[3] == 3, "markers dynamic 0.5: n=%d (%d %d %d)", n, mk[5], mk[1], mk[3]);
    n = qmap_find_maxima_markers(f, NULL, 7, 1, 1.5, 0, mk);
    /* 4 has dynamic 1 (saddle 3): merged; 5 has dynamic 5-2=3 against 6: kept. */
    CHECK(n == 2 && mk[5] == 1 && mk[1] == 2 && mk[3] == 0, "markers dynamic 1.5: n=%d", n);
    free(m);
    free(lab);
}

static void test_fill_and_filter(void)
{
    const char *rows[] = {
        "#####..",
        "#...#..",
        "#.#.#.#",
        "#####.#",
        "......#",
    };
    int w = 7, h = 5;
    uint8_t m[35];
    picture(rows, h, m);
    int filled = qmap_fill_holes(m, w, h);
    CHECK(filled == 5, "filled %d pixels, expected the 5 inside the ring", filled);
    CHECK(m[1 * w + 1] && m[2 * w + 3] && !m[2 * w + 5], "hole pixels set, outside pixels untouched");
    /* A ring open to the border is not a hole. */
    const char *open_ring[] = {"###", "#.#", "#.#"};
    uint8_t o[9];
    picture(open_ring, 3, o);
    CHECK(qmap_fill_holes(o, 3, 3) == 0, "a bay open to the border must stay");

    int32_t lab[35];
    int n = qmap_label_components(m, w, h, 8, lab);
    CHECK(n == 2, "ring + bar: %d components", n);
    /* Ring (20 pixels) touches the border, the bar (3 pixels at column 6) too. */
    int k = qmap_filter_labels(lab, w, h, n, 1, 0);
    CHECK(k == 0, "border rejection: %d left, expected 0", k);
    const char *inner[] = {".......", ".##....", ".##..#.", "....... "};
    uint8_t mi[28];
    picture(inner, 4, mi);
    int32_t li[28];
    n = qmap_label_components(mi, 7, 4, 8, li);
    k = qmap_filter_labels(li, 7, 4, n, 1, 2);
    CHECK(n == 2 && k == 1 && li[1 * 7 + 1] == 1 && li[2 * 7 + 5] == 0, "size filter: n=%d kept=%d", n, k);
    int32_t badlab[4] = {0, 3, 0, 0};
    CHECK(qmap_filter_labels(badlab, 2, 2, 2, 0, 0) < 0, "label above n_labels must be refused");
}

int main(void)
{
    test_labels();
    test_distance();
    test_watershed();
    test_split();
    test_fill_and_filter();
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures != 0;
}
