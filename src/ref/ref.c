/* SPDX-License-Identifier: MIT */
/* The scalar reference kernels: the portable path, the first entries of every dispatch
 * table, and the oracle every other path is tested against. Plain C, one element at a
 * time, the rule written as leaky.h states it.  Compiled once per element type
 * (internal/type.h). */
#include <math.h>

#include "internal/compiler.h"
#include "internal/rng.h"
#include "internal/type.h"

#define REF(name) LEAKY_PASTE3(leaky_, TNAME(name), __scalar)

/* Arrays may start at any byte, and this path reads them element by element: through
 * T_ANY (internal/type.h). */

/* A gradient passed through where x > 0: not even a signalling NaN changes (LEAKY_OPAQUE). */
static inline T pass_through(T dy)
{
    LEAKY_OPAQUE(dy);
    return dy;
}

void REF(vlrelu)(size_t n, const T_ANY *x, T_ANY *y, const TPARAMS *params)
{
    const T slope = params->slope;
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : slope * x[i];
}

void REF(vlrelu_backward)(size_t n, const T_ANY *x, const T_ANY *dy, T_ANY *dx,
                          const TPARAMS *params)
{
    const T slope = params->slope;
    for (size_t i = 0; i < n; i++)
        dx[i] = x[i] > 0 ? pass_through(dy[i]) : slope * dy[i];
}

void REF(vlrelu_derivative)(size_t n, const T_ANY *x, T_ANY *d, const TPARAMS *params)
{
    const T slope = params->slope;
    for (size_t i = 0; i < n; i++)
        d[i] = x[i] > 0 ? 1 : slope;
}

void REF(vrelu)(size_t n, const T_ANY *x, T_ANY *y, const TPARAMS *params)
{
    (void)params;
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] < 0 ? 0 : x[i];
}

void REF(vrelu_backward)(size_t n, const T_ANY *x, const T_ANY *dy, T_ANY *dx,
                         const TPARAMS *params)
{
    (void)params;
    for (size_t i = 0; i < n; i++)
        dx[i] = x[i] <= 0 ? 0 : dy[i];
}

void REF(vprelu)(size_t n, const T_ANY *x, const T_ANY *w, T_ANY *y, const TPARAMS *params)
{
    (void)params;
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : w[i] * x[i];
}

void REF(vbias_act)(size_t n, const T_ANY *x, const T_ANY *b, const T_ANY *w, size_t period,
                    size_t phase, bool w_row, T_ANY *y, const TPARAMS *params)
{
    (void)params;
    for (size_t i = 0, j = phase; i < n; i++, j = period && j + 1 == period ? 0 : j + !!period) {
        const T z = x[i] + b[j];
        y[i] = !w ? (z < 0 ? 0 : z) : z > 0 ? z : w[w_row ? j : 0] * z;
    }
}

/* The activation a backward differentiates: PReLU's (z = x), or bias + activation
 * (z = x + b) with the slope w, or with ReLU. */
struct act {
    bool bias, relu;
    T b, w;
};
static inline T z_of(const struct act *a, T x) { return a->bias ? x + a->b : x; }
static inline T dz_of(const struct act *a, T z, T dy)
{
    if (a->relu)
        return z <= 0 ? 0 : pass_through(dy);
    return z > 0 ? pass_through(dy) : a->w * dy;
}

/* The gradient of one block, of the slope (the terms z > 0 ? 0 : z * dy) or of the bias
 * (the terms dz), over the m elements x[0], x[stride], ..., summed as kernels/acc.h
 * explains: for float32 in float over term * 2^64, then scaled back in double, unless
 * that sum is not finite, when the exact double sum (a product of two floats is exact in
 * double) is taken instead. */
static double block_sum(size_t m, size_t stride, const T_ANY *x, const T_ANY *dy,
                        const struct act *a, bool bias)
{
#if defined(LEAKY_TYPE_F64)
    double f = 0;
    for (size_t q = 0; q < m; q++) {
        const T z = z_of(a, x[q * stride]), g = dy[q * stride];
        if (bias)
            f += dz_of(a, z, g);
        else if (!(z > 0))
            f += z * g;
    }
    return f;
#else
    float f = 0;
    double exact = 0;
    for (size_t q = 0; q < m; q++) {
        const float z = z_of(a, x[q * stride]), g = dy[q * stride];
        if (bias) {
            const float d = dz_of(a, z, g);
            f += d * 0x1p64f;
            exact += (double)d;
        } else if (!(z > 0)) {
            f += z * 0x1p64f * g;
            exact += (double)z * (double)g;
        }
    }
    return isfinite(f) ? (double)f * 0x1p-64 : exact;
#endif
}

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* The sums first, then dx (which may be dy). */
void REF(vprelu_backward)(size_t n, size_t period, const T_ANY *x, const T_ANY *dy, const T_ANY *w,
                          const T_ANY *b, T_ANY *dx, bool nontemporal, double *acc, double *bacc)
{
    (void)nontemporal;
    const size_t periods = n / period;
    for (size_t p = 0; p < periods; p += LEAKY_ACC_BLOCK)
        for (size_t j = 0; j < period; j++) {
            const struct act a = {b != NULL, w == NULL, b ? b[j] : 0, w ? w[j] : 0};
            const size_t m = min_size(periods - p, LEAKY_ACC_BLOCK), at = p * period + j;
            if (w && acc)
                acc[j] += block_sum(m, period, x + at, dy + at, &a, false);
            if (b)
                bacc[j] += block_sum(m, period, x + at, dy + at, &a, true);
        }
    for (size_t i = 0; i < n; i++) {
        const size_t j = i % period;
        const struct act a = {b != NULL, w == NULL, b ? b[j] : 0, w ? w[j] : 0};
        dx[i] = dz_of(&a, z_of(&a, x[i]), dy[i]);
    }
}

/* The 16 lanes added as a fixed tree: lane k with lane k + 8, then + 4, + 2, + 1. */
static double add_lanes(double lanes[LEAKY_ACC_LANES])
{
    for (int half = LEAKY_ACC_LANES / 2; half > 0; half /= 2)
        for (int k = 0; k < half; k++)
            lanes[k] += lanes[k + half];
    return lanes[0];
}

/* One run's sum: lane l's block b holds the elements b * 128 + l + 16 q (q < 8) below len. */
static double run_sum(size_t len, const T_ANY *x, const T_ANY *dy, const struct act *a, bool bias)
{
    const size_t span = LEAKY_ACC_LANES * LEAKY_ACC_BLOCK;
    double lanes[LEAKY_ACC_LANES] = {0};
    for (size_t b = 0; b < len; b += span)
        for (size_t l = 0; l < LEAKY_ACC_LANES && b + l < len; l++)
            lanes[l] +=
                block_sum((min_size(len - b, span) - l + LEAKY_ACC_LANES - 1) / LEAKY_ACC_LANES,
                          LEAKY_ACC_LANES, x + b + l, dy + b + l, a, bias);
    return add_lanes(lanes);
}

void REF(vprelu_backward_runs)(size_t runs, size_t len, const T_ANY *x, const T_ANY *dy, T_ANY *dx,
                               const T_ANY *slopes, const T_ANY *bias, size_t channels,
                               size_t channel, bool nontemporal, double *sums, double *bias_sums)
{
    (void)nontemporal;
    for (size_t r = 0; r < runs; r++, x += len, dy += len, dx += len) {
        const struct act a = {bias != NULL, slopes == NULL, bias ? bias[channel] : 0,
                              slopes ? slopes[channel] : 0};
        if (slopes && sums)
            sums[r] = run_sum(len, x, dy, &a, false);
        if (bias)
            bias_sums[r] = run_sum(len, x, dy, &a, true);
        for (size_t i = 0; i < len; i++)
            dx[i] = dz_of(&a, z_of(&a, x[i]), dy[i]);
        channel = channel + 1 == channels ? 0 : channel + 1;
    }
}

static inline T draw(const TRRELU *p, size_t i)
{
    const uint32_t h = leaky_rrelu_hash(p->first + (uint32_t)i, p->key0, p->key1);
    const float u = (float)(h >> 8) * LEAKY_RRELU_U_SCALE;
    return p->lower + p->range * (T)u;
}

void REF(vrrelu)(size_t n, const T_ANY *x, T_ANY *y, T_ANY *noise, const TRRELU *params)
{
    for (size_t i = 0; i < n; i++) {
        const T r = draw(params, i);
        const bool pos = x[i] > 0;
        if (noise)
            noise[i] = pos ? 1 : r;
        y[i] = pos ? x[i] : r * x[i];
    }
}

void REF(vrrelu_backward)(size_t n, const T_ANY *x, const T_ANY *dy, T_ANY *dx,
                          const TRRELU *params)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = x[i] > 0 ? pass_through(dy[i]) : draw(params, i) * dy[i];
}
