/* SPDX-License-Identifier: MIT */
/* The loop of every out = op(x, g) kernel on float16 or bfloat16 storage, as
 * loop_unary_half.h (same contract: the float32 op, KERNEL_NAME, HALF). g is of the same
 * half type as x, or float32 when the including file defines HALF_G_FLOAT (PReLU's slope
 * row: the slopes stay float32, as the float32 function takes them). */
#define LEAKY_HALF_PASTE_(a, b) a##b
#define LEAKY_HALF_PASTE(a, b) LEAKY_HALF_PASTE_(a, b)
#define HALF_WIDEN LEAKY_HALF_PASTE(vh16_widen_, HALF)
#define HALF_NARROW LEAKY_HALF_PASTE(vh16_narrow_, HALF)
#ifndef HALF_TARGET
#define HALF_TARGET LEAKY_HALF_TARGET
#endif
#ifdef HALF_G_FLOAT
#define HALF_G_T float
#define HALF_G_LOAD(p) vf32_load(p)
#define HALF_G_LOAD_PART(p, k) vf32_load_part(p, k)
#else
#define HALF_G_T uint16_t
#define HALF_G_LOAD(p) HALF_WIDEN(vh16_load(p))
#define HALF_G_LOAD_PART(p, k) HALF_WIDEN(vh16_load_part(p, k))
#endif

HALF_TARGET void LEAKY_KNAME(LEAKY_HALF_PASTE(HALF, LEAKY_HALF_PASTE(_, KERNEL_NAME)))(
    size_t n, const uint16_t *x, const HALF_G_T *g, uint16_t *out,
    const struct leaky_f32_params *params)
{
    const struct kernel_consts c = kernel_prepare(params);
    size_t i = 0;
    for (; i + VF32_LANES <= n; i += VF32_LANES) {
        const vf32 xv = HALF_WIDEN(vh16_load(x + i)), gv = HALF_G_LOAD(g + i);
        vh16_store(out + i, HALF_NARROW(kernel_op(xv, gv, &c)));
    }
    if (i < n) {
        const vf32 xv = HALF_WIDEN(vh16_load_part(x + i, n - i));
        const vf32 gv = HALF_G_LOAD_PART(g + i, n - i);
        vh16_store_part(out + i, HALF_NARROW(kernel_op(xv, gv, &c)), n - i);
    }
}

#undef HALF_G_T
#undef HALF_G_LOAD
#undef HALF_G_LOAD_PART
#undef HALF_WIDEN
#undef HALF_NARROW
#undef HALF_TARGET
#undef HALF
