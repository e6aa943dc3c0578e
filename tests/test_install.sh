#!/usr/bin/env bash
# test_install.sh -- `cmake --install` into a temporary prefix gives a usable library:
# libqmap.so + libqmap.a, headers, the qmap tool, qmap.pc and the Python package; a small
# C program compiles and links with `pkg-config --cflags --libs qmap` (shared, and static
# with --static), and `import qmap` loads the installed libqmap.so by itself (no
# QMAP_LIBRARY, run from outside the checkout) and processes a dataset.
set -eu
PY=${PYTHON:-/usr/bin/python3}
BUILD=$(dirname "${QMAP_BIN:?}")
T=${QMAP_TEST_TMP:-/tmp}/install
rm -rf "$T" && mkdir -p "$T"
P="$T/prefix"
cmake --install "$BUILD" --prefix "$P" >/dev/null
LIBDIR=$(dirname "$(find "$P" -name qmap.pc)")/..
for f in bin/qmap include/qmap/process.h include/qmap/params.h; do
    [ -e "$P/$f" ] || { echo "missing after install: $f"; exit 1; }
done
[ -e "$LIBDIR/libqmap.a" ] && [ -e "$LIBDIR/libqmap.so" ] || { echo "libqmap.a/.so not installed in $LIBDIR"; exit 1; }
"$P/bin/qmap" --version | grep -q '^qmap '
# a sanitizer build needs the same flags for the program and the ASan runtime in python3
SAN=""
ASAN_LIB=$(ldd "$LIBDIR/libqmap.so" 2>/dev/null | awk '/libasan/ {print $3}')
if [ -n "$ASAN_LIB" ]; then
    SAN="-fsanitize=address,undefined"
fi
cat >"$T/prog.c" <<'CEOF'
#include <qmap/params.h>
#include <qmap/results.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    qmap_params p = {0};
    if (qmap_params_set(&p, "bins", "8,9,10") != 0 || strcmp(qmap_params_get(&p, "bins"), "8,9,10") != 0)
        return 1;
    qmap_params_clear(&p);
    printf("%s %s\n", qmap_map_name(QMAP_MAP_STRAIN), qmap_map_unit(QMAP_MAP_D));
    return 0;
}
CEOF
export PKG_CONFIG_PATH="$LIBDIR/pkgconfig"
pkg-config --exists qmap || { echo "pkg-config does not find qmap.pc"; exit 1; }
[ "$(pkg-config --modversion qmap)" = "$("$P/bin/qmap" --version | awk '{print $2}')" ]
# shared
cc $SAN -o "$T/prog" "$T/prog.c" $(pkg-config --cflags --libs qmap) -Wl,-rpath,"$(pkg-config --variable=libdir qmap)"
out=$("$T/prog")
[ "$out" = "strain angstrom" ] || { echo "program printed '$out'"; exit 1; }
linked=$(readlink -f "$(ldd "$T/prog" | awk '/libqmap/ {print $3}')")
case "$linked" in "$(readlink -f "$LIBDIR")"/libqmap.so*) ;; *) echo "linked to '$linked', not the installed libqmap.so"; exit 1;; esac
# static
cc $SAN -o "$T/prog_static" "$T/prog.c" "$LIBDIR/libqmap.a" $(pkg-config --cflags --libs --static qmap | sed 's/-lqmap//')
[ "$("$T/prog_static")" = "strain angstrom" ]
# Python: no QMAP_LIBRARY, not run from the checkout; only the package folder on the path
"${QMAP_BIN}" simulate -o "$T/data" --size 12,10 --eta 7 --seed 5 >/dev/null
PYDIR=$(dirname "$(find "$P" -path '*/qmap/__init__.py')")/..
cd "$T"
if [ -n "$ASAN_LIB" ]; then export LD_PRELOAD="$ASAN_LIB" ASAN_OPTIONS=detect_leaks=0; fi
env -u QMAP_LIBRARY PYTHONPATH="$PYDIR" "$PY" - "$T" "$(cd "$LIBDIR" && pwd)" <<'PYEOF'
import os, sys
import qmap
T, libdir = sys.argv[1], sys.argv[2]
assert os.path.dirname(os.path.abspath(qmap.__file__)).startswith(T), qmap.__file__
r = qmap.process(f"{T}/data/sample_0001.h5", shift="none", bins=[8, 9, 10])
lib = os.path.realpath(qmap._lib._name)
assert lib.startswith(os.path.realpath(libdir)), ("not the installed library", lib)
assert r.maps["strain"].shape == (10, 12)
print("python ok:", lib)
PYEOF
echo "install ok"
