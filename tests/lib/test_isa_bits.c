/* SPDX-License-Identifier: MIT */
/* Every SIMD path against the scalar reference, bit for bit, for every kernel.
 *   test_isa_bits sample             2 million inputs: every sign and exponent with edge and
 *                                    hashed mantissas, cut into chunks of every tail length
 *   test_isa_bits exhaustive A...    all 2^32 float32 patterns for each slope A (2 threads)
 * The gradient fed to the backward kernels is a hash of the input, so it too covers NaN,
 * infinities and denormals. */
#include <errno.h>
#include <pthread.h>

#include "test.h"

enum { BLOCK = 4096 };

struct job {
    const float *slopes;
    int nslopes;
    uint64_t first, end; /* bit patterns [first, end) */
    bool sample;
    unsigned long long passed, failed, inputs;
};

static const struct leaky_kernels *ref, *paths[LEAKY_ISA_COUNT];
static leaky_isa isas[LEAKY_ISA_COUNT];
static int npaths;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

struct buffers {
    float x[BLOCK], g[BLOCK], want[BLOCK], got[BLOCK];
};

static void report(struct job *job, const char *kernel, int path, const struct buffers *b, size_t n,
                   float slope)
{
    for (size_t i = 0; i < n; i++) {
        if (bits_of(b->want[i]) == bits_of(b->got[i]))
            continue;
        pthread_mutex_lock(&report_lock);
        fprintf(stderr,
                "FAIL %s on %s, slope %g: x = 0x%08" PRIX32 " g = 0x%08" PRIX32 " gave 0x%08" PRIX32
                ", reference 0x%08" PRIX32 "\n",
                kernel, leaky_isa_name(isas[path]), (double)slope, bits_of(b->x[i]),
                bits_of(b->g[i]), bits_of(b->got[i]), bits_of(b->want[i]));
        pthread_mutex_unlock(&report_lock);
        break;
    }
    job->failed++;
}

/* The sample cuts its blocks into chunks of 1 to 67 elements: every tail of every path. */
static size_t chunk_length(const struct job *job, size_t at, size_t n)
{
    const size_t len = job->sample ? 1 + at % 67 : n;
    return len < n - at ? len : n - at;
}

static void compare_unary(struct job *job, const char *name, leaky_unary_f32_fn *want_fn,
                          leaky_unary_f32_fn *const *got_fns, struct buffers *b, size_t n,
                          float slope)
{
    const struct leaky_f32_params p = {.slope = slope};
    want_fn(n, b->x, b->want, &p);
    for (int k = 0; k < npaths; k++) {
        for (size_t at = 0, len; at < n; at += len) {
            len = chunk_length(job, at, n);
            got_fns[k](len, b->x + at, b->got + at, &p);
        }
        if (memcmp(b->want, b->got, n * sizeof(float)) == 0)
            job->passed++;
        else
            report(job, name, k, b, n, slope);
    }
}

static void compare_binary(struct job *job, const char *name, leaky_binary_f32_fn *want_fn,
                           leaky_binary_f32_fn *const *got_fns, struct buffers *b, size_t n,
                           float slope)
{
    const struct leaky_f32_params p = {.slope = slope};
    want_fn(n, b->x, b->g, b->want, &p);
    for (int k = 0; k < npaths; k++) {
        for (size_t at = 0, len; at < n; at += len) {
            len = chunk_length(job, at, n);
            got_fns[k](len, b->x + at, b->g + at, b->got + at, &p);
        }
        if (memcmp(b->want, b->got, n * sizeof(float)) == 0)
            job->passed++;
        else
            report(job, name, k, b, n, slope);
    }
}

#define COMPARE(kind, name)                                      \
    do {                                                         \
        leaky_##kind##_f32_fn *fns[LEAKY_ISA_COUNT];             \
        for (int k = 0; k < npaths; k++)                         \
            fns[k] = paths[k]->name;                             \
        compare_##kind(job, #name, ref->name, fns, b, n, slope); \
    } while (0)

static void check_block(struct job *job, struct buffers *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b->g[i] = float_of(mix(bits_of(b->x[i])));
    job->inputs += n;
    for (int s = 0; s < job->nslopes; s++) {
        const float slope = job->slopes[s];
        COMPARE(unary, f32_vlrelu);
        COMPARE(binary, f32_vlrelu_backward);
        COMPARE(unary, f32_vlrelu_derivative);
    }
    /* ReLU has no slope: once per block. */
    const float slope = 0.0f;
    COMPARE(unary, f32_vrelu);
    COMPARE(binary, f32_vrelu_backward);
}

static void *run_exhaustive(void *arg)
{
    struct job *job = arg;
    struct buffers *b = malloc(sizeof *b);
    for (uint64_t base = job->first; base < job->end; base += BLOCK) {
        for (size_t i = 0; i < BLOCK; i++)
            b->x[i] = float_of((uint32_t)(base + i));
        check_block(job, b, BLOCK);
    }
    free(b);
    return NULL;
}

/* One block per sign and exponent: the 16 smallest and 16 largest mantissas, the rest
 * hashed; then a block of specials. */
static void run_sample(struct job *job)
{
    static struct buffers b;
    for (uint32_t sign_exp = 0; sign_exp < 512; sign_exp++) {
        for (uint32_t i = 0; i < BLOCK; i++) {
            uint32_t mantissa = i < 16            ? i
                                : i >= BLOCK - 16 ? 0x7FFFFFu - (BLOCK - 1 - i)
                                                  : mix(sign_exp * BLOCK + i) & 0x7FFFFFu;
            b.x[i] = float_of(sign_exp << 23 | mantissa);
        }
        check_block(job, &b, BLOCK);
    }
    static const uint32_t specials[] = {0x00000000u, 0x80000000u, 0x7F800000u, 0xFF800000u,
                                        0x7FC00000u, 0xFFC00000u, 0x7F800001u, 0xFFBFFFFFu,
                                        0x00000001u, 0x80000001u, 0x007FFFFFu, 0x807FFFFFu,
                                        0x00800000u, 0x80800000u, 0x7F7FFFFFu, 0xFF7FFFFFu};
    const size_t nspecial = sizeof specials / sizeof specials[0];
    for (size_t i = 0; i < BLOCK; i++)
        b.x[i] = float_of(specials[i % nspecial]);
    check_block(job, &b, BLOCK);
}

int main(int argc, char **argv)
{
    const bool exhaustive = argc >= 3 && strcmp(argv[1], "exhaustive") == 0;
    if (!exhaustive && !(argc == 2 && strcmp(argv[1], "sample") == 0)) {
        fprintf(stderr, "usage: test_isa_bits sample | exhaustive SLOPE...\n");
        return 2;
    }
    ref = leaky_kernels_for_isa(LEAKY_ISA_SCALAR);
    npaths = test_simd_paths(isas, paths);
    if (npaths == 0)
        return 77;
    float slopes[16];
    int nslopes = 0;
    if (exhaustive) {
        for (int i = 2; i < argc && nslopes < 16; i++) {
            char *end;
            errno = 0;
            slopes[nslopes++] = strtof(argv[i], &end);
            if (*end || errno) {
                fprintf(stderr, "bad slope '%s'\n", argv[i]);
                return 2;
            }
        }
    } else {
        const float fixed[] = {0.01f, 0.0f, -0.5f, 1.5f, 1e-30f, 3e38f, 1.0f};
        nslopes = (int)(sizeof fixed / sizeof fixed[0]);
        memcpy(slopes, fixed, sizeof fixed);
    }
    struct job jobs[2] = {{slopes, nslopes, 0, 1ull << 31, !exhaustive, 0, 0, 0},
                          {slopes, nslopes, 1ull << 31, 1ull << 32, !exhaustive, 0, 0, 0}};
    if (exhaustive) {
        pthread_t thread;
        pthread_create(&thread, NULL, run_exhaustive, &jobs[1]);
        run_exhaustive(&jobs[0]);
        pthread_join(thread, NULL);
    } else {
        run_sample(&jobs[0]);
    }
    const unsigned long long inputs = jobs[0].inputs + jobs[1].inputs;
    test_passed = jobs[0].passed + jobs[1].passed;
    test_failed = jobs[0].failed + jobs[1].failed;
    printf("%llu inputs x %d slopes x %d paths (blocks compared: %llu)\n", inputs, nslopes, npaths,
           test_passed + test_failed);
    return test_finish(exhaustive ? "exhaustive" : "sample");
}
