/* SPDX-License-Identifier: MIT */
/* leaky apply: the activation (or its derivative, or its backward pass) applied to arrays
 * in NumPy .npy files.  Inputs are mapped, never read whole into memory; the output is
 * streamed to a temporary file that replaces OUT only when complete. */
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

#include "cli.h"
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

/* The library's entry points for one element type, behind void pointers so that one loop
 * serves every type.  A dtype the library does not compute yet has a reason instead. */
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
static leaky_status relu_backward_f32(const void *x, const void *dy, void *dx, size_t n)
{
    return leaky_plain_relu_backward_f32(x, dy, dx, n);
}

static const struct dtype dtypes[] = {
    {"<f4", "float32", 4, NULL, forward_f32, relu_f32, derivative_f32, backward_f32,
     relu_backward_f32},
    {"<f8", "float64", 8, "float64 arrives with issue 5", NULL, NULL, NULL, NULL, NULL},
    {"<f2", "float16", 2, "float16 is not in the library yet", NULL, NULL, NULL, NULL, NULL},
    {"|i1", "int8", 1, "int8 needs a scale and zero point, not in the library yet", NULL, NULL,
     NULL, NULL, NULL},
    {"|u1", "uint8", 1, "uint8 needs a scale and zero point, not in the library yet", NULL,
     NULL, NULL, NULL, NULL},
};

/* ------------------------------------------------------------ the job */

enum op { OP_FORWARD, OP_DERIVATIVE, OP_BACKWARD };

struct job {
    enum op op;
    bool relu, inplace;
    struct slope slope;
    const char *in, *out, *grad;
};

/* A mapped .npy file with its parsed header. */
struct mapped {
    const char *path;
    int fd;
    unsigned char *map;
    size_t size;
    npy_header h;
    const struct dtype *dt;
};

static void unmap(struct mapped *m)
{
    if (m->map)
        munmap(m->map, m->size);
    if (m->fd >= 0)
        close(m->fd);
    m->map = NULL;
    m->fd = -1;
}

/* Checks what the header says against what this program computes; false with a sentence. */
static bool check_header(struct mapped *m, char *err, size_t err_size)
{
    const npy_header *h = &m->h;
    if (h->structured) {
        snprintf(err, err_size, "structured (record) dtypes are not supported; save a plain "
                 "float32 array");
        return false;
    }
    if (h->kind == 'O') {
        snprintf(err, err_size, "object arrays ('%s') hold Python objects, not numbers",
                 h->descr);
        return false;
    }
    if (h->byte_order == '>' && h->itemsize > 1) {
        snprintf(err, err_size, "big-endian data ('%s') is not supported; save "
                 "a.astype('<%c%llu') instead", h->descr, h->kind,
                 (unsigned long long)h->itemsize);
        return false;
    }
    if (h->fortran_order) {
        snprintf(err, err_size, "Fortran-order arrays are not supported; save "
                 "np.ascontiguousarray(a) instead");
        return false;
    }
    /* '=' (native) is little-endian here, and one-byte types have no byte order. */
    char descr[NPY_MAX_DESCR];
    snprintf(descr, sizeof descr, "%c%s", h->itemsize == 1 ? '|' : '<', h->descr + 1);
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
    snprintf(err, err_size, "unsupported dtype '%s' (float32, '<f4', is supported)", h->descr);
    return false;
}

/* Maps path and checks its header and size; on failure prints the error naming the file. */
static bool map_npy(struct mapped *m, const char *path, bool writable)
{
    char err[512];
    m->path = path;
    m->map = NULL;
    m->fd = open(path, writable ? O_RDWR : O_RDONLY);
    if (m->fd < 0) {
        cli_error(EXIT_FAILURE_, "apply: cannot open %s: %s", path, strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(m->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        cli_error(EXIT_FAILURE_, "apply: %s: not a regular file", path);
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

static leaky_status compute(const struct job *j, const struct dtype *dt, const void *x,
                            const void *dy, void *y, size_t n)
{
    static const struct slope zero = {0.0f, 0.0};
    switch (j->op) {
    case OP_DERIVATIVE: return dt->derivative(x, y, n, j->relu ? &zero : &j->slope);
    case OP_BACKWARD:
        return j->relu ? dt->relu_backward(x, dy, y, n) : dt->backward(x, dy, y, n, &j->slope);
    default: return j->relu ? dt->relu(x, y, n) : dt->forward(x, y, n, &j->slope);
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

/* Runs the job chunk by chunk: from in (and grad) into the file out_fd, or back into in's
 * mapping when out_fd < 0. */
static int run(const struct job *j, struct mapped *in, struct mapped *grad, int out_fd)
{
    const struct dtype *dt = in->dt;
    const size_t chunk = CHUNK_BYTES / dt->size;
    unsigned char *buf = malloc(3 * (size_t)CHUNK_BYTES);
    if (!buf)
        return cli_error(EXIT_FAILURE_, "apply: out of memory");
    unsigned char *xbuf = buf, *dybuf = buf + CHUNK_BYTES, *ybuf = buf + 2 * CHUNK_BYTES;
    unsigned char *x = in->map + in->h.data_offset;
    unsigned char *dy = grad ? grad->map + grad->h.data_offset : NULL;
    struct progress pr;
    progress_init(&pr, in->h.data_bytes);
    int rc = EXIT_OK;
    for (uint64_t done = 0; done < in->h.count;) {
        const size_t n = in->h.count - done < chunk ? (size_t)(in->h.count - done) : chunk;
        const size_t off = (size_t)done * dt->size, bytes = n * dt->size;
        void *xp = aligned(x + off, xbuf, bytes, dt->size);
        const void *dyp = dy ? aligned(dy + off, dybuf, bytes, dt->size) : NULL;
        /* In place, the result goes straight back into the mapping when it can. */
        void *yp = out_fd < 0 && xp == x + off ? xp : ybuf;
        if (compute(j, dt, xp, dyp, yp, n) != LEAKY_OK) {
            rc = cli_error(EXIT_FAILURE_, "apply: %s", leaky_last_error());
            break;
        }
        if (out_fd >= 0) {
            if (!write_all(out_fd, yp, bytes)) {
                rc = cli_error(EXIT_FAILURE_, "apply: cannot write %s: %s", j->out,
                               strerror(errno));
                break;
            }
        } else if (yp != x + off) {
            memcpy(x + off, yp, bytes);
        }
        done += n;
        progress_add(&pr, bytes);
    }
    free(buf);
    return rc;
}

static int apply(const struct job *j)
{
    struct mapped in = {.fd = -1}, grad = {.fd = -1};
    if (!map_npy(&in, j->in, j->inplace))
        return EXIT_FAILURE_;
    if (j->grad) {
        if (!map_npy(&grad, j->grad, false)) {
            unmap(&in);
            return EXIT_FAILURE_;
        }
        char a[NPY_HEADER_MAX], b[NPY_HEADER_MAX];
        npy_format_shape(a, sizeof a, grad.h.shape, grad.h.ndim);
        npy_format_shape(b, sizeof b, in.h.shape, in.h.ndim);
        if (grad.dt != in.dt || strcmp(a, b) != 0) {
            cli_error(EXIT_FAILURE_, "apply: %s: %s %s does not match %s's %s %s", j->grad,
                      grad.dt->name, a, j->in, in.dt->name, b);
            unmap(&in);
            unmap(&grad);
            return EXIT_FAILURE_;
        }
    }
    int rc;
    if (j->inplace) {
        rc = run(j, &in, NULL, -1);
        if (rc == EXIT_OK && msync(in.map, in.size, MS_SYNC) != 0)
            rc = cli_error(EXIT_FAILURE_, "apply: cannot write %s: %s", j->in, strerror(errno));
    } else {
        char err[512], header[NPY_HEADER_MAX];
        const size_t header_len = npy_format_header(header, sizeof header, in.dt->descr,
                                                    in.h.shape, in.h.ndim);
        outfile o;
        if (!outfile_open(&o, j->out, err, sizeof err)) {
            rc = cli_error(EXIT_FAILURE_, "apply: %s", err);
        } else if (!write_all(o.fd, header, header_len)) {
            rc = cli_error(EXIT_FAILURE_, "apply: cannot write %s: %s", j->out, strerror(errno));
            outfile_abort(&o);
        } else {
            rc = run(j, &in, j->grad ? &grad : NULL, o.fd);
            if (rc != EXIT_OK)
                outfile_abort(&o);
            else if (!outfile_commit(&o, err, sizeof err))
                rc = cli_error(EXIT_FAILURE_, "apply: %s", err);
        }
    }
    unmap(&in);
    unmap(&grad);
    return rc;
}

/* ------------------------------------------------------------ options */

static void help(void)
{
    printf("usage: leaky apply [--slope A] [--relu] [--derivative] IN.npy OUT.npy\n"
           "       leaky apply [--slope A] [--relu] --backward --grad DY.npy IN.npy OUT.npy\n"
           "       leaky apply --inplace [--slope A] [--relu] [--derivative] IN.npy\n"
           "\n"
           "Applies Leaky ReLU to the array in a NumPy .npy file (np.save's format; C order,\n"
           "little-endian float32, any shape) and writes the result as .npy, computed by\n"
           "the library exactly as PyTorch does. OUT appears only when it is complete.\n"
           "\n"
           "  -s, --slope A, --negative-slope A   the negative slope (default 0.01)\n"
           "  -r, --relu          plain ReLU instead (torch.relu)\n"
           "  -d, --derivative    the gradient f'(x) = 1 if x > 0, else A\n"
           "  -b, --backward      the backward pass: dx = DY if x > 0, else A*DY\n"
           "  -g, --grad DY.npy   the output gradient for --backward (same shape and dtype)\n"
           "  -i, --inplace       rewrite IN itself through a shared mapping (no second copy\n"
           "                      on disk; an interrupted run leaves it partly rewritten)\n"
           "  -h, --help          this text\n"
           "\n"
           "Big files are mapped and streamed, with a progress bar on a terminal.\n");
}

int cmd_apply(int argc, char **argv)
{
    static const struct option options[] = {
        {"slope", required_argument, NULL, 's'},
        {"negative-slope", required_argument, NULL, 's'},
        {"relu", no_argument, NULL, 'r'},
        {"derivative", no_argument, NULL, 'd'},
        {"backward", no_argument, NULL, 'b'},
        {"grad", required_argument, NULL, 'g'},
        {"inplace", no_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct job j = {.op = OP_FORWARD, .slope = {LEAKY_DEFAULT_SLOPE, 0.01}};
    bool slope_given = false, derivative = false, backward = false;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":s:rdbg:ih", options, NULL)) != -1) {
        switch (opt) {
        case 's':
            if (!cli_parse_slope_option("apply: --slope", optarg, &j.slope.f32))
                return EXIT_USAGE;
            j.slope.f64 = strtod(optarg, NULL); /* finite: the float was */
            slope_given = true;
            break;
        case 'r': j.relu = true; break;
        case 'd': derivative = true; break;
        case 'b': backward = true; break;
        case 'g': j.grad = optarg; break;
        case 'i': j.inplace = true; break;
        case 'h': help(); return EXIT_OK;
        default: return cli_bad_option("apply", opt, argv, optind);
        }
    }
    if (slope_given && j.relu)
        return cli_error(EXIT_USAGE, "apply: --relu has no slope; give --relu or --slope, "
                         "not both");
    if (derivative && backward)
        return cli_error(EXIT_USAGE, "apply: give --derivative or --backward, not both");
    if (backward != (j.grad != NULL))
        return cli_error(EXIT_USAGE, backward ? "apply: --backward needs --grad DY.npy"
                                              : "apply: --grad is for --backward");
    if (backward && j.inplace)
        return cli_error(EXIT_USAGE, "apply: --backward cannot be --inplace (the gradient "
                         "needs x unchanged); give OUT.npy");
    j.op = backward ? OP_BACKWARD : derivative ? OP_DERIVATIVE : OP_FORWARD;
    const int want = j.inplace ? 1 : 2;
    if (argc - optind != want)
        return cli_error(EXIT_USAGE, "apply: expected %s, got %d file name%s (see leaky apply "
                         "--help)", j.inplace ? "IN.npy" : "IN.npy OUT.npy", argc - optind,
                         argc - optind == 1 ? "" : "s");
    j.in = argv[optind];
    j.out = j.inplace ? NULL : argv[optind + 1];
    return apply(&j);
}
