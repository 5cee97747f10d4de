/* SPDX-License-Identifier: MIT */
/* The scalar reference for float16, bfloat16 and int8: the software conversions, the
 * kernels every SIMD path is tested against, and the scalar entries of the tables.
 * A half kernel is the float32 reference kernel itself, run on blocks widened into a
 * float32 buffer and narrowed back, so the rule is written once (in ref/ref.c). */
#include <string.h>

#include "internal/kernels.h"

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float float_of(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

float leaky_widen_f16(uint16_t h)
{
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exponent = (h >> 10) & 0x1Fu,
                   mantissa = h & 0x3FFu;
    if (exponent == 0x1F) /* infinity; NaN keeps its payload and comes out quiet, as every
                             hardware conversion (F16C, FCVTL) makes it */
        return float_of(sign | 0x7F800000u | (mantissa ? 0x400000u : 0) | mantissa << 13);
    if (exponent == 0) { /* zero and denormals: mantissa * 2^-24, exact in float32 */
        const float magnitude = (float)mantissa * 0x1p-24f;
        return sign ? -magnitude : magnitude;
    }
    return float_of(sign | (exponent + 112) << 23 | mantissa << 13);
}

uint16_t leaky_narrow_f16(float f)
{
    const uint32_t u = bits_of(f), a = u & 0x7FFFFFFFu;
    const uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
    if (a > 0x7F800000u) /* NaN: quiet, with the top 9 bits of the payload */
        return (uint16_t)(sign | 0x7E00u | ((a >> 13) & 0x3FFu));
    if (a >= 0x477FF000u) /* 65520 and up (a tie between 65504 and 2^16, even) and inf */
        return (uint16_t)(sign | 0x7C00u);
    if (a >= 0x38800000u) { /* normal results, 2^-14 and up: rebias, round on bit 13 */
        const uint32_t r = a - (112u << 23);
        return (uint16_t)(sign | ((r + 0xFFFu + ((r >> 13) & 1u)) >> 13));
    }
    if (a <= 0x33000000u) /* 2^-25 and below (2^-25 is a tie, and 0 is even) */
        return sign;
    /* Denormal results: round a's 24-bit significand, shifted down to units of 2^-24. */
    const uint32_t significand = (a & 0x7FFFFFu) | 0x800000u, shift = 126 - (a >> 23);
    const uint32_t q = significand >> shift, rest = significand & ((1u << shift) - 1),
                   half = 1u << (shift - 1);
    return (uint16_t)(sign | (q + (rest > half || (rest == half && (q & 1u)))));
}

float leaky_widen_bf16(uint16_t h) { return float_of((uint32_t)h << 16); }

uint16_t leaky_narrow_bf16(float f)
{
    const uint32_t u = bits_of(f);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) /* NaN: quiet, with the top 6 bits of the payload */
        return (uint16_t)((u >> 16) | 0x40u);
    return (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

/* ------------------------------------------------------------ half kernels */

enum { BLOCK = 256 };

/* The arrays may start at any byte: see T_ANY in internal/type.h. */
typedef uint16_t u16_any __attribute__((aligned(1)));
typedef float f32_any __attribute__((aligned(1)));

static void widen_block(size_t n, const u16_any *h, f32_any *f, float (*widen)(uint16_t))
{
    for (size_t i = 0; i < n; i++)
        f[i] = widen(h[i]);
}

static void narrow_block(size_t n, const f32_any *f, u16_any *h, uint16_t (*narrow)(float))
{
    for (size_t i = 0; i < n; i++)
        h[i] = narrow(f[i]);
}

struct half_type {
    float (*widen)(uint16_t);
    uint16_t (*narrow)(float);
};
static const struct half_type f16 = {leaky_widen_f16, leaky_narrow_f16};
static const struct half_type bf16 = {leaky_widen_bf16, leaky_narrow_bf16};

static void unary(const struct half_type *t, leaky_unary_f32_fn *op, size_t n, const u16_any *x,
                  u16_any *y, const struct leaky_f32_params *params)
{
    float block[BLOCK];
    for (size_t i = 0; i < n; i += BLOCK) {
        const size_t len = n - i < BLOCK ? n - i : BLOCK;
        widen_block(len, x + i, block, t->widen);
        op(len, block, block, params);
        narrow_block(len, block, y + i, t->narrow);
    }
}

static void binary(const struct half_type *t, leaky_binary_f32_fn *op, size_t n, const u16_any *x,
                   const u16_any *g, u16_any *out, const struct leaky_f32_params *params)
{
    float xb[BLOCK], gb[BLOCK];
    for (size_t i = 0; i < n; i += BLOCK) {
        const size_t len = n - i < BLOCK ? n - i : BLOCK;
        widen_block(len, x + i, xb, t->widen);
        widen_block(len, g + i, gb, t->widen);
        op(len, xb, gb, gb, params);
        narrow_block(len, gb, out + i, t->narrow);
    }
}

/* PReLU's slopes are float32 already: only x is widened. */
static void prelu(const struct half_type *t, size_t n, const u16_any *x, const float *w, u16_any *y,
                  const struct leaky_f32_params *params)
{
    float block[BLOCK];
    for (size_t i = 0; i < n; i += BLOCK) {
        const size_t len = n - i < BLOCK ? n - i : BLOCK;
        widen_block(len, x + i, block, t->widen);
        leaky_f32_vprelu__scalar(len, block, w + i, block, params);
        narrow_block(len, block, y + i, t->narrow);
    }
}

/* The entry points of one storage type t (f16 or bf16): each widens, runs the float32
 * reference and narrows through the shared loops above. */
#define HALF_REFERENCE(t)                                                                        \
    void leaky_##t##_vprelu__scalar(size_t n, const u16_any *x, const float *w, u16_any *y,      \
                                    const struct leaky_f32_params *params)                       \
    {                                                                                            \
        prelu(&t, n, x, w, y, params);                                                           \
    }                                                                                            \
    void leaky_##t##_vlrelu__scalar(size_t n, const u16_any *x, u16_any *y,                      \
                                    const struct leaky_f32_params *params)                       \
    {                                                                                            \
        unary(&t, leaky_f32_vlrelu__scalar, n, x, y, params);                                    \
    }                                                                                            \
    void leaky_##t##_vlrelu_backward__scalar(size_t n, const u16_any *x, const u16_any *dy,      \
                                             u16_any *dx, const struct leaky_f32_params *params) \
    {                                                                                            \
        binary(&t, leaky_f32_vlrelu_backward__scalar, n, x, dy, dx, params);                     \
    }                                                                                            \
    void leaky_##t##_vlrelu_derivative__scalar(size_t n, const u16_any *x, u16_any *d,           \
                                               const struct leaky_f32_params *params)            \
    {                                                                                            \
        unary(&t, leaky_f32_vlrelu_derivative__scalar, n, x, d, params);                         \
    }

HALF_REFERENCE(f16)
HALF_REFERENCE(bf16)

void leaky_f16_widen__scalar(size_t n, const u16_any *x, f32_any *y)
{
    widen_block(n, x, y, leaky_widen_f16);
}

void leaky_f16_narrow__scalar(size_t n, const f32_any *x, u16_any *y)
{
    narrow_block(n, x, y, leaky_narrow_f16);
}

void leaky_bf16_widen__scalar(size_t n, const u16_any *x, f32_any *y)
{
    widen_block(n, x, y, leaky_widen_bf16);
}

void leaky_bf16_narrow__scalar(size_t n, const f32_any *x, u16_any *y)
{
    narrow_block(n, x, y, leaky_narrow_bf16);
}

void leaky_x8_vlut__scalar(size_t n, const uint8_t *x, uint8_t *y, const uint8_t *table)
{
    size_t i = 0;
    /* Eight at a time through locals: a byte store into y could land in x or table, so
     * stored one by one the compiler would reload between lookups (3x slower here). */
    for (; i + 8 <= n; i += 8) {
        uint8_t in[8], out[8];
        memcpy(in, x + i, 8);
        for (int k = 0; k < 8; k++)
            out[k] = table[in[k]];
        memcpy(y + i, out, 8);
    }
    for (; i < n; i++)
        y[i] = table[x[i]];
}
