/* SPDX-License-Identifier: MIT */
/* The one list of kernels: what each is, which path compiles it and what it needs from the
 * CPU. It declares them, fills every dispatch table (kernels/table.c) and names them for
 * the tests (tests/lib/test_kernels.c runs every entry on every path against the scalar
 * one), so a kernel added here is dispatched and tested with no other list to edit. */
#ifndef LEAKY_INTERNAL_KERNEL_LIST_H
#define LEAKY_INTERNAL_KERNEL_LIST_H

#include "internal/cpu.h"

/* X(name, slot, type, scalar, sse2, avx2, avx512, neon)
 *   name   the kernel, leaky_<name>__<path> on every path that compiles it. Its prefix is
 *          its element type and the rest names its source file:
 *            f32_, f64_            src/kernels/<rest>.c (compiled once per type), ref/ref.c
 *            f16_, bf16_, bf16hw_  src/kernels/half_<rest>.c (widen and narrow:
 *                                  half_convert.c), ref/half.c
 *            x8_                   src/kernels/x8_<rest>.c, ref/half.c
 *          e.g. f32_vprelu_backward_runs: leaky_f32_vprelu_backward_runs__avx512, in
 *          src/kernels/vprelu_backward_runs.c.
 *   slot   the field of struct leaky_kernels it goes in (the API layer finds it there)
 *   type   its function type (internal/kernels.h)
 *   then a cell per path, in LEAKY_ISA_LIST's order (internal/isa.h):
 *     no    the path does not compile it (a slot none of its kernels fills keeps the
 *           scalar one)
 *     yes   compiled, and run wherever the path runs
 *     F16C, AVX512_VBMI, AVX512_BF16
 *           compiled, and taken only when the CPU also has that extension (LEAKY_CPU_<cell>)
 * The entry whose scalar cell is yes makes the slot: its scalar kernel is the reference, the
 * start of every table and the oracle of the tests. A variant (another name for the same
 * slot, scalar cell no) comes after it and replaces it where its own cell allows.
 * Each path reads its own column: simd/vec.h's LEAKY_KERNEL_COLUMN, ref/table.c's. */

/* The lists are tables, a column per path: the formatter leaves them as laid out. */
/* clang-format off */
/* The float32 and float64 kernels, t: f32 or f64.
 *    name                      slot                      type                                scalar sse2 avx2 avx512 neon */
#define LEAKY_KERNEL_LIST_T(X, t)                                                                                      \
    X(t##_vlrelu,               t##_vlrelu,               leaky_unary_##t##_fn,               yes, yes, yes, yes, yes) \
    X(t##_vlrelu_backward,      t##_vlrelu_backward,      leaky_binary_##t##_fn,              yes, yes, yes, yes, yes) \
    X(t##_vlrelu_derivative,    t##_vlrelu_derivative,    leaky_unary_##t##_fn,               yes, yes, yes, yes, yes) \
    X(t##_vrelu,                t##_vrelu,                leaky_unary_##t##_fn,               yes, yes, yes, yes, yes) \
    X(t##_vrelu_backward,       t##_vrelu_backward,       leaky_binary_##t##_fn,              yes, yes, yes, yes, yes) \
    X(t##_vprelu,               t##_vprelu,               leaky_binary_##t##_fn,              yes, yes, yes, yes, yes) \
    X(t##_vprelu_backward,      t##_vprelu_backward,      leaky_prelu_row_backward_##t##_fn,  yes, yes, yes, yes, yes) \
    X(t##_vprelu_backward_runs, t##_vprelu_backward_runs, leaky_prelu_runs_backward_##t##_fn, yes, yes, yes, yes, yes) \
    X(t##_vbias_act,            t##_vbias_act,            leaky_bias_act_##t##_fn,            yes, yes, yes, yes, yes) \
    X(t##_vrrelu,               t##_vrrelu,               leaky_rrelu_##t##_fn,               yes, yes, yes, yes, yes) \
    X(t##_vrrelu_backward,      t##_vrrelu_backward,      leaky_rrelu_backward_##t##_fn,      yes, yes, yes, yes, yes)

/* Every kernel.
 *    name                      slot                      type                  scalar sse2 avx2 avx512       neon */
#define LEAKY_KERNEL_LIST(X)                                                                                      \
    LEAKY_KERNEL_LIST_T(X, f32)                                                                                   \
    LEAKY_KERNEL_LIST_T(X, f64)                                                                                   \
    /* float16 and bfloat16: F16C converts float16 on the AVX2 path; SSE2 has no conversion */                    \
    X(f16_vlrelu,               f16_vlrelu,               leaky_unary_u16_fn,   yes, no,  F16C, yes,         yes) \
    X(f16_vlrelu_backward,      f16_vlrelu_backward,      leaky_binary_u16_fn,  yes, no,  F16C, yes,         yes) \
    X(f16_vlrelu_derivative,    f16_vlrelu_derivative,    leaky_unary_u16_fn,   yes, no,  F16C, yes,         yes) \
    X(bf16_vlrelu,              bf16_vlrelu,              leaky_unary_u16_fn,   yes, yes, yes,  yes,         yes) \
    X(bf16_vlrelu_backward,     bf16_vlrelu_backward,     leaky_binary_u16_fn,  yes, yes, yes,  yes,         yes) \
    X(bf16_vlrelu_derivative,   bf16_vlrelu_derivative,   leaky_unary_u16_fn,   yes, yes, yes,  yes,         yes) \
    X(f16_vprelu,               f16_vprelu,               leaky_prelu_u16_fn,   yes, no,  F16C, yes,         yes) \
    X(bf16_vprelu,              bf16_vprelu,              leaky_prelu_u16_fn,   yes, yes, yes,  yes,         yes) \
    X(f16_widen,                f16_widen,                leaky_widen_u16_fn,   yes, no,  F16C, yes,         yes) \
    X(f16_narrow,               f16_narrow,               leaky_narrow_u16_fn,  yes, no,  F16C, yes,         yes) \
    X(bf16_widen,               bf16_widen,               leaky_widen_u16_fn,   yes, yes, yes,  yes,         yes) \
    X(bf16_narrow,              bf16_narrow,              leaky_narrow_u16_fn,  yes, yes, yes,  yes,         yes) \
    /* int8 and uint8: a table lookup, 64 bytes a step with VBMI's vpermi2b; SSE2 has no                          \
     * byte shuffle (pshufb is SSSE3) */                                                                          \
    X(x8_vlut,                  x8_vlut,                  leaky_lut8_fn,        yes, no,  yes,  AVX512_VBMI, yes) \
    /* bfloat16 narrowed by vcvtneps2bf16 (simd/vec_half.h): variants of the bf16 kernels */                      \
    X(bf16hw_vlrelu,            bf16_vlrelu,              leaky_unary_u16_fn,   no,  no,  no,   AVX512_BF16, no)  \
    X(bf16hw_vlrelu_backward,   bf16_vlrelu_backward,     leaky_binary_u16_fn,  no,  no,  no,   AVX512_BF16, no)  \
    X(bf16hw_vlrelu_derivative, bf16_vlrelu_derivative,   leaky_unary_u16_fn,   no,  no,  no,   AVX512_BF16, no)  \
    X(bf16hw_vprelu,            bf16_vprelu,              leaky_prelu_u16_fn,   no,  no,  no,   AVX512_BF16, no)  \
    X(bf16hw_narrow,            bf16_narrow,              leaky_narrow_u16_fn,  no,  no,  no,   AVX512_BF16, no)

/* clang-format on */

/* LEAKY_KERNEL_CELL(cell, compiled, absent, ...) reads a cell: compiled(cpu_features, ...)
 * where the path compiles the kernel, cpu_features being what the CPU needs beyond the
 * path (0 for yes); absent(...) where it does not, so that its symbol is never named. */
#define LEAKY_KERNEL_CELL(cell, compiled, absent, ...) \
    LEAKY_KERNEL_CELL_(cell, compiled, absent, __VA_ARGS__)
#define LEAKY_KERNEL_CELL_(cell, compiled, absent, ...) \
    LEAKY_KERNEL_CELL_##cell(compiled, absent, __VA_ARGS__)
#define LEAKY_KERNEL_CELL_no(compiled, absent, ...) absent(__VA_ARGS__)
#define LEAKY_KERNEL_CELL_yes(compiled, absent, ...) compiled(0u, __VA_ARGS__)
#define LEAKY_KERNEL_CELL_F16C(compiled, absent, ...) compiled(LEAKY_CPU_F16C, __VA_ARGS__)
#define LEAKY_KERNEL_CELL_AVX512_VBMI(compiled, absent, ...) \
    compiled(LEAKY_CPU_AVX512_VBMI, __VA_ARGS__)
#define LEAKY_KERNEL_CELL_AVX512_BF16(compiled, absent, ...) \
    compiled(LEAKY_CPU_AVX512_BF16, __VA_ARGS__)

#endif
