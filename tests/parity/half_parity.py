#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""float16 and bfloat16 results checked against independent implementations.

Usage: half_parity.py path/to/libleaky.so
  - the software conversions against numpy's (all 65,536 float16 patterns widened; a
    million float32 values and every float16 midpoint narrowed);
  - leaky_relu_f16, its backward and derivative, on every CPU path, against numpy:
    float16 -> float32, the float32 rule, astype(float16), for all 65,536 patterns
    (PyTorch 1.13 has no CPU leaky_relu for float16);
  - leaky_relu_bf16 and its backward against torch.nn.functional.leaky_relu and
    aten::leaky_relu_backward on bfloat16 tensors, all 65,536 patterns.
  - leaky_prelu_f16 and leaky_prelu_bf16 (float32 slopes, one or one per channel, channel
    at dimension 1 and channels last) on every path: float16 against numpy (PyTorch 1.13's
    CPU has no float16 prelu: checked, and said), bfloat16 against F.prelu on bfloat16
    tensors. F.prelu rounds the weight to bfloat16 first, even a float32 one, so the two
    agree for slopes that are bfloat16 values; for others PyTorch equals leaky given the
    slope rounded to bfloat16, and the count of results that differ from leaky's float32
    slope is printed.
NaN: both sides must give NaN; the library keeps the sign and payload (quieted), numpy
does too, PyTorch writes 0xFFFF (vectorised) or 0x7FC0 (scalar) instead, so for NaN only
NaN-ness is compared with PyTorch. Also prints how often rounding the float32 product
differs from rounding the exact product (the double rounding the manual mentions).
Exits 77 (skip) when numpy or PyTorch is missing.
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
U16P = ctypes.POINTER(ctypes.c_uint16)
for t in ("f16", "bf16"):
    getattr(lib, f"leaky_relu_{t}").argtypes = [U16P, U16P, ctypes.c_size_t, ctypes.c_float]
    getattr(lib, f"leaky_relu_derivative_{t}").argtypes = [U16P, U16P, ctypes.c_size_t,
                                                           ctypes.c_float]
    getattr(lib, f"leaky_relu_backward_{t}").argtypes = [U16P, U16P, U16P, ctypes.c_size_t,
                                                         ctypes.c_float]
    getattr(lib, f"leaky_widen_{t}").argtypes = [ctypes.c_uint16]
    getattr(lib, f"leaky_widen_{t}").restype = ctypes.c_float
    getattr(lib, f"leaky_narrow_{t}").argtypes = [ctypes.c_float]
    getattr(lib, f"leaky_narrow_{t}").restype = ctypes.c_uint16
lib.leaky_set_isa.argtypes = [ctypes.c_int]
lib.leaky_isa_supported.argtypes = [ctypes.c_int]
lib.leaky_isa_supported.restype = ctypes.c_bool
lib.leaky_isa_name.restype = ctypes.c_char_p

failures = 0
checks = 0


def ptr(a):
    return a.ctypes.data_as(U16P)


def compare(what, got, want, nan_bits_too=True):
    """got, want: uint16 arrays of float16 or bfloat16 bits. For NaN: the same sign and
    payload, the library's being quiet (numpy leaves a signalling NaN signalling), or with
    nan_bits_too=False only NaN-ness."""
    global failures, checks
    checks += 1
    got, want = got.ravel(), want.ravel()
    exp_mask, quiet = (0x7F80, 0x0040) if what.startswith("bf16") else (0x7C00, 0x0200)
    def isnan(b):
        return ((b & exp_mask) == exp_mask) & ((b & (0x7FFF & ~exp_mask)) != 0)
    both_nan = isnan(got) & isnan(want)
    bad = (got != want) & ~both_nan
    if nan_bits_too:
        bad |= both_nan & ((got & quiet) == 0)
        bad |= both_nan & ((got | quiet) != (want | quiet))
    bad |= isnan(got) != isnan(want)
    idx = np.nonzero(bad)[0]
    if idx.size:
        failures += 1
        i = idx[0]
        print(f"FAIL {what}: {idx.size} differ; first at x=0x{i:04X}: got 0x{got[i]:04X} "
              f"want 0x{want[i]:04X}")


ALL = np.arange(65536, dtype=np.uint32).astype(np.uint16)
rng = np.random.default_rng(20261126)
dy_bits = rng.integers(0, 65536, size=65536, dtype=np.uint32).astype(np.uint16)
slopes = [0.01, 0.0, -0.5, 1.5, 3e38, 1e-30, 0.2, 1.0]
isas = [i for i in range(5) if lib.leaky_isa_supported(i)]

# ---------------------------------------------------------------- conversions vs numpy
widened = np.array([lib.leaky_widen_f16(int(h)) for h in ALL], dtype=np.float32).view(np.uint32)
numpy_widened = ALL.view(np.float16).astype(np.float32).view(np.uint32)
# ctypes hands the float back through a double, which quiets a signalling NaN: compare
# NaN with the quiet bit set on both sides (test_half checks the unquieted bits).
nan = np.isnan(ALL.view(np.float16))
numpy_widened[nan] |= 0x00400000
checks += 1
if not np.array_equal(widened, numpy_widened):
    failures += 1
    print("FAIL leaky_widen_f16 differs from numpy")
f32 = np.concatenate([rng.integers(0, 1 << 32, size=200000, dtype=np.uint64).astype(np.uint32)
                      .view(np.float32),
                      # every float16 midpoint and one float32 step either side
                      ((ALL[:0x7BFF].view(np.float16).astype(np.float64) +
                        ALL[1:0x7C00].view(np.float16).astype(np.float64)) / 2).astype(np.float32)])
f32 = f32[~np.isnan(f32)]
f32 = np.concatenate([f32, np.nextafter(f32, np.float32(0)), np.nextafter(f32, np.float32(np.inf)),
                      -f32])
narrowed = np.array([lib.leaky_narrow_f16(float(v)) for v in f32[:60000]], dtype=np.uint16)
with np.errstate(over="ignore"):
    compare("f16 leaky_narrow_f16 vs numpy", narrowed, f32[:60000].astype(np.float16).view(np.uint16))

# ---------------------------------------------------------------- float16 vs numpy
x16 = ALL.copy()
x32 = x16.view(np.float16).astype(np.float32)
dy16 = dy_bits.copy()
dy32 = dy16.view(np.float16).astype(np.float32)
out = np.empty_like(x16)
double_rounding = {}
for isa in isas:
    assert lib.leaky_set_isa(isa) == 0
    name = lib.leaky_isa_name(isa).decode()
    for a in slopes:
        a32 = np.float32(a)
        with np.errstate(over="ignore", invalid="ignore"):
            want = np.where(x32 > 0, x32, a32 * x32).astype(np.float16).view(np.uint16)
            want_bwd = np.where(x32 > 0, dy32, a32 * dy32).astype(np.float16).view(np.uint16)
            want_der = np.where(x32 > 0, np.float32(1), a32).astype(np.float16).view(np.uint16)
            exact = np.where(x32 > 0, x32.astype(np.float64), float(a32) * x32.astype(np.float64))
            exact = exact.astype(np.float16).view(np.uint16)
        assert lib.leaky_relu_f16(ptr(x16), ptr(out), x16.size, float(a32)) == 0
        compare(f"f16 {name} forward a={a}", out, want)
        if isa == isas[0]:
            finite = ~np.isnan(x32)
            double_rounding[a] = int(np.count_nonzero((out != exact) & finite))
        assert lib.leaky_relu_backward_f16(ptr(x16), ptr(dy16), ptr(out), x16.size, float(a32)) == 0
        compare(f"f16 {name} backward a={a}", out, want_bwd)
        assert lib.leaky_relu_derivative_f16(ptr(x16), ptr(out), x16.size, float(a32)) == 0
        compare(f"f16 {name} derivative a={a}", out, want_der)

# ---------------------------------------------------------------- bfloat16 vs PyTorch
tx = torch.from_numpy(ALL.view(np.int16).copy()).view(torch.bfloat16)
tdy = torch.from_numpy(dy_bits.view(np.int16).copy()).view(torch.bfloat16)
xb, dyb = ALL.copy(), dy_bits.copy()
for isa in isas:
    assert lib.leaky_set_isa(isa) == 0
    name = lib.leaky_isa_name(isa).decode()
    for a in slopes:
        a32 = float(np.float32(a))
        want = torch.nn.functional.leaky_relu(tx, a32).view(torch.int16).numpy().view(np.uint16)
        assert lib.leaky_relu_bf16(ptr(xb), ptr(out), xb.size, a32) == 0
        compare(f"bf16 {name} forward a={a}", out, want, nan_bits_too=False)
        want = (torch.ops.aten.leaky_relu_backward(tdy, tx, a32, False)
                .view(torch.int16).numpy().view(np.uint16))
        assert lib.leaky_relu_backward_bf16(ptr(xb), ptr(dyb), ptr(out), xb.size, a32) == 0
        compare(f"bf16 {name} backward a={a}", out, want, nan_bits_too=False)

# ---------------------------------------------------------------- PReLU
FP = ctypes.POINTER(ctypes.c_float)
for t in ("f16", "bf16"):
    getattr(lib, f"leaky_prelu_{t}").argtypes = [U16P, U16P, ctypes.c_size_t, ctypes.c_size_t,
                                                 ctypes.c_size_t, FP, ctypes.c_size_t]


def leaky_prelu(t, x, channels_last, w):
    """x: uint16 bits of shape (N, C, ...) or, channels_last, (N, ..., C); w: float32."""
    w = np.ascontiguousarray(w, dtype=np.float32)
    if channels_last:
        C = x.shape[-1]
        outer, inner = x.size // C, 1
    else:
        C = x.shape[1]
        outer, inner = x.shape[0], x.size // (x.shape[0] * C)
    out = np.empty_like(x)
    assert getattr(lib, f"leaky_prelu_{t}")(ptr(x), ptr(out), outer, C, inner,
                                            w.ctypes.data_as(FP), w.size) == 0
    return out


def bf16_round(w):
    """float32 values rounded to bfloat16 (nearest even) and widened back."""
    return torch.tensor(np.asarray(w, dtype=np.float32)).to(torch.bfloat16).float().numpy()


# Shapes holding every pattern: (N, C, H, W) = (16, 4, 32, 32), and channels last
# (16, 32, 32, 4) = the same bits, so element i meets channel i // 1024 % 4 or i % 4.
prelu_slopes = [[0.25], [0.0], [-0.5], [1.5], [2.0 ** -20], [0.25, 0.0, -0.5, 1.5],
                [1.5, 2.0 ** -20, 0.25, -0.5]]
rounded_slopes = [[0.01], [1e-30], [0.1, 0.3, -0.7, 1e-30]]  # not bfloat16 values
x_nchw = ALL.reshape(16, 4, 32, 32)
x_nhwc = ALL.reshape(16, 32, 32, 4)
try:
    torch.nn.functional.prelu(torch.zeros(2, 2, dtype=torch.float16),
                              torch.ones(1, dtype=torch.float16))
    torch_f16_prelu = True
except RuntimeError as e:
    torch_f16_prelu = False
    print(f"PyTorch {torch.__version__} has no CPU float16 prelu ({e}): float16 PReLU is "
          "checked against numpy")
prelu_rounding = {}
for isa in isas:
    assert lib.leaky_set_isa(isa) == 0
    name = lib.leaky_isa_name(isa).decode()
    for w in prelu_slopes + rounded_slopes:
        w32 = np.asarray(w, dtype=np.float32)
        for layout, x in (("NCHW", x_nchw), ("channels last", x_nhwc)):
            last = layout != "NCHW"
            # float16: numpy's float32 rule, astype(float16); also torch's, where it has one
            xf = x.view(np.float16).astype(np.float32)
            wb = w32 if w32.size == 1 else (w32 if last else w32.reshape(1, -1, 1, 1))
            with np.errstate(over="ignore", invalid="ignore"):
                want = np.where(xf > 0, xf, wb * xf).astype(np.float16).view(np.uint16)
            got = leaky_prelu("f16", x, last, w32)
            compare(f"f16 {name} prelu {layout} w={w}", got, want)
            tx = torch.from_numpy(x.view(np.int16).copy())
            if torch_f16_prelu:
                t16 = tx.view(torch.float16)
                t16 = t16.permute(0, 3, 1, 2) if last else t16
                r = torch.nn.functional.prelu(t16, torch.from_numpy(w32).half())
                r = (r.permute(0, 2, 3, 1) if last else r).contiguous()
                compare(f"f16 {name} prelu {layout} w={w} vs torch", got,
                        r.view(torch.int16).numpy().view(np.uint16), nan_bits_too=False)
            # bfloat16: torch's F.prelu on bfloat16 tensors (channel at dimension 1)
            tb = tx.view(torch.bfloat16)
            tb = tb.permute(0, 3, 1, 2) if last else tb
            r = torch.nn.functional.prelu(tb, torch.from_numpy(w32))
            r = (r.permute(0, 2, 3, 1) if last else r).contiguous()
            want = r.view(torch.int16).numpy().view(np.uint16)
            got = leaky_prelu("bf16", x, last, w32)
            if w in rounded_slopes:
                # torch rounds the weight to bfloat16: equal to leaky given that weight
                compare(f"bf16 {name} prelu {layout} w={w} rounded to bfloat16 vs torch",
                        leaky_prelu("bf16", x, last, bf16_round(w32)), want, nan_bits_too=False)
                if isa == isas[0]:
                    nan = ((x & 0x7F80) == 0x7F80) & ((x & 0x7F) != 0)
                    prelu_rounding[(tuple(w), layout)] = int(np.count_nonzero((got != want) & ~nan))
            else:
                compare(f"bf16 {name} prelu {layout} w={w} vs torch", got, want,
                        nan_bits_too=False)

print(f"numpy {np.__version__}, torch {torch.__version__}, paths "
      + " ".join(lib.leaky_isa_name(i).decode() for i in isas))
print("float16 forward results where the float32 product rounded to float16 differs from the "
      "exact product rounded once, per slope: "
      + ", ".join(f"{a:g}: {n}" for a, n in double_rounding.items()))
print("bfloat16 PReLU results where PyTorch (weight rounded to bfloat16) differs from leaky "
      "(float32 weight): " + ", ".join(f"{list(w)} {layout}: {n}"
                                       for (w, layout), n in prelu_rounding.items()))
print(f"half_parity: {checks - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
