/* check.h -- the CHECK macro shared by the C test programs: report a failed condition
 * with its file, line and a printf-style message, count it, and keep going so one run
 * shows every failure. main() returns failures != 0. */
#ifndef QMAP_TEST_CHECK_H
#define QMAP_TEST_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);             \
            fprintf(stderr, __VA_ARGS__);                                    \
            fprintf(stderr, "\n");                                           \
            failures++;                                                      \
        }                                                                    \
    } while (0)

#endif
