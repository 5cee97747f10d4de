/* SPDX-License-Identifier: MIT */
/* Bias + activation through PReLU's plans and sums (prelu.c), behind bias.c's entry points:
 * z = x + bias[c], then PReLU with num_slopes (1 or channels) slopes, or ReLU where slopes
 * is NULL.  They check every argument (fn names the public function in messages).  The
 * backward writes dx and, where not NULL, dbias (channels) and dslopes (num_slopes). */
#ifndef LEAKY_INTERNAL_ACT_H
#define LEAKY_INTERNAL_ACT_H

#include <stddef.h>

#include "leaky.h"

#define LEAKY_ACT_DECLARE(t, T)                                                             \
    leaky_status leaky_##t##_act_forward(const char *fn, const T *x, T *y, size_t outer,    \
                                         size_t channels, size_t inner, const T *slopes,    \
                                         size_t num_slopes, const T *bias);                 \
    leaky_status leaky_##t##_act_backward(                                                  \
        const char *fn, const T *x, const T *dy, T *dx, T *dslopes, T *dbias, size_t outer, \
        size_t channels, size_t inner, const T *slopes, size_t num_slopes, const T *bias);
LEAKY_ACT_DECLARE(f32, float)
LEAKY_ACT_DECLARE(f64, double)
#undef LEAKY_ACT_DECLARE

#endif
