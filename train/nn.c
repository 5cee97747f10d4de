/* SPDX-License-Identifier: MIT */
/* The models' shared parts: see nn.h. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

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

double rng_normal(uint64_t *state)
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

#define NN_BODY static inline __attribute__((always_inline))

NN_BODY void adam_body(const struct adam_job *j)
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

NN_BODY void sgd_body(const struct sgd_job *j)
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

NN_BODY void bytes_body(const struct bytes_job *j)
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
#define NN_WIDE
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
#ifdef NN_WIDE
    if (isa == LEAKY_ISA_AVX512)
        return &loops_avx512;
    if (isa == LEAKY_ISA_AVX2)
        return &loops_avx2;
#endif
    return &loops_base;
}

void nn_scale_bytes(const uint8_t *src, float *dst, size_t n, float scale, float shift)
{
    const struct bytes_job job = {.n = n, .src = src, .dst = dst, .scale = scale, .shift = shift};
    wide_loops()->bytes(&job);
}

void nn_step(nn_params *params, optimizer *opt)
{
    opt->steps++;
    if (opt->kind == OPT_SGD) {
        const struct sgd_job job = {.n = params->count,
                                    .p = params->p,
                                    .m = params->m,
                                    .g = params->g,
                                    .mu = opt->momentum,
                                    .lr = opt->lr};
        wide_loops()->sgd(&job);
        return;
    }
    /* Adam (Kingma and Ba 2015) in PyTorch's order of operations:
     * p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps). */
    const double t = (double)opt->steps;
    const struct adam_job job = {.n = params->count,
                                 .p = params->p,
                                 .m = params->m,
                                 .v = params->v,
                                 .g = params->g,
                                 .b1 = opt->beta1,
                                 .b2 = opt->beta2,
                                 .eps = opt->eps,
                                 .step = (float)(opt->lr / (1.0 - pow(opt->beta1, t))),
                                 .c2 = (float)sqrt(1.0 - pow(opt->beta2, t))};
    wide_loops()->adam(&job);
}

bool nn_params_alloc(nn_params *params, size_t count)
{
    params->count = count;
    params->p = calloc(count, sizeof(float));
    params->g = calloc(count, sizeof(float));
    params->m = calloc(count, sizeof(float));
    params->v = calloc(count, sizeof(float));
    if (params->p && params->g && params->m && params->v)
        return true;
    nn_params_free(params);
    return false;
}

void nn_params_free(nn_params *params)
{
    free(params->p);
    free(params->g);
    free(params->m);
    free(params->v);
    memset(params, 0, sizeof *params);
}

bool nn_params_finite(const nn_params *params)
{
    for (size_t i = 0; i < params->count; i++)
        if (!isfinite(params->p[i]))
            return false;
    return true;
}

/* ------------------------------------------------------------ bias + activation */

static void mark_alive(uint8_t *alive, const float *x, const float *bias, size_t outer,
                       size_t channels, size_t inner, bool add_bias)
{
    for (size_t o = 0; o < outer; o++)
        for (size_t c = 0; c < channels; c++) {
            const float *xc = x + (o * channels + c) * inner;
            const float b = add_bias ? bias[c] : 0.0f;
            uint8_t fired = 0;
            for (size_t i = 0; i < inner; i++)
                fired |= xc[i] + b > 0.0f;
            alive[c] |= fired;
        }
}

leaky_status nn_bias_act(const nn_act_layer *layer, float *x, float *y, nn_mode mode,
                         uint8_t *alive)
{
    const activation *act = layer->act;
    const size_t outer = layer->outer, channels = layer->channels, inner = layer->inner;
    const size_t n = outer * channels * inner;
    if (act->kind == ACT_RRELU)
        for (size_t o = 0; o < outer; o++)
            for (size_t c = 0; c < channels; c++) {
                float *xc = x + (o * channels + c) * inner;
                for (size_t i = 0; i < inner; i++)
                    xc[i] += layer->bias[c];
            }
    if (alive && mode == NN_TRAIN)
        mark_alive(alive, x, layer->bias, outer, channels, inner, act->kind != ACT_RRELU);
    switch (act->kind) {
    case ACT_RELU: return leaky_bias_relu_f32(x, layer->bias, y, outer, channels, inner);
    case ACT_LEAKY:
        return leaky_bias_leaky_relu_f32(x, layer->bias, y, outer, channels, inner, act->slope);
    case ACT_PRELU:
        return leaky_bias_prelu_f32(x, layer->bias, y, outer, channels, inner, layer->slopes,
                                    layer->n_slopes);
    case ACT_RRELU:
        return mode == NN_TRAIN ? leaky_rrelu_train_at_f32(x, y, n, layer->first, act->lower,
                                                           act->upper, layer->seed, NULL)
                                : leaky_rrelu_eval_f32(x, y, n, act->lower, act->upper);
    }
    return LEAKY_EINVAL;
}

leaky_status nn_bias_act_backward(const nn_act_layer *layer, const float *x, float *dy,
                                  float *dbias, float *dslopes)
{
    const activation *act = layer->act;
    const size_t outer = layer->outer, channels = layer->channels, inner = layer->inner;
    switch (act->kind) {
    case ACT_RELU:
        return leaky_bias_relu_backward_f32(x, layer->bias, dy, dy, dbias, outer, channels, inner);
    case ACT_LEAKY:
        return leaky_bias_leaky_relu_backward_f32(x, layer->bias, dy, dy, dbias, outer, channels,
                                                  inner, act->slope);
    case ACT_PRELU:
        return leaky_bias_prelu_backward_f32(x, layer->bias, dy, dy, dbias, dslopes, outer,
                                             channels, inner, layer->slopes, layer->n_slopes);
    case ACT_RRELU: break;
    }
    const leaky_status st = leaky_rrelu_backward_at_f32(
        x, dy, dy, outer * channels * inner, layer->first, act->lower, act->upper, layer->seed);
    if (st != LEAKY_OK)
        return st;
    /* The bias gradient as the library sums it: in double, in a fixed order. */
    for (size_t c = 0; c < channels; c++) {
        double sum = 0.0;
        for (size_t o = 0; o < outer; o++) {
            const float *d = dy + (o * channels + c) * inner;
            for (size_t i = 0; i < inner; i++)
                sum += d[i];
        }
        dbias[c] = (float)sum;
    }
    return LEAKY_OK;
}

void nn_dense_forward(const float *in, const float *w, const float *b, float *out, size_t rows,
                      size_t n_in, size_t n_out)
{
    for (size_t r = 0; b && r < rows; r++)
        memcpy(out + r * n_out, b, n_out * sizeof(float));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)n_out, (int)n_in, 1.0f, in,
                (int)n_in, w, (int)n_in, b ? 1.0f : 0.0f, out, (int)n_out);
}

void nn_dense_backward(const float *in, const float *w, const float *delta, float *gw, float *gb,
                       float *din, size_t rows, size_t n_in, size_t n_out)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n_out, (int)n_in, (int)rows, 1.0f,
                delta, (int)n_out, in, (int)n_in, 0.0f, gw, (int)n_in);
    if (gb) {
        memcpy(gb, delta, n_out * sizeof(float));
        for (size_t r = 1; r < rows; r++)
            for (size_t j = 0; j < n_out; j++)
                gb[j] += delta[r * n_out + j];
    }
    if (din)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)n_in, (int)n_out,
                    1.0f, delta, (int)n_out, w, (int)n_in, 0.0f, din, (int)n_in);
}

double nn_softmax_loss(const float *logits, const class_label *labels, size_t batch, size_t classes,
                       float *delta, size_t *correct)
{
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
        if (delta)
            for (size_t k = 0; k < classes; k++)
                delta[r * classes + k] =
                    (float)((exp((double)zr[k] - max) / sum - (k == labels[r])) / (double)batch);
    }
    if (correct)
        *correct = right;
    return total / (double)batch;
}
