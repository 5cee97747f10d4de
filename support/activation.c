/* SPDX-License-Identifier: MIT */
/* The activation options shared by every command (activation.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"
#include "cmdline.h"

/* PyTorch's RReLU defaults, 1/8 and 1/3, in each type. */
static const float RRELU_LOWER = 0.125f, RRELU_UPPER = 0.33333334f;
static const double RRELU_LOWER_F64 = 0.125, RRELU_UPPER_F64 = 1.0 / 3.0;

bool cli_is_activation_option(int opt)
{
    return opt == 'a' || opt == 's' || opt == 'r' || opt == CLI_OPT_PRELU || opt == CLI_OPT_RRELU;
}

void cli_activation_default(cli_activation *act)
{
    *act = (cli_activation){.kind = CLI_ACT_LEAKY, .slope_f32 = 0.01f, .slope_f64 = 0.01};
}

void cli_activation_free(cli_activation *act)
{
    free(act->w_f32);
    free(act->w_f64);
    act->w_f32 = NULL;
    act->w_f64 = NULL;
    act->num_w = 0;
}

/* Finite numbers separated by sep, each rounded once to float and to double.  On failure
 * prints which item of which option was wrong and what `expected` is. */
static bool parse_numbers(const char *command, const char *given, const char *text, char sep,
                          const char *expected, float **f, double **d, size_t *n)
{
    size_t count = 1;
    for (const char *p = text; *p; p++)
        count += *p == sep;
    *f = malloc(count * sizeof **f);
    *d = malloc(count * sizeof **d);
    if (!*f || !*d) {
        free(*f), free(*d);
        *f = NULL, *d = NULL;
        cli_error(EXIT_FAILURE_, "%s: out of memory", command);
        return false;
    }
    const char *item = text;
    for (size_t i = 0; i < count; i++) {
        const char *end = strchr(item, sep);
        const size_t len = end ? (size_t)(end - item) : strlen(item);
        char buf[64];
        bool ok = len < sizeof buf;
        if (ok) {
            memcpy(buf, item, len);
            buf[len] = '\0';
            ok = cli_parse_float(buf, &(*f)[i]) && isfinite((*f)[i]);
            (*d)[i] = strtod(buf, NULL);
        }
        if (!ok) {
            if (sep == '\0')
                cli_error(EXIT_USAGE, "%s: %s: expected a finite number for %s", command, given,
                          expected);
            else
                cli_error(EXIT_USAGE,
                          "%s: %s: item %zu, '%.*s', is not a finite number; expected %s", command,
                          given, i + 1, (int)(len < 40 ? len : 40), item, expected);
            free(*f), free(*d);
            *f = NULL, *d = NULL;
            return false;
        }
        item = end ? end + 1 : item + len;
    }
    *n = count;
    return true;
}

static bool set_leaky(const char *command, const char *text, cli_activation *act)
{
    float *f;
    double *d;
    size_t n;
    if (!parse_numbers(command, act->given, text, '\0', "the negative slope (such as 0.01)", &f, &d,
                       &n))
        return false;
    act->kind = CLI_ACT_LEAKY;
    act->slope_f32 = f[0];
    act->slope_f64 = d[0];
    free(f), free(d);
    return true;
}

static bool set_prelu(const char *command, const char *text, cli_activation *act)
{
    act->kind = CLI_ACT_PRELU;
    return parse_numbers(command, act->given, text, ',',
                         "a comma-separated list such as 0.25 or 0.1,0.2,0.3", &act->w_f32,
                         &act->w_f64, &act->num_w);
}

static bool set_rrelu(const char *command, const char *text, char sep, cli_activation *act)
{
    float *f;
    double *d;
    size_t n;
    const char *expected = sep == ',' ? "LOWER,UPPER (such as 0.125,0.33333334)"
                                      : "LOWER:UPPER (such as 0.125:0.33333334)";
    if (!parse_numbers(command, act->given, text, sep, expected, &f, &d, &n))
        return false;
    bool ok = n == 2;
    if (!ok)
        cli_error(EXIT_USAGE, "%s: %s: expected two numbers %s, got %zu", command, act->given,
                  expected, n);
    else if (!(f[0] <= f[1]) || !isfinite(f[1] - f[0]))
        ok = !cli_error(EXIT_USAGE, "%s: %s: expected LOWER <= UPPER with a finite UPPER - LOWER",
                        command, act->given);
    if (ok) {
        act->kind = CLI_ACT_RRELU;
        act->lower_f32 = f[0], act->upper_f32 = f[1];
        act->lower_f64 = d[0], act->upper_f64 = d[1];
    }
    free(f), free(d);
    return ok;
}

/* --activation SPEC. */
static bool parse_spec(const char *command, const char *spec, cli_activation *act)
{
    const char *colon = strchr(spec, ':');
    const size_t name_len = colon ? (size_t)(colon - spec) : strlen(spec);
    const char *arg = colon ? colon + 1 : NULL;
#define IS(name) (name_len == strlen(name) && strncmp(spec, name, name_len) == 0)
    if (IS("leaky")) {
        if (!arg) {
            cli_activation_default(act);
            return true;
        }
        return set_leaky(command, arg, act);
    }
    if (IS("relu") && !arg) {
        act->kind = CLI_ACT_RELU;
        return true;
    }
    if (IS("prelu") && arg)
        return set_prelu(command, arg, act);
    if (IS("rrelu")) {
        if (arg)
            return set_rrelu(command, arg, ':', act);
        act->kind = CLI_ACT_RRELU;
        act->lower_f32 = RRELU_LOWER, act->upper_f32 = RRELU_UPPER;
        act->lower_f64 = RRELU_LOWER_F64, act->upper_f64 = RRELU_UPPER_F64;
        return true;
    }
#undef IS
    cli_error(EXIT_USAGE,
              "%s: %s: expected leaky[:A], relu, prelu:W[,W...] or rrelu[:LOWER:UPPER] "
              "(such as leaky:0.05, prelu:0.25,0.1 or rrelu:0.125:0.333)",
              command, act->given);
    return false;
}

/* The option as given ("--slope 0.1"), for messages. */
static void describe(int opt, const char *arg, char *buf, size_t size)
{
    const char *name = opt == 'a'             ? "--activation"
                       : opt == 's'           ? "--slope"
                       : opt == 'r'           ? "--relu"
                       : opt == CLI_OPT_PRELU ? "--prelu"
                                              : "--rrelu";
    snprintf(buf, size, "%s%s%.40s", name, arg ? " " : "", arg ? arg : "");
}

bool cli_activation_parse(const char *command, int opt, const char *arg, cli_activation *act)
{
    char given[sizeof act->given];
    describe(opt, arg, given, sizeof given);
    cli_activation_free(act);
    *act = (cli_activation){.kind = CLI_ACT_LEAKY};
    memcpy(act->given, given, sizeof given);
    switch (opt) {
    case 'a': return parse_spec(command, arg, act);
    case 's': return set_leaky(command, arg, act);
    case 'r': act->kind = CLI_ACT_RELU; return true;
    case CLI_OPT_PRELU: return set_prelu(command, arg, act);
    default: return set_rrelu(command, arg, ',', act);
    }
}

bool cli_activation_once(const char *command, int opt, const char *arg, cli_activation *act,
                         bool *given)
{
    if (*given) {
        char second[sizeof act->given];
        describe(opt, arg, second, sizeof second);
        cli_error(EXIT_USAGE,
                  "%s: %s, then %s: give one activation, not several (%s--activation, --slope, "
                  "--relu, --prelu and --rrelu each name one)",
                  command, act->given, second,
                  opt == 'r' || act->kind == CLI_ACT_RELU ? "--relu has no slope; " : "");
        return false;
    }
    *given = true;
    return cli_activation_parse(command, opt, arg, act);
}

bool cli_option_once(const char *command, const char *option, bool *seen)
{
    if (*seen) {
        cli_error(EXIT_USAGE, "%s: %s given twice; it takes one value", command, option);
        return false;
    }
    *seen = true;
    return true;
}

const char *cli_option_name(const struct option *options, int opt)
{
    static _Thread_local char name[64];
    for (const struct option *o = options; o->name; o++)
        if (o->val == opt && !o->flag) {
            snprintf(name, sizeof name, "--%s", o->name);
            return name;
        }
    return "an option";
}
