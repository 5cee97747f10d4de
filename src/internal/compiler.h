/* SPDX-License-Identifier: MIT */
/* What the compiler must not do to the kernels' arithmetic. */
#ifndef LEAKY_INTERNAL_COMPILER_H
#define LEAKY_INTERNAL_COMPILER_H

/* Hides a value from the optimizer, at no run-time cost. A backward passes the gradient
 * through untouched where x > 0 and multiplies it elsewhere; clang rewrites
 * "x > 0 ? dy : slope * dy" as "dy * (x > 0 ? 1 : slope)", which quiets a signalling-NaN
 * gradient that no arithmetic should touch. Applied to the passed-through operand, the two
 * arms no longer share a value and the rewrite cannot apply. */
#if defined(__x86_64__)
#define LEAKY_OPAQUE(v) __asm__("" : "+v"(v))
#elif defined(__aarch64__)
#define LEAKY_OPAQUE(v) __asm__("" : "+w"(v))
#else
#define LEAKY_OPAQUE(v) __asm__("" : "+m"(v))
#endif

#endif
