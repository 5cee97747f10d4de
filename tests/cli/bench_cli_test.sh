#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# leaky bench as a program (never its timings: those belong to make bench): it runs every
# case it is asked for, writes a whole CSV and a chart, and refuses bad options.
# Usage: bench_cli_test.sh path/to/leaky
set -u
leaky=$1
source "$(dirname "$0")/cli_lib.sh"

run=(--sizes 256,1000,300K --threads 1,2 --reps 3 --sample-us 10 --gap-ms 0)
if "$leaky" bench "${run[@]}" --csv "$tmp/b.csv" --chart "$tmp/b.png" >"$tmp/out" 2>"$tmp/err"; then pass
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
grep -q "^forward-inplace, 2 threads" "$tmp/out" && pass || fail "bench table: $(head -5 "$tmp/out")"
# The goals, each by name: at 256 elements leaky bench has no peer to compare with; the
# check over every case compares the 12 with 2 threads against 1.
grep -q "^goals (medians; ratios within this run)$" "$tmp/out" \
  && grep -qE "^  forward, 256 elements, 1 thread, against the fastest peer +not measured$" "$tmp/out" \
  && grep -qE "^  2 threads never slower than 1 \(beyond 5%\), every case and size +[0-9]+ of 12 cases missed \(<= 1\.05 each\): (met|MISSED)$" "$tmp/out" \
  && pass || fail "bench goals: $(sed -n '/^goals/,$p' "$tmp/out")"
# Goals against memcpy and against PReLU's forward, at their sizes: a ratio each.
if "$leaky" bench --sizes 64K,1M --threads 1 --cases forward,backward --reps 3 --sample-us 10 \
  --gap-ms 0 >"$tmp/goals" 2>"$tmp/err"; then pass
else fail "bench goals run: exit $? ($(cat "$tmp/err"))"; fi
grep -qE "^  forward, 64K elements, 1 thread, against memcpy +[0-9]+\.[0-9]{2} \(<= 1\.00\) (met|MISSED)$" "$tmp/goals" \
  && grep -qE "^  PReLU backward, 1M elements, 1 thread, against PReLU forward +[0-9]+\.[0-9]{2} \(<= 2\.00\) (met|MISSED)$" "$tmp/goals" \
  && grep -qE "^  forward, 16M elements, 1 thread, against the non-temporal copy +not measured$" "$tmp/goals" \
  && pass || fail "bench goals with ratios: $(sed -n '/^goals/,$p' "$tmp/goals")"
# The pipeline mode: each call after other writes, said in every table's title; the plain
# loop beside memcpy, and the goal against it from 64K (here the one size, 4 cases).
if "$leaky" bench --sizes 64K --threads 1 --reps 3 --sample-us 10 --gap-ms 0 --pipeline 1 \
  --csv "$tmp/pipe.csv" >"$tmp/pipe" 2>"$tmp/err"; then pass
else fail "bench pipeline run: exit $? ($(cat "$tmp/err"))"; fi
[[ $(grep -c "^.*, 1 thread: median ns per element (leaky's GB/s and ratios), each call after 1 MB of other writes$" "$tmp/pipe") -eq 4 ]] \
  && pass || fail "bench pipeline tables: $(grep thread "$tmp/pipe")"
rows=$(awk -F, 'NR > 1 && $4 == "loop" && $6 > 0' "$tmp/pipe.csv" | wc -l)
[[ $rows -eq 4 ]] && pass || fail "bench CSV: $rows plain loop rows, expected 4"
grep -qE "^  never slower than the plain loop \(beyond 5%\), every case from 64K, 1 thread +[0-9]+ of 4 cases missed \(<= 1\.05 each\): (met|MISSED)$" "$tmp/pipe" \
  && pass || fail "bench loop goal: $(sed -n '/^goals/,$p' "$tmp/pipe")"
expect_error "bench bad pipeline" 2 "--pipeline 2000" -- "$leaky" bench --pipeline 2000
# Every result equals what the library computes: the bench times the real calls.
grep -q "failed" "$tmp/err" && fail "bench reported a failed call: $(cat "$tmp/err")" || pass

expect_error "bench bad size" 2 "--sizes 12Q" -- "$leaky" bench --sizes 12Q
expect_error "bench zero reps" 2 "--reps 0" -- "$leaky" bench --reps 0
expect_error "bench bad case" 2 "'sideways' is not a case" -- "$leaky" bench --cases forward,sideways
expect_error "bench chart format" 2 "--chart out.txt" -- "$leaky" bench --chart out.txt
expect_error "bench stray argument" 2 "unexpected argument" -- "$leaky" bench 42
expect_error "bench --sizes twice" 2 "--sizes given twice" -- "$leaky" bench --sizes 256 --sizes 512
expect_error "bench -s is the slope" 2 "--slope 256,4K: expected a finite number" -- "$leaky" bench -s 256,4K
expect_error "bench times Leaky ReLU" 2 "--activation relu: bench times Leaky ReLU" -- "$leaky" bench -a relu
expect_error "bench -o is not the CSV" 2 "unknown option -o" -- "$leaky" bench -o x.csv
expect_error "bench unwritable CSV" 1 "nonexistent" -- "$leaky" bench --cases forward \
  --sizes 256 --threads 1 --reps 3 --sample-us 10 --gap-ms 0 --csv "$tmp/nonexistent/b.csv"
[[ ! -e "$tmp/nonexistent" ]] && pass || fail "bench created a directory"

# The thread count as leaky info reports it, from LEAKY_NUM_THREADS; a bad one is refused.
LEAKY_NUM_THREADS=3 "$leaky" info | grep -qE '^threads: +3 ' && pass || fail "info threads"
expect_error "bad LEAKY_NUM_THREADS" 1 "LEAKY_NUM_THREADS=two is not a thread count" -- \
  env LEAKY_NUM_THREADS=two "$leaky" eval 1

finish bench_cli
