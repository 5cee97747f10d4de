/* SPDX-License-Identifier: MIT */
/* This ISA's entries of the dispatch table (compiled once per ISA, like the kernels). */
#include "internal/kernels.h"
#include "simd/vec.h"

void LEAKY_KNAME(fill_kernels)(struct leaky_kernels *k)
{
#define LEAKY_X_FILL(name, type) k->name = LEAKY_KNAME(name);
    LEAKY_KERNEL_LIST(LEAKY_X_FILL)
#undef LEAKY_X_FILL
}
