/* SPDX-License-Identifier: MIT */
/* Times PReLU forward on float16 and bfloat16 against Leaky ReLU on the same arrays (the
 * same bytes: the floor), and against the same result computed through float32 blocks
 * (widen 4K elements into a buffer, leaky_prelu_f32, narrow back: the design this one
 * replaced).  Not a test (no timing is asserted anywhere); run it by hand, on one thread:
 *     build/bench/time_half_prelu [REPS]
 * Each case alternates the calls and reports medians and minimums, ns per element. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leaky.h"
#include "time_util.h"

enum { CHANNELS = 64, BLOCK = 4096, CALLS = 4 };

struct type {
    const char *name;
    leaky_status (*prelu)(const uint16_t *, uint16_t *, size_t, size_t, size_t, const float *,
                          size_t);
    leaky_status (*relu)(const uint16_t *, uint16_t *, size_t, float);
    leaky_status (*widen)(const uint16_t *, float *, size_t);
    leaky_status (*narrow)(const float *, uint16_t *, size_t);
};

/* Channels last through float32 blocks of whole rows. */
static void through_f32(const struct type *t, const uint16_t *x, uint16_t *y, size_t rows,
                        const float *w)
{
    float buf[BLOCK];
    const size_t per = BLOCK / CHANNELS;
    for (size_t r = 0; r < rows; r += per) {
        const size_t m = rows - r < per ? rows - r : per, n = m * CHANNELS;
        t->widen(x + r * CHANNELS, buf, n);
        leaky_prelu_f32(buf, buf, m, CHANNELS, 1, w, CHANNELS);
        t->narrow(buf, y + r * CHANNELS, n);
    }
}

int main(int argc, char **argv)
{
    const int reps = argc > 1 && atoi(argv[1]) > 0 ? atoi(argv[1]) : 31;
    static const struct type types[] = {
        {"f16", leaky_prelu_f16, leaky_relu_f16, leaky_widen_array_f16, leaky_narrow_array_f16},
        {"bf16", leaky_prelu_bf16, leaky_relu_bf16, leaky_widen_array_bf16,
         leaky_narrow_array_bf16},
    };
    static const char *const names[CALLS] = {"prelu, channels last, 64 slopes",
                                             "prelu, one shared slope", "leaky_relu (floor)",
                                             "through float32 blocks"};
    static const size_t sizes[] = {1 << 16, 1 << 24};
    leaky_set_num_threads(1);
    leaky_isa isa = LEAKY_ISA_SCALAR;
    leaky_isa_active(&isa);
    printf("path %s, 1 thread, %d runs each, ns per element: median (minimum)\n",
           leaky_isa_name(isa), reps);
    float w[CHANNELS];
    for (int k = 0; k < CHANNELS; k++)
        w[k] = 0.01f * (float)(k + 1);
    double *t = malloc(CALLS * (size_t)reps * sizeof *t);
    for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++) {
        const struct type *ty = &types[ti];
        for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
            const size_t n = sizes[si], rows = n / CHANNELS;
            uint16_t *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
            if (!t || !x || !y)
                return 1;
            for (size_t i = 0; i < n; i++)
                x[i] = (uint16_t)((i * 2654435761u) >> 16);
            memset(y, 0, n * sizeof *y); /* every page touched before timing */
            for (int r = 0; r < reps; r++) {
                for (int c = 0; c < CALLS; c++) {
                    const double t0 = now();
                    if (c == 0)
                        ty->prelu(x, y, rows, CHANNELS, 1, w, CHANNELS);
                    else if (c == 1)
                        ty->prelu(x, y, 1, 1, n, w, 1);
                    else if (c == 2)
                        ty->relu(x, y, n, w[0]);
                    else
                        through_f32(ty, x, y, rows, w);
                    t[c * reps + r] = now() - t0;
                }
            }
            for (int c = 0; c < CALLS; c++) {
                double *tc = t + c * reps;
                qsort(tc, (size_t)reps, sizeof *tc, compare);
                printf("%-5s %9zu  %-34s %7.3f (%.3f)\n", ty->name, n, names[c],
                       tc[reps / 2] / (double)n * 1e9, tc[0] / (double)n * 1e9);
            }
            free(x);
            free(y);
        }
    }
    free(t);
    return 0;
}
