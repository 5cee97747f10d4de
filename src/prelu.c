/* SPDX-License-Identifier: MIT */
/* PReLU: argument checks, the split of the array into kernel calls, and the slope
 * gradient's reduction.  Compiled once per element type (internal/type.h).
 *
 * The array is outer x channels x inner, seen as `rows` of `width` elements.  Two plans,
 * chosen from the shape alone:
 *   runs  one shared slope (one row of n elements), or inner at least FORWARD_RUN_MIN
 *         or BACKWARD_RUN_MIN (the outer x channels rows of inner elements): a row has
 *         one slope, and the backward's kernel takes a block's rows in one call;
 *   rows  otherwise (channels last, small inner): rows of a whole number of channels x
 *         inner periods, at least ROW_MIN elements, with a slope per element from a slope
 *         row expanded once.
 * The slope gradient is summed in a fixed order that depends on the shape only, so it
 * has the same bits for any thread count and on every CPU path (whose kernels give the
 * reference's bits).  The array is cut, in memory order, into blocks of whole rows (or
 * pieces of BLOCK elements of one long row), the units handed to leaky_parallel_for:
 *   runs  a row's (or piece's) terms go to 16 lanes (element j to lane j % 16), which are
 *         added as a fixed tree; a block adds its rows' sums per slope in row order;
 *   rows  each position of the channels x inner period sums its terms in memory order
 *         (period after period, row after row).
 * Inside a kernel call the terms of a lane (or position) come in blocks of 8, each summed
 * on its own (in float for float32) and then added into double: kernels/acc.h.
 * The blocks' sums wait in an array and are then added into the slopes block by block
 * (and column by column), so the split between threads never changes the order of the
 * additions.
 *
 * Bias + activation (bias.c) runs through the same plans and sums: z = x + bias[c] in
 * place of x, with one slope per channel or ReLU (slopes NULL), the bias's gradient summed
 * beside the slope's in the same lanes, blocks and order (act_forward, act_backward). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal/act.h"
#include "internal/check.h"
#include "internal/parallel.h"
#include "internal/run.h"
#include "internal/type.h"

enum {
    BLOCK = 1 << 14, /* runs: elements per block */
    /* Inner at least this: the runs plan (docs/PRELU_RRELU.md, 'Small maps').  The
     * backward's rows plan closes a block of sums every 8 periods, so with fewer periods
     * than that it closes them more often: shorter runs do better there. */
    FORWARD_RUN_MIN = 64,
    /* The same for a forward that streams its output: each run is a kernel call that
     * stores its ends plain and fences its streamed stores, which made shorter runs cost
     * 1.5x to 14x Leaky ReLU's forward (16M elements, 64 channels, inner 64 to 1001, AVX2);
     * the rows plan streams whole rows. */
    FORWARD_STREAMED_RUN_MIN = 2048,
    BACKWARD_RUN_MIN = 32,
    BACKWARD_RUN_MIN_FEW = 16,
    RUN_ROWS_MAX = BLOCK / BACKWARD_RUN_MIN_FEW, /* runs: rows per block, at most */
    ROW_MIN = 2048,      /* rows: elements per row, at least (a row stays in L1) */
    ROW_BLOCK = 1 << 18, /* rows: elements per block, about (a block holds period sums) */
    ROW_BLOCK_MIN = 8,   /* rows: rows per block, at least */
    /* Bias + activation's forward in the rows plan: the rows' period at least this (short
     * periods would cost a wrap every few vectors), and the next period's first elements
     * after it. */
    BIAS_REPEAT_MIN = 256,
    BIAS_REPEAT_EXTRA = 64
};

struct plan {
    bool runs;
    size_t n, channels, inner; /* the shape (a shared slope: 1 channel, inner = n) */
    size_t rows, width;        /* the array as rows x width */
    size_t period;             /* rows: channels x inner, a slope per position */
    size_t repeat;             /* rows, bias + activation's forward: its rows' period */
    const T *slopes;           /* runs: one per channel; rows: the expanded row (NULL: ReLU) */
    bool one_slope;            /* bias + activation's forward: slopes is one for all */
    const T *bias;             /* as slopes (NULL: none) */
    size_t blocks, rows_per_block, pieces_per_row, sums_per_block;
};

/* n: the element count; with none, slopes may be NULL (nothing reads them). */
static leaky_status check_slopes(const char *fn, size_t n, size_t channels, const T *slopes,
                                 size_t num_slopes)
{
    if (!slopes && n > 0)
        return leaky_fail(LEAKY_EINVAL, "%s: slopes is NULL; expected %s", fn,
                          channels == 1 ? "1 slope" : "1 slope or one per channel");
    if (num_slopes != 1 && num_slopes != channels)
        return leaky_fail(LEAKY_EINVAL,
                          "%s: num_slopes is %zu but the array has %zu "
                          "channels; expected 1 (one shared slope) or %zu (one per channel)",
                          fn, num_slopes, channels, channels);
    if (!slopes)
        return LEAKY_OK;
        /* One pass without branches over the exponent fields (all ones: inf or NaN), an OR the
     * compiler vectorizes (a small call's checks cost more than its work when each slope
     * took a branch, and much of it as a chain of float compares: docs/PRELU_RRELU.md,
     * 'Small calls'), then the first bad one, if any, for the message. */
#if defined(LEAKY_TYPE_F64)
    typedef uint64_t bits;
    const bits exponent = 0x7ff0000000000000u;
#else
    typedef uint32_t bits;
    const bits exponent = 0x7f800000u;
#endif
    bits not_finite = 0;
    for (size_t k = 0; k < num_slopes; k++) {
        bits u;
        memcpy(&u, slopes + k, sizeof u);
        not_finite |= (bits)((u & exponent) == exponent);
    }
    for (size_t k = 0; not_finite && k < num_slopes; k++) {
        const T slope = load_unaligned(slopes + k);
        if (!isfinite(slope))
            return leaky_fail(LEAKY_EINVAL, "%s: slopes[%zu] is %g; expected a finite number", fn,
                              k, (double)slope);
    }
    return LEAKY_OK;
}

static leaky_status count(const char *fn, size_t outer, size_t channels, size_t inner, size_t *n)
{
    size_t total = outer;
    const size_t dims[2] = {channels, inner};
    for (int d = 0; d < 2; d++) {
        if (dims[d] != 0 && total > LEAKY_MAX_ELEMENTS / dims[d])
            return leaky_fail(LEAKY_EINVAL,
                              "%s: outer x channels x inner = %zu x %zu x %zu "
                              "is larger than any array can be",
                              fn, outer, channels, inner);
        total *= dims[d];
    }
    *n = total;
    return LEAKY_OK;
}

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* Bias + activation's bias, apart from out (n elements). */
static leaky_status check_bias(const char *fn, const T *bias, size_t channels, const void *out,
                               size_t n)
{
    return leaky_check_disjoint(fn, LEAKY_OPERAND(bias), channels * sizeof(T),
                                (struct leaky_operand){"the output", out}, n * sizeof(T));
}

/* With one slope shared by several channels, that slope for each channel (the backward's
 * plans index slopes by channel), in on_stack (PER_CHANNEL_ON_STACK elements) or in memory
 * allocated here and returned in *mem to be freed. */
enum { PER_CHANNEL_ON_STACK = 256 };
static leaky_status per_channel_slopes(const char *fn, size_t channels, const T **slopes,
                                       size_t num_slopes, T *on_stack, T **mem)
{
    *mem = NULL;
    if (!*slopes || num_slopes == channels)
        return LEAKY_OK;
    T *w = on_stack;
    if (channels > PER_CHANNEL_ON_STACK) {
        w = *mem = malloc(channels * sizeof *w);
        if (!w)
            return leaky_fail(LEAKY_ENOMEM, "%s: cannot allocate %zu bytes for the slopes", fn,
                              channels * sizeof *w);
    }
    const T shared = load_unaligned(*slopes);
    for (size_t c = 0; c < channels; c++)
        w[c] = shared;
    *slopes = w;
    return LEAKY_OK;
}

/* The expanded slope row of the rows plan lives on the caller's stack up to this many
 * bytes: a small call (a 256-element channels-last tensor) spent more time in malloc and
 * free than in its kernel. */
enum { ROW_ON_STACK = 8192 / sizeof(T) };

/* A row of `expanded` elements from one value per channel: periods of channels x inner. */
static void expand(T *w, const T *values, size_t channels, size_t inner, size_t expanded)
{
    /* One period (each value repeated inner times), then copies of it: no divisions, which
     * would cost more than a small call's whole work. */
    if (inner == 1)
        memcpy(w, values, channels * sizeof *w);
    else
        for (size_t c = 0; c < channels; c++) {
            T *run = w + c * inner;
            const T value = load_unaligned(values + c);
            for (size_t i = 0; i < inner; i++)
                run[i] = value;
        }
    const size_t period = channels * inner;
    for (size_t j = period; j < expanded; j += period)
        memcpy(w + j, w, min_size(period, expanded - j) * sizeof *w);
}

/* The plan for a shape (n > 0).  The rows plan's expanded slope and bias rows go into
 * on_stack (ROW_ON_STACK elements) when they fit, else into memory allocated here and
 * returned in *row for the caller to free.  With a bias, num_slopes is channels, or 1 in the
 * forward (its kernel takes one slope as it is), or slopes is NULL (ReLU). */
static leaky_status make_plan(const char *fn, struct plan *p, bool backward, bool streamed,
                              size_t n, size_t channels, size_t inner, const T *slopes,
                              size_t num_slopes, const T *bias, T *on_stack, T **row)
{
    *row = NULL;
    *p = (struct plan){.n = n,
                       .slopes = slopes,
                       .one_slope = !backward && bias && slopes && num_slopes == 1,
                       .bias = bias,
                       .channels = channels,
                       .inner = inner};
    bool runs = inner >= (streamed ? FORWARD_STREAMED_RUN_MIN : FORWARD_RUN_MIN);
    if (backward) {
        const bool few_periods = n / (channels * inner) < LEAKY_ACC_BLOCK;
        runs = inner >= (few_periods ? BACKWARD_RUN_MIN_FEW : BACKWARD_RUN_MIN);
    }
    const bool one_channel = num_slopes == 1 && !bias; /* PReLU with one slope */
    if (one_channel || runs) {
        p->runs = true;
        if (one_channel)
            p->channels = 1, p->inner = n;
        p->width = p->inner;
        p->rows = n / p->width;
        if (p->width <= BLOCK) {
            p->rows_per_block = min_size(BLOCK / p->width, RUN_ROWS_MAX);
            p->pieces_per_row = 1;
            p->blocks = (p->rows + p->rows_per_block - 1) / p->rows_per_block;
            /* A block sums per channel, or per row when it holds fewer rows than channels. */
            p->sums_per_block = min_size(p->rows_per_block, p->channels);
        } else {
            p->rows_per_block = 1;
            p->pieces_per_row = (p->width + BLOCK - 1) / BLOCK;
            p->blocks = p->rows * p->pieces_per_row;
            p->sums_per_block = 1;
        }
        return LEAKY_OK;
    }
    const size_t period = channels * inner;
    const size_t rows = n / period;
    const size_t periods = period >= ROW_MIN ? 1 : (ROW_MIN + period - 1) / period;
    p->width = period * min_size(periods, rows);
    /* The forward's kernel takes a slope per element of its row, the backward's one period
     * of them (it indexes the slopes by position in the period); bias + activation's
     * forward rows that repeat every BIAS_REPEAT_MIN elements or more, one call for a
     * thread's whole range (kernels.h, bias_act). */
    size_t expanded = backward ? period : p->width;
    if (bias && !backward) {
        p->repeat = period * ((BIAS_REPEAT_MIN + period - 1) / period);
        expanded = p->repeat + BIAS_REPEAT_EXTRA;
    }
    const bool slope_row = slopes && !p->one_slope;
    const size_t size = (slope_row + (bias != NULL)) * expanded;
    T *w = on_stack;
    if (size > ROW_ON_STACK) {
        w = *row = malloc(size * sizeof *w);
        if (!w)
            return leaky_fail(LEAKY_ENOMEM, "%s: cannot allocate %zu bytes for the slope row", fn,
                              size * sizeof *w);
    }
    if (slope_row) {
        expand(w, slopes, channels, inner, expanded);
        p->slopes = w;
        w += expanded;
    }
    if (bias) {
        expand(w, bias, channels, inner, expanded);
        p->bias = w;
    }
    /* The last row may be short (a whole number of periods). */
    p->rows = (n + p->width - 1) / p->width;
    p->rows_per_block = ROW_BLOCK / p->width > ROW_BLOCK_MIN ? ROW_BLOCK / p->width : ROW_BLOCK_MIN;
    p->blocks = (p->rows + p->rows_per_block - 1) / p->rows_per_block;
    p->period = period;
    p->sums_per_block = period;
    return LEAKY_OK;
}

/* ------------------------------------------------------------------ forward */

/* x and y hold elements of the type T, or, for the float16 and bfloat16 functions (float32
 * compile only), 16-bit patterns that half_run and half_row widen, compute with the float32
 * op and round once: the plan and the slopes are the float32 ones either way. */
struct forward_job {
    const struct plan *p;
    const struct leaky_kernels *k;
    const void *x;
    void *y;
    bool stream; /* the 16-bit kernels ignore it */
    bool bias;   /* bias + activation: the plan's bias, and its slopes or ReLU */
#if defined(LEAKY_TYPE_F32)
    leaky_unary_u16_fn *half_run; /* NULL: T storage */
    leaky_prelu_u16_fn *half_row;
#endif
};

/* One kernel call of the runs plan: len elements from at, with the slope (and bias) of
 * channel c, from the caller's arrays (at any byte). */
static void forward_run(const struct forward_job *job, size_t at, size_t len, size_t c)
{
    const struct plan *p = job->p;
    const T *slope = p->slopes ? p->slopes + (p->one_slope ? 0 : c) : NULL;
    const TPARAMS params = {.slope = slope ? load_unaligned(slope) : 0, .nontemporal = job->stream};
    if (job->bias) {
        job->k->TNAME(vbias_act)(len, (const T *)job->x + at, p->bias + c, slope, 0, 0, false,
                                 (T *)job->y + at, &params);
        return;
    }
#if defined(LEAKY_TYPE_F32)
    if (job->half_run) {
        job->half_run(len, (const uint16_t *)job->x + at, (uint16_t *)job->y + at, &params);
        return;
    }
#endif
    job->k->TNAME(vlrelu)(len, (const T *)job->x + at, (T *)job->y + at, &params);
}

/* One kernel call of the rows plan: len elements from at, element j with the slope and bias
 * at position `in` + j of the plan's rows. */
static void forward_row(const struct forward_job *job, size_t at, size_t len, size_t in)
{
    const struct plan *p = job->p;
    const T *w = p->slopes ? p->slopes + in : NULL;
    const TPARAMS stores = {.slope = 0, .nontemporal = job->stream};
    if (job->bias) { /* rows that repeat */
        job->k->TNAME(vbias_act)(len, (const T *)job->x + at, p->bias, p->slopes, p->repeat, in,
                                 !p->one_slope, (T *)job->y + at, &stores);
        return;
    }
#if defined(LEAKY_TYPE_F32)
    if (job->half_row) {
        job->half_row(len, (const uint16_t *)job->x + at, w, (uint16_t *)job->y + at, &stores);
        return;
    }
#endif
    job->k->TNAME(vprelu)(len, (const T *)job->x + at, w, (T *)job->y + at, &stores);
}

static void forward_range(void *ctx, size_t begin, size_t end)
{
    const struct forward_job *job = ctx;
    const struct plan *p = job->p;
    while (begin < end) {
        if (p->runs) {
            const size_t run = begin / p->width;
            const size_t stop = min_size((run + 1) * p->width, end);
            forward_run(job, begin, stop - begin, run % p->channels);
            begin = stop;
        } else if (job->bias) {
            forward_row(job, begin, end - begin, begin % p->repeat);
            begin = end;
        } else {
            const size_t at = begin % p->width;
            const size_t len = min_size(p->width - at, end - begin);
            forward_row(job, begin, len, at);
            begin += len;
        }
    }
}

/* Where a storage's kernels sit in the table (float16 and bfloat16). */
typedef LEAKY_SLOT_TYPE(leaky_unary_u16_fn) half_run_slot;
typedef LEAKY_SLOT_TYPE(leaky_prelu_u16_fn) half_row_slot;
struct half_kernels {
    half_run_slot run;
    half_row_slot row;
};

/* The forward for elements of elem_size bytes: T, or the 16-bit storage of half; with a
 * bias, bias + activation, its arguments checked by the caller (bias.c). */
static leaky_status forward(const char *fn, const void *x, void *y, size_t elem_size,
                            const struct half_kernels *half, size_t outer, size_t channels,
                            size_t inner, const T *slopes, size_t num_slopes, const T *bias)
{
    size_t n = 0;
    LEAKY_TRY(count(fn, outer, channels, inner, &n));
    if (slopes || !bias)
        LEAKY_TRY(check_slopes(fn, n, channels, slopes, num_slopes));
    if (n == 0)
        return LEAKY_OK;
    LEAKY_TRY(leaky_check_unary(fn, LEAKY_OPERAND(x), elem_size, LEAKY_OPERAND(y), elem_size, n));
    if (slopes)
        LEAKY_TRY(leaky_check_disjoint(fn, LEAKY_OPERAND(slopes), num_slopes * sizeof(T),
                                       LEAKY_OPERAND(y), n * elem_size));
    if (bias)
        LEAKY_TRY(check_bias(fn, bias, channels, y, n));
    struct forward_job job = {.x = x, .y = y, .bias = bias != NULL};
    LEAKY_TRY(leaky_active_kernels(&job.k));
#if defined(LEAKY_TYPE_F32)
    if (half) {
        job.half_run = LEAKY_KERNEL_AT(job.k, half->run);
        job.half_row = LEAKY_KERNEL_AT(job.k, half->row);
    }
#else
    (void)half;
#endif
    /* Large calls out of place stream their output as Leaky ReLU's do (leaky_stream), in
     * either plan: channels last at 16M elements took 1.4x the time of a streamed copy
     * with cached stores.  (The 16-bit kernels store plainly.) */
    job.stream = leaky_stream(y, x, 2 * n * elem_size, elem_size);
    struct plan p;
    T on_stack[ROW_ON_STACK], *row = NULL;
    LEAKY_TRY(make_plan(fn, &p, false, job.stream && !half, n, channels, inner, slopes, num_slopes,
                        bias, on_stack, &row));
    job.p = &p;
    leaky_run(n, elem_size, y, forward_range, &job);
    free(row);
    return LEAKY_OK;
}

leaky_status TAPI(prelu)(const T *x, T *y, size_t outer, size_t channels, size_t inner,
                         const T *slopes, size_t num_slopes)
{
    return forward("leaky_prelu_" TSTR, x, y, sizeof(T), NULL, outer, channels, inner, slopes,
                   num_slopes, NULL);
}

#if defined(LEAKY_TYPE_F32)
/* float16 and bfloat16: float32 slopes, the float32 plan, and kernels that widen, apply
 * the float32 op and round once, so y = narrow(leaky_prelu_f32(widen(x))). */
leaky_status leaky_prelu_f16(const uint16_t *x, uint16_t *y, size_t outer, size_t channels,
                             size_t inner, const float *slopes, size_t num_slopes)
{
    const struct half_kernels f16 = {LEAKY_SLOT(half_run_slot, f16_vlrelu),
                                     LEAKY_SLOT(half_row_slot, f16_vprelu)};
    return forward("leaky_prelu_f16", x, y, sizeof *x, &f16, outer, channels, inner, slopes,
                   num_slopes, NULL);
}

leaky_status leaky_prelu_bf16(const uint16_t *x, uint16_t *y, size_t outer, size_t channels,
                              size_t inner, const float *slopes, size_t num_slopes)
{
    const struct half_kernels bf16 = {LEAKY_SLOT(half_run_slot, bf16_vlrelu),
                                      LEAKY_SLOT(half_row_slot, bf16_vprelu)};
    return forward("leaky_prelu_bf16", x, y, sizeof *x, &bf16, outer, channels, inner, slopes,
                   num_slopes, NULL);
}
#endif

/* ----------------------------------------------------------------- backward */

struct backward_job {
    const struct plan *p;
    const struct leaky_kernels *k;
    const T *x, *dy;
    T *dx;
    double *sums;  /* runs: one per channel or row of a block; rows: period per block */
    double *bsums; /* the bias's, as sums (NULL: no bias) */
    bool stream;
    bool slope_sums; /* with a bias, whether the slope's are wanted */
};

static void run_block(const struct backward_job *job, size_t unit)
{
    const struct plan *p = job->p;
    const size_t at_sums = unit * p->sums_per_block;
    const size_t first_row = unit / p->pieces_per_row * p->rows_per_block;
    const size_t rows = min_size(first_row + p->rows_per_block, p->rows) - first_row;
    const size_t piece = unit % p->pieces_per_row * BLOCK;
    const size_t len = p->pieces_per_row == 1 ? p->width : min_size(p->width - piece, BLOCK);
    const size_t at = first_row * p->width + piece;
    double row_sums[RUN_ROWS_MAX], row_bsums[RUN_ROWS_MAX];
    size_t c = first_row % p->channels;
    job->k->TNAME(vprelu_backward_runs)(rows, len, job->x + at, job->dy + at, job->dx + at,
                                        p->slopes, p->bias, p->channels, c, job->stream,
                                        job->slope_sums ? row_sums : NULL, row_bsums);
    for (size_t r = 0; r < rows; r++, c = c + 1 == p->channels ? 0 : c + 1) {
        const size_t s = at_sums + (p->sums_per_block == p->channels ? c : r);
        if (p->slopes && job->slope_sums)
            job->sums[s] += row_sums[r];
        if (p->bias)
            job->bsums[s] += row_bsums[r];
    }
}

static void row_block(const struct backward_job *job, size_t unit)
{
    const struct plan *p = job->p;
    const size_t at_sums = unit * p->sums_per_block;
    const size_t begin = unit * p->rows_per_block * p->width;
    const size_t end = min_size(p->n, begin + p->rows_per_block * p->width);
    job->k->TNAME(vprelu_backward)(end - begin, p->period, job->x + begin, job->dy + begin,
                                   p->slopes, p->bias, job->dx + begin, job->stream,
                                   job->slope_sums ? job->sums + at_sums : NULL,
                                   job->bsums ? job->bsums + at_sums : NULL);
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

/* The totals of the blocks' sums, block by block, then sum by sum: the channel of sum s of
 * block b. */
static void add_blocks(const struct plan *p, const double *sums, double *total)
{
    for (size_t b = 0; b < p->blocks; b++) {
        const double *block = sums + b * p->sums_per_block;
        if (!p->runs) { /* a sum per position of the period: channel-major */
            /* Position by position, each channel's sums in order; channels in the
             * inner loop: independent additions, not one chain of latencies. */
            for (size_t i = 0; i < p->inner; i++)
                for (size_t c = 0; c < p->channels; c++)
                    total[c] += block[c * p->inner + i];
        } else if (p->sums_per_block == p->channels) {
            for (size_t c = 0; c < p->channels; c++)
                total[c] += block[c];
        } else { /* one sum per row (or piece) of the block */
            const size_t first = b / p->pieces_per_row * p->rows_per_block;
            for (size_t s = 0; s < p->sums_per_block; s++)
                total[(first + s) % p->channels] += block[s];
        }
    }
}

/* The gradients' checks: dslopes (num_slopes) and dbias (channels), where not NULL, apart
 * from the slopes, the bias and each other; with n elements, from x, dy and dx too. */
static leaky_status check_gradients(const char *fn, const T *x, const T *dy, const T *dx, size_t n,
                                    const T *slopes, T *dslopes, size_t num_slopes, const T *bias,
                                    T *dbias, size_t channels)
{
    const size_t bytes = n * sizeof(T), slope_bytes = num_slopes * sizeof(T);
    const size_t bias_bytes = channels * sizeof(T);
    const struct leaky_operand others[] = {LEAKY_OPERAND(x), LEAKY_OPERAND(dy), LEAKY_OPERAND(dx)};
    if (dslopes) {
        LEAKY_TRY(leaky_check_disjoint(fn, LEAKY_OPERAND(dslopes), slope_bytes,
                                       LEAKY_OPERAND(slopes), slope_bytes));
        for (int i = 0; i < 3 && n > 0; i++)
            LEAKY_TRY(
                leaky_check_disjoint(fn, LEAKY_OPERAND(dslopes), slope_bytes, others[i], bytes));
    }
    if (dbias) {
        LEAKY_TRY(leaky_check_disjoint(fn, LEAKY_OPERAND(dbias), bias_bytes, LEAKY_OPERAND(bias),
                                       bias_bytes));
        LEAKY_TRY(leaky_check_disjoint(fn, LEAKY_OPERAND(dbias), bias_bytes, LEAKY_OPERAND(dslopes),
                                       dslopes ? slope_bytes : 0));
        for (int i = 0; i < 3 && n > 0; i++)
            LEAKY_TRY(leaky_check_disjoint(fn, LEAKY_OPERAND(dbias), bias_bytes, others[i], bytes));
    }
    return LEAKY_OK;
}

/* The backward; with a bias, bias + activation's (slopes NULL: ReLU), dbias its gradient. */
static leaky_status backward(const char *fn, const T *x, const T *dy, T *dx, T *dslopes,
                             size_t outer, size_t channels, size_t inner, const T *slopes,
                             size_t num_slopes, const T *bias, T *dbias)
{
    size_t n = 0;
    LEAKY_TRY(count(fn, outer, channels, inner, &n));
    if (slopes || !bias)
        LEAKY_TRY(check_slopes(fn, n, channels, slopes, num_slopes));
    if (!slopes && bias) /* bias + ReLU: no slopes, so no slope gradient */
        dslopes = NULL, num_slopes = 0;
    LEAKY_TRY(
        check_gradients(fn, x, dy, dx, 0, slopes, dslopes, num_slopes, bias, dbias, channels));
    if (n == 0) {
        for (size_t s = 0; dslopes && s < num_slopes; s++)
            store_unaligned(dslopes + s, 0);
        for (size_t c = 0; dbias && c < channels; c++)
            store_unaligned(dbias + c, 0);
        return LEAKY_OK;
    }
    const size_t bytes = n * sizeof(T), slope_bytes = num_slopes * sizeof(T);
    LEAKY_TRY(leaky_check_binary(fn, LEAKY_OPERAND(x), LEAKY_OPERAND(dy), LEAKY_OPERAND(dx),
                                 sizeof(T), n));
    if (slopes)
        LEAKY_TRY(
            leaky_check_disjoint(fn, LEAKY_OPERAND(slopes), slope_bytes, LEAKY_OPERAND(dx), bytes));
    LEAKY_TRY(
        check_gradients(fn, x, dy, dx, n, slopes, dslopes, num_slopes, bias, dbias, channels));
    T per_channel[PER_CHANNEL_ON_STACK], *mem = NULL;
    const T *channel_slopes = slopes;
    if (bias) {
        LEAKY_TRY(check_bias(fn, bias, channels, dx, n));
        LEAKY_TRY(per_channel_slopes(fn, channels, &channel_slopes, num_slopes, per_channel, &mem));
    }
    const struct leaky_kernels *k = NULL;
    struct plan p;
    T on_stack[ROW_ON_STACK], *row = NULL;
    leaky_status status = leaky_active_kernels(&k);
    if (status == LEAKY_OK)
        status = make_plan(fn, &p, true, false, n, channels, inner, channel_slopes,
                           bias ? channels : num_slopes, bias, on_stack, &row);
    if (status != LEAKY_OK) {
        free(mem);
        return status;
    }
    /* The blocks' sums (the slope's, then the bias's), then the totals: allocated before
     * anything is written. */
    const size_t nsums = p.blocks * p.sums_per_block;
    const size_t count_all = (bias ? 2 : 1) * nsums + (bias ? 2 * channels : num_slopes);
    double *sums = calloc(count_all, sizeof *sums);
    if (!sums) {
        free(row);
        free(mem);
        return leaky_fail(LEAKY_ENOMEM,
                          "%s: cannot allocate %zu bytes for the gradient's "
                          "partial sums",
                          fn, count_all * sizeof *sums);
    }
    double *bsums = bias ? sums + nsums : NULL, *total = sums + (bias ? 2 : 1) * nsums;
    struct backward_job job = {&p,
                               k,
                               x,
                               dy,
                               dx,
                               sums,
                               bsums,
                               leaky_stream(dx, dy, 3 * n * sizeof(T), sizeof(T)),
                               !bias || dslopes};
    leaky_parallel_for(p.blocks, leaky_grain(sizeof(T)) / (n / p.blocks + 1) + 1, backward_range,
                       &job);
    if (dslopes) {
        add_blocks(&p, sums, total);
        /* One slope of several channels (bias + PReLU): their totals in channel order. */
        for (size_t c = 1; bias && num_slopes == 1 && c < channels; c++)
            total[0] += total[c];
        /* A NaN's sign and payload come from whichever NaN term an addition met first,
         * and that order differs between paths and with dx's alignment: a NaN gradient
         * is the one quiet NaN, sign clear, so every path gives the same bits (dbias's
         * too). */
        for (size_t s = 0; s < num_slopes; s++)
            store_unaligned(dslopes + s, isnan(total[s]) ? (T)NAN : (T)total[s]);
    }
    if (dbias) {
        double *btotal = total + (bias ? channels : 0);
        add_blocks(&p, bsums, btotal);
        for (size_t c = 0; c < channels; c++)
            store_unaligned(dbias + c, isnan(btotal[c]) ? (T)NAN : (T)btotal[c]);
    }
    free(sums);
    free(row);
    free(mem);
    return LEAKY_OK;
}

leaky_status TAPI(prelu_backward)(const T *x, const T *dy, T *dx, T *dslopes, size_t outer,
                                  size_t channels, size_t inner, const T *slopes, size_t num_slopes)
{
    return backward("leaky_prelu_backward_" TSTR, x, dy, dx, dslopes, outer, channels, inner,
                    slopes, num_slopes, NULL, NULL);
}

leaky_status LEAKY_PASTE3(leaky_, LEAKY_T, _act_forward)(const char *fn, const T *x, T *y,
                                                         size_t outer, size_t channels,
                                                         size_t inner, const T *slopes,
                                                         size_t num_slopes, const T *bias)
{
    static const T no_channels[1];
    LEAKY_TRY(leaky_check_array(fn, LEAKY_OPERAND(bias), channels));
    if (!bias) /* no channels: bias + activation all the same */
        bias = no_channels;
    return forward(fn, x, y, sizeof(T), NULL, outer, channels, inner, slopes, num_slopes, bias);
}

leaky_status LEAKY_PASTE3(leaky_, LEAKY_T,
                          _act_backward)(const char *fn, const T *x, const T *dy, T *dx, T *dslopes,
                                         T *dbias, size_t outer, size_t channels, size_t inner,
                                         const T *slopes, size_t num_slopes, const T *bias)
{
    static const T no_channels[1];
    LEAKY_TRY(leaky_check_array(fn, LEAKY_OPERAND(bias), channels));
    if (!bias)
        bias = no_channels;
    return backward(fn, x, dy, dx, dslopes, outer, channels, inner, slopes, num_slopes, bias,
                    dbias);
}
