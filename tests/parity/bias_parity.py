#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Bias + activation bit for bit against PyTorch's CPU operators, through the shared library.

Usage: bias_parity.py path/to/libleaky.so
leaky_bias_leaky_relu, leaky_bias_relu and leaky_bias_prelu (float32 and float64) against
F.leaky_relu(x + b.view(1, C, 1), a), torch.relu(...) and F.prelu(..., w): y and the
autograd dx bit for bit, NCHW (maps of 7x7 and 1000) and channels last, on every CPU path
this machine runs; over every float32 class of input (NaN, inf, denormals) for y and dx;
dbias and dslopes within 4.8e-7 (float32) of the sum of |terms| of an exact sum.
Exits 77 (skip) when PyTorch is not installed.
"""
import ctypes
import sys

try:
    import numpy as np
    import torch
except ImportError as e:
    print(f"SKIP: {e} (Debian: apt-get install python3-torch python3-numpy)")
    sys.exit(77)

lib = ctypes.CDLL(sys.argv[1])
SZ = ctypes.c_size_t
PTR = {"f32": ctypes.POINTER(ctypes.c_float), "f64": ctypes.POINTER(ctypes.c_double)}
SCALAR = {"f32": ctypes.c_float, "f64": ctypes.c_double}
for t, P in PTR.items():
    S = SCALAR[t]
    getattr(lib, f"leaky_bias_leaky_relu_{t}").argtypes = [P, P, P, SZ, SZ, SZ, S]
    getattr(lib, f"leaky_bias_leaky_relu_backward_{t}").argtypes = [P, P, P, P, P, SZ, SZ, SZ, S]
    getattr(lib, f"leaky_bias_relu_{t}").argtypes = [P, P, P, SZ, SZ, SZ]
    getattr(lib, f"leaky_bias_relu_backward_{t}").argtypes = [P, P, P, P, P, SZ, SZ, SZ]
    getattr(lib, f"leaky_bias_prelu_{t}").argtypes = [P, P, P, SZ, SZ, SZ, P, SZ]
    getattr(lib, f"leaky_bias_prelu_backward_{t}").argtypes = [P, P, P, P, P, P, SZ, SZ, SZ, P,
                                                               SZ]
lib.leaky_set_isa.argtypes = [ctypes.c_int]
lib.leaky_isa_supported.argtypes = [ctypes.c_int]
lib.leaky_isa_supported.restype = ctypes.c_bool
lib.leaky_isa_name.restype = ctypes.c_char_p

failures = 0
checks = 0


def p(a):
    return a.ctypes.data_as(PTR["f32" if a.dtype == np.float32 else "f64"])


def compare(what, got, want):
    global failures, checks
    checks += 1
    u = np.uint32 if got.dtype == np.float32 else np.uint64
    bad = np.nonzero(got.view(u) != want.view(u))[0]
    if bad.size:
        failures += 1
        i = bad[0]
        print(f"FAIL {what}: {bad.size} differ; first at {i}: got {got[i]!r}, torch {want[i]!r}")


def near(what, got, exact, mag, bound):
    global failures, checks
    checks += 1
    err = np.abs(got.astype(np.float64) - exact)
    if not np.all(err <= bound * mag + np.abs(exact) * np.finfo(got.dtype).eps):
        failures += 1
        print(f"FAIL {what}: error {err.max()} (sum |terms| {mag.max()})")


def check(name, t, act, xs, dys, b, w, n, c, inner, channels_last, sums=True):
    """act: a slope (leaky_relu), "relu" or "prelu" (slopes w); xs, dys flat, laid out
    (n, c, inner), or (n, inner, c) when channels_last."""
    outer, cc, inn = (n * inner, c, 1) if channels_last else (n, c, inner)
    y, dx, db = np.empty_like(xs), np.empty_like(xs), np.empty_like(b)
    dw = np.empty_like(w) if w is not None else None
    if act == "relu":
        assert getattr(lib, f"leaky_bias_relu_{t}")(p(xs), p(b), p(y), outer, cc, inn) == 0
        assert getattr(lib, f"leaky_bias_relu_backward_{t}")(p(xs), p(b), p(dys), p(dx), p(db),
                                                             outer, cc, inn) == 0
    elif act == "prelu":
        assert getattr(lib, f"leaky_bias_prelu_{t}")(p(xs), p(b), p(y), outer, cc, inn, p(w),
                                                     w.size) == 0
        assert getattr(lib, f"leaky_bias_prelu_backward_{t}")(
            p(xs), p(b), p(dys), p(dx), p(db), p(dw), outer, cc, inn, p(w), w.size) == 0
    else:
        assert getattr(lib, f"leaky_bias_leaky_relu_{t}")(p(xs), p(b), p(y), outer, cc, inn,
                                                          act) == 0
        assert getattr(lib, f"leaky_bias_leaky_relu_backward_{t}")(
            p(xs), p(b), p(dys), p(dx), p(db), outer, cc, inn, act) == 0
    shape = (n, inner, c) if channels_last else (n, c, inner)
    tx = torch.from_numpy(xs.reshape(shape).copy()).requires_grad_(True)
    tb = torch.from_numpy(b.copy())
    z = tx + (tb.view(1, 1, c) if channels_last else tb.view(1, c, 1))
    if act == "relu":
        ty = torch.relu(z)
    elif act == "prelu":
        zz = z.permute(0, 2, 1) if channels_last else z
        ty = torch.nn.functional.prelu(zz, torch.from_numpy(w.copy()))
        ty = ty.permute(0, 2, 1) if channels_last else ty
    else:
        ty = torch.nn.functional.leaky_relu(z, act)
    ty.backward(torch.from_numpy(dys.reshape(shape).copy()))
    compare(f"{name} y", y, ty.detach().contiguous().numpy().reshape(-1))
    compare(f"{name} dx", dx, tx.grad.contiguous().numpy().reshape(-1))
    if not sums:
        return
    axis = (0, 1) if channels_last else (0, 2)
    d = dx.reshape(shape).astype(np.float64)
    bound = 4.8e-7 if t == "f32" else 1e-14
    near(f"{name} dbias", db, d.sum(axis=axis), np.abs(d).sum(axis=axis), bound)
    if act == "prelu":
        zv = (xs.reshape(shape) + (b.reshape(1, 1, c) if channels_last else b.reshape(1, c, 1)))
        terms = np.where(zv > 0, 0.0, zv.astype(np.float64) * dys.reshape(shape))
        exact, mag = terms.sum(axis=axis), np.abs(terms).sum(axis=axis)
        if w.size == 1:
            exact, mag = np.array([exact.sum()]), np.array([mag.sum()])
        near(f"{name} dslopes", dw, exact, mag, bound)


rng = np.random.default_rng(20261206)
isas = [i for i in range(5) if lib.leaky_isa_supported(i)]
# Every float32 class: bit patterns of every sign and exponent, with specials.
bits = rng.integers(0, 1 << 32, size=8 * 64 * 49, dtype=np.uint64).astype(np.uint32)
bits[::53] = 0x7FC12345
bits[1::53] = 0xFF800000
bits[2::53] = 0x80000000
bits[3::53] = 0x00000001
every = bits.view(np.float32)
for isa in isas:
    assert lib.leaky_set_isa(isa) == 0
    path = lib.leaky_isa_name(isa).decode()
    for t, dt in (("f32", np.float32), ("f64", np.float64)):
        for c, inner in ((64, 49), (16, 1000), (64, 1), (3, 7)):
            n = 8
            xs = rng.standard_normal(n * c * inner).astype(dt)
            dys = rng.standard_normal(xs.size).astype(dt)
            b = (rng.standard_normal(c) * 0.5).astype(dt)
            for layout in (False, True):
                where = f"{path} {t} {'channels last ' if layout else ''}{n}x{c}x{inner}"
                for a in (0.01, 0.2, -0.5, 0.0):
                    check(f"{where} leaky {a}", t, a, xs, dys, b, None, n, c, inner, layout)
                check(f"{where} relu", t, "relu", xs, dys, b, None, n, c, inner, layout)
                for nw in (1, c):
                    w = (rng.standard_normal(nw) * 0.3).astype(dt)
                    check(f"{where} prelu w{nw}", t, "prelu", xs, dys, b, w, n, c, inner, layout)
    # y and dx over every class of float32 input (sums not compared: they are inf or NaN).
    dys = rng.standard_normal(every.size).astype(np.float32)
    dys[5::97] = np.inf
    b = (rng.standard_normal(64) * 2).astype(np.float32)
    for a in (0.01, -0.5):
        check(f"{path} every class leaky {a}", "f32", a, every.copy(), dys, b, None, 8, 64, 49,
              False, sums=False)
    check(f"{path} every class relu", "f32", "relu", every.copy(), dys, b, None, 8, 64, 49, True,
          sums=False)
    w = np.linspace(-1, 2, 64).astype(np.float32)
    check(f"{path} every class prelu", "f32", "prelu", every.copy(), dys, b, w, 8, 64, 49, False,
          sums=False)

print(f"torch {torch.__version__}, paths " + " ".join(lib.leaky_isa_name(i).decode() for i in isas))
print(f"bias_parity: {checks - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
