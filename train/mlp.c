/* SPDX-License-Identifier: MIT */
/* The perceptron: z = a_prev w^T through cblas_sgemm (nn_dense_forward), the bias and the
 * library's activation in one call between layers, softmax cross-entropy on top, and the
 * backward pass in the reverse order. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlp.h"

bool mlp_create(mlp *net, const size_t *sizes, size_t nsizes, const activation *act,
                size_t max_batch)
{
    memset(net, 0, sizeof *net);
    if (nsizes < 2 || nsizes > MLP_MAX_LAYERS + 1 || max_batch == 0)
        return false;
    net->layers = nsizes - 1;
    memcpy(net->sizes, sizes, nsizes * sizeof *sizes);
    net->act = *act;
    net->max_batch = max_batch;

    size_t count = 0, widest = 0;
    for (size_t l = 0; l < net->layers; l++) {
        if (act->kind == ACT_PRELU && l + 1 < net->layers)
            net->n_slopes[l] = act->shared ? 1 : sizes[l + 1];
        count += sizes[l + 1] * sizes[l] + sizes[l + 1] + net->n_slopes[l];
        if (sizes[l + 1] > widest)
            widest = sizes[l + 1];
    }
    const bool params_ok = nn_params_alloc(&net->par, count);
    net->delta = malloc(max_batch * widest * sizeof(float));
    net->delta_prev = malloc(max_batch * widest * sizeof(float));
    bool ok = params_ok && net->delta && net->delta_prev;

    size_t at = 0;
    for (size_t l = 0; l < net->layers && ok; l++) {
        const size_t in = sizes[l], out = sizes[l + 1];
        net->w[l] = net->par.p + at;
        net->gw[l] = net->par.g + at;
        at += out * in;
        net->b[l] = net->par.p + at;
        net->gb[l] = net->par.g + at;
        at += out;
        if (net->n_slopes[l]) {
            net->slopes[l] = net->par.p + at;
            net->gslopes[l] = net->par.g + at;
            at += net->n_slopes[l];
        }
        net->z[l] = malloc(max_batch * out * sizeof(float));
        ok = net->z[l] != NULL;
        if (ok && l + 1 < net->layers) {
            net->a[l] = malloc(max_batch * out * sizeof(float));
            net->alive[l] = calloc(out, 1);
            ok = net->a[l] && net->alive[l];
        }
    }
    if (!ok)
        mlp_destroy(net);
    return ok;
}

void mlp_destroy(mlp *net)
{
    nn_params_free(&net->par);
    free(net->delta);
    free(net->delta_prev);
    for (size_t l = 0; l < MLP_MAX_LAYERS; l++) {
        free(net->z[l]);
        free(net->a[l]);
        free(net->alive[l]);
    }
    memset(net, 0, sizeof *net);
}

void mlp_init(mlp *net, uint64_t seed, float hidden_bias)
{
    uint64_t state = seed;
    for (size_t l = 0; l < net->layers; l++) {
        const size_t in = net->sizes[l], out = net->sizes[l + 1];
        const double std = sqrt(2.0 / (double)in);
        for (size_t i = 0; i < out * in; i++)
            net->w[l][i] = (float)(std * rng_normal(&state));
        for (size_t j = 0; j < out; j++)
            net->b[l][j] = l + 1 < net->layers ? hidden_bias : 0.0f;
        for (size_t k = 0; k < net->n_slopes[l]; k++)
            net->slopes[l][k] = net->act.slope;
    }
    memset(net->par.m, 0, net->par.count * sizeof(float));
    memset(net->par.v, 0, net->par.count * sizeof(float));
}

/* Each layer's RReLU key: distinct per layer and per batch (the library hashes it). */
static uint64_t layer_seed(const mlp *net, size_t l)
{
    return net->noise_seed + (uint64_t)(l + 1) * 0x9e3779b97f4a7c15u;
}

/* Hidden layer l's bias + activation over rows x units: the units are the channels
 * (channels last, inner = 1). */
static nn_act_layer act_layer(const mlp *net, size_t l, size_t rows)
{
    return (nn_act_layer){.act = &net->act,
                          .bias = net->b[l],
                          .slopes = net->slopes[l],
                          .n_slopes = net->n_slopes[l],
                          .seed = layer_seed(net, l),
                          .outer = rows,
                          .channels = net->sizes[l + 1],
                          .inner = 1};
}

static leaky_status forward(mlp *net, const float *x, size_t batch, nn_mode mode)
{
    const float *in = x;
    for (size_t l = 0; l < net->layers; l++) {
        const size_t n_in = net->sizes[l], n_out = net->sizes[l + 1];
        float *z = net->z[l];
        /* A hidden layer's bias comes with its activation; the logits' with the product. */
        const bool logits = l + 1 == net->layers;
        nn_dense_forward(in, net->w[l], logits ? net->b[l] : NULL, z, batch, n_in, n_out);
        if (logits)
            break;
        const nn_act_layer layer = act_layer(net, l, batch);
        const leaky_status st = nn_bias_act(&layer, z, net->a[l], mode, net->alive[l]);
        if (st != LEAKY_OK)
            return st;
        in = net->a[l];
    }
    return LEAKY_OK;
}

leaky_status mlp_loss(mlp *net, const float *x, const class_label *labels, size_t batch,
                      nn_mode mode, double *loss, size_t *correct)
{
    if (batch == 0 || batch > net->max_batch)
        return LEAKY_EINVAL;
    const leaky_status st = forward(net, x, batch, mode);
    if (st == LEAKY_OK)
        *loss = nn_softmax_loss(net->z[net->layers - 1], labels, batch, net->sizes[net->layers],
                                NULL, correct);
    return st;
}

leaky_status mlp_loss_grad(mlp *net, const float *x, const class_label *labels, size_t batch,
                           double *loss)
{
    if (batch == 0 || batch > net->max_batch)
        return LEAKY_EINVAL;
    leaky_status st = forward(net, x, batch, NN_TRAIN);
    if (st != LEAKY_OK)
        return st;
    *loss = nn_softmax_loss(net->z[net->layers - 1], labels, batch, net->sizes[net->layers],
                            net->delta, NULL);
    for (size_t l = net->layers; l-- > 0;) {
        const size_t n_in = net->sizes[l], n_out = net->sizes[l + 1];
        const float *in = l ? net->a[l - 1] : x;
        /* A hidden layer's gb came with its delta from the fused backward; then
         * d loss / d a_prev = delta w, and through the activation to d loss / d z_prev. */
        nn_dense_backward(in, net->w[l], net->delta, net->gw[l],
                          l + 1 == net->layers ? net->gb[l] : NULL, l ? net->delta_prev : NULL,
                          batch, n_in, n_out);
        if (l == 0)
            break;
        const nn_act_layer layer = act_layer(net, l - 1, batch);
        st = nn_bias_act_backward(&layer, net->z[l - 1], net->delta_prev, net->gb[l - 1],
                                  net->gslopes[l - 1]);
        if (st != LEAKY_OK)
            return st;
        float *t = net->delta;
        net->delta = net->delta_prev;
        net->delta_prev = t;
    }
    return LEAKY_OK;
}

void mlp_dead_reset(mlp *net)
{
    for (size_t l = 0; l + 1 < net->layers; l++)
        memset(net->alive[l], 0, net->sizes[l + 1]);
}

size_t mlp_dead_count(const mlp *net, size_t hidden)
{
    size_t dead = 0;
    for (size_t j = 0; j < net->sizes[hidden + 1]; j++)
        dead += !net->alive[hidden][j];
    return dead;
}
