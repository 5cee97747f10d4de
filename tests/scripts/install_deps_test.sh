#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/install-deps.sh on systems it cannot install on, with a PATH of stand-ins: no
# dpkg-query or apt-get (not Debian) it lists the packages and goes on when the tools are
# there, stops naming the tools that are not; dpkg-query saying all is installed is
# silence; packages missing and no apt-get is a failure that names them. Nothing here
# can install anything: apt-get and sudo are never on the PATH.
# Usage: install_deps_test.sh path/to/scripts/install-deps.sh
set -u
script=$1
bash=$(command -v bash)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

# A folder of stand-in commands: make_path DIR NAME... (each exits 0).
make_path() {
  local dir=$tmp/$1 name
  shift
  mkdir -p "$dir"
  for name in "$@"; do
    printf '#!/bin/sh\nexit 0\n' >"$dir/$name"
    chmod +x "$dir/$name"
  done
}
make_path bare
make_path tools cmake make gcc
make_path tools-neon cmake make cc qemu-aarch64 aarch64-linux-gnu-gcc
make_path dpkg-all cmake make cc
printf '#!/bin/sh\nprintf "install ok installed"\n' >"$tmp/dpkg-all/dpkg-query"
make_path dpkg-none cmake make cc
printf '#!/bin/sh\nexit 1\n' >"$tmp/dpkg-none/dpkg-query"
chmod +x "$tmp"/dpkg-*/dpkg-query

# expect NAME PATH_DIR WANT_RC 'WORDS|...' GROUP...: runs the script with only that PATH;
# the exit status must be WANT_RC and its output must contain every word ('' for none,
# '-' for no output at all).
expect() {
  local name=$1 dir=$2 want=$3 words=$4 out rc word ok=1
  shift 4
  out=$(PATH=$tmp/$dir "$bash" "$script" "$@" 2>&1)
  rc=$?
  [[ $rc -eq $want ]] || { ok=0; echo "FAIL: $name: exit $rc, expected $want"; }
  if [[ $words == - ]]; then
    [[ -z $out ]] || { ok=0; echo "FAIL: $name: expected no output"; }
  elif [[ -n $words ]]; then
    IFS='|' read -ra list <<<"$words"
    for word in "${list[@]}"; do
      [[ $out == *"$word"* ]] || { ok=0; echo "FAIL: $name: no '$word' in the output"; }
    done
  fi
  if [[ $ok -eq 1 ]]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); printf '%s\n' "$out" | sed 's/^/    /'; fi
}

expect "no tools at all" bare 1 "cmake|make|a C compiler|libcairo2-dev|package manager" build
expect "not Debian, tools there" tools 0 \
  "not Debian|libcairo2-dev|libopenblas-dev|zlib1g-dev|the charts' font|warning|LEAKY_BUILD_CLI=OFF" build
expect "the default group is build" tools 0 "libcairo2-dev" 
expect "not Debian, no qemu" tools 1 "qemu-aarch64|aarch64-linux-gnu-gcc|python3-torch" build check
expect "not Debian, NEON tools there" tools-neon 0 "gcc-aarch64-linux-gnu|qemu-user" build check
expect "not Debian, bench" tools-neon 0 "libxnnpack-dev|libdnnl-dev" bench
expect "unknown group" tools 2 "unknown group 'nonsense'" nonsense
expect "Debian, all installed" dpkg-all 0 - build check bench
expect "Debian, missing, no apt-get" dpkg-none 1 "no apt-get|libcairo2-dev|zlib1g-dev" build
echo "install_deps: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
