/* SPDX-License-Identifier: MIT */
/* The tiny vector interface every SIMD kernel is written against. A kernel source
 * includes this header and is compiled once per ISA with LEAKY_BUILD_<ISA> defined
 * (and that ISA's compiler flags); LEAKY_KNAME gives its symbols the ISA's suffix.
 *
 * vf32        a vector of VF32_LANES floats;  vm32: a per-lane mask
 * load/store  unaligned; the _part forms touch only the first k < VF32_LANES lanes,
 *             never a byte past them (no tail reads past the array's end)
 * gt, lt, le  ordered compares: false when either side is NaN
 * select      m ? t : f, lane by lane
 * stream      a non-temporal store (it bypasses the caches) to a VF32_BYTES-aligned p;
 *             stream_fence (sfence) orders the streamed stores before later ones.
 *             NEON has none worth having here: there they are plain stores.
 */
#ifndef LEAKY_SIMD_VEC_H
#define LEAKY_SIMD_VEC_H

#include <stddef.h>
#include <string.h>

#if defined(LEAKY_BUILD_AVX512)
#define LEAKY_KNAME_(name) leaky_##name##__avx512
#include <immintrin.h>
#define VF32_LANES 16
typedef __m512 vf32;
typedef __mmask16 vm32;
static inline vf32 vf32_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void vf32_store(float *p, vf32 v) { _mm512_storeu_ps(p, v); }
static inline __mmask16 vf32_first_lanes(size_t k) { return (__mmask16)((1u << k) - 1u); }
static inline vf32 vf32_load_part(const float *p, size_t k) {
    return _mm512_maskz_loadu_ps(vf32_first_lanes(k), p);
}
static inline void vf32_store_part(float *p, vf32 v, size_t k) {
    _mm512_mask_storeu_ps(p, vf32_first_lanes(k), v);
}
static inline vf32 vf32_set1(float s) { return _mm512_set1_ps(s); }
static inline vf32 vf32_mul(vf32 a, vf32 b) { return _mm512_mul_ps(a, b); }
static inline vm32 vf32_gt(vf32 a, vf32 b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
static inline vm32 vf32_lt(vf32 a, vf32 b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
static inline vm32 vf32_le(vf32 a, vf32 b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
static inline vf32 vf32_select(vm32 m, vf32 t, vf32 f) { return _mm512_mask_blend_ps(m, f, t); }
static inline void vf32_stream(float *p, vf32 v) { _mm512_stream_ps(p, v); }

#elif defined(LEAKY_BUILD_AVX2)
#define LEAKY_KNAME_(name) leaky_##name##__avx2
#include <immintrin.h>
#define VF32_LANES 8
typedef __m256 vf32;
typedef __m256 vm32;
static inline vf32 vf32_load(const float *p) { return _mm256_loadu_ps(p); }
static inline void vf32_store(float *p, vf32 v) { _mm256_storeu_ps(p, v); }
static inline __m256i vf32_first_lanes(size_t k) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static inline vf32 vf32_load_part(const float *p, size_t k) {
    return _mm256_maskload_ps(p, vf32_first_lanes(k));
}
static inline void vf32_store_part(float *p, vf32 v, size_t k) {
    _mm256_maskstore_ps(p, vf32_first_lanes(k), v);
}
static inline vf32 vf32_set1(float s) { return _mm256_set1_ps(s); }
static inline vf32 vf32_mul(vf32 a, vf32 b) { return _mm256_mul_ps(a, b); }
static inline vm32 vf32_gt(vf32 a, vf32 b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
static inline vm32 vf32_lt(vf32 a, vf32 b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
static inline vm32 vf32_le(vf32 a, vf32 b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
static inline vf32 vf32_select(vm32 m, vf32 t, vf32 f) { return _mm256_blendv_ps(f, t, m); }
static inline void vf32_stream(float *p, vf32 v) { _mm256_stream_ps(p, v); }

#elif defined(LEAKY_BUILD_SSE2)
#define LEAKY_KNAME_(name) leaky_##name##__sse2
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
/* SSE2 has no blend instruction (blendvps is SSE4.1). */
static inline vf32 vf32_select(vm32 m, vf32 t, vf32 f) {
    return _mm_or_ps(_mm_and_ps(m, t), _mm_andnot_ps(m, f));
}
static inline void vf32_stream(float *p, vf32 v) { _mm_stream_ps(p, v); }

#elif defined(LEAKY_BUILD_NEON)
#define LEAKY_KNAME_(name) leaky_##name##__neon
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
static inline vf32 vf32_select(vm32 m, vf32 t, vf32 f) { return vbslq_f32(m, t, f); }
static inline void vf32_stream(float *p, vf32 v) { vst1q_f32(p, v); }
static inline void vf32_stream_fence(void) {}

#else
#error "compile SIMD kernels with one of LEAKY_BUILD_SSE2, _AVX2, _AVX512, _NEON"
#endif

#ifdef VF32_PART_BY_COPY
/* No masked memory access on this ISA: go through a full vector on the stack, copying
 * only the k valid elements, so nothing past the array is ever touched. */
static inline vf32 vf32_load_part(const float *p, size_t k) {
    float lanes[VF32_LANES] = {0};
    memcpy(lanes, p, k * sizeof(float));
    return vf32_load(lanes);
}
static inline void vf32_store_part(float *p, vf32 v, size_t k) {
    float lanes[VF32_LANES];
    vf32_store(lanes, v);
    memcpy(p, lanes, k * sizeof(float));
}
#endif

#if defined(__SSE2__)
static inline void vf32_stream_fence(void) { _mm_sfence(); }
#endif
#define VF32_BYTES (VF32_LANES * sizeof(float))

/* A store of either kind: kernel loops are written once and inlined for both. */
static inline __attribute__((always_inline)) void vf32_put(float *p, vf32 v, int stream) {
    if (stream)
        vf32_stream(p, v);
    else
        vf32_store(p, v);
}

/* Two steps so that a macro argument (KERNEL_NAME) is expanded before pasting. */
#define LEAKY_KNAME(name) LEAKY_KNAME_(name)

static inline vf32 vf32_zero(void) { return vf32_set1(0.0f); }

#endif
