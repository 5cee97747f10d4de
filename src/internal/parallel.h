/* SPDX-License-Identifier: MIT */
/* Splitting a call over threads, and the pool that runs the pieces. */
#ifndef LEAKY_INTERNAL_PARALLEL_H
#define LEAKY_INTERNAL_PARALLEL_H

#include <stdbool.h>
#include <stddef.h>

#include "leaky.h"

/* Calls fn(ctx, begin, end) over pieces covering [0, n), possibly on several threads at
 * once; grain is the smallest piece worth handing to another thread. Every kernel call
 * that may be worth splitting goes through here (elementwise ones through leaky_run in
 * internal/run.h, which sets the grain). */
typedef void leaky_range_fn(void *ctx, size_t begin, size_t end);
/* The most pieces a call is cut into per thread (each still at least a grain). Pieces are
 * claimed one at a time, so a worker that comes late (a wake-up takes 50-100 us on a
 * virtual machine) takes what is left, and the caller, which started at once, waits at most
 * for one piece in flight: with one piece a thread it waited for the late worker's whole
 * half (docs/PERFORMANCE.md, "A stale delay, and pieces claimed finely"). */
enum { LEAKY_PIECES_PER_THREAD = 8 };
void leaky_parallel_for(size_t n, size_t grain, leaky_range_fn *fn, void *ctx);
/* The same, with the split points placed where out + point * elem_size is 64-byte aligned
 * (out: the array the pieces write). */
void leaky_parallel_for_aligned(size_t n, size_t grain, const void *out, size_t elem_size,
                                leaky_range_fn *fn, void *ctx);
/* The thread pool under leaky_parallel_for (src/pool.c): threads counts the caller's.
 * run calls fn(ctx, i) for i < pieces (at most 65535), spread over the pool's threads and
 * the caller's, and returns when all are done; grains: the job's size, in units of about
 * equal time, from which the pool judges whether it is worth waking sleeping workers for
 * (if not, only workers still spinning from the last job help). */
typedef void leaky_piece_fn(void *ctx, size_t i);
struct leaky_pool;
struct leaky_pool *leaky_pool_create(size_t threads);
void leaky_pool_destroy(struct leaky_pool *pool);
/* Frees a pool inherited across fork, whose threads did not follow: its memory only. */
void leaky_pool_forget(struct leaky_pool *pool);
size_t leaky_pool_threads(const struct leaky_pool *pool);
/* How many of its workers sleep now (the tests of the wake-up policy). */
size_t leaky_pool_asleep(struct leaky_pool *pool);
/* How many wake-up signals it has sent (the same tests). */
size_t leaky_pool_wakeups(struct leaky_pool *pool);
/* Takes in one measured delay from a wake-up signal until a worker ran, in ns (the pool
 * measures its own; the tests feed it slow ones), and gives the delay the pool now expects. */
void leaky_pool_record_delay(struct leaky_pool *pool, double ns);
double leaky_pool_wake_delay(struct leaky_pool *pool);
void leaky_pool_run(struct leaky_pool *pool, size_t pieces, double grains, leaky_piece_fn *fn,
                    void *ctx);

/* Whether LEAKY_NUM_THREADS is usable; if not, its message goes into message. Read once. */
leaky_status leaky_parallel_env_status(char *message, size_t size);

#endif
