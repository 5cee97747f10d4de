#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# leaky bench as a program (never its timings: those belong to make bench): it runs every
# case it is asked for, writes a whole CSV and a chart, and refuses bad options.
# Usage: bench_cli_test.sh path/to/leaky
set -u
leaky=$1
source "$(dirname "$0")/cli_lib.sh"

run=(--sizes 256,1000,300K --threads 1,2 --reps 3 --sample-us 10 --gap-ms 0)
if "$leaky" bench "${run[@]}" -o "$tmp/b.csv" --chart "$tmp/b.png" >"$tmp/out" 2>"$tmp/err"; then pass
else fail "bench run: exit $? ($(cat "$tmp/err"))"; fi
# One row per case, thread count, size and implementation that supports it:
# leaky 4 cases x 2 counts x 3 sizes, memcpy and nt-copy (if AVX-512) forward, 1 thread.
rows=$(awk -F, 'NR > 1 && $4 == "leaky" && $6 > 0 && $8 > 0' "$tmp/b.csv" | wc -l)
[[ $rows -eq 24 ]] && pass || fail "bench CSV: $rows leaky rows with positive times, expected 24"
rows=$(awk -F, 'NR > 1 && $4 == "memcpy" && $1 == "forward" && $2 == 1' "$tmp/b.csv" | wc -l)
[[ $rows -eq 3 ]] && pass || fail "bench CSV: $rows memcpy rows, expected 3"
head -1 "$tmp/b.csv" | grep -q '^case,threads,n,impl,calls_per_sample,median_ns_per_element,' \
  && pass || fail "bench CSV header: $(head -1 "$tmp/b.csv")"
[[ "$(head -c 8 "$tmp/b.png" | od -An -tx1 | tr -d ' \n')" == "89504e470d0a1a0a" ]] \
  && pass || fail "bench chart is not a PNG"
grep -q "^forward-inplace, 2 threads" "$tmp/out" && grep -q "issue 4 targets" "$tmp/out" \
  && pass || fail "bench table: $(head -5 "$tmp/out")"
# Every result equals what the library computes: the bench times the real calls.
grep -q "failed" "$tmp/err" && fail "bench reported a failed call: $(cat "$tmp/err")" || pass

expect_error "bench bad size" 2 "--sizes 12Q" -- "$leaky" bench --sizes 12Q
expect_error "bench zero reps" 2 "--reps 0" -- "$leaky" bench --reps 0
expect_error "bench bad case" 2 "'sideways' is not a case" -- "$leaky" bench --cases forward,sideways
expect_error "bench chart format" 2 "--chart out.txt" -- "$leaky" bench --chart out.txt
expect_error "bench stray argument" 2 "unexpected argument" -- "$leaky" bench 42
expect_error "bench unwritable CSV" 1 "nonexistent" -- "$leaky" bench "${run[@]}" --cases forward \
  --sizes 256 -o "$tmp/nonexistent/b.csv"
[[ ! -e "$tmp/nonexistent" ]] && pass || fail "bench created a directory"

# The thread count as leaky info reports it, from LEAKY_NUM_THREADS; a bad one is refused.
LEAKY_NUM_THREADS=3 "$leaky" info | grep -qE '^threads: +3 ' && pass || fail "info threads"
expect_error "bad LEAKY_NUM_THREADS" 1 "LEAKY_NUM_THREADS=two is not a thread count" -- \
  env LEAKY_NUM_THREADS=two "$leaky" eval 1

finish bench_cli
