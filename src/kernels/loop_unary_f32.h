/* SPDX-License-Identifier: MIT */
/* The loop of every elementwise y = op(x) kernel, written once. The including file
 * defines KERNEL_NAME, struct kernel_consts, kernel_prepare() (vectors built once per
 * call from the parameters) and kernel_op() (one vector of results). */
#ifndef LEAKY_REUSE_F32_OP /* set by a kernel on other storage that takes only the op */
void LEAKY_KNAME(KERNEL_NAME)(size_t n, const float *x, float *y,
                              const struct leaky_f32_params *params)
{
    const struct kernel_consts c = kernel_prepare(params);
    size_t i = 0;
    /* Four independent vectors per iteration keep the load and store ports busy. */
    for (; i + 4 * VF32_LANES <= n; i += 4 * VF32_LANES) {
        const vf32 x0 = vf32_load(x + i);
        const vf32 x1 = vf32_load(x + i + VF32_LANES);
        const vf32 x2 = vf32_load(x + i + 2 * VF32_LANES);
        const vf32 x3 = vf32_load(x + i + 3 * VF32_LANES);
        vf32_store(y + i, kernel_op(x0, &c));
        vf32_store(y + i + VF32_LANES, kernel_op(x1, &c));
        vf32_store(y + i + 2 * VF32_LANES, kernel_op(x2, &c));
        vf32_store(y + i + 3 * VF32_LANES, kernel_op(x3, &c));
    }
    for (; i + VF32_LANES <= n; i += VF32_LANES)
        vf32_store(y + i, kernel_op(vf32_load(x + i), &c));
    if (i < n)
        vf32_store_part(y + i, kernel_op(vf32_load_part(x + i, n - i), &c), n - i);
}
#endif
