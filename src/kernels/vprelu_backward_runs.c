/* SPDX-License-Identifier: MIT */
/* PReLU backward over a run with one slope: dx = x > 0 ? dy : slope * dy, and the slope
 * gradient's term of element j added to acc[j % 16] in blocks (kernels/acc.h): lane l's
 * block b holds the terms of elements b * 128 + l, + 16, ..., + 112 (those below n).  A
 * block is 8 rows of 16 elements (16 / VT_LANES vectors) in memory order, each vector of
 * lanes summing its own rows, as the scalar reference does lane by lane, so the sums are
 * the same bits on every path.
 * Streamed (params->nontemporal, dx not dy): the lanes stay where the run starts, and dx,
 * which may start anywhere, follows each block in vectors aligned to dx's own boundary. */
#include "internal.h"
#include "simd/vec.h"
#include "type.h"
#include "kernels/acc.h"

enum { VECS = LEAKY_ACC_LANES / VT_LANES, SPAN = LEAKY_ACC_LANES * LEAKY_ACC_BLOCK };

static inline __attribute__((always_inline)) void run(size_t n, const T *x, const T *dy, T *dx,
                                                      const vT *slope,
                                                      vf64 (*acc)[ACC_VECS], enum acc_dx mode)
{
    const bool stream = mode == ACC_DX_NONE;
    size_t i = 0, done = stream ? acc_stream_head(n, x, dy, dx, NULL, slope[0]) : 0;
    for (; i + SPAN <= n; i += SPAN) {
        acc_block(LEAKY_ACC_BLOCK, LEAKY_ACC_LANES, VECS, LEAKY_ACC_LANES, LEAKY_ACC_LANES,
                  x + i, dy + i, dx + i, slope, acc, mode);
        if (stream)
            done = acc_stream_upto(done, i + SPAN, x, dy, dx, NULL, slope[0]);
    }
    if (i < n) { /* the last block: whole rows of 16, then what is left */
        const size_t rows = (n - i + LEAKY_ACC_LANES - 1) / LEAKY_ACC_LANES;
        acc_block(rows, LEAKY_ACC_LANES, VECS, LEAKY_ACC_LANES,
                  n - i - (rows - 1) * LEAKY_ACC_LANES, x + i, dy + i, dx + i, slope, acc, mode);
    }
    if (stream)
        acc_stream_end(done, n, x, dy, dx, NULL, slope[0]);
}

void LEAKY_KNAME(TNAME(vprelu_backward_run))(size_t n, const T *x, const T *dy, T *dx,
                                             const TPARAMS *params,
                                             double acc_io[LEAKY_ACC_LANES])
{
    vT slope[VECS];
    vf64 acc[VECS][ACC_VECS];
    for (int v = 0; v < VECS; v++) {
        slope[v] = vT_set1(params->slope);
        acc_load(acc[v], acc_io + v * VT_LANES, VT_LANES);
    }
    if (dx == dy)
        run(n, x, dy, dx, slope, acc, ACC_DX_AFTER);
    else if (params->nontemporal && (uintptr_t)dx % sizeof(T) == 0)
        run(n, x, dy, dx, slope, acc, ACC_DX_NONE);
    else
        run(n, x, dy, dx, slope, acc, ACC_DX_NOW);
    for (int v = 0; v < VECS; v++)
        acc_store(acc_io + v * VT_LANES, acc[v], VT_LANES);
}
