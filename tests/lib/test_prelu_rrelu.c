/* SPDX-License-Identifier: MIT */
/* PReLU and RReLU through the public functions, float32 and float64, on every path:
 *   - y and dx bit for bit against the rule; dw within 1e-6 of the sum of |terms| of an
 *     exact (long double) sum, and the same bits on every path, over many shapes
 *     (shared slope, channel at dimension 1, channels last, short and long rows);
 *   - gradient checks by central finite differences in double (PReLU dx and dw, RReLU dx);
 *   - RReLU: the drawn slopes against U(lower, upper) (Kolmogorov-Smirnov, 1e6 samples),
 *     the same on every path, backward = the forward's noise times dy, eval = leaky at
 *     the mean;
 *   - every error: status, a message naming the values, nothing written.
 * `test_prelu_rrelu digest` prints a digest of results instead, which must not depend on
 * LEAKY_NUM_THREADS (tests/lib/threads_test.sh compares 1 and 2 threads). */
#include <math.h>

#include "test.h"

static uint64_t rng = 20261126;
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

/* Adversaries of the slope gradient's sum (leaky.h: within 1e-6 of the sum of |terms|):
 * x and dy of the j-th element of a channel; x <= 0 throughout, so that every element is
 * a term, and every channel's exact sum a float32.
 *   1 cancellation: terms of +-1e3 (and a little noise) whose sum is nearly 0;
 *   2 mixed magnitudes: terms from 2^-142 to 2^102 (float sums of x * 2^64 * dy that
 *     overflow, tiny terms);
 *   3 tiny: terms of 1.5e-41, below float's normal numbers, where a float product
 *     would be 3.3e-5 off, each time the same way;
 *   4 huge: terms near 1e22, too large for a float sum of x * 2^64 * dy;
 *   5 overflow that cancels: terms of +-1e60 (no float holds them) that sum to 0 (an even
 *     number of elements in each channel). */
enum { ADVERSARIES = 5 };
static int adversary; /* 0: random_value() for x and dy */
static void adversarial_pair(size_t j, double *x, double *dy)
{
    const uint64_t r = next64();
    const double u = (double)(r >> 11) / 9007199254740992.0; /* [0, 1) */
    const double sign = j % 3 == 1 ? 1 : -1;
    switch (adversary) {
    case 1: *x = -(1 + u * 1e-3), *dy = sign * 1e3; break;
    case 2:
        *x = -ldexp(1 + u, (int)(r % 116) - 65);
        *dy = sign * ldexp(1 + u / 2, (int)(r >> 8 & 127) - 77);
        break;
    case 3: *x = -1e-20, *dy = sign * 1.5e-21; break;
    case 4: *x = -1e20 * (1 + u), *dy = sign * 100; break;
    default: *x = -1e30, *dy = j % 2 ? 1e30 : -1e30; break;
    }
}

static uint64_t digest = 1469598103934665603ull;
static void digest_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        digest = (digest ^ b[i]) * 1099511628211ull;
}

struct shape {
    size_t outer, channels, inner, num_slopes;
};
static const struct shape shapes[] = {
    {1, 1, 1, 1},
    {2, 3, 4, 3},
    {2, 3, 4, 1},
    {5, 17, 1, 17},
    {3, 3, 2, 3},
    {4, 5, 15, 5},
    {2, 7, 63, 7},
    {2, 7, 64, 7},
    {3, 4, 65, 4},
    {1, 64, 300, 64},
    {700, 3, 1, 3},
    {33, 64, 1, 64},
    {2, 2, 40000, 2},
    {1, 1, 100003, 1},
    {3000, 19, 1, 19},
    {7, 600, 1, 600},
    {9, 3, 5000, 1},
    {1, 2, 33000, 2},
    /* The backward's plans at their thresholds: runs of 20 with fewer than 8 periods, of
     * 33 with more; rows of 5 (tiles of 350-element periods, a short last block). */
    {3, 5, 20, 5},
    {40, 6, 33, 6},
    {20, 70, 5, 70},
    /* Small maps, many runs a kernel call, over 2 threads. */
    {64, 64, 49, 64},
    /* Large enough for the pool to split them over 2 threads (the digest compares). */
    {16, 64, 1024, 64},
    {16384, 64, 1, 64},
    {1, 1, 1 << 20, 1},
    /* Over LEAKY_NONTEMPORAL_BYTES (20 MiB read and written): dx and y streamed, in long
     * runs, 7x7 maps (forward rows, backward short runs stored plainly), channels last
     * (rows of whole vectors), 4x4 maps (the backward's rows in tiles), runs of whole
     * vectors and runs off the vector boundaries. */
    {2, 16, 65536, 16},
    {844, 64, 49, 64},
    {41400, 64, 1, 64},
    {2600, 64, 16, 64},
    {2, 64, 20736, 64},
    {1, 64, 41473, 64},
};
/* For the adversaries: a long shared channel, runs, rows of 1 vector, rows that are not,
 * short runs many to a call, runs of a few periods. */
static const struct shape adversarial_shapes[] = {
    {1, 1, 1 << 18, 1}, {16, 8, 2048, 8}, {4096, 16, 1, 16}, {512, 7, 9, 7},
    {40, 3, 100, 3},    {64, 5, 40, 5},   {6, 3, 20, 3},
};

#define TT float
#define TS f32
#include "prelu_rrelu_typed.h"
#undef TT
#undef TS
#define LEAKY_TEST_DOUBLE_GRADIENTS
#define TT double
#define TS f64
#include "prelu_rrelu_typed.h"
#undef TT
#undef TS

/* The layer objects. */
static void check_layers(void)
{
    leaky_layer *l = NULL;
    /* nn.PReLU(3) on N=2, C=3, H*W=2: slopes per channel, the gradient accumulates. */
    CHECK(leaky_layer_create_prelu(&l, 3, LEAKY_PRELU_DEFAULT_INIT, false) == LEAKY_OK,
          "create prelu: %s", leaky_last_error());
    CHECK(leaky_layer_get_kind(l) == LEAKY_LAYER_PRELU && !strcmp(leaky_layer_name(l), "PReLU"),
          "prelu kind and name");
    CHECK(leaky_layer_num_parameters(l) == 3, "num parameters");
    float w[3] = {0}, g[3] = {1, 1, 1};
    CHECK(leaky_layer_get_slopes(l, w, 3) == LEAKY_OK && w[0] == 0.25f && w[2] == 0.25f,
          "init 0.25");
    CHECK(leaky_layer_get_slope_grad(l, g, 3) == LEAKY_OK && g[0] == 0 && g[1] == 0 && g[2] == 0,
          "gradient starts at 0");
    const float nw[3] = {0.1f, 0.2f, 0.3f};
    CHECK(leaky_layer_set_slopes(l, nw, 3) == LEAKY_OK, "set slopes");
    const size_t shape[4] = {2, 3, 1, 2};
    const float x[12] = {-1, 2, -3, 4, -5, 6, -7, 8, -9, 10, -11, 12};
    const float dy[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    float y[12], dx[12];
    CHECK(leaky_layer_forward_f32(l, x, y, 4, shape) == LEAKY_OK, "prelu forward");
    CHECK(y[0] == -1 * 0.1f && y[2] == -3 * 0.2f && y[4] == -5 * 0.3f && y[6] == -7 * 0.1f &&
              y[1] == 2,
          "per-channel slopes at dimension 1");
    CHECK(leaky_layer_backward_f32(l, x, dy, dx, 4, shape) == LEAKY_OK, "prelu backward");
    CHECK(leaky_layer_backward_f32(l, x, dy, dx, 4, shape) == LEAKY_OK, "prelu backward 2");
    CHECK(leaky_layer_get_slope_grad(l, g, 3) == LEAKY_OK && g[0] == 2 * (-1 - 7) &&
              g[1] == 2 * (-3 - 9) && g[2] == 2 * (-5 - 11),
          "gradient accumulated over two backwards: %g %g %g", (double)g[0], (double)g[1],
          (double)g[2]);
    CHECK(dx[0] == 0.1f && dx[1] == 1, "prelu dx");
    CHECK(leaky_layer_zero_grad(l) == LEAKY_OK && leaky_layer_get_slope_grad(l, g, 3) == LEAKY_OK &&
              g[0] == 0 && g[1] == 0,
          "zero_grad");
    /* The channel count must match. */
    CHECK(leaky_layer_forward_f32(l, x, y, 2, (const size_t[]){3, 4}) == LEAKY_EINVAL,
          "4 channels for 3 slopes");
    CHECK(strstr(leaky_last_error(), "4") && strstr(leaky_last_error(), "3"), "names both: %s",
          leaky_last_error());
    CHECK(leaky_layer_set_slopes(l, (const float[]){1, NAN, 1}, 3) == LEAKY_EINVAL, "NaN slope");
    CHECK(leaky_layer_set_slopes(l, nw, 2) == LEAKY_EINVAL, "wrong count");
    leaky_layer_destroy(l);
    /* Channels last: the last dimension. */
    CHECK(leaky_layer_create_prelu(&l, 2, 0.5f, true) == LEAKY_OK, "channels last");
    CHECK(leaky_layer_set_slopes(l, (const float[]){0.5f, 2.0f}, 2) == LEAKY_OK, "set");
    CHECK(leaky_layer_forward_f32(l, x, y, 2, (const size_t[]){6, 2}) == LEAKY_OK &&
              y[0] == -0.5f && y[2] == -1.5f && y[4] == -2.5f,
          "channels last slopes");
    CHECK(leaky_layer_forward_f32(l, x, y, 2, (const size_t[]){2, 6}) == LEAKY_EINVAL,
          "6 channels last");
    leaky_layer_destroy(l);
    /* One shared slope works on any shape, a 0-d one included. */
    CHECK(leaky_layer_create_prelu(&l, 1, 0.25f, false) == LEAKY_OK, "shared");
    float s = -4.0f;
    CHECK(leaky_layer_forward_f32(l, &s, &s, 0, NULL) == LEAKY_OK && s == -1.0f, "0-d");
    leaky_layer_destroy(l);
    CHECK(leaky_layer_create_prelu(&l, 0, 0.25f, false) == LEAKY_EINVAL, "0 parameters");
    CHECK(leaky_layer_create_prelu(&l, 1, INFINITY, false) == LEAKY_EINVAL, "inf init");

    /* nn.RReLU: training draws fresh slopes each forward; backward follows the last. */
    CHECK(leaky_layer_create_rrelu(&l, 0.1f, 0.3f, 7) == LEAKY_OK, "create rrelu");
    CHECK(leaky_layer_is_training(l) && !strcmp(leaky_layer_name(l), "RReLU"), "training");
    float xs[64], y1[64], y2[64], d[64], ones[64];
    for (int i = 0; i < 64; i++)
        xs[i] = -1.0f - (float)i, ones[i] = 1.0f;
    const size_t sh[1] = {64};
    CHECK(leaky_layer_forward_f32(l, xs, y1, 1, sh) == LEAKY_OK, "train forward 1");
    CHECK(leaky_layer_forward_f32(l, xs, y2, 1, sh) == LEAKY_OK, "train forward 2");
    CHECK(memcmp(y1, y2, sizeof y1) != 0, "fresh noise each forward");
    CHECK(leaky_layer_backward_f32(l, xs, ones, d, 1, sh) == LEAKY_OK, "train backward");
    bool follows = true;
    for (int i = 0; i < 64; i++) {
        follows &= d[i] * xs[i] == y2[i] || fabsf(d[i] * xs[i] - y2[i]) <= 1e-6f * fabsf(y2[i]);
        follows &= d[i] >= 0.1f && d[i] <= 0.3f;
    }
    CHECK(follows, "backward uses the last forward's slopes");
    CHECK(leaky_layer_set_training(l, false) == LEAKY_OK && !leaky_layer_is_training(l), "eval");
    CHECK(leaky_layer_forward_f32(l, xs, y1, 1, sh) == LEAKY_OK && y1[0] == -1 * 0.2f,
          "eval: slope (lower + upper) / 2");
    CHECK(leaky_layer_backward_f32(l, xs, ones, d, 1, sh) == LEAKY_OK && d[5] == 0.2f,
          "eval backward");
    leaky_layer_destroy(l);
    CHECK(leaky_layer_create_rrelu(&l, 0.1f, 0.3f, 7) == LEAKY_OK, "create rrelu");
    CHECK(leaky_layer_backward_f32(l, xs, ones, d, 1, sh) == LEAKY_EINVAL, "backward first");
    CHECK(strstr(leaky_last_error(), "forward") != NULL, "message: %s", leaky_last_error());
    leaky_layer_destroy(l);
    CHECK(leaky_layer_create_rrelu(&l, 0.5f, 0.1f, 7) == LEAKY_EINVAL, "lower > upper");
    CHECK(strstr(leaky_last_error(), "0.5") && strstr(leaky_last_error(), "0.1"), "message: %s",
          leaky_last_error());
}

static uint64_t digest_all(void)
{
    f32_digest();
    f64_digest();
    return digest;
}

int main(int argc, char **argv)
{
    const int command = test_threads_commands(argc, argv, digest_all);
    if (command >= 0)
        return command;
    leaky_isa isas[LEAKY_ISA_COUNT];
    const int nisa = test_isas(isas);
    printf("seed %llu\n", (unsigned long long)rng);
    f32_check_all(isas, nisa);
    f64_check_all(isas, nisa);
    check_layers();
    return test_finish("prelu_rrelu");
}
