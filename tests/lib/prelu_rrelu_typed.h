/* SPDX-License-Identifier: MIT */
/* The body of test_prelu_rrelu.c for one element type: TT (float or double), TS (f32 or
 * f64). */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(CAT(TS, _), name)
#define API(name) CAT(CAT(CAT(leaky_, name), _), TS)
#define STR_(a) #a
#define STR(a) STR_(a)
#define TSTR_ STR(TS)

static TT *FN(alloc)(size_t n)
{
    TT *p = malloc((n ? n : 1) * sizeof(TT));
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

static void FN(fill)(TT *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (TT)random_value();
}

/* One shape on the current path: forward, backward, dw against a long double sum.
 * Returns dw (num_slopes values, caller frees) for the comparison across paths. */
static TT *FN(check_shape)(const struct shape *s, const char *isa, bool quiet)
{
    const size_t n = s->outer * s->channels * s->inner, ns = s->num_slopes;
    TT *x = FN(alloc)(n), *dy = FN(alloc)(n), *y = FN(alloc)(n), *dx = FN(alloc)(n);
    TT *w = FN(alloc)(ns), *dw = FN(alloc)(ns);
    long double *exact = calloc(ns, sizeof *exact), *mag = calloc(ns, sizeof *mag);
    if (adversary) {
        for (size_t i = 0; i < n; i++) {
            double a, b; /* the element's index in its channel (the slope's terms) */
            adversarial_pair(ns == 1 ? i : i / (s->channels * s->inner) * s->inner + i % s->inner,
                             &a, &b);
            x[i] = (TT)a, dy[i] = (TT)b;
        }
    } else {
        FN(fill)(x, n);
        FN(fill)(dy, n);
    }
    for (size_t k = 0; k < ns; k++)
        w[k] = (TT)(0.25 + 0.125 * (double)(k % 7) - 0.5 * (double)(k % 2));
    CHECK(API(prelu)(x, y, s->outer, s->channels, s->inner, w, ns) == LEAKY_OK, "prelu: %s",
          leaky_last_error());
    CHECK(API(prelu_backward)(x, dy, dx, dw, s->outer, s->channels, s->inner, w, ns) == LEAKY_OK,
          "prelu_backward: %s", leaky_last_error());
    size_t bad_y = 0, bad_dx = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t k = ns == 1 ? 0 : i / s->inner % s->channels;
        const TT want_y = x[i] > 0 ? x[i] : w[k] * x[i];
        const TT want_dx = x[i] > 0 ? dy[i] : w[k] * dy[i];
        bad_y += memcmp(&want_y, &y[i], sizeof(TT)) != 0;
        bad_dx += memcmp(&want_dx, &dx[i], sizeof(TT)) != 0;
        if (!(x[i] > 0)) {
            exact[k] += (long double)x[i] * (long double)dy[i];
            mag[k] += fabsl((long double)x[i] * (long double)dy[i]);
        }
    }
    CHECK(bad_y == 0 && bad_dx == 0,
          "%s prelu on %s, shape %zux%zux%zu/%zu: %zu y and %zu dx "
          "differ from the rule",
          TSTR_, isa, s->outer, s->channels, s->inner, ns, bad_y, bad_dx);
    size_t bad_dw = 0;
    for (size_t k = 0; k < ns; k++) {
        /* Rounding the sum to TT (down to its smallest denormal) is allowed on top of the
         * 1e-6 of the sum of |terms|. */
        const long double err = fabsl((long double)dw[k] - exact[k]);
        const long double allowed =
            1e-6L * mag[k] + (sizeof(TT) == 4 ? fabsl(exact[k]) * 6e-8L + 1.5e-45L
                                              : fabsl(exact[k]) * 1.2e-16L + 5e-324L);
        if (!(err <= allowed) && bad_dw++ == 0 && !quiet)
            fprintf(stderr, "  dw[%zu] = %.17g, exact %.17Lg, sum |terms| %.6Lg\n", k,
                    (double)dw[k], exact[k], mag[k]);
    }
    CHECK(bad_dw == 0, "%s prelu dw on %s, shape %zux%zux%zu/%zu: %zu slopes off the exact sum",
          TSTR_, isa, s->outer, s->channels, s->inner, ns, bad_dw);
    /* In place: y over x, dx over dy. */
    TT *io = FN(alloc)(n);
    memcpy(io, x, n * sizeof(TT));
    CHECK(API(prelu)(io, io, s->outer, s->channels, s->inner, w, ns) == LEAKY_OK &&
              memcmp(io, y, n * sizeof(TT)) == 0,
          "%s prelu in place", TSTR_);
    memcpy(io, dy, n * sizeof(TT));
    TT *dw2 = FN(alloc)(ns);
    CHECK(API(prelu_backward)(x, io, io, dw2, s->outer, s->channels, s->inner, w, ns) == LEAKY_OK &&
              memcmp(io, dx, n * sizeof(TT)) == 0 && memcmp(dw, dw2, ns * sizeof(TT)) == 0,
          "%s prelu backward in place", TSTR_);
    /* Without dslopes: dx alone. */
    CHECK(API(prelu_backward)(x, dy, io, NULL, s->outer, s->channels, s->inner, w, ns) ==
                  LEAKY_OK &&
              memcmp(io, dx, n * sizeof(TT)) == 0,
          "%s prelu backward, no dw", TSTR_);
    digest_bytes(dw, ns * sizeof(TT));
    free(io), free(dw2), free(x), free(dy), free(y), free(dx), free(w), free(exact), free(mag);
    return dw;
}

static void FN(check_prelu_paths)(const leaky_isa *isas, int nisa, const struct shape *shapes,
                                  size_t nshapes)
{
    for (size_t s = 0; s < nshapes; s++) {
        TT *first = NULL;
        for (int k = 0; k < nisa; k++) {
            leaky_set_isa(isas[k]);
            const uint64_t saved = rng;
            TT *dw = FN(check_shape)(&shapes[s], leaky_isa_name(isas[k]), false);
            if (k + 1 < nisa)
                rng = saved; /* the same data on every path */
            if (!first) {
                first = dw;
                continue;
            }
            CHECK(memcmp(first, dw, shapes[s].num_slopes * sizeof(TT)) == 0,
                  "%s prelu dw on %s differs from %s's, shape %zu", TSTR_, leaky_isa_name(isas[k]),
                  leaky_isa_name(isas[0]), s);
            free(dw);
        }
        free(first);
    }
}

/* Central differences in double of L = sum(g * f(x)) against the analytic gradient. */
static void FN(check_finite_differences)(void)
{
#if defined(LEAKY_TEST_DOUBLE_GRADIENTS)
    enum { N = 2, C = 3, I = 5, NE = N * C * I };
    double x[NE], g[NE], y[NE], dx[NE], w[C] = {0.25, -0.5, 1.5}, dw[C];
    for (int i = 0; i < NE; i++) {
        do
            x[i] = random_value();
        while (fabs(x[i]) < 1e-3); /* away from the kink */
        g[i] = random_value();
    }
    CHECK(leaky_prelu_backward_f64(x, g, dx, dw, N, C, I, w, C) == LEAKY_OK, "backward");
    const double h = 1e-6;
    double worst = 0;
    for (int i = 0; i < NE + C; i++) {
        double *v = i < NE ? &x[i] : &w[i - NE], keep = *v, loss[2];
        for (int side = 0; side < 2; side++) {
            *v = keep + (side ? -h : h);
            leaky_prelu_f64(x, y, N, C, I, w, C);
            loss[side] = 0;
            for (int j = 0; j < NE; j++)
                loss[side] += g[j] * y[j];
        }
        *v = keep;
        const double numeric = (loss[0] - loss[1]) / (2 * h);
        const double analytic = i < NE ? dx[i] : dw[i - NE];
        const double err = fabs(numeric - analytic) / (1 + fabs(analytic));
        worst = err > worst ? err : worst;
    }
    CHECK(worst < 1e-6, "prelu finite differences: worst relative error %g", worst);
    /* RReLU: the slopes are keyed by the index, so x can move with them fixed. */
    double noise[NE];
    CHECK(leaky_rrelu_backward_f64(x, g, dx, NE, 0.1, 0.4, 99) == LEAKY_OK, "rrelu backward");
    worst = 0;
    for (int i = 0; i < NE; i++) {
        double keep = x[i], loss[2];
        for (int side = 0; side < 2; side++) {
            x[i] = keep + (side ? -h : h);
            leaky_rrelu_train_f64(x, y, NE, 0.1, 0.4, 99, noise);
            loss[side] = 0;
            for (int j = 0; j < NE; j++)
                loss[side] += g[j] * y[j];
        }
        x[i] = keep;
        const double err = fabs((loss[0] - loss[1]) / (2 * h) - dx[i]) / (1 + fabs(dx[i]));
        worst = err > worst ? err : worst;
    }
    CHECK(worst < 1e-6, "rrelu finite differences: worst relative error %g", worst);
#endif
}

static int FN(compare_values)(const void *a, const void *b)
{
    const TT u = *(const TT *)a, v = *(const TT *)b;
    return (u > v) - (u < v);
}

/* RReLU: distribution, paths, backward, eval. */
static void FN(check_rrelu)(const leaky_isa *isas, int nisa)
{
    enum { NS = 1000000 };
    const TT lower = (TT)LEAKY_RRELU_DEFAULT_LOWER, upper = (TT)LEAKY_RRELU_DEFAULT_UPPER;
    TT *x = FN(alloc)(NS), *y = FN(alloc)(NS), *noise = FN(alloc)(NS), *first_y = FN(alloc)(NS);
    TT *first_noise = FN(alloc)(NS), *dx = FN(alloc)(NS), *first_dx = FN(alloc)(NS);
    TT *dy = FN(alloc)(NS);
    for (size_t i = 0; i < NS; i++)
        x[i] = -1;
    CHECK(API(rrelu_train)(x, y, NS, lower, upper, 2026, noise) == LEAKY_OK, "train: %s",
          leaky_last_error());
    /* Kolmogorov-Smirnov against U(lower, upper): D * sqrt(n) below 1.95 (p = 0.001). */
    qsort(noise, NS, sizeof(TT), FN(compare_values));
    double d = 0;
    for (size_t i = 0; i < NS; i++) {
        const double f = ((double)noise[i] - (double)lower) / ((double)upper - (double)lower);
        const double lo = f - (double)i / NS, hi = (double)(i + 1) / NS - f;
        /* Not fmax: GCC 12 for AArch64 crashes vectorising that reduction. */
        d = lo > d ? lo : d;
        d = hi > d ? hi : d;
    }
    CHECK(noise[0] >= lower && noise[NS - 1] <= upper, "%s rrelu slopes in [%g, %g]: %g..%g", TSTR_,
          (double)lower, (double)upper, (double)noise[0], (double)noise[NS - 1]);
    CHECK(d * sqrt((double)NS) < 1.95, "%s rrelu KS statistic D*sqrt(n) = %g", TSTR_,
          d * sqrt((double)NS));
    /* Other seeds give other slopes. */
    CHECK(API(rrelu_train)(x, first_y, 64, lower, upper, 2027, NULL) == LEAKY_OK &&
              API(rrelu_train)(x, y, 64, lower, upper, 2026, NULL) == LEAKY_OK &&
              memcmp(first_y, y, 64 * sizeof(TT)) != 0,
          "%s seeds differ", TSTR_);
    /* Mixed signs: every path gives the same y, noise and dx; backward = noise * dy. */
    FN(fill)(x, NS);
    FN(fill)(dy, NS);
    for (int k = 0; k < nisa; k++) {
        leaky_set_isa(isas[k]);
        CHECK(API(rrelu_train)(x, y, NS, (TT)-0.5, (TT)2.5, 77, noise) == LEAKY_OK, "train");
        CHECK(API(rrelu_backward)(x, dy, dx, NS, (TT)-0.5, (TT)2.5, 77) == LEAKY_OK, "backward");
        size_t bad = 0;
        for (size_t i = 0; i < NS; i++) {
            const TT want_y = x[i] > 0 ? x[i] : noise[i] * x[i];
            const TT want_dx = x[i] > 0 ? dy[i] : noise[i] * dy[i];
            bad += memcmp(&want_y, &y[i], sizeof(TT)) != 0 ||
                   memcmp(&want_dx, &dx[i], sizeof(TT)) != 0 || (x[i] > 0 && noise[i] != 1);
        }
        CHECK(bad == 0, "%s rrelu on %s: %zu elements break y = noise * x, dx = noise * dy", TSTR_,
              leaky_isa_name(isas[k]), bad);
        if (k == 0) {
            memcpy(first_y, y, NS * sizeof(TT));
            memcpy(first_noise, noise, NS * sizeof(TT));
            memcpy(first_dx, dx, NS * sizeof(TT));
        } else {
            CHECK(!memcmp(first_y, y, NS * sizeof(TT)) &&
                      !memcmp(first_noise, noise, NS * sizeof(TT)) &&
                      !memcmp(first_dx, dx, NS * sizeof(TT)),
                  "%s rrelu on %s differs from %s", TSTR_, leaky_isa_name(isas[k]),
                  leaky_isa_name(isas[0]));
        }
        /* In place, and without noise: the same. */
        memcpy(dx, x, NS * sizeof(TT));
        CHECK(API(rrelu_train)(dx, dx, NS, (TT)-0.5, (TT)2.5, 77, NULL) == LEAKY_OK &&
                  !memcmp(dx, y, NS * sizeof(TT)),
              "%s rrelu in place", TSTR_);
        /* Eval is leaky at the mean. */
        const TT mean = API(rrelu_eval_slope)(lower, upper);
        CHECK(mean == (TT)(((double)lower + (double)upper) / 2), "eval slope");
        CHECK(API(rrelu_eval)(x, y, NS, lower, upper) == LEAKY_OK &&
                  API(relu)(x, dx, NS, mean) == LEAKY_OK && !memcmp(y, dx, NS * sizeof(TT)),
              "%s rrelu eval = leaky at the mean", TSTR_);
    }
    /* Pieces (the _at functions) give what one call over the whole array gives. */
    for (size_t at = 0, len; at < NS; at += len) {
        len = NS - at < 100003 ? NS - at : 100003;
        CHECK(API(rrelu_train_at)(x + at, y + at, len, at, (TT)-0.5, (TT)2.5, 77, noise + at) ==
                      LEAKY_OK &&
                  API(rrelu_backward_at)(x + at, dy + at, dx + at, len, at, (TT)-0.5, (TT)2.5,
                                         77) == LEAKY_OK,
              "pieces");
    }
    CHECK(!memcmp(first_y, y, NS * sizeof(TT)) && !memcmp(first_noise, noise, NS * sizeof(TT)) &&
              !memcmp(first_dx, dx, NS * sizeof(TT)),
          "%s rrelu in pieces = in one call", TSTR_);
    /* Across index 2^32 the high bits join the keys: each element's slope is the documented
     * hash of its low bits under the keys of its high bits. */
    {
        enum { M = 64 };
        TT xm[M], nm[M], ym[M];
        for (int i = 0; i < M; i++)
            xm[i] = -1;
        const uint64_t first = (1ull << 32) - M / 2;
        CHECK(API(rrelu_train_at)(xm, ym, M, first, lower, upper, 11, nm) == LEAKY_OK, "2^32");
        bool documented = true;
        for (int i = 0; i < M; i++) {
            const uint64_t index = first + (uint64_t)i;
            uint32_t k0, k1;
            leaky_rrelu_keys(11, (uint32_t)(index >> 32), &k0, &k1);
            const uint32_t h = leaky_rrelu_hash((uint32_t)index, k0, k1);
            const TT r = lower + (upper - lower) * (TT)((float)(h >> 8) * LEAKY_RRELU_U_SCALE);
            documented &= memcmp(&r, &nm[i], sizeof r) == 0;
        }
        CHECK(documented, "%s rrelu draws across 2^32 follow the documented generator", TSTR_);
        uint32_t k0, k1, h0, h1;
        leaky_rrelu_keys(5, 0, &k0, &k1);
        leaky_rrelu_keys(5, 1, &h0, &h1);
        CHECK(k0 != h0 && k1 != h1, "high index bits change the keys");
    }
    digest_bytes(first_y, NS * sizeof(TT));
    digest_bytes(first_dx, NS * sizeof(TT));
    free(x), free(y), free(noise), free(first_y), free(first_noise), free(dx), free(first_dx),
        free(dy);
}

static void FN(expect_error)(leaky_status st, const char *what, const char *needle1,
                             const char *needle2)
{
    CHECK(st == LEAKY_EINVAL, "%s %s: accepted", TSTR_, what);
    CHECK(strstr(leaky_last_error(), needle1) != NULL &&
              (!needle2 || strstr(leaky_last_error(), needle2) != NULL),
          "%s %s: message '%s' lacks '%s'", TSTR_, what, leaky_last_error(), needle1);
}

static void FN(check_errors)(void)
{
    TT x[24], y[24], dy[24], w[3] = {(TT)0.25, (TT)0.5, (TT)0.75}, dw[3];
    for (int i = 0; i < 24; i++)
        x[i] = (TT)(i - 12), dy[i] = 1, y[i] = 42;
    dw[0] = dw[1] = dw[2] = 42;
    FN(expect_error)(API(prelu)(x, y, 2, 3, 4, w, 2), "2 slopes for 3 channels", "2", "3");
    FN(expect_error)
    (API(prelu_backward)(x, dy, y, dw, 2, 3, 4, w, 2), "backward 2 slopes", "2", "3 channels");
    TT bad[3] = {(TT)0.25, (TT)NAN, 1};
    FN(expect_error)(API(prelu)(x, y, 2, 3, 4, bad, 3), "NaN slope", "slopes[1]", "nan");
    bad[1] = (TT)-INFINITY;
    FN(expect_error)
    (API(prelu_backward)(x, dy, y, dw, 2, 3, 4, bad, 3), "-inf slope", "slopes[1]", "inf");
    /* The slope check runs as a vectorized pass: the largest finite slopes pass, and a bad
     * one in the last, partial vector is caught. */
    TT many[67], xs[67], ys[67], largest;
    const uint32_t largest32 = 0x7f7fffffu;         /* FLT_MAX */
    const uint64_t largest64 = 0x7fefffffffffffffu; /* DBL_MAX */
    if (sizeof largest == sizeof largest32)
        memcpy(&largest, &largest32, sizeof largest);
    else
        memcpy(&largest, &largest64, sizeof largest);
    for (int i = 0; i < 67; i++)
        many[i] = i % 2 ? largest : -largest, xs[i] = (TT)i;
    CHECK(API(prelu)(xs, ys, 1, 67, 1, many, 67) == LEAKY_OK, "%s largest finite slopes: %s", TSTR_,
          leaky_last_error());
    many[66] = (TT)INFINITY;
    FN(expect_error)(API(prelu)(xs, ys, 1, 67, 1, many, 67), "inf slope last", "slopes[66]", "inf");
    FN(expect_error)(API(prelu)(NULL, y, 2, 3, 4, w, 3), "NULL x", "x is NULL", NULL);
    FN(expect_error)(API(prelu)(x, y, 2, 3, 4, NULL, 3), "NULL slopes", "slopes is NULL", NULL);
    FN(expect_error)(API(prelu)(x, x + 1, 2, 3, 3, w, 3), "overlap", "overlap", NULL);
    FN(expect_error)(API(prelu)(x, y, 2, 3, 4, y + 5, 3), "slopes inside y", "overlap", NULL);
    FN(expect_error)
    (API(prelu_backward)(x, dy, x, dw, 2, 3, 4, w, 3), "dx = x", "same array", NULL);
    FN(expect_error)
    (API(prelu_backward)(x, dy, y, y + 2, 2, 3, 4, w, 3), "dslopes in dx", "dslopes", "overlap");
    FN(expect_error)
    (API(prelu_backward)(x, dy, y, w, 2, 3, 4, w, 3), "dslopes = slopes", "dslopes", "slopes");
    FN(expect_error)(API(prelu)(x, y, SIZE_MAX, 3, 4, w, 3), "huge shape", "larger", NULL);
    bool untouched = true;
    for (int i = 0; i < 24; i++)
        untouched &= y[i] == 42;
    CHECK(untouched && dw[0] == 42 && dw[2] == 42, "%s: nothing written on errors", TSTR_);
    /* n = 0: nothing to do, the gradient is 0. */
    CHECK(API(prelu_backward)(NULL, NULL, NULL, dw, 0, 3, 4, w, 3) == LEAKY_OK && dw[0] == 0 &&
              dw[2] == 0,
          "%s empty backward zeroes dw", TSTR_);
    CHECK(API(prelu)(NULL, NULL, 2, 3, 0, w, 3) == LEAKY_OK, "%s empty forward", TSTR_);

    FN(expect_error)
    (API(rrelu_train)(x, y, 24, (TT)0.5, (TT)0.25, 1, NULL), "lower > upper", "0.5", "0.25");
    FN(expect_error)
    (API(rrelu_train)(x, y, 24, (TT)NAN, (TT)0.25, 1, NULL), "NaN lower", "nan", NULL);
    FN(expect_error)
    (API(rrelu_backward)(x, dy, y, 24, (TT)0.1, (TT)INFINITY, 1), "inf upper", "inf", NULL);
    FN(expect_error)
    (API(rrelu_eval)(x, y, 24, (TT)0.3, (TT)0.2), "eval lower > upper", "0.3", NULL);
    FN(expect_error)
    (API(rrelu_train)(x, y, 24, (TT)0.1, (TT)0.3, 1, y), "noise = y", "noise", "overlap");
    FN(expect_error)
    (API(rrelu_train)(x, NULL, 24, (TT)0.1, (TT)0.3, 1, NULL), "NULL y", "y is NULL", NULL);
    FN(expect_error)
    (API(rrelu_backward)(x, dy, x, 24, (TT)0.1, (TT)0.3, 1), "dx = x", "same array", NULL);
    const TT big = (TT)(sizeof(TT) == 4 ? 3e38 : 1.5e308);
    FN(expect_error)
    (API(rrelu_train)(x, y, 24, -big, big, 1, NULL), "overflowing range", "overflows", NULL);
    untouched = true;
    for (int i = 0; i < 24; i++)
        untouched &= y[i] == 42;
    CHECK(untouched, "%s: rrelu wrote nothing on errors", TSTR_);
}

/* Every length 0-100 at every misalignment 0-3: nothing written outside the outputs. */
static void FN(check_guards)(const char *isa)
{
    enum { MAXN = 100, G = 16, CAP = G + 4 + MAXN + G };
    TT x[CAP], g[CAP], out[CAP], noise[CAP], w[3] = {(TT)0.25, (TT)-1, (TT)2}, dw[3 + 2 * G];
    const TT sentinel = (TT)12345.5;
    size_t bad = 0;
    for (size_t shift = 0; shift < 4; shift++) {
        for (size_t n = 0; n <= MAXN; n++) {
            for (int op = 0; op < 4; op++) {
                for (size_t i = 0; i < CAP; i++)
                    x[i] = (TT)random_value(), g[i] = (TT)random_value(), out[i] = sentinel,
                    noise[i] = sentinel;
                for (size_t i = 0; i < 3 + 2 * G; i++)
                    dw[i] = sentinel;
                TT *y = out + G + shift, *nz = noise + G + (3 - shift);
                const TT *xs = x + G + (shift * 3) % 4, *gs = g + G + (shift * 5) % 4;
                /* PReLU views n as (n / 3) x 3 x 1 when it can, else n x 1 x 1. */
                const size_t c = n % 3 == 0 ? 3 : 1;
                switch (op) {
                case 0: API(prelu)(xs, y, n / c, c, 1, w, c); break;
                case 1: API(prelu_backward)(xs, gs, y, dw + G, n / c, c, 1, w, c); break;
                case 2: API(rrelu_train)(xs, y, n, (TT)0.1, (TT)0.3, 5, nz); break;
                default: API(rrelu_backward)(xs, gs, y, n, (TT)0.1, (TT)0.3, 5); break;
                }
                for (size_t i = 0; i < CAP; i++) {
                    const bool inside = i >= G + shift && i < G + shift + n;
                    bad += !inside && memcmp(&out[i], &sentinel, sizeof(TT)) != 0;
                    const bool inside_noise =
                        op == 2 && i >= G + 3 - shift && i < G + 3 - shift + n;
                    bad += !inside_noise && memcmp(&noise[i], &sentinel, sizeof(TT)) != 0;
                }
                for (size_t i = 0; i < 3 + 2 * G; i++) {
                    const bool inside = op == 1 && i >= G && i < G + c;
                    bad += !inside && memcmp(&dw[i], &sentinel, sizeof(TT)) != 0;
                }
            }
        }
    }
    CHECK(bad == 0, "%s on %s: %zu writes outside the outputs", TSTR_, isa, bad);
}

static void FN(check_all)(const leaky_isa *isas, int nisa)
{
    for (int k = 0; k < nisa; k++) {
        leaky_set_isa(isas[k]);
        FN(check_guards)(leaky_isa_name(isas[k]));
    }
    FN(check_prelu_paths)(isas, nisa, shapes, sizeof shapes / sizeof shapes[0]);
    const size_t nadversarial = sizeof adversarial_shapes / sizeof adversarial_shapes[0];
    for (adversary = 1; adversary <= ADVERSARIES; adversary++)
        FN(check_prelu_paths)(isas, nisa, adversarial_shapes, nadversarial);
    adversary = 0;
    FN(check_finite_differences)();
    FN(check_rrelu)(isas, nisa);
    FN(check_errors)();
}

/* Results that must not depend on the thread count. */
static void FN(digest)(void)
{
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        free(FN(check_shape)(&shapes[s], "digest", true));
    for (adversary = 1; adversary <= ADVERSARIES; adversary++)
        for (size_t s = 0; s < sizeof adversarial_shapes / sizeof adversarial_shapes[0]; s++)
            free(FN(check_shape)(&adversarial_shapes[s], "digest", true));
    adversary = 0;
    enum { NS = 1 << 20 };
    TT *x = FN(alloc)(NS), *y = FN(alloc)(NS);
    FN(fill)(x, NS);
    API(rrelu_train)(x, y, NS, (TT)0.1, (TT)0.3, 3, NULL);
    digest_bytes(y, NS * sizeof(TT));
    API(rrelu_backward)(x, x, y, NS, (TT)0.1, (TT)0.3, 3);
    digest_bytes(y, NS * sizeof(TT));
    free(x), free(y);
}

#undef CAT_
#undef CAT
#undef FN
#undef API
#undef STR_
#undef STR
#undef TSTR_
