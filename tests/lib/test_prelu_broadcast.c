/* SPDX-License-Identifier: MIT */
/* leaky_prelu_broadcast_T and its backward: every kind of slope shape ONNX's and NumPy's
 * unidirectional broadcasting allows (scalar, per channel on any axis, per element,
 * several axes, axes split by broadcast ones, size-1 and size-0 axes), against the
 * definition, on every CPU path. */
#include <math.h>

#include "test.h"

/* Values of both signs from -4 to 4, a zero of each sign now and then. */
static double random_value(void)
{
    static uint32_t counter = 20261206;
    const uint32_t r = mix(counter++);
    if (r % 32 == 0)
        return r & 32 ? 0.0 : -0.0;
    return ((double)r / 4294967296.0 - 0.5) * 8.0;
}

struct bshape {
    const char *name;
    size_t x_ndim, w_ndim;
    size_t x[6], w[6];
};

/* The index into w of x's element i: its multi-index with w's broadcast axes at 0. */
static size_t slope_index(const struct bshape *b, size_t i)
{
    size_t k = 0, stride = 1;
    for (size_t d = b->x_ndim; d-- > 0;) {
        const size_t at = i % b->x[d];
        i /= b->x[d];
        if (d + b->w_ndim >= b->x_ndim) {
            const size_t wd = b->w[d + b->w_ndim - b->x_ndim];
            k += (wd == 1 ? 0 : at) * stride;
            stride *= wd;
        }
    }
    return k;
}

static const struct bshape shapes[] = {
    {"scalar w", 3, 0, {2, 3, 4}, {0}},
    {"w (1)", 3, 1, {2, 3, 4}, {1}},
    {"0-d x", 0, 0, {0}, {0}},
    {"per channel, dimension 1 (NCHW)", 4, 3, {2, 3, 4, 5}, {3, 1, 1}},
    {"per channel, last (NHWC)", 4, 1, {2, 4, 5, 3}, {3}},
    {"per channel, first", 3, 3, {3, 4, 5}, {3, 1, 1}},
    {"per element (ONNX's test_prelu_example)", 3, 3, {3, 4, 5}, {3, 4, 5}},
    {"ONNX's test_prelu_broadcast", 3, 1, {3, 4, 5}, {5}},
    {"two adjacent axes", 4, 3, {2, 3, 4, 5}, {3, 4, 1}},
    {"axes split by a broadcast one", 4, 3, {2, 3, 4, 5}, {3, 1, 5}},
    {"first and last", 4, 4, {3, 2, 4, 5}, {3, 1, 1, 5}},
    {"alternating", 5, 5, {3, 2, 4, 2, 5}, {3, 1, 4, 1, 5}},
    {"size-1 axes", 5, 4, {2, 1, 3, 1, 4}, {1, 3, 1, 4}},
    {"a zero-size axis", 3, 1, {2, 0, 4}, {4}},
    {"large, channels at 1", 3, 2, {4, 64, 1000}, {64, 1}},
    {"large, split", 4, 4, {8, 16, 9, 300}, {8, 1, 9, 1}},
    {"large, per element", 2, 2, {300, 301}, {300, 301}},
};

#define TT float
#define TS f32
#define TSTR_ "f32"
#include "prelu_broadcast_typed.h"
#undef TT
#undef TS
#undef TSTR_
#define TT double
#define TS f64
#define TSTR_ "f64"
#include "prelu_broadcast_typed.h"
#undef TT
#undef TS
#undef TSTR_

int main(void)
{
    leaky_isa isas[LEAKY_ISA_COUNT];
    const int nisas = test_isas(isas);
    for (int i = 0; i < nisas; i++) {
        leaky_set_isa(isas[i]);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            f32_check(&shapes[s]);
            f64_check(&shapes[s]);
        }
    }
    f32_errors();
    f64_errors();
    return test_finish("test_prelu_broadcast");
}
