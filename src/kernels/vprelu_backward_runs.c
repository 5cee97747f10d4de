/* SPDX-License-Identifier: MIT */
/* PReLU backward over runs with one slope each: dx = x > 0 ? dy : slope * dy, and the
 * slope gradient's term of element j added to lane j % 16 in blocks (kernels/acc.h): lane
 * l's block b holds the terms of elements b * 128 + l, + 16, ..., + 112 (those below n).  A
 * block is 8 rows of 16 elements (16 / VT_LANES vectors) in memory order, each vector of
 * lanes summing its own rows, as the scalar reference does lane by lane, so the sums are
 * the same bits on every path.  A run's lanes are then added as a fixed tree in registers
 * (acc_tree): many short runs go through one call (NCHW with small maps), with no lane
 * array to clear, store and add per run.
 * With a bias per run the same walk differentiates bias + activation (z = x + bias): the
 * bias's terms (dx) go to their own 16 lanes beside the slope's (acc.h's acc_op).
 * Streamed (nontemporal, dx not dy): where every run starts on a vector boundary, dx is
 * streamed as the sums go; else the lanes stay where the run starts, and dx follows each
 * block in vectors aligned to dx's own boundary. */
#include "simd/vtype.h"
#include "kernels/acc.h"

enum {
    VECS = LEAKY_ACC_LANES / VT_LANES,
    SPAN = LEAKY_ACC_LANES * LEAKY_ACC_BLOCK,
    /* Runs off the vector boundaries stream dx after each block from this length.  A
     * shorter run's streamed stores, beside plain ones at its ends, cost more than plain
     * stores (PReLU backward at 16M elements, 1 thread, AVX2: runs of 49, 7.5x; 289,
     * 2.5x; 1001, 1.2x; 2049, even; 3137, 0.9x), and staging a group of short runs' dx in
     * L1 to stream it from there in aligned vectors was slower than plain stores too. */
    STREAM_AFTER_MIN = 2048
};

/* One run: its slope sum into *sum, its bias sum into *bias_sum (as act keeps them). */
static inline __attribute__((always_inline)) void run(size_t n, const T *x, const T *dy, T *dx,
                                                      T slope_value, T bias_value, enum acc_act act,
                                                      enum acc_dx mode, bool whole_end, double *sum,
                                                      double *bias_sum)
{
    const bool stream = mode == ACC_DX_NONE;
    vT slope[VECS], bias[VECS];
    vf64 acc[VECS][ACC_VECS], accb[VECS][ACC_VECS];
    for (int v = 0; v < VECS; v++) {
        slope[v] = vT_set1(slope_value);
        bias[v] = vT_set1(bias_value);
        for (int h = 0; h < ACC_VECS; h++)
            acc[v][h] = accb[v][h] = vf64_zero();
    }
    const struct acc_op op = {act, slope, bias};
    size_t i = 0, done = stream ? acc_stream_head(n, x, dy, dx, op) : 0;
    for (; i + SPAN <= n; i += SPAN) {
        acc_block(LEAKY_ACC_BLOCK, LEAKY_ACC_LANES, VECS, LEAKY_ACC_LANES, LEAKY_ACC_LANES, x + i,
                  dy + i, dx + i, op, acc, accb, mode, false);
        if (stream)
            done = acc_stream_upto(done, i + SPAN, x, dy, dx, op);
    }
    if (i < n) { /* the last block: whole rows of 16, then what is left */
        const size_t rows = (n - i + LEAKY_ACC_LANES - 1) / LEAKY_ACC_LANES;
        const size_t wlast = n - i - (rows - 1) * LEAKY_ACC_LANES;
        if (wlast == LEAKY_ACC_LANES) /* whole rows only (runs of 16 k): no partial vectors */
            acc_block(rows, LEAKY_ACC_LANES, VECS, LEAKY_ACC_LANES, LEAKY_ACC_LANES, x + i, dy + i,
                      dx + i, op, acc, accb, mode, false);
        else
            acc_block(rows, LEAKY_ACC_LANES, VECS, LEAKY_ACC_LANES, wlast, x + i, dy + i, dx + i,
                      op, acc, accb, mode, whole_end);
    }
    if (stream)
        acc_stream_rest(done, n, x, dy, dx, op);
    if (acc_slope_sums(act))
        *sum = acc_tree(acc);
    if (acc_bias_sums(act))
        *bias_sum = acc_tree(accb);
}

/* The arguments of a call, and its activation. */
struct runs_call {
    const T *x, *dy, *slopes, *bias;
    T *dx;
    size_t channels, channel;
    double *sums, *bias_sums;
};

static inline __attribute__((always_inline)) void runs_as(size_t runs, size_t len,
                                                          const struct runs_call *a,
                                                          enum acc_act act, enum acc_dx mode)
{
    size_t channel = a->channel;
    for (size_t r = 0; r < runs; r++) {
        const size_t at = r * len;
        /* A run followed by another in this call may end with whole vectors where partial
         * ones are dear: the next run rewrites what they store past it (never in place:
         * that would clobber its dy).  Not with AVX-512, whose masked partial vectors are
         * cheap: slower there, faster with AVX2 (docs/PRELU_RRELU.md, 'Other paths').  Only
         * for runs of a vector or more, whose rest of a vector lies within the next run: a
         * shorter one's would reach past the call's arrays. */
        const bool whole_end =
            !VF_CHEAP_PARTS && mode != ACC_DX_AFTER && r + 1 < runs && len >= VT_LANES;
        run(len, a->x + at, a->dy + at, a->dx + at,
            act == ACC_BIAS_RELU ? 0 : load_unaligned(a->slopes + channel),
            act == ACC_PRELU ? 0 : load_unaligned(a->bias + channel), act, mode, whole_end,
            acc_slope_sums(act) ? a->sums + r : NULL, acc_bias_sums(act) ? a->bias_sums + r : NULL);
        channel = channel + 1 == a->channels ? 0 : channel + 1;
    }
}

/* Out of place: runs of 16, 32, 49 and 64 elements (maps of 4x4, 7x7, 8x8) with their
 * length a constant, so that a run's rows are unrolled and its vectors need no length
 * tests: faster for those maps; 14x14 (196) gained nothing, so it is not among them
 * (docs/PRELU_RRELU.md, 'Other paths'). */
static inline __attribute__((always_inline)) void runs_out_of_place(size_t runs, size_t len,
                                                                    const struct runs_call *a,
                                                                    enum acc_act act)
{
    switch (len) {
    case 16: runs_as(runs, 16, a, act, ACC_DX_NOW); return;
    case 32: runs_as(runs, 32, a, act, ACC_DX_NOW); return;
    case 49: runs_as(runs, 49, a, act, ACC_DX_NOW); return;
    case 64: runs_as(runs, 64, a, act, ACC_DX_NOW); return;
    default: runs_as(runs, len, a, act, ACC_DX_NOW); return;
    }
}

static inline __attribute__((always_inline)) void runs_of(size_t runs, size_t len,
                                                          const struct runs_call *a,
                                                          enum acc_act act, bool nontemporal)
{
    if (a->dx == a->dy) {
        runs_as(runs, len, a, act, ACC_DX_AFTER);
    } else if (nontemporal && (uintptr_t)a->dx % VT_BYTES == 0 && len % VT_LANES == 0) {
        /* Every run starts on a vector boundary: dx streamed as the sums go. */
        runs_as(runs, len, a, act, ACC_DX_STREAM);
        vT_stream_fence();
    } else if (nontemporal && (uintptr_t)a->dx % sizeof(T) == 0 && len >= STREAM_AFTER_MIN) {
        runs_as(runs, len, a, act, ACC_DX_NONE);
        vT_stream_fence();
    } else {
        runs_out_of_place(runs, len, a, act);
    }
}

void LEAKY_KNAME(TNAME(vprelu_backward_runs))(size_t runs, size_t len, const T *x, const T *dy,
                                              T *dx, const T *slopes, const T *bias,
                                              size_t channels, size_t channel, bool nontemporal,
                                              double *sums, double *bias_sums)
{
    const struct runs_call a = {x, dy, slopes, bias, dx, channels, channel, sums, bias_sums};
    if (!bias)
        runs_of(runs, len, &a, ACC_PRELU, nontemporal);
    else if (!slopes)
        runs_of(runs, len, &a, ACC_BIAS_RELU, nontemporal);
    else if (!sums)
        runs_of(runs, len, &a, ACC_BIAS_LEAKY, nontemporal);
    else
        runs_of(runs, len, &a, ACC_BIAS_PRELU, nontemporal);
}
