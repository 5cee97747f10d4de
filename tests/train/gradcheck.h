/* SPDX-License-Identifier: MIT */
/* Central differences of a float32 network's loss against its backward pass, shared by the
 * perceptron's and the convolutional network's tests (each states its step and tolerance).
 * A parameter whose steps moved the network across a kink (where the derivative is not
 * defined and the difference means nothing) is skipped. */
#ifndef LEAKY_TEST_GRADCHECK_H
#define LEAKY_TEST_GRADCHECK_H

#include <math.h>

#include "nn.h"
#include "test.h"

typedef struct gradcheck {
    const char *name;
    void *net;
    nn_params *par;
    /* The network's loss in training mode at its current parameters. */
    double (*loss)(void *net);
    /* Writes where the last loss pass stood relative to every kink; returns the bytes. */
    size_t (*kinks)(const void *net, uint8_t *out);
    float h;
    double abs_tol, rel_tol;
} gradcheck;

/* grad: the backward pass's gradient at the current parameters; base: the kinks of that
 * pass (n_kinks bytes). Returns the parameters checked; prints the worst error. */
static inline size_t gradcheck_run(const gradcheck *g, const float *grad, const uint8_t *base,
                                   size_t n_kinks, double *largest)
{
    uint8_t *moved = malloc(n_kinks ? n_kinks : 1);
    size_t checked = 0, skipped = 0, worst_at = 0;
    double worst = 0.0, worst_fd = 0.0;
    *largest = 0.0;
    for (size_t i = 0; i < g->par->count; i++) {
        float *p = &g->par->p[i];
        const float p0 = *p;
        *p = p0 + g->h;
        const float up = *p;
        const double lp = g->loss(g->net);
        g->kinks(g->net, moved);
        bool kink = memcmp(base, moved, n_kinks) != 0;
        *p = p0 - g->h;
        const float down = *p;
        const double lm = g->loss(g->net);
        g->kinks(g->net, moved);
        kink |= memcmp(base, moved, n_kinks) != 0;
        *p = p0;
        if (kink) {
            skipped++;
            continue;
        }
        /* The step actually taken, after float rounding of p +- h. */
        const double fd = (lp - lm) / ((double)up - (double)down);
        const double err = fabs(fd - (double)grad[i]);
        CHECK(err <= g->abs_tol + g->rel_tol * fabs(fd),
              "%s: parameter %zu: backward %.6g, finite difference %.6g", g->name, i,
              (double)grad[i], fd);
        checked++;
        if (err > worst) {
            worst = err;
            worst_at = i;
            worst_fd = fd;
        }
        if (fabs(fd) > *largest)
            *largest = fabs(fd);
    }
    printf("%-13s %zu parameters checked, %zu skipped (a kink within h), largest gradient "
           "%.3g, worst error %.2g (parameter %zu, gradient %.3g)\n",
           g->name, checked, skipped, *largest, worst, worst_at, worst_fd);
    free(moved);
    return checked;
}

#endif
