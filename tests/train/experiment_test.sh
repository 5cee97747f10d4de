#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# leaky experiment as a user meets it: bad dataset files, bad options, and a small run on
# the real Fashion-MNIST whose loss must fall and whose numbers must repeat.
# Usage: experiment_test.sh path/to/leaky
set -u
leaky=$1
data=${LEAKY_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
source "$(dirname "$0")/../cli/cli_lib.sh"

# A fake dataset in the IDX format: N images of 4 x 4 pixels (pixel = label * 20 + noise).
be32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }
make_set() { # DIR PREFIX COUNT
  local dir=$1 prefix=$2 n=$3 i p
  mkdir -p "$dir"
  { printf '\x00\x00\x08\x01'; be32 "$n"
    for ((i = 0; i < n; i++)); do printf "\\x$(printf %02x $((i % 10)))"; done
  } | gzip -n >"$dir/$prefix-labels-idx1-ubyte.gz"
  { printf '\x00\x00\x08\x03'; be32 "$n"; be32 4; be32 4
    for ((i = 0; i < n; i++)); do
      for ((p = 0; p < 16; p++)); do printf "\\x$(printf %02x $(((i % 10) * 20 + (i * 7 + p * 3) % 11)))"; done
    done
  } | gzip -n >"$dir/$prefix-images-idx3-ubyte.gz"
}
fake=$tmp/fake
make_set "$fake" train 300
make_set "$fake" t10k 100

# The fake set trains: the command works on any IDX pair, and this needs no package.
if "$leaky" experiment --data "$fake" --hidden 8 --epochs 3 --batch 16 --optimizer sgd \
     --out "$tmp/fake-out" >"$tmp/fake.txt" 2>"$tmp/err"; then
  if [[ -s "$tmp/err" ]]; then fail "fake run: printed '$(cat "$tmp/err")' on stderr (not a terminal)"; else pass; fi
  if grep -q "MLP 16-8-10" "$tmp/fake.txt"; then pass; else fail "fake run: table lacks the net 16-8-10: $(cat "$tmp/fake.txt")"; fi
else fail "fake run: exit $? ($(cat "$tmp/err"))"; fi

# --activation and its shorthands train the activations they name, in their order.
if "$leaky" experiment --data "$fake" --hidden 8 --epochs 1 --batch 16 -s 0.2 -r \
     --rrelu 0.1,0.3 -a prelu --out "$tmp/short-out" >"$tmp/short.txt" 2>"$tmp/err"; then
  names=$(awk 'f && !NF { exit } f { print $1 } /^activation/ { f = 1 }' "$tmp/short.txt" | tr '\n' ' ')
  if [[ "$names" == "leaky:0.2 relu rrelu:0.1:0.3 prelu " ]]; then pass
  else fail "shorthands trained '$names': $(cat "$tmp/short.txt")"; fi
else fail "shorthands run: exit $? ($(cat "$tmp/err"))"; fi

# A step far too large: every run diverges, is reported as such, and the command succeeds
# (PReLU's slopes go NaN too, which the library refuses: still divergence, not a failure).
if "$leaky" experiment --data "$fake" --hidden 8 --epochs 2 --batch 16 --optimizer sgd --lr 1e30 \
     --out "$tmp/diverge" >"$tmp/diverge.txt" 2>"$tmp/err"; then
  if [[ $(grep -c "1 of 1 runs diverged and are left out" "$tmp/diverge.txt") -eq 5 ]]; then pass
  else fail "diverging run: $(cat "$tmp/diverge.txt")"; fi
  if grep -q "^prelu,1,2,nan,nan,nan,nan,nan" "$tmp/diverge/results.csv"; then pass
  else fail "diverging run: results.csv $(cat "$tmp/diverge/results.csv")"; fi
else fail "diverging run: exit $? ($(cat "$tmp/err"))"; fi

# A missing or damaged file names its path, what is wrong and the package.
mkdir -p "$tmp/empty"
expect_error "missing dataset" 1 "$tmp/empty/train-labels-idx1-ubyte.gz: cannot open it: No such file.*dataset-fashion-mnist" -- \
  "$leaky" experiment --data "$tmp/empty" --out "$tmp/o"
bad=$tmp/bad
reset_bad() { rm -rf "$bad"; cp -r "$fake" "$bad"; }
reset_bad; rm "$bad/t10k-images-idx3-ubyte.gz"
expect_error "missing test images" 1 "t10k-images-idx3-ubyte.gz: cannot open it.*dataset-fashion-mnist" -- \
  "$leaky" experiment --data "$bad" --out "$tmp/o"
reset_bad; head -c 40 "$fake/train-images-idx3-ubyte.gz" >"$bad/train-images-idx3-ubyte.gz"
expect_error "truncated gzip" 1 "train-images-idx3-ubyte.gz: (the file ends early|corrupt gzip).*dataset-fashion-mnist" -- \
  "$leaky" experiment --data "$bad" --out "$tmp/o"
reset_bad; size=$(stat -c %s "$fake/train-images-idx3-ubyte.gz")
# Flip one byte of the gzip trailer's CRC: the data inflates, the checksum is wrong.
{ head -c $((size - 6)) "$fake/train-images-idx3-ubyte.gz"; printf '\xff'; tail -c 5 "$fake/train-images-idx3-ubyte.gz"; } >"$bad/train-images-idx3-ubyte.gz"
expect_error "bad checksum" 1 "train-images-idx3-ubyte.gz: corrupt gzip data.*dataset-fashion-mnist" -- \
  "$leaky" experiment --data "$bad" --out "$tmp/o"
reset_bad; printf '\x00\x00\x08\x02\x00\x00\x00\x01' | gzip >"$bad/train-labels-idx1-ubyte.gz"
expect_error "bad magic" 1 "train-labels-idx1-ubyte.gz: not an IDX file.*magic bytes 00 00 08 02" -- \
  "$leaky" experiment --data "$bad" --out "$tmp/o"
reset_bad; printf '\x00\x00\x08\x01\x00\x00\x00\x02\x01\x0a' | gzip >"$bad/train-labels-idx1-ubyte.gz"
expect_error "label out of range" 1 "label 1 is 10; expected 0 to 9" -- \
  "$leaky" experiment --data "$bad" --out "$tmp/o"
reset_bad; printf '\x00\x00\x08\x01\x00\x00\x00\x01\x01\x02' | gzip >"$bad/train-labels-idx1-ubyte.gz"
expect_error "trailing data" 1 "more data than its header announces" -- \
  "$leaky" experiment --data "$bad" --out "$tmp/o"
reset_bad; printf '\x00\x00\x08\x01\x00\x00\x00\x02\x01\x02' | gzip >"$bad/train-labels-idx1-ubyte.gz"
expect_error "count mismatch" 1 "300 images but 2 labels" -- \
  "$leaky" experiment --data "$bad" --out "$tmp/o"

# Options: the value at fault, and what was expected.
expect_error "epochs 0" 2 "--epochs 0: expected a whole number from 1" -- "$leaky" experiment --epochs 0
expect_error "unknown activation" 2 "unknown activation 'tanh'" -- "$leaky" experiment --activations relu,tanh
expect_error "bad slope" 2 "activation 'leaky:x'" -- "$leaky" experiment --activations leaky:x
expect_error "bad slope, one --activation" 2 "activation 'leaky:x'" -- "$leaky" experiment -a relu --activation leaky:x
expect_error "--activation takes one" 2 "--activation relu,prelu: expected one activation" -- "$leaky" experiment --activation relu,prelu
expect_error "--activation and --activations" 2 "not both" -- "$leaky" experiment -a relu --activations prelu
expect_error "--seed twice" 2 "--seed given twice" -- "$leaky" experiment --seed 1 --seed 2
expect_error "-s is the slope" 2 "activation 'leaky:x'" -- "$leaky" experiment -s x
expect_error "--rrelu is rrelu:L:U" 2 "activation 'rrelu:0.3:0.1'" -- "$leaky" experiment --rrelu 0.3,0.1
expect_error "shorthands and --activations" 2 "not both" -- "$leaky" experiment --relu --activations prelu
expect_error "--threads twice" 2 "--threads given twice" -- "$leaky" experiment -j 1 --threads 2
expect_error "empty hidden" 2 "--hidden '': expected at least one width" -- "$leaky" experiment --hidden ''
expect_error "zero width" 2 "--hidden 0: expected a whole number from 1" -- "$leaky" experiment --hidden 256,0
expect_error "bad optimizer" 2 "--optimizer rmsprop: expected adam or sgd" -- "$leaky" experiment --optimizer rmsprop
expect_error "bad lr" 2 "--lr -1: expected a positive finite number" -- "$leaky" experiment --lr=-1
expect_error "bad momentum" 2 "--momentum 1: expected a number from 0" -- "$leaky" experiment --momentum 1
expect_error "unknown option" 2 "unknown option --nope" -- "$leaky" experiment --nope
expect_error "subset too big" 2 "--subset 301: the training set has only 300 examples" -- \
  "$leaky" experiment --data "$fake" --subset 301 --out "$tmp/o"
expect_error "empty out" 2 "--out '': expected a folder" -- "$leaky" experiment --out ''
touch "$tmp/a-file"
expect_error "out is a file" 1 "cannot create the folder $tmp/a-file" -- \
  "$leaky" experiment --data "$fake" --hidden 4 --epochs 1 --out "$tmp/a-file"
if "$leaky" experiment --help | grep -q -- "--provoke-dying"; then pass; else fail "--help lacks --provoke-dying"; fi

# An empty training set is an error, not five "diverged" runs and a CSV of NaN; the folder
# --out would have made is not left behind.
make_set "$tmp/no-train" train 0
make_set "$tmp/no-train" t10k 100
expect_error "empty training set" 1 "no-train: the training \(train-\*\) set has no images" -- \
  "$leaky" experiment --data "$tmp/no-train" --hidden 4 --epochs 1 --out "$tmp/never/made"
[[ ! -e "$tmp/never" ]] && pass || fail "empty training set: the --out folder was made"
# Standard output that cannot be written fails the run.
if [[ -w /dev/full ]]; then
  expect_error "table into /dev/full" 1 "cannot write standard output: No space left" -- \
    bash -c "'$leaky' experiment --data '$fake' --hidden 4 --epochs 1 --out '$tmp/full-out' >/dev/full"
fi
# Interrupted: results.csv holds the activations finished (whole), no temporary is left, and
# a folder the run made and left empty is removed.  (About 0.2 s per activation here.)
long=(--data "$fake" --hidden 8 --epochs 1000 --batch 16 --optimizer sgd)
set -m # background runs get SIGINT and SIGTERM as a user's would
"$leaky" experiment "${long[@]}" --activations relu --out "$tmp/cut/short" >/dev/null 2>&1 &
pid=$!
sleep 0.05
kill -TERM "$pid"; wait "$pid"; rc=$?
[[ $rc -eq 143 ]] && pass || fail "SIGTERM before the first result: exit $rc"
[[ ! -e "$tmp/cut" ]] && pass || fail "SIGTERM before the first result: left $(find "$tmp/cut")"
"$leaky" experiment "${long[@]}" --activations relu,leaky,prelu,rrelu,leaky:0.2 --out "$tmp/cut2" >/dev/null 2>&1 &
pid=$!
for ((i = 0; i < 200; i++)); do [[ -e "$tmp/cut2/results.csv" ]] && break; sleep 0.02; done
kill -INT "$pid"; wait "$pid"; rc=$?
set +m
[[ $rc -eq 130 ]] && pass || fail "SIGINT after a result: exit $rc"
rows=$(($(wc -l <"$tmp/cut2/results.csv") - 1))
# (results.csv appears after the first of five activations, not only at the end)
((rows > 0 && rows < 5000 && rows % 1000 == 0)) && pass || fail "SIGINT after a result: results.csv has $rows rows"
[[ -z $(find "$tmp/cut2" -name '.*') ]] && pass || fail "SIGINT: left $(find "$tmp/cut2" -name '.*')"

# The real dataset: a small run whose training loss falls, whose numbers repeat.
if [[ ! -f "$data/train-images-idx3-ubyte.gz" ]]; then
  echo "experiment: $passed passed, $failed failed"
  echo "SKIP the runs on Fashion-MNIST: $data lacks it (install the Debian package dataset-fashion-mnist)"
  [[ $failed -eq 0 ]] && exit 77 || exit 1
fi
small=(--subset 2000 --epochs 2 --threads 2) # every default activation
for run in 1 2; do
  if ! "$leaky" experiment --data "$data" "${small[@]}" --out "$tmp/run$run" >"$tmp/table$run" 2>"$tmp/err"; then
    fail "small run $run: exit $? ($(cat "$tmp/err"))"; continue
  fi
  if [[ -s "$tmp/err" ]]; then fail "small run $run: printed '$(cat "$tmp/err")' on stderr (not a terminal)"; else pass; fi
done
csv=$tmp/run1/results.csv
if [[ -f "$csv" ]]; then
  if [[ $(head -1 "$csv") == "activation,seed,epoch,train_loss,test_loss,test_accuracy,epoch_seconds,dead_fraction_layer1,dead_fraction_layer2" ]]; then pass
  else fail "results.csv header: $(head -1 "$csv")"; fi
  if [[ $(wc -l <"$csv") -eq 11 ]]; then pass; else fail "results.csv has $(wc -l <"$csv") lines, expected 1 + 5 x 2"; fi
  # Per activation: epoch 2's loss below epoch 1's, and far better than chance on the test set.
  if awk -F, 'NR > 1 { if ($3 == 1) first[$1] = $4; else { if (!($4 < first[$1])) { print $1 ": loss " first[$1] " then " $4; bad = 1 }
                       if (!($6 > 0.6)) { print $1 ": test accuracy " $6; bad = 1 } } }
              END { exit bad }' "$csv" >"$tmp/why"; then pass
  else fail "small run: $(cat "$tmp/why")"; fi
  for act in relu leaky:0.01 leaky:0.2 prelu rrelu; do
    if grep -q "^$act " "$tmp/table1"; then pass; else fail "table lacks a row for $act"; fi
  done
  # Same seed, same numbers: everything but the seconds.
  if cmp -s <(cut -d, -f1-6,8- "$csv") <(cut -d, -f1-6,8- "$tmp/run2/results.csv"); then pass
  else fail "two runs with the same seed differ: $(diff <(cut -d, -f1-6,8- "$csv") <(cut -d, -f1-6,8- "$tmp/run2/results.csv"))"; fi
  # And another seed, other numbers (so the comparison above can fail).
  "$leaky" experiment --data "$data" "${small[@]}" --seed 2 --out "$tmp/run3" >/dev/null 2>&1
  if ! cmp -s <(cut -d, -f1-6,8- "$csv") <(cut -d, -f1-6,8- "$tmp/run3/results.csv"); then pass
  else fail "seeds 1 and 2 gave the same numbers"; fi
else
  fail "small run wrote no results.csv"
fi
# --provoke-dying kills ReLU units, not Leaky ReLU (slope 0.2) ones: the effect the command
# exists to show (46% against 0% of the second layer here, at its peak).
if "$leaky" experiment --data "$data" --provoke-dying --subset 10000 --epochs 3 --threads 2 \
     --activations relu,leaky:0.2 --out "$tmp/dying" >/dev/null 2>"$tmp/err"; then
  if awk -F, 'NR > 1 { if ($9 > peak[$1]) peak[$1] = $9 }
              END { printf "relu %.3f, leaky:0.2 %.3f\n", peak["relu"], peak["leaky:0.2"]
                    exit !(peak["relu"] >= 0.25 && peak["leaky:0.2"] <= 0.05) }' \
       "$tmp/dying/results.csv" >"$tmp/why"; then pass
  else fail "--provoke-dying: peak dead share of layer 2: $(cat "$tmp/why")"; fi
else fail "--provoke-dying run: exit $? ($(cat "$tmp/err"))"; fi

for png in test_accuracy dead_units train_loss; do
  if [[ $(head -c 8 "$tmp/run1/$png.png" 2>/dev/null | od -An -tx1 | tr -d ' ') == 89504e470d0a1a0a ]]; then pass
  else fail "run 1 wrote no $png.png"; fi
done
if [[ -n $(find "$tmp/run1" -name '.*') ]]; then fail "temporary files left behind: $(find "$tmp/run1" -name '.*')"; else pass; fi

finish experiment
