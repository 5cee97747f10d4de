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

leaky_status cli_half_apply(const struct cli_half_type *t, bool derivative, float slope,
                            float *v, size_t n)
{
    const bool f16 = t->widen == leaky_widen_f16;
    leaky_status (*fn)(const uint16_t *, uint16_t *, size_t, float) =
        derivative ? (f16 ? leaky_relu_derivative_f16 : leaky_relu_derivative_bf16)
                   : (f16 ? leaky_relu_f16 : leaky_relu_bf16);
    uint16_t h[4096];
    for (size_t at = 0; at < n; at += 4096) {
        const size_t len = n - at < 4096 ? n - at : 4096;
        for (size_t i = 0; i < len; i++)
            h[i] = t->narrow(v[at + i]);
        const leaky_status status = fn(h, h, len, slope);
        if (status != LEAKY_OK)
            return status;
        for (size_t i = 0; i < len; i++)
            v[at + i] = t->widen(h[i]);
    }
    return LEAKY_OK;
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
