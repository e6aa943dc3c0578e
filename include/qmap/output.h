/* output.h -- output safety shared by every qmap command that writes a file.
 *
 * qmap never destroys data: an output is refused when it is the same file (inode) as an
 * input, when it exists and is not a regular file (a device, a FIFO, a folder, a symbolic
 * link), or when its folder does not exist; this is checked before any computation.
 * Outputs are written to a temporary file created exclusively (O_EXCL, never through a
 * symbolic link, random name "<output>.tmp-qmap-XXXXXX") in the output's folder and renamed
 * onto the output when complete; the rename refuses to replace a symbolic link. The
 * temporaries in flight are recorded so that a signal handler can remove them.
 */
#ifndef QMAP_OUTPUT_H
#define QMAP_OUTPUT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* QMAP_OK when `output` may be written: its folder exists and is a folder, it does not
 * exist or is a regular file that is not a symbolic link, and it is not the same file as
 * any of the n_inputs paths of `inputs` (NULL entries and inputs that do not exist are
 * ignored). Otherwise QMAP_ERR_VALUE with a one-line message naming `what` (e.g. "-o"). */
int qmap_output_check(const char *what, const char *output, const char *const *inputs, int n_inputs);

/* QMAP_OK when output does not exist, is empty, or is an HDF5 file qmap wrote (root
 * attribute "creator" = "qmap ..."); else QMAP_ERR_VALUE: qmap replaces only its own files. */
int qmap_output_check_ours(const char *what, const char *output);

/* Same for an output folder (report, simulate): it may exist as a folder (not a link) or not
 * exist, with an existing parent folder. */
int qmap_output_check_folder(const char *what, const char *dir);

/* Create the temporary file of `final_path` exclusively (mode 0666 less the umask), write
 * its name into tmp (size bytes) and record it for qmap_temp_remove_all. Returns an open
 * file descriptor (>= 0; the caller closes it) or a negative qmap_status. */
int qmap_temp_create(const char *final_path, char *tmp, size_t size);

/* Rename the finished temporary onto final_path and forget it. Refused (the temporary is
 * removed) when tmp is no longer the file qmap_temp_create made or final_path is a symbolic
 * link or not a regular file. */
int qmap_temp_commit(const char *tmp, const char *final_path);

/* Commit n temporaries (NULL entries skipped) as one step that no ending signal splits:
 * SIGINT/SIGTERM wait for the last rename, so an interrupted command leaves all of its
 * files or none. On a failure the temporaries not yet renamed are removed; *n_renamed
 * (may be NULL) says how many were renamed, for the caller to remove if it must. */
int qmap_temp_commit_all(char *const *tmp, char *const *final_path, int n, int *n_renamed);

/* Remove the temporary and forget it (any exit path that does not commit). */
void qmap_temp_discard(const char *tmp);

/* Remove every temporary still recorded, for a signal handler that ends the process:
 * async-signal-safe (atomics, nanosleep, unlink). A temporary being created on another
 * thread is waited for (2 s at most) and removed too; after the call no temporary can be
 * created (qmap_temp_create returns QMAP_ERR_CANCELLED). */
void qmap_temp_remove_all(void);

/* Create a private folder "<final_dir>.tmp-qmap-XXXXXX" (mkdtemp, mode 0700) for outputs
 * that are moved into final_dir together, its name into tmpdir (size bytes), and record it:
 * a file committed into it (qmap_temp_commit with a final path in it) stays recorded until
 * it is committed out of it or discarded, and qmap_temp_remove_all removes such files and
 * then the folder. Returns QMAP_OK or a negative qmap_status. */
int qmap_temp_dir_create(const char *final_dir, char *tmpdir, size_t size);

/* Remove the files qmap committed into the private folder and not moved out, then the
 * folder (left when it holds anything else), and forget it. */
void qmap_temp_dir_remove(const char *tmpdir);

/* How many temporaries this process has renamed into place: a signal handler that ends the
 * process (qmap_temp_remove_all) tells "nothing was written" from "written, then
 * interrupted" (a signal that lands during the final renames waits for them).
 * Async-signal-safe. */
int qmap_temp_committed(void);

/* Remove stale temporaries that an interrupted or killed qmap left beside final_path:
 * regular files named "<final>.tmp-<digits>" or "<final>.tmp-qmap-XXXXXX" owned by the
 * caller. Returns the number removed (>= 0). */
int qmap_temp_clean_stale(const char *final_path);

/* 1 when path names a FIFO, a device or a socket (opening it could block or read
 * without end), else 0. */
int qmap_path_is_special(const char *path);

#ifdef __cplusplus
}
#endif
#endif
