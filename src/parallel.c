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
#include <time.h>
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

/* The host's pool (leaky_set_thread_pool; run NULL: none), under pool_lock, with the
 * generation of the setting (one more at each set); host_threads mirrors its count (0:
 * none) for a look without the lock.  A call on it takes a copy and counts itself in
 * host_users; a setter moves that count to old_host_users, for calls of pools replaced, and
 * waits until they have all left. */
struct host_setting {
    leaky_pool_run_fn *run;
    void *pool;
    size_t threads;
    unsigned long generation;
};
static struct host_setting host;
static _Atomic size_t host_threads;
static size_t host_users, old_host_users;

size_t leaky_get_num_threads(void)
{
    pthread_once(&env_once, read_env);
    const size_t on_host = atomic_load_explicit(&host_threads, memory_order_relaxed);
    return on_host ? on_host : resolve(atomic_load_explicit(&requested, memory_order_relaxed));
}

/* The pool, created on the first call that splits work and again when the count changes.
 * Callers hold it while they run on it (users), so it is destroyed only when nobody does:
 * a count changed or leaky_shutdown called while calls run marks it stale, calls that
 * start meanwhile run on their own thread, and the last user out destroys it.
 * At most one pool exists at a time. */
static struct leaky_pool *pool;
static size_t users;
static bool stale;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* Across fork: the child has only the thread that forked, none of the pool's, and a copy
 * of the pool's locks in whatever state the parent's threads left them; it forgets that
 * pool and makes its own on its first large call. pool_lock is held across the fork, so
 * the child's copy is consistent. */
static void before_fork(void) { pthread_mutex_lock(&pool_lock); }
static void after_fork_parent(void) { pthread_mutex_unlock(&pool_lock); }
static void after_fork_child(void)
{
    leaky_pool_forget(pool);
    pool = NULL;
    users = 0;
    stale = false;
    host_users = old_host_users = 0;
    pthread_mutex_unlock(&pool_lock);
}
static void watch_fork(void) { pthread_atfork(before_fork, after_fork_parent, after_fork_child); }

/* Under pool_lock: destroys the pool if it is stale and unused. */
static void drop_if_stale(void)
{
    if (pool && stale && users == 0) {
        leaky_pool_destroy(pool);
        pool = NULL;
        stale = false;
    }
}

/* A pool of count threads (the caller's included), held until leave_pool; or NULL: then
 * the work runs on the caller's thread, which gives the same results. */
static struct leaky_pool *enter_pool(size_t count)
{
    pthread_once(&atfork_once, watch_fork);
    pthread_mutex_lock(&pool_lock);
    if (pool && leaky_pool_threads(pool) != count)
        stale = true;
    drop_if_stale();
    if (!pool)
        pool = leaky_pool_create(count);
    struct leaky_pool *p = stale ? NULL : pool;
    if (p)
        users++;
    pthread_mutex_unlock(&pool_lock);
    return p;
}

static void leave_pool(void)
{
    pthread_mutex_lock(&pool_lock);
    users--;
    drop_if_stale();
    pthread_mutex_unlock(&pool_lock);
}

/* Takes a copy of the host's setting and counts the call in, if a pool is set. */
static void enter_host(struct host_setting *call)
{
    pthread_mutex_lock(&pool_lock);
    *call = host;
    if (call->run)
        host_users++;
    pthread_mutex_unlock(&pool_lock);
}

static void leave_host(const struct host_setting *call)
{
    pthread_mutex_lock(&pool_lock);
    if (call->generation == host.generation)
        host_users--;
    else
        old_host_users--;
    pthread_mutex_unlock(&pool_lock);
}

leaky_status leaky_set_thread_pool(leaky_pool_run_fn *run, void *host_pool, size_t threads)
{
    if (run && (threads == 0 || threads > MAX_THREADS))
        return leaky_fail(LEAKY_EINVAL,
                          "leaky_set_thread_pool: threads is %zu; expected the host pool's "
                          "thread count, 1 to %d",
                          threads, MAX_THREADS);
    pthread_once(&atfork_once, watch_fork);
    pthread_mutex_lock(&pool_lock);
    host.run = run;
    host.pool = run ? host_pool : NULL;
    host.threads = run ? threads : 0;
    host.generation++;
    atomic_store_explicit(&host_threads, host.threads, memory_order_relaxed);
    old_host_users += host_users;
    host_users = 0;
    /* Calls on a replaced pool take as long as one large call: poll for their end. */
    while (old_host_users > 0) {
        pthread_mutex_unlock(&pool_lock);
        const struct timespec nap = {0, 100000};
        nanosleep(&nap, NULL);
        pthread_mutex_lock(&pool_lock);
    }
    pthread_mutex_unlock(&pool_lock);
    return LEAKY_OK;
}

void leaky_shutdown(void)
{
    pthread_mutex_lock(&pool_lock);
    stale = pool != NULL;
    drop_if_stale();
    pthread_mutex_unlock(&pool_lock);
}

/* Workers must not outlive the code they run: when the library is unloaded (dlclose) or
 * the program exits, they are stopped and joined. A call still running on another thread
 * then keeps its pool, to be freed when it returns (an exit with calls in flight), and a
 * lock held elsewhere is not waited for. */
__attribute__((destructor)) static void stop_workers(void)
{
    if (pthread_mutex_trylock(&pool_lock) != 0)
        return;
    stale = pool != NULL;
    drop_if_stale();
    pthread_mutex_unlock(&pool_lock);
}

_Static_assert(0xffff / MAX_THREADS >= LEAKY_PIECES_PER_THREAD,
               "the pool numbers pieces in 16 bits");

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
    struct host_setting on_host = {0};
    if (atomic_load_explicit(&host_threads, memory_order_relaxed))
        enter_host(&on_host);
    const size_t threads = on_host.run
                               ? on_host.threads
                               : resolve(atomic_load_explicit(&requested, memory_order_relaxed));
    grain = grain ? grain : 1;
    size_t pieces = n / grain;
    if (pieces > threads * LEAKY_PIECES_PER_THREAD)
        pieces = threads * LEAKY_PIECES_PER_THREAD;
    /* One thread runs every piece itself, without the pool: entering it would replace a
     * pool of another count, whose workers a later call would then start again. */
    const bool split = pieces > 1 && threads > 1;
    struct leaky_pool *p = split && !on_host.run ? enter_pool(threads) : NULL;
    enum { LINE = 64 };
    struct split s = {n, pieces, 0, 1, fn, ctx};
    if (elem_size && LINE % elem_size == 0 && (uintptr_t)out % elem_size == 0) {
        s.step = LINE / elem_size;
        s.head = ((LINE - (uintptr_t)out % LINE) % LINE) / elem_size;
    }
    if (split && on_host.run) {
        on_host.run(on_host.pool, run_piece, &s, pieces);
    } else if (p) {
        /* The pool wakes sleeping workers only for work that pays for it (src/pool.c;
         * docs/PERFORMANCE.md, "Threads after a pause"). */
        leaky_pool_run(p, pieces, (double)n / (double)grain, run_piece, &s);
        leave_pool();
    } else {
        fn(ctx, 0, n);
    }
    if (on_host.run)
        leave_host(&on_host);
}

void leaky_parallel_for(size_t n, size_t grain, leaky_range_fn *fn, void *ctx)
{
    leaky_parallel_for_aligned(n, grain, NULL, 0, fn, ctx);
}
