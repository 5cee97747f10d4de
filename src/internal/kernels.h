/* SPDX-License-Identifier: MIT */
/* The kernels: their parameters, their types, their declarations (from the one list of them,
 * internal/kernel_list.h) and the dispatch table. */
#ifndef LEAKY_INTERNAL_KERNELS_H
#define LEAKY_INTERNAL_KERNELS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal/isa.h"
#include "internal/kernel_list.h"
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

/* Kernel types, one set per element type t (f32, f64) and its C type T.  An output may be
 * the very array of the input the comment names (in place), never a part of another.
 *   unary               y = op(x) elementwise; y may be x.
 *   binary              out = op(x, g) elementwise, x deciding the branch and g the value
 *                       routed; out may be g (a backward in place) or x (PReLU's forward in
 *                       place).
 *   prelu_runs_backward PReLU backward over `runs` runs of len elements each, back to back,
 *                       run r with the slope slopes[(channel + r) % channels]: dx, and
 *                       sums[r] = the run's slope gradient: the terms (x > 0 ? 0 : x * dy) of
 *                       its element j go to lane j % 16 in blocks of LEAKY_ACC_BLOCK
 *                       (j / 128), and the 16 lanes are added as a fixed tree (k + 8, + 4,
 *                       + 2, + 1).  nontemporal: stream dx (out of place).  dx may be dy.
 *                       With bias (not NULL) it is bias + activation's backward, z = x +
 *                       bias[(channel + r) % channels] in place of x: bias_sums[r] = the
 *                       run's sum of dx, in the same lanes and blocks; sums NULL: no slope
 *                       sums; slopes NULL means ReLU's backward (dx = z <= 0 ? 0 : dy, and
 *                       sums is not written).
 *   prelu_row_backward  PReLU backward over a row of n / period periods (n a multiple of
 *                       period) with a slope per position in the period w[j]: dx, and
 *                       acc[j] += the block sums of the terms at position j, a block per
 *                       LEAKY_ACC_BLOCK periods, in order.  nontemporal: stream dx (out of
 *                       place).  dx may be dy.  With a bias per
 *                       position b[j] (not NULL), z = x + b[j] in place of x and bacc[j] +=
 *                       the block sums of dx; acc NULL: no slope sums; w NULL means ReLU's
 *                       (acc not written).
 *   bias_act            bias + activation forward: z = x + b, then y = z > 0 ? z : w * z, or
 *                       y = z < 0 ? 0 : z (torch.relu) where w is NULL; b one value (period
 *                       0: b[0]) or a row that repeats every period (at least 64) elements,
 *                       element i taking position (phase + i) % period; a row holds period
 *                       + 64 elements (its next period's first 64 after it); w a row like
 *                       b's where w_row and period > 0, else one value (w[0]).
 *                       nontemporal: stream y (out of place).  y may be x.
 *   rrelu               RReLU training forward (noise may be NULL; y may be x);
 *   rrelu_backward      its backward (dx may be dy). */
#define LEAKY_KERNEL_TYPES(t, T)                                                                 \
    typedef void leaky_unary_##t##_fn(size_t n, const T *x, T *y,                                \
                                      const struct leaky_##t##_params *params);                  \
    typedef void leaky_binary_##t##_fn(size_t n, const T *x, const T *g, T *out,                 \
                                       const struct leaky_##t##_params *params);                 \
    typedef void leaky_prelu_runs_backward_##t##_fn(                                             \
        size_t runs, size_t len, const T *x, const T *dy, T *dx, const T *slopes, const T *bias, \
        size_t channels, size_t channel, bool nontemporal, double *sums, double *bias_sums);     \
    typedef void leaky_prelu_row_backward_##t##_fn(size_t n, size_t period, const T *x,          \
                                                   const T *dy, const T *w, const T *b, T *dx,   \
                                                   bool nontemporal, double *acc, double *bacc); \
    typedef void leaky_bias_act_##t##_fn(size_t n, const T *x, const T *b, const T *w,           \
                                         size_t period, size_t phase, bool w_row, T *y,          \
                                         const struct leaky_##t##_params *params);               \
    typedef void leaky_rrelu_##t##_fn(size_t n, const T *x, T *y, T *noise,                      \
                                      const struct leaky_rrelu_##t##_params *params);            \
    typedef void leaky_rrelu_backward_##t##_fn(size_t n, const T *x, const T *dy, T *dx,         \
                                               const struct leaky_rrelu_##t##_params *params);
LEAKY_KERNEL_TYPES(f32, float)
LEAKY_KERNEL_TYPES(f64, double)
#undef LEAKY_KERNEL_TYPES

/* The float16, bfloat16 and int8 kernel types. */
/* float16 and bfloat16 travel as their bits (uint16_t); the op is the float32 one, and the
 * outputs may be the inputs as for float32. */
typedef void leaky_unary_u16_fn(size_t n, const uint16_t *x, uint16_t *y,
                                const struct leaky_f32_params *params);
typedef void leaky_binary_u16_fn(size_t n, const uint16_t *x, const uint16_t *g, uint16_t *out,
                                 const struct leaky_f32_params *params);
/* PReLU forward with a float32 slope per element (a slope row, as the f32 vprelu kernel);
 * y may be x. */
typedef void leaky_prelu_u16_fn(size_t n, const uint16_t *x, const float *w, uint16_t *y,
                                const struct leaky_f32_params *params);
/* Conversions between float32 and float16 or bfloat16 arrays (which never overlap). */
typedef void leaky_widen_u16_fn(size_t n, const uint16_t *x, float *y);
typedef void leaky_narrow_u16_fn(size_t n, const float *x, uint16_t *y);
/* y[i] = table[x[i]]: every int8 and uint8 function is a 256-entry table built once; y may
 * be x. */
typedef void leaky_lut8_fn(size_t n, const uint8_t *x, uint8_t *y, const uint8_t *table);

/* The dispatch table: a slot per kernel of the list (its entry with a scalar kernel). */
struct leaky_kernels {
#define LEAKY_X_SLOT(cpu_features, slot, type) type *slot;
#define LEAKY_X_NO_SLOT(slot, type)
#define LEAKY_X_FIELD(name, slot, type, scalar, ...) \
    LEAKY_KERNEL_CELL(scalar, LEAKY_X_SLOT, LEAKY_X_NO_SLOT, slot, type)
    LEAKY_KERNEL_LIST(LEAKY_X_FIELD)
#undef LEAKY_X_FIELD
#undef LEAKY_X_NO_SLOT
#undef LEAKY_X_SLOT
};

/* Every kernel of every path: leaky_<name>__<isa>, of the type leaky_<name>_kernel (declared
 * even where no path defines it; only what the list's cells allow is ever named). */
#define LEAKY_X_DECLARE_ON(name, isa, ISA, cpu_features) \
    leaky_##name##_kernel leaky_##name##__##isa;
#define LEAKY_X_DECLARE(name, slot, type, ...) \
    typedef type leaky_##name##_kernel;        \
    LEAKY_ISA_LIST(LEAKY_X_DECLARE_ON, name)
LEAKY_KERNEL_LIST(LEAKY_X_DECLARE)
#undef LEAKY_X_DECLARE
#undef LEAKY_X_DECLARE_ON

/* Each path's table (kernels/table.c, from the list): leaky_fill_kernels__<isa> puts the
 * path's kernels over a copy of the scalar table, those the CPU's features allow. */
#define LEAKY_X_DECLARE_FILL(a, isa, ISA, features) \
    void leaky_fill_kernels__##isa(struct leaky_kernels *k, unsigned cpu_features);
LEAKY_ISA_LIST(LEAKY_X_DECLARE_FILL, ~)
#undef LEAKY_X_DECLARE_FILL

/* The list by number, for the tests: an entry's position, and the count. */
#define LEAKY_X_POSITION(name, slot, type, ...) LEAKY_KERNEL_POSITION_##name,
enum { LEAKY_KERNEL_LIST(LEAKY_X_POSITION) LEAKY_KERNEL_COUNT };
#undef LEAKY_X_POSITION

/* A path's kernel of one list entry (the tests call each, even one that a variant hides in
 * the table): fn is NULL where the path does not compile it, and cpu_features says what the
 * CPU needs beyond the path to run it.  Cast fn back to the entry's type to call it. */
struct leaky_kernel_impl {
    void (*fn)(void);
    unsigned cpu_features;
};
#define LEAKY_X_DECLARE_IMPLS(a, isa, ISA, cpu_features) \
    extern const struct leaky_kernel_impl leaky_kernel_impls__##isa[LEAKY_KERNEL_COUNT];
LEAKY_ISA_LIST(LEAKY_X_DECLARE_IMPLS, ~)
#undef LEAKY_X_DECLARE_IMPLS
/* A path's kernels in list order; NULL for a path this build lacks. */
const struct leaky_kernel_impl *leaky_kernel_impls(leaky_isa isa);

/* The table in use; fails (with leaky_last_error() set) when LEAKY_ISA is unusable.
 * Inline: after the first call it is one atomic load. */
extern _Atomic(const struct leaky_kernels *) leaky_active_table;
leaky_status leaky_active_kernels_first(const struct leaky_kernels **kernels);
static inline leaky_status leaky_active_kernels(const struct leaky_kernels **kernels)
{
    const struct leaky_kernels *k = atomic_load_explicit(&leaky_active_table, memory_order_acquire);
    if (__builtin_expect(k == NULL, 0))
        return leaky_active_kernels_first(kernels);
    *kernels = k;
    return LEAKY_OK;
}
/* The table of one ISA, or NULL when this build or CPU lacks it (tests use this). */
const struct leaky_kernels *leaky_kernels_for_isa(leaky_isa isa);

#endif
