/* SPDX-License-Identifier: MIT */
/* PReLU backward over a row of whole periods with a slope per position j of the period:
 * dx = x > 0 ? dy : w[j] * dy, and the slope gradient's terms at position j added to
 * acc[j] (in double) in blocks of 8 periods (kernels/acc.h), block after block.  A period
 * of at most ACC_ROW_VECS whole vectors keeps its slopes and sums in registers over the
 * row and walks memory in order; a longer one goes through each block in tiles of
 * ACC_TILE_VECS vectors, a tile's 8 periods one after the other, adding its block sums
 * into acc once per block.  Tiles of 16 vectors, faster than 8 (whose float sums fit in
 * registers) or 32 for periods of 96 to 4096 elements (docs/PRELU_RRELU.md, 'Small
 * maps'). */
#include "simd/vtype.h"
#include "kernels/acc.h"

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* nv whole vectors per period, sums in registers (inlined for each nv). */
static inline __attribute__((always_inline)) void in_registers(size_t periods, size_t nv,
                                                               const T *x, const T *dy, const T *w,
                                                               T *dx, double *acc, bool in_place)
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
                  dx + p * period, wv, a, in_place ? ACC_DX_AFTER : ACC_DX_NOW, false);
    if (p < periods)
        acc_block(periods - p, period, nv, period, period, x + p * period, dy + p * period,
                  dx + p * period, wv, a, in_place ? ACC_DX_AFTER : ACC_DX_NOW, false);
    for (size_t v = 0; v < nv; v++)
        acc_store(acc + v * VT_LANES, a[v], VT_LANES);
}

/* One tile (width elements, up to ACC_TILE_VECS vectors) of m periods at stride period:
 * acc_block's steps, its block sums added straight into acc in memory (a copy of the
 * tile's sums in a local array, as acc_block holds them, spent its time copying). */
static inline __attribute__((always_inline)) void tile_block(size_t m, size_t period, size_t width,
                                                             const T *x, const T *dy, const T *w,
                                                             T *dx, double *acc, bool in_place)
{
    const size_t nv = (width + VT_LANES - 1) / VT_LANES;
    vT wv[ACC_TILE_VECS], f[ACC_TILE_VECS];
    for (size_t v = 0; v < nv; v++)
        wv[v] = vT_load_n(w + v * VT_LANES, acc_lanes(width, v));
    acc_terms(m, period, nv, width, width, x, dy, dx, wv, f, in_place ? ACC_DX_AFTER : ACC_DX_NOW,
              false);
    for (size_t v = 0; v < nv; v++) {
        const size_t k = acc_lanes(width, v);
        vf64 a[ACC_VECS], c[ACC_VECS];
        acc_sums(f[v], v, m, period, width, width, x, dy, c);
        acc_load(a, acc + v * VT_LANES, k);
        for (int h = 0; h < ACC_VECS; h++)
            a[h] = vf64_add(a[h], c[h]);
        acc_store(acc + v * VT_LANES, a, k);
    }
    if (in_place)
        acc_dx(m, period, nv, width, width, x, dy, dx, wv);
}

static inline __attribute__((always_inline)) void row(size_t n, size_t period, const T *x,
                                                      const T *dy, const T *w, T *dx, double *acc,
                                                      bool in_place)
{
    const size_t periods = n / period;
    if (period % VT_LANES == 0 && period <= ACC_ROW_VECS * VT_LANES) {
        switch (period / VT_LANES) {
        case 1: in_registers(periods, 1, x, dy, w, dx, acc, in_place); return;
        case 2: in_registers(periods, 2, x, dy, w, dx, acc, in_place); return;
        case 3: in_registers(periods, 3, x, dy, w, dx, acc, in_place); return;
        case 4: in_registers(periods, 4, x, dy, w, dx, acc, in_place); return;
        case 5: in_registers(periods, 5, x, dy, w, dx, acc, in_place); return;
        case 6: in_registers(periods, 6, x, dy, w, dx, acc, in_place); return;
        case 7: in_registers(periods, 7, x, dy, w, dx, acc, in_place); return;
        default: in_registers(periods, 8, x, dy, w, dx, acc, in_place); return;
        }
    }
    const size_t tile = ACC_TILE_VECS * VT_LANES;
    for (size_t p = 0; p < periods; p += LEAKY_ACC_BLOCK) {
        const size_t m = min_size(periods - p, LEAKY_ACC_BLOCK), at = p * period;
        size_t j = 0;
        /* Whole tiles of whole blocks with constant bounds: no partial vectors or short
         * blocks to test for in the loop. */
        if (m == LEAKY_ACC_BLOCK)
            for (; j + tile <= period; j += tile)
                tile_block(LEAKY_ACC_BLOCK, period, tile, x + at + j, dy + at + j, w + j,
                           dx + at + j, acc + j, in_place);
        for (; j < period; j += tile)
            tile_block(m, period, min_size(period - j, tile), x + at + j, dy + at + j, w + j,
                       dx + at + j, acc + j, in_place);
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
