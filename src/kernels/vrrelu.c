/* SPDX-License-Identifier: MIT */
/* RReLU training forward: y = x > 0 ? x : r * x with r drawn from the element's index,
 * and the noise (r, or 1 where x > 0) when asked for. */
#include "simd/vtype.h"
#include "kernels/rrelu_draw.h"

void LEAKY_KNAME(TNAME(vrrelu))(size_t n, const T *x, T *y, T *noise, const TRRELU *params)
{
    const vT zero = vT_zero(), one = vT_set1(1), lower = vT_set1(params->lower),
             range = vT_set1(params->range);
    float u[DRAW_CHUNK];
    for (size_t base = 0; base < n; base += DRAW_CHUNK) {
        draw_u(u, params->first + (uint32_t)base, params->key0, params->key1);
        const size_t len = n - base < DRAW_CHUNK ? n - base : DRAW_CHUNK;
        for (size_t j = 0; j < len; j += VT_LANES) {
            const size_t k = len - j < VT_LANES ? len - j : VT_LANES;
            const size_t i = base + j;
            const vT xv = vT_load_n(x + i, k);
            const vT r = draw_slopes(u + j, lower, range);
            const vmT pos = vT_gt(xv, zero);
            const vT yv = vT_select(pos, xv, vT_mul(r, xv));
            if (noise)
                vT_store_n(noise + i, vT_select(pos, one, r), k);
            vT_store_n(y + i, yv, k);
        }
    }
}
