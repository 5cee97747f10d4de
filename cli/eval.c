/* SPDX-License-Identifier: MIT */
/* leaky eval: the function (or its derivative, or ReLU) applied to numbers from the
 * command line or streamed from standard input in blocks. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "leaky.h"

enum { BLOCK = 4096, MAX_TOKEN = 128 };

enum mode { MODE_LEAKY, MODE_RELU };

struct eval {
    enum mode mode;
    bool derivative;
    float slope;
    const struct cli_half_type *half; /* --dtype f16|bf16; NULL for float32 */
};

static void help(void)
{
    printf("usage: leaky eval [--slope A] [--derivative] [--relu] [--dtype T] [--] [VALUES...]\n"
           "\n"
           "Prints f(x) = x if x > 0, else A*x, for each value: the arguments, or the\n"
           "whitespace-separated numbers on standard input when there are none (streamed;\n"
           "line breaks are kept). Numbers print in the shortest form that reads back to\n"
           "the same float32; inf, -inf and nan are accepted.\n"
           "\n"
           "  -s, --slope A, --negative-slope A   the negative slope (default 0.01)\n"
           "  -d, --derivative   print the gradient f'(x) = 1 if x > 0, else A (so A at 0)\n"
           "  -r, --relu         plain ReLU (torch.relu: NaN stays NaN, -inf gives 0)\n"
           "  -t, --dtype T      f32 (default), f16 (IEEE half) or bf16 (bfloat16): each value\n"
           "                     is rounded to T, the function computed as leaky_relu_T does\n"
           "                     (in float32, rounded once to T), printed in the shortest form\n"
           "                     that reads back to the same T\n"
           "  -h, --help         this text\n"
           "\n"
           "Put -- before negative numbers:  leaky eval --slope 0.05 -- -1 0 1\n");
}

/* Applies the chosen function to n values in place. */
static leaky_status apply(const struct eval *ev, float *v, size_t n)
{
    if (ev->half)
        return cli_half_apply(ev->half, ev->derivative, ev->slope, v, n);
    const float slope = ev->mode == MODE_RELU ? 0.0f : ev->slope;
    if (ev->derivative)
        return leaky_relu_derivative_f32(v, v, n, slope);
    if (ev->mode == MODE_RELU)
        return leaky_plain_relu_f32(v, v, n);
    return leaky_relu_f32(v, v, n, slope);
}

static int print_values(const struct eval *ev, float *v, const char *sep, size_t n)
{
    if (apply(ev, v, n) != LEAKY_OK)
        return cli_error(EXIT_FAILURE_, "eval: %s", leaky_last_error());
    char text[CLI_FLOAT_CHARS];
    for (size_t i = 0; i < n; i++) {
        if (ev->half)
            cli_half_format(ev->half, text, sizeof text, v[i]);
        else
            cli_format_float(text, sizeof text, v[i]);
        fputs(text, stdout);
        putchar(sep ? sep[i] : (i + 1 < n ? ' ' : '\n'));
    }
    return EXIT_OK;
}

static int eval_arguments(const struct eval *ev, int count, char **args)
{
    float *v = malloc((size_t)count * sizeof *v);
    if (!v)
        return cli_error(EXIT_FAILURE_, "eval: out of memory for %d values", count);
    /* Every argument is checked before anything is printed. */
    for (int i = 0; i < count; i++) {
        if (!cli_parse_float(args[i], &v[i])) {
            free(v);
            return cli_error(EXIT_USAGE, "eval: argument %d, '%s', is not a number (or is "
                             "beyond the float range)", i + 1, args[i]);
        }
        if (ev->half && !cli_half_fits(ev->half, v[i])) {
            free(v);
            return cli_error(EXIT_USAGE, "eval: argument %d, '%s', is beyond the %s range "
                             "(largest %s)", i + 1, args[i], ev->half->name, ev->half->max_text);
        }
    }
    const int rc = print_values(ev, v, NULL, (size_t)count);
    free(v);
    return rc;
}

/* Streams standard input: tokens are parsed as they come and evaluated a block at a time.
 * A value's separator (space or line break) is known once the next token starts. */
static int eval_stream(const struct eval *ev, FILE *in)
{
    static float values[BLOCK];
    static char seps[BLOCK];
    size_t count = 0, token_len = 0, line = 1, token_line = 1;
    unsigned long long token_number = 0;
    char token[MAX_TOKEN + 1];
    char buf[1 << 16];
    size_t got;
    bool in_token = false, eof = false;
    while (!eof) {
        got = fread(buf, 1, sizeof buf, in);
        if (got == 0) {
            if (ferror(in))
                return cli_error(EXIT_FAILURE_, "eval: cannot read standard input");
            eof = true;
        }
        for (size_t i = 0; i <= got; i++) {
            const bool end = (i == got);
            if (end && !eof)
                break;
            const int c = end ? ' ' : (unsigned char)buf[i];
            const bool space = end || c == ' ' || c == '\n' || c == '\t' || c == '\r' ||
                               c == '\v' || c == '\f';
            if (space) {
                if (in_token) {
                    token[token_len] = '\0';
                    if (!cli_parse_float(token, &values[count]))
                        return cli_error(EXIT_FAILURE_, "eval: standard input line %zu, value "
                                         "%llu: '%s' is not a number (or is beyond the float "
                                         "range)", token_line, token_number, token);
                    if (ev->half && !cli_half_fits(ev->half, values[count]))
                        return cli_error(EXIT_FAILURE_, "eval: standard input line %zu, value "
                                         "%llu: '%s' is beyond the %s range (largest %s)",
                                         token_line, token_number, token, ev->half->name,
                                         ev->half->max_text);
                    seps[count++] = ' ';
                    in_token = false;
                }
                if (c == '\n') {
                    line++;
                    if (count > 0)
                        seps[count - 1] = '\n';
                }
                continue;
            }
            if (!in_token) {
                if (count == BLOCK) {
                    const int rc = print_values(ev, values, seps, count);
                    if (rc != EXIT_OK)
                        return rc;
                    count = 0;
                }
                in_token = true;
                token_len = 0;
                token_line = line;
                token_number++;
            }
            if (token_len == MAX_TOKEN) {
                token[24] = '\0';
                return cli_error(EXIT_FAILURE_, "eval: standard input line %zu, value %llu: "
                                 "'%s...' is longer than %d characters, so not a number",
                                 token_line, token_number, token, MAX_TOKEN);
            }
            token[token_len++] = (char)c;
        }
    }
    if (count > 0) {
        seps[count - 1] = '\n';
        return print_values(ev, values, seps, count);
    }
    return EXIT_OK;
}

int cmd_eval(int argc, char **argv)
{
    static const struct option options[] = {
        {"slope", required_argument, NULL, 's'},
        {"negative-slope", required_argument, NULL, 's'},
        {"derivative", no_argument, NULL, 'd'},
        {"relu", no_argument, NULL, 'r'},
        {"dtype", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct eval ev = {MODE_LEAKY, false, LEAKY_DEFAULT_SLOPE, NULL};
    bool slope_given = false;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":s:drt:h", options, NULL)) != -1) {
        switch (opt) {
        case 's':
            if (!cli_parse_slope_option("eval: --slope", optarg, &ev.slope))
                return EXIT_USAGE;
            slope_given = true;
            break;
        case 'd': ev.derivative = true; break;
        case 'r': ev.mode = MODE_RELU; break;
        case 't':
            if (strcmp(optarg, "f32") == 0) {
                ev.half = NULL;
            } else if (!(ev.half = cli_half_type(optarg))) {
                return cli_error(EXIT_USAGE, "eval: --dtype %s: expected f32, f16 or bf16",
                                 optarg);
            }
            break;
        case 'h': help(); return EXIT_OK;
        default: return cli_bad_option("eval", opt, argv, optind);
        }
    }
    if (ev.half && ev.mode == MODE_RELU)
        return cli_error(EXIT_USAGE, "eval: --relu is float32 only; for %s, --slope 0 gives "
                         "ReLU except at -inf (NaN) and NaN", ev.half->name);
    if (slope_given && ev.mode == MODE_RELU)
        return cli_error(EXIT_USAGE, "eval: --relu has no slope; give --relu or --slope, "
                         "not both");
    int rc = optind < argc ? eval_arguments(&ev, argc - optind, argv + optind)
                           : eval_stream(&ev, stdin);
    if (fflush(stdout) != 0 || ferror(stdout))
        rc = cli_error(EXIT_FAILURE_, "eval: cannot write standard output");
    return rc;
}
