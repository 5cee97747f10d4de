/* SPDX-License-Identifier: MIT */
/* PReLU backward over a row of whole periods with a slope per element w[i] (the period's
 * slopes repeated): dx = x > 0 ? dy : w[i] * dy, and the slope gradient's terms at
 * position j of the period added to acc[j] (in double) in blocks of 8 periods
 * (kernels/acc.h), block after block.  A period of at most ACC_ROW_VECS whole vectors
 * keeps its slopes and sums in registers over the row and walks memory in order; a longer
 * one goes through each block in tiles of ACC_ROW_VECS vectors, a tile's 8 periods one
 * after the other, loading and storing its sums once per block.
 * Streamed (nontemporal, dx not dy): dx follows each block in vectors aligned to dx's own
 * boundary, each with its slopes from w. */
#include "internal.h"
#include "simd/vec.h"
#include "type.h"
#include "kernels/acc.h"

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* The block of m periods from period p: its sums, then (streamed) its dx. */
static inline __attribute__((always_inline)) size_t
block(size_t p, size_t m, size_t period, size_t nv, const T *x, const T *dy, const T *w, T *dx,
      const vT *wv, vf64 (*a)[ACC_VECS], enum acc_dx mode, size_t done)
{
    const size_t at = p * period;
    acc_block(m, period, nv, period, period, x + at, dy + at, dx + at, wv, a, mode);
    return mode == ACC_DX_NONE ? acc_stream_upto(done, at + m * period, x, dy, dx, w, wv[0])
                               : done;
}

/* nv whole vectors per period, sums in registers (inlined for each nv and mode). */
static inline __attribute__((always_inline)) void in_registers(size_t n, size_t nv,
                                                               const T *x, const T *dy,
                                                               const T *w, T *dx, double *acc,
                                                               enum acc_dx mode)
{
    vT wv[ACC_ROW_VECS];
    vf64 a[ACC_ROW_VECS][ACC_VECS];
    for (size_t v = 0; v < nv; v++) {
        wv[v] = vT_load(w + v * VT_LANES);
        acc_load(a[v], acc + v * VT_LANES, VT_LANES);
    }
    const size_t period = nv * VT_LANES, periods = n / period;
    size_t p = 0, done = mode == ACC_DX_NONE ? acc_stream_head(n, x, dy, dx, w, wv[0]) : 0;
    for (; p + LEAKY_ACC_BLOCK <= periods; p += LEAKY_ACC_BLOCK)
        done = block(p, LEAKY_ACC_BLOCK, period, nv, x, dy, w, dx, wv, a, mode, done);
    if (p < periods)
        done = block(p, periods - p, period, nv, x, dy, w, dx, wv, a, mode, done);
    if (mode == ACC_DX_NONE)
        acc_stream_end(done, n, x, dy, dx, w, wv[0]);
    for (size_t v = 0; v < nv; v++)
        acc_store(acc + v * VT_LANES, a[v], VT_LANES);
}

static inline __attribute__((always_inline)) void row(size_t n, size_t period, const T *x,
                                                      const T *dy, const T *w, T *dx,
                                                      double *acc, enum acc_dx mode)
{
    if (period % VT_LANES == 0 && period <= ACC_ROW_VECS * VT_LANES) {
        switch (period / VT_LANES) {
        case 1: in_registers(n, 1, x, dy, w, dx, acc, mode); return;
        case 2: in_registers(n, 2, x, dy, w, dx, acc, mode); return;
        case 3: in_registers(n, 3, x, dy, w, dx, acc, mode); return;
        default: in_registers(n, 4, x, dy, w, dx, acc, mode); return;
        }
    }
    const size_t tile = ACC_ROW_VECS * VT_LANES, periods = n / period;
    const vT unused = vT_zero(); /* acc_stream_* take slopes from w */
    size_t done = mode == ACC_DX_NONE ? acc_stream_head(n, x, dy, dx, w, unused) : 0;
    for (size_t p = 0; p < periods; p += LEAKY_ACC_BLOCK) {
        const size_t m = min_size(periods - p, LEAKY_ACC_BLOCK), at = p * period;
        for (size_t j = 0; j < period; j += tile) {
            const size_t width = min_size(period - j, tile);
            const size_t nv = (width + VT_LANES - 1) / VT_LANES;
            vT wv[ACC_ROW_VECS];
            vf64 a[ACC_ROW_VECS][ACC_VECS];
            for (size_t v = 0; v < nv; v++) {
                const size_t k = acc_lanes(width, v);
                wv[v] = acc_load_t(w + j + v * VT_LANES, k);
                acc_load(a[v], acc + j + v * VT_LANES, k);
            }
            acc_block(m, period, nv, width, width, x + at + j, dy + at + j, dx + at + j, wv, a,
                      mode);
            for (size_t v = 0; v < nv; v++)
                acc_store(acc + j + v * VT_LANES, a[v], acc_lanes(width, v));
        }
        if (mode == ACC_DX_NONE)
            done = acc_stream_upto(done, at + m * period, x, dy, dx, w, unused);
    }
    if (mode == ACC_DX_NONE)
        acc_stream_end(done, n, x, dy, dx, w, unused);
}

void LEAKY_KNAME(TNAME(vprelu_backward))(size_t n, size_t period, const T *x, const T *dy,
                                         const T *w, T *dx, double *acc, bool nontemporal)
{
    if (dx == dy)
        row(n, period, x, dy, w, dx, acc, ACC_DX_AFTER);
    else if (nontemporal && (uintptr_t)dx % sizeof(T) == 0)
        row(n, period, x, dy, w, dx, acc, ACC_DX_NONE);
    else
        row(n, period, x, dy, w, dx, acc, ACC_DX_NOW);
}
