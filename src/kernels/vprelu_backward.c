/* SPDX-License-Identifier: MIT */
/* PReLU backward over a row of whole periods with a slope per position j of the period:
 * dx = x > 0 ? dy : w[j] * dy, and the slope gradient's term at position j of each period
 * added to acc[j] (in double), period after period.  Memory is walked in order (strided
 * walks were slower); a period of at most REG_VECS whole vectors keeps its slopes and sums
 * in registers over the row, a longer one reloads its sums at each period. */
#include "internal.h"
#include "simd/vec.h"
#include "type.h"
#include "kernels/acc.h"

enum { REG_VECS = 4 };

static inline void step(const T *x, const T *dy, vT wv, T *dx, vf64 *a, size_t k)
{
    const bool full = k == VT_LANES;
    const vT zero = vT_zero();
    const vT xv = full ? vT_load(x) : vT_load_part(x, k);
    const vT dyv = full ? vT_load(dy) : vT_load_part(dy, k);
    const vmT pos = vT_gt(xv, zero);
    vT pass = dyv;
    LEAKY_OPAQUE(pass);
    const vT dxv = vT_select(pos, pass, vT_mul(wv, dyv));
    if (full)
        vT_store(dx, dxv);
    else
        vT_store_part(dx, dxv, k);
    acc_add(a, vT_select(pos, zero, xv), vT_select(pos, zero, dyv));
}

/* nv whole vectors per period, sums in registers (inlined for each nv). */
static inline __attribute__((always_inline)) void in_registers(size_t periods, size_t nv,
                                                               const T *x, const T *dy,
                                                               const T *w, T *dx, double *acc)
{
    vT wv[REG_VECS];
    vf64 a[REG_VECS][ACC_VECS];
    for (size_t v = 0; v < nv; v++) {
        wv[v] = vT_load(w + v * VT_LANES);
        acc_load(a[v], acc + v * VT_LANES, VT_LANES);
    }
    const size_t period = nv * VT_LANES;
    for (size_t p = 0; p < periods; p++, x += period, dy += period, dx += period)
        for (size_t v = 0; v < nv; v++)
            step(x + v * VT_LANES, dy + v * VT_LANES, wv[v], dx + v * VT_LANES, a[v],
                 VT_LANES);
    for (size_t v = 0; v < nv; v++)
        acc_store(acc + v * VT_LANES, a[v], VT_LANES);
}

void LEAKY_KNAME(TNAME(vprelu_backward))(size_t n, size_t period, const T *x, const T *dy,
                                         const T *w, T *dx, double *acc)
{
    const size_t periods = n / period;
    if (period % VT_LANES == 0 && period <= REG_VECS * VT_LANES) {
        switch (period / VT_LANES) {
        case 1: in_registers(periods, 1, x, dy, w, dx, acc); return;
        case 2: in_registers(periods, 2, x, dy, w, dx, acc); return;
        case 3: in_registers(periods, 3, x, dy, w, dx, acc); return;
        default: in_registers(periods, 4, x, dy, w, dx, acc); return;
        }
    }
    for (size_t p = 0; p < periods; p++, x += period, dy += period, dx += period) {
        for (size_t j = 0; j < period; j += VT_LANES) {
            const size_t k = period - j < VT_LANES ? period - j : VT_LANES;
            vf64 a[ACC_VECS];
            acc_load(a, acc + j, k);
            step(x + j, dy + j, k == VT_LANES ? vT_load(w + j) : vT_load_part(w + j, k),
                 dx + j, a, k);
            acc_store(acc + j, a, k);
        }
    }
}
