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

#include "cli.h"
#include "leaky.h"
#include "outfile.h"

enum { BLOCK = 4096, MAX_TOKEN = 128 };

enum mode { MODE_LEAKY, MODE_RELU, MODE_PRELU, MODE_RRELU };

struct eval {
    enum mode mode;
    bool derivative;
    float slope;
    /* PReLU: its slopes (one, or one per channel: the values of each line, or the
     * arguments, are the channels).  RReLU: the bounds, training mode and its seed. */
    float *slopes;
    size_t num_slopes;
    float lower, upper;
    bool train;
    uint64_t seed;
    float *scratch; /* room for as many values as one call gets (PReLU's derivative) */
    const struct cli_half_type *half; /* --dtype f16|bf16; NULL for float32 */
};

static void help(void)
{
    printf("usage: leaky eval [--slope A | --relu | --prelu W[,W...] | --rrelu LOWER,UPPER\n"
           "                  [--train] [--seed S]] [--derivative] [--dtype T] [--] [VALUES...]\n"
           "\n"
           "Prints f(x) = x if x > 0, else A*x, for each value: the arguments, or the\n"
           "whitespace-separated numbers on standard input when there are none (streamed;\n"
           "line breaks are kept). Numbers print in the shortest form that reads back to\n"
           "the same float32; inf, -inf and nan are accepted.\n"
           "\n"
           "  -s, --slope A, --negative-slope A   the negative slope (default 0.01)\n"
           "  -d, --derivative   print the gradient f'(x) = 1 if x > 0, else A (so A at 0)\n"
           "  -r, --relu         plain ReLU (torch.relu: NaN stays NaN, -inf gives 0)\n"
           "  --prelu W[,W...]   PReLU with one slope, or one per channel: the values of each\n"
           "                     line (or the arguments) are then the C channels of a row,\n"
           "                     as a 2-d (N, C) tensor in F.prelu; --channels-last is the\n"
           "                     same for such rows and is accepted\n"
           "  --rrelu LOWER,UPPER  RReLU (PyTorch's defaults: 0.125,0.33333334); evaluation\n"
           "                     mode (slope (LOWER + UPPER) / 2) unless --train\n"
           "  --train            RReLU training: value i takes a slope drawn from\n"
           "                     U(LOWER, UPPER) keyed by (seed, i) (reads all of stdin first)\n"
           "  --seed S           the generator's seed (default 0)\n"
           "  -t, --dtype T      f32 (default), f16 (IEEE half) or bf16 (bfloat16): each value\n"
           "                     is rounded to T, the function computed as leaky_relu_T does\n"
           "                     (in float32, rounded once to T), printed in the shortest form\n"
           "                     that reads back to the same T (Leaky ReLU, and PReLU's\n"
           "                     forward with float32 slopes, as leaky_prelu_T)\n"
           "  -h, --help         this text\n"
           "\n"
           "Put -- before negative numbers:  leaky eval --slope 0.05 -- -1 0 1\n");
}

/* PReLU's derivative is its backward with dy = 1; RReLU training's is the noise. */
static leaky_status apply_prelu(const struct eval *ev, float *v, size_t n)
{
    const size_t c = ev->num_slopes;
    if (!ev->derivative)
        return leaky_prelu_f32(v, v, n / c, c, 1, ev->slopes, c);
    float *ones = ev->scratch;
    for (size_t i = 0; i < n; i++)
        ones[i] = 1.0f;
    const leaky_status st =
        leaky_prelu_backward_f32(v, ones, ones, NULL, n / c, c, 1, ev->slopes, c);
    if (st == LEAKY_OK)
        memcpy(v, ones, n * sizeof *v);
    return st;
}

static leaky_status apply_rrelu(const struct eval *ev, float *v, size_t n)
{
    if (!ev->train) {
        if (ev->derivative)
            return leaky_relu_derivative_f32(v, v, n,
                                             leaky_rrelu_eval_slope_f32(ev->lower, ev->upper));
        return leaky_rrelu_eval_f32(v, v, n, ev->lower, ev->upper);
    }
    float *noise = ev->derivative ? ev->scratch : NULL;
    const leaky_status st = leaky_rrelu_train_f32(v, v, n, ev->lower, ev->upper, ev->seed, noise);
    if (st == LEAKY_OK && ev->derivative)
        memcpy(v, noise, n * sizeof *v);
    return st;
}

/* Applies the chosen function to n values in place. */
static leaky_status apply(const struct eval *ev, float *v, size_t n)
{
    if (ev->half && ev->mode == MODE_PRELU)
        return cli_half_prelu(ev->half, ev->slopes, ev->num_slopes, v, n);
    if (ev->half)
        return cli_half_apply(ev->half, ev->derivative, ev->slope, v, n);
    if (ev->mode == MODE_PRELU)
        return apply_prelu(ev, v, n);
    if (ev->mode == MODE_RRELU)
        return apply_rrelu(ev, v, n);
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

/* PReLU with one slope per channel takes rows of C values. */
static bool whole_rows(const struct eval *ev, size_t count)
{
    return ev->mode != MODE_PRELU || count % ev->num_slopes == 0;
}

static int eval_arguments(struct eval *ev, int count, char **args)
{
    if (!whole_rows(ev, (size_t)count))
        return cli_error(EXIT_USAGE,
                         "eval: %d values are not rows of the %zu channels "
                         "--prelu has slopes for; give a multiple of %zu",
                         count, ev->num_slopes, ev->num_slopes);
    float *v = malloc(2 * (size_t)count * sizeof *v);
    if (!v)
        return cli_error(EXIT_FAILURE_, "eval: out of memory for %d values", count);
    ev->scratch = v + count;
    /* Every argument is checked before anything is printed. */
    for (int i = 0; i < count; i++) {
        if (!cli_parse_float(args[i], &v[i])) {
            free(v);
            return cli_error(EXIT_USAGE,
                             "eval: argument %d, '%s', is not a number (or is "
                             "beyond the float range)",
                             i + 1, args[i]);
        }
        if (ev->half && !cli_half_fits(ev->half, v[i])) {
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
    float *values, *scratch;
    char *seps;
    size_t capacity;
};

static bool grow(struct stream_buffers *b, size_t capacity)
{
    float *values = realloc(b->values, capacity * sizeof *values);
    if (values)
        b->values = values;
    float *scratch = realloc(b->scratch, capacity * sizeof *scratch);
    if (scratch)
        b->scratch = scratch;
    char *seps = realloc(b->seps, capacity);
    if (seps)
        b->seps = seps;
    if (!values || !scratch || !seps)
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
                     line, values, ev->num_slopes);
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
    const bool gather = ev->mode == MODE_RRELU && ev->train;
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
                    if (!cli_parse_float(token, &b->values[count]))
                        return cli_error(EXIT_FAILURE_,
                                         "eval: standard input line %zu, value "
                                         "%llu: '%s' is not a number (or is beyond the float "
                                         "range)",
                                         token_line, token_number, token);
                    if (ev->half && !cli_half_fits(ev->half, b->values[count]))
                        return cli_error(EXIT_FAILURE_,
                                         "eval: standard input line %zu, value "
                                         "%llu: '%s' is beyond the %s range (largest %s)",
                                         token_line, token_number, token, ev->half->name,
                                         ev->half->max_text);
                    b->seps[count++] = ' ';
                    line_values++;
                    in_token = false;
                }
                if (c == '\n' || end) {
                    const int rc = check_line(ev, line, line_values);
                    if (rc != EXIT_OK)
                        return rc;
                    line++;
                    line_values = 0;
                    if (count > 0)
                        b->seps[count - 1] = '\n';
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
                        const int rc = print_values(ev, b->values, b->seps, count);
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
        b->seps[count - 1] = '\n';
        ev->scratch = b->scratch;
        return print_values(ev, b->values, b->seps, count);
    }
    return EXIT_OK;
}

/* Streams standard input: tokens are parsed as they come and evaluated a block at a time
 * (a whole number of PReLU rows).  A value's separator (space or line break) is known once
 * the next token starts. */
static int eval_stream(struct eval *ev, FILE *in)
{
    size_t capacity = BLOCK;
    if (ev->mode == MODE_PRELU)
        capacity =
            BLOCK > ev->num_slopes ? BLOCK / ev->num_slopes * ev->num_slopes : ev->num_slopes;
    struct stream_buffers b = {0};
    int rc = grow(&b, capacity) ? stream_values(ev, in, &b)
                                : cli_error(EXIT_FAILURE_, "eval: out of memory");
    free(b.values);
    free(b.scratch);
    free(b.seps);
    return rc;
}

int cmd_eval(int argc, char **argv)
{
    enum { OPT_PRELU = 256, OPT_RRELU, OPT_TRAIN, OPT_SEED, OPT_CHANNELS_LAST };
    static const struct option options[] = {
        {"slope", required_argument, NULL, 's'},
        {"negative-slope", required_argument, NULL, 's'},
        {"derivative", no_argument, NULL, 'd'},
        {"relu", no_argument, NULL, 'r'},
        {"prelu", required_argument, NULL, OPT_PRELU},
        {"rrelu", required_argument, NULL, OPT_RRELU},
        {"train", no_argument, NULL, OPT_TRAIN},
        {"seed", required_argument, NULL, OPT_SEED},
        {"channels-last", no_argument, NULL, OPT_CHANNELS_LAST},
        {"dtype", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct eval ev = {.mode = MODE_LEAKY, .slope = LEAKY_DEFAULT_SLOPE};
    int functions = 0; /* how many of --slope, --relu, --prelu, --rrelu */
    bool slope_given = false, relu_given = false, seed_given = false, channels_last = false;
    float bounds[2];
    size_t nbounds = 0;
    int opt, rc = EXIT_USAGE;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":s:drt:h", options, NULL)) != -1) {
        switch (opt) {
        case 's':
            if (!cli_parse_slope_option("eval: --slope", optarg, &ev.slope))
                goto done;
            functions += !slope_given;
            slope_given = true;
            break;
        case 'd': ev.derivative = true; break;
        case 'r':
            functions += !relu_given;
            relu_given = true;
            ev.mode = MODE_RELU;
            break;
        case OPT_PRELU:
            free(ev.slopes);
            ev.slopes = NULL;
            if (!cli_parse_float_list("eval: --prelu", optarg, true, &ev.slopes, &ev.num_slopes))
                goto done;
            functions += ev.mode != MODE_PRELU;
            ev.mode = MODE_PRELU;
            break;
        case OPT_RRELU:
            if (!cli_parse_rrelu_bounds("eval: --rrelu", optarg, bounds, &nbounds))
                goto done;
            functions += ev.mode != MODE_RRELU;
            ev.mode = MODE_RRELU;
            ev.lower = bounds[0], ev.upper = bounds[1];
            break;
        case OPT_TRAIN: ev.train = true; break;
        case OPT_SEED:
            if (!cli_parse_seed("eval: --seed", optarg, &ev.seed))
                goto done;
            seed_given = true;
            break;
        case OPT_CHANNELS_LAST: channels_last = true; break;
        case 't':
            if (strcmp(optarg, "f32") == 0) {
                ev.half = NULL;
            } else if (!(ev.half = cli_half_type(optarg))) {
                rc = cli_error(EXIT_USAGE, "eval: --dtype %s: expected f32, f16 or bf16", optarg);
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
    if (functions > 1) {
        if (slope_given && relu_given && functions == 2)
            rc = cli_error(EXIT_USAGE, "eval: --relu has no slope; give --relu or --slope, "
                                       "not both");
        else
            rc = cli_error(EXIT_USAGE, "eval: give one of --slope, --relu, --prelu and "
                                       "--rrelu, not several");
        goto done;
    }
    if (ev.half && ev.mode == MODE_RELU) {
        rc = cli_error(EXIT_USAGE,
                       "eval: --relu is float32 only; for %s, --slope 0 gives "
                       "ReLU except at -inf (NaN) and NaN",
                       ev.half->name);
        goto done;
    }
    if (ev.half && ev.mode == MODE_RRELU) {
        rc = cli_error(EXIT_USAGE,
                       "eval: --rrelu is float32 only; --dtype %s goes with "
                       "--slope or --prelu",
                       ev.half->name);
        goto done;
    }
    if (ev.half && ev.mode == MODE_PRELU && ev.derivative) {
        rc = cli_error(EXIT_USAGE,
                       "eval: --prelu --derivative is float32 only; --dtype %s "
                       "has the PReLU forward (leaky_prelu_%s)",
                       ev.half->name, ev.half->name);
        goto done;
    }
    if ((ev.train || seed_given) && ev.mode != MODE_RRELU) {
        rc = cli_error(EXIT_USAGE, "eval: %s goes with --rrelu LOWER,UPPER",
                       ev.train ? "--train" : "--seed");
        goto done;
    }
    if (channels_last && ev.mode != MODE_PRELU) {
        rc = cli_error(EXIT_USAGE, "eval: --channels-last goes with --prelu");
        goto done;
    }
    rc =
        optind < argc ? eval_arguments(&ev, argc - optind, argv + optind) : eval_stream(&ev, stdin);
    char out_err[256];
    if (!outfile_stdout_ok(out_err, sizeof out_err))
        rc = cli_error(EXIT_FAILURE_, "eval: %s", out_err);
done:
    free(ev.slopes);
    return rc;
}
