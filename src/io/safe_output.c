/* safe_output.c -- the one output-safety helper of every qmap command that writes
 * (include/qmap/output.h): checks of an output path before any computation, exclusive
 * temporaries with random names beside the output, the final rename that never replaces a
 * symbolic link, the registry a signal handler empties, and --resume's cleaning of stale
 * temporaries. Why: `-o INPUT` once replaced the raw master file, `-o /dev/null` as root
 * turned the device into a regular file, and predictable "OUT.tmp-PID" names followed a
 * planted symbolic link.
 */
#define _GNU_SOURCE
#include "qmap/output.h"
#include "qmap/error.h"
#include "h5util.h"
#include "temp_guard.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TEMP_TAG ".tmp-qmap-"
#define TEMP_RANDOM 6
#define MAX_TEMPS 1024   /* qmap simulate holds one per scan file until the end */
#define TEMP_PATH_MAX 4352

/* ---- checks -------------------------------------------------------------------- */

/* The folder part of path ("." when none) into dir. */
static int folder_of(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return snprintf(dir, size, ".") < (int)size ? 0 : -1;
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    if (n >= size)
        return -1;
    memcpy(dir, path, n);
    dir[n] = '\0';
    return 0;
}

static int check_parent(const char *what, const char *path)
{
    char dir[TEMP_PATH_MAX];
    struct stat st;
    if (folder_of(path, dir, sizeof dir) < 0)
        return qmap_error(QMAP_ERR_VALUE, "%s %s: path too long", what, path);
    if (stat(dir, &st) != 0)
        return qmap_error(QMAP_ERR_VALUE, "%s %s: the folder %s does not exist", what, path, dir);
    if (!S_ISDIR(st.st_mode))
        return qmap_error(QMAP_ERR_VALUE, "%s %s: %s is not a folder", what, path, dir);
    if (access(dir, W_OK | X_OK) != 0)
        return qmap_error(QMAP_ERR_VALUE, "%s %s: the folder %s is not writable", what, path, dir);
    return QMAP_OK;
}

int qmap_output_check(const char *what, const char *output, const char *const *inputs, int n_inputs)
{
    if (!output || !*output)
        return qmap_error(QMAP_ERR_VALUE, "%s: empty output path", what);
    int rc = check_parent(what, output);
    if (rc < 0)
        return rc;
    struct stat out;
    if (lstat(output, &out) != 0)
        return errno == ENOENT ? QMAP_OK
                               : qmap_error(QMAP_ERR_VALUE, "%s %s: %s", what, output, strerror(errno));
    if (S_ISLNK(out.st_mode))
        return qmap_error(QMAP_ERR_VALUE, "%s %s: is a symbolic link; qmap writes only regular files "
                          "(give the link's target)", what, output);
    if (!S_ISREG(out.st_mode))
        return qmap_error(QMAP_ERR_VALUE, "%s %s: exists and is not a regular file; refusing to "
                          "replace it", what, output);
    for (int i = 0; i < n_inputs; i++) {
        struct stat in;
        if (!inputs[i] || stat(inputs[i], &in) != 0)
            continue;
        if (in.st_dev == out.st_dev && in.st_ino == out.st_ino)
            return qmap_error(QMAP_ERR_VALUE, "%s %s: is the input %s; qmap never overwrites an input",
                              what, output, inputs[i]);
    }
    return QMAP_OK;
}

int qmap_output_check_folder(const char *what, const char *dir)
{
    if (!dir || !*dir)
        return qmap_error(QMAP_ERR_VALUE, "%s: empty output folder", what);
    char trimmed[TEMP_PATH_MAX];
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n >= sizeof trimmed)
        return qmap_error(QMAP_ERR_VALUE, "%s %s: path too long", what, dir);
    memcpy(trimmed, dir, n);
    trimmed[n] = '\0';
    struct stat st;
    if (lstat(trimmed, &st) == 0) {
        if (S_ISLNK(st.st_mode))
            return qmap_error(QMAP_ERR_VALUE, "%s %s: is a symbolic link; give its target", what, dir);
        if (!S_ISDIR(st.st_mode))
            return qmap_error(QMAP_ERR_VALUE, "%s %s: exists and is not a folder", what, dir);
        return QMAP_OK;
    }
    return check_parent(what, trimmed);
}

int qmap_path_is_special(const char *path)
{
    struct stat st;
    if (!path || stat(path, &st) != 0)
        return 0;
    return S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode);
}

/* ---- the registry of temporaries in flight --------------------------------------- */

typedef struct {
    dev_t dev;
    ino_t ino;
    char path[TEMP_PATH_MAX];
} temp_entry;

/* The in-use flags apart from the entries: a search (and the signal handler's cleanup)
 * reads one small array, not a page of every entry. */
static volatile sig_atomic_t temp_used[MAX_TEMPS];
static temp_entry temps[MAX_TEMPS];

static temp_entry *find_temp(const char *tmp, int *index)
{
    for (int i = 0; i < MAX_TEMPS; i++)
        if (temp_used[i] && strcmp(temps[i].path, tmp) == 0) {
            if (index)
                *index = i;
            return &temps[i];
        }
    return NULL;
}

static void forget_temp(const char *tmp)
{
    int i;
    if (find_temp(tmp, &i))
        temp_used[i] = 0;
}

/* The window between a temporary's creation on disk and its entry in the registry (and
 * qmap_h5_create_temp's re-creation of it) is guarded, so that a signal never finds a file
 * on disk that the registry does not name (a simulate SIGTERM once left a scan's temporary
 * behind). On the creating thread the signals that end qmap are blocked through the window;
 * a handler running on another thread (OpenMP workers) first closes the registry, then waits
 * for the creations in flight to be recorded. The counters are lock-free atomics, so the
 * handler stays async-signal-safe; sequentially consistent order means either the creator
 * sees the registry closed (and creates nothing) or the handler sees the creation (and waits). */
static atomic_int temps_creating;
static atomic_int temps_closed;
static atomic_int temps_committed;   /* renamed into place, for a handler's last words */

int qmap_temp_committed(void)
{
    return atomic_load(&temps_committed);
}

int qmap__temp_guard_begin(sigset_t *saved)
{
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, saved);
    atomic_fetch_add(&temps_creating, 1);
    if (!atomic_load(&temps_closed))
        return 0;
    atomic_fetch_sub(&temps_creating, 1);
    pthread_sigmask(SIG_SETMASK, saved, NULL);
    /* a handler on another thread is removing the temporaries and ends the process: wait
     * for it rather than return an error that could end the process (exit, not _exit)
     * before the removal is done; 5 s at most */
    for (int waited = 0; waited < 5000; waited++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    return -1;
}

void qmap__temp_guard_end(const sigset_t *saved)
{
    atomic_fetch_sub(&temps_creating, 1);
    pthread_sigmask(SIG_SETMASK, saved, NULL);
}

/* Private folders (qmap report's "DIR.tmp-qmap-XXXXXX"): a file committed into one stays
 * recorded under its new name until it is moved out or discarded, so that a handler that ends
 * the process removes it and then the folder (a second Ctrl-C once left both behind). */
#define MAX_TEMP_DIRS 8
static volatile sig_atomic_t temp_dir_used[MAX_TEMP_DIRS];
static char temp_dirs[MAX_TEMP_DIRS][TEMP_PATH_MAX];

static int temp_dir_index(const char *dir)
{
    for (int i = 0; i < MAX_TEMP_DIRS; i++)
        if (temp_dir_used[i] && strcmp(temp_dirs[i], dir) == 0)
            return i;
    return -1;
}

/* 1 when path lies directly in a recorded private folder */
static int in_temp_dir(const char *path)
{
    char dir[TEMP_PATH_MAX];
    return folder_of(path, dir, sizeof dir) == 0 && temp_dir_index(dir) >= 0;
}

void qmap_temp_remove_all(void)
{
    atomic_store(&temps_closed, 1);
    /* creations on other threads finish recording (microseconds); 2 s at most */
    for (int waited = 0; atomic_load(&temps_creating) > 0 && waited < 2000; waited++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    for (int i = 0; i < MAX_TEMPS; i++)
        if (temp_used[i]) {
            unlink(temps[i].path);
            temp_used[i] = 0;
        }
    for (int i = 0; i < MAX_TEMP_DIRS; i++)   /* emptied above: only qmap's files are in them */
        if (temp_dir_used[i]) {
            rmdir(temp_dirs[i]);
            temp_dir_used[i] = 0;
        }
}

/* ---- temporaries ---------------------------------------------------------------- */

static void random_suffix(char *out)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned char bytes[TEMP_RANDOM];
    if (getrandom(bytes, sizeof bytes, GRND_NONBLOCK) != (ssize_t)sizeof bytes) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec * 6364136223846793005ULL ^ (uint64_t)getpid() << 20 ^ (uint64_t)ts.tv_sec;
        for (int i = 0; i < TEMP_RANDOM; i++, x = x * 6364136223846793005ULL + 1442695040888963407ULL)
            bytes[i] = (unsigned char)(x >> 56);
    }
    for (int i = 0; i < TEMP_RANDOM; i++)
        out[i] = alphabet[bytes[i] % (sizeof alphabet - 1)];
    out[TEMP_RANDOM] = '\0';
}

static int create_recorded(const char *final_path, char *tmp, size_t size, temp_entry *slot, int slot_i);

int qmap_temp_create(const char *final_path, char *tmp, size_t size)
{
    size_t len = strlen(final_path);
    if (len + strlen(TEMP_TAG) + TEMP_RANDOM + 1 > size || len + strlen(TEMP_TAG) + TEMP_RANDOM + 1 > TEMP_PATH_MAX)
        return qmap_error(QMAP_ERR_VALUE, "%s: output path too long", final_path);
    temp_entry *slot = NULL;
    int slot_i = 0;
    for (int i = 0; i < MAX_TEMPS && !slot; i++)
        if (!temp_used[i]) {
            slot = &temps[i];
            slot_i = i;
        }
    if (!slot)
        return qmap_error(QMAP_ERR_INTERNAL, "%s: too many temporary files at once", final_path);
    sigset_t saved;
    if (qmap__temp_guard_begin(&saved) < 0)
        return qmap_error(QMAP_ERR_CANCELLED, "%s: interrupted; no temporary file created", final_path);
    int fd = create_recorded(final_path, tmp, size, slot, slot_i);
    qmap__temp_guard_end(&saved);
    return fd;
}

/* qmap_temp_create's creation and record, inside the guard. */
static int create_recorded(const char *final_path, char *tmp, size_t size, temp_entry *slot, int slot_i)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        char suffix[TEMP_RANDOM + 1];
        random_suffix(suffix);
        snprintf(tmp, size, "%s" TEMP_TAG "%s", final_path, suffix);
        /* O_EXCL: never an existing file, never through a symbolic link (O_NOFOLLOW too) */
        int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0) {
            if (errno == EEXIST)
                continue;
            return qmap_error(QMAP_ERR_IO, "%s: cannot create a temporary file beside it: %s", final_path,
                              strerror(errno));
        }
        struct stat st;
        if (fstat(fd, &st) != 0) {
            close(fd);
            unlink(tmp);
            return qmap_error(QMAP_ERR_IO, "%s: %s", tmp, strerror(errno));
        }
        slot->dev = st.st_dev;
        slot->ino = st.st_ino;
        memcpy(slot->path, tmp, strlen(tmp) + 1);
        temp_used[slot_i] = 1;
        return fd;
    }
    return qmap_error(QMAP_ERR_IO, "%s: cannot find a free temporary name", final_path);
}

int qmap__temp_rebind(const char *tmp)
{
    temp_entry *e = find_temp(tmp, NULL);
    struct stat st;
    if (!e || lstat(tmp, &st) != 0 || !S_ISREG(st.st_mode))
        return -1;
    e->dev = st.st_dev;
    e->ino = st.st_ino;
    return 0;
}

void qmap_temp_discard(const char *tmp)
{
    temp_entry *e = find_temp(tmp, NULL);
    struct stat st;
    /* remove only the file qmap created, not something swapped in under its name */
    if (!e || (lstat(tmp, &st) == 0 && S_ISREG(st.st_mode) && st.st_dev == e->dev && st.st_ino == e->ino))
        unlink(tmp);
    forget_temp(tmp);
}

static int commit_recorded(const char *tmp, const char *final_path);

int qmap_temp_commit(const char *tmp, const char *final_path)
{
    sigset_t saved;
    if (qmap__temp_guard_begin(&saved) < 0)
        return qmap_error(QMAP_ERR_CANCELLED, "%s: interrupted; nothing was written", final_path);
    int rc = commit_recorded(tmp, final_path);   /* the rename and the record's end, as one */
    qmap__temp_guard_end(&saved);
    return rc;
}

static int commit_recorded(const char *tmp, const char *final_path)
{
    temp_entry *e = find_temp(tmp, NULL);
    struct stat st;
    if (lstat(tmp, &st) != 0 || !S_ISREG(st.st_mode) || (e && (st.st_dev != e->dev || st.st_ino != e->ino))) {
        forget_temp(tmp);
        return qmap_error(QMAP_ERR_IO, "%s: the temporary file %s was replaced or removed while qmap wrote it; "
                          "nothing was written", final_path, tmp);
    }
    if (lstat(final_path, &st) == 0 && (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode))) {
        qmap_temp_discard(tmp);
        return qmap_error(QMAP_ERR_IO, "%s: became a %s while qmap worked; refusing to replace it, nothing "
                          "was written", final_path, S_ISLNK(st.st_mode) ? "symbolic link" : "non-regular file");
    }
    if (rename(tmp, final_path) != 0) {
        int err = errno;
        qmap_temp_discard(tmp);
        return qmap_error(QMAP_ERR_IO, "%s: cannot rename the finished file into place: %s", final_path,
                          strerror(err));
    }
    if (e && in_temp_dir(final_path)) {   /* not in place yet: stays recorded, by its new name */
        forget_temp(final_path);           /* an earlier file of that name, just replaced */
        memcpy(e->path, final_path, strlen(final_path) + 1);
        return QMAP_OK;
    }
    forget_temp(tmp);
    atomic_fetch_add(&temps_committed, 1);
    return QMAP_OK;
}

int qmap_temp_commit_all(char *const *tmp, char *const *final_path, int n, int *n_renamed)
{
    sigset_t saved;
    int done = 0, rc = QMAP_OK;
    if (n_renamed)
        *n_renamed = 0;
    if (qmap__temp_guard_begin(&saved) < 0)   /* a handler is removing them all */
        return qmap_error(QMAP_ERR_CANCELLED, "%s: interrupted; nothing was written", n > 0 ? final_path[0] : "");
    for (; done < n; done++)
        if (tmp[done] && (rc = commit_recorded(tmp[done], final_path[done])) < 0)
            break;   /* commit_recorded removed or forgot the failed one */
    for (int k = done + 1; rc < 0 && k < n; k++)
        if (tmp[k])
            qmap_temp_discard(tmp[k]);
    qmap__temp_guard_end(&saved);
    if (n_renamed)
        *n_renamed = done;
    return rc;
}

/* ---- private folders ------------------------------------------------------------- */

int qmap_temp_dir_create(const char *final_dir, char *tmpdir, size_t size)
{
    size_t len = strlen(final_dir);
    if (len + strlen(TEMP_TAG) + TEMP_RANDOM + 1 > size || len + strlen(TEMP_TAG) + TEMP_RANDOM + 1 > TEMP_PATH_MAX)
        return qmap_error(QMAP_ERR_VALUE, "%s: output path too long", final_dir);
    int slot = -1;
    for (int i = 0; i < MAX_TEMP_DIRS && slot < 0; i++)
        if (!temp_dir_used[i])
            slot = i;
    if (slot < 0)
        return qmap_error(QMAP_ERR_INTERNAL, "%s: too many temporary folders at once", final_dir);
    sigset_t saved;
    if (qmap__temp_guard_begin(&saved) < 0)
        return qmap_error(QMAP_ERR_CANCELLED, "%s: interrupted; no temporary folder created", final_dir);
    /* mkdtemp: a new folder with a random name, mode 0700: nothing planted in it can be followed */
    snprintf(tmpdir, size, "%s" TEMP_TAG "XXXXXX", final_dir);
    int rc = QMAP_OK;
    if (mkdtemp(tmpdir)) {
        memcpy(temp_dirs[slot], tmpdir, strlen(tmpdir) + 1);
        temp_dir_used[slot] = 1;
    } else {
        rc = qmap_error(QMAP_ERR_IO, "cannot create %s: %s", tmpdir, strerror(errno));
    }
    qmap__temp_guard_end(&saved);
    return rc;
}

void qmap_temp_dir_remove(const char *tmpdir)
{
    char dir[TEMP_PATH_MAX], path[TEMP_PATH_MAX];
    for (int i = 0; i < MAX_TEMPS; i++)   /* its files still recorded: committed in, not moved out */
        if (temp_used[i] && folder_of(temps[i].path, dir, sizeof dir) == 0 && strcmp(dir, tmpdir) == 0) {
            memcpy(path, temps[i].path, strlen(temps[i].path) + 1);   /* discard forgets the entry */
            qmap_temp_discard(path);
        }
    rmdir(tmpdir);   /* fails, and leaves it, when it holds anything qmap did not make */
    int i = temp_dir_index(tmpdir);
    if (i >= 0)
        temp_dir_used[i] = 0;
}

/* 1 when name (in the output's folder) is "<base>.tmp-<digits>" or "<base>.tmp-qmap-XXXXXX". */
static int is_stale_name(const char *name, const char *base)
{
    size_t n = strlen(base);
    if (strncmp(name, base, n) != 0)
        return 0;
    const char *rest = name + n;
    if (strncmp(rest, TEMP_TAG, strlen(TEMP_TAG)) == 0)
        return strlen(rest + strlen(TEMP_TAG)) == TEMP_RANDOM;
    if (strncmp(rest, ".tmp-", 5) != 0 || !rest[5])
        return 0;
    for (const char *c = rest + 5; *c; c++)
        if (*c < '0' || *c > '9')
            return 0;
    return 1;
}

int qmap_temp_clean_stale(const char *final_path)
{
    char dir[TEMP_PATH_MAX];
    if (folder_of(final_path, dir, sizeof dir) < 0)
        return 0;
    const char *slash = strrchr(final_path, '/');
    const char *base = slash ? slash + 1 : final_path;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int removed = 0;
    for (struct dirent *de; (de = readdir(d));) {
        if (!is_stale_name(de->d_name, base))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
            st.st_uid == geteuid() && unlinkat(dirfd(d), de->d_name, 0) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}
