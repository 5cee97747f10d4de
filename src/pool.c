/* SPDX-License-Identifier: MIT */
/* The thread pool behind leaky_parallel_for: fork-join over numbered pieces, where the
 * caller works too and never waits for a thread that has not started.
 *
 * Why not pthreadpool (which XNNPACK and PyTorch use; we tried it first): its caller waits
 * until every worker has woken and checked in, even when the caller could have done the
 * work itself, so on a machine shared with other busy processes one descheduled worker
 * stalls the call; and its workers spin for tens of milliseconds after each call, taking
 * a core from whoever else runs (the figures: docs/PERFORMANCE.md, 'What leaky does',
 * Threads). Here pieces are claimed, not assigned: a late worker finds nothing left and
 * the caller returns once the pieces are done; workers spin for 100 us, then sleep (up to
 * a millisecond, yielding, where calls come a little further apart than that).
 *
 * The claim word packs (generation, piece count, next piece): a worker that claims a
 * piece knows the job is its generation's and cannot end before that piece is done, so the
 * job's fields are stable while it runs it. */
#define _GNU_SOURCE /* sched_getcpu, sched_setaffinity */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "internal/parallel.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ volatile("yield")
#else
#define cpu_relax() ((void)0)
#endif

/* How long an idle worker keeps looking for the next job before it sleeps. A job that
 * comes within LOOP_NS of the end of the last one is part of a loop of calls: waking the
 * workers for it can pay off over the calls that follow while they spin. One that comes
 * later follows other work (a network's other layers), where a wake-up for a job too
 * small to pay for it alone would be lost on every call. */
enum { SPIN_NS = 100000, LOOP_NS = SPIN_NS };
/* In a program whose calls come a little too far apart for that (a copy or a small layer
 * between them: an in-place call's refreshed input takes 0.45 ms at 1M elements), workers
 * that sleep are woken for nearly every call, and each wake-up costs the caller a signal and
 * the delay until the worker runs (50-100 us on a virtual machine). So once a call has come
 * between SPIN_NS and LINGER_NS after the last one (in the last LINGER_WINDOW_NS), the
 * workers look for up to LINGER_NS after each job they shared. Past SPIN_NS they yield
 * every few microseconds, so a thread that wants the core gets it: with the process on one
 * CPU and the caller busy there, a lingering worker took 110-260 us of it after a job, one
 * that did not yield about 1 ms (its whole linger) in half the rounds; the time lingered
 * counts from when the worker began, so one kept off its core does not spin on later. */
enum { LINGER_NS = 1000000, LINGER_WINDOW_NS = 1000000000 };
/* A loop of calls too small, each, to pay for waking a worker is worth one wake-up once its
 * calls have run on the caller's thread for this many times the wake-up's own cost: the
 * caller then loses at most that share of its time (2.5%) to wake-ups however often the
 * workers fall asleep again, and a loop that goes on gains the workers' help. With 8,
 * loops of 0.5 ms after a pause ran 1.07-1.21x slower on 2 threads than on 1 (a worker
 * woken into one shares little before the loop ends); with 20, 1.03-1.05x, the signal
 * (about 20 us on a virtual machine) coming near the end of each loop. */
enum { LOOP_WAKE_FACTOR = 40 };
/* A job alone is worth a wake-up when it would take one thread this many times the
 * wake-up's delay (from the caller's signal until the worker runs): the two threads then
 * finish in at most 3/4 of one's time, plus the signal, whatever the delay (the caller
 * works from the start, the worker from the delay on, and neither waits for more than a
 * piece of the other's). */
enum { JOB_WAKE_FACTOR = 2 };
/* The estimates before anything is measured: the caller's cost of a wake-up (a system call
 * that reaches a sleeping CPU: a few us; tens of us in a virtual machine whose idle CPU has
 * halted), the delay until the worker runs, and one grain's time on one thread. */
enum { WAKE_COST_GUESS_NS = 20000, WAKE_DELAY_GUESS_NS = 50000, GRAIN_NS_GUESS = 10000 };
/* The delay expected is the median of the last DELAY_SAMPLES measured: one wake-up that the
 * host ran milliseconds late is an outlier, while a moving average took it in as the delay
 * (once 55 us became 809 us). */
enum { DELAY_SAMPLES = 5 };
/* A delay is measured only when a worker is woken, so an estimate that rules out every
 * wake-up would never be corrected: once PROBE_NS has passed since the last signal, a job
 * that would be worth one at the usual delay of a virtual machine (the guess) wakes the
 * workers anyway. That costs at most one signal (tens of us) per PROBE_NS. Shorter jobs do
 * not probe: they are woken for only as a loop of them, and a probe at the start of each
 * loop (at the quickest delay seen, a few us) made 64K-element calls 1.2x slower on 2
 * threads than on 1, the worker then joining calls too short to share. */
enum { PROBE_NS = 100000000 };

struct leaky_pool {
    pthread_mutex_t run_lock; /* one job at a time; a second caller runs alone */
    leaky_piece_fn *_Atomic fn;
    void *_Atomic ctx;
    _Atomic uint64_t claim;      /* generation << 32 | pieces << 16 | next piece */
    _Atomic uint32_t generation; /* bumped when a job is published */
    _Atomic size_t done;         /* pieces of the current job finished */
    _Atomic int caller_cpu;      /* where the current job's caller runs */
    _Atomic int sleepers;
    _Atomic bool signalled; /* a wake-up was sent that no worker has yet taken */
    _Atomic bool stop;
    _Atomic uint64_t last_end;  /* when the last job ended (now_ns) */
    _Atomic uint64_t spin_ns;   /* how long the workers look after the current job */
    _Atomic uint64_t near_miss; /* when a call last came within LINGER_NS, past SPIN_NS */
    _Atomic uint64_t loop_ns;   /* time of the calls run alone back to back since a wake-up */
    /* In ns: the caller's time in a wake-up and one grain of work on one thread (moving
     * averages), and the delay from its signal until a worker runs (the median of the last
     * few). */
    _Atomic uint64_t wake_cost, wake_delay, grain_ns;
    _Atomic uint64_t signal_at, woke_at;    /* the last signal, and when a worker took it */
    _Atomic bool delay_pending;             /* a signal whose delay is not yet taken in */
    _Atomic uint64_t delays[DELAY_SAMPLES]; /* the last delays measured, a ring */
    _Atomic unsigned delay_next;
    _Atomic uint64_t wakeups;    /* signals sent (the tests of the policy) */
    unsigned solo_left, backoff; /* under run_lock: see leaky_pool_run */
    pthread_mutex_t sleep_lock;
    pthread_cond_t wake;
    size_t nworkers;
    pthread_t workers[];
};

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Claims and runs pieces of generation g until none is left. */
static void work(struct leaky_pool *p, uint32_t g)
{
    uint64_t c = atomic_load_explicit(&p->claim, memory_order_acquire);
    for (;;) {
        const uint32_t gen = (uint32_t)(c >> 32);
        const size_t pieces = (c >> 16) & 0xffff, next = c & 0xffff;
        if (gen != g || next >= pieces)
            return;
        if (!atomic_compare_exchange_weak_explicit(&p->claim, &c, c + 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        leaky_piece_fn *fn = atomic_load_explicit(&p->fn, memory_order_relaxed);
        fn(atomic_load_explicit(&p->ctx, memory_order_relaxed), next);
        atomic_fetch_add_explicit(&p->done, 1, memory_order_release);
        c = atomic_load_explicit(&p->claim, memory_order_acquire);
    }
}

/* A woken thread is put beside its waker when the other cores look busy; a worker sharing
 * the caller's core helps nobody (docs/PERFORMANCE.md, 'What leaky does', Threads). Move
 * to another allowed core, then allow them all again: the thread stays where it was
 * moved. */
static void move_off(int cpu)
{
    cpu_set_t all, others;
    if (cpu < 0 || cpu >= CPU_SETSIZE || sched_getaffinity(0, sizeof all, &all) != 0)
        return;
    others = all;
    CPU_CLR(cpu, &others);
    if (CPU_COUNT(&others) > 0 && sched_setaffinity(0, sizeof others, &others) == 0)
        sched_setaffinity(0, sizeof all, &all);
}

static void *worker(void *arg)
{
    struct leaky_pool *p = arg;
    uint32_t seen = atomic_load_explicit(&p->generation, memory_order_acquire);
    for (;;) {
        uint32_t g = atomic_load_explicit(&p->generation, memory_order_acquire);
        const double since = now_ns();
        const double spin = (double)atomic_load_explicit(&p->spin_ns, memory_order_relaxed);
        for (unsigned i = 1; g == seen; i++) {
            cpu_relax();
            g = atomic_load_explicit(&p->generation, memory_order_acquire);
            if (g != seen || i % 64 != 0)
                continue;
            const double looked = now_ns() - since;
            if (looked > SPIN_NS && looked <= spin && i % 1024 == 0)
                sched_yield();
            if (looked > spin) {
                /* Sleep. The caller bumps the generation, then reads sleepers; we count
                 * ourselves in, then read the generation: (sequentially consistent) one
                 * of us sees the other, so no wake-up is lost. */
                pthread_mutex_lock(&p->sleep_lock);
                atomic_fetch_add(&p->sleepers, 1);
                /* A new sleeper needs a new signal (a caller that set the flag as the last
                 * one left would otherwise never wake anyone again); cleared after the
                 * count, so a caller that saw the count sees this or the job was seen. */
                atomic_store(&p->signalled, false);
                while ((g = atomic_load(&p->generation)) == seen && !atomic_load(&p->stop))
                    pthread_cond_wait(&p->wake, &p->sleep_lock);
                if (atomic_load(&p->signalled))
                    atomic_store_explicit(&p->woke_at, (uint64_t)now_ns(), memory_order_relaxed);
                atomic_store(&p->signalled, false);
                atomic_fetch_sub(&p->sleepers, 1);
                pthread_mutex_unlock(&p->sleep_lock);
            }
            if (atomic_load_explicit(&p->stop, memory_order_relaxed))
                return NULL;
        }
        seen = g;
        const int cpu = atomic_load_explicit(&p->caller_cpu, memory_order_relaxed);
        if (cpu == sched_getcpu())
            move_off(cpu);
        work(p, g);
    }
}

/* Wakes the sleeping workers, unless they were signalled and have not all run since: a
 * woken thread the system has not yet run still counts as a sleeper, and signalling it
 * again on every call would cost each call a system call. */
/* A moving average, weighing the new sample a quarter (racing updates lose a sample). */
static void average_in(_Atomic uint64_t *average, double sample)
{
    const uint64_t old = atomic_load_explicit(average, memory_order_relaxed);
    atomic_store_explicit(average, (3 * old + (uint64_t)(sample > 0 ? sample : 0)) / 4,
                          memory_order_relaxed);
}

static void wake_all(struct leaky_pool *p)
{
    if (atomic_load(&p->sleepers) > 0 && !atomic_exchange(&p->signalled, true)) {
        const double start = now_ns();
        atomic_store_explicit(&p->signal_at, (uint64_t)start, memory_order_relaxed);
        atomic_store_explicit(&p->delay_pending, true, memory_order_relaxed);
        pthread_mutex_lock(&p->sleep_lock);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->sleep_lock);
        average_in(&p->wake_cost, now_ns() - start);
        atomic_store_explicit(&p->loop_ns, 0, memory_order_relaxed);
        atomic_fetch_add_explicit(&p->wakeups, 1, memory_order_relaxed);
    }
}

void leaky_pool_record_delay(struct leaky_pool *p, double ns)
{
    const uint64_t delay = (uint64_t)(ns > 0 ? ns : 0);
    const unsigned slot = atomic_fetch_add_explicit(&p->delay_next, 1, memory_order_relaxed);
    atomic_store_explicit(&p->delays[slot % DELAY_SAMPLES], delay, memory_order_relaxed);
    uint64_t v[DELAY_SAMPLES];
    for (size_t i = 0; i < DELAY_SAMPLES; i++) {
        const uint64_t d = atomic_load_explicit(&p->delays[i], memory_order_relaxed);
        size_t j = i;
        for (; j > 0 && v[j - 1] > d; j--)
            v[j] = v[j - 1];
        v[j] = d;
    }
    atomic_store_explicit(&p->wake_delay, v[DELAY_SAMPLES / 2], memory_order_relaxed);
}

double leaky_pool_wake_delay(struct leaky_pool *p)
{
    return (double)atomic_load_explicit(&p->wake_delay, memory_order_relaxed);
}

/* Takes in the delay of the last signal once a worker has taken it. */
static void note_delay(struct leaky_pool *p)
{
    if (!atomic_load_explicit(&p->delay_pending, memory_order_relaxed))
        return;
    const uint64_t sent = atomic_load_explicit(&p->signal_at, memory_order_relaxed),
                   woke = atomic_load_explicit(&p->woke_at, memory_order_relaxed);
    if (woke >= sent && atomic_exchange_explicit(&p->delay_pending, false, memory_order_relaxed))
        leaky_pool_record_delay(p, (double)(woke - sent));
}

/* After a call run on the caller's thread alone, from start to end: counts it into the
 * current loop of calls (looping: it followed the last one closely) or starts a new one. */
static void ran_alone(struct leaky_pool *p, double start, double end, bool looping, double grains)
{
    const uint64_t took = (uint64_t)(end - start);
    if (grains > 0)
        average_in(&p->grain_ns, (end - start) / grains);
    if (looping)
        atomic_fetch_add_explicit(&p->loop_ns, took, memory_order_relaxed);
    else
        atomic_store_explicit(&p->loop_ns, took, memory_order_relaxed);
    atomic_store_explicit(&p->last_end, (uint64_t)end, memory_order_relaxed);
}

struct leaky_pool *leaky_pool_create(size_t threads)
{
    const size_t nworkers = threads > 1 ? threads - 1 : 0;
    struct leaky_pool *p = calloc(1, sizeof *p + nworkers * sizeof(pthread_t));
    if (!p)
        return NULL;
    pthread_mutex_init(&p->run_lock, NULL);
    pthread_mutex_init(&p->sleep_lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    atomic_init(&p->wake_cost, WAKE_COST_GUESS_NS);
    atomic_init(&p->wake_delay, WAKE_DELAY_GUESS_NS);
    for (size_t i = 0; i < DELAY_SAMPLES; i++)
        atomic_init(&p->delays[i], WAKE_DELAY_GUESS_NS);
    /* As if a signal had just been sent: the first probe waits its turn like the others. */
    atomic_init(&p->signal_at, (uint64_t)now_ns());
    atomic_init(&p->grain_ns, GRAIN_NS_GUESS);
    atomic_init(&p->spin_ns, SPIN_NS);
    /* Workers take no signal sent to the process: the host's threads handle those, with
     * the masks it chose (a SIGTERM that landed on a worker while the caller had it
     * blocked ran the host's handler at a moment the host had ruled out). The signals of
     * a fault in the worker's own work stay open, for the host's handlers of them. */
    sigset_t all, old;
    sigfillset(&all);
    static const int faults[] = {SIGBUS, SIGSEGV, SIGFPE, SIGILL, SIGTRAP, SIGSYS};
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
        sigdelset(&all, faults[i]);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (; p->nworkers < nworkers; p->nworkers++)
        if (pthread_create(&p->workers[p->nworkers], NULL, worker, p) != 0)
            break;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (p->nworkers < nworkers) {
        leaky_pool_destroy(p);
        return NULL;
    }
    return p;
}

void leaky_pool_destroy(struct leaky_pool *p)
{
    if (!p)
        return;
    atomic_store(&p->stop, true);
    pthread_mutex_lock(&p->sleep_lock);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->sleep_lock);
    for (size_t i = 0; i < p->nworkers; i++)
        pthread_join(p->workers[i], NULL);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->sleep_lock);
    pthread_mutex_destroy(&p->run_lock);
    free(p);
}

void leaky_pool_forget(struct leaky_pool *p)
{
    /* In a child of fork its threads are gone and its locks may be held by threads that
     * no longer exist: destroying a condition variable with waiters that will never wake
     * hangs, so only the memory is given back. */
    free(p);
}

size_t leaky_pool_threads(const struct leaky_pool *p) { return p->nworkers + 1; }

size_t leaky_pool_asleep(struct leaky_pool *p) { return (size_t)atomic_load(&p->sleepers); }

size_t leaky_pool_wakeups(struct leaky_pool *p) { return (size_t)atomic_load(&p->wakeups); }

void leaky_pool_run(struct leaky_pool *p, size_t pieces, double grains, leaky_piece_fn *fn,
                    void *ctx)
{
    if (pieces == 0)
        return;
    const double start = now_ns();
    note_delay(p);
    const double gap = start - (double)atomic_load_explicit(&p->last_end, memory_order_relaxed);
    const bool looping = gap < LOOP_NS;
    if (gap >= SPIN_NS && gap < LINGER_NS)
        atomic_store_explicit(&p->near_miss, (uint64_t)start, memory_order_relaxed);
    /* Worth waking sleeping workers for: a job long enough alone, a loop of calls that has
     * run alone long enough to pay for it, or a probe of the delay (see PROBE_NS). */
    const double alone = grains * (double)atomic_load_explicit(&p->grain_ns, memory_order_relaxed);
    const bool wake =
        alone >=
            JOB_WAKE_FACTOR * (double)atomic_load_explicit(&p->wake_delay, memory_order_relaxed) ||
        (looping &&
         atomic_load_explicit(&p->loop_ns, memory_order_relaxed) >=
             LOOP_WAKE_FACTOR * atomic_load_explicit(&p->wake_cost, memory_order_relaxed)) ||
        (start - (double)atomic_load_explicit(&p->signal_at, memory_order_relaxed) >= PROBE_NS &&
         alone >= JOB_WAKE_FACTOR * (double)WAKE_DELAY_GUESS_NS);
    /* Busy with another caller's job, too many pieces to number, or every worker asleep
     * and the job too small to pay for waking one: run them here. */
    if (pieces > 0xffff || (!wake && atomic_load(&p->sleepers) == (int)p->nworkers) ||
        pthread_mutex_trylock(&p->run_lock) != 0) {
        for (size_t i = 0; i < pieces; i++)
            fn(ctx, i);
        ran_alone(p, start, now_ns(), looping, grains);
        return;
    }
    /* When the other cores are taken by other processes, a worker can be preempted while it
     * holds a piece, and the caller waits for it: if the last shared job kept the caller
     * waiting longer than it worked itself, one thread would have been faster, so run
     * alone for a while (1, 2, 4 ... 64 calls) before sharing again. */
    if (p->solo_left > 0) {
        p->solo_left--;
        pthread_mutex_unlock(&p->run_lock);
        for (size_t i = 0; i < pieces; i++)
            fn(ctx, i);
        ran_alone(p, start, now_ns(), looping, grains);
        return;
    }
    const uint32_t g = atomic_load_explicit(&p->generation, memory_order_relaxed) + 1;
    atomic_store_explicit(&p->fn, fn, memory_order_relaxed);
    atomic_store_explicit(&p->ctx, ctx, memory_order_relaxed);
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    atomic_store_explicit(&p->caller_cpu, sched_getcpu(), memory_order_relaxed);
    const bool linger = start - (double)atomic_load_explicit(&p->near_miss, memory_order_relaxed) <
                        LINGER_WINDOW_NS;
    atomic_store_explicit(&p->spin_ns, linger ? LINGER_NS : SPIN_NS, memory_order_relaxed);
    atomic_store_explicit(&p->claim, (uint64_t)g << 32 | (uint64_t)pieces << 16,
                          memory_order_release);
    atomic_store(&p->generation, g);
    if (wake)
        wake_all(p);
    const double started = now_ns();
    work(p, g);
    const double worked = now_ns();
    /* The others' pieces are running (they were claimed): wait, yielding now and then in
     * case the thread running one was preempted and needs this core. */
    for (unsigned i = 1; atomic_load_explicit(&p->done, memory_order_acquire) < pieces; i++) {
        cpu_relax();
        if (i % 4096 == 0)
            sched_yield();
    }
    const double end = now_ns();
    atomic_store_explicit(&p->last_end, (uint64_t)end, memory_order_relaxed);
    if (end - worked > worked - started) {
        p->solo_left = p->backoff ? p->backoff : 1;
        p->backoff = p->solo_left < 64 ? 2 * p->solo_left : 64;
    } else {
        p->backoff = 0;
    }
    pthread_mutex_unlock(&p->run_lock);
}
