/* SPDX-License-Identifier: MIT */
/* The scalar table: the reference kernels, the start of every other table. */
#include "internal/kernels.h"

void leaky_fill_kernels__scalar(struct leaky_kernels *k)
{
#define LEAKY_X_FILL(name, type) k->name = leaky_##name##__scalar;
    LEAKY_KERNEL_LIST(LEAKY_X_FILL)
#undef LEAKY_X_FILL
}
