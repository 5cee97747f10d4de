/* SPDX-License-Identifier: MIT */
/* Leaky ReLU forward on float16 and bfloat16: the float32 kernel's op between a widening
 * load and a narrowing store (leaky_f16_vlrelu__<isa>, leaky_bf16_vlrelu__<isa>). */
#define LEAKY_REUSE_F32_OP
#define LEAKY_TYPE_F32 /* the typed kernel source, as float32 */
#include "kernels/vlrelu.c"
#undef KERNEL_NAME
#include "simd/vec_half.h"

#define KERNEL_NAME vlrelu
#define HALF bf16
#include "kernels/loop_unary_half.h"
#ifdef LEAKY_HAVE_VEC_F16
#define HALF f16
#include "kernels/loop_unary_half.h"
#endif
#ifdef LEAKY_BF16HW_TARGET /* bfloat16 through vcvtneps2bf16: leaky_bf16hw_vlrelu__avx512 */
#define HALF bf16hw
#define HALF_TARGET LEAKY_BF16HW_TARGET
#include "kernels/loop_unary_half.h"
#endif
