/* SPDX-License-Identifier: MIT */
/* float16 and bfloat16 for the leaky command: values are floats on the way in and out,
 * rounded to the type in between. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "leaky.h"

static const struct cli_half_type types[] = {
    {"f16", "65504", leaky_widen_f16, leaky_narrow_f16},
    {"bf16", "3.3895314e+38", leaky_widen_bf16, leaky_narrow_bf16},
};

const struct cli_half_type *cli_half_type(const char *name)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(name, types[i].name) == 0)
            return &types[i];
    return NULL;
}

bool cli_half_fits(const struct cli_half_type *t, float value)
{
    return !isfinite(value) || isfinite(t->widen(t->narrow(value)));
}

/* Rounds v[at .. at + len) into h, runs step on it in place, widens the results back; in
 * blocks of BLOCK values, or of what step asks for (its return: how many it took). */
enum { BLOCK = 4096 };
struct half_step {
    const struct cli_half_type *t;
    /* Computes len values of h in place (the array's values from at on); may take fewer than
     * len, and says how many in *taken. */
    leaky_status (*fn)(const struct half_step *s, uint16_t *h, size_t at, size_t len,
                       size_t *taken);
    bool derivative;
    float slope;
    const float *slopes;
    size_t num_slopes;
};

static leaky_status through_half(const struct half_step *s, float *v, size_t n)
{
    uint16_t h[BLOCK];
    for (size_t at = 0, len; at < n; at += len) {
        len = n - at < BLOCK ? n - at : BLOCK;
        for (size_t i = 0; i < len; i++)
            h[i] = s->t->narrow(v[at + i]);
        const leaky_status status = s->fn(s, h, at, len, &len);
        if (status != LEAKY_OK)
            return status;
        for (size_t i = 0; i < len; i++)
            v[at + i] = s->t->widen(h[i]);
    }
    return LEAKY_OK;
}

static bool is_f16(const struct cli_half_type *t) { return t->widen == leaky_widen_f16; }

static leaky_status leaky_step(const struct half_step *s, uint16_t *h, size_t at, size_t len,
                               size_t *taken)
{
    (void)at;
    leaky_status (*fn)(const uint16_t *, uint16_t *, size_t, float) =
        s->derivative ? (is_f16(s->t) ? leaky_relu_derivative_f16 : leaky_relu_derivative_bf16)
                      : (is_f16(s->t) ? leaky_relu_f16 : leaky_relu_bf16);
    *taken = len;
    return fn(h, h, len, s->slope);
}

leaky_status cli_half_apply(const struct cli_half_type *t, bool derivative, float slope, float *v,
                            size_t n)
{
    const struct half_step s = {t, leaky_step, derivative, slope, NULL, 0};
    return through_half(&s, v, n);
}

/* Whole rows of C values when a row fits in the block, else a row's piece from its channel
 * at % C on (the values are rows of C channels). */
static leaky_status prelu_step(const struct half_step *s, uint16_t *h, size_t at, size_t len,
                               size_t *taken)
{
    leaky_status (*fn)(const uint16_t *, uint16_t *, size_t, size_t, size_t, const float *,
                       size_t) = is_f16(s->t) ? leaky_prelu_f16 : leaky_prelu_bf16;
    const size_t c = s->num_slopes;
    if (c == 1) {
        *taken = len;
        return fn(h, h, 1, 1, len, s->slopes, 1);
    }
    if (len >= c && at % c == 0) {
        *taken = len / c * c;
        return fn(h, h, len / c, c, 1, s->slopes, c);
    }
    const size_t c0 = at % c;
    *taken = c - c0 < len ? c - c0 : len;
    return fn(h, h, 1, *taken, 1, s->slopes + c0, *taken);
}

leaky_status cli_half_prelu(const struct cli_half_type *t, const float *slopes, size_t num_slopes,
                            float *v, size_t n)
{
    const struct half_step s = {t, prelu_step, false, 0.0f, slopes, num_slopes};
    return through_half(&s, v, n);
}

void cli_half_format(const struct cli_half_type *t, char *buf, size_t size, float value)
{
    if (isnan(value)) {
        snprintf(buf, size, "%snan", signbit(value) ? "-" : "");
        return;
    }
    /* Every value of the type is a float, so 9 digits always read back. */
    for (int digits = 1; digits <= 9; digits++) {
        snprintf(buf, size, "%.*g", digits, (double)value);
        if (t->narrow(strtof(buf, NULL)) == t->narrow(value))
            return;
    }
}
