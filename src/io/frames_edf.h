/* frames_edf.h -- detector frames of a SPEC-era scan, read from its EDF(.gz) files.
 * Private, not installed; qmap_frame_reader_* dispatch here when the input is a SPEC file.
 *
 * Where the frames are (per scan, first match wins):
 *   "#C imageFile dir[D] prefix[P] idxFmt[%05d] nextNr[N] suffix[.edf.gz]" (ID01 fast SPEC)
 *   "#ULIMA_<det> D/P<digits>S" (scan line, else the file header): first index = digits.
 * A relative D is relative to the SPEC file's folder; when D does not exist (data copied
 * from /data/id01/...), <spec folder>/<last component of D> and the SPEC folder itself are
 * tried. File D/P<fmt(N)>S holding several frames is the scan's multi-frame file (point k
 * = frame k); holding one frame, point k is file D/P<fmt(N+k)>S.
 */
#ifndef QMAP_FRAMES_EDF_H
#define QMAP_FRAMES_EDF_H

#include "qmap/spec.h"

#define QMAP_EDF_PATH_MAX 4096

/* The image files of one scan. */
typedef struct {
    char detector[64];               /* "mpx4" from #ULIMA_mpx4, or "" */
    char dir[QMAP_EDF_PATH_MAX];     /* resolved folder */
    char prefix[256], fmt[16], suffix[64];
    long first;                      /* index of the first image file */
} qmap_spec_images;

/* Locate the image files of scan s of SPEC file spec_path (see above). detector NULL:
 * any #ULIMA_<det>. Errors name the file and scan. */
int qmap_spec_images_find(const char *spec_path, const qmap_spec_scan *s, const char *detector,
                          qmap_spec_images *img);
/* Path of image file number `index` into out. */
int qmap_spec_images_path(const qmap_spec_images *img, long index, char *out, size_t size);

/* 1 when the file starts (after blank lines) with a "#F" or "#S" or other "#X" SPEC line
 * and is not HDF5; 0 otherwise (missing files too). */
int qmap_is_spec_file(const char *path);

typedef struct qmap_edf_frames qmap_edf_frames;

/* Frames of scan `scan` ("N" or "N.k") of a SPEC file: one per data line of the scan. */
int qmap_edf_frames_open(const char *spec_path, const char *scan, const char *detector,
                         qmap_edf_frames **out);
void qmap_edf_frames_close(qmap_edf_frames *r);
/* A second reader of the same frames with its own file position (no SPEC parsing), so
 * that several threads can read at once, one reader each. */
int qmap_edf_frames_clone(const qmap_edf_frames *r, qmap_edf_frames **out);
int qmap_edf_frames_n_frames(const qmap_edf_frames *r);
void qmap_edf_frames_shape(const qmap_edf_frames *r, int *rows, int *cols);
/* Frames [first, first+count), rows [row0, row1), as float (count*(row1-row0)*cols).
 * A missing EDF file is QMAP_ERR_IO naming it; a frame of another shape QMAP_ERR_FORMAT. */
int qmap_edf_frames_read(qmap_edf_frames *r, int first, int count, int row0, int row1,
                         float *out);

#endif
