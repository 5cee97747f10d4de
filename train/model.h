/* SPDX-License-Identifier: MIT */
/* The experiment's models behind one interface, picked by name: "mlp" (mlp.h) or "cnn"
 * (cnn.h). */
#ifndef LEAKY_MODEL_H
#define LEAKY_MODEL_H

#include "cnn.h"
#include "mlp.h"

typedef enum model_kind { MODEL_MLP, MODEL_CNN } model_kind;

/* "mlp" or "cnn"; false for anything else. */
bool model_kind_parse(const char *text, model_kind *kind);

typedef struct model_spec {
    model_kind kind;
    size_t channels, height, width, classes; /* the images, and the classes */
    const size_t *hidden;                    /* MODEL_MLP: the hidden widths */
    size_t n_hidden;
    /* MODEL_CNN: its workers (cnn_create); OpenBLAS should then have one thread. The MLP
     * leaves the threads to OpenBLAS. */
    size_t threads;
} model_spec;

typedef struct model {
    model_kind kind;
    union {
        mlp mlp;
        cnn cnn;
    } u;
    /* The parts both models have, pointing into the one in use. */
    const activation *act;
    size_t max_batch;
    nn_params *par;
    uint64_t *noise_seed; /* RReLU's key: set a fresh one per training batch */
} model;

/* False when the shape does not suit the model or memory ran out (nothing to free then). */
bool model_create(model *m, const model_spec *spec, const activation *act, size_t max_batch);
void model_destroy(model *m);
void model_init(model *m, uint64_t seed, float hidden_bias);
leaky_status model_loss(model *m, const float *x, const class_label *labels, size_t batch,
                        nn_mode mode, double *loss, size_t *correct);
leaky_status model_loss_grad(model *m, const float *x, const class_label *labels, size_t batch,
                             double *loss);
void model_dead_reset(model *m);
/* Dead units (channels) of activation layer `hidden` (the MLP's hidden layers; the CNN's
 * two convolutions, then its dense layer). */
size_t model_dead_count(const model *m, size_t hidden);

#endif
