/* mpi.h -- optional MPI for `mpirun -n N qmap process ...`.
 *
 * The same binary runs with and without mpirun: MPI is initialised only when the process
 * was started by an MPI launcher (OpenMPI's OMPI_COMM_WORLD_SIZE, or PMI_SIZE, in the
 * environment) and qmap was built with MPI. qmap_process then splits the scans over the
 * ranks and reduces the sums, so every rank ends with the same results; only rank 0
 * should write files and print.
 */
#ifndef QMAP_MPI_H
#define QMAP_MPI_H

#ifdef __cplusplus
extern "C" {
#endif

/* Initialise MPI when started by mpirun; returns the number of ranks (1 without MPI),
 * or a negative status. */
int qmap_mpi_start(int *argc, char ***argv);
/* This process's rank (0 without MPI) and the number of ranks (1 without MPI). */
int qmap_mpi_rank(void);
int qmap_mpi_size(void);
/* Finalise MPI if qmap_mpi_start initialised it. */
void qmap_mpi_finish(void);

#ifdef __cplusplus
}
#endif
#endif
