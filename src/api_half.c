/* SPDX-License-Identifier: MIT */
/* The float16 and bfloat16 entry points: argument checks, then one dispatched kernel,
 * split by leaky_parallel_for like the float32 ones. */
#include <stddef.h>

#include "internal/check.h"
#include "internal/kernels.h"
#include "internal/parallel.h"

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

static leaky_status run_unary(const char *fn, size_t offset, struct leaky_operand x,
                              struct leaky_operand y, size_t n, float slope)
{
    LEAKY_TRY(leaky_check_slope(fn, slope));
    if (n == 0)
        return LEAKY_OK;
    LEAKY_TRY(leaky_check_unary(fn, x, sizeof(uint16_t), y, sizeof(uint16_t), n));
    struct job job = {NULL, offset, x.p, NULL, (uint16_t *)y.p, {.slope = slope}};
    LEAKY_TRY(leaky_active_kernels(&job.k));
    leaky_parallel_for(n, GRAIN, unary_range, &job);
    return LEAKY_OK;
}

/* x routes the gradient g into out; out may be g itself but must not touch x. */
static leaky_status run_binary(const char *fn, size_t offset, struct leaky_operand x,
                               struct leaky_operand g, struct leaky_operand out, size_t n,
                               float slope)
{
    LEAKY_TRY(leaky_check_slope(fn, slope));
    if (n == 0)
        return LEAKY_OK;
    LEAKY_TRY(leaky_check_binary(fn, x, g, out, sizeof(uint16_t), n));
    struct job job = {NULL, offset, x.p, g.p, (uint16_t *)out.p, {.slope = slope}};
    LEAKY_TRY(leaky_active_kernels(&job.k));
    leaky_parallel_for(n, GRAIN, binary_range, &job);
    return LEAKY_OK;
}

#define OFFSET(name) offsetof(struct leaky_kernels, name)

/* The three functions of one storage type t (f16 or bf16), each one checked path. */
#define HALF_API(t)                                                                         \
    leaky_status leaky_relu_##t(const uint16_t *x, uint16_t *y, size_t n,                   \
                                float negative_slope)                                       \
    {                                                                                       \
        return run_unary("leaky_relu_" #t, OFFSET(t##_vlrelu), LEAKY_OPERAND(x),            \
                         LEAKY_OPERAND(y), n, negative_slope);                              \
    }                                                                                       \
    leaky_status leaky_relu_backward_##t(const uint16_t *x, const uint16_t *dy,            \
                                         uint16_t *dx, size_t n, float negative_slope)     \
    {                                                                                       \
        return run_binary("leaky_relu_backward_" #t, OFFSET(t##_vlrelu_backward),           \
                          LEAKY_OPERAND(x), LEAKY_OPERAND(dy), LEAKY_OPERAND(dx), n,        \
                          negative_slope);                                                  \
    }                                                                                       \
    leaky_status leaky_relu_derivative_##t(const uint16_t *x, uint16_t *d, size_t n,        \
                                           float negative_slope)                            \
    {                                                                                       \
        return run_unary("leaky_relu_derivative_" #t, OFFSET(t##_vlrelu_derivative),       \
                         LEAKY_OPERAND(x), LEAKY_OPERAND(d), n, negative_slope);            \
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

static leaky_status run_convert(const char *fn, size_t offset, bool widen,
                                struct leaky_operand x, struct leaky_operand y, size_t n)
{
    if (n == 0)
        return LEAKY_OK;
    const size_t x_size = widen ? sizeof(uint16_t) : sizeof(float),
                 y_size = widen ? sizeof(float) : sizeof(uint16_t);
    LEAKY_TRY(leaky_check_unary(fn, x, x_size, y, y_size, n));
    const struct leaky_kernels *k = NULL;
    LEAKY_TRY(leaky_active_kernels(&k));
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
    return run_convert("leaky_widen_array_f16", OFFSET(f16_widen), true, LEAKY_OPERAND(x),
                       LEAKY_OPERAND(y), n);
}

leaky_status leaky_narrow_array_f16(const float *x, uint16_t *y, size_t n)
{
    return run_convert("leaky_narrow_array_f16", OFFSET(f16_narrow), false, LEAKY_OPERAND(x),
                       LEAKY_OPERAND(y), n);
}

leaky_status leaky_widen_array_bf16(const uint16_t *x, float *y, size_t n)
{
    return run_convert("leaky_widen_array_bf16", OFFSET(bf16_widen), true, LEAKY_OPERAND(x),
                       LEAKY_OPERAND(y), n);
}

leaky_status leaky_narrow_array_bf16(const float *x, uint16_t *y, size_t n)
{
    return run_convert("leaky_narrow_array_bf16", OFFSET(bf16_narrow), false,
                       LEAKY_OPERAND(x), LEAKY_OPERAND(y), n);
}
