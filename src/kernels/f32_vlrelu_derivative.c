/* SPDX-License-Identifier: MIT */
/* Leaky ReLU derivative: d = x > 0 ? 1 : slope. */
#include "internal.h"
#include "simd/vec.h"

struct kernel_consts {
    vf32 zero, one, slope;
};
static inline struct kernel_consts kernel_prepare(const struct leaky_f32_params *p)
{
    return (struct kernel_consts){vf32_zero(), vf32_set1(1.0f), vf32_set1(p->slope)};
}
static inline vf32 kernel_op(vf32 x, const struct kernel_consts *c)
{
    return vf32_select(vf32_gt(x, c->zero), c->one, c->slope);
}

#define KERNEL_NAME f32_vlrelu_derivative
#include "kernels/loop_unary_f32.h"
