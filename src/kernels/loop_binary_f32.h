/* SPDX-License-Identifier: MIT */
/* The loop of every elementwise out = op(x, g) kernel (a gradient g routed by x), written
 * once. The including file defines KERNEL_NAME, struct kernel_consts, kernel_prepare()
 * and kernel_op(). */
#ifndef LEAKY_REUSE_F32_OP /* set by a kernel on other storage that takes only the op */
void LEAKY_KNAME(KERNEL_NAME)(size_t n, const float *x, const float *g, float *out,
                              const struct leaky_f32_params *params)
{
    const struct kernel_consts c = kernel_prepare(params);
    size_t i = 0;
    for (; i + 2 * VF32_LANES <= n; i += 2 * VF32_LANES) {
        const vf32 x0 = vf32_load(x + i), g0 = vf32_load(g + i);
        const vf32 x1 = vf32_load(x + i + VF32_LANES), g1 = vf32_load(g + i + VF32_LANES);
        vf32_store(out + i, kernel_op(x0, g0, &c));
        vf32_store(out + i + VF32_LANES, kernel_op(x1, g1, &c));
    }
    for (; i + VF32_LANES <= n; i += VF32_LANES)
        vf32_store(out + i, kernel_op(vf32_load(x + i), vf32_load(g + i), &c));
    if (i < n)
        vf32_store_part(out + i,
                        kernel_op(vf32_load_part(x + i, n - i), vf32_load_part(g + i, n - i), &c),
                        n - i);
}
#endif
