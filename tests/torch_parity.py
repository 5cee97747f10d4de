#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Bit-for-bit parity with PyTorch's CPU operators, through the shared library.

Usage: torch_parity.py path/to/libleaky.so
Compares leaky_relu_f32, its backward (from the input and from the output), plain ReLU and
its backward with torch.nn.functional.leaky_relu, aten::leaky_relu_backward, torch.relu and
aten::threshold_backward, on every CPU path this machine runs, over a million inputs that
cover every sign and exponent, denormals, infinities and NaNs with payloads.
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

print(f"torch {torch.__version__}, {x.size} inputs, paths "
      + " ".join(lib.leaky_isa_name(i).decode() for i in isas))
print(f"torch_parity: {checks - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
