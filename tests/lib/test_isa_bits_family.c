/* SPDX-License-Identifier: MIT */
/* The PReLU and RReLU kernels (float32 and float64) and the float64 Leaky ReLU and ReLU
 * kernels on every SIMD path against the scalar reference, bit for bit: every sign and
 * exponent with edge and hashed mantissas, cut into chunks of every tail length.  The
 * float32 Leaky ReLU and ReLU kernels are test_isa_bits' (exhaustively). */
#include <math.h>

#include "test.h"

enum { BLOCK = 4096 };

static const struct leaky_kernels *ref, *paths[LEAKY_ISA_COUNT];
static leaky_isa isas[LEAKY_ISA_COUNT];
static int npaths;

static uint64_t mix64(uint64_t z) { return leaky_splitmix64(z); }

/* Runs stmt over the block in chunks [at, at + len) of 1 to 67 elements. */
#define CHUNKED(stmt)                             \
    for (size_t at = 0, len; at < n; at += len) { \
        len = 1 + at % 67;                        \
        len = len < n - at ? len : n - at;        \
        stmt;                                     \
    }
/* The same, with cp the RReLU parameters of the chunk (its first index moved on). */
#define CHUNKED_R(stmt)           \
    CHUNKED({                     \
        RPARAMS cp = rp;          \
        cp.first += (uint32_t)at; \
        stmt;                     \
    })

#define TT float
#define TS f32
#define UINT uint32_t
#define EXP_BITS 8
#define MANT_BITS 23
#include "isa_bits_family.h"
#undef TT
#undef TS
#undef UINT
#undef EXP_BITS
#undef MANT_BITS

#define CHECK_CORE_KERNELS
#define TT double
#define TS f64
#define UINT uint64_t
#define EXP_BITS 11
#define MANT_BITS 52
#include "isa_bits_family.h"

int main(void)
{
    ref = leaky_kernels_for_isa(LEAKY_ISA_SCALAR);
    npaths = test_simd_paths(isas, paths);
    if (npaths == 0)
        return 77;
    f32_run_sample(256); /* 512 signs x exponents */
    f64_run_sample(64);  /* 4096 signs x exponents */
    return test_finish("isa_bits_family");
}
