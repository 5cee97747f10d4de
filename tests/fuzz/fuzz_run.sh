#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs a libFuzzer binary over a copy of its seed corpus (libFuzzer adds what it finds to
# the first corpus directory, and the seeds in the source tree must stay as they are).
# Usage: fuzz_run.sh FUZZER SEED_DIR quick|long
#   quick: 200000 runs (seconds);  long: 60 seconds.  Exit 77 (SKIP) without a fuzzer.
set -euo pipefail
fuzzer=$1 seeds=$2 mode=$3
if [[ -z "$fuzzer" || ! -x "$fuzzer" ]]; then
  echo "SKIP: no libFuzzer build (needs clang and libclang-rt-14-dev; scripts/install-deps.sh check)"
  exit 77
fi
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp "$seeds"/* "$corpus"/
case $mode in
  quick) limit=(-runs=200000) ;;
  long) limit=(-max_total_time=60) ;;
  *) echo "fuzz_run.sh: mode must be quick or long" >&2; exit 2 ;;
esac
# -seed is fixed in quick mode so a failure there reproduces; the long run explores.
[[ $mode == quick ]] && limit+=(-seed=1)
"$fuzzer" "${limit[@]}" -max_len=4096 -print_final_stats=1 "$corpus" 2>&1 | tail -n 15
