/* cif_reference.c -- a CIF as the reference of a processing run (qmap/cif_reference.h):
 * d_ref = d(hkl) of the crystal before, the angle offsets of the measured mean Q from the
 * CIF reflection after, recorded in the results parameters. The CLI (`qmap process --cif`)
 * only prints what these return, so the Python binding can do the same.
 */
#include "qmap/cif_reference.h"
#include "qmap/error.h"


int qmap_cif_reference_d(const char *cif, const int hkl[3], qmap_crystal **crystal, double *d_ref)
{
    *crystal = qmap_crystal_read(cif);
    if (!*crystal)
        return QMAP_ERR_FORMAT;   /* qmap_crystal_read's message names the file and line */
    double h[3] = {hkl[0], hkl[1], hkl[2]};
    *d_ref = qmap_crystal_d(*crystal, h);
    return QMAP_OK;
}

int qmap_cif_angle_offsets(qmap_results *r, const qmap_crystal *c, const char *cif, const int hkl[3],
                           const int ip[3], const int oop[3], qmap_reflection_offsets *off)
{
    double h[3] = {hkl[0], hkl[1], hkl[2]}, ipd[3] = {ip[0], ip[1], ip[2]};
    double oopd[3] = {oop[0], oop[1], oop[2]};
    int rc = qmap_results_param(r, "cif", "%s (block %s, %s), hkl %d,%d,%d, ip-dir %d,%d,%d, oop-dir %d,%d,%d",
                                cif, c->name, c->hm_symbol, hkl[0], hkl[1], hkl[2], ip[0], ip[1], ip[2],
                                oop[0], oop[1], oop[2]);
    if (rc < 0)
        return rc;
    rc = qmap_reflection_offsets_compute(c, h, ipd, oopd, r->energy_ev, r->mean_q, off);
    if (rc < 0) {
        int st = qmap_results_param(r, "cif_angle_offsets_deg", "not computed: %s", qmap_error_message());
        return st < 0 ? st : rc;   /* the message still says why the offsets are missing */
    }
    return qmap_results_param(r, "cif_angle_offsets_deg",
                              "eta=%.6f,phi=%.6f,nu=0,delta=%.6f (measured mean Q minus CIF %d,%d,%d%s)",
                              off->offset.eta, off->offset.phi, off->offset.delta, hkl[0], hkl[1], hkl[2],
                              off->phi_free ? "; phi: azimuth of the tilt, the reflection is on the phi axis" : "");
}
