/* SPDX-License-Identifier: MIT */
/* The scalar reference kernels: the portable path, the first entries of every dispatch
 * table, and the oracle every other path is tested against. Plain C, one element at a
 * time, the rule written as SPEC states it.  Compiled once per element type (type.h). */
#include "type.h"

#define REF(name) LEAKY_PASTE3(leaky_, TNAME(name), __scalar)

/* A gradient passed through where x > 0: not even a signalling NaN changes (LEAKY_OPAQUE). */
static inline T pass_through(T dy)
{
    LEAKY_OPAQUE(dy);
    return dy;
}

void REF(vlrelu)(size_t n, const T *x, T *y, const TPARAMS *params)
{
    const T slope = params->slope;
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : slope * x[i];
}

void REF(vlrelu_backward)(size_t n, const T *x, const T *dy, T *dx, const TPARAMS *params)
{
    const T slope = params->slope;
    for (size_t i = 0; i < n; i++)
        dx[i] = x[i] > 0 ? pass_through(dy[i]) : slope * dy[i];
}

void REF(vlrelu_derivative)(size_t n, const T *x, T *d, const TPARAMS *params)
{
    const T slope = params->slope;
    for (size_t i = 0; i < n; i++)
        d[i] = x[i] > 0 ? 1 : slope;
}

void REF(vrelu)(size_t n, const T *x, T *y, const TPARAMS *params)
{
    (void)params;
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] < 0 ? 0 : x[i];
}

void REF(vrelu_backward)(size_t n, const T *x, const T *dy, T *dx, const TPARAMS *params)
{
    (void)params;
    for (size_t i = 0; i < n; i++)
        dx[i] = x[i] <= 0 ? 0 : dy[i];
}

void REF(vprelu)(size_t n, const T *x, const T *w, T *y, const TPARAMS *params)
{
    (void)params;
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : w[i] * x[i];
}

/* The slope gradient's term: x * dy where x <= 0 (or NaN), exact in double for float. */
static inline double term(T x, T dy) { return x > 0 ? 0.0 : (double)x * (double)dy; }

void REF(vprelu_backward)(size_t n, size_t period, const T *x, const T *dy, const T *w, T *dx,
                          double *acc)
{
    for (size_t i = 0; i < n; i++) {
        const T g = dy[i]; /* read before dx (which may be dy) is written */
        const size_t j = i % period;
        acc[j] += term(x[i], g);
        dx[i] = x[i] > 0 ? pass_through(g) : w[j] * g;
    }
}

void REF(vprelu_backward_run)(size_t n, const T *x, const T *dy, T *dx, const TPARAMS *params,
                              double acc[LEAKY_ACC_LANES])
{
    const T slope = params->slope;
    for (size_t i = 0; i < n; i++) {
        const T g = dy[i]; /* read before dx (which may be dy) is written */
        acc[i % LEAKY_ACC_LANES] += term(x[i], g);
        dx[i] = x[i] > 0 ? pass_through(g) : slope * g;
    }
}

static inline T draw(const TRRELU *p, size_t i)
{
    const uint32_t h = leaky_rrelu_hash(p->first + (uint32_t)i, p->key0, p->key1);
    const float u = (float)(h >> 8) * LEAKY_RRELU_U_SCALE;
    return p->lower + p->range * (T)u;
}

void REF(vrrelu)(size_t n, const T *x, T *y, T *noise, const TRRELU *params)
{
    for (size_t i = 0; i < n; i++) {
        const T r = draw(params, i);
        const bool pos = x[i] > 0;
        if (noise)
            noise[i] = pos ? 1 : r;
        y[i] = pos ? x[i] : r * x[i];
    }
}

void REF(vrrelu_backward)(size_t n, const T *x, const T *dy, T *dx, const TRRELU *params)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = x[i] > 0 ? pass_through(dy[i]) : draw(params, i) * dy[i];
}
