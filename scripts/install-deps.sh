#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages a task needs, only those missing.
#   scripts/install-deps.sh build   compile the library and the leaky program
#   scripts/install-deps.sh check   run the tests (NEON under qemu, PyTorch parity, sanitizers)
#   scripts/install-deps.sh bench   run the benchmark against its peers
# Without dpkg-query and apt-get (not Debian), or without root or sudo, it lists the
# packages and what each is for, to install with the system's package manager. It fails
# only when the task cannot go on: a package known missing, or a tool the task cannot do
# without (cmake, make and a C compiler for build; qemu-aarch64 and aarch64-linux-gnu-gcc
# for check, whose NEON tests run under qemu) not on PATH.
set -euo pipefail

declare -A groups=(
  [build]="gcc make cmake pkg-config libcairo2-dev fonts-dejavu-core libopenblas-dev zlib1g-dev"
  [check]="clang-format qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross python3 python3-numpy python3-torch clang libclang-rt-14-dev dataset-fashion-mnist python3-dev python3-pytest valgrind"
  [bench]="libxnnpack-dev libpthreadpool-dev libdnnl-dev python3 python3-numpy python3-torch dataset-fashion-mnist"
)
declare -A purpose=(
  [gcc]="the C compiler"
  [make]="runs the build (the Makefile)"
  [cmake]="CMake, the build"
  [pkg-config]="finds cairo, fontconfig and OpenBLAS for the leaky program"
  [libcairo2-dev]="cairo and fontconfig: leaky plot's charts"
  [fonts-dejavu-core]="the charts' font"
  [libopenblas-dev]="OpenBLAS: leaky experiment's matrix products"
  [zlib1g-dev]="zlib: leaky experiment reads the gzip-compressed dataset"
  [qemu-user]="qemu-aarch64: runs the NEON tests"
  [gcc-aarch64-linux-gnu]="the AArch64 cross compiler, for the NEON tests"
  [libc6-dev-arm64-cross]="the AArch64 C library, for the NEON tests"
  [python3]="the parity and .npy tests"
  [python3-numpy]="numpy: the parity and .npy tests (skipped without it)"
  [python3-torch]="PyTorch: the parity tests (skipped without it)"
  [clang-format]="clang-format 14: make check checks the C sources are formatted"
  [clang]="clang: make check-clang and the .npy fuzzer"
  [libclang-rt-14-dev]="libFuzzer, for the .npy fuzzer (skipped without it)"
  [valgrind]="valgrind: every block freed and thread joined at exit (skipped without it)"
  [dataset-fashion-mnist]="Fashion-MNIST: leaky experiment's test (skipped without it)"
  [python3-dev]="Python's headers: the Python module (not built without them)"
  [python3-pytest]="pytest: the Python module's tests (skipped without it)"
  [libxnnpack-dev]="XNNPACK, a peer in make bench"
  [libpthreadpool-dev]="pthreadpool, XNNPACK's threads"
  [libdnnl-dev]="oneDNN, a peer in make bench"
)
# Commands a group cannot do without ("cc" is any C compiler: cc, gcc or clang).
declare -A needs=(
  [build]="cmake make cc"
  [check]="qemu-aarch64 aarch64-linux-gnu-gcc"
  [bench]=""
)

wanted=() tools=()
for group in "${@:-build}"; do
  [[ -n "${groups[$group]+set}" ]] || { echo "install-deps: unknown group '$group' (build, check, bench)" >&2; exit 2; }
  read -ra pkgs <<<"${groups[$group]}"
  read -ra cmds <<<"${needs[$group]}"
  wanted+=("${pkgs[@]}")
  tools+=("${cmds[@]}")
done
# Each package once, in order.
declare -A seen=()
unique=()
for pkg in "${wanted[@]}"; do
  [[ -n "${seen[$pkg]+set}" ]] || { seen[$pkg]=1; unique+=("$pkg"); }
done

# Lists the packages ($@) with what each is for, and how to get them.
list_packages() {
  local pkg
  echo "install-deps: $1" >&2
  shift
  for pkg in "$@"; do
    printf '  %-24s %s\n' "$pkg" "${purpose[$pkg]:-}" >&2
  done
  echo "install-deps: install them (or your system's packages of the same software) with" \
       "your package manager, then run make again." >&2
}

if ! command -v dpkg-query >/dev/null; then
  list_packages "no dpkg-query here (not Debian?): the Debian packages these tasks use are" \
    "${unique[@]}"
  lacking=()
  for tool in "${tools[@]}"; do
    if [[ $tool == cc ]]; then
      command -v cc >/dev/null || command -v gcc >/dev/null || command -v clang >/dev/null ||
        lacking+=("a C compiler (cc, gcc or clang)")
    else
      command -v "$tool" >/dev/null || lacking+=("$tool")
    fi
  done
  if [[ ${#lacking[@]} -gt 0 ]]; then
    echo "install-deps: cannot go on without: ${lacking[*]}" >&2
    exit 1
  fi
  echo "install-deps: warning: cannot check the packages; going on with what is installed" \
       "(without cairo, fontconfig, OpenBLAS and zlib, build the library alone:" \
       "cmake -DLEAKY_BUILD_CLI=OFF)." >&2
  exit 0
fi

missing=()
for pkg in "${unique[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if ! command -v apt-get >/dev/null; then
  list_packages "missing, and no apt-get to install them:" "${missing[@]}"
  exit 1
fi
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null; then
    list_packages "missing, and installing them needs root (or sudo):" "${missing[@]}"
    exit 1
  fi
  sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
