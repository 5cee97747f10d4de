/* SPDX-License-Identifier: MIT */
/* y[i] = table[x[i]] over bytes: the whole of every int8 and uint8 activation, whose
 * 256 results are computed once per parameter set (src/api_q8.c). Byte lookups have no
 * float32 op to share, so each ISA has its own body here:
 *   AVX-512  VBMI vpermi2b looks 64 bytes up in 128 entries; two lookups (entries
 *            0-127 and 128-255) and a blend on each index's top bit cover all 256
 *   AVX2     vpshufb looks up 16 entries per 128-bit lane: 16 lookups, one per high
 *            nibble, each giving 0 where the index's high nibble differs
 *   NEON     tbl looks up 64 entries; tbx adds the three other quarters
 *   SSE2     none (pshufb is SSSE3): the scalar loop serves. */
#include "internal/kernels.h"
#include "simd/vec.h"

#if defined(LEAKY_BUILD_AVX512)
/* VBMI is an extension beyond the AVX-512 path's F/BW/VL/DQ: asked for on this function
 * only, and the table takes it only when cpuid reports VBMI. */
__attribute__((target("avx512vbmi"))) void LEAKY_KNAME(x8_vlut)(size_t n, const uint8_t *x,
                                                                uint8_t *y, const uint8_t *table)
{
    const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
    const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
    for (size_t i = 0; i < n; i += 64) {
        const __mmask64 live = n - i >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << (n - i)) - 1;
        const __m512i idx = _mm512_maskz_loadu_epi8(live, x + i);
        /* vpermi2b uses the low 7 bits of each index: bit 6 picks the table register. */
        const __m512i low = _mm512_permutex2var_epi8(t0, idx, t1);
        const __m512i high = _mm512_permutex2var_epi8(t2, idx, t3);
        _mm512_mask_storeu_epi8(y + i, live,
                                _mm512_mask_blend_epi8(_mm512_movepi8_mask(idx), low, high));
    }
}

#elif defined(LEAKY_BUILD_AVX2)
void LEAKY_KNAME(x8_vlut)(size_t n, const uint8_t *x, uint8_t *y, const uint8_t *table)
{
    __m256i rows[16]; /* rows[h]: entries 16h..16h+15, in both 128-bit lanes */
    for (int h = 0; h < 16; h++)
        rows[h] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(table + 16 * h)));
    const __m256i bias = _mm256_set1_epi8(0x70), step = _mm256_set1_epi8(16);
    for (size_t i = 0; i < n; i += 32) {
        uint8_t lanes[32];
        const size_t k = n - i < 32 ? n - i : 32;
        const uint8_t *in = x + i;
        if (k < 32) { /* the tail goes through the stack: nothing past the end is read */
            memset(lanes, 0, sizeof lanes);
            memcpy(lanes, in, k);
            in = lanes;
        }
        /* Step h: d = x - 16h (bytes, wrapping) is in [0, 15] exactly for the lanes whose
         * high nibble is h; adding 0x70 with unsigned saturation leaves those below 0x80
         * (vpshufb looks up their low nibble) and pushes every other lane to 0x80 or
         * above, which vpshufb turns into 0. */
        __m256i d = _mm256_loadu_si256((const __m256i *)in);
        __m256i r = _mm256_setzero_si256();
        for (int h = 0; h < 16; h++) {
            r = _mm256_or_si256(r, _mm256_shuffle_epi8(rows[h], _mm256_adds_epu8(d, bias)));
            d = _mm256_sub_epi8(d, step);
        }
        if (k < 32) {
            _mm256_storeu_si256((__m256i *)lanes, r);
            memcpy(y + i, lanes, k);
        } else {
            _mm256_storeu_si256((__m256i *)(y + i), r);
        }
    }
}

#elif defined(LEAKY_BUILD_NEON)
void LEAKY_KNAME(x8_vlut)(size_t n, const uint8_t *x, uint8_t *y, const uint8_t *table)
{
    const uint8x16x4_t q0 = vld1q_u8_x4(table), q1 = vld1q_u8_x4(table + 64);
    const uint8x16x4_t q2 = vld1q_u8_x4(table + 128), q3 = vld1q_u8_x4(table + 192);
    const uint8x16_t quarter = vdupq_n_u8(64);
    for (size_t i = 0; i < n; i += 16) {
        uint8_t lanes[16];
        const size_t k = n - i < 16 ? n - i : 16;
        const uint8_t *in = x + i;
        if (k < 16) {
            memset(lanes, 0, sizeof lanes);
            memcpy(lanes, in, k);
            in = lanes;
        }
        /* tbl gives 0 and tbx keeps the lane for an index past 63: subtracting 64 each
         * step brings exactly one quarter's indices into range. */
        uint8x16_t idx = vld1q_u8(in);
        uint8x16_t r = vqtbl4q_u8(q0, idx);
        idx = vsubq_u8(idx, quarter);
        r = vqtbx4q_u8(r, q1, idx);
        idx = vsubq_u8(idx, quarter);
        r = vqtbx4q_u8(r, q2, idx);
        idx = vsubq_u8(idx, quarter);
        r = vqtbx4q_u8(r, q3, idx);
        if (k < 16) {
            vst1q_u8(lanes, r);
            memcpy(y + i, lanes, k);
        } else {
            vst1q_u8(y + i, r);
        }
    }
}
#endif
