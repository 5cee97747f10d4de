/* SPDX-License-Identifier: MIT */
/* The checked, run path of an elementwise entry point, written once for every element type:
 * run_unary (y = op(x)) and run_binary (out = op(x, g), a gradient), each checking its
 * arrays, fetching its kernel from the table, and running it (internal/run.h): a small call
 * straight through the kernel, a large one split and, out of place, streamed.
 * The including source defines, before including it:
 *   ELEM_T          the element type of the arrays (T; uint16_t for float16 and bfloat16)
 *   ELEM_PARAMS     the kernels' parameter struct ({slope, nontemporal})
 *   ELEM_UNARY_FN   the kernel types, as declared in internal/kernels.h
 *   ELEM_BINARY_FN
 * and gets unary_slot and binary_slot for naming kernels (LEAKY_SLOT). The slope is the
 * caller's to check: some entry points have none, some check more. */
#include <stddef.h>

#include "internal/check.h"
#include "internal/kernels.h"
#include "internal/run.h"

typedef LEAKY_SLOT_TYPE(ELEM_UNARY_FN) unary_slot;
typedef LEAKY_SLOT_TYPE(ELEM_BINARY_FN) binary_slot;

/* A large call, for the split's ranges: its kernel, arrays and the kernel's parameters. */
struct unary_job {
    ELEM_UNARY_FN *kernel;
    const ELEM_T *x;
    ELEM_T *y;
    ELEM_PARAMS params;
};
struct binary_job {
    ELEM_BINARY_FN *kernel;
    const ELEM_T *x, *g;
    ELEM_T *out;
    ELEM_PARAMS params;
};

static void unary_range(void *ctx, size_t begin, size_t end)
{
    const struct unary_job *job = ctx;
    job->kernel(end - begin, job->x + begin, job->y + begin, &job->params);
}

static void binary_range(void *ctx, size_t begin, size_t end)
{
    const struct binary_job *job = ctx;
    job->kernel(end - begin, job->x + begin, job->g + begin, job->out + begin, &job->params);
}

/* The slope's type: the parameters' (double for float64, float otherwise). */
typedef __typeof__(((ELEM_PARAMS *)0)->slope) elem_slope;

static leaky_status run_unary(const char *fn, unary_slot kernel, struct leaky_operand in,
                              struct leaky_operand out, size_t n, elem_slope slope)
{
    if (n == 0)
        return LEAKY_OK;
    LEAKY_TRY(leaky_check_unary(fn, in, sizeof(ELEM_T), out, sizeof(ELEM_T), n));
    const struct leaky_kernels *k = NULL;
    LEAKY_TRY(leaky_active_kernels(&k));
    ELEM_UNARY_FN *f = LEAKY_KERNEL_AT(k, kernel);
    if (leaky_small_call(n, sizeof(ELEM_T))) {
        const ELEM_PARAMS params = {.slope = slope};
        f(n, in.p, (ELEM_T *)out.p, &params);
        return LEAKY_OK;
    }
    const size_t touched = 2 * n * sizeof(ELEM_T);
    struct unary_job job = {
        f, in.p, (ELEM_T *)out.p, {slope, leaky_stream(out.p, in.p, touched, sizeof(ELEM_T))}};
    leaky_run_split(n, sizeof(ELEM_T), out.p, unary_range, &job);
    return LEAKY_OK;
}

/* x routes the gradient g into out; out may be g itself but must not touch x. */
static leaky_status run_binary(const char *fn, binary_slot kernel, struct leaky_operand x,
                               struct leaky_operand g, struct leaky_operand out, size_t n,
                               elem_slope slope)
{
    if (n == 0)
        return LEAKY_OK;
    LEAKY_TRY(leaky_check_binary(fn, x, g, out, sizeof(ELEM_T), n));
    const struct leaky_kernels *k = NULL;
    LEAKY_TRY(leaky_active_kernels(&k));
    ELEM_BINARY_FN *f = LEAKY_KERNEL_AT(k, kernel);
    if (leaky_small_call(n, sizeof(ELEM_T))) {
        const ELEM_PARAMS params = {.slope = slope};
        f(n, x.p, g.p, (ELEM_T *)out.p, &params);
        return LEAKY_OK;
    }
    const size_t touched = 3 * n * sizeof(ELEM_T);
    struct binary_job job = {
        f, x.p, g.p, (ELEM_T *)out.p, {slope, leaky_stream(out.p, g.p, touched, sizeof(ELEM_T))}};
    leaky_run_split(n, sizeof(ELEM_T), out.p, binary_range, &job);
    return LEAKY_OK;
}
