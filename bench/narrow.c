/* SPDX-License-Identifier: MIT */
/* leaky-bench-narrow: Leaky ReLU on float16, bfloat16, qs8 and qu8 against XNNPACK's f16
 * and qu8 operators (Debian's 2022 XNNPACK has no qs8 or bf16 leaky ReLU: those rows are
 * compared with memcpy of the same bytes and with leaky's float32), one thread.
 *
 *   leaky-bench-narrow [--reps N] [SIZE...]      (default sizes 65536 16777216)
 *
 * Each row times A (leaky) and B (the peer) alternately, N times each, and prints the
 * medians and minimums in ns per element, GB/s (bytes read + written) and B/A, the
 * peer's time over leaky's (above 1: leaky is faster). It also counts the elements
 * where the peer's results differ from leaky's. The machine may be noisy: compare only
 * the ratios within one run. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xnnpack.h>

#include "leaky.h"
#include "../tests/lib/mix.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int compare_doubles(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct runner {
    const char *name;
    void (*run)(void *ctx);
    void *ctx;
};

/* Seconds per call of r, timed over calls repetitions (enough to last about 1 ms). */
static double time_once(const struct runner *r, int calls)
{
    const double start = now();
    for (int i = 0; i < calls; i++)
        r->run(r->ctx);
    return (now() - start) / calls;
}

struct row_result {
    double median[2], min[2];
};

static struct row_result time_pair(const struct runner *a, const struct runner *b, size_t n,
                                   int reps)
{
    const int calls = n < (1u << 20) ? (int)((1u << 22) / n) : 1;
    double *times[2] = {malloc(sizeof(double) * (size_t)reps),
                        malloc(sizeof(double) * (size_t)reps)};
    time_once(a, calls); /* warm up: page faults, caches, the dispatch */
    time_once(b, calls);
    for (int i = 0; i < reps; i++) {
        times[0][i] = time_once(a, calls);
        times[1][i] = time_once(b, calls);
    }
    struct row_result r;
    for (int k = 0; k < 2; k++) {
        qsort(times[k], (size_t)reps, sizeof(double), compare_doubles);
        r.median[k] = times[k][reps / 2];
        r.min[k] = times[k][0];
        free(times[k]);
    }
    return r;
}

static void print_row(const char *what, size_t n, size_t bytes_per_element, const struct runner *a,
                      const struct runner *b, int reps, const char *note)
{
    const struct row_result r = time_pair(a, b, n, reps);
    const struct runner *rs[2] = {a, b};
    for (int k = 0; k < 2; k++)
        printf("%-6s %9zu  %-22s median %7.4f ns/elt  min %7.4f ns/elt  %6.1f GB/s\n", what, n,
               rs[k]->name, 1e9 * r.median[k] / (double)n, 1e9 * r.min[k] / (double)n,
               (double)(n * bytes_per_element) / r.median[k] * 1e-9);
    printf("%-6s %9zu  B/A = %.2f (medians), %.2f (minimums)%s%s\n\n", what, n,
           r.median[1] / r.median[0], r.min[1] / r.min[0], note ? "; " : "", note ? note : "");
}

/* ------------------------------------------------------------ the cases */

static const float slope = 0.01f;

struct half_ctx {
    const uint16_t *x;
    uint16_t *y;
    size_t n;
    xnn_operator_t op;
};

static void run_leaky_f16(void *c)
{
    struct half_ctx *h = c;
    leaky_relu_f16(h->x, h->y, h->n, slope);
}
static void run_leaky_bf16(void *c)
{
    struct half_ctx *h = c;
    leaky_relu_bf16(h->x, h->y, h->n, slope);
}
static void run_xnn(void *c)
{
    struct half_ctx *h = c;
    xnn_run_operator(h->op, NULL);
}
static void run_memcpy2(void *c)
{
    struct half_ctx *h = c;
    memcpy(h->y, h->x, h->n * 2);
}

struct f32_ctx {
    const float *x;
    float *y;
    size_t n;
};
static void run_leaky_f32(void *c)
{
    struct f32_ctx *f = c;
    leaky_relu_f32(f->x, f->y, f->n, slope);
}

struct q8_ctx {
    const uint8_t *x;
    uint8_t *y;
    size_t n;
    leaky_qs8_params *qs8;
    leaky_qu8_params *qu8;
    xnn_operator_t op;
};
static void run_leaky_qs8(void *c)
{
    struct q8_ctx *q = c;
    leaky_relu_qs8((const int8_t *)q->x, (int8_t *)q->y, q->n, q->qs8);
}
static void run_leaky_qu8(void *c)
{
    struct q8_ctx *q = c;
    leaky_relu_qu8(q->x, q->y, q->n, q->qu8);
}
static void run_xnn_q8(void *c)
{
    struct q8_ctx *q = c;
    xnn_run_operator(q->op, NULL);
}
static void run_memcpy1(void *c)
{
    struct q8_ctx *q = c;
    memcpy(q->y, q->x, q->n);
}

static int bench_size(size_t n, int reps)
{
    uint16_t *x16 = malloc(n * 2), *y16 = malloc(n * 2), *z16 = malloc(n * 2);
    float *x32 = malloc(n * 4), *y32 = malloc(n * 4);
    uint8_t *x8 = malloc(n), *y8 = malloc(n), *z8 = malloc(n);
    if (!x16 || !y16 || !z16 || !x32 || !y32 || !x8 || !y8 || !z8) {
        fprintf(stderr, "leaky-bench-narrow: out of memory for %zu elements\n", n);
        return 1;
    }
    /* Normal-distributed-ish values in [-4, 4): half negative, as activations are. */
    for (size_t i = 0; i < n; i++) {
        const float v = ((float)(mix((uint32_t)i) >> 8) / 16777216.0f - 0.5f) * 8.0f;
        x32[i] = v;
        x16[i] = leaky_narrow_f16(v);
        x8[i] = (uint8_t)mix((uint32_t)i * 7u);
    }
    memset(y16, 0, n * 2);
    memset(z16, 0, n * 2);
    memset(y32, 0, n * 4);
    memset(y8, 0, n);
    memset(z8, 0, n);

    /* float16 against XNNPACK. */
    struct half_ctx a = {x16, y16, n, NULL}, b = {x16, z16, n, NULL};
    if (xnn_create_leaky_relu_nc_f16(1, 1, 1, slope, 0, &b.op) != xnn_status_success ||
        xnn_setup_leaky_relu_nc_f16(b.op, n, x16, z16, NULL) != xnn_status_success) {
        fprintf(stderr, "leaky-bench-narrow: XNNPACK's f16 leaky ReLU cannot be set up\n");
        return 1;
    }
    run_leaky_f16(&a);
    run_xnn(&b);
    size_t differ = 0;
    for (size_t i = 0; i < n; i++)
        differ += y16[i] != z16[i];
    /* XNNPACK keeps the slope as a float16: with the slope rounded so, do they agree? */
    leaky_relu_f16(x16, y16, n, leaky_widen_f16(leaky_narrow_f16(slope)));
    size_t differ_rounded = 0;
    for (size_t i = 0; i < n; i++)
        differ_rounded += y16[i] != z16[i];
    char note[200];
    snprintf(note, sizeof note,
             "XNNPACK's results differ from leaky's in %zu of %zu (in %zu "
             "with leaky's slope rounded to float16 as XNNPACK's)",
             differ, n, differ_rounded);
    print_row("f16", n, 4, &(struct runner){"leaky_relu_f16", run_leaky_f16, &a},
              &(struct runner){"xnn leaky_relu_nc_f16", run_xnn, &b}, reps, note);
    xnn_delete_operator(b.op);

    /* bfloat16: no peer in XNNPACK 2022; memcpy of the same bytes and leaky's float32. */
    for (size_t i = 0; i < n; i++)
        x16[i] = leaky_narrow_bf16(x32[i]);
    struct f32_ctx f = {x32, y32, n};
    print_row("bf16", n, 4, &(struct runner){"leaky_relu_bf16", run_leaky_bf16, &a},
              &(struct runner){"memcpy (same bytes)", run_memcpy2, &b}, reps, NULL);
    print_row("bf16", n, 4, &(struct runner){"leaky_relu_bf16", run_leaky_bf16, &a},
              &(struct runner){"leaky_relu_f32", run_leaky_f32, &f}, reps,
              "B moves twice the bytes");

    /* qu8 against XNNPACK: input 0.05 * (q - 128), output 0.025 * (q - 100). */
    leaky_qu8_params pu;
    leaky_qs8_params ps;
    if (leaky_qu8_params_init(&pu, 0.05f, 128, 0.025f, 100, slope) != LEAKY_OK ||
        leaky_qs8_params_init(&ps, 0.05f, 0, 0.025f, -28, slope) != LEAKY_OK) {
        fprintf(stderr, "leaky-bench-narrow: %s\n", leaky_last_error());
        return 1;
    }
    struct q8_ctx qa = {x8, y8, n, &ps, &pu, NULL}, qb = {x8, z8, n, NULL, NULL, NULL};
    if (xnn_create_leaky_relu_nc_qu8(1, 1, 1, slope, 128, 0.05f, 100, 0.025f, 0, 255, 0, &qb.op) !=
            xnn_status_success ||
        xnn_setup_leaky_relu_nc_qu8(qb.op, n, x8, z8, NULL) != xnn_status_success) {
        fprintf(stderr, "leaky-bench-narrow: XNNPACK's qu8 leaky ReLU cannot be set up\n");
        return 1;
    }
    run_leaky_qu8(&qa);
    run_xnn_q8(&qb);
    differ = 0;
    for (size_t i = 0; i < n; i++)
        differ += y8[i] != z8[i];
    snprintf(note, sizeof note, "XNNPACK's results differ from the exact ones in %zu of %zu",
             differ, n);
    print_row("qu8", n, 2, &(struct runner){"leaky_relu_qu8", run_leaky_qu8, &qa},
              &(struct runner){"xnn leaky_relu_nc_qu8", run_xnn_q8, &qb}, reps, note);
    xnn_delete_operator(qb.op);

    /* qs8: no peer in XNNPACK 2022. */
    print_row("qs8", n, 2, &(struct runner){"leaky_relu_qs8", run_leaky_qs8, &qa},
              &(struct runner){"memcpy (same bytes)", run_memcpy1, &qb}, reps, NULL);

    free(x16), free(y16), free(z16), free(x32), free(y32), free(x8), free(y8), free(z8);
    return 0;
}

/* How often XNNPACK's qu8 operator differs from the exactly rounded result: all 256 inputs
 * for random parameter sets (scale ratios 2^-8 to 2^8 within XNNPACK's accepted range,
 * zero points anywhere, slopes in [-1, 1]). */
static void survey_qu8(void)
{
    uint8_t x[256], got[256];
    for (int i = 0; i < 256; i++)
        x[i] = (uint8_t)i;
    unsigned long long sets = 0, differ = 0, worst = 0, refused = 0;
    for (uint32_t s = 0; s < 2000; s++) {
        const float out_scale = exp2f((float)(mix(s * 4 + 0) % 1000) / 100.0f - 5.0f);
        const float in_scale = out_scale * exp2f((float)(mix(s * 4 + 1) % 1600) / 100.0f - 8.0f);
        const int in_zp = (int)(mix(s * 4 + 2) % 256), out_zp = (int)(mix(s * 4 + 3) % 256);
        const float a = (float)(mix(s * 5 + 7) % 2001) / 1000.0f - 1.0f;
        leaky_qu8_params p;
        xnn_operator_t op = NULL;
        if (leaky_qu8_params_init(&p, in_scale, in_zp, out_scale, out_zp, a) != LEAKY_OK)
            continue;
        if (xnn_create_leaky_relu_nc_qu8(1, 1, 1, a, (uint8_t)in_zp, in_scale, (uint8_t)out_zp,
                                         out_scale, 0, 255, 0, &op) != xnn_status_success ||
            xnn_setup_leaky_relu_nc_qu8(op, 256, x, got, NULL) != xnn_status_success ||
            xnn_run_operator(op, NULL) != xnn_status_success) {
            refused++;
            xnn_delete_operator(op);
            continue;
        }
        xnn_delete_operator(op);
        sets++;
        for (int i = 0; i < 256; i++) {
            const unsigned d = (unsigned)abs((int)got[i] - (int)p.table[i]);
            differ += d != 0;
            worst = d > worst ? d : worst;
        }
    }
    printf("qu8 exactness: XNNPACK differs from the exactly rounded result in %llu of %llu "
           "outputs (%llu parameter sets x 256 inputs; largest difference %llu; %llu sets "
           "refused by XNNPACK)\n\n",
           differ, sets * 256, sets, worst, refused);
}

int main(int argc, char **argv)
{
    int reps = 21, first = 1;
    if (argc >= 3 && strcmp(argv[1], "--reps") == 0) {
        reps = atoi(argv[2]);
        first = 3;
        if (reps < 1) {
            fprintf(stderr, "leaky-bench-narrow: --reps %s: expected a positive count\n", argv[2]);
            return 2;
        }
    }
    if (xnn_initialize(NULL) != xnn_status_success) {
        fprintf(stderr, "leaky-bench-narrow: XNNPACK does not initialise on this CPU\n");
        return 1;
    }
    leaky_isa isa = LEAKY_ISA_SCALAR;
    if (leaky_isa_active(&isa) != LEAKY_OK) {
        fprintf(stderr, "leaky-bench-narrow: %s\n", leaky_last_error());
        return 1;
    }
    printf("leaky %s on %s, 1 thread, %d alternating repetitions per row, slope %g\n\n",
           LEAKY_VERSION_STRING, leaky_isa_name(isa), reps, (double)slope);
    survey_qu8();
    const size_t defaults[] = {65536, 16777216};
    if (first >= argc) {
        for (size_t i = 0; i < 2; i++)
            if (bench_size(defaults[i], reps))
                return 1;
        return 0;
    }
    for (int i = first; i < argc; i++) {
        char *end;
        const unsigned long long n = strtoull(argv[i], &end, 10);
        if (*end || n == 0) {
            fprintf(stderr, "leaky-bench-narrow: size '%s': expected a positive count\n", argv[i]);
            return 2;
        }
        if (bench_size((size_t)n, reps))
            return 1;
    }
    return 0;
}
