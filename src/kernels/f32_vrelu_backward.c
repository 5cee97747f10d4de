/* SPDX-License-Identifier: MIT */
/* Plain ReLU backward as PyTorch's threshold_backward: dx = x <= 0 ? 0 : dy, so a NaN
 * input lets the gradient through. */
#include "internal.h"
#include "simd/vec.h"

struct kernel_consts {
    vf32 zero;
};
static inline struct kernel_consts kernel_prepare(const struct leaky_f32_params *p)
{
    (void)p;
    return (struct kernel_consts){vf32_zero()};
}
static inline vf32 kernel_op(vf32 x, vf32 dy, const struct kernel_consts *c)
{
    return vf32_select(vf32_le(x, c->zero), c->zero, dy);
}

#define KERNEL_NAME f32_vrelu_backward
#include "kernels/loop_binary_f32.h"
