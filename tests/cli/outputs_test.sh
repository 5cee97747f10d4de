#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Where leaky writes: a symbolic link is written through (it stays a link), a FIFO, a
# character device or "-" is streamed to (never replaced by a regular file), and a FIFO,
# a pipe or "-" is read as a stream.  Standard output that cannot be written (/dev/full)
# fails every command.  Usage: outputs_test.sh path/to/leaky
set -u
leaky=$1
source "$(dirname "$0")/cli_lib.sh"
source "$(dirname "$0")/files_lib.sh"
cd "$tmp"

make_npy x.npy 300000
"$leaky" apply --slope 0.5 x.npy ref.npy || { echo "apply failed"; exit 1; }
same() { # NAME FILE: FILE holds the reference result
  if cmp -s "$2" ref.npy; then pass; else fail "$1: $2 differs from the reference"; fi
}

# A symbolic link OUT: the target gets the result, the link stays a link.
echo old >target.npy
ln -s target.npy link.npy
"$leaky" apply --slope 0.5 x.npy link.npy
[[ -L link.npy ]] && pass || fail "symlink OUT: link.npy is no longer a link"
same "symlink OUT" target.npy
# ... to a file not there yet, in another folder, relative to the link's folder.
mkdir -p sub
ln -s ../made.npy sub/dangling.npy
"$leaky" apply --slope 0.5 x.npy sub/dangling.npy
[[ -L sub/dangling.npy ]] && pass || fail "dangling symlink OUT: no longer a link"
same "dangling symlink OUT" made.npy
[[ -z $(temporaries_in . ; temporaries_in sub) ]] && pass || fail "symlink OUT: temporaries left"
# plot and bench --csv through a link too.
ln -s chart.svg chart-link.svg
"$leaky" plot -o chart-link.svg && [[ -L chart-link.svg && -s chart.svg ]] && pass \
  || fail "plot: a symlinked -o is not written through"
bench=(--sizes 256 --threads 1 --reps 3 --sample-us 10 --gap-ms 0)
ln -s bench.csv bench-link.csv
"$leaky" bench "${bench[@]}" --csv bench-link.csv >/dev/null \
  && [[ -L bench-link.csv ]] && grep -q '^case,' bench.csv && pass \
  || fail "bench --csv: a symlinked FILE is not written through"

# "-" and /dev/stdout: standard output, no file named "-".
"$leaky" apply --slope 0.5 x.npy - >dash.npy
same "OUT -" dash.npy
[[ ! -e ./- ]] && pass || fail "OUT -: a file named '-' was made"
"$leaky" apply --slope 0.5 x.npy /dev/stdout | cat >piped.npy
same "OUT /dev/stdout into a pipe" piped.npy
"$leaky" apply --slope 0.5 - stdin.npy <x.npy
same "IN - from a file" stdin.npy
cat x.npy | "$leaky" apply --slope 0.5 - piped-in.npy
same "IN - from a pipe" piped-in.npy
expect_error "truncated stream" 1 "standard input: truncated: the data ends after" -- \
  bash -c "head -c 1000 x.npy | '$leaky' apply - never.npy"
[[ ! -e never.npy ]] && pass || fail "truncated stream: OUT was written"

# FIFOs: read as their writer writes, written as their reader reads; still FIFOs after.
# (The other ends give up after a while, so that a FIFO replaced by a file fails, not hangs.)
mkfifo in.fifo out.fifo
timeout 20 bash -c 'cat x.npy >in.fifo' &
timeout 20 "$leaky" apply --slope 0.5 in.fifo from-fifo.npy
wait
same "IN FIFO" from-fifo.npy
timeout 20 cat out.fifo >to-fifo.npy &
timeout 20 "$leaky" apply --slope 0.5 x.npy out.fifo
wait
same "OUT FIFO" to-fifo.npy
[[ -p in.fifo && -p out.fifo ]] && pass || fail "FIFOs: no longer FIFOs"

# A character device: a private copy of /dev/null's node stays a device node.
if mknod null.png c 1 3 2>/dev/null; then
  "$leaky" apply --slope 0.5 x.npy null.png && [[ -c null.png ]] && pass \
    || fail "apply OUT device: replaced by a regular file"
  "$leaky" plot -o null.png && [[ -c null.png ]] && pass \
    || fail "plot -o device: replaced by a regular file"
  "$leaky" bench "${bench[@]}" --csv null.png >/dev/null && [[ -c null.png ]] && pass \
    || fail "bench --csv device: replaced by a regular file"
  # A block device is no output: refused, and still a device node after.
  mknod loop.npy b 7 0
  expect_error "OUT a block device" 1 "cannot write loop.npy: not a regular file, FIFO or character device" -- \
    "$leaky" apply x.npy loop.npy
  [[ -b loop.npy ]] && pass || fail "OUT a block device: replaced"
else
  echo "outputs: mknod not permitted here: the device node cases are skipped"
fi
expect_error "OUT a directory" 1 "sub: Is a directory" -- "$leaky" apply x.npy sub

# Standard output that cannot be written: every command fails, and apply keeps OUT as it was.
if [[ -w /dev/full ]]; then
  full() { # NAME COMMAND...: exit 1 and the reason, with stdout on /dev/full
    local name=$1; shift
    "$@" >/dev/full 2>err.txt
    local rc=$?
    if [[ $rc -eq 1 ]] && grep -q "No space left on device" err.txt; then pass
    else fail "$name into /dev/full: exit $rc, $(cat err.txt)"; fi
  }
  full "--help" "$leaky" --help
  full "--version" "$leaky" --version
  full "info" "$leaky" info
  full "eval" bash -c "echo 1 -2 | '$leaky' eval"
  full "plot --csv" "$leaky" plot --csv -
  full "demo" "$leaky" demo -o demo.png
  full "bench" "$leaky" bench "${bench[@]}"
  full "apply --help" "$leaky" apply --help
  "$leaky" apply --slope 0.5 x.npy dy.npy
  full "apply --prelu --backward" "$leaky" apply --prelu 0.25 --backward --grad dy.npy x.npy dx.npy
  [[ ! -e dx.npy ]] && pass || fail "apply --prelu --backward into /dev/full: OUT was written"
fi

# eval: a NUL byte inside a token is no number (the C string would stop at it).
expect_error "NUL in a token" 1 "value 2: '1\\\\0abc' holds a NUL byte" -- \
  bash -c "printf '2 1\\0abc 3\\n' | '$leaky' eval"
# demo names itself when its chart cannot be written, before the walkthrough.
expect_error "demo -o into no folder" 1 "^leaky: demo: cannot create nodir/a.png" -- \
  "$leaky" demo -o nodir/a.png

finish outputs
