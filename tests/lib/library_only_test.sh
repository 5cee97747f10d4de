#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The library alone (cmake -DLEAKY_BUILD_CLI=OFF) must build with a C compiler and CMake:
# its configuration looks up none of the program's packages (cairo, fontconfig, OpenBLAS,
# zlib, through pkg-config) nor the benchmarks' (XNNPACK, pthreadpool, oneDNN, OpenMP) nor
# the Python module's (Python's headers, NumPy).
# Every lookup leaves its result in the cache, found or not, so the cache tells.
# Usage: library_only_test.sh path/to/CMakeCache.txt
set -u
cache=$1
[[ -r "$cache" ]] || { echo "FAIL: cannot read $cache"; exit 1; }
pattern='cairo|fontconfig|pkg_?config|openblas|zlib|xnnpack|pthreadpool|dnnl|openmp|python3_|numpy'
if found=$(grep -inE "$pattern" "$cache"); then
  echo "FAIL: the library-only configuration looked up packages it must not need:"
  echo "$found" | head -n 20
  exit 1
fi
echo "library_only: 1 passed, 0 failed"
