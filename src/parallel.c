/* SPDX-License-Identifier: MIT */
/* Where work is split: every kernel call that may be worth spreading over threads comes
 * through leaky_parallel_for. Elementwise results do not depend on the split, so the
 * bits are the same for any thread count. */
#include "internal.h"

void leaky_parallel_for(size_t n, size_t grain, leaky_range_fn *fn, void *ctx)
{
    (void)grain;
    if (n > 0)
        fn(ctx, 0, n);
}
