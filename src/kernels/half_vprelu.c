/* SPDX-License-Identifier: MIT */
/* PReLU forward on float16 and bfloat16 with a float32 slope per element (the slope row of
 * src/prelu.c's rows plan): the float32 kernel's op between a widening load of x, a plain
 * load of the slopes and a narrowing store (leaky_f16_vprelu__<isa>, leaky_bf16_vprelu__<isa>).
 * A shared slope, or one per long run, goes through the Leaky ReLU kernels instead. */
#define LEAKY_REUSE_F32_OP
#define LEAKY_TYPE_F32 /* the typed kernel source, as float32 */
#include "kernels/vprelu.c"
#undef KERNEL_NAME
#include "simd/vec_half.h"

#define HALF_G_FLOAT /* the slopes are float32 */
#define KERNEL_NAME vprelu
#define HALF bf16
#include "kernels/loop_binary_half.h"
#ifdef LEAKY_HAVE_VEC_F16
#define HALF f16
#include "kernels/loop_binary_half.h"
#endif
#ifdef LEAKY_BF16HW_TARGET /* bfloat16 through vcvtneps2bf16: leaky_bf16hw_vprelu__avx512 */
#define HALF bf16hw
#define HALF_TARGET LEAKY_BF16HW_TARGET
#include "kernels/loop_binary_half.h"
#endif
