/* SPDX-License-Identifier: MIT */
/* RReLU: argument checks, and the split into kernel calls that each see one value of the
 * index's high 32 bits (which go into the generator's keys).  Compiled once per element
 * type (internal/type.h). */
#include <math.h>

#include "internal/check.h"
#include "internal/rng.h"
#include "internal/run.h"
#include "internal/type.h"

static leaky_status check_bounds(const char *fn, T lower, T upper)
{
    if (!isfinite(lower) || !isfinite(upper))
        return leaky_fail(LEAKY_EINVAL,
                          "%s: lower is %g and upper is %g; expected finite "
                          "numbers",
                          fn, (double)lower, (double)upper);
    if (!(lower <= upper))
        return leaky_fail(LEAKY_EINVAL,
                          "%s: lower is %g and upper is %g; expected lower <= "
                          "upper",
                          fn, (double)lower, (double)upper);
    if (!isfinite(upper - lower))
        return leaky_fail(LEAKY_EINVAL,
                          "%s: upper - lower = %g - (%g) overflows; expected a "
                          "finite range",
                          fn, (double)upper, (double)lower);
    return LEAKY_OK;
}

struct rrelu_job {
    TFN(rrelu) * forward; /* one of the two */
    TFN(rrelu_backward) * backward;
    const T *x, *dy;
    T *out, *noise;
    T lower, range;
    uint64_t seed, first;
};

static void rrelu_range(void *ctx, size_t begin, size_t end)
{
    const struct rrelu_job *job = ctx;
    while (begin < end) {
        /* The element's index in the whole array; its high bits go into the keys. */
        const uint64_t index = job->first + begin, hi = index >> 32;
        const uint64_t left = ((hi + 1) << 32) - index; /* before the high bits change */
        const size_t stop = left < end - begin ? begin + (size_t)left : end;
        TRRELU params = {job->lower, job->range, 0, 0, (uint32_t)index};
        leaky_rrelu_keys(job->seed, (uint32_t)hi, &params.key0, &params.key1);
        if (job->backward)
            job->backward(stop - begin, job->x + begin, job->dy + begin, job->out + begin, &params);
        else
            job->forward(stop - begin, job->x + begin, job->out + begin,
                         job->noise ? job->noise + begin : NULL, &params);
        begin = stop;
    }
}

leaky_status TAPI(rrelu_train)(const T *x, T *y, size_t n, T lower, T upper, uint64_t seed,
                               T *noise)
{
    return TAPI(rrelu_train_at)(x, y, n, 0, lower, upper, seed, noise);
}

leaky_status TAPI(rrelu_backward)(const T *x, const T *dy, T *dx, size_t n, T lower, T upper,
                                  uint64_t seed)
{
    return TAPI(rrelu_backward_at)(x, dy, dx, n, 0, lower, upper, seed);
}

leaky_status TAPI(rrelu_train_at)(const T *x, T *y, size_t n, uint64_t first, T lower, T upper,
                                  uint64_t seed, T *noise)
{
    static const char fn[] = "leaky_rrelu_train_at_" TSTR;
    LEAKY_TRY(check_bounds(fn, lower, upper));
    if (n == 0)
        return LEAKY_OK;
    LEAKY_TRY(leaky_check_unary(fn, LEAKY_OPERAND(x), sizeof(T), LEAKY_OPERAND(y), sizeof(T), n));
    if (noise) {
        const size_t bytes = n * sizeof(T);
        const struct leaky_operand drawn = LEAKY_OPERAND(noise);
        LEAKY_TRY(leaky_check_disjoint(fn, drawn, bytes, LEAKY_OPERAND(x), bytes));
        LEAKY_TRY(leaky_check_disjoint(fn, drawn, bytes, LEAKY_OPERAND(y), bytes));
    }
    const struct leaky_kernels *k = NULL;
    LEAKY_TRY(leaky_active_kernels(&k));
    struct rrelu_job job = {k->TNAME(vrrelu), NULL, x,    NULL, y, noise, lower,
                            upper - lower,    seed, first};
    leaky_run(n, sizeof(T), y, rrelu_range, &job);
    return LEAKY_OK;
}

leaky_status TAPI(rrelu_backward_at)(const T *x, const T *dy, T *dx, size_t n, uint64_t first,
                                     T lower, T upper, uint64_t seed)
{
    static const char fn[] = "leaky_rrelu_backward_at_" TSTR;
    LEAKY_TRY(check_bounds(fn, lower, upper));
    if (n == 0)
        return LEAKY_OK;
    LEAKY_TRY(leaky_check_binary(fn, LEAKY_OPERAND(x), LEAKY_OPERAND(dy), LEAKY_OPERAND(dx),
                                 sizeof(T), n));
    const struct leaky_kernels *k = NULL;
    LEAKY_TRY(leaky_active_kernels(&k));
    struct rrelu_job job = {
        NULL, k->TNAME(vrrelu_backward), x, dy, dx, NULL, lower, upper - lower, seed, first};
    leaky_run(n, sizeof(T), dx, rrelu_range, &job);
    return LEAKY_OK;
}

/* As PyTorch: (lower + upper) / 2 in double, then rounded to the type. */
T TAPI(rrelu_eval_slope)(T lower, T upper) { return (T)(((double)lower + (double)upper) / 2); }

leaky_status TAPI(rrelu_eval)(const T *x, T *y, size_t n, T lower, T upper)
{
    static const char fn[] = "leaky_rrelu_eval_" TSTR;
    LEAKY_TRY(check_bounds(fn, lower, upper));
    return TAPI(relu)(x, y, n, TAPI(rrelu_eval_slope)(lower, upper));
}
