# SPDX-License-Identifier: MIT
"""leaky apply against numpy: files written by np.save go through the tool and come back
bit-identical to numpy's own computation; every malformed or unsupported file is refused
with a message naming it, exit status 1 and no output left.

Usage: /usr/bin/python3 npy_test.py path/to/leaky      (exit 77 when numpy is missing)
"""
import io
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("SKIP: numpy is not installed for", sys.executable)
    sys.exit(77)

LEAKY = sys.argv[1]
np.seterr(all="ignore")  # inf * 0.01, NaN and casts of specials are meant
SEED = 20261126
rng = np.random.default_rng(SEED)
print("seed", SEED)
passed = failed = 0


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


def bits_equal(a, b):
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(
        a.view(np.uint32), b.view(np.uint32))


def sample(shape):
    """Random values with the special ones mixed in: +-0, +-inf, NaN, denormals, extremes."""
    n = int(np.prod(shape))
    x = (rng.standard_normal(n) * 4).astype(np.float32)
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, -1e-39,
                         3.4e38, -3.4e38, -1.0, 1.0], dtype=np.float32)
    k = min(n, len(specials))
    x[rng.choice(n, size=k, replace=False)] = specials[:k] if n else x[:0]
    return x.reshape(shape)


# numpy's own computation, in float32 (one rounded multiply, as the library).
def np_forward(x, a):
    return np.where(x > 0, x, np.float32(a) * x).astype(np.float32)


def np_relu(x):
    return np.where(x < 0, np.float32(0), x).astype(np.float32)


def np_derivative(x, a):
    return np.where(x > 0, np.float32(1), np.float32(a)).astype(np.float32)


def np_backward(x, dy, a):
    return np.where(x > 0, dy, np.float32(a) * dy).astype(np.float32)


def np_relu_backward(x, dy):
    return np.where(x <= 0, np.float32(0), dy).astype(np.float32)


tmp = tempfile.mkdtemp()


def path(name):
    return os.path.join(tmp, name)


def listing():
    return sorted(os.listdir(tmp))


# ---------------------------------------------------------------- round trips
shapes = [(), (0,), (1,), (5,), (3, 4), (2, 3, 4), (0, 3), (3, 0, 2), (1, 1, 1, 1),
          (17,), (4, 5, 6, 7), (2,) * 10, (600001,), (300, 1001)]
for shape in shapes:
    x = sample(shape)
    np.save(path("in.npy"), x)
    for slope in (0.01, 0.2, -0.5, 1.5, 0.0):
        rc, out, err = run("apply", "--slope", repr(slope), path("in.npy"), path("out.npy"))
        y = np.load(path("out.npy")) if rc == 0 else None
        check(f"forward {shape} a={slope}", rc == 0 and bits_equal(y, np_forward(x, slope)),
              err)
    rc, out, err = run("apply", path("in.npy"), path("out.npy"))
    check(f"default slope {shape}",
          rc == 0 and bits_equal(np.load(path("out.npy")), np_forward(x, np.float32(0.01))), err)
    rc, out, err = run("apply", "--relu", path("in.npy"), path("out.npy"))
    check(f"relu {shape}", rc == 0 and bits_equal(np.load(path("out.npy")), np_relu(x)), err)
    rc, out, err = run("apply", "--slope", "0.05", "--derivative", path("in.npy"),
                       path("out.npy"))
    check(f"derivative {shape}",
          rc == 0 and bits_equal(np.load(path("out.npy")), np_derivative(x, 0.05)), err)
    dy = sample(shape)
    np.save(path("dy.npy"), dy)
    rc, out, err = run("apply", "--slope", "0.05", "--backward", "--grad", path("dy.npy"),
                       path("in.npy"), path("out.npy"))
    check(f"backward {shape}",
          rc == 0 and bits_equal(np.load(path("out.npy")), np_backward(x, dy, 0.05)), err)
    rc, out, err = run("apply", "--relu", "--backward", "--grad", path("dy.npy"),
                       path("in.npy"), path("out.npy"))
    check(f"relu backward {shape}",
          rc == 0 and bits_equal(np.load(path("out.npy")), np_relu_backward(x, dy)), err)
    rc, out, err = run("apply", "--inplace", "--slope", "0.3", path("in.npy"))
    check(f"inplace {shape}",
          rc == 0 and bits_equal(np.load(path("in.npy")), np_forward(x, 0.3)), err)
    # What the tool writes is what numpy writes, byte for byte.
    buf = io.BytesIO()
    np.save(buf, np_forward(x, 0.3))
    check(f"bytes as np.save {shape}", open(path("in.npy"), "rb").read() == buf.getvalue())

# The same file as input and output: replaced whole.
x = sample((1000,))
np.save(path("same.npy"), x)
rc, out, err = run("apply", path("same.npy"), path("same.npy"))
check("in = out", rc == 0 and bits_equal(np.load(path("same.npy")), np_forward(x, 0.01)), err)

# Other header versions and layouts numpy can write; a data offset that is not a multiple
# of 4 (a hand-made header) must still give exact results.
x = sample((7, 3))
for version in ((1, 0), (2, 0), (3, 0)):
    with open(path("v.npy"), "wb") as f:
        np.lib.format.write_array(f, x, version=version)
    rc, out, err = run("apply", path("v.npy"), path("out.npy"))
    check(f"version {version}",
          rc == 0 and bits_equal(np.load(path("out.npy")), np_forward(x, 0.01)), err)


def handmade(header_text, data, version=1):
    """A .npy file with the header text exactly as given (no padding added)."""
    h = header_text.encode("latin1")
    if version == 1:
        prefix = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h))
    else:
        prefix = b"\x93NUMPY" + bytes([version, 0]) + struct.pack("<I", len(h))
    return prefix + h + data


x = sample((5,))
for pad in range(4):
    hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }" + " " * pad + "\n"
    open(path("odd.npy"), "wb").write(handmade(hdr, x.tobytes()))
    for extra in ([], ["--inplace"]):
        args = ["apply", *extra, path("odd.npy")] + ([] if extra else [path("out.npy")])
        rc, out, err = run(*args)
        result = path("odd.npy") if extra else path("out.npy")
        got = np.frombuffer(open(result, "rb").read()[-20:], dtype="<f4") if rc == 0 else None
        check(f"misaligned data pad={pad} {extra}",
              rc == 0 and bits_equal(got, np_forward(x, 0.01)), err)
        open(path("odd.npy"), "wb").write(handmade(hdr, x.tobytes()))
# Keys in another order, double quotes, Python 2's long integers, '=' byte order.
for hdr in ('{"shape": (5,), "fortran_order": False, "descr": "<f4"}\n',
            "{'descr': '=f4', 'fortran_order': False, 'shape': (5L,)}\n"):
    open(path("alt.npy"), "wb").write(handmade(hdr, x.tobytes()))
    rc, out, err = run("apply", path("alt.npy"), path("out.npy"))
    check(f"header variant {hdr!r}",
          rc == 0 and bits_equal(np.load(path("out.npy")), np_forward(x, 0.01)), err)
# A 1-d Fortran-order header is still refused: leaky reads C order only.

# ---------------------------------------------------------------- malformed and unsupported
good = sample((3, 4))
buf = io.BytesIO()
np.save(buf, good)
good_bytes = buf.getvalue()
data = good.tobytes()
H = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }\n"


def saved(a, **kw):
    b = io.BytesIO()
    np.save(b, a, **kw)
    return b.getvalue()


bad_files = {
    "empty file": (b"", "empty file"),
    "text file": (b"hello, world\n", "not a .npy file"),
    "truncated magic": (b"\x93NUM", "truncated"),
    "magic only": (b"\x93NUMPY", "truncated"),
    "truncated length": (b"\x93NUMPY\x01\x00\x76", "truncated"),
    "unknown version": (b"\x93NUMPY\x04\x00" + good_bytes[8:], "version 4.0 is unknown"),
    "header longer than file": (good_bytes[:40], "truncated: the header says it is 128 bytes"),
    "data truncated": (good_bytes[:-1], "truncated: shape \\(3, 4\\) of '<f4' needs 48 bytes"),
    "data too long": (good_bytes + b"\0\0\0\0", "size mismatch"),
    "not a dict": (handmade("['descr']\n", data), "not a Python dict"),
    "missing shape": (handmade("{'descr': '<f4', 'fortran_order': False}\n", data),
                      "key 'shape' is missing"),
    "missing descr": (handmade("{'fortran_order': False, 'shape': (3, 4)}\n", data),
                      "key 'descr' is missing"),
    "duplicate key": (handmade("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, "
                               "'shape': (3, 4)}\n", data), "appears twice"),
    "extra key": (handmade(H[:-2] + "'extra': 1}\n", data), "unexpected key 'extra'"),
    "unterminated dict": (handmade("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)\n",
                                   data), "expected ',' or '}'"),
    "text after dict": (handmade(H[:-1] + " x\n", data), "text after the closing"),
    "unquoted key": (handmade("{descr: '<f4'}\n", data), "expected a quoted key"),
    "fortran_order not bool": (handmade(H.replace("False", "0"), data), "neither True nor False"),
    "shape not a tuple": (handmade(H.replace("(3, 4)", "[3, 4]"), data), "not a tuple"),
    "shape (12) not a tuple": (handmade(H.replace("(3, 4)", "(12)"), data),
                               "\\(12\\) is not a tuple"),
    "negative shape": (handmade(H.replace("(3, 4)", "(3, -4)"), data), "negative size"),
    "shape float": (handmade(H.replace("(3, 4)", "(3.0, 4)"), data), "lacks a comma"),
    "shape word": (handmade(H.replace("(3, 4)", "(three,)"), data), "other than whole numbers"),
    "shape overflow": (handmade(H.replace("(3, 4)", "(4294967296, 4294967296, 16)"), data),
                       "more elements than 64 bits"),
    "shape beyond 64 bits": (handmade(H.replace("(3, 4)", "(99999999999999999999,)"), data),
                             "beyond 64 bits"),
    "too many dims": (handmade(H.replace("(3, 4)", "(" + "1, " * 65 + ")"), data),
                      "more than 64 dimensions"),
    "descr without order": (handmade(H.replace("<f4", "f4"), data), "byte order"),
    "descr garbage": (handmade(H.replace("<f4", "<f4xyz"), data), "not a type numpy writes"),
    "unterminated string": (handmade("{'descr: <f4}\n", data), "expected a quoted key"),
    "fortran order": (saved(np.asfortranarray(good)), "Fortran-order arrays are not supported"),
    "big endian": (saved(good.astype(">f4")), "big-endian data \\('>f4'\\)"),
    "object dtype": (saved(np.array([1, "a", None], dtype=object), allow_pickle=True),
                     "object arrays"),
    "int32": (saved(good.astype(np.int32)), "unsupported dtype '<i4'"),
    "int8": (saved(good.astype(np.int8)), "int8 data needs --dtype qs8"),
    "bool": (saved(good > 0), "unsupported dtype '\\|b1'"),
    "complex": (saved(good.astype(np.complex64)), "unsupported dtype '<c8'"),
    "structured": (saved(np.zeros(3, dtype=[("a", "<f4"), ("b", "<i4")])),
                   "structured \\(record\\) dtypes"),
    "unicode": (saved(np.array(["ab", "c"])), "unsupported dtype '<U2'"),
}

for name, (content, pattern) in bad_files.items():
    src = path("bad.npy")
    open(src, "wb").write(content)
    before = listing()
    rc, out, err = run("apply", src, path("result.npy"))
    after = listing()
    ok = (rc == 1 and out == "" and err.startswith("leaky: apply: " + src + ": ") and
          re.search(pattern, err) is not None and after == before)
    check(f"malformed: {name}", ok, f"rc={rc} err={err!r} files={set(after) - set(before)}")
    # --inplace refuses it too, without touching a byte.
    if content:
        rc, out, err = run("apply", "--inplace", src)
        check(f"malformed inplace: {name}", rc == 1 and open(src, "rb").read() == content, err)

# A bad gradient file, and a gradient that does not match the input.
np.save(path("x.npy"), good)
open(path("g.npy"), "wb").write(good_bytes[:-4])
rc, out, err = run("apply", "--backward", "--grad", path("g.npy"), path("x.npy"),
                   path("result.npy"))
check("malformed grad", rc == 1 and path("g.npy") + ": truncated" in err and
      not os.path.exists(path("result.npy")), err)
np.save(path("g.npy"), good.reshape(4, 3))
rc, out, err = run("apply", "--backward", "--grad", path("g.npy"), path("x.npy"),
                   path("result.npy"))
check("grad shape mismatch is a usage error (exit 2)",
      rc == 2 and "float32 (4, 3) does not match" in err and "(3, 4)" in err and
      not os.path.exists(path("result.npy")), err)

# Files that are not there or not files; outputs that cannot be made.
before = listing()
for name, args, pattern in [
        ("missing input", [path("nope.npy"), path("result.npy")], "cannot open .*nope.npy"),
        ("directory input", [tmp, path("result.npy")], "not a regular file"),
        ("missing output dir", [path("x.npy"), path("no/dir/r.npy")], "cannot create .*No such"),
        ("output is a directory", [path("x.npy"), tmp], "Is a directory")]:
    rc, out, err = run("apply", *args)
    check(name, rc == 1 and re.search(pattern, err) is not None and listing() == before, err)

# An existing output survives a failed run unchanged.
open(path("keep.npy"), "wb").write(b"precious")
open(path("bad.npy"), "wb").write(good_bytes[:-1])
rc, out, err = run("apply", path("bad.npy"), path("keep.npy"))
check("output kept on failure", rc == 1 and open(path("keep.npy"), "rb").read() == b"precious")

# Usage errors: exit 2.
for name, args in [
        ("no files", []),
        ("one file", [path("x.npy")]),
        ("three files", [path("x.npy"), path("a.npy"), path("b.npy")]),
        ("inplace with two files", ["--inplace", path("x.npy"), path("y.npy")]),
        ("backward without grad", ["--backward", path("x.npy"), path("y.npy")]),
        ("grad without backward", ["--grad", path("x.npy"), path("x.npy"), path("y.npy")]),
        ("backward inplace", ["--inplace", "--backward", "--grad", path("x.npy"), path("x.npy")]),
        ("derivative and backward", ["--derivative", "--backward", "--grad", path("x.npy"),
                                     path("x.npy"), path("y.npy")]),
        ("relu with slope", ["--relu", "--slope", "0.1", path("x.npy"), path("y.npy")]),
        ("bad slope", ["--slope", "inf", path("x.npy"), path("y.npy")]),
        ("unknown option", ["--frobnicate", path("x.npy"), path("y.npy")])]:
    rc, out, err = run("apply", *args)
    check(f"usage: {name}", rc == 2 and err.startswith("leaky: apply") and
          not os.path.exists(path("y.npy")), f"rc={rc} {err!r}")

# ---------------------------------------------------------------- float64, PReLU, RReLU
# float64 files, PReLU (per channel, at dimension 1 or last) and RReLU (evaluation, and
# training against this file's own implementation of the generator leaky.h documents).


def same_bits(a, b):
    return (a.shape == b.shape and a.dtype == b.dtype and
            a.reshape(-1).view(np.uint8).tobytes() == b.reshape(-1).view(np.uint8).tobytes())


def splitmix64(z):
    z = (z + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return z ^ (z >> 31)


def rrelu_slopes(n, lower, upper, seed, dtype):
    """The documented draws of elements 0 .. n-1 (n < 2^32)."""
    s = splitmix64(splitmix64(seed) ^ 0)
    k0, k1 = np.uint32(s & 0xFFFFFFFF), np.uint32(s >> 32)
    h = np.arange(n, dtype=np.uint32) + k0
    h ^= h >> np.uint32(17)
    h *= np.uint32(0xED5AD4BB)
    h ^= k1
    h ^= h >> np.uint32(11)
    h *= np.uint32(0xAC4C1B51)
    h ^= h >> np.uint32(15)
    h *= np.uint32(0x31848BAB)
    h ^= h >> np.uint32(14)
    u = (h >> np.uint32(8)).astype(np.float32) * np.float32(2.0 ** -24)
    lo, up = dtype(lower), dtype(upper)
    return (lo + (up - lo) * u.astype(dtype)).astype(dtype)


for dt in (np.float32, np.float64):
    name = np.dtype(dt).name
    x = sample((4, 3, 5, 7)).astype(dt)
    dy = sample((4, 3, 5, 7)).astype(dt)
    np.save(path("x.npy"), x)
    np.save(path("dy.npy"), dy)
    a = dt(0.05)
    for args, want in [
            (["--slope", "0.05"], np.where(x > 0, x, a * x)),
            (["--relu"], np.where(x < 0, dt(0), x)),
            (["--slope", "0.05", "--derivative"], np.where(x > 0, dt(1), a).astype(dt)),
            (["--slope", "0.05", "--backward", "--grad", path("dy.npy")], np.where(x > 0, dy, a * dy))]:
        rc, out, err = run("apply", *args, path("x.npy"), path("out.npy"))
        check(f"{name} {' '.join(args[:2])}",
              rc == 0 and same_bits(np.load(path("out.npy")), want.astype(dt)), err)
    # PReLU: channel at dimension 1, then last.
    w = np.array([0.25, -0.5, 1.5], dtype=dt)
    for layout, wb, xs, dys in [("dim 1", w.reshape(1, 3, 1, 1), x, dy),
                                ("channels last", w, x.reshape(4, 5, 7, 3),
                                 dy.reshape(4, 5, 7, 3))]:
        extra = ["--channels-last"] if layout == "channels last" else []
        np.save(path("xs.npy"), xs)
        np.save(path("dys.npy"), dys)
        rc, out, err = run("apply", "--prelu", "0.25,-0.5,1.5", *extra, path("xs.npy"),
                           path("out.npy"))
        check(f"{name} prelu {layout}",
              rc == 0 and same_bits(np.load(path("out.npy")), np.where(xs > 0, xs, wb * xs)), err)
        rc, out, err = run("apply", "--prelu", "0.25,-0.5,1.5", *extra, "--derivative",
                           path("xs.npy"), path("out.npy"))
        check(f"{name} prelu derivative {layout}",
              rc == 0 and same_bits(np.load(path("out.npy")),
                                    np.where(xs > 0, dt(1), np.broadcast_to(wb, xs.shape))
                                    .astype(dt)), err)
        rc, out, err = run("apply", "--prelu", "0.25,-0.5,1.5", *extra, "--backward", "--grad",
                           path("dys.npy"), path("xs.npy"), path("out.npy"))
        check(f"{name} prelu backward {layout}",
              rc == 0 and same_bits(np.load(path("out.npy")), np.where(xs > 0, dys, wb * dys))
              and len(out.split()) == 3, err)
    # The slope gradient on finite data, against numpy's sum.
    xf = rng.standard_normal((2, 3, 50)).astype(dt)
    gf = rng.standard_normal((2, 3, 50)).astype(dt)
    np.save(path("xf.npy"), xf)
    np.save(path("gf.npy"), gf)
    rc, out, err = run("apply", "--prelu", "0.25,-0.5,1.5", "--backward", "--grad",
                       path("gf.npy"), path("xf.npy"), path("out.npy"))
    terms = np.where(xf > 0, 0.0, xf.astype(np.float64) * gf)
    exact = terms.sum(axis=(0, 2))
    dw = np.array([float(v) for v in out.split()]) if rc == 0 else np.zeros(3)
    check(f"{name} prelu dslopes printed",
          rc == 0 and np.all(np.abs(dw - exact) <= 1e-6 * np.abs(terms).sum(axis=(0, 2)) +
                             1e-7 * np.abs(exact)), f"{out!r} vs {exact} {err}")
    # RReLU: evaluation is leaky at the mean; training follows the documented generator,
    # across chunks (600001 elements > one 1 MiB chunk of float32).
    big = sample((600001,)).astype(dt)
    np.save(path("big.npy"), big)
    mean = dt((np.float64(dt(0.1)) + np.float64(dt(0.3))) / 2)
    rc, out, err = run("apply", "--rrelu", "0.1,0.3", path("big.npy"), path("out.npy"))
    check(f"{name} rrelu eval", rc == 0 and same_bits(np.load(path("out.npy")),
                                                      np.where(big > 0, big, mean * big)), err)
    r = rrelu_slopes(big.size, 0.1, 0.3, 42, dt)
    rc, out, err = run("apply", "--rrelu", "0.1,0.3", "--train", "--seed", "42", path("big.npy"),
                       path("out.npy"))
    check(f"{name} rrelu train = documented generator",
          rc == 0 and same_bits(np.load(path("out.npy")), np.where(big > 0, big, r * big)), err)
    rc, out, err = run("apply", "--rrelu", "0.1,0.3", "--train", "--seed", "42", "--derivative",
                       path("big.npy"), path("out.npy"))
    check(f"{name} rrelu train derivative = the slopes",
          rc == 0 and same_bits(np.load(path("out.npy")), np.where(big > 0, dt(1), r)), err)
    np.save(path("g.npy"), big[::-1].copy())
    rc, out, err = run("apply", "--rrelu", "0.1,0.3", "--train", "--seed", "42", "--backward",
                       "--grad", path("g.npy"), path("big.npy"), path("out.npy"))
    check(f"{name} rrelu train backward",
          rc == 0 and same_bits(np.load(path("out.npy")),
                                np.where(big > 0, big[::-1], r * big[::-1])), err)
    rc, out, err = run("apply", "--inplace", "--rrelu", "0.1,0.3", "--train", "--seed", "42",
                       path("big.npy"))
    check(f"{name} rrelu train in place",
          rc == 0 and same_bits(np.load(path("big.npy")), np.where(big > 0, big, r * big)), err)

np.save(path("x.npy"), sample((2, 3, 4)))
for name, args, pattern in [
        ("prelu slope count", ["--prelu", "1,2", path("x.npy"), path("y.npy")],
         "2 slopes but .* has 3 channels \\(dimension 1"),
        ("prelu channels last count", ["--prelu", "1,2,3", "--channels-last", path("x.npy"),
                                       path("y.npy")], "3 slopes but .* has 4 channels"),
        ("prelu bad slope", ["--prelu", "1,nan", path("x.npy"), path("y.npy")], "item 2"),
        ("rrelu order", ["--rrelu", "0.3,0.1", path("x.npy"), path("y.npy")], "LOWER <= UPPER"),
        ("train alone", ["--train", path("x.npy"), path("y.npy")], "--train goes with --rrelu"),
        ("two functions", ["--prelu", "1", "--relu", path("x.npy"), path("y.npy")], "not several"),
        ("slope twice", ["--slope", "0.1", "--slope", "0.2", path("x.npy"), path("y.npy")],
         "--slope 0.1, then --slope 0.2: give one activation"),
        ("activation and shorthand", ["--activation", "relu", "-s", "0.2", path("x.npy"),
                                      path("y.npy")], "--activation relu, then --slope 0.2"),
        ("bad activation", ["--activation", "elu", path("x.npy"), path("y.npy")],
         "--activation elu: expected leaky\\[:A\\], relu"),
        ("seed twice", ["--rrelu", "0,1", "--train", "--seed", "1", "--seed", "2", path("x.npy"),
                        path("y.npy")], "--seed given twice"),
        ("dtype twice", ["-t", "f32", "--dtype", "f32", path("x.npy"), path("y.npy")],
         "--dtype given twice")]:
    rc, out, err = run("apply", *args)
    check(f"usage: {name}", rc == 2 and re.search(pattern, err) is not None and
          not os.path.exists(path("y.npy")), f"rc={rc} {err!r}")

# --activation SPEC gives the same bits as its shorthand, -a being its short form.
np.save(path("x.npy"), sample((2, 3, 4)))
for spec, shorthand in [("leaky:0.05", ["--slope", "0.05"]), ("relu", ["--relu"]),
                        ("prelu:0.25,0.1,-2", ["--prelu", "0.25,0.1,-2"]),
                        ("rrelu:0.125:0.333", ["--rrelu", "0.125,0.333"]),
                        ("leaky", ["--slope", "0.01"])]:
    for opt in ("--activation", "-a"):
        rc1, _, err1 = run("apply", opt, spec, path("x.npy"), path("y1.npy"))
        rc2, _, err2 = run("apply", *shorthand, path("x.npy"), path("y2.npy"))
        check(f"{opt} {spec} = {' '.join(shorthand)}",
              rc1 == 0 and rc2 == 0 and same_bits(np.load(path("y1.npy")),
                                                  np.load(path("y2.npy"))), err1 + err2)
rc, out, err = run("apply", "--activation", "rrelu", "--train", path("x.npy"), path("y1.npy"))
rc2, _, err2 = run("apply", "--rrelu", "0.125,0.33333334", "--train", path("x.npy"),
                   path("y2.npy"))
check("--activation rrelu has PyTorch's bounds", rc == 0 and rc2 == 0 and
      same_bits(np.load(path("y1.npy")), np.load(path("y2.npy"))), err + err2)

# A 0-d array has one channel: the message says so without "expected 1 or 1".
np.save(path("x0.npy"), np.float32(-2))
rc, out, err = run("apply", "--prelu", "0.1,0.2,0.3", path("x0.npy"), path("y0.npy"))
check("prelu on a 0-d array", rc == 2 and "has 1 channel (a 0-d array has one); expected 1" in err
      and "1 or 1" not in err and not os.path.exists(path("y0.npy")), err)

# A big file (64 MiB, where the progress bar starts): the bar on a terminal, none in a pipe.

big = rng.standard_normal(16 * 1024 * 1024).astype(np.float32)
np.save(path("big.npy"), big)
rc, out, err = run("apply", path("big.npy"), path("big_out.npy"))
check("big file through a pipe: no bar", rc == 0 and err == "", err)
check("big file result", rc == 0 and bits_equal(np.load(path("big_out.npy")), np_forward(big, 0.01)))
master, slave = pty.openpty()
p = subprocess.Popen([LEAKY, "apply", path("big.npy"), path("big_out.npy")], stderr=slave)
os.close(slave)
seen = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:  # the terminal closes with the program
        break
    if not chunk:
        break
    seen += chunk
os.close(master)
check("big file on a terminal: progress bar",
      p.wait() == 0 and b"100% of 64 MiB" in seen and b"\r" in seen, repr(seen[-200:]))
for name in ("big.npy", "big_out.npy"):
    os.unlink(path(name))

# --backward --from-output: the gradient from the forward's output, as from the input.
for dt in (np.float32, np.float64):
    xs = rng.standard_normal((5, 7)).astype(dt)
    gs = rng.standard_normal((5, 7)).astype(dt)
    np.save(path("fy.npy"), np.where(xs > 0, xs, dt(0.2) * xs))
    np.save(path("fg.npy"), gs)
    rc, out, err = run("apply", "--slope", "0.2", "--backward", "--from-output", "--grad",
                       path("fg.npy"), path("fy.npy"), path("fdx.npy"))
    check(f"{dt.__name__} backward from the output", rc == 0 and same_bits(
        np.load(path("fdx.npy")), np.where(xs > 0, gs, dt(0.2) * gs)), err)
for name, args, pattern in [
        ("from-output without backward", ["--from-output"], "goes with --backward"),
        ("from-output with relu", ["--relu", "--backward", "--from-output", "--grad",
                                   path("fg.npy")], "goes with --backward and Leaky ReLU"),
        ("from-output, negative slope", ["--slope", "-0.2", "--backward", "--from-output",
                                         "--grad", path("fg.npy")], "only for a slope >= 0")]:
    rc, out, err = run("apply", *args, path("fy.npy"), path("fo.npy"))
    check(f"usage: {name}", rc == 2 and re.search(pattern, err) is not None and
          not os.path.exists(path("fo.npy")), f"rc={rc} {err!r}")

shutil.rmtree(tmp)
print(f"npy: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
