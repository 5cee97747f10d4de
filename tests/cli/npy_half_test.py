#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""leaky apply on float16, int8 and uint8 .npy files, against independent
references: numpy for float16 (float32 rule, astype(float16); PReLU also against PyTorch's
float32 F.prelu rounded to float16, where torch is installed); exact rational arithmetic
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

# PReLU forward (float32 slopes, one rounding): numpy's float32 rule, astype(float16), and
# PyTorch's F.prelu in float32 then .half() where torch is installed (its CPU has no float16
# prelu).
try:
    import torch
except ImportError:
    torch = None
    print("torch missing: PReLU compared with numpy only")


def prelu_want(a, w, channels_last):
    """float16 array a, slopes w (text): the float32 rule per channel, rounded once."""
    w32 = np.array([np.float32(v) for v in w.split(",")], dtype=np.float32)
    a32 = a.astype(np.float32)
    if w32.size > 1:
        shape = [1] * a.ndim
        shape[-1 if channels_last else 1] = w32.size
        w32 = w32.reshape(shape)
    want = np.where(a32 > 0, a32, w32 * a32).astype(np.float16)
    if torch is not None:
        t = torch.from_numpy(a32)
        if channels_last and a.ndim > 1:
            t = t.movedim(-1, 1)
        r = torch.nn.functional.prelu(t, torch.from_numpy(w32.ravel()))
        if channels_last and a.ndim > 1:
            r = r.movedim(1, -1)
        check(f"numpy and torch agree, w={w}", same_bits(r.half().numpy(), want))
    return want


prelu_cases = [
    ("NCHW, every pattern", every.reshape(16, 4, 32, 32), "0.25,0,-0.5,1.5", False),
    ("NCHW, shared tiny slope", every.reshape(16, 4, 32, 32), "1e-6", False),
    ("channels last, every pattern", every.reshape(16, 32, 32, 4), "1.5,1e-6,0.25,-0.5", True),
    ("odd shape, short runs", every[:105].reshape(3, 5, 7), "0.1,0.2,0.3,-0.4,0", False),
    ("1-d, one channel", every[::7].copy(), "0.01", False),
    # more than one 1 MiB chunk, cut inside channels and rows
    ("NCHW, several chunks", np.resize(every, (3, 7, 40001)), "0.25,0,-0.5,1.5,1e-6,2,-3",
     False),
    ("channels last, several chunks", np.resize(every, (120001, 7)),
     "0.25,0,-0.5,1.5,1e-6,2,-3", True)]
for name, a, w, last in prelu_cases:
    np.save(path("p.npy"), a)
    want = prelu_want(a, w, last)
    extra = ["--channels-last"] if last else []
    rc, out, err = run("apply", "--prelu", w, *extra, path("p.npy"), path("py.npy"))
    got = np.load(path("py.npy")) if rc == 0 else None
    check(f"f16 prelu {name} w={w}", rc == 0 and same_bits(got, want), err)
    rc, out, err = run("apply", "--inplace", "--dtype", "f16", "--prelu", w, *extra,
                       path("p.npy"))
    check(f"f16 prelu {name} in place", rc == 0 and same_bits(np.load(path("p.npy")), want),
          err)
np.save(path("p.npy"), every.reshape(16, 4, 32, 32))
for name, args, code, pattern in [
        ("prelu derivative", ["--prelu", "0.1", "--derivative"], 1,
         "--prelu with --derivative is float32 and float64 only; float16 data has the PReLU "
         "forward"),
        ("prelu backward", ["--prelu", "0.1", "--backward", "--grad", path("p.npy")], 1,
         "--prelu with --backward is float32 and float64 only"),
        ("prelu slope count", ["--prelu", "0.1,0.2,0.3"], 2,
         "--prelu gave 3 slopes but .* has 4 channels"),
        ("rrelu", ["--rrelu", "0.1,0.2"], 1, "--rrelu is float32 and float64 only")]:
    if os.path.exists(path("none.npy")):
        os.remove(path("none.npy"))
    rc, out, err = run("apply", *args, path("p.npy"), path("none.npy"))
    check(f"f16 error: {name}", rc == code and err.startswith("leaky: apply") and
          re.search(pattern, err) is not None and not os.path.exists(path("none.npy")),
          f"rc={rc} {err!r}")

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
