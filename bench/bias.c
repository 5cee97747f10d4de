/* SPDX-License-Identifier: MIT */
/* Bias + activation in leaky bench: leaky_bias_leaky_relu_f32 (forward, and backward with
 * dbias) on the engine's arrays seen as 64 channels, NCHW with maps of 7x7 and 56x56 and
 * channels last, beside what it replaces: two passes (a compiled bias-add loop, then
 * leaky_relu_f32 in place) and, backward, the unfused pair (leaky_relu_backward_f32, then
 * a compiled per-channel sum).  The compiled loops split over the case's threads as the
 * library does.  Baselines, not peers of leaky_relu_f32: the goals name them. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "leaky.h"

enum { CHANNELS = 64, THREADS_MAX = 64 };

/* The layouts: NCHW with maps of 7x7 and 56x56, channels last (impls below, in order). */
static const struct layout {
    size_t inner; /* 1: channels last */
} layouts[] = {{49}, {3136}, {1}};

/* A case's shape: n elements as outer x 64 x inner (the last partial row left out). */
struct shape {
    size_t outer, inner, n;
};
static struct shape shape_of(const struct layout *l, size_t n)
{
    const size_t outer = n / (CHANNELS * l->inner);
    return (struct shape){outer, l->inner, outer * CHANNELS * l->inner};
}

static bool supports(const struct layout *l, const struct bench_case *c)
{
    return !c->in_place && c->n >= CHANNELS * l->inner;
}

static float bias[CHANNELS];

/* The compiled loops, over rows [begin, end) of the outer dimension. */
struct job {
    const struct shape *s;
    const float *x;
    float *y;
    double sums[THREADS_MAX][CHANNELS]; /* backward: each thread's per-channel sums */
    bool backward;
};
struct part {
    struct job *job;
    size_t begin, end, index;
};

static void *run_part(void *arg)
{
    const struct part *p = arg;
    const struct job *j = p->job;
    const size_t inner = j->s->inner, row = CHANNELS * inner;
    if (!j->backward) {
        for (size_t o = p->begin; o < p->end; o++)
            for (size_t c = 0; c < CHANNELS; c++) {
                const float b = bias[c];
                const float *x = j->x + o * row + c * inner;
                float *y = j->y + o * row + c * inner;
                for (size_t i = 0; i < inner; i++)
                    y[i] = x[i] + b;
            }
        return NULL;
    }
    double *sums = p->job->sums[p->index];
    if (inner == 1) {
        /* Channels last: a float row of sums the compiler vectorises, added into double
         * every 64 rows. */
        float acc[CHANNELS] = {0};
        for (size_t o = p->begin; o < p->end; o++) {
            const float *d = j->x + o * row;
            for (size_t c = 0; c < CHANNELS; c++)
                acc[c] += d[c];
            if ((o - p->begin) % 64 == 63 || o + 1 == p->end)
                for (size_t c = 0; c < CHANNELS; c++)
                    sums[c] += acc[c], acc[c] = 0;
        }
        return NULL;
    }
    for (size_t o = p->begin; o < p->end; o++)
        for (size_t c = 0; c < CHANNELS; c++) {
            /* Eight float lanes, then double: a loop the compiler keeps in registers. */
            const float *d = j->x + o * row + c * inner;
            float lane[8] = {0};
            size_t i = 0;
            for (; i + 8 <= inner; i += 8)
                for (int k = 0; k < 8; k++)
                    lane[k] += d[i + k];
            double s = 0;
            for (int k = 0; k < 8; k++)
                s += lane[k];
            for (; i < inner; i++)
                s += d[i];
            sums[c] += s;
        }
    return NULL;
}

static bool split(struct job *j, size_t threads)
{
    threads = threads < THREADS_MAX ? threads : THREADS_MAX;
    threads = threads < j->s->outer ? threads : j->s->outer ? j->s->outer : 1;
    struct part parts[THREADS_MAX];
    pthread_t ids[THREADS_MAX];
    memset(j->sums, 0, sizeof j->sums);
    for (size_t t = 0; t < threads; t++)
        parts[t] = (struct part){j, j->s->outer * t / threads, j->s->outer * (t + 1) / threads, t};
    bool ok = true;
    size_t started = 1;
    for (size_t t = 1; t < threads; t++, started++)
        if (pthread_create(&ids[t], NULL, run_part, &parts[t]) != 0) {
            ok = false;
            break;
        }
    run_part(&parts[0]);
    for (size_t t = 1; t < started; t++)
        pthread_join(ids[t], NULL);
    return ok;
}

static double fused_time(const struct layout *l, const struct bench_case *c, size_t calls)
{
    const struct shape s = shape_of(l, c->n);
    float dbias[CHANNELS];
    leaky_set_num_threads(c->threads);
    leaky_status st = LEAKY_OK;
    const double t0 = bench_now_ns();
    if (c->op == BENCH_FORWARD)
        for (size_t i = 0; i < calls; i++)
            st |= leaky_bias_leaky_relu_f32(c->x, bias, c->y, s.outer, CHANNELS, s.inner, c->slope);
    else
        for (size_t i = 0; i < calls; i++)
            st |= leaky_bias_leaky_relu_backward_f32(c->x, bias, c->g, c->y, dbias, s.outer,
                                                     CHANNELS, s.inner, c->slope);
    const double t = bench_now_ns() - t0;
    return st == LEAKY_OK ? t : NAN;
}

static double unfused_time(const struct layout *l, const struct bench_case *c, size_t calls)
{
    const struct shape s = shape_of(l, c->n);
    static struct job j;
    float dbias[CHANNELS];
    leaky_set_num_threads(c->threads);
    bool ok = true;
    leaky_status st = LEAKY_OK;
    const double t0 = bench_now_ns();
    for (size_t i = 0; i < calls; i++) {
        if (c->op == BENCH_FORWARD) {
            j = (struct job){.s = &s, .x = c->x, .y = c->y};
            ok &= split(&j, c->threads);
            st |= leaky_relu_f32(c->y, c->y, s.n, c->slope);
        } else {
            /* x stands for z, the forward's saved pre-activation. */
            st |= leaky_relu_backward_f32(c->x, c->g, c->y, s.n, c->slope);
            j = (struct job){.s = &s, .x = c->y, .backward = true};
            ok &= split(&j, c->threads);
            for (size_t ch = 0; ch < CHANNELS; ch++) {
                double total = 0;
                for (size_t t = 0; t < c->threads && t < THREADS_MAX; t++)
                    total += j.sums[t][ch];
                dbias[ch] = (float)total;
            }
            __asm__ volatile("" ::"r"(dbias) : "memory");
        }
    }
    const double t = bench_now_ns() - t0;
    return ok && st == LEAKY_OK ? t : NAN;
}

static bool bias_setup(const struct bench_case *c, void **state)
{
    *state = NULL;
    for (int k = 0; k < CHANNELS; k++)
        bias[k] = 0.03125f * (float)(k - CHANNELS / 2);
    return leaky_set_num_threads(c->threads) == LEAKY_OK;
}
static void bias_release(void *state) { (void)state; }

#define BIAS_LAYOUT(k)                                                                        \
    static bool supports_##k(const struct bench_case *c) { return supports(&layouts[k], c); } \
    static double fused_##k(void *state, const struct bench_case *c, size_t calls)            \
    {                                                                                         \
        (void)state;                                                                          \
        return fused_time(&layouts[k], c, calls);                                             \
    }                                                                                         \
    static double unfused_##k(void *state, const struct bench_case *c, size_t calls)          \
    {                                                                                         \
        (void)state;                                                                          \
        return unfused_time(&layouts[k], c, calls);                                           \
    }
BIAS_LAYOUT(0)
BIAS_LAYOUT(1)
BIAS_LAYOUT(2)
#undef BIAS_LAYOUT

static const struct bench_impl impls[] = {
    {"bias7x7", true, supports_0, bias_setup, fused_0, bias_release},
    {"unf7x7", true, supports_0, bias_setup, unfused_0, bias_release},
    {"bias56", true, supports_1, bias_setup, fused_1, bias_release},
    {"unf56", true, supports_1, bias_setup, unfused_1, bias_release},
    {"biasCL", true, supports_2, bias_setup, fused_2, bias_release},
    {"unfCL", true, supports_2, bias_setup, unfused_2, bias_release},
};

const struct bench_impl *bench_bias_impls(size_t *count)
{
    *count = sizeof impls / sizeof impls[0];
    return impls;
}
