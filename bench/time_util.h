/* SPDX-License-Identifier: MIT */
/* For the by-hand timing tools (bench/time_*.c; no test asserts a time): a monotonic clock
 * in seconds and the comparison that sorts samples for their median. */
#ifndef LEAKY_TIME_UTIL_H
#define LEAKY_TIME_UTIL_H

#include <time.h>

static inline double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static inline int compare(const void *a, const void *b)
{
    const double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

#endif
