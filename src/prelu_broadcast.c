/* SPDX-License-Identifier: MIT */
/* PReLU with the slope broadcast to the input as ONNX's PRelu and NumPy do
 * (unidirectional: w's shape, aligned to the right of x's, has 1 or x's size on each
 * axis).  Compiled once per element type (internal/type.h).
 *
 * The axes are merged into groups: adjacent axes that w covers, or that it broadcasts
 * over, make one group (axes of size 1 join either).  The array is then
 *     prefix groups  x  [a broadcast group]  x  the last covered group  x  [a broadcast group]
 * and each block of the last three is one call of the outer x channels x inner plan
 * (src/prelu.c), with the slopes of that block's prefix index.  One slope, per channel on
 * any axis, per element, and slopes over several adjacent axes are all one call; only
 * covered groups split by broadcast ones (w of shape (C, 1, W) on x (N, C, H, W), say)
 * take one call per prefix index.  The forward is elementwise, so every split gives the
 * same bits; the slope gradient adds the blocks' sums in block order, fixed by the
 * shapes. */
#include <stdbool.h>
#include <stdlib.h>

#include "internal/check.h"
#include "internal/type.h"

/* The array's axes merged into groups. */
struct groups {
    size_t n, num_w; /* the elements of x and of w */
    size_t count;
    size_t size[LEAKY_BROADCAST_MAX_DIMS];
    bool covered[LEAKY_BROADCAST_MAX_DIMS]; /* w varies along the group */
};

/* The calls: blocks of outer x channels x inner elements, the prefix groups [0, first). */
struct split {
    size_t first, outer, channels, inner, block, blocks;
};

static leaky_status make_groups(const char *fn, const size_t *x_shape, size_t x_ndim,
                                const size_t *w_shape, size_t w_ndim, struct groups *g)
{
    if (x_ndim > LEAKY_BROADCAST_MAX_DIMS)
        return leaky_fail(LEAKY_EINVAL, "%s: x_ndim is %zu; at most %d dimensions", fn, x_ndim,
                          LEAKY_BROADCAST_MAX_DIMS);
    if (w_ndim > x_ndim)
        return leaky_fail(LEAKY_EINVAL,
                          "%s: w has %zu dimensions, x %zu; the slope broadcasts to x "
                          "(unidirectionally, as ONNX's PRelu), so it has at most x's",
                          fn, w_ndim, x_ndim);
    if ((x_ndim > 0 && !x_shape) || (w_ndim > 0 && !w_shape))
        return leaky_fail(LEAKY_EINVAL, "%s: %s is NULL with %s %zu", fn,
                          x_ndim > 0 && !x_shape ? "x_shape" : "w_shape",
                          x_ndim > 0 && !x_shape ? "x_ndim" : "w_ndim",
                          x_ndim > 0 && !x_shape ? x_ndim : w_ndim);
    *g = (struct groups){.n = 1, .num_w = 1};
    bool empty = false;
    for (size_t d = 0; d < x_ndim; d++) {
        const size_t xd = x_shape[d];
        const size_t wd = d + w_ndim >= x_ndim ? w_shape[d + w_ndim - x_ndim] : 1;
        if (wd != 1 && wd != xd)
            return leaky_fail(LEAKY_EINVAL,
                              "%s: w_shape[%zu] is %zu but x_shape[%zu] is %zu; expected 1 "
                              "(broadcast) or %zu",
                              fn, d + w_ndim - x_ndim, wd, d, xd, xd);
        empty |= xd == 0;
        if (!empty && g->n > SIZE_MAX / xd)
            return leaky_fail(LEAKY_EINVAL, "%s: x's shape has more than SIZE_MAX elements", fn);
        g->n *= xd;
        g->num_w *= wd;
        if (xd == 1)
            continue;
        const bool covered = wd != 1;
        if (g->count > 0 && g->covered[g->count - 1] == covered) {
            g->size[g->count - 1] *= xd;
        } else {
            g->covered[g->count] = covered;
            g->size[g->count++] = xd;
        }
    }
    return LEAKY_OK;
}

static void make_split(const struct groups *g, struct split *s)
{
    size_t last = g->count; /* the last covered group */
    for (size_t k = g->count; k-- > 0;)
        if (g->covered[k]) {
            last = k;
            break;
        }
    if (last == g->count) { /* one slope for everything */
        *s = (struct split){0, 1, 1, g->n, g->n, 1};
        return;
    }
    s->channels = g->size[last];
    s->inner = last + 1 < g->count ? g->size[last + 1] : 1;
    s->first = last > 0 && !g->covered[last - 1] ? last - 1 : last;
    s->outer = s->first < last ? g->size[s->first] : 1;
    s->block = s->outer * s->channels * s->inner;
    s->blocks = g->n / s->block;
}

/* The index of block b's first slope in w: its prefix index over the covered groups. */
static size_t slope_base(const struct groups *g, const struct split *s, size_t b)
{
    size_t base = 0, stride = s->channels;
    for (size_t k = s->first; k-- > 0;) {
        const size_t i = b % g->size[k];
        b /= g->size[k];
        if (g->covered[k]) {
            base += i * stride;
            stride *= g->size[k];
        }
    }
    return base;
}

static leaky_status check_slopes(const char *fn, const T *w, size_t num_w)
{
    if (!w && num_w > 0)
        return leaky_fail(LEAKY_EINVAL, "%s: w is NULL; expected %zu slopes", fn, num_w);
    for (size_t i = 0; i < num_w; i++) {
        const T slope = load_unaligned(w + i);
        if (!(slope - slope == 0)) /* inf or NaN */
            return leaky_fail(LEAKY_EINVAL, "%s: w[%zu] is %g; every slope must be finite", fn, i,
                              (double)slope);
    }
    return LEAKY_OK;
}

leaky_status TAPI(prelu_broadcast)(const T *x, const size_t *x_shape, size_t x_ndim, const T *w,
                                   const size_t *w_shape, size_t w_ndim, T *y)
{
    static const char fn[] = "leaky_prelu_broadcast_" TSTR;
    struct groups g;
    struct split s;
    LEAKY_TRY(make_groups(fn, x_shape, x_ndim, w_shape, w_ndim, &g));
    LEAKY_TRY(check_slopes(fn, w, g.num_w));
    if (g.n == 0)
        return LEAKY_OK;
    make_split(&g, &s);
    for (size_t b = 0; b < s.blocks; b++) {
        const size_t at = b * s.block;
        LEAKY_TRY(TAPI(prelu)(x + at, y + at, s.outer, s.channels, s.inner,
                              w + slope_base(&g, &s, b), s.channels));
    }
    return LEAKY_OK;
}

leaky_status TAPI(prelu_broadcast_backward)(const T *x, const size_t *x_shape, size_t x_ndim,
                                            const T *w, const size_t *w_shape, size_t w_ndim,
                                            const T *dy, T *dx, T *dw)
{
    static const char fn[] = "leaky_prelu_broadcast_backward_" TSTR;
    struct groups g;
    struct split s;
    LEAKY_TRY(make_groups(fn, x_shape, x_ndim, w_shape, w_ndim, &g));
    LEAKY_TRY(check_slopes(fn, w, g.num_w));
    if (g.n == 0) {
        for (size_t i = 0; dw && i < g.num_w; i++)
            store_unaligned(dw + i, 0);
        return LEAKY_OK;
    }
    make_split(&g, &s);
    if (s.blocks == 1 || !dw) {
        for (size_t b = 0; b < s.blocks; b++) {
            const size_t at = b * s.block;
            LEAKY_TRY(TAPI(prelu_backward)(x + at, dy + at, dx + at, dw, s.outer, s.channels,
                                           s.inner, w + slope_base(&g, &s, b), s.channels));
        }
        return LEAKY_OK;
    }
    const size_t w_bytes = g.num_w * sizeof(T), bytes = g.n * sizeof(T);
    const struct leaky_operand others[] = {LEAKY_OPERAND(x), LEAKY_OPERAND(dy), LEAKY_OPERAND(dx)};
    LEAKY_TRY(leaky_check_disjoint(fn, LEAKY_OPERAND(dw), w_bytes, LEAKY_OPERAND(w), w_bytes));
    for (int i = 0; i < 3; i++)
        LEAKY_TRY(leaky_check_disjoint(fn, LEAKY_OPERAND(dw), w_bytes, others[i], bytes));
    /* Each block's sums, added into the slopes' totals in block order. */
    double *total = calloc(g.num_w, sizeof *total);
    T *part = malloc(s.channels * sizeof *part);
    leaky_status st = LEAKY_OK;
    if (!total || !part)
        st = leaky_fail(LEAKY_ENOMEM, "%s: cannot allocate %zu bytes for the slope gradient", fn,
                        g.num_w * sizeof *total + s.channels * sizeof *part);
    for (size_t b = 0; st == LEAKY_OK && b < s.blocks; b++) {
        const size_t at = b * s.block, base = slope_base(&g, &s, b);
        st = TAPI(prelu_backward)(x + at, dy + at, dx + at, part, s.outer, s.channels, s.inner,
                                  w + base, s.channels);
        for (size_t c = 0; st == LEAKY_OK && c < s.channels; c++)
            total[base + c] += part[c];
    }
    for (size_t i = 0; st == LEAKY_OK && i < g.num_w; i++)
        store_unaligned(dw + i, (T)total[i]);
    free(total);
    free(part);
    return st;
}
