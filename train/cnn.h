/* SPDX-License-Identifier: MIT */
/* A small convolutional network for the experiment, NCHW throughout:
 *
 *     conv 3x3 (c1 channels, padding 1) -> bias + activation -> max-pool 2
 *     -> conv 3x3 (c2 channels, padding 1) -> bias + activation -> max-pool 2
 *     -> fully connected (fc units) -> bias + activation -> fully connected (classes)
 *
 * (32, 64, 128 and 10 for Fashion-MNIST; smaller in the tests). A convolution is im2col
 * and one cblas_sgemm per piece of a few images, written without its bias, the pieces
 * shared out among the network's worker threads; every bias + activation, forward and
 * backward, is one call of the library's fused functions (nn_bias_act), PReLU with a slope
 * per channel in the convolutions and per unit in the dense layer. The pools take the
 * first largest of each 2x2 window (as PyTorch) and drop an odd last row or column. */
#ifndef LEAKY_CNN_H
#define LEAKY_CNN_H

#include "nn.h"

enum { CNN_HIDDEN = 3 }; /* activation layers: conv 1, conv 2, dense */

/* A worker's scratch for its pieces of the convolutions (see cnn.c, "workers"): their
 * im2col columns (and their gradient), their maps as the product gives them (channels x
 * the images' positions), their gradients in the backward pass (d1 the second
 * activation's, dp0 the first pool's, d0 the first activation's; tb and ts one piece's
 * bias and slope gradients), its parts of the convolutions' weight, bias and slope
 * gradients, its dead marks. */
typedef struct cnn_worker {
    size_t index;
    float *cols, *zt, *d1, *dp0, *d0, *tb, *ts;
    float *gw[2], *gb[2], *gs[2];
    uint8_t *alive[2];
} cnn_worker;

typedef struct cnn_shape {
    size_t channels, height, width; /* the input images */
    size_t c1, c2, fc, classes;
} cnn_shape;

/* The experiment's network for images of channels x height x width (at least 4 x 4). */
cnn_shape cnn_default_shape(size_t channels, size_t height, size_t width, size_t classes);

typedef struct cnn {
    cnn_shape shape;
    activation act;
    size_t max_batch;
    size_t h1, w1, h2, w2, h3, w3; /* conv 1 and pool 1 out, conv 2 (h2 = h1 / 2), pool 2 */
    size_t width[CNN_HIDDEN];      /* each activation layer's channels: c1, c2, fc */
    size_t inner[CNN_HIDDEN];      /* ... and positions per channel: h1 w1, h2 w2, 1 */

    /* Parameters: for layer k (conv 1, conv 2, dense, output) w (out x fan-in), b (out),
     * and for an activation layer under PReLU its slopes (n_slopes: out, or 1 shared). */
    nn_params par;
    float *w[CNN_HIDDEN + 1], *b[CNN_HIDDEN + 1], *slopes[CNN_HIDDEN];
    float *gw[CNN_HIDDEN + 1], *gb[CNN_HIDDEN + 1], *gslopes[CNN_HIDDEN];
    size_t n_slopes[CNN_HIDDEN];

    /* RReLU's key for the training passes, a fresh one per batch (as mlp's). */
    uint64_t noise_seed;

    /* Activations, max_batch images each: z[k] the activation layer's input before its
     * bias (see nn_bias_act), a[k] after it, p[k] the pools' outputs and where each took
     * its maximum (the index within the image's map), logits. */
    float *z[CNN_HIDDEN], *a[CNN_HIDDEN], *p[2], *logits;
    uint32_t *argmax[2];
    /* The convolutions run a piece of images at a time, the pieces shared out among the
     * workers. piece: images per piece, from cnn_create (may be lowered, not raised). */
    size_t piece, threads;
    cnn_worker *workers;
    struct cnn_task *tasks;    /* one per worker (cnn.c) */
    float *delta, *delta_prev; /* the gradients flowing back */

    uint8_t *alive[CNN_HIDDEN]; /* per channel: whether z > 0 somewhere since the reset */
} cnn;

/* threads: the workers that share out the convolutions (at least 1); each calls
 * OpenBLAS, which should then run on one thread (openblas_set_num_threads(1)): the dense
 * layers' products are small. The results depend on the thread count, not on timing.
 * False when the shape is too small, threads 0 or out of memory (nothing to
 * free then). */
bool cnn_create(cnn *net, const cnn_shape *shape, const activation *act, size_t max_batch,
                size_t threads);
void cnn_destroy(cnn *net);
/* He initialisation: w ~ N(0, 2 / fan_in) from a generator seeded by seed, the activation
 * layers' biases hidden_bias, the output's 0, PReLU slopes act.slope. Clears the
 * optimizer state. */
void cnn_init(cnn *net, uint64_t seed, float hidden_bias);

/* As mlp_loss and mlp_loss_grad; x: batch x channels x height x width. */
leaky_status cnn_loss(cnn *net, const float *x, const class_label *labels, size_t batch,
                      nn_mode mode, double *loss, size_t *correct);
leaky_status cnn_loss_grad(cnn *net, const float *x, const class_label *labels, size_t batch,
                           double *loss);

void cnn_dead_reset(cnn *net);
/* Channels (units, for the dense layer) of activation layer `hidden` that never fired. */
size_t cnn_dead_count(const cnn *net, size_t hidden);

#endif
