/* SPDX-License-Identifier: MIT */
/* A 32-bit integer hash (good avalanche): reproducible pseudo-random inputs for the tests
 * and the benchmarks. */
#ifndef LEAKY_TESTS_MIX_H
#define LEAKY_TESTS_MIX_H

#include <stdint.h>

static inline uint32_t mix(uint32_t v)
{
    v ^= v >> 16;
    v *= 0x7feb352dU;
    v ^= v >> 15;
    v *= 0x846ca68bU;
    v ^= v >> 16;
    return v;
}

#endif
