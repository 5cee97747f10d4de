/* SPDX-License-Identifier: MIT */
/* The loop of every elementwise out = op(x, g) kernel (a gradient g routed by x), written
 * once for every ISA and type. The including file defines KERNEL_NAME, struct
 * kernel_consts, kernel_prepare() and kernel_op(). */
void LEAKY_KNAME(KERNEL_NAME)(size_t n, const T *x, const T *g, T *out,
                              const TPARAMS *params)
{
    const struct kernel_consts c = kernel_prepare(params);
    size_t i = 0;
    for (; i + 2 * VT_LANES <= n; i += 2 * VT_LANES) {
        const vT x0 = vT_load(x + i), g0 = vT_load(g + i);
        const vT x1 = vT_load(x + i + VT_LANES), g1 = vT_load(g + i + VT_LANES);
        vT_store(out + i, kernel_op(x0, g0, &c));
        vT_store(out + i + VT_LANES, kernel_op(x1, g1, &c));
    }
    for (; i + VT_LANES <= n; i += VT_LANES)
        vT_store(out + i, kernel_op(vT_load(x + i), vT_load(g + i), &c));
    if (i < n)
        vT_store_part(out + i,
                        kernel_op(vT_load_part(x + i, n - i), vT_load_part(g + i, n - i), &c),
                        n - i);
}
