/* SPDX-License-Identifier: MIT */
/* leaky-bench-peers: `leaky bench` plus the peers, in one run: XNNPACK and oneDNN linked
 * here, PyTorch and numpy in a Python process (bench/peers_torch.py) that this program
 * drives over a pipe, so that every implementation's samples alternate with every other's.
 * A separate program, so that neither the library nor `leaky` depends on the peers. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dnnl.h>
#include <pthreadpool.h>
#include <xnnpack.h>

#include "engine.h"
#include "leaky.h"

/* ------------------------------------------------------------------ XNNPACK */

struct xnn {
    xnn_operator_t op;
    pthreadpool_t pool;
};

/* Debian's XNNPACK (2022) has a forward leaky ReLU only; in place is allowed. */
static bool xnn_supports(const struct bench_case *c) { return c->op == BENCH_FORWARD; }

static void xnn_release(void *state)
{
    struct xnn *s = state;
    if (!s)
        return;
    if (s->op)
        xnn_delete_operator(s->op);
    if (s->pool)
        pthreadpool_destroy(s->pool);
    free(s);
}

static bool xnn_setup(const struct bench_case *c, void **state)
{
    static bool initialized;
    if (!initialized) {
        if (xnn_initialize(NULL) != xnn_status_success) {
            fprintf(stderr, "leaky-bench-peers: xnn_initialize failed (CPU unsupported?)\n");
            return false;
        }
        initialized = true;
    }
    struct xnn *s = calloc(1, sizeof *s);
    if (!s)
        return false;
    /* As PyTorch and TensorFlow Lite use it: a pthreadpool of the thread count, NULL for 1. */
    if (c->threads > 1 && !(s->pool = pthreadpool_create(c->threads))) {
        free(s);
        return false;
    }
    if (xnn_create_leaky_relu_nc_f32(1, 1, 1, c->slope, 0, &s->op) != xnn_status_success ||
        xnn_setup_leaky_relu_nc_f32(s->op, c->n, c->x, c->y, s->pool) != xnn_status_success) {
        fprintf(stderr, "leaky-bench-peers: XNNPACK leaky ReLU setup failed for n=%zu\n", c->n);
        xnn_release(s);
        return false;
    }
    *state = s;
    return true;
}

static double xnn_time(void *state, const struct bench_case *c, size_t calls)
{
    (void)c;
    struct xnn *s = state;
    enum xnn_status st = xnn_status_success;
    const double t0 = bench_now_ns();
    for (size_t i = 0; i < calls; i++)
        st |= xnn_run_operator(s->op, s->pool);
    const double t = bench_now_ns() - t0;
    return st == xnn_status_success ? t : NAN;
}

/* leaky on a pthreadpool (the pool library under XNNPACK and PyTorch), handed it with
 * leaky_set_thread_pool as an engine that runs XNNPACK would share its one pool: column
 * leaky-ptp, leaky itself, not a peer. */
static void on_pthreadpool(void *pool, leaky_task_fn *task, void *context, size_t count)
{
    pthreadpool_parallelize_1d(pool, task, context, count, 0);
}

static bool ptp_supports(const struct bench_case *c) { return c->threads > 1; }

static bool ptp_setup(const struct bench_case *c, void **state)
{
    if (!(*state = pthreadpool_create(c->threads))) {
        fprintf(stderr, "leaky-bench-peers: pthreadpool_create(%zu) failed\n", c->threads);
        return false;
    }
    return true;
}

static double ptp_time(void *state, const struct bench_case *c, size_t calls)
{
    if (leaky_set_thread_pool(on_pthreadpool, state, pthreadpool_get_threads_count(state)) !=
        LEAKY_OK)
        return NAN;
    const double t = bench_leaky_time(NULL, c, calls);
    leaky_set_thread_pool(NULL, NULL, 0);
    return t;
}

static void ptp_release(void *state) { pthreadpool_destroy(state); }

/* ------------------------------------------------------------------ oneDNN */

struct dnnl {
    dnnl_primitive_t prim;
    dnnl_memory_t mem[3];
    dnnl_exec_arg_t args[3];
    int nargs;
};

static dnnl_engine_t dnnl_cpu_engine;
static dnnl_stream_t dnnl_cpu_stream;

static void dnnl_release(void *state)
{
    struct dnnl *s = state;
    if (!s)
        return;
    for (int i = 0; i < 3; i++)
        if (s->mem[i])
            dnnl_memory_destroy(s->mem[i]);
    if (s->prim)
        dnnl_primitive_destroy(s->prim);
    free(s);
}

/* eltwise relu with alpha = the slope is Leaky ReLU; forward and backward, in place too. */
static bool dnnl_setup(const struct bench_case *c, void **state)
{
    if (!dnnl_cpu_engine && (dnnl_engine_create(&dnnl_cpu_engine, dnnl_cpu, 0) != dnnl_success ||
                             dnnl_stream_create(&dnnl_cpu_stream, dnnl_cpu_engine,
                                                dnnl_stream_default_flags) != dnnl_success)) {
        fprintf(stderr, "leaky-bench-peers: oneDNN CPU engine unavailable\n");
        return false;
    }
    struct dnnl *s = calloc(1, sizeof *s);
    if (!s)
        return false;
    dnnl_dims_t dims = {(dnnl_dim_t)c->n};
    dnnl_memory_desc_t md;
    dnnl_eltwise_desc_t fwd, bwd;
    dnnl_primitive_desc_t fwd_pd = NULL, bwd_pd = NULL;
    bool ok = dnnl_memory_desc_init_by_tag(&md, 1, dims, dnnl_f32, dnnl_a) == dnnl_success;
    const bool backward = c->op == BENCH_BACKWARD;
    ok = ok && dnnl_eltwise_forward_desc_init(
                   &fwd, backward ? dnnl_forward_training : dnnl_forward_inference,
                   dnnl_eltwise_relu, &md, c->slope, 0.0f) == dnnl_success;
    ok = ok &&
         dnnl_primitive_desc_create(&fwd_pd, &fwd, NULL, dnnl_cpu_engine, NULL) == dnnl_success;
    if (backward) {
        ok = ok && dnnl_eltwise_backward_desc_init(&bwd, dnnl_eltwise_relu, &md, &md, c->slope,
                                                   0.0f) == dnnl_success;
        ok = ok && dnnl_primitive_desc_create(&bwd_pd, &bwd, NULL, dnnl_cpu_engine, fwd_pd) ==
                       dnnl_success;
        ok = ok && dnnl_primitive_create(&s->prim, bwd_pd) == dnnl_success;
        ok = ok && dnnl_memory_create(&s->mem[0], &md, dnnl_cpu_engine, c->x) == dnnl_success;
        ok = ok && dnnl_memory_create(&s->mem[1], &md, dnnl_cpu_engine, c->g) == dnnl_success;
        ok = ok && dnnl_memory_create(&s->mem[2], &md, dnnl_cpu_engine, c->y) == dnnl_success;
        s->args[0] = (dnnl_exec_arg_t){DNNL_ARG_SRC, s->mem[0]};
        s->args[1] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_DST, s->mem[1]};
        s->args[2] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_SRC, s->mem[2]};
        s->nargs = 3;
    } else {
        ok = ok && dnnl_primitive_create(&s->prim, fwd_pd) == dnnl_success;
        ok = ok && dnnl_memory_create(&s->mem[0], &md, dnnl_cpu_engine, c->x) == dnnl_success;
        ok = ok && dnnl_memory_create(&s->mem[1], &md, dnnl_cpu_engine, c->y) == dnnl_success;
        s->args[0] = (dnnl_exec_arg_t){DNNL_ARG_SRC, s->mem[0]};
        s->args[1] = (dnnl_exec_arg_t){DNNL_ARG_DST, s->mem[1]};
        s->nargs = 2;
    }
    if (fwd_pd)
        dnnl_primitive_desc_destroy(fwd_pd);
    if (bwd_pd)
        dnnl_primitive_desc_destroy(bwd_pd);
    if (!ok) {
        fprintf(stderr, "leaky-bench-peers: oneDNN eltwise setup failed for n=%zu\n", c->n);
        dnnl_release(s);
        return false;
    }
    *state = s;
    return true;
}

static double dnnl_time(void *state, const struct bench_case *c, size_t calls)
{
    struct dnnl *s = state;
    /* This oneDNN runs on OpenMP: its thread count is OpenMP's. */
    omp_set_num_threads((int)c->threads);
    dnnl_status_t st = dnnl_success;
    const double t0 = bench_now_ns();
    for (size_t i = 0; i < calls; i++)
        st |= dnnl_primitive_execute(s->prim, dnnl_cpu_stream, s->nargs, s->args);
    st |= dnnl_stream_wait(dnnl_cpu_stream);
    const double t = bench_now_ns() - t0;
    return st == dnnl_success ? t : NAN;
}

/* ------------------------------------------------------ PyTorch and numpy (Python) */

static FILE *py_to, *py_from;
static pid_t py_pid;

/* Starts `python peers_torch.py --serve`; false (and a note) when it cannot. */
static bool py_start(const char *python, const char *script)
{
    int to[2], from[2];
    if (pipe(to) != 0 || pipe(from) != 0)
        return false;
    py_pid = fork();
    if (py_pid < 0)
        return false;
    if (py_pid == 0) {
        dup2(to[0], STDIN_FILENO);
        dup2(from[1], STDOUT_FILENO);
        close(to[0]), close(to[1]), close(from[0]), close(from[1]);
        execl(python, python, script, "--serve", (char *)NULL);
        fprintf(stderr, "leaky-bench-peers: cannot run %s: PyTorch and numpy left out\n", python);
        _exit(127);
    }
    close(to[0]), close(from[1]);
    py_to = fdopen(to[1], "w");
    py_from = fdopen(from[0], "r");
    char line[256];
    fprintf(py_to, "hello\n");
    fflush(py_to);
    if (!fgets(line, sizeof line, py_from) || strncmp(line, "ready", 5) != 0) {
        fprintf(stderr, "leaky-bench-peers: %s %s did not start: PyTorch and numpy left out\n",
                python, script);
        return false;
    }
    fprintf(stderr, "leaky-bench-peers: %s", line + 6);
    return true;
}

static void py_stop(void)
{
    if (!py_to)
        return;
    fclose(py_to);
    fclose(py_from);
    py_to = py_from = NULL;
    waitpid(py_pid, NULL, 0);
}

static bool py_ask(char *reply, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool py_ask(char *reply, size_t size, const char *fmt, ...)
{
    if (!py_to)
        return false;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(py_to, fmt, ap);
    va_end(ap);
    fflush(py_to);
    return fgets(reply, (int)size, py_from) != NULL;
}

struct py {
    int id;
};

static bool py_setup(const char *impl, const struct bench_case *c, void **state)
{
    static int next_id;
    char reply[256];
    const int id = ++next_id;
    if (!py_ask(reply, sizeof reply, "setup %d %s %s %d %zu %zu %.9g\n", id, impl,
                c->op == BENCH_FORWARD ? "forward" : "backward", c->in_place, c->threads, c->n,
                (double)c->slope) ||
        strncmp(reply, "ok", 2) != 0)
        return false;
    struct py *s = malloc(sizeof *s);
    if (!s)
        return false;
    s->id = id;
    *state = s;
    return true;
}

static double py_time(void *state, const struct bench_case *c, size_t calls)
{
    (void)c;
    const struct py *s = state;
    char reply[64];
    if (!py_ask(reply, sizeof reply, "time %d %zu\n", s->id, calls))
        return NAN;
    return strtod(reply, NULL);
}

static void py_release(void *state)
{
    struct py *s = state;
    char reply[64];
    if (s)
        py_ask(reply, sizeof reply, "release %d\n", s->id);
    free(s);
}

static bool torch_supports(const struct bench_case *c) { return py_to != NULL && c != NULL; }

static bool torch_setup(const struct bench_case *c, void **state)
{
    return py_setup("torch", c, state);
}

/* numpy has no out-of-place-free form of np.where and no threads: the article's
 * np.where(x > 0, x, a * x), one thread, out of place. */
static bool numpy_supports(const struct bench_case *c)
{
    return py_to != NULL && !c->in_place && c->threads == 1;
}

static bool numpy_setup(const struct bench_case *c, void **state)
{
    return py_setup("numpy", c, state);
}

static bool any_case(const struct bench_case *c)
{
    (void)c;
    return true;
}

/* Bias + activation as oneDNN fuses it: a binary add of a per-channel bias (64 channels)
 * with an eltwise relu(alpha) post-op, forward, on bench/bias.c's shapes: NCHW with maps of
 * 7x7 and 56x56, and channels last (rows of 64). */
enum { BIAS_CHANNELS = 64 };
static float dnnl_bias_values[BIAS_CHANNELS];

static bool dnnl_bias_setup(const struct bench_case *c, void **state, size_t map)
{
    *state = NULL;
    if (c->op != BENCH_FORWARD || c->in_place || c->n < BIAS_CHANNELS * map * map)
        return false;
    if (!dnnl_cpu_engine && (dnnl_engine_create(&dnnl_cpu_engine, dnnl_cpu, 0) != dnnl_success ||
                             dnnl_stream_create(&dnnl_cpu_stream, dnnl_cpu_engine,
                                                dnnl_stream_default_flags) != dnnl_success))
        return false;
    struct dnnl *s = calloc(1, sizeof *s);
    if (!s)
        return false;
    for (int k = 0; k < BIAS_CHANNELS; k++)
        dnnl_bias_values[k] = 0.03125f * (float)(k - BIAS_CHANNELS / 2);
    const dnnl_dim_t outer = (dnnl_dim_t)(c->n / (BIAS_CHANNELS * map * map)), m = (dnnl_dim_t)map;
    dnnl_memory_desc_t md0, md1;
    bool ok;
    if (map == 1) { /* channels last: rows of 64 */
        dnnl_dims_t d0 = {outer, BIAS_CHANNELS}, d1 = {1, BIAS_CHANNELS};
        ok = dnnl_memory_desc_init_by_tag(&md0, 2, d0, dnnl_f32, dnnl_ab) == dnnl_success &&
             dnnl_memory_desc_init_by_tag(&md1, 2, d1, dnnl_f32, dnnl_ab) == dnnl_success;
    } else {
        dnnl_dims_t d0 = {outer, BIAS_CHANNELS, m, m}, d1 = {1, BIAS_CHANNELS, 1, 1};
        ok = dnnl_memory_desc_init_by_tag(&md0, 4, d0, dnnl_f32, dnnl_nchw) == dnnl_success &&
             dnnl_memory_desc_init_by_tag(&md1, 4, d1, dnnl_f32, dnnl_nchw) == dnnl_success;
    }
    dnnl_post_ops_t po = NULL;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_binary_desc_t bd;
    dnnl_primitive_desc_t pd = NULL;
    ok =
        ok && dnnl_post_ops_create(&po) == dnnl_success &&
        dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, c->slope, 0.0f) == dnnl_success &&
        dnnl_primitive_attr_create(&attr) == dnnl_success &&
        dnnl_primitive_attr_set_post_ops(attr, po) == dnnl_success &&
        dnnl_binary_desc_init(&bd, dnnl_binary_add, &md0, &md1, &md0) == dnnl_success &&
        dnnl_primitive_desc_create(&pd, &bd, attr, dnnl_cpu_engine, NULL) == dnnl_success &&
        dnnl_primitive_create(&s->prim, pd) == dnnl_success &&
        dnnl_memory_create(&s->mem[0], &md0, dnnl_cpu_engine, c->x) == dnnl_success &&
        dnnl_memory_create(&s->mem[1], &md1, dnnl_cpu_engine, dnnl_bias_values) == dnnl_success &&
        dnnl_memory_create(&s->mem[2], &md0, dnnl_cpu_engine, c->y) == dnnl_success;
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    if (po)
        dnnl_post_ops_destroy(po);
    if (!ok) {
        fprintf(stderr, "leaky-bench-peers: oneDNN binary add setup failed for n=%zu\n", c->n);
        dnnl_release(s);
        return false;
    }
    s->args[0] = (dnnl_exec_arg_t){DNNL_ARG_SRC_0, s->mem[0]};
    s->args[1] = (dnnl_exec_arg_t){DNNL_ARG_SRC_1, s->mem[1]};
    s->args[2] = (dnnl_exec_arg_t){DNNL_ARG_DST, s->mem[2]};
    s->nargs = 3;
    *state = s;
    return true;
}
static bool dnnl_bias_supports(const struct bench_case *c)
{
    return c->op == BENCH_FORWARD && !c->in_place;
}
static bool dnnl_bias7(const struct bench_case *c, void **state)
{
    return dnnl_bias_setup(c, state, 7);
}
static bool dnnl_bias56(const struct bench_case *c, void **state)
{
    return dnnl_bias_setup(c, state, 56);
}
static bool dnnl_bias_cl(const struct bench_case *c, void **state)
{
    return dnnl_bias_setup(c, state, 1);
}

static const struct bench_impl peers[] = {
    {"xnnpack", false, xnn_supports, xnn_setup, xnn_time, xnn_release},
    {"onednn", false, any_case, dnnl_setup, dnnl_time, dnnl_release},
    {"torch", false, torch_supports, torch_setup, py_time, py_release},
    {"numpy", false, numpy_supports, numpy_setup, py_time, py_release},
    {"leaky-ptp", true, ptp_supports, ptp_setup, ptp_time, ptp_release},
    /* Baselines of bias + activation's goals, not peers of leaky_relu_f32. */
    {"onednn-7x7", true, dnnl_bias_supports, dnnl_bias7, dnnl_time, dnnl_release},
    {"onednn-56", true, dnnl_bias_supports, dnnl_bias56, dnnl_time, dnnl_release},
    {"onednn-CL", true, dnnl_bias_supports, dnnl_bias_cl, dnnl_time, dnnl_release},
};

int main(int argc, char **argv)
{
    /* --python PATH and --no-python are this program's own; the rest is bench's. */
    const char *python = "/usr/bin/python3";
    bool use_python = true;
    int kept = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-python") == 0)
            use_python = false;
        else if (strcmp(argv[i], "--python") == 0 && i + 1 < argc)
            python = argv[++i];
        else
            argv[kept++] = argv[i];
    }
    argc = kept;
    signal(SIGPIPE, SIG_IGN);
    bool help = false;
    for (int i = 1; i < argc; i++)
        help |= strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
    if (use_python && !help)
        py_start(python, LEAKY_PEERS_SCRIPT);
    const int rc = bench_main("leaky-bench-peers [--python PATH | --no-python]", argc, argv, peers,
                              sizeof peers / sizeof peers[0]);
    py_stop();
    return rc;
}
