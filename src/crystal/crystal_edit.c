/* crystal_edit.c -- add an atom site to a crystal (e.g. Li on the transition-metal layer,
 * occupancy 0, so that a composition-keeping Li/Ni exchange can be refined) and re-expand
 * the full cell.
 */
#include "crystal_internal.h"
#include "qmap/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int qmap_crystal_add_site(qmap_crystal *c, const qmap_atom_site *site)
{
    qmap_atom_site *s = realloc(c->sites, (size_t)(c->n_sites + 1) * sizeof *s);
    if (!s)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory adding site %s to %s", site->label, c->name);
    c->sites = s;
    c->sites[c->n_sites++] = *site;
    return qmap__crystal_expand_sites(c, c->name);
}
