#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the build into a scratch prefix, then builds a program against the installed
# copy twice: with pkg-config, and with CMake's find_package(leaky).
# Usage: install_test.sh BUILD_DIR SCRATCH_DIR
set -eu
build=$1 scratch=$2
rm -rf "$scratch"
mkdir -p "$scratch/src"
prefix=$scratch/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/leaky include/leaky.h lib/libleaky.a lib/libleaky.so lib/pkgconfig/leaky.pc \
         lib/cmake/leaky/leakyConfig.cmake; do
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
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# shellcheck disable=SC2046
cc -o "$scratch/consumer" "$scratch/src/consumer.c" $(pkg-config --cflags --libs leaky) \
   -Wl,-rpath,"$prefix/lib"
out=$("$scratch/consumer")
[[ "$out" == "-0.05 0 1" ]] || { echo "FAIL: pkg-config consumer printed '$out'"; exit 1; }
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
"$prefix/bin/leaky" --version >/dev/null
echo "install: 3 passed, 0 failed"
