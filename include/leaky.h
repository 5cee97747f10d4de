/* SPDX-License-Identifier: MIT */
/*
 * leaky.h - the Leaky ReLU family of neural-network activations, in C.
 *
 * WHAT IT COMPUTES
 *   Leaky ReLU:   f(x)  = x        if x > 0
 *                         a * x    otherwise          (a: the negative slope)
 *   Its gradient: f'(x) = 1        if x > 0
 *                         a        otherwise          (so f'(0) = a)
 *   The default slope is LEAKY_DEFAULT_SLOPE = 0.01, as in PyTorch, JAX and ONNX
 *   (TensorFlow's tf.nn.leaky_relu defaults to 0.2, Keras' LeakyReLU layer to 0.3).
 *   Any finite slope is allowed: 0 (ReLU, except at -inf and NaN, see below), negative,
 *   or greater than 1. The rule is a select, never max(x, a*x), which is wrong for
 *   a > 1 and a < 0.
 *
 * EXACTNESS
 *   Every result is bit-identical to PyTorch's CPU operators (torch.nn.functional.leaky_relu,
 *   its backward, torch.relu) for every float32 input and every finite slope:
 *     - one IEEE multiply, rounded to nearest even; denormals are kept (no flush to zero);
 *     - NaN in gives NaN out (a quiet NaN keeps its payload);
 *     - -0.0 gives -0.0 * a;  with a = 0, -inf gives NaN (0 * -inf), as PyTorch does;
 *     - leaky_plain_relu_f32 is torch.relu: NaN stays NaN, -inf gives 0, -0.0 stays -0.0.
 *   The gradient at x = 0 is a (x > 0 is the test), as PyTorch, TensorFlow and oneDNN.
 *   Note: the usual numpy derivative, np.where(x >= 0, 1, a), and JAX and ONNX use
 *   x >= 0 and so give 1 at x = 0.
 *
 * DETERMINISM
 *   Every code path (scalar, SSE2, AVX2, AVX-512, NEON) gives the same bits for every input.
 *
 * CPU PATHS
 *   The best path for this CPU is chosen on first use (cpuid, and xgetbv for the OS's
 *   support of the wide registers). The environment variable LEAKY_ISA=scalar|sse2|avx2|
 *   avx512|neon forces one; naming a path the CPU lacks makes every call fail with
 *   LEAKY_EUNSUPPORTED (and an explanation in leaky_last_error()), never crash.
 *   leaky_set_isa() does the same from code.
 *
 * THREADS
 *   Calls on large arrays (from 32K elements per thread) are split across a pool of
 *   threads (created on first need; the caller's thread works too, and never waits for a
 *   thread the system has not yet run); smaller ones run on the caller's thread only. The count is one per core unless
 *   LEAKY_NUM_THREADS=N or leaky_set_num_threads(N) says otherwise (1: never split).
 *   A LEAKY_NUM_THREADS that is not a whole number from 0 to 1024 makes every call fail
 *   with LEAKY_EINVAL and an explanation in leaky_last_error(). The results are the same
 *   bits for every thread count.
 *
 * ERRORS
 *   Every function returns a leaky_status. On an error nothing is written to any output,
 *   and leaky_last_error() holds a sentence naming the bad argument and its value
 *   (kept per thread). The library never prints, never aborts and never allocates in
 *   its kernels.
 *
 * ARGUMENTS, FOR EVERY ARRAY FUNCTION
 *   n == 0 does nothing and returns LEAKY_OK (the pointers may then be NULL).
 *   A NULL pointer with n > 0 is LEAKY_EINVAL. The output may be the same array as the
 *   input (in place); any other overlap between arrays is LEAKY_EINVAL.
 *   A slope that is not finite (inf, NaN) is LEAKY_EINVAL.
 */
#ifndef LEAKY_H
#define LEAKY_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden symbols; what this header declares is exported. */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

#define LEAKY_VERSION_MAJOR 0
#define LEAKY_VERSION_MINOR 1
#define LEAKY_VERSION_PATCH 0
#define LEAKY_VERSION_STRING "0.1.0"

/* The negative slope PyTorch (nn.LeakyReLU), JAX and ONNX use by default. */
#define LEAKY_DEFAULT_SLOPE 0.01f

/* ------------------------------------------------------------------ errors */

typedef enum leaky_status {
    LEAKY_OK = 0,
    LEAKY_EINVAL,       /* a bad argument: NULL, overlap, non-finite slope, ... */
    LEAKY_ENOMEM,       /* an allocation failed (layer objects only) */
    LEAKY_EUNSUPPORTED  /* the requested CPU path is not available here */
} leaky_status;

/* A short fixed description of a status ("invalid argument", ...). Never NULL. */
const char *leaky_status_string(leaky_status status);

/* The message of the last error on the calling thread, naming the argument and value
 * at fault (e.g. "leaky_relu_f32: negative_slope is inf; expected a finite number").
 * An empty string when no call on this thread has failed. */
const char *leaky_last_error(void);

/* ------------------------------------------------------------- Leaky ReLU */

/* y[i] = x[i] > 0 ? x[i] : negative_slope * x[i], for i < n.  y may equal x.
 * PyTorch: F.leaky_relu(x, negative_slope). */
leaky_status leaky_relu_f32(const float *x, float *y, size_t n, float negative_slope);

/* The gradient with respect to the input, given the gradient dy of the output:
 * dx[i] = x[i] > 0 ? dy[i] : negative_slope * dy[i].  dx may equal dy (not x).
 * PyTorch: the backward of F.leaky_relu. */
leaky_status leaky_relu_backward_f32(const float *x, const float *dy, float *dx,
                                     size_t n, float negative_slope);

/* The same gradient computed from the forward's output y instead of its input, so a
 * training loop can run the forward in place and keep only y:
 * dx[i] = y[i] > 0 ? dy[i] : negative_slope * dy[i].
 * Only valid for negative_slope >= 0: with a negative slope the sign of y no longer tells
 * the sign of x, and the call fails with LEAKY_EINVAL. dx may equal dy (not y).
 * (PyTorch's in-place leaky_relu_ backward, oneDNN's use_dst_for_bwd.) */
leaky_status leaky_relu_backward_from_output_f32(const float *y, const float *dy, float *dx,
                                                 size_t n, float negative_slope);

/* The derivative itself: d[i] = x[i] > 0 ? 1 : negative_slope.  d may equal x.
 * (NaN has no sign and takes the slope, like the backward pass.) */
leaky_status leaky_relu_derivative_f32(const float *x, float *d, size_t n, float negative_slope);

/* ------------------------------------------------------------------- ReLU */

/* Plain ReLU, bit-identical to torch.relu: y[i] = x[i] < 0 ? 0 : x[i]
 * (NaN stays NaN, -inf gives +0, -0.0 stays -0.0).  y may equal x. */
leaky_status leaky_plain_relu_f32(const float *x, float *y, size_t n);

/* Its gradient, as PyTorch's threshold_backward: dx[i] = x[i] <= 0 ? 0 : dy[i]
 * (so NaN lets the gradient through).  x may be the forward's input or its output:
 * both have the same sign.  dx may equal dy (not x). */
leaky_status leaky_plain_relu_backward_f32(const float *x, const float *dy, float *dx, size_t n);

/* ----------------------------------------------------------- layer objects */

/* A layer carries its parameters, like PyTorch's modules:
 *
 *     leaky_layer *act;
 *     leaky_layer_create_leaky_relu(&act, 0.05f, false);   // nn.LeakyReLU(0.05)
 *     size_t shape[] = {batch, features};
 *     leaky_layer_forward_f32(act, x, y, 2, shape);
 *     leaky_layer_backward_f32(act, x, dy, dx, 2, shape);
 *     leaky_layer_destroy(act);
 *
 * Arrays are dense, C order, described by a shape (ndim may be 0: a scalar).
 * An in-place layer writes its output over its input: pass y == x.
 * backward takes the tensor the layer saved for it, as autograd does: the forward's
 * input x for an out-of-place layer, its output y for an in-place one.
 */
typedef struct leaky_layer leaky_layer;

typedef enum leaky_layer_kind {
    LEAKY_LAYER_RELU,
    LEAKY_LAYER_LEAKY_RELU
} leaky_layer_kind;

/* nn.LeakyReLU(negative_slope, inplace).  EINVAL for a non-finite slope. */
leaky_status leaky_layer_create_leaky_relu(leaky_layer **layer, float negative_slope,
                                           bool inplace);
/* nn.ReLU(inplace). */
leaky_status leaky_layer_create_relu(leaky_layer **layer, bool inplace);
/* Frees the layer; NULL is allowed. */
void leaky_layer_destroy(leaky_layer *layer);

leaky_layer_kind leaky_layer_get_kind(const leaky_layer *layer);
bool leaky_layer_is_inplace(const leaky_layer *layer);
/* A short name for printing: "ReLU", "LeakyReLU". */
const char *leaky_layer_name(const leaky_layer *layer);
/* The negative slope of a LeakyReLU layer (0 for ReLU). */
float leaky_layer_negative_slope(const leaky_layer *layer);

/* Applies the layer: y from x.  An in-place layer needs y == x (EINVAL otherwise); an
 * out-of-place one may still be given y == x. */
leaky_status leaky_layer_forward_f32(leaky_layer *layer, const float *x, float *y,
                                     size_t ndim, const size_t *shape);

/* dx from dy.  saved: the forward's input (out-of-place layer) or output (in-place).
 * An in-place LeakyReLU with a negative slope cannot do this (EINVAL), as in PyTorch. */
leaky_status leaky_layer_backward_f32(leaky_layer *layer, const float *saved, const float *dy,
                                      float *dx, size_t ndim, const size_t *shape);

/* -------------------------------------------------------------- CPU paths */

typedef enum leaky_isa {
    LEAKY_ISA_SCALAR = 0, /* portable C: the reference every other path is tested against */
    LEAKY_ISA_SSE2,
    LEAKY_ISA_AVX2,
    LEAKY_ISA_AVX512,     /* AVX-512 F + BW + VL + DQ */
    LEAKY_ISA_NEON,
    LEAKY_ISA_COUNT
} leaky_isa;

/* "scalar", "sse2", "avx2", "avx512", "neon"; NULL for a value out of range. */
const char *leaky_isa_name(leaky_isa isa);
/* Parses a name as above; EINVAL for an unknown one. */
leaky_status leaky_isa_from_name(const char *name, leaky_isa *isa);
/* Whether this build has the path (compiled in for this architecture). */
bool leaky_isa_compiled(leaky_isa isa);
/* Whether this build has the path and this CPU and OS can run it. */
bool leaky_isa_supported(leaky_isa isa);
/* The best path this CPU supports. */
leaky_isa leaky_isa_best(void);
/* The path in use: LEAKY_ISA's if set and valid, else the best one.
 * Returns EUNSUPPORTED or EINVAL (with leaky_last_error()) when LEAKY_ISA is unusable. */
leaky_status leaky_isa_active(leaky_isa *isa);
/* Uses this path from now on, for every thread; EUNSUPPORTED if the CPU lacks it.
 * Meant for tests and benchmarks; call it while no other thread is inside the library. */
leaky_status leaky_set_isa(leaky_isa isa);

/* ---------------------------------------------------------------- threads */

/* Uses up to count threads (the caller's included) for each later call on a large array;
 * 0 means one per core, the default. Overrides LEAKY_NUM_THREADS. EINVAL above 1024.
 * Call it while no other thread is inside the library (the pool is rebuilt on the next
 * large call). */
leaky_status leaky_set_num_threads(size_t count);
/* The number of threads a large call will use (0 resolved to the number of cores). */
size_t leaky_get_num_threads(void);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* LEAKY_H */
