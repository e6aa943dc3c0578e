/* test_cancel.c -- the cancel flag (qmap_set_cancel_flag) stops qmap_results_write with
 * QMAP_ERR_CANCELLED and leaves neither the results file nor its temporary file; with the
 * flag clear the same write succeeds. (qmap_process's polling is tested through the CLI by
 * test_signals.sh.) */
#include "qmap/error.h"
#include "qmap/results.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Number of entries of dir whose name starts with prefix. */
static int count_prefix(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d) closedir(d);
    return n;
}

int main(void)
{
    const char *tmp = getenv("QMAP_TEST_TMP");
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/cancel", tmp ? tmp : "/tmp");
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/r.h5", dir);
    remove(path);
    int fail = 0;
    qmap_results *r = qmap_results_new(6, 4, 3, 0);
    if (!r) {
        fprintf(stderr, "qmap_results_new failed\n");
        return 1;
    }
    static volatile sig_atomic_t flag;
    qmap_set_cancel_flag(&flag);
    flag = 1;
    if (qmap_check_cancel() != QMAP_ERR_CANCELLED || strcmp(qmap_error_message(), "interrupted") != 0) {
        fprintf(stderr, "qmap_check_cancel with the flag raised: wrong code or message\n");
        fail = 1;
    }
    int rc = qmap_results_write(r, path);
    if (rc != QMAP_ERR_CANCELLED) {
        fprintf(stderr, "write with the flag raised returned %d (%s), expected QMAP_ERR_CANCELLED\n", rc,
                qmap_error_message());
        fail = 1;
    }
    if (count_prefix(dir, "r.h5") != 0) {
        fprintf(stderr, "an interrupted write left r.h5 or r.h5.tmp-*\n");
        fail = 1;
    }
    flag = 0;
    if (qmap_check_cancel() != QMAP_OK || qmap_results_write(r, path) != QMAP_OK || count_prefix(dir, "r.h5") != 1) {
        fprintf(stderr, "write with the flag clear failed: %s\n", qmap_error_message());
        fail = 1;
    }
    qmap_set_cancel_flag(NULL);
    flag = 1;
    if (qmap_cancelled()) {
        fprintf(stderr, "unregistered flag still seen\n");
        fail = 1;
    }
    qmap_results_free(r);
    return fail;
}
