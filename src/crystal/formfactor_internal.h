/* formfactor_internal.h -- the Cromer-Mann coefficient table shared by formfactor*.c. */
#ifndef QMAP_FORMFACTOR_INTERNAL_H
#define QMAP_FORMFACTOR_INTERNAL_H

typedef struct {
    const char *name;   /* "Ni", "Ni3+", "O2-" */
    int z;
    double a[4], c, b[4];
} qmap_ff_entry;

extern const qmap_ff_entry qmap_ff_table[];
extern const int qmap_ff_table_size;

#endif
