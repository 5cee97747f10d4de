/* SPDX-License-Identifier: MIT */
/* Layer objects: an activation with its parameters, used like a PyTorch module. */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

struct leaky_layer {
    leaky_layer_kind kind;
    bool inplace;
    float negative_slope;
};

static leaky_status create(leaky_layer **layer, leaky_layer_kind kind, float slope, bool inplace,
                           const char *fn)
{
    if (!layer)
        return leaky_fail(LEAKY_EINVAL, "%s: layer is NULL; expected where to store the new "
                          "layer", fn);
    *layer = NULL;
    leaky_layer *l = malloc(sizeof *l);
    if (!l)
        return leaky_fail(LEAKY_ENOMEM, "%s: cannot allocate %zu bytes", fn, sizeof *l);
    *l = (leaky_layer){kind, inplace, slope};
    *layer = l;
    return LEAKY_OK;
}

leaky_status leaky_layer_create_leaky_relu(leaky_layer **layer, float negative_slope,
                                           bool inplace)
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

void leaky_layer_destroy(leaky_layer *layer) { free(layer); }

leaky_layer_kind leaky_layer_get_kind(const leaky_layer *layer) { return layer->kind; }
bool leaky_layer_is_inplace(const leaky_layer *layer) { return layer->inplace; }
float leaky_layer_negative_slope(const leaky_layer *layer) { return layer->negative_slope; }

const char *leaky_layer_name(const leaky_layer *layer)
{
    switch (layer->kind) {
    case LEAKY_LAYER_RELU: return "ReLU";
    case LEAKY_LAYER_LEAKY_RELU: return "LeakyReLU";
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
        if (shape[d] != 0 && count > SIZE_MAX / sizeof(float) / shape[d])
            return leaky_fail(LEAKY_EINVAL, "%s: the shape's element count overflows at "
                              "dimension %zu (size %zu)", fn, d, shape[d]);
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
        return leaky_fail(LEAKY_EINVAL, "%s: this %s layer works in place, so y must be x; "
                          "got two different arrays", fn, leaky_layer_name(layer));
    if (layer->kind == LEAKY_LAYER_RELU)
        return leaky_plain_relu_f32(x, y, n);
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
    /* ReLU's input and output have the same sign, so either serves as saved. */
    if (layer->kind == LEAKY_LAYER_RELU)
        return leaky_plain_relu_backward_f32(saved, dy, dx, n);
    if (layer->inplace)
        return leaky_relu_backward_from_output_f32(saved, dy, dx, n, layer->negative_slope);
    return leaky_relu_backward_f32(saved, dy, dx, n, layer->negative_slope);
}
