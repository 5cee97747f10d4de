/* SPDX-License-Identifier: MIT */
/* Arguments at the edges of what leaky.h allows: NULL out-parameters and layers, lengths
 * no array can have, PReLU with nothing to do, the slope gradient's NaN, which must be
 * the same bits on every path and for every alignment of dx, and arrays (PReLU's slopes
 * and gradients among them) at odd addresses. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "test.h"

static void expect_einval(leaky_status status, const char *needle, const char *what)
{
    CHECK(status == LEAKY_EINVAL, "%s: status %d, expected LEAKY_EINVAL", what, (int)status);
    CHECK(strstr(leaky_last_error(), needle) != NULL, "%s: message \"%s\" lacks \"%s\"", what,
          leaky_last_error(), needle);
}

static void null_isa_out_parameters(void)
{
    expect_einval(leaky_isa_active(NULL), "leaky_isa_active: isa is NULL", "isa_active(NULL)");
    expect_einval(leaky_isa_from_name("scalar", NULL), "leaky_isa_from_name: isa is NULL",
                  "isa_from_name(name, NULL)");
    leaky_isa isa = LEAKY_ISA_COUNT;
    CHECK(leaky_isa_from_name("scalar", &isa) == LEAKY_OK && isa == LEAKY_ISA_SCALAR,
          "a valid name with an out-parameter still parses");
}

static void null_layer_getters(void)
{
    CHECK(leaky_layer_get_kind(NULL) == LEAKY_LAYER_NONE, "get_kind(NULL) is LEAKY_LAYER_NONE");
    CHECK(strstr(leaky_last_error(), "leaky_layer_get_kind: layer is NULL"),
          "get_kind(NULL) leaves a message, got \"%s\"", leaky_last_error());
    CHECK(strcmp(leaky_layer_name(NULL), "(null)") == 0, "name(NULL) is \"(null)\"");
    CHECK(strstr(leaky_last_error(), "leaky_layer_name: layer is NULL"), "name(NULL) message");
    CHECK(!leaky_layer_is_inplace(NULL), "is_inplace(NULL) is false");
    CHECK(!leaky_layer_is_training(NULL), "is_training(NULL) is false");
    CHECK(leaky_layer_num_parameters(NULL) == 0, "num_parameters(NULL) is 0");
    CHECK(leaky_layer_num_bias(NULL) == 0, "num_bias(NULL) is 0");
    CHECK(isnan(leaky_layer_negative_slope(NULL)), "negative_slope(NULL) is NaN");
    CHECK(isnan(leaky_layer_rrelu_lower(NULL)), "rrelu_lower(NULL) is NaN");
    CHECK(isnan(leaky_layer_rrelu_upper(NULL)), "rrelu_upper(NULL) is NaN");
    CHECK(strstr(leaky_last_error(), "leaky_layer_rrelu_upper"), "rrelu_upper(NULL) message");
    float w[1];
    expect_einval(leaky_layer_get_slopes(NULL, w, 1), "layer is NULL", "get_slopes(NULL)");
    expect_einval(leaky_layer_set_slopes(NULL, w, 1), "layer is NULL", "set_slopes(NULL)");
    expect_einval(leaky_layer_get_slope_grad(NULL, w, 1), "layer is NULL", "get_slope_grad");
    expect_einval(leaky_layer_zero_grad(NULL), "layer is NULL", "zero_grad(NULL)");
    expect_einval(leaky_layer_set_training(NULL, true), "layer is NULL", "set_training(NULL)");
    leaky_layer *layer = NULL;
    CHECK(leaky_layer_create_rrelu(&layer, 0.125f, 0.25f, 1) == LEAKY_OK, "rrelu layer");
    CHECK(leaky_layer_get_kind(layer) == LEAKY_LAYER_RRELU && leaky_layer_is_training(layer) &&
              leaky_layer_rrelu_lower(layer) == 0.125f &&
              strcmp(leaky_layer_name(layer), "RReLU") == 0,
          "a real layer's getters are unchanged");
    leaky_layer_destroy(layer);
}

/* From 2^60 elements an array would span 2^63 bytes of float64 or more: no address space
 * holds it, and its end pointer wraps. Small buffers: the call must not touch them. */
static void lengths_no_array_can_have(void)
{
    double x[4] = {0}, y[4] = {0}, g[4] = {0};
    const size_t lengths[] = {(size_t)1 << 60, ((size_t)1 << 60) + 12345, ((size_t)1 << 61) - 1};
    for (size_t i = 0; i < sizeof lengths / sizeof *lengths; i++) {
        const size_t n = lengths[i];
        char what[64];
        snprintf(what, sizeof what, "n = %zu", n);
        expect_einval(leaky_relu_f64(x, y, n, 0.01), "larger than any array", what);
        expect_einval(leaky_relu_f64(x, x, n, 0.01), "larger than any array", what);
        expect_einval(leaky_relu_backward_f64(x, g, y, n, 0.01), "larger than any array", what);
        expect_einval(leaky_rrelu_train_f64(x, y, n, 0.1, 0.3, 1, NULL), "larger than any array",
                      what);
        expect_einval(leaky_relu_f32((const float *)x, (float *)y, n, 0.01f),
                      "larger than any array", what);
        expect_einval(leaky_prelu_f64(x, y, n, 1, 1, g, 1), "larger than any array", what);
        expect_einval(leaky_prelu_f64(x, y, n / 4, 4, 1, g, 1), "larger than any array", what);
    }
    CHECK(y[0] == 0 && y[3] == 0, "nothing written on a refused length");
}

static void prelu_nothing_to_do_with_null_slopes(void)
{
    float dw[3] = {5, 5, 5};
    double dw64[1] = {5};
    CHECK(leaky_prelu_f32(NULL, NULL, 0, 3, 4, NULL, 3) == LEAKY_OK, "prelu_f32 empty, NULL w");
    CHECK(leaky_prelu_f32(NULL, NULL, 2, 0, 4, NULL, 0) == LEAKY_OK, "prelu_f32 0 channels");
    CHECK(leaky_prelu_f64(NULL, NULL, 2, 3, 0, NULL, 1) == LEAKY_OK, "prelu_f64 empty, NULL w");
    CHECK(leaky_prelu_f16(NULL, NULL, 0, 1, 1, NULL, 1) == LEAKY_OK, "prelu_f16 empty, NULL w");
    CHECK(leaky_prelu_bf16(NULL, NULL, 0, 1, 1, NULL, 1) == LEAKY_OK, "prelu_bf16 empty");
    CHECK(leaky_prelu_backward_f32(NULL, NULL, NULL, dw, 0, 3, 4, NULL, 3) == LEAKY_OK &&
              dw[0] == 0 && dw[2] == 0,
          "prelu_backward_f32 empty with NULL slopes clears dslopes");
    CHECK(leaky_prelu_backward_f64(NULL, NULL, NULL, dw64, 0, 1, 4, NULL, 1) == LEAKY_OK &&
              dw64[0] == 0,
          "prelu_backward_f64 empty with NULL slopes");
    /* With elements, NULL slopes is still refused, and a bad count is refused either way. */
    float x[4] = {0}, y[4];
    expect_einval(leaky_prelu_f32(x, y, 1, 1, 4, NULL, 1), "slopes is NULL", "prelu NULL w");
    expect_einval(leaky_prelu_f32(NULL, NULL, 0, 3, 4, NULL, 2), "num_slopes is 2",
                  "prelu empty, 2 slopes for 3 channels");
}

/* The slope gradient of arrays full of NaNs of both signs and payloads, and of inf * 0,
 * on every path, with dx at every offset of a vector: one set of bits, and a NaN is the
 * quiet NaN with its sign clear. Three shapes: a shared slope and per-channel runs (the
 * runs plan), and channels last (the rows plan). */
#define NAN_SIGN_TEST(T, SUFFIX, UT, QNAN)                                                         \
    static void slope_grad_nan_##SUFFIX(void)                                                      \
    {                                                                                              \
        enum { OUTER = 3, CH = 5, INNER = 700, N = OUTER * CH * INNER, OFFSETS = 16 };             \
        const size_t shapes[3][3] = {{1, 1, N}, {OUTER, CH, INNER}, {OUTER * INNER, CH, 1}};       \
        T *x = malloc(N * sizeof *x), *dy = malloc(N * sizeof *dy);                                \
        T *dx = malloc((N + OFFSETS) * sizeof *dx);                                                \
        for (size_t i = 0; i < N; i++) {                                                           \
            const uint64_t r = leaky_splitmix64(i);                                                \
            x[i] = -(T)(r % 1000) / 7;                                                             \
            dy[i] = (T)((r >> 10) % 1000) / 3 - 100;                                               \
            const UT sign = (UT)1 << (8 * sizeof(UT) - 1), nan = (UT)(QNAN | (r >> 20) % 64);      \
            UT u = (r >> 30) % 2 ? nan | sign : nan;                                               \
            if ((r >> 31) % 16 == 0)                                                               \
                memcpy(&x[i], &u, sizeof u);                                                       \
            u ^= sign;                                                                             \
            if ((r >> 35) % 16 == 0)                                                               \
                memcpy(&dy[i], &u, sizeof u);                                                      \
            if ((r >> 39) % 64 == 0)                                                               \
                x[i] = -(T)INFINITY, dy[i] = 0;                                                    \
        }                                                                                          \
        leaky_isa isas[LEAKY_ISA_COUNT];                                                           \
        const int nisas = test_isas(isas);                                                         \
        for (int s = 0; s < 3; s++) {                                                              \
            const size_t ch = shapes[s][1];                                                        \
            T w[CH], dw[CH], first[CH];                                                            \
            for (size_t c = 0; c < CH; c++)                                                        \
                w[c] = (T)0.25 + (T)c;                                                             \
            bool have_first = false;                                                               \
            for (int i = 0; i < nisas; i++) {                                                      \
                leaky_set_isa(isas[i]);                                                            \
                for (size_t off = 0; off < OFFSETS; off++) {                                       \
                    CHECK(leaky_prelu_backward_##SUFFIX(x, dy, dx + off, dw, shapes[s][0], ch,     \
                                                        shapes[s][2], w, ch) == LEAKY_OK,          \
                          "backward ran");                                                         \
                    if (!have_first) {                                                             \
                        memcpy(first, dw, sizeof dw);                                              \
                        have_first = true;                                                         \
                    }                                                                              \
                    for (size_t c = 0; c < ch; c++) {                                              \
                        UT got, want, quiet;                                                       \
                        const T q = (T)NAN;                                                        \
                        memcpy(&got, &dw[c], sizeof got);                                          \
                        memcpy(&want, &first[c], sizeof want);                                     \
                        memcpy(&quiet, &q, sizeof quiet);                                          \
                        CHECK(got == want,                                                         \
                              #SUFFIX " shape %d slope %zu on %s, dx + %zu: "                      \
                                      "%#llx, first path %#llx",                                   \
                              s, c, leaky_isa_name(isas[i]), off, (unsigned long long)got,         \
                              (unsigned long long)want);                                           \
                        CHECK(!isnan(dw[c]) || got == quiet,                                       \
                              #SUFFIX " shape %d slope %zu: NaN %#llx is not the quiet NaN", s, c, \
                              (unsigned long long)got);                                            \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
            CHECK(isnan(first[0]), #SUFFIX " shape %d: the data makes a NaN gradient", s);         \
        }                                                                                          \
        leaky_set_isa(leaky_isa_best());                                                           \
        free(x), free(dy), free(dx);                                                               \
    }
NAN_SIGN_TEST(float, f32, uint32_t, 0x7fc00000u)
NAN_SIGN_TEST(double, f64, uint64_t, 0x7ff8000000000000u)

/* Arrays at an odd byte address (numpy views and packed records make them): every path
 * gives the bytes it gives on aligned copies, and (under UndefinedBehaviorSanitizer) no
 * access is misaligned for its type. */
static void misaligned_arrays(void)
{
    enum { N = 1000, BYTES = 8 * N };
    unsigned char *raw = malloc(3 * (BYTES + 16));
    unsigned char *x = raw + 1, *g = raw + BYTES + 16 + 3, *y = raw + 2 * (BYTES + 16) + 5;
    double *ax = malloc(BYTES), *ag = malloc(BYTES), *ay = malloc(BYTES);
    for (size_t i = 0; i < BYTES; i++)
        x[i] = (unsigned char)mix((uint32_t)i), g[i] = (unsigned char)mix((uint32_t)i + BYTES);
    memcpy(ax, x, BYTES), memcpy(ag, g, BYTES);
    const float w[4] = {0.25f, -0.5f, 1.5f, 3};
    float dw[4], adw[4];
    leaky_isa isas[LEAKY_ISA_COUNT];
    const int nisas = test_isas(isas);
    for (int i = 0; i < nisas; i++) {
        leaky_set_isa(isas[i]);
        /* Each call runs on the odd addresses, then on the aligned copies; their outputs'
         * bytes must match. */
#define SAME(call, type, out_bytes)                                                              \
    do {                                                                                         \
        unsigned char *const sets[2][3] = {                                                      \
            {x, g, y}, {(unsigned char *)ax, (unsigned char *)ag, (unsigned char *)ay}};         \
        for (int a = 0; a < 2; a++) {                                                            \
            memset(sets[a][2], 0, BYTES);                                                        \
            const type *xs = (const type *)(void *)sets[a][0];                                   \
            const type *gs = (const type *)(void *)sets[a][1];                                   \
            type *ys = (type *)(void *)sets[a][2];                                               \
            float *dws = a == 0 ? dw : adw;                                                      \
            (void)gs, (void)dws;                                                                 \
            call;                                                                                \
        }                                                                                        \
        CHECK(memcmp(y, ay, out_bytes) == 0, "%s: %s at odd addresses", leaky_isa_name(isas[i]), \
              #call);                                                                            \
    } while (0)
        SAME(leaky_relu_f16(xs, ys, N, 0.1f), uint16_t, 2 * N);
        SAME(leaky_relu_backward_bf16(xs, gs, ys, N, 0.1f), uint16_t, 2 * N);
        SAME(leaky_relu_derivative_f16(xs, ys, N, 0.1f), uint16_t, 2 * N);
        SAME(leaky_prelu_bf16(xs, ys, 10, 4, 25, w, 4), uint16_t, 2 * N);
        SAME(leaky_narrow_array_f16((const float *)(const void *)xs, ys, N), uint16_t, 2 * N);
        SAME(leaky_widen_array_bf16(xs, (float *)(void *)ys, N), uint16_t, 4 * N);
        SAME(leaky_relu_f32(xs, ys, N, 0.1f), float, 4 * N);
        SAME(leaky_relu_backward_f32(xs, gs, ys, N, 0.1f), float, 4 * N);
        SAME(leaky_plain_relu_backward_f32(xs, gs, ys, N), float, 4 * N);
        SAME(leaky_rrelu_train_f32(xs, ys, N, 0.1f, 0.3f, 7, NULL), float, 4 * N);
        SAME(leaky_prelu_backward_f32(xs, gs, ys, dws, 10, 4, 25, w, 4), float, 4 * N);
        CHECK(memcmp(dw, adw, sizeof dw) == 0, "%s: slope gradient at odd addresses",
              leaky_isa_name(isas[i]));
        SAME(leaky_relu_f64(xs, ys, N, 0.1), double, 8 * N);
        SAME(leaky_rrelu_backward_f64(xs, gs, ys, N, 0.1, 0.3, 7), double, 8 * N);
#undef SAME
    }
    leaky_set_isa(leaky_isa_best());
    free(raw), free(ax), free(ag), free(ay);
}

/* Every PReLU function with each of its arrays (the slopes and the bias too, and the
 * gradients it writes) at every byte offset from a 64-byte boundary up to one element
 * past it: on every path the same bytes as the scalar path on aligned arrays, and (under
 * UndefinedBehaviorSanitizer) no access misaligned for its type.  The shapes take both
 * plans: long inner runs (NCHW) and channels last (rows of channels), with a few channels
 * and more than fit the library's stack buffers, one slope and one per channel. */
enum { P_X, P_DY, P_W, P_B, P_OUT, P_DW, P_DB, P_ARRAYS }; /* the outputs from P_OUT */
struct prelu_shape {
    size_t outer, channels, inner, num_slopes;
    bool split; /* the broadcast functions: w (outer, 1, inner) */
};
/* The broadcast functions' x (outer, channels, inner) and w: (channels, 1), or a scalar for
 * one slope; split, (outer, 1, inner), which takes one call of the plan per channel.
 * Returns w's dimension count. */
static size_t broadcast_shapes(const struct prelu_shape *s, size_t x_shape[3], size_t w_shape[3])
{
    x_shape[0] = s->outer, x_shape[1] = s->channels, x_shape[2] = s->inner;
    if (s->split) {
        w_shape[0] = s->outer, w_shape[1] = 1, w_shape[2] = s->inner;
        return 3;
    }
    w_shape[0] = s->channels, w_shape[1] = 1;
    return s->num_slopes == 1 ? 0 : 2;
}
typedef leaky_status prelu_call(unsigned char *const a[P_ARRAYS], const struct prelu_shape *s);
#define ARG(type, i) ((type *)(void *)a[i])
#define PRELU_CALLS(T, SUFFIX)                                                                     \
    static leaky_status prelu_##SUFFIX(unsigned char *const a[P_ARRAYS],                           \
                                       const struct prelu_shape *s)                                \
    {                                                                                              \
        return leaky_prelu_##SUFFIX(ARG(const T, P_X), ARG(T, P_OUT), s->outer, s->channels,       \
                                    s->inner, ARG(const T, P_W), s->num_slopes);                   \
    }                                                                                              \
    static leaky_status prelu_backward_##SUFFIX(unsigned char *const a[P_ARRAYS],                  \
                                                const struct prelu_shape *s)                       \
    {                                                                                              \
        return leaky_prelu_backward_##SUFFIX(ARG(const T, P_X), ARG(const T, P_DY), ARG(T, P_OUT), \
                                             ARG(T, P_DW), s->outer, s->channels, s->inner,        \
                                             ARG(const T, P_W), s->num_slopes);                    \
    }                                                                                              \
    static leaky_status bias_prelu_##SUFFIX(unsigned char *const a[P_ARRAYS],                      \
                                            const struct prelu_shape *s)                           \
    {                                                                                              \
        return leaky_bias_prelu_##SUFFIX(ARG(const T, P_X), ARG(const T, P_B), ARG(T, P_OUT),      \
                                         s->outer, s->channels, s->inner, ARG(const T, P_W),       \
                                         s->num_slopes);                                           \
    }                                                                                              \
    static leaky_status bias_prelu_backward_##SUFFIX(unsigned char *const a[P_ARRAYS],             \
                                                     const struct prelu_shape *s)                  \
    {                                                                                              \
        return leaky_bias_prelu_backward_##SUFFIX(                                                 \
            ARG(const T, P_X), ARG(const T, P_B), ARG(const T, P_DY), ARG(T, P_OUT), ARG(T, P_DB), \
            ARG(T, P_DW), s->outer, s->channels, s->inner, ARG(const T, P_W), s->num_slopes);      \
    }                                                                                              \
    static leaky_status broadcast_##SUFFIX(unsigned char *const a[P_ARRAYS],                       \
                                           const struct prelu_shape *s)                            \
    {                                                                                              \
        size_t x_shape[3], w_shape[3];                                                             \
        const size_t w_ndim = broadcast_shapes(s, x_shape, w_shape);                               \
        return leaky_prelu_broadcast_##SUFFIX(ARG(const T, P_X), x_shape, 3, ARG(const T, P_W),    \
                                              w_shape, w_ndim, ARG(T, P_OUT));                     \
    }                                                                                              \
    static leaky_status broadcast_backward_##SUFFIX(unsigned char *const a[P_ARRAYS],              \
                                                    const struct prelu_shape *s)                   \
    {                                                                                              \
        size_t x_shape[3], w_shape[3];                                                             \
        const size_t w_ndim = broadcast_shapes(s, x_shape, w_shape);                               \
        return leaky_prelu_broadcast_backward_##SUFFIX(                                            \
            ARG(const T, P_X), x_shape, 3, ARG(const T, P_W), w_shape, w_ndim, ARG(const T, P_DY), \
            ARG(T, P_OUT), ARG(T, P_DW));                                                          \
    }
PRELU_CALLS(float, f32)
PRELU_CALLS(double, f64)
#undef PRELU_CALLS
static leaky_status prelu_f16(unsigned char *const a[P_ARRAYS], const struct prelu_shape *s)
{
    return leaky_prelu_f16(ARG(const uint16_t, P_X), ARG(uint16_t, P_OUT), s->outer, s->channels,
                           s->inner, ARG(const float, P_W), s->num_slopes);
}
static leaky_status prelu_bf16(unsigned char *const a[P_ARRAYS], const struct prelu_shape *s)
{
    return leaky_prelu_bf16(ARG(const uint16_t, P_X), ARG(uint16_t, P_OUT), s->outer, s->channels,
                            s->inner, ARG(const float, P_W), s->num_slopes);
}
#undef ARG

/* n elements of elem_size bytes from seed: 16-bit patterns, or numbers within +-16 in
 * steps of 1/64 (exact in every type), divided by scale. */
static void fill_elements(unsigned char *a, size_t n, size_t elem_size, uint32_t seed, int scale)
{
    for (size_t i = 0; i < n; i++) {
        const uint32_t r = mix((uint32_t)i + seed);
        const double v = (double)((int)(r % 2049) - 1024) / 64 / scale;
        const uint16_t h = (uint16_t)r;
        const float f = (float)v;
        if (elem_size == 2)
            memcpy(a + 2 * i, &h, 2);
        else if (elem_size == 4)
            memcpy(a + 4 * i, &f, 4);
        else
            memcpy(a + 8 * i, &v, 8);
    }
}

static void prelu_arrays_at_any_byte(void)
{
    static const struct {
        const char *name;
        prelu_call *call;
        size_t data_size, param_size; /* x, dy and y or dx; the slopes, bias and gradients */
        bool split;
    } entries[] = {
#define PRELU_ENTRIES(SUFFIX, SIZE)                                                              \
    {"leaky_prelu_" #SUFFIX, prelu_##SUFFIX, SIZE, SIZE, false},                                 \
        {"leaky_prelu_backward_" #SUFFIX, prelu_backward_##SUFFIX, SIZE, SIZE, false},           \
        {"leaky_bias_prelu_" #SUFFIX, bias_prelu_##SUFFIX, SIZE, SIZE, false},                   \
        {"leaky_bias_prelu_backward_" #SUFFIX, bias_prelu_backward_##SUFFIX, SIZE, SIZE, false}, \
        {"leaky_prelu_broadcast_" #SUFFIX, broadcast_##SUFFIX, SIZE, SIZE, false},               \
        {"leaky_prelu_broadcast_backward_" #SUFFIX, broadcast_backward_##SUFFIX, SIZE, SIZE,     \
         false},                                                                                 \
        {"leaky_prelu_broadcast_" #SUFFIX " (w outer x 1 x inner)", broadcast_##SUFFIX, SIZE,    \
         SIZE, true},                                                                            \
        {"leaky_prelu_broadcast_backward_" #SUFFIX " (w outer x 1 x inner)",                     \
         broadcast_backward_##SUFFIX, SIZE, SIZE, true}
        PRELU_ENTRIES(f32, 4),
        PRELU_ENTRIES(f64, 8),
#undef PRELU_ENTRIES
        {"leaky_prelu_f16", prelu_f16, 2, 4, false},
        {"leaky_prelu_bf16", prelu_bf16, 2, 4, false},
    };
    /* outer, channels, inner: runs (NCHW), channels last, short inner runs; 300 channels
     * pass the stack's 256 of one slope expanded per channel. */
    static const size_t shapes[][3] = {{2, 3, 64},  {1, 300, 64}, {40, 3, 1},
                                       {8, 300, 1}, {6, 5, 4},    {3, 300, 4}};
    enum { GUARD = 64 };
    leaky_isa isas[LEAKY_ISA_COUNT];
    const int nisas = test_isas(isas);
    for (size_t e = 0; e < sizeof entries / sizeof entries[0]; e++) {
        for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; sh++) {
            const size_t outer = shapes[sh][0], channels = shapes[sh][1], inner = shapes[sh][2];
            const size_t n = outer * channels * inner;
            /* The slopes of w (outer, 1, inner) are the most any call reads. */
            const size_t params = channels > outer * inner ? channels : outer * inner;
            size_t bytes[P_ARRAYS];
            for (int k = 0; k < P_ARRAYS; k++)
                bytes[k] = (k == P_X || k == P_DY || k == P_OUT ? n * entries[e].data_size
                                                                : params * entries[e].param_size);
            unsigned char *aligned[P_ARRAYS], *raw[P_ARRAYS], *at[P_ARRAYS];
            for (int k = 0; k < P_ARRAYS; k++) {
                const size_t whole_lines = (bytes[k] + GUARD + 63) / 64 * 64;
                aligned[k] = aligned_alloc(64, whole_lines);
                raw[k] = aligned_alloc(64, whole_lines);
            }
            fill_elements(aligned[P_X], n, entries[e].data_size, 1, 1);
            fill_elements(aligned[P_DY], n, entries[e].data_size, 1u << 24, 1);
            fill_elements(aligned[P_W], params, entries[e].param_size, 2u << 24, 16);
            fill_elements(aligned[P_B], params, entries[e].param_size, 3u << 24, 4);
            const size_t slope_counts[2] = {1, channels};
            for (int c = 0; c < 2; c++) {
                const size_t slopes = slope_counts[c];
                const struct prelu_shape s = {outer, channels, inner, slopes, entries[e].split};
                for (int k = P_OUT; k < P_ARRAYS; k++)
                    memset(aligned[k], 0xa5, bytes[k] + GUARD);
                leaky_set_isa(LEAKY_ISA_SCALAR);
                CHECK(entries[e].call(aligned, &s) == LEAKY_OK, "%s: %s", entries[e].name,
                      leaky_last_error());
                /* Round r puts array k at byte (r + k) % (largest + 1): across the rounds,
                 * each array at every offset, the arrays at different ones. */
                const size_t largest = entries[e].param_size > entries[e].data_size
                                           ? entries[e].param_size
                                           : entries[e].data_size;
                for (int i = 0; i < nisas; i++) {
                    leaky_set_isa(isas[i]);
                    for (size_t r = 0; r <= largest; r++) {
                        for (int k = 0; k < P_ARRAYS; k++) {
                            at[k] = raw[k] + (r + (size_t)k) % (largest + 1);
                            if (k < P_OUT)
                                memcpy(at[k], aligned[k], bytes[k]);
                            else
                                memset(raw[k], 0xa5, bytes[k] + GUARD);
                        }
                        const leaky_status status = entries[e].call(at, &s);
                        bool same = status == LEAKY_OK;
                        for (int k = P_OUT; k < P_ARRAYS; k++)
                            same &= memcmp(at[k], aligned[k], bytes[k]) == 0;
                        CHECK(same,
                              "%s on %s, %zu x %zu x %zu, %zu slopes, arrays from byte %zu: "
                              "status %d, output bytes differ from the scalar path's on "
                              "aligned arrays",
                              entries[e].name, leaky_isa_name(isas[i]), outer, channels, inner,
                              slopes, r, (int)status);
                    }
                }
            }
            for (int k = 0; k < P_ARRAYS; k++)
                free(aligned[k]), free(raw[k]);
        }
    }
    leaky_set_isa(leaky_isa_best());
}

/* A PReLU layer takes its slopes from floats at any byte, as the PReLU functions do (the
 * check of each slope read them as aligned floats: undefined behaviour under UBSan). */
static void layer_slopes_at_any_byte(void)
{
    leaky_layer *layer = NULL;
    CHECK(leaky_layer_create_prelu(&layer, 3, 0.25f, false) == LEAKY_OK, "a PReLU layer of 3");
    if (!layer)
        return;
    static const float want[3] = {0.5f, -0.125f, 2.0f};
    for (size_t offset = 0; offset < sizeof(float); offset++) {
        _Alignas(64) unsigned char bytes[64];
        memcpy(bytes + offset, want, sizeof want);
        float got[3] = {0};
        CHECK(leaky_layer_set_slopes(layer, (const float *)(bytes + offset), 3) == LEAKY_OK &&
                  leaky_layer_get_slopes(layer, got, 3) == LEAKY_OK &&
                  memcmp(got, want, sizeof want) == 0,
              "slopes at byte offset %zu: set and read back", offset);
        const float bad[3] = {0.5f, NAN, 2.0f};
        memcpy(bytes + offset, bad, sizeof bad);
        CHECK(leaky_layer_set_slopes(layer, (const float *)(bytes + offset), 3) == LEAKY_EINVAL &&
                  strstr(leaky_last_error(), "slopes[1]") != NULL,
              "a NaN slope at byte offset %zu: refused, named ('%s')", offset, leaky_last_error());
    }
    leaky_layer_destroy(layer);
}

int main(void)
{
    null_isa_out_parameters();
    null_layer_getters();
    lengths_no_array_can_have();
    prelu_nothing_to_do_with_null_slopes();
    slope_grad_nan_f32();
    slope_grad_nan_f64();
    misaligned_arrays();
    prelu_arrays_at_any_byte();
    layer_slopes_at_any_byte();
    return test_finish("test_arg_holes");
}
