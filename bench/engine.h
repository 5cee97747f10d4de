/* SPDX-License-Identifier: MIT */
/* The benchmark engine behind `leaky bench` and bench/leaky-bench-peers: it times a list
 * of implementations on the same cases, alternating between them, and reports medians,
 * minima, ns per element, GB/s, ratios and whether leaky meets its goals. The
 * program with the peers (XNNPACK, oneDNN, PyTorch, numpy) passes them in as extras, so
 * the leaky program itself depends on none of them. */
#ifndef LEAKY_CLI_BENCH_H
#define LEAKY_CLI_BENCH_H

#include <stdbool.h>
#include <stddef.h>

enum bench_op { BENCH_FORWARD, BENCH_BACKWARD };

/* One case: an operation on n elements, in place or not, on a number of threads. The
 * engine owns the buffers (64-byte aligned, filled, shared by all the C implementations):
 * forward reads x and writes y; backward reads x and g (the gradient dy) and writes y
 * (dx). In place, y is x (forward) or g (backward). */
struct bench_case {
    enum bench_op op;
    bool in_place;
    size_t threads;
    size_t n;
    float slope;
    float *x, *g, *y;
};

struct bench_impl {
    const char *name;
    /* A baseline (memcpy, the non-temporal copy) is not a peer: the ratios to the best
     * peer leave it out. */
    bool baseline;
    bool (*supports)(const struct bench_case *c);
    /* Gets ready for c (operator objects, pools); false (with a message on stderr) when it
     * cannot; then the implementation is left out of this case. */
    bool (*setup)(const struct bench_case *c, void **state);
    /* The wall time in ns of `calls` calls, back to back. */
    double (*time)(void *state, const struct bench_case *c, size_t calls);
    void (*release)(void *state);
};

/* Bias + activation's implementations (bench/bias.c): fused and unfused, per layout, 64
 * channels (NCHW 7x7: bias7x7, unf7x7; 56x56: bias56, unf56; channels last: biasCL,
 * unfCL), forward and backward out of place. */
const struct bench_impl *bench_bias_impls(size_t *count);

/* leaky_relu_f32 (forward) or leaky_relu_backward_f32 for c, `calls` times: the wall time in
 * ns (NaN if a call failed), on c's thread count; state unused. */
double bench_leaky_time(void *state, const struct bench_case *c, size_t calls);

/* Nanoseconds from a monotonic clock. */
double bench_now_ns(void);

/* Parses the options and runs the whole benchmark; extra: the peers (may be NULL).
 * Returns an exit code. */
int bench_main(const char *program, int argc, char **argv, const struct bench_impl *extra,
               size_t nextra);

#endif
