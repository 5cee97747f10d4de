/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "model.h"

bool model_kind_parse(const char *text, model_kind *kind)
{
    if (strcmp(text, "mlp") == 0)
        *kind = MODEL_MLP;
    else if (strcmp(text, "cnn") == 0)
        *kind = MODEL_CNN;
    else
        return false;
    return true;
}

bool model_create(model *m, const model_spec *spec, const activation *act, size_t max_batch)
{
    memset(m, 0, sizeof *m);
    m->kind = spec->kind;
    if (spec->kind == MODEL_CNN) {
        const cnn_shape shape =
            cnn_default_shape(spec->channels, spec->height, spec->width, spec->classes);
        if (!cnn_create(&m->u.cnn, &shape, act, max_batch, spec->threads))
            return false;
        m->act = &m->u.cnn.act;
        m->par = &m->u.cnn.par;
        m->noise_seed = &m->u.cnn.noise_seed;
    } else {
        size_t sizes[MLP_MAX_LAYERS + 1];
        if (spec->n_hidden + 2 > MLP_MAX_LAYERS + 1)
            return false;
        sizes[0] = spec->channels * spec->height * spec->width;
        memcpy(sizes + 1, spec->hidden, spec->n_hidden * sizeof *sizes);
        sizes[spec->n_hidden + 1] = spec->classes;
        if (!mlp_create(&m->u.mlp, sizes, spec->n_hidden + 2, act, max_batch))
            return false;
        m->act = &m->u.mlp.act;
        m->par = &m->u.mlp.par;
        m->noise_seed = &m->u.mlp.noise_seed;
    }
    m->max_batch = max_batch;
    return true;
}

void model_destroy(model *m)
{
    if (m->kind == MODEL_CNN)
        cnn_destroy(&m->u.cnn);
    else
        mlp_destroy(&m->u.mlp);
}

void model_init(model *m, uint64_t seed, float hidden_bias)
{
    if (m->kind == MODEL_CNN)
        cnn_init(&m->u.cnn, seed, hidden_bias);
    else
        mlp_init(&m->u.mlp, seed, hidden_bias);
}

leaky_status model_loss(model *m, const float *x, const class_label *labels, size_t batch,
                        nn_mode mode, double *loss, size_t *correct)
{
    return m->kind == MODEL_CNN ? cnn_loss(&m->u.cnn, x, labels, batch, mode, loss, correct)
                                : mlp_loss(&m->u.mlp, x, labels, batch, mode, loss, correct);
}

leaky_status model_loss_grad(model *m, const float *x, const class_label *labels, size_t batch,
                             double *loss)
{
    return m->kind == MODEL_CNN ? cnn_loss_grad(&m->u.cnn, x, labels, batch, loss)
                                : mlp_loss_grad(&m->u.mlp, x, labels, batch, loss);
}

void model_dead_reset(model *m)
{
    if (m->kind == MODEL_CNN)
        cnn_dead_reset(&m->u.cnn);
    else
        mlp_dead_reset(&m->u.mlp);
}

size_t model_dead_count(const model *m, size_t hidden)
{
    return m->kind == MODEL_CNN ? cnn_dead_count(&m->u.cnn, hidden)
                                : mlp_dead_count(&m->u.mlp, hidden);
}
