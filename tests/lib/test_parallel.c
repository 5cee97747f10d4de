/* SPDX-License-Identifier: MIT */
/* Threads and non-temporal stores change nothing but speed:
 *   test_parallel               the split, the thread-count API, every kernel's streamed
 *                               path against the reference (every head and tail), and
 *                               large calls of every type giving the same bits for 1, 2
 *                               and 3 threads
 *   test_parallel env-bad       run with a bad LEAKY_NUM_THREADS: every call must fail
 *   test_parallel env-count N   run with LEAKY_NUM_THREADS=N: the count must be N */
#define _GNU_SOURCE /* sched_setaffinity; nanosleep */
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <time.h>

#include "test.h"

/* Any bit pattern, NaN, infinities and denormals included. */
static void fill(float *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = float_of(mix((uint32_t)i * 2654435761u + seed));
}

/* ------------------------------------------------------------ the split */

enum { MAX_PIECES = 64 };
struct record {
    unsigned char *hits;
    _Atomic size_t count;
    size_t begins[MAX_PIECES];
};

static void record_range(void *ctx, size_t begin, size_t end)
{
    struct record *r = ctx;
    for (size_t i = begin; i < end; i++)
        r->hits[i]++;
    const size_t k = atomic_fetch_add(&r->count, 1);
    if (k < MAX_PIECES)
        r->begins[k] = begin;
}

static void check_split(size_t threads)
{
    static const size_t sizes[] = {1, 100, 4095, 4096, 65536, 200001, 1000003};
    static alignas(64) float out[64];
    unsigned char *hits = malloc(1000003);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (size_t shift = 0; shift < 16; shift += 5) {
            const size_t n = sizes[s];
            struct record r = {.hits = hits};
            memset(hits, 0, n);
            leaky_parallel_for_aligned(n, 1000, out + shift, sizeof(float), record_range, &r);
            size_t wrong = 0;
            for (size_t i = 0; i < n; i++)
                wrong += hits[i] != 1;
            CHECK(wrong == 0,
                  "split of %zu over %zu threads: %zu elements not done exactly "
                  "once",
                  n, threads, wrong);
            const size_t pieces = atomic_load(&r.count);
            /* Of a grain at least, LEAKY_PIECES_PER_THREAD a thread at most. */
            const size_t most = LEAKY_PIECES_PER_THREAD * threads;
            const size_t want = n / 1000 < most ? (n / 1000 ? n / 1000 : 1) : most;
            CHECK(pieces <= want, "split of %zu over %zu threads: %zu pieces", n, threads, pieces);
            for (size_t k = 0; k < pieces && k < MAX_PIECES; k++)
                CHECK(r.begins[k] == 0 || (uintptr_t)(out + shift + r.begins[k]) % 64 == 0,
                      "split of %zu: a piece starts at %zu, where the output is not 64-byte "
                      "aligned",
                      n, r.begins[k]);
        }
    }
    free(hits);
}

/* ------------------------------------------------------------- the pool */

/* Many jobs back to back, some after a pause long enough for the workers to fall asleep,
 * from several callers at once (a busy pool makes the second caller run alone): every
 * piece of every job must run exactly once, before its job returns. */
enum { JOBS = 3000, MAX_JOB_PIECES = 9 };

struct pool_job {
    _Atomic int runs[MAX_JOB_PIECES];
};

static void count_piece(void *ctx, size_t i)
{
    struct pool_job *job = ctx;
    atomic_fetch_add_explicit(&job->runs[i], 1, memory_order_relaxed);
}

struct caller {
    struct leaky_pool *pool;
    unsigned seed;
    unsigned long long wrong;
};

static void *call_jobs(void *arg)
{
    struct caller *c = arg;
    for (int j = 0; j < JOBS; j++) {
        struct pool_job job = {{0}};
        const size_t pieces = 1 + mix(c->seed + (unsigned)j) % MAX_JOB_PIECES;
        if (j % 500 == 0) {
            const struct timespec pause = {0, 300000}; /* past the workers' spin */
            nanosleep(&pause, NULL);
        }
        /* Woken or not (only spinning workers help), every piece runs once. */
        leaky_pool_run(c->pool, pieces, j % 3 != 0 ? 1e9 : 0, count_piece, &job);
        for (size_t i = 0; i < MAX_JOB_PIECES; i++)
            c->wrong += atomic_load(&job.runs[i]) != (i < pieces);
    }
    return NULL;
}

/* Nanoseconds from a to b, and since t0 (CLOCK_MONOTONIC). */
static double ns_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) * 1e9 + (double)(b->tv_nsec - a->tv_nsec);
}

static double ns_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return ns_between(t0, &t);
}

/* Busy for ns nanoseconds: a slow piece, or a caller's other work between calls. */
static void busy_for(double ns)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (ns_since(&t0) < ns)
        ;
}

/* Waits (2 ms at a time, up to 4 s: a loaded machine runs them late) until every worker of
 * the pool sleeps; whether they all do. */
static bool wait_asleep(struct leaky_pool *pool)
{
    const size_t workers = leaky_pool_threads(pool) - 1;
    const struct timespec pause = {0, 2000000};
    for (int wait = 0; wait < 2000 && leaky_pool_asleep(pool) < workers; wait++)
        nanosleep(&pause, NULL);
    return leaky_pool_asleep(pool) == workers;
}

/* A job not worth waking for, after the workers have fallen asleep: the caller runs every
 * piece itself and returns without waiting for a thread to wake. */
struct thread_job {
    pthread_t caller;
    _Atomic int elsewhere;
};

/* A slow piece (a millisecond), so that a worker woken for the job would surely take
 * some of them. */
static void note_thread(void *ctx, size_t i)
{
    struct thread_job *job = ctx;
    (void)i;
    if (!pthread_equal(pthread_self(), job->caller))
        atomic_fetch_add(&job->elsewhere, 1);
    const struct timespec piece = {0, 1000000};
    nanosleep(&piece, NULL);
}

static void check_no_wake_after_pause(void)
{
    struct leaky_pool *pool = leaky_pool_create(4);
    CHECK(pool != NULL, "pool of 4");
    if (!pool)
        return;
    for (int round = 0; round < 5; round++) {
        /* Past the workers' spin, until all sleep (a loaded machine runs them late), and
         * long after the last job (one that closely follows another is part of a loop,
         * which wakes them). */
        const struct timespec pause = {0, 2000000};
        nanosleep(&pause, NULL);
        CHECK(wait_asleep(pool), "round %d: the workers fell asleep", round);
        struct thread_job job = {pthread_self(), 0};
        leaky_pool_run(pool, 8, 0, note_thread, &job);
        CHECK(atomic_load(&job.elsewhere) == 0,
              "round %d: %d pieces of a job not worth a wake-up ran on a woken worker", round,
              atomic_load(&job.elsewhere));
    }
    leaky_pool_destroy(pool);
}

/* A loop of calls after a pause: the first few, too short to pay for a wake-up, run alone
 * without one (a wake-up on the second call of every loop cost the caller a system call
 * worth many short calls); a loop that goes on gets the workers' help. */
static void spin_piece(void *ctx, size_t i)
{
    struct thread_job *job = ctx;
    (void)i;
    if (!pthread_equal(pthread_self(), job->caller))
        atomic_fetch_add(&job->elsewhere, 1);
    busy_for(20000);
}

static void check_loop_wakes_when_worth_it(void)
{
    struct leaky_pool *pool = leaky_pool_create(2);
    CHECK(pool != NULL, "pool of 2");
    if (!pool)
        return;
    CHECK(wait_asleep(pool), "the worker fell asleep");
    struct pool_job short_job = {{0}};
    const size_t before = leaky_pool_wakeups(pool);
    for (int call = 0; call < 3; call++)
        leaky_pool_run(pool, 2, 0, count_piece, &short_job);
    CHECK(leaky_pool_wakeups(pool) == before,
          "3 short calls back to back woke the workers %zu times",
          leaky_pool_wakeups(pool) - before);
    /* Calls of 40 us alone, back to back for up to a second: long past a wake-up's worth. */
    struct thread_job job = {pthread_self(), 0};
    for (int call = 0; call < 25000 && atomic_load(&job.elsewhere) == 0; call++)
        leaky_pool_run(pool, 2, 0, spin_piece, &job);
    CHECK(leaky_pool_wakeups(pool) > before && atomic_load(&job.elsewhere) > 0,
          "a loop of calls never got the worker's help (%zu wake-ups)",
          leaky_pool_wakeups(pool) - before);
    leaky_pool_destroy(pool);
}

/* The delay from a wake-up signal until the worker runs is measured only when a worker is
 * woken, so a bad estimate must not stop the wake-ups that would correct it. One slow
 * wake-up (the host ran the worker's CPU milliseconds late) is an outlier, not the delay:
 * it once turned an average of 55 us into 809 us, after which no call of 1M elements woke
 * the worker again and 2 threads ran as one for the rest of the program. */
static void check_one_slow_wake_is_forgotten(void)
{
    struct leaky_pool *pool = leaky_pool_create(2);
    CHECK(pool != NULL, "pool of 2");
    if (!pool)
        return;
    static const double usual[] = {60e3, 50e3, 70e3, 55e3};
    for (size_t i = 0; i < 4; i++)
        leaky_pool_record_delay(pool, usual[i]);
    leaky_pool_record_delay(pool, 3e6);
    const double estimate = leaky_pool_wake_delay(pool);
    CHECK(estimate >= 50e3 && estimate <= 70e3,
          "after wake-ups of 50-70 us and one of 3 ms the delay is taken as %.0f ns", estimate);
    /* Slow wake-ups that go on are the delay, though. */
    for (int i = 0; i < 3; i++)
        leaky_pool_record_delay(pool, 3e6);
    CHECK(leaky_pool_wake_delay(pool) == 3e6,
          "after three more wake-ups of 3 ms the delay is taken as %.0f ns",
          leaky_pool_wake_delay(pool));
    leaky_pool_destroy(pool);
}

/* When the estimate says no job is worth a wake-up, one is still sent now and then for a job
 * that would pay at a virtual machine's usual delay (50 us), so that the estimate follows
 * the machine; never for a short job, which a wake-up costs more than it can give. */
static void check_stale_delay_is_probed(void)
{
    struct leaky_pool *pool = leaky_pool_create(2);
    CHECK(pool != NULL, "pool of 2");
    if (!pool)
        return;
    for (int i = 0; i < 5; i++)
        leaky_pool_record_delay(pool, 20e6);
    CHECK(wait_asleep(pool), "the worker fell asleep");
    /* Past the time between probes (100 ms) since the pool began. */
    const struct timespec past_probe = {0, 150000000};
    nanosleep(&past_probe, NULL);
    /* At the first guess of 10 us a grain: 2 grains are 20 us alone, short of a wake-up at
     * any delay over 10 us; 100 grains are 1 ms, where a delay of 20 ms says no wake-up and
     * the usual 50 us says yes. */
    struct pool_job job = {{0}};
    const size_t before = leaky_pool_wakeups(pool);
    leaky_pool_run(pool, 2, 2, count_piece, &job);
    CHECK(leaky_pool_wakeups(pool) == before, "a short job sent a probe");
    const struct timespec past_loop = {0, 1000000}; /* not a loop of calls */
    nanosleep(&past_loop, NULL);
    leaky_pool_run(pool, 2, 100, count_piece, &job);
    CHECK(leaky_pool_wakeups(pool) == before + 1,
          "a job worth a wake-up at the usual delay sent %zu signals after the time "
          "between probes, where the delay estimate is stale",
          leaky_pool_wakeups(pool) - before);
    /* The probe is one: right after it, the same job asleep again sends none. */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const bool asleep = wait_asleep(pool);
    const double waited = ns_since(&t0);
    if (asleep && waited < 80e6) {
        const size_t after = leaky_pool_wakeups(pool);
        leaky_pool_run(pool, 2, 100, count_piece, &job);
        CHECK(leaky_pool_wakeups(pool) == after, "a second probe came %.0f ms after the first",
              waited / 1e6);
    }
    leaky_pool_destroy(pool);
}

/* A job worth a wake-up that the worker takes part in (64 pieces of 20 us: a woken worker
 * comes well before the end), then 0.3 ms of the caller's own work, past the workers' short
 * spin (a copy between two calls); whether the worker took part, and sleeps after it. */
static bool joined_then_slept(struct leaky_pool *pool, bool *joined)
{
    struct thread_job job = {pthread_self(), 0};
    leaky_pool_run(pool, 64, 1e6, spin_piece, &job);
    busy_for(300e3);
    *joined = atomic_load(&job.elsewhere) > 0;
    return leaky_pool_asleep(pool) == 1;
}

/* Calls 0.3 ms apart would each pay a wake-up (a signal, and the worker's delay on the
 * call) if the workers slept after the short spin: once calls come so, the workers linger
 * between the jobs they share, and the next call sends no signal. Until then they keep the
 * short spin, and sleep between calls that come further apart. A loaded machine can hide
 * either (a worker not run at all neither joins nor sleeps), so each gets 20 rounds. */
static void check_workers_linger_between_close_calls(void)
{
    struct leaky_pool *pool = leaky_pool_create(2);
    CHECK(pool != NULL, "pool of 2");
    if (!pool)
        return;
    bool slept = false, joined = false;
    for (int round = 0; round < 20 && !(slept && joined); round++) {
        /* Far from the last call, so that none comes 0.3 ms after another. */
        const struct timespec past_linger = {0, 2000000};
        nanosleep(&past_linger, NULL);
        CHECK(wait_asleep(pool), "round %d: the worker fell asleep", round);
        slept = joined_then_slept(pool, &joined);
    }
    CHECK(slept && joined,
          "with no call yet 0.3 ms after another, the worker was awake 0.3 ms after each of "
          "20 jobs it took part in");
    bool lingered = false;
    for (int round = 0; round < 20 && !lingered; round++) {
        struct thread_job job = {pthread_self(), 0};
        leaky_pool_run(pool, 16, 1e6, spin_piece, &job);
        busy_for(300e3);
        slept = joined_then_slept(pool, &joined);
        const size_t before = leaky_pool_wakeups(pool);
        leaky_pool_run(pool, 64, 1e6, spin_piece, &job);
        lingered = joined && !slept && leaky_pool_wakeups(pool) == before;
    }
    CHECK(lingered, "in 20 rounds of calls 0.3 ms apart, the worker slept between them");
    leaky_pool_destroy(pool);
}

/* A lingering worker gives its core to a thread that wants it. With the process on one CPU,
 * the caller, busy after its calls, shares the core with the worker: the worker's time on
 * the CPU in the next 20 ms shows whether it spun on (about a millisecond, its whole linger,
 * when the system ran it then) or yielded (110-260 us here). */
static void check_linger_yields_the_core(void)
{
    cpu_set_t old, one;
    if (sched_getaffinity(0, sizeof old, &old) != 0)
        return;
    CPU_ZERO(&one);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &old)) {
            CPU_SET(cpu, &one);
            break;
        }
    if (sched_setaffinity(0, sizeof one, &one) != 0)
        return;
    struct leaky_pool *pool = leaky_pool_create(2);
    CHECK(pool != NULL, "pool of 2");
    int long_rounds = 0;
    double longest = 0;
    for (int round = 0; pool && round < 10; round++) {
        struct thread_job job = {pthread_self(), 0};
        for (int call = 0; call < 3; call++) {
            leaky_pool_run(pool, 2, 1e6, spin_piece, &job);
            busy_for(300e3);
        }
        struct timespec process0, caller0, process1, caller1;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &process0);
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &caller0);
        busy_for(20e6);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &process1);
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &caller1);
        const double worker = ns_between(&process0, &process1) - ns_between(&caller0, &caller1);
        long_rounds += worker > 500e3;
        longest = worker > longest ? worker : longest;
    }
    CHECK(long_rounds <= 2,
          "a lingering worker on its busy caller's only CPU took over 500 us of it in %d "
          "rounds of 10 (the most: %.0f us)",
          long_rounds, longest / 1e3);
    leaky_pool_destroy(pool);
    sched_setaffinity(0, sizeof old, &old);
}

static void check_pool(void)
{
    static const size_t sizes[] = {1, 2, 3, 5};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        struct leaky_pool *pool = leaky_pool_create(sizes[s]);
        CHECK(pool && leaky_pool_threads(pool) == sizes[s], "pool of %zu threads", sizes[s]);
        if (!pool)
            continue;
        struct caller callers[3];
        pthread_t ids[3];
        for (int k = 0; k < 3; k++) {
            callers[k] = (struct caller){pool, 1000u * (unsigned)k + (unsigned)s, 0};
            if (k > 0)
                pthread_create(&ids[k], NULL, call_jobs, &callers[k]);
        }
        call_jobs(&callers[0]);
        for (int k = 1; k < 3; k++)
            pthread_join(ids[k], NULL);
        for (int k = 0; k < 3; k++)
            CHECK(callers[k].wrong == 0,
                  "pool of %zu threads, caller %d: %llu pieces not run "
                  "exactly once",
                  sizes[s], k, callers[k].wrong);
        leaky_pool_destroy(pool);
    }
}

/* ------------------------------------------- streamed kernels, every head and tail */

enum { SPAN = 300, PAD = 32 };
static alignas(64) float sx[SPAN + 2 * PAD], sg[SPAN + 2 * PAD], want[SPAN + 2 * PAD],
    got[SPAN + 2 * PAD];

static const float slopes[] = {0.01f, -0.5f, 1.5f};

/* The kernel at offset in the table, on the reference and on the path, with the output
 * starting at every alignment and the input at another; nothing outside [0, n) moves. */
#define STREAM_CHECK(kind, call_want, call_got)                                           \
    for (size_t n = 0; n <= SPAN - 20; n += (n < 80 ? 1 : 37))                            \
        for (size_t oy = 0; oy < 16; oy++) {                                              \
            const size_t ox = (oy * 7 + 3) % 16;                                          \
            float *y_want = want + PAD + oy, *y_got = got + PAD + oy;                     \
            const float *x = sx + PAD + ox, *g = sg + PAD + (oy + 5) % 16;                \
            (void)g;                                                                      \
            for (size_t i = 0; i < SPAN + 2 * PAD; i++)                                   \
                want[i] = got[i] = float_of(0x7fc0dead);                                  \
            call_want;                                                                    \
            call_got;                                                                     \
            CHECK(memcmp(want, got, sizeof want) == 0,                                    \
                  "%s streamed on %s, n = %zu, "                                          \
                  "output at +%zu floats: differs from the reference (or wrote outside)", \
                  name, leaky_isa_name(isa), n, oy);                                      \
        }

static void stream_unary(const char *name, size_t offset, leaky_isa isa)
{
    const struct leaky_kernels *ref = leaky_kernels_for_isa(LEAKY_ISA_SCALAR);
    const struct leaky_kernels *k = leaky_kernels_for_isa(isa);
    leaky_unary_f32_fn *fw = *(leaky_unary_f32_fn *const *)((const char *)ref + offset);
    leaky_unary_f32_fn *fg = *(leaky_unary_f32_fn *const *)((const char *)k + offset);
    for (size_t s = 0; s < sizeof slopes / sizeof slopes[0]; s++) {
        const struct leaky_f32_params plain = {.slope = slopes[s]};
        const struct leaky_f32_params streamed = {.slope = slopes[s], .nontemporal = true};
        STREAM_CHECK(unary, fw(n, x, y_want, &plain), fg(n, x, y_got, &streamed))
    }
}

static void stream_binary(const char *name, size_t offset, leaky_isa isa)
{
    /* PReLU's slopes are finite (the API checks them), and its forward never streams. */
    if (offset == offsetof(struct leaky_kernels, f32_vprelu))
        return;
    const struct leaky_kernels *ref = leaky_kernels_for_isa(LEAKY_ISA_SCALAR);
    const struct leaky_kernels *k = leaky_kernels_for_isa(isa);
    leaky_binary_f32_fn *fw = *(leaky_binary_f32_fn *const *)((const char *)ref + offset);
    leaky_binary_f32_fn *fg = *(leaky_binary_f32_fn *const *)((const char *)k + offset);
    for (size_t s = 0; s < sizeof slopes / sizeof slopes[0]; s++) {
        const struct leaky_f32_params plain = {.slope = slopes[s]};
        const struct leaky_f32_params streamed = {.slope = slopes[s], .nontemporal = true};
        STREAM_CHECK(binary, fw(n, x, g, y_want, &plain), fg(n, x, g, y_got, &streamed))
    }
}

#define STREAM_leaky_unary_f32_fn stream_unary
#define STREAM_leaky_binary_f32_fn stream_binary
/* PReLU's and RReLU's kernels are not checked here: PReLU's forward is passed plain
 * stores, RReLU's have no such flag, and PReLU's backward runs, streamed or not, and the
 * float64 loops are checked in test_isa_bits_family; bias + activation's, streamed at
 * every misalignment, in test_kernels. */
#define STREAM_NONE(name, offset, isa) ((void)(isa))
#define STREAM_leaky_prelu_row_backward_f32_fn STREAM_NONE
#define STREAM_leaky_prelu_runs_backward_f32_fn STREAM_NONE
#define STREAM_leaky_bias_act_f32_fn STREAM_NONE
#define STREAM_leaky_rrelu_f32_fn STREAM_NONE
#define STREAM_leaky_rrelu_backward_f32_fn STREAM_NONE
#define STREAM_ONE(name, slot, type, ...) \
    STREAM_##type(#name, offsetof(struct leaky_kernels, slot), isa);

static void check_streamed_kernels(void)
{
    fill(sx, SPAN + 2 * PAD, 1);
    fill(sg, SPAN + 2 * PAD, 2);
    leaky_isa isas[LEAKY_ISA_COUNT];
    const int count = test_isas(isas);
    for (int i = 0; i < count; i++) {
        const leaky_isa isa = isas[i];
        LEAKY_KERNEL_LIST_T(STREAM_ONE, f32)
    }
}

/* ------------------------------------------------ large calls, any thread count */

/* Sizes around the thresholds (threads from 2 x 32K elements, streaming above 20 MiB
 * read and written), with
 * outputs off 64-byte alignment. */
static const size_t big_sizes[] = {70001, 600007, (1u << 22) + 37};

static void check_large(void)
{
    const size_t nmax = (1u << 22) + 64;
    float *x = malloc(nmax * sizeof(float)), *g = malloc(nmax * sizeof(float));
    float *ref = malloc(nmax * sizeof(float)), *out = malloc(nmax * sizeof(float));
    CHECK(x && g && ref && out, "out of memory");
    if (!(x && g && ref && out))
        goto done;
    fill(x, nmax, 3);
    fill(g, nmax, 4);
    const struct leaky_kernels *scalar = leaky_kernels_for_isa(LEAKY_ISA_SCALAR);
    const struct leaky_f32_params p = {.slope = 0.01f};
    const size_t counts[] = {1, 2, 3};
    for (size_t s = 0; s < sizeof big_sizes / sizeof big_sizes[0]; s++) {
        const size_t n = big_sizes[s];
        const float *xs = x + 3;
        for (size_t c = 0; c < 3; c++) {
            CHECK(leaky_set_num_threads(counts[c]) == LEAKY_OK, "set_num_threads(%zu): %s",
                  counts[c], leaky_last_error());
            /* forward, out of place (streamed when large) */
            scalar->f32_vlrelu(n, xs, ref, &p);
            memset(out, 0, nmax * sizeof(float));
            CHECK(leaky_relu_f32(xs, out + 5, n, 0.01f) == LEAKY_OK, "%s", leaky_last_error());
            CHECK(memcmp(ref, out + 5, n * sizeof(float)) == 0 && out[4] == 0.0f &&
                      out[5 + n] == 0.0f,
                  "leaky_relu_f32, n = %zu, %zu threads: differs from the "
                  "reference or wrote outside",
                  n, counts[c]);
            /* forward, in place */
            memcpy(out + 1, xs, n * sizeof(float));
            CHECK(leaky_relu_f32(out + 1, out + 1, n, 0.01f) == LEAKY_OK, "%s", leaky_last_error());
            CHECK(memcmp(ref, out + 1, n * sizeof(float)) == 0,
                  "leaky_relu_f32 in place, n = %zu, %zu threads: differs", n, counts[c]);
            /* backward, out of place and over dy */
            scalar->f32_vlrelu_backward(n, xs, g, ref, &p);
            CHECK(leaky_relu_backward_f32(xs, g, out + 9, n, 0.01f) == LEAKY_OK, "%s",
                  leaky_last_error());
            CHECK(memcmp(ref, out + 9, n * sizeof(float)) == 0,
                  "leaky_relu_backward_f32, n = %zu, %zu threads: differs", n, counts[c]);
            memcpy(out, g, n * sizeof(float));
            CHECK(leaky_relu_backward_f32(xs, out, out, n, 0.01f) == LEAKY_OK, "%s",
                  leaky_last_error());
            CHECK(memcmp(ref, out, n * sizeof(float)) == 0,
                  "leaky_relu_backward_f32 with dx = dy, n = %zu, %zu threads: differs", n,
                  counts[c]);
        }
    }
done:
    free(x), free(g), free(ref), free(out);
}

/* The float16, bfloat16, conversion and int8 entry points around their thresholds (inline
 * below 256 KiB written, split from there), outputs off alignment: the scalar kernels' bits
 * for 1, 2 and 3 threads, and nothing written outside. */
static const size_t narrow_sizes[] = {(1u << 16) - 3, (1u << 17) - 1, (1u << 17) + 37,
                                      (1u << 18) + 5, 600007};

static void check_large_narrow(void)
{
    enum { NMAX = 600007 + 2 };
    uint16_t *h = malloc(NMAX * 2), *g = malloc(NMAX * 2), *ref16 = malloc(NMAX * 2),
             *out16 = malloc(NMAX * 2);
    float *f = malloc(NMAX * sizeof(float)), *ref32 = malloc(NMAX * sizeof(float)),
          *out32 = malloc(NMAX * sizeof(float));
    uint8_t *q = malloc(NMAX), *ref8 = malloc(NMAX), *out8 = malloc(NMAX);
    const bool have = h && g && ref16 && out16 && f && ref32 && out32 && q && ref8 && out8;
    CHECK(have, "out of memory");
    if (!have)
        goto done;
    for (size_t i = 0; i < NMAX; i++) {
        h[i] = (uint16_t)mix((uint32_t)i);
        g[i] = (uint16_t)mix((uint32_t)i + 0x9e3779b9u);
        q[i] = (uint8_t)(mix((uint32_t)i + 7) >> 8);
    }
    fill(f, NMAX, 5);
    leaky_qs8_params qp;
    CHECK(leaky_qs8_params_init(&qp, 0.05f, 3, 0.07f, -2, 0.1f) == LEAKY_OK, "%s",
          leaky_last_error());
    const struct leaky_kernels *scalar = leaky_kernels_for_isa(LEAKY_ISA_SCALAR);
    const struct leaky_f32_params p = {.slope = 0.01f};
    const size_t counts[] = {1, 2, 3};
    for (size_t s = 0; s < sizeof narrow_sizes / sizeof narrow_sizes[0]; s++) {
        const size_t n = narrow_sizes[s];
        for (size_t c = 0; c < 3; c++) {
            CHECK(leaky_set_num_threads(counts[c]) == LEAKY_OK, "set_num_threads(%zu): %s",
                  counts[c], leaky_last_error());
#define SAME(call, ref, out, what)                                                              \
    do {                                                                                        \
        memset(out, 0, NMAX * sizeof *out);                                                     \
        CHECK((call) == LEAKY_OK, "%s: %s", what, leaky_last_error());                          \
        CHECK(memcmp(ref, out + 1, n * sizeof *out) == 0 && out[0] == 0 && out[n + 1] == 0,     \
              "%s, n = %zu, %zu threads: differs from the reference or wrote outside", what, n, \
              counts[c]);                                                                       \
    } while (0)
            scalar->f16_vlrelu(n, h, ref16, &p);
            SAME(leaky_relu_f16(h, out16 + 1, n, 0.01f), ref16, out16, "leaky_relu_f16");
            scalar->bf16_vlrelu_backward(n, h, g, ref16, &p);
            SAME(leaky_relu_backward_bf16(h, g, out16 + 1, n, 0.01f), ref16, out16,
                 "leaky_relu_backward_bf16");
            scalar->f16_widen(n, h, ref32);
            SAME(leaky_widen_array_f16(h, out32 + 1, n), ref32, out32, "leaky_widen_array_f16");
            scalar->bf16_narrow(n, f, ref16);
            SAME(leaky_narrow_array_bf16(f, out16 + 1, n), ref16, out16, "leaky_narrow_array_bf16");
            scalar->x8_vlut(n, q, ref8, (const uint8_t *)qp.table);
            SAME(leaky_relu_qs8((const int8_t *)q, (int8_t *)out8 + 1, n, &qp), ref8, out8,
                 "leaky_relu_qs8");
#undef SAME
        }
    }
    leaky_set_num_threads(0);
done:
    free(h), free(g), free(ref16), free(out16), free(f), free(ref32), free(out32);
    free(q), free(ref8), free(out8);
}

/* The threads of this process now, or -1 where the system does not say. */
static int process_threads(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    int threads = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &threads) == 1)
            break;
    fclose(f);
    return threads;
}

/* A call on one thread leaves the pool of a larger count alone: a program that switches
 * between one thread and two (a bench, a layer run serially) must not stop and start the
 * workers on every switch. */
static void check_one_thread_keeps_pool(void)
{
    enum { N = 1 << 22 };
    float *x = malloc(N * sizeof *x);
    CHECK(x != NULL, "allocation");
    if (!x)
        return;
    fill(x, N, 7);
    leaky_set_num_threads(2);
    leaky_relu_f32(x, x, N, 0.5f);
    const int with_pool = process_threads();
    if (with_pool > 0) {
        leaky_set_num_threads(1);
        leaky_relu_f32(x, x, N, 0.5f);
        CHECK(process_threads() == with_pool,
              "a call on 1 thread took the process from %d threads to %d", with_pool,
              process_threads());
    }
    leaky_set_num_threads(0);
    free(x);
}

/* ------------------------------------------------------------- the count */

static void check_count_api(void)
{
    const size_t fallback = leaky_get_num_threads();
    CHECK(fallback >= 1, "default thread count is %zu", fallback);
    const leaky_status s = leaky_set_num_threads(2);
    CHECK(s == LEAKY_OK && leaky_get_num_threads() == 2, "set_num_threads(2) then get: %zu",
          leaky_get_num_threads());
    CHECK(leaky_set_num_threads(1025) == LEAKY_EINVAL && strstr(leaky_last_error(), "1025") != NULL,
          "set_num_threads(1025) accepted, or its message does not name it: %s",
          leaky_last_error());
    CHECK(leaky_get_num_threads() == 2, "a refused count changed the count");
    CHECK(leaky_set_num_threads(0) == LEAKY_OK && leaky_get_num_threads() == fallback,
          "set_num_threads(0) does not restore the default %zu", fallback);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "env-bad") == 0) {
        float v = 1.0f;
        CHECK(leaky_relu_f32(&v, &v, 1, 0.01f) == LEAKY_EINVAL &&
                  strstr(leaky_last_error(), "LEAKY_NUM_THREADS=") != NULL,
              "a bad LEAKY_NUM_THREADS was accepted: status message '%s'", leaky_last_error());
        return test_finish("test_parallel env-bad");
    }
    if (argc >= 3 && strcmp(argv[1], "env-count") == 0) {
        const size_t n = strtoul(argv[2], NULL, 10);
        const size_t got = leaky_get_num_threads();
        CHECK(got == n || got == 1, "LEAKY_NUM_THREADS=%zu gave %zu threads", n, got);
        float v = -2.0f;
        CHECK(leaky_relu_f32(&v, &v, 1, 0.5f) == LEAKY_OK && v == -1.0f, "a call failed: %s",
              leaky_last_error());
        return test_finish("test_parallel env-count");
    }
    check_count_api();
    check_pool();
    check_no_wake_after_pause();
    check_loop_wakes_when_worth_it();
    check_one_slow_wake_is_forgotten();
    check_stale_delay_is_probed();
    check_workers_linger_between_close_calls();
    check_linger_yields_the_core();
    for (size_t t = 2; t <= 4; t++) {
        leaky_set_num_threads(t);
        check_split(t);
    }
    check_one_thread_keeps_pool();
    check_streamed_kernels();
    check_large();
    check_large_narrow();
    return test_finish("test_parallel");
}
