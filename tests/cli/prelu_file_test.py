# SPDX-License-Identifier: MIT
"""leaky apply --prelu-file W.npy: slopes of any shape that broadcasts to the input as
NumPy's rules (and ONNX's PRelu) have it, against numpy: y, the derivative and dx bit for
bit, the slope gradient (printed, one per slope in C order) within 1e-6 of the sum of
|terms|, in place, over several chunks; and every mismatch between the two files refused
with exit 2, no output left.

Usage: /usr/bin/python3 prelu_file_test.py path/to/leaky      (exit 77 without numpy)
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from leakytest import Checks, Scratch, numpy_or_skip, same_bits  # noqa: E402

np = numpy_or_skip()
scratch = Scratch(sys.argv[1])
path, run = scratch.path, scratch.run
SEED = 20261206
rng = np.random.default_rng(SEED)
print("seed", SEED)
check = Checks("prelu_file")


SHAPES = [
    ("per element (ONNX's test_prelu_example)", (3, 4, 5), (3, 4, 5)),
    ("last axis (ONNX's test_prelu_broadcast)", (3, 4, 5), (5,)),
    ("per channel, dimension 1", (2, 3, 4, 5), (3, 1, 1)),
    ("per channel, first of three", (3, 4, 5), (3, 1, 1)),
    ("two axes split by a broadcast one", (2, 3, 4, 5), (3, 1, 5)),
    ("leading ones", (2, 3, 4), (1, 1, 4)),
    ("scalar", (2, 3, 4), ()),
    ("one slope", (7,), (1,)),
    ("0-d input", (), ()),
    ("empty input", (2, 0, 3), (0, 1)),
    # more than one 1 MiB chunk, a slice of 2.4 MB and one of 4 KB
    ("several chunks, big slices", (3, 300, 1000), (300, 1000)),
    ("several chunks, small slices", (300, 1000, 2), (1000, 1)),
]

for dt in (np.float32, np.float64):
    for name, xs, ws in SHAPES:
        name = f"{dt.__name__} {name} x{xs} w{ws}"
        x = rng.standard_normal(xs).astype(dt)
        if x.size:
            x.reshape(-1)[: min(3, x.size)] = [0.0, -0.0, -1.0][: min(3, x.size)]
        w = rng.standard_normal(ws).astype(dt)
        g = rng.standard_normal(xs).astype(dt)
        np.save(path("x.npy"), x)
        np.save(path("w.npy"), w)
        np.save(path("g.npy"), g)
        rc, out, err = run("apply", "--prelu-file", path("w.npy"), path("x.npy"), path("y.npy"))
        check(f"{name}: y", rc == 0 and same_bits(np.load(path("y.npy")), np.where(x > 0, x, w * x)),
              err)
        rc, out, err = run("apply", "--prelu-file", path("w.npy"), "-d", path("x.npy"),
                           path("d.npy"))
        check(f"{name}: derivative", rc == 0 and same_bits(
            np.load(path("d.npy")), np.where(x > 0, dt(1), np.broadcast_to(w, xs)).astype(dt)), err)
        rc, out, err = run("apply", "--prelu-file", path("w.npy"), "--backward", "--grad",
                           path("g.npy"), path("x.npy"), path("dx.npy"))
        terms = np.where(x > 0, 0.0, x.astype(np.float64) * g)
        lead = x.ndim - w.ndim
        axes = tuple(a for a in range(x.ndim) if a < lead or w.shape[a - lead] == 1)
        want = terms.sum(axis=axes).reshape(-1) if x.ndim else terms.reshape(-1)
        mag = np.abs(terms).sum(axis=axes).reshape(-1) if x.ndim else np.abs(terms).reshape(-1)
        got = np.array([float(v) for v in out.split()])
        check(f"{name}: dx", rc == 0 and same_bits(np.load(path("dx.npy")), np.where(x > 0, g, w * g)),
              err)
        check(f"{name}: slope gradient", rc == 0 and got.size == w.size and
              np.all(np.abs(got - np.resize(want, got.size)) <= 1e-6 * np.resize(mag, got.size) + 1e-30),
              f"{got[:5]} vs {want[:5]} {err}")
        rc, out, err = run("apply", "--inplace", "--prelu-file", path("w.npy"), path("x.npy"))
        check(f"{name}: in place", rc == 0 and same_bits(np.load(path("x.npy")), np.where(x > 0, x, w * x)),
              err)

# Mismatches between the two files: usage errors, nothing written.
x = rng.standard_normal((2, 3, 4)).astype(np.float32)
np.save(path("x.npy"), x)
for name, w, pattern in [
        ("axis does not broadcast", np.ones(3, np.float32),
         "shape \\(3,\\), which does not broadcast to .*\\(2, 3, 4\\): its axis 0 is 3 where .* has 4"),
        ("more axes than the input", np.ones((1, 2, 3, 4), np.float32), "more dimensions than"),
        ("another dtype", np.ones(4, np.float64), "is float64, .* is float32"),
]:
    np.save(path("wbad.npy"), w)
    rc, out, err = run("apply", "--prelu-file", path("wbad.npy"), path("x.npy"), path("out.npy"))
    check(f"usage: {name}", rc == 2 and re.search(pattern, err) is not None and
          not os.path.exists(path("out.npy")), f"rc={rc} {err!r}")
np.save(path("w.npy"), np.ones(4, np.float32))
rc, out, err = run("apply", "--prelu-file", path("w.npy"), "--slope", "0.1", path("x.npy"),
                   path("out.npy"))
check("usage: --prelu-file and --slope", rc == 2 and "give one activation" in err, err)
# In place, a block of the journal holds whole slices: a slice larger than a block is refused,
# with the file untouched.
x = rng.standard_normal((2, 600, 1000))
w = rng.standard_normal((600, 1000))
np.save(path("x.npy"), x)
np.save(path("w.npy"), w)
rc, out, err = run("apply", "--inplace", "--prelu-file", path("w.npy"), path("x.npy"))
check("usage: --inplace with slices larger than a journal block",
      rc == 2 and "whole slices of 600000 elements" in err and
      same_bits(np.load(path("x.npy")), x), f"rc={rc} {err!r}")
rc, out, err = run("apply", "--prelu-file", path("nope.npy"), path("x.npy"), path("out.npy"))
check("missing slope file", rc == 1 and "cannot open" in err and "nope.npy" in err, err)

check.finish()
