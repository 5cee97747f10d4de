/* SPDX-License-Identifier: MIT */
/* Running an elementwise kernel: small calls inline, large ones streamed and split. */
#ifndef LEAKY_INTERNAL_RUN_H
#define LEAKY_INTERNAL_RUN_H

#include "internal/kernels.h"
#include "internal/parallel.h"

/* Runs an elementwise kernel over n elements: a small call straight on this thread (inline:
 * a call on 256 elements must cost little more than its loads and stores), a large one
 * possibly streamed and split by leaky_parallel_for (leaky_run_*_large in src/api.c, once
 * per type). */
#define LEAKY_SMALL_CALL (1u << 16) /* elements; below, one thread and no streaming */
/* From this many bytes read and written, out of place, stores bypass the caches (measured
 * in src/api.c). */
enum { LEAKY_NONTEMPORAL_BYTES = 20 << 20 };
#define LEAKY_RUN_LAYER(t, T)                                                                  \
    void leaky_run_unary_##t##_large(leaky_unary_##t##_fn *kernel, size_t n, const T *x,     \
                                     T *y, T slope);                                          \
    void leaky_run_binary_##t##_large(leaky_binary_##t##_fn *kernel, size_t n, const T *x,   \
                                      const T *g, T *out, T slope);                           \
    static inline void leaky_run_unary_##t(leaky_unary_##t##_fn *kernel, size_t n,            \
                                           const T *x, T *y,                                  \
                                           const struct leaky_##t##_params *params)           \
    {                                                                                         \
        if (n < LEAKY_SMALL_CALL)                                                             \
            kernel(n, x, y, params);                                                          \
        else                                                                                  \
            leaky_run_unary_##t##_large(kernel, n, x, y, params->slope);                      \
    }                                                                                         \
    static inline void leaky_run_binary_##t(leaky_binary_##t##_fn *kernel, size_t n,          \
                                            const T *x, const T *g, T *out,                   \
                                            const struct leaky_##t##_params *params)          \
    {                                                                                         \
        if (n < LEAKY_SMALL_CALL)                                                             \
            kernel(n, x, g, out, params);                                                     \
        else                                                                                  \
            leaky_run_binary_##t##_large(kernel, n, x, g, out, params->slope);                \
    }
LEAKY_RUN_LAYER(f32, float)
LEAKY_RUN_LAYER(f64, double)
#undef LEAKY_RUN_LAYER

#endif
