/* SPDX-License-Identifier: MIT */
/* float16 and bfloat16 storage for the float32 vectors of vec.h: a load widens VF32_LANES
 * values to float32 (exactly), a store narrows them, rounding to nearest even, with the
 * same bits as the software conversions of src/ref/half.c (leaky_narrow_f16 ...):
 *
 *   NaN        stays NaN with its sign and the top bits of its payload, and comes out
 *              quiet (a signalling NaN gets its quiet bit set: hardware does so on
 *              widening, the reference on narrowing; either way the same bits)
 *   denormals  kept both ways (no flush to zero), overflow gives infinity
 *
 * vh16        VF32_LANES 16-bit values; vh16_load, vh16_store and the _part forms, which
 *             touch only the first k < VF32_LANES elements
 * vh16_widen_f16, vh16_narrow_f16, vh16_widen_bf16, vh16_narrow_bf16   the conversions
 * LEAKY_HAVE_VEC_F16 says whether this ISA has the float16 ones (SSE2 has no conversion
 * instruction, and keeps the scalar kernels). LEAKY_HALF_TARGET goes on every function
 * that uses them: F16C is an extension beyond AVX2, asked for per function so that the
 * rest of the AVX2 path runs without it (the AVX2 table takes these kernels only when
 * cpuid reports F16C).
 *
 * bfloat16 is the top half of a float32, so widening is a shift; narrowing is integer
 * arithmetic, except on AVX-512 CPUs with AVX512_BF16 (vh16_narrow_bf16hw): its
 * vcvtneps2bf16 rounds to nearest even and treats NaN as the reference does (quiet, top
 * payload bits), but takes denormal inputs as zero (Intel SDM: "input denormals are always
 * treated as zero", whatever MXCSR says), so a vector holding a denormal goes the integer
 * way. (A normal float32 never rounds to a bfloat16 denormal: the exponent ranges are the
 * same, so flushed denormal results can only come from denormal inputs.) */
#ifndef LEAKY_SIMD_VEC_HALF_H
#define LEAKY_SIMD_VEC_HALF_H

#include <stdint.h>

#include "simd/vec.h"

#if defined(LEAKY_BUILD_AVX512)
#define LEAKY_HAVE_VEC_F16 1
#define LEAKY_HALF_TARGET
typedef __m256i vh16; /* VF32_LANES 16-bit values */
static inline vh16 vh16_load(const uint16_t *p) { return _mm256_loadu_si256((const __m256i *)p); }
static inline void vh16_store(uint16_t *p, vh16 v) { _mm256_storeu_si256((__m256i *)p, v); }
static inline vh16 vh16_load_part(const uint16_t *p, size_t k)
{
    return _mm256_maskz_loadu_epi16(vf32_first_lanes(k), p);
}
static inline void vh16_store_part(uint16_t *p, vh16 v, size_t k)
{
    _mm256_mask_storeu_epi16(p, vf32_first_lanes(k), v);
}
static inline vf32 vh16_widen_f16(vh16 h) { return _mm512_cvtph_ps(h); }
static inline vh16 vh16_narrow_f16(vf32 v)
{
    return _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
static inline vf32 vh16_widen_bf16(vh16 h)
{
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}
static inline vh16 vh16_narrow_bf16(vf32 v)
{
    const __m512i u = _mm512_castps_si512(v);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    const __m512i bias = _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7FFF));
    __m512i r = _mm512_srli_epi32(_mm512_add_epi32(u, bias), 16);
    const __m512i nan = _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x40));
    r = _mm512_mask_mov_epi32(r, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), nan);
    return _mm512_cvtepi32_epi16(r);
}
#define LEAKY_BF16HW_TARGET __attribute__((target("avx512bf16")))
#define vh16_widen_bf16hw vh16_widen_bf16
LEAKY_BF16HW_TARGET static inline vh16 vh16_narrow_bf16hw(vf32 v)
{
    if (_mm512_fpclass_ps_mask(v, 0x20)) /* a denormal lane */
        return vh16_narrow_bf16(v);
    return (vh16)_mm512_cvtneps_pbh(v);
}

#elif defined(LEAKY_BUILD_AVX2)
#define LEAKY_HAVE_VEC_F16 1
#define LEAKY_HALF_TARGET __attribute__((target("f16c")))
#define VH16_PART_BY_COPY 1
typedef __m128i vh16;
static inline vh16 vh16_load(const uint16_t *p) { return _mm_loadu_si128((const __m128i *)p); }
static inline void vh16_store(uint16_t *p, vh16 v) { _mm_storeu_si128((__m128i *)p, v); }
LEAKY_HALF_TARGET static inline vf32 vh16_widen_f16(vh16 h) { return _mm256_cvtph_ps(h); }
LEAKY_HALF_TARGET static inline vh16 vh16_narrow_f16(vf32 v)
{
    return _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
static inline vf32 vh16_widen_bf16(vh16 h)
{
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}
static inline vh16 vh16_narrow_bf16(vf32 v)
{
    const __m256i u = _mm256_castps_si256(v);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
    const __m256i bias = _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7FFF));
    const __m256i r = _mm256_srli_epi32(_mm256_add_epi32(u, bias), 16);
    const __m256i nan = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(0x40));
    const __m256i m = _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    const __m256i out = _mm256_blendv_epi8(r, nan, m);
    /* Every lane holds 0..0xFFFF, so the unsigned saturation of packus changes nothing. */
    return _mm_packus_epi32(_mm256_castsi256_si128(out), _mm256_extracti128_si256(out, 1));
}

#elif defined(LEAKY_BUILD_SSE2)
#define LEAKY_HALF_TARGET
#define VH16_PART_BY_COPY 1
typedef __m128i vh16; /* the low 4 of its 16-bit lanes */
static inline vh16 vh16_load(const uint16_t *p) { return _mm_loadl_epi64((const __m128i *)p); }
static inline void vh16_store(uint16_t *p, vh16 v) { _mm_storel_epi64((__m128i *)p, v); }
static inline vf32 vh16_widen_bf16(vh16 h)
{
    return _mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(), h));
}
/* SSE2 packs with signed saturation only: shifting arithmetically keeps every lane in
 * int16 range with the wanted low 16 bits, which packs then leaves alone. */
static inline vh16 vh16_narrow_bf16(vf32 v)
{
    const __m128i u = _mm_castps_si128(v);
    const __m128i lsb = _mm_and_si128(_mm_srli_epi32(u, 16), _mm_set1_epi32(1));
    const __m128i bias = _mm_add_epi32(lsb, _mm_set1_epi32(0x7FFF));
    const __m128i r = _mm_srai_epi32(_mm_add_epi32(u, bias), 16);
    const __m128i nan = _mm_or_si128(_mm_srai_epi32(u, 16), _mm_set1_epi32(0x40));
    const __m128i m = _mm_castps_si128(_mm_cmpunord_ps(v, v));
    const __m128i out = _mm_or_si128(_mm_and_si128(m, nan), _mm_andnot_si128(m, r));
    return _mm_packs_epi32(out, out);
}

#elif defined(LEAKY_BUILD_NEON)
#define LEAKY_HAVE_VEC_F16 1
#define LEAKY_HALF_TARGET
#define VH16_PART_BY_COPY 1
typedef uint16x4_t vh16;
static inline vh16 vh16_load(const uint16_t *p) { return vld1_u16(p); }
static inline void vh16_store(uint16_t *p, vh16 v) { vst1_u16(p, v); }
/* FCVTL and FCVTN: exact widening, narrowing in the FPCR's mode (nearest even, no flush:
 * Linux starts every thread so), NaN quieted with its top payload bits. */
static inline vf32 vh16_widen_f16(vh16 h) { return vcvt_f32_f16(vreinterpret_f16_u16(h)); }
static inline vh16 vh16_narrow_f16(vf32 v) { return vreinterpret_u16_f16(vcvt_f16_f32(v)); }
static inline vf32 vh16_widen_bf16(vh16 h) { return vreinterpretq_f32_u32(vshll_n_u16(h, 16)); }
static inline vh16 vh16_narrow_bf16(vf32 v)
{
    const uint32x4_t u = vreinterpretq_u32_f32(v);
    const uint32x4_t lsb = vandq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(1));
    const uint32x4_t r = vaddq_u32(u, vaddq_u32(lsb, vdupq_n_u32(0x7FFF)));
    const uint16x4_t nan = vorr_u16(vshrn_n_u32(u, 16), vdup_n_u16(0x40));
    const uint16x4_t is_nan = vmovn_u32(vmvnq_u32(vceqq_f32(v, v)));
    return vbsl_u16(is_nan, nan, vshrn_n_u32(r, 16));
}
#endif

#ifdef VH16_PART_BY_COPY
/* As vec.h: through a full vector on the stack, touching only the k valid elements. */
static inline vh16 vh16_load_part(const uint16_t *p, size_t k)
{
    uint16_t lanes[8] = {0};
    memcpy(lanes, p, k * sizeof(uint16_t));
    return vh16_load(lanes);
}
static inline void vh16_store_part(uint16_t *p, vh16 v, size_t k)
{
    uint16_t lanes[8];
    vh16_store(lanes, v);
    memcpy(p, lanes, k * sizeof(uint16_t));
}
#endif

#endif
