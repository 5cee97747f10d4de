/* SPDX-License-Identifier: MIT */
/* RReLU's generator, vectorised: the draws u of DRAW_CHUNK consecutive element indices,
 * VF32_LANES at a time, bit for bit leaky_rrelu_hash (internal/rng.h) on every path. */
#ifndef LEAKY_KERNELS_RRELU_DRAW_H
#define LEAKY_KERNELS_RRELU_DRAW_H

#include "internal/rng.h"

enum { DRAW_CHUNK = 64 }; /* a multiple of every VF32_LANES */

static inline void draw_u(float u[DRAW_CHUNK], uint32_t first, uint32_t key0, uint32_t key1)
{
    const vu32 k0 = vu32_set1(key0), k1 = vu32_set1(key1), step = vu32_set1(VF32_LANES);
    const vu32 m1 = vu32_set1(0xED5AD4BBu), m2 = vu32_set1(0xAC4C1B51u),
               m3 = vu32_set1(0x31848BABu);
    const vf32 scale = vf32_set1(LEAKY_RRELU_U_SCALE);
    vu32 index = vu32_add(vu32_iota(), vu32_set1(first));
    for (size_t j = 0; j < DRAW_CHUNK; j += VF32_LANES) {
        vu32 h = vu32_add(index, k0);
        h = vu32_mul(vu32_xor(h, vu32_shr(h, 17)), m1);
        h = vu32_xor(h, k1);
        h = vu32_mul(vu32_xor(h, vu32_shr(h, 11)), m2);
        h = vu32_mul(vu32_xor(h, vu32_shr(h, 15)), m3);
        h = vu32_xor(h, vu32_shr(h, 14));
        vf32_store(u + j, vf32_mul(vu32_to_f32(vu32_shr(h, 8)), scale));
        index = vu32_add(index, step);
    }
}

/* r = lower + range * u for VT_LANES draws. */
static inline vT draw_slopes(const float *u, vT lower, vT range)
{
    return vT_add(lower, vT_mul(range, vT_load_u(u)));
}

#endif
