/* SPDX-License-Identifier: MIT */
/* The convolutional network: see cnn.h. The backward pass runs the forward's steps in
 * reverse; a convolution's columns are rebuilt from its input rather than kept (one
 * image's at a time: the second layer's, kept for a batch, would be 29 MB). */
#include <cblas.h>
#include <pthread.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cnn.h"

/* One worker's share of a pass (see "workers" below). */
typedef struct cnn_task {
    pthread_t id;
    bool started;
    cnn *net;
    cnn_worker *wk;
    enum { TASK_FORWARD, TASK_BACKWARD } kind;
    const float *x; /* TASK_FORWARD: the images */
    size_t batch;
    nn_mode mode;
    const float *dp; /* TASK_BACKWARD: the second pool's gradient, batch x its outputs */
    leaky_status st;
} cnn_task;

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

/* The columns of a 3x3 convolution with padding 1 over one C x H x W map, into a matrix of
 * ld columns (a piece's images side by side): row (c, ky, kx), column (y, x) holds
 * src[c][y + ky - 1][x + kx - 1], 0 outside the map. */
static void im2col(const float *src, size_t channels, size_t h, size_t w, float *cols, size_t ld)
{
    for (size_t c = 0; c < channels; c++)
        for (size_t ky = 0; ky < 3; ky++)
            for (size_t kx = 0; kx < 3; kx++) {
                float *row = cols + ((c * 3 + ky) * 3 + kx) * ld;
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
static void col2im(const float *cols, size_t ld, size_t channels, size_t h, size_t w, float *dst)
{
    memset(dst, 0, channels * h * w * sizeof(float));
    for (size_t c = 0; c < channels; c++)
        for (size_t ky = 0; ky < 3; ky++)
            for (size_t kx = 0; kx < 3; kx++) {
                const float *row = cols + ((c * 3 + ky) * 3 + kx) * ld;
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

/* One window of a pool, in the window's order as pairs: the better of each row's two, then
 * of the rows, "better" being larger or NaN (so the first largest wins, or the last NaN,
 * as in PyTorch's sequential scan). Its position: 0, 1 in the top row, w, w + 1 below. */
static inline float pool_window(float a, float b, float c, float d, size_t w, uint32_t *at)
{
    const int tb = (b > a) | (b != b), td = (d > c) | (d != d);
    const float ab = tb ? b : a, cd = td ? d : c;
    const int t = (cd > ab) | (cd != cd);
    *at = (uint32_t)(t ? w + (size_t)td : (size_t)tb);
    return t ? cd : ab;
}

#ifdef __SSE2__
/* The better of x and y, lane by lane, as pool_window's, and where: the mask of y's lanes. */
static inline __m128 pool_better(__m128 x, __m128 y, __m128 *took_y)
{
    *took_y = _mm_or_ps(_mm_cmpgt_ps(y, x), _mm_cmpunord_ps(y, y));
    return _mm_or_ps(_mm_and_ps(*took_y, y), _mm_andnot_ps(*took_y, x));
}
#endif

/* Max-pool 2 over maps (count of them, h x w each) into (h / 2) x (w / 2), and where each
 * window's value was (its index in the map). Branch-free, 4 windows at a time where SSE2
 * is (the branches of a sequential scan mispredicted on half the windows, and the pools
 * took as long as the products). */
static void pool_forward(const float *src, size_t count, size_t h, size_t w, float *dst,
                         uint32_t *argmax)
{
    const size_t ph = h / 2, pw = w / 2;
    for (size_t m = 0; m < count; m++) {
        const float *in = src + m * h * w;
        for (size_t y = 0; y < ph; y++) {
            const float *r0 = in + 2 * y * w, *r1 = r0 + w;
            float *out = dst + (m * ph + y) * pw;
            uint32_t *arg = argmax + (m * ph + y) * pw;
            const uint32_t row = (uint32_t)(2 * y * w);
            size_t x = 0;
#ifdef __SSE2__
            const __m128i width = _mm_set1_epi32((int)w), one = _mm_set1_epi32(1);
            for (; x + 4 <= pw; x += 4) {
                const __m128 t0 = _mm_loadu_ps(r0 + 2 * x), t1 = _mm_loadu_ps(r0 + 2 * x + 4);
                const __m128 b0 = _mm_loadu_ps(r1 + 2 * x), b1 = _mm_loadu_ps(r1 + 2 * x + 4);
                __m128 mb, md, mt;
                const __m128 ab =
                    pool_better(_mm_shuffle_ps(t0, t1, 0x88), _mm_shuffle_ps(t0, t1, 0xdd), &mb);
                const __m128 cd =
                    pool_better(_mm_shuffle_ps(b0, b1, 0x88), _mm_shuffle_ps(b0, b1, 0xdd), &md);
                _mm_storeu_ps(out + x, pool_better(ab, cd, &mt));
                const __m128i top = _mm_and_si128(_mm_castps_si128(mb), one);
                const __m128i bottom =
                    _mm_add_epi32(width, _mm_and_si128(_mm_castps_si128(md), one));
                const __m128i t = _mm_castps_si128(mt);
                const __m128i off =
                    _mm_or_si128(_mm_and_si128(t, bottom), _mm_andnot_si128(t, top));
                const __m128i base =
                    _mm_add_epi32(_mm_set1_epi32((int)(row + 2 * x)), _mm_setr_epi32(0, 2, 4, 6));
                _mm_storeu_si128((__m128i *)(arg + x), _mm_add_epi32(base, off));
            }
#endif
            for (; x < pw; x++) {
                uint32_t at;
                out[x] = pool_window(r0[2 * x], r0[2 * x + 1], r1[2 * x], r1[2 * x + 1], w, &at);
                arg[x] = row + (uint32_t)(2 * x) + at;
            }
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

/* The bytes of one piece's columns: large enough that each product is one efficient call
 * (one per image was; the first layer's, 32 x 784 x 9, ran at a fraction of the machine's
 * speed), small enough that a piece's maps stay in the caches from the product through
 * the bias + activation to the pool. */
enum { CNN_PIECE_BYTES = 2 << 20 };

bool cnn_create(cnn *net, const cnn_shape *shape, const activation *act, size_t max_batch,
                size_t threads)
{
    memset(net, 0, sizeof *net);
    const cnn_shape *s = shape;
    if (s->height < 4 || s->width < 4 || !s->channels || !s->c1 || !s->c2 || !s->fc ||
        !s->classes || max_batch == 0 || threads == 0)
        return false;
    net->threads = threads;
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
    /* The convolutions run a piece of images at a time (see CNN_PIECE_BYTES). */
    const size_t cols[] = {s->channels * 9 * hw1, s->c1 * 9 * hw2};
    const size_t maps[] = {s->c1 * hw1, s->c2 * hw2};
    const size_t image_bytes = max_of(cols, 2) * sizeof(float);
    net->piece = image_bytes < CNN_PIECE_BYTES ? CNN_PIECE_BYTES / image_bytes : 1;
    if (net->piece > max_batch)
        net->piece = max_batch;
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
        net->delta = malloc(max_batch * widest * sizeof(float));
        net->delta_prev = malloc(max_batch * widest * sizeof(float));
        net->workers = calloc(threads, sizeof *net->workers);
        net->tasks = calloc(threads, sizeof *net->tasks);
        ok = net->logits && net->delta && net->delta_prev && net->workers && net->tasks;
    }
    for (size_t t = 0; t < threads && ok; t++) {
        cnn_worker *wk = &net->workers[t];
        wk->index = t;
        wk->cols = malloc(net->piece * max_of(cols, 2) * sizeof(float));
        wk->zt = malloc(net->piece * max_of(maps, 2) * sizeof(float));
        ok = wk->cols && wk->zt;
        wk->d1 = malloc(net->piece * maps[1] * sizeof(float));
        wk->dp0 = malloc(net->piece * s->c1 * hw2 * sizeof(float));
        wk->d0 = malloc(net->piece * maps[0] * sizeof(float));
        wk->tb = malloc(max_of(width, 2) * sizeof(float));
        wk->ts = malloc(max_of(width, 2) * sizeof(float));
        ok = ok && wk->d1 && wk->dp0 && wk->d0 && wk->tb && wk->ts;
        for (size_t k = 0; k < 2 && ok; k++) {
            wk->gw[k] = malloc(width[k] * cols[k] / inner[k] * sizeof(float));
            wk->gb[k] = malloc(width[k] * sizeof(float));
            wk->gs[k] = malloc(width[k] * sizeof(float));
            wk->alive[k] = malloc(width[k]);
            ok = wk->gw[k] && wk->gb[k] && wk->gs[k] && wk->alive[k];
        }
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
    for (size_t t = 0; net->workers && t < net->threads; t++) {
        cnn_worker *wk = &net->workers[t];
        free(wk->cols);
        free(wk->zt);
        free(wk->d1);
        free(wk->dp0);
        free(wk->d0);
        free(wk->tb);
        free(wk->ts);
        for (size_t k = 0; k < 2; k++) {
            free(wk->gw[k]);
            free(wk->gb[k]);
            free(wk->gs[k]);
            free(wk->alive[k]);
        }
    }
    free(net->workers);
    free(net->tasks);
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

/* z = w * columns for images [n0, n1) of a piece, without the bias: one product for the
 * piece (channels x the images' positions, in zt), then each image's maps to NCHW. */
static void conv_forward(cnn *net, cnn_worker *wk, size_t k, const float *in, size_t in_channels,
                         size_t h, size_t w, size_t n0, size_t n1)
{
    const size_t hw = h * w, out = net->width[k], fan_in = in_channels * 9, ld = (n1 - n0) * hw;
    for (size_t n = n0; n < n1; n++)
        im2col(in + n * in_channels * hw, in_channels, h, w, wk->cols + (n - n0) * hw, ld);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)out, (int)ld, (int)fan_in, 1.0f,
                net->w[k], (int)fan_in, wk->cols, (int)ld, 0.0f, wk->zt, (int)ld);
    for (size_t n = n0; n < n1; n++)
        for (size_t c = 0; c < out; c++)
            memcpy(net->z[k] + (n * out + c) * hw, wk->zt + c * ld + (n - n0) * hw,
                   hw * sizeof(float));
}

/* Conv k, its bias + activation and its pool over images [n0, n1). */
static leaky_status conv_block(cnn *net, cnn_worker *wk, size_t k, const float *in,
                               size_t in_channels, size_t h, size_t w, size_t n0, size_t n1,
                               nn_mode mode)
{
    conv_forward(net, wk, k, in, in_channels, h, w, n0, n1);
    const size_t per_image = net->width[k] * h * w;
    nn_act_layer layer = act_layer(net, k, n1 - n0);
    layer.first = n0 * per_image;
    const leaky_status st = nn_bias_act(&layer, net->z[k] + n0 * per_image,
                                        net->a[k] + n0 * per_image, mode, wk->alive[k]);
    if (st == LEAKY_OK) {
        const size_t pooled = net->width[k] * (h / 2) * (w / 2);
        pool_forward(net->a[k] + n0 * per_image, (n1 - n0) * net->width[k], h, w,
                     net->p[k] + n0 * pooled, net->argmax[k] + n0 * pooled);
    }
    return st;
}

/* From dz (the piece's images x out x positions, from image n0) the worker's part of gw
 * (overwritten at its first piece, then added to) and, when din is not NULL, the gradient
 * of the piece's input maps (from image n0 too). */
static void conv_backward(cnn *net, cnn_worker *wk, size_t k, const float *in, size_t in_channels,
                          size_t h, size_t w, size_t n0, size_t n1, const float *dz, float *din,
                          bool first)
{
    const size_t hw = h * w, out = net->width[k], fan_in = in_channels * 9, ld = (n1 - n0) * hw;
    for (size_t n = n0; n < n1; n++) {
        im2col(in + n * in_channels * hw, in_channels, h, w, wk->cols + (n - n0) * hw, ld);
        for (size_t c = 0; c < out; c++)
            memcpy(wk->zt + c * ld + (n - n0) * hw, dz + ((n - n0) * out + c) * hw,
                   hw * sizeof(float));
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)out, (int)fan_in, (int)ld, 1.0f,
                wk->zt, (int)ld, wk->cols, (int)ld, first ? 0.0f : 1.0f, wk->gw[k], (int)fan_in);
    if (!din)
        return;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)fan_in, (int)ld, (int)out, 1.0f,
                net->w[k], (int)fan_in, wk->zt, (int)ld, 0.0f, wk->cols, (int)ld);
    for (size_t n = n0; n < n1; n++)
        col2im(wk->cols + (n - n0) * hw, ld, in_channels, h, w, din + (n - n0) * in_channels * hw);
}

/* dst = src at a worker's first piece, dst += src after. */
static void add_part(float *dst, const float *src, size_t n, bool first)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = first ? src[i] : dst[i] + src[i];
}

/* Activation layer k's backward over a piece's gradient d (in place), its bias and slope
 * gradients added to the worker's parts. */
static leaky_status act_backward_piece(cnn *net, cnn_worker *wk, size_t k, size_t n0, size_t n1,
                                       float *d, bool first)
{
    const size_t per_image = net->width[k] * net->inner[k];
    nn_act_layer layer = act_layer(net, k, n1 - n0);
    layer.first = n0 * per_image;
    const leaky_status st = nn_bias_act_backward(&layer, net->z[k] + n0 * per_image, d, wk->tb,
                                                 net->n_slopes[k] ? wk->ts : NULL);
    add_part(wk->gb[k], wk->tb, net->width[k], first);
    add_part(wk->gs[k], wk->ts, net->n_slopes[k], first);
    return st;
}

/* Both convolutions' backward over images [n0, n1), from dp (the second pool's gradient):
 * pool 2, activation 2, conv 2, pool 1, activation 1, conv 1, the piece's gradients in
 * the worker's own scratch while they are in its caches. */
static leaky_status backward_piece(cnn *net, cnn_worker *wk, const float *x, const float *dp,
                                   size_t n0, size_t n1, bool first)
{
    const cnn_shape *s = &net->shape;
    const size_t nb = n1 - n0, pooled2 = s->c2 * net->h3 * net->w3;
    const size_t pooled1 = s->c1 * net->h2 * net->w2;
    pool_backward(dp + n0 * pooled2, net->argmax[1] + n0 * pooled2, nb * s->c2, net->h2, net->w2,
                  wk->d1);
    leaky_status st = act_backward_piece(net, wk, 1, n0, n1, wk->d1, first);
    if (st != LEAKY_OK)
        return st;
    conv_backward(net, wk, 1, net->p[0], s->c1, net->h2, net->w2, n0, n1, wk->d1, wk->dp0, first);
    pool_backward(wk->dp0, net->argmax[0] + n0 * pooled1, nb * s->c1, net->h1, net->w1, wk->d0);
    if ((st = act_backward_piece(net, wk, 0, n0, n1, wk->d0, first)) != LEAKY_OK)
        return st;
    conv_backward(net, wk, 0, x, s->channels, net->h1, net->w1, n0, n1, wk->d0, NULL, first);
    return LEAKY_OK;
}

/* ---------------------------------------------------------------- workers
 * The convolutions' pieces are shared out among net->threads workers, piece p to worker
 * p mod threads, each running its products on one OpenBLAS thread: one fork and join per
 * layer and pass instead of one per product (OpenBLAS's own threads, joined after each of
 * about 80 products a batch, waited for each other most of the time on a loaded machine).
 * A worker's gradient parts and dead marks are its own, and are added (in worker order)
 * or merged after the join: the results depend on the thread count, not on the timing. */

static void *run_task(void *arg)
{
    cnn_task *t = arg;
    cnn *net = t->net;
    const cnn_shape *s = &net->shape;
    const size_t step = net->piece * net->threads;
    if (t->kind == TASK_FORWARD) {
        for (size_t n0 = t->wk->index * net->piece; n0 < t->batch && t->st == LEAKY_OK;
             n0 += step) {
            const size_t n1 = t->batch - n0 < net->piece ? t->batch : n0 + net->piece;
            t->st = conv_block(net, t->wk, 0, t->x, s->channels, net->h1, net->w1, n0, n1, t->mode);
            if (t->st == LEAKY_OK)
                t->st =
                    conv_block(net, t->wk, 1, net->p[0], s->c1, net->h2, net->w2, n0, n1, t->mode);
        }
    } else {
        for (size_t n0 = t->wk->index * net->piece; n0 < t->batch && t->st == LEAKY_OK;
             n0 += step) {
            const size_t n1 = t->batch - n0 < net->piece ? t->batch : n0 + net->piece;
            t->st =
                backward_piece(net, t->wk, t->x, t->dp, n0, n1, n0 == t->wk->index * net->piece);
        }
    }
    return NULL;
}

/* Runs tasks[0 .. threads) at once, task 0 on this thread (a thread that cannot start
 * runs its task here after, with the same result). The first failure, or LEAKY_OK. */
static leaky_status run_tasks(cnn *net, cnn_task *tasks)
{
    for (size_t t = 1; t < net->threads; t++)
        tasks[t].started = pthread_create(&tasks[t].id, NULL, run_task, &tasks[t]) == 0;
    run_task(&tasks[0]);
    for (size_t t = 1; t < net->threads; t++) {
        if (tasks[t].started)
            pthread_join(tasks[t].id, NULL);
        else
            run_task(&tasks[t]);
    }
    for (size_t t = 0; t < net->threads; t++)
        if (tasks[t].st != LEAKY_OK)
            return tasks[t].st;
    return LEAKY_OK;
}

/* The convolutions' backward over the batch, then their gradients: the workers' parts in
 * worker order (a worker without a piece has none). */
static leaky_status backward_all(cnn *net, const float *x, const float *dp, size_t batch)
{
    cnn_task *tasks = net->tasks;
    for (size_t t = 0; t < net->threads; t++)
        tasks[t] = (cnn_task){.net = net,
                              .wk = &net->workers[t],
                              .kind = TASK_BACKWARD,
                              .x = x,
                              .batch = batch,
                              .dp = dp,
                              .st = LEAKY_OK};
    const leaky_status st = run_tasks(net, tasks);
    if (st != LEAKY_OK)
        return st;
    for (size_t k = 0; k < 2; k++) {
        const size_t n_w = net->width[k] * (k ? net->shape.c1 : net->shape.channels) * 9;
        for (size_t t = 0; t < net->threads && t * net->piece < batch; t++) {
            const cnn_worker *wk = &net->workers[t];
            add_part(net->gw[k], wk->gw[k], n_w, t == 0);
            add_part(net->gb[k], wk->gb[k], net->width[k], t == 0);
            add_part(net->gslopes[k], wk->gs[k], net->n_slopes[k], t == 0);
        }
    }
    return LEAKY_OK;
}

static leaky_status forward(cnn *net, const float *x, size_t batch, nn_mode mode)
{
    const cnn_shape *s = &net->shape;
    cnn_task *tasks = net->tasks;
    for (size_t t = 0; t < net->threads; t++) {
        cnn_worker *wk = &net->workers[t];
        for (size_t k = 0; k < 2; k++)
            memset(wk->alive[k], 0, net->width[k]);
        tasks[t] = (cnn_task){.net = net,
                              .wk = wk,
                              .kind = TASK_FORWARD,
                              .x = x,
                              .batch = batch,
                              .mode = mode,
                              .st = LEAKY_OK};
    }
    leaky_status st = run_tasks(net, tasks);
    if (st != LEAKY_OK)
        return st;
    for (size_t t = 0; t < net->threads; t++)
        for (size_t k = 0; k < 2; k++)
            for (size_t c = 0; c < net->width[k]; c++)
                net->alive[k][c] |= net->workers[t].alive[k][c];

    const size_t flat = s->c2 * net->h3 * net->w3;
    nn_dense_forward(net->p[1], net->w[2], NULL, net->z[2], batch, flat, s->fc);
    const nn_act_layer layer = act_layer(net, 2, batch);
    if ((st = nn_bias_act(&layer, net->z[2], net->a[2], mode, net->alive[2])) != LEAKY_OK)
        return st;

    nn_dense_forward(net->a[2], net->w[3], net->b[3], net->logits, batch, s->fc, s->classes);
    return LEAKY_OK;
}

leaky_status cnn_loss(cnn *net, const float *x, const class_label *labels, size_t batch,
                      nn_mode mode, double *loss, size_t *correct)
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

leaky_status cnn_loss_grad(cnn *net, const float *x, const class_label *labels, size_t batch,
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

    nn_dense_backward(net->a[2], net->w[3], net->delta, net->gw[3], net->gb[3], net->delta_prev,
                      batch, fc, classes);
    swap(&net->delta, &net->delta_prev);

    /* The dense layer. */
    layer = act_layer(net, 2, batch);
    if ((st = nn_bias_act_backward(&layer, net->z[2], net->delta, net->gb[2], net->gslopes[2])) !=
        LEAKY_OK)
        return st;
    nn_dense_backward(net->p[1], net->w[2], net->delta, net->gw[2], NULL, net->delta_prev, batch,
                      flat, fc);
    swap(&net->delta, &net->delta_prev);

    /* Then the convolutions, piece by piece. */
    return backward_all(net, x, net->delta, batch);
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
