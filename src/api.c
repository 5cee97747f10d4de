/* SPDX-License-Identifier: MIT */
/* The Leaky ReLU and ReLU entry points: argument checks, then one dispatched kernel.
 * Compiled once per element type (internal/type.h): leaky_relu_f32 and leaky_relu_f64, ... */
#include <stddef.h>

#include "internal/check.h"
#include "internal/run.h"
#include "internal/type.h"

typedef LEAKY_SLOT_TYPE(TFN(unary)) unary_slot;
typedef LEAKY_SLOT_TYPE(TFN(binary)) binary_slot;

/* A large call, for the split's ranges: its kernel, arrays and the kernel's parameters. */
struct unary_job {
    TFN(unary) * kernel;
    const T *x;
    T *y;
    TPARAMS params;
};
struct binary_job {
    TFN(binary) * kernel;
    const T *x, *g;
    T *out;
    TPARAMS params;
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

static leaky_status run_unary(const char *fn, unary_slot kernel, struct leaky_operand in,
                              struct leaky_operand out, size_t n, T slope)
{
    if (n == 0)
        return LEAKY_OK;
    LEAKY_TRY(leaky_check_unary(fn, in, sizeof(T), out, sizeof(T), n));
    const struct leaky_kernels *k = NULL;
    LEAKY_TRY(leaky_active_kernels(&k));
    TFN(unary) *f = LEAKY_KERNEL_AT(k, kernel);
    if (leaky_small_call(n, sizeof(T))) {
        const TPARAMS params = {.slope = slope};
        f(n, in.p, (T *)out.p, &params);
        return LEAKY_OK;
    }
    struct unary_job job = {
        f, in.p, (T *)out.p, {slope, leaky_stream(out.p, in.p, 2 * n * sizeof(T), sizeof(T))}};
    leaky_run_split(n, sizeof(T), out.p, unary_range, &job);
    return LEAKY_OK;
}

/* x routes the gradient g into out; out may be g itself but must not touch x. */
static leaky_status run_binary(const char *fn, binary_slot kernel, struct leaky_operand x,
                               struct leaky_operand g, struct leaky_operand out, size_t n, T slope)
{
    if (n == 0)
        return LEAKY_OK;
    LEAKY_TRY(leaky_check_binary(fn, x, g, out, sizeof(T), n));
    const struct leaky_kernels *k = NULL;
    LEAKY_TRY(leaky_active_kernels(&k));
    TFN(binary) *f = LEAKY_KERNEL_AT(k, kernel);
    if (leaky_small_call(n, sizeof(T))) {
        const TPARAMS params = {.slope = slope};
        f(n, x.p, g.p, (T *)out.p, &params);
        return LEAKY_OK;
    }
    struct binary_job job = {
        f, x.p, g.p, (T *)out.p, {slope, leaky_stream(out.p, g.p, 3 * n * sizeof(T), sizeof(T))}};
    leaky_run_split(n, sizeof(T), out.p, binary_range, &job);
    return LEAKY_OK;
}

#define UNARY(name) LEAKY_SLOT(unary_slot, TNAME(name))
#define BINARY(name) LEAKY_SLOT(binary_slot, TNAME(name))

leaky_status TAPI(relu)(const T *x, T *y, size_t n, T negative_slope)
{
    static const char fn[] = "leaky_relu_" TSTR;
    LEAKY_TRY(leaky_check_slope(fn, negative_slope));
    return run_unary(fn, UNARY(vlrelu), LEAKY_OPERAND(x), LEAKY_OPERAND(y), n, negative_slope);
}

leaky_status TAPI(relu_backward)(const T *x, const T *dy, T *dx, size_t n, T negative_slope)
{
    static const char fn[] = "leaky_relu_backward_" TSTR;
    LEAKY_TRY(leaky_check_slope(fn, negative_slope));
    return run_binary(fn, BINARY(vlrelu_backward), LEAKY_OPERAND(x), LEAKY_OPERAND(dy),
                      LEAKY_OPERAND(dx), n, negative_slope);
}

leaky_status TAPI(relu_backward_from_output)(const T *y, const T *dy, T *dx, size_t n,
                                             T negative_slope)
{
    static const char fn[] = "leaky_relu_backward_from_output_" TSTR;
    LEAKY_TRY(leaky_check_slope(fn, negative_slope));
    if (negative_slope < 0)
        return leaky_fail(LEAKY_EINVAL,
                          "%s: negative_slope is %g; the gradient can be taken "
                          "from the output only for a slope >= 0, since with a negative slope "
                          "the sign of y no longer tells the sign of x (use "
                          "leaky_relu_backward_%s with the input)",
                          fn, (double)negative_slope, TSTR);
    /* For a >= 0, y > 0 exactly when x > 0, so the input's kernel serves unchanged. */
    return run_binary(fn, BINARY(vlrelu_backward), LEAKY_OPERAND(y), LEAKY_OPERAND(dy),
                      LEAKY_OPERAND(dx), n, negative_slope);
}

leaky_status TAPI(relu_derivative)(const T *x, T *d, size_t n, T negative_slope)
{
    static const char fn[] = "leaky_relu_derivative_" TSTR;
    LEAKY_TRY(leaky_check_slope(fn, negative_slope));
    return run_unary(fn, UNARY(vlrelu_derivative), LEAKY_OPERAND(x), LEAKY_OPERAND(d), n,
                     negative_slope);
}

leaky_status TAPI(plain_relu)(const T *x, T *y, size_t n)
{
    return run_unary("leaky_plain_relu_" TSTR, UNARY(vrelu), LEAKY_OPERAND(x), LEAKY_OPERAND(y), n,
                     0);
}

leaky_status TAPI(plain_relu_backward)(const T *x, const T *dy, T *dx, size_t n)
{
    return run_binary("leaky_plain_relu_backward_" TSTR, BINARY(vrelu_backward), LEAKY_OPERAND(x),
                      LEAKY_OPERAND(dy), LEAKY_OPERAND(dx), n, 0);
}
