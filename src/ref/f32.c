/* SPDX-License-Identifier: MIT */
/* The scalar reference kernels: the portable path, the first entries of every dispatch
 * table, and the oracle every other path is tested against. Plain C, one element at a
 * time, the rule written as SPEC states it. */
#include "internal.h"

void leaky_f32_vlrelu__scalar(size_t n, const float *x, float *y,
                              const struct leaky_f32_params *params)
{
    const float slope = params->slope;
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : slope * x[i];
}

void leaky_f32_vlrelu_backward__scalar(size_t n, const float *x, const float *dy, float *dx,
                                       const struct leaky_f32_params *params)
{
    const float slope = params->slope;
    for (size_t i = 0; i < n; i++)
        dx[i] = x[i] > 0.0f ? dy[i] : slope * dy[i];
}

void leaky_f32_vlrelu_derivative__scalar(size_t n, const float *x, float *d,
                                         const struct leaky_f32_params *params)
{
    const float slope = params->slope;
    for (size_t i = 0; i < n; i++)
        d[i] = x[i] > 0.0f ? 1.0f : slope;
}

void leaky_f32_vrelu__scalar(size_t n, const float *x, float *y,
                             const struct leaky_f32_params *params)
{
    (void)params;
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

void leaky_f32_vrelu_backward__scalar(size_t n, const float *x, const float *dy, float *dx,
                                      const struct leaky_f32_params *params)
{
    (void)params;
    for (size_t i = 0; i < n; i++)
        dx[i] = x[i] <= 0.0f ? 0.0f : dy[i];
}

void leaky_fill_kernels__scalar(struct leaky_kernels *k)
{
#define LEAKY_X_FILL(name, type) k->name = leaky_##name##__scalar;
    LEAKY_KERNEL_LIST(LEAKY_X_FILL)
#undef LEAKY_X_FILL
}
