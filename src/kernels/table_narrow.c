/* SPDX-License-Identifier: MIT */
/* This ISA's float16, bfloat16 and int8 entries of the dispatch table (compiled once per
 * ISA, like table.c), each only where the CPU has what its kernel needs. */
#include "internal/cpu.h"
#include "internal/kernels.h"
#include "simd/vec_half.h"

#ifdef LEAKY_BF16HW_TARGET
/* The bfloat16 kernels narrowing with vcvtneps2bf16 (simd/vec_half.h), for CPUs with
 * AVX512_BF16: not in the kernel list, they fill its bf16 entries. */
leaky_unary_u16_fn leaky_bf16hw_vlrelu__avx512, leaky_bf16hw_vlrelu_derivative__avx512;
leaky_binary_u16_fn leaky_bf16hw_vlrelu_backward__avx512;
leaky_prelu_u16_fn leaky_bf16hw_vprelu__avx512;
leaky_narrow_u16_fn leaky_bf16hw_narrow__avx512;
#endif

void LEAKY_KNAME(fill_narrow_kernels)(struct leaky_kernels *k, unsigned cpu_features)
{
    (void)cpu_features;
    k->bf16_vlrelu = LEAKY_KNAME(bf16_vlrelu);
    k->bf16_vlrelu_backward = LEAKY_KNAME(bf16_vlrelu_backward);
    k->bf16_vlrelu_derivative = LEAKY_KNAME(bf16_vlrelu_derivative);
    k->bf16_vprelu = LEAKY_KNAME(bf16_vprelu);
    k->bf16_widen = LEAKY_KNAME(bf16_widen);
    k->bf16_narrow = LEAKY_KNAME(bf16_narrow);
#ifdef LEAKY_BF16HW_TARGET
    if (cpu_features & LEAKY_CPU_AVX512_BF16) {
        k->bf16_vlrelu = leaky_bf16hw_vlrelu__avx512;
        k->bf16_vlrelu_backward = leaky_bf16hw_vlrelu_backward__avx512;
        k->bf16_vlrelu_derivative = leaky_bf16hw_vlrelu_derivative__avx512;
        k->bf16_vprelu = leaky_bf16hw_vprelu__avx512;
        k->bf16_narrow = leaky_bf16hw_narrow__avx512;
    }
#endif
#if defined(LEAKY_HAVE_VEC_F16)
#if defined(LEAKY_BUILD_AVX2)
    if (cpu_features & LEAKY_CPU_F16C)
#endif
    {
        k->f16_vlrelu = LEAKY_KNAME(f16_vlrelu);
        k->f16_vlrelu_backward = LEAKY_KNAME(f16_vlrelu_backward);
        k->f16_vlrelu_derivative = LEAKY_KNAME(f16_vlrelu_derivative);
        k->f16_vprelu = LEAKY_KNAME(f16_vprelu);
        k->f16_widen = LEAKY_KNAME(f16_widen);
        k->f16_narrow = LEAKY_KNAME(f16_narrow);
    }
#endif
#if defined(LEAKY_BUILD_AVX512)
    if (cpu_features & LEAKY_CPU_AVX512_VBMI)
        k->x8_vlut = LEAKY_KNAME(x8_vlut);
#elif defined(LEAKY_BUILD_AVX2) || defined(LEAKY_BUILD_NEON)
    k->x8_vlut = LEAKY_KNAME(x8_vlut);
#endif
}
