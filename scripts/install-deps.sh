#!/usr/bin/env bash
# Install qmap's build and test dependencies from Debian 12 (idempotent; needs root or sudo).
set -euo pipefail
PKGS="build-essential cmake pkg-config libhdf5-dev hdf5-tools hdf5-filter-plugin bitshuffle
      libfftw3-dev liblz4-dev zlib1g-dev libgsl-dev libpng-dev libcairo2-dev libpango1.0-dev
      libtiff-dev libxml2-dev libmicrohttpd-dev libopenmpi-dev openmpi-bin chromium nodejs fonts-dejavu-core
      python3-xrayutilities python3-h5py python3-numpy python3-scipy python3-pil python3-silx time clang libclang-rt-14-dev valgrind strace"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "installing:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
