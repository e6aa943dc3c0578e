/* bench_h5read.c -- baseline for the benchmark: a plain H5Dread loop over every frame.
 *
 * Reads measurement/<det> of every map scan of a BLISS dataset frame by frame through
 * HDF5's own filter pipeline (bitshuffle plugin for LZ4), as a straightforward reader
 * would, and prints frames, seconds and frames per second. Usage: bench_h5read FILE [DET]
 */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

typedef struct { const char *det; long frames; double checksum; int *buf; size_t cap; } ctx;

static herr_t visit(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    ctx *c = data;
    char path[512];
    snprintf(path, sizeof path, "%s/measurement/%s", name, c->det);
    size_t n = strlen(name);
    if (n < 2 || strcmp(name + n - 2, ".1") != 0 || H5Lexists(g, name, H5P_DEFAULT) <= 0)
        return 0;
    H5E_BEGIN_TRY { if (H5Lexists(g, path, H5P_DEFAULT) <= 0) return 0; } H5E_END_TRY;
    hid_t d = H5Dopen2(g, path, H5P_DEFAULT);
    if (d < 0)
        return 0;
    hid_t s = H5Dget_space(d);
    hsize_t dims[3];
    if (H5Sget_simple_extent_ndims(s) != 3) {
        H5Sclose(s);
        H5Dclose(d);
        return 0;
    }
    H5Sget_simple_extent_dims(s, dims, NULL);
    size_t fl = dims[1] * dims[2];
    if (fl > c->cap) {
        c->buf = realloc(c->buf, fl * sizeof(int));
        c->cap = fl;
    }
    hsize_t cnt[3] = {1, dims[1], dims[2]};
    hid_t m = H5Screate_simple(3, cnt, NULL);
    for (hsize_t f = 0; f < dims[0]; f++) {
        hsize_t start[3] = {f, 0, 0};
        H5Sselect_hyperslab(s, H5S_SELECT_SET, start, NULL, cnt, NULL);
        if (H5Dread(d, H5T_NATIVE_INT, m, s, H5P_DEFAULT, c->buf) < 0)
            break;
        c->checksum += c->buf[fl / 2];
        c->frames++;
    }
    H5Sclose(m);
    H5Sclose(s);
    H5Dclose(d);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_h5read FILE.h5 [DETECTOR]\n");
        return 2;
    }
    ctx c = {argc > 2 ? argv[2] : "mpx1x4", 0, 0, NULL, 0};
    double t0 = now();
    hid_t f = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return 1;
    H5Literate(f, H5_INDEX_NAME, H5_ITER_INC, NULL, visit, &c);
    H5Fclose(f);
    double t = now() - t0;
    printf("h5read frames %ld seconds %.3f fps %.1f (checksum %g)\n", c.frames, t, c.frames / t, c.checksum);
    free(c.buf);
    return 0;
}
