/* SPDX-License-Identifier: MIT */
/* The loop of every elementwise y = op(x) kernel, written once for every ISA and type. The including file
 * defines KERNEL_NAME, struct kernel_consts, kernel_prepare() (vectors built once per
 * call from the parameters) and kernel_op() (one vector of results). */
void LEAKY_KNAME(KERNEL_NAME)(size_t n, const T *x, T *y,
                              const TPARAMS *params)
{
    const struct kernel_consts c = kernel_prepare(params);
    size_t i = 0;
    /* Four independent vectors per iteration keep the load and store ports busy. */
    for (; i + 4 * VT_LANES <= n; i += 4 * VT_LANES) {
        const vT x0 = vT_load(x + i);
        const vT x1 = vT_load(x + i + VT_LANES);
        const vT x2 = vT_load(x + i + 2 * VT_LANES);
        const vT x3 = vT_load(x + i + 3 * VT_LANES);
        vT_store(y + i, kernel_op(x0, &c));
        vT_store(y + i + VT_LANES, kernel_op(x1, &c));
        vT_store(y + i + 2 * VT_LANES, kernel_op(x2, &c));
        vT_store(y + i + 3 * VT_LANES, kernel_op(x3, &c));
    }
    for (; i + VT_LANES <= n; i += VT_LANES)
        vT_store(y + i, kernel_op(vT_load(x + i), &c));
    if (i < n)
        vT_store_part(y + i, kernel_op(vT_load_part(x + i, n - i), &c), n - i);
}
