/* SPDX-License-Identifier: MIT */
/*
 * npy.h - NumPy .npy headers (the format np.save writes), read and written.
 *
 * A .npy file is: the magic "\x93NUMPY", a version (1.0, 2.0 or 3.0), the length of the
 * header text (2 bytes little-endian in 1.0, 4 bytes in 2.0 and 3.0), the header text, a
 * Python dict literal such as
 *     {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
 * padded with spaces and ending in a newline, then the raw array data.
 *
 * npy_parse_header is a pure function over a buffer, written for untrusted input: it never
 * reads outside [buf, buf + len), never allocates, and explains every rejection in a
 * sentence (without the file's name, which the caller adds).  It checks the syntax and
 * the keys (exactly descr, fortran_order and shape), that the shape's element count and
 * byte size fit in 64 bits, and splits descr into byte order, kind and size.  Whether that
 * dtype and order are supported is the caller's decision (see apply.c's table).
 */
#ifndef LEAKY_NPY_H
#define LEAKY_NPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NPY_MAX_DIMS 64 /* numpy 2 allows 64 (numpy 1: 32) */
#define NPY_MAX_DESCR 32

typedef struct npy_header {
    int major, minor;          /* format version */
    char descr[NPY_MAX_DESCR]; /* as written, e.g. "<f4"; "" for a structured dtype */
    bool structured;           /* descr was a list (record arrays) */
    char byte_order;           /* '<', '>', '|' or '=' */
    char kind;                 /* 'f', 'i', 'u', 'b', 'c', 'O', ... */
    uint64_t itemsize;         /* bytes per element from descr's digits (0 if none) */
    bool fortran_order;
    size_t ndim;
    uint64_t shape[NPY_MAX_DIMS];
    uint64_t count;       /* elements: the product of shape (1 for 0-d) */
    uint64_t data_bytes;  /* count * itemsize */
    uint64_t data_offset; /* where the data starts: magic + lengths + header */
} npy_header;

/* Parses the header at the start of buf (len bytes available: the whole file, or at least
 * its first npy_header_need(buf, len) bytes).  Returns true and fills h, or returns false
 * with a sentence in err (e.g. "truncated: the header says 118 bytes but the file has 40",
 * "shape (3, -1) has a negative size").  */
bool npy_parse_header(const void *buf, size_t len, npy_header *h, char *err, size_t err_size);

/* Checks that a file of file_size bytes holds exactly the data the header announces. */
bool npy_check_size(const npy_header *h, uint64_t file_size, char *err, size_t err_size);

/* Writes a header as numpy does (version 1.0, or 2.0 when the text exceeds 65535 bytes;
 * padded with spaces so the data starts at a multiple of 64 bytes) for a C-order array.
 * Returns its length, or 0 when size is too small (NPY_HEADER_MAX always suffices). */
#define NPY_HEADER_MAX (128 + NPY_MAX_DIMS * 24)
size_t npy_format_header(char *buf, size_t size, const char *descr, const uint64_t *shape,
                         size_t ndim);

/* "(3, 4)", "(5,)" or "()" into buf. */
void npy_format_shape(char *buf, size_t size, const uint64_t *shape, size_t ndim);

#endif
