/* SPDX-License-Identifier: MIT */
/* leaky apply: the activation (or its derivative, or its backward pass) applied to arrays
 * in NumPy .npy files.  Inputs are mapped (or, from a pipe, FIFO or "-", read as they
 * come), never read whole into memory; the output goes through outfile.h (a temporary
 * that replaces OUT only when complete, or straight into a pipe or device); --inplace
 * rewrites through a shared mapping under journal.h's rollback journal. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "activation.h"
#include "cli.h"
#include "journal.h"
#include "leaky.h"
#include "npy.h"
#include "outfile.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "leaky apply reads little-endian .npy data as native: port the byte swapping first"
#endif

enum { CHUNK_BYTES = 1 << 20 };
/* Files at least this big get a progress bar when standard error is a terminal. */
static const uint64_t PROGRESS_BYTES = 64u << 20;

/* ------------------------------------------------------------ dtypes */

/* The negative slope as each type's functions take it, each rounded once from the text
 * (a float rounded from the double could differ in the last bit). */
struct slope {
    float f32;
    double f64;
};

/* The quantization parameters of --dtype qs8|qu8, checked once by the library. */
struct q8 {
    leaky_qs8_params qs8;
    leaky_qu8_params qu8;
};

struct job;

/* The library's entry points for one element type, behind void pointers so that one loop
 * serves every type.  A dtype the library does not compute yet has a reason instead.
 * PReLU takes the job's slopes from index c0 on (ns of them) and adds its slope gradient
 * into dw (doubles, per slope of the job) when dw is not NULL; RReLU draws as element
 * first + i of the array. */
struct dtype {
    const char *descr; /* as in a little-endian .npy header */
    const char *name;
    size_t size;
    const char *missing; /* NULL when supported */
    leaky_status (*forward)(const void *x, void *y, size_t n, const struct slope *a);
    leaky_status (*relu)(const void *x, void *y, size_t n);
    leaky_status (*derivative)(const void *x, void *d, size_t n, const struct slope *a);
    leaky_status (*backward)(const void *x, const void *dy, void *dx, size_t n,
                             const struct slope *a);
    leaky_status (*relu_backward)(const void *x, const void *dy, void *dx, size_t n);
    leaky_status (*prelu)(const void *x, void *y, size_t outer, size_t channels, size_t inner,
                          const struct job *j, size_t c0, size_t ns);
    leaky_status (*prelu_backward)(const void *x, const void *dy, void *dx, double *dw,
                                   size_t outer, size_t channels, size_t inner, const struct job *j,
                                   size_t c0, size_t ns);
    /* PReLU with the slopes of --prelu-file: n elements, whole slices of the job's shape. */
    leaky_status (*prelu_file)(const void *x, void *y, size_t n, const struct job *j);
    leaky_status (*prelu_file_backward)(const void *x, const void *dy, void *dx, double *dw,
                                        size_t n, const struct job *j);
    leaky_status (*rrelu_train)(const void *x, void *y, size_t n, uint64_t first,
                                const struct job *j, void *noise);
    leaky_status (*rrelu_backward)(const void *x, const void *dy, void *dx, size_t n,
                                   uint64_t first, const struct job *j);
    /* The quantized types: --dtype's name, and the forward with its parameters. */
    const char *quantized;
    leaky_status (*forward_q8)(const void *x, void *y, size_t n, const struct q8 *q);
    /* Leaky ReLU's backward from the forward's output (--from-output). */
    leaky_status (*backward_from_output)(const void *y, const void *dy, void *dx, size_t n,
                                         const struct slope *a);
};

/* ------------------------------------------------------------ the job */

enum op { OP_FORWARD, OP_DERIVATIVE, OP_BACKWARD };
enum function { FN_LEAKY, FN_RELU, FN_PRELU, FN_PRELU_FILE, FN_RRELU };

struct job {
    enum op op;
    enum function fn;
    bool inplace, channels_last, train, from_output;
    struct slope slope;
    const char *in, *out, *grad;
    /* PReLU: the slopes in both types, and the array's view as outer x channels x inner. */
    float *slopes_f32;
    double *slopes_f64;
    size_t num_slopes, channels, inner;
    void *dw_scratch; /* one backward's slope gradient, num_slopes of the type */
    /* --prelu-file: the slopes (num_slopes of the file's type) and the shapes of a call:
     * x's axes from the first one the slopes vary along (after a leading count of such
     * slices), and the slopes' own axes from there. */
    const char *prelu_file;
    void *file_slopes;
    size_t slice, call_ndim; /* elements per slice; axes of a call (the count included) */
    size_t x_call[NPY_MAX_DIMS + 1], w_call[NPY_MAX_DIMS];
    /* RReLU: the bounds in both types, and the seed. */
    float lower_f32, upper_f32;
    double lower_f64, upper_f64;
    uint64_t seed;
    const char *dtype; /* --dtype: NULL, f32, f64, f16, bf16, qs8 or qu8 */
    struct q8 q;
    char *identity; /* --inplace: the command without IN, which a resuming run must repeat */
};

static leaky_status forward_f32(const void *x, void *y, size_t n, const struct slope *a)
{
    return leaky_relu_f32(x, y, n, a->f32);
}
static leaky_status relu_f32(const void *x, void *y, size_t n)
{
    return leaky_plain_relu_f32(x, y, n);
}
static leaky_status derivative_f32(const void *x, void *d, size_t n, const struct slope *a)
{
    return leaky_relu_derivative_f32(x, d, n, a->f32);
}
static leaky_status backward_f32(const void *x, const void *dy, void *dx, size_t n,
                                 const struct slope *a)
{
    return leaky_relu_backward_f32(x, dy, dx, n, a->f32);
}
static leaky_status backward_from_output_f32(const void *y, const void *dy, void *dx, size_t n,
                                             const struct slope *a)
{
    return leaky_relu_backward_from_output_f32(y, dy, dx, n, a->f32);
}
static leaky_status relu_backward_f32(const void *x, const void *dy, void *dx, size_t n)
{
    return leaky_plain_relu_backward_f32(x, dy, dx, n);
}

static leaky_status forward_f64(const void *x, void *y, size_t n, const struct slope *a)
{
    return leaky_relu_f64(x, y, n, a->f64);
}
static leaky_status relu_f64(const void *x, void *y, size_t n)
{
    return leaky_plain_relu_f64(x, y, n);
}
static leaky_status derivative_f64(const void *x, void *d, size_t n, const struct slope *a)
{
    return leaky_relu_derivative_f64(x, d, n, a->f64);
}
static leaky_status backward_f64(const void *x, const void *dy, void *dx, size_t n,
                                 const struct slope *a)
{
    return leaky_relu_backward_f64(x, dy, dx, n, a->f64);
}
static leaky_status backward_from_output_f64(const void *y, const void *dy, void *dx, size_t n,
                                             const struct slope *a)
{
    return leaky_relu_backward_from_output_f64(y, dy, dx, n, a->f64);
}
static leaky_status relu_backward_f64(const void *x, const void *dy, void *dx, size_t n)
{
    return leaky_plain_relu_backward_f64(x, dy, dx, n);
}

/* float16 and bfloat16 (computed in float32: the float32 slope), int8 and uint8.  The
 * half types have no plain ReLU and no PReLU backward in the library (NULL). */
#define LEAKY_APPLY_HALF_GLUE(t)                                                                \
    static leaky_status forward_##t(const void *x, void *y, size_t n, const struct slope *a)    \
    {                                                                                           \
        return leaky_relu_##t(x, y, n, a->f32);                                                 \
    }                                                                                           \
    static leaky_status derivative_##t(const void *x, void *d, size_t n, const struct slope *a) \
    {                                                                                           \
        return leaky_relu_derivative_##t(x, d, n, a->f32);                                      \
    }                                                                                           \
    static leaky_status backward_##t(const void *x, const void *dy, void *dx, size_t n,         \
                                     const struct slope *a)                                     \
    {                                                                                           \
        return leaky_relu_backward_##t(x, dy, dx, n, a->f32);                                   \
    }                                                                                           \
    /* PReLU's forward only (float32 slopes, as leaky_prelu_##t takes them). */                 \
    static leaky_status prelu_##t(const void *x, void *y, size_t outer, size_t channels,        \
                                  size_t inner, const struct job *j, size_t c0, size_t ns)      \
    {                                                                                           \
        return leaky_prelu_##t(x, y, outer, channels, inner, j->slopes_f32 + c0, ns);           \
    }
LEAKY_APPLY_HALF_GLUE(f16)
LEAKY_APPLY_HALF_GLUE(bf16)
#undef LEAKY_APPLY_HALF_GLUE
static leaky_status forward_qs8(const void *x, void *y, size_t n, const struct q8 *q)
{
    return leaky_relu_qs8(x, y, n, &q->qs8);
}
static leaky_status forward_qu8(const void *x, void *y, size_t n, const struct q8 *q)
{
    return leaky_relu_qu8(x, y, n, &q->qu8);
}

/* PReLU and RReLU glue, once per type T (suffix t). */
#define LEAKY_APPLY_GLUE(t, T)                                                                    \
    static leaky_status prelu_##t(const void *x, void *y, size_t outer, size_t channels,          \
                                  size_t inner, const struct job *j, size_t c0, size_t ns)        \
    {                                                                                             \
        return leaky_prelu_##t(x, y, outer, channels, inner, j->slopes_##t + c0, ns);             \
    }                                                                                             \
    static leaky_status prelu_backward_##t(const void *x, const void *dy, void *dx, double *dw,   \
                                           size_t outer, size_t channels, size_t inner,           \
                                           const struct job *j, size_t c0, size_t ns)             \
    {                                                                                             \
        T *step = dw ? j->dw_scratch : NULL;                                                      \
        const leaky_status st = leaky_prelu_backward_##t(x, dy, dx, step, outer, channels, inner, \
                                                         j->slopes_##t + c0, ns);                 \
        for (size_t k = 0; st == LEAKY_OK && step && k < ns; k++)                                 \
            dw[c0 + k] += step[k];                                                                \
        return st;                                                                                \
    }                                                                                             \
    static leaky_status prelu_file_##t(const void *x, void *y, size_t n, const struct job *j)     \
    {                                                                                             \
        size_t shape[NPY_MAX_DIMS + 1];                                                           \
        memcpy(shape, j->x_call, j->call_ndim * sizeof *shape);                                   \
        shape[0] = n / j->slice;                                                                  \
        return leaky_prelu_broadcast_##t(x, shape, j->call_ndim, j->file_slopes, j->w_call,       \
                                         j->call_ndim - 1, y);                                    \
    }                                                                                             \
    static leaky_status prelu_file_backward_##t(const void *x, const void *dy, void *dx,          \
                                                double *dw, size_t n, const struct job *j)        \
    {                                                                                             \
        size_t shape[NPY_MAX_DIMS + 1];                                                           \
        memcpy(shape, j->x_call, j->call_ndim * sizeof *shape);                                   \
        shape[0] = n / j->slice;                                                                  \
        T *step = dw ? j->dw_scratch : NULL;                                                      \
        const leaky_status st = leaky_prelu_broadcast_backward_##t(                               \
            x, shape, j->call_ndim, j->file_slopes, j->w_call, j->call_ndim - 1, dy, dx, step);   \
        for (size_t k = 0; st == LEAKY_OK && step && k < j->num_slopes; k++)                      \
            dw[k] += step[k];                                                                     \
        return st;                                                                                \
    }                                                                                             \
    static leaky_status rrelu_train_##t(const void *x, void *y, size_t n, uint64_t first,         \
                                        const struct job *j, void *noise)                         \
    {                                                                                             \
        return leaky_rrelu_train_at_##t(x, y, n, first, j->lower_##t, j->upper_##t, j->seed,      \
                                        noise);                                                   \
    }                                                                                             \
    static leaky_status rrelu_backward_##t(const void *x, const void *dy, void *dx, size_t n,     \
                                           uint64_t first, const struct job *j)                   \
    {                                                                                             \
        return leaky_rrelu_backward_at_##t(x, dy, dx, n, first, j->lower_##t, j->upper_##t,       \
                                           j->seed);                                              \
    }
LEAKY_APPLY_GLUE(f32, float)
LEAKY_APPLY_GLUE(f64, double)
#undef LEAKY_APPLY_GLUE

static const struct dtype dtypes[] = {
    {"<f4", "float32", 4, NULL, forward_f32, relu_f32, derivative_f32, backward_f32,
     relu_backward_f32, prelu_f32, prelu_backward_f32, prelu_file_f32, prelu_file_backward_f32,
     rrelu_train_f32, rrelu_backward_f32, NULL, NULL, backward_from_output_f32},
    {"<f8", "float64", 8, NULL, forward_f64, relu_f64, derivative_f64, backward_f64,
     relu_backward_f64, prelu_f64, prelu_backward_f64, prelu_file_f64, prelu_file_backward_f64,
     rrelu_train_f64, rrelu_backward_f64, NULL, NULL, backward_from_output_f64},
    {"<f2", "float16", 2, NULL, forward_f16, NULL, derivative_f16, backward_f16, NULL, prelu_f16,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    /* bfloat16 as its raw bits ('<u2'), or as ml_dtypes writes it (check_header) */
    {"<u2", "bfloat16", 2, NULL, forward_bf16, NULL, derivative_bf16, backward_bf16, NULL,
     prelu_bf16, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    {"|i1", "int8", 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     "qs8", forward_qs8, NULL},
    {"|u1", "uint8", 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     "qu8", forward_qu8, NULL},
};

/* A mapped .npy file with its parsed header. */
/* An input: a mapped file, or a stream (a pipe, a FIFO, a terminal or "-": standard
 * input) read in order, whose map holds only the header. */
struct mapped {
    const char *path;
    int fd;
    unsigned char *map;
    size_t size;
    bool stream;
    int bus_slot; /* the mapping's entry in cleanup.h's SIGBUS table */
    npy_header h;
    const struct dtype *dt;
};

static void unmap(struct mapped *m)
{
    cleanup_forget_mapping(m->bus_slot);
    m->bus_slot = -1;
    if (m->map && m->stream)
        free(m->map);
    else if (m->map)
        munmap(m->map, m->size);
    if (m->fd >= 0 && m->fd != STDIN_FILENO)
        close(m->fd);
    m->map = NULL;
    m->fd = -1;
}

/* Reads up to n bytes; the count read (less at the end of the stream), or -1. */
static ssize_t read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        const ssize_t k = read(fd, (char *)buf + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

/* A stream's header, read up to the first data byte into m->map (allocated); false with
 * a sentence. */
static bool read_stream_header(struct mapped *m, char *err, size_t err_size)
{
    unsigned char pre[12];
    ssize_t got = read_full(m->fd, pre, 10);
    if (got == 10 && pre[6] >= 2) {
        const ssize_t more = read_full(m->fd, pre + 10, 2);
        got = more < 0 ? -1 : got + more;
    }
    if (got < 0) {
        snprintf(err, err_size, "cannot read: %s", strerror(errno));
        return false;
    }
    /* The header's own length, capped (numpy writes a few hundred bytes). */
    size_t total = (size_t)got;
    if (got >= 10 && memcmp(pre, "\x93NUMPY", 6) == 0) {
        const size_t prefix = pre[6] >= 2 ? 12 : 10;
        uint64_t text = (uint64_t)pre[8] | (uint64_t)pre[9] << 8;
        if (prefix == 12 && got == 12)
            text |= (uint64_t)pre[10] << 16 | (uint64_t)pre[11] << 24;
        if ((size_t)got == prefix)
            total = prefix + (text < (1u << 24) ? (size_t)text : (size_t)1 << 24);
    }
    m->map = malloc(total > 12 ? total : 12);
    if (!m->map) {
        snprintf(err, err_size, "out of memory for the header");
        return false;
    }
    m->size = total;
    memcpy(m->map, pre, (size_t)got);
    const ssize_t rest = read_full(m->fd, m->map + got, total - (size_t)got);
    if (rest < 0) {
        snprintf(err, err_size, "cannot read: %s", strerror(errno));
        return false;
    }
    return npy_parse_header(m->map, (size_t)got + (size_t)rest, &m->h, err, err_size);
}

/* Checks what the header says against what this program computes; false with a sentence. */
static bool check_header(struct mapped *m, char *err, size_t err_size)
{
    const npy_header *h = &m->h;
    if (h->structured) {
        snprintf(err, err_size,
                 "structured (record) dtypes are not supported; save a plain "
                 "float32 array");
        return false;
    }
    if (h->kind == 'O') {
        snprintf(err, err_size, "object arrays ('%s') hold Python objects, not numbers", h->descr);
        return false;
    }
    if (h->byte_order == '>' && h->itemsize > 1) {
        snprintf(err, err_size,
                 "big-endian data ('%s') is not supported; save "
                 "a.astype('<%c%llu') instead",
                 h->descr, h->kind, (unsigned long long)h->itemsize);
        return false;
    }
    if (h->fortran_order) {
        snprintf(err, err_size,
                 "Fortran-order arrays are not supported; save "
                 "np.ascontiguousarray(a) instead");
        return false;
    }
    /* '=' (native) is little-endian here, and one-byte types have no byte order. */
    char descr[NPY_MAX_DESCR];
    snprintf(descr, sizeof descr, "%c%s", h->itemsize == 1 ? '|' : '<', h->descr + 1);
    /* ml_dtypes' bfloat16 saves as two bytes of void ('<V2'), or by its name. */
    if (strcmp(h->descr, "bfloat16") == 0 || (h->kind == 'V' && h->itemsize == 2))
        snprintf(descr, sizeof descr, "<u2");
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++) {
        if (strcmp(descr, dtypes[i].descr) != 0)
            continue;
        if (dtypes[i].missing) {
            snprintf(err, err_size, "unsupported dtype %s (%s)", h->descr, dtypes[i].missing);
            return false;
        }
        m->dt = &dtypes[i];
        return true;
    }
    snprintf(err, err_size,
             "unsupported dtype '%s' (float32 '<f4', float64 '<f8', float16 "
             "'<f2', bfloat16 '<u2' with --dtype bf16, int8 '|i1' and uint8 '|u1' are "
             "supported)",
             h->descr);
    return false;
}

/* Maps path (or opens it as a stream) and checks its header and size; on failure prints
 * the error naming the file.  A FIFO is opened as a shell's redirection does: waiting for
 * its writer. */
static bool map_npy(struct mapped *m, const char *path, bool writable)
{
    char err[512];
    m->path = path;
    m->map = NULL;
    m->bus_slot = -1;
    m->stream = false;
    if (!writable && journal_pending(path)) {
        cli_error(EXIT_FAILURE_,
                  "apply: %s is partly rewritten by an interrupted 'apply --inplace'; rerun "
                  "that command to finish it",
                  path);
        return false;
    }
    const bool dash = strcmp(path, "-") == 0;
    m->fd = dash ? STDIN_FILENO : open(path, writable ? O_RDWR : O_RDONLY);
    if (m->fd < 0) {
        cli_error(EXIT_FAILURE_, "apply: cannot open %s: %s", path, strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(m->fd, &st) != 0) {
        cli_error(EXIT_FAILURE_, "apply: %s: %s", path, strerror(errno));
        unmap(m);
        return false;
    }
    if (!writable && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISSOCK(st.st_mode))) {
        m->stream = true;
        if (!read_stream_header(m, err, sizeof err) || !check_header(m, err, sizeof err)) {
            cli_error(EXIT_FAILURE_, "apply: %s: %s", dash ? "standard input" : path, err);
            unmap(m);
            return false;
        }
        return true;
    }
    if (!S_ISREG(st.st_mode)) {
        cli_error(EXIT_FAILURE_, "apply: %s: not a regular file%s", path,
                  writable ? "" : ", FIFO, pipe or character device");
        unmap(m);
        return false;
    }
    if (st.st_size == 0) {
        cli_error(EXIT_FAILURE_, "apply: %s: empty file, not a .npy array", path);
        unmap(m);
        return false;
    }
    m->size = (size_t)st.st_size;
    void *p = mmap(NULL, m->size, writable ? PROT_READ | PROT_WRITE : PROT_READ,
                   writable ? MAP_SHARED : MAP_PRIVATE, m->fd, 0);
    if (p == MAP_FAILED) {
        cli_error(EXIT_FAILURE_, "apply: cannot map %s: %s", path, strerror(errno));
        unmap(m);
        return false;
    }
    m->map = p;
    /* A file that shrinks under the mapping, or a page that cannot be read or written
     * (a full disk), ends the command with this message instead of a bare SIGBUS. */
    char fault[512];
    snprintf(fault, sizeof fault,
             "apply: %s: the file shrank, or a page of it could not be read or written "
             "(full disk or I/O error), while it was in use",
             path);
    m->bus_slot = cleanup_remember_mapping(m->map, m->size, fault);
    if (!npy_parse_header(m->map, m->size, &m->h, err, sizeof err) ||
        !check_header(m, err, sizeof err) ||
        !npy_check_size(&m->h, (uint64_t)st.st_size, err, sizeof err)) {
        cli_error(EXIT_FAILURE_, "apply: %s: %s", path, err);
        unmap(m);
        return false;
    }
    /* The kernels stream through the data once. */
    posix_madvise(m->map, m->size, POSIX_MADV_SEQUENTIAL);
    return true;
}

/* ------------------------------------------------------------ progress */

struct progress {
    bool show;
    uint64_t total, done;
    int shown; /* percent last drawn */
};

static void progress_init(struct progress *p, uint64_t total)
{
    p->show = total >= PROGRESS_BYTES && isatty(STDERR_FILENO);
    p->total = total;
    p->done = 0;
    p->shown = -1;
}

static void progress_add(struct progress *p, uint64_t bytes)
{
    p->done += bytes;
    if (!p->show)
        return;
    const int percent = (int)(p->done * 100 / p->total);
    if (percent == p->shown)
        return;
    p->shown = percent;
    char bar[41];
    memset(bar, '#', 40);
    memset(bar + percent * 40 / 100, '.', 40 - (size_t)(percent * 40 / 100));
    bar[40] = '\0';
    fprintf(stderr, "\rleaky: apply [%s] %3d%% of %llu MiB", bar, percent,
            (unsigned long long)(p->total >> 20));
    if (p->done >= p->total)
        fputc('\n', stderr);
}

/* ------------------------------------------------------------ the work */

static bool write_all(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n > 0) {
        const ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* PReLU over elements [start, start + n) of the whole array: the piece is cut where the
 * slope pattern allows whole calls (a run's remainder, a row's remaining channels, whole
 * rows, then the start of a row).  dy NULL: the forward. */
static leaky_status prelu_piece(const struct job *j, const struct dtype *dt, const void *x,
                                const void *dy, void *y, uint64_t start, size_t n, double *dw)
{
    const size_t channels = j->num_slopes == 1 ? 1 : j->channels;
    const size_t inner = j->num_slopes == 1 ? (size_t)-1 : j->inner;
    for (size_t done = 0; done < n;) {
        const uint64_t pos = start + done;
        const size_t left = n - done;
        size_t outer = 1, ch = 1, in, c0 = 0;
        if (j->num_slopes == 1) {
            in = left;
        } else if (pos % inner != 0 || left < inner) {
            c0 = (size_t)(pos / inner % channels);
            in = inner - (size_t)(pos % inner) < left ? inner - (size_t)(pos % inner) : left;
        } else if (pos / inner % channels != 0 || left < channels * inner) {
            c0 = (size_t)(pos / inner % channels);
            ch = channels - c0 < left / inner ? channels - c0 : left / inner;
            in = inner;
        } else {
            outer = left / (channels * inner);
            ch = channels;
            in = inner;
        }
        const size_t off = done * dt->size;
        const leaky_status st =
            dy ? dt->prelu_backward((const char *)x + off, (const char *)dy + off, (char *)y + off,
                                    dw, outer, ch, in, j, c0, ch)
               : dt->prelu((const char *)x + off, (char *)y + off, outer, ch, in, j, c0, ch);
        if (st != LEAKY_OK)
            return st;
        done += outer * ch * in;
    }
    return LEAKY_OK;
}

/* PReLU's derivative is its backward of ones. */
static void fill_ones(const struct dtype *dt, void *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (dt->size == sizeof(float))
            ((float *)p)[i] = 1.0f;
        else
            ((double *)p)[i] = 1.0;
    }
}

/* One chunk: n elements from element start of the array.  scratch holds n elements. */
static leaky_status compute(const struct job *j, const struct dtype *dt, const void *x,
                            const void *dy, void *y, size_t n, uint64_t start, void *scratch,
                            double *dw)
{
    static const struct slope zero = {0.0f, 0.0};
    if (dt->quantized)
        return dt->forward_q8(x, y, n, &j->q);
    const bool relu = j->fn == FN_RELU;
    if (j->fn == FN_PRELU_FILE) {
        if (j->op == OP_FORWARD)
            return dt->prelu_file(x, y, n, j);
        if (j->op == OP_BACKWARD)
            return dt->prelu_file_backward(x, dy, y, dw, n, j);
        fill_ones(dt, scratch, n);
        return dt->prelu_file_backward(x, scratch, y, NULL, n, j);
    }
    if (j->fn == FN_PRELU) {
        if (j->op == OP_FORWARD)
            return prelu_piece(j, dt, x, NULL, y, start, n, NULL);
        if (j->op == OP_BACKWARD)
            return prelu_piece(j, dt, x, dy, y, start, n, dw);
        fill_ones(dt, scratch, n);
        return prelu_piece(j, dt, x, scratch, y, start, n, NULL);
    }
    if (j->fn == FN_RRELU && j->train) {
        switch (j->op) {
        case OP_DERIVATIVE: return dt->rrelu_train(x, scratch, n, start, j, y); /* the noise */
        case OP_BACKWARD: return dt->rrelu_backward(x, dy, y, n, start, j);
        default: return dt->rrelu_train(x, y, n, start, j, NULL);
        }
    }
    /* Leaky ReLU, ReLU, and RReLU's evaluation (leaky at the mean slope). */
    switch (j->op) {
    case OP_DERIVATIVE: return dt->derivative(x, y, n, relu ? &zero : &j->slope);
    case OP_BACKWARD:
        if (j->from_output)
            return dt->backward_from_output(x, dy, y, n, &j->slope);
        return relu ? dt->relu_backward(x, dy, y, n) : dt->backward(x, dy, y, n, &j->slope);
    default: return relu ? dt->relu(x, y, n) : dt->forward(x, y, n, &j->slope);
    }
}

/* A pointer to n elements at p usable by the kernels: p itself when aligned for the type,
 * else a copy in buf (a header of odd length leaves the data misaligned). */
static void *aligned(unsigned char *p, void *buf, size_t bytes, size_t size)
{
    if ((uintptr_t)p % size == 0)
        return p;
    memcpy(buf, p, bytes);
    return buf;
}

static const char *name_of(const struct mapped *m)
{
    return strcmp(m->path, "-") == 0 ? "standard input" : m->path;
}

/* bytes of m's data from byte off, for the kernels: in the mapping when aligned for the
 * type, else copied into buf; from a stream, read into buf.  NULL, with the error
 * printed, when a stream ends early. */
static void *chunk_of(struct mapped *m, uint64_t off, void *buf, size_t bytes)
{
    if (!m->stream)
        return aligned(m->map + m->h.data_offset + off, buf, bytes, m->dt->size);
    const ssize_t got = read_full(m->fd, buf, bytes);
    if (got == (ssize_t)bytes)
        return buf;
    if (got < 0)
        cli_error(EXIT_FAILURE_, "apply: cannot read %s: %s", name_of(m), strerror(errno));
    else
        cli_error(EXIT_FAILURE_,
                  "apply: %s: truncated: the data ends after %llu of the %llu bytes its "
                  "header announces",
                  name_of(m), (unsigned long long)(off + (uint64_t)got),
                  (unsigned long long)m->h.data_bytes);
    return NULL;
}

/* Whether a stream ended where its header said (a file's size was checked when mapped). */
static bool ended(struct mapped *m)
{
    unsigned char extra;
    if (!m || !m->stream || read_full(m->fd, &extra, 1) == 0)
        return true;
    cli_error(EXIT_FAILURE_, "apply: %s: more data than the %llu bytes its header announces",
              name_of(m), (unsigned long long)m->h.data_bytes);
    return false;
}

/* Runs the job chunk by chunk over elements [from, to): from in (and grad) into the file
 * out_fd, or back into in's mapping when out_fd < 0. */
static int run(const struct job *j, struct mapped *in, struct mapped *grad, int out_fd, double *dw,
               uint64_t from, uint64_t to, struct progress *pr)
{
    const struct dtype *dt = in->dt;
    /* --prelu-file's calls take whole slices (one at least, however large). */
    const size_t slice = j->fn == FN_PRELU_FILE ? j->slice : 1;
    const size_t chunk =
        CHUNK_BYTES / dt->size > slice ? CHUNK_BYTES / dt->size / slice * slice : slice;
    const size_t chunk_bytes = chunk * dt->size;
    unsigned char *buf = malloc(4 * chunk_bytes);
    if (!buf)
        return cli_error(EXIT_FAILURE_, "apply: out of memory");
    unsigned char *xbuf = buf, *dybuf = buf + chunk_bytes, *ybuf = buf + 2 * chunk_bytes;
    unsigned char *scratch = buf + 3 * chunk_bytes;
    /* PReLU's and RReLU training's derivatives come out of a backward or a noise output,
     * which must not be the input. */
    const bool own_output =
        j->op == OP_DERIVATIVE &&
        (j->fn == FN_PRELU || j->fn == FN_PRELU_FILE || (j->fn == FN_RRELU && j->train));
    unsigned char *x = in->map + in->h.data_offset;
    int rc = EXIT_OK;
    for (uint64_t done = from; done < to;) {
        const size_t n = to - done < chunk ? (size_t)(to - done) : chunk;
        const size_t off = (size_t)done * dt->size, bytes = n * dt->size;
        void *xp = chunk_of(in, off, xbuf, bytes);
        const void *dyp = grad ? chunk_of(grad, off, dybuf, bytes) : NULL;
        if (!xp || (grad && !dyp)) {
            rc = EXIT_FAILURE_;
            break;
        }
        /* In place, the result goes straight back into the mapping when it can. */
        void *yp = out_fd < 0 && xp == x + off && !own_output ? xp : ybuf;
        if (compute(j, dt, xp, dyp, yp, n, done, scratch, dw) != LEAKY_OK) {
            rc = cli_error(EXIT_FAILURE_, "apply: %s", leaky_last_error());
            break;
        }
        if (out_fd >= 0) {
            if (!write_all(out_fd, yp, bytes)) {
                rc =
                    cli_error(EXIT_FAILURE_, "apply: cannot write %s: %s", j->out, strerror(errno));
                break;
            }
        } else if (yp != x + off) {
            memcpy(x + off, yp, bytes);
        }
        done += n;
        progress_add(pr, bytes);
    }
    free(buf);
    if (rc == EXIT_OK && to == in->h.count && (!ended(in) || !ended(grad)))
        rc = EXIT_FAILURE_;
    return rc;
}

/* Whether the job can run on the file's dtype (--dtype, and what the type computes);
 * false with a sentence. */
static bool check_job(const struct job *j, const struct dtype *dt, char *err, size_t err_size)
{
    static const char *const dtype_names[][2] = {{"float32", "f32"}, {"float64", "f64"},
                                                 {"float16", "f16"}, {"bfloat16", "bf16"},
                                                 {"int8", "qs8"},    {"uint8", "qu8"}};
    const char *want = NULL;
    for (size_t i = 0; i < sizeof dtype_names / sizeof dtype_names[0]; i++)
        if (strcmp(dt->name, dtype_names[i][0]) == 0)
            want = dtype_names[i][1];
    if (strcmp(dt->name, "bfloat16") == 0 && !j->dtype) {
        snprintf(err, err_size,
                 "'%s' data is bfloat16 only with --dtype bf16 (numpy has no bfloat16: "
                 "its raw bits as '<u2', or ml_dtypes' bfloat16)",
                 dt->descr);
        return false;
    }
    if (dt->quantized && !j->dtype) {
        snprintf(err, err_size,
                 "%s data needs --dtype %s with --in-scale, --in-zero-point, "
                 "--out-scale and --out-zero-point",
                 dt->name, dt->quantized);
        return false;
    }
    if (j->dtype && (!want || strcmp(j->dtype, want) != 0)) {
        snprintf(err, err_size, "the data is %s, not --dtype %s%s%s", dt->name, j->dtype,
                 want ? "; give --dtype " : "", want ? want : "");
        return false;
    }
    if (dt->quantized && (j->op != OP_FORWARD || j->fn != FN_LEAKY)) {
        snprintf(err, err_size,
                 "%s data has only the forward Leaky ReLU (no --derivative, "
                 "--backward or --relu)",
                 dt->name);
        return false;
    }
    if ((j->fn == FN_PRELU && !dt->prelu) || (j->fn == FN_RRELU && !dt->rrelu_train) ||
        (j->fn == FN_PRELU_FILE && !dt->prelu_file)) {
        snprintf(err, err_size, "--%s is float32 and float64 only",
                 j->fn == FN_PRELU        ? "prelu"
                 : j->fn == FN_PRELU_FILE ? "prelu-file"
                                          : "rrelu");
        return false;
    }
    if (j->fn == FN_PRELU && j->op != OP_FORWARD && !dt->prelu_backward) {
        snprintf(err, err_size,
                 "--prelu with --%s is float32 and float64 only; %s data has "
                 "the PReLU forward",
                 j->op == OP_BACKWARD ? "backward" : "derivative", dt->name);
        return false;
    }
    if (j->from_output && !dt->backward_from_output) {
        snprintf(err, err_size, "--from-output is float32 and float64 only");
        return false;
    }
    if (j->fn == FN_RELU && !dt->relu) {
        snprintf(err, err_size,
                 "--relu is float32 and float64 only; for %s, --slope 0 gives ReLU except "
                 "at -inf (NaN) and NaN",
                 dt->name);
        return false;
    }
    return true;
}

/* PReLU's view of the array: the channel at dimension 1 (one channel below 2-d, as
 * PyTorch) or last; the slope count must be 1 or the channel count. */
static bool prelu_view(struct job *j, const struct mapped *in)
{
    const npy_header *h = &in->h;
    uint64_t channels = 1, inner = 1;
    if (j->channels_last && h->ndim >= 1)
        channels = h->shape[h->ndim - 1];
    else if (!j->channels_last && h->ndim >= 2)
        channels = h->shape[1];
    if (!j->channels_last)
        for (size_t d = 2; d < h->ndim; d++)
            inner *= h->shape[d];
    if (!j->channels_last && h->ndim < 2)
        inner = h->count;
    if (j->num_slopes != 1 && j->num_slopes != channels) {
        char shape[NPY_HEADER_MAX];
        npy_format_shape(shape, sizeof shape, h->shape, h->ndim);
        char expected[48] = "1";
        if (channels != 1)
            snprintf(expected, sizeof expected, "1 or %llu", (unsigned long long)channels);
        cli_error(EXIT_USAGE,
                  "apply: --prelu gave %zu slopes but %s, of shape %s, has %llu "
                  "channel%s (%s); expected %s",
                  j->num_slopes, j->in, shape, (unsigned long long)channels,
                  channels == 1 ? "" : "s",
                  h->ndim == 0       ? "a 0-d array has one"
                  : j->channels_last ? "its last dimension"
                  : h->ndim < 2      ? "one below 2-d, as PyTorch"
                                     : "dimension 1, as PyTorch",
                  expected);
        return false;
    }
    j->channels = (size_t)channels;
    j->inner = inner ? (size_t)inner : 1;
    return true;
}

/* The slope gradient, one shortest number per slope, on standard output. */
static void print_dslopes(const struct job *j, const struct dtype *dt, const double *dw)
{
    char text[40];
    for (size_t k = 0; k < j->num_slopes; k++) {
        if (dt->size == sizeof(float))
            cli_format_float(text, sizeof text, (float)dw[k]);
        else
            cli_format_double(text, sizeof text, dw[k]);
        printf("%s%c", text, k + 1 < j->num_slopes ? ' ' : '\n');
    }
}

/* --inplace: block by block under the rollback journal (journal.h), so that rerunning the
 * same command after any interruption finishes the job exactly once. */
static int rewrite_in_place(const struct job *j, struct mapped *in, double *dw)
{
    char err[1024];
    /* --prelu-file's calls take whole slices, so a block holds whole slices. */
    const uint64_t slice = j->fn == FN_PRELU_FILE ? j->slice : 1;
    const uint64_t block = JOURNAL_MAX_BLOCK / in->dt->size / slice * slice;
    const uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    if (block == 0)
        return cli_error(EXIT_USAGE,
                         "apply: --inplace with --prelu-file %s rewrites whole slices of %llu "
                         "elements, more than its journal's block of %zu bytes holds; write "
                         "to another file instead",
                         j->prelu_file, (unsigned long long)slice, (size_t)JOURNAL_MAX_BLOCK);
    /* A sparse file's holes get their blocks now: a full disk is a message here, not a
     * SIGBUS half way. */
    const int e = posix_fallocate(in->fd, 0, (off_t)in->size);
    if (e != 0)
        return cli_error(EXIT_FAILURE_, "apply: cannot write %s: %s", j->in, strerror(e));
    journal jn;
    uint64_t at;
    const uint64_t data = in->h.data_offset, size = in->dt->size;
    if (!journal_begin(&jn, j->in, in->fd, data, j->identity, &at, err, sizeof err))
        return cli_error(EXIT_FAILURE_, "apply: %s", err);
    struct progress pr;
    progress_init(&pr, in->h.data_bytes);
    int rc = EXIT_OK;
    for (uint64_t e0 = (at - data) / size; e0 < in->h.count && rc == EXIT_OK; e0 += block) {
        const uint64_t e1 = in->h.count - e0 < block ? in->h.count : e0 + block;
        const uint64_t from = data + e0 * size, to = data + e1 * size;
        if (!journal_record(&jn, from, (size_t)(to - from), err, sizeof err)) {
            rc = cli_error(EXIT_FAILURE_, "apply: %s", err);
            break;
        }
        rc = run(j, in, NULL, -1, dw, e0, e1, &pr);
        if (rc == EXIT_OK &&
            msync(in->map + from / page * page, (size_t)(to - from / page * page), MS_SYNC) != 0)
            rc = cli_error(EXIT_FAILURE_, "apply: cannot write %s: %s", j->in, strerror(errno));
    }
    if (rc != EXIT_OK) {
        journal_close(&jn);
        cli_error(EXIT_FAILURE_,
                  "apply: %s is partly rewritten; rerun the same command to finish it", j->in);
    } else if (!journal_end(&jn, err, sizeof err)) {
        rc = cli_error(EXIT_FAILURE_, "apply: %s", err);
    }
    return rc;
}

/* --prelu-file W.npy: the slopes, of IN's dtype, with a shape that broadcasts to IN's as
 * NumPy's rules (and ONNX's PRelu) have it; and the calls' shapes: IN as slices from the
 * first axis the slopes vary along.  Returns the exit code (after the message). */
static int prelu_file_view(struct job *j, const struct mapped *in)
{
    struct mapped w = {.fd = -1};
    if (!map_npy(&w, j->prelu_file, false))
        return EXIT_FAILURE_;
    const npy_header *xh = &in->h, *wh = &w.h;
    char xs[NPY_HEADER_MAX], ws[NPY_HEADER_MAX];
    npy_format_shape(xs, sizeof xs, xh->shape, xh->ndim);
    npy_format_shape(ws, sizeof ws, wh->shape, wh->ndim);
    int rc = EXIT_USAGE;
    if (w.dt != in->dt) {
        cli_error(EXIT_USAGE, "apply: --prelu-file %s is %s, %s is %s; give slopes of %s's dtype",
                  j->prelu_file, w.dt->name, j->in, in->dt->name, j->in);
        goto done;
    }
    if (wh->ndim > xh->ndim) {
        cli_error(EXIT_USAGE,
                  "apply: --prelu-file %s has shape %s, more dimensions than %s's %s; "
                  "the slopes broadcast to the input (as NumPy and ONNX's PRelu)",
                  j->prelu_file, ws, j->in, xs);
        goto done;
    }
    size_t first = xh->ndim; /* the first axis the slopes vary along */
    for (size_t d = 0; d < wh->ndim; d++) {
        const size_t xd = xh->ndim - wh->ndim + d;
        if (wh->shape[d] != 1 && wh->shape[d] != xh->shape[xd]) {
            cli_error(EXIT_USAGE,
                      "apply: --prelu-file %s has shape %s, which does not broadcast to %s's "
                      "%s: its axis %zu is %llu where %s has %llu; expected 1 or %llu "
                      "(NumPy's rules, aligned on the last axis)",
                      j->prelu_file, ws, j->in, xs, d, (unsigned long long)wh->shape[d], j->in,
                      (unsigned long long)xh->shape[xd], (unsigned long long)xh->shape[xd]);
            goto done;
        }
        if (wh->shape[d] != 1 && xd < first)
            first = xd;
    }
    j->num_slopes = (size_t)wh->count;
    j->file_slopes = malloc(wh->count * in->dt->size + 1);
    if (!j->file_slopes) {
        rc = cli_error(EXIT_FAILURE_, "apply: out of memory for the slopes of %s", j->prelu_file);
        goto done;
    }
    memcpy(j->file_slopes, w.map + wh->data_offset, wh->count * in->dt->size);
    j->slice = 1;
    j->call_ndim = 1 + xh->ndim - first;
    j->x_call[0] = 1;
    for (size_t d = first; d < xh->ndim; d++) {
        j->x_call[1 + d - first] = (size_t)xh->shape[d];
        j->w_call[d - first] = (size_t)wh->shape[d - (xh->ndim - wh->ndim)];
        j->slice *= (size_t)xh->shape[d];
    }
    if (j->slice == 0) /* an empty array: one call of nothing */
        j->slice = 1;
    rc = EXIT_OK;
done:
    unmap(&w);
    return rc;
}

static int apply(struct job *j)
{
    struct mapped in = {.fd = -1, .bus_slot = -1}, grad = {.fd = -1, .bus_slot = -1};
    if (j->inplace && strcmp(j->in, "-") == 0)
        return cli_error(EXIT_USAGE, "apply: --inplace rewrites a file, not standard input");
    if (j->grad && strcmp(j->in, "-") == 0 && strcmp(j->grad, "-") == 0)
        return cli_error(EXIT_USAGE, "apply: IN and --grad cannot both be standard input");
    if (!map_npy(&in, j->in, j->inplace))
        return EXIT_FAILURE_;
    char job_err[256];
    if (!check_job(j, in.dt, job_err, sizeof job_err)) {
        cli_error(EXIT_FAILURE_, "apply: %s: %s", j->in, job_err);
        unmap(&in);
        return EXIT_FAILURE_;
    }
    if (j->fn == FN_PRELU && !prelu_view(j, &in)) {
        unmap(&in);
        return EXIT_USAGE;
    }
    const int view_rc = j->fn == FN_PRELU_FILE ? prelu_file_view(j, &in) : EXIT_OK;
    if (view_rc != EXIT_OK) {
        unmap(&in);
        return view_rc;
    }
    /* PReLU's slope gradient: a total per slope, and room for one call's. */
    double *dw = NULL;
    if ((j->fn == FN_PRELU || j->fn == FN_PRELU_FILE) && j->op == OP_BACKWARD) {
        dw = calloc(j->num_slopes + 1, sizeof(double) + in.dt->size);
        if (!dw) {
            unmap(&in);
            return cli_error(EXIT_FAILURE_, "apply: out of memory");
        }
        j->dw_scratch = dw + j->num_slopes + 1;
    }
    if (j->grad) {
        if (!map_npy(&grad, j->grad, false)) {
            unmap(&in);
            free(dw);
            return EXIT_FAILURE_;
        }
        char a[NPY_HEADER_MAX], b[NPY_HEADER_MAX];
        npy_format_shape(a, sizeof a, grad.h.shape, grad.h.ndim);
        npy_format_shape(b, sizeof b, in.h.shape, in.h.ndim);
        if (grad.dt != in.dt || strcmp(a, b) != 0) {
            cli_error(EXIT_USAGE, "apply: %s: %s %s does not match %s's %s %s", j->grad,
                      grad.dt->name, a, j->in, in.dt->name, b);
            unmap(&in);
            unmap(&grad);
            free(dw);
            return EXIT_USAGE;
        }
    }
    int rc;
    if (j->inplace) {
        rc = rewrite_in_place(j, &in, dw);
    } else {
        char err[512], header[NPY_HEADER_MAX];
        const size_t header_len =
            npy_format_header(header, sizeof header, in.dt->descr, in.h.shape, in.h.ndim);
        outfile o;
        if (!outfile_open(&o, j->out, err, sizeof err)) {
            rc = cli_error(EXIT_FAILURE_, "apply: %s", err);
        } else if (!write_all(o.fd, header, header_len)) {
            rc = cli_error(EXIT_FAILURE_, "apply: cannot write %s: %s", j->out, strerror(errno));
            outfile_abort(&o);
        } else {
            struct progress pr;
            progress_init(&pr, in.h.data_bytes);
            rc = run(j, &in, j->grad ? &grad : NULL, o.fd, dw, 0, in.h.count, &pr);
            /* The slope gradient is part of the result: OUT stays as it was if it is lost. */
            if (rc == EXIT_OK && dw) {
                print_dslopes(j, in.dt, dw);
                if (!outfile_stdout_ok(err, sizeof err))
                    rc = cli_error(EXIT_FAILURE_, "apply: %s", err);
            }
            if (rc != EXIT_OK)
                outfile_abort(&o);
            else if (!outfile_commit(&o, err, sizeof err))
                rc = cli_error(EXIT_FAILURE_, "apply: %s", err);
        }
    }
    unmap(&in);
    unmap(&grad);
    free(dw);
    return rc;
}

/* ------------------------------------------------------------ options */

static void help(void)
{
    printf("usage: leaky apply [FUNCTION] [--derivative] IN.npy OUT.npy\n"
           "       leaky apply [FUNCTION] --backward --grad DY.npy IN.npy OUT.npy\n"
           "       leaky apply --inplace [FUNCTION] [--derivative] IN.npy\n"
           "FUNCTION: -a SPEC | --slope A | --relu | --prelu W[,W...] [--channels-last]\n"
           "          | --prelu-file W.npy\n"
           "          | --rrelu LOWER,UPPER [--train] [--seed S]\n"
           "\n"
           "Applies Leaky ReLU to the array in a NumPy .npy file (np.save's format; C order,\n"
           "little-endian float32 or float64, any shape) and writes the result as .npy,\n"
           "computed by the library exactly as PyTorch does. OUT appears only when it is\n"
           "complete.\n"
           "\n"
           "  -a, --activation SPEC  leaky[:A], relu, prelu:W[,W...] or rrelu[:LOWER:UPPER];\n"
           "                      the four options below are its shorthands (give one)\n"
           "  -s, --slope A, --negative-slope A   the negative slope (default 0.01)\n"
           "  -r, --relu          plain ReLU instead (torch.relu)\n"
           "  --prelu W[,W...]    PReLU with one slope, or one per channel (dimension 1, as\n"
           "                      PyTorch; one channel below 2-d); --backward also prints\n"
           "                      the slope gradient on standard output, one per slope\n"
           "  --channels-last     PReLU's channel is the last dimension (NHWC)\n"
           "  --prelu-file W.npy  PReLU with the slopes of W.npy (IN's dtype), whose shape\n"
           "                      broadcasts to IN's as NumPy's rules and ONNX's PRelu have\n"
           "                      it: () or (1,) one slope, (C, 1, 1) per channel of an\n"
           "                      NCHW array, (C,) per channel last, IN's shape per element;\n"
           "                      --backward prints the slope gradient, summed over the\n"
           "                      broadcast axes, in W's C order\n"
           "  --rrelu LOWER,UPPER\n"
           "                      RReLU: evaluation mode (slope (LOWER + UPPER) / 2) unless\n"
           "                      --train, which draws element i's slope from U(LOWER, UPPER)\n"
           "                      keyed by (seed, i); --derivative then gives those slopes\n"
           "  --train             RReLU's training mode\n"
           "  --seed S            RReLU training's seed (default 0)\n"
           "  -d, --derivative    the gradient f'(x) = 1 if x > 0, else A\n"
           "  -b, --backward      the backward pass: dx = DY if x > 0, else A*DY\n"
           "  -g, --grad DY.npy   the output gradient for --backward (same shape and dtype)\n"
           "  --from-output       with --backward: IN is the forward's output y, not x (Leaky\n"
           "                      ReLU with a slope >= 0: y > 0 exactly where x > 0)\n"
           "  -i, --inplace       rewrite IN itself, block by block under a rollback journal\n"
           "                      beside it (.IN.leaky-journal, 8 MiB): if the run is\n"
           "                      interrupted (even by kill -9 or a power cut), rerunning the\n"
           "                      same command finishes it, each element rewritten once\n"
           "  -h, --help          this text\n"
           "\n"
           "  -t, --dtype T       what the data must be: f32 ('<f4'), f64 ('<f8'), f16 ('<f2':\n"
           "                      computed in float32, rounded once to float16), bf16 (its\n"
           "                      raw bits as '<u2', or ml_dtypes' bfloat16; the same rules;\n"
           "                      the output is '<u2'), qs8 ('|i1') or\n"
           "                      qu8 ('|u1'): quantized, q standing for S * (q - Z); needs the\n"
           "                      four below; the result is exactly rounded (ties to even) and\n"
           "                      clamped\n"
           "      --in-scale S, --in-zero-point Z, --out-scale S, --out-zero-point Z\n"
           "                      the quantization of IN and of OUT\n"
           "\n"
           "float16 files work the same way (Leaky ReLU, and the PReLU forward with float32\n"
           "slopes), and bfloat16 ones with --dtype bf16; int8 and uint8 ones need --dtype\n"
           "qs8 or qu8. Big files are mapped and\n"
           "streamed, with a progress bar on a terminal.\n");
}

/* Checks --dtype qs8|qu8's four options and sets the library's parameters from them. */
static int quantization(struct job *j, const char *const quant[4])
{
    static const char *const names[4] = {"--in-scale", "--in-zero-point", "--out-scale",
                                         "--out-zero-point"};
    const bool quantized = j->dtype && j->dtype[0] == 'q';
    for (int i = 0; i < 4; i++) {
        if (quantized && !quant[i])
            return cli_error(EXIT_USAGE, "apply: --dtype %s needs %s", j->dtype, names[i]);
        if (!quantized && quant[i])
            return cli_error(EXIT_USAGE, "apply: %s is for --dtype qs8 or qu8", names[i]);
    }
    if (!quantized)
        return EXIT_OK;
    float scale[2];
    long zero_point[2];
    for (int k = 0; k < 2; k++) {
        if (!cli_parse_float(quant[2 * k], &scale[k]))
            return cli_error(EXIT_USAGE, "apply: %s %s: expected a positive number", names[2 * k],
                             quant[2 * k]);
        char *end;
        errno = 0;
        zero_point[k] = strtol(quant[2 * k + 1], &end, 10);
        if (end == quant[2 * k + 1] || *end || errno || zero_point[k] < INT32_MIN ||
            zero_point[k] > INT32_MAX)
            return cli_error(EXIT_USAGE, "apply: %s %s: expected a whole number", names[2 * k + 1],
                             quant[2 * k + 1]);
    }
    const leaky_status status =
        strcmp(j->dtype, "qs8") == 0
            ? leaky_qs8_params_init(&j->q.qs8, scale[0], (int)zero_point[0], scale[1],
                                    (int)zero_point[1], j->slope.f32)
            : leaky_qu8_params_init(&j->q.qu8, scale[0], (int)zero_point[0], scale[1],
                                    (int)zero_point[1], j->slope.f32);
    if (status != LEAKY_OK) /* the library names the bad parameter and its value */
        return cli_error(EXIT_USAGE, "apply: %s", leaky_last_error());
    return EXIT_OK;
}

/* The words of the command but IN, space-separated: what identifies an in-place job in
 * its journal (allocated; NULL when out of memory). */
static char *job_identity(int argc, char **argv, int in_index)
{
    size_t size = sizeof "leaky";
    for (int i = 0; i < argc; i++)
        size += strlen(argv[i]) + 1;
    char *text = malloc(size);
    if (!text)
        return NULL;
    strcpy(text, "leaky");
    for (int i = 0; i < argc; i++) {
        if (i != in_index) {
            strcat(text, " ");
            strcat(text, argv[i]);
        }
    }
    return text;
}

int cmd_apply(int argc, char **argv)
{
    enum {
        OPT_TRAIN = 256,
        OPT_SEED,
        OPT_CHANNELS_LAST,
        OPT_IN_SCALE,
        OPT_IN_ZERO,
        OPT_OUT_SCALE,
        OPT_OUT_ZERO,
        OPT_PRELU_FILE,
        OPT_FROM_OUTPUT
    };
    static const struct option options[] = {
        CLI_ACTIVATION_LONG_OPTIONS,
        {"prelu-file", required_argument, NULL, OPT_PRELU_FILE},
        {"train", no_argument, NULL, OPT_TRAIN},
        {"seed", required_argument, NULL, OPT_SEED},
        {"channels-last", no_argument, NULL, OPT_CHANNELS_LAST},
        {"derivative", no_argument, NULL, 'd'},
        {"backward", no_argument, NULL, 'b'},
        {"grad", required_argument, NULL, 'g'},
        {"inplace", no_argument, NULL, 'i'},
        {"from-output", no_argument, NULL, OPT_FROM_OUTPUT},
        {"dtype", required_argument, NULL, 't'},
        {"in-scale", required_argument, NULL, OPT_IN_SCALE},
        {"in-zero-point", required_argument, NULL, OPT_IN_ZERO},
        {"out-scale", required_argument, NULL, OPT_OUT_SCALE},
        {"out-zero-point", required_argument, NULL, OPT_OUT_ZERO},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct job j = {.op = OP_FORWARD, .fn = FN_LEAKY, .slope = {LEAKY_DEFAULT_SLOPE, 0.01}};
    cli_activation act;
    cli_activation_default(&act);
    bool act_given = false, derivative = false, backward = false, seed_given = false;
    bool grad_given = false, dtype_given = false, quant_given[4] = {false};
    int rc = EXIT_USAGE, opt;
    /* --in-scale, --in-zero-point, --out-scale, --out-zero-point as given (NULL: not). */
    const char *quant[4] = {NULL, NULL, NULL, NULL};
    static const char *const quant_names[4] = {"--in-scale", "--in-zero-point", "--out-scale",
                                               "--out-zero-point"};
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":" CLI_ACTIVATION_SHORT "dbg:it:h", options, NULL)) !=
           -1) {
        if (cli_is_activation_option(opt)) {
            if (!cli_activation_once("apply", opt, optarg, &act, &act_given))
                goto done;
            continue;
        }
        switch (opt) {
        case OPT_PRELU_FILE:
            /* PReLU with the slopes of a file: one more activation option. */
            if (act_given) {
                rc = cli_error(EXIT_USAGE,
                               "apply: %s, then --prelu-file %s: give one activation, not "
                               "several",
                               act.given, optarg);
                goto done;
            }
            act_given = true;
            snprintf(act.given, sizeof act.given, "--prelu-file %.40s", optarg);
            j.prelu_file = optarg;
            break;
        case OPT_TRAIN: j.train = true; break;
        case OPT_SEED:
            if (!cli_option_once("apply", "--seed", &seed_given) ||
                !cli_parse_seed("apply: --seed", optarg, &j.seed))
                goto done;
            break;
        case OPT_CHANNELS_LAST: j.channels_last = true; break;
        case 'd': derivative = true; break;
        case 'b': backward = true; break;
        case 'g':
            if (!cli_option_once("apply", "--grad", &grad_given))
                goto done;
            j.grad = optarg;
            break;
        case 'i': j.inplace = true; break;
        case OPT_FROM_OUTPUT: j.from_output = true; break;
        case 't':
            if (!cli_option_once("apply", "--dtype", &dtype_given))
                goto done;
            if (strcmp(optarg, "f32") != 0 && strcmp(optarg, "f64") != 0 &&
                strcmp(optarg, "f16") != 0 && strcmp(optarg, "bf16") != 0 &&
                strcmp(optarg, "qs8") != 0 && strcmp(optarg, "qu8") != 0) {
                rc = cli_error(EXIT_USAGE,
                               "apply: --dtype %s: expected f32, f64, f16, bf16, qs8 or "
                               "qu8",
                               optarg);
                goto done;
            }
            j.dtype = optarg;
            break;
        case OPT_IN_SCALE:
        case OPT_IN_ZERO:
        case OPT_OUT_SCALE:
        case OPT_OUT_ZERO:
            if (!cli_option_once("apply", quant_names[opt - OPT_IN_SCALE],
                                 &quant_given[opt - OPT_IN_SCALE]))
                goto done;
            quant[opt - OPT_IN_SCALE] = optarg;
            break;
        case 'h':
            help();
            rc = EXIT_OK;
            goto done;
        default: rc = cli_bad_option("apply", opt, argv, optind); goto done;
        }
    }
    switch (j.prelu_file ? CLI_ACT_PRELU : act.kind) {
    case CLI_ACT_LEAKY:
        j.fn = FN_LEAKY;
        j.slope = (struct slope){act.slope_f32, act.slope_f64};
        break;
    case CLI_ACT_RELU: j.fn = FN_RELU; break;
    case CLI_ACT_PRELU:
        j.fn = j.prelu_file ? FN_PRELU_FILE : FN_PRELU;
        j.slopes_f32 = act.w_f32, j.slopes_f64 = act.w_f64, j.num_slopes = act.num_w;
        act.w_f32 = NULL, act.w_f64 = NULL; /* the job owns them now */
        break;
    case CLI_ACT_RRELU:
        j.fn = FN_RRELU;
        j.lower_f32 = act.lower_f32, j.upper_f32 = act.upper_f32;
        j.lower_f64 = act.lower_f64, j.upper_f64 = act.upper_f64;
        break;
    }
    if ((j.train || seed_given) && j.fn != FN_RRELU) {
        rc = cli_error(EXIT_USAGE, "apply: %s goes with --rrelu LOWER,UPPER",
                       j.train ? "--train" : "--seed");
        goto done;
    }
    if (j.channels_last && j.fn != FN_PRELU) {
        rc = cli_error(EXIT_USAGE, "apply: --channels-last goes with --prelu");
        goto done;
    }
    if (j.fn == FN_RRELU) { /* evaluation mode is leaky at the mean slope */
        j.slope.f32 = leaky_rrelu_eval_slope_f32(j.lower_f32, j.upper_f32);
        j.slope.f64 = leaky_rrelu_eval_slope_f64(j.lower_f64, j.upper_f64);
    }
    if (derivative && backward) {
        rc = cli_error(EXIT_USAGE, "apply: give --derivative or --backward, not both");
        goto done;
    }
    if (backward != (j.grad != NULL)) {
        rc = cli_error(EXIT_USAGE, backward ? "apply: --backward needs --grad DY.npy"
                                            : "apply: --grad is for --backward");
        goto done;
    }
    if (j.from_output && (!backward || j.fn != FN_LEAKY)) {
        rc = cli_error(EXIT_USAGE, "apply: --from-output goes with --backward and Leaky ReLU's "
                                   "--slope (IN is then the forward's output)");
        goto done;
    }
    if (j.from_output && j.slope.f32 < 0) {
        rc = cli_error(EXIT_USAGE,
                       "apply: --from-output with --slope %g: the output tells the input's sign "
                       "only for a slope >= 0; give the input instead",
                       (double)j.slope.f32);
        goto done;
    }
    if (backward && j.inplace) {
        rc = cli_error(EXIT_USAGE, "apply: --backward cannot be --inplace (the gradient "
                                   "needs x unchanged); give OUT.npy");
        goto done;
    }
    j.op = backward ? OP_BACKWARD : derivative ? OP_DERIVATIVE : OP_FORWARD;
    rc = quantization(&j, quant);
    if (rc != EXIT_OK)
        goto done;
    const int want = j.inplace ? 1 : 2;
    if (argc - optind != want) {
        rc = cli_error(EXIT_USAGE,
                       "apply: expected %s, got %d file name%s (see leaky apply "
                       "--help)",
                       j.inplace ? "IN.npy" : "IN.npy OUT.npy", argc - optind,
                       argc - optind == 1 ? "" : "s");
        goto done;
    }
    j.in = argv[optind];
    j.out = j.inplace ? NULL : argv[optind + 1];
    if (j.inplace && !(j.identity = job_identity(argc, argv, optind))) {
        rc = cli_error(EXIT_FAILURE_, "apply: out of memory");
        goto done;
    }
    rc = apply(&j);
done:
    free(j.identity);
    cli_activation_free(&act);
    free(j.file_slopes);
    free(j.slopes_f32);
    free(j.slopes_f64);
    return rc;
}
