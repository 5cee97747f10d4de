/* SPDX-License-Identifier: MIT */
/* The PReLU slope gradient's terms, term = x > 0 ? 0 : x * dy, added in double: a vT of
 * terms is ACC_VECS vectors of doubles (the product of two floats is exact in double).
 * The caller passes xs and dys already zeroed where x > 0, so term = xs * dys. */
#ifndef LEAKY_KERNELS_ACC_H
#define LEAKY_KERNELS_ACC_H

#if defined(LEAKY_TYPE_F64)
#define ACC_VECS 1
static inline void acc_add(vf64 *acc, vT xs, vT dys)
{
    acc[0] = vf64_add(acc[0], vf64_mul(xs, dys));
}
#else
#define ACC_VECS 2
static inline void acc_add(vf64 *acc, vT xs, vT dys)
{
    acc[0] = vf64_add(acc[0], vf64_mul(vf32_widen_lo(xs), vf32_widen_lo(dys)));
    acc[1] = vf64_add(acc[1], vf64_mul(vf32_widen_hi(xs), vf32_widen_hi(dys)));
}
#endif

/* Loads or stores the first k (1 to VT_LANES) of the VT_LANES doubles at p. */
static inline void acc_load(vf64 *acc, const double *p, size_t k)
{
    for (int v = 0; v < ACC_VECS; v++, p += VF64_LANES, k = k > VF64_LANES ? k - VF64_LANES : 0)
        acc[v] = k >= VF64_LANES ? vf64_load(p) : vf64_load_part(p, k);
}
static inline void acc_store(double *p, const vf64 *acc, size_t k)
{
    for (int v = 0; v < ACC_VECS; v++, p += VF64_LANES, k = k > VF64_LANES ? k - VF64_LANES : 0) {
        if (k >= VF64_LANES)
            vf64_store(p, acc[v]);
        else if (k > 0)
            vf64_store_part(p, acc[v], k);
    }
}

#endif
