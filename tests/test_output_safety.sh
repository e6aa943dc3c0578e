#!/usr/bin/env bash
# test_output_safety.sh -- qmap never destroys data and never lies (issue 16), from the
# command line: an output that is an input (master, LIMA file behind the VDS), a device, a
# symbolic link or in a missing folder is refused before any computation with a one-line
# error; the symbolic-link case runs as an unprivileged user (nobody) when this test runs as
# root; a full disk (ulimit -f) ends with the one-line error and exit 1, never a signal; a FIFO
# as input is refused instead of hanging; VDS sources: "%b" names expanded and a missing one
# named, self-referencing and cyclic VDS refused; --resume removes stale temporaries; every
# exit status < 128 except the signal ones.
set -u
QMAP=${QMAP_BIN:?}
PY=${PYTHON:-/usr/bin/python3}
T=${QMAP_TEST_TMP:-/tmp}/output-safety
rm -rf "$T" && mkdir -p "$T"
fail=0
"$QMAP" simulate -o "$T/sim" --size 10,8 --eta 5 --seed 3 >/dev/null || { echo "simulate failed"; exit 1; }
IN="$T/sim/sample_0001.h5"
LIMA="$T/sim/scan0002/mpx1x4_0000.h5"
sum() { md5sum "$@" | cut -d' ' -f1 | tr '\n' ' '; }
before=$(sum "$IN" "$LIMA")

# refuse NAME WORDS -- qmap arguments: exit 1..127, one stderr line with WORDS, no processing
refuse() {
    local name=$1 words=$2; shift 3
    timeout 60 "$@" >"$T/$name.stdout" 2>"$T/$name.stderr"
    local rc=$? ok=1
    { [ $rc -ge 1 ] && [ $rc -lt 128 ]; } || { echo "FAIL $name: exit $rc"; ok=0; }
    grep -qi -- "$words" "$T/$name.stderr" || { echo "FAIL $name: stderr lacks '$words':"; cat "$T/$name.stderr"; ok=0; }
    [ "$(grep -c . "$T/$name.stderr")" -eq 1 ] || { echo "FAIL $name: stderr not one line"; cat "$T/$name.stderr"; ok=0; }
    [ $ok -eq 1 ] && echo "ok   $name: $(cat "$T/$name.stderr")"
    [ $ok -eq 1 ] || fail=1
}

refuse out_is_master "never overwrites an input" -- "$QMAP" process "$IN" -o "$IN"
refuse out_is_lima "not written by qmap" -- "$QMAP" process "$IN" -o "$LIMA"
refuse xsocs_is_master "never overwrites an input" -- "$QMAP" process "$IN" --xsocs-qspace "$IN"
refuse out_is_mask "never overwrites an input" -- "$QMAP" process "$IN" --mask "$T/sim/ground_truth.h5" \
    -o "$T/sim/ground_truth.h5"
refuse out_dev_null "not a regular file" -- "$QMAP" process "$IN" -o /dev/null
[ -c /dev/null ] || { echo "FAIL: /dev/null is no longer a device"; fail=1; }
refuse out_no_folder "does not exist" -- "$QMAP" process "$IN" -o "$T/no/such/out.h5"
grep -q "scan" "$T/out_no_folder.stdout" && { echo "FAIL out_no_folder: computed before refusing"; fail=1; }
touch "$T/r_report"
refuse report_folder_file "not a folder" -- "$QMAP" process "$IN" -o "$T/r.h5" --report
[ "$(sum "$IN" "$LIMA")" = "$before" ] || { echo "FAIL: an input file changed"; fail=1; }

# a FIFO as input or mask: refused at once, no hang
mkfifo "$T/fifo.h5"
refuse fifo_process "not a regular file" -- "$QMAP" process "$T/fifo.h5" -o "$T/f.h5"
refuse fifo_info "not a regular file" -- "$QMAP" info "$T/fifo.h5"

# the symbolic-link attack, as an unprivileged user where root would bypass permissions
RUNAS=()
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
    RUNAS=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
U="$T/shared-folder"
mkdir -p "$U" && cp "$IN" "$U/in.h5" && cp -r "$T/sim/scan000"* "$U/"
echo secret > "$U/victim" && chmod 600 "$U/victim"
ln -s victim "$U/out.h5"
[ ${#RUNAS[@]} -gt 0 ] && chown -R nobody:nogroup "$U" && chmod 1777 "$U"
refuse symlink_output "symbolic link" -- "${RUNAS[@]}" "$QMAP" process "$U/in.h5" -o "$U/out.h5" -q
[ "$(cat "$U/victim")" = secret ] && [ -L "$U/out.h5" ] || { echo "FAIL symlink_output: victim or link changed"; fail=1; }
ln -s victim "$U/in_qmap_report"
refuse symlink_report "symbolic link" -- "${RUNAS[@]}" "$QMAP" process "$U/in.h5" -o "$U/in_qmap.h5" --report -q
# as the unprivileged user, an output into a folder it cannot write is refused before computing
if [ ${#RUNAS[@]} -gt 0 ]; then
    mkdir -p "$T/rootonly" && chmod 755 "$T/rootonly"
    refuse unwritable_folder "not writable" -- "${RUNAS[@]}" "$QMAP" process "$U/in.h5" -o "$T/rootonly/o.h5"
fi

# disk full: the one-line error and exit 1, never a signal, nothing left
( ulimit -f 16; "$QMAP" process "$IN" -o "$T/full.h5" -q ) 2>"$T/full.stderr"
rc=$?
{ [ $rc -eq 1 ] && ! [ -e "$T/full.h5" ] && ! ls "$T"/full.h5.tmp-* >/dev/null 2>&1; } &&
    echo "ok   disk_full: exit $rc, $(cat "$T/full.stderr")" || { echo "FAIL disk_full: exit $rc"; cat "$T/full.stderr"; fail=1; }
( ulimit -f 16; "$QMAP" simulate -o "$T/simfull" --size 10,8 --eta 5 ) >/dev/null 2>"$T/simfull.stderr"
rc=$?
[ $rc -eq 1 ] && ! find "$T/simfull" -name "*.tmp-*" 2>/dev/null | grep -q . &&
    echo "ok   disk_full_simulate: exit $rc" || { echo "FAIL disk_full_simulate: exit $rc"; cat "$T/simfull.stderr"; fail=1; }

# --resume removes the stale temporaries a killed run left (old and new naming)
touch "$T/res.h5.tmp-99999" "$T/res.h5.tmp-qmap-Zz9Yy8" "$T/res.h5.checkpoint.tmp-qmap-Aa1Bb2"
"$QMAP" process "$IN" -o "$T/res.h5" --resume -q >/dev/null 2>&1
ls "$T"/res.h5.tmp-* "$T"/res.h5.checkpoint.tmp-* >/dev/null 2>&1 &&
    { echo "FAIL resume: stale temporaries kept"; fail=1; } || echo "ok   resume_cleans_stale"

# VDS sources: "%%" expanded as HDF5 does, a missing source named; self-reference and cycle refused
vds() {   # name python-statements (f = the copy's master file, opened r+)
    rm -rf "$T/$1" && cp -r "$T/sim" "$T/$1"
    "$PY" - "$T/$1/sample_0001.h5" <<PYEOF || { echo "could not prepare $1"; exit 1; }
import sys, h5py
f = h5py.File(sys.argv[1], "r+")
d = f["2.1/measurement/mpx1x4"]
shape, dtype = d.shape, d.dtype
def remap(file_name, dset_name):
    del f["2.1/measurement/mpx1x4"]
    lay = h5py.VirtualLayout(shape=shape, dtype=dtype)
    lay[:] = h5py.VirtualSource(file_name, dset_name, shape=shape)
    f.create_virtual_dataset("2.1/measurement/mpx1x4", lay)
$2
f.close()
PYEOF
}
# (HDF5 accepts only "%%" in the source names of a limited mapping: it names a file with one "%")
vds percent_missing 'remap("scan0002/100%%_mpx.h5", "/entry_0000/instrument/mpx1x4/data")'
refuse vds_percent_missing "scan0002/100%_mpx.h5 is missing" -- "$QMAP" process "$T/percent_missing/sample_0001.h5" -o "$T/pm.h5"
"$QMAP" process "$T/percent_missing/sample_0001.h5" -o "$T/pm.h5" --skip-bad-scans >"$T/pm.stderr" 2>&1
grep -q "100%_mpx.h5" "$T/pm.stderr" && echo "ok   vds_percent_skipped: named" ||
    { echo "FAIL vds_percent_skipped:"; cat "$T/pm.stderr"; fail=1; }
cp "$T/percent_missing/scan0002/mpx1x4_0000.h5" "$T/percent_missing/scan0002/100%_mpx.h5"
"$QMAP" process "$T/percent_missing/sample_0001.h5" -o "$T/pp.h5" -q >/dev/null 2>"$T/pp.stderr" &&
    echo "ok   vds_percent_present" || { echo "FAIL vds_percent_present:"; cat "$T/pp.stderr"; fail=1; }
vds self_ref 'remap(".", "/2.1/measurement/mpx1x4")'
refuse vds_self_reference "itself virtual" -- "$QMAP" process "$T/self_ref/sample_0001.h5" -o "$T/sr.h5"
vds cycle 'remap("scan0002/mpx1x4_0000.h5", "/loop")
g = h5py.File(sys.argv[1].replace("sample_0001.h5", "scan0002/mpx1x4_0000.h5"), "r+")
lay = h5py.VirtualLayout(shape=shape, dtype=dtype)
lay[:] = h5py.VirtualSource("../sample_0001.h5", "/2.1/measurement/mpx1x4", shape=shape)
g.create_virtual_dataset("/loop", lay)
g.close()'
refuse vds_cycle "itself virtual" -- "$QMAP" process "$T/cycle/sample_0001.h5" -o "$T/cy.h5"
mkfifo "$T/fifo_src" && vds fifo_source 'remap("../fifo_src", "/data")'
refuse vds_fifo_source "not a regular file" -- "$QMAP" process "$T/fifo_source/sample_0001.h5" -o "$T/fs.h5"

# every scan accounted for: a map title that cannot be parsed or a title that cannot be read
# is an error naming the scan, or with --skip-bad-scans a listed skip (never a silent drop)
vds bad_title 'del f["2.1/title"]; f["2.1/title"] = "sxdm( pix, 25, 25.9, garbage )"
del f["6.1/title"]; f["6.1/title"] = [1.5, 2.5]'
refuse bad_title "scan 2.1" -- "$QMAP" process "$T/bad_title/sample_0001.h5" -o "$T/bt.h5"
"$QMAP" process "$T/bad_title/sample_0001.h5" -o "$T/bt.h5" --skip-bad-scans >"$T/bt.log" 2>&1
rc=$?
{ [ $rc -eq 0 ] && grep -q "metadata unreadable: 2.1: .*6.1: " "$T/bt.log"; } && echo "ok   bad_title_skipped: listed" ||
    { echo "FAIL bad_title_skipped: exit $rc"; cat "$T/bt.log"; fail=1; }

exit $fail
