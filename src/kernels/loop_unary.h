/* SPDX-License-Identifier: MIT */
/* The loop of every elementwise y = op(x) kernel, written once for every ISA and type. The
 * including file defines KERNEL_NAME, struct kernel_consts, kernel_prepare() (vectors built
 * once per call from the parameters) and kernel_op() (one vector of results). */

#ifndef LEAKY_REUSE_F32_OP /* set by a kernel on other storage that takes only the op */
/* Whole vectors from i on; returns where it stopped. Inlined once per store kind. */
static inline __attribute__((always_inline)) size_t kernel_loop(size_t i, size_t n, const T *x,
                                                                T *y, const struct kernel_consts *c,
                                                                int stream)
{
    /* Four independent vectors per iteration keep the load and store ports busy. */
    for (; i + 4 * VT_LANES <= n; i += 4 * VT_LANES) {
        const vT x0 = vT_load(x + i);
        const vT x1 = vT_load(x + i + VT_LANES);
        const vT x2 = vT_load(x + i + 2 * VT_LANES);
        const vT x3 = vT_load(x + i + 3 * VT_LANES);
        vT_put(y + i, kernel_op(x0, c), stream);
        vT_put(y + i + VT_LANES, kernel_op(x1, c), stream);
        vT_put(y + i + 2 * VT_LANES, kernel_op(x2, c), stream);
        vT_put(y + i + 3 * VT_LANES, kernel_op(x3, c), stream);
    }
    for (; i + VT_LANES <= n; i += VT_LANES)
        vT_put(y + i, kernel_op(vT_load(x + i), c), stream);
    return i;
}

void LEAKY_KNAME(KERNEL_NAME)(size_t n, const T *x, T *y, const TPARAMS *params)
{
    const struct kernel_consts c = kernel_prepare(params);
    size_t i = 0;
    if (params->nontemporal) {
        /* Streamed stores need an aligned address: a partial vector reaches it first. */
        i = (VT_BYTES - (uintptr_t)y % VT_BYTES) % VT_BYTES / sizeof(T);
        i = i < n ? i : n;
        if (i > 0)
            vT_store_part(y, kernel_op(vT_load_part(x, i), &c), i);
        i = kernel_loop(i, n, x, y, &c, 1);
        vT_stream_fence();
    } else {
        i = kernel_loop(0, n, x, y, &c, 0);
    }
    if (i < n)
        vT_store_part(y + i, kernel_op(vT_load_part(x + i, n - i), &c), n - i);
}
#endif
