/* SPDX-License-Identifier: MIT */
/* The conversion kernels between float32 and float16 or bfloat16 arrays, written once:
 * leaky_<HALF>_widen__<isa> and leaky_<HALF>_narrow__<isa>. The including file defines
 * HALF (f16, bf16 or bf16hw) and may define HALF_TARGET, as for loop_unary_half.h; this
 * template undefines them at its end. */
#define LEAKY_HALF_PASTE_(a, b) a##b
#define LEAKY_HALF_PASTE(a, b) LEAKY_HALF_PASTE_(a, b)
#define HALF_WIDEN LEAKY_HALF_PASTE(vh16_widen_, HALF)
#define HALF_NARROW LEAKY_HALF_PASTE(vh16_narrow_, HALF)
#ifndef HALF_TARGET
#define HALF_TARGET LEAKY_HALF_TARGET
#endif

HALF_TARGET void LEAKY_KNAME(LEAKY_HALF_PASTE(HALF, _widen))(size_t n, const uint16_t *x, float *y)
{
    size_t i = 0;
    for (; i + VF32_LANES <= n; i += VF32_LANES)
        vf32_store(y + i, HALF_WIDEN(vh16_load(x + i)));
    if (i < n)
        vf32_store_part(y + i, HALF_WIDEN(vh16_load_part(x + i, n - i)), n - i);
}

HALF_TARGET void LEAKY_KNAME(LEAKY_HALF_PASTE(HALF, _narrow))(size_t n, const float *x, uint16_t *y)
{
    size_t i = 0;
    for (; i + VF32_LANES <= n; i += VF32_LANES)
        vh16_store(y + i, HALF_NARROW(vf32_load(x + i)));
    if (i < n)
        vh16_store_part(y + i, HALF_NARROW(vf32_load_part(x + i, n - i)), n - i);
}

#undef HALF_WIDEN
#undef HALF_NARROW
#undef HALF_TARGET
#undef HALF
