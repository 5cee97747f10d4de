/* SPDX-License-Identifier: MIT */
/* Error reporting and the argument checks shared by the entry points. */
#ifndef LEAKY_INTERNAL_CHECK_H
#define LEAKY_INTERNAL_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "leaky.h"

/* Records the message for leaky_last_error() and returns status. */
leaky_status leaky_fail(leaky_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Argument checks shared by the API functions; each records its message on failure.
 * fn names the public function for the message. The passing case is inline, since a
 * call on a small array must cost little more than its loads and stores; the _failed
 * functions write the message. */
leaky_status leaky_check_array_failed(const char *fn, const char *name, const void *p, size_t n);
leaky_status leaky_check_no_overlap_failed(const char *fn, const char *in_name, const void *in,
                                           const char *out_name, const void *out, size_t bytes);
leaky_status leaky_check_slope_failed(const char *fn, double slope);

static inline leaky_status leaky_check_array(const char *fn, const char *name, const void *p,
                                             size_t n)
{
    if (__builtin_expect((n > 0 && p == NULL) || n > SIZE_MAX / sizeof(double), 0))
        return leaky_check_array_failed(fn, name, p, n);
    return LEAKY_OK;
}

static inline leaky_status leaky_check_no_overlap(const char *fn, const char *in_name,
                                                  const void *in, const char *out_name,
                                                  const void *out, size_t bytes)
{
    const uintptr_t a = (uintptr_t)in, b = (uintptr_t)out;
    if (__builtin_expect(a != b && a < b + bytes && b < a + bytes, 0))
        return leaky_check_no_overlap_failed(fn, in_name, in, out_name, out, bytes);
    return LEAKY_OK;
}

static inline leaky_status leaky_check_slope(const char *fn, double slope)
{
    if (__builtin_expect(!__builtin_isfinite(slope), 0))
        return leaky_check_slope_failed(fn, slope);
    return LEAKY_OK;
}
/* A gradient out routed by x from g: out may be g itself, never x, and overlaps neither
 * partly. */
struct leaky_operand {
    const char *name;
    const void *p;
};
#define LEAKY_OPERAND(p) ((struct leaky_operand){#p, (p)})
leaky_status leaky_check_gradient_out(const char *fn, struct leaky_operand x,
                                      struct leaky_operand g, struct leaky_operand out,
                                      size_t bytes);
/* Arrays of different sizes that must not share a single byte (not even be the same). */
leaky_status leaky_check_disjoint(const char *fn, const char *a_name, const void *a,
                                  size_t a_bytes, const char *b_name, const void *b,
                                  size_t b_bytes);
/* Returns from the calling function when expr is not LEAKY_OK. */
#define LEAKY_TRY(expr)                            \
    do {                                           \
        const leaky_status leaky_status_ = (expr); \
        if (leaky_status_ != LEAKY_OK)             \
            return leaky_status_;                  \
    } while (0)

#endif
