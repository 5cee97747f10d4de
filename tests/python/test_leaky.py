# SPDX-License-Identifier: MIT
"""The leaky module against PyTorch (float32, float64: bit for bit), against the C library
itself (float16, RReLU's training draw: through ctypes, the library named by $LEAKY_LIBRARY),
and against NumPy's conventions (broadcasting, out=, views, 0-d and empty arrays, errors).
"""
import ctypes
import math
import os
import sys
import threading
import time

import numpy as np
import pytest

import leaky

SLOPES = [0.01, 0.0, -0.5, 1.5]
DTYPES = [np.float32, np.float64]
UINT = {np.float32: np.uint32, np.float64: np.uint64, np.float16: np.uint16}


def torch_or_skip():
    return pytest.importorskip("torch")


def bits(a):
    a = np.ascontiguousarray(a)
    return a.view(UINT[a.dtype.type])


def assert_bits_equal(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    diff = np.flatnonzero(bits(got) != bits(want))
    assert diff.size == 0, (
        f"{diff.size} elements differ; first at {diff[0]}: "
        f"{got.ravel()[diff[0]]!r} vs {want.ravel()[diff[0]]!r}")


def special_values(dtype):
    """+-0, +-inf, NaNs with payloads (quiet and signalling, both signs), the denormals'
    edges, the finite range's edges, then random values of every magnitude."""
    if dtype == np.float32:
        patterns = [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000,
                    0x7FC12345, 0xFFD54321, 0x7F800001, 0xFFA00001, 0x00000001, 0x80000001,
                    0x007FFFFF, 0x807FFFFF, 0x00800000, 0x80800000, 0x7F7FFFFF, 0xFF7FFFFF,
                    0x3F800000, 0xBF800000]
        rng_bits = np.random.default_rng(1).integers(0, 2**32, 4000, dtype=np.uint64)
    else:
        patterns = [0, 1 << 63, 0x7FF0000000000000, 0xFFF0000000000000, 0x7FF8000000000000,
                    0xFFF8000000000000, 0x7FF800000ABCDEF1, 0xFFF8123456789ABC,
                    0x7FF0000000000001, 0xFFF4000000000001, 1, (1 << 63) | 1,
                    0x000FFFFFFFFFFFFF, 0x800FFFFFFFFFFFFF, 0x7FEFFFFFFFFFFFFF,
                    0xFFEFFFFFFFFFFFFF, 0x3FF0000000000000, 0xBFF0000000000000]
        rng_bits = np.random.default_rng(1).integers(0, 2**63, 4000, dtype=np.uint64) * 2 + 1
    u = np.concatenate([np.array(patterns, np.uint64), rng_bits]).astype(UINT[dtype])
    return u.view(dtype)


def gradients(x):
    g = np.random.default_rng(2).standard_normal(x.shape).astype(x.dtype)
    g[:8] = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, -3.0, 2.5]
    return g


# ---------------------------------------------------------------- PyTorch, bit for bit

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("slope", SLOPES)
def test_leaky_relu_and_its_gradients_match_torch_bit_for_bit(dtype, slope):
    torch = torch_or_skip()
    F = torch.nn.functional
    x = special_values(dtype)
    g = gradients(x)
    xt = torch.from_numpy(x.copy()).requires_grad_()
    yt = F.leaky_relu(xt, slope)
    yt.backward(torch.from_numpy(g))
    assert_bits_equal(leaky.leaky_relu(x, slope), yt.detach().numpy())
    assert_bits_equal(leaky.leaky_relu(x, negative_slope=slope), yt.detach().numpy())
    assert_bits_equal(leaky.leaky_relu_backward(x, g, slope), xt.grad.numpy())
    xt.grad = None
    F.leaky_relu(xt, slope).backward(torch.ones_like(xt))
    assert_bits_equal(leaky.leaky_relu_derivative(x, slope), xt.grad.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_default_slope_is_torchs(dtype):
    torch = torch_or_skip()
    x = special_values(dtype)
    assert_bits_equal(leaky.leaky_relu(x), torch.nn.functional.leaky_relu(torch.from_numpy(x)).numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_and_its_gradient_match_torch_bit_for_bit(dtype):
    torch = torch_or_skip()
    x = special_values(dtype)
    g = gradients(x)
    xt = torch.from_numpy(x.copy()).requires_grad_()
    yt = torch.relu(xt)
    yt.backward(torch.from_numpy(g))
    assert_bits_equal(leaky.relu(x), yt.detach().numpy())
    assert_bits_equal(leaky.relu_backward(x, g), xt.grad.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bounds", [(1 / 8, 1 / 3), (0.1, 0.3), (-0.5, 1.5), (0.2, 0.2)])
def test_rrelu_in_evaluation_matches_torch_bit_for_bit(dtype, bounds):
    torch = torch_or_skip()
    x = special_values(dtype)
    g = gradients(x)
    lower, upper = bounds
    xt = torch.from_numpy(x.copy()).requires_grad_()
    yt = torch.nn.functional.rrelu(xt, lower, upper, training=False)
    yt.backward(torch.from_numpy(g))
    assert_bits_equal(leaky.rrelu(x, lower, upper), yt.detach().numpy())
    assert_bits_equal(leaky.rrelu_backward(x, g, lower, upper), xt.grad.numpy())
    if bounds == (1 / 8, 1 / 3):
        assert_bits_equal(leaky.rrelu(x), yt.detach().numpy())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("channels", [1, 5])
def test_prelu_matches_torch_and_its_slope_gradient_is_within_the_bound(dtype, channels):
    torch = torch_or_skip()
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5, 7, 3)).astype(dtype)
    x.ravel()[:len(special_values(dtype)[:20])] = special_values(dtype)[:20]
    w = rng.uniform(-1, 1, channels).astype(dtype)
    assert_bits_equal(leaky.prelu(x, w),
                      torch.nn.functional.prelu(torch.from_numpy(x), torch.from_numpy(w)).numpy())

    x = rng.standard_normal((4, 5, 7, 3)).astype(dtype)  # finite: the sums are compared
    g = rng.standard_normal(x.shape).astype(dtype)
    xt = torch.from_numpy(x.copy()).requires_grad_()
    wt = torch.from_numpy(w.copy()).requires_grad_()
    torch.nn.functional.prelu(xt, wt).backward(torch.from_numpy(g))
    dx, dw = leaky.prelu_backward(x, g, w)
    assert_bits_equal(dx, xt.grad.numpy())
    assert dw.dtype == w.dtype and dw.shape == w.shape
    # The bound of the manual: within 1e-6 of the sum of |terms| of the exact sum.
    terms = np.where(x > 0, 0.0, x.astype(np.float64) * g.astype(np.float64))
    per_channel = terms.transpose(1, 0, 2, 3).reshape(5, -1) if channels == 5 else terms.reshape(1, -1)
    for c in range(channels):
        exact = math.fsum(per_channel[c])
        assert abs(float(dw[c]) - exact) <= 1e-6 * np.abs(per_channel[c]).sum()
    np.testing.assert_allclose(dw, wt.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_prelu_on_another_axis_is_prelu_with_that_axis_moved_to_1():
    x = np.random.default_rng(4).standard_normal((3, 4, 6)).astype(np.float32)
    w = np.array([0.1, -0.2, 0.3, 2.0, 0.0, 0.5], np.float32)
    moved = np.moveaxis(x, 2, 1).copy()
    want = np.moveaxis(leaky.prelu(moved, w), 1, 2)
    assert_bits_equal(leaky.prelu(x, w, axis=2), want)
    assert_bits_equal(leaky.prelu(x, w, axis=-1), want)
    g = np.ones_like(x)
    dx, dw = leaky.prelu_backward(x, g, w, axis=-1)
    dxm, dwm = leaky.prelu_backward(moved, np.ones_like(moved), w)
    assert_bits_equal(dx, np.moveaxis(dxm, 1, 2))
    # The slope gradient's order of summation follows the shape: equal within rounding.
    np.testing.assert_allclose(dw, dwm, rtol=1e-6)


# ---------------------------------------------------------------- the C library's own results

def library():
    path = os.environ.get("LEAKY_LIBRARY")
    if not path:
        pytest.skip("LEAKY_LIBRARY (the path of libleaky.so) is not set")
    return ctypes.CDLL(path)


def ptr(a):
    return ctypes.c_void_p(a.ctypes.data)


ALL_F16 = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16)


@pytest.mark.parametrize("slope", SLOPES)
def test_float16_is_the_librarys_float16(slope):
    lib = library()
    x = ALL_F16
    g = np.random.default_rng(5).permutation(ALL_F16)
    n = x.size
    c_slope = ctypes.c_float(slope)
    for name, args in [("leaky_relu", (x,)), ("leaky_relu_derivative", (x,)),
                       ("leaky_relu_backward", (x, g))]:
        want = np.empty_like(x)
        status = getattr(lib, f"{name}_f16")(*[ptr(a) for a in args], ptr(want),
                                             ctypes.c_size_t(n), c_slope)
        assert status == 0
        got = getattr(leaky, name)(*args, slope)
        assert got.dtype == np.float16
        assert_bits_equal(got, want)


def widen_compute_narrow(lib, fn, inputs, *scalars):
    """The library's float32 function on widened float16 inputs, rounded back once."""
    wide = []
    for a in inputs:
        w = np.empty(a.size, np.float32)
        assert lib.leaky_widen_array_f16(ptr(a), ptr(w), ctypes.c_size_t(a.size)) == 0
        wide.append(w)
    y = np.empty(inputs[0].size, np.float32)
    assert getattr(lib, fn)(*[ptr(w) for w in wide], ptr(y), ctypes.c_size_t(y.size), *scalars) == 0
    out = np.empty(y.size, np.float16)
    assert lib.leaky_narrow_array_f16(ptr(y), ptr(out), ctypes.c_size_t(y.size)) == 0
    return out


def test_float16_relu_rrelu_and_prelu_are_the_librarys_float32_rounded_once():
    lib = library()
    x = ALL_F16
    g = np.random.default_rng(6).permutation(ALL_F16)
    assert_bits_equal(leaky.relu(x), widen_compute_narrow(lib, "leaky_plain_relu_f32", [x]))
    assert_bits_equal(leaky.relu_backward(x, g),
                      widen_compute_narrow(lib, "leaky_plain_relu_backward_f32", [x, g]))
    f = ctypes.c_float
    lib.leaky_rrelu_train_f32.argtypes = [ctypes.c_void_p] * 2 + [ctypes.c_size_t, f, f,
                                                                   ctypes.c_uint64, ctypes.c_void_p]
    wide = np.empty(x.size, np.float32)
    lib.leaky_widen_array_f16(ptr(x), ptr(wide), ctypes.c_size_t(x.size))
    y = np.empty_like(wide)
    assert lib.leaky_rrelu_train_f32(ptr(wide), ptr(y), x.size, 0.1, 0.3, 77, None) == 0
    want = np.empty(x.size, np.float16)
    lib.leaky_narrow_array_f16(ptr(y), ptr(want), ctypes.c_size_t(x.size))
    assert_bits_equal(leaky.rrelu(x, 0.1, 0.3, training=True, seed=77), want)

    xs = x.reshape(64, 4, 256)
    w = np.array([0.25, -1.5, 0.0, 3.0], np.float32)
    want = np.empty_like(xs)
    lib.leaky_prelu_f16.argtypes = [ctypes.c_void_p] * 2 + [ctypes.c_size_t] * 3 + [
        ctypes.c_void_p, ctypes.c_size_t]
    assert lib.leaky_prelu_f16(ptr(xs), ptr(want), 64, 4, 256, ptr(w), 4) == 0
    assert_bits_equal(leaky.prelu(xs, w), want)
    assert_bits_equal(leaky.prelu(xs, w.astype(np.float16)), want)


def test_float16_prelu_backward_is_the_librarys_float32_rounded_once():
    lib = library()
    rng = np.random.default_rng(7)
    x = rng.standard_normal((8, 3, 50)).astype(np.float16)
    g = rng.standard_normal(x.shape).astype(np.float16)
    x[:, 2], g[:, 2] = -100, 100  # a slope gradient beyond float16's range: -inf
    w = np.array([0.25, -1.5, 2.0], np.float32)
    xw, gw = x.astype(np.float32), g.astype(np.float32)
    dx32, dw = np.empty_like(xw), np.empty(3, np.float32)
    lib.leaky_prelu_backward_f32.argtypes = [ctypes.c_void_p] * 4 + [ctypes.c_size_t] * 3 + [
        ctypes.c_void_p, ctypes.c_size_t]
    assert lib.leaky_prelu_backward_f32(ptr(xw), ptr(gw), ptr(dx32), ptr(dw), 8, 3, 50, ptr(w),
                                        3) == 0
    # dweight has x's dtype too: the float32 sum rounded once to float16.
    dw16 = np.empty(3, np.float16)
    assert lib.leaky_narrow_array_f16(ptr(dw), ptr(dw16), ctypes.c_size_t(3)) == 0
    for weight in [w, w.astype(np.float16)]:
        got_dx, got_dw = leaky.prelu_backward(x, g, weight)
        assert_bits_equal(got_dx, dx32.astype(np.float16))
        assert_bits_equal(got_dw, dw16)


@pytest.mark.parametrize("dtype", DTYPES)
def test_rrelu_training_draws_as_the_library_by_index_in_c_order(dtype):
    lib = library()
    rng = np.random.default_rng(8)
    x = rng.standard_normal((37, 41)).astype(dtype)
    t = {np.float32: ("f32", ctypes.c_float), np.float64: ("f64", ctypes.c_double)}[dtype]
    train = getattr(lib, f"leaky_rrelu_train_{t[0]}")
    train.argtypes = [ctypes.c_void_p] * 2 + [ctypes.c_size_t, t[1], t[1], ctypes.c_uint64,
                                              ctypes.c_void_p]
    backward = getattr(lib, f"leaky_rrelu_backward_{t[0]}")
    backward.argtypes = [ctypes.c_void_p] * 3 + [ctypes.c_size_t, t[1], t[1], ctypes.c_uint64]
    for view in [x, x.T, x[::-1, ::2], x[3]]:
        dense = np.ascontiguousarray(view)
        gd = rng.standard_normal(view.shape).astype(dtype)
        y, dx = np.empty_like(dense), np.empty_like(dense)
        assert train(ptr(dense), ptr(y), dense.size, 0.1, 0.4, 12345, None) == 0
        assert backward(ptr(dense), ptr(gd), ptr(dx), dense.size, 0.1, 0.4, 12345) == 0
        assert_bits_equal(leaky.rrelu(view, 0.1, 0.4, training=True, seed=12345), y)
        assert_bits_equal(leaky.rrelu_backward(view, gd, 0.1, 0.4, True, 12345), dx)
    y = leaky.rrelu(x, training=True, seed=1)
    neg = x <= 0
    ratio = (y[neg] / x[neg])
    assert np.all((ratio >= 1 / 8 - 1e-7) & (ratio <= 1 / 3 + 1e-7))
    assert not np.array_equal(y, leaky.rrelu(x, training=True, seed=2))


# ---------------------------------------------------------------- NumPy's conventions

def test_broadcasting_gives_the_broadcast_result():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((4, 1, 5)).astype(np.float32)
    g = rng.standard_normal((3, 1)).astype(np.float32)
    got = leaky.leaky_relu_backward(x, g, 0.2)
    xb, gb = np.broadcast_arrays(x, g)
    assert got.shape == (4, 3, 5)
    assert_bits_equal(got, leaky.leaky_relu_backward(xb.copy(), gb.copy(), 0.2))
    assert_bits_equal(leaky.relu_backward(x, 2.0), leaky.relu_backward(x, np.full_like(x, 2.0)))


@pytest.mark.parametrize("fn", ["leaky_relu", "relu", "rrelu"])
def test_out_is_written_and_returned_and_may_be_the_input(fn):
    f = getattr(leaky, fn)
    x = special_values(np.float32)
    want = f(x)
    out = np.empty_like(x)
    assert f(x, out=out) is out
    assert_bits_equal(out, want)
    out2 = np.empty_like(x)
    assert f(x, out=(out2,)) is out2
    assert_bits_equal(out2, want)
    inplace = x.copy()
    assert f(inplace, out=inplace) is inplace
    assert_bits_equal(inplace, want)


def test_in_place_backward_writes_over_grad():
    x = special_values(np.float64)
    g = gradients(x)
    want = leaky.leaky_relu_backward(x, g, -0.5)
    assert leaky.leaky_relu_backward(x, g, -0.5, out=g) is g
    assert_bits_equal(g, want)


@pytest.mark.parametrize("fn", ["leaky_relu_backward", "relu_backward", "rrelu_backward"])
def test_a_backward_may_write_over_x(fn):
    """The library overwrites only the gradient; out=x reads x before it is written."""
    f = getattr(leaky, fn)
    kwargs = {"training": True, "seed": 5} if fn == "rrelu_backward" else {}
    x = special_values(np.float32)
    g = gradients(x)
    for view in [lambda a: a, lambda a: a[::-1], lambda a: a[::2]]:
        want = f(view(x).copy(), view(g).copy(), **kwargs)
        target = view(x.copy())
        assert f(target, view(g), out=target, **kwargs) is target
        assert_bits_equal(target, want)


VIEWS = {
    "step 3": lambda a: a[::3],
    "transpose": lambda a: a.reshape(60, 70).T,
    "reversed": lambda a: a[::-1],
    "reversed rows, every other column": lambda a: a.reshape(60, 70)[::-1, ::2],
    "fortran": lambda a: np.asfortranarray(a.reshape(60, 70)),
}


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_views_give_what_their_dense_copies_give(view, dtype):
    rng = np.random.default_rng(10)
    base = rng.standard_normal(4200).astype(dtype)
    grad = rng.standard_normal(4200).astype(dtype)
    x, g = VIEWS[view](base), VIEWS[view](grad)
    xd, gd = np.ascontiguousarray(x), np.ascontiguousarray(g)
    assert_bits_equal(leaky.leaky_relu(x, 0.3), leaky.leaky_relu(xd, 0.3))
    assert_bits_equal(leaky.leaky_relu_backward(x, g, 0.3), leaky.leaky_relu_backward(xd, gd, 0.3))
    assert_bits_equal(leaky.relu(x), leaky.relu(xd))
    assert_bits_equal(leaky.prelu(x, [0.7]), leaky.prelu(xd, [0.7]))
    # out= a view writes the view's elements and nothing else.
    target = np.full(4200, 7, dtype)
    out = VIEWS[view](target)
    if out.base is not None and np.shares_memory(out, target):
        leaky.leaky_relu(x, 0.3, out=out)
        assert_bits_equal(out, leaky.leaky_relu(xd, 0.3))
        untouched = np.ones(4200, bool)
        VIEWS[view](untouched.view(np.uint8))[...] = 0
        assert np.all(target[untouched] == 7)
        # in place on the view
        inplace = base.copy()
        v = VIEWS[view](inplace)
        leaky.leaky_relu(v, 0.3, out=v)
        assert_bits_equal(v, leaky.leaky_relu(xd, 0.3))


REVERSED = {
    "[::-1]": lambda a: a[::-1],
    "[::-3]": lambda a: a[::-3],
    "2-D [:, ::-1]": lambda a: a.reshape(60, 70)[:, ::-1],
    "2-D [::-1, :]": lambda a: a.reshape(60, 70)[::-1, :],
    "2-D [::-1, ::-1]": lambda a: a.reshape(60, 70)[::-1, ::-1],
}
REVERSED_CALLS = {
    "leaky_relu": lambda x, g, **out: leaky.leaky_relu(x, 0.3, **out),
    "leaky_relu_backward": lambda x, g, **out: leaky.leaky_relu_backward(x, g, 0.3, **out),
    "relu": lambda x, g, **out: leaky.relu(x, **out),
    "rrelu training": lambda x, g, **out: leaky.rrelu(x, training=True, seed=3, **out),
    "prelu on the last axis": lambda x, g, **out: leaky.prelu(
        x, np.linspace(-1, 1, x.shape[-1]).astype(np.float32), axis=-1, **out),
}


@pytest.mark.parametrize("view", REVERSED)
@pytest.mark.parametrize("fn", REVERSED_CALLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_negative_strides_give_the_dense_result_in_the_views_order(view, fn, dtype):
    """Inputs, out= and in place on reversed views, alone and mixed with dense arrays: the
    element at each index is the one computed from the inputs at that index (over several
    blocks of the reversed road for every dtype)."""
    rng = np.random.default_rng(12)
    f, v = REVERSED_CALLS[fn], REVERSED[view]
    x, g = v(rng.standard_normal(4200).astype(dtype)), v(rng.standard_normal(4200).astype(dtype))
    xd, gd = np.ascontiguousarray(x), np.ascontiguousarray(g)
    want = f(xd, gd)
    assert_bits_equal(f(x, g), want)
    assert_bits_equal(f(x, gd), want)
    assert_bits_equal(f(xd, g), want)
    for inputs in [(x, g), (xd, gd), (x, gd)]:
        target = np.full(4200, 7, dtype)
        out = v(target)
        assert f(*inputs, out=out) is out
        assert_bits_equal(out, want)
        written = np.zeros(4200, bool)
        v(written)[...] = True
        assert np.all(target[~written] == 7)
        dense_out = np.empty_like(xd)
        f(*inputs, out=dense_out)
        assert_bits_equal(dense_out, want)
    inplace = v(x.base.copy())
    assert f(inplace, g, out=inplace) is inplace
    assert_bits_equal(inplace, want)


def test_out_overlapping_the_input_gives_the_result_of_a_copy():
    x = np.linspace(-5, 5, 10001).astype(np.float32)
    want = leaky.leaky_relu(x[:-1].copy(), 0.1)
    leaky.leaky_relu(x[:-1], 0.1, out=x[1:])
    assert_bits_equal(x[1:], want)


def test_byte_swapped_and_unaligned_arrays():
    x = special_values(np.float32)
    want = leaky.leaky_relu(x, 0.2)
    swapped = x.astype(">f4")
    assert_bits_equal(leaky.leaky_relu(swapped, 0.2), want)
    raw = np.zeros(x.nbytes + 1, np.uint8)
    unaligned = raw[1:].view(np.float32)
    unaligned[...] = x
    assert_bits_equal(leaky.leaky_relu(unaligned, 0.2), want)
    leaky.leaky_relu(unaligned, 0.2, out=unaligned)
    assert_bits_equal(unaligned, want)


def test_zero_dimensional_and_empty_arrays():
    for dtype in [np.float32, np.float64, np.float16]:
        y = leaky.leaky_relu(dtype(-2), 0.5)
        assert type(y) is dtype and y == -1
        y = leaky.leaky_relu(np.array(-2, dtype), 0.5)
        assert type(y) is dtype and y == -1
        out = np.array(0, dtype)
        assert leaky.leaky_relu(np.array(-2, dtype), 0.5, out=out) is out and out == -1
        for shape in [(0,), (3, 0), (0, 4, 2)]:
            e = leaky.leaky_relu_backward(np.empty(shape, dtype), np.empty(shape, dtype))
            assert e.shape == shape and e.dtype == dtype
        assert leaky.prelu(np.empty((0, 3), dtype), [1, 2, 3]).shape == (0, 3)


def test_result_dtype_is_the_inputs_and_lists_are_float64():
    for dtype in [np.float32, np.float64, np.float16]:
        assert leaky.leaky_relu(np.zeros(3, dtype)).dtype == dtype
        assert leaky.relu_backward(np.zeros(3, dtype), [1, 2, 3]).dtype == dtype
    y = leaky.leaky_relu([-1, 0, 1], 0.05)
    assert y.dtype == np.float64 and y.tolist() == [-0.05, 0.0, 1.0]


def test_large_strided_arrays_over_several_blocks_and_threads():
    x = np.random.default_rng(11).standard_normal(3_000_001).astype(np.float32)
    assert_bits_equal(leaky.leaky_relu(x[::2], 0.1), leaky.leaky_relu(x[::2].copy(), 0.1))
    assert_bits_equal(leaky.leaky_relu(x[::-1], 0.1), leaky.leaky_relu(x, 0.1)[::-1])


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_, np.complex64, np.uint8,
                                   np.longdouble])
def test_other_dtypes_are_a_type_error_naming_the_dtype(dtype):
    name = np.dtype(dtype).name
    with pytest.raises(TypeError, match=f"x has dtype {name}; expected float32, float64 or float16"):
        leaky.leaky_relu(np.zeros(3, dtype))
    with pytest.raises(TypeError, match=name):
        leaky.prelu(np.zeros((2, 3), dtype), [0.25])


def test_mismatched_dtypes_are_a_type_error():
    x = np.zeros(3, np.float32)
    with pytest.raises(TypeError, match="grad has dtype float64; expected float32, the dtype of x"):
        leaky.leaky_relu_backward(x, np.zeros(3))
    with pytest.raises(TypeError, match="out has dtype float64; expected float32"):
        leaky.leaky_relu(x, out=np.zeros(3))
    with pytest.raises(TypeError, match="weight has dtype float64"):
        leaky.prelu(np.zeros((2, 3), np.float32), np.zeros(3))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("slope", [math.inf, -math.inf, math.nan])
def test_non_finite_slope_is_the_librarys_value_error_and_writes_nothing(dtype, slope):
    for shape in [(5,), (0,), (4, 6)]:
        x = np.ones(shape, dtype)
        out = np.full(shape, 3, dtype)
        with pytest.raises(ValueError, match=r"leaky_relu\w*: negative_slope is (inf|-inf|nan); "
                                             r"expected a finite number"):
            leaky.leaky_relu(x, slope, out=out)
        with pytest.raises(ValueError, match="negative_slope"):
            leaky.leaky_relu_backward(x, x, slope, out=out.T)
        assert np.all(out == 3)
    with pytest.raises(ValueError, match="negative_slope is"):
        leaky.leaky_relu_derivative(np.ones(3, dtype), slope)


def test_other_bad_arguments():
    x = np.zeros((2, 3), np.float32)
    with pytest.raises(ValueError, match="lower"):
        leaky.rrelu(x, 0.5, 0.1)
    with pytest.raises(ValueError, match="lower"):
        leaky.rrelu_backward(x, x, 0.5, 0.1, training=True)
    with pytest.raises(ValueError, match="leaky_prelu_f32"):
        leaky.prelu(x, [1.0, 2.0])
    with pytest.raises(ValueError, match="axis is 2"):
        leaky.prelu(x, [1.0], axis=2)
    with pytest.raises(ValueError, match=r"grad has shape \(3, 2\); expected \(2, 3\)"):
        leaky.prelu_backward(x, x.T, [1.0])
    with pytest.raises(ValueError, match="out has shape"):
        leaky.prelu(x, [1.0], out=np.zeros(6, np.float32))
    with pytest.raises(ValueError):
        leaky.leaky_relu(x, out=np.zeros((3,), np.float32))
    with pytest.raises(ValueError, match="read-only"):
        ro = np.zeros(3, np.float32)
        ro.flags.writeable = False
        leaky.relu(ro, out=ro)
    with pytest.raises(TypeError, match="unexpected keyword argument 'slope'"):
        leaky.leaky_relu(x, slope=0.1)
    with pytest.raises(TypeError, match="missing required argument 'grad'"):
        leaky.relu_backward(x)
    with pytest.raises(TypeError, match="negative_slope must be a number"):
        leaky.leaky_relu(x, "0.1")
    with pytest.raises(ValueError, match="n is -1"):
        leaky.set_num_threads(-1)
    with pytest.raises(ValueError, match="1025"):
        leaky.set_num_threads(1025)


# ---------------------------------------------------------------- module, threads

def test_info_and_set_num_threads():
    info = leaky.info()
    assert info["version"] == leaky.__version__
    assert info["isa"] in ("scalar", "sse2", "avx2", "avx512", "neon")
    try:
        leaky.set_num_threads(1)
        assert leaky.info()["threads"] == 1
        leaky.set_num_threads(3)
        assert leaky.info()["threads"] == 3
    finally:
        leaky.set_num_threads(0)
    assert leaky.info()["threads"] >= 1


def test_two_python_threads_at_once_get_their_own_results():
    rng = np.random.default_rng(12)
    xs = [rng.standard_normal(1 << 20).astype(np.float32) for _ in range(2)]
    slopes = [0.01, -0.5]
    wants = [leaky.leaky_relu(x, s) for x, s in zip(xs, slopes)]
    errors = []
    start = threading.Barrier(3)

    def work(i):
        start.wait()
        out = np.empty_like(xs[i])
        for _ in range(20):
            leaky.leaky_relu(xs[i], slopes[i], out=out)
            if not np.array_equal(bits(out), bits(wants[i])):
                errors.append(i)
            strided = leaky.leaky_relu(xs[i][::2], slopes[i])
            if not np.array_equal(bits(strided), bits(wants[i][::2])):
                errors.append(i)

    def settings():
        start.wait()
        for n in [1, 2, 0, 3, 0]:
            leaky.set_num_threads(n)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    threads.append(threading.Thread(target=settings))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    leaky.set_num_threads(0)
    assert errors == []


@pytest.mark.parametrize("view", ["dense", "strided"])
def test_kernels_run_with_the_gil_released(view):
    """Another Python thread makes progress during one call: with a switch interval far
    longer than the call, it could not if the call kept the GIL."""
    x = -np.ones(1 << 23, np.float32)
    x = x if view == "dense" else x[::2]
    progress, stop = [0], [False]

    def spin():
        while not stop[0]:
            progress[0] += 1

    old = sys.getswitchinterval()
    sys.setswitchinterval(1.0)
    leaky.set_num_threads(1)  # a core left for the spinner
    spinner = threading.Thread(target=spin)
    try:
        spinner.start()
        time.sleep(0.01)  # the spinner runs, then hands the GIL back
        # Calls until the spinner moved, for well under the switch interval (a loaded
        # machine may not run it during the first).
        start, during = time.monotonic(), 0
        while during == 0 and time.monotonic() - start < 0.3:
            before = progress[0]
            leaky.leaky_relu(x, 0.5)
            during = progress[0] - before
    finally:
        stop[0] = True
        spinner.join()
        sys.setswitchinterval(old)
        leaky.set_num_threads(0)
    assert during > 0
