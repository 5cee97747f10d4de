/* SPDX-License-Identifier: MIT */
/* Layer objects: created with their parameters, applied like PyTorch modules. */
#include <math.h>

#include "test.h"

static void check_floats(const float *got, const float *want, size_t n, const char *what)
{
    CHECK(memcmp(got, want, n * sizeof(float)) == 0, "%s: got %g %g %g, want %g %g %g", what,
          (double)got[0], (double)got[1], (double)got[2], (double)want[0], (double)want[1],
          (double)want[2]);
}

int main(void)
{
    leaky_layer *layer = NULL;
    const float x[3] = {-1.0f, 0.0f, 1.0f}, ones[3] = {1.0f, 1.0f, 1.0f};
    float y[3], dx[3];
    const size_t shape[1] = {3};

    /* nn.LeakyReLU(negative_slope=0.05) on [-1, 0, 1], the article's example. */
    CHECK(leaky_layer_create_leaky_relu(&layer, 0.05f, false) == LEAKY_OK, "create");
    CHECK(leaky_layer_get_kind(layer) == LEAKY_LAYER_LEAKY_RELU, "kind");
    CHECK(strcmp(leaky_layer_name(layer), "LeakyReLU") == 0, "name");
    CHECK(leaky_layer_negative_slope(layer) == 0.05f, "slope kept");
    CHECK(!leaky_layer_is_inplace(layer), "not in place");
    CHECK(leaky_layer_forward_f32(layer, x, y, 1, shape) == LEAKY_OK, "forward");
    check_floats(y, (const float[]){-1.0f * 0.05f, 0.0f, 1.0f}, 3, "forward values");
    CHECK(leaky_layer_backward_f32(layer, x, ones, dx, 1, shape) == LEAKY_OK, "backward");
    check_floats(dx, (const float[]){0.05f, 0.05f, 1.0f}, 3, "gradient, a at 0");
    /* A 2-d shape means its product of elements; a 0-d shape is one scalar. */
    float m[6] = {-2, 3, -4, 5, -6, 7}, my[6];
    CHECK(leaky_layer_forward_f32(layer, m, my, 2, (const size_t[]){2, 3}) == LEAKY_OK, "2-d");
    CHECK(my[4] == -6.0f * 0.05f && my[5] == 7.0f, "2-d values");
    float s = -2.0f;
    CHECK(leaky_layer_forward_f32(layer, &s, &s, 0, NULL) == LEAKY_OK && s == -2.0f * 0.05f,
          "0-d scalar in place on an out-of-place layer");
    CHECK(leaky_layer_forward_f32(layer, m, my, 2, (const size_t[]){SIZE_MAX, 4}) == LEAKY_EINVAL,
          "overflowing shape");
    CHECK(strstr(leaky_last_error(), "overflows") != NULL, "message: %s", leaky_last_error());
    CHECK(leaky_layer_forward_f32(layer, m, my, 2, NULL) == LEAKY_EINVAL, "NULL shape");
    leaky_layer_destroy(layer);

    /* In place (nn.LeakyReLU(0.05, inplace=True)): output over input; the backward then
     * works from the output it saved. */
    CHECK(leaky_layer_create_leaky_relu(&layer, 0.05f, true) == LEAKY_OK, "create in place");
    float io[3] = {-1.0f, 0.0f, 1.0f};
    CHECK(leaky_layer_forward_f32(layer, io, y, 1, shape) == LEAKY_EINVAL,
          "in-place layer refuses a separate output");
    CHECK(leaky_layer_forward_f32(layer, io, io, 1, shape) == LEAKY_OK, "in-place forward");
    check_floats(io, (const float[]){-1.0f * 0.05f, 0.0f, 1.0f}, 3, "in-place values");
    CHECK(leaky_layer_backward_f32(layer, io, ones, dx, 1, shape) == LEAKY_OK, "backward");
    check_floats(dx, (const float[]){0.05f, 0.05f, 1.0f}, 3, "gradient from the output");
    leaky_layer_destroy(layer);

    /* PyTorch refuses the in-place backward with a negative slope; so do we. */
    CHECK(leaky_layer_create_leaky_relu(&layer, -0.5f, true) == LEAKY_OK, "negative in place");
    float neg[3] = {-1.0f, 0.0f, 1.0f};
    CHECK(leaky_layer_forward_f32(layer, neg, neg, 1, shape) == LEAKY_OK, "forward is fine");
    memcpy(dx, ones, sizeof dx);
    CHECK(leaky_layer_backward_f32(layer, neg, ones, dx, 1, shape) == LEAKY_EINVAL,
          "in-place backward with a negative slope");
    CHECK(strstr(leaky_last_error(), "sign of y") != NULL, "reason: %s", leaky_last_error());
    check_floats(dx, ones, 3, "nothing written");
    leaky_layer_destroy(layer);

    /* nn.ReLU */
    CHECK(leaky_layer_create_relu(&layer, false) == LEAKY_OK, "relu");
    CHECK(leaky_layer_get_kind(layer) == LEAKY_LAYER_RELU, "relu kind");
    CHECK(strcmp(leaky_layer_name(layer), "ReLU") == 0, "relu name");
    const float special[3] = {-INFINITY, NAN, 2.0f};
    CHECK(leaky_layer_forward_f32(layer, special, y, 1, shape) == LEAKY_OK, "relu forward");
    CHECK(bits_of(y[0]) == 0 && isnan(y[1]) && y[2] == 2.0f, "relu: -inf -> 0, NaN stays");
    CHECK(leaky_layer_backward_f32(layer, x, ones, dx, 1, shape) == LEAKY_OK, "relu backward");
    check_floats(dx, (const float[]){0.0f, 0.0f, 1.0f}, 3, "relu gradient: 0 at 0");
    leaky_layer_destroy(layer);

    /* Bad construction leaves no layer behind. */
    layer = (leaky_layer *)&layer;
    CHECK(leaky_layer_create_leaky_relu(&layer, NAN, false) == LEAKY_EINVAL, "NaN slope");
    CHECK(layer == NULL, "no layer left after a failed create");
    CHECK(strstr(leaky_last_error(), "negative_slope") != NULL, "message: %s", leaky_last_error());
    CHECK(leaky_layer_create_leaky_relu(NULL, 0.01f, false) == LEAKY_EINVAL, "NULL out");
    CHECK(leaky_layer_forward_f32(NULL, x, y, 1, shape) == LEAKY_EINVAL, "NULL layer");
    leaky_layer_destroy(NULL);
    return test_finish("layer");
}
