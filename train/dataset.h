/* SPDX-License-Identifier: MIT */
/* The experiment's data: examples as rows of features and an integer label each, read from
 * Fashion-MNIST's IDX files, from a pair of NumPy .npy files, or from a CSV file; a
 * stratified split into training and test rows; the standardisation of the inputs; and
 * the gathering of a batch's rows into the network's float input. A set is loaded once
 * and shared by every run (the views below are index lists into it, never copies). */
#ifndef LEAKY_DATASET_H
#define LEAKY_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "class_label.h"

/* count examples of `features` numbers: bytes (0..255, as images come) or floats, one of
 * the two; labels 0 .. classes - 1. */
typedef struct dataset {
    size_t count, features, classes;
    /* Images (IDX, or .npy of shape (n, H, W) or (n, 1, H, W)): their height and width, for
     * a convolutional network; 0 for tables. */
    size_t height, width;
    uint8_t *bytes;
    float *values;
    class_label *labels;
} dataset;

/* Each loader returns false with a sentence in err that names the file and, for bad
 * content, the example (or CSV line) and what was expected; *set is then empty. */

/* DIR/PREFIX-images-idx3-ubyte.gz and DIR/PREFIX-labels-idx1-ubyte.gz (see mnist.h). */
bool dataset_load_idx(const char *dir, const char *prefix, dataset *set, char *err,
                      size_t err_size);

/* features: float32, float64 or uint8, any shape whose first axis is the examples (the
 * rest is flattened); labels: any integer dtype, shape (n) or (n, 1), 0 to MAX_CLASSES - 1. */
bool dataset_load_npy(const char *features, const char *labels, dataset *set, char *err,
                      size_t err_size);

/* Numbers separated by commas, one example per line, the same number of fields on every
 * line; a first line with a field that is not a number is a header. The label column is
 * a header name or a 0-based index. */
bool dataset_load_csv(const char *path, const char *label_column, dataset *set, char *err,
                      size_t err_size);

void dataset_free(dataset *set);

/* The examples of each class are shuffled by a generator seeded with seed, and the first
 * round(fraction * class count) of them (but never all: one stays for training) go to the
 * test rows, the others to the training rows; both lists ascend. The lists are allocated
 * (free them). False when out of memory. */
bool dataset_split(const dataset *set, double fraction, uint64_t seed, uint32_t **train_rows,
                   size_t *n_train, uint32_t **test_rows, size_t *n_test);

/* Rows of a set: all of them in order (rows NULL) or the listed ones, standardised with
 * scale and shift (bytes: byte * scale + shift, one value for every feature) or, for
 * float sets, already standardised in place by dataset_standardise. */
typedef struct dataset_view {
    dataset *set;
    const uint32_t *rows;
    size_t count;
    float scale, shift;
} dataset_view;

/* Standardises the inputs with the mean and deviation of train's rows: bytes with one
 * mean and deviation for all of them (images: one pass over a histogram, exact counts),
 * floats per feature (the columns of a table differ in scale), rewriting train's set and,
 * when it is another one, test's. Sets both views' scale and shift. */
void dataset_standardise(dataset_view *train, dataset_view *test);

/* Rows first .. first + n of the view (through order when not NULL) into x (n x features
 * floats) and their labels. */
void dataset_gather(const dataset_view *view, const uint32_t *order, size_t first, size_t n,
                    float *x, class_label *labels);

/* Classes that have at least one example among the view's rows. */
size_t dataset_classes_present(const dataset_view *view);

#endif
