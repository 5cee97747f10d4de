/* SPDX-License-Identifier: MIT */
/* The IDX reader: a big-endian header (magic, then one 32-bit size per dimension) and the
 * bytes, read through zlib, which also verifies the gzip checksum at the end. */
#define _DEFAULT_SOURCE /* madvise */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <zlib.h>

#include "mnist.h"

enum { IDX_UBYTE = 0x08 };

/* The trainer reads the pixels a random row at a time: 47 MB in 4 KB pages is 11,500
 * pages, several times what the TLB holds, so nearly every row cost a page walk. Where the
 * kernel gives transparent huge pages on request (its "madvise" mode), ask for 2 MB ones;
 * the advice may be refused, which only costs the speed. */
static uint8_t *alloc_pixels(size_t bytes)
{
#ifdef MADV_HUGEPAGE
    enum { HUGE_PAGE = 2 << 20 };
    if (bytes >= HUGE_PAGE) {
        void *p;
        if (posix_memalign(&p, HUGE_PAGE, bytes) != 0)
            return NULL;
        (void)madvise(p, bytes, MADV_HUGEPAGE);
        return p;
    }
#endif
    return malloc(bytes ? bytes : 1);
}

static bool failf(char *err, size_t size, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool failf(char *err, size_t size, const char *path, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(err, size,
             "%s: %s (the Debian package %s provides the Fashion-MNIST files "
             "under %s; or point --data at a folder holding them)",
             path, what, MNIST_PACKAGE, MNIST_DEFAULT_DIR);
    return false;
}

/* zlib's message, without the "path: " it puts in front. */
static const char *gz_message(gzFile f, const char *path)
{
    int code;
    const char *msg = gzerror(f, &code);
    if (code == Z_ERRNO)
        return strerror(errno);
    const size_t n = strlen(path);
    if (strncmp(msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
        msg += n + 2;
    return msg;
}

/* Reads exactly size bytes; says what went wrong otherwise. */
static bool read_exact(gzFile f, void *buf, size_t size, const char *path, const char *what,
                       char *err, size_t err_size)
{
    unsigned char *p = buf;
    while (size > 0) {
        const unsigned chunk = size > (1u << 30) ? (1u << 30) : (unsigned)size;
        const int got = gzread(f, p, chunk);
        if (got < 0)
            return failf(err, err_size, path, "corrupt gzip data (%s), found while reading %s",
                         gz_message(f, path), what);
        if (got == 0)
            return failf(err, err_size, path, "the file ends early, inside %s", what);
        p += got;
        size -= (size_t)got;
    }
    return true;
}

/* Opens one IDX file of unsigned bytes with ndim dimensions; returns its sizes. */
static gzFile open_idx(const char *path, int ndim, uint32_t *dims, char *err, size_t err_size)
{
    gzFile f = gzopen(path, "rb");
    if (!f) {
        failf(err, err_size, path, "cannot open it: %s", errno ? strerror(errno) : "out of memory");
        return NULL;
    }
    unsigned char head[4 + 4 * 3];
    if (!read_exact(f, head, 4 + 4 * (size_t)ndim, path, "the header", err, err_size)) {
        gzclose(f);
        return NULL;
    }
    if (head[0] != 0 || head[1] != 0 || head[2] != IDX_UBYTE || head[3] != ndim) {
        failf(err, err_size, path,
              "not an IDX file of unsigned bytes with %d dimensions "
              "(magic bytes %02x %02x %02x %02x, expected 00 00 08 %02x)",
              ndim, head[0], head[1], head[2], head[3], ndim);
        gzclose(f);
        return NULL;
    }
    for (int d = 0; d < ndim; d++) {
        const unsigned char *b = head + 4 + 4 * d;
        dims[d] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    }
    return f;
}

/* The data must end where the header says: reading on to the end also makes zlib check
 * the gzip CRC, which catches a corrupted body. */
static bool expect_end(gzFile f, const char *path, char *err, size_t err_size)
{
    unsigned char extra;
    const int got = gzread(f, &extra, 1);
    if (got < 0)
        return failf(err, err_size, path, "corrupt gzip data (%s), found at the end",
                     gz_message(f, path));
    if (got > 0)
        return failf(err, err_size, path, "more data than its header announces");
    return true;
}

static bool load_labels(const char *path, mnist_set *set, char *err, size_t err_size)
{
    uint32_t count;
    gzFile f = open_idx(path, 1, &count, err, err_size);
    if (!f)
        return false;
    bool ok = false;
    uint8_t *bytes = malloc(count ? count : 1);
    set->labels = malloc((count ? count : 1) * sizeof *set->labels);
    if (!bytes || !set->labels) {
        failf(err, err_size, path, "out of memory for %u labels", count);
    } else if (read_exact(f, bytes, count, path, "the labels", err, err_size) &&
               expect_end(f, path, err, err_size)) {
        ok = true;
        for (uint32_t i = 0; i < count && ok; i++) {
            if (bytes[i] >= MNIST_CLASSES)
                ok = failf(err, err_size, path, "label %u is %u; expected 0 to %d", i, bytes[i],
                           MNIST_CLASSES - 1);
            set->labels[i] = bytes[i];
        }
        set->count = count;
    }
    free(bytes);
    gzclose(f);
    return ok;
}

static bool load_images(const char *path, mnist_set *set, char *err, size_t err_size)
{
    uint32_t dims[3];
    gzFile f = open_idx(path, 3, dims, err, err_size);
    if (!f)
        return false;
    bool ok = false;
    const size_t bytes = (size_t)dims[0] * dims[1] * dims[2];
    if (dims[0] != set->count) {
        failf(err, err_size, path, "%u images but %zu labels", dims[0], set->count);
    } else if (dims[1] == 0 || dims[2] == 0 || dims[1] > 4096 || dims[2] > 4096) {
        failf(err, err_size, path, "images of %u x %u pixels; expected 1 to 4096 each way", dims[1],
              dims[2]);
    } else if (!(set->pixels = alloc_pixels(bytes))) {
        failf(err, err_size, path, "out of memory for %zu bytes of pixels", bytes);
    } else if (read_exact(f, set->pixels, bytes, path, "the pixels", err, err_size) &&
               expect_end(f, path, err, err_size)) {
        set->rows = dims[1];
        set->cols = dims[2];
        ok = true;
    }
    gzclose(f);
    return ok;
}

bool mnist_load(const char *dir, const char *prefix, mnist_set *set, char *err, size_t err_size)
{
    memset(set, 0, sizeof *set);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte.gz", dir, prefix);
    if (!load_labels(path, set, err, err_size)) {
        mnist_free(set);
        return false;
    }
    snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte.gz", dir, prefix);
    if (!load_images(path, set, err, err_size)) {
        mnist_free(set);
        return false;
    }
    return true;
}

void mnist_free(mnist_set *set)
{
    free(set->pixels);
    free(set->labels);
    memset(set, 0, sizeof *set);
}
