/* crystal_internal.h -- helpers shared by crystal.c (reading) and crystal_edit.c (adding
 * sites for refinement constraints). */
#ifndef QMAP_CRYSTAL_INTERNAL_H
#define QMAP_CRYSTAL_INTERNAL_H

#include "qmap/crystal.h"

/* (Re)build c->atoms from c->sites and c->symops, setting each site's multiplicity.
 * 0 or QMAP_ERR_NOMEM naming src. */
int qmap__crystal_expand_sites(qmap_crystal *c, const char *src);

#endif
