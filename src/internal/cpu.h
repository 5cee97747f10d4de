/* SPDX-License-Identifier: MIT */
/* The CPU's features, as the dispatch and the kernel tables ask for them. */
#ifndef LEAKY_INTERNAL_CPU_H
#define LEAKY_INTERNAL_CPU_H

/* CPU features, detected once (src/cpu.c).  A path's own bit, LEAKY_CPU_<ISA> (the CPU and
 * the OS run every instruction the path uses), comes from the ISA list (internal/isa.h);
 * these are the extensions some kernels need beyond their path (internal/kernel_list.h). */
enum {
    /* Extensions only the float16 and int8 kernels use. */
    LEAKY_CPU_F16C = 1u << 8,        /* with AVX2: vcvtph2ps, vcvtps2ph */
    LEAKY_CPU_AVX512_VBMI = 1u << 9, /* with AVX-512: vpermi2b, 128-byte table lookups */
    LEAKY_CPU_AVX512_BF16 = 1u << 10 /* with AVX-512: vcvtneps2bf16 */
};
unsigned leaky_cpu_features(void);

#endif
