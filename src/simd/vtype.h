/* SPDX-License-Identifier: MIT */
/* The vector names of a typed kernel (internal/type.h): vT, vmT and vT_... stand for the
 * vf32_ or vf64_ forms of simd/vec.h, so one kernel source serves both element types; and
 * the rules every kernel shares, written once on top of them. */
#ifndef LEAKY_SIMD_VTYPE_H
#define LEAKY_SIMD_VTYPE_H

#include "internal/compiler.h"
#include "internal/type.h"
#include "simd/vec.h"

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
