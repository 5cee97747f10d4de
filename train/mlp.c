/* SPDX-License-Identifier: MIT */
/* The perceptron: z = a_prev w^T + b through cblas_sgemm, the library's activations in
 * between, softmax cross-entropy on top, and the backward pass in the reverse order. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlp.h"

uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

uint32_t rng_below(uint64_t *state, uint32_t n)
{
    return (uint32_t)(((rng_next(state) >> 32) * (uint64_t)n) >> 32);
}

/* A standard normal number (Box-Muller; one of the pair is dropped for simplicity). */
static double rng_normal(uint64_t *state)
{
    /* 53 random bits, shifted off 0 so the log is finite. */
    const double u1 = ((double)(rng_next(state) >> 11) + 0.5) * 0x1.0p-53;
    const double u2 = (double)(rng_next(state) >> 11) * 0x1.0p-53;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

bool activation_parse(const char *text, activation *act, char *err, size_t err_size)
{
    memset(act, 0, sizeof *act);
    if (strlen(text) >= sizeof act->name) {
        snprintf(err, err_size, "activation '%.40s...' is too long", text);
        return false;
    }
    strcpy(act->name, text);
    if (strcmp(text, "relu") == 0) {
        act->kind = ACT_RELU;
        return true;
    }
    if (strcmp(text, "leaky") == 0 || strncmp(text, "leaky:", 6) == 0) {
        act->kind = ACT_LEAKY;
        act->slope = LEAKY_DEFAULT_SLOPE;
        if (text[5] == ':') {
            char *end;
            const float slope = strtof(text + 6, &end);
            if (end == text + 6 || *end != '\0' || !isfinite(slope)) {
                snprintf(err, err_size,
                         "activation '%s': the slope after 'leaky:' must be a "
                         "finite number (such as leaky:0.01)",
                         text);
                return false;
            }
            act->slope = slope;
        }
        return true;
    }
    if (strcmp(text, "prelu") == 0 || strcmp(text, "prelu:shared") == 0) {
        act->kind = ACT_PRELU;
        act->slope = LEAKY_PRELU_DEFAULT_INIT;
        act->shared = text[5] == ':';
        return true;
    }
    if (strcmp(text, "rrelu") == 0 || strncmp(text, "rrelu:", 6) == 0) {
        act->kind = ACT_RRELU;
        act->lower = LEAKY_RRELU_DEFAULT_LOWER;
        act->upper = LEAKY_RRELU_DEFAULT_UPPER;
        if (text[5] == ':') {
            char *mid, *end = NULL;
            act->lower = strtof(text + 6, &mid);
            act->upper = *mid == ':' ? strtof(mid + 1, &end) : 0.0f;
            if (mid == text + 6 || *mid != ':' || end == mid + 1 || *end != '\0' ||
                !isfinite(act->lower) || !isfinite(act->upper) || act->lower > act->upper) {
                snprintf(err, err_size,
                         "activation '%s': expected rrelu:LOWER:UPPER with "
                         "finite LOWER <= UPPER (such as rrelu:0.125:0.333)",
                         text);
                return false;
            }
        }
        return true;
    }
    snprintf(err, err_size,
             "unknown activation '%s'; expected relu, leaky[:SLOPE], prelu, "
             "prelu:shared or rrelu[:LOWER:UPPER]",
             text);
    return false;
}

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
    net->param_count = count;
    net->params = calloc(count, sizeof(float));
    net->grads = calloc(count, sizeof(float));
    net->opt_m = calloc(count, sizeof(float));
    net->opt_v = calloc(count, sizeof(float));
    net->delta = malloc(max_batch * widest * sizeof(float));
    net->delta_prev = malloc(max_batch * widest * sizeof(float));
    bool ok =
        net->params && net->grads && net->opt_m && net->opt_v && net->delta && net->delta_prev;

    size_t at = 0;
    for (size_t l = 0; l < net->layers && ok; l++) {
        const size_t in = sizes[l], out = sizes[l + 1];
        net->w[l] = net->params + at;
        net->gw[l] = net->grads + at;
        at += out * in;
        net->b[l] = net->params + at;
        net->gb[l] = net->grads + at;
        at += out;
        if (net->n_slopes[l]) {
            net->slopes[l] = net->params + at;
            net->gslopes[l] = net->grads + at;
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
    free(net->params);
    free(net->grads);
    free(net->opt_m);
    free(net->opt_v);
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
    memset(net->opt_m, 0, net->param_count * sizeof(float));
    memset(net->opt_v, 0, net->param_count * sizeof(float));
}

/* Each layer's RReLU key: distinct per layer and per batch (the library hashes it). */
static uint64_t layer_seed(const mlp *net, size_t l)
{
    return net->noise_seed + (uint64_t)(l + 1) * 0x9e3779b97f4a7c15u;
}

/* a = f(z) for hidden layer l, rows x units. */
static leaky_status activate(const mlp *net, size_t l, const float *z, float *a, size_t rows,
                             mlp_mode mode)
{
    const size_t units = net->sizes[l + 1], n = rows * units;
    const activation *act = &net->act;
    switch (act->kind) {
    case ACT_RELU: return leaky_plain_relu_f32(z, a, n);
    case ACT_LEAKY: return leaky_relu_f32(z, a, n, act->slope);
    case ACT_PRELU:
        /* Units are the channels, rows the outer dimension (channels last). */
        return leaky_prelu_f32(z, a, rows, units, 1, net->slopes[l], net->n_slopes[l]);
    case ACT_RRELU:
        return mode == MLP_TRAIN ? leaky_rrelu_train_f32(z, a, n, act->lower, act->upper,
                                                         layer_seed(net, l), NULL)
                                 : leaky_rrelu_eval_f32(z, a, n, act->lower, act->upper);
    }
    return LEAKY_EINVAL;
}

/* delta = d loss / d z from d loss / d a, in place (the library allows dx == dy), and for
 * PReLU the slopes' gradient. */
static leaky_status activate_backward(mlp *net, size_t l, const float *z, float *delta, size_t rows)
{
    const size_t units = net->sizes[l + 1], n = rows * units;
    const activation *act = &net->act;
    switch (act->kind) {
    case ACT_RELU: return leaky_plain_relu_backward_f32(z, delta, delta, n);
    case ACT_LEAKY: return leaky_relu_backward_f32(z, delta, delta, n, act->slope);
    case ACT_PRELU:
        return leaky_prelu_backward_f32(z, delta, delta, net->gslopes[l], rows, units, 1,
                                        net->slopes[l], net->n_slopes[l]);
    case ACT_RRELU:
        return leaky_rrelu_backward_f32(z, delta, delta, n, act->lower, act->upper,
                                        layer_seed(net, l));
    }
    return LEAKY_EINVAL;
}

static void mark_alive(uint8_t *alive, const float *z, size_t rows, size_t units)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < units; j++)
            alive[j] |= z[r * units + j] > 0.0f;
}

static leaky_status forward(mlp *net, const float *x, size_t batch, mlp_mode mode)
{
    const float *in = x;
    for (size_t l = 0; l < net->layers; l++) {
        const size_t n_in = net->sizes[l], n_out = net->sizes[l + 1];
        float *z = net->z[l];
        /* z starts as the bias on every row and the product is added to it (beta = 1). */
        for (size_t r = 0; r < batch; r++)
            memcpy(z + r * n_out, net->b[l], n_out * sizeof(float));
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)batch, (int)n_out, (int)n_in,
                    1.0f, in, (int)n_in, net->w[l], (int)n_in, 1.0f, z, (int)n_out);
        if (l + 1 == net->layers)
            break;
        if (mode == MLP_TRAIN)
            mark_alive(net->alive[l], z, batch, n_out);
        const leaky_status st = activate(net, l, z, net->a[l], batch, mode);
        if (st != LEAKY_OK)
            return st;
        in = net->a[l];
    }
    return LEAKY_OK;
}

/* Softmax cross-entropy from the logits, in double. With grad, delta gets
 * d mean-loss / d logits = (softmax - onehot) / batch. */
static void softmax_loss(mlp *net, const uint8_t *labels, size_t batch, double *loss,
                         size_t *correct, bool grad)
{
    const size_t classes = net->sizes[net->layers];
    const float *logits = net->z[net->layers - 1];
    double total = 0.0;
    size_t right = 0;
    for (size_t r = 0; r < batch; r++) {
        const float *zr = logits + r * classes;
        size_t best = 0;
        for (size_t k = 1; k < classes; k++)
            if (zr[k] > zr[best])
                best = k;
        right += best == labels[r];
        const double max = zr[best];
        double sum = 0.0;
        for (size_t k = 0; k < classes; k++)
            sum += exp((double)zr[k] - max);
        total += log(sum) + max - (double)zr[labels[r]];
        if (grad)
            for (size_t k = 0; k < classes; k++)
                net->delta[r * classes + k] =
                    (float)((exp((double)zr[k] - max) / sum - (k == labels[r])) / (double)batch);
    }
    *loss = total / (double)batch;
    if (correct)
        *correct = right;
}

leaky_status mlp_loss(mlp *net, const float *x, const uint8_t *labels, size_t batch, mlp_mode mode,
                      double *loss, size_t *correct)
{
    if (batch == 0 || batch > net->max_batch)
        return LEAKY_EINVAL;
    const leaky_status st = forward(net, x, batch, mode);
    if (st == LEAKY_OK)
        softmax_loss(net, labels, batch, loss, correct, false);
    return st;
}

leaky_status mlp_loss_grad(mlp *net, const float *x, const uint8_t *labels, size_t batch,
                           double *loss)
{
    if (batch == 0 || batch > net->max_batch)
        return LEAKY_EINVAL;
    leaky_status st = forward(net, x, batch, MLP_TRAIN);
    if (st != LEAKY_OK)
        return st;
    softmax_loss(net, labels, batch, loss, NULL, true);
    for (size_t l = net->layers; l-- > 0;) {
        const size_t n_in = net->sizes[l], n_out = net->sizes[l + 1];
        const float *in = l ? net->a[l - 1] : x;
        /* gw = delta^T in;  gb = the column sums of delta, rows in order. */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n_out, (int)n_in, (int)batch,
                    1.0f, net->delta, (int)n_out, in, (int)n_in, 0.0f, net->gw[l], (int)n_in);
        memcpy(net->gb[l], net->delta, n_out * sizeof(float));
        for (size_t r = 1; r < batch; r++)
            for (size_t j = 0; j < n_out; j++)
                net->gb[l][j] += net->delta[r * n_out + j];
        if (l == 0)
            break;
        /* d loss / d a_prev = delta w, then through the activation to d loss / d z_prev. */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)batch, (int)n_in, (int)n_out,
                    1.0f, net->delta, (int)n_out, net->w[l], (int)n_in, 0.0f, net->delta_prev,
                    (int)n_in);
        st = activate_backward(net, l - 1, net->z[l - 1], net->delta_prev, batch);
        if (st != LEAKY_OK)
            return st;
        float *t = net->delta;
        net->delta = net->delta_prev;
        net->delta_prev = t;
    }
    return LEAKY_OK;
}

/* The loops over every parameter (the optimizers) and over every input pixel (the byte
 * conversion): with the baseline SSE2 alone, Adam's square root and two divisions per
 * parameter were a large part of an epoch (docs/EXPERIMENTS.md, 'Speed'). Each body is
 * written once, inlined into one function per instruction set whose target attribute
 * lets the compiler vectorise it with that set's registers, and the library's active path
 * (LEAKY_ISA, leaky_set_isa, else the best) picks which one runs, so every path can be
 * tested on one machine. Every lane does the same
 * IEEE operations in the same order as the scalar code (no FMA: -ffp-contract=off; sqrtf
 * and the divisions are correctly rounded everywhere), so the bits do not depend on it. */
struct adam_job {
    size_t n;
    float *p, *m, *v;
    const float *g;
    float b1, b2, eps, step, c2;
};

struct sgd_job {
    size_t n;
    float *p, *m;
    const float *g;
    float mu, lr;
};

struct bytes_job {
    size_t n;
    const uint8_t *src;
    float *dst;
    float scale, shift;
};

#define MLP_BODY static inline __attribute__((always_inline))

MLP_BODY void adam_body(const struct adam_job *j)
{
    float *restrict p = j->p, *restrict m = j->m, *restrict v = j->v;
    const float *restrict g = j->g;
    const float b1 = j->b1, b2 = j->b2, eps = j->eps, step = j->step, c2 = j->c2;
    /* Each value is loaded once and kept in a register: read back from memory after the
     * store, as the compiler did when it could not rule out aliasing, a 64-byte store
     * straddling two cache lines is not forwarded to the load, and the AVX-512 loop ran at
     * half the speed of the AVX2 one. */
    for (size_t i = 0; i < j->n; i++) {
        const float gi = g[i];
        const float mi = b1 * m[i] + (1.0f - b1) * gi;
        const float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= step * mi / (sqrtf(vi) / c2 + eps);
    }
}

MLP_BODY void sgd_body(const struct sgd_job *j)
{
    float *restrict p = j->p, *restrict m = j->m;
    const float *restrict g = j->g;
    const float mu = j->mu, lr = j->lr;
    for (size_t i = 0; i < j->n; i++) {
        const float mi = mu * m[i] + g[i];
        m[i] = mi;
        p[i] -= lr * mi;
    }
}

MLP_BODY void bytes_body(const struct bytes_job *j)
{
    const uint8_t *restrict src = j->src;
    float *restrict dst = j->dst;
    const float scale = j->scale, shift = j->shift;
    for (size_t i = 0; i < j->n; i++)
        dst[i] = (float)src[i] * scale + shift;
}

struct wide_loops {
    void (*adam)(const struct adam_job *);
    void (*sgd)(const struct sgd_job *);
    void (*bytes)(const struct bytes_job *);
};

/* The three loops compiled for one target (attr: its target attribute, or none). */
#define WIDE_LOOPS(name, attr)                                                  \
    attr static void adam_##name(const struct adam_job *j) { adam_body(j); }    \
    attr static void sgd_##name(const struct sgd_job *j) { sgd_body(j); }       \
    attr static void bytes_##name(const struct bytes_job *j) { bytes_body(j); } \
    static const struct wide_loops loops_##name = {adam_##name, sgd_##name, bytes_##name};

WIDE_LOOPS(base, )
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MLP_WIDE
WIDE_LOOPS(avx2, __attribute__((target("avx2"))))
WIDE_LOOPS(avx512, __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq"))))
#endif

/* The loops of the library's active path; the baseline ones when LEAKY_ISA is unusable
 * (the library's own calls report that). */
static const struct wide_loops *wide_loops(void)
{
    leaky_isa isa;
    if (leaky_isa_active(&isa) != LEAKY_OK)
        return &loops_base;
#ifdef MLP_WIDE
    if (isa == LEAKY_ISA_AVX512)
        return &loops_avx512;
    if (isa == LEAKY_ISA_AVX2)
        return &loops_avx2;
#endif
    return &loops_base;
}

void mlp_scale_bytes(const uint8_t *src, float *dst, size_t n, float scale, float shift)
{
    const struct bytes_job job = {.n = n, .src = src, .dst = dst, .scale = scale, .shift = shift};
    wide_loops()->bytes(&job);
}

void mlp_step(mlp *net, optimizer *opt)
{
    opt->steps++;
    if (opt->kind == OPT_SGD) {
        const struct sgd_job job = {.n = net->param_count,
                                    .p = net->params,
                                    .m = net->opt_m,
                                    .g = net->grads,
                                    .mu = opt->momentum,
                                    .lr = opt->lr};
        wide_loops()->sgd(&job);
        return;
    }
    /* Adam (Kingma and Ba 2015) in PyTorch's order of operations:
     * p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps). */
    const double t = (double)opt->steps;
    const struct adam_job job = {.n = net->param_count,
                                 .p = net->params,
                                 .m = net->opt_m,
                                 .v = net->opt_v,
                                 .g = net->grads,
                                 .b1 = opt->beta1,
                                 .b2 = opt->beta2,
                                 .eps = opt->eps,
                                 .step = (float)(opt->lr / (1.0 - pow(opt->beta1, t))),
                                 .c2 = (float)sqrt(1.0 - pow(opt->beta2, t))};
    wide_loops()->adam(&job);
}

bool mlp_params_finite(const mlp *net)
{
    for (size_t i = 0; i < net->param_count; i++)
        if (!isfinite(net->params[i]))
            return false;
    return true;
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
