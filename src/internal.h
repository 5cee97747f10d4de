/* SPDX-License-Identifier: MIT */
/* Internal interfaces: kernel types, the dispatch table, error reporting. */
#ifndef LEAKY_INTERNAL_H
#define LEAKY_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "leaky.h"

/* Parameters a kernel needs, prepared once by the API layer. */
struct leaky_f32_params {
    float slope;
    /* Store with non-temporal (cache-bypassing) stores: set by the run layer for large
     * out-of-place calls only; the reference kernels ignore it. */
    bool nontemporal;
};

/* y = op(x) elementwise. */
typedef void leaky_unary_f32_fn(size_t n, const float *x, float *y,
                                   const struct leaky_f32_params *params);
/* out = op(x, g) elementwise, x deciding the branch and g the gradient flowing through. */
typedef void leaky_binary_f32_fn(size_t n, const float *x, const float *g, float *out,
                                    const struct leaky_f32_params *params);

/* The one list of kernels: it declares them for every ISA, fills the dispatch table and
 * names them in tests.  X(name, type). */
#define LEAKY_KERNEL_LIST(X)                         \
    X(f32_vlrelu, leaky_unary_f32_fn)                \
    X(f32_vlrelu_backward, leaky_binary_f32_fn)      \
    X(f32_vlrelu_derivative, leaky_unary_f32_fn)     \
    X(f32_vrelu, leaky_unary_f32_fn)                 \
    X(f32_vrelu_backward, leaky_binary_f32_fn)

struct leaky_kernels {
#define LEAKY_X_FIELD(name, type) type *name;
    LEAKY_KERNEL_LIST(LEAKY_X_FIELD)
#undef LEAKY_X_FIELD
};

/* Per-ISA tables: each fills in what it implements over a copy of the scalar one. */
#define LEAKY_X_DECLARE_FILL(isa) void leaky_fill_kernels__##isa(struct leaky_kernels *k);
LEAKY_X_DECLARE_FILL(scalar)
LEAKY_X_DECLARE_FILL(sse2)
LEAKY_X_DECLARE_FILL(avx2)
LEAKY_X_DECLARE_FILL(avx512)
LEAKY_X_DECLARE_FILL(neon)
#undef LEAKY_X_DECLARE_FILL

/* Every kernel of every ISA: leaky_<name>__<isa>.  The scalar ones are the reference and
 * the test oracle. */
#define LEAKY_X_DECLARE(name, type) \
    type leaky_##name##__scalar, leaky_##name##__sse2, leaky_##name##__avx2, \
        leaky_##name##__avx512, leaky_##name##__neon;
LEAKY_KERNEL_LIST(LEAKY_X_DECLARE)
#undef LEAKY_X_DECLARE

/* The table in use; fails (with leaky_last_error() set) when LEAKY_ISA is unusable.
 * Inline: after the first call it is one atomic load. */
extern _Atomic(const struct leaky_kernels *) leaky_active_table;
leaky_status leaky_active_kernels_first(const struct leaky_kernels **kernels);
static inline leaky_status leaky_active_kernels(const struct leaky_kernels **kernels)
{
    const struct leaky_kernels *k =
        atomic_load_explicit(&leaky_active_table, memory_order_acquire);
    if (__builtin_expect(k == NULL, 0))
        return leaky_active_kernels_first(kernels);
    *kernels = k;
    return LEAKY_OK;
}
/* The table of one ISA, or NULL when this build or CPU lacks it (tests use this). */
const struct leaky_kernels *leaky_kernels_for_isa(leaky_isa isa);

/* CPU features, detected once. */
enum {
    LEAKY_CPU_SSE2 = 1u << 0,
    LEAKY_CPU_AVX2 = 1u << 1,
    LEAKY_CPU_AVX512 = 1u << 2, /* F, BW, VL, DQ, with the OS saving zmm and mask state */
    LEAKY_CPU_NEON = 1u << 3
};
unsigned leaky_cpu_features(void);

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
leaky_status leaky_check_slope_failed(const char *fn, float slope);

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

static inline leaky_status leaky_check_slope(const char *fn, float slope)
{
    if (__builtin_expect(!__builtin_isfinite(slope), 0))
        return leaky_check_slope_failed(fn, slope);
    return LEAKY_OK;
}

/* Calls fn(ctx, begin, end) over pieces covering [0, n), possibly on several threads at
 * once; grain is the smallest piece worth handing to another thread. Every kernel call
 * that may be worth splitting goes through here. */
typedef void leaky_range_fn(void *ctx, size_t begin, size_t end);
void leaky_parallel_for(size_t n, size_t grain, leaky_range_fn *fn, void *ctx);
/* The same, with the split points placed where out + point * elem_size is 64-byte aligned
 * (out: the array the pieces write). */
void leaky_parallel_for_aligned(size_t n, size_t grain, const void *out, size_t elem_size,
                                leaky_range_fn *fn, void *ctx);
/* The thread pool under leaky_parallel_for (src/pool.c): threads counts the caller's.
 * run calls fn(ctx, i) for i < pieces (at most 65535), spread over the pool's threads and
 * the caller's, and returns when all are done. */
typedef void leaky_piece_fn(void *ctx, size_t i);
struct leaky_pool;
struct leaky_pool *leaky_pool_create(size_t threads);
void leaky_pool_destroy(struct leaky_pool *pool);
size_t leaky_pool_threads(const struct leaky_pool *pool);
void leaky_pool_run(struct leaky_pool *pool, size_t pieces, leaky_piece_fn *fn, void *ctx);

/* Whether LEAKY_NUM_THREADS is usable; if not, its message goes into message. Read once. */
leaky_status leaky_parallel_env_status(char *message, size_t size);

/* Runs an elementwise kernel over n elements: a small call straight on this thread (inline:
 * a call on 256 elements must cost little more than its loads and stores), a large one
 * possibly streamed and split by leaky_parallel_for (src/parallel.c). */
#define LEAKY_SMALL_CALL (1u << 16) /* elements; below, one thread and no streaming */
void leaky_run_unary_f32_large(leaky_unary_f32_fn *kernel, size_t n, const float *x, float *y,
                               float slope);
void leaky_run_binary_f32_large(leaky_binary_f32_fn *kernel, size_t n, const float *x,
                                const float *g, float *out, float slope);

static inline void leaky_run_unary_f32(leaky_unary_f32_fn *kernel, size_t n, const float *x,
                                       float *y, const struct leaky_f32_params *params)
{
    if (n < LEAKY_SMALL_CALL)
        kernel(n, x, y, params);
    else
        leaky_run_unary_f32_large(kernel, n, x, y, params->slope);
}

static inline void leaky_run_binary_f32(leaky_binary_f32_fn *kernel, size_t n, const float *x,
                                        const float *g, float *out,
                                        const struct leaky_f32_params *params)
{
    if (n < LEAKY_SMALL_CALL)
        kernel(n, x, g, out, params);
    else
        leaky_run_binary_f32_large(kernel, n, x, g, out, params->slope);
}

#endif
