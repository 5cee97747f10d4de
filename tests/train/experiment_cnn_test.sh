#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# leaky experiment --model cnn: its options and image shapes, and a small run on the real
# Fashion-MNIST whose loss falls and whose numbers repeat bit for bit.
# Usage: experiment_cnn_test.sh path/to/leaky
set -u
leaky=$1
data=${LEAKY_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
source "$(dirname "$0")/../cli/cli_lib.sh"

# A fake dataset in the IDX format: N images of S x S pixels (pixel = label * 20 + noise).
be32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }
make_set() { # DIR PREFIX COUNT SIDE
  local dir=$1 prefix=$2 n=$3 side=$4 i p
  mkdir -p "$dir"
  { printf '\x00\x00\x08\x01'; be32 "$n"
    for ((i = 0; i < n; i++)); do printf "\\x$(printf %02x $((i % 10)))"; done
  } | gzip -n >"$dir/$prefix-labels-idx1-ubyte.gz"
  { printf '\x00\x00\x08\x03'; be32 "$n"; be32 "$side"; be32 "$side"
    for ((i = 0; i < n; i++)); do
      for ((p = 0; p < side * side; p++)); do printf "\\x$(printf %02x $(((i % 10) * 20 + (i * 7 + p * 3) % 11)))"; done
    done
  } | gzip -n >"$dir/$prefix-images-idx3-ubyte.gz"
}
make_set "$tmp/fake" train 200 6
make_set "$tmp/fake" t10k 50 6
make_set "$tmp/tiny" train 20 3
make_set "$tmp/tiny" t10k 10 3

# Any images of at least 4 x 4 train; the table names the model and its layers, the
# results one dead fraction per activation layer.
if "$leaky" experiment --model cnn --data "$tmp/fake" --epochs 2 --batch 16 --activations relu,prelu \
     --out "$tmp/fake-out" >"$tmp/fake.txt" 2>"$tmp/err"; then
  if grep -q "CNN 36-32-64-128-10" "$tmp/fake.txt"; then pass; else fail "fake run: table lacks 'CNN 36-32-64-128-10': $(cat "$tmp/fake.txt")"; fi
  if [[ $(head -1 "$tmp/fake-out/results.csv") == *",dead_fraction_layer3" ]]; then pass
  else fail "fake run: results.csv header $(head -1 "$tmp/fake-out/results.csv")"; fi
else fail "fake run: exit $? ($(cat "$tmp/err"))"; fi
expect_error "images too small" 1 "--model cnn: the images are 3 x 3 pixels, expected at least 4 x 4" -- \
  "$leaky" experiment --model cnn --data "$tmp/tiny" --out "$tmp/o"
expect_error "unknown model" 2 "--model rnn: expected mlp or cnn" -- "$leaky" experiment --model rnn
expect_error "hidden with cnn" 2 "--hidden is the mlp's" -- "$leaky" experiment --model cnn --hidden 64
if "$leaky" experiment --help | grep -q -- "--model NAME"; then pass; else fail "--help lacks --model"; fi

if [[ ! -f "$data/train-images-idx3-ubyte.gz" ]]; then
  echo "experiment_cnn: $passed passed, $failed failed"
  echo "SKIP the runs on Fashion-MNIST: $data lacks it (install the Debian package dataset-fashion-mnist)"
  [[ $failed -eq 0 ]] && exit 77 || exit 1
fi
# ReLU, and RReLU whose random slopes must come back the same.
small=(--model cnn --subset 1500 --epochs 2 --threads 2 --activations relu,rrelu)
for run in 1 2; do
  if ! "$leaky" experiment --data "$data" "${small[@]}" --out "$tmp/run$run" >"$tmp/table$run" 2>"$tmp/err"; then
    fail "small run $run: exit $? ($(cat "$tmp/err"))"
  fi
done
csv=$tmp/run1/results.csv
if [[ -f "$csv" ]]; then
  if awk -F, 'NR > 1 { if ($3 == 1) first[$1] = $4; else { if (!($4 < first[$1])) { print $1 ": loss " first[$1] " then " $4; bad = 1 }
                       if (!($6 > 0.6)) { print $1 ": test accuracy " $6; bad = 1 } } }
              END { exit bad }' "$csv" >"$tmp/why"; then pass
  else fail "small run: $(cat "$tmp/why")"; fi
  if cmp -s <(cut -d, -f1-6,8- "$csv") <(cut -d, -f1-6,8- "$tmp/run2/results.csv"); then pass
  else fail "two runs with the same seed differ: $(diff <(cut -d, -f1-6,8- "$csv") <(cut -d, -f1-6,8- "$tmp/run2/results.csv"))"; fi
else
  fail "small run wrote no results.csv"
fi
finish experiment_cnn
