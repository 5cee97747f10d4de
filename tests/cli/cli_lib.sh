# SPDX-License-Identifier: MIT
# Helpers shared by the CLI test scripts (sourced): a scratch directory $tmp, pass/fail
# counters, and expect / expect_error.  End a script with `finish NAME`.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# expect NAME EXIT_CODE EXPECTED_STDOUT -- COMMAND...   (stdout compared exactly)
expect() {
  local name=$1 code=$2 want=$3; shift 4
  local out rc
  out=$("$@" 2>"$tmp/err"); rc=$?
  if [[ $rc -ne $code ]]; then fail "$name: exit $rc, expected $code ($(cat "$tmp/err"))"; return; fi
  if [[ "$out" != "$want" ]]; then fail "$name: printed '$out', expected '$want'"; return; fi
  pass
}

# expect_error NAME EXIT_CODE STDERR_PATTERN -- COMMAND...   (nothing on stdout)
expect_error() {
  local name=$1 code=$2 pattern=$3; shift 4
  local out rc
  out=$("$@" 2>"$tmp/err"); rc=$?
  if [[ $rc -ne $code ]]; then fail "$name: exit $rc, expected $code ($(cat "$tmp/err"))"; return; fi
  if [[ -n "$out" ]]; then fail "$name: printed '$out' on stdout"; return; fi
  if ! grep -qE -- "$pattern" "$tmp/err"; then fail "$name: stderr '$(cat "$tmp/err")' lacks /$pattern/"; return; fi
  if ! grep -q '^leaky: ' "$tmp/err"; then fail "$name: stderr does not start with 'leaky: '"; return; fi
  pass
}

finish() {
  echo "$1: $passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
