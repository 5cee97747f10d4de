/* SPDX-License-Identifier: MIT */
/* RReLU backward: dx = x > 0 ? dy : r * dy, the slopes r drawn again from the indices. */
#include "internal.h"
#include "simd/vec.h"
#include "type.h"
#include "kernels/rrelu_draw.h"

void LEAKY_KNAME(TNAME(vrrelu_backward))(size_t n, const T *x, const T *dy, T *dx,
                                         const TRRELU *params)
{
    const vT zero = vT_zero(), lower = vT_set1(params->lower), range = vT_set1(params->range);
    float u[DRAW_CHUNK];
    for (size_t base = 0; base < n; base += DRAW_CHUNK) {
        draw_u(u, params->first + (uint32_t)base, params->key0, params->key1);
        const size_t len = n - base < DRAW_CHUNK ? n - base : DRAW_CHUNK;
        for (size_t j = 0; j < len; j += VT_LANES) {
            const size_t k = len - j < VT_LANES ? len - j : VT_LANES;
            const size_t i = base + j;
            const bool full = k == VT_LANES;
            const vT xv = full ? vT_load(x + i) : vT_load_part(x + i, k);
            const vT dyv = full ? vT_load(dy + i) : vT_load_part(dy + i, k);
            const vT r = draw_slopes(u + j, lower, range);
            vT pass = dyv;
            LEAKY_OPAQUE(pass);
            const vT dxv = vT_select(vT_gt(xv, zero), pass, vT_mul(r, dyv));
            if (full)
                vT_store(dx + i, dxv);
            else
                vT_store_part(dx + i, dxv, k);
        }
    }
}
