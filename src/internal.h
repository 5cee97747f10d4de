/* SPDX-License-Identifier: MIT */
/* Internal interfaces: kernel types, the dispatch table, error reporting. */
#ifndef LEAKY_INTERNAL_H
#define LEAKY_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "leaky.h"

/* Hides a value from the optimizer, at no run-time cost. A backward passes the gradient
 * through untouched where x > 0 and multiplies it elsewhere; clang rewrites
 * "x > 0 ? dy : slope * dy" as "dy * (x > 0 ? 1 : slope)", which quiets a signalling-NaN
 * gradient that no arithmetic should touch. Applied to the passed-through operand, the two
 * arms no longer share a value and the rewrite cannot apply. */
#if defined(__x86_64__)
#define LEAKY_OPAQUE(v) __asm__("" : "+v"(v))
#elif defined(__aarch64__)
#define LEAKY_OPAQUE(v) __asm__("" : "+w"(v))
#else
#define LEAKY_OPAQUE(v) __asm__("" : "+m"(v))
#endif

/* Parameters a kernel needs, prepared once by the API layer. */
struct leaky_f32_params {
    float slope;
    /* Store with non-temporal (cache-bypassing) stores: set by the run layer for large
     * out-of-place calls only; the reference kernels ignore it. */
    bool nontemporal;
};
struct leaky_f64_params {
    double slope;
    bool nontemporal;
};
/* RReLU's draws (see leaky.h): r = lower + range * u, u from the hash of the element index
 * first + j (its low 32 bits; the API layer splits calls where the high bits change and
 * puts them in the keys). */
struct leaky_rrelu_f32_params {
    float lower, range;
    uint32_t key0, key1, first;
};
struct leaky_rrelu_f64_params {
    double lower, range;
    uint32_t key0, key1, first;
};

/* The PReLU slope gradient accumulates in double in 16 fixed lanes: element j of a run
 * goes to lane j % 16 on every path, so the partial sums are the same bits everywhere.
 * Each lane (or position of a period) first sums a block of up to LEAKY_ACC_BLOCK terms
 * (elements j / 128 of a run; 8 periods of a row) on its own, in float for float32 (see
 * kernels/acc.h and the reference's block_sum), then adds the block into its double. */
enum { LEAKY_ACC_LANES = 16, LEAKY_ACC_BLOCK = 8 };

/* Kernel types, one set per element type t (f32, f64) and its C type T. */
#define LEAKY_KERNEL_TYPES(t, T)                                                            \
    /* y = op(x) elementwise. */                                                            \
    typedef void leaky_unary_##t##_fn(size_t n, const T *x, T *y,                           \
                                      const struct leaky_##t##_params *params);             \
    /* out = op(x, g) elementwise, x deciding the branch and g the value routed. */         \
    typedef void leaky_binary_##t##_fn(size_t n, const T *x, const T *g, T *out,            \
                                       const struct leaky_##t##_params *params);            \
    /* PReLU backward over `runs` runs of len elements each, back to back, run r with the  \
     * slope slopes[(channel + r) % channels]: dx, and sums[r] = the run's slope gradient: \
     * the terms (x > 0 ? 0 : x * dy) of its element j go to lane j % 16 in blocks of      \
     * LEAKY_ACC_BLOCK (j / 128), and the 16 lanes are added as a fixed tree (k + 8, + 4,  \
     * + 2, + 1).  nontemporal: stream dx (out of place). */                                \
    typedef void leaky_prelu_runs_backward_##t##_fn(size_t runs, size_t len, const T *x,    \
                                                    const T *dy, T *dx, const T *slopes,    \
                                                    size_t channels, size_t channel,        \
                                                    bool nontemporal, double *sums);        \
    /* PReLU backward over a row of n / period periods (n a multiple of period) with a      \
     * slope per position in the period w[j]: dx, and acc[j] += the block sums of the terms \
     * at position j, a block per LEAKY_ACC_BLOCK periods, in order. */                    \
    typedef void leaky_prelu_row_backward_##t##_fn(size_t n, size_t period, const T *x,     \
                                                   const T *dy, const T *w, T *dx,          \
                                                   double *acc);                            \
    /* RReLU training forward; noise may be NULL. */                                        \
    typedef void leaky_rrelu_##t##_fn(size_t n, const T *x, T *y, T *noise,                 \
                                      const struct leaky_rrelu_##t##_params *params);       \
    typedef void leaky_rrelu_backward_##t##_fn(size_t n, const T *x, const T *dy, T *dx,    \
                                               const struct leaky_rrelu_##t##_params *params);
LEAKY_KERNEL_TYPES(f32, float)
LEAKY_KERNEL_TYPES(f64, double)
#undef LEAKY_KERNEL_TYPES

/* The one list of kernels: it declares them for every ISA, fills the dispatch table and
 * names them in tests.  X(name, type); one copy per element type. */
#define LEAKY_KERNEL_LIST_T(X, t)                            \
    X(t##_vlrelu, leaky_unary_##t##_fn)                      \
    X(t##_vlrelu_backward, leaky_binary_##t##_fn)            \
    X(t##_vlrelu_derivative, leaky_unary_##t##_fn)           \
    X(t##_vrelu, leaky_unary_##t##_fn)                       \
    X(t##_vrelu_backward, leaky_binary_##t##_fn)             \
    X(t##_vprelu, leaky_binary_##t##_fn)                     \
    X(t##_vprelu_backward, leaky_prelu_row_backward_##t##_fn) \
    X(t##_vprelu_backward_runs, leaky_prelu_runs_backward_##t##_fn) \
    X(t##_vrrelu, leaky_rrelu_##t##_fn)                      \
    X(t##_vrrelu_backward, leaky_rrelu_backward_##t##_fn)
#define LEAKY_KERNEL_LIST(X) LEAKY_KERNEL_LIST_T(X, f32) LEAKY_KERNEL_LIST_T(X, f64)

/* ---- float16, bfloat16 and int8 kernels (issue 6) */
/* float16 and bfloat16 travel as their bits (uint16_t); the op is the float32 one. */
typedef void leaky_unary_u16_fn(size_t n, const uint16_t *x, uint16_t *y,
                                const struct leaky_f32_params *params);
typedef void leaky_binary_u16_fn(size_t n, const uint16_t *x, const uint16_t *g, uint16_t *out,
                                 const struct leaky_f32_params *params);
/* PReLU forward with a float32 slope per element (a slope row, as the f32 vprelu kernel). */
typedef void leaky_prelu_u16_fn(size_t n, const uint16_t *x, const float *w, uint16_t *y,
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
    X(f16_vprelu, leaky_prelu_u16_fn)                \
    X(bf16_vprelu, leaky_prelu_u16_fn)               \
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

/* A second thread pays off only when each thread gets at least this many elements
 * (measured: see src/api.c). */
enum { LEAKY_ELEMENTWISE_GRAIN = 1 << 15 };

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

/* The RReLU generator (leaky.h): the keys for the indices whose high 32 bits are hi, and
 * the hash of an index's low 32 bits.  The kernels vectorise leaky_rrelu_hash. */
static inline uint64_t leaky_splitmix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15u;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}
static inline void leaky_rrelu_keys(uint64_t seed, uint32_t hi, uint32_t *key0, uint32_t *key1)
{
    const uint64_t s = leaky_splitmix64(leaky_splitmix64(seed) ^ hi);
    *key0 = (uint32_t)s;
    *key1 = (uint32_t)(s >> 32);
}
static inline uint32_t leaky_rrelu_hash(uint32_t lo, uint32_t key0, uint32_t key1)
{
    uint32_t h = lo + key0;
    h ^= h >> 17;
    h *= 0xED5AD4BBu;
    h ^= key1;
    h ^= h >> 11;
    h *= 0xAC4C1B51u;
    h ^= h >> 15;
    h *= 0x31848BABu;
    h ^= h >> 14;
    return h;
}
/* u = (h >> 8) * 2^-24: exact in float. */
#define LEAKY_RRELU_U_SCALE (1.0f / 16777216.0f)

#endif
