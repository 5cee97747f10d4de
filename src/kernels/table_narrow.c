/* SPDX-License-Identifier: MIT */
/* This ISA's float16, bfloat16 and int8 entries of the dispatch table (compiled once per
 * ISA, like table.c), each only where the CPU has what its kernel needs. */
#include "internal.h"
#include "simd/vec_half.h"

void LEAKY_KNAME(fill_narrow_kernels)(struct leaky_kernels *k, unsigned cpu_features)
{
    (void)cpu_features;
    k->bf16_vlrelu = LEAKY_KNAME(bf16_vlrelu);
    k->bf16_vlrelu_backward = LEAKY_KNAME(bf16_vlrelu_backward);
    k->bf16_vlrelu_derivative = LEAKY_KNAME(bf16_vlrelu_derivative);
#if defined(LEAKY_HAVE_VEC_F16)
#if defined(LEAKY_BUILD_AVX2)
    if (cpu_features & LEAKY_CPU_F16C)
#endif
    {
        k->f16_vlrelu = LEAKY_KNAME(f16_vlrelu);
        k->f16_vlrelu_backward = LEAKY_KNAME(f16_vlrelu_backward);
        k->f16_vlrelu_derivative = LEAKY_KNAME(f16_vlrelu_derivative);
    }
#endif
#if defined(LEAKY_BUILD_AVX512)
    if (cpu_features & LEAKY_CPU_AVX512_VBMI)
        k->x8_vlut = LEAKY_KNAME(x8_vlut);
#elif defined(LEAKY_BUILD_AVX2) || defined(LEAKY_BUILD_NEON)
    k->x8_vlut = LEAKY_KNAME(x8_vlut);
#endif
}
