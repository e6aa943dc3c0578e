/* mpi_reduce.c -- the MPI side of qmap_process: which scans this rank processes, and the
 * sums over ranks of the passes' accumulators (see include/qmap/mpi.h).
 *
 * Why this split: scans are independent (one frame per map position each), so ranks take
 * contiguous blocks of scans, and every accumulator of the pipeline is a plain sum over
 * scans: an in-place MPI_Allreduce(SUM) gives every rank the same totals. With more ranks
 * than scans (issue 18) the ranks take blocks of map positions of every scan instead (the
 * sums are over frames just as well); what needs a whole scan at once (its off-Bragg map,
 * the measured positions of its sub-pixel drift application) is reduced scan by scan. A rank that
 * owns no part of a sum contributes exact zeros, so per-scan quantities are bit-identical
 * to a single-process run; sums over scans differ only by the order of additions.
 * Without MPI (or not started by mpirun) everything here is a no-op on one rank.
 */
#include "pipeline.h"
#include "qmap/error.h"
#include "qmap/mpi.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef QMAP_HAVE_MPI
#include <mpi.h>
#endif

static int we_initialised;

static int mpi_active(void)
{
#ifdef QMAP_HAVE_MPI
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    return init && !fin;
#else
    return 0;
#endif
}

int qmap_mpi_start(int *argc, char ***argv)
{
#ifdef QMAP_HAVE_MPI
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE"))
        return 1;
    if (!mpi_active()) {
        int provided = 0;
        if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
            return qmap_error(QMAP_ERR_INTERNAL, "MPI_Init failed");
        we_initialised = 1;
    }
    return qmap_mpi_size();
#else
    (void)argc;
    (void)argv;
    if (getenv("OMPI_COMM_WORLD_SIZE") && atoi(getenv("OMPI_COMM_WORLD_SIZE")) > 1)
        return qmap_error(QMAP_ERR_VALUE, "started by mpirun with %s ranks, but this qmap was "
                          "built without MPI", getenv("OMPI_COMM_WORLD_SIZE"));
    return 1;
#endif
}

int qmap_mpi_rank(void)
{
    int r = 0;
#ifdef QMAP_HAVE_MPI
    if (mpi_active()) MPI_Comm_rank(MPI_COMM_WORLD, &r);
#endif
    return r;
}

int qmap_mpi_size(void)
{
    int n = 1;
#ifdef QMAP_HAVE_MPI
    if (mpi_active()) MPI_Comm_size(MPI_COMM_WORLD, &n);
#endif
    return n;
}

void qmap_mpi_finish(void)
{
#ifdef QMAP_HAVE_MPI
    if (we_initialised && mpi_active()) MPI_Finalize();
    we_initialised = 0;
#endif
}

void qmap_mpi_scan_range(int n_scans, int *lo, int *hi)
{
    int size = qmap_mpi_size(), rank = qmap_mpi_rank();
    *lo = (int)((long)n_scans * rank / size);
    *hi = (int)((long)n_scans * (rank + 1) / size);
}

int qmap_mpi_split_positions(int n_scans)
{
    return qmap_mpi_size() > n_scans;
}

void qmap_mpi_work(int n_scans, int n_pos, int *s_lo, int *s_hi, int *p_lo, int *p_hi)
{
    if (!qmap_mpi_split_positions(n_scans)) {
        qmap_mpi_scan_range(n_scans, s_lo, s_hi);
        *p_lo = 0;
        *p_hi = n_pos;
        return;
    }
    int size = qmap_mpi_size(), rank = qmap_mpi_rank();
    *s_lo = 0;
    *s_hi = n_scans;
    *p_lo = (int)((long)n_pos * rank / size);
    *p_hi = (int)((long)n_pos * (rank + 1) / size);
}

#ifdef QMAP_HAVE_MPI
static int allreduce(void *v, size_t n, size_t elem, MPI_Datatype type)
{
    if (qmap_mpi_size() == 1) return QMAP_OK;
    for (size_t done = 0; done < n;) {
        size_t k = n - done > (size_t)INT_MAX / 2 ? (size_t)INT_MAX / 2 : n - done;
        if (MPI_Allreduce(MPI_IN_PLACE, (char *)v + done * elem, (int)k, type, MPI_SUM,
                          MPI_COMM_WORLD) != MPI_SUCCESS)
            return qmap_error(QMAP_ERR_INTERNAL, "MPI_Allreduce of %zu values failed", n);
        done += k;
    }
    return QMAP_OK;
}
#endif

int qmap_mpi_sum_doubles(double *v, size_t n)
{
#ifdef QMAP_HAVE_MPI
    return allreduce(v, n, sizeof *v, MPI_DOUBLE);
#else
    (void)v, (void)n;
    return QMAP_OK;
#endif
}

int qmap_mpi_sum_floats(float *v, size_t n)
{
#ifdef QMAP_HAVE_MPI
    return allreduce(v, n, sizeof *v, MPI_FLOAT);
#else
    (void)v, (void)n;
    return QMAP_OK;
#endif
}

int qmap_mpi_sum_ints(int *v, size_t n)
{
#ifdef QMAP_HAVE_MPI
    return allreduce(v, n, sizeof *v, MPI_INT);
#else
    (void)v, (void)n;
    return QMAP_OK;
#endif
}

int qmap_mpi_agree(int rc)
{
#ifdef QMAP_HAVE_MPI
    int size = qmap_mpi_size();
    if (size == 1) return rc;
    int mine = rc < 0 ? qmap_mpi_rank() : size, first = size;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == size) return QMAP_OK;
    struct { int code; char msg[1024]; } e = {rc, ""};
    if (first == qmap_mpi_rank()) snprintf(e.msg, sizeof e.msg, "%s", qmap_error_message());
    MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first, MPI_COMM_WORLD);
    return qmap_error(e.code, "%s", e.msg);
#else
    return rc;
#endif
}
