/* SPDX-License-Identifier: MIT */
/* PReLU backward over a row with a slope per element: dx = x > 0 ? dy : w * dy, and the
 * slope gradient's term of element j added to acc[j] (in double). */
#include "internal.h"
#include "simd/vec.h"
#include "type.h"
#include "kernels/acc.h"

static inline void step(const T *x, const T *dy, const T *w, T *dx, double *acc, size_t k)
{
    const bool full = k == VT_LANES;
    const vT xv = full ? vT_load(x) : vT_load_part(x, k);
    const vT dyv = full ? vT_load(dy) : vT_load_part(dy, k);
    const vT wv = full ? vT_load(w) : vT_load_part(w, k);
    const vT zero = vT_zero();
    const vmT pos = vT_gt(xv, zero);
    const vT dxv = vT_select(pos, dyv, vT_mul(wv, dyv));
    if (full)
        vT_store(dx, dxv);
    else
        vT_store_part(dx, dxv, k);
    vf64 a[ACC_VECS];
    acc_load(a, acc, k);
    acc_add(a, vT_select(pos, zero, xv), vT_select(pos, zero, dyv));
    acc_store(acc, a, k);
}

void LEAKY_KNAME(TNAME(vprelu_backward))(size_t n, const T *x, const T *dy, const T *w, T *dx,
                                         double *acc)
{
    size_t i = 0;
    for (; i + VT_LANES <= n; i += VT_LANES)
        step(x + i, dy + i, w + i, dx + i, acc + i, VT_LANES);
    if (i < n)
        step(x + i, dy + i, w + i, dx + i, acc + i, n - i);
}
