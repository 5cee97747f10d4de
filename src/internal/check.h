/* SPDX-License-Identifier: MIT */
/* Error reporting, and the argument checks of every entry point: each check is defined
 * here once, records its message on failure and returns the status. */
#ifndef LEAKY_INTERNAL_CHECK_H
#define LEAKY_INTERNAL_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leaky.h"

/* Records the message for leaky_last_error() and returns status. */
leaky_status leaky_fail(leaky_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Returns from the calling function when expr is not LEAKY_OK. */
#define LEAKY_TRY(expr)                            \
    do {                                           \
        const leaky_status leaky_status_ = (expr); \
        if (leaky_status_ != LEAKY_OK)             \
            return leaky_status_;                  \
    } while (0)

/* An array argument: the name the messages give it, and where it is. */
struct leaky_operand {
    const char *name;
    const void *p;
};
#define LEAKY_OPERAND(p) ((struct leaky_operand){#p, (p)})

/* fn names the public function for the message. The passing case is inline, since a call
 * on a small array must cost little more than its loads and stores; the _failed functions
 * (src/error.c) write the message. */
leaky_status leaky_check_array_failed(const char *fn, struct leaky_operand a, size_t n);
leaky_status leaky_check_no_overlap_failed(const char *fn, struct leaky_operand in,
                                           struct leaky_operand out, size_t bytes);
leaky_status leaky_check_disjoint_failed(const char *fn, struct leaky_operand a,
                                         struct leaky_operand b, const char *why);
leaky_status leaky_check_slope_failed(const char *fn, double slope);

/* The most elements any array may have: its bytes, at 8 an element, and the end pointer
 * of any array (its start + bytes) must fit a ptrdiff_t. SIZE_MAX / 8 let 2^60 to 2^61
 * doubles through, 2^63 bytes and more, whose end wraps around the address space. */
#define LEAKY_MAX_ELEMENTS ((size_t)PTRDIFF_MAX / sizeof(double))

/* An array of n elements: not NULL when n > 0, and n within what any array can hold. */
static inline bool leaky_array_ok(const void *p, size_t n)
{
    return (n == 0 || p != NULL) && n <= LEAKY_MAX_ELEMENTS;
}
static inline leaky_status leaky_check_array(const char *fn, struct leaky_operand a, size_t n)
{
    if (__builtin_expect(!leaky_array_ok(a.p, n), 0))
        return leaky_check_array_failed(fn, a, n);
    return LEAKY_OK;
}

/* Whether [a, a + a_bytes) and [b, b + b_bytes) share a byte. */
static inline bool leaky_overlap(const void *a, size_t a_bytes, const void *b, size_t b_bytes)
{
    const uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;
    return a_bytes != 0 && b_bytes != 0 && pa < pb + b_bytes && pb < pa + a_bytes;
}

/* in and out, bytes each: the same array (in place) or disjoint, never partly overlapping. */
static inline leaky_status leaky_check_no_overlap(const char *fn, struct leaky_operand in,
                                                  struct leaky_operand out, size_t bytes)
{
    if (__builtin_expect(in.p != out.p && leaky_overlap(in.p, bytes, out.p, bytes), 0))
        return leaky_check_no_overlap_failed(fn, in, out, bytes);
    return LEAKY_OK;
}

/* Arrays that must not share a single byte (not even be the same). */
static inline leaky_status leaky_check_disjoint(const char *fn, struct leaky_operand a,
                                                size_t a_bytes, struct leaky_operand b,
                                                size_t b_bytes)
{
    if (__builtin_expect(leaky_overlap(a.p, a_bytes, b.p, b_bytes), 0))
        return leaky_check_disjoint_failed(fn, a, b, "");
    return LEAKY_OK;
}

/* A gradient out routed by x from g, bytes each: out may be g itself, never x, and
 * overlaps neither partly. */
leaky_status leaky_check_gradient_out(const char *fn, struct leaky_operand x,
                                      struct leaky_operand g, struct leaky_operand out,
                                      size_t bytes);

static inline leaky_status leaky_check_slope(const char *fn, double slope)
{
    if (__builtin_expect(!__builtin_isfinite(slope), 0))
        return leaky_check_slope_failed(fn, slope);
    return LEAKY_OK;
}

/* The checks of a whole elementwise call. The passing case is one inline test with a
 * single call on the failing side, so that nothing is prepared for the messages on the
 * way through (their names and pointers); the _failed functions run the checks again, in
 * order, and report the first that fails. */
leaky_status leaky_check_unary_failed(const char *fn, struct leaky_operand x, size_t x_size,
                                      struct leaky_operand y, size_t y_size, size_t n);
leaky_status leaky_check_binary_failed(const char *fn, struct leaky_operand x,
                                       struct leaky_operand g, struct leaky_operand out,
                                       size_t size, size_t n);

/* The arrays of an elementwise call y = op(x) over n elements of x_size and y_size bytes:
 * both there, and in place or disjoint; arrays whose elements differ in size (the
 * conversions) cannot work in place, so they must not share a byte. */
static inline leaky_status leaky_check_unary(const char *fn, struct leaky_operand x, size_t x_size,
                                             struct leaky_operand y, size_t y_size, size_t n)
{
    const bool apart =
        (x_size == y_size && x.p == y.p) || !leaky_overlap(x.p, n * x_size, y.p, n * y_size);
    if (__builtin_expect(leaky_array_ok(x.p, n) && leaky_array_ok(y.p, n) && apart, 1))
        return LEAKY_OK;
    return leaky_check_unary_failed(fn, x, x_size, y, y_size, n);
}

/* The arrays of a gradient out = op(x, g) over n elements of size bytes, x deciding and g
 * the value routed: all three there, and out g itself or apart from both. */
static inline leaky_status leaky_check_binary(const char *fn, struct leaky_operand x,
                                              struct leaky_operand g, struct leaky_operand out,
                                              size_t size, size_t n)
{
    const size_t bytes = n * size;
    const bool apart = out.p != x.p && !leaky_overlap(x.p, bytes, out.p, bytes) &&
                       (out.p == g.p || !leaky_overlap(g.p, bytes, out.p, bytes));
    if (__builtin_expect(leaky_array_ok(x.p, n) && leaky_array_ok(g.p, n) &&
                             leaky_array_ok(out.p, n) && apart,
                         1))
        return LEAKY_OK;
    return leaky_check_binary_failed(fn, x, g, out, size, n);
}

#endif
