/* SPDX-License-Identifier: MIT */
/* Leaky ReLU derivative: d = x > 0 ? 1 : slope. */
#include "simd/vtype.h"

struct kernel_consts {
    vT zero, one, slope;
};
static inline struct kernel_consts kernel_prepare(const TPARAMS *p)
{
    return (struct kernel_consts){vT_zero(), vT_set1(1), vT_set1(p->slope)};
}
static inline vT kernel_op(vT x, const struct kernel_consts *c)
{
    return vT_select(vT_gt(x, c->zero), c->one, c->slope);
}

#define KERNEL_NAME TNAME(vlrelu_derivative)
#include "kernels/loop_unary.h"
