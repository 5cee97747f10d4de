/* SPDX-License-Identifier: MIT */
/* A tiny harness: CHECK counts and reports, test_finish prints "N passed, N failed". */
#ifndef LEAKY_TEST_H
#define LEAKY_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "leaky.h"

static unsigned long long test_passed, test_failed;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (cond) {                                                        \
            test_passed++;                                                 \
        } else {                                                           \
            if (++test_failed <= 30) {                                     \
                fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);       \
                fprintf(stderr, __VA_ARGS__);                              \
                fputc('\n', stderr);                                       \
            }                                                              \
        }                                                                  \
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

static inline int test_finish(const char *name)
{
    printf("%s: %llu passed, %llu failed\n", name, test_passed, test_failed);
    return test_failed ? 1 : 0;
}

#endif
