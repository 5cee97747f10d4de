#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# apply --inplace survives kill -9 at any moment: rerunning the same command finishes the
# job, and the file ends as one application of the function (Leaky ReLU is not idempotent:
# twice gives a^2 x).  An unfinished file is refused by other commands and other jobs.
# Usage: inplace_test.sh path/to/leaky
set -u
leaky=$1
source "$(dirname "$0")/cli_lib.sh"
source "$(dirname "$0")/files_lib.sh"
cd "$tmp"

make_npy orig.npy $((8 << 20))
"$leaky" apply --slope 0.5 orig.npy ref.npy || { echo "apply failed"; exit 1; }
cp orig.npy once.npy
start=$(date +%s%N)
"$leaky" apply --inplace --slope 0.5 once.npy
# The kills land at random within 1.2 times this run's length, however fast the machine.
span_ms=$(( ($(date +%s%N) - start) * 12 / 10 / 1000000 + 1 ))
cmp -s once.npy ref.npy && pass || fail "--inplace differs from apply IN OUT"
[[ ! -e .once.npy.leaky-journal ]] && pass || fail "--inplace left its journal"

# kill -9 at random moments, then the same command again, until one run completes.  The
# journal is the mark of an unfinished run: without it the file is untouched (killed
# before the run began) or finished (killed after its last step).
kills=0 interrupted=0 trials=0
while ((kills < 60 && trials < 100)); do
  trials=$((trials + 1))
  cp orig.npy f.npy
  done_=false
  for ((tries = 0; tries < 20; tries++)); do
    "$leaky" apply --inplace --slope 0.5 f.npy 2>/dev/null &
    pid=$!
    ms=$((RANDOM % span_ms))
    sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    [[ $? -eq 0 ]] && { done_=true; break; }
    kills=$((kills + 1))
    if [[ -e .f.npy.leaky-journal ]]; then
      interrupted=$((interrupted + 1))
    elif cmp -s f.npy ref.npy; then
      done_=true; break # killed after its last step: the run had finished
    elif ! cmp -s f.npy orig.npy; then
      fail "trial $trials: no journal, yet the file is neither untouched nor finished"
    fi
  done
  $done_ || "$leaky" apply --inplace --slope 0.5 f.npy 2>err.txt \
    || fail "trial $trials: the rerun after the kills failed: $(cat err.txt)"
  cmp -s f.npy ref.npy && pass || fail "trial $trials: after kills, not one application"
done
echo "inplace: $kills kills by SIGKILL over $trials trials, $interrupted with a run unfinished"
((kills >= 50)) && pass || fail "only $kills kills"
((interrupted >= 10)) && pass || fail "only $interrupted kills landed while a run was unfinished"

# An unfinished file: other commands refuse it, another job cannot resume it.
cp orig.npy g.npy
"$leaky" apply --inplace --slope 0.5 g.npy &
pid=$!
for ((i = 0; i < 200; i++)); do [[ -e .g.npy.leaky-journal ]] && break; sleep 0.005; done
kill -9 "$pid"; wait "$pid" 2>/dev/null
if [[ -e .g.npy.leaky-journal ]]; then
  expect_error "reading an unfinished file" 1 "g.npy is partly rewritten by an interrupted 'apply --inplace'" -- \
    "$leaky" apply g.npy h.npy
  expect_error "another job on an unfinished file" 1 "another job \\(leaky apply --inplace --slope 0.5, on" -- \
    "$leaky" apply --inplace --slope 0.25 g.npy
  "$leaky" apply --inplace --slope 0.5 g.npy && cmp -s g.npy ref.npy && pass \
    || fail "the same job does not finish the unfinished file"
else
  echo "inplace: the run finished before its kill: the unfinished-file cases are skipped"
fi

# A torn journal (the run died while creating it): nothing was rewritten, a rerun starts afresh.
cp orig.npy t.npy
head -c 20 /dev/zero >.t.npy.leaky-journal
"$leaky" apply --inplace --slope 0.5 t.npy && cmp -s t.npy ref.npy && pass \
  || fail "a torn journal is not taken for a run that never started"

finish inplace
