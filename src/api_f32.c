/* SPDX-License-Identifier: MIT */
/* The float32 entry points: argument checks, then one dispatched kernel. */
#include <stddef.h>

#include "internal.h"

#define TRY(expr)                              \
    do {                                       \
        const leaky_status status_ = (expr);   \
        if (status_ != LEAKY_OK)               \
            return status_;                    \
    } while (0)

/* Kernels are named by their offset in the table so one checked path serves them all. */
#define KERNEL_AT(table, type, offset) (*(type *const *)((const char *)(table) + (offset)))

struct operand {
    const char *name;
    const void *p;
};

static leaky_status run_unary(const char *fn, size_t kernel_offset, struct operand in,
                              struct operand out, size_t n, float slope)
{
    if (n == 0)
        return LEAKY_OK;
    TRY(leaky_check_array(fn, in.name, in.p, n));
    TRY(leaky_check_array(fn, out.name, out.p, n));
    TRY(leaky_check_no_overlap(fn, in.name, in.p, out.name, out.p, n * sizeof(float)));
    const struct leaky_kernels *k = NULL;
    TRY(leaky_active_kernels(&k));
    const struct leaky_f32_params params = {.slope = slope};
    leaky_run_unary_f32(KERNEL_AT(k, leaky_unary_f32_fn, kernel_offset), n, in.p,
                        (float *)out.p, &params);
    return LEAKY_OK;
}

/* x routes the gradient g into out; out may be g itself but must not touch x. */
static leaky_status run_binary(const char *fn, size_t kernel_offset, struct operand x,
                               struct operand g, struct operand out, size_t n, float slope)
{
    if (n == 0)
        return LEAKY_OK;
    TRY(leaky_check_array(fn, x.name, x.p, n));
    TRY(leaky_check_array(fn, g.name, g.p, n));
    TRY(leaky_check_array(fn, out.name, out.p, n));
    const size_t bytes = n * sizeof(float);
    if (out.p == x.p)
        return leaky_fail(LEAKY_EINVAL, "%s: %s is the same array as %s; only %s may be "
                          "overwritten", fn, out.name, x.name, g.name);
    TRY(leaky_check_no_overlap(fn, x.name, x.p, out.name, out.p, bytes));
    TRY(leaky_check_no_overlap(fn, g.name, g.p, out.name, out.p, bytes));
    const struct leaky_kernels *k = NULL;
    TRY(leaky_active_kernels(&k));
    const struct leaky_f32_params params = {.slope = slope};
    leaky_run_binary_f32(KERNEL_AT(k, leaky_binary_f32_fn, kernel_offset), n, x.p, g.p,
                         (float *)out.p, &params);
    return LEAKY_OK;
}

#define OPERAND(p) ((struct operand){#p, (p)})

leaky_status leaky_relu_f32(const float *x, float *y, size_t n, float negative_slope)
{
    static const char fn[] = "leaky_relu_f32";
    TRY(leaky_check_slope(fn, negative_slope));
    return run_unary(fn, offsetof(struct leaky_kernels, f32_vlrelu), OPERAND(x), OPERAND(y), n,
                     negative_slope);
}

leaky_status leaky_relu_backward_f32(const float *x, const float *dy, float *dx, size_t n,
                                     float negative_slope)
{
    static const char fn[] = "leaky_relu_backward_f32";
    TRY(leaky_check_slope(fn, negative_slope));
    return run_binary(fn, offsetof(struct leaky_kernels, f32_vlrelu_backward), OPERAND(x),
                      OPERAND(dy), OPERAND(dx), n, negative_slope);
}

leaky_status leaky_relu_backward_from_output_f32(const float *y, const float *dy, float *dx,
                                                 size_t n, float negative_slope)
{
    static const char fn[] = "leaky_relu_backward_from_output_f32";
    TRY(leaky_check_slope(fn, negative_slope));
    if (negative_slope < 0.0f)
        return leaky_fail(LEAKY_EINVAL, "%s: negative_slope is %g; the gradient can be taken "
                          "from the output only for a slope >= 0, since with a negative slope "
                          "the sign of y no longer tells the sign of x (use "
                          "leaky_relu_backward_f32 with the input)", fn, (double)negative_slope);
    /* For a >= 0, y > 0 exactly when x > 0, so the input's kernel serves unchanged. */
    return run_binary(fn, offsetof(struct leaky_kernels, f32_vlrelu_backward), OPERAND(y),
                      OPERAND(dy), OPERAND(dx), n, negative_slope);
}

leaky_status leaky_relu_derivative_f32(const float *x, float *d, size_t n, float negative_slope)
{
    static const char fn[] = "leaky_relu_derivative_f32";
    TRY(leaky_check_slope(fn, negative_slope));
    return run_unary(fn, offsetof(struct leaky_kernels, f32_vlrelu_derivative), OPERAND(x),
                     OPERAND(d), n, negative_slope);
}

leaky_status leaky_plain_relu_f32(const float *x, float *y, size_t n)
{
    return run_unary("leaky_plain_relu_f32", offsetof(struct leaky_kernels, f32_vrelu),
                     OPERAND(x), OPERAND(y), n, 0.0f);
}

leaky_status leaky_plain_relu_backward_f32(const float *x, const float *dy, float *dx, size_t n)
{
    return run_binary("leaky_plain_relu_backward_f32",
                      offsetof(struct leaky_kernels, f32_vrelu_backward), OPERAND(x),
                      OPERAND(dy), OPERAND(dx), n, 0.0f);
}
