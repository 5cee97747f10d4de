#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the build into a scratch prefix, then builds a program against the installed
# copy twice: with pkg-config, and with CMake's find_package(leaky); then runs each
# installed PROGRAM (the leaky command, when the build has it; none for the library alone).
# Usage: install_test.sh BUILD_DIR SCRATCH_DIR [PROGRAM...]
set -eu
build=$1 scratch=$2
shift 2
programs=("$@")
passed=0
rm -rf "$scratch"
mkdir -p "$scratch/src"
prefix=$scratch/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/leaky.h lib/libleaky.a lib/libleaky.so lib/pkgconfig/leaky.pc \
         lib/cmake/leaky/leakyConfig.cmake "${programs[@]/#/bin/}"; do
  [[ -e "$prefix/$f" ]] || { echo "FAIL: $f not installed"; exit 1; }
done
cat >"$scratch/src/consumer.c" <<'C'
#include <stdio.h>
#include <leaky.h>
int main(void)
{
    const float x[3] = {-1.0f, 0.0f, 1.0f};
    float y[3];
    if (leaky_relu_f32(x, y, 3, 0.05f) != LEAKY_OK)
        return 1;
    printf("%g %g %g\n", y[0], y[1], y[2]);
    return 0;
}
C
if command -v pkg-config >/dev/null; then
  export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
  # shellcheck disable=SC2046
  cc -o "$scratch/consumer" "$scratch/src/consumer.c" $(pkg-config --cflags --libs leaky) \
     -Wl,-rpath,"$prefix/lib"
  out=$("$scratch/consumer")
  [[ "$out" == "-0.05 0 1" ]] || { echo "FAIL: pkg-config consumer printed '$out'"; exit 1; }
  passed=$((passed + 1))
else
  echo "SKIP: the pkg-config consumer (no pkg-config on PATH)"
fi
cat >"$scratch/src/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.16)
project(consumer C)
find_package(leaky REQUIRED)
add_executable(consumer consumer.c)
target_link_libraries(consumer PRIVATE leaky::leaky)
CM
cmake -S "$scratch/src" -B "$scratch/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$scratch/cmake-build" >/dev/null
out=$("$scratch/cmake-build/consumer")
[[ "$out" == "-0.05 0 1" ]] || { echo "FAIL: find_package consumer printed '$out'"; exit 1; }
passed=$((passed + 1))
for p in "${programs[@]}"; do
  "$prefix/bin/$p" --version >/dev/null
  passed=$((passed + 1))
done
if [[ " ${programs[*]} " == *" leaky "* ]]; then
  # The manual page, the completion and the licence come with the program.
  for f in share/man/man1/leaky.1 share/bash-completion/completions/leaky share/doc/leaky/LICENSE; do
    [[ -s "$prefix/$f" ]] || { echo "FAIL: $f not installed"; exit 1; }
  done
  if command -v groff >/dev/null; then
    warnings=$(groff -man -ww -z "$prefix/share/man/man1/leaky.1" 2>&1)
    [[ -z "$warnings" ]] || { echo "FAIL: leaky.1: $warnings"; exit 1; }
  fi
  # Completion: the commands, then a command's options from its --help.
  words=$(PATH="$prefix/bin:$PATH" bash -c '
    source "$1"
    COMP_WORDS=(leaky ap); COMP_CWORD=1; _leaky; echo "${COMPREPLY[*]}"
    COMP_WORDS=(leaky apply --prelu-f); COMP_CWORD=2; _leaky; echo "${COMPREPLY[*]}"
    COMP_WORDS=(leaky eval --dtype f); COMP_CWORD=3; _leaky; echo "${COMPREPLY[*]}"' _ \
    "$prefix/share/bash-completion/completions/leaky")
  [[ "$words" == $'apply\n--prelu-file\nf32 f64 f16' ]] || { echo "FAIL: completion gave '$words'"; exit 1; }
  passed=$((passed + 3))
fi
echo "install: $passed passed, 0 failed"
