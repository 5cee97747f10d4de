/* SPDX-License-Identifier: MIT */
/* A multilayer perceptron for the experiment: dense layers (OpenBLAS sgemm) with one of the
 * library's activations after every hidden layer, softmax cross-entropy, SGD with momentum
 * or Adam. Every activation, forward and backward, is the library's own function. */
#ifndef LEAKY_MLP_H
#define LEAKY_MLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leaky.h"

enum { MLP_MAX_LAYERS = 8 }; /* weight layers, so at most 7 hidden ones */

typedef enum act_kind { ACT_RELU, ACT_LEAKY, ACT_PRELU, ACT_RRELU } act_kind;

typedef struct activation {
    act_kind kind;
    float slope;        /* ACT_LEAKY: the negative slope; ACT_PRELU: the initial slopes */
    bool shared;        /* ACT_PRELU: one slope per layer instead of one per unit */
    float lower, upper; /* ACT_RRELU: the range of the random slopes */
    char name[32];
} activation;

/* Parses "relu", "leaky[:SLOPE]" (slope 0.01 unless given), "prelu" (a learned slope per
 * hidden unit, starting at 0.25), "prelu:shared" (one per layer), "rrelu[:LOWER:UPPER]"
 * (1/8 and 1/3 unless given). False, with a sentence in err, for anything else. */
bool activation_parse(const char *text, activation *act, char *err, size_t err_size);

/* splitmix64 (Steele, Lea, Flood 2014): the experiment's one generator, for the initial
 * weights, the shuffles and the RReLU seeds. Small, fast, and the same on every machine. */
uint64_t rng_next(uint64_t *state);
/* Uniform in [0, n), n < 2^32 (multiply-shift; the bias, under n / 2^32, is immaterial). */
uint32_t rng_below(uint64_t *state, uint32_t n);

typedef enum optimizer_kind { OPT_SGD, OPT_ADAM } optimizer_kind;

typedef struct optimizer {
    optimizer_kind kind;
    float lr;
    float momentum;     /* SGD: v = momentum * v + g; p -= lr * v (PyTorch's form) */
    float beta1, beta2; /* Adam */
    float eps;
    uint64_t steps;
} optimizer;

typedef enum mlp_mode { MLP_TRAIN, MLP_EVAL } mlp_mode;

typedef struct mlp {
    size_t layers;                    /* weight layers; the first layers - 1 are hidden */
    size_t sizes[MLP_MAX_LAYERS + 1]; /* sizes[0] inputs, ..., sizes[layers] classes */
    activation act;
    size_t max_batch;

    /* All parameters in one block, and their gradients in a second of the same layout, so
     * the optimizer is one loop. Per layer: w (out x in, row-major), b (out), and for a
     * hidden PReLU layer its slopes (n_slopes: out, or 1 when shared). */
    size_t param_count;
    float *params, *grads, *opt_m, *opt_v;
    float *w[MLP_MAX_LAYERS], *b[MLP_MAX_LAYERS], *slopes[MLP_MAX_LAYERS];
    float *gw[MLP_MAX_LAYERS], *gb[MLP_MAX_LAYERS], *gslopes[MLP_MAX_LAYERS];
    size_t n_slopes[MLP_MAX_LAYERS];

    /* RReLU's key for the training passes: the trainer sets a fresh one per batch, and the
     * backward pass regenerates the forward's slopes from it (each layer derives its own). */
    uint64_t noise_seed;

    /* Per layer, max_batch rows: z = the layer's output before the activation, a = after
     * it (hidden layers only). */
    float *z[MLP_MAX_LAYERS], *a[MLP_MAX_LAYERS];
    float *delta, *delta_prev; /* the gradient flowing back, ping-pong */

    /* Per hidden unit: whether its input z was > 0 for some training example since the
     * last mlp_dead_reset. A unit that never was is dead: it passed no gradient through
     * ReLU, and only a times the gradient through a leaky activation. */
    uint8_t *alive[MLP_MAX_LAYERS];
} mlp;

/* Allocates a network of sizes[0] -> ... -> sizes[nsizes - 1] for batches of up to
 * max_batch rows. False when out of memory (nothing to free then). */
bool mlp_create(mlp *net, const size_t *sizes, size_t nsizes, const activation *act,
                size_t max_batch);
void mlp_destroy(mlp *net);

/* He initialisation: w ~ N(0, 2 / fan_in) from a generator seeded by seed, hidden biases
 * hidden_bias, output biases 0, PReLU slopes act.slope. Clears the optimizer state. */
void mlp_init(mlp *net, uint64_t seed, float hidden_bias);

/* The mean softmax cross-entropy of a batch (x: batch x sizes[0]; labels < classes), and
 * the number of rows whose largest logit is the label's (correct may be NULL).
 * MLP_TRAIN also marks the units that fire (see alive). The loss is summed in double. */
leaky_status mlp_loss(mlp *net, const float *x, const uint8_t *labels, size_t batch, mlp_mode mode,
                      double *loss, size_t *correct);

/* mlp_loss in training mode, then the gradient of the loss with respect to every
 * parameter, into net->grads. */
leaky_status mlp_loss_grad(mlp *net, const float *x, const uint8_t *labels, size_t batch,
                           double *loss);

/* One optimizer step from net->grads. Its loops, and mlp_scale_bytes's, run on the
 * library's active instruction set (LEAKY_ISA, leaky_set_isa): the same bits on every one. */
void mlp_step(mlp *net, optimizer *opt);

/* dst[i] = (float)src[i] * scale + shift: one multiply and one add, each rounded (the
 * trainer's standardisation of the pixels). */
void mlp_scale_bytes(const uint8_t *src, float *dst, size_t n, float scale, float shift);

/* Whether every parameter is finite (false once training has diverged). */
bool mlp_params_finite(const mlp *net);

void mlp_dead_reset(mlp *net);
/* Units of hidden layer `hidden` (0-based) that never fired since the last reset. */
size_t mlp_dead_count(const mlp *net, size_t hidden);

#endif
