/* SPDX-License-Identifier: MIT */
/* RReLU backward: dx = x > 0 ? dy : r * dy, the slopes r drawn again from the indices. */
#include "simd/vtype.h"
#include "kernels/rrelu_draw.h"

void LEAKY_KNAME(TNAME(vrrelu_backward))(size_t n, const T *x, const T *dy, T *dx,
                                         const TRRELU *params)
{
    const vT lower = vT_set1(params->lower), range = vT_set1(params->range);
    float u[DRAW_CHUNK];
    for (size_t base = 0; base < n; base += DRAW_CHUNK) {
        draw_u(u, params->first + (uint32_t)base, params->key0, params->key1);
        const size_t len = n - base < DRAW_CHUNK ? n - base : DRAW_CHUNK;
        for (size_t j = 0; j < len; j += VT_LANES) {
            const size_t k = len - j < VT_LANES ? len - j : VT_LANES;
            const size_t i = base + j;
            const vT r = draw_slopes(u + j, lower, range);
            vT_store_n(dx + i, vT_backward(vT_load_n(x + i, k), vT_load_n(dy + i, k), r), k);
        }
    }
}
