#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What an interruption leaves: SIGINT, SIGTERM, SIGHUP or SIGPIPE at any moment of a large
# apply ends it with 128 + the signal and no temporary file, OUT as it was or complete; an
# input that shrinks while mapped ends with a message naming it (exit 1), not SIGBUS.
# Usage: signals_test.sh path/to/leaky
set -u
leaky=$1
source "$(dirname "$0")/cli_lib.sh"
source "$(dirname "$0")/files_lib.sh"
cd "$tmp"
# Job control: background commands get SIGINT as a user's would, not ignored.
set -m
code_of() { case $1 in INT) echo 2 ;; HUP) echo 1 ;; PIPE) echo 13 ;; TERM) echo 15 ;; esac; }

make_npy big.npy $((16 << 20))
"$leaky" apply --slope 0.5 big.npy ref.npy || { echo "apply failed"; exit 1; }

# At random moments: the run ends by the signal (or finished first), leaves no temporary,
# and OUT is the old file or the whole result.
for round in 1 2 3 4 5 6; do
  for sig in INT TERM HUP PIPE; do
    echo old >out.npy
    "$leaky" apply --slope 0.5 big.npy out.npy 2>/dev/null &
    pid=$!
    sleep "0.$((RANDOM % 30))"
    kill -s "$sig" "$pid" 2>/dev/null
    wait "$pid"
    rc=$?
    if [[ $rc -ne 0 && $rc -ne $((128 + $(code_of "$sig"))) ]]; then
      fail "SIG$sig at random: exit $rc, expected 0 or $((128 + $(code_of "$sig")))"
    elif [[ -n $(temporaries_in .) ]]; then
      fail "SIG$sig at random: temporaries left: $(temporaries_in .)"
    elif [[ $(head -c 4 out.npy) != old ]] && ! cmp -s out.npy ref.npy; then
      fail "SIG$sig at random: OUT is neither the old file nor the result"
    else pass; fi
    rm -f .big.npy.* .out.npy.*
  done
done

# A run held half way (its --grad comes from a FIFO whose writer waits): the signal surely
# lands while the temporary exists.
"$leaky" apply --slope 0.5 big.npy dy.npy
mkfifo dy.fifo go.fifo
held_run() { # EXTRA_ARGS...: starts the held run, waits for its temporary
  { head -c $((128 + (4 << 20))) dy.npy; cat go.fifo >/dev/null; tail -c +$((129 + (4 << 20))) dy.npy; } >dy.fifo &
  writer=$!
  "$leaky" apply --slope 0.5 --backward --grad dy.fifo big.npy out.npy 2>err.txt &
  pid=$!
  for ((i = 0; i < 100; i++)); do [[ -n $(temporaries_in .) ]] && break; sleep 0.05; done
}
for sig in INT TERM; do
  echo old >out.npy
  held_run
  kill -s "$sig" "$pid"
  wait "$pid"
  rc=$?
  echo >go.fifo; wait "$writer" 2>/dev/null
  [[ $rc -eq $((128 + $(code_of "$sig"))) ]] && pass || fail "SIG$sig held: exit $rc"
  [[ -z $(temporaries_in .) ]] && pass || fail "SIG$sig held: temporaries left"
  [[ $(cat out.npy) == old ]] && pass || fail "SIG$sig held: OUT changed"
done

# The input shrinks while it is mapped: a message naming it, exit 1, no temporary.
echo old >out.npy
cp big.npy shrinking.npy
{ head -c $((128 + (4 << 20))) dy.npy; cat go.fifo >/dev/null; tail -c +$((129 + (4 << 20))) dy.npy; } >dy.fifo &
writer=$!
"$leaky" apply --slope 0.5 --backward --grad dy.fifo shrinking.npy out.npy 2>err.txt &
pid=$!
for ((i = 0; i < 100; i++)); do [[ -n $(temporaries_in .) ]] && break; sleep 0.05; done
truncate -s 200 shrinking.npy
echo >go.fifo
wait "$pid"
rc=$?
wait "$writer" 2>/dev/null
[[ $rc -eq 1 ]] && pass || fail "shrinking input: exit $rc, expected 1 ($(cat err.txt))"
grep -q "^leaky: apply: shrinking.npy: the file shrank" err.txt && pass \
  || fail "shrinking input: message '$(cat err.txt)'"
[[ -z $(temporaries_in .) ]] && pass || fail "shrinking input: temporaries left"
[[ $(cat out.npy) == old ]] && pass || fail "shrinking input: OUT changed"

finish signals
