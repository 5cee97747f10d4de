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
 *   Calls on large arrays (from 128 KiB written per thread: 32K float32 elements, 64K
 *   float16, 128K int8) are split across a pool of threads (created on first need; the
 *   caller's thread works too, and never waits for a thread the system has not yet run);
 *   smaller ones run on the caller's thread only. The count is one per core unless
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
#include <stdint.h>

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
    LEAKY_EINVAL,      /* a bad argument: NULL, overlap, non-finite slope, ... */
    LEAKY_ENOMEM,      /* an allocation failed (layer objects only) */
    LEAKY_EUNSUPPORTED /* the requested CPU path is not available here */
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
leaky_status leaky_relu_backward_f32(const float *x, const float *dy, float *dx, size_t n,
                                     float negative_slope);

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

/* ------------------------------------------------------------------ PReLU */

/* PReLU (He et al. 2015) learns its slopes: one shared by the whole array, or one per
 * channel.  The array is seen as outer x channels x inner, dense and in C order:
 *     channel at dimension 1 (PyTorch, NCHW...):  outer = N, channels = C, inner = H*W*...
 *     channels last (NHWC, TensorFlow):           outer = N*H*W*..., channels = C, inner = 1
 * and element (o, c, i) takes the slope w[c] (w[0] when num_slopes is 1):
 *     y = x > 0 ? x : w[c] * x                          (one IEEE multiply, as leaky_relu)
 * num_slopes must be 1 or channels (both numbers are named in the error otherwise); every
 * slope must be finite.  y may equal x.  PyTorch: F.prelu(x, w), nn.PReLU. */
#define LEAKY_PRELU_DEFAULT_INIT 0.25f /* the initial slope of nn.PReLU and He et al. */

leaky_status leaky_prelu_f32(const float *x, float *y, size_t outer, size_t channels, size_t inner,
                             const float *slopes, size_t num_slopes);

/* The backward pass: dx = x > 0 ? dy : w[c] * dy, and when dslopes is not NULL the slope
 * gradient, overwriting dslopes[0 .. num_slopes):
 *     dslopes[k] = sum over the elements of slope k of (x > 0 ? 0 : x * dy)
 * The terms are summed in short blocks (8 a lane, in float for float32, exactly in double
 * where a block would overflow) added into double, in a fixed order that depends on the
 * shape only: the same bits for any thread count and on every CPU path, and within 1e-6
 * (at most 4.8e-7) of the sum of |terms| of the exact sum.  A NaN slope gradient is
 * always the quiet NaN with its sign clear (NAN), whatever NaN terms it came from.
 * dx may equal dy; dslopes must not overlap any other array.  Accumulate into a running
 * gradient yourself (or use the layer). */
leaky_status leaky_prelu_backward_f32(const float *x, const float *dy, float *dx, float *dslopes,
                                      size_t outer, size_t channels, size_t inner,
                                      const float *slopes, size_t num_slopes);

/* PReLU with the slopes in an array of their own shape, broadcast to x's as ONNX's PRelu
 * and NumPy do (unidirectionally): w_shape, aligned to the right of x_shape, has on each
 * axis 1 (the slope is shared along it) or x's size; missing leading axes are 1.  So a
 * scalar slope (w_ndim 0), one per channel on any axis ((C, 1, 1) on NCHW, (C) on NHWC),
 * one per element (w_shape = x_shape) and slopes over several axes are all expressed.
 * Both arrays are dense, in C order; element x[i...] takes w at the same index with the
 * broadcast axes at 0:  y = x > 0 ? x : w * x  (one IEEE multiply: the bits of
 * F.prelu, torch.where(x > 0, x, w * x) and ONNX's PRelu).  Slopes over adjacent axes
 * run as one call of leaky_prelu_f32's plan; otherwise one call per index of the
 * leading axes.  At most LEAKY_BROADCAST_MAX_DIMS axes; every slope finite; y may equal
 * x.  LEAKY_EINVAL names the axis whose sizes do not broadcast. */
#define LEAKY_BROADCAST_MAX_DIMS 64
leaky_status leaky_prelu_broadcast_f32(const float *x, const size_t *x_shape, size_t x_ndim,
                                       const float *w, const size_t *w_shape, size_t w_ndim,
                                       float *y);

/* Its backward pass: dx = x > 0 ? dy : w * dy, and when dw is not NULL the slope gradient
 * in w's shape, dw = sum over the broadcast axes of (x > 0 ? 0 : x * dy), summed as
 * leaky_prelu_backward_f32 sums (then per leading index, in index order, in double): the
 * same bits for any thread count and on every CPU path.  dx may equal dy; dw must not
 * overlap any other array. */
leaky_status leaky_prelu_broadcast_backward_f32(const float *x, const size_t *x_shape,
                                                size_t x_ndim, const float *w,
                                                const size_t *w_shape, size_t w_ndim,
                                                const float *dy, float *dx, float *dw);

/* ------------------------------------------------------------------ RReLU */

/* RReLU (Xu et al. 2015): while training, each element with x <= 0 takes a random slope
 * r ~ U(lower, upper); in evaluation the slope is the mean (lower + upper) / 2.
 *
 * The slopes come from a counter-based generator keyed by (seed, element index), so they
 * depend on neither the thread count nor the CPU path, and the backward pass regenerates
 * them instead of storing them.  For element i (its index in the array, from 0):
 *     s  = splitmix64(splitmix64(seed) ^ (i >> 32));  k0 = low 32 bits of s, k1 = high 32
 *     h  = (uint32_t)i + k0;  then, in 32-bit unsigned arithmetic:
 *     h ^= h >> 17; h *= 0xED5AD4BB; h ^= k1; h ^= h >> 11; h *= 0xAC4C1B51;
 *     h ^= h >> 15; h *= 0x31848BAB; h ^= h >> 14
 *     u  = (h >> 8) * 2^-24                       (24 random bits, exact: u in [0, 1))
 *     r  = lower + (upper - lower) * u            (float32 multiply, then add; no FMA)
 *   (splitmix64: z += 0x9E3779B97F4A7C15; z = (z ^ z >> 30) * 0xBF58476D1CE4E5B9;
 *    z = (z ^ z >> 27) * 0x94D049BB133111EB; z ^= z >> 31.)
 * The float64 functions draw the same u and compute r in double.  r may round to upper.
 * lower <= upper, both finite, and upper - lower must not overflow. */
#define LEAKY_RRELU_DEFAULT_LOWER (1.0f / 8) /* as PyTorch's nn.RReLU */
#define LEAKY_RRELU_DEFAULT_UPPER (1.0f / 3)

/* Training forward: y = x > 0 ? x : r_i * x.  noise (may be NULL) receives r_i, or 1 where
 * x > 0, as PyTorch's noise tensor.  y may equal x; noise must not overlap x or y. */
leaky_status leaky_rrelu_train_f32(const float *x, float *y, size_t n, float lower, float upper,
                                   uint64_t seed, float *noise);
/* Its backward, regenerating r_i from (seed, i): dx = x > 0 ? dy : r_i * dy.  dx may
 * equal dy. */
leaky_status leaky_rrelu_backward_f32(const float *x, const float *dy, float *dx, size_t n,
                                      float lower, float upper, uint64_t seed);
/* The same for a piece of a larger array that starts at element `first` of it: element i
 * of the call draws as element first + i, so an array processed in pieces (a file read in
 * chunks, a stream) gets exactly the slopes of one call over all of it.  (The functions
 * above are these with first = 0; their error messages name these.) */
leaky_status leaky_rrelu_train_at_f32(const float *x, float *y, size_t n, uint64_t first,
                                      float lower, float upper, uint64_t seed, float *noise);
leaky_status leaky_rrelu_backward_at_f32(const float *x, const float *dy, float *dx, size_t n,
                                         uint64_t first, float lower, float upper, uint64_t seed);
/* Evaluation: leaky_relu_f32 with slope (lower + upper) / 2, computed in double and then
 * rounded to float, as PyTorch does (F.rrelu(x, lower, upper, training=False)).  Its
 * backward is leaky_relu_backward_f32 with that slope: see leaky_rrelu_eval_slope_f32. */
leaky_status leaky_rrelu_eval_f32(const float *x, float *y, size_t n, float lower, float upper);
float leaky_rrelu_eval_slope_f32(float lower, float upper);

/* ---------------------------------------------------------------- float64 */

/* Every function above for double: the same rules, rounded to double.  The slopes are
 * double.  (The PReLU slope gradient is summed in double too.) */
leaky_status leaky_relu_f64(const double *x, double *y, size_t n, double negative_slope);
leaky_status leaky_relu_backward_f64(const double *x, const double *dy, double *dx, size_t n,
                                     double negative_slope);
leaky_status leaky_relu_backward_from_output_f64(const double *y, const double *dy, double *dx,
                                                 size_t n, double negative_slope);
leaky_status leaky_relu_derivative_f64(const double *x, double *d, size_t n, double negative_slope);
leaky_status leaky_plain_relu_f64(const double *x, double *y, size_t n);
leaky_status leaky_plain_relu_backward_f64(const double *x, const double *dy, double *dx, size_t n);
leaky_status leaky_prelu_f64(const double *x, double *y, size_t outer, size_t channels,
                             size_t inner, const double *slopes, size_t num_slopes);
leaky_status leaky_prelu_backward_f64(const double *x, const double *dy, double *dx,
                                      double *dslopes, size_t outer, size_t channels, size_t inner,
                                      const double *slopes, size_t num_slopes);
leaky_status leaky_prelu_broadcast_f64(const double *x, const size_t *x_shape, size_t x_ndim,
                                       const double *w, const size_t *w_shape, size_t w_ndim,
                                       double *y);
leaky_status leaky_prelu_broadcast_backward_f64(const double *x, const size_t *x_shape,
                                                size_t x_ndim, const double *w,
                                                const size_t *w_shape, size_t w_ndim,
                                                const double *dy, double *dx, double *dw);
leaky_status leaky_rrelu_train_f64(const double *x, double *y, size_t n, double lower, double upper,
                                   uint64_t seed, double *noise);
leaky_status leaky_rrelu_backward_f64(const double *x, const double *dy, double *dx, size_t n,
                                      double lower, double upper, uint64_t seed);
leaky_status leaky_rrelu_train_at_f64(const double *x, double *y, size_t n, uint64_t first,
                                      double lower, double upper, uint64_t seed, double *noise);
leaky_status leaky_rrelu_backward_at_f64(const double *x, const double *dy, double *dx, size_t n,
                                         uint64_t first, double lower, double upper, uint64_t seed);
leaky_status leaky_rrelu_eval_f64(const double *x, double *y, size_t n, double lower, double upper);
double leaky_rrelu_eval_slope_f64(double lower, double upper);

/* ------------------------------------------------------- bias + activation */

/* A layer's bias added and its activation applied in one pass over memory, as engines fuse
 * them (oneDNN's post-ops, ONNX Runtime's MLAS, StyleGAN's bias_act): the output is read
 * and written once instead of twice.  The array is outer x channels x inner as for PReLU
 * (NCHW: outer = N, inner = H*W; channels last and matrices: inner = 1), and element
 * (o, c, i) computes
 *     z = x + bias[c]                                   (one IEEE add)
 *     y = activation(z)                                 (exactly the function above)
 * bit-identical to PyTorch's F.leaky_relu(x + b.view(1, C, 1), a), torch.relu(...) and
 * F.prelu(..., w), and their autograd dx.  y may equal x; bias (channels elements; NULL
 * only when channels is 0) must not overlap y.  Large calls run on several threads and,
 * out of place, stream their output past the caches, as leaky_relu_f32.
 *
 * The backward takes the forward's input x (not z) and gives
 *     dx = dz = activation'(z) * dy                     (as the functions above)
 *     dbias[c] = sum over channel c of dz               (overwritten; NULL: not wanted)
 * summed as PReLU's slope gradient is (see leaky_prelu_backward_f32): the terms of a
 * channel in short blocks in a fixed order that depends on the shape only, the same bits
 * for any thread count and on every CPU path, within 4.8e-7 (float32) of the sum of |dz|
 * of the exact sum.  dx may equal dy (not x); dbias must not overlap any other array. */
leaky_status leaky_bias_leaky_relu_f32(const float *x, const float *bias, float *y, size_t outer,
                                       size_t channels, size_t inner, float negative_slope);
leaky_status leaky_bias_leaky_relu_backward_f32(const float *x, const float *bias, const float *dy,
                                                float *dx, float *dbias, size_t outer,
                                                size_t channels, size_t inner,
                                                float negative_slope);
/* ReLU as torch.relu: y = z < 0 ? 0 : z; its backward dz = z <= 0 ? 0 : dy. */
leaky_status leaky_bias_relu_f32(const float *x, const float *bias, float *y, size_t outer,
                                 size_t channels, size_t inner);
leaky_status leaky_bias_relu_backward_f32(const float *x, const float *bias, const float *dy,
                                          float *dx, float *dbias, size_t outer, size_t channels,
                                          size_t inner);
/* PReLU with 1 or channels slopes (checked as leaky_prelu_f32's); the backward also gives
 * the slope gradient when dslopes is not NULL, overwriting dslopes[0 .. num_slopes):
 * dslopes[k] = sum of (z > 0 ? 0 : z * dy) over slope k's elements, summed as dbias (one
 * shared slope: the channels' sums added in channel order). */
leaky_status leaky_bias_prelu_f32(const float *x, const float *bias, float *y, size_t outer,
                                  size_t channels, size_t inner, const float *slopes,
                                  size_t num_slopes);
leaky_status leaky_bias_prelu_backward_f32(const float *x, const float *bias, const float *dy,
                                           float *dx, float *dbias, float *dslopes, size_t outer,
                                           size_t channels, size_t inner, const float *slopes,
                                           size_t num_slopes);
/* float64: the same rules, rounded to double, the sums in double. */
leaky_status leaky_bias_leaky_relu_f64(const double *x, const double *bias, double *y, size_t outer,
                                       size_t channels, size_t inner, double negative_slope);
leaky_status leaky_bias_leaky_relu_backward_f64(const double *x, const double *bias,
                                                const double *dy, double *dx, double *dbias,
                                                size_t outer, size_t channels, size_t inner,
                                                double negative_slope);
leaky_status leaky_bias_relu_f64(const double *x, const double *bias, double *y, size_t outer,
                                 size_t channels, size_t inner);
leaky_status leaky_bias_relu_backward_f64(const double *x, const double *bias, const double *dy,
                                          double *dx, double *dbias, size_t outer, size_t channels,
                                          size_t inner);
leaky_status leaky_bias_prelu_f64(const double *x, const double *bias, double *y, size_t outer,
                                  size_t channels, size_t inner, const double *slopes,
                                  size_t num_slopes);
leaky_status leaky_bias_prelu_backward_f64(const double *x, const double *bias, const double *dy,
                                           double *dx, double *dbias, double *dslopes, size_t outer,
                                           size_t channels, size_t inner, const double *slopes,
                                           size_t num_slopes);

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
    LEAKY_LAYER_NONE = -1, /* leaky_layer_get_kind(NULL): no layer */
    LEAKY_LAYER_RELU,
    LEAKY_LAYER_LEAKY_RELU,
    LEAKY_LAYER_PRELU,
    LEAKY_LAYER_RRELU
} leaky_layer_kind;

/* nn.LeakyReLU(negative_slope, inplace).  EINVAL for a non-finite slope. */
leaky_status leaky_layer_create_leaky_relu(leaky_layer **layer, float negative_slope, bool inplace);
/* nn.ReLU(inplace). */
leaky_status leaky_layer_create_relu(leaky_layer **layer, bool inplace);
/* Frees the layer; NULL is allowed. */
void leaky_layer_destroy(leaky_layer *layer);

/* The getters below return a value, not a status; given a NULL layer they record
 * LEAKY_EINVAL's message for leaky_last_error() and return LEAKY_LAYER_NONE, false, 0,
 * the name "(null)", or NaN for a slope or bound. */
leaky_layer_kind leaky_layer_get_kind(const leaky_layer *layer);
bool leaky_layer_is_inplace(const leaky_layer *layer);
/* A short name for printing: "ReLU", "LeakyReLU", "PReLU", "RReLU". */
const char *leaky_layer_name(const leaky_layer *layer);
/* The negative slope of a LeakyReLU layer (0 for ReLU, the first slope of a PReLU layer,
 * the evaluation slope (lower + upper) / 2 of an RReLU layer). */
float leaky_layer_negative_slope(const leaky_layer *layer);

/* Applies the layer: y from x.  An in-place layer needs y == x (EINVAL otherwise); an
 * out-of-place one may still be given y == x. */
leaky_status leaky_layer_forward_f32(leaky_layer *layer, const float *x, float *y, size_t ndim,
                                     const size_t *shape);

/* dx from dy.  saved: the forward's input (out-of-place layer) or output (in-place).
 * An in-place LeakyReLU with a negative slope cannot do this (EINVAL), as in PyTorch. */
leaky_status leaky_layer_backward_f32(leaky_layer *layer, const float *saved, const float *dy,
                                      float *dx, size_t ndim, const size_t *shape);

/* nn.PReLU(num_parameters, init): num_parameters slopes (1, or the channel count), all
 * set to init.  The channel is dimension 1 of the shape (PyTorch; with ndim < 2 there is
 * one channel), or the last dimension when channels_last.  backward writes dx and ADDS the
 * slope gradient into the layer's gradient, as autograd accumulates .grad.
 * EINVAL for num_parameters 0 or a non-finite init. */
leaky_status leaky_layer_create_prelu(leaky_layer **layer, size_t num_parameters, float init,
                                      bool channels_last);
/* nn.RReLU(lower, upper) with its generator's seed.  A new layer is in training mode.
 * Each training forward draws fresh slopes (forward number k uses the key
 * seed + k * 0x9E3779B97F4A7C15); backward uses the key of the last training forward.
 * EINVAL for bounds that are not finite or lower > upper. */
leaky_status leaky_layer_create_rrelu(leaky_layer **layer, float lower, float upper, uint64_t seed);
/* Training or evaluation mode (module.train() / module.eval()); only RReLU behaves
 * differently, the other layers accept and record it. */
leaky_status leaky_layer_set_training(leaky_layer *layer, bool training);
bool leaky_layer_is_training(const leaky_layer *layer);
/* The number of learnable slopes: PReLU's num_parameters, 0 for the other layers. */
size_t leaky_layer_num_parameters(const leaky_layer *layer);
/* Copies the PReLU slopes out / in (n must be the number of parameters; set refuses a
 * non-finite slope), and the accumulated gradient out; zero_grad clears it. */
leaky_status leaky_layer_get_slopes(const leaky_layer *layer, float *slopes, size_t n);
leaky_status leaky_layer_set_slopes(leaky_layer *layer, const float *slopes, size_t n);
leaky_status leaky_layer_get_slope_grad(const leaky_layer *layer, float *grad, size_t n);
leaky_status leaky_layer_zero_grad(leaky_layer *layer);
/* RReLU's bounds (0 for other layers). */
float leaky_layer_rrelu_lower(const leaky_layer *layer);
float leaky_layer_rrelu_upper(const leaky_layer *layer);
/* A bias before the activation (the bias of the convolution or linear layer before it,
 * applied with the activation in one pass: leaky_bias_*): channels values, all 0 at first,
 * the channel at dimension 1 of the shape or, when channels_last, the last (a PReLU
 * layer's own choice).  A ReLU, LeakyReLU or PReLU layer that works out of place may hold
 * one (EINVAL otherwise); adding one again replaces it.  Its forward then computes
 * y = activation(x + bias[c]) (the shape's channels must be the bias's count), and its
 * backward takes the forward's input x, writes dx and ADDS the bias gradient (and PReLU's
 * slope gradient) into the layer's; zero_grad clears both. */
leaky_status leaky_layer_add_bias(leaky_layer *layer, size_t channels, bool channels_last);
/* The number of biases (0: none, or layer NULL). */
size_t leaky_layer_num_bias(const leaky_layer *layer);
/* Copies the bias out / in, and its accumulated gradient out (n must be the count). */
leaky_status leaky_layer_get_bias(const leaky_layer *layer, float *bias, size_t n);
leaky_status leaky_layer_set_bias(leaky_layer *layer, const float *bias, size_t n);
leaky_status leaky_layer_get_bias_grad(const leaky_layer *layer, float *grad, size_t n);

/* ------------------------------------------- float16, bfloat16 and int8 */

/* float16 (IEEE 754 binary16) and bfloat16 (the top half of a float32) are passed as
 * their bits, in uint16_t arrays (C11 has no such types; this is their memory layout in
 * numpy, PyTorch, ONNX Runtime...).
 *
 * EXACTNESS (float16, bfloat16): each value is widened to float32 (exactly), the float32
 * rule above is applied (one float32 multiply by the float32 slope, as PyTorch's CPU
 * kernels do), and the float32 result is rounded once to the narrow type, to nearest
 * even. So y = narrow(leaky_relu_f32(widen(x))), bit for bit, on every CPU path:
 *   - denormals are kept on both sides, never flushed; a result beyond the type's range
 *     is infinity (float16: 65520 and up);
 *   - NaN stays NaN with its sign and payload; it comes out quiet (a signalling NaN gets
 *     its quiet bit set, as every hardware conversion does);
 *   - the slope takes part as a float32: the derivative of float16 gives
 *     narrow(negative_slope), so a slope beyond 65504 gives inf there.
 * Note that the product is rounded twice (to float32, then to the narrow type): for a
 * few (x, slope) pairs the result differs by one unit in the last place from the exact
 * product rounded once; it is the result PyTorch gives.
 * The conversions themselves are exported (these are what every path matches):
 */
float leaky_widen_f16(uint16_t h);
uint16_t leaky_narrow_f16(float f);
float leaky_widen_bf16(uint16_t h);
uint16_t leaky_narrow_bf16(float f);
/* The same over arrays, on the fastest path (F16C, AVX-512, NEON...), the same bits.
 * x and y must not overlap at all (their elements differ in size). */
leaky_status leaky_widen_array_f16(const uint16_t *x, float *y, size_t n);
leaky_status leaky_narrow_array_f16(const float *x, uint16_t *y, size_t n);
leaky_status leaky_widen_array_bf16(const uint16_t *x, float *y, size_t n);
leaky_status leaky_narrow_array_bf16(const float *x, uint16_t *y, size_t n);

/* As leaky_relu_f32, leaky_relu_backward_f32 and leaky_relu_derivative_f32, on float16
 * and on bfloat16 arrays. Same arguments, aliasing rules and errors. */
leaky_status leaky_relu_f16(const uint16_t *x, uint16_t *y, size_t n, float negative_slope);
leaky_status leaky_relu_backward_f16(const uint16_t *x, const uint16_t *dy, uint16_t *dx, size_t n,
                                     float negative_slope);
leaky_status leaky_relu_derivative_f16(const uint16_t *x, uint16_t *d, size_t n,
                                       float negative_slope);
leaky_status leaky_relu_bf16(const uint16_t *x, uint16_t *y, size_t n, float negative_slope);
leaky_status leaky_relu_backward_bf16(const uint16_t *x, const uint16_t *dy, uint16_t *dx, size_t n,
                                      float negative_slope);
leaky_status leaky_relu_derivative_bf16(const uint16_t *x, uint16_t *d, size_t n,
                                        float negative_slope);

/* PReLU forward on float16 and bfloat16 arrays, as leaky_prelu_f32: the same shape
 * (outer x channels x inner; channels last is inner = 1), the same slope rules and errors
 * (num_slopes 1 or channels, every slope finite; the message names leaky_prelu_f16 or
 * _bf16), y may equal x, threads for large arrays.  The slopes are float32, not the narrow
 * type: element (o, c, i) gives
 *     y = narrow(x' > 0 ? x' : w[c] * x')      x' = widen(x), one float32 multiply
 * i.e. narrow(leaky_prelu_f32(widen(x))) bit for bit, on every path.  PyTorch's
 * F.prelu(x, w) on bfloat16 tensors gives the same bits when the slopes are bfloat16
 * values; it rounds other slopes to bfloat16 first (pass leaky_widen_bf16(leaky_narrow_bf16(w))
 * to match it).  PyTorch 1.13's CPU has no float16 prelu. */
leaky_status leaky_prelu_f16(const uint16_t *x, uint16_t *y, size_t outer, size_t channels,
                             size_t inner, const float *slopes, size_t num_slopes);
leaky_status leaky_prelu_bf16(const uint16_t *x, uint16_t *y, size_t outer, size_t channels,
                              size_t inner, const float *slopes, size_t num_slopes);

/* Quantized int8 (qs8: int8_t) and uint8 (qu8: uint8_t), as in TFLite, ONNX and XNNPACK:
 * a stored value q stands for the real number scale * (q - zero_point).
 *
 * EXACTNESS (qs8, qu8): for an input q the output is
 *     clamp(round(f(in_scale * (q - in_zero_point)) / out_scale) + out_zero_point)
 * where f is Leaky ReLU with negative_slope, the arithmetic is that of real numbers on
 * the exact values of the three float parameters (no intermediate rounding at all),
 * round() goes to the nearest integer and to the even one on a tie (2.5 -> 2, -0.5 -> 0),
 * and clamp() limits to the type's range ([-128, 127] for qs8, [0, 255] for qu8).
 * The 256 results are computed once, when the parameters are set (in 128-bit integer
 * arithmetic), into a table; applying it is a byte lookup (AVX-512 VBMI, AVX2, NEON).
 * (XNNPACK's qu8 leaky ReLU instead multiplies in fixed point and may be one step off.)
 *
 * The parameters: in_scale and out_scale positive and finite; zero points in the type's
 * range; negative_slope finite (any sign, 0, above 1). An invalid one is LEAKY_EINVAL,
 * naming it and its value, and leaves *params unchanged.
 * The struct's fields may be read; fill them only with the init function. */
typedef struct leaky_qs8_params {
    float in_scale, out_scale, negative_slope;
    int in_zero_point, out_zero_point;
    uint32_t magic;    /* set by leaky_qs8_params_init; checked by leaky_relu_qs8 */
    int8_t table[256]; /* table[(uint8_t)q] is the output for the input q */
} leaky_qs8_params;

typedef struct leaky_qu8_params {
    float in_scale, out_scale, negative_slope;
    int in_zero_point, out_zero_point;
    uint32_t magic;     /* set by leaky_qu8_params_init; checked by leaky_relu_qu8 */
    uint8_t table[256]; /* table[q] is the output for the input q */
} leaky_qu8_params;

leaky_status leaky_qs8_params_init(leaky_qs8_params *params, float in_scale, int in_zero_point,
                                   float out_scale, int out_zero_point, float negative_slope);
leaky_status leaky_qu8_params_init(leaky_qu8_params *params, float in_scale, int in_zero_point,
                                   float out_scale, int out_zero_point, float negative_slope);

/* y[i] = the output for x[i], as above.  y may equal x.  EINVAL for params NULL or not
 * filled by the init function, and as every array function. */
leaky_status leaky_relu_qs8(const int8_t *x, int8_t *y, size_t n, const leaky_qs8_params *params);
leaky_status leaky_relu_qu8(const uint8_t *x, uint8_t *y, size_t n, const leaky_qu8_params *params);

/* -------------------------------------------------------------- CPU paths */

/* The paths, from the portable one to the widest: the best a CPU supports is the last one
 * it runs.  leaky_isa_name(i) for i < LEAKY_ISA_COUNT lists them, so a program need not. */
typedef enum leaky_isa {
    LEAKY_ISA_SCALAR = 0, /* portable C: the reference every other path is tested against */
    LEAKY_ISA_SSE2,
    LEAKY_ISA_AVX2,
    LEAKY_ISA_AVX512, /* AVX-512 F + BW + VL + DQ */
    LEAKY_ISA_NEON,
    LEAKY_ISA_COUNT
} leaky_isa;

/* "scalar", "sse2", "avx2", "avx512", "neon"; NULL for a value out of range. */
const char *leaky_isa_name(leaky_isa isa);
/* Parses a name as above; EINVAL for an unknown one or a NULL isa. */
leaky_status leaky_isa_from_name(const char *name, leaky_isa *isa);
/* Whether this build has the path (compiled in for this architecture). */
bool leaky_isa_compiled(leaky_isa isa);
/* Whether this build has the path and this CPU and OS can run it. */
bool leaky_isa_supported(leaky_isa isa);
/* The best path this CPU supports. */
leaky_isa leaky_isa_best(void);
/* The path in use: LEAKY_ISA's if set and valid, else the best one.
 * Returns EUNSUPPORTED or EINVAL (with leaky_last_error()) when LEAKY_ISA is unusable,
 * EINVAL for a NULL isa. */
leaky_status leaky_isa_active(leaky_isa *isa);
/* Uses this path from now on, for every thread; EUNSUPPORTED if the CPU lacks it.
 * Meant for tests and benchmarks. Safe while other threads are inside the library: a call
 * already running finishes on the path it started with, later calls take the new one. */
leaky_status leaky_set_isa(leaky_isa isa);

/* ---------------------------------------------------------------- threads */

/* Uses up to count threads (the caller's included) for each later call on a large array;
 * 0 means one per core, the default. Overrides LEAKY_NUM_THREADS. EINVAL above 1024.
 * Safe while other threads are inside the library: calls already running finish on the
 * old pool, and the pool is rebuilt once none is using it (calls that start before then
 * run on their own thread, with the same results). */
leaky_status leaky_set_num_threads(size_t count);
/* The number of threads a large call will use (0 resolved to the number of cores; the
 * host's count while its pool is set, below). */
size_t leaky_get_num_threads(void);

/* The host program's thread pool, for large calls in place of the library's own: an engine
 * that already runs one (XNNPACK's or PyTorch's pthreadpool, say) keeps one set of threads
 * instead of two competing for the cores.  run(pool, task, context, count) must call
 * task(context, i) once for every i below count, on its threads or the caller's, and
 * return when all have returned; for a pthreadpool_t that is
 *     pthreadpool_parallelize_1d(pool, task, context, count, 0);
 * Tasks never block on each other, so any order and any number of threads give the same
 * results: the same bits as the library's own pool. */
typedef void leaky_task_fn(void *context, size_t i);
typedef void leaky_pool_run_fn(void *pool, leaky_task_fn *task, void *context, size_t count);
/* Later large calls are split into pieces for `threads` threads (the caller's included:
 * pthreadpool_get_threads_count(pool)) and handed to run.  run NULL: back to the library's
 * own pool (pool and threads ignored), whose count leaky_set_num_threads still sets.
 * EINVAL for threads 0 or above 1024.  Safe while other threads are inside the library,
 * and returns only once no call is still running on the pool it replaces: the host may
 * then destroy that pool.  So never call it from one of the pool's tasks; nor make a large
 * call from one unless run allows nesting (pthreadpool's does not).
 * FORK: a child keeps the setting; whether the host's pool works there is the host's. */
leaky_status leaky_set_thread_pool(leaky_pool_run_fn *run, void *pool, size_t threads);

/* Stops the pool's threads and frees it: a program that checks for leaks, or that wants
 * its threads back between phases, calls it. The library still works afterwards: the next
 * large call starts a new pool. Calls running on other threads at that moment finish
 * first, and the pool is freed when the last of them returns.
 * Without it the threads are stopped and joined when the program exits or the library is
 * unloaded (dlclose), so no thread outlives the code it runs.
 * FORK: a child of a process whose pool has started (even while other threads were inside
 * a call) does not inherit the pool's threads; its first large call starts its own pool,
 * and leaky_set_num_threads works there as anywhere. */
void leaky_shutdown(void);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* LEAKY_H */
