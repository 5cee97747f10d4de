/* SPDX-License-Identifier: MIT */
/* The kernels: their parameters, their types, the one list of them and the dispatch table. */
#ifndef LEAKY_INTERNAL_KERNELS_H
#define LEAKY_INTERNAL_KERNELS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal/isa.h"
#include "leaky.h"

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

/* ---- float16, bfloat16 and int8 kernels */
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

/* Fills the narrow kernels of isa's table over the scalar ones, those the CPU's extensions
 * (F16C, AVX512_VBMI, AVX512_BF16) allow; each ISA's part is leaky_fill_narrow_kernels__<isa>. */
struct leaky_kernels;
void leaky_fill_narrow_kernels(leaky_isa isa, struct leaky_kernels *k);
#define LEAKY_X_DECLARE_FILL_NARROW(a, isa, ISA, features) \
    void leaky_fill_narrow_kernels__##isa(struct leaky_kernels *k, unsigned cpu_features);
LEAKY_ISA_LIST(LEAKY_X_DECLARE_FILL_NARROW, ~)
#undef LEAKY_X_DECLARE_FILL_NARROW
/* ---- end of float16, bfloat16 and int8 */

struct leaky_kernels {
#define LEAKY_X_FIELD(name, type) type *name;
    LEAKY_KERNEL_LIST(LEAKY_X_FIELD)
    LEAKY_NARROW_KERNEL_LIST(LEAKY_X_FIELD)
#undef LEAKY_X_FIELD
};

/* Per-ISA tables: each fills in what it implements over a copy of the scalar one. */
#define LEAKY_X_DECLARE_FILL(a, isa, ISA, cpu_features) \
    void leaky_fill_kernels__##isa(struct leaky_kernels *k);
LEAKY_ISA_LIST(LEAKY_X_DECLARE_FILL, ~)
#undef LEAKY_X_DECLARE_FILL

/* Every kernel of every ISA: leaky_<name>__<isa>, of the type leaky_<name>_kernel.  The
 * scalar ones are the reference and the test oracle. */
#define LEAKY_X_DECLARE_ON(name, isa, ISA, cpu_features) leaky_##name##_kernel leaky_##name##__##isa;
#define LEAKY_X_DECLARE(name, type) \
    typedef type leaky_##name##_kernel; \
    LEAKY_ISA_LIST(LEAKY_X_DECLARE_ON, name)
LEAKY_KERNEL_LIST(LEAKY_X_DECLARE)
LEAKY_NARROW_KERNEL_LIST(LEAKY_X_DECLARE)
#undef LEAKY_X_DECLARE
#undef LEAKY_X_DECLARE_ON

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

#endif
