/* SPDX-License-Identifier: MIT */
/* PReLU forward with a slope per element (a row of channels): y = x > 0 ? x : w * x. */
#include "simd/vtype.h"

struct kernel_consts {
    vT zero;
};
static inline struct kernel_consts kernel_prepare(const TPARAMS *p)
{
    (void)p;
    return (struct kernel_consts){vT_zero()};
}
static inline vT kernel_op(vT x, vT w, const struct kernel_consts *c)
{
    return vT_select(vT_gt(x, c->zero), x, vT_mul(w, x));
}

#define KERNEL_NAME TNAME(vprelu)
#include "kernels/loop_binary.h"
