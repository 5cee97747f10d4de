/* SPDX-License-Identifier: MIT */
/* The thread pool under what host programs do: fork with the pool asleep, spinning or
 * busy with another thread's call (each child checks its results and resizes, under an
 * alarm, so a deadlock fails instead of hanging); the thread count and the CPU path
 * changed while other threads call; leaky_shutdown, after which the library still works;
 * the host's own pool in place of the library's, set and unset while other threads call;
 * dlopen, a large call and dlclose in a loop (a worker left running would execute
 * unmapped code); and a large call then exit, for valgrind.
 * Usage: test_pool_life fork-asleep | fork-spinning | fork-busy | setters | shutdown |
 *        host-pool | exit | dlopen path/to/libleaky.so */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

/* Large enough to be split over 4 threads (leaky.h: 128 KiB written a thread). */
enum { N = 1 << 18, FORKS = 200, DLOPENS = 50 };

static float *input;

static void fill(void)
{
    input = malloc(N * sizeof *input);
    for (size_t i = 0; i < N; i++)
        input[i] = (float)((int)(mix((uint32_t)i) % 2001) - 1000) / 7.0f;
}

typedef leaky_status relu_fn(const float *, float *, size_t, float);

/* One large call, checked against the rule y = x > 0 ? x : slope * x; returns whether every
 * bit matched. */
static bool large_call_right(relu_fn *relu, float *y, float slope)
{
    if (relu(input, y, N, slope) != LEAKY_OK)
        return false;
    for (size_t i = 0; i < N; i++) {
        const float want = input[i] > 0 ? input[i] : slope * input[i];
        if (bits_of(y[i]) != bits_of(want))
            return false;
    }
    return true;
}

/* The threads of this process, from /proc. */
static int threads_now(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int count = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        count += e->d_name[0] != '.';
    closedir(d);
    return count;
}

static void pause_ms(long ms)
{
    struct timespec t = {ms / 1000, ms % 1000 * 1000000L};
    nanosleep(&t, NULL);
}

/* ------------------------------------------------------------------- fork */

static atomic_bool stop_calling, calling;
/* The other thread's output, global: a child of fork has no such thread, and the buffer
 * must stay reachable there for LeakSanitizer. */
static float *other_y;

static void *keep_calling(void *arg)
{
    bool right = true;
    while (!atomic_load(&stop_calling)) {
        right &= large_call_right(leaky_relu_f32, other_y, 0.125f);
        atomic_store(&calling, true);
    }
    *(bool *)arg = right;
    return NULL;
}

/* The child: a large call on the pool it inherited (none), a resize and another; killed
 * by the alarm if it deadlocks. Exits through exit(), so its own pool is joined too. */
static void child(void)
{
    alarm(10);
    float *y = malloc(N * sizeof *y);
    bool right = large_call_right(leaky_relu_f32, y, 0.01f);
    right &= leaky_set_num_threads(3) == LEAKY_OK;
    right &= large_call_right(leaky_relu_f32, y, 0.5f);
    right &= leaky_set_num_threads(2) == LEAKY_OK;
    right &= large_call_right(leaky_relu_f32, y, -2.0f);
    exit(right ? 0 : 1);
}

/* Whether every thread of this process but the caller sleeps (state S in /proc). */
static bool others_asleep(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return false;
    bool asleep = true;
    for (struct dirent *e; asleep && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.' || atoi(e->d_name) == gettid())
            continue;
        char path[300], stat[512] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        const size_t got = f ? fread(stat, 1, sizeof stat - 1, f) : 0;
        if (f)
            fclose(f);
        const char *state = got > 0 ? strrchr(stat, ')') : NULL;
        asleep = state && state[1] == ' ' && state[2] == 'S';
    }
    closedir(d);
    return asleep;
}

static void fork_loop(const char *mode)
{
    leaky_set_num_threads(4);
    float *y = malloc(N * sizeof *y);
    CHECK(large_call_right(leaky_relu_f32, y, 0.01f), "the parent's first large call");
    /* Forks only once the threads made so far have started: a thread starting under
     * AddressSanitizer allocates (pthread_getattr_np), under the sanitizer's allocator
     * locks, which GCC 12's runtime does not take around fork; a child forked meanwhile
     * inherits one held, its own pool's workers block on it as they start, and the child
     * hangs joining them (seen in 1 of some 2,000 children on a loaded machine).  The
     * pool's workers have started once they sleep; the other thread once it has called. */
    bool asleep = others_asleep();
    for (int i = 0; i < 10000 && !asleep; i++) {
        pause_ms(1);
        asleep = others_asleep();
    }
    CHECK(asleep, "the pool's workers asleep before the forks");
    pthread_t other;
    bool other_right = true;
    const bool busy = strcmp(mode, "fork-busy") == 0;
    if (busy) {
        other_y = malloc(N * sizeof *other_y);
        pthread_create(&other, NULL, keep_calling, &other_right);
        while (!atomic_load(&calling))
            pause_ms(1);
    }
    int failures = 0, hangs = 0;
    for (int f = 0; f < FORKS; f++) {
        if (strcmp(mode, "fork-spinning") == 0)
            large_call_right(leaky_relu_f32, y, 0.25f); /* workers spin for 100 us after */
        else if (!busy)
            pause_ms(1); /* past the spin: workers asleep */
        const pid_t pid = fork();
        if (pid == 0)
            child();
        int status = 0;
        CHECK(pid > 0 && waitpid(pid, &status, 0) == pid, "fork %d", f);
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
            hangs++;
        else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failures++;
    }
    if (busy) {
        atomic_store(&stop_calling, true);
        pthread_join(other, NULL);
        CHECK(other_right, "the other thread's calls during the forks");
        free(other_y);
    }
    CHECK(hangs == 0, "%s: %d of %d children hung", mode, hangs, FORKS);
    CHECK(failures == 0, "%s: %d of %d children got wrong bits or crashed", mode, failures, FORKS);
    CHECK(large_call_right(leaky_relu_f32, y, 0.01f), "the parent after the forks");
    free(y);
}

/* ---------------------------------------------------------------- setters */

static void *call_and_check(void *arg)
{
    float *y = malloc(N * sizeof *y);
    int wrong = 0;
    for (int i = 0; !atomic_load(&stop_calling); i++)
        wrong += !large_call_right(leaky_relu_f32, y, i % 2 ? 0.01f : 3.0f);
    free(y);
    *(int *)arg = wrong;
    return NULL;
}

/* Three threads call while this one changes the count, the path and shuts the pool down:
 * every result stays right, nothing crashes (ThreadSanitizer: no race). */
static void setters(void)
{
    enum { CALLERS = 3 };
    leaky_isa isas[LEAKY_ISA_COUNT];
    const int nisas = test_isas(isas);
    pthread_t callers[CALLERS];
    int wrong[CALLERS];
    for (int t = 0; t < CALLERS; t++)
        pthread_create(&callers[t], NULL, call_and_check, &wrong[t]);
    for (int i = 0; i < 400; i++) {
        CHECK(leaky_set_num_threads((size_t)(i % 4) + 1) == LEAKY_OK, "set_num_threads");
        CHECK(leaky_set_isa(isas[i % nisas]) == LEAKY_OK, "set_isa");
        if (i % 50 == 49)
            leaky_shutdown();
        pause_ms(1);
    }
    atomic_store(&stop_calling, true);
    for (int t = 0; t < CALLERS; t++) {
        pthread_join(callers[t], NULL);
        CHECK(wrong[t] == 0, "caller %d: %d calls with wrong bits", t, wrong[t]);
    }
    leaky_set_isa(leaky_isa_best());
}

/* -------------------------------------------------------------- host pool */

/* A host program's pool as leaky.h describes one: `threads` threads, the caller's
 * included, take task indices from a counter (started for each run, which a real pool
 * would not do). It counts its runs and tasks, and can hold a run open (slow_ms). */
struct host_pool {
    int threads, slow_ms;
    atomic_int runs, running;
    atomic_bool miscounted;
};
struct host_job {
    leaky_task_fn *task;
    void *context;
    size_t count;
    atomic_size_t next, done;
};

static void *host_worker(void *arg)
{
    struct host_job *job = arg;
    for (size_t i; (i = atomic_fetch_add(&job->next, 1)) < job->count;) {
        job->task(job->context, i);
        atomic_fetch_add(&job->done, 1);
    }
    return NULL;
}

static void host_run(void *pool, leaky_task_fn *task, void *context, size_t count)
{
    struct host_pool *h = pool;
    atomic_fetch_add(&h->runs, 1);
    atomic_fetch_add(&h->running, 1);
    struct host_job job = {task, context, count, 0, 0};
    pthread_t others[8];
    const int n = h->threads - 1 < 8 ? h->threads - 1 : 8;
    for (int t = 0; t < n; t++)
        pthread_create(&others[t], NULL, host_worker, &job);
    host_worker(&job);
    for (int t = 0; t < n; t++)
        pthread_join(others[t], NULL);
    if (atomic_load(&job.done) != count)
        atomic_store(&h->miscounted, true);
    pause_ms(h->slow_ms);
    atomic_fetch_sub(&h->running, 1);
}

/* PReLU's slope gradient over N elements (64 channels): a sum over the blocks that the
 * pieces compute, whose bits must not depend on who runs them. */
static void slope_gradient(float dw[64])
{
    float *dx = malloc(N * sizeof *dx), w[64];
    for (int c = 0; c < 64; c++)
        w[c] = 0.01f * (float)c;
    CHECK(leaky_prelu_backward_f32(input, input, dx, dw, N / (64 * 256), 64, 256, w, 64) ==
              LEAKY_OK,
          "prelu backward: %s", leaky_last_error());
    free(dx);
}

static void *call_on_held_pool(void *arg)
{
    float *y = malloc(N * sizeof *y);
    *(bool *)arg = large_call_right(leaky_relu_f32, y, 0.01f);
    free(y);
    return NULL;
}

/* Large calls on the host's pool: every task run once, the same bits as the library's own
 * pool (a reduction's too), the count the host gave; bad counts refused; a replaced pool
 * left alone once the setter returns, even while another thread's call runs on it; and
 * calls from three threads while this one swaps pools (ThreadSanitizer: no race). */
static void host_pool(void)
{
    float *y = malloc(N * sizeof *y), own[64], hosted[64], one[64];
    leaky_set_num_threads(2);
    slope_gradient(own);
    leaky_set_num_threads(1);
    slope_gradient(one);
    leaky_set_num_threads(2);

    struct host_pool h = {.threads = 3};
    CHECK(leaky_set_thread_pool(host_run, &h, 3) == LEAKY_OK, "set: %s", leaky_last_error());
    CHECK(leaky_get_num_threads() == 3, "threads on the host's pool: %zu", leaky_get_num_threads());
    CHECK(large_call_right(leaky_relu_f32, y, 0.01f), "a call on the host's pool");
    slope_gradient(hosted);
    CHECK(atomic_load(&h.runs) >= 2, "the host's pool ran %d jobs", atomic_load(&h.runs));
    CHECK(!atomic_load(&h.miscounted), "a task left out or run twice");
    CHECK(memcmp(hosted, own, sizeof own) == 0 && memcmp(hosted, one, sizeof one) == 0,
          "the slope gradient's bits differ on the host's pool");

    CHECK(leaky_set_thread_pool(host_run, &h, 0) == LEAKY_EINVAL, "threads 0 accepted");
    CHECK(strstr(leaky_last_error(), "threads is 0") != NULL, "message: %s", leaky_last_error());
    CHECK(leaky_set_thread_pool(host_run, &h, 1025) == LEAKY_EINVAL, "threads 1025 accepted");
    CHECK(leaky_get_num_threads() == 3, "a refused setting changed the count");

    CHECK(leaky_set_thread_pool(NULL, NULL, 0) == LEAKY_OK, "back to the library's pool");
    CHECK(leaky_get_num_threads() == 2, "the library's count after the host's: %zu",
          leaky_get_num_threads());
    const int runs = atomic_load(&h.runs);
    CHECK(large_call_right(leaky_relu_f32, y, 0.01f), "a call on the library's pool");
    CHECK(atomic_load(&h.runs) == runs, "a call went to the host's pool after it was unset");

    /* Replaced while a call runs on it: the setter returns after that call's run. */
    struct host_pool slow = {.threads = 2, .slow_ms = 200};
    CHECK(leaky_set_thread_pool(host_run, &slow, 2) == LEAKY_OK, "set the slow pool");
    bool right = false;
    pthread_t caller;
    pthread_create(&caller, NULL, call_on_held_pool, &right);
    for (int i = 0; i < 2000 && atomic_load(&slow.running) == 0; i++)
        pause_ms(1);
    CHECK(atomic_load(&slow.running) == 1, "the other thread's call never reached the pool");
    CHECK(leaky_set_thread_pool(NULL, NULL, 0) == LEAKY_OK, "replace the slow pool");
    CHECK(atomic_load(&slow.running) == 0, "the setter returned while the pool it replaced ran");
    pthread_join(caller, NULL);
    CHECK(right, "the call on the replaced pool");

    enum { CALLERS = 3 };
    pthread_t callers[CALLERS];
    int wrong[CALLERS];
    atomic_store(&stop_calling, false);
    for (int t = 0; t < CALLERS; t++)
        pthread_create(&callers[t], NULL, call_and_check, &wrong[t]);
    for (int i = 0; i < 200; i++) {
        if (i % 2)
            CHECK(leaky_set_thread_pool(NULL, NULL, 0) == LEAKY_OK, "unset");
        else
            CHECK(leaky_set_thread_pool(host_run, &h, 2 + i % 3) == LEAKY_OK, "set");
        pause_ms(1);
    }
    atomic_store(&stop_calling, true);
    for (int t = 0; t < CALLERS; t++) {
        pthread_join(callers[t], NULL);
        CHECK(wrong[t] == 0, "caller %d: %d calls with wrong bits", t, wrong[t]);
    }
    CHECK(!atomic_load(&h.miscounted), "a task left out or run twice");
    leaky_set_thread_pool(NULL, NULL, 0);
    free(y);
}

/* --------------------------------------------------------------- shutdown */

/* The thread count once it reaches want, or what it is after 2 s: a joined thread can stay
 * listed in /proc for a moment after pthread_join returns (the kernel wakes the joiner as
 * the thread exits, before it is released). */
static int threads_settled(int want)
{
    int now = threads_now();
    for (int i = 0; i < 2000 && now != want; i++) {
        pause_ms(1);
        now = threads_now();
    }
    return now;
}

static void shutdown_and_go_on(void)
{
    leaky_set_num_threads(4);
    float *y = malloc(N * sizeof *y);
    /* The count without the pool, taken after a first pool has come and gone: a
     * sanitizer's own thread starts with the first thread the program makes. */
    CHECK(large_call_right(leaky_relu_f32, y, 0.01f), "the first call");
    leaky_shutdown();
    const int alone = threads_now();
    for (int round = 0; round < 20; round++) {
        CHECK(large_call_right(leaky_relu_f32, y, 0.01f), "round %d: the call", round);
        int now = threads_settled(alone + 3);
        CHECK(now == alone + 3, "round %d: %d threads with the pool, expected %d", round, now,
              alone + 3);
        leaky_shutdown();
        now = threads_settled(alone);
        CHECK(now == alone, "round %d: %d threads after leaky_shutdown, expected %d", round, now,
              alone);
    }
    leaky_shutdown(); /* twice, and with no pool: nothing to do */
    CHECK(threads_settled(alone) == alone, "a second shutdown");
    free(y);
}

/* ----------------------------------------------------------------- dlopen */

static void dlopen_loop(const char *path)
{
    float *y = malloc(N * sizeof *y);
    for (int round = 0; round < DLOPENS; round++) {
        void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        CHECK(lib != NULL, "dlopen %s: %s", path, dlerror());
        if (!lib)
            break;
        leaky_status (*set_threads)(size_t) =
            (leaky_status(*)(size_t))dlsym(lib, "leaky_set_num_threads");
        relu_fn *relu = (relu_fn *)dlsym(lib, "leaky_relu_f32");
        CHECK(set_threads && relu, "the library's symbols");
        if (set_threads && relu) {
            set_threads(8);
            CHECK(large_call_right(relu, y, 0.01f), "round %d: the call", round);
        }
        CHECK(dlclose(lib) == 0, "dlclose: %s", dlerror());
    }
    pause_ms(20); /* a worker left behind would now run unmapped code */
    free(y);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    fill();
    if (strncmp(mode, "fork-", 5) == 0) {
        fork_loop(mode);
    } else if (strcmp(mode, "setters") == 0) {
        setters();
    } else if (strcmp(mode, "shutdown") == 0) {
        shutdown_and_go_on();
    } else if (strcmp(mode, "host-pool") == 0) {
        host_pool();
    } else if (strcmp(mode, "exit") == 0) {
        float *y = malloc(N * sizeof *y);
        leaky_set_num_threads(4);
        CHECK(large_call_right(leaky_relu_f32, y, 0.01f), "the call");
        free(y);
    } else if (strcmp(mode, "dlopen") == 0 && argc > 2) {
        dlopen_loop(argv[2]);
    } else {
        fprintf(stderr,
                "usage: test_pool_life fork-asleep|fork-spinning|fork-busy|setters|shutdown|"
                "host-pool|exit|dlopen LIB\n");
        return 2;
    }
    free(input);
    return test_finish(mode);
}
