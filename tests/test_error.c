/* test_error.c -- qmap_error_prefix puts a context in front of the recorded message (the
 * call that replaced the undefined qmap_error(code, "...: %s", qmap_error_message())). */
#include "check.h"
#include "qmap/error.h"

#include <string.h>

int main(void)
{
    qmap_error(QMAP_ERR_VALUE, "distance must be positive, got %g", -1.0);
    int rc = qmap_error_prefix(QMAP_ERR_FORMAT, "%s: scan %s", "in.h5", "1.1");
    CHECK(rc == QMAP_ERR_FORMAT, "code returned: %d", rc);
    CHECK(strcmp(qmap_error_message(), "in.h5: scan 1.1: distance must be positive, got -1") == 0,
          "message: %s", qmap_error_message());
    /* twice in a row: each context goes in front */
    qmap_error_prefix(QMAP_ERR_FORMAT, "outer");
    CHECK(strncmp(qmap_error_message(), "outer: in.h5: scan 1.1: ", 24) == 0, "message: %s",
          qmap_error_message());
    /* a message at the buffer limit is cut, never overrun: the context survives */
    char long_text[3000];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    qmap_error(QMAP_ERR_IO, "%s", long_text);
    qmap_error_prefix(QMAP_ERR_IO, "file %s", "a.h5");
    size_t n = strlen(qmap_error_message());
    CHECK(n == 1023, "length %zu", n);
    CHECK(strncmp(qmap_error_message(), "file a.h5: xxx", 14) == 0, "message: %.40s", qmap_error_message());
    /* a context longer than the buffer keeps the buffer terminated */
    qmap_error(QMAP_ERR_IO, "cause");
    qmap_error_prefix(QMAP_ERR_IO, "%s", long_text);
    CHECK(strlen(qmap_error_message()) == 1023, "length %zu", strlen(qmap_error_message()));
    if (!failures)
        printf("error: all checks passed\n");
    return failures != 0;
}
