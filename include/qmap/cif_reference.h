/* cif_reference.h -- a CIF as the reference of a run (`qmap process --cif`): the strain
 * reference d_ref = d(hkl) before processing, and after it the angular offsets of the
 * measured mean Q from the CIF reflection, recorded in the results. Library functions, so
 * the CLI and the Python binding do the same thing.
 */
#ifndef QMAP_CIF_REFERENCE_H
#define QMAP_CIF_REFERENCE_H

#include "qmap/crystal.h"
#include "qmap/results.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Read the CIF at `cif` and give d(hkl) (Angstrom) in *d_ref, the strain reference.
 * *crystal = new (free with qmap_crystal_free). Returns QMAP_OK, or QMAP_ERR_FORMAT with
 * qmap_crystal_read's message (naming the file and the line). */
int qmap_cif_reference_d(const char *cif, const int hkl[3], qmap_crystal **crystal, double *d_ref);

/* After processing: the theoretical (CIF) against the measured angles of reflection hkl,
 * for the sample orientation ip (in-plane) / oop (out-of-plane) at r->energy_ev, from
 * r->mean_q. Records the parameters `cif` and `cif_angle_offsets_deg` in r. Returns
 * QMAP_OK with *off filled, or QMAP_ERR_VALUE when the reflection or the measured Q is out
 * of reach (then `cif_angle_offsets_deg` says "not computed: <why>" and the message says
 * why: it is a note, not a failure of the run), or QMAP_ERR_NOMEM. */
int qmap_cif_angle_offsets(qmap_results *r, const qmap_crystal *c, const char *cif, const int hkl[3],
                           const int ip[3], const int oop[3], qmap_reflection_offsets *off);

#ifdef __cplusplus
}
#endif
#endif
