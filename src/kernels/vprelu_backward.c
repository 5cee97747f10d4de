/* SPDX-License-Identifier: MIT */
/* PReLU backward over a row of whole periods with a slope per position j of the period:
 * dx = x > 0 ? dy : w[j] * dy, and the slope gradient's terms at position j added to
 * acc[j] (in double) in blocks of 8 periods (kernels/acc.h), block after block.  A period
 * of at most ACC_ROW_VECS whole vectors keeps its slopes and sums in registers over the
 * row and walks memory in order; a longer one goes through each block in tiles of
 * ACC_ROW_VECS vectors, a tile's 8 periods one after the other, loading and storing its
 * sums once per block. */
#include "internal.h"
#include "simd/vec.h"
#include "type.h"
#include "kernels/acc.h"

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* nv whole vectors per period, sums in registers (inlined for each nv). */
static inline __attribute__((always_inline)) void in_registers(size_t periods, size_t nv,
                                                               const T *x, const T *dy,
                                                               const T *w, T *dx, double *acc,
                                                               bool in_place)
{
    vT wv[ACC_ROW_VECS];
    vf64 a[ACC_ROW_VECS][ACC_VECS];
    for (size_t v = 0; v < nv; v++) {
        wv[v] = vT_load(w + v * VT_LANES);
        acc_load(a[v], acc + v * VT_LANES, VT_LANES);
    }
    const size_t period = nv * VT_LANES;
    size_t p = 0;
    for (; p + LEAKY_ACC_BLOCK <= periods; p += LEAKY_ACC_BLOCK)
        acc_block(LEAKY_ACC_BLOCK, period, nv, period, period, x + p * period, dy + p * period,
                  dx + p * period, wv, a, in_place ? ACC_DX_AFTER : ACC_DX_NOW);
    if (p < periods)
        acc_block(periods - p, period, nv, period, period, x + p * period, dy + p * period,
                  dx + p * period, wv, a, in_place ? ACC_DX_AFTER : ACC_DX_NOW);
    for (size_t v = 0; v < nv; v++)
        acc_store(acc + v * VT_LANES, a[v], VT_LANES);
}

static inline __attribute__((always_inline)) void row(size_t n, size_t period, const T *x,
                                                      const T *dy, const T *w, T *dx,
                                                      double *acc, bool in_place)
{
    const size_t periods = n / period;
    if (period % VT_LANES == 0 && period <= ACC_ROW_VECS * VT_LANES) {
        switch (period / VT_LANES) {
        case 1: in_registers(periods, 1, x, dy, w, dx, acc, in_place); return;
        case 2: in_registers(periods, 2, x, dy, w, dx, acc, in_place); return;
        case 3: in_registers(periods, 3, x, dy, w, dx, acc, in_place); return;
        default: in_registers(periods, 4, x, dy, w, dx, acc, in_place); return;
        }
    }
    const size_t tile = ACC_ROW_VECS * VT_LANES;
    for (size_t p = 0; p < periods; p += LEAKY_ACC_BLOCK) {
        const size_t m = min_size(periods - p, LEAKY_ACC_BLOCK), at = p * period;
        for (size_t j = 0; j < period; j += tile) {
            const size_t width = min_size(period - j, tile);
            const size_t nv = (width + VT_LANES - 1) / VT_LANES;
            vT wv[ACC_ROW_VECS];
            vf64 a[ACC_ROW_VECS][ACC_VECS];
            for (size_t v = 0; v < nv; v++) {
                const size_t k = acc_lanes(width, v);
                wv[v] = vT_load_n(w + j + v * VT_LANES, k);
                acc_load(a[v], acc + j + v * VT_LANES, k);
            }
            acc_block(m, period, nv, width, width, x + at + j, dy + at + j, dx + at + j, wv, a,
                      in_place ? ACC_DX_AFTER : ACC_DX_NOW);
            for (size_t v = 0; v < nv; v++)
                acc_store(acc + j + v * VT_LANES, a[v], acc_lanes(width, v));
        }
    }
}

void LEAKY_KNAME(TNAME(vprelu_backward))(size_t n, size_t period, const T *x, const T *dy,
                                         const T *w, T *dx, double *acc)
{
    if (dx == dy)
        row(n, period, x, dy, w, dx, acc, true);
    else
        row(n, period, x, dy, w, dx, acc, false);
}
