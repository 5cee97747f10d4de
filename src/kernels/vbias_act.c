/* SPDX-License-Identifier: MIT */
/* Bias + activation forward: z = x + b (one rounding), then y = z > 0 ? z : w * z, or
 * torch.relu's y = z < 0 ? 0 : z where w is NULL.  b and w are one value for the whole
 * call (step 0: a run of one channel) or one per element (step 1: a row of the rows plan),
 * each variant inlined with its own loop. */
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

/* k (below VT_LANES) elements from i. */
static inline __attribute__((always_inline)) void part(size_t i, size_t k, const T *x, const T *b,
                                                       const T *w, T *y, bool row, bool relu, vT b1,
                                                       vT w1)
{
    vT_store_part(y + i,
                  act(vT_load_part(x + i, k), at_part(b, i, k, row, b1),
                      relu ? b1 : at_part(w, i, k, row, w1), relu),
                  k);
}

static inline __attribute__((always_inline)) void body(size_t n, const T *x, const T *b, const T *w,
                                                       T *y, bool row, bool relu, int stream)
{
    const vT b1 = row ? vT_zero() : vT_set1(b[0]);
    const vT w1 = row || relu ? vT_zero() : vT_set1(w[0]);
    size_t i = 0;
    if (stream) {
        /* Streamed stores need an aligned address: a partial vector reaches it first. */
        i = (VT_BYTES - (uintptr_t)y % VT_BYTES) % VT_BYTES / sizeof(T);
        i = i < n ? i : n;
        if (i > 0)
            part(0, i, x, b, w, y, row, relu, b1, w1);
    }
    /* Four independent vectors per iteration keep the load and store ports busy. */
    for (; i + 4 * VT_LANES <= n; i += 4 * VT_LANES)
        for (size_t u = 0; u < 4 * VT_LANES; u += VT_LANES)
            vT_put(y + i + u,
                   act(vT_load(x + i + u), at(b, i + u, row, b1), relu ? b1 : at(w, i + u, row, w1),
                       relu),
                   stream);
    for (; i + VT_LANES <= n; i += VT_LANES)
        vT_put(y + i, act(vT_load(x + i), at(b, i, row, b1), relu ? b1 : at(w, i, row, w1), relu),
               stream);
    if (stream)
        vT_stream_fence();
    if (i < n)
        part(i, n - i, x, b, w, y, row, relu, b1, w1);
}

static inline __attribute__((always_inline)) void stores(size_t n, const T *x, const T *b,
                                                         const T *w, T *y, bool row, bool relu,
                                                         bool nontemporal)
{
    if (nontemporal)
        body(n, x, b, w, y, row, relu, 1);
    else
        body(n, x, b, w, y, row, relu, 0);
}

void LEAKY_KNAME(TNAME(vbias_act))(size_t n, const T *x, const T *b, const T *w, size_t step, T *y,
                                   const TPARAMS *params)
{
    const bool nt = params->nontemporal;
    if (step == 0 && !w)
        stores(n, x, b, w, y, false, true, nt);
    else if (step == 0)
        stores(n, x, b, w, y, false, false, nt);
    else if (!w)
        stores(n, x, b, w, y, true, true, nt);
    else
        stores(n, x, b, w, y, true, false, nt);
}
