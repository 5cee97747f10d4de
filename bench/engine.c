/* SPDX-License-Identifier: MIT */
/* leaky bench: times leaky against memcpy and a non-temporal copy (and, in
 * bench/leaky-bench-peers, against XNNPACK, oneDNN, PyTorch and numpy), in one run,
 * alternating between them so that the machine's drift hits all alike. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, strtok_r, posix_memalign */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "engine.h"
#include "chart.h"
#include "activation.h"
#include "cmdline.h"
#include "outfile.h"
#include "leaky.h"

double bench_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* ------------------------------------------------------------ built-in implementations */

static bool always(const struct bench_case *c)
{
    (void)c;
    return true;
}

static bool copy_case(const struct bench_case *c)
{
    return c->op == BENCH_FORWARD && !c->in_place && c->threads == 1;
}

static bool no_setup(const struct bench_case *c, void **state)
{
    (void)c;
    *state = NULL;
    return true;
}

static void no_release(void *state) { (void)state; }

static bool leaky_setup(const struct bench_case *c, void **state)
{
    *state = NULL;
    if (leaky_set_num_threads(c->threads) != LEAKY_OK) {
        fprintf(stderr, "leaky: bench: %s\n", leaky_last_error());
        return false;
    }
    return true;
}

double bench_leaky_time(void *state, const struct bench_case *c, size_t calls)
{
    (void)state;
    /* The count is global to the library: set it again in case another case changed it. */
    leaky_set_num_threads(c->threads);
    leaky_status s = LEAKY_OK;
    const double t0 = bench_now_ns();
    if (c->op == BENCH_FORWARD)
        for (size_t i = 0; i < calls; i++)
            s |= leaky_relu_f32(c->x, c->y, c->n, c->slope);
    else
        for (size_t i = 0; i < calls; i++)
            s |= leaky_relu_backward_f32(c->x, c->g, c->y, c->n, c->slope);
    const double t = bench_now_ns() - t0;
    return s == LEAKY_OK ? t : NAN;
}

/* leaky on one thread, in the rows of a multi-threaded case: its samples alternate with
 * leaky's own on the same pauses and the same state of the machine, so the goal "2 threads
 * never slower than 1" compares like with like (the 1-thread rows run minutes apart, and a
 * shared machine's speed drifts between them). The pool is kept: a count of 1 runs on the
 * caller's thread without touching it. */
static bool several_threads(const struct bench_case *c) { return c->threads > 1; }

static double leaky_one_thread_time(void *state, const struct bench_case *c, size_t calls)
{
    const struct bench_case one = {c->op, c->in_place, 1, c->n, c->slope, c->x, c->g, c->y};
    const double t = bench_leaky_time(state, &one, calls);
    leaky_set_num_threads(c->threads);
    return t;
}

/* PReLU on the same arrays seen as channels last, rows of 64 channels with a
 * slope each (the backward computes the slope gradient too), and RReLU training (slopes
 * drawn forward, regenerated backward).  Not peers: rows beside leaky's. */
enum { PRELU_CHANNELS = 64 };

static bool prelu_supports(const struct bench_case *c) { return c->n % PRELU_CHANNELS == 0; }

static double prelu_time(void *state, const struct bench_case *c, size_t calls)
{
    (void)state;
    float w[PRELU_CHANNELS], dw[PRELU_CHANNELS];
    for (int k = 0; k < PRELU_CHANNELS; k++)
        w[k] = 0.25f + 0.001f * (float)k;
    leaky_set_num_threads(c->threads);
    const size_t rows = c->n / PRELU_CHANNELS;
    leaky_status s = LEAKY_OK;
    const double t0 = bench_now_ns();
    if (c->op == BENCH_FORWARD)
        for (size_t i = 0; i < calls; i++)
            s |= leaky_prelu_f32(c->x, c->y, rows, PRELU_CHANNELS, 1, w, PRELU_CHANNELS);
    else
        for (size_t i = 0; i < calls; i++)
            s |= leaky_prelu_backward_f32(c->x, c->g, c->y, dw, rows, PRELU_CHANNELS, 1, w,
                                          PRELU_CHANNELS);
    const double t = bench_now_ns() - t0;
    return s == LEAKY_OK ? t : NAN;
}

static double rrelu_time(void *state, const struct bench_case *c, size_t calls)
{
    (void)state;
    leaky_set_num_threads(c->threads);
    leaky_status s = LEAKY_OK;
    const double t0 = bench_now_ns();
    if (c->op == BENCH_FORWARD)
        for (size_t i = 0; i < calls; i++)
            s |= leaky_rrelu_train_f32(c->x, c->y, c->n, LEAKY_RRELU_DEFAULT_LOWER,
                                       LEAKY_RRELU_DEFAULT_UPPER, i, NULL);
    else
        for (size_t i = 0; i < calls; i++)
            s |= leaky_rrelu_backward_f32(c->x, c->g, c->y, c->n, LEAKY_RRELU_DEFAULT_LOWER,
                                          LEAKY_RRELU_DEFAULT_UPPER, i);
    const double t = bench_now_ns() - t0;
    return s == LEAKY_OK ? t : NAN;
}

static double memcpy_time(void *state, const struct bench_case *c, size_t calls)
{
    (void)state;
    const double t0 = bench_now_ns();
    for (size_t i = 0; i < calls; i++) {
        memcpy(c->y, c->x, c->n * sizeof(float));
        /* Keep the compiler from merging the copies. */
        __asm__ volatile("" ::"r"(c->y) : "memory");
    }
    return bench_now_ns() - t0;
}

/* The plain C loop a program would write instead of calling leaky, as the compiler
 * makes it (vectorized for the build's baseline ISA); one thread. */
static bool loop_supports(const struct bench_case *c) { return c->threads == 1; }

/* gcc vectorizes the select only when a multiply may run where the program did not ask
 * for it, i.e. without floating-point traps (clang's default). */
#if defined(__GNUC__) && !defined(__clang__)
#define PLAIN_LOOP_FLAGS __attribute__((optimize("no-trapping-math")))
#else
#define PLAIN_LOOP_FLAGS
#endif
PLAIN_LOOP_FLAGS static double loop_time(void *state, const struct bench_case *c, size_t calls)
{
    (void)state;
    const float a = c->slope;
    const double t0 = bench_now_ns();
    for (size_t i = 0; i < calls; i++) {
        float *restrict y = c->y;
        const float *x = c->x, *g = c->g;
        const size_t n = c->n;
        /* Both sides computed, then selected: a product only on one side is a branch
         * (the compiler may not multiply where the program did not, for the flags). */
        if (c->op == BENCH_FORWARD)
            for (size_t j = 0; j < n; j++) {
                const float v = x[j], scaled = a * v;
                y[j] = v > 0 ? v : scaled;
            }
        else
            for (size_t j = 0; j < n; j++) {
                const float v = g[j], scaled = a * v;
                y[j] = x[j] > 0 ? v : scaled;
            }
        __asm__ volatile("" ::"r"(y) : "memory");
    }
    return bench_now_ns() - t0;
}

#if defined(__x86_64__)
/* The floor for an out-of-place pass over an array larger than the caches: read, then
 * write around them, in the widest streamed stores the CPU has (on an AVX2 machine,
 * 16-byte ones took 1.05-1.17x the time of 32-byte ones from 1M to 64M elements).  One
 * body for each width. */
#define NT_COPY(name, isa, lanes, load, stream)                                       \
    __attribute__((target(isa))) static void name(float *y, const float *x, size_t n) \
    {                                                                                 \
        size_t i = (64 - (uintptr_t)y % 64) % 64 / sizeof(float);                     \
        i = i < n ? i : n;                                                            \
        memcpy(y, x, i * sizeof(float));                                              \
        for (; i + 16 <= n; i += 16)                                                  \
            for (size_t k = 0; k < 16; k += (lanes))                                  \
                stream(y + i + k, load(x + i + k));                                   \
        _mm_sfence();                                                                 \
        memcpy(y + i, x + i, (n - i) * sizeof(float));                                \
    }
NT_COPY(nt_copy_avx512, "avx512f", 16, _mm512_loadu_ps, _mm512_stream_ps)
NT_COPY(nt_copy_avx2, "avx2", 8, _mm256_loadu_ps, _mm256_stream_ps)
#undef NT_COPY

static bool nt_supports(const struct bench_case *c)
{
    return copy_case(c) && leaky_isa_supported(LEAKY_ISA_AVX2);
}

static double nt_time(void *state, const struct bench_case *c, size_t calls)
{
    (void)state;
    void (*copy)(float *, const float *, size_t) =
        leaky_isa_supported(LEAKY_ISA_AVX512) ? nt_copy_avx512 : nt_copy_avx2;
    const double t0 = bench_now_ns();
    for (size_t i = 0; i < calls; i++)
        copy(c->y, c->x, c->n);
    return bench_now_ns() - t0;
}
#endif

static const struct bench_impl builtins[] = {
    {"leaky", false, always, leaky_setup, bench_leaky_time, no_release},
    {"leaky-1t", true, several_threads, leaky_setup, leaky_one_thread_time, no_release},
    {"prelu", true, prelu_supports, leaky_setup, prelu_time, no_release},
    {"rrelu", true, always, leaky_setup, rrelu_time, no_release},
    {"memcpy", true, copy_case, no_setup, memcpy_time, no_release},
    {"loop", true, loop_supports, no_setup, loop_time, no_release},
#if defined(__x86_64__)
    {"nt-copy", true, nt_supports, no_setup, nt_time, no_release},
#endif
};

/* ------------------------------------------------------------------ options */

static const char *const case_names[] = {"forward", "forward-inplace", "backward",
                                         "backward-inplace"};
enum { NCASES = 4, MAX_SIZES = 16, MAX_THREADS_LIST = 4, MAX_IMPLS = 24, PIPELINE_CALLS = 8 };

struct options {
    size_t sizes[MAX_SIZES], nsizes;
    size_t threads[MAX_THREADS_LIST], nthreads;
    bool cases[NCASES];
    unsigned reps;
    double sample_ns;
    long gap_ns;
    size_t evict_bytes; /* --pipeline: bytes of other buffers written before each call */
    float slope;
    const char *csv, *png;
};

/* "256", "4K", "16M": a count with an optional binary suffix. */
static bool parse_count(const char *text, size_t *value)
{
    char *end;
    errno = 0;
    if (*text < '0' || *text > '9')
        return false;
    unsigned long long v = strtoull(text, &end, 10);
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10, end++;
    else if (*end == 'M' || *end == 'm')
        shift = 20, end++;
    else if (*end == 'G' || *end == 'g')
        shift = 30, end++;
    if (*end != '\0' || errno != 0 || v == 0 || v > (SIZE_MAX >> 36))
        return false;
    *value = (size_t)(v << shift);
    return true;
}

static bool parse_list(const char *option, const char *text, size_t *out, size_t *count, size_t max,
                       size_t limit)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    *count = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        size_t v;
        if (*count == max || !parse_count(tok, &v) || v > limit) {
            cli_error(EXIT_USAGE,
                      "bench: %s %s: expected up to %zu comma-separated counts "
                      "from 1 to %zu (K and M suffixes allowed), such as 256,4K,1M",
                      option, text, max, limit);
            return false;
        }
        out[(*count)++] = v;
    }
    if (*count == 0)
        return cli_error(EXIT_USAGE, "bench: %s: empty list", option), false;
    return true;
}

static bool parse_cases(const char *text, bool *cases)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    memset(cases, 0, NCASES * sizeof *cases);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        int k = 0;
        while (k < NCASES && strcmp(tok, case_names[k]) != 0)
            k++;
        if (k == NCASES) {
            cli_error(EXIT_USAGE,
                      "bench: --cases %s: '%s' is not a case; expected some of "
                      "forward, forward-inplace, backward, backward-inplace",
                      text, tok);
            return false;
        }
        cases[k] = true;
    }
    return true;
}

static void usage(const char *program, bool peers)
{
    printf("usage: %s [OPTIONS]\n"
           "\n"
           "Times leaky_relu_f32 and leaky_relu_backward_f32 against memcpy, the plain C loop\n"
           "and a non-temporal copy%s, alternating between them,\n"
           "with PReLU (64 channels last, slope gradient included) and RReLU training beside\n"
           "them (columns prelu and rrelu, not peers), and in the rows of 2 threads or\n"
           "more leaky on 1 thread (column leaky-1t, the goals' 1-thread time there),\n"
           "and prints the median and minimum ns per element, GB/s (8 bytes per element\n"
           "forward, 12 backward) and the ratio to the fastest peer, then leaky's goals,\n"
           "each met or missed (ratios to the fastest peer, memcpy, the non-temporal copy,\n"
           "1 thread, or PReLU's forward).\n"
           "Timings on a shared machine are noisy: compare ratios within one run.\n"
           "\n"
           "options:\n"
           "      --sizes LIST    element counts (default 256,4K,64K,1M,16M,64M)\n"
           "  -j, --threads LIST  thread counts (default 1,2)\n"
           "  -c, --cases LIST    forward,forward-inplace,backward,backward-inplace (default\n"
           "                      all)\n"
           "      --reps N        timed samples per implementation and case (default 21)\n"
           "      --sample-us US  the least time of one sample (default 500)\n"
           "      --gap-ms MS     pause before each multi-threaded sample, for the previous\n"
           "                      implementation's spinning threads to sleep (default 40)\n"
           "      --pipeline MB   time each call after MB megabytes of other buffers are\n"
           "                      written, as an activation follows a matrix product (its\n"
           "                      input and output no longer in the nearest caches); 0: calls\n"
           "                      back to back (default)\n"
           "  -a, --activation SPEC  leaky:A, Leaky ReLU with slope A (the one bench times)\n"
           "  -s, --slope A, --negative-slope A\n"
           "                      the same as --activation leaky:A (default 0.01)\n"
           "      --csv FILE      also write every result as CSV\n"
           "      --chart FILE    draw the forward pass's ns per element against size,\n"
           "                      log-log (.png, .svg or .pdf)\n"
           "  -h, --help          this text\n",
           program, peers ? ", XNNPACK, oneDNN, PyTorch and numpy" : "");
}

static int parse_options(const char *program, int argc, char **argv, struct options *o, bool peers)
{
    static const struct option long_options[] = {{"sizes", required_argument, NULL, 'z'},
                                                 {"threads", required_argument, NULL, 'j'},
                                                 {"cases", required_argument, NULL, 'c'},
                                                 {"reps", required_argument, NULL, 'r'},
                                                 {"sample-us", required_argument, NULL, 'u'},
                                                 {"activation", required_argument, NULL, 'a'},
                                                 {"slope", required_argument, NULL, 's'},
                                                 {"negative-slope", required_argument, NULL, 's'},
                                                 {"csv", required_argument, NULL, 'o'},
                                                 {"chart", required_argument, NULL, 'p'},
                                                 {"gap-ms", required_argument, NULL, 'g'},
                                                 {"pipeline", required_argument, NULL, 'P'},
                                                 {"help", no_argument, NULL, 'h'},
                                                 {0}};
    static const size_t default_sizes[] = {256, 4096, 65536, 1u << 20, 1u << 24, 1u << 26};
    *o = (struct options){.nsizes = 6,
                          .threads = {1, 2},
                          .nthreads = 2,
                          .cases = {true, true, true, true},
                          .reps = 21,
                          .sample_ns = 5e5,
                          .gap_ns = 40000000,
                          .slope = 0.01f};
    memcpy(o->sizes, default_sizes, sizeof default_sizes);
    int opt;
    bool seen[128] = {false}, act_given = false;
    cli_activation act;
    cli_activation_default(&act);
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":a:s:j:c:h", long_options, NULL)) != -1) {
        size_t v;
        /* Leaky ReLU is what bench times: --slope A, or --activation leaky:A. */
        if (opt == 'a' || opt == 's') {
            const bool ok = cli_activation_once("bench", opt, optarg, &act, &act_given);
            const bool leaky = act.kind == CLI_ACT_LEAKY;
            o->slope = act.slope_f32;
            cli_activation_free(&act);
            if (!ok)
                return EXIT_USAGE;
            if (!leaky)
                return cli_error(EXIT_USAGE, "bench: %s: bench times Leaky ReLU; give leaky:A",
                                 act.given);
            continue;
        }
        /* Every option takes one value. */
        if (opt > 0 && opt < 128 && opt != 'h' && opt != '?' && opt != ':' &&
            !cli_option_once("bench", cli_option_name(long_options, opt), &seen[opt]))
            return EXIT_USAGE;
        switch (opt) {
        case 'z':
            if (!parse_list("--sizes", optarg, o->sizes, &o->nsizes, MAX_SIZES, (size_t)1 << 30))
                return EXIT_USAGE;
            break;
        case 'j':
            if (!parse_list("--threads", optarg, o->threads, &o->nthreads, MAX_THREADS_LIST, 1024))
                return EXIT_USAGE;
            break;
        case 'c':
            if (!parse_cases(optarg, o->cases))
                return EXIT_USAGE;
            break;
        case 'r':
            if (!parse_count(optarg, &v) || v > 100000)
                return cli_error(EXIT_USAGE,
                                 "bench: --reps %s: expected a count from 1 to "
                                 "100000",
                                 optarg);
            o->reps = (unsigned)v;
            break;
        case 'u':
            if (!parse_count(optarg, &v) || v > 10000000)
                return cli_error(EXIT_USAGE,
                                 "bench: --sample-us %s: expected microseconds "
                                 "from 1 to 10000000",
                                 optarg);
            o->sample_ns = (double)v * 1e3;
            break;
        case 'g':
            if (strcmp(optarg, "0") == 0)
                v = 0;
            else if (!parse_count(optarg, &v) || v > 999)
                return cli_error(EXIT_USAGE,
                                 "bench: --gap-ms %s: expected milliseconds from "
                                 "0 to 999",
                                 optarg);
            o->gap_ns = (long)v * 1000000;
            break;
        case 'P':
            if (strcmp(optarg, "0") == 0)
                v = 0;
            else if (!parse_count(optarg, &v) || v > 1024)
                return cli_error(EXIT_USAGE,
                                 "bench: --pipeline %s: expected megabytes from 0 to 1024", optarg);
            o->evict_bytes = v << 20;
            break;
        case 'o': o->csv = optarg; break;
        case 'p':
            if (chart_format_of(optarg) == CHART_FORMAT_NONE)
                return cli_error(EXIT_USAGE,
                                 "bench: --chart %s: expected a file name ending "
                                 "in .png, .svg or .pdf",
                                 optarg);
            o->png = optarg;
            break;
        case 'h': usage(program, peers); return -1;
        default: return cli_bad_option("bench", opt, argv, optind);
        }
    }
    if (optind < argc)
        return cli_error(EXIT_USAGE, "bench: unexpected argument '%s'", argv[optind]);
    return EXIT_OK;
}

/* ------------------------------------------------------------------ the run */

struct result {
    int kase;
    size_t threads, n;
    const char *impl;
    bool baseline;
    double median, min; /* ns per call */
    size_t calls;
};

static struct result *results;
static size_t nresults, results_cap;

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double bytes_per_element(int kase) { return kase >= 2 ? 12.0 : 8.0; }

static const struct result *find(int kase, size_t threads, size_t n, const char *impl)
{
    for (size_t i = 0; i < nresults; i++)
        if (results[i].kase == kase && results[i].threads == threads && results[i].n == n &&
            strcmp(results[i].impl, impl) == 0)
            return &results[i];
    return NULL;
}

/* The fastest peer's median for a case (NULL when no peer ran it). */
static const struct result *best_peer(int kase, size_t threads, size_t n)
{
    const struct result *best = NULL;
    for (size_t i = 0; i < nresults; i++) {
        const struct result *r = &results[i];
        if (r->kase == kase && r->threads == threads && r->n == n && !r->baseline &&
            strcmp(r->impl, "leaky") != 0 && (!best || r->median < best->median))
            best = r;
    }
    return best;
}

static void add_result(struct result r)
{
    if (nresults == results_cap) {
        results_cap = results_cap ? 2 * results_cap : 64;
        struct result *grown = realloc(results, results_cap * sizeof *grown);
        if (!grown) {
            fprintf(stderr, "leaky: bench: out of memory\n");
            exit(EXIT_FAILURE_);
        }
        results = grown;
    }
    results[nresults++] = r;
}

static void fill_input(float *p, size_t n, uint32_t seed)
{
    /* Half negative, so both sides of the select are taken; no NaN or denormals. */
    uint32_t s = seed;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        p[i] = (float)((int32_t)(s >> 8) - (1 << 23)) / (float)(1 << 23);
    }
}

static float *alloc_floats(size_t n)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, (n ? n : 1) * sizeof(float)) != 0)
        return NULL;
    return p;
}

static uint64_t shuffle_state = 1;

/* --pipeline: the other work between two calls, a pass writing bytes of a buffer of its
 * own (kept from one call to the next), which takes the caches from the call's arrays. */
static void other_work(size_t bytes)
{
    static unsigned char *buffer;
    static size_t size;
    static unsigned char fill;
    if (size < bytes) {
        free(buffer);
        buffer = malloc(bytes);
        size = buffer ? bytes : 0;
    }
    if (buffer)
        memset(buffer, ++fill, bytes);
    __asm__ volatile("" ::"r"(buffer) : "memory");
}

/* One sample's ns per call: `calls` calls back to back, or, in the pipeline mode, each
 * after the other work, only the calls timed. */
static double sample(const struct options *o, const struct bench_impl *impl, void *state,
                     const struct bench_case *c, size_t calls, float *refreshed,
                     const float *pristine)
{
    if (o->evict_bytes == 0) {
        if (refreshed)
            memcpy(refreshed, pristine, c->n * sizeof(float));
        return impl->time(state, c, calls) / (double)calls;
    }
    double total = 0;
    for (size_t i = 0; i < calls; i++) {
        if (refreshed)
            memcpy(refreshed, pristine, c->n * sizeof(float));
        other_work(o->evict_bytes);
        total += impl->time(state, c, 1);
    }
    return total / (double)calls;
}

/* One case at one size: every implementation that supports it, samples alternating. */
static void run_case(const struct options *o, struct bench_case *c, int kase,
                     const struct bench_impl *impls, size_t nimpls, const float *x0,
                     const float *g0)
{
    const struct bench_impl *run[MAX_IMPLS];
    void *state[MAX_IMPLS];
    size_t calls[MAX_IMPLS], nrun = 0;
    double *samples = malloc((size_t)o->reps * MAX_IMPLS * sizeof(double));
    if (!samples)
        return;
    float *refreshed = c->in_place ? (c->op == BENCH_FORWARD ? c->x : c->g) : NULL;
    const float *pristine = c->op == BENCH_FORWARD ? x0 : g0;
    for (size_t k = 0; k < nimpls && nrun < MAX_IMPLS; k++) {
        if (!impls[k].supports(c) || !impls[k].setup(c, &state[nrun]))
            continue;
        /* A warm-up call (page faults, pools), then as many calls as fill one sample. */
        if (refreshed)
            memcpy(refreshed, pristine, c->n * sizeof(float));
        double t = impls[k].time(state[nrun], c, 1);
        t = impls[k].time(state[nrun], c, 1);
        if (!(t >= 0)) {
            fprintf(stderr, "leaky: bench: %s failed on %s n=%zu\n", impls[k].name,
                    case_names[kase], c->n);
            impls[k].release(state[nrun]);
            continue;
        }
        double want = o->sample_ns / (t > 1 ? t : 1);
        calls[nrun] = want < 1 ? 1 : want > 1e6 ? 1000000 : (size_t)want;
        /* Each call of the pipeline mode is timed alone, after a pass over megabytes. */
        if (o->evict_bytes > 0 && calls[nrun] > PIPELINE_CALLS)
            calls[nrun] = PIPELINE_CALLS;
        run[nrun++] = &impls[k];
    }
    const bool warm = bytes_per_element(kase) * (double)c->n <= 64.0 * (1 << 20);
    for (unsigned rep = 0; rep < o->reps; rep++) {
        /* A new order each round, so that none always follows the same one (the Python
         * peers' allocations, for one, slow down whatever runs right after them). */
        size_t order[MAX_IMPLS];
        for (size_t j = 0; j < nrun; j++)
            order[j] = j;
        for (size_t j = nrun; j > 1; j--) {
            shuffle_state = shuffle_state * 6364136223846793005u + 1442695040888963407u;
            const size_t r = (size_t)(shuffle_state >> 33) % j, t = order[j - 1];
            order[j - 1] = order[r];
            order[r] = t;
        }
        for (size_t j = 0; j < nrun; j++) {
            const size_t k = order[j];
            /* Thread pools spin for a while after a call (pthreadpool ~30 ms, OpenMP a few):
             * let the previous one's settle, or they take the cores from this one. Busy,
             * not asleep: an idle virtual CPU comes back cold, and a woken thread is put
             * beside its waker. */
            if (c->threads > 1 && o->gap_ns > 0)
                for (const double t0 = bench_now_ns(); bench_now_ns() - t0 < (double)o->gap_ns;)
                    ;
            /* Hot caches (and a woken pool) for every implementation alike: an untimed call
             * first, or the state the previous one left (a streamed copy evicts the output,
             * the pause lets other processes in) would count. */
            if (warm && o->evict_bytes == 0)
                run[k]->time(state[k], c, 1);
            samples[k * o->reps + rep] =
                sample(o, run[k], state[k], c, calls[k], refreshed, pristine);
        }
    }
    for (size_t k = 0; k < nrun; k++) {
        double *s = samples + k * o->reps;
        qsort(s, o->reps, sizeof *s, cmp_double);
        add_result((struct result){kase, c->threads, c->n, run[k]->name, run[k]->baseline,
                                   s[o->reps / 2], s[0], calls[k]});
        run[k]->release(state[k]);
    }
    free(samples);
}

static void size_label(char *buf, size_t size, size_t n)
{
    if (n >= (1u << 20) && n % (1u << 20) == 0)
        snprintf(buf, size, "%zuM", n >> 20);
    else if (n >= 1024 && n % 1024 == 0)
        snprintf(buf, size, "%zuK", n >> 10);
    else
        snprintf(buf, size, "%zu", n);
}

static void print_tables(const struct options *o)
{
    /* Every implementation that produced a number, in order of first appearance. */
    const char *names[MAX_IMPLS];
    size_t nnames = 0;
    for (size_t i = 0; i < nresults; i++) {
        size_t k = 0;
        while (k < nnames && strcmp(names[k], results[i].impl) != 0)
            k++;
        if (k == nnames && nnames < MAX_IMPLS)
            names[nnames++] = results[i].impl;
    }
    for (int kase = 0; kase < NCASES; kase++) {
        for (size_t t = 0; t < o->nthreads; t++) {
            const size_t threads = o->threads[t];
            if (!find(kase, threads, o->sizes[0], "leaky"))
                continue;
            printf("\n%s, %zu thread%s: median ns per element (leaky's GB/s and ratios)",
                   case_names[kase], threads, threads == 1 ? "" : "s");
            if (o->evict_bytes > 0)
                printf(", each call after %zu MB of other writes", o->evict_bytes >> 20);
            printf("\n");
            printf("%-6s", "n");
            for (size_t k = 0; k < nnames; k++)
                printf(" %9.9s", names[k]);
            printf(" %8s %10s %9s\n", "GB/s", "/best peer", "/nt-copy");
            for (size_t s = 0; s < o->nsizes; s++) {
                const size_t n = o->sizes[s];
                const struct result *lk = find(kase, threads, n, "leaky");
                if (!lk)
                    continue;
                char label[24];
                size_label(label, sizeof label, n);
                printf("%-6s", label);
                for (size_t k = 0; k < nnames; k++) {
                    const struct result *r = find(kase, threads, n, names[k]);
                    if (r)
                        printf(" %9.4f", r->median / (double)n);
                    else
                        printf(" %9s", "-");
                }
                const struct result *best = best_peer(kase, threads, n);
                const struct result *nt = find(kase, threads, n, "nt-copy");
                printf(" %8.1f", bytes_per_element(kase) * (double)n / lk->median);
                if (best)
                    printf(" %5.2f %-4.4s", lk->median / best->median, best->impl);
                else
                    printf(" %10s", "-");
                if (nt)
                    printf(" %9.2f", lk->median / nt->median);
                else
                    printf(" %9s", "-");
                printf("\n");
            }
        }
    }
}

/* ------------------------------------------------------------------ goals */

/* The goals leaky is held to, as data: one row each, printed in this order after the
 * tables.  A goal compares the median of one implementation in one case with the median
 * of something else in the same run (ratios within a run are what a shared machine lets
 * us trust).  "what" is the printed name, so a line of the output greps to its row. */
/* Indices into case_names; CASE_EVERY: a goal over every case. */
enum { CASE_FORWARD, CASE_FORWARD_INPLACE, CASE_BACKWARD, CASE_EVERY = -1 };

enum goal_against {
    AGAINST_FASTEST_PEER, /* the fastest peer (not a baseline) in the same case */
    AGAINST_MEMCPY,       /* memcpy, same size, forward out of place, 1 thread */
    AGAINST_NT_COPY,      /* the non-temporal copy, likewise */
    AGAINST_ONE_THREAD,   /* the same implementation and case on 1 thread */
    AGAINST_FORWARD,      /* the same implementation's forward, out of place */
    AGAINST_LOOP,         /* the plain C loop, same case and size, 1 thread */
    AGAINST_IMPL,         /* another implementation by name (named_goals), same case */
};

enum goal_direction {
    GOAL_AT_MOST,  /* a time ratio: measured / comparison <= limit */
    GOAL_AT_LEAST, /* a speed-up: comparison / measured >= limit */
};

struct goal {
    const char *what;
    const char *impl; /* the implementation measured */
    int kase;         /* an index into case_names, or CASE_EVERY */
    size_t threads;
    size_t n; /* elements; 0: every size the run measured; over CASE_EVERY: the least size */
    enum goal_against against;
    double limit;
    enum goal_direction direction;
};

#define K ((size_t)1 << 10)
#define M ((size_t)1 << 20)
static const struct goal goals[] = {
    {"forward, 256 elements, 1 thread, against the fastest peer", "leaky", CASE_FORWARD, 1, 256,
     AGAINST_FASTEST_PEER, 0.5, GOAL_AT_MOST},
    {"forward, 4K elements, 1 thread, against the fastest peer", "leaky", CASE_FORWARD, 1, 4 * K,
     AGAINST_FASTEST_PEER, 0.65, GOAL_AT_MOST},
    {"forward, 64K elements, 1 thread, against memcpy", "leaky", CASE_FORWARD, 1, 64 * K,
     AGAINST_MEMCPY, 1.0, GOAL_AT_MOST},
    {"forward, 1M elements, 1 thread, against memcpy", "leaky", CASE_FORWARD, 1, M, AGAINST_MEMCPY,
     1.0, GOAL_AT_MOST},
    {"forward, 16M elements, 1 thread, against the fastest peer", "leaky", CASE_FORWARD, 1, 16 * M,
     AGAINST_FASTEST_PEER, 0.8, GOAL_AT_MOST},
    {"forward, 16M elements, 1 thread, against the non-temporal copy", "leaky", CASE_FORWARD, 1,
     16 * M, AGAINST_NT_COPY, 1.05, GOAL_AT_MOST},
    {"forward, 64M elements, 1 thread, against the fastest peer", "leaky", CASE_FORWARD, 1, 64 * M,
     AGAINST_FASTEST_PEER, 0.95, GOAL_AT_MOST},
    {"forward, 64M elements, 1 thread, against the non-temporal copy", "leaky", CASE_FORWARD, 1,
     64 * M, AGAINST_NT_COPY, 1.05, GOAL_AT_MOST},
    {"forward in place, 1M elements, 1 thread, against the fastest peer", "leaky",
     CASE_FORWARD_INPLACE, 1, M, AGAINST_FASTEST_PEER, 0.95, GOAL_AT_MOST},
    {"forward in place, 16M elements, 1 thread, against the fastest peer", "leaky",
     CASE_FORWARD_INPLACE, 1, 16 * M, AGAINST_FASTEST_PEER, 0.95, GOAL_AT_MOST},
    {"forward in place, 64M elements, 1 thread, against the fastest peer", "leaky",
     CASE_FORWARD_INPLACE, 1, 64 * M, AGAINST_FASTEST_PEER, 0.95, GOAL_AT_MOST},
    {"backward, 64K elements, 1 thread, against the fastest peer", "leaky", CASE_BACKWARD, 1,
     64 * K, AGAINST_FASTEST_PEER, 0.6, GOAL_AT_MOST},
    {"backward, 16M elements, 1 thread, against the fastest peer", "leaky", CASE_BACKWARD, 1,
     16 * M, AGAINST_FASTEST_PEER, 0.85, GOAL_AT_MOST},
    {"forward in place, 1M elements, speed-up of 2 threads over 1", "leaky", CASE_FORWARD_INPLACE,
     2, M, AGAINST_ONE_THREAD, 1.6, GOAL_AT_LEAST},
    {"forward in place, 16M elements, speed-up of 2 threads over 1", "leaky", CASE_FORWARD_INPLACE,
     2, 16 * M, AGAINST_ONE_THREAD, 1.6, GOAL_AT_LEAST},
    /* 5%: the noise of a shared machine. */
    {"2 threads never slower than 1 (beyond 5%), every case and size", "leaky", CASE_EVERY, 2, 0,
     AGAINST_ONE_THREAD, 1.05, GOAL_AT_MOST},
    /* What a program gains by calling leaky rather than writing the loop; in the pipeline
     * mode (--pipeline) too, where the caches hold other data when the call comes. */
    {"never slower than the plain loop (beyond 5%), every case from 64K, 1 thread", "leaky",
     CASE_EVERY, 1, 64 << 10, AGAINST_LOOP, 1.05, GOAL_AT_MOST},
    /* PReLU rows are 64 channels last, the backward computing dx and the slope gradient. */
    {"PReLU backward, 1M elements, 1 thread, against PReLU forward", "prelu", CASE_BACKWARD, 1, M,
     AGAINST_FORWARD, 2.0, GOAL_AT_MOST},
    {"PReLU backward, 16M elements, 1 thread, against PReLU forward", "prelu", CASE_BACKWARD, 1,
     16 * M, AGAINST_FORWARD, 2.0, GOAL_AT_MOST},
    {"PReLU backward, 64M elements, 1 thread, against PReLU forward", "prelu", CASE_BACKWARD, 1,
     64 * M, AGAINST_FORWARD, 2.0, GOAL_AT_MOST},
};

/* Goals against another implementation by name (AGAINST_IMPL), printed after the others. */
struct named_goal {
    struct goal goal;
    const char *other;
};
static const struct named_goal named_goals[] = {
/* Bias + activation, 64 channels: NCHW 7x7 (bias7x7) and 56x56 (bias56), channels last
 * (biasCL); unf*: a compiled bias-add loop then leaky_relu_f32 in place, backward
 * leaky_relu_backward_f32 then a compiled per-channel sum; onednn-*: oneDNN's binary add
 * with a relu(alpha) post-op (leaky-bench-peers). */
#define BIAS_GOALS(layout, t, threads)                                                             \
    {{"bias " layout " forward, 16M elements, " threads ", against the two passes", "bias" layout, \
      CASE_FORWARD, t, 16 * M, AGAINST_IMPL, 0.5, GOAL_AT_MOST},                                   \
     "unf" layout},                                                                                \
        {{"bias " layout " forward, 16M elements, " threads ", against oneDNN's fused",            \
          "bias" layout, CASE_FORWARD, t, 16 * M, AGAINST_IMPL, 0.9, GOAL_AT_MOST},                \
         "onednn-" layout},                                                                        \
        {{"bias " layout " backward, 16M elements, " threads ", against its forward",              \
          "bias" layout, CASE_BACKWARD, t, 16 * M, AGAINST_FORWARD, 1.6, GOAL_AT_MOST},            \
         NULL},                                                                                    \
        {{"bias " layout " backward, 16M elements, " threads ", against the unfused pair",         \
          "bias" layout, CASE_BACKWARD, t, 16 * M, AGAINST_IMPL, 0.6, GOAL_AT_MOST},               \
         "unf" layout},
    BIAS_GOALS("7x7", 1, "1 thread") BIAS_GOALS("7x7", 2, "2 threads")
        BIAS_GOALS("56", 1, "1 thread") BIAS_GOALS("56", 2, "2 threads")
            BIAS_GOALS("CL", 1, "1 thread") BIAS_GOALS("CL", 2, "2 threads")
#undef BIAS_GOALS
                {{"bias 7x7 forward, 16M elements, 1 thread, against the non-temporal copy",
                  "bias7x7", CASE_FORWARD, 1, 16 * M, AGAINST_NT_COPY, 1.1, GOAL_AT_MOST},
                 NULL},
    {{"bias 56 forward, 16M elements, 1 thread, against the non-temporal copy", "bias56",
      CASE_FORWARD, 1, 16 * M, AGAINST_NT_COPY, 1.1, GOAL_AT_MOST},
     NULL},
    {{"bias CL forward, 16M elements, 1 thread, against the non-temporal copy", "biasCL",
      CASE_FORWARD, 1, 16 * M, AGAINST_NT_COPY, 1.1, GOAL_AT_MOST},
     NULL},
    {{"bias CL forward, 4K elements, 1 thread, against leaky_relu_f32", "biasCL", CASE_FORWARD, 1,
      4 * K, AGAINST_IMPL, 2.0, GOAL_AT_MOST},
     "leaky"},
    {{"bias CL forward, 4K elements, 2 threads, against leaky_relu_f32", "biasCL", CASE_FORWARD, 2,
      4 * K, AGAINST_IMPL, 2.0, GOAL_AT_MOST},
     "leaky"},
};
#undef K
#undef M

/* What r, a result the goal measures, is compared with (NULL when the run lacks it);
 * other: the implementation of an AGAINST_IMPL goal. */
static const struct result *goal_comparison(const struct goal *g, const char *other,
                                            const struct result *r)
{
    switch (g->against) {
    case AGAINST_FASTEST_PEER: return best_peer(r->kase, r->threads, r->n);
    case AGAINST_MEMCPY: return find(r->kase, r->threads, r->n, "memcpy");
    case AGAINST_NT_COPY: return find(r->kase, r->threads, r->n, "nt-copy");
    case AGAINST_ONE_THREAD: {
        /* leaky's 1-thread samples taken alternately with these, when the run has them. */
        const struct result *alternated =
            strcmp(r->impl, "leaky") == 0 ? find(r->kase, r->threads, r->n, "leaky-1t") : NULL;
        return alternated ? alternated : find(r->kase, 1, r->n, r->impl);
    }
    case AGAINST_FORWARD: return find(CASE_FORWARD, r->threads, r->n, r->impl);
    case AGAINST_LOOP: return find(r->kase, 1, r->n, "loop");
    case AGAINST_IMPL: return other ? find(r->kase, r->threads, r->n, other) : NULL;
    }
    return NULL;
}

/* The threads a result ran on (leaky-1t: one, in a multi-threaded case's rows). */
static size_t result_threads(const struct result *r)
{
    return strcmp(r->impl, "leaky-1t") == 0 ? 1 : r->threads;
}

/* The goal's ratio for r against c: a time ratio, or a speed-up (GOAL_AT_LEAST). */
static double goal_ratio(const struct goal *g, const struct result *r, const struct result *c)
{
    return g->direction == GOAL_AT_LEAST ? c->median / r->median : r->median / c->median;
}

static bool goal_met(const struct goal *g, double ratio)
{
    return g->direction == GOAL_AT_LEAST ? ratio >= g->limit : ratio <= g->limit;
}

static void print_goal(const struct goal *g, const char *other, int width)
{
    const char *sign = g->direction == GOAL_AT_LEAST ? ">=" : "<=";
    if (g->kase != CASE_EVERY && g->n != 0) {
        const struct result *r = find(g->kase, g->threads, g->n, g->impl);
        const struct result *c = r ? goal_comparison(g, other, r) : NULL;
        if (!c) {
            printf("  %-*s  not measured\n", width, g->what);
            return;
        }
        const double ratio = goal_ratio(g, r, c);
        printf("  %-*s %6.2f (%s %.2f) %s", width, g->what, ratio, sign, g->limit,
               goal_met(g, ratio) ? "met" : "MISSED");
        if (g->against == AGAINST_FASTEST_PEER)
            printf(", fastest peer %s", c->impl);
        printf("\n");
        return;
    }
    /* Every case (or size) the run measured: how many miss, each named. */
    int missed = 0, compared = 0;
    for (size_t i = 0; i < nresults; i++) {
        const struct result *r = &results[i];
        if (strcmp(r->impl, g->impl) != 0 || r->threads != g->threads ||
            (g->kase != CASE_EVERY && r->kase != g->kase) ||
            (g->kase == CASE_EVERY ? r->n < g->n : g->n != 0 && r->n != g->n))
            continue;
        const struct result *c = goal_comparison(g, other, r);
        if (!c)
            continue;
        compared++;
        if (!goal_met(g, goal_ratio(g, r, c))) {
            missed++;
            printf("  missed: %s, %zu thread%s, n=%zu: %.4f ns/element against %.4f (%s, "
                   "%zu thread%s)\n",
                   case_names[r->kase], r->threads, r->threads == 1 ? "" : "s", r->n,
                   r->median / (double)r->n, c->median / (double)c->n, c->impl, result_threads(c),
                   result_threads(c) == 1 ? "" : "s");
        }
    }
    if (compared == 0)
        printf("  %-*s  not measured\n", width, g->what);
    else
        printf("  %-*s  %d of %d cases missed (%s %.2f each): %s\n", width, g->what, missed,
               compared, sign, g->limit, missed ? "MISSED" : "met");
}

static void print_goals(void)
{
    int width = 0;
    for (size_t k = 0; k < sizeof goals / sizeof goals[0]; k++) {
        const int len = (int)strlen(goals[k].what);
        width = len > width ? len : width;
    }
    for (size_t k = 0; k < sizeof named_goals / sizeof named_goals[0]; k++) {
        const int len = (int)strlen(named_goals[k].goal.what);
        width = len > width ? len : width;
    }
    printf("\ngoals (medians; ratios within this run)\n");
    for (size_t k = 0; k < sizeof goals / sizeof goals[0]; k++)
        print_goal(&goals[k], NULL, width);
    for (size_t k = 0; k < sizeof named_goals / sizeof named_goals[0]; k++)
        print_goal(&named_goals[k].goal, named_goals[k].other, width);
}

/* ------------------------------------------------------------------ CSV, chart */

/* Checks before the run that path can be written (a run takes minutes): false, with the
 * message printed, when it cannot. */
static bool writable(const char *path)
{
    char err[512];
    if (!outfile_check(path, err, sizeof err)) {
        cli_error(EXIT_FAILURE_, "bench: %s", err);
        return false;
    }
    return true;
}

static int write_csv(const char *path)
{
    char err[512];
    outfile o;
    if (!outfile_open(&o, path, err, sizeof err))
        return cli_error(EXIT_FAILURE_, "bench: %s", err);
    FILE *f = fdopen(o.fd, "w");
    if (!f) {
        outfile_abort(&o);
        return cli_error(EXIT_FAILURE_, "bench: cannot write %s: %s", path, strerror(errno));
    }
    fprintf(f, "case,threads,n,impl,calls_per_sample,median_ns_per_element,"
               "min_ns_per_element,median_gb_per_s,ratio_to_best_peer\n");
    for (size_t i = 0; i < nresults; i++) {
        const struct result *r = &results[i];
        const struct result *best = best_peer(r->kase, r->threads, r->n);
        fprintf(f, "%s,%zu,%zu,%s,%zu,%.6g,%.6g,%.4g,", case_names[r->kase], r->threads, r->n,
                r->impl, r->calls, r->median / (double)r->n, r->min / (double)r->n,
                bytes_per_element(r->kase) * (double)r->n / r->median);
        if (best)
            fprintf(f, "%.4g\n", r->median / best->median);
        else
            fprintf(f, "\n");
    }
    /* outfile_commit closes the descriptor: flush the stream's buffer into it first. */
    const bool written = fflush(f) == 0 && !ferror(f);
    o.fd = dup(o.fd);
    fclose(f);
    if (!written || o.fd < 0) {
        outfile_abort(&o);
        return cli_error(EXIT_FAILURE_, "bench: cannot write %s", path);
    }
    if (!outfile_commit(&o, err, sizeof err))
        return cli_error(EXIT_FAILURE_, "bench: %s", err);
    return EXIT_OK;
}

/* ns per element against size, log-log, for the forward pass out of place: one line per
 * implementation on one thread, and leaky on more (dashed). */
static int write_chart(const char *path)
{
    enum { MAXS = MAX_IMPLS * MAX_THREADS_LIST };
    chart_series series[MAXS];
    double xs[MAXS][MAX_SIZES], ys[MAXS][MAX_SIZES];
    char names[MAXS][48];
    size_t nseries = 0;
    for (size_t i = 0; i < nresults && nseries < MAXS; i++) {
        const struct result *r = &results[i];
        /* The peers' second threads are left out: on a shared machine their pools' waits
         * for descheduled workers put them orders of magnitude off the chart. */
        if (r->kase != 0 || (r->threads > 1 && strcmp(r->impl, "leaky") != 0))
            continue;
        snprintf(names[nseries], sizeof names[0], "%s, %zu thread%s", r->impl, r->threads,
                 r->threads == 1 ? "" : "s");
        size_t k = 0;
        while (k < nseries && strcmp(series[k].name, names[nseries]) != 0)
            k++;
        if (k == nseries) {
            series[k] = (chart_series){.name = names[k],
                                       .x = xs[k],
                                       .y = ys[k],
                                       .style = r->threads == 1 ? CHART_SOLID : CHART_DASHED,
                                       .markers = true};
            nseries++;
        }
        if (series[k].n < MAX_SIZES) {
            xs[k][series[k].n] = (double)r->n;
            ys[k][series[k].n++] = r->median / (double)r->n;
        }
    }
    /* Same colour for an implementation's 1- and 2-thread lines. */
    for (size_t k = 0, colours = 0; k < nseries; k++) {
        size_t j = 0;
        const size_t len = strcspn(series[k].name, ",");
        while (j < k &&
               !(strncmp(series[j].name, series[k].name, len) == 0 && series[j].name[len] == ','))
            j++;
        series[k].rgb = j < k ? series[j].rgb : chart_palette(colours++);
    }
    const chart c = {.title = "Leaky ReLU forward, out of place (float32)",
                     .x_label = "elements",
                     .y_label = "ns per element (median)",
                     .note = "lower is better; same run, implementations alternating",
                     .width = 1000,
                     .height = 700,
                     .log_x = true,
                     .log_y = true,
                     .grid = true,
                     .series = series,
                     .n_series = nseries};
    char err[512];
    const bool written = chart_write(&c, path, NULL, err, sizeof err);
    chart_release_caches();
    if (!written)
        return cli_error(EXIT_FAILURE_, "bench: %s", err);
    return EXIT_OK;
}

/* ------------------------------------------------------------------ main */

int bench_main(const char *program, int argc, char **argv, const struct bench_impl *extra,
               size_t nextra)
{
    struct options o;
    const int parsed = parse_options(program, argc, argv, &o, nextra > 0);
    if (parsed != EXIT_OK)
        return parsed < 0 ? EXIT_OK : parsed;

    if ((o.csv && !writable(o.csv)) || (o.png && !writable(o.png)))
        return EXIT_FAILURE_;

    struct bench_impl impls[MAX_IMPLS];
    size_t nimpls = 0;
    for (size_t k = 0; k < sizeof builtins / sizeof builtins[0]; k++)
        impls[nimpls++] = builtins[k];
    size_t nbias = 0;
    const struct bench_impl *bias = bench_bias_impls(&nbias);
    for (size_t k = 0; k < nbias; k++)
        impls[nimpls++] = bias[k];
    for (size_t k = 0; k < nextra && nimpls < MAX_IMPLS; k++)
        impls[nimpls++] = extra[k];

    size_t nmax = 0;
    for (size_t s = 0; s < o.nsizes; s++)
        nmax = o.sizes[s] > nmax ? o.sizes[s] : nmax;
    float *x0 = alloc_floats(nmax), *g0 = alloc_floats(nmax);
    float *x = alloc_floats(nmax), *g = alloc_floats(nmax), *y = alloc_floats(nmax);
    if (!x0 || !g0 || !x || !g || !y)
        return cli_error(EXIT_FAILURE_, "bench: cannot allocate 5 arrays of %zu floats", nmax);
    fill_input(x0, nmax, 1);
    fill_input(g0, nmax, 2);
    memcpy(x, x0, nmax * sizeof(float));
    memcpy(g, g0, nmax * sizeof(float));
    memset(y, 0, nmax * sizeof(float));

    leaky_isa isa = LEAKY_ISA_SCALAR;
    if (leaky_isa_active(&isa) != LEAKY_OK)
        return cli_error(EXIT_FAILURE_, "bench: %s", leaky_last_error());
    printf("leaky %s bench: path %s, slope %g, %u samples per case, up to %zu threads "
           "available\n",
           LEAKY_VERSION_STRING, leaky_isa_name(isa), (double)o.slope, o.reps,
           (size_t)sysconf(_SC_NPROCESSORS_ONLN));
    fflush(stdout);

    const bool progress = isatty(STDERR_FILENO);
    for (int kase = 0; kase < NCASES; kase++) {
        if (!o.cases[kase])
            continue;
        for (size_t t = 0; t < o.nthreads; t++) {
            for (size_t s = 0; s < o.nsizes; s++) {
                struct bench_case c = {kase >= 2 ? BENCH_BACKWARD : BENCH_FORWARD,
                                       kase % 2 == 1,
                                       o.threads[t],
                                       o.sizes[s],
                                       o.slope,
                                       x,
                                       g,
                                       y};
                if (c.in_place) {
                    if (c.op == BENCH_FORWARD)
                        c.y = x;
                    else
                        c.y = g;
                }
                if (progress)
                    fprintf(stderr, "\r%-18s %zu thread(s) n=%-10zu", case_names[kase], c.threads,
                            c.n);
                run_case(&o, &c, kase, impls, nimpls, x0, g0);
                /* Restore the inputs an in-place case overwrote. */
                if (c.in_place)
                    memcpy(c.op == BENCH_FORWARD ? x : g, c.op == BENCH_FORWARD ? x0 : g0,
                           c.n * sizeof(float));
            }
        }
    }
    if (progress)
        fprintf(stderr, "\r%50s\r", "");
    free(x0), free(g0), free(x), free(g), free(y);
    leaky_set_num_threads(0);

    print_tables(&o);
    print_goals();
    int rc = EXIT_OK;
    if (o.csv) {
        rc = write_csv(o.csv);
        if (rc == EXIT_OK)
            printf("\nwrote %s\n", o.csv);
    }
    if (rc == EXIT_OK && o.png) {
        rc = write_chart(o.png);
        if (rc == EXIT_OK)
            printf("wrote %s\n", o.png);
    }
    /* The tables are the result: a run whose tables were lost failed (leaky-bench-peers
     * has no other check). */
    char err[256];
    if (rc == EXIT_OK && !outfile_stdout_ok(err, sizeof err))
        rc = cli_error(EXIT_FAILURE_, "bench: %s", err);
    free(results);
    results = NULL;
    nresults = results_cap = 0;
    return rc;
}
