#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages a task needs, only those missing.
#   scripts/install-deps.sh build   compile the library and the leaky program
#   scripts/install-deps.sh check   run the tests (NEON under qemu, PyTorch parity, sanitizers)
#   scripts/install-deps.sh bench   run the benchmark against its peers
set -euo pipefail

declare -A groups=(
  [build]="gcc make cmake pkg-config libcairo2-dev fonts-dejavu-core libopenblas-dev zlib1g-dev"
  [check]="qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross python3 python3-numpy python3-torch clang libclang-rt-14-dev dataset-fashion-mnist"
  [bench]="libxnnpack-dev libpthreadpool-dev libdnnl-dev python3 python3-numpy python3-torch dataset-fashion-mnist"
)

wanted=()
for group in "${@:-build}"; do
  [[ -n "${groups[$group]+set}" ]] || { echo "install-deps: unknown group '$group' (build, check, bench)" >&2; exit 2; }
  read -ra pkgs <<<"${groups[$group]}"
  wanted+=("${pkgs[@]}")
done

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
