/* SPDX-License-Identifier: MIT */
/* A multilayer perceptron for the experiment: dense layers (OpenBLAS sgemm) with one of the
 * library's activations after every hidden layer, softmax cross-entropy, SGD with momentum
 * or Adam. Every hidden layer's bias + activation, forward and backward, is one call of the
 * library's fused functions (channels = units, inner = 1). */
#ifndef LEAKY_MLP_H
#define LEAKY_MLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn.h"

enum { MLP_MAX_LAYERS = 8 }; /* weight layers, so at most 7 hidden ones */

typedef struct mlp {
    size_t layers;                    /* weight layers; the first layers - 1 are hidden */
    size_t sizes[MLP_MAX_LAYERS + 1]; /* sizes[0] inputs, ..., sizes[layers] classes */
    activation act;
    size_t max_batch;

    /* All parameters in one block, and their gradients in a second of the same layout, so
     * the optimizer is one loop. Per layer: w (out x in, row-major), b (out), and for a
     * hidden PReLU layer its slopes (n_slopes: out, or 1 when shared). */
    nn_params par;
    float *w[MLP_MAX_LAYERS], *b[MLP_MAX_LAYERS], *slopes[MLP_MAX_LAYERS];
    float *gw[MLP_MAX_LAYERS], *gb[MLP_MAX_LAYERS], *gslopes[MLP_MAX_LAYERS];
    size_t n_slopes[MLP_MAX_LAYERS];

    /* RReLU's key for the training passes: the trainer sets a fresh one per batch, and the
     * backward pass regenerates the forward's slopes from it (each layer derives its own). */
    uint64_t noise_seed;

    /* Per layer, max_batch rows: z = the layer's product before its bias (for RReLU, after
     * it: see nn_bias_act; the output layer: with it, the logits), a = after the
     * activation (hidden layers only). */
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
 * NN_TRAIN also marks the units that fire (see alive). The loss is summed in double. */
leaky_status mlp_loss(mlp *net, const float *x, const class_label *labels, size_t batch,
                      nn_mode mode, double *loss, size_t *correct);

/* mlp_loss in training mode, then the gradient of the loss with respect to every
 * parameter, into net->par.g (then nn_step(&net->par, ...) steps). */
leaky_status mlp_loss_grad(mlp *net, const float *x, const class_label *labels, size_t batch,
                           double *loss);

void mlp_dead_reset(mlp *net);
/* Units of hidden layer `hidden` (0-based) that never fired since the last reset. */
size_t mlp_dead_count(const mlp *net, size_t hidden);

#endif
