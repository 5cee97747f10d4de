/* SPDX-License-Identifier: MIT */
/* The statistics behind `leaky experiment`'s summary: Student's t distribution (from the
 * regularised incomplete beta function, so no library is needed), the t interval of a
 * mean, the paired t-test and Holm's correction for testing several activations against
 * one baseline. */
#ifndef LEAKY_STATS_H
#define LEAKY_STATS_H

#include <stddef.h>

/* I_x(a, b), the regularised incomplete beta function, for a, b > 0 and 0 <= x <= 1
 * (NaN outside). Accurate to a few units in the 15th digit. */
double stats_incomplete_beta(double a, double b, double x);

/* P(T <= t) for Student's t with df > 0 degrees of freedom (df need not be whole). */
double stats_t_cdf(double t, double df);

/* The t with P(T <= t) = p, for 0 < p < 1 (NaN otherwise). */
double stats_t_quantile(double p, double df);

/* Mean, sample standard deviation (n - 1) and the two-sided Student t interval of the
 * mean at `level` (0.95 for 95%). With n < 2 the deviation and the interval are NaN. */
typedef struct stats_sample {
    size_t n;
    double mean, sd, ci_low, ci_high;
} stats_sample;
void stats_describe(const double *x, size_t n, double level, stats_sample *out);

/* The paired t-test of a[i] - b[i]: the mean difference, its t interval at `level`, the
 * two-sided p-value, and the pairs where a is above (wins) or below (losses) b. Identical
 * pairs give p = 1; differences that are all the same non-zero value give p = 0. */
typedef struct stats_paired {
    size_t n;
    double diff, ci_low, ci_high, p;
    size_t wins, losses;
} stats_paired;
void stats_paired_test(const double *a, const double *b, size_t n, double level, stats_paired *out);

/* Holm's step-down adjustment of m p-values (NaN ones are left out of m and stay NaN):
 * the i-th smallest of the m becomes max over j <= i of min(1, (m - j + 1) p_(j)). */
void stats_holm(const double *p, size_t m, double *adjusted);

#endif
