#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The leaky command as a user meets it: outputs, streaming, errors and exit codes.
# Usage: cli_test.sh path/to/leaky
set -u
leaky=$1
source "$(dirname "$0")/cli_lib.sh"

# The article's example and the conventions of the gradient.
expect "eval slope 0.05" 0 "-0.05 0 1" -- "$leaky" eval --slope 0.05 -- -1 0 1
expect "eval --negative-slope" 0 "-0.05 0 1" -- "$leaky" eval --negative-slope=0.05 -- -1 0 1
expect "eval default slope" 0 "-0.01 0 2.5" -- "$leaky" eval -- -1 0 2.5
expect "eval derivative, a at 0" 0 "0.05 0.05 1" -- "$leaky" eval --slope 0.05 --derivative -- -1 0 1
expect "eval relu" 0 "0 -0 0 nan 3" -- "$leaky" eval --relu -- -inf -0 -2 nan 3
expect "eval specials" 0 "-inf nan inf -0" -- "$leaky" eval -- -inf nan inf -0
expect "eval a = 0 maps -inf to NaN" 0 "-nan" -- "$leaky" eval --slope 0 -- -inf
expect "eval slope above 1" 0 "-3" -- "$leaky" eval --slope 1.5 -- -2
expect "eval negative slope" 0 "0.5" -- "$leaky" eval --slope -0.5 -- -1
expect "eval shortest form" 0 "0.1 -0.05 -0.010000001 16777216 1e-45" -- "$leaky" eval --slope 0.5 -- 0.1 -0.1 -0.020000002 16777216 1e-45
expect "eval denormal result" 0 "-1e-39" -- "$leaky" eval -- -1e-37
expect "eval stdin keeps lines" 0 $'-0.01 2\n\n3' -- bash -c "printf ' -1 2\n\n 3 ' | '$leaky' eval"
expect "eval stdin keeps empty lines, first and last" 0 $'\n\n1\n\n-0.01' -- bash -c "printf '\n\n1\n\n-1\n' | '$leaky' eval"
if [[ "$(printf '1 2\n\n3\n\n' | "$leaky" eval | od -c)" == "$(printf '1 2\n\n3\n\n' | od -c)" ]]; then pass
else fail "eval stdin: line breaks not kept byte for byte"; fi
expect "eval empty stdin" 0 "" -- bash -c "'$leaky' eval </dev/null"

# A million values streamed through stdin, each checked.
awk 'BEGIN { for (i = 0; i < 1000000; i++) print (i % 2 ? -i : i) }' >"$tmp/million"
if "$leaky" eval --slope 0.5 <"$tmp/million" >"$tmp/million.out" 2>"$tmp/err"; then
  if awk '{ v = (NR % 2 == 0) ? -(NR - 1) * 0.5 : NR - 1; if ($1 + 0 != v) { print NR ": " $1 " != " v; exit 1 } }
          END { if (NR != 1000000) { print "lines: " NR; exit 1 } }' "$tmp/million.out"; then pass
  else fail "eval million values: wrong output"; fi
else fail "eval million values: exit $? ($(cat "$tmp/err"))"; fi

# Errors: named, on stderr, the right exit code, nothing partial printed.
expect_error "bad token argument" 2 "argument 2, 'abc', is not a number" -- "$leaky" eval -- 1 abc 3
expect_error "overflowing argument" 2 "'1e50'" -- "$leaky" eval -- 1e50
expect_error "negative number without --" 2 "put -- before negative numbers" -- "$leaky" eval -1
expect_error "bad slope" 2 "--slope x: expected a finite number" -- "$leaky" eval --slope x 1
expect_error "infinite slope" 2 "--slope inf: expected a finite number" -- "$leaky" eval --slope inf 1
expect_error "missing slope value" 2 "needs a value" -- "$leaky" eval --slope
expect_error "relu with slope" 2 "--relu, then --slope 0.1: give one activation, not several \\(--relu has no slope" -- "$leaky" eval --relu --slope 0.1 1
expect_error "unknown option" 2 "unknown option --frobnicate" -- "$leaky" eval --frobnicate
expect_error "unknown command" 2 "unknown command 'frobnicate'" -- "$leaky" frobnicate
expect_error "no command" 2 "usage" -- "$leaky"
if out=$(printf '1 2\n3 x4 5\n' | "$leaky" eval 2>"$tmp/err"); then fail "bad stdin token accepted"
elif [[ $? -ne 1 ]] || ! grep -q "line 2, value 4: 'x4' is not a number" "$tmp/err"; then
  fail "bad stdin token: $(cat "$tmp/err")"
else pass; fi

# PReLU and RReLU.
expect "eval prelu shared" 0 "-0.25 2 -1" -- "$leaky" eval --prelu 0.25 -- -1 2 -4
expect "eval prelu per channel" 0 "-0.1 -0.2 -0.2 -0.4" -- "$leaky" eval --prelu 0.1,0.2 -- -1 -1 -2 -2
expect "eval prelu channels last" 0 "-0.1 -0.2" -- "$leaky" eval --prelu 0.1,0.2 --channels-last -- -1 -1
expect "eval prelu derivative" 0 "0.1 0.2 1 0.2" -- "$leaky" eval --prelu 0.1,0.2 --derivative -- -1 0 2 -2
expect "eval prelu stdin rows" 0 $'-0.1 -0.2\n-0.2 3' -- bash -c "printf -- '-1 -1\n-2 3\n' | '$leaky' eval --prelu 0.1,0.2"
expect "eval rrelu eval mode" 0 "-0.2 2" -- "$leaky" eval --rrelu 0.1,0.3 -- -1 2
expect "eval rrelu eval derivative" 0 "0.2 1" -- "$leaky" eval --rrelu 0.1,0.3 --derivative -- -1 2
train=$("$leaky" eval --rrelu 0.1,0.3 --train --seed 5 -- -1 -1 -1 -1 2)
slopes=$("$leaky" eval --rrelu 0.1,0.3 --train --seed 5 --derivative -- -1 -1 -1 -1 2)
if awk -v y="$train" -v d="$slopes" 'BEGIN { n = split(y, a, " "); split(d, b, " ");
     for (i = 1; i < n; i++) if (a[i] + b[i] != 0 || b[i] < 0.1 || b[i] > 0.3) exit 1;
     exit !(n == 5 && a[5] == 2 && b[5] == 1) }'; then pass; else fail "rrelu train: '$train' / '$slopes'"; fi
expect "eval rrelu train is reproducible" 0 "$train" -- "$leaky" eval --rrelu 0.1,0.3 --train --seed 5 -- -1 -1 -1 -1 2
expect "eval rrelu train from stdin = arguments" 0 "$train" -- bash -c "printf -- '-1 -1 -1 -1 2' | '$leaky' eval --rrelu 0.1,0.3 --train --seed 5"
other=$("$leaky" eval --rrelu 0.1,0.3 --train --seed 6 -- -1 -1 -1 -1 2)
if [[ "$other" != "$train" ]]; then pass; else fail "rrelu seeds 5 and 6 agree"; fi
expect_error "prelu bad list" 2 "item 2, 'x'" -- "$leaky" eval --prelu 0.1,x 1
expect_error "prelu inf slope" 2 "item 1, 'inf'" -- "$leaky" eval --prelu inf 1
expect_error "prelu values not rows" 2 "3 values are not rows of the 2 channels" -- "$leaky" eval --prelu 1,2 -- 1 2 3
expect_error "prelu stdin line not rows" 1 "line 2 has 1 values" -- bash -c "printf -- '-1 -1\n-2\n' | '$leaky' eval --prelu 0.1,0.2 >/dev/null"
expect_error "rrelu lower > upper" 2 "0.3,0.1: expected LOWER <= UPPER" -- "$leaky" eval --rrelu 0.3,0.1 1
expect_error "rrelu one bound" 2 "expected two numbers" -- "$leaky" eval --rrelu 0.3 1
expect_error "train without rrelu" 2 "--train goes with --rrelu" -- "$leaky" eval --train 1
expect_error "bad seed" 2 "--seed -3: expected an unsigned" -- "$leaky" eval --rrelu 0,1 --seed -3 1
expect_error "two functions" 2 "not several" -- "$leaky" eval --prelu 1 --rrelu 0,1 1

# Help, version, info, demo.
expect "help apply is apply --help" 0 "$("$leaky" apply --help)" -- "$leaky" help apply
expect "help plot is plot --help" 0 "$("$leaky" plot --help)" -- "$leaky" help plot
expect_error "help of an unknown command" 2 "help: unknown command 'nope'" -- "$leaky" help nope
for word in PReLU RReLU float16 bfloat16 --activation; do
  if "$leaky" --help | grep -q -- "$word"; then pass; else fail "leaky --help does not mention $word"; fi
done
"$leaky" demo -o "$tmp/nodir/a.png" >/dev/null 2>"$tmp/err"; rc=$?
if [[ $rc -eq 1 ]] && grep -q "^leaky: demo: cannot create" "$tmp/err"; then pass
else fail "demo -o nodir/a.png: exit $rc, $(cat "$tmp/err")"; fi
expect "version" 0 "leaky 0.1.0" -- "$leaky" --version
for cmd in eval demo info; do
  if "$leaky" $cmd --help | grep -q "usage: leaky $cmd"; then pass; else fail "$cmd --help"; fi
done
if "$leaky" --help | grep -q "usage: leaky COMMAND"; then pass; else fail "--help"; fi
if "$leaky" info | grep -qE '^chosen: +(scalar|sse2|avx2|avx512|neon)$'; then pass; else fail "info"; fi
if LEAKY_ISA=scalar "$leaky" info | grep -qE '^chosen: +scalar$'; then pass; else fail "LEAKY_ISA=scalar"; fi
expect_error "LEAKY_ISA unknown" 1 "LEAKY_ISA=avx9000 is not a CPU path" -- env LEAKY_ISA=avx9000 "$leaky" eval 1
expect_error "LEAKY_ISA missing path" 1 "LEAKY_ISA=neon names a path that this build lacks" -- env LEAKY_ISA=neon "$leaky" eval 1
demo=$(cd "$tmp" && "$leaky" demo)
for want in "a \* x" "\[-0.05, 0, 1\]" "\[0.05, 0.05, 1\]" "dying-ReLU"; do
  if grep -q -- "$want" <<<"$demo"; then pass; else fail "demo lacks $want"; fi
done

if [[ -s "$tmp/leaky_relu.png" ]] && grep -qF "is in $(cd "$tmp" && pwd -P)/leaky_relu.png" <<<"$demo"; then pass
else fail "demo did not write leaky_relu.png and say where"; fi

# --dtype f16|bf16: values rounded to the type; results as numpy / PyTorch give.
expect "eval f16" 0 "0.1 -0.000999 1 -0.03 6.55e+04 1e-07 -0" -- "$leaky" eval --dtype f16 -- 0.1 -0.1 1 -3 65504 1e-7 -0
expect "eval bf16, a tie to even" 0 "-0.3 1 9e-41" -- "$leaky" eval -t bf16 --slope 0.1 -- -3 1.00390625 9.18354962e-41
expect "eval f16 derivative, slope past the range" 0 "inf 1" -- "$leaky" eval --dtype f16 -d --slope 70000 -- -1 1
expect "eval f16 NaN and inf" 0 "nan -inf inf" -- "$leaky" eval --dtype f16 -- nan -inf inf
expect "eval f16 stdin" 0 $'-0.01 2\n3' -- bash -c "printf ' -1 2\n 3 ' | '$leaky' eval --dtype f16"
# --dtype f64: every function in double, read and printed as double.
expect "eval f64 leaky" 0 "-0.3 0.1 1e+300 -3e-321" -- "$leaky" eval --dtype f64 --slope 0.3 -- -1 0.1 1e300 -1e-320
expect "eval f64 relu" 0 "0 nan 2 -0" -- "$leaky" eval -t f64 --relu -- -1 nan 2 -0
expect "eval f64 derivative" 0 "0.3 1" -- "$leaky" eval -t f64 -s 0.3 -d -- -1 1
expect "eval f64 prelu derivative" 0 "0.1 0.2 1 0.2" -- "$leaky" eval -t f64 -a prelu:0.1,0.2 -d -- -1 -1 3 -3
expect "eval f64 rrelu eval" 0 "-0.2" -- "$leaky" eval -t f64 --rrelu 0.1,0.3 -- -1
expect "eval f64 stdin" 0 $'-0.3 2\n\n4' -- bash -c "printf -- '-1 2\n\n4\n' | '$leaky' eval -t f64 -s 0.3"
expect_error "eval f32 range" 2 "beyond the float range" -- "$leaky" eval -- 1e300
expect_error "eval f64 range" 2 "beyond the double range" -- "$leaky" eval -t f64 -- 1e400
expect_error "eval --dtype twice" 2 "--dtype given twice" -- "$leaky" eval --dtype f16 --dtype f32 -- 1.0001
expect_error "eval --slope twice" 2 "--slope 0.1, then --slope 0.2: give one activation" -- "$leaky" eval -s 0.1 --slope 0.2 1
expect_error "eval --seed twice" 2 "--seed given twice" -- "$leaky" eval --rrelu 0,1 --train --seed 1 --seed 1 1
expect "eval --activation leaky:0.5" 0 "-1 3" -- "$leaky" eval --activation leaky:0.5 -- -2 3
expect "eval -a prelu:0.1,0.2 = --prelu" 0 "-0.1 -0.2" -- "$leaky" eval -a prelu:0.1,0.2 -- -1 -1
expect "eval -a rrelu:0.1:0.3 = --rrelu 0.1,0.3" 0 "-0.2" -- "$leaky" eval -a rrelu:0.1:0.3 -- -1
expect "eval -a relu" 0 "0 2" -- "$leaky" eval -a relu -- -1 2
expect_error "eval -a unknown" 2 "--activation elu: expected leaky" -- "$leaky" eval -a elu 1
expect_error "eval -a rrelu one bound" 2 "--activation rrelu:1: expected two numbers LOWER:UPPER" -- "$leaky" eval -a rrelu:1 1
expect "eval f16 rounds the input" 0 "1" -- "$leaky" eval --dtype f16 -- 1.0001
expect_error "f16 overflowing argument" 2 "argument 2, '70000', is beyond the f16 range \(largest 65504\)" -- "$leaky" eval --dtype f16 -- 1 70000
expect_error "f16 relu" 2 "--relu is float32 and float64 only" -- "$leaky" eval --dtype f16 --relu 1
expect_error "unknown dtype" 2 "--dtype f8: expected f32, f64, f16 or bf16" -- "$leaky" eval --dtype f8 1
# PReLU's forward on f16|bf16: float32 slopes, one rounding (leaky_prelu_f16, _bf16).
expect "eval f16 prelu shared" 0 "-0.25 2 -1 0.1" -- "$leaky" eval --dtype f16 --prelu 0.25 -- -1 2 -4 0.1
expect "eval bf16 prelu per channel" 0 "-0.1 -0.2 -0.2 3" -- "$leaky" eval --dtype bf16 --prelu 0.1,0.2 -- -1 -1 -2 3
expect "eval f16 prelu channels last" 0 "-0.1 -0.2" -- "$leaky" eval -t f16 --prelu 0.1,0.2 --channels-last -- -1 -1
expect "eval f16 prelu denormal results" 0 "-1e-06 -6e-08 -0" -- "$leaky" eval --dtype f16 --prelu 1e-6 -- -1 -0.0625 -0.01
expect "eval f16 prelu past the range" 0 "-inf 1" -- "$leaky" eval --dtype f16 --prelu 2 -- -40000 1
expect "eval bf16 prelu stdin rows" 0 $'-0.1 -0.2\n-0.2 3' -- bash -c "printf -- '-1 -1\n-2 3\n' | '$leaky' eval --dtype bf16 --prelu 0.1,0.2"
# More channels than one 4096-value block: rows are cut inside (slope 0.5, the last 0.25).
many_w=$(printf '0.5%.0s,' $(seq 4099))0.25
many_x=$(printf -- '-2 %.0s' $(seq 4100))
many_y="$(printf -- '-1 %.0s' $(seq 4099))-0.5"
expect "eval f16 prelu 4100 channels, 2 rows" 0 "$many_y $many_y" -- "$leaky" eval --dtype f16 --prelu "$many_w" -- $many_x $many_x
expect_error "f16 prelu derivative" 2 "--prelu --derivative is float32 and float64 only; --dtype f16 has the PReLU forward" -- "$leaky" eval --dtype f16 --prelu 0.1 --derivative 1
expect_error "bf16 rrelu" 2 "--rrelu is float32 and float64 only; --dtype bf16 goes with --slope or --prelu" -- "$leaky" eval --dtype bf16 --rrelu 0.1,0.2 1
expect_error "f16 prelu values not rows" 2 "3 values are not rows of the 2 channels" -- "$leaky" eval --dtype f16 --prelu 1,2 -- 1 2 3
if out=$(printf '1\n1e5\n' | "$leaky" eval --dtype f16 2>"$tmp/err"); then fail "f16 stdin overflow accepted"
elif [[ $? -ne 1 ]] || ! grep -q "line 2, value 2: '1e5' is beyond the f16 range" "$tmp/err"; then
  fail "f16 stdin overflow: $(cat "$tmp/err")"
else pass; fi

finish cli
