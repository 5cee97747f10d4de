/* SPDX-License-Identifier: MIT */
/* The experiment's statistics against closed forms and published table values: the
 * incomplete beta function where it reduces to powers, Student's t where it has a closed
 * form (1 and 2 degrees of freedom) and the t table elsewhere, a t interval and a paired
 * test worked out by hand, and Holm's adjustment on a textbook example. */
#include <math.h>

#include "stats.h"
#include "test.h"

static void check_close(double got, double want, double tol, const char *what)
{
    CHECK(fabs(got - want) <= tol, "%s: got %.17g, expected %.17g (tolerance %g)", what, got, want,
          tol);
}

static void test_incomplete_beta(void)
{
    const double xs[] = {1e-6, 0.01, 0.2, 0.5, 0.77, 0.999};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        const double x = xs[i];
        check_close(stats_incomplete_beta(1, 1, x), x, 1e-15, "I_x(1, 1) = x");
        check_close(stats_incomplete_beta(3.5, 1, x), pow(x, 3.5), 1e-14, "I_x(a, 1) = x^a");
        check_close(stats_incomplete_beta(1, 7, x), 1 - pow(1 - x, 7), 1e-14,
                    "I_x(1, b) = 1 - (1 - x)^b");
    }
    check_close(stats_incomplete_beta(12.5, 12.5, 0.5), 0.5, 1e-14, "I_1/2(a, a) = 1/2");
    CHECK(isnan(stats_incomplete_beta(0, 1, 0.5)), "a = 0 is refused");
    CHECK(isnan(stats_incomplete_beta(1, 1, 1.5)), "x > 1 is refused");
}

static void test_t_distribution(void)
{
    const double pi = 3.14159265358979323846;
    const double ts[] = {-30, -2.5, -0.3, 0, 0.7, 4.302652729749464, 50};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
        const double t = ts[i];
        check_close(stats_t_cdf(t, 1), 0.5 + atan(t) / pi, 1e-14, "Cauchy cdf (df 1)");
        check_close(stats_t_cdf(t, 2), 0.5 + t / (2 * sqrt(2 + t * t)), 1e-14, "cdf, df 2");
    }
    const double ps[] = {0.001, 0.025, 0.3, 0.5, 0.9, 0.975, 0.9995};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        const double p = ps[i];
        const double cauchy = tan(pi * (p - 0.5));
        check_close(stats_t_quantile(p, 1), cauchy, 1e-12 * fmax(1, fabs(cauchy)),
                    "Cauchy quantile");
        const double two = (2 * p - 1) / sqrt(2 * p * (1 - p));
        check_close(stats_t_quantile(p, 2), two, 1e-12 * fmax(1, fabs(two)), "quantile, df 2");
    }
    /* The two-sided 95% points of the t table. */
    const struct {
        double df, q;
    } table[] = {{3, 3.182446},  {4, 2.776445},   {9, 2.262157},  {10, 2.228139},
                 {30, 2.042272}, {120, 1.979930}, {1e9, 1.959964}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        check_close(stats_t_quantile(0.975, table[i].df), table[i].q, 5e-7, "t table, 97.5%");
        check_close(stats_t_cdf(table[i].q, table[i].df), 0.975, 1e-6, "cdf at the table's t");
    }
    CHECK(isnan(stats_t_quantile(0, 5)) && isnan(stats_t_quantile(1, 5)),
          "quantiles of 0 and 1 are refused");
}

static void test_interval_and_paired(void)
{
    /* 1, 2, 6: mean 3, deviation sqrt(7), half width t(0.975, 2) sqrt(7 / 3). */
    const double x[] = {1, 2, 6};
    stats_sample s;
    stats_describe(x, 3, 0.95, &s);
    const double q2 = 0.95 / sqrt(2 * 0.975 * 0.025);
    check_close(s.mean, 3, 0, "mean");
    check_close(s.sd, sqrt(7), 1e-15, "standard deviation");
    check_close(s.ci_low, 3 - q2 * sqrt(7.0 / 3), 1e-12, "interval, low");
    check_close(s.ci_high, 3 + q2 * sqrt(7.0 / 3), 1e-12, "interval, high");
    stats_describe(x, 1, 0.95, &s);
    CHECK(s.mean == 1 && isnan(s.sd) && isnan(s.ci_low), "one value: a mean, no interval");

    /* Differences 1, 2, 6 again: t = 3 / sqrt(7 / 3), two-sided p with 2 degrees of
     * freedom = 1 - t / sqrt(2 + t^2). */
    const double a[] = {11, 12, 16}, b[] = {10, 10, 10};
    stats_paired p;
    stats_paired_test(a, b, 3, 0.95, &p);
    const double t = 3 / sqrt(7.0 / 3);
    check_close(p.diff, 3, 0, "paired difference");
    check_close(p.p, 1 - t / sqrt(2 + t * t), 1e-14, "paired p-value");
    check_close(p.ci_low, 3 - q2 * sqrt(7.0 / 3), 1e-12, "paired interval");
    CHECK(p.wins == 3 && p.losses == 0, "wins %zu, losses %zu", p.wins, p.losses);
    stats_paired_test(a, a, 3, 0.95, &p);
    CHECK(p.p == 1 && p.wins == 0 && p.losses == 0, "identical runs: p %g", p.p);
    const double shifted[] = {12, 13, 17};
    stats_paired_test(shifted, a, 3, 0.95, &p);
    CHECK(p.p == 0, "a constant non-zero difference: p %g", p.p);
}

static void test_holm(void)
{
    const double p[] = {0.01, 0.04, NAN, 0.03, 0.005};
    const double want[] = {0.03, 0.06, NAN, 0.06, 0.02};
    double got[5];
    stats_holm(p, 5, got);
    for (size_t i = 0; i < 5; i++) {
        if (isnan(want[i]))
            CHECK(isnan(got[i]), "a missing p-value stays missing");
        else
            check_close(got[i], want[i], 1e-16, "Holm");
    }
    const double big[] = {0.6, 0.7};
    stats_holm(big, 2, got);
    CHECK(got[0] == 1 && got[1] == 1, "Holm caps at 1: %g %g", got[0], got[1]);
}

int main(void)
{
    test_incomplete_beta();
    test_t_distribution();
    test_interval_and_paired();
    test_holm();
    return test_finish("test_stats");
}
