/* SPDX-License-Identifier: MIT */
/* Bias + activation forward: z = x + b (one rounding), then y = z > 0 ? z : w * z, or
 * torch.relu's y = z < 0 ? 0 : z where w is NULL.  b is one value for the whole call
 * (period 0: a run of one channel) or a row of period (64 or more) elements that repeats
 * (the rows plan's period of channels x inner, or a whole number of them), element i of
 * the call at position (phase + i) % period; w is a row like b's where w_row (PReLU's
 * slopes), else one value (Leaky ReLU's slope, kept in a register: with a row of copies
 * of it, a load per vector and the row's making, bias + Leaky ReLU at 4K elements channels
 * last took 1.84x leaky_relu_f32's time, against 1.32x without); each variant
 * inlined with its own loop. */
#include "simd/vtype.h"

static inline __attribute__((always_inline)) vT act(vT x, vT b, vT w, bool relu)
{
    const vT zero = vT_zero(), z = vT_add(x, b);
    return relu ? vT_select(vT_lt(z, zero), zero, z) : vT_select(vT_gt(z, zero), z, vT_mul(w, z));
}

/* Element i's bias or slope: from the row, or the call's one value. */
static inline __attribute__((always_inline)) vT at(const T *p, size_t i, bool row, vT one)
{
    return row ? vT_load(p + i) : one;
}
static inline __attribute__((always_inline)) vT at_part(const T *p, size_t i, size_t k, bool row,
                                                        vT one)
{
    return row ? vT_load_part(p + i, k) : one;
}

/* k (below VT_LANES) elements from i, at position j of the rows. */
static inline __attribute__((always_inline)) void part(size_t i, size_t j, size_t k, const T *x,
                                                       const T *b, const T *w, T *y, bool row,
                                                       bool w_row, bool relu, vT b1, vT w1)
{
    vT_store_part(y + i,
                  act(vT_load_part(x + i, k), at_part(b, j, k, row, b1),
                      relu ? b1 : at_part(w, j, k, w_row, w1), relu),
                  k);
}

/* The rows hold a period and the first 64 elements of the next, so that the vectors from any
 * position j < period are whole in them; j wraps after each step (at most 64 <= period). */
static inline __attribute__((always_inline)) size_t wrap(size_t j, size_t period)
{
    return j >= period ? j - period : j;
}

static inline __attribute__((always_inline)) void body(size_t n, const T *x, const T *b, const T *w,
                                                       size_t period, size_t phase, bool w_row,
                                                       T *y, bool relu, int stream)
{
    const bool row = period > 0;
    /* Values that are not rows are the caller's bias and slope, at any byte. */
    const vT b1 = row ? vT_zero() : vT_set1(load_unaligned(b));
    const vT w1 = w_row || relu ? vT_zero() : vT_set1(load_unaligned(w));
    size_t i = 0, j = row ? phase : 0;
    if (stream) {
        /* Streamed stores need an aligned address: a partial vector reaches it first. */
        i = (VT_BYTES - (uintptr_t)y % VT_BYTES) % VT_BYTES / sizeof(T);
        i = i < n ? i : n;
        if (i > 0)
            part(0, j, i, x, b, w, y, row, w_row, relu, b1, w1);
        j = row ? wrap(j + i, period) : 0;
    }
    /* Four independent vectors per iteration keep the load and store ports busy. */
    for (; i + 4 * VT_LANES <= n; i += 4 * VT_LANES, j = row ? wrap(j + 4 * VT_LANES, period) : 0)
        for (size_t u = 0; u < 4 * VT_LANES; u += VT_LANES)
            vT_put(y + i + u,
                   act(vT_load(x + i + u), at(b, j + u, row, b1),
                       relu ? b1 : at(w, j + u, w_row, w1), relu),
                   stream);
    for (; i + VT_LANES <= n; i += VT_LANES, j = row ? wrap(j + VT_LANES, period) : 0)
        vT_put(y + i, act(vT_load(x + i), at(b, j, row, b1), relu ? b1 : at(w, j, w_row, w1), relu),
               stream);
    if (stream)
        vT_stream_fence();
    if (i < n)
        part(i, j, n - i, x, b, w, y, row, w_row, relu, b1, w1);
}

static inline __attribute__((always_inline)) void stores(size_t n, const T *x, const T *b,
                                                         const T *w, size_t period, size_t phase,
                                                         bool w_row, T *y, bool relu,
                                                         bool nontemporal)
{
    if (nontemporal)
        body(n, x, b, w, period, phase, w_row, y, relu, 1);
    else
        body(n, x, b, w, period, phase, w_row, y, relu, 0);
}

void LEAKY_KNAME(TNAME(vbias_act))(size_t n, const T *x, const T *b, const T *w, size_t period,
                                   size_t phase, bool w_row, T *y, const TPARAMS *params)
{
    const bool nt = params->nontemporal;
    if (period == 0 && !w)
        stores(n, x, b, w, 0, 0, false, y, true, nt);
    else if (period == 0)
        stores(n, x, b, w, 0, 0, false, y, false, nt);
    else if (!w)
        stores(n, x, b, w, period, phase, false, y, true, nt);
    else if (!w_row)
        stores(n, x, b, w, period, phase, false, y, false, nt);
    else
        stores(n, x, b, w, period, phase, true, y, false, nt);
}
