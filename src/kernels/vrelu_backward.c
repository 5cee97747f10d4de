/* SPDX-License-Identifier: MIT */
/* Plain ReLU backward as PyTorch's threshold_backward: dx = x <= 0 ? 0 : dy, so a NaN
 * input lets the gradient through. */
#include "simd/vtype.h"

struct kernel_consts {
    vT zero;
};
static inline struct kernel_consts kernel_prepare(const TPARAMS *p)
{
    (void)p;
    return (struct kernel_consts){vT_zero()};
}
static inline vT kernel_op(vT x, vT dy, const struct kernel_consts *c)
{
    return vT_select(vT_le(x, c->zero), c->zero, dy);
}

#define KERNEL_NAME TNAME(vrelu_backward)
#include "kernels/loop_binary.h"
