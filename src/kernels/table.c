/* SPDX-License-Identifier: MIT */
/* A path's part of the dispatch, from the kernel list: its table's filler and its kernels by
 * list position (for the tests).  Compiled once per SIMD path, where simd/vec.h names the
 * path's kernels (LEAKY_KNAME) and picks its column of the list (LEAKY_KERNEL_COLUMN); the
 * scalar path's ref/table.c defines both and includes this file. */
#include "internal/kernels.h"
#ifndef LEAKY_KERNEL_COLUMN
#include "simd/vec.h"
#endif

static bool cpu_has(unsigned cpu_features, unsigned needed)
{
    return (cpu_features & needed) == needed;
}

/* Over a copy of the scalar table: every kernel the path compiles and the CPU runs, in list
 * order, so that a variant (listed after its slot's kernel) replaces it. */
void LEAKY_KNAME(fill_kernels)(struct leaky_kernels *k, unsigned cpu_features)
{
#define LEAKY_X_TAKE(needed, slot, kernel) \
    if (cpu_has(cpu_features, needed))     \
        k->slot = kernel;
#define LEAKY_X_SKIP(slot, kernel)
#define LEAKY_X_FILL(name, slot, type, ...)                                               \
    LEAKY_KERNEL_CELL(LEAKY_KERNEL_COLUMN(__VA_ARGS__), LEAKY_X_TAKE, LEAKY_X_SKIP, slot, \
                      LEAKY_KNAME(name))
    LEAKY_KERNEL_LIST(LEAKY_X_FILL)
#undef LEAKY_X_FILL
#undef LEAKY_X_SKIP
#undef LEAKY_X_TAKE
}

const struct leaky_kernel_impl LEAKY_KNAME(kernel_impls)[LEAKY_KERNEL_COUNT] = {
#define LEAKY_X_COMPILED(needed, kernel) {(void (*)(void))kernel, needed},
#define LEAKY_X_ABSENT(kernel) {NULL, 0},
#define LEAKY_X_IMPL(name, slot, type, ...)                                               \
    LEAKY_KERNEL_CELL(LEAKY_KERNEL_COLUMN(__VA_ARGS__), LEAKY_X_COMPILED, LEAKY_X_ABSENT, \
                      LEAKY_KNAME(name))
    LEAKY_KERNEL_LIST(LEAKY_X_IMPL)
#undef LEAKY_X_IMPL
#undef LEAKY_X_ABSENT
#undef LEAKY_X_COMPILED
};
