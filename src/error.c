/* SPDX-License-Identifier: MIT */
/* Status strings, the per-thread last-error message and the argument checks. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "internal.h"

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

leaky_status leaky_check_slope_failed(const char *fn, float slope)
{
    return leaky_fail(LEAKY_EINVAL, "%s: negative_slope is %g; expected a finite number", fn,
                      (double)slope);
}
