/* SPDX-License-Identifier: MIT */
/* PReLU backward over a row of whole periods with a slope per position j of the period:
 * dx = x > 0 ? dy : w[j] * dy, and the slope gradient's terms at position j added to
 * acc[j] (in double) in blocks of 8 periods (kernels/acc.h), block after block.  A period
 * of at most ACC_ROW_VECS whole vectors keeps its slopes and sums in registers over the
 * row and walks memory in order; a longer one goes through each block in tiles of
 * ACC_TILE_VECS vectors, a tile's 8 periods one after the other, adding its block sums
 * into acc once per block.  Tiles of 16 vectors, faster than 8 (whose float sums fit in
 * registers) or 32 for periods of 96 to 4096 elements (docs/PRELU_RRELU.md, 'Small
 * maps').
 * With a bias per position b[j] the same walk differentiates bias + activation
 * (z = x + b[j]): the bias's terms (dx) go to bacc[j] beside the slope's (acc.h's acc_op). */
#include "simd/vtype.h"
#include "kernels/acc.h"

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* A call's arguments: the rows, the slopes (w) and biases (b) of a period's positions,
 * and their sums (acc, bacc), as act uses them. */
struct row_call {
    const T *x, *dy, *w, *b;
    T *dx;
    double *acc, *bacc;
};

/* The vectors of slopes and biases at position j, k lanes. */
static inline __attribute__((always_inline)) void load_op(const struct row_call *a, size_t j,
                                                          size_t k, enum acc_act act, vT *w, vT *b)
{
    *w = act == ACC_BIAS_RELU ? vT_zero() : vT_load_n(a->w + j, k);
    *b = act == ACC_PRELU ? vT_zero() : vT_load_n(a->b + j, k);
}

/* nv whole vectors per period, sums in registers (inlined for each nv). */
static inline __attribute__((always_inline)) void in_registers(size_t periods, size_t nv,
                                                               const struct row_call *c,
                                                               enum acc_act act, enum acc_dx mode)
{
    vT wv[ACC_ROW_VECS], bv[ACC_ROW_VECS];
    vf64 a[ACC_ROW_VECS][ACC_VECS], ab[ACC_ROW_VECS][ACC_VECS];
    for (size_t v = 0; v < nv; v++) {
        load_op(c, v * VT_LANES, VT_LANES, act, wv + v, bv + v);
        for (int h = 0; h < ACC_VECS; h++)
            a[v][h] = ab[v][h] = vf64_zero();
        if (acc_slope_sums(act))
            acc_load(a[v], c->acc + v * VT_LANES, VT_LANES);
        if (acc_bias_sums(act))
            acc_load(ab[v], c->bacc + v * VT_LANES, VT_LANES);
    }
    const struct acc_op op = {act, wv, bv};
    const size_t period = nv * VT_LANES;
    const T *x = c->x, *dy = c->dy;
    T *dx = c->dx;
    size_t p = 0;
    for (; p + LEAKY_ACC_BLOCK <= periods; p += LEAKY_ACC_BLOCK)
        acc_block(LEAKY_ACC_BLOCK, period, nv, period, period, x + p * period, dy + p * period,
                  dx + p * period, op, a, ab, mode, false);
    if (p < periods)
        acc_block(periods - p, period, nv, period, period, x + p * period, dy + p * period,
                  dx + p * period, op, a, ab, mode, false);
    for (size_t v = 0; v < nv; v++) {
        if (acc_slope_sums(act))
            acc_store(c->acc + v * VT_LANES, a[v], VT_LANES);
        if (acc_bias_sums(act))
            acc_store(c->bacc + v * VT_LANES, ab[v], VT_LANES);
    }
}

/* Vector v's block sums c added into sums (k lanes at position j). */
static inline __attribute__((always_inline)) void add_into(double *sums, size_t j, size_t k,
                                                           const vf64 *c)
{
    vf64 a[ACC_VECS];
    acc_load(a, sums + j, k);
    for (int h = 0; h < ACC_VECS; h++)
        a[h] = vf64_add(a[h], c[h]);
    acc_store(sums + j, a, k);
}

/* Vector v's block sums of m periods at stride period (f the slope's, fb the bias's float
 * sums; width elements from x and dy), added into acc and bacc at position j, k lanes, as
 * op.act keeps them. */
static inline __attribute__((always_inline)) void add_block_sums(const struct row_call *c, size_t j,
                                                                 size_t k, vT f, vT fb, size_t v,
                                                                 size_t m, size_t period,
                                                                 size_t width, const T *x,
                                                                 const T *dy, struct acc_op op)
{
    vf64 s[ACC_VECS];
    if (acc_slope_sums(op.act)) {
        acc_sums(f, v, m, period, width, width, x, dy, op, false, s);
        add_into(c->acc, j, k, s);
    }
    if (acc_bias_sums(op.act)) {
        acc_sums(fb, v, m, period, width, width, x, dy, op, true, s);
        add_into(c->bacc, j, k, s);
    }
}

/* One tile (width elements, up to ACC_TILE_VECS vectors) of m periods at stride period:
 * acc_block's steps, its block sums added straight into acc in memory (a copy of the
 * tile's sums in a local array, as acc_block holds them, spent its time copying). */
/* The tile at position j of the rows at `at`. */
static inline __attribute__((always_inline)) void tile_block(size_t m, size_t period, size_t width,
                                                             const struct row_call *c, size_t at,
                                                             size_t j, enum acc_act act,
                                                             enum acc_dx mode)
{
    const size_t nv = (width + VT_LANES - 1) / VT_LANES;
    const T *x = c->x + at + j, *dy = c->dy + at + j;
    T *dx = c->dx + at + j;
    vT wv[ACC_TILE_VECS], bv[ACC_TILE_VECS], f[ACC_TILE_VECS], fb[ACC_TILE_VECS];
    for (size_t v = 0; v < nv; v++)
        load_op(c, j + v * VT_LANES, acc_lanes(width, v), act, wv + v, bv + v);
    const struct acc_op op = {act, wv, bv};
    acc_terms(m, period, nv, width, width, x, dy, dx, op, f, fb, mode, false);
    for (size_t v = 0; v < nv; v++)
        add_block_sums(c, j + v * VT_LANES, acc_lanes(width, v), f[v], fb[v], v, m, period, width,
                       x, dy, op);
    if (mode == ACC_DX_AFTER)
        acc_dx(m, period, nv, width, width, x, dy, dx, op);
}

/* Whole-vector periods past the registers, up to ORDER_MAX elements (16 KB), walked in
 * memory order, period after period, each position's block sums kept in arrays on the stack
 * (32 KB at most, for the threads of a host's pool too) until the block's periods are done,
 * then added into acc.  Lane by lane these are tile_block's additions in its order, so the
 * same bits.  A tile instead reads its block's periods side by side, streams at the
 * period's stride that the memory served slowly: 1.1-2.0x this walk's time at 16M elements
 * for channels last with 256 to 4096 channels and small NCHW maps (docs/PRELU_RRELU.md,
 * 'How the slope gradient stays deterministic and fast').  In place, dx follows each block
 * in a second pass (acc_sums may read dy again). */
enum { ORDER_MAX = 16384 / sizeof(T) };
static inline __attribute__((always_inline)) void in_order(size_t periods, size_t period,
                                                           const struct row_call *c,
                                                           enum acc_act act, enum acc_dx mode)
{
    T f[ORDER_MAX], fb[ORDER_MAX];
    const bool slope_sums = acc_slope_sums(act), bias_sums = acc_bias_sums(act);
    const enum acc_dx row_mode = mode == ACC_DX_AFTER ? ACC_DX_NONE : mode;
    for (size_t p = 0; p < periods; p += LEAKY_ACC_BLOCK) {
        const size_t m = min_size(periods - p, LEAKY_ACC_BLOCK), at = p * period;
        const T *x = c->x + at, *dy = c->dy + at;
        T *dx = c->dx + at;
        for (size_t q = 0; q < m; q++)
            for (size_t j = 0; j < period; j += VT_LANES) {
                vT w, b, s = vT_zero(), sb = vT_zero();
                load_op(c, j, VT_LANES, act, &w, &b);
                if (q > 0 && slope_sums)
                    s = vT_load(f + j);
                if (q > 0 && bias_sums)
                    sb = vT_load(fb + j);
                const size_t o = q * period + j;
                acc_row(1, VT_LANES, x + o, dy + o, dx + o, (struct acc_op){act, &w, &b}, &s, &sb,
                        row_mode, false);
                if (slope_sums)
                    vT_store(f + j, s);
                if (bias_sums)
                    vT_store(fb + j, sb);
            }
        for (size_t j = 0; j < period; j += VT_LANES) {
            vT w, b;
            load_op(c, j, VT_LANES, act, &w, &b);
            const struct acc_op op = {act, &w, &b};
            add_block_sums(c, j, VT_LANES, slope_sums ? vT_load(f + j) : vT_zero(),
                           bias_sums ? vT_load(fb + j) : vT_zero(), 0, m, period, VT_LANES, x + j,
                           dy + j, op);
            if (mode == ACC_DX_AFTER)
                acc_dx(m, period, 1, VT_LANES, VT_LANES, x + j, dy + j, dx + j, op);
        }
    }
}

static inline __attribute__((always_inline)) void row(size_t n, size_t period,
                                                      const struct row_call *c, enum acc_act act,
                                                      enum acc_dx mode)
{
    const size_t periods = n / period;
    if (period % VT_LANES == 0 && period <= ACC_ROW_VECS * VT_LANES) {
        switch (period / VT_LANES) {
        case 1: in_registers(periods, 1, c, act, mode); return;
        case 2: in_registers(periods, 2, c, act, mode); return;
        case 3: in_registers(periods, 3, c, act, mode); return;
        case 4: in_registers(periods, 4, c, act, mode); return;
        case 5: in_registers(periods, 5, c, act, mode); return;
        case 6: in_registers(periods, 6, c, act, mode); return;
        case 7: in_registers(periods, 7, c, act, mode); return;
        default: in_registers(periods, 8, c, act, mode); return;
        }
    }
    if (period % VT_LANES == 0 && period <= ORDER_MAX) {
        in_order(periods, period, c, act, mode);
        return;
    }
    const size_t tile = ACC_TILE_VECS * VT_LANES;
    for (size_t p = 0; p < periods; p += LEAKY_ACC_BLOCK) {
        const size_t m = min_size(periods - p, LEAKY_ACC_BLOCK), at = p * period;
        size_t j = 0;
        /* Whole tiles of whole blocks with constant bounds: no partial vectors or short
         * blocks to test for in the loop. */
        if (m == LEAKY_ACC_BLOCK)
            for (; j + tile <= period; j += tile)
                tile_block(LEAKY_ACC_BLOCK, period, tile, c, at, j, act, mode);
        for (; j < period; j += tile)
            tile_block(m, period, min_size(period - j, tile), c, at, j, act, mode);
    }
}

/* dx streamed where every vector of the row is whole and aligned (tiles start at whole
 * vectors of the period). */
static inline __attribute__((always_inline)) void row_as(size_t n, size_t period,
                                                         const struct row_call *c, enum acc_act act,
                                                         bool nontemporal)
{
    if (c->dx == c->dy) {
        row(n, period, c, act, ACC_DX_AFTER);
    } else if (nontemporal && (uintptr_t)c->dx % VT_BYTES == 0 && period % VT_LANES == 0) {
        row(n, period, c, act, ACC_DX_STREAM);
        vT_stream_fence();
    } else {
        row(n, period, c, act, ACC_DX_NOW);
    }
}

void LEAKY_KNAME(TNAME(vprelu_backward))(size_t n, size_t period, const T *x, const T *dy,
                                         const T *w, const T *b, T *dx, bool nontemporal,
                                         double *acc, double *bacc)
{
    const struct row_call c = {x, dy, w, b, dx, acc, bacc};
    if (!b)
        row_as(n, period, &c, ACC_PRELU, nontemporal);
    else if (!w)
        row_as(n, period, &c, ACC_BIAS_RELU, nontemporal);
    else if (!acc)
        row_as(n, period, &c, ACC_BIAS_LEAKY, nontemporal);
    else
        row_as(n, period, &c, ACC_BIAS_PRELU, nontemporal);
}
