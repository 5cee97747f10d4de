/* SPDX-License-Identifier: MIT */
/* The float16 and bfloat16 entry points, and the conversions: argument checks, then one
 * dispatched kernel, through the same path as the float32 ones (internal/elementwise.h). */
#include <stddef.h>

#include "internal/check.h"
#include "internal/kernels.h"
#include "internal/run.h"

#define ELEM_T uint16_t
#define ELEM_PARAMS struct leaky_f32_params
#define ELEM_UNARY_FN leaky_unary_u16_fn
#define ELEM_BINARY_FN leaky_binary_u16_fn
#include "internal/elementwise.h"

typedef LEAKY_SLOT_TYPE(leaky_widen_u16_fn) widen_slot;
typedef LEAKY_SLOT_TYPE(leaky_narrow_u16_fn) narrow_slot;

#define UNARY(name) LEAKY_SLOT(unary_slot, name)
#define BINARY(name) LEAKY_SLOT(binary_slot, name)

/* The three functions of one storage type t (f16 or bf16), each one checked path. */
#define HALF_API(t)                                                                               \
    leaky_status leaky_relu_##t(const uint16_t *x, uint16_t *y, size_t n, float negative_slope)   \
    {                                                                                             \
        static const char fn[] = "leaky_relu_" #t;                                                \
        LEAKY_TRY(leaky_check_slope(fn, negative_slope));                                         \
        return run_unary(fn, UNARY(t##_vlrelu), LEAKY_OPERAND(x), LEAKY_OPERAND(y), n,            \
                         negative_slope);                                                         \
    }                                                                                             \
    leaky_status leaky_relu_backward_##t(const uint16_t *x, const uint16_t *dy, uint16_t *dx,     \
                                         size_t n, float negative_slope)                          \
    {                                                                                             \
        static const char fn[] = "leaky_relu_backward_" #t;                                       \
        LEAKY_TRY(leaky_check_slope(fn, negative_slope));                                         \
        return run_binary(fn, BINARY(t##_vlrelu_backward), LEAKY_OPERAND(x), LEAKY_OPERAND(dy),   \
                          LEAKY_OPERAND(dx), n, negative_slope);                                  \
    }                                                                                             \
    leaky_status leaky_relu_derivative_##t(const uint16_t *x, uint16_t *d, size_t n,              \
                                           float negative_slope)                                  \
    {                                                                                             \
        static const char fn[] = "leaky_relu_derivative_" #t;                                     \
        LEAKY_TRY(leaky_check_slope(fn, negative_slope));                                         \
        return run_unary(fn, UNARY(t##_vlrelu_derivative), LEAKY_OPERAND(x), LEAKY_OPERAND(d), n, \
                         negative_slope);                                                         \
    }

HALF_API(f16)
HALF_API(bf16)

/* ------------------------------------------------------------ conversions */

struct widen_job {
    leaky_widen_u16_fn *kernel;
    const uint16_t *x;
    float *y;
};
struct narrow_job {
    leaky_narrow_u16_fn *kernel;
    const float *x;
    uint16_t *y;
};

static void widen_range(void *ctx, size_t begin, size_t end)
{
    const struct widen_job *j = ctx;
    j->kernel(end - begin, j->x + begin, j->y + begin);
}

static void narrow_range(void *ctx, size_t begin, size_t end)
{
    const struct narrow_job *j = ctx;
    j->kernel(end - begin, j->x + begin, j->y + begin);
}

/* float16 or bfloat16 bits x into float32 y. */
static leaky_status run_widen(const char *fn, widen_slot kernel, struct leaky_operand x,
                              struct leaky_operand y, size_t n)
{
    if (n == 0)
        return LEAKY_OK;
    LEAKY_TRY(leaky_check_unary(fn, x, sizeof(uint16_t), y, sizeof(float), n));
    const struct leaky_kernels *k = NULL;
    LEAKY_TRY(leaky_active_kernels(&k));
    leaky_widen_u16_fn *f = LEAKY_KERNEL_AT(k, kernel);
    if (leaky_small_call(n, sizeof(float))) {
        f(n, x.p, (float *)y.p);
        return LEAKY_OK;
    }
    struct widen_job job = {f, x.p, (float *)y.p};
    leaky_run_split(n, sizeof(float), y.p, widen_range, &job);
    return LEAKY_OK;
}

/* float32 x into float16 or bfloat16 bits y. */
static leaky_status run_narrow(const char *fn, narrow_slot kernel, struct leaky_operand x,
                               struct leaky_operand y, size_t n)
{
    if (n == 0)
        return LEAKY_OK;
    LEAKY_TRY(leaky_check_unary(fn, x, sizeof(float), y, sizeof(uint16_t), n));
    const struct leaky_kernels *k = NULL;
    LEAKY_TRY(leaky_active_kernels(&k));
    leaky_narrow_u16_fn *f = LEAKY_KERNEL_AT(k, kernel);
    if (leaky_small_call(n, sizeof(uint16_t))) {
        f(n, x.p, (uint16_t *)y.p);
        return LEAKY_OK;
    }
    struct narrow_job job = {f, x.p, (uint16_t *)y.p};
    leaky_run_split(n, sizeof(uint16_t), y.p, narrow_range, &job);
    return LEAKY_OK;
}

leaky_status leaky_widen_array_f16(const uint16_t *x, float *y, size_t n)
{
    return run_widen("leaky_widen_array_f16", LEAKY_SLOT(widen_slot, f16_widen), LEAKY_OPERAND(x),
                     LEAKY_OPERAND(y), n);
}

leaky_status leaky_narrow_array_f16(const float *x, uint16_t *y, size_t n)
{
    return run_narrow("leaky_narrow_array_f16", LEAKY_SLOT(narrow_slot, f16_narrow),
                      LEAKY_OPERAND(x), LEAKY_OPERAND(y), n);
}

leaky_status leaky_widen_array_bf16(const uint16_t *x, float *y, size_t n)
{
    return run_widen("leaky_widen_array_bf16", LEAKY_SLOT(widen_slot, bf16_widen), LEAKY_OPERAND(x),
                     LEAKY_OPERAND(y), n);
}

leaky_status leaky_narrow_array_bf16(const float *x, uint16_t *y, size_t n)
{
    return run_narrow("leaky_narrow_array_bf16", LEAKY_SLOT(narrow_slot, bf16_narrow),
                      LEAKY_OPERAND(x), LEAKY_OPERAND(y), n);
}
