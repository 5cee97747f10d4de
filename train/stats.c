/* SPDX-License-Identifier: MIT */
#include "stats.h"

#include <math.h>
#include <stdlib.h>

/* The continued fraction of I_x(a, b) (the modified Lentz method), which converges fast
 * for x < (a + 1) / (a + b + 2); the caller uses the symmetry I_x(a, b) = 1 - I_1-x(b, a)
 * elsewhere. */
static double beta_fraction(double a, double b, double x)
{
    const double tiny = 1e-300, eps = 1e-16;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (fabs(d) < tiny)
        d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 10000; m++) {
        const double m2 = 2.0 * m;
        double num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        for (int half = 0; half < 2; half++) {
            d = 1.0 + num * d;
            if (fabs(d) < tiny)
                d = tiny;
            c = 1.0 + num / c;
            if (fabs(c) < tiny)
                c = tiny;
            d = 1.0 / d;
            const double step = d * c;
            h *= step;
            if (half == 1 && fabs(step - 1.0) < eps)
                return h;
            num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        }
    }
    return h;
}

double stats_incomplete_beta(double a, double b, double x)
{
    if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1))
        return NAN;
    if (x == 0 || x == 1)
        return x;
    const double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
    if (x < (a + 1.0) / (a + b + 2.0))
        return front * beta_fraction(a, b, x) / a;
    return 1.0 - front * beta_fraction(b, a, 1.0 - x) / b;
}

/* P(|T| >= |t|), straight from the beta function (no 1 - cdf cancellation). */
static double t_two_tailed(double t, double df)
{
    return stats_incomplete_beta(0.5 * df, 0.5, df / (df + t * t));
}

double stats_t_cdf(double t, double df)
{
    if (isnan(t) || !(df > 0))
        return NAN;
    if (isinf(t))
        return t > 0 ? 1.0 : 0.0;
    const double tail = 0.5 * t_two_tailed(t, df);
    return t > 0 ? 1.0 - tail : tail;
}

double stats_t_quantile(double p, double df)
{
    if (!(p > 0) || !(p < 1) || !(df > 0))
        return NAN;
    if (p == 0.5)
        return 0.0;
    /* The upper tail, solved for by bisection on the two-tailed probability (monotone
     * and free of cancellation), down to adjacent doubles. */
    const double upper = p > 0.5 ? 1.0 - p : p; /* P(T >= q), q > 0 */
    const double target = 2.0 * upper;
    double lo = 0.0, hi = 1.0;
    while (t_two_tailed(hi, df) > target && hi < 1e300)
        hi *= 2.0;
    for (int i = 0; i < 2200; i++) {
        const double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi)
            break;
        if (t_two_tailed(mid, df) > target)
            lo = mid;
        else
            hi = mid;
    }
    const double q = 0.5 * (lo + hi);
    return p > 0.5 ? q : -q;
}

static double sum_of(const double *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s;
}

void stats_describe(const double *x, size_t n, double level, stats_sample *out)
{
    *out = (stats_sample){.n = n, .mean = NAN, .sd = NAN, .ci_low = NAN, .ci_high = NAN};
    if (n == 0)
        return;
    out->mean = sum_of(x, n) / (double)n;
    if (n < 2)
        return;
    double ss = 0.0;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - out->mean) * (x[i] - out->mean);
    out->sd = sqrt(ss / (double)(n - 1));
    const double half =
        stats_t_quantile(0.5 + 0.5 * level, (double)(n - 1)) * out->sd / sqrt((double)n);
    out->ci_low = out->mean - half;
    out->ci_high = out->mean + half;
}

void stats_paired_test(const double *a, const double *b, size_t n, double level, stats_paired *out)
{
    *out = (stats_paired){.n = n, .diff = NAN, .ci_low = NAN, .ci_high = NAN, .p = NAN};
    double *d = malloc((n ? n : 1) * sizeof *d);
    if (!d)
        return;
    for (size_t i = 0; i < n; i++) {
        d[i] = a[i] - b[i];
        out->wins += a[i] > b[i];
        out->losses += a[i] < b[i];
    }
    stats_sample s;
    stats_describe(d, n, level, &s);
    free(d);
    out->diff = s.mean;
    out->ci_low = s.ci_low;
    out->ci_high = s.ci_high;
    if (n < 2)
        return;
    if (s.sd == 0)
        out->p = s.mean == 0 ? 1.0 : 0.0;
    else
        out->p = t_two_tailed(s.mean / (s.sd / sqrt((double)n)), (double)(n - 1));
}

void stats_holm(const double *p, size_t m, double *adjusted)
{
    size_t *order = malloc((m ? m : 1) * sizeof *order);
    size_t k = 0; /* the p-values taking part */
    for (size_t i = 0; i < m; i++) {
        adjusted[i] = NAN;
        if (order && !isnan(p[i]))
            order[k++] = i;
    }
    if (!order)
        return;
    /* Insertion sort, stable: m is the number of activations. */
    for (size_t i = 1; i < k; i++)
        for (size_t j = i; j > 0 && p[order[j]] < p[order[j - 1]]; j--) {
            const size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    double running = 0.0;
    for (size_t j = 0; j < k; j++) {
        const double scaled = fmin(1.0, (double)(k - j) * p[order[j]]);
        running = fmax(running, scaled);
        adjusted[order[j]] = running;
    }
    free(order);
}
