/* SPDX-License-Identifier: MIT */
/* The convolutional network: see cnn.h. The backward pass runs the forward's steps in
 * reverse; a convolution's columns are rebuilt from its input rather than kept (one
 * image's at a time: the second layer's, kept for a batch, would be 29 MB). */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cnn.h"

cnn_shape cnn_default_shape(size_t channels, size_t height, size_t width, size_t classes)
{
    return (cnn_shape){.channels = channels,
                       .height = height,
                       .width = width,
                       .c1 = 32,
                       .c2 = 64,
                       .fc = 128,
                       .classes = classes};
}

/* The columns of a 3x3 convolution with padding 1 over one C x H x W map: row (c, ky, kx),
 * column (y, x) holds src[c][y + ky - 1][x + kx - 1], 0 outside the map. */
static void im2col(const float *src, size_t channels, size_t h, size_t w, float *cols)
{
    for (size_t c = 0; c < channels; c++)
        for (size_t ky = 0; ky < 3; ky++)
            for (size_t kx = 0; kx < 3; kx++) {
                float *row = cols + ((c * 3 + ky) * 3 + kx) * h * w;
                for (size_t y = 0; y < h; y++) {
                    float *out = row + y * w;
                    const size_t sy = y + ky - 1; /* wraps to a huge value above the map */
                    if (sy >= h) {
                        memset(out, 0, w * sizeof(float));
                        continue;
                    }
                    const float *in = src + (c * h + sy) * w;
                    /* kx = 0 reads x - 1, kx = 2 reads x + 1: one edge column is padding. */
                    const size_t lo = kx == 0, hi = kx == 2 ? w - 1 : w;
                    if (lo)
                        out[0] = 0.0f;
                    memcpy(out + lo, in + lo + kx - 1, (hi - lo) * sizeof(float));
                    if (kx == 2)
                        out[w - 1] = 0.0f;
                }
            }
}

/* The adjoint of im2col: dst (zeroed first) gets each column's gradient added back at the
 * pixel it was read from, rows in order. */
static void col2im(const float *cols, size_t channels, size_t h, size_t w, float *dst)
{
    memset(dst, 0, channels * h * w * sizeof(float));
    for (size_t c = 0; c < channels; c++)
        for (size_t ky = 0; ky < 3; ky++)
            for (size_t kx = 0; kx < 3; kx++) {
                const float *row = cols + ((c * 3 + ky) * 3 + kx) * h * w;
                for (size_t y = 0; y < h; y++) {
                    const size_t sy = y + ky - 1;
                    if (sy >= h)
                        continue;
                    float *out = dst + (c * h + sy) * w;
                    const float *in = row + y * w;
                    const size_t lo = kx == 0, hi = kx == 2 ? w - 1 : w;
                    for (size_t x = lo; x < hi; x++)
                        out[x + kx - 1] += in[x];
                }
            }
}

/* Max-pool 2 over maps (count of them, h x w each) into (h / 2) x (w / 2): the first
 * largest of each window (a NaN wins, as in PyTorch), and its index in the map. */
static void pool_forward(const float *src, size_t count, size_t h, size_t w, float *dst,
                         uint32_t *argmax)
{
    const size_t ph = h / 2, pw = w / 2;
    for (size_t m = 0; m < count; m++) {
        const float *in = src + m * h * w;
        for (size_t y = 0; y < ph; y++)
            for (size_t x = 0; x < pw; x++) {
                const size_t at[4] = {2 * y * w + 2 * x, 2 * y * w + 2 * x + 1,
                                      (2 * y + 1) * w + 2 * x, (2 * y + 1) * w + 2 * x + 1};
                size_t best = at[0];
                for (size_t k = 1; k < 4; k++)
                    if (in[at[k]] > in[best] || isnan(in[at[k]]))
                        best = at[k];
                dst[(m * ph + y) * pw + x] = in[best];
                argmax[(m * ph + y) * pw + x] = (uint32_t)best;
            }
    }
}

/* Its backward: each window's gradient to where its maximum was, zero elsewhere. */
static void pool_backward(const float *dpool, const uint32_t *argmax, size_t count, size_t h,
                          size_t w, float *dsrc)
{
    const size_t pooled = (h / 2) * (w / 2);
    memset(dsrc, 0, count * h * w * sizeof(float));
    for (size_t m = 0; m < count; m++)
        for (size_t i = 0; i < pooled; i++)
            dsrc[m * h * w + argmax[m * pooled + i]] = dpool[m * pooled + i];
}

/* Weight layer k's fan-in and outputs. */
static void layer_dims(const cnn *net, size_t k, size_t *fan_in, size_t *out)
{
    const cnn_shape *s = &net->shape;
    const size_t fan[CNN_HIDDEN + 1] = {s->channels * 9, s->c1 * 9, s->c2 * net->h3 * net->w3,
                                        s->fc};
    const size_t outs[CNN_HIDDEN + 1] = {s->c1, s->c2, s->fc, s->classes};
    *fan_in = fan[k];
    *out = outs[k];
}

static size_t max_of(const size_t *v, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
}

bool cnn_create(cnn *net, const cnn_shape *shape, const activation *act, size_t max_batch)
{
    memset(net, 0, sizeof *net);
    const cnn_shape *s = shape;
    if (s->height < 4 || s->width < 4 || !s->channels || !s->c1 || !s->c2 || !s->fc ||
        !s->classes || max_batch == 0)
        return false;
    net->shape = *shape;
    net->act = *act;
    net->max_batch = max_batch;
    net->h1 = s->height;
    net->w1 = s->width;
    net->h2 = net->h1 / 2;
    net->w2 = net->w1 / 2;
    net->h3 = net->h2 / 2;
    net->w3 = net->w2 / 2;
    const size_t hw1 = net->h1 * net->w1, hw2 = net->h2 * net->w2, hw3 = net->h3 * net->w3;
    const size_t width[CNN_HIDDEN] = {s->c1, s->c2, s->fc}, inner[CNN_HIDDEN] = {hw1, hw2, 1};
    memcpy(net->width, width, sizeof width);
    memcpy(net->inner, inner, sizeof inner);

    size_t count = 0;
    for (size_t k = 0; k <= CNN_HIDDEN; k++) {
        size_t fan_in, out;
        layer_dims(net, k, &fan_in, &out);
        if (k < CNN_HIDDEN && act->kind == ACT_PRELU)
            net->n_slopes[k] = act->shared ? 1 : out;
        count += out * fan_in + out + (k < CNN_HIDDEN ? net->n_slopes[k] : 0);
    }
    bool ok = nn_params_alloc(&net->par, count);
    size_t at = 0;
    for (size_t k = 0; k <= CNN_HIDDEN && ok; k++) {
        size_t fan_in, out;
        layer_dims(net, k, &fan_in, &out);
        net->w[k] = net->par.p + at;
        net->gw[k] = net->par.g + at;
        at += out * fan_in;
        net->b[k] = net->par.p + at;
        net->gb[k] = net->par.g + at;
        at += out;
        if (k < CNN_HIDDEN && net->n_slopes[k]) {
            net->slopes[k] = net->par.p + at;
            net->gslopes[k] = net->par.g + at;
            at += net->n_slopes[k];
        }
    }

    const size_t per_image[] = {s->c1 * hw1, s->c2 * hw2, s->c1 * hw2,
                                s->c2 * hw3, s->fc,       s->classes};
    const size_t widest = max_of(per_image, sizeof per_image / sizeof *per_image);
    const size_t cols[] = {s->channels * 9 * hw1, s->c1 * 9 * hw2};
    for (size_t k = 0; k < CNN_HIDDEN && ok; k++) {
        net->z[k] = malloc(max_batch * width[k] * inner[k] * sizeof(float));
        net->a[k] = malloc(max_batch * width[k] * inner[k] * sizeof(float));
        net->alive[k] = calloc(width[k], 1);
        ok = net->z[k] && net->a[k] && net->alive[k];
    }
    const size_t pooled[2] = {s->c1 * hw2, s->c2 * hw3};
    for (size_t k = 0; k < 2 && ok; k++) {
        net->p[k] = malloc(max_batch * pooled[k] * sizeof(float));
        net->argmax[k] = malloc(max_batch * pooled[k] * sizeof(uint32_t));
        ok = net->p[k] && net->argmax[k];
    }
    if (ok) {
        net->logits = malloc(max_batch * s->classes * sizeof(float));
        net->cols = malloc(max_of(cols, 2) * sizeof(float));
        net->dcols = malloc(cols[1] * sizeof(float));
        net->delta = malloc(max_batch * widest * sizeof(float));
        net->delta_prev = malloc(max_batch * widest * sizeof(float));
        ok = net->logits && net->cols && net->dcols && net->delta && net->delta_prev;
    }
    if (!ok)
        cnn_destroy(net);
    return ok;
}

void cnn_destroy(cnn *net)
{
    nn_params_free(&net->par);
    for (size_t k = 0; k < CNN_HIDDEN; k++) {
        free(net->z[k]);
        free(net->a[k]);
        free(net->alive[k]);
    }
    for (size_t k = 0; k < 2; k++) {
        free(net->p[k]);
        free(net->argmax[k]);
    }
    free(net->logits);
    free(net->cols);
    free(net->dcols);
    free(net->delta);
    free(net->delta_prev);
    memset(net, 0, sizeof *net);
}

void cnn_init(cnn *net, uint64_t seed, float hidden_bias)
{
    uint64_t state = seed;
    for (size_t k = 0; k <= CNN_HIDDEN; k++) {
        size_t fan_in, out;
        layer_dims(net, k, &fan_in, &out);
        const double std = sqrt(2.0 / (double)fan_in);
        for (size_t i = 0; i < out * fan_in; i++)
            net->w[k][i] = (float)(std * rng_normal(&state));
        for (size_t j = 0; j < out; j++)
            net->b[k][j] = k < CNN_HIDDEN ? hidden_bias : 0.0f;
        for (size_t i = 0; k < CNN_HIDDEN && i < net->n_slopes[k]; i++)
            net->slopes[k][i] = net->act.slope;
    }
    memset(net->par.m, 0, net->par.count * sizeof(float));
    memset(net->par.v, 0, net->par.count * sizeof(float));
}

/* Activation layer k's bias + activation over a batch (NCHW: the channels' positions are
 * the inner dimension; the dense layer's units are channels of one position). */
static nn_act_layer act_layer(const cnn *net, size_t k, size_t batch)
{
    return (nn_act_layer){.act = &net->act,
                          .bias = net->b[k],
                          .slopes = net->slopes[k],
                          .n_slopes = net->n_slopes[k],
                          .seed = net->noise_seed + (uint64_t)(k + 1) * 0x9e3779b97f4a7c15u,
                          .outer = batch,
                          .channels = net->width[k],
                          .inner = net->inner[k]};
}

/* z = w * columns for every image (out channels x positions), without the bias. */
static void conv_forward(cnn *net, size_t k, const float *in, size_t in_channels, size_t h,
                         size_t w, size_t batch)
{
    const size_t hw = h * w, out = net->width[k], fan_in = in_channels * 9;
    for (size_t n = 0; n < batch; n++) {
        im2col(in + n * in_channels * hw, in_channels, h, w, net->cols);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)out, (int)hw, (int)fan_in, 1.0f,
                    net->w[k], (int)fan_in, net->cols, (int)hw, 0.0f, net->z[k] + n * out * hw,
                    (int)hw);
    }
}

/* From dz (batch x out x positions): gw = the sum over images of dz_n columns_n^T, images
 * in order, and, when din is not NULL, the gradient of the input maps. */
static void conv_backward(cnn *net, size_t k, const float *in, size_t in_channels, size_t h,
                          size_t w, size_t batch, const float *dz, float *din)
{
    const size_t hw = h * w, out = net->width[k], fan_in = in_channels * 9;
    for (size_t n = 0; n < batch; n++) {
        im2col(in + n * in_channels * hw, in_channels, h, w, net->cols);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)out, (int)fan_in, (int)hw, 1.0f,
                    dz + n * out * hw, (int)hw, net->cols, (int)hw, n ? 1.0f : 0.0f, net->gw[k],
                    (int)fan_in);
        if (!din)
            continue;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)fan_in, (int)hw, (int)out, 1.0f,
                    net->w[k], (int)fan_in, dz + n * out * hw, (int)hw, 0.0f, net->dcols, (int)hw);
        col2im(net->dcols, in_channels, h, w, din + n * in_channels * hw);
    }
}

static leaky_status forward(cnn *net, const float *x, size_t batch, nn_mode mode)
{
    const cnn_shape *s = &net->shape;
    leaky_status st;
    nn_act_layer layer;

    conv_forward(net, 0, x, s->channels, net->h1, net->w1, batch);
    layer = act_layer(net, 0, batch);
    if ((st = nn_bias_act(&layer, net->z[0], net->a[0], mode, net->alive[0])) != LEAKY_OK)
        return st;
    pool_forward(net->a[0], batch * s->c1, net->h1, net->w1, net->p[0], net->argmax[0]);

    conv_forward(net, 1, net->p[0], s->c1, net->h2, net->w2, batch);
    layer = act_layer(net, 1, batch);
    if ((st = nn_bias_act(&layer, net->z[1], net->a[1], mode, net->alive[1])) != LEAKY_OK)
        return st;
    pool_forward(net->a[1], batch * s->c2, net->h2, net->w2, net->p[1], net->argmax[1]);

    const size_t flat = s->c2 * net->h3 * net->w3;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)batch, (int)s->fc, (int)flat, 1.0f,
                net->p[1], (int)flat, net->w[2], (int)flat, 0.0f, net->z[2], (int)s->fc);
    layer = act_layer(net, 2, batch);
    if ((st = nn_bias_act(&layer, net->z[2], net->a[2], mode, net->alive[2])) != LEAKY_OK)
        return st;

    /* The logits: the bias on every row, the product added to it (beta = 1), as mlp's. */
    for (size_t r = 0; r < batch; r++)
        memcpy(net->logits + r * s->classes, net->b[3], s->classes * sizeof(float));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)batch, (int)s->classes, (int)s->fc,
                1.0f, net->a[2], (int)s->fc, net->w[3], (int)s->fc, 1.0f, net->logits,
                (int)s->classes);
    return LEAKY_OK;
}

leaky_status cnn_loss(cnn *net, const float *x, const uint8_t *labels, size_t batch, nn_mode mode,
                      double *loss, size_t *correct)
{
    if (batch == 0 || batch > net->max_batch)
        return LEAKY_EINVAL;
    const leaky_status st = forward(net, x, batch, mode);
    if (st == LEAKY_OK)
        *loss = nn_softmax_loss(net->logits, labels, batch, net->shape.classes, NULL, correct);
    return st;
}

static void swap(float **a, float **b)
{
    float *t = *a;
    *a = *b;
    *b = t;
}

leaky_status cnn_loss_grad(cnn *net, const float *x, const uint8_t *labels, size_t batch,
                           double *loss)
{
    if (batch == 0 || batch > net->max_batch)
        return LEAKY_EINVAL;
    leaky_status st = forward(net, x, batch, NN_TRAIN);
    if (st != LEAKY_OK)
        return st;
    const cnn_shape *s = &net->shape;
    const size_t classes = s->classes, fc = s->fc, flat = s->c2 * net->h3 * net->w3;
    *loss = nn_softmax_loss(net->logits, labels, batch, classes, net->delta, NULL);
    nn_act_layer layer;

    /* The output layer: gw = delta^T a, gb = the column sums of delta, rows in order. */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)classes, (int)fc, (int)batch, 1.0f,
                net->delta, (int)classes, net->a[2], (int)fc, 0.0f, net->gw[3], (int)fc);
    memcpy(net->gb[3], net->delta, classes * sizeof(float));
    for (size_t r = 1; r < batch; r++)
        for (size_t j = 0; j < classes; j++)
            net->gb[3][j] += net->delta[r * classes + j];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)batch, (int)fc, (int)classes, 1.0f,
                net->delta, (int)classes, net->w[3], (int)fc, 0.0f, net->delta_prev, (int)fc);
    swap(&net->delta, &net->delta_prev);

    /* The dense layer. */
    layer = act_layer(net, 2, batch);
    if ((st = nn_bias_act_backward(&layer, net->z[2], net->delta, net->gb[2], net->gslopes[2])) !=
        LEAKY_OK)
        return st;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)fc, (int)flat, (int)batch, 1.0f,
                net->delta, (int)fc, net->p[1], (int)flat, 0.0f, net->gw[2], (int)flat);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)batch, (int)flat, (int)fc, 1.0f,
                net->delta, (int)fc, net->w[2], (int)flat, 0.0f, net->delta_prev, (int)flat);
    swap(&net->delta, &net->delta_prev);

    /* Pool 2, then conv 2. */
    pool_backward(net->delta, net->argmax[1], batch * s->c2, net->h2, net->w2, net->delta_prev);
    swap(&net->delta, &net->delta_prev);
    layer = act_layer(net, 1, batch);
    if ((st = nn_bias_act_backward(&layer, net->z[1], net->delta, net->gb[1], net->gslopes[1])) !=
        LEAKY_OK)
        return st;
    conv_backward(net, 1, net->p[0], s->c1, net->h2, net->w2, batch, net->delta, net->delta_prev);
    swap(&net->delta, &net->delta_prev);

    /* Pool 1, then conv 1 (no gradient for the images). */
    pool_backward(net->delta, net->argmax[0], batch * s->c1, net->h1, net->w1, net->delta_prev);
    swap(&net->delta, &net->delta_prev);
    layer = act_layer(net, 0, batch);
    if ((st = nn_bias_act_backward(&layer, net->z[0], net->delta, net->gb[0], net->gslopes[0])) !=
        LEAKY_OK)
        return st;
    conv_backward(net, 0, x, s->channels, net->h1, net->w1, batch, net->delta, NULL);
    return LEAKY_OK;
}

void cnn_dead_reset(cnn *net)
{
    for (size_t k = 0; k < CNN_HIDDEN; k++)
        memset(net->alive[k], 0, net->width[k]);
}

size_t cnn_dead_count(const cnn *net, size_t hidden)
{
    size_t dead = 0;
    for (size_t j = 0; j < net->width[hidden]; j++)
        dead += !net->alive[hidden][j];
    return dead;
}
