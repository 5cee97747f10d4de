/* SPDX-License-Identifier: MIT */
/* RReLU's counter-based generator: the same draws on every path and thread count. */
#ifndef LEAKY_INTERNAL_RNG_H
#define LEAKY_INTERNAL_RNG_H

#include <stdint.h>

/* The RReLU generator (leaky.h): the keys for the indices whose high 32 bits are hi, and
 * the hash of an index's low 32 bits.  The kernels vectorise leaky_rrelu_hash. */
static inline uint64_t leaky_splitmix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15u;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}
static inline void leaky_rrelu_keys(uint64_t seed, uint32_t hi, uint32_t *key0, uint32_t *key1)
{
    const uint64_t s = leaky_splitmix64(leaky_splitmix64(seed) ^ hi);
    *key0 = (uint32_t)s;
    *key1 = (uint32_t)(s >> 32);
}
static inline uint32_t leaky_rrelu_hash(uint32_t lo, uint32_t key0, uint32_t key1)
{
    uint32_t h = lo + key0;
    h ^= h >> 17;
    h *= 0xED5AD4BBu;
    h ^= key1;
    h ^= h >> 11;
    h *= 0xAC4C1B51u;
    h ^= h >> 15;
    h *= 0x31848BABu;
    h ^= h >> 14;
    return h;
}
/* u = (h >> 8) * 2^-24: exact in float. */
#define LEAKY_RRELU_U_SCALE (1.0f / 16777216.0f)

#endif
