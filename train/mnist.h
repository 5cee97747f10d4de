/* SPDX-License-Identifier: MIT */
/* Fashion-MNIST (and MNIST) in the IDX format, gzip-compressed, as Debian's
 * dataset-fashion-mnist package ships it. */
#ifndef LEAKY_MNIST_H
#define LEAKY_MNIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "class_label.h"

#define MNIST_DEFAULT_DIR "/usr/share/datasets/fashion-mnist"
#define MNIST_PACKAGE "dataset-fashion-mnist"
#define MNIST_CLASSES 10

/* One split: count images of rows x cols pixels (0..255, row-major) and their labels
 * (0..9, bytes in the file, widened to the trainer's labels). The pixels stay bytes (47 MB
 * for the training set, not 188 MB of floats): the trainer converts the rows of each batch
 * as it gathers them. */
typedef struct mnist_set {
    size_t count;
    size_t rows, cols;
    uint8_t *pixels;     /* count * rows * cols */
    class_label *labels; /* count */
} mnist_set;

/* Reads DIR/PREFIX-images-idx3-ubyte.gz and DIR/PREFIX-labels-idx1-ubyte.gz (PREFIX is
 * "train" or "t10k"). On failure returns false, leaves *set empty and writes into err a
 * sentence naming the file, what is wrong with it, and the package that provides it. */
bool mnist_load(const char *dir, const char *prefix, mnist_set *set, char *err, size_t err_size);

void mnist_free(mnist_set *set);

#endif
