#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The C sources in the house style (.clang-format), with Debian 12's clang-format (14).
#   scripts/format.sh           rewrites every C file in place
#   scripts/format.sh --check   changes nothing; lists the files that differ, exits 1 if any
# Other clang-format versions lay some lines out differently, so --check says SKIP (exit 77)
# with any but 14, rather than fail on a file that is formatted.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

check=false
case "${1:-}" in
  "") ;;
  --check) check=true ;;
  *) echo "format.sh: unknown argument '$1' (expected --check or nothing)" >&2; exit 2 ;;
esac

formatter=""
for candidate in clang-format-14 clang-format; do
  if command -v "$candidate" >/dev/null; then formatter=$candidate; break; fi
done
if [[ -z "$formatter" ]]; then
  echo "SKIP: no clang-format (Debian: apt-get install clang-format, or make deps)"
  exit 77
fi
version=$("$formatter" --version | sed -nE 's/.*version ([0-9]+)\..*/\1/p')
if [[ "$version" != 14 ]]; then
  echo "SKIP: $formatter is version ${version:-unknown}; the style is kept with version 14"
  exit 77
fi

# Tracked files in a checkout; every C file of the source folders otherwise.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files -- '*.c' '*.h')
else
  mapfile -t files < <(find include src cli support train bench tests -name '*.[ch]' | sort)
fi

if ! $check; then
  "$formatter" -i -- "${files[@]}"
  exit 0
fi
# One run over every file: clang-format names each line it would change.
report=$("$formatter" --dry-run --Werror -- "${files[@]}" 2>&1 || true)
mapfile -t bad_files < <(sed -nE 's/^([^:]+):[0-9]+:[0-9]+: error: code should be clang-formatted.*/\1/p' \
                           <<<"$report" | sort -u)
for f in "${bad_files[@]}"; do
  echo "not formatted: $f (scripts/format.sh rewrites it)"
done
bad=${#bad_files[@]}
if [[ $bad -eq 0 && -n "$report" ]]; then
  echo "$report" >&2   # clang-format failed in some other way
  bad=1
fi
echo "format: ${#files[@]} files, $bad not formatted"
echo "$(( ${#files[@]} - bad )) passed, $bad failed"
[[ $bad -eq 0 ]]
