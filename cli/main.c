/* SPDX-License-Identifier: MIT */
/* leaky COMMAND [OPTIONS] [ARGS]: the command-line face of the library. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "leaky.h"
#include "outfile.h"

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"eval", cmd_eval, "apply an activation or its derivative to numbers"},
    {"demo", cmd_demo, "a walkthrough of the function, its gradient and the dying-ReLU problem"},
    {"info", cmd_info, "version and the CPU paths compiled in, supported and chosen"},
    {"apply", cmd_apply, "apply the function, its derivative or backward to .npy files"},
    {"plot", cmd_plot, "draw the function as a chart (PNG, SVG, PDF) or print its table"},
    {"bench", cmd_bench, "time leaky against memcpy and a non-temporal copy"},
    {"experiment", cmd_experiment,
     "train a perceptron on Fashion-MNIST per activation: "
     "accuracy, dead units"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: leaky COMMAND [OPTIONS] [ARGS]\n"
                 "       leaky --help | --version\n"
                 "\n"
                 "Leaky ReLU: f(x) = x if x > 0, else a*x (a, the negative slope, is 0.01 unless "
                 "given).\n"
                 "Also ReLU (a = 0), PReLU (a learned slope, one or one per channel) and RReLU\n"
                 "(random slopes in training), on float32, float64, float16 and bfloat16, and\n"
                 "int8/uint8 quantized data.\n"
                 "\n"
                 "Every command names its activation the same way:\n"
                 "  -a, --activation leaky[:A] | relu | prelu:W[,W...] | rrelu[:LOWER:UPPER]\n"
                 "  or the shorthands --slope A, --relu, --prelu W[,W...], --rrelu LOWER,UPPER\n"
                 "\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    /* The paths from the library, which owns their list. */
    fprintf(out, "\n'leaky COMMAND --help' (or 'leaky help COMMAND') tells more about each.\n"
                 "Exit status: 0 done, 1 the work failed, 2 a usage error.\nLEAKY_ISA=");
    for (int i = 0; i < LEAKY_ISA_COUNT; i++)
        fprintf(out, "%s%s", i ? "|" : "", leaky_isa_name((leaky_isa)i));
    fprintf(out, " forces a CPU path;\n"
                 "LEAKY_NUM_THREADS=N caps the threads of large calls (0: one per core).\n");
}

/* Every command's exit: what it printed must have reached standard output (a full disk,
 * /dev/full, a closed pipe whose SIGPIPE is ignored), else the command failed. */
static int finish(int rc)
{
    char err[256];
    if (!outfile_stdout_ok(err, sizeof err) && rc == EXIT_OK)
        return cli_error(EXIT_FAILURE_, "%s", err);
    return rc;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return cli_error(EXIT_USAGE, "no command given");
    }
    const char *name = argv[1];
    if (strcmp(name, "help") == 0 && argc > 2) {
        /* leaky help COMMAND is leaky COMMAND --help. */
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            if (strcmp(argv[2], commands[i].name) == 0) {
                static char help_option[] = "--help";
                char *args[] = {argv[2], help_option, NULL};
                return commands[i].run(2, args);
            }
        return cli_error(EXIT_USAGE, "help: unknown command '%s' (see leaky --help)", argv[2]);
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("leaky %s\n", LEAKY_VERSION_STRING);
        return EXIT_OK;
    }
    if (strcmp(name, "--info") == 0)
        return cmd_info(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    return cli_error(EXIT_USAGE, "unknown command '%s' (see leaky --help)", name);
}

int main(int argc, char **argv) { return finish(dispatch(argc, argv)); }
