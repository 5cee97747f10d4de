# SPDX-License-Identifier: MIT
"""leaky apply --dtype bf16: bfloat16 files as their raw bits ('<u2') or as ml_dtypes
writes them ('<V2', or the name 'bfloat16'), against numpy: Leaky ReLU, its derivative,
its backward and PReLU's forward, each narrow(f32 op(widen(x))) bit for bit; '<u2' without
--dtype bf16, and --relu, refused with a message.

Usage: /usr/bin/python3 npy_bf16_test.py path/to/leaky      (exit 77 without numpy)
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from leakytest import Checks, Scratch, numpy_or_skip  # noqa: E402

np = numpy_or_skip()
scratch = Scratch(sys.argv[1])
path, run = scratch.path, scratch.run
np.seterr(all="ignore")
rng = np.random.default_rng(20261206)
check = Checks("npy_bf16")


def widen(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def narrow(f):
    """Round to nearest even; NaN stays NaN (quiet)."""
    b = f.astype(np.float32).view(np.uint32)
    rounded = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint16)
    return np.where(np.isnan(f), ((b >> 16) | 0x40).astype(np.uint16), rounded)


def with_descr(src, dst, descr):
    """src's .npy with another descr in its header (padding kept to 64 bytes)."""
    raw = open(src, "rb").read()
    end = raw.index(b"\n") + 1
    header = raw[10:end].replace(b"'<u2'", repr(descr).encode()).rstrip(b"\n").rstrip(b" ")
    total = (10 + len(header) + 1 + 63) // 64 * 64
    header += b" " * (total - 10 - len(header) - 1) + b"\n"
    open(dst, "wb").write(raw[:8] + struct.pack("<H", len(header)) + header + raw[end:])


# Every bfloat16 bit pattern, twice, as (1, 2, 65536): NaNs, infinities, denormals included.
bits = np.tile(np.arange(1 << 16, dtype=np.uint32).astype(np.uint16), 2).reshape(1, 2, 1 << 16)
grad = narrow(rng.standard_normal(bits.shape).astype(np.float32))
np.save(path("x.npy"), bits)
np.save(path("g.npy"), grad)
with_descr(path("x.npy"), path("xv.npy"), "<V2")
with_descr(path("x.npy"), path("xn.npy"), "bfloat16")
x, g, a = widen(bits), widen(grad), np.float32(0.1)
for name, args, want in [
        ("forward", ["-s", "0.1"], narrow(np.where(x > 0, x, a * x))),
        ("derivative", ["-s", "0.1", "-d"], narrow(np.where(x > 0, np.float32(1), a))),
        ("backward", ["-s", "0.1", "-b", "-g", path("g.npy")], narrow(np.where(x > 0, g, a * g))),
        ("prelu forward", ["--prelu", "0.25,-0.5"],
         narrow(np.where(x > 0, x, np.array([[0.25], [-0.5]], np.float32) * x)))]:
    for src in ("x.npy", "xv.npy", "xn.npy"):
        rc, out, err = run("apply", "--dtype", "bf16", *args, path(src), path("y.npy"))
        got = np.load(path("y.npy")) if rc == 0 else None
        check(f"bf16 {name} from {src}", rc == 0 and got.dtype == np.uint16 and
              np.array_equal(got, want), err)

rc, out, err = run("apply", path("x.npy"), path("n.npy"))
check("'<u2' needs --dtype bf16", rc == 1 and "bfloat16 only with --dtype bf16" in err and
      not os.path.exists(path("n.npy")), err)
rc, out, err = run("apply", "--dtype", "bf16", "--relu", path("x.npy"), path("n.npy"))
check("bf16 --relu refused", rc == 1 and "--relu is float32 and float64 only" in err, err)
check.finish()
