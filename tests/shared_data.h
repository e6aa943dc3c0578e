/* shared_data.h -- where a C test finds the real beamline files and the xrayutilities
 * reference vectors (the folder ../shared beside the checkout, passed as QMAP_SHARED by
 * tests/CMakeLists.txt), and what it does when they are absent.
 *
 * A clone of qmap alone has no ../shared: the checks that need it are skipped, the rest of
 * the test runs, and the test exits with QMAP_TEST_SKIP (77, CTest's SKIP_RETURN_CODE) so
 * CTest reports it as skipped instead of passed or failed. With QMAP_REQUIRE_SHARED=1 (set
 * by CI) an absent folder is a failure. QMAP_SHARED_OVERRIDE, when set, replaces the
 * configured folder (tests/test_shared_skip.sh uses it to hide the folder). */
#ifndef QMAP_TEST_SHARED_DATA_H
#define QMAP_TEST_SHARED_DATA_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define QMAP_TEST_SKIP 77

static int shared_parts_skipped; /* real-data parts skipped: folder absent */
static int shared_parts_missing; /* folder absent although QMAP_REQUIRE_SHARED is set */

/* The shared folder when its subfolder `sub` ("data" or "reference") exists, else NULL
 * after one line naming the test, what is skipped (`what`) and the folder looked for. */
static const char *shared_folder(const char *test, const char *sub, const char *what)
{
    const char *root = getenv("QMAP_SHARED_OVERRIDE");
    if (!root || !*root)
        root = getenv("QMAP_SHARED");
    char dir[4096];
    struct stat st;
    snprintf(dir, sizeof dir, "%s/%s", root && *root ? root : "(QMAP_SHARED unset)", sub);
    if (root && *root && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return root;
    const char *require = getenv("QMAP_REQUIRE_SHARED");
    if (require && *require && strcmp(require, "0") != 0) {
        printf("FAIL %s: %s: %s is absent (QMAP_REQUIRE_SHARED is set)\n", test,
               what, dir);
        shared_parts_missing++;
    } else {
        printf("SKIP %s: %s: %s is absent, skipped\n", test, what, dir);
        shared_parts_skipped++;
    }
    fflush(stdout);
    return NULL;
}

/* Exit status of a test that found `failed` failures in the parts it ran. */
static int shared_exit_status(int failed)
{
    if (failed || shared_parts_missing)
        return 1;
    return shared_parts_skipped ? QMAP_TEST_SKIP : 0;
}

#endif
