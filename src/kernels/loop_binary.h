/* SPDX-License-Identifier: MIT */
/* The loop of every elementwise out = op(x, g) kernel (a gradient g routed by x), written
 * once for every ISA and type. The including file defines KERNEL_NAME, struct
 * kernel_consts, kernel_prepare() and kernel_op(). */

#ifndef LEAKY_REUSE_F32_OP /* set by a kernel on other storage that takes only the op */
/* Whole vectors from i on; returns where it stopped. Inlined once per store kind. */
static inline __attribute__((always_inline)) size_t kernel_loop(size_t i, size_t n, const T *x,
                                                                const T *g, T *out,
                                                                const struct kernel_consts *c,
                                                                int stream)
{
    for (; i + 4 * VT_LANES <= n; i += 4 * VT_LANES) {
        const vT x0 = vT_load(x + i), g0 = vT_load(g + i);
        const vT x1 = vT_load(x + i + VT_LANES), g1 = vT_load(g + i + VT_LANES);
        const vT x2 = vT_load(x + i + 2 * VT_LANES), g2 = vT_load(g + i + 2 * VT_LANES);
        const vT x3 = vT_load(x + i + 3 * VT_LANES), g3 = vT_load(g + i + 3 * VT_LANES);
        vT_put(out + i, kernel_op(x0, g0, c), stream);
        vT_put(out + i + VT_LANES, kernel_op(x1, g1, c), stream);
        vT_put(out + i + 2 * VT_LANES, kernel_op(x2, g2, c), stream);
        vT_put(out + i + 3 * VT_LANES, kernel_op(x3, g3, c), stream);
    }
    for (; i + VT_LANES <= n; i += VT_LANES)
        vT_put(out + i, kernel_op(vT_load(x + i), vT_load(g + i), c), stream);
    return i;
}

void LEAKY_KNAME(KERNEL_NAME)(size_t n, const T *x, const T *g, T *out, const TPARAMS *params)
{
    const struct kernel_consts c = kernel_prepare(params);
    size_t i = 0;
    if (params->nontemporal) {
        /* Streamed stores need an aligned address: a partial vector reaches it first. */
        i = (VT_BYTES - (uintptr_t)out % VT_BYTES) % VT_BYTES / sizeof(T);
        i = i < n ? i : n;
        if (i > 0)
            vT_store_part(out, kernel_op(vT_load_part(x, i), vT_load_part(g, i), &c), i);
        i = kernel_loop(i, n, x, g, out, &c, 1);
        vT_stream_fence();
    } else {
        i = kernel_loop(0, n, x, g, out, &c, 0);
    }
    if (i < n)
        vT_store_part(out + i,
                      kernel_op(vT_load_part(x + i, n - i), vT_load_part(g + i, n - i), &c), n - i);
}
#endif
