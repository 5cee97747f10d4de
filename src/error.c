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

leaky_status leaky_check_array_failed(const char *fn, const char *name, const void *p, size_t n)
{
    if (n > 0 && p == NULL)
        return leaky_fail(LEAKY_EINVAL, "%s: %s is NULL with n = %zu; expected an array of "
                          "n elements", fn, name, n);
    return leaky_fail(LEAKY_EINVAL, "%s: n = %zu is larger than any array can be", fn, n);
}

leaky_status leaky_check_no_overlap_failed(const char *fn, const char *in_name, const void *in,
                                           const char *out_name, const void *out, size_t bytes)
{
    const uintptr_t a = (uintptr_t)in, b = (uintptr_t)out;
    return leaky_fail(LEAKY_EINVAL, "%s: %s and %s overlap by %zu bytes without being the "
                      "same array; expected the same array (in place) or disjoint ones", fn,
                      in_name, out_name, (size_t)(a < b ? a + bytes - b : b + bytes - a));
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
        return leaky_fail(LEAKY_EINVAL, "%s: %s is the same array as %s; only %s may be "
                          "overwritten", fn, out.name, x.name, g.name);
    LEAKY_TRY(leaky_check_no_overlap(fn, x.name, x.p, out.name, out.p, bytes));
    return leaky_check_no_overlap(fn, g.name, g.p, out.name, out.p, bytes);
}

leaky_status leaky_check_disjoint(const char *fn, const char *a_name, const void *a,
                                  size_t a_bytes, const char *b_name, const void *b,
                                  size_t b_bytes)
{
    const uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;
    if (a_bytes == 0 || b_bytes == 0 || pa >= pb + b_bytes || pb >= pa + a_bytes)
        return LEAKY_OK;
    return leaky_fail(LEAKY_EINVAL, "%s: %s and %s overlap; expected separate arrays", fn,
                      a_name, b_name);
}
