/* SPDX-License-Identifier: MIT */
/* PReLU backward over a run with one slope: dx = x > 0 ? dy : slope * dy, and the slope
 * gradient's term of element j added to acc[j % 16] in double.  The 16 lanes are held in
 * registers as 16 / VF64_LANES vectors; each gets its terms in element order, as in the
 * scalar reference, so the sums are the same bits on every path. */
#include "internal.h"
#include "simd/vec.h"
#include "type.h"
#include "kernels/acc.h"

enum { NACC = LEAKY_ACC_LANES / VF64_LANES, VECS = LEAKY_ACC_LANES / VT_LANES };

static inline void step(const T *x, const T *dy, T *dx, vf64 *acc, vT slope, size_t k)
{
    const bool full = k == VT_LANES;
    const vT xv = full ? vT_load(x) : vT_load_part(x, k);
    const vT dyv = full ? vT_load(dy) : vT_load_part(dy, k);
    const vT zero = vT_zero();
    const vmT pos = vT_gt(xv, zero);
    vT pass = dyv;
    LEAKY_OPAQUE(pass);
    const vT dxv = vT_select(pos, pass, vT_mul(dyv, slope));
    if (full)
        vT_store(dx, dxv);
    else
        vT_store_part(dx, dxv, k);
    /* Lanes past k were loaded as 0: their term is +0, which leaves a sum unchanged (a
     * sum that starts at +0 is never -0). */
    acc_add(acc, vT_select(pos, zero, xv), vT_select(pos, zero, dyv));
}

void LEAKY_KNAME(TNAME(vprelu_backward_run))(size_t n, const T *x, const T *dy, T *dx,
                                             const TPARAMS *params,
                                             double acc_io[LEAKY_ACC_LANES])
{
    const vT slope = vT_set1(params->slope);
    vf64 acc[NACC];
    for (int v = 0; v < NACC; v++)
        acc[v] = vf64_load(acc_io + v * VF64_LANES);
    size_t i = 0;
    for (; i + LEAKY_ACC_LANES <= n; i += LEAKY_ACC_LANES)
        for (int v = 0; v < VECS; v++)
            step(x + i + v * VT_LANES, dy + i + v * VT_LANES, dx + i + v * VT_LANES,
                 acc + v * ACC_VECS, slope, VT_LANES);
    for (int v = 0; v < VECS && i < n; v++, i += VT_LANES)
        step(x + i, dy + i, dx + i, acc + v * ACC_VECS, slope,
             n - i < VT_LANES ? n - i : VT_LANES);
    for (int v = 0; v < NACC; v++)
        vf64_store(acc_io + v * VF64_LANES, acc[v]);
}
