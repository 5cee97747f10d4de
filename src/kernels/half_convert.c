/* SPDX-License-Identifier: MIT */
/* float32 <-> float16 and bfloat16 arrays (leaky_f16_widen__<isa>, leaky_f16_narrow__<isa>,
 * and the same for bf16): the conversions of simd/vec_half.h over whole arrays. */
#include "internal/kernels.h"
#include "simd/vec_half.h"

#define HALF bf16
#include "kernels/loop_convert_half.h"
#ifdef LEAKY_HAVE_VEC_F16
#define HALF f16
#include "kernels/loop_convert_half.h"
#endif
#ifdef LEAKY_BF16HW_TARGET
#define HALF bf16hw
#define HALF_TARGET LEAKY_BF16HW_TARGET
#include "kernels/loop_convert_half.h"
#endif
