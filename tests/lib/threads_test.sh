#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The PReLU slope gradient and the RReLU draws must not depend on the thread count or the
# CPU path: the digest of test_prelu_rrelu's results is compared across LEAKY_NUM_THREADS=1
# and 2 and across every path this CPU runs (as the library lists them).
# Usage: threads_test.sh path/to/test_prelu_rrelu
set -u
bin=$1
want=$(LEAKY_NUM_THREADS=1 "$bin" digest) || { echo "FAIL: digest run failed"; exit 1; }
passed=0 failed=0
for threads in 2; do
  got=$(LEAKY_NUM_THREADS=$threads "$bin" digest)
  if [[ "$got" == "$want" ]]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $threads threads give digest $got, 1 thread $want"; fi
done
paths=$("$bin" paths) || { echo "FAIL: no paths"; exit 1; }
for isa in $paths; do
  got=$(LEAKY_ISA=$isa LEAKY_NUM_THREADS=2 "$bin" digest)
  if [[ "$got" == "$want" ]]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: LEAKY_ISA=$isa gives digest $got, expected $want"; fi
done
echo "threads: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
