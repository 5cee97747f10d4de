/* SPDX-License-Identifier: MIT */
/* Quantized int8 and uint8 Leaky ReLU: the parameters checked once, the 256 results
 * computed exactly into a table, and the table applied by the byte-lookup kernel. */
#include <math.h>
#include <string.h>

#include "internal/check.h"
#include "internal/kernels.h"
#include "internal/run.h"

/* Marks a struct the init function filled ("LQ8T"): applying garbage would be silent. */
enum { Q8_MAGIC = 0x4C513854 };

/* What exceeds the type's range by this much is clamped without computing it exactly. */
enum { BEYOND = 1024 };

/* A positive finite float as significand * 2^exponent, the significand an integer below 2^24. */
static uint32_t split(float f, int *exponent)
{
    int e;
    const float fraction = frexpf(f, &e); /* in [0.5, 1) */
    *exponent = e - 24;
    return (uint32_t)ldexpf(fraction, 24);
}

static int bit_length(unsigned __int128 v)
{
    int n = 0;
    for (; v; v >>= 1)
        n++;
    return n;
}

/* The nearest integer to num * 2^k / den, ties to even, or BEYOND when it is at least that
 * (num < 2^57, 0 < den < 2^24). The quotient is formed in 128-bit integers once its size is
 * known to fit: beyond 2^10 it is clamped anyway, below 1/4 it rounds to 0. */
static uint32_t round_ratio(uint64_t num, int k, uint32_t den)
{
    if (num == 0)
        return 0;
    const int ln = bit_length(num), ld = bit_length(den);
    if (ln - 1 + k - ld >= 10) /* num * 2^k / den >= 2^(ln - 1 + k - ld) */
        return BEYOND;
    if (ln + k - ld + 1 <= -2) /* num * 2^k / den < 2^(ln + k - ld + 1) */
        return 0;
    /* Now -59 < k < 35: n << k stays below 2^35, d << -k below 2^83. */
    unsigned __int128 n = num, d = den;
    if (k >= 0)
        n <<= k;
    else
        d <<= -k;
    const unsigned __int128 q = n / d, twice_rest = 2 * (n % d);
    const uint32_t rounded = (uint32_t)q + (twice_rest > d || (twice_rest == d && (q & 1)));
    return rounded < BEYOND ? rounded : BEYOND;
}

struct q8_type {
    const char *init_fn;
    int lo, hi; /* the type's range */
};

/* The output for the input difference d = q - in_zero_point, exactly rounded and clamped. */
static int requantize(const struct q8_type *t, int d, float in_scale, float out_scale,
                      int out_zero_point, float slope)
{
    int e_in, e_out, e_slope = 0;
    const uint32_t m_in = split(in_scale, &e_in), m_out = split(out_scale, &e_out);
    uint64_t num = (uint64_t)m_in * (uint64_t)(d < 0 ? -d : d);
    int k = e_in - e_out;
    bool negative = d < 0;
    if (d <= 0) { /* the slope's branch (d == 0 gives 0 either way) */
        if (slope == 0.0f)
            num = 0;
        else
            num *= split(fabsf(slope), &e_slope);
        k += e_slope;
        negative = negative != (slope < 0.0f);
    }
    const int magnitude = (int)round_ratio(num, k, m_out);
    const int out = (negative ? -magnitude : magnitude) + out_zero_point;
    return out < t->lo ? t->lo : out > t->hi ? t->hi : out;
}

static leaky_status check_scale(const char *fn, const char *name, float scale)
{
    if (!(isfinite(scale) && scale > 0.0f))
        return leaky_fail(LEAKY_EINVAL, "%s: %s is %g; expected a positive finite number", fn, name,
                          (double)scale);
    return LEAKY_OK;
}

static leaky_status check_zero_point(const struct q8_type *t, const char *name, int zero_point)
{
    if (zero_point < t->lo || zero_point > t->hi)
        return leaky_fail(LEAKY_EINVAL, "%s: %s is %d; expected an integer in [%d, %d]", t->init_fn,
                          name, zero_point, t->lo, t->hi);
    return LEAKY_OK;
}

/* Checks every parameter, then fills table[byte] for the 256 bytes (read as t's type). */
static leaky_status build(const struct q8_type *t, const void *params, float in_scale,
                          int in_zero_point, float out_scale, int out_zero_point, float slope,
                          uint8_t *table)
{
    if (!params)
        return leaky_fail(LEAKY_EINVAL, "%s: params is NULL; expected the struct to fill",
                          t->init_fn);
    LEAKY_TRY(check_scale(t->init_fn, "in_scale", in_scale));
    LEAKY_TRY(check_zero_point(t, "in_zero_point", in_zero_point));
    LEAKY_TRY(check_scale(t->init_fn, "out_scale", out_scale));
    LEAKY_TRY(check_zero_point(t, "out_zero_point", out_zero_point));
    LEAKY_TRY(leaky_check_slope(t->init_fn, slope));
    for (int byte = 0; byte < 256; byte++) {
        const int q = t->lo < 0 ? (int)(int8_t)byte : byte;
        table[byte] =
            (uint8_t)requantize(t, q - in_zero_point, in_scale, out_scale, out_zero_point, slope);
    }
    return LEAKY_OK;
}

static const struct q8_type qs8 = {"leaky_qs8_params_init", -128, 127};
static const struct q8_type qu8 = {"leaky_qu8_params_init", 0, 255};

/* The parameter set of type t (qs8 or qu8), written only once every parameter has passed. */
#define Q8_PARAMS_INIT(t)                                                                        \
    leaky_status leaky_##t##_params_init(leaky_##t##_params *params, float in_scale,             \
                                         int in_zero_point, float out_scale, int out_zero_point, \
                                         float negative_slope)                                   \
    {                                                                                            \
        uint8_t table[256];                                                                      \
        LEAKY_TRY(build(&t, params, in_scale, in_zero_point, out_scale, out_zero_point,          \
                        negative_slope, table));                                                 \
        *params = (leaky_##t##_params){                                                          \
            in_scale, out_scale, negative_slope, in_zero_point, out_zero_point, Q8_MAGIC, {0}};  \
        memcpy(params->table, table, sizeof table);                                              \
        return LEAKY_OK;                                                                         \
    }

Q8_PARAMS_INIT(qs8)
Q8_PARAMS_INIT(qu8)

/* One call: the byte-lookup kernel, its arrays and the table. */
struct lut_job {
    leaky_lut8_fn *kernel;
    const uint8_t *x, *table;
    uint8_t *y;
};

static void lut_range(void *ctx, size_t begin, size_t end)
{
    const struct lut_job *j = ctx;
    j->kernel(end - begin, j->x + begin, j->y + begin, j->table);
}

static leaky_status apply(const char *fn, const char *init_fn, const void *x, void *y, size_t n,
                          const void *params, uint32_t magic, const uint8_t *table)
{
    if (!params)
        return leaky_fail(LEAKY_EINVAL, "%s: params is NULL; expected parameters filled by %s", fn,
                          init_fn);
    if (magic != Q8_MAGIC)
        return leaky_fail(LEAKY_EINVAL,
                          "%s: params was not filled by %s (or was since "
                          "overwritten)",
                          fn, init_fn);
    if (n == 0)
        return LEAKY_OK;
    LEAKY_TRY(leaky_check_unary(fn, LEAKY_OPERAND(x), 1, LEAKY_OPERAND(y), 1, n));
    const struct leaky_kernels *k = NULL;
    LEAKY_TRY(leaky_active_kernels(&k));
    if (leaky_small_call(n, 1)) {
        k->x8_vlut(n, x, y, table);
        return LEAKY_OK;
    }
    struct lut_job job = {k->x8_vlut, x, table, y};
    leaky_run_split(n, 1, y, lut_range, &job);
    return LEAKY_OK;
}

leaky_status leaky_relu_qs8(const int8_t *x, int8_t *y, size_t n, const leaky_qs8_params *params)
{
    return apply("leaky_relu_qs8", qs8.init_fn, x, y, n, params, params ? params->magic : 0,
                 params ? (const uint8_t *)params->table : NULL);
}

leaky_status leaky_relu_qu8(const uint8_t *x, uint8_t *y, size_t n, const leaky_qu8_params *params)
{
    return apply("leaky_relu_qu8", qu8.init_fn, x, y, n, params, params ? params->magic : 0,
                 params ? params->table : NULL);
}
