/* SPDX-License-Identifier: MIT */
/* Internal interfaces: kernel types, the dispatch table, error reporting. */
#ifndef LEAKY_INTERNAL_H
#define LEAKY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "leaky.h"

/* Parameters a kernel needs, prepared once by the API layer. */
struct leaky_f32_params {
    float slope;
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

/* ---- float16, bfloat16 and int8 kernels (issue 6) */
/* float16 and bfloat16 travel as their bits (uint16_t); the op is the float32 one. */
typedef void leaky_unary_u16_fn(size_t n, const uint16_t *x, uint16_t *y,
                                const struct leaky_f32_params *params);
typedef void leaky_binary_u16_fn(size_t n, const uint16_t *x, const uint16_t *g, uint16_t *out,
                                 const struct leaky_f32_params *params);
/* Conversions between float32 and float16 or bfloat16 arrays. */
typedef void leaky_widen_u16_fn(size_t n, const uint16_t *x, float *y);
typedef void leaky_narrow_u16_fn(size_t n, const float *x, uint16_t *y);
/* y[i] = table[x[i]]: every int8 and uint8 function is a 256-entry table built once. */
typedef void leaky_lut8_fn(size_t n, const uint8_t *x, uint8_t *y, const uint8_t *table);

#define LEAKY_NARROW_KERNEL_LIST(X)                  \
    X(f16_vlrelu, leaky_unary_u16_fn)                \
    X(f16_vlrelu_backward, leaky_binary_u16_fn)      \
    X(f16_vlrelu_derivative, leaky_unary_u16_fn)     \
    X(bf16_vlrelu, leaky_unary_u16_fn)               \
    X(bf16_vlrelu_backward, leaky_binary_u16_fn)     \
    X(bf16_vlrelu_derivative, leaky_unary_u16_fn)    \
    X(f16_widen, leaky_widen_u16_fn)                 \
    X(f16_narrow, leaky_narrow_u16_fn)               \
    X(bf16_widen, leaky_widen_u16_fn)                \
    X(bf16_narrow, leaky_narrow_u16_fn)              \
    X(x8_vlut, leaky_lut8_fn)

#define LEAKY_X_DECLARE_NARROW(name, type) \
    type leaky_##name##__scalar, leaky_##name##__sse2, leaky_##name##__avx2, \
        leaky_##name##__avx512, leaky_##name##__neon;
LEAKY_NARROW_KERNEL_LIST(LEAKY_X_DECLARE_NARROW)
#undef LEAKY_X_DECLARE_NARROW

/* Fills the narrow kernels of isa's table over the scalar ones, those the CPU's extensions
 * (F16C, AVX512_VBMI, AVX512_BF16) allow; each ISA's part is leaky_fill_narrow_kernels__<isa>. */
struct leaky_kernels;
void leaky_fill_narrow_kernels(leaky_isa isa, struct leaky_kernels *k);
void leaky_fill_narrow_kernels__scalar(struct leaky_kernels *k, unsigned cpu_features);
void leaky_fill_narrow_kernels__sse2(struct leaky_kernels *k, unsigned cpu_features);
void leaky_fill_narrow_kernels__avx2(struct leaky_kernels *k, unsigned cpu_features);
void leaky_fill_narrow_kernels__avx512(struct leaky_kernels *k, unsigned cpu_features);
void leaky_fill_narrow_kernels__neon(struct leaky_kernels *k, unsigned cpu_features);
/* ---- end of float16, bfloat16 and int8 */

struct leaky_kernels {
#define LEAKY_X_FIELD(name, type) type *name;
    LEAKY_KERNEL_LIST(LEAKY_X_FIELD)
    LEAKY_NARROW_KERNEL_LIST(LEAKY_X_FIELD)
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

/* The table in use; fails (with leaky_last_error() set) when LEAKY_ISA is unusable. */
leaky_status leaky_active_kernels(const struct leaky_kernels **kernels);
/* The table of one ISA, or NULL when this build or CPU lacks it (tests use this). */
const struct leaky_kernels *leaky_kernels_for_isa(leaky_isa isa);

/* CPU features, detected once. */
enum {
    LEAKY_CPU_SSE2 = 1u << 0,
    LEAKY_CPU_AVX2 = 1u << 1,
    LEAKY_CPU_AVX512 = 1u << 2, /* F, BW, VL, DQ, with the OS saving zmm and mask state */
    LEAKY_CPU_NEON = 1u << 3,
    /* Extensions only the float16 and int8 kernels use (issue 6). */
    LEAKY_CPU_F16C = 1u << 8,        /* with AVX2: vcvtph2ps, vcvtps2ph */
    LEAKY_CPU_AVX512_VBMI = 1u << 9, /* with AVX-512: vpermi2b, 128-byte table lookups */
    LEAKY_CPU_AVX512_BF16 = 1u << 10 /* with AVX-512: vcvtneps2bf16 */
};
unsigned leaky_cpu_features(void);

/* Records the message for leaky_last_error() and returns status. */
leaky_status leaky_fail(leaky_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Argument checks shared by the API functions; each records its message on failure.
 * fn names the public function for the message. */
leaky_status leaky_check_array(const char *fn, const char *name, const void *p, size_t n);
leaky_status leaky_check_no_overlap(const char *fn, const char *in_name, const void *in,
                                    const char *out_name, const void *out, size_t bytes);
leaky_status leaky_check_slope(const char *fn, float slope);

/* Calls fn(ctx, begin, end) over pieces covering [0, n), possibly on several threads at
 * once; grain is the smallest piece worth handing to another thread. Every kernel call
 * that may be worth splitting goes through here. */
typedef void leaky_range_fn(void *ctx, size_t begin, size_t end);
void leaky_parallel_for(size_t n, size_t grain, leaky_range_fn *fn, void *ctx);

/* Runs an elementwise kernel over n elements, split by leaky_parallel_for. */
void leaky_run_unary_f32(leaky_unary_f32_fn *kernel, size_t n, const float *x, float *y,
                         const struct leaky_f32_params *params);
void leaky_run_binary_f32(leaky_binary_f32_fn *kernel, size_t n, const float *x, const float *g,
                          float *out, const struct leaky_f32_params *params);

#endif
