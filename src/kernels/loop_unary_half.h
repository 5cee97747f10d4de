/* SPDX-License-Identifier: MIT */
/* The loop of every y = op(x) kernel on float16 or bfloat16 storage: widen VF32_LANES
 * values, the float32 kernel's op, narrow (the one rounding). The including file has the
 * float32 op (kernel_prepare, kernel_op: it includes the float32 kernel source with
 * LEAKY_REUSE_F32_OP defined) and defines KERNEL_NAME (the op's name without its type,
 * e.g. vlrelu) and HALF (f16, bf16, or bf16hw: vh16.h's conversions for it), and may
 * define HALF_TARGET (the function's target attribute, LEAKY_HALF_TARGET by default);
 * this template undefines them at its end so that it can be included again. */
#define LEAKY_HALF_PASTE_(a, b) a##b
#define LEAKY_HALF_PASTE(a, b) LEAKY_HALF_PASTE_(a, b)
#define HALF_WIDEN LEAKY_HALF_PASTE(vh16_widen_, HALF)
#define HALF_NARROW LEAKY_HALF_PASTE(vh16_narrow_, HALF)
#ifndef HALF_TARGET
#define HALF_TARGET LEAKY_HALF_TARGET
#endif

HALF_TARGET void LEAKY_KNAME(LEAKY_HALF_PASTE(HALF, LEAKY_HALF_PASTE(_, KERNEL_NAME)))(
    size_t n, const uint16_t *x, uint16_t *y, const struct leaky_f32_params *params)
{
    const struct kernel_consts c = kernel_prepare(params);
    size_t i = 0;
    for (; i + 2 * VF32_LANES <= n; i += 2 * VF32_LANES) {
        const vf32 x0 = HALF_WIDEN(vh16_load(x + i));
        const vf32 x1 = HALF_WIDEN(vh16_load(x + i + VF32_LANES));
        vh16_store(y + i, HALF_NARROW(kernel_op(x0, &c)));
        vh16_store(y + i + VF32_LANES, HALF_NARROW(kernel_op(x1, &c)));
    }
    for (; i + VF32_LANES <= n; i += VF32_LANES)
        vh16_store(y + i, HALF_NARROW(kernel_op(HALF_WIDEN(vh16_load(x + i)), &c)));
    if (i < n)
        vh16_store_part(y + i, HALF_NARROW(kernel_op(HALF_WIDEN(vh16_load_part(x + i, n - i)), &c)),
                        n - i);
}

#undef HALF_WIDEN
#undef HALF_NARROW
#undef HALF_TARGET
#undef HALF
