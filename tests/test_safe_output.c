/* test_safe_output.c -- the output-safety helper (qmap/output.h): exclusive temporaries with
 * random names, the commit that refuses a temporary swapped for a symbolic link and an output
 * that became a link (the victim is never touched), the checks before any computation (input
 * inode, hard link, device, missing folder, link), the private folders of qmap report, and
 * --resume's cleaning of stale temporaries. The signal-time cleanup (qmap_temp_remove_all, which ends the registry):
 * test_temp_signal.c. */
#include "check.h"
#include "qmap/error.h"
#include "qmap/output.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static int has(const char *path, const char *text)
{
    char buf[256] = {0};
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strcmp(buf, text) == 0;
}

int main(void)
{
    char dir[] = "/tmp/qmap-safe-output-XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char out[512], victim[512], in[512], hard[512], tmp[4400], tmp2[4400];
    snprintf(out, sizeof out, "%s/out.h5", dir);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    snprintf(in, sizeof in, "%s/in.h5", dir);
    snprintf(hard, sizeof hard, "%s/hard.h5", dir);
    put(victim, "secret");
    put(in, "raw data");

    /* checks before any computation */
    const char *inputs[] = {in, NULL};
    CHECK(qmap_output_check("-o", out, inputs, 2) == QMAP_OK, "fresh output: %s", qmap_error_message());
    CHECK(qmap_output_check("-o", in, inputs, 2) == QMAP_ERR_VALUE, "output = input accepted");
    CHECK(strstr(qmap_error_message(), "never overwrites an input"), "message: %s", qmap_error_message());
    CHECK(link(in, hard) == 0, "link");
    CHECK(qmap_output_check("-o", hard, inputs, 2) == QMAP_ERR_VALUE, "hard link to the input accepted");
    CHECK(qmap_output_check("-o", "/dev/null", inputs, 2) == QMAP_ERR_VALUE, "/dev/null accepted");
    CHECK(qmap_output_check("-o", "/nonexistent-qmap/x.h5", inputs, 2) == QMAP_ERR_VALUE, "missing folder");
    CHECK(strstr(qmap_error_message(), "does not exist"), "message: %s", qmap_error_message());
    char link_out[512];
    snprintf(link_out, sizeof link_out, "%s/link.h5", dir);
    CHECK(symlink(victim, link_out) == 0, "symlink");
    CHECK(qmap_output_check("-o", link_out, inputs, 2) == QMAP_ERR_VALUE, "symlink output accepted");
    CHECK(qmap_output_check_folder("report", dir) == QMAP_OK, "existing folder: %s", qmap_error_message());
    CHECK(qmap_output_check_folder("report", victim) == QMAP_ERR_VALUE, "a file as the report folder");

    /* an exclusive temporary with a random name, committed */
    int fd = qmap_temp_create(out, tmp, sizeof tmp);
    CHECK(fd >= 0, "create: %s", qmap_error_message());
    CHECK(strncmp(tmp, out, strlen(out)) == 0 && strstr(tmp, ".tmp-qmap-"), "name %s", tmp);
    int fd2 = qmap_temp_create(out, tmp2, sizeof tmp2);
    CHECK(fd2 >= 0 && strcmp(tmp, tmp2) != 0, "two temporaries share a name: %s", tmp2);
    CHECK(write(fd, "new", 3) == 3, "write");
    close(fd);
    close(fd2);
    qmap_temp_discard(tmp2);
    CHECK(access(tmp2, F_OK) != 0, "discarded temporary still there");
    CHECK(qmap_temp_commit(tmp, out) == QMAP_OK, "commit: %s", qmap_error_message());
    CHECK(has(out, "new") && access(tmp, F_OK) != 0, "commit result");

    /* the attack: the temporary is replaced by a symbolic link to the victim while qmap writes */
    fd = qmap_temp_create(out, tmp, sizeof tmp);
    CHECK(fd >= 0, "create");
    close(fd);
    CHECK(unlink(tmp) == 0 && symlink(victim, tmp) == 0, "plant");
    CHECK(qmap_temp_commit(tmp, out) == QMAP_ERR_IO, "swapped temporary committed");
    CHECK(has(out, "new") && has(victim, "secret"), "output or victim changed");
    unlink(tmp);

    /* the output became a symbolic link while qmap worked: the commit refuses to replace it */
    fd = qmap_temp_create(link_out, tmp, sizeof tmp);
    CHECK(fd >= 0, "create");
    close(fd);
    CHECK(qmap_temp_commit(tmp, link_out) == QMAP_ERR_IO, "link replaced");
    struct stat st;
    CHECK(lstat(link_out, &st) == 0 && S_ISLNK(st.st_mode) && has(victim, "secret"), "link or victim changed");
    CHECK(access(tmp, F_OK) != 0, "temporary left after a refused commit");

    /* a planted link under a temporary name is never opened: O_EXCL fails, another name is drawn */
    fd = qmap_temp_create(out, tmp, sizeof tmp);
    CHECK(fd >= 0, "create");
    close(fd);
    qmap_temp_discard(tmp);
    CHECK(access(tmp, F_OK) != 0, "discard left %s", tmp);

    /* many temporaries at once (qmap simulate keeps one per scan file until the end: 150
     * eta scans failed with 64 slots), all committed; then the registry is free again */
    enum { MANY = 300 };
    static char many_tmp[MANY][600], many_out[MANY][600];
    int made = 0;
    for (int i = 0; i < MANY; i++) {
        snprintf(many_out[i], sizeof many_out[i], "%s/scan%04d.h5", dir, i);
        int f = qmap_temp_create(many_out[i], many_tmp[i], sizeof many_tmp[i]);
        if (f >= 0) {
            close(f);
            made++;
        }
    }
    CHECK(made == MANY, "%d of %d temporaries at once: %s", made, MANY, qmap_error_message());
    int committed = 0;
    for (int i = 0; i < made; i++)
        committed += qmap_temp_commit(many_tmp[i], many_out[i]) == QMAP_OK && access(many_out[i], F_OK) == 0;
    CHECK(committed == MANY, "%d of %d committed", committed, MANY);
    for (int i = 0; i < MANY; i++)
        unlink(many_out[i]);

    /* several files committed as one step: all renamed; when the second was swapped for a
     * link, the first is renamed (counted for the caller), the third removed, the victim kept */
    {
        static char t3[3][600], f3[3][600];
        char *tp[3], *fp[3];
        for (int i = 0; i < 3; i++) {
            snprintf(f3[i], sizeof f3[i], "%s/set%d.csv", dir, i);
            fd = qmap_temp_create(f3[i], t3[i], sizeof t3[i]);
            CHECK(fd >= 0, "create %d", i);
            close(fd);
            tp[i] = t3[i];
            fp[i] = f3[i];
        }
        int renamed = -1;
        CHECK(qmap_temp_commit_all(tp, fp, 3, &renamed) == QMAP_OK && renamed == 3, "commit_all: %d", renamed);
        CHECK(access(f3[0], F_OK) == 0 && access(f3[1], F_OK) == 0 && access(f3[2], F_OK) == 0, "all three in place");
        for (int i = 0; i < 3; i++) {
            unlink(f3[i]);
            fd = qmap_temp_create(f3[i], t3[i], sizeof t3[i]);
            close(fd);
        }
        CHECK(unlink(t3[1]) == 0 && symlink(victim, t3[1]) == 0, "plant");
        CHECK(qmap_temp_commit_all(tp, fp, 3, &renamed) == QMAP_ERR_IO && renamed == 1, "commit_all refused: %d",
              renamed);
        CHECK(access(f3[0], F_OK) == 0 && access(f3[1], F_OK) != 0 && access(f3[2], F_OK) != 0 &&
              access(t3[2], F_OK) != 0 && has(victim, "secret"), "after a refused commit_all");
        unlink(t3[1]);
        unlink(f3[0]);
    }

    /* a private folder (qmap report): a file committed into it stays recorded until moved out;
     * removing the folder removes what was not moved out, and leaves a stranger's file */
    {
        char final_dir[600], pdir[700], inside[800], t[900], moved[800];
        snprintf(final_dir, sizeof final_dir, "%s/rep", dir);
        CHECK(qmap_temp_dir_create(final_dir, pdir, sizeof pdir) == QMAP_OK, "dir create: %s", qmap_error_message());
        CHECK(strncmp(pdir, final_dir, strlen(final_dir)) == 0 && strstr(pdir, ".tmp-qmap-") && access(pdir, F_OK) == 0,
              "private folder %s", pdir);
        const char *names[2] = {"a.png", "b.png"};
        for (int i = 0; i < 2; i++) {
            snprintf(inside, sizeof inside, "%s/%s", pdir, names[i]);
            int fdp = qmap_temp_create(inside, t, sizeof t);
            CHECK(fdp >= 0 && write(fdp, "fig", 3) == 3, "create in the folder");
            close(fdp);
            CHECK(qmap_temp_commit(t, inside) == QMAP_OK && has(inside, "fig"), "commit into the folder");
        }
        CHECK(mkdir(final_dir, 0777) == 0, "mkdir");
        snprintf(inside, sizeof inside, "%s/a.png", pdir);
        snprintf(moved, sizeof moved, "%s/a.png", final_dir);
        CHECK(qmap_temp_commit(inside, moved) == QMAP_OK && has(moved, "fig"), "moved out: %s", qmap_error_message());
        qmap_temp_dir_remove(pdir);
        CHECK(access(pdir, F_OK) != 0 && has(moved, "fig"), "folder and its unmoved file removed, the moved one kept");
        /* something else in the folder: it stays, with the folder */
        CHECK(qmap_temp_dir_create(final_dir, pdir, sizeof pdir) == QMAP_OK, "dir create");
        snprintf(inside, sizeof inside, "%s/notes.txt", pdir);
        put(inside, "mine");
        qmap_temp_dir_remove(pdir);
        CHECK(has(inside, "mine"), "a file qmap did not make was removed");
        unlink(inside);
        rmdir(pdir);
        unlink(moved);
        rmdir(final_dir);
        snprintf(moved, sizeof moved, "%s/child-folder.txt", dir);
        /* the signal handler's cleanup (it ends the registry: in a child) removes the files
         * committed into a private folder, then the folder */
        pid_t child = fork();
        if (child == 0) {
            if (qmap_temp_dir_create(final_dir, pdir, sizeof pdir) != QMAP_OK)
                _exit(2);
            snprintf(inside, sizeof inside, "%s/c.png", pdir);
            int fdc = qmap_temp_create(inside, t, sizeof t);
            if (fdc < 0 || write(fdc, "fig", 3) != 3 || close(fdc) != 0 || qmap_temp_commit(t, inside) != QMAP_OK)
                _exit(3);
            fdc = qmap_temp_create(inside, t, sizeof t);   /* a second one in flight */
            if (fdc < 0)
                _exit(4);
            FILE *names_out = fopen(moved, "w");   /* tell the parent where */
            if (!names_out)
                _exit(5);
            fprintf(names_out, "%s\n", pdir);
            fclose(names_out);
            qmap_temp_remove_all();
            _exit(0);
        }
        int status = 0;
        CHECK(child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "child: status %d", status);
        char left[700] = {0};
        FILE *names_in = fopen(moved, "r");
        CHECK(names_in && fgets(left, sizeof left, names_in), "child's folder name");
        if (names_in)
            fclose(names_in);
        left[strcspn(left, "\n")] = '\0';
        CHECK(left[0] && access(left, F_OK) != 0, "remove_all left the private folder %s", left);
        unlink(moved);
    }

    /* stale temporaries of qmap's naming (old "OUT.tmp-PID" and new) are cleaned, others kept */
    char stale1[600], stale2[600], other[600];
    snprintf(stale1, sizeof stale1, "%s.tmp-12345", out);
    snprintf(stale2, sizeof stale2, "%s.tmp-qmap-AbC123", out);
    snprintf(other, sizeof other, "%s.tmp-notes", out);
    put(stale1, "x");
    put(stale2, "x");
    put(other, "x");
    CHECK(qmap_temp_clean_stale(out) == 2, "stale cleaned");
    CHECK(access(stale1, F_OK) != 0 && access(stale2, F_OK) != 0 && access(other, F_OK) == 0, "stale set");

    unlink(other);
    unlink(out);
    unlink(link_out);
    unlink(hard);
    unlink(in);
    unlink(victim);
    rmdir(dir);
    return failures != 0;
}
