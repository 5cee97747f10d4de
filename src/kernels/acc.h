/* SPDX-License-Identifier: MIT */
/* PReLU backward's step, shared by the run and the row kernels: a block of up to
 * LEAKY_ACC_BLOCK vectors gives dx = x > 0 ? dy : w * dy, and each lane sums its terms
 * (term = x > 0 ? 0 : x * dy) as one block, which is then added into the lane's double.
 *
 * float32: converting every term to double (four conversions per vector of floats) made
 * the backward compute-bound at 1M elements, so a block is summed in float, over
 * x * 2^64 * dy, and added as (double)sum * 2^-64.  Error of a block: one rounding per
 * product and at most 7 per addition, <= 8 * 2^-24 < 4.8e-7 of its sum of |terms| (the
 * leaky.h promises 1e-6).  The scaling (x * 2^64 is exact) lifts every term whose loss a
 * double result could see out of float's denormals: a product below float's smallest
 * normal number here is below 2^-190, and a million of them stay under the last bit of
 * a float32 gradient.  A term above about 2^64 overflows: a lane whose block sum is not
 * finite (overflow, inf or NaN) takes instead the block's exact sum in double (each
 * product of two floats is exact in double), so the fast sum never loses range.
 * float64: the block is summed in double; no scaling, no second sum.
 *
 * The scalar reference (block_sum in ref/ref.c) does the same operations in the same
 * order, so every path gives the same bits. */
#ifndef LEAKY_KERNELS_ACC_H
#define LEAKY_KERNELS_ACC_H

/* Doubles per vector of T: a vT of block sums is ACC_VECS vectors of doubles.  A block's
 * rows are at most ACC_MAX_VECS vectors: ACC_ROW_VECS for a period held in registers,
 * ACC_TILE_VECS for a tile of a longer period, 16 lanes for a run. */
enum {
    ACC_VECS = VT_LANES / VF64_LANES,
    ACC_ROW_VECS = 8, /* was 4: a period of 5 to 8 vectors then stays in registers, faster
                       * (docs/PRELU_RRELU.md, 'Other paths') */
    ACC_TILE_VECS = 16,
    ACC_MAX_VECS =
        LEAKY_ACC_LANES / VT_LANES > ACC_TILE_VECS ? LEAKY_ACC_LANES / VT_LANES : ACC_TILE_VECS
};

/* What a step differentiates, a constant in each inlined caller:
 *   ACC_PRELU       z = x; dx = z > 0 ? dy : w * dy; one sum, the slope's terms
 *                   (z > 0 ? 0 : z * dy)
 *   ACC_BIAS_PRELU  z = x + b; the same dx; two sums, the bias's terms (dx) and the slope's
 *   ACC_BIAS_LEAKY  the same, the bias's sum only
 *   ACC_BIAS_RELU   z = x + b; dx = z <= 0 ? 0 : dy (torch.relu's backward); the bias's sum
 * The bias's terms are summed as the slope's are: in float over dx * 2^64 for float32, a
 * lane whose block sum is not finite taking the exact double sum of its terms. */
enum acc_act { ACC_PRELU, ACC_BIAS_PRELU, ACC_BIAS_LEAKY, ACC_BIAS_RELU };
static inline bool acc_slope_sums(enum acc_act act)
{
    return act == ACC_PRELU || act == ACC_BIAS_PRELU;
}
static inline bool acc_bias_sums(enum acc_act act) { return act != ACC_PRELU; }

/* The pre-activation of vector v, and its gradient dx. */
static inline __attribute__((always_inline)) vT acc_z(vT x, const vT *b, size_t v, enum acc_act act)
{
    return act == ACC_PRELU ? x : vT_add(x, b[v]);
}
static inline __attribute__((always_inline)) vT acc_dz(vT z, vT g, const vT *w, size_t v,
                                                       enum acc_act act)
{
    return act == ACC_BIAS_RELU ? vT_select(vT_le(z, vT_zero()), vT_zero(), g)
                                : vT_backward(z, g, w[v]);
}

/* Loads or stores the first k (1 to VT_LANES) of the VT_LANES doubles at p. */
static inline void acc_load(vf64 *acc, const double *p, size_t k)
{
    for (int v = 0; v<ACC_VECS; v++, p += VF64_LANES, k = k> VF64_LANES ? k - VF64_LANES : 0)
        acc[v] = k >= VF64_LANES ? vf64_load(p) : vf64_load_part(p, k);
}
static inline void acc_store(double *p, const vf64 *acc, size_t k)
{
    for (int v = 0; v<ACC_VECS; v++, p += VF64_LANES, k = k> VF64_LANES ? k - VF64_LANES : 0) {
        if (k >= VF64_LANES)
            vf64_store(p, acc[v]);
        else if (k > 0)
            vf64_store_part(p, acc[v], k);
    }
}

/* Lanes of the vector at v * VT_LANES in a row of width elements (0 to VT_LANES). */
static inline size_t acc_lanes(size_t width, size_t v)
{
    return width <= v * VT_LANES             ? 0
           : width - v * VT_LANES < VT_LANES ? width - v * VT_LANES
                                             : VT_LANES;
}

/* A step's activation: act, and vector v's slopes w[v] and biases b[v] (b unused by
 * ACC_PRELU, w by ACC_BIAS_RELU). */
struct acc_op {
    enum acc_act act;
    const vT *w, *b;
};

/* dx over m rows of nv vectors: row q at offset q * stride, width elements (the last row
 * wlast), vector v at + v * VT_LANES. */
static inline __attribute__((always_inline)) void acc_dx(size_t m, size_t stride, size_t nv,
                                                         size_t width, size_t wlast, const T *x,
                                                         const T *dy, T *dx, struct acc_op op)
{
    for (size_t q = 0; q < m; q++)
        for (size_t v = 0; v < nv; v++) {
            const size_t k = acc_lanes(q + 1 == m ? wlast : width, v),
                         o = q * stride + v * VT_LANES;
            if (k == 0)
                continue;
            const vT z = acc_z(vT_load_n(x + o, k), op.b, v, op.act), g = vT_load_n(dy + o, k);
            vT_store_n(dx + o, acc_dz(z, g, op.w, v, op.act), k);
        }
}

/* Streamed dx (ACC_DX_NONE) follows the sums in vectors aligned to dx's own boundary, with
 * one slope and bias (vector 0 of op's).  acc_stream_head stores the elements before the
 * first aligned vector and returns their count, acc_stream_upto the whole vectors from done
 * up to at most `to` (returns the new done), acc_stream_rest the rest up to n; the caller
 * fences the streamed stores (vT_stream_fence) once it is done. */
static inline __attribute__((always_inline)) size_t acc_stream_head(size_t n, const T *x,
                                                                    const T *dy, T *dx,
                                                                    struct acc_op op)
{
    size_t head = (VT_BYTES - (uintptr_t)dx % VT_BYTES) % VT_BYTES / sizeof(T);
    head = head < n ? head : n;
    if (head > 0)
        acc_dx(1, 0, 1, head, head, x, dy, dx, op);
    return head;
}
static inline __attribute__((always_inline)) size_t acc_stream_upto(size_t done, size_t to,
                                                                    const T *x, const T *dy, T *dx,
                                                                    struct acc_op op)
{
    for (; done + VT_LANES <= to; done += VT_LANES)
        vT_put(
            dx + done,
            acc_dz(acc_z(vT_load(x + done), op.b, 0, op.act), vT_load(dy + done), op.w, 0, op.act),
            1);
    return done;
}
static inline __attribute__((always_inline)) void acc_stream_rest(size_t done, size_t n, const T *x,
                                                                  const T *dy, T *dx,
                                                                  struct acc_op op)
{
    done = acc_stream_upto(done, n, x, dy, dx, op);
    if (done < n)
        acc_dx(1, 0, 1, n - done, n - done, x + done, dy + done, dx + done, op);
}

/* A block: m (1 to LEAKY_ACC_BLOCK) rows of nv (1 to ACC_MAX_VECS) vectors as acc_dx has
 * them; lane j of vector v sums the terms of its m rows (lanes past a row's width count as
 * 0, which leaves a sum unchanged: a sum that starts at +0 is never -0).  dx is stored as
 * the sums go (ACC_DX_NOW), streamed as they go (ACC_DX_STREAM: whole vectors, which the
 * caller has aligned to VT_BYTES; the caller fences), or after them (ACC_DX_AFTER: when dx
 * is dy, since the exact sum reads dy again), or not at all (ACC_DX_NONE: the caller
 * streams it). */
enum acc_dx { ACC_DX_NOW, ACC_DX_STREAM, ACC_DX_AFTER, ACC_DX_NONE };

/* One row of a block: the terms of its nv vectors (width elements) added into f (the
 * slope's) and fb (the bias's).  A partial vector is loaded and stored masked, or, where
 * the caller allows it (whole: the memory past the row is the next run's, which rewrites
 * its dx), whole, its lanes past the row counted as z = dy = 0 (terms of +0): masked
 * stores cost several times a whole one on AVX2. */
static inline vT acc_lane_index(void)
{
    static const T index[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    return vT_load(index);
}
#if defined(LEAKY_TYPE_F64)
#define ACC_SCALE(v) (v)
#else
#define ACC_SCALE(v) vT_mul((v), vT_set1(0x1p64f))
#endif
static inline __attribute__((always_inline)) void acc_row(size_t nv, size_t width, const T *x,
                                                          const T *dy, T *dx, struct acc_op op,
                                                          vT *f, vT *fb, enum acc_dx mode,
                                                          bool whole)
{
    const vT zero = vT_zero();
    for (size_t v = 0; v < nv; v++) {
        const size_t k = acc_lanes(width, v), o = v * VT_LANES;
        if (k == 0)
            continue;
        vT z, g;
        if (whole && k < VT_LANES) {
            const vmT in_row = vT_lt(acc_lane_index(), vT_set1((T)k));
            z = vT_select(in_row, acc_z(vT_load(x + o), op.b, v, op.act), zero);
            g = vT_select(in_row, vT_load(dy + o), zero);
        } else {
            z = acc_z(vT_load_n(x + o, k), op.b, v, op.act);
            g = vT_load_n(dy + o, k);
        }
        const vmT negative = vT_ngt(z, zero); /* z <= 0 or NaN: a slope term */
        const vT d = op.act == ACC_BIAS_RELU ? vT_select(vT_le(z, zero), zero, g)
                                             : vT_backward_where(negative, g, op.w[v]);
        if (mode == ACC_DX_STREAM && k == VT_LANES)
            vT_put(dx + o, d, 1);
        else if (mode == ACC_DX_NOW || mode == ACC_DX_STREAM)
            vT_store_n(dx + o, d, whole ? VT_LANES : k);
        if (acc_bias_sums(op.act))
            fb[v] = vT_add(fb[v], ACC_SCALE(d));
        if (acc_slope_sums(op.act))
            f[v] = vT_add(f[v], vT_mul_where(negative, ACC_SCALE(z), g));
    }
}

/* The block's terms: f[v] and fb[v] = the float (float32: scaled by 2^64) sums of vector
 * v's lanes.  The last row on its own: the others keep a width known at compile time where
 * the caller's is, and only the last may be loaded whole past its end (whole_last). */
static inline __attribute__((always_inline)) void acc_terms(size_t m, size_t stride, size_t nv,
                                                            size_t width, size_t wlast, const T *x,
                                                            const T *dy, T *dx, struct acc_op op,
                                                            vT *f, vT *fb, enum acc_dx mode,
                                                            bool whole_last)
{
    for (size_t v = 0; v < nv; v++)
        f[v] = fb[v] = vT_zero();
    for (size_t q = 0; q + 1 < m; q++)
        acc_row(nv, width, x + q * stride, dy + q * stride, dx + q * stride, op, f, fb, mode,
                false);
    const size_t o = (m - 1) * stride;
    acc_row(nv, wlast, x + o, dy + o, dx + o, op, f, fb, mode, whole_last);
}

/* Vector v's block sums in double, c[0..ACC_VECS), from its float sums fv (the bias's when
 * bias): float32 scales them back, or takes a lane's exact double sum where its float sum
 * is not finite (each slope term, a product of two floats, and each bias term, a float,
 * exact in double). */
static inline __attribute__((always_inline)) void acc_sums(vT fv, size_t v, size_t m, size_t stride,
                                                           size_t width, size_t wlast, const T *x,
                                                           const T *dy, struct acc_op op, bool bias,
                                                           vf64 c[ACC_VECS])
{
#if defined(LEAKY_TYPE_F64)
    (void)v, (void)m, (void)stride, (void)width, (void)wlast, (void)x, (void)dy, (void)op;
    (void)bias;
    c[0] = fv;
#else
    const vf64 zero64 = vf64_zero(), one64 = vf64_set1(1), down = vf64_set1(0x1p-64);
    c[0] = vf64_mul(vf32_widen_lo(fv), down);
    c[1] = vf64_mul(vf32_widen_hi(fv), down);
    /* Finite lanes: f * 0 is +-0 < 1 (inf * 0 and NaN are not). */
    if (vm32_all(vf32_lt(vf32_mul(fv, vf32_zero()), vf32_set1(1))))
        return;
    vf64 e[ACC_VECS] = {zero64, zero64};
    for (size_t q = 0; q < m; q++) {
        const size_t k = acc_lanes(q + 1 == m ? wlast : width, v);
        const size_t o = q * stride + v * VT_LANES;
        if (k == 0)
            continue;
        const vT z = acc_z(vT_load_n(x + o, k), op.b, v, op.act), g = vT_load_n(dy + o, k);
        if (bias) {
            const vT d = acc_dz(z, g, op.w, v, op.act);
            e[0] = vf64_add(e[0], vf32_widen_lo(d));
            e[1] = vf64_add(e[1], vf32_widen_hi(d));
        } else {
            const vmT pos = vT_gt(z, vT_zero());
            const vT zs = vT_select(pos, vT_zero(), z), gs = vT_select(pos, vT_zero(), g);
            e[0] = vf64_add(e[0], vf64_mul(vf32_widen_lo(zs), vf32_widen_lo(gs)));
            e[1] = vf64_add(e[1], vf64_mul(vf32_widen_hi(zs), vf32_widen_hi(gs)));
        }
    }
    for (int h = 0; h < ACC_VECS; h++)
        c[h] = vf64_select(vf64_lt(vf64_mul(c[h], zero64), one64), c[h], e[h]);
#endif
}

/* The block's sums added into acc[v] (the slope's) and accb[v] (the bias's), vectors of
 * doubles (held in registers); op.act says which of the two it keeps. */
static inline __attribute__((always_inline)) void acc_block(size_t m, size_t stride, size_t nv,
                                                            size_t width, size_t wlast, const T *x,
                                                            const T *dy, T *dx, struct acc_op op,
                                                            vf64 (*acc)[ACC_VECS],
                                                            vf64 (*accb)[ACC_VECS],
                                                            enum acc_dx mode, bool whole_last)
{
    vT f[ACC_MAX_VECS], fb[ACC_MAX_VECS];
    acc_terms(m, stride, nv, width, wlast, x, dy, dx, op, f, fb, mode, whole_last);
    for (size_t v = 0; v < nv; v++) {
        vf64 c[ACC_VECS];
        if (acc_slope_sums(op.act)) {
            acc_sums(f[v], v, m, stride, width, wlast, x, dy, op, false, c);
            for (int h = 0; h < ACC_VECS; h++)
                acc[v][h] = vf64_add(acc[v][h], c[h]);
        }
        if (acc_bias_sums(op.act)) {
            acc_sums(fb[v], v, m, stride, width, wlast, x, dy, op, true, c);
            for (int h = 0; h < ACC_VECS; h++)
                accb[v][h] = vf64_add(accb[v][h], c[h]);
        }
    }
    if (mode == ACC_DX_AFTER)
        acc_dx(m, stride, nv, width, wlast, x, dy, dx, op);
}

/* The 16 lanes of a run (LEAKY_ACC_LANES doubles: lane v * VT_LANES + h * VF64_LANES + i
 * in acc[v][h] lane i) added as a fixed tree: lane k with lane k + 8, then + 4, + 2, + 1,
 * the reference's order (ref.c add_lanes).  Halves of whole vectors first, then the lanes
 * of the last vector (vf64_fold). */
static inline double acc_tree(vf64 (*acc)[ACC_VECS])
{
    enum { NV = LEAKY_ACC_LANES / VF64_LANES };
    vf64 t[NV];
    for (int i = 0; i < NV; i++)
        t[i] = acc[i / ACC_VECS][i % ACC_VECS];
    for (int n = NV; n > 1; n /= 2)
        for (int i = 0; i < n / 2; i++)
            t[i] = vf64_add(t[i], t[i + n / 2]);
    return vf64_fold(t[0]);
}

#endif
