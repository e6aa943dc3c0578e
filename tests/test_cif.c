/* test_cif.c -- the CIF 1.1 parser: tokens (quotes that close only before whitespace,
 * text fields, comments, '?' and '.'), loops, numbers with standard uncertainties, and
 * one-line errors naming the source and line for malformed input. */
#include "check.h"
#include "qmap/cif.h"
#include "qmap/error.h"

#include <math.h>
#include <string.h>

static qmap_cif *parse(const char *text)
{
    return qmap_cif_parse(text, strlen(text), "t.cif");
}

static void expect_error(const char *text, const char *needle)
{
    qmap_cif *c = parse(text);
    CHECK(c == NULL, "malformed input parsed: %s", text);
    CHECK(strstr(qmap_error_message(), needle) != NULL, "error '%s' lacks '%s'",
          qmap_error_message(), needle);
    CHECK(strstr(qmap_error_message(), "t.cif") != NULL, "error '%s' does not name the file",
          qmap_error_message());
    qmap_cif_free(c);
}

static void test_tokens(void)
{
    const char *text =
        "# comment line\n"
        "data_test\n"
        "_a 'O'Neil' # apostrophe inside: quote closes only before whitespace\n"
        "_b \"say 'hi'\"\n"
        "_c\n;\nline one\n  line two; not the end\n;\n"
        "_d ?\n_e .\n_f '?'\n"
        "_CELL_length_A 2.8776(3)\n"
        "loop_ _x _y\n 1 'a b'\n 2 \"c\"\n;\nt\n;\n ? \n"
        "data_second _only 1\n";
    qmap_cif *c = parse(text);
    CHECK(c != NULL, "parse failed: %s", qmap_error_message());
    if (!c)
        return;
    CHECK(c->n_blocks == 2, "blocks %d", c->n_blocks);
    const qmap_cif_block *b = &c->blocks[0];
    CHECK(strcmp(b->name, "test") == 0, "name %s", b->name);
    const qmap_cif_value *v = qmap_cif_find(b, "_a");
    CHECK(v && strcmp(v->text, "O'Neil") == 0, "_a = %s", v ? v->text : "(null)");
    v = qmap_cif_find(b, "_b");
    CHECK(v && strcmp(v->text, "say 'hi'") == 0, "_b = %s", v ? v->text : "(null)");
    v = qmap_cif_find(b, "_c");
    CHECK(v && strcmp(v->text, "line one\n  line two; not the end") == 0 && v->quoted,
          "_c = [%s]", v ? v->text : "(null)");
    v = qmap_cif_find(b, "_d");
    CHECK(v && v->kind == QMAP_CIF_UNKNOWN, "_d not unknown");
    v = qmap_cif_find(b, "_e");
    CHECK(v && v->kind == QMAP_CIF_INAPPLICABLE, "_e not inapplicable");
    v = qmap_cif_find(b, "_f");
    CHECK(v && v->kind == QMAP_CIF_VALUE && v->quoted, "quoted '?' must be a value");
    v = qmap_cif_find(b, "_cell_length_a");
    double x = 0, su = 0;
    CHECK(v && qmap_cif_number(v, &x, &su) == 0 && x == 2.8776 && fabs(su - 0.0003) < 1e-15,
          "2.8776(3) -> %g (%g)", x, su);
    CHECK(v && v->line == 13, "line of _cell_length_a %d", v ? v->line : -1);
    int col = -1;
    const qmap_cif_loop *l = qmap_cif_find_loop(b, "_y", &col);
    CHECK(l && col == 1 && l->n_rows == 3, "loop rows %zu col %d", l ? l->n_rows : 0, col);
    if (l && l->n_rows == 3) {
        CHECK(strcmp(l->values[1].text, "a b") == 0, "loop quoted value %s", l->values[1].text);
        CHECK(strcmp(l->values[4].text, "t") == 0, "loop text field %s", l->values[4].text);
        CHECK(l->values[5].kind == QMAP_CIF_UNKNOWN, "loop '?'");
    }
    CHECK(qmap_cif_find(&c->blocks[1], "_only") != NULL, "second block item");
    CHECK(qmap_cif_find(b, "_only") == NULL, "items leak across blocks");
    qmap_cif_free(c);
}

static void test_numbers(void)
{
    struct { const char *s; double v, su; int ok; } cases[] = {
        {"2.8776(3)", 2.8776, 0.0003, 1}, {"14.1920(9)", 14.192, 0.0009, 1},
        {"-0.25", -0.25, 0, 1}, {"7", 7, 0, 1}, {"90.", 90, 0, 1}, {".5", 0.5, 0, 1},
        {"1.5e2(4)", 150, 40, 1}, {"1.5E-2", 0.015, 0, 1}, {"123(12)", 123, 12, 1},
        {"+0.1(1)", 0.1, 0.1, 1}, {"abc", 0, 0, 0}, {"1.2.3", 0, 0, 0}, {"1.2(", 0, 0, 0},
        {"1.2()", 0, 0, 0}, {"1e", 0, 0, 0}, {"-", 0, 0, 0}, {"1.2(3)x", 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        qmap_cif_value v = {(char *)cases[i].s, QMAP_CIF_VALUE, 0, 1};
        double x = NAN, su = NAN;
        int rc = qmap_cif_number(&v, &x, &su);
        if (cases[i].ok)
            CHECK(rc == 0 && fabs(x - cases[i].v) < 1e-12 * fabs(cases[i].v) + 1e-15 &&
                  fabs(su - cases[i].su) < 1e-12 * fabs(cases[i].su) + 1e-15,
                  "%s -> rc %d, %.17g (%.17g)", cases[i].s, rc, x, su);
        else
            CHECK(rc == QMAP_ERR_FORMAT, "%s accepted as %g", cases[i].s, x);
    }
    qmap_cif_value q = {"?", QMAP_CIF_UNKNOWN, 0, 1}, quoted = {"1.5", QMAP_CIF_VALUE, 1, 1};
    double x;
    CHECK(qmap_cif_number(&q, &x, NULL) < 0, "'?' is a number");
    CHECK(qmap_cif_number(&quoted, &x, NULL) < 0, "quoted '1.5' is a number");
}

static void test_errors(void)
{
    expect_error("data_a\n_x 'open\n", "line 2");
    expect_error("data_a\n_x\n;\nnever closed\n", "never closed");
    expect_error("data_a\nloop_ _x _y\n1 2 3\n", "not a multiple");
    expect_error("data_a\nloop_\n_x\n_y\n", "no values");
    expect_error("data_a\nloop_\n", "without tags");
    expect_error("_x 1\n", "before the first data_");
    expect_error("data_a\n_x 1\n_x 2\n", "twice");
    expect_error("data_a\n_x\n_y 2\n", "has no value");
    expect_error("data_a\n_x 1 2\n", "without a tag");
    expect_error("data_\n", "without a block name");
    expect_error("# nothing\n", "no data_ block");
    expect_error("", "no data_ block");
    expect_error("data_a\nsave_frame\n_x 1\n", "never closed");
    /* CR line ends count lines too */
    expect_error("data_a\r_x 1\r_x 2\r", "line 3");
    qmap_cif *c = qmap_cif_read("/nonexistent/dir/x.cif");
    CHECK(c == NULL && strstr(qmap_error_message(), "/nonexistent/dir/x.cif"), "missing file: %s",
          qmap_error_message());
    /* embedded NUL and high bytes in a value are data, not a crash */
    const char bin[] = "data_a\n_x \x01\xff\x80z\n_y 'a\0b' \n";
    c = qmap_cif_parse(bin, sizeof bin - 1, "bin.cif");
    CHECK(c != NULL, "binary bytes in values: %s", qmap_error_message());
    qmap_cif_free(c);
}

int main(void)
{
    test_tokens();
    test_numbers();
    test_errors();
    if (failures)
        fprintf(stderr, "test_cif: %d failures\n", failures);
    return failures != 0;
}
