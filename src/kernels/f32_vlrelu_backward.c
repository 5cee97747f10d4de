/* SPDX-License-Identifier: MIT */
/* Leaky ReLU backward: dx = x > 0 ? dy : slope * dy.  With x replaced by the forward's
 * output y it is also the backward from the output (same sign for slope >= 0). */
#include "internal.h"
#include "simd/vec.h"

struct kernel_consts {
    vf32 zero, slope;
};
static inline struct kernel_consts kernel_prepare(const struct leaky_f32_params *p)
{
    return (struct kernel_consts){vf32_zero(), vf32_set1(p->slope)};
}
static inline vf32 kernel_op(vf32 x, vf32 dy, const struct kernel_consts *c)
{
    return vf32_select(vf32_gt(x, c->zero), dy, vf32_mul(dy, c->slope));
}

#define KERNEL_NAME f32_vlrelu_backward
#include "kernels/loop_binary_f32.h"
