/* SPDX-License-Identifier: MIT */
/* Bias + activation (leaky.h's leaky_bias_*): the public entry points, one per activation,
 * over prelu.c's plans (internal/act.h): Leaky ReLU is PReLU with one slope, ReLU its own
 * rule.  Compiled once per element type (internal/type.h). */
#include "internal/act.h"
#include "internal/check.h"
#include "internal/type.h"

#define ACT(name) LEAKY_PASTE3(leaky_, LEAKY_T, _act_##name)

leaky_status TAPI(bias_leaky_relu)(const T *x, const T *bias, T *y, size_t outer, size_t channels,
                                   size_t inner, T negative_slope)
{
    static const char fn[] = "leaky_bias_leaky_relu_" TSTR;
    LEAKY_TRY(leaky_check_slope(fn, (double)negative_slope));
    return ACT(forward)(fn, x, y, outer, channels, inner, &negative_slope, 1, bias);
}

leaky_status TAPI(bias_leaky_relu_backward)(const T *x, const T *bias, const T *dy, T *dx, T *dbias,
                                            size_t outer, size_t channels, size_t inner,
                                            T negative_slope)
{
    static const char fn[] = "leaky_bias_leaky_relu_backward_" TSTR;
    LEAKY_TRY(leaky_check_slope(fn, (double)negative_slope));
    return ACT(backward)(fn, x, dy, dx, NULL, dbias, outer, channels, inner, &negative_slope, 1,
                         bias);
}

leaky_status TAPI(bias_relu)(const T *x, const T *bias, T *y, size_t outer, size_t channels,
                             size_t inner)
{
    return ACT(forward)("leaky_bias_relu_" TSTR, x, y, outer, channels, inner, NULL, 0, bias);
}

leaky_status TAPI(bias_relu_backward)(const T *x, const T *bias, const T *dy, T *dx, T *dbias,
                                      size_t outer, size_t channels, size_t inner)
{
    return ACT(backward)("leaky_bias_relu_backward_" TSTR, x, dy, dx, NULL, dbias, outer, channels,
                         inner, NULL, 0, bias);
}

/* NULL slopes mean ReLU to prelu.c: PReLU's must be there. */
static leaky_status check_slopes_there(const char *fn, const T *slopes)
{
    if (!slopes)
        return leaky_fail(LEAKY_EINVAL, "%s: slopes is NULL; expected 1 slope or one per channel",
                          fn);
    return LEAKY_OK;
}

leaky_status TAPI(bias_prelu)(const T *x, const T *bias, T *y, size_t outer, size_t channels,
                              size_t inner, const T *slopes, size_t num_slopes)
{
    static const char fn[] = "leaky_bias_prelu_" TSTR;
    LEAKY_TRY(check_slopes_there(fn, slopes));
    return ACT(forward)(fn, x, y, outer, channels, inner, slopes, num_slopes, bias);
}

leaky_status TAPI(bias_prelu_backward)(const T *x, const T *bias, const T *dy, T *dx, T *dbias,
                                       T *dslopes, size_t outer, size_t channels, size_t inner,
                                       const T *slopes, size_t num_slopes)
{
    static const char fn[] = "leaky_bias_prelu_backward_" TSTR;
    LEAKY_TRY(check_slopes_there(fn, slopes));
    return ACT(backward)(fn, x, dy, dx, dslopes, dbias, outer, channels, inner, slopes, num_slopes,
                         bias);
}
