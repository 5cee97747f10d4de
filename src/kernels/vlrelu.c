/* SPDX-License-Identifier: MIT */
/* Leaky ReLU forward: y = x > 0 ? x : slope * x. */
#include "simd/vtype.h"

struct kernel_consts {
    vT zero, slope;
};
static inline struct kernel_consts kernel_prepare(const TPARAMS *p)
{
    return (struct kernel_consts){vT_zero(), vT_set1(p->slope)};
}
/* A select, not max(x, slope * x): max is wrong for slopes above 1 or below 0. */
static inline vT kernel_op(vT x, const struct kernel_consts *c)
{
    return vT_select(vT_gt(x, c->zero), x, vT_mul(x, c->slope));
}

#define KERNEL_NAME TNAME(vlrelu)
#include "kernels/loop_unary.h"
