/* SPDX-License-Identifier: MIT */
/* A class label as the trainer stores it everywhere: the data sets, a batch's labels, the
 * models' loss. Sixteen bits: a byte's 256 classes are fewer than many data sets have
 * (ImageNet's 1000), and a wider label would only let a stray label value ask for an
 * output layer of billions of units. */
#ifndef LEAKY_CLASS_LABEL_H
#define LEAKY_CLASS_LABEL_H

#include <stdint.h>

typedef uint16_t class_label;

/* Labels run from 0 to MAX_CLASSES - 1. */
enum { MAX_CLASSES = UINT16_MAX + 1 };

#endif
