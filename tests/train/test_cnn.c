/* SPDX-License-Identifier: MIT */
/* The experiment's convolutional network at small shapes: its convolution and pooling
 * against the definitions, its whole gradient against finite differences for every
 * activation, and its dead channels. */
#include <math.h>

#include "cnn.h"
#include "gradcheck.h"
#include "test.h"

enum { BATCH = 3 };

/* Two input channels, a non-square map whose width halves to an odd 5 (so the second pool
 * drops a column; the first pool's rows are 4 windows at once, then 1 alone), and few
 * channels: every index of the layers is exercised. */
enum { IN_C = 2, IN_H = 8, IN_W = 10, PIXELS = IN_C * IN_H * IN_W };
static const cnn_shape SMALL =
    {.channels = IN_C, .height = IN_H, .width = IN_W, .c1 = 3, .c2 = 4, .fc = 5, .classes = 4};

static activation act_of(const char *text)
{
    activation act;
    char err[256];
    if (!activation_parse(text, &act, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    return act;
}

/* A network from seed, with biases spread across 0 (units on both sides of the kink) and
 * PReLU slopes spread around their start (a mix-up between channels would show), and a
 * batch of inputs in [-2, 2]. */
static bool make(cnn *net, const char *name, uint64_t seed, float *x, class_label *labels)
{
    const activation act = act_of(name);
    /* 3 workers, and the convolutions in pieces of 2 images and 1: the batch does not fit
     * one piece, and the third worker has none. */
    if (!cnn_create(net, &SMALL, &act, BATCH, 3))
        return false;
    net->piece = 2;
    cnn_init(net, seed, 0.0f);
    net->noise_seed = seed * 31u; /* RReLU: the same random slopes in every pass below */
    uint64_t state = seed * 7919u + 1;
    for (size_t k = 0; k <= CNN_HIDDEN; k++) {
        const size_t out = k < CNN_HIDDEN ? net->width[k] : SMALL.classes;
        for (size_t j = 0; j < out; j++)
            net->b[k][j] = (float)((int)rng_below(&state, 1001) - 500) * 1e-3f;
        for (size_t i = 0; k < CNN_HIDDEN && i < net->n_slopes[k]; i++)
            net->slopes[k][i] = 0.05f + (float)rng_below(&state, 501) * 1e-3f;
    }
    const size_t pixels = PIXELS;
    for (size_t i = 0; i < BATCH * pixels; i++)
        x[i] = (float)((int)rng_below(&state, 4001) - 2000) * 1e-3f;
    for (size_t r = 0; r < BATCH; r++)
        labels[r] = (class_label)rng_below(&state, (uint32_t)SMALL.classes);
    return true;
}

/* The first convolution and pool of a forward pass against their definitions: z the sum
 * over input channels and the 3x3 window (zero outside the map) of w x, the pool the
 * first largest of each 2x2 window of the activation, and where it was. */
static void check_conv_pool(void)
{
    const size_t pixels = PIXELS;
    float x[BATCH * PIXELS];
    class_label labels[BATCH];
    cnn net;
    if (!make(&net, "relu", 5, x, labels)) {
        CHECK(false, "cnn_create");
        return;
    }
    double loss;
    CHECK(cnn_loss(&net, x, labels, BATCH, NN_EVAL, &loss, NULL) == LEAKY_OK, "cnn_loss");
    const size_t H = SMALL.height, W = SMALL.width, C = SMALL.channels;
    size_t bad = 0, bad_pool = 0, ties = 0;
    for (size_t n = 0; n < BATCH; n++)
        for (size_t o = 0; o < SMALL.c1; o++)
            for (size_t y = 0; y < H; y++)
                for (size_t xx = 0; xx < W; xx++) {
                    double want = 0.0, size = 0.0;
                    for (size_t c = 0; c < C; c++)
                        for (int ky = -1; ky <= 1; ky++)
                            for (int kx = -1; kx <= 1; kx++) {
                                const long sy = (long)y + ky, sx = (long)xx + kx;
                                if (sy < 0 || sx < 0 || sy >= (long)H || sx >= (long)W)
                                    continue;
                                const double t =
                                    (double)net.w[0][(o * C + c) * 9 + (size_t)(ky + 1) * 3 +
                                                     (size_t)(kx + 1)] *
                                    x[n * pixels + (c * H + (size_t)sy) * W + (size_t)sx];
                                want += t;
                                size += fabs(t);
                            }
                    /* 18 terms summed in float: within 18 * 2^-24 of their sizes' sum. */
                    const float got = net.z[0][((n * SMALL.c1 + o) * H + y) * W + xx];
                    bad += fabs((double)got - want) > 18 * 0x1.0p-24 * size;
                }
    CHECK(bad == 0, "conv 1: %zu outputs differ from the definition", bad);
    /* ReLU's zeros make ties: the first of the window's largest wins, as in PyTorch. */
    for (size_t m = 0; m < BATCH * SMALL.c1; m++)
        for (size_t y = 0; y < H / 2; y++)
            for (size_t xx = 0; xx < W / 2; xx++) {
                const float *a = net.a[0] + m * H * W;
                const size_t at[4] = {2 * y * W + 2 * xx, 2 * y * W + 2 * xx + 1,
                                      (2 * y + 1) * W + 2 * xx, (2 * y + 1) * W + 2 * xx + 1};
                size_t first = at[0];
                for (size_t k = 1; k < 4; k++)
                    first = a[at[k]] > a[first] ? at[k] : first;
                const size_t i = (m * (H / 2) + y) * (W / 2) + xx;
                bad_pool += net.p[0][i] != a[first] || net.argmax[0][i] != first;
                ties += a[at[0]] == a[at[1]];
            }
    CHECK(bad_pool == 0, "pool 1: %zu outputs are not their window's first largest", bad_pool);
    CHECK(ties > 0, "pool 1: no ties to check");
    cnn_destroy(&net);
}

/* Where the network is not differentiable: the sign of every activation's input z + b
 * (RReLU keeps z with its bias: nn_bias_act), and which element each pool took. */
static size_t kink_pattern(const cnn *net, uint8_t *out)
{
    size_t n = 0;
    for (size_t k = 0; k < CNN_HIDDEN; k++) {
        const size_t ch = net->width[k], inner = net->inner[k];
        for (size_t i = 0; i < BATCH * ch * inner; i++) {
            const float b = net->act.kind == ACT_RRELU ? 0.0f : net->b[k][i / inner % ch];
            out[n++] = net->z[k][i] + b > 0.0f;
        }
    }
    const size_t pooled[2] = {SMALL.c1 * net->h2 * net->w2, SMALL.c2 * net->h3 * net->w3};
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < BATCH * pooled[k]; i++)
            out[n++] = (uint8_t)net->argmax[k][i];
    return n;
}

/* One batch through the network, for gradcheck. */
struct pass {
    cnn *net;
    const float *x;
    const class_label *labels;
};

static double pass_loss(void *ctx)
{
    struct pass *p = ctx;
    double loss = NAN;
    CHECK(cnn_loss(p->net, p->x, p->labels, BATCH, NN_TRAIN, &loss, NULL) == LEAKY_OK, "cnn_loss");
    return loss;
}

static size_t pass_kinks(const void *ctx, uint8_t *out)
{
    const struct pass *p = ctx;
    return kink_pattern(p->net, out);
}

/*
 * Central differences of the float32 network against its backward pass, as test_mlp's.
 *
 * The step: each weight of a convolution feeds every position of every example, so a step
 * of test_mlp's 1e-2 moved some z + b or some pool's choice across its kink for a fifth to
 * two fifths of the parameters; h = 2e-3 skips under a quarter (RReLU and PReLU, whose
 * negative side changes the pools' choices among negative values, the most).
 *
 * Tolerance: a logit here is a sum over 4 layers of at most 27 products (the second
 * convolution) of values below about 4, each rounded in float; the rounding errors of the
 * loss seen here are about 1e-6, a few 1e-4 once divided by 2h = 4e-3 (the worst bound,
 * every rounding the same way, would be 10 times that, but sums of many roundings do not
 * line up). Between kinks the network is piecewise linear but for the softmax, whose
 * truncation error h^2 |L'''| / 6 is under 1e-5 at this h. The worst error seen over these
 * networks: 5.4e-4, on a gradient of 0.45 (printed below). Tolerance: 1e-3 absolute +
 * 4e-3 relative, 5 times that. A slope 10% off in a backward pass, an index off by one in im2col or the pool, or
 * a missing bias gradient all show errors above 1e-2.
 */
static void check_gradient(const char *name, uint64_t seed)
{
    float x[BATCH * PIXELS];
    class_label labels[BATCH];
    cnn net;
    if (!make(&net, name, seed, x, labels)) {
        CHECK(false, "cnn_create");
        return;
    }
    double loss;
    CHECK(cnn_loss_grad(&net, x, labels, BATCH, &loss) == LEAKY_OK, "%s: cnn_loss_grad: %s", name,
          leaky_last_error());
    float *grad = malloc(net.par.count * sizeof *grad);
    uint8_t *base = malloc(4096);
    memcpy(grad, net.par.g, net.par.count * sizeof *grad);
    const size_t n_kinks = kink_pattern(&net, base);
    size_t n_signs = 0, negative_side = 0;
    for (size_t k = 0; k < CNN_HIDDEN; k++)
        n_signs += BATCH * net.width[k] * net.inner[k];
    for (size_t i = 0; i < n_signs; i++)
        negative_side += !base[i];
    struct pass pass = {&net, x, labels};
    const gradcheck g = {.name = name,
                         .net = &pass,
                         .par = &net.par,
                         .loss = pass_loss,
                         .kinks = pass_kinks,
                         .h = 2e-3f,
                         .abs_tol = 1e-3,
                         .rel_tol = 4e-3};
    double largest;
    const size_t checked = gradcheck_run(&g, grad, base, n_kinks, &largest);
    /* A check that skips most parameters or sees only tiny gradients proves nothing, and
     * without inputs on the negative side the activation's slope would go untested. (The
     * pools' kinks make skips more frequent than in the perceptron: see above.) */
    CHECK(checked >= net.par.count * 2 / 3, "%s: only %zu of %zu checked", name, checked,
          net.par.count);
    CHECK(largest > 0.1, "%s: the gradients are too small to test (%g)", name, largest);
    CHECK(negative_side > n_signs / 5 && negative_side < n_signs * 4 / 5,
          "%s: %zu of %zu activation inputs <= 0", name, negative_side, n_signs);
    free(grad);
    free(base);
    cnn_destroy(&net);
}

/* Dead channels: a channel is dead when z + b <= 0 at every position of every training
 * example; one positive position anywhere keeps it alive; evaluation passes do not count. */
static void check_dead_channels(const char *name)
{
    float x[BATCH * PIXELS];
    class_label labels[BATCH];
    cnn net;
    if (!make(&net, name, 9, x, labels)) {
        CHECK(false, "cnn_create");
        return;
    }
    /* Conv 1: channel 0 only its bias (-1: dead), channel 1 its bias 0 (never > 0: dead),
     * channel 2 the first input pixel of channel 0 minus 1.5, positive at one position of
     * one example only. */
    memset(net.w[0], 0, SMALL.c1 * SMALL.channels * 9 * sizeof(float));
    net.b[0][0] = -1.0f;
    net.b[0][1] = 0.0f;
    net.b[0][2] = -1.5f;
    net.w[0][2 * SMALL.channels * 9 + 4] = 1.0f; /* the window's centre, input channel 0 */
    for (size_t i = 0; i < BATCH * SMALL.channels * SMALL.height * SMALL.width; i++)
        x[i] = 0.0f;
    cnn_dead_reset(&net);
    double loss;
    CHECK(cnn_loss(&net, x, labels, BATCH, NN_TRAIN, &loss, NULL) == LEAKY_OK, "loss");
    CHECK(cnn_dead_count(&net, 0) == 3, "%s: all 3 channels dead, counted %zu", name,
          cnn_dead_count(&net, 0));
    x[1 * SMALL.channels * SMALL.height * SMALL.width + 5 * SMALL.width + 4] = 2.0f;
    CHECK(cnn_loss(&net, x, labels, BATCH, NN_EVAL, &loss, NULL) == LEAKY_OK, "eval");
    CHECK(cnn_dead_count(&net, 0) == 3, "%s: an evaluation pass marked a channel alive", name);
    CHECK(cnn_loss(&net, x, labels, BATCH, NN_TRAIN, &loss, NULL) == LEAKY_OK, "loss");
    CHECK(cnn_dead_count(&net, 0) == 2 && !net.alive[0][0] && net.alive[0][2],
          "%s: one positive position keeps channel 2 alive: %zu dead", name,
          cnn_dead_count(&net, 0));
    cnn_dead_reset(&net);
    CHECK(cnn_dead_count(&net, 0) == 3 && cnn_dead_count(&net, 1) == SMALL.c2 &&
              cnn_dead_count(&net, 2) == SMALL.fc,
          "%s: after a reset every channel counts as dead until it fires", name);
    cnn_destroy(&net);
}

int main(void)
{
    check_conv_pool();
    check_gradient("relu", 21);
    check_gradient("leaky:0.01", 22);
    check_gradient("leaky:0.2", 23);
    check_gradient("prelu", 24);
    check_gradient("prelu:shared", 25);
    check_gradient("rrelu", 26);
    check_dead_channels("relu");
    check_dead_channels("rrelu");
    check_dead_channels("prelu");
    return test_finish("test_cnn");
}
