#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# leaky plot: pictures read back (PNG through cairo, SVG as XML, PDF's structure), the
# --csv table against leaky eval, and every error with its exit code and no file left.
# Usage: plot_test.sh path/to/leaky path/to/png_probe
set -u
leaky=$1 probe=$2
source "$(dirname "$0")/cli_lib.sh"
python=/usr/bin/python3
mkdir "$tmp/out"

# Pixel of data point (X, Y) from the mapping `leaky plot --verbose` prints.
# Sets px, py.
to_pixel() {
  read -r px py < <(awk -v x="$2" -v y="$3" '{
      split($5, xr, /\.\./); split($7, xp, /\.\./); split($9, yr, /\.\./); split($11, yp, /\.\./)
      sub(/,$/, "", xp[2]);
      printf "%.3f %.3f\n", xp[1] + (x - xr[1]) / (xr[2] - xr[1]) * (xp[2] - xp[1]),
                            yp[1] + (y - yr[1]) / (yr[2] - yr[1]) * (yp[2] - yp[1]) }' <<<"$1")
}

# find_colour NAME MAPPING X Y RRGGBB FILE: the curve's colour where (X, Y) falls.
find_colour() {
  to_pixel "$2" "$3" "$4"
  local got
  if got=$("$probe" "$6" find "$px" "$py" 2 "$5" 48); then pass
  else fail "$1: ($3, $4) at pixel ($px, $py): $got"; fi
}

# is_white NAME MAPPING X Y FILE: nothing drawn there.
is_white() {
  to_pixel "$2" "$3" "$4"
  local got
  got=$("$probe" "$5" at "$px" "$py")
  if [[ "$got" == ffffff ]]; then pass; else fail "$1: ($3, $4) at pixel ($px, $py) is $got"; fi
}

blue=1f77b4 orange=ff7f0e green=2ca02c

# The article's chart: default size, the curve where it should be.
png=$tmp/out/default.png
if map=$("$leaky" plot -o "$png" --verbose 2>"$tmp/err"); then pass; else fail "default plot: $(cat "$tmp/err")"; fi
expect "default size" 0 "800 600" -- "$probe" "$png" size
inset=$(sed -n 's/^zoom inset of x < 0 at //p' <<<"$map")
map=$(head -1 <<<"$map")
find_colour "default (2, 2)" "$map" 2 2 $blue "$png"
find_colour "default (-1, -0.01)" "$map" -1 -0.01 $blue "$png"
is_white "default empty (2.25, 0.75)" "$map" 2.25 0.75 "$png"
is_white "default empty (-0.75, 0.75)" "$map" -0.75 0.75 "$png"
# A leak of 0.03 on a 3.3 high chart gets the zoom, which hides no curve: the curve's
# points are all outside its box.
if [[ -n "$inset" ]]; then pass; else fail "no zoom inset for slope 0.01"; fi
read -r ix0 ix1 iy0 iy1 < <(sed 's/\.\./ /g; s/,//' <<<"$inset")
hidden=$("$leaky" plot --csv - | tail -n +2 | while IFS=, read -r x y; do to_pixel "$map" "$x" "$y"
  awk -v px="$px" -v py="$py" -v a="$ix0" -v b="$ix1" -v c="$iy0" -v d="$iy1" \
    'BEGIN { if (px >= a && px <= b && py >= c && py <= d) print "hidden" }'; done | wc -l)
expect "inset hides no point of the curve" 0 0 -- echo "$hidden"

# A visible slope, a second one and ReLU: each curve in its colour at (2, 2) and (-3, -3a).
png=$tmp/out/three.png
map=$("$leaky" plot -o "$png" --verbose --slope 0.5 --slope 0.2 --relu --size 1000x700)
expect "no zoom for visible slopes" 0 1 -- wc -l <<<"$map"
expect "--size" 0 "1000 700" -- "$probe" "$png" size
find_colour "a=0.5 at (-3, -1.5)" "$map" -3 -1.5 $blue "$png"
find_colour "a=0.2 at (-3, -0.6)" "$map" -3 -0.6 $orange "$png"
find_colour "relu at (-2, 0)" "$map" -2 0 $green "$png"
find_colour "curves at (2, 2)" "$map" 2 2 "$green" "$png"
is_white "three empty (1.75, 0.4)" "$map" 1.75 0.4 "$png"
is_white "three empty (-1.25, 1.75)" "$map" -1.25 1.75 "$png"

# Values that overflow to -inf are not data: they neither stretch the axes nor call for a zoom.
hmap=$("$leaky" plot -o "$tmp/out/huge.png" --verbose --range=-3.4e38:3.4e38 --slope 2)
expect "overflow: no zoom" 0 1 -- wc -l <<<"$hmap"
if awk '{ split($9, r, /\.\./); exit !(r[1] > -1e39 && r[2] < 1e39) }' <<<"$hmap"; then pass
else fail "overflow stretched the y axis: $hmap"; fi

# The gradient, dashed, at 1 for x > 0 and a below.
png=$tmp/out/deriv.png
map=$("$leaky" plot -o "$png" --verbose --slope 0.5 --derivative --range -2:2 --points 401)
find_colour "derivative at (1, 1)" "$map" 1.25 1 $blue "$png"
find_colour "derivative at (-1, 0.5)" "$map" -1.25 0.5 $blue "$png"
find_colour "function at (-2, -1) in --range" "$map" -2 -1 $blue "$png"

# SVG: well-formed XML carrying the title; PDF: magic and exactly one page.
svg=$tmp/out/c.svg pdf=$tmp/out/c.pdf
"$leaky" plot -o "$svg" --title "Leaky & friends <test>"
if $python - "$svg" <<'PY'; then pass; else fail "svg"; fi
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
titles = [e.text for e in root.iter("{http://www.w3.org/2000/svg}title")]
assert titles == ["Leaky & friends <test>"], titles
assert root.get("width") == "800pt" and root.get("height") == "600pt"
PY
"$leaky" plot -o "$pdf" --slope 0.1 --derivative
if $python - "$pdf" <<'PY'; then pass; else fail "pdf"; fi
import re, sys
data = open(sys.argv[1], "rb").read()
assert data.startswith(b"%PDF-"), data[:8]
assert data.rstrip().endswith(b"%%EOF")
pages = re.findall(rb"/Type\s*/Page\b(?!s)", data)
assert len(pages) == 1, pages
assert b"Graph of Leaky ReLU Activation Function" in data  # the document's title
PY
"$leaky" plot -o "$tmp/out/UPPER.PNG" && [[ -s "$tmp/out/UPPER.PNG" ]] && pass || fail "upper-case extension"

# --csv: the same numbers as leaky eval, row by row.
csv=$("$leaky" plot --csv - --slope 0.05 --relu --derivative --points 9 --range -2:2)
expect "csv header" 0 "x,Leaky ReLU (a=0.05),ReLU,Leaky ReLU derivative (a=0.05),ReLU derivative" -- head -1 <<<"$csv"
xs=$(tail -n +2 <<<"$csv" | cut -d, -f1 | tr '\n' ' ')
for col in "2 --slope 0.05" "3 --relu" "4 --slope 0.05 --derivative" "5 --relu --derivative"; do
  read -r n opts <<<"$col"
  # shellcheck disable=SC2086
  want=$("$leaky" eval $opts -- $xs)
  got=$(tail -n +2 <<<"$csv" | cut -d, -f"$n" | tr '\n' ' ' | sed 's/ $//')
  if [[ "$got" == "$want" ]]; then pass; else fail "csv column $n: '$got' != eval '$want'"; fi
done
expect "csv x is linspace" 0 "-2 -1.5 -1 -0.5 0 0.5 1 1.5 2 " -- echo "$xs"
expect "csv default" 0 "101 x,Leaky ReLU -3,-0.03 3,3" -- bash -c "'$leaky' plot --csv - | awk 'NR == 1 { h = \$0 } NR == 2 { f = \$0 } END { print NR, h, f, \$0 }'"

# --csv FILE and -o FILE together: both written, the file holding what - prints.
if "$leaky" plot --csv "$tmp/both.csv" -o "$tmp/both.png" -s 0.1 -a relu -n 7 2>"$tmp/err" &&
   [[ -s "$tmp/both.png" ]] && [[ "$(cat "$tmp/both.csv")" == "$("$leaky" plot --csv - -s 0.1 --relu -n 7)" ]]
then pass; else fail "--csv FILE with -o: $(cat "$tmp/err")"; fi
# --activation adds curves as its shorthands do.
expect "activation curves = shorthands" 0 "$("$leaky" plot --csv - -s 0.2 --prelu 0.1,0.3 --rrelu 0.1,0.2 -n 5)" -- \
  "$leaky" plot --csv - -a leaky:0.2 -a prelu:0.1,0.3 -a rrelu:0.1:0.2 -n 5
expect "relu alone draws ReLU only" 0 "x,ReLU" -- bash -c "'$leaky' plot --relu --csv - | head -1"

# The default title names what is drawn.
for case in "--slope 0.1|Graph of Leaky ReLU Activation Function" \
            "--prelu 0.25|Graph of PReLU Activation Function" \
            "--rrelu 0.1,0.3|Graph of RReLU Activation Function" \
            "-a relu|Graph of ReLU Activation Function" \
            "--prelu 0.25 --rrelu 0.1,0.3|Graph of PReLU and RReLU Activation Functions" \
            "-s 0.1 --relu --prelu 0.2|Graph of Leaky ReLU, ReLU and PReLU Activation Functions"; do
  IFS='|' read -r opts title <<<"$case"
  # shellcheck disable=SC2086
  got=$("$leaky" plot $opts -o "$tmp/t.svg" --verbose | head -1)
  if [[ "$got" == *" titled \"$title\"" ]]; then pass; else fail "title for $opts: $got"; fi
done
expect "a given title" 0 1 -- bash -c "'$leaky' plot --title 'My chart' -o '$tmp/t.svg' -v | grep -c 'titled \"My chart\"\$'"

# Errors: exit 2 for usage, 1 for I/O; never a file left behind (not even a temporary).
before=$(ls -A "$tmp/out")
expect_error "unknown extension" 2 "unknown picture format" -- "$leaky" plot -o "$tmp/out/x.jpg"
expect_error "no extension" 2 "unknown picture format" -- "$leaky" plot -o "$tmp/out/x"
expect_error "no output" 2 "no output" -- "$leaky" plot
expect_error "--csv needs its file" 2 "--csv needs a value" -- "$leaky" plot --csv
expect_error "points twice" 2 "--points given twice" -- "$leaky" plot --csv - -n 5 --points 6
expect_error "output twice" 2 "--output given twice" -- "$leaky" plot -o "$tmp/out/y.png" -o "$tmp/out/z.png"
expect_error "-t is not the title" 2 "unknown option -t" -- "$leaky" plot -t T -o "$tmp/out/y.png"
expect_error "two rrelu" 2 "one RReLU per chart" -- "$leaky" plot --rrelu 0,1 -a rrelu --csv -
expect_error "empty range" 2 "--range 1:1 is empty" -- "$leaky" plot -o "$tmp/out/y.png" --range 1:1
expect_error "reversed range" 2 "--range 3:-3 is reversed" -- "$leaky" plot -o "$tmp/out/y.png" --range 3:-3
expect_error "bad range" 2 "expected A:B" -- "$leaky" plot -o "$tmp/out/y.png" --range 3
expect_error "infinite range" 2 "expected A:B" -- "$leaky" plot -o "$tmp/out/y.png" --range -inf:0
expect_error "one point" 2 "--points 1: expected a whole number from 2" -- "$leaky" plot -o "$tmp/out/y.png" --points 1
expect_error "zero points" 2 "--points 0" -- "$leaky" plot -o "$tmp/out/y.png" --points 0
expect_error "too many points" 2 "--points 99999999999" -- "$leaky" plot -o "$tmp/out/y.png" --points 99999999999
expect_error "points not a number" 2 "--points 5x" -- "$leaky" plot -o "$tmp/out/y.png" --points 5x
expect_error "size 0x0" 2 "--size 0x0: expected WxH" -- "$leaky" plot -o "$tmp/out/y.png" --size 0x0
expect_error "huge size" 2 "--size 100000x100000" -- "$leaky" plot -o "$tmp/out/y.png" --size 100000x100000
expect_error "tiny size" 2 "--size 10x10" -- "$leaky" plot -o "$tmp/out/y.png" --size 10x10
expect_error "negative size" 2 "--size -800x600" -- "$leaky" plot -o "$tmp/out/y.png" --size -800x600
expect_error "size without x" 2 "--size 800" -- "$leaky" plot -o "$tmp/out/y.png" --size 800
expect_error "bad slope" 2 "--slope nan: expected a finite number" -- "$leaky" plot -o "$tmp/out/y.png" --slope nan
expect_error "stray argument" 2 "unexpected argument" -- "$leaky" plot -o "$tmp/out/y.png" extra
after=$(ls -A "$tmp/out")
if [[ "$before" == "$after" ]]; then pass; else fail "usage errors left files: $after"; fi

expect_error "missing directory" 1 "cannot create $tmp/out/no/such/dir/y.png: No such file" -- "$leaky" plot -o "$tmp/out/no/such/dir/y.png"
touch "$tmp/out/file"
expect_error "directory is a file" 1 "cannot create $tmp/out/file/y.png: Not a directory" -- "$leaky" plot -o "$tmp/out/file/y.png"
mkdir "$tmp/out/dir.png"
expect_error "output names a directory" 1 "Is a directory" -- "$leaky" plot -o "$tmp/out/dir.png"
if [[ $(id -u) -ne 0 ]]; then
  mkdir "$tmp/out/ro" && chmod 555 "$tmp/out/ro"
  expect_error "unwritable directory" 1 "cannot create .*ro/y.png: Permission denied" -- "$leaky" plot -o "$tmp/out/ro/y.png"
  [[ -z $(ls -A "$tmp/out/ro") ]] && pass || fail "unwritable directory got a file"
  chmod 755 "$tmp/out/ro"
else
  echo "SKIP: unwritable directory (running as root, which may write anywhere)"
fi
expect_error "unwritable /proc" 1 "cannot create /proc/leaky-test.png" -- "$leaky" plot -o /proc/leaky-test.png
after=$(ls -A "$tmp/out" | grep -v -e '^file$' -e '^dir.png$' -e '^ro$')
if [[ "$before" == "$after" ]]; then pass; else fail "I/O errors left files: $after"; fi

# A failed run leaves an existing picture untouched.
cp "$tmp/out/default.png" "$tmp/out/keep.png"
"$leaky" plot -o "$tmp/out/keep.png" --points 1 2>/dev/null
cmp -s "$tmp/out/default.png" "$tmp/out/keep.png" && pass || fail "failed run changed keep.png"

# PReLU and RReLU: values from the library, the band between the bounds' lines,
# the training draw inside it, and the picture's band in the RReLU colour.
csv=$("$leaky" plot --csv - --prelu 0.25 --rrelu 0.125,0.375 --train --seed 3 --points 7)
expect "prelu/rrelu csv header" 0 "x,PReLU (w=0.25),RReLU training slopes [0.125, 0.375] low,RReLU training slopes [0.125, 0.375] high,RReLU eval (a=0.25),RReLU training draw (seed 3)" -- head -1 <<<"$csv"
expect "prelu/rrelu csv at -2" 0 "-2,-0.5,-0.75,-0.25,-0.5" -- bash -c "sed -n 3p <<<'$csv' | cut -d, -f1-5"
if tail -n +2 <<<"$csv" | awk -F, '{ if ($6 < $3 || $6 > $4) exit 1 }'; then pass
else fail "rrelu training draw outside its band: $csv"; fi
draw=$("$leaky" eval --rrelu 0.125,0.375 --train --seed 3 -- -3 -2 -1 0 1 2 3 | tr ' ' '\n')
expect "rrelu training draw = leaky eval --train" 0 "$draw" -- bash -c "tail -n +2 <<<'$csv' | cut -d, -f6"
png=$tmp/out/rrelu.png
rmap=$("$leaky" plot --rrelu 0.1,0.5 -o "$png" --verbose) || fail "rrelu plot: exit $?"
find_colour "rrelu eval curve" "$rmap" -2 -0.6 $blue "$png"
to_pixel "$rmap" -2.5 -0.7
if got=$("$probe" "$png" at "$px" "$py") && [[ "$got" != ffffff ]]; then pass
else fail "rrelu band not shaded at (-2.5, -0.7): $got"; fi
is_white "outside the rrelu band" "$rmap" -2.5 -1.6 "$png"
expect_error "train without rrelu" 2 "--train goes with --rrelu" -- "$leaky" plot --train --csv -
expect_error "rrelu reversed" 2 "LOWER <= UPPER" -- "$leaky" plot --rrelu 0.5,0.1 --csv -
expect_error "prelu not a number" 2 "item 1, 'x'" -- "$leaky" plot --prelu x --csv -

for cmd in plot apply; do
  if "$leaky" $cmd --help | grep -q "usage: leaky $cmd"; then pass; else fail "$cmd --help"; fi
done
finish plot
