/* SPDX-License-Identifier: MIT */
/* Layer objects: an activation with its parameters, used like a PyTorch module. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal/check.h"

struct leaky_layer {
    leaky_layer_kind kind;
    bool inplace, training;
    float negative_slope;
    /* PReLU: its slopes, their accumulated gradient, room for one backward's gradient. */
    bool channels_last;
    size_t num_parameters;
    float *slopes, *grad, *step;
    /* RReLU: the bounds, the seed, and the key of the last training forward. */
    float lower, upper;
    uint64_t seed, forwards, last_key;
    /* A bias (leaky_layer_add_bias): its values, their accumulated gradient, room for one
     * backward's gradient; NULL: none. */
    size_t num_bias;
    float *bias, *bias_grad, *bias_step;
};

static leaky_status create(leaky_layer **layer, leaky_layer_kind kind, float slope, bool inplace,
                           const char *fn)
{
    if (!layer)
        return leaky_fail(LEAKY_EINVAL,
                          "%s: layer is NULL; expected where to store the new "
                          "layer",
                          fn);
    *layer = NULL;
    leaky_layer *l = malloc(sizeof *l);
    if (!l)
        return leaky_fail(LEAKY_ENOMEM, "%s: cannot allocate %zu bytes", fn, sizeof *l);
    *l = (leaky_layer){.kind = kind, .inplace = inplace, .training = true, .negative_slope = slope};
    *layer = l;
    return LEAKY_OK;
}

leaky_status leaky_layer_create_leaky_relu(leaky_layer **layer, float negative_slope, bool inplace)
{
    static const char fn[] = "leaky_layer_create_leaky_relu";
    if (layer)
        *layer = NULL;
    const leaky_status status = leaky_check_slope(fn, negative_slope);
    if (status != LEAKY_OK)
        return status;
    return create(layer, LEAKY_LAYER_LEAKY_RELU, negative_slope, inplace, fn);
}

leaky_status leaky_layer_create_relu(leaky_layer **layer, bool inplace)
{
    return create(layer, LEAKY_LAYER_RELU, 0.0f, inplace, "leaky_layer_create_relu");
}

leaky_status leaky_layer_create_prelu(leaky_layer **layer, size_t num_parameters, float init,
                                      bool channels_last)
{
    static const char fn[] = "leaky_layer_create_prelu";
    if (num_parameters == 0)
        return leaky_fail(LEAKY_EINVAL,
                          "%s: num_parameters is 0; expected 1 (one shared "
                          "slope) or the channel count",
                          fn);
    if (!isfinite(init))
        return leaky_fail(LEAKY_EINVAL, "%s: init is %g; expected a finite number", fn,
                          (double)init);
    if (num_parameters > SIZE_MAX / (3 * sizeof(float)))
        return leaky_fail(LEAKY_EINVAL, "%s: num_parameters = %zu is larger than memory", fn,
                          num_parameters);
    LEAKY_TRY(create(layer, LEAKY_LAYER_PRELU, init, false, fn));
    leaky_layer *l = *layer;
    l->slopes = malloc(3 * num_parameters * sizeof(float));
    if (!l->slopes) {
        free(l);
        *layer = NULL;
        return leaky_fail(LEAKY_ENOMEM, "%s: cannot allocate %zu slopes", fn, num_parameters);
    }
    l->grad = l->slopes + num_parameters;
    l->step = l->grad + num_parameters;
    l->num_parameters = num_parameters;
    l->channels_last = channels_last;
    for (size_t k = 0; k < num_parameters; k++) {
        l->slopes[k] = init;
        l->grad[k] = 0.0f;
    }
    return LEAKY_OK;
}

leaky_status leaky_layer_create_rrelu(leaky_layer **layer, float lower, float upper, uint64_t seed)
{
    static const char fn[] = "leaky_layer_create_rrelu";
    /* The bounds are checked as the functions check them, on no data. */
    LEAKY_TRY(leaky_rrelu_train_f32(NULL, NULL, 0, lower, upper, seed, NULL));
    LEAKY_TRY(
        create(layer, LEAKY_LAYER_RRELU, leaky_rrelu_eval_slope_f32(lower, upper), false, fn));
    (*layer)->lower = lower;
    (*layer)->upper = upper;
    (*layer)->seed = seed;
    return LEAKY_OK;
}

void leaky_layer_destroy(leaky_layer *layer)
{
    if (layer)
        free(layer->slopes), free(layer->bias);
    free(layer);
}

leaky_status leaky_layer_set_training(leaky_layer *layer, bool training)
{
    if (!layer)
        return leaky_fail(LEAKY_EINVAL, "leaky_layer_set_training: layer is NULL");
    layer->training = training;
    return LEAKY_OK;
}

/* The getters return a value, not a status: given NULL they record the error for
 * leaky_last_error() and return what leaky.h names for that case. */
static bool missing(const leaky_layer *layer, const char *fn)
{
    if (__builtin_expect(layer != NULL, 1))
        return false;
    leaky_fail(LEAKY_EINVAL, "%s: layer is NULL; expected a layer", fn);
    return true;
}

bool leaky_layer_is_training(const leaky_layer *layer)
{
    return !missing(layer, "leaky_layer_is_training") && layer->training;
}
size_t leaky_layer_num_parameters(const leaky_layer *layer)
{
    return missing(layer, "leaky_layer_num_parameters") ? 0 : layer->num_parameters;
}
float leaky_layer_rrelu_lower(const leaky_layer *layer)
{
    return missing(layer, "leaky_layer_rrelu_lower") ? NAN : layer->lower;
}
float leaky_layer_rrelu_upper(const leaky_layer *layer)
{
    return missing(layer, "leaky_layer_rrelu_upper") ? NAN : layer->upper;
}

/* The slope arrays of a PReLU layer are copied whole: n must be their length. */
static leaky_status check_parameters(const char *fn, const leaky_layer *layer, const void *p,
                                     size_t n)
{
    if (!layer)
        return leaky_fail(LEAKY_EINVAL, "%s: layer is NULL", fn);
    if (layer->kind != LEAKY_LAYER_PRELU)
        return leaky_fail(LEAKY_EINVAL,
                          "%s: a %s layer has no slopes to learn; expected a "
                          "PReLU layer",
                          fn, leaky_layer_name(layer));
    if (n != layer->num_parameters)
        return leaky_fail(LEAKY_EINVAL, "%s: n is %zu but the layer has %zu slopes", fn, n,
                          layer->num_parameters);
    if (!p)
        return leaky_fail(LEAKY_EINVAL, "%s: the array is NULL; expected %zu floats", fn, n);
    return LEAKY_OK;
}

leaky_status leaky_layer_get_slopes(const leaky_layer *layer, float *slopes, size_t n)
{
    LEAKY_TRY(check_parameters("leaky_layer_get_slopes", layer, slopes, n));
    memcpy(slopes, layer->slopes, n * sizeof *slopes);
    return LEAKY_OK;
}

leaky_status leaky_layer_set_slopes(leaky_layer *layer, const float *slopes, size_t n)
{
    static const char fn[] = "leaky_layer_set_slopes";
    LEAKY_TRY(check_parameters(fn, layer, slopes, n));
    for (size_t k = 0; k < n; k++) {
        /* The caller's floats may sit at any byte (a numpy view): copied, not dereferenced. */
        float slope;
        memcpy(&slope, slopes + k, sizeof slope);
        if (!isfinite(slope))
            return leaky_fail(LEAKY_EINVAL, "%s: slopes[%zu] is %g; expected a finite number", fn,
                              k, (double)slope);
    }
    memmove(layer->slopes, slopes, n * sizeof *slopes);
    layer->negative_slope = layer->slopes[0];
    return LEAKY_OK;
}

leaky_status leaky_layer_get_slope_grad(const leaky_layer *layer, float *grad, size_t n)
{
    LEAKY_TRY(check_parameters("leaky_layer_get_slope_grad", layer, grad, n));
    memcpy(grad, layer->grad, n * sizeof *grad);
    return LEAKY_OK;
}

leaky_status leaky_layer_zero_grad(leaky_layer *layer)
{
    if (!layer)
        return leaky_fail(LEAKY_EINVAL, "leaky_layer_zero_grad: layer is NULL");
    for (size_t k = 0; k < layer->num_parameters; k++)
        layer->grad[k] = 0.0f;
    for (size_t c = 0; c < layer->num_bias; c++)
        layer->bias_grad[c] = 0.0f;
    return LEAKY_OK;
}

leaky_layer_kind leaky_layer_get_kind(const leaky_layer *layer)
{
    return missing(layer, "leaky_layer_get_kind") ? LEAKY_LAYER_NONE : layer->kind;
}
bool leaky_layer_is_inplace(const leaky_layer *layer)
{
    return !missing(layer, "leaky_layer_is_inplace") && layer->inplace;
}
float leaky_layer_negative_slope(const leaky_layer *layer)
{
    return missing(layer, "leaky_layer_negative_slope") ? NAN : layer->negative_slope;
}

const char *leaky_layer_name(const leaky_layer *layer)
{
    if (missing(layer, "leaky_layer_name"))
        return "(null)";
    switch (layer->kind) {
    case LEAKY_LAYER_RELU: return "ReLU";
    case LEAKY_LAYER_LEAKY_RELU: return "LeakyReLU";
    case LEAKY_LAYER_PRELU: return "PReLU";
    case LEAKY_LAYER_RRELU: return "RReLU";
    case LEAKY_LAYER_NONE: break;
    }
    return "?";
}

/* The element count of a shape, refusing what no array can hold. */
static leaky_status shape_elements(const char *fn, size_t ndim, const size_t *shape, size_t *n)
{
    if (ndim > 0 && !shape)
        return leaky_fail(LEAKY_EINVAL, "%s: shape is NULL with ndim = %zu", fn, ndim);
    size_t count = 1;
    for (size_t d = 0; d < ndim; d++) {
        if (shape[d] != 0 && count > LEAKY_MAX_ELEMENTS / shape[d])
            return leaky_fail(LEAKY_EINVAL,
                              "%s: the shape's element count overflows at "
                              "dimension %zu (size %zu)",
                              fn, d, shape[d]);
        count *= shape[d];
    }
    *n = count;
    return LEAKY_OK;
}

static leaky_status check_layer(const char *fn, const leaky_layer *layer)
{
    if (!layer)
        return leaky_fail(LEAKY_EINVAL, "%s: layer is NULL", fn);
    return LEAKY_OK;
}

/* PReLU's view of a shape: outer x channels x inner, the channel at dimension 1 (as
 * PyTorch: one channel when ndim < 2) or last. */
static void prelu_view(const leaky_layer *layer, size_t ndim, const size_t *shape, size_t n,
                       size_t v[3])
{
    size_t channels = 1;
    if (layer->channels_last && ndim >= 1)
        channels = shape[ndim - 1];
    else if (!layer->channels_last && ndim >= 2)
        channels = shape[1];
    size_t inner = 1;
    if (!layer->channels_last)
        for (size_t d = 2; d < ndim; d++)
            inner *= shape[d];
    if (ndim < 2 && !layer->channels_last)
        inner = n;
    v[0] = channels * inner == 0 ? 0 : n / (channels * inner);
    v[1] = channels;
    v[2] = inner;
}

/* ------------------------------------------------------------------ bias */

leaky_status leaky_layer_add_bias(leaky_layer *layer, size_t channels, bool channels_last)
{
    static const char fn[] = "leaky_layer_add_bias";
    LEAKY_TRY(check_layer(fn, layer));
    if (layer->kind == LEAKY_LAYER_RRELU || layer->inplace)
        return leaky_fail(LEAKY_EINVAL,
                          "%s: a%s %s layer cannot hold a bias; expected an out-of-place ReLU, "
                          "LeakyReLU or PReLU layer",
                          fn, layer->inplace ? "n in-place" : "", leaky_layer_name(layer));
    if (layer->kind == LEAKY_LAYER_PRELU && layer->channels_last != channels_last)
        return leaky_fail(LEAKY_EINVAL,
                          "%s: channels_last is %s but the PReLU layer's channel is %s; "
                          "expected the same",
                          fn, channels_last ? "true" : "false",
                          layer->channels_last ? "last" : "at dimension 1");
    if (channels == 0 || channels > SIZE_MAX / (3 * sizeof(float)))
        return leaky_fail(LEAKY_EINVAL, "%s: channels is %zu; expected 1 or more", fn, channels);
    float *b = calloc(3 * channels, sizeof *b);
    if (!b)
        return leaky_fail(LEAKY_ENOMEM, "%s: cannot allocate %zu biases", fn, channels);
    free(layer->bias);
    layer->bias = b, layer->bias_grad = b + channels, layer->bias_step = b + 2 * channels;
    layer->num_bias = channels;
    layer->channels_last = channels_last;
    return LEAKY_OK;
}

size_t leaky_layer_num_bias(const leaky_layer *layer)
{
    return missing(layer, "leaky_layer_num_bias") ? 0 : layer->num_bias;
}

/* The bias arrays are copied whole: n must be their length. */
static leaky_status check_bias(const char *fn, const leaky_layer *layer, const void *p, size_t n)
{
    LEAKY_TRY(check_layer(fn, layer));
    if (!layer->bias)
        return leaky_fail(LEAKY_EINVAL,
                          "%s: the %s layer has no bias; expected one from "
                          "leaky_layer_add_bias",
                          fn, leaky_layer_name(layer));
    if (n != layer->num_bias)
        return leaky_fail(LEAKY_EINVAL, "%s: n is %zu but the layer has %zu biases", fn, n,
                          layer->num_bias);
    if (!p)
        return leaky_fail(LEAKY_EINVAL, "%s: the array is NULL; expected %zu floats", fn, n);
    return LEAKY_OK;
}

leaky_status leaky_layer_get_bias(const leaky_layer *layer, float *bias, size_t n)
{
    LEAKY_TRY(check_bias("leaky_layer_get_bias", layer, bias, n));
    memcpy(bias, layer->bias, n * sizeof *bias);
    return LEAKY_OK;
}

leaky_status leaky_layer_set_bias(leaky_layer *layer, const float *bias, size_t n)
{
    LEAKY_TRY(check_bias("leaky_layer_set_bias", layer, bias, n));
    memmove(layer->bias, bias, n * sizeof *bias);
    return LEAKY_OK;
}

leaky_status leaky_layer_get_bias_grad(const leaky_layer *layer, float *grad, size_t n)
{
    LEAKY_TRY(check_bias("leaky_layer_get_bias_grad", layer, grad, n));
    memcpy(grad, layer->bias_grad, n * sizeof *grad);
    return LEAKY_OK;
}

/* The shape's channels (PReLU's view) against the bias's count. */
static leaky_status bias_view(const char *fn, const leaky_layer *layer, size_t ndim,
                              const size_t *shape, size_t n, size_t v[3])
{
    prelu_view(layer, ndim, shape, n, v);
    if (v[1] != layer->num_bias)
        return leaky_fail(
            LEAKY_EINVAL, "%s: the shape has %zu channels (%s) but the layer has %zu biases", fn,
            v[1], layer->channels_last ? "its last dimension" : "dimension 1", layer->num_bias);
    return LEAKY_OK;
}

static leaky_status bias_forward(const char *fn, const leaky_layer *layer, const float *x, float *y,
                                 size_t ndim, const size_t *shape, size_t n)
{
    size_t v[3];
    LEAKY_TRY(bias_view(fn, layer, ndim, shape, n, v));
    switch (layer->kind) {
    case LEAKY_LAYER_RELU: return leaky_bias_relu_f32(x, layer->bias, y, v[0], v[1], v[2]);
    case LEAKY_LAYER_PRELU:
        return leaky_bias_prelu_f32(x, layer->bias, y, v[0], v[1], v[2], layer->slopes,
                                    layer->num_parameters);
    default:
        return leaky_bias_leaky_relu_f32(x, layer->bias, y, v[0], v[1], v[2],
                                         layer->negative_slope);
    }
}

/* saved: the forward's input (a layer with a bias works out of place). */
static leaky_status bias_backward(const char *fn, leaky_layer *layer, const float *saved,
                                  const float *dy, float *dx, size_t ndim, const size_t *shape,
                                  size_t n)
{
    size_t v[3];
    LEAKY_TRY(bias_view(fn, layer, ndim, shape, n, v));
    switch (layer->kind) {
    case LEAKY_LAYER_RELU:
        LEAKY_TRY(leaky_bias_relu_backward_f32(saved, layer->bias, dy, dx, layer->bias_step, v[0],
                                               v[1], v[2]));
        break;
    case LEAKY_LAYER_PRELU:
        LEAKY_TRY(leaky_bias_prelu_backward_f32(saved, layer->bias, dy, dx, layer->bias_step,
                                                layer->step, v[0], v[1], v[2], layer->slopes,
                                                layer->num_parameters));
        for (size_t k = 0; k < layer->num_parameters; k++)
            layer->grad[k] += layer->step[k];
        break;
    default:
        LEAKY_TRY(leaky_bias_leaky_relu_backward_f32(saved, layer->bias, dy, dx, layer->bias_step,
                                                     v[0], v[1], v[2], layer->negative_slope));
    }
    for (size_t c = 0; c < layer->num_bias; c++)
        layer->bias_grad[c] += layer->bias_step[c];
    return LEAKY_OK;
}

/* The key of RReLU training forward number k. */
static uint64_t rrelu_key(const leaky_layer *layer, uint64_t k)
{
    return layer->seed + k * 0x9E3779B97F4A7C15u;
}

leaky_status leaky_layer_forward_f32(leaky_layer *layer, const float *x, float *y, size_t ndim,
                                     const size_t *shape)
{
    static const char fn[] = "leaky_layer_forward_f32";
    size_t n = 0;
    leaky_status status = check_layer(fn, layer);
    if (status == LEAKY_OK)
        status = shape_elements(fn, ndim, shape, &n);
    if (status != LEAKY_OK)
        return status;
    if (layer->inplace && y != x)
        return leaky_fail(LEAKY_EINVAL,
                          "%s: this %s layer works in place, so y must be x; "
                          "got two different arrays",
                          fn, leaky_layer_name(layer));
    if (layer->bias)
        return bias_forward(fn, layer, x, y, ndim, shape, n);
    switch (layer->kind) {
    case LEAKY_LAYER_RELU: return leaky_plain_relu_f32(x, y, n);
    case LEAKY_LAYER_LEAKY_RELU: break;
    case LEAKY_LAYER_PRELU: {
        size_t v[3];
        prelu_view(layer, ndim, shape, n, v);
        return leaky_prelu_f32(x, y, v[0], v[1], v[2], layer->slopes, layer->num_parameters);
    }
    case LEAKY_LAYER_RRELU:
        if (layer->training) {
            const uint64_t key = rrelu_key(layer, layer->forwards);
            LEAKY_TRY(leaky_rrelu_train_f32(x, y, n, layer->lower, layer->upper, key, NULL));
            layer->last_key = key;
            layer->forwards++;
            return LEAKY_OK;
        }
        break;
    case LEAKY_LAYER_NONE: break; /* a layer is never created with it */
    }
    return leaky_relu_f32(x, y, n, layer->negative_slope);
}

leaky_status leaky_layer_backward_f32(leaky_layer *layer, const float *saved, const float *dy,
                                      float *dx, size_t ndim, const size_t *shape)
{
    static const char fn[] = "leaky_layer_backward_f32";
    size_t n = 0;
    leaky_status status = check_layer(fn, layer);
    if (status == LEAKY_OK)
        status = shape_elements(fn, ndim, shape, &n);
    if (status != LEAKY_OK)
        return status;
    if (layer->bias)
        return bias_backward(fn, layer, saved, dy, dx, ndim, shape, n);
    /* ReLU's input and output have the same sign, so either serves as saved. */
    if (layer->kind == LEAKY_LAYER_RELU)
        return leaky_plain_relu_backward_f32(saved, dy, dx, n);
    if (layer->kind == LEAKY_LAYER_PRELU) {
        size_t v[3];
        prelu_view(layer, ndim, shape, n, v);
        LEAKY_TRY(leaky_prelu_backward_f32(saved, dy, dx, layer->step, v[0], v[1], v[2],
                                           layer->slopes, layer->num_parameters));
        for (size_t k = 0; k < layer->num_parameters; k++)
            layer->grad[k] += layer->step[k];
        return LEAKY_OK;
    }
    if (layer->kind == LEAKY_LAYER_RRELU && layer->training) {
        if (layer->forwards == 0)
            return leaky_fail(LEAKY_EINVAL,
                              "%s: this RReLU layer in training mode has not "
                              "run a forward yet, so there are no slopes to take the gradient "
                              "through",
                              fn);
        return leaky_rrelu_backward_f32(saved, dy, dx, n, layer->lower, layer->upper,
                                        layer->last_key);
    }
    if (layer->inplace)
        return leaky_relu_backward_from_output_f32(saved, dy, dx, n, layer->negative_slope);
    return leaky_relu_backward_f32(saved, dy, dx, n, layer->negative_slope);
}
