/* SPDX-License-Identifier: MIT */
/* What the experiment's models share: the activation they are trained with, the one random
 * generator, the optimizers over a block of parameters, a layer's bias + activation (the
 * library's fused functions) with its dead-unit marks, and softmax cross-entropy. */
#ifndef LEAKY_NN_H
#define LEAKY_NN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "class_label.h"
#include "leaky.h"

typedef enum act_kind { ACT_RELU, ACT_LEAKY, ACT_PRELU, ACT_RRELU } act_kind;

typedef struct activation {
    act_kind kind;
    float slope;        /* ACT_LEAKY: the negative slope; ACT_PRELU: the initial slopes */
    bool shared;        /* ACT_PRELU: one slope per layer instead of one per unit */
    float lower, upper; /* ACT_RRELU: the range of the random slopes */
    char name[32];
} activation;

/* Parses "relu", "leaky[:SLOPE]" (slope 0.01 unless given), "prelu" (a learned slope per
 * hidden unit or channel, starting at 0.25), "prelu:shared" (one per layer),
 * "rrelu[:LOWER:UPPER]" (1/8 and 1/3 unless given). False, with a sentence in err, for
 * anything else. */
bool activation_parse(const char *text, activation *act, char *err, size_t err_size);

/* splitmix64 (Steele, Lea, Flood 2014): the experiment's one generator, for the initial
 * weights, the shuffles and the RReLU seeds. Small, fast, and the same on every machine. */
uint64_t rng_next(uint64_t *state);
/* Uniform in [0, n), n < 2^32 (multiply-shift; the bias, under n / 2^32, is immaterial). */
uint32_t rng_below(uint64_t *state, uint32_t n);
/* A standard normal number (Box-Muller; one of the pair is dropped for simplicity). */
double rng_normal(uint64_t *state);

typedef enum optimizer_kind { OPT_SGD, OPT_ADAM } optimizer_kind;

typedef struct optimizer {
    optimizer_kind kind;
    float lr;
    float momentum;     /* SGD: v = momentum * v + g; p -= lr * v (PyTorch's form) */
    float beta1, beta2; /* Adam */
    float eps;
    uint64_t steps;
} optimizer;

typedef enum nn_mode { NN_TRAIN, NN_EVAL } nn_mode;

/* A model's parameters in one block and their gradients in a second of the same layout,
 * so that the optimizer is one loop; m and v are the optimizer's state. */
typedef struct nn_params {
    size_t count;
    float *p, *g, *m, *v;
} nn_params;

/* Allocates count parameters, gradients and optimizer state, all zero. */
bool nn_params_alloc(nn_params *params, size_t count);
void nn_params_free(nn_params *params);
/* Whether every parameter is finite (false once training has diverged). */
bool nn_params_finite(const nn_params *params);

/* One optimizer step from params->g. Its loops, and nn_scale_bytes's, run on the library's
 * active instruction set (LEAKY_ISA, leaky_set_isa): the same bits on every one. */
void nn_step(nn_params *params, optimizer *opt);

/* dst[i] = (float)src[i] * scale + shift: one multiply and one add, each rounded (the
 * trainer's standardisation of the pixels). */
void nn_scale_bytes(const uint8_t *src, float *dst, size_t n, float scale, float shift);

/* One layer's activation: x (outer x channels x inner, NCHW or rows x units) is the layer's
 * output before its bias, y = f(x + bias[c]) through the library's fused bias + activation.
 * slopes: PReLU's (n_slopes: channels, or 1); seed: RReLU's key for this layer and batch,
 * first: where x starts in the layer's whole output, so that a layer run in pieces (a
 * batch's images a few at a time) draws RReLU's slopes as one call over all of it would.
 * The library has no fused RReLU, so for it x is overwritten with z = x + bias (one IEEE
 * add, as fused) and the backward reads z from there.
 * In NN_TRAIN mode alive[c] is set when z > 0 at some element of channel c (alive may be
 * NULL). */
typedef struct nn_act_layer {
    const activation *act;
    const float *bias, *slopes;
    size_t n_slopes;
    uint64_t seed;
    size_t first;
    size_t outer, channels, inner;
} nn_act_layer;

leaky_status nn_bias_act(const nn_act_layer *layer, float *x, float *y, nn_mode mode,
                         uint8_t *alive);
/* From dy = d loss / d y, in place: d loss / d x (= d loss / d z), the bias gradient into
 * dbias and PReLU's slope gradient into dslopes (both overwritten). x as nn_bias_act left
 * it. */
leaky_status nn_bias_act_backward(const nn_act_layer *layer, const float *x, float *dy,
                                  float *dbias, float *dslopes);

/* A dense layer over rows (row-major): out = in w^T (w: n_out x n_in), plus b on every row
 * when b is not NULL (the bias first, the product added to it: cblas_sgemm's beta = 1). */
void nn_dense_forward(const float *in, const float *w, const float *b, float *out, size_t rows,
                      size_t n_in, size_t n_out);
/* Its gradients from delta = d loss / d out: gw = delta^T in; when not NULL, gb = the column
 * sums of delta (rows in order) and din = delta w. */
void nn_dense_backward(const float *in, const float *w, const float *delta, float *gw, float *gb,
                       float *din, size_t rows, size_t n_in, size_t n_out);

/* The mean softmax cross-entropy of a batch of logits (batch x classes; labels < classes),
 * summed in double, and the number of rows whose largest logit is the label's (correct may
 * be NULL). With delta, d mean-loss / d logits = (softmax - onehot) / batch into it. */
double nn_softmax_loss(const float *logits, const class_label *labels, size_t batch, size_t classes,
                       float *delta, size_t *correct);

#endif
