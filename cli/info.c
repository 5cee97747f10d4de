/* SPDX-License-Identifier: MIT */
/* leaky info: what this build and this CPU can do, and what was chosen. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "leaky.h"

static void print_paths(const char *label, bool (*has)(leaky_isa))
{
    printf("%-10s", label);
    for (int i = 0; i < LEAKY_ISA_COUNT; i++)
        if (has((leaky_isa)i))
            printf(" %s", leaky_isa_name((leaky_isa)i));
    printf("\n");
}

int cmd_info(int argc, char **argv)
{
    static const struct option options[] = {{"help", no_argument, NULL, 'h'}, {0}};
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        if (opt == 'h') {
            printf("usage: leaky info\n\n"
                   "Prints the version, the CPU paths compiled into this build, those this CPU\n"
                   "supports, the one in use (the best, unless LEAKY_ISA names another) and the\n"
                   "number of threads large calls use.\n"
                   "\n"
                   "  -h, --help  this text\n");
            return EXIT_OK;
        }
        return cli_bad_option("info", opt, argv, optind);
    }
    if (optind < argc)
        return cli_error(EXIT_USAGE, "info: unexpected argument '%s'", argv[optind]);
    printf("leaky %s\n", LEAKY_VERSION_STRING);
    print_paths("compiled:", leaky_isa_compiled);
    print_paths("supported:", leaky_isa_supported);
    printf("best:      %s\n", leaky_isa_name(leaky_isa_best()));
    leaky_isa active;
    if (leaky_isa_active(&active) != LEAKY_OK)
        return cli_error(EXIT_FAILURE_, "%s", leaky_last_error());
    printf("chosen:    %s\n", leaky_isa_name(active));
    printf("threads:   %zu (for calls from 64K elements; LEAKY_NUM_THREADS sets it)\n",
           leaky_get_num_threads());
    return EXIT_OK;
}
