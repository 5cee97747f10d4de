/* SPDX-License-Identifier: MIT */
/* The public functions on every path: every length 0-300, every misalignment 0-15
 * floats, in place, guard zones before and after the output, and every error case
 * (status, message, and nothing written). */
#include <math.h>

#include "test.h"

enum { MAX_N = 300, MAX_SHIFT = 16, GUARD = 32, CAP = GUARD + MAX_SHIFT + MAX_N + GUARD };
#define SENTINEL 0x7FBADBADu /* a NaN no operation can produce from these inputs */

static uint64_t rng_state;
static float random_input(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    const uint32_t r = (uint32_t)(rng_state >> 32);
    switch (r % 8) {
    case 0: return float_of(r); /* any pattern: NaN, inf, denormal */
    case 1: return 0.0f;
    default: return ((float)(r >> 8) / 8388608.0f - 1.0f) * 4.0f;
    }
}

enum op { FORWARD, BACKWARD, FROM_OUTPUT, DERIVATIVE, RELU, RELU_BACKWARD, OP_COUNT };
static const char *const op_names[OP_COUNT] = {"forward",    "backward", "backward_from_output",
                                               "derivative", "relu",     "relu_backward"};

static leaky_status call(enum op op, const float *x, const float *g, float *out, size_t n,
                         float slope)
{
    switch (op) {
    case FORWARD: return leaky_relu_f32(x, out, n, slope);
    case BACKWARD: return leaky_relu_backward_f32(x, g, out, n, slope);
    case FROM_OUTPUT: return leaky_relu_backward_from_output_f32(x, g, out, n, slope);
    case DERIVATIVE: return leaky_relu_derivative_f32(x, out, n, slope);
    case RELU: return leaky_plain_relu_f32(x, out, n);
    case RELU_BACKWARD: return leaky_plain_relu_backward_f32(x, g, out, n);
    default: return LEAKY_EINVAL;
    }
}

static void reference(enum op op, const float *x, const float *g, float *out, size_t n, float slope)
{
    const struct leaky_f32_params p = {.slope = slope};
    switch (op) {
    case FORWARD: leaky_f32_vlrelu__scalar(n, x, out, &p); break;
    case BACKWARD:
    case FROM_OUTPUT: leaky_f32_vlrelu_backward__scalar(n, x, g, out, &p); break;
    case DERIVATIVE: leaky_f32_vlrelu_derivative__scalar(n, x, out, &p); break;
    case RELU: leaky_f32_vrelu__scalar(n, x, out, &p); break;
    case RELU_BACKWARD: leaky_f32_vrelu_backward__scalar(n, x, g, out, &p); break;
    default: break;
    }
}

static bool binary(enum op op)
{
    return op == BACKWARD || op == FROM_OUTPUT || op == RELU_BACKWARD;
}

static void fill_sentinel(float *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = float_of(SENTINEL);
}

static size_t first_change(const float *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (bits_of(p[i]) != SENTINEL)
            return i;
    return n;
}

static float xs[CAP], gs[CAP], out[CAP], want[MAX_N];

static void check_lengths_and_alignment(leaky_isa isa, enum op op, float slope)
{
    for (size_t shift = 0; shift < MAX_SHIFT; shift++) {
        /* Input and output are misaligned differently, so every pairing is met. */
        float *x = xs + GUARD + shift, *g = gs + GUARD + (shift * 5) % MAX_SHIFT;
        float *y = out + GUARD + (shift * 7) % MAX_SHIFT;
        for (size_t n = 0; n <= MAX_N; n++) {
            for (size_t i = 0; i < n; i++) {
                x[i] = random_input();
                g[i] = random_input();
            }
            if (op == FROM_OUTPUT) /* an output of the forward: the sign of x survives */
                leaky_f32_vlrelu__scalar(n, x, x, &(struct leaky_f32_params){.slope = slope});
            reference(op, x, g, want, n, slope);
            fill_sentinel(out, CAP);
            CHECK(call(op, x, g, y, n, slope) == LEAKY_OK, "%s status: %s", op_names[op],
                  leaky_last_error());
            CHECK(memcmp(y, want, n * sizeof(float)) == 0,
                  "%s on %s, n = %zu, shift %zu: "
                  "differs from the reference",
                  op_names[op], leaky_isa_name(isa), n, shift);
            CHECK(first_change(out, (size_t)(y - out)) == (size_t)(y - out) &&
                      first_change(y + n, (size_t)(out + CAP - (y + n))) ==
                          (size_t)(out + CAP - (y + n)),
                  "%s on %s, n = %zu, shift %zu: wrote outside the output", op_names[op],
                  leaky_isa_name(isa), n, shift);
            /* In place: the output over the input (unary) or over the gradient (binary). */
            float *io = binary(op) ? g : x;
            CHECK(call(op, x, g, io, n, slope) == LEAKY_OK, "%s in place", op_names[op]);
            CHECK(memcmp(io, want, n * sizeof(float)) == 0, "%s on %s in place, n = %zu",
                  op_names[op], leaky_isa_name(isa), n);
        }
    }
}

static void check_errors(void)
{
    float x[8] = {-1, 2, -3, 4, -5, 6, -7, 8}, y[8], g[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    const float bad_slopes[] = {INFINITY, -INFINITY, NAN};
    for (size_t i = 0; i < 3; i++) {
        for (int op = 0; op < OP_COUNT; op++) {
            if (op == RELU || op == RELU_BACKWARD)
                continue;
            fill_sentinel(y, 8);
            CHECK(call((enum op)op, x, g, y, 8, bad_slopes[i]) == LEAKY_EINVAL,
                  "%s accepted slope %g", op_names[op], (double)bad_slopes[i]);
            CHECK(first_change(y, 8) == 8, "%s wrote with a bad slope", op_names[op]);
            CHECK(strstr(leaky_last_error(), "negative_slope") != NULL, "message: %s",
                  leaky_last_error());
            /* A non-finite slope is a mistake even when there is nothing to compute. */
            CHECK(call((enum op)op, NULL, NULL, NULL, 0, bad_slopes[i]) == LEAKY_EINVAL,
                  "%s accepted slope %g with n = 0", op_names[op], (double)bad_slopes[i]);
        }
    }
    fill_sentinel(y, 8);
    CHECK(leaky_relu_backward_from_output_f32(x, g, y, 8, -0.5f) == LEAKY_EINVAL,
          "backward from output accepted a negative slope");
    CHECK(first_change(y, 8) == 8, "backward from output wrote with a negative slope");
    CHECK(strstr(leaky_last_error(), "sign of y") != NULL, "message gives the reason: %s",
          leaky_last_error());
    CHECK(leaky_relu_backward_from_output_f32(x, g, y, 8, 0.0f) == LEAKY_OK, "slope 0 is fine");

    for (int op = 0; op < OP_COUNT; op++) {
        CHECK(call((enum op)op, NULL, NULL, NULL, 0, 0.01f) == LEAKY_OK, "%s n = 0 with NULL",
              op_names[op]);
        CHECK(call((enum op)op, NULL, g, y, 8, 0.01f) == LEAKY_EINVAL, "%s NULL x", op_names[op]);
        CHECK(strstr(leaky_last_error(), "is NULL with n = 8") != NULL, "message: %s",
              leaky_last_error());
        CHECK(call((enum op)op, x, g, NULL, 8, 0.01f) == LEAKY_EINVAL, "%s NULL output",
              op_names[op]);
        if (binary((enum op)op)) {
            CHECK(call((enum op)op, x, NULL, y, 8, 0.01f) == LEAKY_EINVAL, "%s NULL dy",
                  op_names[op]);
            fill_sentinel(y, 8);
            memcpy(y, x, sizeof x);
            CHECK(call((enum op)op, y, g, y, 8, 0.01f) == LEAKY_EINVAL,
                  "%s allowed dx to overwrite x", op_names[op]);
            CHECK(memcmp(y, x, sizeof x) == 0, "%s wrote over x", op_names[op]);
            CHECK(call((enum op)op, g, x + 1, x, 7, 0.01f) == LEAKY_EINVAL,
                  "%s allowed dx to overlap dy partly", op_names[op]);
        }
        /* Partial overlap of input and output is refused, and nothing is written. */
        float buf[9] = {1, -2, 3, -4, 5, -6, 7, -8, 9}, copy[9];
        memcpy(copy, buf, sizeof buf);
        CHECK(call((enum op)op, buf, g, buf + 1, 8, 0.01f) == LEAKY_EINVAL,
              "%s allowed a partial overlap", op_names[op]);
        CHECK(strstr(leaky_last_error(), "overlap") != NULL, "message: %s", leaky_last_error());
        CHECK(memcmp(buf, copy, sizeof buf) == 0, "%s wrote on a refused overlap", op_names[op]);
    }
    CHECK(leaky_relu_f32(x, y, SIZE_MAX, 0.01f) == LEAKY_EINVAL, "absurd n accepted");

    for (int s = LEAKY_OK; s <= LEAKY_EUNSUPPORTED; s++)
        CHECK(leaky_status_string((leaky_status)s) != NULL && *leaky_status_string((leaky_status)s),
              "status %d has a string", s);
    for (int i = 0; i < LEAKY_ISA_COUNT; i++) {
        if (leaky_isa_supported((leaky_isa)i))
            continue;
        CHECK(leaky_set_isa((leaky_isa)i) == LEAKY_EUNSUPPORTED, "set_isa(%s) accepted",
              leaky_isa_name((leaky_isa)i));
        CHECK(strstr(leaky_last_error(), leaky_isa_name((leaky_isa)i)) != NULL, "message: %s",
              leaky_last_error());
    }
    CHECK(leaky_set_isa(LEAKY_ISA_COUNT) == LEAKY_EUNSUPPORTED, "out-of-range ISA accepted");
    leaky_isa parsed;
    CHECK(leaky_isa_from_name("avx512", &parsed) == LEAKY_OK && parsed == LEAKY_ISA_AVX512,
          "parse avx512");
    CHECK(leaky_isa_from_name("avx1024", &parsed) == LEAKY_EINVAL, "parse nonsense");
}

int main(void)
{
    rng_state = 20261126;
    printf("seed %llu\n", (unsigned long long)rng_state);
    leaky_isa isas[LEAKY_ISA_COUNT];
    const int nisa = test_isas(isas);
    const float slopes[] = {0.01f, 0.0f, 1.5f, -0.5f};
    for (int k = 0; k < nisa; k++) {
        CHECK(leaky_set_isa(isas[k]) == LEAKY_OK, "set_isa");
        for (int op = 0; op < OP_COUNT; op++)
            for (size_t s = 0; s < sizeof slopes / sizeof slopes[0]; s++)
                if (!(op == FROM_OUTPUT && slopes[s] < 0) &&
                    !((op == RELU || op == RELU_BACKWARD) && s > 0))
                    check_lengths_and_alignment(isas[k], (enum op)op, slopes[s]);
    }
    check_errors();
    return test_finish("api");
}
