/* SPDX-License-Identifier: MIT */
/* The leaky command's commands, and the float16 and bfloat16 helpers they share. */
#ifndef LEAKY_CLI_H
#define LEAKY_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"

/* Every command: int cmd_NAME(int argc, char **argv), argv[0] being the command's name. */
int cmd_eval(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_experiment(int argc, char **argv);

/* Draws the article's chart (Leaky ReLU, slope 0.01, x in [-3, 3]) into path (.png, .svg
 * or .pdf); on failure prints why and returns the exit code. */
int cli_plot_article(const char *path);
int cmd_bench(int argc, char **argv);

/* float16 and bfloat16 on the command line (cli/half.c). */
#include "leaky.h"
struct cli_half_type {
    const char *name;     /* "f16", "bf16" */
    const char *max_text; /* the largest finite value, for messages */
    float (*widen)(uint16_t);
    uint16_t (*narrow)(float);
};
/* The type named f16 or bf16; NULL for any other name. */
const struct cli_half_type *cli_half_type(const char *name);
/* Whether a float rounds to a value of the type without overflowing (NaN and inf fit). */
bool cli_half_fits(const struct cli_half_type *t, float value);
/* Rounds n values to the type, applies leaky_relu_T (or its derivative) and widens the
 * results back, in place. */
leaky_status cli_half_apply(const struct cli_half_type *t, bool derivative, float slope, float *v,
                            size_t n);
/* The same for leaky_prelu_T: n values, rows of num_slopes channels (or one slope). */
leaky_status cli_half_prelu(const struct cli_half_type *t, const float *slopes, size_t num_slopes,
                            float *v, size_t n);
/* The shortest decimal form that reads back to the same value of the type. */
void cli_half_format(const struct cli_half_type *t, char *buf, size_t size, float value);

#endif
