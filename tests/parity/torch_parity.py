#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Bit-for-bit parity with PyTorch's CPU operators, through the shared library.

Usage: torch_parity.py path/to/libleaky.so
Compares leaky_relu_f32, its backward (from the input and from the output), plain ReLU and
its backward with torch.nn.functional.leaky_relu, aten::leaky_relu_backward, torch.relu and
aten::threshold_backward, on every CPU path this machine runs, over a million inputs that
cover every sign and exponent, denormals, infinities and NaNs with payloads.
PReLU (float32 and float64): y and dx bit for bit against F.prelu and its autograd backward,
channel at dimension 1 and channels last; the slope gradient within 1e-6 of the sum of
|terms|.  RReLU in evaluation mode bit for bit against F.rrelu(training=False).
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
F32P = ctypes.POINTER(ctypes.c_float)
lib.leaky_relu_f32.argtypes = [F32P, F32P, ctypes.c_size_t, ctypes.c_float]
lib.leaky_relu_backward_f32.argtypes = [F32P, F32P, F32P, ctypes.c_size_t, ctypes.c_float]
lib.leaky_relu_backward_from_output_f32.argtypes = lib.leaky_relu_backward_f32.argtypes
lib.leaky_plain_relu_f32.argtypes = [F32P, F32P, ctypes.c_size_t]
lib.leaky_plain_relu_backward_f32.argtypes = [F32P, F32P, F32P, ctypes.c_size_t]
lib.leaky_set_isa.argtypes = [ctypes.c_int]
lib.leaky_isa_supported.argtypes = [ctypes.c_int]
lib.leaky_isa_supported.restype = ctypes.c_bool
lib.leaky_isa_name.restype = ctypes.c_char_p

rng = np.random.default_rng(20261126)
# Every sign and exponent, 2048 mantissas each (the extremes and random ones), specials.
sign_exp = np.repeat(np.arange(512, dtype=np.uint32), 2048) << 23
mantissa = rng.integers(0, 1 << 23, size=sign_exp.size, dtype=np.uint32)
mantissa[::2048] = 0
mantissa[1::2048] = 1
mantissa[2::2048] = (1 << 23) - 1
specials = np.array([0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000,
                     0x7FC12345, 0xFFD00001, 0x00000001, 0x80000001, 0x7F7FFFFF, 0xFF7FFFFF],
                    dtype=np.uint32)
x_bits = np.concatenate([sign_exp | mantissa, specials])
x = x_bits.view(np.float32)
# The gradient: ordinary values mostly, some specials.
dy = rng.standard_normal(x.size).astype(np.float32)
dy[::97] = np.inf
dy[1::97] = np.nan
dy[2::97] = -0.0
dy[3::97] = np.float32(1e-40)

failures = 0
checks = 0


def ptr(a):
    return a.ctypes.data_as(F32P)


def compare(what, got, want):
    global failures, checks
    checks += 1
    g, w = got.view(np.uint32), want.view(np.uint32)
    bad = np.nonzero(g != w)[0]
    if bad.size:
        failures += 1
        i = bad[0]
        print(f"FAIL {what}: {bad.size} differ; first x=0x{x_bits[i]:08X} dy={dy[i]!r} "
              f"got 0x{g[i]:08X} torch 0x{w[i]:08X}")


tx, tdy = torch.from_numpy(x), torch.from_numpy(dy)
slopes = [0.01, 0.0, -0.5, 1.5, 0.2, 1.0, 1e-30, 3e38]
isas = [i for i in range(5) if lib.leaky_isa_supported(i)]
for isa in isas:
    assert lib.leaky_set_isa(isa) == 0
    name = lib.leaky_isa_name(isa).decode()
    out = np.empty_like(x)
    for a in slopes:
        a32 = float(np.float32(a))
        assert lib.leaky_relu_f32(ptr(x), ptr(out), x.size, a32) == 0
        want = torch.nn.functional.leaky_relu(tx, a32).numpy()
        compare(f"{name} forward a={a}", out, want)
        assert lib.leaky_relu_backward_f32(ptr(x), ptr(dy), ptr(out), x.size, a32) == 0
        want = torch.ops.aten.leaky_relu_backward(tdy, tx, a32, False).numpy()
        compare(f"{name} backward a={a}", out, want)
        if a >= 0:
            y = torch.nn.functional.leaky_relu(tx, a32)
            ynp = y.numpy().copy()
            assert lib.leaky_relu_backward_from_output_f32(ptr(ynp), ptr(dy), ptr(out),
                                                           x.size, a32) == 0
            want = torch.ops.aten.leaky_relu_backward(tdy, y, a32, True).numpy()
            compare(f"{name} backward from output a={a}", out, want)
    assert lib.leaky_plain_relu_f32(ptr(x), ptr(out), x.size) == 0
    compare(f"{name} relu", out, torch.relu(tx).numpy())
    assert lib.leaky_plain_relu_backward_f32(ptr(x), ptr(dy), ptr(out), x.size) == 0
    compare(f"{name} relu backward", out, torch.ops.aten.threshold_backward(tdy, tx, 0).numpy())


# ------------------------------------------------------------------ PReLU, RReLU
F64P = ctypes.POINTER(ctypes.c_double)
SZ = ctypes.c_size_t
for t, P in (("f32", F32P), ("f64", F64P)):
    getattr(lib, f"leaky_prelu_{t}").argtypes = [P, P, SZ, SZ, SZ, P, SZ]
    getattr(lib, f"leaky_prelu_backward_{t}").argtypes = [P, P, P, P, SZ, SZ, SZ, P, SZ]
    scalar = ctypes.c_float if t == "f32" else ctypes.c_double
    getattr(lib, f"leaky_rrelu_eval_{t}").argtypes = [P, P, SZ, scalar, scalar]


def tptr(a):
    return a.ctypes.data_as(F32P if a.dtype == np.float32 else F64P)


def check_prelu(name, t, xs, dys, n, c, inner, w, channels_last):
    """xs, dys: flat arrays of n*c*inner; channels_last means the layout is (n, inner, c)."""
    y = np.empty_like(xs)
    dx = np.empty_like(xs)
    dw = np.empty_like(w)
    assert getattr(lib, f"leaky_prelu_{t}")(tptr(xs), tptr(y), n if not channels_last else n * inner,
                                            c, 1 if channels_last else inner, tptr(w), w.size) == 0
    assert getattr(lib, f"leaky_prelu_backward_{t}")(
        tptr(xs), tptr(dys), tptr(dx), tptr(dw), n if not channels_last else n * inner, c,
        1 if channels_last else inner, tptr(w), w.size) == 0
    if channels_last:
        tx = torch.from_numpy(xs.reshape(n, inner, c)).permute(0, 2, 1)
        tg = torch.from_numpy(dys.reshape(n, inner, c)).permute(0, 2, 1)
    else:
        tx = torch.from_numpy(xs.reshape(n, c, inner))
        tg = torch.from_numpy(dys.reshape(n, c, inner))
    tx = tx.clone().requires_grad_(True)
    tw = torch.from_numpy(w.copy()).requires_grad_(True)
    ty = torch.nn.functional.prelu(tx, tw)
    ty.backward(tg)

    def back(a):
        a = a.detach()
        return (a.permute(0, 2, 1) if channels_last else a).contiguous().numpy().reshape(-1)
    compare(f"{name} prelu y", y, back(ty))
    compare(f"{name} prelu dx", dx, back(tx.grad))
    # dw against an exact sum: float64 products of float32 are exact; float64 ones via
    # math.fsum of the products (each rounded once), allowed 1e-6 of the sum of |terms|.
    global failures, checks
    checks += 1
    xv = xs.reshape(n, inner, c) if channels_last else xs.reshape(n, c, inner)
    gv = dys.reshape(n, inner, c) if channels_last else dys.reshape(n, c, inner)
    axis = (0, 1) if channels_last else (0, 2)
    terms = np.where(xv > 0, 0.0, xv.astype(np.float64) * gv.astype(np.float64))
    if w.size == 1:
        exact, mag = np.array([terms.sum()]), np.array([np.abs(terms).sum()])
    else:
        exact, mag = terms.sum(axis=axis), np.abs(terms).sum(axis=axis)
    err = np.abs(dw.astype(np.float64) - exact)
    ok = np.all(err <= 1e-6 * mag + np.abs(exact) * np.finfo(w.dtype).eps)
    torch_err = np.abs(tw.grad.numpy().astype(np.float64) - exact)
    if not ok:
        failures += 1
        print(f"FAIL {name} prelu dw: error {err.max()} (sum |terms| {mag.max()}); "
              f"torch's error {torch_err.max()}")


prng = np.random.default_rng(5)
for isa in isas:
    assert lib.leaky_set_isa(isa) == 0
    name = lib.leaky_isa_name(isa).decode()
    for t, dt in (("f32", np.float32), ("f64", np.float64)):
        # Finite inputs (the gradient's tolerance needs finite sums), then the full set.
        xf = prng.standard_normal(8 * 16 * 1000).astype(dt)
        gf = prng.standard_normal(xf.size).astype(dt)
        for c, inner in ((16, 1000), (16 * 1000, 1), (1, 16 * 1000), (40, 100)):
            size = 8 * c * inner
            for nw in ((1, c) if c > 1 else (1,)):
                w = (prng.standard_normal(nw) * 0.5).astype(dt)
                check_prelu(f"{name} {t} {8}x{c}x{inner} w{nw}", t, xf[:size].copy(),
                            gf[:size].copy(), 8, c, inner, w, False)
                if inner > 1:
                    check_prelu(f"{name} {t} channels last {8}x{inner}x{c} w{nw}", t,
                                xf[:size].copy(), gf[:size].copy(), 8, c, inner, w, True)
    # Every float32 class of input (NaN, inf, denormals) for y and dx.
    xs, gs = x[: 1 << 20].copy(), dy[: 1 << 20].copy()
    w = np.array([0.25, -0.5, 1.5, 3e38], dtype=np.float32)
    yy, dd, dw = np.empty_like(xs), np.empty_like(xs), np.empty(4, np.float32)
    assert lib.leaky_prelu_f32(ptr(xs), ptr(yy), 16, 4, 1 << 14, ptr(w), 4) == 0
    assert lib.leaky_prelu_backward_f32(ptr(xs), ptr(gs), ptr(dd), ptr(dw), 16, 4, 1 << 14,
                                        ptr(w), 4) == 0
    tx = torch.from_numpy(xs.reshape(16, 4, -1)).clone().requires_grad_(True)
    ty = torch.nn.functional.prelu(tx, torch.from_numpy(w))
    ty.backward(torch.from_numpy(gs.reshape(16, 4, -1)))
    compare(f"{name} prelu y, all classes", yy, ty.detach().numpy().reshape(-1))
    compare(f"{name} prelu dx, all classes", dd, tx.grad.numpy().reshape(-1))
    for lo, up in ((1 / 8, 1 / 3), (0.0, 0.5), (-0.3, 0.9)):
        lo32, up32 = float(np.float32(lo)), float(np.float32(up))
        out = np.empty_like(x)
        assert lib.leaky_rrelu_eval_f32(ptr(x), ptr(out), x.size, lo32, up32) == 0
        want = torch.nn.functional.rrelu(tx.new_tensor(x), lo32, up32, training=False).numpy()
        compare(f"{name} rrelu eval {lo},{up}", out, want)

# ------------------------------------------------------------------ broadcast PReLU
# leaky_prelu_broadcast_T against PyTorch: F.prelu where its weight fits (one slope, or one
# per channel of dimension 1), torch.where(x > 0, x, w * x) with autograd for every other
# shape NumPy's broadcasting allows; y and dx bit for bit, dw within 1e-6 of the sum of
# |terms|.  Every float32 class of input goes through y.
SHAPE = ctypes.POINTER(ctypes.c_size_t)
for t, P in (("f32", F32P), ("f64", F64P)):
    getattr(lib, f"leaky_prelu_broadcast_{t}").argtypes = [P, SHAPE, SZ, P, SHAPE, SZ, P]
    getattr(lib, f"leaky_prelu_broadcast_backward_{t}").argtypes = [P, SHAPE, SZ, P, SHAPE, SZ,
                                                                     P, P, P]


def shape_arg(shape):
    return (ctypes.c_size_t * max(len(shape), 1))(*shape)


def check_broadcast(name, t, xs, ws, xflat, gflat):
    dt = np.float32 if t == "f32" else np.float64
    n = int(np.prod(xs))
    xa = xflat[:n].astype(dt).reshape(xs)
    ga = gflat[:n].astype(dt).reshape(xs)
    w = rng.standard_normal(ws).astype(dt)
    y, dx, dw = np.empty_like(xa), np.empty_like(xa), np.empty_like(w)
    assert getattr(lib, f"leaky_prelu_broadcast_{t}")(
        tptr(xa), shape_arg(xs), len(xs), tptr(w), shape_arg(ws), len(ws), tptr(y)) == 0
    assert getattr(lib, f"leaky_prelu_broadcast_backward_{t}")(
        tptr(xa), shape_arg(xs), len(xs), tptr(w), shape_arg(ws), len(ws), tptr(ga), tptr(dx),
        tptr(dw)) == 0
    tx = torch.from_numpy(xa.copy()).requires_grad_(True)
    tw = torch.from_numpy(w.copy()).requires_grad_(True)
    per_channel = len(ws) == len(xs) - 1 and all(d == 1 for d in ws[1:]) and len(xs) >= 2
    if per_channel:
        ty = torch.nn.functional.prelu(tx, tw.reshape(-1))
    else:
        ty = torch.where(tx > 0, tx, tw * tx)
    ty.backward(torch.from_numpy(ga))
    compare(f"{name} {t} broadcast y", y.reshape(-1), ty.detach().numpy().reshape(-1))
    compare(f"{name} {t} broadcast dx", dx.reshape(-1), tx.grad.numpy().reshape(-1))
    terms = np.where(xa > 0, 0.0, xa.astype(np.float64) * ga)
    lead = len(xs) - len(ws)
    axes = tuple(a for a in range(len(xs)) if a < lead or ws[a - lead] == 1)
    want, mag = terms.sum(axis=axes).reshape(-1), np.abs(terms).sum(axis=axes).reshape(-1)
    global checks, failures
    checks += 1
    if not np.all(np.abs(dw.reshape(-1) - want) <= 1e-6 * mag + 1e-30):
        failures += 1
        print(f"FAIL {name} {t} broadcast dw: {dw.reshape(-1)[:4]} vs {want[:4]}")


for isa in isas:
    lib.leaky_set_isa(isa)
    name = lib.leaky_isa_name(isa).decode()
    xf = x[np.isfinite(x)][: 1 << 20]
    gf = rng.standard_normal(xf.size).astype(np.float32)
    for t in ("f32", "f64"):
        for xs, ws in (((8, 16, 32, 32), (16, 1, 1)), ((3, 4, 5), (3, 4, 5)), ((3, 4, 5), (5,)),
                       ((8, 16, 9, 300), (8, 1, 9, 1)), ((4, 6, 10, 20), (6, 1, 20)),
                       ((64, 128, 120), ()), ((2, 3, 4, 5), (1, 1, 5))):
            check_broadcast(f"{name} x{xs} w{ws}", t, xs, ws, xf, gf)
    # Every float32 class for y (NaN, inf, denormals): per element and per channel.
    for ws in ((1 << 10, 1 << 10), (1 << 10, 1)):
        xa = x[: 1 << 20].copy().reshape(1 << 10, 1 << 10)
        w = rng.standard_normal(ws).astype(np.float32)
        y = np.empty_like(xa)
        assert lib.leaky_prelu_broadcast_f32(tptr(xa), shape_arg(xa.shape), 2, tptr(w),
                                             shape_arg(ws), 2, tptr(y)) == 0
        want = torch.where(torch.from_numpy(xa) > 0, torch.from_numpy(xa),
                           torch.from_numpy(w) * torch.from_numpy(xa)).numpy()
        compare(f"{name} broadcast y, all classes, w{ws}", y.reshape(-1), want.reshape(-1))

print(f"torch {torch.__version__}, {x.size} inputs, paths "
      + " ".join(lib.leaky_isa_name(i).decode() for i in isas))
print(f"torch_parity: {checks - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
