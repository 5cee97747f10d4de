/* SPDX-License-Identifier: MIT */
/* The tiny vector interface every SIMD kernel is written against. A kernel source
 * includes this header and is compiled once per ISA with LEAKY_BUILD_<ISA> defined
 * (and that ISA's compiler flags); LEAKY_KNAME gives its symbols the ISA's suffix, and
 * LEAKY_KERNEL_COLUMN picks the ISA's column of the kernel list (internal/kernel_list.h).
 *
 * vf32        a vector of VF32_LANES floats;  vm32: a per-lane mask
 * vf64        a vector of VF64_LANES = VF32_LANES / 2 doubles;  vm64: its mask
 * load/store  unaligned; the _part forms touch only the first k < LANES lanes,
 *             never a byte past them (no tail reads past the array's end)
 * gt, lt, le  ordered compares: false when either side is NaN; ngt: not gt (true for NaN)
 * mul_where   m ? a * b : 0, lane by lane (one masked multiply where the ISA has it)
 * fold        vf64_fold: the lanes of a vf64 added as a tree, lane k with lane k + half,
 *             halving (8: k + 4, then + 2, + 1), to one double
 * select      m ? t : f, lane by lane
 * all         vm32_all: whether every lane of a mask is set
 * widen       vf32_widen_lo/hi: the low/high half of a vf32 as an exact vf64;
 *             vf64_load_f32: VF64_LANES floats from memory as a vf64
 * vu32        VF32_LANES 32-bit unsigned integers (the RReLU generator): set1, iota
 *             (0, 1, 2, ...), add, xor, mul (low 32 bits), shr (by a constant), and
 *             vu32_to_f32 for values below 2^24 (exact)
 * VF_CHEAP_PARTS  1 where the _part forms cost about a whole load or store (AVX-512's
 *             masks), 0 where they cost several (AVX2's vmaskmov, the copies elsewhere)
 * stream      a non-temporal store (it bypasses the caches) to an aligned p (VF32_BYTES,
 *             VF64_BYTES); put: a store of either kind;
 *             stream_fence (sfence) orders the streamed stores before later ones.
 *             NEON has none worth having here: there they are plain stores.
 * Typed kernels use these through the vT_ names of simd/vtype.h.
 */
#ifndef LEAKY_SIMD_VEC_H
#define LEAKY_SIMD_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(LEAKY_BUILD_AVX512)
#define LEAKY_KNAME_(name) leaky_##name##__avx512
#define LEAKY_KERNEL_COLUMN(scalar, sse2, avx2, avx512, neon) avx512
#define VF_CHEAP_PARTS 1
#include <immintrin.h>
#define VF32_LANES 16
typedef __m512 vf32;
typedef __mmask16 vm32;
static inline vf32 vf32_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void vf32_store(float *p, vf32 v) { _mm512_storeu_ps(p, v); }
static inline __mmask16 vf32_first_lanes(size_t k) { return (__mmask16)((1u << k) - 1u); }
static inline vf32 vf32_load_part(const float *p, size_t k)
{
    return _mm512_maskz_loadu_ps(vf32_first_lanes(k), p);
}
static inline void vf32_store_part(float *p, vf32 v, size_t k)
{
    _mm512_mask_storeu_ps(p, vf32_first_lanes(k), v);
}
static inline vf32 vf32_set1(float s) { return _mm512_set1_ps(s); }
static inline vf32 vf32_mul(vf32 a, vf32 b) { return _mm512_mul_ps(a, b); }
static inline vm32 vf32_gt(vf32 a, vf32 b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
static inline vm32 vf32_lt(vf32 a, vf32 b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
static inline vm32 vf32_le(vf32 a, vf32 b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
static inline vm32 vf32_ngt(vf32 a, vf32 b) { return _mm512_cmp_ps_mask(a, b, _CMP_NGT_UQ); }
static inline vf32 vf32_mul_where(vm32 m, vf32 a, vf32 b) { return _mm512_maskz_mul_ps(m, a, b); }
static inline vf32 vf32_select(vm32 m, vf32 t, vf32 f) { return _mm512_mask_blend_ps(m, f, t); }
static inline vf32 vf32_add(vf32 a, vf32 b) { return _mm512_add_ps(a, b); }
static inline bool vm32_all(vm32 m) { return m == 0xFFFF; }

#define VF64_LANES 8
typedef __m512d vf64;
typedef __mmask8 vm64;
static inline vf64 vf64_load(const double *p) { return _mm512_loadu_pd(p); }
static inline void vf64_store(double *p, vf64 v) { _mm512_storeu_pd(p, v); }
static inline vf64 vf64_load_part(const double *p, size_t k)
{
    return _mm512_maskz_loadu_pd((__mmask8)((1u << k) - 1u), p);
}
static inline void vf64_store_part(double *p, vf64 v, size_t k)
{
    _mm512_mask_storeu_pd(p, (__mmask8)((1u << k) - 1u), v);
}
static inline vf64 vf64_set1(double s) { return _mm512_set1_pd(s); }
static inline vf64 vf64_mul(vf64 a, vf64 b) { return _mm512_mul_pd(a, b); }
static inline vf64 vf64_add(vf64 a, vf64 b) { return _mm512_add_pd(a, b); }
static inline vm64 vf64_gt(vf64 a, vf64 b) { return _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ); }
static inline vm64 vf64_lt(vf64 a, vf64 b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
static inline vm64 vf64_le(vf64 a, vf64 b) { return _mm512_cmp_pd_mask(a, b, _CMP_LE_OQ); }
static inline vm64 vf64_ngt(vf64 a, vf64 b) { return _mm512_cmp_pd_mask(a, b, _CMP_NGT_UQ); }
static inline vf64 vf64_mul_where(vm64 m, vf64 a, vf64 b) { return _mm512_maskz_mul_pd(m, a, b); }
static inline double vf64_fold(vf64 v)
{
    const __m256d four = _mm256_add_pd(_mm512_castpd512_pd256(v), _mm512_extractf64x4_pd(v, 1));
    const __m128d two = _mm_add_pd(_mm256_castpd256_pd128(four), _mm256_extractf128_pd(four, 1));
    return _mm_cvtsd_f64(_mm_add_sd(two, _mm_unpackhi_pd(two, two)));
}
static inline vf64 vf64_select(vm64 m, vf64 t, vf64 f) { return _mm512_mask_blend_pd(m, f, t); }
static inline vf64 vf32_widen_lo(vf32 v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
static inline vf64 vf32_widen_hi(vf32 v) { return _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)); }
static inline vf64 vf64_load_f32(const float *p) { return _mm512_cvtps_pd(_mm256_loadu_ps(p)); }

typedef __m512i vu32;
static inline vu32 vu32_set1(uint32_t s) { return _mm512_set1_epi32((int)s); }
static inline vu32 vu32_iota(void)
{
    return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}
static inline vu32 vu32_add(vu32 a, vu32 b) { return _mm512_add_epi32(a, b); }
static inline vu32 vu32_xor(vu32 a, vu32 b) { return _mm512_xor_si512(a, b); }
static inline vu32 vu32_mul(vu32 a, vu32 b) { return _mm512_mullo_epi32(a, b); }
#define vu32_shr(v, k) _mm512_srli_epi32((v), (k))
static inline vf32 vu32_to_f32(vu32 v) { return _mm512_cvtepi32_ps(v); }
static inline void vf32_stream(float *p, vf32 v) { _mm512_stream_ps(p, v); }
static inline void vf64_stream(double *p, vf64 v) { _mm512_stream_pd(p, v); }

#elif defined(LEAKY_BUILD_AVX2)
#define LEAKY_KNAME_(name) leaky_##name##__avx2
#define LEAKY_KERNEL_COLUMN(scalar, sse2, avx2, avx512, neon) avx2
#define VF_CHEAP_PARTS 0
#include <immintrin.h>
#define VF32_LANES 8
typedef __m256 vf32;
typedef __m256 vm32;
static inline vf32 vf32_load(const float *p) { return _mm256_loadu_ps(p); }
static inline void vf32_store(float *p, vf32 v) { _mm256_storeu_ps(p, v); }
static inline __m256i vf32_first_lanes(size_t k)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static inline vf32 vf32_load_part(const float *p, size_t k)
{
    return _mm256_maskload_ps(p, vf32_first_lanes(k));
}
static inline void vf32_store_part(float *p, vf32 v, size_t k)
{
    _mm256_maskstore_ps(p, vf32_first_lanes(k), v);
}
static inline vf32 vf32_set1(float s) { return _mm256_set1_ps(s); }
static inline vf32 vf32_mul(vf32 a, vf32 b) { return _mm256_mul_ps(a, b); }
static inline vm32 vf32_gt(vf32 a, vf32 b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
static inline vm32 vf32_lt(vf32 a, vf32 b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
static inline vm32 vf32_le(vf32 a, vf32 b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
static inline vm32 vf32_ngt(vf32 a, vf32 b) { return _mm256_cmp_ps(a, b, _CMP_NGT_UQ); }
static inline vf32 vf32_mul_where(vm32 m, vf32 a, vf32 b)
{
    return _mm256_and_ps(m, _mm256_mul_ps(a, b));
}
static inline vf32 vf32_select(vm32 m, vf32 t, vf32 f) { return _mm256_blendv_ps(f, t, m); }
static inline vf32 vf32_add(vf32 a, vf32 b) { return _mm256_add_ps(a, b); }
static inline bool vm32_all(vm32 m) { return _mm256_movemask_ps(m) == 0xFF; }

#define VF64_LANES 4
typedef __m256d vf64;
typedef __m256d vm64;
static inline vf64 vf64_load(const double *p) { return _mm256_loadu_pd(p); }
static inline void vf64_store(double *p, vf64 v) { _mm256_storeu_pd(p, v); }
static inline __m256i vf64_first_lanes(size_t k)
{
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)k), _mm256_setr_epi64x(0, 1, 2, 3));
}
static inline vf64 vf64_load_part(const double *p, size_t k)
{
    return _mm256_maskload_pd(p, vf64_first_lanes(k));
}
static inline void vf64_store_part(double *p, vf64 v, size_t k)
{
    _mm256_maskstore_pd(p, vf64_first_lanes(k), v);
}
static inline vf64 vf64_set1(double s) { return _mm256_set1_pd(s); }
static inline vf64 vf64_mul(vf64 a, vf64 b) { return _mm256_mul_pd(a, b); }
static inline vf64 vf64_add(vf64 a, vf64 b) { return _mm256_add_pd(a, b); }
static inline vm64 vf64_gt(vf64 a, vf64 b) { return _mm256_cmp_pd(a, b, _CMP_GT_OQ); }
static inline vm64 vf64_lt(vf64 a, vf64 b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
static inline vm64 vf64_le(vf64 a, vf64 b) { return _mm256_cmp_pd(a, b, _CMP_LE_OQ); }
static inline vm64 vf64_ngt(vf64 a, vf64 b) { return _mm256_cmp_pd(a, b, _CMP_NGT_UQ); }
static inline vf64 vf64_mul_where(vm64 m, vf64 a, vf64 b)
{
    return _mm256_and_pd(m, _mm256_mul_pd(a, b));
}
static inline double vf64_fold(vf64 v)
{
    const __m128d two = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(two, _mm_unpackhi_pd(two, two)));
}
static inline vf64 vf64_select(vm64 m, vf64 t, vf64 f) { return _mm256_blendv_pd(f, t, m); }
static inline vf64 vf32_widen_lo(vf32 v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
static inline vf64 vf32_widen_hi(vf32 v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }
static inline vf64 vf64_load_f32(const float *p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }

typedef __m256i vu32;
static inline vu32 vu32_set1(uint32_t s) { return _mm256_set1_epi32((int)s); }
static inline vu32 vu32_iota(void) { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }
static inline vu32 vu32_add(vu32 a, vu32 b) { return _mm256_add_epi32(a, b); }
static inline vu32 vu32_xor(vu32 a, vu32 b) { return _mm256_xor_si256(a, b); }
static inline vu32 vu32_mul(vu32 a, vu32 b) { return _mm256_mullo_epi32(a, b); }
#define vu32_shr(v, k) _mm256_srli_epi32((v), (k))
static inline vf32 vu32_to_f32(vu32 v) { return _mm256_cvtepi32_ps(v); }
static inline void vf32_stream(float *p, vf32 v) { _mm256_stream_ps(p, v); }
static inline void vf64_stream(double *p, vf64 v) { _mm256_stream_pd(p, v); }

#elif defined(LEAKY_BUILD_SSE2)
#define LEAKY_KNAME_(name) leaky_##name##__sse2
#define LEAKY_KERNEL_COLUMN(scalar, sse2, avx2, avx512, neon) sse2
#define VF_CHEAP_PARTS 0
#include <emmintrin.h>
#define VF32_LANES 4
#define VF32_PART_BY_COPY 1
typedef __m128 vf32;
typedef __m128 vm32;
static inline vf32 vf32_load(const float *p) { return _mm_loadu_ps(p); }
static inline void vf32_store(float *p, vf32 v) { _mm_storeu_ps(p, v); }
static inline vf32 vf32_set1(float s) { return _mm_set1_ps(s); }
static inline vf32 vf32_mul(vf32 a, vf32 b) { return _mm_mul_ps(a, b); }
static inline vm32 vf32_gt(vf32 a, vf32 b) { return _mm_cmpgt_ps(a, b); }
static inline vm32 vf32_lt(vf32 a, vf32 b) { return _mm_cmplt_ps(a, b); }
static inline vm32 vf32_le(vf32 a, vf32 b) { return _mm_cmple_ps(a, b); }
static inline vm32 vf32_ngt(vf32 a, vf32 b) { return _mm_cmpngt_ps(a, b); }
static inline vf32 vf32_mul_where(vm32 m, vf32 a, vf32 b)
{
    return _mm_and_ps(m, _mm_mul_ps(a, b));
}
/* SSE2 has no blend instruction (blendvps is SSE4.1). */
static inline vf32 vf32_select(vm32 m, vf32 t, vf32 f)
{
    return _mm_or_ps(_mm_and_ps(m, t), _mm_andnot_ps(m, f));
}
static inline vf32 vf32_add(vf32 a, vf32 b) { return _mm_add_ps(a, b); }
static inline bool vm32_all(vm32 m) { return _mm_movemask_ps(m) == 0xF; }

#define VF64_LANES 2
typedef __m128d vf64;
typedef __m128d vm64;
static inline vf64 vf64_load(const double *p) { return _mm_loadu_pd(p); }
static inline void vf64_store(double *p, vf64 v) { _mm_storeu_pd(p, v); }
static inline vf64 vf64_set1(double s) { return _mm_set1_pd(s); }
static inline vf64 vf64_mul(vf64 a, vf64 b) { return _mm_mul_pd(a, b); }
static inline vf64 vf64_add(vf64 a, vf64 b) { return _mm_add_pd(a, b); }
static inline vm64 vf64_gt(vf64 a, vf64 b) { return _mm_cmpgt_pd(a, b); }
static inline vm64 vf64_lt(vf64 a, vf64 b) { return _mm_cmplt_pd(a, b); }
static inline vm64 vf64_le(vf64 a, vf64 b) { return _mm_cmple_pd(a, b); }
static inline vm64 vf64_ngt(vf64 a, vf64 b) { return _mm_cmpngt_pd(a, b); }
static inline vf64 vf64_mul_where(vm64 m, vf64 a, vf64 b)
{
    return _mm_and_pd(m, _mm_mul_pd(a, b));
}
static inline double vf64_fold(vf64 v)
{
    return _mm_cvtsd_f64(_mm_add_sd(v, _mm_unpackhi_pd(v, v)));
}
static inline vf64 vf64_select(vm64 m, vf64 t, vf64 f)
{
    return _mm_or_pd(_mm_and_pd(m, t), _mm_andnot_pd(m, f));
}
static inline vf64 vf32_widen_lo(vf32 v) { return _mm_cvtps_pd(v); }
static inline vf64 vf32_widen_hi(vf32 v) { return _mm_cvtps_pd(_mm_movehl_ps(v, v)); }
static inline vf64 vf64_load_f32(const float *p)
{
    return _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)(const void *)p)));
}

typedef __m128i vu32;
static inline vu32 vu32_set1(uint32_t s) { return _mm_set1_epi32((int)s); }
static inline vu32 vu32_iota(void) { return _mm_setr_epi32(0, 1, 2, 3); }
static inline vu32 vu32_add(vu32 a, vu32 b) { return _mm_add_epi32(a, b); }
static inline vu32 vu32_xor(vu32 a, vu32 b) { return _mm_xor_si128(a, b); }
/* SSE2 has no 32-bit low multiply (pmulld is SSE4.1): two 32x32->64 multiplies of the
 * even and odd lanes, and their low halves interleaved back. */
static inline vu32 vu32_mul(vu32 a, vu32 b)
{
    const __m128i even = _mm_mul_epu32(a, b);
    const __m128i odd = _mm_mul_epu32(_mm_srli_epi64(a, 32), _mm_srli_epi64(b, 32));
    return _mm_unpacklo_epi32(_mm_shuffle_epi32(even, _MM_SHUFFLE(0, 0, 2, 0)),
                              _mm_shuffle_epi32(odd, _MM_SHUFFLE(0, 0, 2, 0)));
}
#define vu32_shr(v, k) _mm_srli_epi32((v), (k))
static inline vf32 vu32_to_f32(vu32 v) { return _mm_cvtepi32_ps(v); }
static inline void vf32_stream(float *p, vf32 v) { _mm_stream_ps(p, v); }
static inline void vf64_stream(double *p, vf64 v) { _mm_stream_pd(p, v); }

#elif defined(LEAKY_BUILD_NEON)
#define LEAKY_KNAME_(name) leaky_##name##__neon
#define LEAKY_KERNEL_COLUMN(scalar, sse2, avx2, avx512, neon) neon
#define VF_CHEAP_PARTS 0
#include <arm_neon.h>
#define VF32_LANES 4
#define VF32_PART_BY_COPY 1
typedef float32x4_t vf32;
typedef uint32x4_t vm32;
static inline vf32 vf32_load(const float *p) { return vld1q_f32(p); }
static inline void vf32_store(float *p, vf32 v) { vst1q_f32(p, v); }
static inline vf32 vf32_set1(float s) { return vdupq_n_f32(s); }
static inline vf32 vf32_mul(vf32 a, vf32 b) { return vmulq_f32(a, b); }
static inline vm32 vf32_gt(vf32 a, vf32 b) { return vcgtq_f32(a, b); }
static inline vm32 vf32_lt(vf32 a, vf32 b) { return vcltq_f32(a, b); }
static inline vm32 vf32_le(vf32 a, vf32 b) { return vcleq_f32(a, b); }
static inline vm32 vf32_ngt(vf32 a, vf32 b) { return vmvnq_u32(vcgtq_f32(a, b)); }
static inline vf32 vf32_mul_where(vm32 m, vf32 a, vf32 b)
{
    return vreinterpretq_f32_u32(vandq_u32(m, vreinterpretq_u32_f32(vmulq_f32(a, b))));
}
static inline vf32 vf32_select(vm32 m, vf32 t, vf32 f) { return vbslq_f32(m, t, f); }
static inline vf32 vf32_add(vf32 a, vf32 b) { return vaddq_f32(a, b); }
static inline bool vm32_all(vm32 m) { return vminvq_u32(m) != 0; }

#define VF64_LANES 2
typedef float64x2_t vf64;
typedef uint64x2_t vm64;
static inline vf64 vf64_load(const double *p) { return vld1q_f64(p); }
static inline void vf64_store(double *p, vf64 v) { vst1q_f64(p, v); }
static inline vf64 vf64_set1(double s) { return vdupq_n_f64(s); }
static inline vf64 vf64_mul(vf64 a, vf64 b) { return vmulq_f64(a, b); }
static inline vf64 vf64_add(vf64 a, vf64 b) { return vaddq_f64(a, b); }
static inline vm64 vf64_gt(vf64 a, vf64 b) { return vcgtq_f64(a, b); }
static inline vm64 vf64_lt(vf64 a, vf64 b) { return vcltq_f64(a, b); }
static inline vm64 vf64_le(vf64 a, vf64 b) { return vcleq_f64(a, b); }
static inline vm64 vf64_ngt(vf64 a, vf64 b)
{
    return vreinterpretq_u64_u32(vmvnq_u32(vreinterpretq_u32_u64(vcgtq_f64(a, b))));
}
static inline vf64 vf64_mul_where(vm64 m, vf64 a, vf64 b)
{
    return vreinterpretq_f64_u64(vandq_u64(m, vreinterpretq_u64_f64(vmulq_f64(a, b))));
}
static inline double vf64_fold(vf64 v) { return vgetq_lane_f64(v, 0) + vgetq_lane_f64(v, 1); }
static inline vf64 vf64_select(vm64 m, vf64 t, vf64 f) { return vbslq_f64(m, t, f); }
static inline vf64 vf32_widen_lo(vf32 v) { return vcvt_f64_f32(vget_low_f32(v)); }
static inline vf64 vf32_widen_hi(vf32 v) { return vcvt_high_f64_f32(v); }
static inline vf64 vf64_load_f32(const float *p) { return vcvt_f64_f32(vld1_f32(p)); }

typedef uint32x4_t vu32;
static inline vu32 vu32_set1(uint32_t s) { return vdupq_n_u32(s); }
static inline vu32 vu32_iota(void)
{
    static const uint32_t iota[4] = {0, 1, 2, 3};
    return vld1q_u32(iota);
}
static inline vu32 vu32_add(vu32 a, vu32 b) { return vaddq_u32(a, b); }
static inline vu32 vu32_xor(vu32 a, vu32 b) { return veorq_u32(a, b); }
static inline vu32 vu32_mul(vu32 a, vu32 b) { return vmulq_u32(a, b); }
#define vu32_shr(v, k) vshrq_n_u32((v), (k))
static inline vf32 vu32_to_f32(vu32 v) { return vcvtq_f32_u32(v); }
static inline void vf32_stream(float *p, vf32 v) { vst1q_f32(p, v); }
static inline void vf64_stream(double *p, vf64 v) { vst1q_f64(p, v); }
static inline void vf32_stream_fence(void) {}

#else
#error "compile SIMD kernels with one of LEAKY_BUILD_SSE2, _AVX2, _AVX512, _NEON"
#endif

#ifdef VF32_PART_BY_COPY
/* No masked memory access on this ISA: go through a full vector on the stack, copying
 * only the k valid elements, so nothing past the array is ever touched. */
static inline vf32 vf32_load_part(const float *p, size_t k)
{
    float lanes[VF32_LANES] = {0};
    memcpy(lanes, p, k * sizeof(float));
    return vf32_load(lanes);
}
static inline void vf32_store_part(float *p, vf32 v, size_t k)
{
    float lanes[VF32_LANES];
    vf32_store(lanes, v);
    memcpy(p, lanes, k * sizeof(float));
}
static inline vf64 vf64_load_part(const double *p, size_t k)
{
    double lanes[VF64_LANES] = {0};
    memcpy(lanes, p, k * sizeof(double));
    return vf64_load(lanes);
}
static inline void vf64_store_part(double *p, vf64 v, size_t k)
{
    double lanes[VF64_LANES];
    vf64_store(lanes, v);
    memcpy(p, lanes, k * sizeof(double));
}
#endif

#if defined(__SSE2__)
static inline void vf32_stream_fence(void) { _mm_sfence(); }
#endif
#define VF32_BYTES (VF32_LANES * sizeof(float))
#define VF64_BYTES (VF64_LANES * sizeof(double))

/* A store of either kind: kernel loops are written once and inlined for both. */
static inline __attribute__((always_inline)) void vf32_put(float *p, vf32 v, int stream)
{
    if (stream)
        vf32_stream(p, v);
    else
        vf32_store(p, v);
}
static inline __attribute__((always_inline)) void vf64_put(double *p, vf64 v, int stream)
{
    if (stream)
        vf64_stream(p, v);
    else
        vf64_store(p, v);
}

/* Two steps so that a macro argument (KERNEL_NAME) is expanded before pasting. */
#define LEAKY_KNAME(name) LEAKY_KNAME_(name)

static inline vf32 vf32_zero(void) { return vf32_set1(0.0f); }
static inline vf64 vf64_zero(void) { return vf64_set1(0.0); }

#endif
