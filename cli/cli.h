/* SPDX-License-Identifier: MIT */
/* Shared pieces of the leaky command: the command table, messages, numbers. */
#ifndef LEAKY_CLI_H
#define LEAKY_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit codes: 0 ok, 1 failure, 2 usage. */
enum { EXIT_OK = 0, EXIT_FAILURE_ = 1, EXIT_USAGE = 2 };

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

/* Prints "leaky: <message>" on stderr. Returns code, for `return cli_error(2, ...)`. */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reports a getopt failure for command (argv[optind - 1] was bad) and returns EXIT_USAGE. */
int cli_bad_option(const char *command, int bad_opt, char **argv, int optind);

/* Parses a whole token as a float ("inf", "-inf", "nan" included). False when it is not a
 * number or lies beyond the float range (rather than silently becoming infinite). */
bool cli_parse_float(const char *text, float *value);

/* Parses an option value that must be a finite float; on failure prints which option,
 * which value and what was expected, and returns false. */
bool cli_parse_slope_option(const char *option, const char *text, float *value);

/* PReLU and RReLU options, shared by the commands that take them.
 * A comma-separated list of finite floats ("0.25" or "0.1,0.2,0.3") into a new array
 * (*values, to free; *n values); false after printing which option, which item and what
 * was expected. */
bool cli_parse_float_list(const char *option, const char *text, bool finite, float **values,
                          size_t *n);
/* "LOWER,UPPER": two finite floats with LOWER <= UPPER (and a finite UPPER - LOWER). */
bool cli_parse_rrelu_bounds(const char *option, const char *text, float bounds[2], size_t *n);
/* A seed: a decimal (or 0x hexadecimal) unsigned 64-bit integer. */
bool cli_parse_seed(const char *option, const char *text, uint64_t *seed);

/* The shortest decimal form that reads back to the same float (at most 9 digits). */
void cli_format_float(char *buf, size_t size, float value);
#define CLI_FLOAT_CHARS 32

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
leaky_status cli_half_apply(const struct cli_half_type *t, bool derivative, float slope,
                            float *v, size_t n);
/* The same for leaky_prelu_T: n values, rows of num_slopes channels (or one slope). */
leaky_status cli_half_prelu(const struct cli_half_type *t, const float *slopes,
                            size_t num_slopes, float *v, size_t n);
/* The shortest decimal form that reads back to the same value of the type. */
void cli_half_format(const struct cli_half_type *t, char *buf, size_t size, float value);

#endif
