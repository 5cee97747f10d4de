/* SPDX-License-Identifier: MIT */
/* The scalar table: the reference kernels (the kernel list's scalar column), the start of
 * every other table. */
#define LEAKY_KNAME(name) leaky_##name##__scalar
#define LEAKY_KERNEL_COLUMN(scalar, ...) scalar
#include "kernels/table.c"
