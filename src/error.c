/* SPDX-License-Identifier: MIT */
/* Status strings, the per-thread last-error message and the argument checks. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "internal/check.h"

static _Thread_local char last_error[512];

const char *leaky_status_string(leaky_status status)
{
    switch (status) {
    case LEAKY_OK: return "success";
    case LEAKY_EINVAL: return "invalid argument";
    case LEAKY_ENOMEM: return "out of memory";
    case LEAKY_EUNSUPPORTED: return "unsupported CPU path";
    }
    return "unknown status";
}

const char *leaky_last_error(void) { return last_error; }

leaky_status leaky_fail(leaky_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return status;
}

leaky_status leaky_check_array_failed(const char *fn, struct leaky_operand a, size_t n)
{
    if (n > 0 && a.p == NULL)
        return leaky_fail(LEAKY_EINVAL,
                          "%s: %s is NULL with n = %zu; expected an array of "
                          "n elements",
                          fn, a.name, n);
    return leaky_fail(LEAKY_EINVAL, "%s: n = %zu is larger than any array can be", fn, n);
}

leaky_status leaky_check_no_overlap_failed(const char *fn, struct leaky_operand in,
                                           struct leaky_operand out, size_t bytes)
{
    const uintptr_t a = (uintptr_t)in.p, b = (uintptr_t)out.p;
    return leaky_fail(LEAKY_EINVAL,
                      "%s: %s and %s overlap by %zu bytes without being the "
                      "same array; expected the same array (in place) or disjoint ones",
                      fn, in.name, out.name, (size_t)(a < b ? a + bytes - b : b + bytes - a));
}

leaky_status leaky_check_disjoint_failed(const char *fn, struct leaky_operand a,
                                         struct leaky_operand b, const char *why)
{
    return leaky_fail(LEAKY_EINVAL, "%s: %s and %s overlap; expected separate arrays%s", fn, a.name,
                      b.name, why);
}

leaky_status leaky_check_slope_failed(const char *fn, double slope)
{
    return leaky_fail(LEAKY_EINVAL, "%s: negative_slope is %g; expected a finite number", fn,
                      slope);
}

leaky_status leaky_check_gradient_out(const char *fn, struct leaky_operand x,
                                      struct leaky_operand g, struct leaky_operand out,
                                      size_t bytes)
{
    if (out.p == x.p)
        return leaky_fail(LEAKY_EINVAL,
                          "%s: %s is the same array as %s; only %s may be "
                          "overwritten",
                          fn, out.name, x.name, g.name);
    LEAKY_TRY(leaky_check_no_overlap(fn, x, out, bytes));
    return leaky_check_no_overlap(fn, g, out, bytes);
}

leaky_status leaky_check_unary_failed(const char *fn, struct leaky_operand x, size_t x_size,
                                      struct leaky_operand y, size_t y_size, size_t n)
{
    LEAKY_TRY(leaky_check_array(fn, x, n));
    LEAKY_TRY(leaky_check_array(fn, y, n));
    if (x_size == y_size)
        return leaky_check_no_overlap(fn, x, y, n * x_size);
    if (leaky_overlap(x.p, n * x_size, y.p, n * y_size))
        return leaky_check_disjoint_failed(fn, x, y, " (their elements differ in size)");
    return LEAKY_OK;
}

leaky_status leaky_check_binary_failed(const char *fn, struct leaky_operand x,
                                       struct leaky_operand g, struct leaky_operand out,
                                       size_t size, size_t n)
{
    LEAKY_TRY(leaky_check_array(fn, x, n));
    LEAKY_TRY(leaky_check_array(fn, g, n));
    LEAKY_TRY(leaky_check_array(fn, out, n));
    return leaky_check_gradient_out(fn, x, g, out, n * size);
}
