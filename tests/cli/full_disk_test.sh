#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A full file system, on a small tmpfs: apply says "No space left on device" naming the
# file (exit 1) and leaves nothing partial: no temporary, no journal, no SIGBUS for a
# sparse file rewritten --inplace.  Needs mount (root); exit 77 (skip) where not permitted.
# Usage: full_disk_test.sh path/to/leaky
set -u
leaky=$1
source "$(dirname "$0")/cli_lib.sh"
source "$(dirname "$0")/files_lib.sh"
small=$tmp/small
mkdir "$small"
if ! mount -t tmpfs -o size=4m tmpfs "$small" 2>/dev/null; then
  echo "full_disk: SKIP (cannot mount a tmpfs here)"
  exit 77
fi
trap 'umount "$small"; rm -rf "$tmp"' EXIT
cd "$tmp"
make_npy x.npy $((2 << 20)) # 8 MiB: more than the file system holds

# Out of place: the write fails; no temporary, the old OUT stays.
echo old >"$small/out.npy"
expect_error "apply into a full disk" 1 "cannot write $small/out.npy: No space left on device" -- \
  "$leaky" apply x.npy "$small/out.npy"
[[ -z $(temporaries_in "$small") ]] && pass || fail "full disk: temporaries left"
[[ $(cat "$small/out.npy") == old ]] && pass || fail "full disk: OUT changed"

# In place on a sparse file bigger than the space left: refused before any change.
head -c 128 x.npy >"$small/sparse.npy"
truncate -s $((128 + (8 << 20))) "$small/sparse.npy"
expect_error "--inplace on a sparse file, full disk" 1 "sparse.npy: No space left on device" -- \
  "$leaky" apply --inplace "$small/sparse.npy"
[[ ! -e "$small/.sparse.npy.leaky-journal" ]] && pass || fail "sparse file: journal left"
# In place with no room for the journal: refused before any change.
rm -f "$small"/*.npy
make_npy "$small/fits.npy" $((3 << 18))
cp "$small/fits.npy" before.npy
expect_error "--inplace with no room for the journal" 1 "cannot create the in-place journal.*No space left on device" -- \
  "$leaky" apply --inplace --slope 0.5 "$small/fits.npy"
cmp -s "$small/fits.npy" before.npy && pass || fail "no room for the journal: the file changed"
[[ ! -e "$small/.fits.npy.leaky-journal" ]] && pass || fail "no room for the journal: journal left"

finish full_disk
