/* SPDX-License-Identifier: MIT */
/* The command line's messages and numbers, shared by the leaky command and the benchmark
 * programs: exit codes, "leaky: ..." errors that name the option and the value, and
 * parsers that take a whole token or nothing. */
#ifndef LEAKY_SUPPORT_CMDLINE_H
#define LEAKY_SUPPORT_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit codes: 0 ok, 1 failure, 2 usage. */
enum { EXIT_OK = 0, EXIT_FAILURE_ = 1, EXIT_USAGE = 2 };

/* Prints "leaky: <message>" on stderr. Returns code, for `return cli_error(2, ...)`. */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reports a getopt failure for command (argv[optind - 1] was bad) and returns EXIT_USAGE. */
int cli_bad_option(const char *command, int bad_opt, char **argv, int optind);

/* Parses a whole token as a float ("inf", "-inf", "nan" included). False when it is not a
 * number or lies beyond the float range (rather than silently becoming infinite). */
bool cli_parse_float(const char *text, float *value);

/* The same for a double. */
bool cli_parse_double(const char *text, double *value);

/* A seed: a decimal (or 0x hexadecimal) unsigned 64-bit integer. */
bool cli_parse_seed(const char *option, const char *text, uint64_t *seed);

/* The shortest decimal form that reads back to the same float (at most 9 digits). */
void cli_format_float(char *buf, size_t size, float value);
/* The same for a double (at most 17 digits). */
void cli_format_double(char *buf, size_t size, double value);
#define CLI_FLOAT_CHARS 32

#endif
