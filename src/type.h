/* SPDX-License-Identifier: MIT */
/* One source, several element types.  A typed source is compiled once per type, with
 * LEAKY_TYPE_F32 or LEAKY_TYPE_F64 defined (CMake does it), and writes
 *   T, TNAME(name)      the element type, and a symbol with its prefix: f32_name, f64_name
 *   TAPI(name), TSTR    a public name (leaky_name_f32) and the suffix as a string ("f32")
 *   TPARAMS, TRRELU     the kernels' parameter structs for the type
 * and, where simd/vec.h was included first, the vector names vT_... for vf32_ / vf64_. */
#ifndef LEAKY_TYPE_H
#define LEAKY_TYPE_H

#include "internal.h"

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

#define LEAKY_PASTE3_(a, b, c) a##b##c
#define LEAKY_PASTE3(a, b, c) LEAKY_PASTE3_(a, b, c)
#define TNAME(name) LEAKY_PASTE3(LEAKY_T, _, name)
#define TAPI(name) LEAKY_PASTE3(leaky_##name, _, LEAKY_T)
#define TPARAMS struct LEAKY_PASTE3(leaky_, LEAKY_T, _params)
#define TRRELU struct LEAKY_PASTE3(leaky_rrelu_, LEAKY_T, _params)
#define TFN(kind) LEAKY_PASTE3(leaky_##kind##_, LEAKY_T, _fn)

#ifdef LEAKY_SIMD_VEC_H
#define vT_stream_fence vf32_stream_fence /* one fence for every type */
#if defined(LEAKY_TYPE_F64)
typedef vf64 vT;
typedef vm64 vmT;
#define VT_LANES VF64_LANES
#define vT_load vf64_load
#define vT_store vf64_store
#define vT_load_part vf64_load_part
#define vT_store_part vf64_store_part
#define vT_set1 vf64_set1
#define vT_zero vf64_zero
#define vT_mul vf64_mul
#define vT_add vf64_add
#define vT_gt vf64_gt
#define vT_lt vf64_lt
#define vT_le vf64_le
#define vT_ngt vf64_ngt
#define vT_mul_where vf64_mul_where
#define vT_select vf64_select
#define vT_put vf64_put
#define VT_BYTES VF64_BYTES
/* VT_LANES draws u (floats) as a vector of T. */
#define vT_load_u vf64_load_f32
#else
typedef vf32 vT;
typedef vm32 vmT;
#define VT_LANES VF32_LANES
#define vT_load vf32_load
#define vT_store vf32_store
#define vT_load_part vf32_load_part
#define vT_store_part vf32_store_part
#define vT_set1 vf32_set1
#define vT_zero vf32_zero
#define vT_mul vf32_mul
#define vT_add vf32_add
#define vT_gt vf32_gt
#define vT_lt vf32_lt
#define vT_le vf32_le
#define vT_ngt vf32_ngt
#define vT_mul_where vf32_mul_where
#define vT_select vf32_select
#define vT_put vf32_put
#define VT_BYTES VF32_BYTES
#define vT_load_u vf32_load
#endif

/* The first k (1 to VT_LANES) lanes at p: whole vectors take the plain load and store. */
static inline vT vT_load_n(const T *p, size_t k)
{
    return k == VT_LANES ? vT_load(p) : vT_load_part(p, k);
}
static inline void vT_store_n(T *p, vT v, size_t k)
{
    if (k == VT_LANES)
        vT_store(p, v);
    else
        vT_store_part(p, v, k);
}

/* Every backward's rule: dy where x > 0, handed on untouched (not even a signalling NaN
 * changes: LEAKY_OPAQUE), else slope * dy, with one slope, one per channel or one drawn per
 * element. */
static inline vT vT_backward_where(vmT negative, vT dy, vT slope)
{
    vT pass = dy;
    LEAKY_OPAQUE(pass);
    return vT_select(negative, vT_mul(slope, dy), pass);
}
static inline vT vT_backward(vT x, vT dy, vT slope)
{
    return vT_backward_where(vT_ngt(x, vT_zero()), dy, slope);
}
#endif

#endif
