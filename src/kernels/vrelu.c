/* SPDX-License-Identifier: MIT */
/* Plain ReLU as torch.relu: y = x < 0 ? 0 : x, so NaN and -0.0 pass unchanged. */
#include "simd/vtype.h"

struct kernel_consts {
    vT zero;
};
static inline struct kernel_consts kernel_prepare(const TPARAMS *p)
{
    (void)p;
    return (struct kernel_consts){vT_zero()};
}
static inline vT kernel_op(vT x, const struct kernel_consts *c)
{
    return vT_select(vT_lt(x, c->zero), c->zero, x);
}

#define KERNEL_NAME TNAME(vrelu)
#include "kernels/loop_unary.h"
