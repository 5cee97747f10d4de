/* SPDX-License-Identifier: MIT */
/* Leaky ReLU forward: y = x > 0 ? x : slope * x. */
#include "internal.h"
#include "simd/vec.h"

struct kernel_consts {
    vf32 zero, slope;
};
static inline struct kernel_consts kernel_prepare(const struct leaky_f32_params *p)
{
    return (struct kernel_consts){vf32_zero(), vf32_set1(p->slope)};
}
/* A select, not max(x, slope * x): max is wrong for slopes above 1 or below 0. */
static inline vf32 kernel_op(vf32 x, const struct kernel_consts *c)
{
    return vf32_select(vf32_gt(x, c->zero), x, vf32_mul(x, c->slope));
}

#define KERNEL_NAME f32_vlrelu
#include "kernels/loop_unary_f32.h"
