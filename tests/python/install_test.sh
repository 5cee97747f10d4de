#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Python module into a scratch prefix, then imports it from there alone and
# runs the README's example.
#   install_test.sh cmake BUILD_DIR SCRATCH PYTHON SITE   cmake --install BUILD_DIR (its python
#                                                         component: the module alone)
#   install_test.sh pip SOURCE_DIR SCRATCH PYTHON          pip install --no-build-isolation
# SITE: the module's folder under the prefix (cmake); pip's is found under the prefix.
set -eu
how=$1 from=$2 scratch=$3 python=$4 site=${5:-}
rm -rf "$scratch"
prefix=$scratch/prefix
case $how in
  cmake) cmake --install "$from" --prefix "$prefix" --component python >/dev/null ;;
  pip)
    "$python" -m pip --version >/dev/null 2>&1 || { echo "SKIP: no pip for $python"; exit 77; }
    LEAKY_JOBS=${LEAKY_JOBS:-2} "$python" -m pip install --quiet --no-build-isolation \
      --no-index --no-deps --prefix "$prefix" "$from/python"
    rm -rf "$from/python/build" "$from/python/leaky.egg-info"
    module=$(find "$prefix" -name 'leaky*.so' -print -quit)
    [[ -n "$module" ]] || { echo "FAIL: pip installed no module under $prefix"; exit 1; }
    site=${module#"$prefix"/}
    site=${site%/*} ;;
  *) echo "install_test.sh: unknown way '$how' (cmake or pip)" >&2; exit 2 ;;
esac
out=$(cd "$scratch" && PYTHONPATH="$prefix/$site" "$python" -c '
import leaky, sys
assert leaky.__file__.startswith(sys.argv[1]), leaky.__file__
print(leaky.leaky_relu([-1, 0, 1], 0.05).tolist())' "$prefix")
[[ "$out" == "[-0.05, 0.0, 1.0]" ]] || { echo "FAIL: the installed module printed '$out'"; exit 1; }
echo "python $how install: 1 passed, 0 failed ($site)"
