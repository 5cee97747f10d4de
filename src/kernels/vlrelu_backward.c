/* SPDX-License-Identifier: MIT */
/* Leaky ReLU backward: dx = x > 0 ? dy : slope * dy.  With x replaced by the forward's
 * output y it is also the backward from the output (same sign for slope >= 0). */
#include "simd/vtype.h"

struct kernel_consts {
    vT slope;
};
static inline struct kernel_consts kernel_prepare(const TPARAMS *p)
{
    return (struct kernel_consts){vT_set1(p->slope)};
}
static inline vT kernel_op(vT x, vT dy, const struct kernel_consts *c)
{
    return vT_backward(x, dy, c->slope);
}

#define KERNEL_NAME TNAME(vlrelu_backward)
#include "kernels/loop_binary.h"
