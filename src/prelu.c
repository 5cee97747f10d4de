/* SPDX-License-Identifier: MIT */
/* PReLU: argument checks, the split of the array into kernel calls, and the slope
 * gradient's reduction.  Compiled once per element type (type.h).
 *
 * The array is outer x channels x inner.  Two plans, chosen from the shape alone:
 *   runs  one shared slope, or inner >= RUN_MIN: every (o, c) row of inner elements is a
 *         run with one slope (the whole array is a single run for a shared slope).
 *   rows  otherwise (channels last, small inner): the array is cut into rows of `width`
 *         elements (a whole number of channels x inner periods, at least ROW_MIN) with a
 *         slope per element, from a slope row expanded once.
 * The slope gradient is summed in a fixed order that depends on the shape only, so it
 * has the same bits for any thread count and on every CPU path (whose kernels give the
 * reference's bits):
 *   runs  each channel's elements are cut into blocks of about BLOCK elements (whole rows,
 *         or pieces of BLOCK of one long row); a block's terms go to 16 lanes (element j of
 *         a piece to lane j % 16), the lanes are added as a fixed tree, and the channel's
 *         block sums are added in block order;
 *   rows  blocks of whole rows; each column sums its terms in row order, and the columns
 *         are added into their slopes block by block, column by column.
 * Blocks are the units handed to leaky_parallel_for; their sums wait in an array, so
 * the split between threads never changes the order of the additions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "type.h"

enum {
    BLOCK = 1 << 14, /* elements per block of the gradient */
    RUN_MIN = 64,    /* inner at least this: the runs plan */
    ROW_MIN = 512,   /* a row of the rows plan holds at least this many elements */
    ROW_BLOCK_MIN = 8
};

struct plan {
    bool runs;
    size_t n, outer, channels, inner; /* runs: the shape, a shared slope as 1 x 1 x n */
    size_t width;                     /* rows: elements per row */
    const T *slopes;                  /* runs: one per channel; rows: the expanded row */
    size_t blocks, rows_per_block, pieces_per_row; /* runs: per channel; rows: in all */
};

static leaky_status check_slopes(const char *fn, size_t channels, const T *slopes,
                                 size_t num_slopes)
{
    if (!slopes)
        return leaky_fail(LEAKY_EINVAL, "%s: slopes is NULL; expected %s", fn,
                          channels == 1 ? "1 slope" : "1 slope or one per channel");
    if (num_slopes != 1 && num_slopes != channels)
        return leaky_fail(LEAKY_EINVAL, "%s: num_slopes is %zu but the array has %zu "
                          "channels; expected 1 (one shared slope) or %zu (one per channel)",
                          fn, num_slopes, channels, channels);
    for (size_t k = 0; k < num_slopes; k++)
        if (!isfinite(slopes[k]))
            return leaky_fail(LEAKY_EINVAL, "%s: slopes[%zu] is %g; expected a finite number",
                              fn, k, (double)slopes[k]);
    return LEAKY_OK;
}

static leaky_status count(const char *fn, size_t outer, size_t channels, size_t inner,
                          size_t *n)
{
    size_t total = outer;
    const size_t dims[2] = {channels, inner};
    for (int d = 0; d < 2; d++) {
        if (dims[d] != 0 && total > SIZE_MAX / sizeof(double) / dims[d])
            return leaky_fail(LEAKY_EINVAL, "%s: outer x channels x inner = %zu x %zu x %zu "
                              "is larger than any array can be", fn, outer, channels, inner);
        total *= dims[d];
    }
    *n = total;
    return LEAKY_OK;
}

/* The plan for a shape; allocates the expanded slope row of the rows plan (*row). */
static leaky_status make_plan(const char *fn, struct plan *p, size_t n, size_t outer,
                              size_t channels, size_t inner, const T *slopes,
                              size_t num_slopes, T **row)
{
    *row = NULL;
    *p = (struct plan){.n = n, .slopes = slopes};
    if (num_slopes == 1 || inner >= RUN_MIN) {
        p->runs = true;
        if (num_slopes == 1) {
            p->outer = 1, p->channels = 1, p->inner = n;
        } else {
            p->outer = outer, p->channels = channels, p->inner = inner;
        }
        if (p->inner <= BLOCK) {
            p->rows_per_block = BLOCK / p->inner;
            p->pieces_per_row = 1;
            p->blocks = (p->outer + p->rows_per_block - 1) / p->rows_per_block;
        } else {
            p->rows_per_block = 1;
            p->pieces_per_row = (p->inner + BLOCK - 1) / BLOCK;
            p->blocks = p->outer * p->pieces_per_row;
        }
        return LEAKY_OK;
    }
    const size_t period = channels * inner;
    const size_t periods = period >= ROW_MIN ? 1 : (ROW_MIN + period - 1) / period;
    p->width = period * (periods < outer ? periods : outer);
    T *w = malloc(p->width * sizeof *w);
    if (!w)
        return leaky_fail(LEAKY_ENOMEM, "%s: cannot allocate %zu bytes for the slope row", fn,
                          p->width * sizeof *w);
    for (size_t j = 0; j < p->width; j++)
        w[j] = slopes[j / inner % channels];
    p->slopes = w;
    p->channels = channels, p->inner = inner;
    const size_t rows = (n + p->width - 1) / p->width;
    p->rows_per_block = BLOCK / p->width > ROW_BLOCK_MIN ? BLOCK / p->width : ROW_BLOCK_MIN;
    p->blocks = (rows + p->rows_per_block - 1) / p->rows_per_block;
    *row = w;
    return LEAKY_OK;
}

/* ------------------------------------------------------------------ forward */

struct forward_job {
    const struct plan *p;
    const struct leaky_kernels *k;
    const T *x;
    T *y;
};

static void forward_range(void *ctx, size_t begin, size_t end)
{
    const struct forward_job *job = ctx;
    const struct plan *p = job->p;
    while (begin < end) {
        if (p->runs) {
            const size_t run = begin / p->inner;
            const size_t stop = (run + 1) * p->inner < end ? (run + 1) * p->inner : end;
            const TPARAMS params = {p->slopes[run % p->channels]};
            job->k->TNAME(vlrelu)(stop - begin, job->x + begin, job->y + begin, &params);
            begin = stop;
        } else {
            const size_t at = begin % p->width;
            const size_t len = p->width - at < end - begin ? p->width - at : end - begin;
            job->k->TNAME(vprelu)(len, job->x + begin, p->slopes + at, job->y + begin, NULL);
            begin += len;
        }
    }
}

leaky_status TAPI(prelu)(const T *x, T *y, size_t outer, size_t channels, size_t inner,
                         const T *slopes, size_t num_slopes)
{
    static const char fn[] = "leaky_prelu_" TSTR;
    size_t n = 0;
    LEAKY_TRY(check_slopes(fn, channels, slopes, num_slopes));
    LEAKY_TRY(count(fn, outer, channels, inner, &n));
    if (n == 0)
        return LEAKY_OK;
    LEAKY_TRY(leaky_check_array(fn, "x", x, n));
    LEAKY_TRY(leaky_check_array(fn, "y", y, n));
    LEAKY_TRY(leaky_check_no_overlap(fn, "x", x, "y", y, n * sizeof(T)));
    LEAKY_TRY(leaky_check_disjoint(fn, "slopes", slopes, num_slopes * sizeof(T), "y", y,
                                   n * sizeof(T)));
    const struct leaky_kernels *k = NULL;
    LEAKY_TRY(leaky_active_kernels(&k));
    struct plan p;
    T *row = NULL;
    LEAKY_TRY(make_plan(fn, &p, n, outer, channels, inner, slopes, num_slopes, &row));
    struct forward_job job = {&p, k, x, y};
    leaky_parallel_for(n, LEAKY_ELEMENTWISE_GRAIN, forward_range, &job);
    free(row);
    return LEAKY_OK;
}

/* ----------------------------------------------------------------- backward */

struct backward_job {
    const struct plan *p;
    const struct leaky_kernels *k;
    const T *x, *dy;
    T *dx;
    double *sums; /* runs: one per block; rows: width per block */
};

/* The 16 lanes added as a fixed tree: lane k with lane k + 8, then + 4, + 2, + 1. */
static double add_lanes(double lanes[LEAKY_ACC_LANES])
{
    for (int half = LEAKY_ACC_LANES / 2; half > 0; half /= 2)
        for (int k = 0; k < half; k++)
            lanes[k] += lanes[k + half];
    return lanes[0];
}

static void run_block(const struct backward_job *job, size_t unit)
{
    const struct plan *p = job->p;
    const size_t c = unit / p->blocks, b = unit % p->blocks;
    const TPARAMS params = {p->slopes[c]};
    size_t first_row, rows, piece_begin, piece_end;
    if (p->pieces_per_row == 1) {
        first_row = b * p->rows_per_block;
        rows = p->outer - first_row < p->rows_per_block ? p->outer - first_row
                                                         : p->rows_per_block;
        piece_begin = 0, piece_end = p->inner;
    } else {
        first_row = b / p->pieces_per_row, rows = 1;
        piece_begin = b % p->pieces_per_row * BLOCK;
        piece_end = piece_begin + BLOCK < p->inner ? piece_begin + BLOCK : p->inner;
    }
    double lanes[LEAKY_ACC_LANES] = {0};
    for (size_t o = first_row; o < first_row + rows; o++) {
        const size_t at = (o * p->channels + c) * p->inner + piece_begin;
        job->k->TNAME(vprelu_backward_run)(piece_end - piece_begin, job->x + at, job->dy + at,
                                           job->dx + at, &params, lanes);
    }
    job->sums[unit] = add_lanes(lanes);
}

static void row_block(const struct backward_job *job, size_t unit)
{
    const struct plan *p = job->p;
    double *acc = job->sums + unit * p->width;
    const size_t begin = unit * p->rows_per_block * p->width;
    const size_t end = p->n - begin < p->rows_per_block * p->width
                           ? p->n : begin + p->rows_per_block * p->width;
    for (size_t at = begin; at < end; at += p->width) {
        const size_t len = end - at < p->width ? end - at : p->width;
        job->k->TNAME(vprelu_backward)(len, job->x + at, job->dy + at, p->slopes,
                                       job->dx + at, acc);
    }
}

static void backward_range(void *ctx, size_t begin, size_t end)
{
    const struct backward_job *job = ctx;
    for (size_t unit = begin; unit < end; unit++) {
        if (job->p->runs)
            run_block(job, unit);
        else
            row_block(job, unit);
    }
}

leaky_status TAPI(prelu_backward)(const T *x, const T *dy, T *dx, T *dslopes, size_t outer,
                                  size_t channels, size_t inner, const T *slopes,
                                  size_t num_slopes)
{
    static const char fn[] = "leaky_prelu_backward_" TSTR;
    size_t n = 0;
    LEAKY_TRY(check_slopes(fn, channels, slopes, num_slopes));
    LEAKY_TRY(count(fn, outer, channels, inner, &n));
    const size_t bytes = n * sizeof(T), slope_bytes = num_slopes * sizeof(T);
    if (dslopes)
        LEAKY_TRY(leaky_check_disjoint(fn, "dslopes", dslopes, slope_bytes, "slopes", slopes,
                                       slope_bytes));
    if (n == 0) {
        for (size_t s = 0; dslopes && s < num_slopes; s++)
            dslopes[s] = 0;
        return LEAKY_OK;
    }
    LEAKY_TRY(leaky_check_array(fn, "x", x, n));
    LEAKY_TRY(leaky_check_array(fn, "dy", dy, n));
    LEAKY_TRY(leaky_check_array(fn, "dx", dx, n));
    LEAKY_TRY(leaky_check_gradient_out(fn, LEAKY_OPERAND(x), LEAKY_OPERAND(dy),
                                       LEAKY_OPERAND(dx), bytes));
    LEAKY_TRY(leaky_check_disjoint(fn, "slopes", slopes, slope_bytes, "dx", dx, bytes));
    if (dslopes) {
        const struct leaky_operand others[] = {LEAKY_OPERAND(x), LEAKY_OPERAND(dy),
                                               LEAKY_OPERAND(dx)};
        for (int i = 0; i < 3; i++)
            LEAKY_TRY(leaky_check_disjoint(fn, "dslopes", dslopes, slope_bytes,
                                           others[i].name, others[i].p, bytes));
    }
    const struct leaky_kernels *k = NULL;
    LEAKY_TRY(leaky_active_kernels(&k));
    struct plan p;
    T *row = NULL;
    LEAKY_TRY(make_plan(fn, &p, n, outer, channels, inner, slopes, num_slopes, &row));
    const size_t units = p.runs ? p.channels * p.blocks : p.blocks;
    const size_t per_unit = p.runs ? 1 : p.width;
    /* The blocks' sums, then the slopes' totals: allocated before anything is written. */
    double *sums = calloc(units * per_unit + num_slopes, sizeof *sums);
    if (!sums) {
        free(row);
        return leaky_fail(LEAKY_ENOMEM, "%s: cannot allocate %zu bytes for the gradient's "
                          "partial sums", fn, (units * per_unit + num_slopes) * sizeof *sums);
    }
    double *total = sums + units * per_unit;
    struct backward_job job = {&p, k, x, dy, dx, sums};
    const size_t unit_elements = n / units;
    leaky_parallel_for(units, LEAKY_ELEMENTWISE_GRAIN / (unit_elements + 1) + 1,
                       backward_range, &job);
    if (dslopes) {
        if (p.runs) {
            for (size_t c = 0; c < p.channels; c++)
                for (size_t b = 0; b < p.blocks; b++)
                    total[c] += sums[c * p.blocks + b];
        } else {
            for (size_t u = 0; u < units; u++)
                for (size_t j = 0; j < p.width; j++)
                    total[j / p.inner % p.channels] += sums[u * p.width + j];
        }
        for (size_t s = 0; s < num_slopes; s++)
            dslopes[s] = (T)total[s];
    }
    free(sums);
    free(row);
    return LEAKY_OK;
}
