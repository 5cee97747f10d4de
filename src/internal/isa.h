/* SPDX-License-Identifier: MIT */
/* The one list of CPU paths.  Everything that names, orders or counts the paths (their names
 * and LEAKY_ISA's error messages, detection, the kernel declarations and tables) comes from
 * it, so adding a path is one line here, its column in the kernel list (kernel_list.h) and
 * its block in simd/vec.h. */
#ifndef LEAKY_INTERNAL_ISA_H
#define LEAKY_INTERNAL_ISA_H

#include "internal/cpu.h"
#include "leaky.h"

/* X(a, isa, ISA, cpu_features), in enum leaky_isa's order (checked below):
 *   a             LEAKY_ISA_LIST's second argument, passed through so that the list can be
 *                 expanded inside another list's X (the kernel declarations)
 *   isa           the path's name (LEAKY_ISA=isa, leaky_isa_name) and the suffix of its
 *                 kernels and tables: leaky_<kernel>__<isa>
 *   ISA           LEAKY_ISA_<ISA>, and the build's LEAKY_HAVE_<ISA> (the library has the
 *                 path) and LEAKY_BUILD_<ISA> (this file is compiled for it)
 *   cpu_features  what the CPU and OS must have to run the path (internal/cpu.h)
 * Worst to best: the best path is the last one the CPU supports. */
#define LEAKY_ISA_LIST(X, a)               \
    X(a, scalar, SCALAR, 0u)               \
    X(a, sse2, SSE2, LEAKY_CPU_SSE2)       \
    X(a, avx2, AVX2, LEAKY_CPU_AVX2)       \
    X(a, avx512, AVX512, LEAKY_CPU_AVX512) \
    X(a, neon, NEON, LEAKY_CPU_NEON)

/* The list and the public enum must agree, value by value and in number. */
#define LEAKY_X_ISA_POSITION(a, isa, ISA, cpu_features) LEAKY_ISA_POSITION_##isa,
enum { LEAKY_ISA_LIST(LEAKY_X_ISA_POSITION, ~) LEAKY_ISA_LIST_LENGTH };
#undef LEAKY_X_ISA_POSITION

/* Each path's own CPU feature bit, LEAKY_CPU_<ISA> (the scalar path's is never asked for),
 * below the extensions' bits of internal/cpu.h; src/cpu.c sets the bits of what it finds. */
#define LEAKY_X_ISA_CPU_BIT(a, isa, ISA, cpu_features) \
    LEAKY_CPU_##ISA = 1u << LEAKY_ISA_POSITION_##isa,
enum { LEAKY_ISA_LIST(LEAKY_X_ISA_CPU_BIT, ~) };
#undef LEAKY_X_ISA_CPU_BIT
_Static_assert(LEAKY_ISA_LIST_LENGTH <= 8, "the paths' CPU bits stay below the extensions'");
#define LEAKY_X_ISA_CHECK(a, isa, ISA, cpu_features)                      \
    _Static_assert((int)LEAKY_ISA_##ISA == (int)LEAKY_ISA_POSITION_##isa, \
                   "LEAKY_ISA_" #ISA " is not at its place in LEAKY_ISA_LIST");
LEAKY_ISA_LIST(LEAKY_X_ISA_CHECK, ~)
#undef LEAKY_X_ISA_CHECK
_Static_assert((int)LEAKY_ISA_LIST_LENGTH == (int)LEAKY_ISA_COUNT,
               "LEAKY_ISA_LIST and enum leaky_isa differ in length");

/* The names as one string, for messages: "scalar, sse2, ..." (the list puts ", " before
 * every name; LEAKY_ISA_NAMES skips the first). */
#define LEAKY_X_ISA_NAME_TEXT(a, isa, ISA, cpu_features) ", " #isa
#define LEAKY_ISA_NAMES (&(LEAKY_ISA_LIST(LEAKY_X_ISA_NAME_TEXT, ~))[2])

/* LEAKY_IF_HAVE(ISA, ...): the arguments after ISA where the library is built with the
 * path, nothing where not, so that code naming a path's symbols can be written once for
 * every path.  The build defines LEAKY_HAVE_<ISA> (as 1, what -D gives) for each SIMD
 * path it compiles; the scalar one is always there.  The test is the usual probe: pasting
 * LEAKY_HAVE_<ISA>'s value onto LEAKY_HAVE_PROBE_ gives the macro below only when that
 * value is 1, and that macro moves 1 into the place the selector reads. */
#define LEAKY_HAVE_SCALAR 1
#define LEAKY_HAVE_PROBE_1 ~, 1
#define LEAKY_SECOND_(a, b, ...) b
#define LEAKY_SECOND(...) LEAKY_SECOND_(__VA_ARGS__)
#define LEAKY_PASTE_(a, b) a##b
#define LEAKY_PASTE(a, b) LEAKY_PASTE_(a, b)
#define LEAKY_IS_ONE(value) LEAKY_SECOND(LEAKY_PASTE(LEAKY_HAVE_PROBE_, value), 0, ~)
#define LEAKY_WHEN_1(...) __VA_ARGS__
#define LEAKY_WHEN_0(...)
#define LEAKY_IF_HAVE(ISA, ...) \
    LEAKY_PASTE(LEAKY_WHEN_, LEAKY_IS_ONE(LEAKY_HAVE_##ISA))(__VA_ARGS__)

#endif
