/* SPDX-License-Identifier: MIT */
/*
 * activation.h - one activation syntax for every command.
 *
 *     -a, --activation SPEC   SPEC: leaky[:A] | relu | prelu:W[,W...] | rrelu[:LOWER:UPPER]
 *     -s, --slope A           shorthand for --activation leaky:A (--negative-slope too)
 *     -r, --relu              shorthand for --activation relu
 *         --prelu W[,W...]    shorthand for --activation prelu:W[,W...]
 *         --rrelu LOWER,UPPER shorthand for --activation rrelu:LOWER:UPPER
 *
 * leaky's slope defaults to 0.01 and rrelu's bounds to PyTorch's 1/8 and 1/3.  Every
 * number is kept as float and as double, each rounded once from the text.  A command
 * that takes one activation reports a second one as an error (cli_activation_once); plot,
 * which draws several, collects them.
 *
 * Also here: options given twice (cli_option_once), which every command rejects for
 * options that take one value.
 */
#ifndef LEAKY_SUPPORT_ACTIVATION_H
#define LEAKY_SUPPORT_ACTIVATION_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum { CLI_ACT_LEAKY, CLI_ACT_RELU, CLI_ACT_PRELU, CLI_ACT_RRELU } cli_act_kind;

typedef struct cli_activation {
    cli_act_kind kind;
    float slope_f32; /* leaky */
    double slope_f64;
    float *w_f32; /* prelu: num_w slopes (allocated; cli_activation_free) */
    double *w_f64;
    size_t num_w;
    float lower_f32, upper_f32; /* rrelu */
    double lower_f64, upper_f64;
    char given[64]; /* the option as given, for messages: "--slope 0.1" */
} cli_activation;

/* getopt codes of the activation options; 'a', 's' and 'r' are their short options. */
enum { CLI_OPT_PRELU = 0x1000, CLI_OPT_RRELU };
#define CLI_ACTIVATION_SHORT "a:s:r"
#define CLI_ACTIVATION_LONG_OPTIONS                                                         \
    {"activation", required_argument, NULL, 'a'}, {"slope", required_argument, NULL, 's'},  \
        {"negative-slope", required_argument, NULL, 's'}, {"relu", no_argument, NULL, 'r'}, \
        {"prelu", required_argument, NULL, CLI_OPT_PRELU},                                  \
    {                                                                                       \
        "rrelu", required_argument, NULL, CLI_OPT_RRELU                                     \
    }

/* Whether a getopt code is one of the activation options. */
bool cli_is_activation_option(int opt);

/* Parses the activation option opt (with its argument, NULL for --relu) into *act.  False
 * after printing "leaky: COMMAND: ..." naming the option, the value and what was expected
 * (a usage error). */
bool cli_activation_parse(const char *command, int opt, const char *arg, cli_activation *act);

/* The same for a command that takes one activation: a second one (*given already set) is
 * a usage error naming both. */
bool cli_activation_once(const char *command, int opt, const char *arg, cli_activation *act,
                         bool *given);

/* The default: Leaky ReLU with slope 0.01. */
void cli_activation_default(cli_activation *act);

void cli_activation_free(cli_activation *act);

/* For an option that takes one value: false (after a usage error naming the option) when
 * *seen is already set; sets it otherwise. */
bool cli_option_once(const char *command, const char *option, bool *seen);

/* "--NAME" of the long option whose getopt code is opt ("an option" when none has it). */
const char *cli_option_name(const struct option *options, int opt);

#endif
