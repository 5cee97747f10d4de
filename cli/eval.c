/* SPDX-License-Identifier: MIT */
/* leaky eval: the function (or its derivative, or ReLU) applied to numbers from the
 * command line or streamed from standard input in blocks. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"
#include "cli.h"
#include "leaky.h"
#include "outfile.h"

enum { BLOCK = 4096, MAX_TOKEN = 128 };

/* The values are held as double (every float, float16 and bfloat16 value is one) and
 * computed in the --dtype's type, with the activation's numbers in that type. */
struct eval {
    cli_activation act;
    bool derivative;
    bool train;
    uint64_t seed;
    /* Room for as many values as one call gets: PReLU's derivative and RReLU's noise in
     * the type; for float32 and the half types, the values as float first. */
    void *scratch;
    bool f64;                         /* --dtype f64 */
    const struct cli_half_type *half; /* --dtype f16|bf16; NULL for float32 and float64 */
};

static void help(void)
{
    printf("usage: leaky eval [-a SPEC | --slope A | --relu | --prelu W[,W...]\n"
           "                  | --rrelu LOWER,UPPER [--train] [--seed S]] [--derivative]\n"
           "                  [--dtype T] [--] [VALUES...]\n"
           "\n"
           "Prints f(x) = x if x > 0, else A*x, for each value: the arguments, or the\n"
           "whitespace-separated numbers on standard input when there are none (streamed;\n"
           "line breaks are kept). Numbers print in the shortest form that reads back to\n"
           "the same float32 (or --dtype); inf, -inf and nan are accepted.\n"
           "\n"
           "  -a, --activation SPEC  leaky[:A], relu, prelu:W[,W...] or rrelu[:LOWER:UPPER];\n"
           "                     the four options below are its shorthands (give one)\n"
           "  -s, --slope A, --negative-slope A   the negative slope (default 0.01)\n"
           "  -d, --derivative   print the gradient f'(x) = 1 if x > 0, else A (so A at 0)\n"
           "  -r, --relu         plain ReLU (torch.relu: NaN stays NaN, -inf gives 0)\n"
           "  --prelu W[,W...]   PReLU with one slope, or one per channel: the values of each\n"
           "                     line (or the arguments) are then the C channels of a row,\n"
           "                     as a 2-d (N, C) tensor in F.prelu\n"
           "  --channels-last    accepted with --prelu: a row's values are its channels\n"
           "                     either way\n"
           "  --rrelu LOWER,UPPER  RReLU (PyTorch's defaults: 0.125,0.33333334); evaluation\n"
           "                     mode (slope (LOWER + UPPER) / 2) unless --train\n"
           "  --train            RReLU training: value i takes a slope drawn from\n"
           "                     U(LOWER, UPPER) keyed by (seed, i) (reads all of stdin first)\n"
           "  --seed S           the generator's seed (default 0)\n"
           "  -t, --dtype T      f32 (default), f64 (every function in double, printed in the\n"
           "                     shortest form that reads back to the same double), f16\n"
           "                     (IEEE half) or bf16 (bfloat16): each value\n"
           "                     is rounded to T, the function computed as leaky_relu_T does\n"
           "                     (in float32, rounded once to T), printed in the shortest form\n"
           "                     that reads back to the same T (Leaky ReLU, and PReLU's\n"
           "                     forward with float32 slopes, as leaky_prelu_T)\n"
           "  -h, --help         this text\n"
           "\n"
           "Put -- before negative numbers:  leaky eval --slope 0.05 -- -1 0 1\n");
}

/* The functions on n values in place, once per type T (suffix t).  PReLU's derivative is
 * its backward with dy = 1; RReLU training's is the noise.  scratch holds n values. */
#define EVAL_APPLY(t, T)                                                                           \
    static leaky_status apply_prelu_##t(const struct eval *ev, T *v, size_t n, T *scratch)         \
    {                                                                                              \
        const size_t c = ev->act.num_w;                                                            \
        if (!ev->derivative)                                                                       \
            return leaky_prelu_##t(v, v, n / c, c, 1, ev->act.w_##t, c);                           \
        for (size_t i = 0; i < n; i++)                                                             \
            scratch[i] = 1;                                                                        \
        const leaky_status st =                                                                    \
            leaky_prelu_backward_##t(v, scratch, scratch, NULL, n / c, c, 1, ev->act.w_##t, c);    \
        if (st == LEAKY_OK)                                                                        \
            memcpy(v, scratch, n * sizeof *v);                                                     \
        return st;                                                                                 \
    }                                                                                              \
    static leaky_status apply_rrelu_##t(const struct eval *ev, T *v, size_t n, T *scratch)         \
    {                                                                                              \
        if (!ev->train) {                                                                          \
            if (ev->derivative)                                                                    \
                return leaky_relu_derivative_##t(                                                  \
                    v, v, n, leaky_rrelu_eval_slope_##t(ev->act.lower_##t, ev->act.upper_##t));    \
            return leaky_rrelu_eval_##t(v, v, n, ev->act.lower_##t, ev->act.upper_##t);            \
        }                                                                                          \
        T *noise = ev->derivative ? scratch : NULL;                                                \
        const leaky_status st =                                                                    \
            leaky_rrelu_train_##t(v, v, n, ev->act.lower_##t, ev->act.upper_##t, ev->seed, noise); \
        if (st == LEAKY_OK && ev->derivative)                                                      \
            memcpy(v, noise, n * sizeof *v);                                                       \
        return st;                                                                                 \
    }                                                                                              \
    static leaky_status apply_##t(const struct eval *ev, T *v, size_t n, T *scratch)               \
    {                                                                                              \
        if (ev->act.kind == CLI_ACT_PRELU)                                                         \
            return apply_prelu_##t(ev, v, n, scratch);                                             \
        if (ev->act.kind == CLI_ACT_RRELU)                                                         \
            return apply_rrelu_##t(ev, v, n, scratch);                                             \
        const T slope = ev->act.kind == CLI_ACT_RELU ? 0 : ev->act.slope_##t;                      \
        if (ev->derivative)                                                                        \
            return leaky_relu_derivative_##t(v, v, n, slope);                                      \
        if (ev->act.kind == CLI_ACT_RELU)                                                          \
            return leaky_plain_relu_##t(v, v, n);                                                  \
        return leaky_relu_##t(v, v, n, slope);                                                     \
    }
EVAL_APPLY(f32, float)
EVAL_APPLY(f64, double)
#undef EVAL_APPLY

/* Applies the chosen function to n values in place. */
static leaky_status apply(const struct eval *ev, double *v, size_t n)
{
    if (ev->f64)
        return apply_f64(ev, v, n, ev->scratch);
    /* float32 and the half types compute on floats: the scratch's first half. */
    float *f = ev->scratch, *scratch = f + n;
    for (size_t i = 0; i < n; i++)
        f[i] = (float)v[i];
    leaky_status st;
    if (ev->half && ev->act.kind == CLI_ACT_PRELU)
        st = cli_half_prelu(ev->half, ev->act.w_f32, ev->act.num_w, f, n);
    else if (ev->half)
        st = cli_half_apply(ev->half, ev->derivative, ev->act.slope_f32, f, n);
    else
        st = apply_f32(ev, f, n, scratch);
    for (size_t i = 0; i < n; i++)
        v[i] = f[i];
    return st;
}

/* Parses a value in the --dtype's type: false when it is not a number or lies beyond the
 * type's range. */
static bool parse_value(const struct eval *ev, const char *text, double *value)
{
    if (ev->f64)
        return cli_parse_double(text, value);
    float f;
    if (!cli_parse_float(text, &f))
        return false;
    *value = f;
    return true;
}

/* breaks[i]: the line breaks after value i (0: a space); NULL: one line of values. */
static int print_values(const struct eval *ev, double *v, const uint32_t *breaks, size_t n)
{
    if (apply(ev, v, n) != LEAKY_OK)
        return cli_error(EXIT_FAILURE_, "eval: %s", leaky_last_error());
    char text[CLI_FLOAT_CHARS];
    for (size_t i = 0; i < n; i++) {
        if (ev->half)
            cli_half_format(ev->half, text, sizeof text, (float)v[i]);
        else if (ev->f64)
            cli_format_double(text, sizeof text, v[i]);
        else
            cli_format_float(text, sizeof text, (float)v[i]);
        fputs(text, stdout);
        if (!breaks)
            putchar(i + 1 < n ? ' ' : '\n');
        else if (breaks[i] == 0)
            putchar(' ');
        for (uint32_t k = 0; breaks && k < breaks[i]; k++)
            putchar('\n');
    }
    return EXIT_OK;
}

/* PReLU with one slope per channel takes rows of C values. */
static bool whole_rows(const struct eval *ev, size_t count)
{
    return ev->act.kind != CLI_ACT_PRELU || count % ev->act.num_w == 0;
}

static int eval_arguments(struct eval *ev, int count, char **args)
{
    if (!whole_rows(ev, (size_t)count))
        return cli_error(EXIT_USAGE,
                         "eval: %d values are not rows of the %zu channels "
                         "--prelu has slopes for; give a multiple of %zu",
                         count, ev->act.num_w, ev->act.num_w);
    double *v = malloc(2 * (size_t)count * sizeof *v);
    if (!v)
        return cli_error(EXIT_FAILURE_, "eval: out of memory for %d values", count);
    ev->scratch = v + count;
    /* Every argument is checked before anything is printed. */
    for (int i = 0; i < count; i++) {
        if (!parse_value(ev, args[i], &v[i])) {
            free(v);
            return cli_error(EXIT_USAGE,
                             "eval: argument %d, '%s', is not a number (or is "
                             "beyond the %s range)",
                             i + 1, args[i], ev->f64 ? "double" : "float");
        }
        if (ev->half && !cli_half_fits(ev->half, (float)v[i])) {
            free(v);
            return cli_error(EXIT_USAGE,
                             "eval: argument %d, '%s', is beyond the %s range "
                             "(largest %s)",
                             i + 1, args[i], ev->half->name, ev->half->max_text);
        }
    }
    const int rc = print_values(ev, v, NULL, (size_t)count);
    free(v);
    return rc;
}

/* The stream's buffers: values, their separators, and scratch room for apply(). */
struct stream_buffers {
    double *values, *scratch;
    uint32_t *breaks; /* per value, the line breaks after it (empty lines kept) */
    size_t capacity;
};

static bool grow(struct stream_buffers *b, size_t capacity)
{
    double *values = realloc(b->values, capacity * sizeof *values);
    if (values)
        b->values = values;
    double *scratch = realloc(b->scratch, capacity * sizeof *scratch);
    if (scratch)
        b->scratch = scratch;
    uint32_t *breaks = realloc(b->breaks, capacity * sizeof *breaks);
    if (breaks)
        b->breaks = breaks;
    if (!values || !scratch || !breaks)
        return false;
    b->capacity = capacity;
    return true;
}

/* Checks that a finished line holds whole rows of PReLU's channels. */
static int check_line(const struct eval *ev, size_t line, size_t values)
{
    if (whole_rows(ev, values))
        return EXIT_OK;
    return cli_error(EXIT_FAILURE_,
                     "eval: standard input line %zu has %zu values, not rows of "
                     "the %zu channels --prelu has slopes for",
                     line, values, ev->act.num_w);
}

/* A token with a NUL byte in it: no number, though the C string stops at the NUL. */
static int nul_in_token(size_t line, unsigned long long number, const char *token, size_t len)
{
    char shown[2 * MAX_TOKEN + 1];
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (token[i] == '\0')
            shown[k++] = '\\', shown[k++] = '0';
        else
            shown[k++] = token[i];
    }
    shown[k] = '\0';
    return cli_error(EXIT_FAILURE_,
                     "eval: standard input line %zu, value %llu: '%s' holds a NUL byte (\\0), "
                     "so is not a number",
                     line, number, shown);
}

static int stream_values(struct eval *ev, FILE *in, struct stream_buffers *b)
{
    /* RReLU training draws by the value's index in the whole input: one call for all. */
    const bool gather = ev->act.kind == CLI_ACT_RRELU && ev->train;
    size_t count = 0, token_len = 0, line = 1, token_line = 1, line_values = 0;
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
            const bool space =
                end || c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
            if (space) {
                if (in_token) {
                    token[token_len] = '\0';
                    if (memchr(token, '\0', token_len))
                        return nul_in_token(token_line, token_number, token, token_len);
                    if (!parse_value(ev, token, &b->values[count]))
                        return cli_error(EXIT_FAILURE_,
                                         "eval: standard input line %zu, value "
                                         "%llu: '%s' is not a number (or is beyond the float "
                                         "range)",
                                         token_line, token_number, token);
                    if (ev->half && !cli_half_fits(ev->half, (float)b->values[count]))
                        return cli_error(EXIT_FAILURE_,
                                         "eval: standard input line %zu, value "
                                         "%llu: '%s' is beyond the %s range (largest %s)",
                                         token_line, token_number, token, ev->half->name,
                                         ev->half->max_text);
                    b->breaks[count++] = 0;
                    line_values++;
                    in_token = false;
                }
                if (c == '\n' || end) {
                    const int rc = check_line(ev, line, line_values);
                    if (rc != EXIT_OK)
                        return rc;
                    line++;
                    line_values = 0;
                    if (!end && count > 0)
                        b->breaks[count - 1]++;
                    else if (!end && token_number == 0)
                        putchar('\n'); /* empty lines before the first value */
                }
                continue;
            }
            if (!in_token) {
                if (count == b->capacity) {
                    if (gather) {
                        if (!grow(b, 2 * b->capacity))
                            return cli_error(EXIT_FAILURE_,
                                             "eval: out of memory for %zu "
                                             "values",
                                             2 * b->capacity);
                    } else {
                        ev->scratch = b->scratch;
                        const int rc = print_values(ev, b->values, b->breaks, count);
                        if (rc != EXIT_OK)
                            return rc;
                        count = 0;
                    }
                }
                in_token = true;
                token_len = 0;
                token_line = line;
                token_number++;
            }
            if (token_len == MAX_TOKEN) {
                token[24] = '\0';
                return cli_error(EXIT_FAILURE_,
                                 "eval: standard input line %zu, value %llu: "
                                 "'%s...' is longer than %d characters, so not a number",
                                 token_line, token_number, token, MAX_TOKEN);
            }
            token[token_len++] = (char)c;
        }
    }
    if (count > 0) {
        if (b->breaks[count - 1] == 0)
            b->breaks[count - 1] = 1;
        ev->scratch = b->scratch;
        return print_values(ev, b->values, b->breaks, count);
    }
    return EXIT_OK;
}

/* Streams standard input: tokens are parsed as they come and evaluated a block at a time
 * (a whole number of PReLU rows).  A value's separator (space or line break) is known once
 * the next token starts. */
static int eval_stream(struct eval *ev, FILE *in)
{
    size_t capacity = BLOCK;
    if (ev->act.kind == CLI_ACT_PRELU)
        capacity = BLOCK > ev->act.num_w ? BLOCK / ev->act.num_w * ev->act.num_w : ev->act.num_w;
    struct stream_buffers b = {0};
    int rc = grow(&b, capacity) ? stream_values(ev, in, &b)
                                : cli_error(EXIT_FAILURE_, "eval: out of memory");
    free(b.values);
    free(b.scratch);
    free(b.breaks);
    return rc;
}

int cmd_eval(int argc, char **argv)
{
    enum { OPT_TRAIN = 256, OPT_SEED, OPT_CHANNELS_LAST };
    static const struct option options[] = {
        CLI_ACTIVATION_LONG_OPTIONS,
        {"derivative", no_argument, NULL, 'd'},
        {"train", no_argument, NULL, OPT_TRAIN},
        {"seed", required_argument, NULL, OPT_SEED},
        {"channels-last", no_argument, NULL, OPT_CHANNELS_LAST},
        {"dtype", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct eval ev = {0};
    cli_activation_default(&ev.act);
    bool act_given = false, seed_given = false, channels_last = false, dtype_given = false;
    int opt, rc = EXIT_USAGE;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":" CLI_ACTIVATION_SHORT "dt:h", options, NULL)) != -1) {
        if (cli_is_activation_option(opt)) {
            if (!cli_activation_once("eval", opt, optarg, &ev.act, &act_given))
                goto done;
            continue;
        }
        switch (opt) {
        case 'd': ev.derivative = true; break;
        case OPT_TRAIN: ev.train = true; break;
        case OPT_SEED:
            if (!cli_option_once("eval", "--seed", &seed_given) ||
                !cli_parse_seed("eval: --seed", optarg, &ev.seed))
                goto done;
            break;
        case OPT_CHANNELS_LAST: channels_last = true; break;
        case 't':
            if (!cli_option_once("eval", "--dtype", &dtype_given))
                goto done;
            ev.f64 = strcmp(optarg, "f64") == 0;
            if (strcmp(optarg, "f32") != 0 && !ev.f64 && !(ev.half = cli_half_type(optarg))) {
                rc = cli_error(EXIT_USAGE, "eval: --dtype %s: expected f32, f64, f16 or bf16",
                               optarg);
                goto done;
            }
            break;
        case 'h':
            help();
            rc = EXIT_OK;
            goto done;
        default: rc = cli_bad_option("eval", opt, argv, optind); goto done;
        }
    }
    if (ev.half && ev.act.kind == CLI_ACT_RELU) {
        rc = cli_error(EXIT_USAGE,
                       "eval: --relu is float32 and float64 only; for %s, --slope 0 gives "
                       "ReLU except at -inf (NaN) and NaN",
                       ev.half->name);
        goto done;
    }
    if (ev.half && ev.act.kind == CLI_ACT_RRELU) {
        rc = cli_error(EXIT_USAGE,
                       "eval: --rrelu is float32 and float64 only; --dtype %s goes with "
                       "--slope or --prelu",
                       ev.half->name);
        goto done;
    }
    if (ev.half && ev.act.kind == CLI_ACT_PRELU && ev.derivative) {
        rc = cli_error(EXIT_USAGE,
                       "eval: --prelu --derivative is float32 and float64 only; --dtype %s "
                       "has the PReLU forward (leaky_prelu_%s)",
                       ev.half->name, ev.half->name);
        goto done;
    }
    if ((ev.train || seed_given) && ev.act.kind != CLI_ACT_RRELU) {
        rc = cli_error(EXIT_USAGE, "eval: %s goes with --rrelu LOWER,UPPER",
                       ev.train ? "--train" : "--seed");
        goto done;
    }
    if (channels_last && ev.act.kind != CLI_ACT_PRELU) {
        rc = cli_error(EXIT_USAGE, "eval: --channels-last goes with --prelu");
        goto done;
    }
    rc =
        optind < argc ? eval_arguments(&ev, argc - optind, argv + optind) : eval_stream(&ev, stdin);
    char out_err[256];
    if (!outfile_stdout_ok(out_err, sizeof out_err))
        rc = cli_error(EXIT_FAILURE_, "eval: %s", out_err);
done:
    cli_activation_free(&ev.act);
    return rc;
}
