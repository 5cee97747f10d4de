/* SPDX-License-Identifier: MIT */
/* Plain ReLU as torch.relu: y = x < 0 ? 0 : x, so NaN and -0.0 pass unchanged. */
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
static inline vf32 kernel_op(vf32 x, const struct kernel_consts *c)
{
    return vf32_select(vf32_lt(x, c->zero), c->zero, x);
}

#define KERNEL_NAME f32_vrelu
#include "kernels/loop_unary_f32.h"
