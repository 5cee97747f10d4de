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

void cli_format_double(char *buf, size_t size, double value)
{
    if (isnan(value)) {
        snprintf(buf, size, "%snan", signbit(value) ? "-" : "");
        return;
    }
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, value);
        if (strtod(buf, NULL) == value)
            return;
    }
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
