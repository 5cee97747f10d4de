/* SPDX-License-Identifier: MIT */
/* Where work is split: every kernel call that may be worth spreading over threads comes
 * through leaky_parallel_for. Elementwise results do not depend on the split, so the
 * bits are the same for any thread count. */
#include "internal.h"

void leaky_parallel_for(size_t n, size_t grain, leaky_range_fn *fn, void *ctx)
{
    (void)grain;
    if (n > 0)
        fn(ctx, 0, n);
}

struct unary_job {
    leaky_unary_f32_fn *kernel;
    const float *x;
    float *y;
    const struct leaky_f32_params *params;
};

static void unary_range(void *ctx, size_t begin, size_t end)
{
    const struct unary_job *job = ctx;
    job->kernel(end - begin, job->x + begin, job->y + begin, job->params);
}

struct binary_job {
    leaky_binary_f32_fn *kernel;
    const float *x, *g;
    float *out;
    const struct leaky_f32_params *params;
};

static void binary_range(void *ctx, size_t begin, size_t end)
{
    const struct binary_job *job = ctx;
    job->kernel(end - begin, job->x + begin, job->g + begin, job->out + begin, job->params);
}

/* Below this many elements a second thread costs more than it saves (SPEC section 4:
 * a hand-off is about 0.5 us). */
enum { ELEMENTWISE_GRAIN = 1 << 16 };

void leaky_run_unary_f32(leaky_unary_f32_fn *kernel, size_t n, const float *x, float *y,
                         const struct leaky_f32_params *params)
{
    struct unary_job job = {kernel, x, y, params};
    leaky_parallel_for(n, ELEMENTWISE_GRAIN, unary_range, &job);
}

void leaky_run_binary_f32(leaky_binary_f32_fn *kernel, size_t n, const float *x, const float *g,
                          float *out, const struct leaky_f32_params *params)
{
    struct binary_job job = {kernel, x, g, out, params};
    leaky_parallel_for(n, ELEMENTWISE_GRAIN, binary_range, &job);
}
