/* SPDX-License-Identifier: MIT */
/* The command line's messages and number parsers (cmdline.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"

int cli_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("leaky: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

int cli_bad_option(const char *command, int bad_opt, char **argv, int optind)
{
    const char *arg = argv[optind - 1];
    float ignored;
    if (bad_opt == ':')
        return cli_error(EXIT_USAGE, "%s: option %s needs a value (see leaky %s --help)", command,
                         arg, command);
    if (arg[0] == '-' && cli_parse_float(arg, &ignored))
        return cli_error(EXIT_USAGE,
                         "%s: %s reads as an option; put -- before negative "
                         "numbers, as in: leaky %s -- %s",
                         command, arg, command, arg);
    return cli_error(EXIT_USAGE, "%s: unknown option %s (see leaky %s --help)", command, arg,
                     command);
}

bool cli_parse_float(const char *text, float *value)
{
    char *end;
    errno = 0;
    const float v = strtof(text, &end);
    if (end == text || *end != '\0')
        return false;
    /* strtof says ERANGE for both overflow and underflow; only overflow loses the value. */
    if (errno == ERANGE && isinf(v))
        return false;
    *value = v;
    return true;
}

bool cli_parse_double(const char *text, double *value)
{
    char *end;
    errno = 0;
    const double v = strtod(text, &end);
    if (end == text || *end != '\0')
        return false;
    if (errno == ERANGE && isinf(v))
        return false;
    *value = v;
    return true;
}

bool cli_parse_slope_option(const char *option, const char *text, float *value)
{
    if (!cli_parse_float(text, value) || !isfinite(*value)) {
        cli_error(EXIT_USAGE,
                  "%s %s: expected a finite number for the negative slope "
                  "(such as 0.01)",
                  option, text);
        return false;
    }
    return true;
}

void cli_format_float(char *buf, size_t size, float value)
{
    if (isnan(value)) {
        snprintf(buf, size, "%snan", signbit(value) ? "-" : "");
        return;
    }
    for (int digits = 1; digits <= 9; digits++) {
        snprintf(buf, size, "%.*g", digits, (double)value);
        if (strtof(buf, NULL) == value)
            return;
    }
}

bool cli_parse_float_list(const char *option, const char *text, bool finite, float **values,
                          size_t *n)
{
    size_t count = 1;
    for (const char *p = text; *p; p++)
        count += *p == ',';
    float *v = malloc(count * sizeof *v);
    char *copy = malloc(strlen(text) + 1);
    if (copy)
        strcpy(copy, text);
    if (!v || !copy) {
        free(v);
        free(copy);
        cli_error(EXIT_FAILURE_, "%s: out of memory", option);
        return false;
    }
    size_t i = 0;
    for (char *item = copy, *comma; item; item = comma ? comma + 1 : NULL, i++) {
        comma = strchr(item, ',');
        if (comma)
            *comma = '\0';
        if (!cli_parse_float(item, &v[i]) || (finite && !isfinite(v[i]))) {
            cli_error(EXIT_USAGE,
                      "%s %s: item %zu, '%s', is not a finite number; expected "
                      "a comma-separated list such as 0.25 or 0.1,0.2,0.3",
                      option, text, i + 1, item);
            free(v);
            free(copy);
            return false;
        }
    }
    free(copy);
    *values = v;
    *n = count;
    return true;
}

bool cli_parse_rrelu_bounds(const char *option, const char *text, float bounds[2], size_t *n)
{
    float *v = NULL;
    size_t count = 0;
    if (!cli_parse_float_list(option, text, true, &v, &count))
        return false;
    bool ok = count == 2;
    if (!ok)
        cli_error(EXIT_USAGE,
                  "%s %s: expected two numbers LOWER,UPPER (such as "
                  "0.125,0.33333334), got %zu",
                  option, text, count);
    else if (!(v[0] <= v[1]) || !isfinite(v[1] - v[0])) {
        cli_error(EXIT_USAGE, "%s %s: expected LOWER <= UPPER with a finite UPPER - LOWER", option,
                  text);
        ok = false;
    } else {
        bounds[0] = v[0], bounds[1] = v[1];
        *n = 2;
    }
    free(v);
    return ok;
}

bool cli_parse_seed(const char *option, const char *text, uint64_t *seed)
{
    char *end;
    errno = 0;
    const unsigned long long v = strtoull(text, &end, 0);
    if (end == text || *end != '\0' || errno == ERANGE || text[0] == '-') {
        cli_error(EXIT_USAGE, "%s %s: expected an unsigned 64-bit integer", option, text);
        return false;
    }
    *seed = (uint64_t)v;
    return true;
}
