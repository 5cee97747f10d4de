/* SPDX-License-Identifier: MIT */
/* Where work is split: every kernel call that may be worth spreading over threads comes
 * through leaky_parallel_for, onto the pool of src/pool.c (why not pthreadpool: see
 * there). Elementwise results do not depend on the split, so the bits are the same for
 * any thread count. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal/check.h"
#include "internal/parallel.h"

/* More threads than this is a typo, not a machine. */
enum { MAX_THREADS = 1024 };

/* The count the caller asked for (0: one per core); set by LEAKY_NUM_THREADS, then by
 * leaky_set_num_threads. */
static _Atomic size_t requested;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static leaky_status env_status = LEAKY_OK;
static char env_message[200];

static void read_env(void)
{
    const char *text = getenv("LEAKY_NUM_THREADS");
    if (!text || !*text)
        return;
    char *end = NULL;
    errno = 0;
    const unsigned long long value = strtoull(text, &end, 10);
    /* strtoull accepts a sign and leading blanks; a count is digits only. */
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0 || value > MAX_THREADS) {
        env_status = LEAKY_EINVAL;
        snprintf(env_message, sizeof env_message,
                 "LEAKY_NUM_THREADS=%s is not a thread "
                 "count; expected a whole number from 0 (one thread per core) to %d",
                 text, MAX_THREADS);
        return;
    }
    atomic_store_explicit(&requested, (size_t)value, memory_order_relaxed);
}

leaky_status leaky_parallel_env_status(char *message, size_t size)
{
    pthread_once(&env_once, read_env);
    if (env_status != LEAKY_OK)
        snprintf(message, size, "%s", env_message);
    return env_status;
}

static size_t cores(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (size_t)CPU_COUNT(&set);
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (size_t)online : 1;
}

static size_t resolve(size_t count)
{
    if (count == 0) {
        static _Atomic size_t core_count;
        size_t c = atomic_load_explicit(&core_count, memory_order_relaxed);
        if (c == 0) {
            c = cores();
            atomic_store_explicit(&core_count, c, memory_order_relaxed);
        }
        return c;
    }
    return count;
}

leaky_status leaky_set_num_threads(size_t count)
{
    pthread_once(&env_once, read_env);
    if (count > MAX_THREADS)
        return leaky_fail(LEAKY_EINVAL,
                          "leaky_set_num_threads: count is %zu; expected 0 (one "
                          "thread per core) to %d",
                          count, MAX_THREADS);
    atomic_store_explicit(&requested, count, memory_order_relaxed);
    return LEAKY_OK;
}

size_t leaky_get_num_threads(void)
{
    pthread_once(&env_once, read_env);
    return resolve(atomic_load_explicit(&requested, memory_order_relaxed));
}

/* The pool, created on the first call that splits work and again when the count changes
 * (leaky_set_num_threads asks for that to happen while no call is running). */
static struct leaky_pool *pool;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

/* A pool of count threads (the caller's included), or NULL when one cannot be made: then
 * the work runs on the caller's thread, which gives the same results. */
static struct leaky_pool *pool_of(size_t count)
{
    pthread_mutex_lock(&pool_lock);
    if (pool && leaky_pool_threads(pool) != count) {
        leaky_pool_destroy(pool);
        pool = NULL;
    }
    if (!pool)
        pool = leaky_pool_create(count);
    struct leaky_pool *p = pool;
    pthread_mutex_unlock(&pool_lock);
    return p;
}

struct split {
    size_t n, pieces, head, step;
    leaky_range_fn *fn;
    void *ctx;
};

/* Piece i's start: near i * n / pieces, moved up to a point where the output is 64-byte
 * aligned, so no cache line is written by two threads and every piece but the first
 * starts on whole vectors. */
static size_t split_point(const struct split *s, size_t i)
{
    if (i == 0)
        return 0;
    if (i >= s->pieces)
        return s->n;
    /* i * n / pieces without overflowing: i < pieces <= 1024. */
    const size_t ideal = s->n / s->pieces * i + s->n % s->pieces * i / s->pieces;
    const size_t above = ideal > s->head ? ideal - s->head : 0;
    const size_t p = s->head + (above + s->step - 1) / s->step * s->step;
    return p < s->n ? p : s->n;
}

static void run_piece(void *ctx, size_t i)
{
    const struct split *s = ctx;
    const size_t begin = split_point(s, i), end = split_point(s, i + 1);
    if (begin < end)
        s->fn(s->ctx, begin, end);
}

void leaky_parallel_for_aligned(size_t n, size_t grain, const void *out, size_t elem_size,
                                leaky_range_fn *fn, void *ctx)
{
    if (n == 0)
        return;
    const size_t threads = resolve(atomic_load_explicit(&requested, memory_order_relaxed));
    size_t pieces = n / (grain ? grain : 1);
    if (pieces > threads)
        pieces = threads;
    struct leaky_pool *p = pieces > 1 ? pool_of(threads) : NULL;
    if (p) {
        enum { LINE = 64 };
        struct split s = {n, pieces, 0, 1, fn, ctx};
        if (elem_size && LINE % elem_size == 0 && (uintptr_t)out % elem_size == 0) {
            s.step = LINE / elem_size;
            s.head = ((LINE - (uintptr_t)out % LINE) % LINE) / elem_size;
        }
        leaky_pool_run(p, pieces, run_piece, &s);
        return;
    }
    fn(ctx, 0, n);
}

void leaky_parallel_for(size_t n, size_t grain, leaky_range_fn *fn, void *ctx)
{
    leaky_parallel_for_aligned(n, grain, NULL, 0, fn, ctx);
}
