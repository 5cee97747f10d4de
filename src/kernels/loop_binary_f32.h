/* SPDX-License-Identifier: MIT */
/* The loop of every elementwise out = op(x, g) kernel (a gradient g routed by x), written
 * once. The including file defines KERNEL_NAME, struct kernel_consts, kernel_prepare()
 * and kernel_op(). */

/* Whole vectors from i on; returns where it stopped. Inlined once per store kind. */
static inline __attribute__((always_inline)) size_t
kernel_loop(size_t i, size_t n, const float *x, const float *g, float *out,
            const struct kernel_consts *c, int stream)
{
    for (; i + 4 * VF32_LANES <= n; i += 4 * VF32_LANES) {
        const vf32 x0 = vf32_load(x + i), g0 = vf32_load(g + i);
        const vf32 x1 = vf32_load(x + i + VF32_LANES), g1 = vf32_load(g + i + VF32_LANES);
        const vf32 x2 = vf32_load(x + i + 2 * VF32_LANES), g2 = vf32_load(g + i + 2 * VF32_LANES);
        const vf32 x3 = vf32_load(x + i + 3 * VF32_LANES), g3 = vf32_load(g + i + 3 * VF32_LANES);
        vf32_put(out + i, kernel_op(x0, g0, c), stream);
        vf32_put(out + i + VF32_LANES, kernel_op(x1, g1, c), stream);
        vf32_put(out + i + 2 * VF32_LANES, kernel_op(x2, g2, c), stream);
        vf32_put(out + i + 3 * VF32_LANES, kernel_op(x3, g3, c), stream);
    }
    for (; i + VF32_LANES <= n; i += VF32_LANES)
        vf32_put(out + i, kernel_op(vf32_load(x + i), vf32_load(g + i), c), stream);
    return i;
}

void LEAKY_KNAME(KERNEL_NAME)(size_t n, const float *x, const float *g, float *out,
                              const struct leaky_f32_params *params)
{
    const struct kernel_consts c = kernel_prepare(params);
    size_t i = 0;
    if (params->nontemporal) {
        /* Streamed stores need an aligned address: a partial vector reaches it first. */
        i = (VF32_BYTES - (uintptr_t)out % VF32_BYTES) % VF32_BYTES / sizeof(float);
        i = i < n ? i : n;
        if (i > 0)
            vf32_store_part(out, kernel_op(vf32_load_part(x, i), vf32_load_part(g, i), &c), i);
        i = kernel_loop(i, n, x, g, out, &c, 1);
        vf32_stream_fence();
    } else {
        i = kernel_loop(0, n, x, g, out, &c, 0);
    }
    if (i < n)
        vf32_store_part(out + i,
                        kernel_op(vf32_load_part(x + i, n - i), vf32_load_part(g + i, n - i), &c),
                        n - i);
}
