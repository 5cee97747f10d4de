/* SPDX-License-Identifier: MIT */
/* CPU feature detection: cpuid says what the core has, xgetbv says whether the OS saves
 * the wide registers on a context switch. Both are needed before using a path. */
#include <stddef.h>
#include <stdint.h>

#include "internal/cpu.h"
#include "internal/isa.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t read_xcr0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static unsigned detect(void)
{
    unsigned eax, ebx, ecx, edx, features = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
        return 0;
    if (edx & bit_SSE2)
        features |= LEAKY_CPU_SSE2;
    const int osxsave = (ecx & bit_OSXSAVE) != 0, avx = (ecx & bit_AVX) != 0;
    if (!osxsave || !avx)
        return features;
    const uint64_t xcr0 = read_xcr0();
    const int os_ymm = (xcr0 & 0x6) == 0x6;   /* SSE and AVX state */
    const int os_zmm = (xcr0 & 0xe6) == 0xe6; /* and opmask, ZMM_Hi256, Hi16_ZMM */
    if (__get_cpuid_max(0, NULL) < 7)
        return features;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    if (os_ymm && (ebx & bit_AVX2))
        features |= LEAKY_CPU_AVX2;
    const unsigned avx512_needed = bit_AVX512F | bit_AVX512BW | bit_AVX512VL | bit_AVX512DQ;
    if (os_zmm && (features & LEAKY_CPU_AVX2) && (ebx & avx512_needed) == avx512_needed)
        features |= LEAKY_CPU_AVX512;
    return features;
}

/* The extensions only the float16, bfloat16 and int8 kernels use, on top of the
 * paths found by detect(): F16C in the AVX2 path, VBMI and BF16 in the AVX-512 one. The OS
 * state they need (ymm, zmm) was checked there. */
static unsigned detect_narrow(unsigned features)
{
    unsigned eax, ebx, ecx, edx, extra = 0;
    if (!(features & LEAKY_CPU_AVX2) || !__get_cpuid(1, &eax, &ebx, &ecx, &edx))
        return 0;
    if (ecx & bit_F16C)
        extra |= LEAKY_CPU_F16C;
    if (!(features & LEAKY_CPU_AVX512))
        return extra;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    const unsigned max_subleaf = eax;
    if (ecx & bit_AVX512VBMI)
        extra |= LEAKY_CPU_AVX512_VBMI;
    if (max_subleaf >= 1) {
        __cpuid_count(7, 1, eax, ebx, ecx, edx);
        if (eax & (1u << 5)) /* AVX512_BF16 (cpuid.h names it only in newer compilers) */
            extra |= LEAKY_CPU_AVX512_BF16;
    }
    return extra;
}
#elif defined(__aarch64__)
static unsigned detect(void) { return LEAKY_CPU_NEON; /* part of every AArch64 core */ }
/* AArch64's base instruction set converts float16 (FCVTL, FCVTN): nothing more to ask. */
static unsigned detect_narrow(unsigned features)
{
    (void)features;
    return 0;
}
#else
static unsigned detect(void) { return 0; }
static unsigned detect_narrow(unsigned features)
{
    (void)features;
    return 0;
}
#endif

unsigned leaky_cpu_features(void)
{
    static _Atomic int cached = -1;
    int f = cached;
    if (f < 0) {
        const unsigned base = detect();
        cached = f = (int)(base | detect_narrow(base));
    }
    return (unsigned)f;
}
