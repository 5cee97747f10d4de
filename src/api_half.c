/* SPDX-License-Identifier: MIT */
/* The float16 and bfloat16 entry points: argument checks, then one dispatched kernel,
 * split by leaky_parallel_for like the float32 ones. */
#include <stddef.h>

#include "internal/check.h"
#include "internal/kernels.h"
#include "internal/parallel.h"

#define TRY(expr)                              \
    do {                                       \
        const leaky_status status_ = (expr);   \
        if (status_ != LEAKY_OK)               \
            return status_;                    \
    } while (0)

/* Kernels are named by their offset in the table so one checked path serves them all. */
#define KERNEL_AT(table, type, offset) (*(type *const *)((const char *)(table) + (offset)))

/* As the float32 kernels (parallel.c): below this a second thread costs more than it saves. */
enum { GRAIN = 1 << 16 };

struct job {
    const struct leaky_kernels *k;
    size_t offset;
    const uint16_t *x, *g;
    uint16_t *out;
    struct leaky_f32_params params;
};

static void unary_range(void *ctx, size_t begin, size_t end)
{
    const struct job *j = ctx;
    KERNEL_AT(j->k, leaky_unary_u16_fn, j->offset)(end - begin, j->x + begin, j->out + begin,
                                                   &j->params);
}

static void binary_range(void *ctx, size_t begin, size_t end)
{
    const struct job *j = ctx;
    KERNEL_AT(j->k, leaky_binary_u16_fn, j->offset)(end - begin, j->x + begin, j->g + begin,
                                                    j->out + begin, &j->params);
}

struct operand {
    const char *name;
    const void *p;
};
#define OPERAND(p) ((struct operand){#p, (p)})

static leaky_status run_unary(const char *fn, size_t offset, struct operand x, struct operand y,
                              size_t n, float slope)
{
    TRY(leaky_check_slope(fn, slope));
    if (n == 0)
        return LEAKY_OK;
    TRY(leaky_check_array(fn, x.name, x.p, n));
    TRY(leaky_check_array(fn, y.name, y.p, n));
    TRY(leaky_check_no_overlap(fn, x.name, x.p, y.name, y.p, n * sizeof(uint16_t)));
    struct job job = {NULL, offset, x.p, NULL, (uint16_t *)y.p, {.slope = slope}};
    TRY(leaky_active_kernels(&job.k));
    leaky_parallel_for(n, GRAIN, unary_range, &job);
    return LEAKY_OK;
}

/* x routes the gradient g into out; out may be g itself but must not touch x. */
static leaky_status run_binary(const char *fn, size_t offset, struct operand x, struct operand g,
                               struct operand out, size_t n, float slope)
{
    TRY(leaky_check_slope(fn, slope));
    if (n == 0)
        return LEAKY_OK;
    TRY(leaky_check_array(fn, x.name, x.p, n));
    TRY(leaky_check_array(fn, g.name, g.p, n));
    TRY(leaky_check_array(fn, out.name, out.p, n));
    const size_t bytes = n * sizeof(uint16_t);
    if (out.p == x.p)
        return leaky_fail(LEAKY_EINVAL, "%s: %s is the same array as %s; only %s may be "
                          "overwritten", fn, out.name, x.name, g.name);
    TRY(leaky_check_no_overlap(fn, x.name, x.p, out.name, out.p, bytes));
    TRY(leaky_check_no_overlap(fn, g.name, g.p, out.name, out.p, bytes));
    struct job job = {NULL, offset, x.p, g.p, (uint16_t *)out.p, {.slope = slope}};
    TRY(leaky_active_kernels(&job.k));
    leaky_parallel_for(n, GRAIN, binary_range, &job);
    return LEAKY_OK;
}

#define OFFSET(name) offsetof(struct leaky_kernels, name)

/* The three functions of one storage type t (f16 or bf16), each one checked path. */
#define HALF_API(t)                                                                         \
    leaky_status leaky_relu_##t(const uint16_t *x, uint16_t *y, size_t n,                   \
                                float negative_slope)                                       \
    {                                                                                       \
        return run_unary("leaky_relu_" #t, OFFSET(t##_vlrelu), OPERAND(x), OPERAND(y), n,   \
                         negative_slope);                                                   \
    }                                                                                       \
    leaky_status leaky_relu_backward_##t(const uint16_t *x, const uint16_t *dy,            \
                                         uint16_t *dx, size_t n, float negative_slope)     \
    {                                                                                       \
        return run_binary("leaky_relu_backward_" #t, OFFSET(t##_vlrelu_backward),           \
                          OPERAND(x), OPERAND(dy), OPERAND(dx), n, negative_slope);         \
    }                                                                                       \
    leaky_status leaky_relu_derivative_##t(const uint16_t *x, uint16_t *d, size_t n,        \
                                           float negative_slope)                            \
    {                                                                                       \
        return run_unary("leaky_relu_derivative_" #t, OFFSET(t##_vlrelu_derivative),       \
                         OPERAND(x), OPERAND(d), n, negative_slope);                        \
    }

HALF_API(f16)
HALF_API(bf16)

/* ------------------------------------------------------------ conversions */

struct convert_job {
    leaky_widen_u16_fn *widen;
    leaky_narrow_u16_fn *narrow;
    const void *in;
    void *out;
};

static void convert_range(void *ctx, size_t begin, size_t end)
{
    const struct convert_job *j = ctx;
    if (j->widen)
        j->widen(end - begin, (const uint16_t *)j->in + begin, (float *)j->out + begin);
    else
        j->narrow(end - begin, (const float *)j->in + begin, (uint16_t *)j->out + begin);
}

/* The arrays differ in element size, so they may not share a byte (not even start). */
static leaky_status run_convert(const char *fn, size_t offset, bool widen, struct operand x,
                                struct operand y, size_t n)
{
    if (n == 0)
        return LEAKY_OK;
    TRY(leaky_check_array(fn, x.name, x.p, n));
    TRY(leaky_check_array(fn, y.name, y.p, n));
    const uintptr_t a = (uintptr_t)x.p, b = (uintptr_t)y.p;
    const size_t a_bytes = n * (widen ? sizeof(uint16_t) : sizeof(float)),
                 b_bytes = n * (widen ? sizeof(float) : sizeof(uint16_t));
    if (a < b + b_bytes && b < a + a_bytes)
        return leaky_fail(LEAKY_EINVAL, "%s: %s and %s overlap; expected separate arrays (their "
                          "elements differ in size)", fn, x.name, y.name);
    const struct leaky_kernels *k = NULL;
    TRY(leaky_active_kernels(&k));
    struct convert_job job = {NULL, NULL, x.p, (void *)y.p};
    if (widen)
        job.widen = KERNEL_AT(k, leaky_widen_u16_fn, offset);
    else
        job.narrow = KERNEL_AT(k, leaky_narrow_u16_fn, offset);
    leaky_parallel_for(n, GRAIN, convert_range, &job);
    return LEAKY_OK;
}

leaky_status leaky_widen_array_f16(const uint16_t *x, float *y, size_t n)
{
    return run_convert("leaky_widen_array_f16", OFFSET(f16_widen), true, OPERAND(x), OPERAND(y), n);
}

leaky_status leaky_narrow_array_f16(const float *x, uint16_t *y, size_t n)
{
    return run_convert("leaky_narrow_array_f16", OFFSET(f16_narrow), false, OPERAND(x),
                       OPERAND(y), n);
}

leaky_status leaky_widen_array_bf16(const uint16_t *x, float *y, size_t n)
{
    return run_convert("leaky_widen_array_bf16", OFFSET(bf16_widen), true, OPERAND(x),
                       OPERAND(y), n);
}

leaky_status leaky_narrow_array_bf16(const float *x, uint16_t *y, size_t n)
{
    return run_convert("leaky_narrow_array_bf16", OFFSET(bf16_narrow), false, OPERAND(x),
                       OPERAND(y), n);
}
