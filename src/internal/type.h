/* SPDX-License-Identifier: MIT */
/* One source, several element types.  A typed source is compiled once per type, with
 * LEAKY_TYPE_F32 or LEAKY_TYPE_F64 defined (CMake does it), and writes
 *   T, TNAME(name)      the element type, and a symbol with its prefix: f32_name, f64_name
 *   TAPI(name), TSTR    a public name (leaky_name_f32) and the suffix as a string ("f32")
 *   TPARAMS, TRRELU     the kernels' parameter structs for the type
 *   T_ANY, load_unaligned, store_unaligned   T at any byte address
 * Kernels use the vector names of simd/vtype.h (vT_... for vf32_ / vf64_) on top. */
#ifndef LEAKY_INTERNAL_TYPE_H
#define LEAKY_INTERNAL_TYPE_H

#include "internal/kernels.h"

#if defined(LEAKY_TYPE_F64)
typedef double T;
#define LEAKY_T f64
#define TSTR "f64"
#elif defined(LEAKY_TYPE_F32)
typedef float T;
#define LEAKY_T f32
#define TSTR "f32"
#else
#error "compile typed sources with LEAKY_TYPE_F32 or LEAKY_TYPE_F64"
#endif

/* Arrays may start at any byte (a numpy view, a packed record): a caller's element read or
 * written one at a time goes through this type of alignment 1, which the compiler turns
 * into plain moves where the CPU allows them, so no access is undefined.  A T_ANY * and a
 * T * are compatible types: kernels.h declares with T * what the scalar reference defines
 * with T_ANY *.  Elsewhere the pointers stay T * and each such access says so. */
typedef T T_ANY __attribute__((aligned(1)));
static inline T load_unaligned(const T *p) { return *(const T_ANY *)p; }
static inline void store_unaligned(T *p, T value) { *(T_ANY *)p = value; }

#define LEAKY_PASTE3_(a, b, c) a##b##c
#define LEAKY_PASTE3(a, b, c) LEAKY_PASTE3_(a, b, c)
#define TNAME(name) LEAKY_PASTE3(LEAKY_T, _, name)
#define TAPI(name) LEAKY_PASTE3(leaky_##name, _, LEAKY_T)
#define TPARAMS struct LEAKY_PASTE3(leaky_, LEAKY_T, _params)
#define TRRELU struct LEAKY_PASTE3(leaky_rrelu_, LEAKY_T, _params)
#define TFN(kind) LEAKY_PASTE3(leaky_##kind##_, LEAKY_T, _fn)

#endif
