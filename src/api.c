/* SPDX-License-Identifier: MIT */
/* The Leaky ReLU and ReLU entry points: argument checks, then one dispatched kernel.
 * Compiled once per element type (internal/type.h): leaky_relu_f32 and leaky_relu_f64, ... */
#include <stddef.h>

#include "internal/check.h"
#include "internal/type.h"

#define ELEM_T T
#define ELEM_PARAMS TPARAMS
#define ELEM_UNARY_FN TFN(unary)
#define ELEM_BINARY_FN TFN(binary)
#include "internal/elementwise.h"

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
