/* SPDX-License-Identifier: MIT */
/* The edge table: special inputs with their expected output bits written out by hand
 * (checked against numpy's IEEE float32 arithmetic), on every CPU path. This pins the
 * scalar reference itself, which the other tests then use as the oracle. */
#include "test.h"

/* The NaN an invalid operation (0 * inf) produces: the CPU's "default NaN". */
#if defined(__aarch64__)
#define DEFAULT_NAN 0x7FC00000u
#else
#define DEFAULT_NAN 0xFFC00000u
#endif

#define ONE 0x3F800000u
#define SLOPE_001 0x3C23D70Au /* 0.01f */

static const struct leaky_case {
    float slope;
    uint32_t x, forward, backward; /* backward with dy = 1, which is also the derivative */
} leaky_cases[] = {
    {0.01f, 0x7F800000u, 0x7F800000u, ONE},        /* +inf */
    {0.01f, 0xFF800000u, 0xFF800000u, SLOPE_001},  /* -inf */
    {0.01f, 0x00000000u, 0x00000000u, SLOPE_001},  /* +0: not > 0, so gradient a */
    {0.01f, 0x80000000u, 0x80000000u, SLOPE_001},  /* -0 * a = -0 */
    {0.01f, 0x7FC00001u, 0x7FC00001u, SLOPE_001},  /* quiet NaN keeps its payload */
    {0.01f, 0xFFC12345u, 0xFFC12345u, SLOPE_001},  /* negative NaN with payload */
    {0.01f, 0x7F800001u, 0x7FC00001u, SLOPE_001},  /* signalling NaN is quieted */
    {0.01f, 0x00000001u, 0x00000001u, ONE},        /* smallest denormal, kept */
    {0.01f, 0x80000001u, 0x80000000u, SLOPE_001},  /* -denormal * a rounds to -0 */
    {0.01f, 0x82081CEAu, 0x800AE398u, SLOPE_001},  /* -1e-37 * 0.01: a denormal, kept */
    {0.01f, 0x7F7FFFFFu, 0x7F7FFFFFu, ONE},        /* largest finite */
    {0.01f, 0xFF7FFFFFu, 0xFC23D709u, SLOPE_001},  /* -largest * 0.01 */
    {0.01f, 0xBF800000u, 0xBC23D70Au, SLOPE_001},  /* -1 */
    {0.0f, 0xFF800000u, DEFAULT_NAN, 0x00000000u}, /* a = 0: 0 * -inf is NaN, as PyTorch */
    {0.0f, 0xBF800000u, 0x80000000u, 0x00000000u}, /* a = 0: -1 * 0 = -0 (ReLU gives +0) */
    {0.0f, 0x00000000u, 0x00000000u, 0x00000000u},
    {0.0f, 0x7FC00000u, 0x7FC00000u, 0x00000000u},
    {-0.5f, 0xBF800000u, 0x3F000000u, 0xBF000000u}, /* negative slope: -1 -> 0.5 */
    {-0.5f, 0xFF7FFFFFu, 0x7EFFFFFFu, 0xBF000000u},
    {-0.5f, 0xFF800000u, 0x7F800000u, 0xBF000000u}, /* -inf -> +inf */
    {1.5f, 0xC0000000u, 0xC0400000u, 0x3FC00000u},  /* slope above 1: -2 -> -3, not -2 */
    {1.5f, 0xFF7FFFFFu, 0xFF800000u, 0x3FC00000u},  /* overflows to -inf */
    {1.5f, 0x40000000u, 0x40000000u, ONE},
    {3e38f, 0xC0400000u, 0xFF800000u, 0x7F61B1E6u},  /* -3 * 3e38 overflows */
    {1e-30f, 0x82081CEAu, 0x80000000u, 0x0DA24260u}, /* -1e-37 * 1e-30 underflows to -0 */
};

static const struct relu_case {
    uint32_t x, forward, backward; /* backward with dy = 1 */
} relu_cases[] = {
    {0x7F800000u, 0x7F800000u, ONE},
    {0xFF800000u, 0x00000000u, 0x00000000u}, /* -inf gives 0, unlike leaky with a = 0 */
    {0x80000000u, 0x80000000u, 0x00000000u}, /* -0 stays -0, as torch.relu */
    {0x00000000u, 0x00000000u, 0x00000000u},
    {0x7FC00001u, 0x7FC00001u, ONE}, /* NaN stays NaN and lets the gradient through */
    {0xFFC12345u, 0xFFC12345u, ONE},
    {0x7F800001u, 0x7F800001u, ONE}, /* no arithmetic, so not even quieted */
    {0x80000001u, 0x00000000u, 0x00000000u},
    {0x00000001u, 0x00000001u, ONE},
    {0xBF800000u, 0x00000000u, 0x00000000u},
    {0x7F7FFFFFu, 0x7F7FFFFFu, ONE},
};

/* float64, checked against numpy's IEEE float64 arithmetic. */
#if defined(__aarch64__)
#define DEFAULT_NAN64 0x7FF8000000000000ULL
#else
#define DEFAULT_NAN64 0xFFF8000000000000ULL
#endif
#define ONE64 0x3FF0000000000000ULL
#define SLOPE64_001 0x3F847AE147AE147BULL /* 0.01 */

static const struct leaky_case64 {
    double slope;
    uint64_t x, forward, backward;
} leaky_cases64[] = {
    {0.01, 0x7FF0000000000000ULL, 0x7FF0000000000000ULL, ONE64},       /* +inf */
    {0.01, 0xFFF0000000000000ULL, 0xFFF0000000000000ULL, SLOPE64_001}, /* -inf */
    {0.01, 0x0000000000000000ULL, 0x0000000000000000ULL, SLOPE64_001}, /* +0: gradient a */
    {0.01, 0x8000000000000000ULL, 0x8000000000000000ULL, SLOPE64_001}, /* -0 * a = -0 */
    {0.01, 0x7FF8000000000001ULL, 0x7FF8000000000001ULL, SLOPE64_001}, /* NaN payload kept */
    {0.01, 0xFFF8000000012345ULL, 0xFFF8000000012345ULL, SLOPE64_001},
    {0.01, 0x7FF0000000000001ULL, 0x7FF8000000000001ULL, SLOPE64_001},  /* sNaN quieted */
    {0.01, 0x0000000000000001ULL, 0x0000000000000001ULL, ONE64},        /* denormal kept */
    {0.01, 0x8000000000000001ULL, 0x8000000000000000ULL, SLOPE64_001},  /* rounds to -0 */
    {0.01, 0x8010000000000000ULL, 0x800028F5C28F5C29ULL, SLOPE64_001},  /* to a denormal */
    {0.01, 0xFFEFFFFFFFFFFFFFULL, 0xFF847AE147AE147AULL, SLOPE64_001},  /* -max * 0.01 */
    {0.01, 0xBFF0000000000000ULL, 0xBF847AE147AE147BULL, SLOPE64_001},  /* -1 */
    {0.0, 0xFFF0000000000000ULL, DEFAULT_NAN64, 0x0000000000000000ULL}, /* 0 * -inf */
    {0.0, 0xBFF0000000000000ULL, 0x8000000000000000ULL, 0x0000000000000000ULL},
    {-0.5, 0xFFF0000000000000ULL, 0x7FF0000000000000ULL, 0xBFE0000000000000ULL},
    {-0.5, 0x8010000000000000ULL, 0x0008000000000000ULL, 0xBFE0000000000000ULL},
    {-0.5, 0xFFEFFFFFFFFFFFFFULL, 0x7FDFFFFFFFFFFFFFULL, 0xBFE0000000000000ULL},
    {1.5, 0x8000000000000001ULL, 0x8000000000000002ULL, 0x3FF8000000000000ULL},
    {1.5, 0xFFEFFFFFFFFFFFFFULL, 0xFFF0000000000000ULL, 0x3FF8000000000000ULL}, /* overflow */
    {1e300, 0x8000000000000001ULL, 0xBB17E43C8800759CULL, 0x7E37E43C8800759CULL},
    {1e300, 0xBFF0000000000000ULL, 0xFE37E43C8800759CULL, 0x7E37E43C8800759CULL},
    {1e-300, 0x8010000000000000ULL, 0x8000000000000000ULL, 0x01A56E1FC2F8F359ULL}, /* to -0 */
    {1e-300, 0xFFEFFFFFFFFFFFFFULL, 0xC1A56E1FC2F8F358ULL, 0x01A56E1FC2F8F359ULL},
};

static const struct relu_case64 {
    uint64_t x, forward, backward;
} relu_cases64[] = {
    {0xFFF0000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL}, /* -inf gives 0 */
    {0x8000000000000000ULL, 0x8000000000000000ULL, 0x0000000000000000ULL}, /* -0 stays */
    {0x7FF8000000000001ULL, 0x7FF8000000000001ULL, ONE64},                 /* NaN passes */
    {0x7FF0000000000001ULL, 0x7FF0000000000001ULL, ONE64},                 /* not quieted */
    {0x8000000000000001ULL, 0x0000000000000000ULL, 0x0000000000000000ULL},
    {0x7FEFFFFFFFFFFFFFULL, 0x7FEFFFFFFFFFFFFFULL, ONE64},
};

/* Each value is repeated over a length that uses the unrolled loop, the single-vector
 * loop and the masked tail of every path. */
enum { REPEAT = 16 * 4 + 16 + 7 };

static void check_all64(const char *what, leaky_isa isa, const double *got, uint64_t want,
                        uint64_t x)
{
    for (int i = 0; i < REPEAT; i++) {
        uint64_t g;
        memcpy(&g, &got[i], sizeof g);
        CHECK(g == want,
              "%s on %s: x = 0x%016" PRIX64 " gave 0x%016" PRIX64 " at %d, expected "
              "0x%016" PRIX64,
              what, leaky_isa_name(isa), x, g, i, want);
    }
}

static void check_f64(leaky_isa isa)
{
    double x[REPEAT], y[REPEAT], dy[REPEAT];
    for (int i = 0; i < REPEAT; i++)
        dy[i] = 1.0;
    for (size_t c = 0; c < sizeof leaky_cases64 / sizeof leaky_cases64[0]; c++) {
        const struct leaky_case64 *t = &leaky_cases64[c];
        for (int i = 0; i < REPEAT; i++)
            memcpy(&x[i], &t->x, sizeof t->x);
        CHECK(leaky_relu_f64(x, y, REPEAT, t->slope) == LEAKY_OK, "f64 forward status");
        check_all64("leaky_relu_f64", isa, y, t->forward, t->x);
        CHECK(leaky_relu_backward_f64(x, dy, y, REPEAT, t->slope) == LEAKY_OK, "status");
        check_all64("leaky_relu_backward_f64", isa, y, t->backward, t->x);
        CHECK(leaky_relu_derivative_f64(x, y, REPEAT, t->slope) == LEAKY_OK, "status");
        check_all64("leaky_relu_derivative_f64", isa, y, t->backward, t->x);
        /* PReLU with that slope shared, and RReLU with lower = upper = the slope. */
        CHECK(leaky_prelu_f64(x, y, 1, 1, REPEAT, &t->slope, 1) == LEAKY_OK, "status");
        check_all64("leaky_prelu_f64", isa, y, t->forward, t->x);
        CHECK(leaky_rrelu_train_f64(x, y, REPEAT, t->slope, t->slope, 1, NULL) == LEAKY_OK,
              "status");
        check_all64("leaky_rrelu_train_f64", isa, y, t->forward, t->x);
    }
    for (size_t c = 0; c < sizeof relu_cases64 / sizeof relu_cases64[0]; c++) {
        const struct relu_case64 *t = &relu_cases64[c];
        for (int i = 0; i < REPEAT; i++)
            memcpy(&x[i], &t->x, sizeof t->x);
        CHECK(leaky_plain_relu_f64(x, y, REPEAT) == LEAKY_OK, "f64 relu status");
        check_all64("leaky_plain_relu_f64", isa, y, t->forward, t->x);
        CHECK(leaky_plain_relu_backward_f64(x, dy, y, REPEAT) == LEAKY_OK, "status");
        check_all64("leaky_plain_relu_backward_f64", isa, y, t->backward, t->x);
    }
}

static void check_all(const char *what, leaky_isa isa, const float *got, uint32_t want, uint32_t x)
{
    for (int i = 0; i < REPEAT; i++)
        CHECK(bits_of(got[i]) == want,
              "%s on %s: x = 0x%08" PRIX32 " (%g) gave 0x%08" PRIX32
              " at %d, expected 0x%08" PRIX32,
              what, leaky_isa_name(isa), x, (double)float_of(x), bits_of(got[i]), i, want);
}

/* Where x > 0 every backward hands the gradient on untouched, a signalling NaN included
 * (no arithmetic touches it, as in PyTorch's scalar loops and relu's backward); where
 * x <= 0 it is multiplied, which quiets it. Compilers may rewrite the rule into a multiply
 * by 1 (clang does), so this is pinned on every path, both types. */
#define SNAN32 0x7FA00001u
#define QNAN32 0x7FE00001u
#define SNAN64 0x7FF4000000000001ull
#define QNAN64 0x7FFC000000000001ull

static void check_signalling_gradient(leaky_isa isa)
{
    float x[REPEAT], dy[REPEAT], dx[REPEAT];
    double x64[REPEAT], dy64[REPEAT], dx64[REPEAT];
    const float slope = 0.25f;
    const double slope64 = 0.25;
    for (int sign = 1; sign >= -1; sign -= 2) {
        const uint32_t want = sign > 0 ? SNAN32 : QNAN32;
        const uint64_t want64 = sign > 0 ? SNAN64 : QNAN64;
        for (int i = 0; i < REPEAT; i++) {
            x[i] = (float)sign;
            dy[i] = float_of(SNAN32);
            x64[i] = sign;
            memcpy(&dy64[i], &(uint64_t){SNAN64}, sizeof dy64[i]);
        }
        CHECK(leaky_relu_backward_f32(x, dy, dx, REPEAT, slope) == LEAKY_OK, "status");
        check_all("leaky_relu_backward_f32, dy = sNaN", isa, dx, want, bits_of(x[0]));
        CHECK(leaky_relu_backward_from_output_f32(x, dy, dx, REPEAT, slope) == LEAKY_OK, "status");
        check_all("leaky_relu_backward_from_output_f32, dy = sNaN", isa, dx, want, bits_of(x[0]));
        CHECK(leaky_prelu_backward_f32(x, dy, dx, NULL, REPEAT, 1, 1, &slope, 1) == LEAKY_OK,
              "status");
        check_all("leaky_prelu_backward_f32, dy = sNaN", isa, dx, want, bits_of(x[0]));
        CHECK(leaky_rrelu_backward_f32(x, dy, dx, REPEAT, slope, 2 * slope, 9) == LEAKY_OK,
              "status");
        check_all("leaky_rrelu_backward_f32, dy = sNaN", isa, dx, want, bits_of(x[0]));
        CHECK(leaky_relu_backward_f64(x64, dy64, dx64, REPEAT, slope64) == LEAKY_OK, "status");
        check_all64("leaky_relu_backward_f64, dy = sNaN", isa, dx64, want64, (uint64_t)sign);
        CHECK(leaky_prelu_backward_f64(x64, dy64, dx64, NULL, REPEAT, 1, 1, &slope64, 1) ==
                  LEAKY_OK,
              "status");
        check_all64("leaky_prelu_backward_f64, dy = sNaN", isa, dx64, want64, (uint64_t)sign);
        CHECK(leaky_rrelu_backward_f64(x64, dy64, dx64, REPEAT, slope64, 2 * slope64, 9) ==
                  LEAKY_OK,
              "status");
        check_all64("leaky_rrelu_backward_f64, dy = sNaN", isa, dx64, want64, (uint64_t)sign);
    }
}

int main(void)
{
    leaky_isa isas[LEAKY_ISA_COUNT];
    const int nisa = test_isas(isas);
    float x[REPEAT], y[REPEAT], dy[REPEAT];
    for (int i = 0; i < REPEAT; i++)
        dy[i] = 1.0f;
    for (int k = 0; k < nisa; k++) {
        CHECK(leaky_set_isa(isas[k]) == LEAKY_OK, "set_isa %s", leaky_isa_name(isas[k]));
        for (size_t c = 0; c < sizeof leaky_cases / sizeof leaky_cases[0]; c++) {
            const struct leaky_case *t = &leaky_cases[c];
            for (int i = 0; i < REPEAT; i++)
                x[i] = float_of(t->x);
            CHECK(leaky_relu_f32(x, y, REPEAT, t->slope) == LEAKY_OK, "forward status");
            check_all("leaky_relu_f32", isas[k], y, t->forward, t->x);
            CHECK(leaky_relu_backward_f32(x, dy, y, REPEAT, t->slope) == LEAKY_OK, "status");
            check_all("leaky_relu_backward_f32", isas[k], y, t->backward, t->x);
            CHECK(leaky_relu_derivative_f32(x, y, REPEAT, t->slope) == LEAKY_OK, "status");
            check_all("leaky_relu_derivative_f32", isas[k], y, t->backward, t->x);
        }
        for (size_t c = 0; c < sizeof relu_cases / sizeof relu_cases[0]; c++) {
            const struct relu_case *t = &relu_cases[c];
            for (int i = 0; i < REPEAT; i++)
                x[i] = float_of(t->x);
            CHECK(leaky_plain_relu_f32(x, y, REPEAT) == LEAKY_OK, "relu status");
            check_all("leaky_plain_relu_f32", isas[k], y, t->forward, t->x);
            CHECK(leaky_plain_relu_backward_f32(x, dy, y, REPEAT) == LEAKY_OK, "status");
            check_all("leaky_plain_relu_backward_f32", isas[k], y, t->backward, t->x);
        }
        /* PReLU and RReLU (lower = upper) with the slope give leaky's bits. */
        for (size_t c = 0; c < sizeof leaky_cases / sizeof leaky_cases[0]; c++) {
            const struct leaky_case *t = &leaky_cases[c];
            for (int i = 0; i < REPEAT; i++)
                x[i] = float_of(t->x);
            CHECK(leaky_prelu_f32(x, y, REPEAT, 1, 1, &t->slope, 1) == LEAKY_OK, "status");
            check_all("leaky_prelu_f32", isas[k], y, t->forward, t->x);
            CHECK(leaky_prelu_backward_f32(x, dy, y, NULL, REPEAT, 1, 1, &t->slope, 1) == LEAKY_OK,
                  "status");
            check_all("leaky_prelu_backward_f32", isas[k], y, t->backward, t->x);
            CHECK(leaky_rrelu_train_f32(x, y, REPEAT, t->slope, t->slope, 9, NULL) == LEAKY_OK,
                  "status");
            check_all("leaky_rrelu_train_f32", isas[k], y, t->forward, t->x);
            CHECK(leaky_rrelu_backward_f32(x, dy, y, REPEAT, t->slope, t->slope, 9) == LEAKY_OK,
                  "status");
            check_all("leaky_rrelu_backward_f32", isas[k], y, t->backward, t->x);
        }
        check_f64(isas[k]);
        check_signalling_gradient(isas[k]);
    }
    return test_finish("edges");
}
