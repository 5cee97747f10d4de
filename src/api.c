/* SPDX-License-Identifier: MIT */
/* The Leaky ReLU and ReLU entry points: argument checks, then one dispatched kernel.
 * Compiled once per element type (internal/type.h): leaky_relu_f32 and leaky_relu_f64, ... */
#include <stddef.h>

#include "internal/check.h"
#include "internal/run.h"
#include "internal/type.h"

/* Kernels are named by their offset in the table so one checked path serves them all. */
#define KERNEL_AT(table, type, offset) (*(type *const *)((const char *)(table) + (offset)))

struct range_job {
    const void *kernel;
    const T *x, *g;
    T *out;
    const TPARAMS *params;
};

static void unary_range(void *ctx, size_t begin, size_t end)
{
    const struct range_job *job = ctx;
    ((TFN(unary) *)job->kernel)(end - begin, job->x + begin, job->out + begin, job->params);
}

static void binary_range(void *ctx, size_t begin, size_t end)
{
    const struct range_job *job = ctx;
    ((TFN(binary) *)job->kernel)(end - begin, job->x + begin, job->g + begin, job->out + begin,
                                 job->params);
}

/* A second thread pays off only when each thread gets at least LEAKY_ELEMENTWISE_GRAIN
 * elements. Measured on this machine (2 cores, 1 MiB L2 each; 2 threads against 1, medians
 * of 21): 64K elements: forward 1.43x, in place 1.0-1.15x, backward 1.35x; 128K: 1.4-1.8x,
 * 1.15-1.2x, 1.4-1.6x. Below 64K a hand-off (~0.5 us, more when a worker must be woken)
 * eats the gain.
 *
 * From this many bytes read and written, out of place, stores bypass the caches.
 * Measured on the 32 MiB L3 of this AMD EPYC (tests were alternating, medians):
 * forward, 10 MiB out (20 MiB touched): plain stores 0.173 ns/element, streamed 0.189;
 * 12 MiB out (24 MiB): 0.196 against 0.165; backward, 4 MiB out (12 MiB touched): even,
 * 6 MiB out (18 MiB): 0.198 against 0.160. Below, the output would still be in the cache
 * for whoever reads it next; above, streaming saves reading each line before writing it. */
static bool stream_to(const void *out, const void *in, size_t touched)
{
    return touched > LEAKY_NONTEMPORAL_BYTES && out != in && (uintptr_t)out % sizeof(T) == 0;
}

/* Below two grains there is one thread's worth of work and nothing to stream: such calls
 * never leave the caller (leaky_run_unary_f32 in internal/run.h). */
_Static_assert(LEAKY_SMALL_CALL == 2 * LEAKY_ELEMENTWISE_GRAIN, "small calls are one grain's worth");
_Static_assert(3 * LEAKY_SMALL_CALL * sizeof(float) < LEAKY_NONTEMPORAL_BYTES,
               "small calls are never streamed");

void LEAKY_PASTE3(leaky_run_unary_, LEAKY_T, _large)(TFN(unary) *kernel, size_t n, const T *x, T *y, T slope)
{
    const TPARAMS p = {slope, stream_to(y, x, 2 * n * sizeof *y)};
    struct range_job job = {(const void *)kernel, x, NULL, y, &p};
    leaky_parallel_for_aligned(n, LEAKY_ELEMENTWISE_GRAIN, y, sizeof *y, unary_range, &job);
}

void LEAKY_PASTE3(leaky_run_binary_, LEAKY_T, _large)(TFN(binary) *kernel, size_t n, const T *x, const T *g, T *out,
                            T slope)
{
    const TPARAMS p = {slope, stream_to(out, g, 3 * n * sizeof *out)};
    struct range_job job = {(const void *)kernel, x, g, out, &p};
    leaky_parallel_for_aligned(n, LEAKY_ELEMENTWISE_GRAIN, out, sizeof *out, binary_range,
                               &job);
}

static leaky_status run_unary(const char *fn, size_t kernel_offset, struct leaky_operand in,
                              struct leaky_operand out, size_t n, T slope)
{
    if (n == 0)
        return LEAKY_OK;
    LEAKY_TRY(leaky_check_unary(fn, in, sizeof(T), out, sizeof(T), n));
    const struct leaky_kernels *k = NULL;
    LEAKY_TRY(leaky_active_kernels(&k));
    const TPARAMS params = {.slope = slope};
    TAPI(run_unary)(KERNEL_AT(k, TFN(unary), kernel_offset), n, in.p, (T *)out.p, &params);
    return LEAKY_OK;
}

/* x routes the gradient g into out; out may be g itself but must not touch x. */
static leaky_status run_binary(const char *fn, size_t kernel_offset, struct leaky_operand x,
                               struct leaky_operand g, struct leaky_operand out, size_t n,
                               T slope)
{
    if (n == 0)
        return LEAKY_OK;
    LEAKY_TRY(leaky_check_binary(fn, x, g, out, sizeof(T), n));
    const struct leaky_kernels *k = NULL;
    LEAKY_TRY(leaky_active_kernels(&k));
    const TPARAMS params = {.slope = slope};
    TAPI(run_binary)(KERNEL_AT(k, TFN(binary), kernel_offset), n, x.p, g.p, (T *)out.p,
                     &params);
    return LEAKY_OK;
}

#define KERNEL(name) offsetof(struct leaky_kernels, TNAME(name))

leaky_status TAPI(relu)(const T *x, T *y, size_t n, T negative_slope)
{
    static const char fn[] = "leaky_relu_" TSTR;
    LEAKY_TRY(leaky_check_slope(fn, negative_slope));
    return run_unary(fn, KERNEL(vlrelu), LEAKY_OPERAND(x), LEAKY_OPERAND(y), n, negative_slope);
}

leaky_status TAPI(relu_backward)(const T *x, const T *dy, T *dx, size_t n, T negative_slope)
{
    static const char fn[] = "leaky_relu_backward_" TSTR;
    LEAKY_TRY(leaky_check_slope(fn, negative_slope));
    return run_binary(fn, KERNEL(vlrelu_backward), LEAKY_OPERAND(x), LEAKY_OPERAND(dy),
                      LEAKY_OPERAND(dx), n, negative_slope);
}

leaky_status TAPI(relu_backward_from_output)(const T *y, const T *dy, T *dx, size_t n,
                                             T negative_slope)
{
    static const char fn[] = "leaky_relu_backward_from_output_" TSTR;
    LEAKY_TRY(leaky_check_slope(fn, negative_slope));
    if (negative_slope < 0)
        return leaky_fail(LEAKY_EINVAL, "%s: negative_slope is %g; the gradient can be taken "
                          "from the output only for a slope >= 0, since with a negative slope "
                          "the sign of y no longer tells the sign of x (use "
                          "leaky_relu_backward_%s with the input)", fn, (double)negative_slope,
                          TSTR);
    /* For a >= 0, y > 0 exactly when x > 0, so the input's kernel serves unchanged. */
    return run_binary(fn, KERNEL(vlrelu_backward), LEAKY_OPERAND(y), LEAKY_OPERAND(dy),
                      LEAKY_OPERAND(dx), n, negative_slope);
}

leaky_status TAPI(relu_derivative)(const T *x, T *d, size_t n, T negative_slope)
{
    static const char fn[] = "leaky_relu_derivative_" TSTR;
    LEAKY_TRY(leaky_check_slope(fn, negative_slope));
    return run_unary(fn, KERNEL(vlrelu_derivative), LEAKY_OPERAND(x), LEAKY_OPERAND(d), n,
                     negative_slope);
}

leaky_status TAPI(plain_relu)(const T *x, T *y, size_t n)
{
    return run_unary("leaky_plain_relu_" TSTR, KERNEL(vrelu), LEAKY_OPERAND(x),
                     LEAKY_OPERAND(y), n, 0);
}

leaky_status TAPI(plain_relu_backward)(const T *x, const T *dy, T *dx, size_t n)
{
    return run_binary("leaky_plain_relu_backward_" TSTR, KERNEL(vrelu_backward),
                      LEAKY_OPERAND(x), LEAKY_OPERAND(dy), LEAKY_OPERAND(dx), n, 0);
}
