/* SPDX-License-Identifier: MIT */
/* Times PReLU forward against its backward (dx and the slope gradient together), the
 * ratio that `leaky bench`'s goals keep under 2 at 1M elements and up, and for scale
 * Leaky ReLU's backward (dx alone, the same 12 bytes per element) against its forward.
 * Not a test (no timing is asserted anywhere); run it by hand:  build/bench/time_prelu [REPS]
 * Each case alternates the four calls and reports the medians. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leaky.h"
#include "time_util.h"

int main(int argc, char **argv)
{
    const int reps = argc > 1 ? atoi(argv[1]) : 21;
    static const struct {
        const char *layout;
        size_t outer, channels, inner, num_slopes;
    } cases[] = {
        {"NCHW 16x64x32x32", 16, 64, 1024, 64},
        {"NHWC 16x32x32x64", 16384, 64, 1, 64},
        {"shared, 1M", 1, 1, 1 << 20, 1},
        {"NCHW 16x64x128x128", 16, 64, 16384, 64},
        {"NHWC 16x128x128x64", 262144, 64, 1, 64},
        {"NCHW 64x64x64x64", 64, 64, 4096, 64},
        /* Small maps: each channel's run is short (many runs to a kernel call). */
        {"NCHW 334x64x7x7", 334, 64, 49, 64},
        {"NCHW 256x64x8x8", 256, 64, 64, 64},
        {"NCHW 84x64x14x14", 84, 64, 196, 64},
        /* Over 20 MiB read and written, the outputs streamed: small and middling maps. */
        {"NCHW 2048x64x7x7", 2048, 64, 49, 64},
        {"NCHW 1024x64x9x9", 1024, 64, 81, 64},
        {"NCHW 256x64x17x17", 256, 64, 289, 64},
        {"NCHW 64x64x32x32", 64, 64, 1024, 64},
        {"NHWC 65536x64", 65536, 64, 1, 64},
    };
    double *tf = malloc((size_t)reps * sizeof *tf), *tb = malloc((size_t)reps * sizeof *tb);
    double *lf = malloc((size_t)reps * sizeof *lf), *lb = malloc((size_t)reps * sizeof *lb);
    leaky_isa isa = LEAKY_ISA_SCALAR;
    leaky_isa_active(&isa);
    printf("path %s, %d runs each, median ms\n%-22s %10s %9s %12s %7s %11s %14s\n",
           leaky_isa_name(isa), reps, "case", "elements", "forward", "backward+dw", "ratio",
           "leaky fwd", "leaky b/f ratio");
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const size_t n = cases[c].outer * cases[c].channels * cases[c].inner;
        float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
        float *dy = malloc(n * sizeof *dy), *dx = malloc(n * sizeof *dx);
        float w[64], dw[64];
        for (size_t i = 0; i < n; i++) {
            x[i] = (float)((int)(i * 2654435761u % 2001) - 1000) / 100.0f;
            dy[i] = (float)((int)(i * 40503u % 201) - 100) / 100.0f;
        }
        for (int k = 0; k < 64; k++)
            w[k] = 0.25f + 0.01f * (float)k;
        /* Touch every page once before timing. */
        memset(y, 0, n * sizeof *y);
        memset(dx, 0, n * sizeof *dx);
        for (int r = 0; r < reps; r++) {
            double t0 = now();
            leaky_prelu_f32(x, y, cases[c].outer, cases[c].channels, cases[c].inner, w,
                            cases[c].num_slopes);
            double t1 = now();
            leaky_prelu_backward_f32(x, dy, dx, dw, cases[c].outer, cases[c].channels,
                                     cases[c].inner, w, cases[c].num_slopes);
            double t2 = now();
            leaky_relu_f32(x, y, n, 0.01f);
            double t3 = now();
            leaky_relu_backward_f32(x, dy, dx, n, 0.01f);
            double t4 = now();
            tf[r] = t1 - t0;
            tb[r] = t2 - t1;
            lf[r] = t3 - t2;
            lb[r] = t4 - t3;
        }
        qsort(tf, (size_t)reps, sizeof *tf, compare);
        qsort(tb, (size_t)reps, sizeof *tb, compare);
        qsort(lf, (size_t)reps, sizeof *lf, compare);
        qsort(lb, (size_t)reps, sizeof *lb, compare);
        const double f = tf[reps / 2] * 1e3, b = tb[reps / 2] * 1e3;
        printf("%-22s %10zu %9.3f %12.3f %7.2f %11.3f %14.2f\n", cases[c].layout, n, f, b, b / f,
               lf[reps / 2] * 1e3, lb[reps / 2] / lf[reps / 2]);
        free(x), free(y), free(dy), free(dx);
    }
    free(tf), free(tb), free(lf), free(lb);
    return 0;
}
