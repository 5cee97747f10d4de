/* SPDX-License-Identifier: MIT */
/* leaky demo: the article's walkthrough, computed by the library as it prints. */
#define _XOPEN_SOURCE 700
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "leaky.h"
#include "outfile.h"

enum { N = 3 };

static void print_row(const char *label, const float *v)
{
    char text[CLI_FLOAT_CHARS];
    printf("  %-28s [", label);
    for (int i = 0; i < N; i++) {
        cli_format_float(text, sizeof text, v[i]);
        printf("%s%s", i ? ", " : "", text);
    }
    printf("]\n");
}

static int fail(const char *what)
{
    return cli_error(EXIT_FAILURE_, "demo: %s: %s", what, leaky_last_error());
}

int cmd_demo(int argc, char **argv)
{
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'}, {0}};
    const char *chart_path = "leaky_relu.png";
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":o:h", options, NULL)) != -1) {
        if (opt == 'o') {
            chart_path = optarg;
            continue;
        }
        if (opt == 'h') {
            printf("usage: leaky demo [-o FILE]\n\n"
                   "Walks through Leaky ReLU as the article does: the formula, a layer with\n"
                   "slope 0.05 on [-1, 0, 1], its derivative, and how ReLU differs; then draws\n"
                   "the article's chart into FILE (default leaky_relu.png; .svg and .pdf work\n"
                   "too; 'leaky plot' draws others).\n"
                   "\n"
                   "  -o, --output FILE  where the chart goes (default leaky_relu.png)\n"
                   "  -h, --help         this text\n");
            return EXIT_OK;
        }
        return cli_bad_option("demo", opt, argv, optind);
    }
    if (optind < argc)
        return cli_error(EXIT_USAGE, "demo: unexpected argument '%s'", argv[optind]);
    char err[512];
    if (!outfile_check(chart_path, err, sizeof err)) /* said before the walkthrough */
        return cli_error(EXIT_FAILURE_, "demo: %s", err);

    const float slope = 0.05f;
    const float x[N] = {-1.0f, 0.0f, 1.0f};
    float y[N], d[N], relu_y[N], relu_d[N], ones[N] = {1.0f, 1.0f, 1.0f}, dx[N];
    const size_t shape[1] = {N};

    printf("Leaky ReLU\n"
           "  f(x)  = x      if x > 0\n"
           "          a * x  otherwise     (a: the negative slope; default %g)\n"
           "  f'(x) = 1      if x > 0\n"
           "          a      otherwise     (so the gradient at 0 is a)\n\n",
           (double)LEAKY_DEFAULT_SLOPE);

    leaky_layer *layer;
    if (leaky_layer_create_leaky_relu(&layer, slope, false) != LEAKY_OK)
        return fail("creating the layer");
    printf("A LeakyReLU layer with negative_slope = 0.05 (nn.LeakyReLU(0.05)):\n");
    print_row("x", x);
    leaky_status st = leaky_layer_forward_f32(layer, x, y, 1, shape);
    if (st == LEAKY_OK)
        st = leaky_layer_backward_f32(layer, x, ones, dx, 1, shape);
    leaky_layer_destroy(layer);
    if (st != LEAKY_OK)
        return fail("running the layer");
    print_row("forward  f(x)", y);
    print_row("backward dx for dy = 1", dx);
    if (leaky_relu_derivative_f32(x, d, N, slope) != LEAKY_OK)
        return fail("the derivative");
    print_row("derivative f'(x)", d);

    if (leaky_plain_relu_f32(x, relu_y, N) != LEAKY_OK ||
        leaky_relu_derivative_f32(x, relu_d, N, 0.0f) != LEAKY_OK)
        return fail("ReLU");
    printf("\nPlain ReLU (a = 0) on the same inputs:\n");
    print_row("forward  relu(x)", relu_y);
    print_row("derivative relu'(x)", relu_d);
    printf("\nFor x <= 0 ReLU's gradient is exactly 0: a unit whose input stays negative\n"
           "gets no gradient, so its weights never change again. That is the dying-ReLU\n"
           "problem. Leaky ReLU keeps a gradient of a there (%g above), so such a unit\n"
           "can still recover.\n",
           (double)slope);
    leaky_isa isa;
    if (leaky_isa_active(&isa) == LEAKY_OK)
        printf("\n(computed by the %s path; 'leaky info' tells more)\n", leaky_isa_name(isa));
    fflush(stdout);
    const int rc = cli_plot_article(chart_path);
    if (rc != EXIT_OK)
        return rc;
    char where[PATH_MAX];
    printf("\nThe article's chart (slope 0.01, x in [-3, 3]) is in %s\n",
           realpath(chart_path, where) ? where : chart_path);
    return EXIT_OK;
}
