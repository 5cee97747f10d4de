/* SPDX-License-Identifier: MIT */
/* Bias + activation (leaky_bias_*) through the public functions, float32 and float64, on
 * every path:
 *   - y and dx bit for bit against the rule (z = x + bias[c], then the activation), out
 *     of place and in place, over shapes with 0 to 67 channels, NCHW maps short and long,
 *     channels last;
 *   - dbias and dslopes overwritten, within the promised bound of an exact (long double)
 *     sum, and the same bits on every path;
 *   - every error: status, a message naming the argument, nothing written.
 * `test_bias digest` prints a digest of large calls' results instead, which must not depend
 * on LEAKY_NUM_THREADS or the path (tests/lib/threads_test.sh). */
#include <math.h>

#include "test.h"

static uint64_t rng = 20261206;
static uint64_t next64(void) { return leaky_splitmix64(rng++); }
/* Mostly ordinary values of both signs, some zeros and tiny ones. */
static double random_value(void)
{
    const uint64_t r = next64();
    switch (r % 16) {
    case 0: return 0.0;
    case 1: return -0.0;
    case 2: return ldexp((double)(r >> 40) - 8e6, -140);
    default: return ((double)(r >> 11) / 9007199254740992.0 - 0.5) * 8.0;
    }
}

static uint64_t digest = 1469598103934665603ull;
static void digest_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        digest = (digest ^ b[i]) * 1099511628211ull;
}

enum { ACT_LEAKY, ACT_RELU, ACT_PRELU, ACTS };
static const char *const act_names[ACTS] = {"leaky_relu", "relu", "prelu"};

struct shape {
    size_t outer, channels, inner;
};
/* Channels 0 to 67; maps of 1 (channels last), 3, 7x7, 64 and more; rows of either plan,
 * one channel among them (its one slope then a row of copies in the backward's rows).
 * Then calls over LEAKY_NONTEMPORAL_BYTES (20 MiB read and written), whose outputs are
 * streamed: 7x7 maps (forward rows, backward short runs stored plainly), channels last
 * (rows of whole vectors) and runs of whole vectors (test_prelu_rrelu has the other
 * streamed forms of the same kernels). */
static const struct shape shapes[] = {
    {3, 5, 7},     {2, 64, 49}, {2, 3, 100},   {1, 67, 1},     {5, 17, 3},    {4, 1, 33},
    {0, 4, 5},     {2, 0, 3},   {300, 64, 1},  {3, 2, 16},     {1, 1, 1},     {7, 9, 64},
    {2, 33, 17},   {1, 66, 2},  {40, 3, 1},    {6, 8, 31},     {1, 6, 600},   {9, 1, 1},
    {1, 2, 17000}, {12, 1, 8},  {844, 64, 49}, {41400, 64, 1}, {2, 64, 20736}};

#define TT float
#define TS f32
#define TNAME_STR "f32"
#define BOUND 4.8e-7L
#include "bias_typed.h"
#undef TT
#undef TS
#undef TNAME_STR
#undef BOUND
#define TT double
#define TS f64
#define TNAME_STR "f64"
#define BOUND 1e-14L
#include "bias_typed.h"

/* Every error names its argument and leaves the outputs alone. */
static void check_errors(void)
{
    float x[12], y[12], b[3] = {1, 2, 3}, w[3] = {0.25f, 0.5f, 0.75f}, dy[12], db[3], dw[3];
    for (int i = 0; i < 12; i++)
        x[i] = (float)i - 6, dy[i] = 1, y[i] = 99;
    const struct {
        leaky_status got;
        const char *expect;
    } cases[] = {
        {leaky_bias_leaky_relu_f32(x, NULL, y, 2, 3, 2, 0.1f), "bias"},
        {leaky_bias_leaky_relu_f32(x, b, y, 2, 3, 2, INFINITY), "negative_slope"},
        {leaky_bias_relu_f32(x, b, NULL, 2, 3, 2), "y"},
        {leaky_bias_prelu_f32(x, b, y, 2, 3, 2, w, 2), "num_slopes"},
        {leaky_bias_prelu_f32(x, b, y, 2, 3, 2, NULL, 3), "slopes"},
        {leaky_bias_relu_f32(x, y + 1, y, 2, 3, 2), "bias"},
        {leaky_bias_relu_backward_f32(x, b, dy, x, db, 2, 3, 2), "dx"},
        {leaky_bias_relu_backward_f32(x, b, dy, y, dy + 1, 2, 3, 2), "dbias"},
        {leaky_bias_prelu_backward_f32(x, b, dy, y, db, db, 2, 3, 2, w, 3), "dbias"},
        {leaky_bias_leaky_relu_backward_f32(x, b, dy, y, b, 2, 3, 2, 0.1f), "dbias"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(cases[i].got == LEAKY_EINVAL, "error case %zu: status %d", i, (int)cases[i].got);
    for (int i = 0; i < 12; i++)
        CHECK(y[i] == 99, "an error wrote y[%d]", i);
    CHECK(b[0] == 1 && dy[1] == 1 && x[0] == -6, "an error wrote an input");
    leaky_bias_prelu_f32(x, b, y, 2, 3, 2, w, 2);
    CHECK(strstr(leaky_last_error(), "num_slopes is 2") != NULL, "message: %s", leaky_last_error());
    leaky_bias_leaky_relu_f32(x, NULL, y, 2, 3, 2, 0.1f);
    CHECK(strstr(leaky_last_error(), "bias") != NULL, "message: %s", leaky_last_error());
    (void)dw;
}

/* A layer with a bias gives the fused functions' results, and accumulates its gradients. */
static void check_layers(void)
{
    float x[24], dy[24], y[24], want[24], dx[24], want_dx[24], db[3], dw[3], grad[3];
    const float bias[3] = {0.5f, -1.0f, 2.0f}, slopes[3] = {0.25f, -0.5f, 1.5f};
    for (int i = 0; i < 24; i++)
        x[i] = (float)random_value(), dy[i] = (float)random_value();
    const size_t nchw[3] = {2, 3, 4}, last[2] = {8, 3};
    leaky_layer *l = NULL;

    CHECK(leaky_layer_create_leaky_relu(&l, 0.1f, false) == LEAKY_OK, "create");
    CHECK(leaky_layer_num_bias(l) == 0, "no bias at first");
    CHECK(leaky_layer_add_bias(l, 3, false) == LEAKY_OK, "%s", leaky_last_error());
    CHECK(leaky_layer_num_bias(l) == 3, "3 biases");
    CHECK(leaky_layer_get_bias(l, grad, 3) == LEAKY_OK && grad[0] == 0 && grad[2] == 0,
          "a new bias is 0");
    CHECK(leaky_layer_set_bias(l, bias, 3) == LEAKY_OK, "set_bias");
    CHECK(leaky_layer_forward_f32(l, x, y, 3, nchw) == LEAKY_OK, "%s", leaky_last_error());
    leaky_bias_leaky_relu_f32(x, bias, want, 2, 3, 4, 0.1f);
    CHECK(memcmp(y, want, sizeof y) == 0, "leaky layer with a bias: y differs");
    for (int twice = 0; twice < 2; twice++)
        CHECK(leaky_layer_backward_f32(l, x, dy, dx, 3, nchw) == LEAKY_OK, "%s",
              leaky_last_error());
    leaky_bias_leaky_relu_backward_f32(x, bias, dy, want_dx, db, 2, 3, 4, 0.1f);
    CHECK(memcmp(dx, want_dx, sizeof dx) == 0, "leaky layer with a bias: dx differs");
    CHECK(leaky_layer_get_bias_grad(l, grad, 3) == LEAKY_OK, "get_bias_grad");
    for (int c = 0; c < 3; c++)
        CHECK(grad[c] == db[c] + db[c], "bias grad[%d] %g, two backwards of %g", c, (double)grad[c],
              (double)db[c]);
    CHECK(leaky_layer_zero_grad(l) == LEAKY_OK && leaky_layer_get_bias_grad(l, grad, 3) == 0 &&
              grad[1] == 0,
          "zero_grad clears the bias grad");
    CHECK(leaky_layer_forward_f32(l, x, y, 2, (const size_t[]){6, 4}) == LEAKY_EINVAL,
          "4 channels against 3 biases");
    CHECK(strstr(leaky_last_error(), "bias") != NULL, "message: %s", leaky_last_error());
    CHECK(leaky_layer_get_bias(l, grad, 2) == LEAKY_EINVAL, "get_bias with n = 2");
    leaky_layer_destroy(l);

    CHECK(leaky_layer_create_prelu(&l, 3, 0.25f, false) == LEAKY_OK, "create prelu");
    CHECK(leaky_layer_set_slopes(l, slopes, 3) == LEAKY_OK, "slopes");
    CHECK(leaky_layer_add_bias(l, 3, false) == LEAKY_OK && leaky_layer_set_bias(l, bias, 3) == 0,
          "prelu bias");
    leaky_layer_forward_f32(l, x, y, 3, nchw);
    leaky_bias_prelu_f32(x, bias, want, 2, 3, 4, slopes, 3);
    CHECK(memcmp(y, want, sizeof y) == 0, "prelu layer with a bias: y differs");
    leaky_layer_backward_f32(l, x, dy, dx, 3, nchw);
    leaky_bias_prelu_backward_f32(x, bias, dy, want_dx, db, dw, 2, 3, 4, slopes, 3);
    CHECK(memcmp(dx, want_dx, sizeof dx) == 0, "prelu layer with a bias: dx differs");
    leaky_layer_get_bias_grad(l, grad, 3);
    CHECK(memcmp(grad, db, sizeof db) == 0, "prelu layer: bias grad differs");
    leaky_layer_get_slope_grad(l, grad, 3);
    CHECK(memcmp(grad, dw, sizeof dw) == 0, "prelu layer: slope grad differs");
    leaky_layer_destroy(l);

    CHECK(leaky_layer_create_relu(&l, false) == LEAKY_OK, "create relu");
    CHECK(leaky_layer_add_bias(l, 3, true) == LEAKY_OK, "channels last bias");
    leaky_layer_set_bias(l, bias, 3);
    leaky_layer_forward_f32(l, x, y, 2, last);
    leaky_bias_relu_f32(x, bias, want, 8, 3, 1);
    CHECK(memcmp(y, want, sizeof y) == 0, "relu layer, channels last: y differs");
    leaky_layer_destroy(l);

    CHECK(leaky_layer_create_relu(&l, true) == LEAKY_OK, "in place");
    CHECK(leaky_layer_add_bias(l, 3, false) == LEAKY_EINVAL, "in-place layer with a bias");
    leaky_layer_destroy(l);
    CHECK(leaky_layer_create_rrelu(&l, 0.1f, 0.3f, 1) == LEAKY_OK, "rrelu");
    CHECK(leaky_layer_add_bias(l, 3, false) == LEAKY_EINVAL, "RReLU with a bias");
    CHECK(strstr(leaky_last_error(), "RReLU") != NULL, "message: %s", leaky_last_error());
    leaky_layer_destroy(l);
    CHECK(leaky_layer_create_relu(&l, false) == LEAKY_OK, "relu");
    CHECK(leaky_layer_add_bias(l, 0, false) == LEAKY_EINVAL, "0 channels");
    leaky_layer_destroy(l);
}

static uint64_t digest_all(void)
{
    digest_f32();
    digest_f64();
    return digest;
}

int main(int argc, char **argv)
{
    const int command = test_threads_commands(argc, argv, digest_all);
    if (command >= 0)
        return command;
    leaky_isa isas[LEAKY_ISA_COUNT];
    const int nisa = test_isas(isas);
    check_all_f32(isas, nisa);
    check_all_f64(isas, nisa);
    check_errors();
    check_layers();
    return test_finish("bias");
}
