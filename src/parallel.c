/* SPDX-License-Identifier: MIT */
/* Where elementwise work is run: the single place that will split it across threads. */
#include "internal.h"

void leaky_run_unary_f32(leaky_unary_f32_fn *kernel, size_t n, const float *x, float *y,
                         const struct leaky_f32_params *params)
{
    kernel(n, x, y, params);
}

void leaky_run_binary_f32(leaky_binary_f32_fn *kernel, size_t n, const float *x, const float *g,
                          float *out, const struct leaky_f32_params *params)
{
    kernel(n, x, g, out, params);
}
