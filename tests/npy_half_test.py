#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""leaky apply on float16, int8 and uint8 .npy files (issue 6), against independent
references: numpy for float16 (float32 rule, astype(float16)); exact rational arithmetic
(fractions.Fraction, round() ties to even) for --dtype qs8 / qu8.

Usage: /usr/bin/python3 npy_half_test.py path/to/leaky      (exit 77 when numpy is missing)
"""
import os
import re
import subprocess
import sys
import tempfile
from fractions import Fraction

try:
    import numpy as np
except ImportError:
    print("SKIP: numpy is not installed for", sys.executable)
    sys.exit(77)

LEAKY = sys.argv[1]
np.seterr(all="ignore")
SEED = 20261126
rng = np.random.default_rng(SEED)
print("seed", SEED)
passed = failed = 0
tmp = tempfile.mkdtemp()


def path(name):
    return os.path.join(tmp, name)


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", name, detail, file=sys.stderr)


def run(*args):
    p = subprocess.run([LEAKY, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def same_bits(a, b):
    """float16 arrays equal bit for bit, NaN compared as NaN (numpy keeps a signalling
    NaN signalling, the library quiets it)."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    nan = np.isnan(a) & np.isnan(b)
    return bool(np.all((a.view(np.uint16) == b.view(np.uint16)) | nan) and
                np.array_equal(np.isnan(a), np.isnan(b)))


# ------------------------------------------------------------ float16
every = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16)
x = every.reshape(256, 256)
dy = rng.integers(0, 65536, size=65536, dtype=np.uint32).astype(np.uint16).view(np.float16)
dy = dy.reshape(256, 256)
np.save(path("x.npy"), x)
np.save(path("dy.npy"), dy)
x32, dy32 = x.astype(np.float32), dy.astype(np.float32)
for a in ["0.01", "0", "-0.5", "1.5", "3e38"]:
    a32 = np.float32(a)
    for name, args, want in [
            ("forward", [], np.where(x32 > 0, x32, a32 * x32)),
            ("derivative", ["--derivative"], np.where(x32 > 0, np.float32(1), a32)),
            ("backward", ["--backward", "--grad", path("dy.npy")],
             np.where(x32 > 0, dy32, a32 * dy32))]:
        rc, out, err = run("apply", "--slope", a, "--dtype", "f16", *args, path("x.npy"),
                           path("y.npy"))
        got = np.load(path("y.npy")) if rc == 0 else None
        check(f"f16 {name} a={a}", rc == 0 and same_bits(got, want.astype(np.float16)),
              err)
# In place, without --dtype.
np.save(path("z.npy"), x)
rc, out, err = run("apply", "--inplace", path("z.npy"))
check("f16 in place", rc == 0 and same_bits(np.load(path("z.npy")),
                                            np.where(x32 > 0, x32, np.float32(0.01) * x32)
                                            .astype(np.float16)), err)

# ------------------------------------------------------------ qs8 / qu8


def exact(q, s_in, z_in, s_out, z_out, a, lo, hi):
    real = Fraction(float(s_in)) * (q - z_in)
    act = real if real > 0 else Fraction(float(a)) * real
    out = round(act / Fraction(float(s_out))) + z_out  # round(): ties to even
    return min(max(out, lo), hi)


sets = [(0.5, 0, 0.25, 0, 0.5), (0.05, 3, 0.025, -28, 0.01), (1.0, -128, 1.0, 127, -1.0),
        (2.0 ** -8, 100, 1.0, 0, 1.5), (3.0, 17, 2.0 ** -8 * 3, -5, 0.0)]
for _ in range(15):
    s_out = float(np.float32(2.0 ** rng.uniform(-10, 4)))
    sets.append((float(np.float32(s_out * 2.0 ** rng.uniform(-8, 8))), int(rng.integers(-128, 128)),
                 s_out, int(rng.integers(-128, 128)), float(np.float32(rng.uniform(-2, 2)))))
for i, (s_in, z_in, s_out, z_out, a) in enumerate(sets):
    for kind, dtype, lo, hi, shift in (("qs8", np.int8, -128, 127, 0), ("qu8", np.uint8, 0, 255, 128)):
        q = np.arange(lo, hi + 1).astype(dtype).reshape(16, 16)
        np.save(path("q.npy"), q)
        args = ["--dtype", kind, "--in-scale", repr(s_in), "--in-zero-point", str(z_in + shift),
                "--out-scale", repr(s_out), "--out-zero-point", str(z_out + shift),
                "--slope", repr(a)]
        rc, out, err = run("apply", *args, path("q.npy"), path("r.npy"))
        want = np.array([exact(int(v), np.float32(s_in), z_in + shift, np.float32(s_out),
                               z_out + shift, np.float32(a), lo, hi) for v in q.ravel()],
                        dtype=dtype).reshape(16, 16)
        got = np.load(path("r.npy")) if rc == 0 else None
        check(f"{kind} set {i} {args}", rc == 0 and got.dtype == want.dtype and
              np.array_equal(got, want), err if rc else f"\n{got}\n{want}")

# Errors: named, nothing written.
np.save(path("q.npy"), np.arange(-128, 128).astype(np.int8))
for name, args, code, pattern in [
        ("int8 without --dtype", [], 1, "int8 data needs --dtype qs8"),
        ("wrong --dtype", ["--dtype", "qu8", "--in-scale", "1", "--in-zero-point", "0",
                           "--out-scale", "1", "--out-zero-point", "0"], 1,
         "the data is int8, not --dtype qu8"),
        ("missing option", ["--dtype", "qs8", "--in-scale", "1", "--in-zero-point", "0",
                            "--out-scale", "1"], 2, "--dtype qs8 needs --out-zero-point"),
        ("bad scale", ["--dtype", "qs8", "--in-scale", "-1", "--in-zero-point", "0",
                       "--out-scale", "1", "--out-zero-point", "0"], 2,
         "in_scale is -1; expected a positive finite number"),
        ("bad zero point", ["--dtype", "qs8", "--in-scale", "1", "--in-zero-point", "0",
                            "--out-scale", "1", "--out-zero-point", "200"], 2,
         "out_zero_point is 200; expected an integer in \\[-128, 127\\]"),
        ("not a number", ["--dtype", "qs8", "--in-scale", "1", "--in-zero-point", "1.5",
                          "--out-scale", "1", "--out-zero-point", "0"], 2,
         "--in-zero-point 1.5: expected a whole number"),
        ("derivative", ["--dtype", "qs8", "--in-scale", "1", "--in-zero-point", "0",
                        "--out-scale", "1", "--out-zero-point", "0", "--derivative"], 1,
         "only the forward"),
        ("scale option on float data", ["--in-scale", "1"], 2,
         "--in-scale is for --dtype qs8 or qu8")]:
    src = path("x.npy") if name == "scale option on float data" else path("q.npy")
    if os.path.exists(path("none.npy")):
        os.remove(path("none.npy"))
    rc, out, err = run("apply", *args, src, path("none.npy"))

    check(f"error: {name}", rc == code and err.startswith("leaky: apply") and
          re.search(pattern, err) is not None and not os.path.exists(path("none.npy")),
          f"rc={rc} {err!r}")

print(f"npy_half: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
