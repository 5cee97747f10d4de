/* SPDX-License-Identifier: MIT */
/* A tiny harness: CHECK counts and reports, test_finish prints "N passed, N failed". */
#ifndef LEAKY_TEST_H
#define LEAKY_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/cpu.h"
#include "internal/kernels.h"
#include "internal/rng.h"
#include "internal/run.h"
#include "mix.h"
#include "leaky.h"

static unsigned long long test_passed, test_failed;

#define CHECK(cond, ...)                                             \
    do {                                                             \
        if (cond) {                                                  \
            test_passed++;                                           \
        } else {                                                     \
            if (++test_failed <= 30) {                               \
                fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
                fprintf(stderr, __VA_ARGS__);                        \
                fputc('\n', stderr);                                 \
            }                                                        \
        }                                                            \
    } while (0)

static inline uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float float_of(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline double double_of(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* Every ISA this build has; the ones the CPU lacks are reported as SKIP, never passed. */
static inline int test_isas(leaky_isa *out)
{
    int count = 0;
    for (int i = 0; i < LEAKY_ISA_COUNT; i++) {
        if (!leaky_isa_compiled((leaky_isa)i))
            continue;
        if (!leaky_isa_supported((leaky_isa)i)) {
            printf("SKIP %s: this CPU cannot run it\n", leaky_isa_name((leaky_isa)i));
            continue;
        }
        out[count++] = (leaky_isa)i;
    }
    return count;
}

/* The SIMD paths this build and CPU have, with their kernel tables, for tests that hold each
 * against the scalar reference; says which (or SKIP when there are none). */
static inline int test_simd_paths(leaky_isa *isas, const struct leaky_kernels **paths)
{
    leaky_isa all[LEAKY_ISA_COUNT];
    const int nall = test_isas(all);
    int n = 0;
    for (int i = 0; i < nall; i++) {
        if (all[i] == LEAKY_ISA_SCALAR)
            continue;
        isas[n] = all[i];
        paths[n++] = leaky_kernels_for_isa(all[i]);
        printf("checking %s against the scalar reference\n", leaky_isa_name(all[i]));
    }
    if (n == 0)
        printf("SKIP: this build and CPU have no SIMD path to compare\n");
    return n;
}

/* The commands of a program that threads_test.sh runs: `paths` prints the paths this CPU
 * runs, one a line; `digest` calls digest() and prints its value (77, a skip, when LEAKY_ISA
 * is unusable).  Returns the exit code, or -1 for neither command. */
static inline int test_threads_commands(int argc, char **argv, uint64_t (*digest)(void))
{
    if (argc == 2 && strcmp(argv[1], "paths") == 0) {
        for (int i = 0; i < LEAKY_ISA_COUNT; i++)
            if (leaky_isa_supported((leaky_isa)i))
                printf("%s\n", leaky_isa_name((leaky_isa)i));
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "digest") == 0) {
        leaky_isa active;
        if (leaky_isa_active(&active) != LEAKY_OK) {
            fprintf(stderr, "%s\n", leaky_last_error());
            return 77;
        }
        printf("%016llx\n", (unsigned long long)digest());
        return 0;
    }
    return -1;
}

static inline int test_finish(const char *name)
{
    printf("%s: %llu passed, %llu failed\n", name, test_passed, test_failed);
    return test_failed ? 1 : 0;
}

#endif
