/* SPDX-License-Identifier: MIT */
/* Running an elementwise kernel, for every element type: small calls inline on the caller's
 * thread, large ones split over threads and, out of place, streamed; every size in bytes. */
#ifndef LEAKY_INTERNAL_RUN_H
#define LEAKY_INTERNAL_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal/kernels.h"
#include "internal/parallel.h"

/* A second thread pays off only when each thread writes at least this many bytes: below, a
 * hand-off eats the gain (docs/PERFORMANCE.md, "Threading grain"). */
enum { LEAKY_GRAIN_BYTES = 128 << 10 };
/* Below this many bytes written a call runs at once on the caller's thread. */
enum { LEAKY_SMALL_CALL_BYTES = 256 << 10 };
/* From this many bytes read and written, out of place, stores bypass the caches
 * (docs/PERFORMANCE.md, "Non-temporal stores"). */
enum { LEAKY_NONTEMPORAL_BYTES = 20 << 20 };

/* Below two grains there is one thread's worth of work, so the inline path runs on one
 * thread exactly what the split would; a call touches at most 3 bytes per byte written (a
 * gradient; a narrowing conversion), so the inline path has nothing to stream. */
_Static_assert(LEAKY_SMALL_CALL_BYTES == 2 * LEAKY_GRAIN_BYTES,
               "small calls are one grain's worth");
_Static_assert(3 * LEAKY_SMALL_CALL_BYTES < LEAKY_NONTEMPORAL_BYTES,
               "small calls are never streamed");

/* The grain in elements of out_size bytes. */
static inline size_t leaky_grain(size_t out_size) { return LEAKY_GRAIN_BYTES / out_size; }

/* Whether a call's stores should bypass the caches: more than LEAKY_NONTEMPORAL_BYTES
 * touched, out not the array in that it may overwrite, and out aligned to its elements.
 * Only the kernels with a nontemporal parameter act on it. */
static inline bool leaky_stream(const void *out, const void *in, size_t touched, size_t out_size)
{
    return touched > LEAKY_NONTEMPORAL_BYTES && out != in && (uintptr_t)out % out_size == 0;
}

/* Whether a call writing n elements of out_size bytes is small: it runs at once on the
 * caller's thread, whole and unstreamed, with nothing prepared for a split (a 256-element
 * call must cost little more than its loads and stores). n has passed leaky_check_array,
 * so n * out_size does not overflow. */
static inline bool leaky_small_call(size_t n, size_t out_size)
{
    return __builtin_expect(n * out_size < LEAKY_SMALL_CALL_BYTES, 1);
}

/* The threaded path: range(ctx, begin, end) over pieces of [0, n) of at least a grain,
 * that start where out (n elements of out_size bytes) is 64-byte aligned, possibly on
 * several threads at once. */
static inline void leaky_run_split(size_t n, size_t out_size, const void *out,
                                   leaky_range_fn *range, void *ctx)
{
    leaky_parallel_for_aligned(n, leaky_grain(out_size), out, out_size, range, ctx);
}

/* Both: a small call straight through range on this thread, a large one split. Entry
 * points whose kernel takes the whole call test leaky_small_call themselves and call the
 * kernel directly, so that a small call does not build the split's context either. */
static inline void leaky_run(size_t n, size_t out_size, const void *out, leaky_range_fn *range,
                             void *ctx)
{
    if (leaky_small_call(n, out_size))
        range(ctx, 0, n);
    else
        leaky_run_split(n, out_size, out, range, ctx);
}

/* A kernel's slot in the dispatch table, typed. An entry point names the kernel it runs
 * before the table is fetched (after its checks), so one checked path serves a family:
 *   typedef LEAKY_SLOT_TYPE(leaky_unary_u16_fn) unary_slot;   a slot of one kernel type
 *   LEAKY_SLOT(unary_slot, f16_vlrelu)      kernel f16_vlrelu's slot, its type checked
 *   LEAKY_KERNEL_AT(k, slot)                the kernel in table k, as the slot's type */
#define LEAKY_SLOT_TYPE(type) \
    struct {                  \
        size_t offset;        \
        type *kind;           \
    }
#define LEAKY_SLOT_KIND_(slot_type) __typeof__(((slot_type *)0)->kind)
#define LEAKY_SLOT(slot_type, name)                                                      \
    ((slot_type){_Generic(((struct leaky_kernels *)0)->name, LEAKY_SLOT_KIND_(slot_type) \
                          : offsetof(struct leaky_kernels, name)),                       \
                 NULL})
#define LEAKY_KERNEL_AT(k, slot) \
    (*(__typeof__((slot).kind) const *)((const char *)(k) + (slot).offset))

#endif
