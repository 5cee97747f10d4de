/* SPDX-License-Identifier: MIT */
/* .npy headers; see npy.h.  The parser reads only [buf, buf + len) and trusts nothing. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "npy.h"

static const unsigned char MAGIC[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

static bool fail(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(char *err, size_t err_size, const char *fmt, ...)
{
    if (err && err_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_size, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* A cursor over the header text. */
typedef struct scan {
    const char *p, *end;
} scan;

static void skip_space(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static bool eat(scan *s, char c)
{
    skip_space(s);
    if (s->p < s->end && *s->p == c) {
        s->p++;
        return true;
    }
    return false;
}

static bool eat_word(scan *s, const char *w)
{
    skip_space(s);
    const size_t n = strlen(w);
    if ((size_t)(s->end - s->p) >= n && memcmp(s->p, w, n) == 0) {
        s->p += n;
        return true;
    }
    return false;
}

/* A Python string literal in single or double quotes, without escapes, into out. */
static bool string_literal(scan *s, char *out, size_t out_size)
{
    skip_space(s);
    if (s->p >= s->end || (*s->p != '\'' && *s->p != '"'))
        return false;
    const char quote = *s->p++;
    size_t n = 0;
    while (s->p < s->end && *s->p != quote) {
        if (*s->p == '\\' || *s->p == '\n' || *s->p == '\0' || n + 1 >= out_size)
            return false;
        out[n++] = *s->p++;
    }
    if (s->p >= s->end)
        return false;
    s->p++;
    out[n] = '\0';
    return true;
}

/* A non-negative decimal integer that fits in 64 bits, with Python 2's optional L suffix. */
static bool integer(scan *s, uint64_t *v, bool *negative)
{
    skip_space(s);
    *negative = false;
    if (s->p < s->end && *s->p == '-') {
        *negative = true;
        s->p++;
    }
    if (s->p >= s->end || *s->p < '0' || *s->p > '9')
        return false;
    uint64_t x = 0;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
        const unsigned d = (unsigned)(*s->p++ - '0');
        if (x > (UINT64_MAX - d) / 10)
            return false;
        x = x * 10 + d;
    }
    if (s->p < s->end && (*s->p == 'L' || *s->p == 'l'))
        s->p++;
    *v = x;
    return true;
}

/* Skips a bracketed value (a structured dtype's list), nesting and strings included. */
static bool skip_bracketed(scan *s)
{
    int depth = 0;
    char quote = 0;
    for (; s->p < s->end; s->p++) {
        const char c = *s->p;
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '[' || c == '(') {
            depth++;
        } else if (c == ']' || c == ')') {
            if (--depth == 0) {
                s->p++;
                return true;
            }
        }
    }
    return false;
}

static bool parse_descr(const char *d, npy_header *h, char *err, size_t err_size)
{
    /* ml_dtypes' bfloat16 by name: two little-endian bytes. */
    if (strcmp(d, "bfloat16") == 0) {
        h->byte_order = '<';
        h->kind = 'V';
        h->itemsize = 2;
        return true;
    }
    const char order = d[0];
    if (order != '<' && order != '>' && order != '|' && order != '=')
        return fail(err, err_size, "dtype '%s' does not start with a byte order (<, >, | or =)", d);
    if (d[1] == '\0')
        return fail(err, err_size, "dtype '%s' has no type code", d);
    h->byte_order = order;
    h->kind = d[1];
    uint64_t size = 0;
    const char *p = d + 2;
    for (; *p >= '0' && *p <= '9'; p++) {
        size = size * 10 + (uint64_t)(*p - '0');
        if (size > (1u << 30))
            return fail(err, err_size, "dtype '%s' has an absurd item size", d);
    }
    /* Units in brackets (datetime64[ns]) are the only thing allowed after the digits. */
    if (*p == '[') {
        const size_t unit = strspn(p + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789");
        if (p[1 + unit] == ']')
            p += unit + 2;
    }
    if (*p != '\0')
        return fail(err, err_size, "dtype '%s' is not a type numpy writes", d);
    h->itemsize = size;
    return true;
}

static bool parse_shape(scan *s, npy_header *h, char *err, size_t err_size)
{
    if (!eat(s, '('))
        return fail(err, err_size, "header: 'shape' is not a tuple");
    h->ndim = 0;
    bool comma_after_last = false;
    while (!eat(s, ')')) {
        if (h->ndim > 0 && !comma_after_last)
            return fail(err, err_size, "header: 'shape' tuple lacks a comma");
        if (h->ndim == NPY_MAX_DIMS)
            return fail(err, err_size, "shape has more than %d dimensions", NPY_MAX_DIMS);
        bool negative;
        uint64_t v;
        if (!integer(s, &v, &negative))
            return fail(err, err_size,
                        "header: 'shape' holds something other than "
                        "whole numbers (or one beyond 64 bits)");
        if (negative)
            return fail(err, err_size, "shape has a negative size, -%llu", (unsigned long long)v);
        h->shape[h->ndim++] = v;
        comma_after_last = eat(s, ',');
    }
    /* (3) is the number 3 in Python, not a tuple. */
    if (h->ndim == 1 && !comma_after_last)
        return fail(err, err_size, "header: 'shape' (%llu) is not a tuple; numpy writes (%llu,)",
                    (unsigned long long)h->shape[0], (unsigned long long)h->shape[0]);
    return true;
}

bool npy_parse_header(const void *buf, size_t len, npy_header *h, char *err, size_t err_size)
{
    const unsigned char *b = buf;
    memset(h, 0, sizeof *h);
    if (len < 8 || memcmp(b, MAGIC, sizeof MAGIC) != 0) {
        if (len < sizeof MAGIC && memcmp(b, MAGIC, len) == 0)
            return fail(err, err_size, "truncated: %zu bytes, too short for a .npy header", len);
        if (len >= sizeof MAGIC && memcmp(b, MAGIC, sizeof MAGIC) == 0)
            return fail(err, err_size, "truncated: the header ends after %zu bytes", len);
        return fail(err, err_size, "not a .npy file (it does not start with \\x93NUMPY)");
    }
    h->major = b[6];
    h->minor = b[7];
    if (h->major < 1 || h->major > 3 || h->minor != 0)
        return fail(err, err_size,
                    ".npy format version %d.%d is unknown (1.0, 2.0 and 3.0 "
                    "are)",
                    h->major, h->minor);
    const size_t prefix = h->major == 1 ? 10 : 12;
    if (len < prefix)
        return fail(err, err_size, "truncated: the header ends after %zu bytes", len);
    uint64_t text_len = (uint64_t)b[8] | (uint64_t)b[9] << 8;
    if (h->major > 1)
        text_len |= (uint64_t)b[10] << 16 | (uint64_t)b[11] << 24;
    h->data_offset = prefix + text_len;
    if (text_len > len - prefix)
        return fail(err, err_size,
                    "truncated: the header says it is %llu bytes long but the "
                    "file has %zu",
                    (unsigned long long)h->data_offset, len);

    scan s = {(const char *)b + prefix, (const char *)b + prefix + text_len};
    if (!eat(&s, '{'))
        return fail(err, err_size, "header: not a Python dict (no '{')");
    bool have_descr = false, have_order = false, have_shape = false;
    while (!eat(&s, '}')) {
        char key[32];
        if (!string_literal(&s, key, sizeof key))
            return fail(err, err_size, "header: expected a quoted key or '}'");
        if (!eat(&s, ':'))
            return fail(err, err_size, "header: no ':' after key '%s'", key);
        if (strcmp(key, "descr") == 0) {
            if (have_descr)
                return fail(err, err_size, "header: key 'descr' appears twice");
            have_descr = true;
            skip_space(&s);
            if (s.p < s.end && *s.p == '[') {
                if (!skip_bracketed(&s))
                    return fail(err, err_size, "header: unterminated structured 'descr'");
                h->structured = true;
            } else if (!string_literal(&s, h->descr, sizeof h->descr)) {
                return fail(err, err_size, "header: 'descr' is not a short quoted string");
            } else if (!parse_descr(h->descr, h, err, err_size)) {
                return false;
            }
        } else if (strcmp(key, "fortran_order") == 0) {
            if (have_order)
                return fail(err, err_size, "header: key 'fortran_order' appears twice");
            have_order = true;
            if (eat_word(&s, "True"))
                h->fortran_order = true;
            else if (eat_word(&s, "False"))
                h->fortran_order = false;
            else
                return fail(err, err_size, "header: 'fortran_order' is neither True nor False");
        } else if (strcmp(key, "shape") == 0) {
            if (have_shape)
                return fail(err, err_size, "header: key 'shape' appears twice");
            have_shape = true;
            if (!parse_shape(&s, h, err, err_size))
                return false;
        } else {
            return fail(err, err_size,
                        "header: unexpected key '%s' (a .npy header has descr, "
                        "fortran_order and shape)",
                        key);
        }
        if (!eat(&s, ',')) {
            if (!eat(&s, '}'))
                return fail(err, err_size, "header: expected ',' or '}' after '%s'", key);
            break;
        }
    }
    skip_space(&s);
    if (s.p != s.end)
        return fail(err, err_size, "header: text after the closing '}'");
    if (!have_descr || !have_order || !have_shape)
        return fail(err, err_size, "header: key '%s' is missing",
                    !have_descr   ? "descr"
                    : !have_order ? "fortran_order"
                                  : "shape");

    uint64_t count = 1;
    for (size_t i = 0; i < h->ndim; i++) {
        if (h->shape[i] != 0 && count > UINT64_MAX / h->shape[i]) {
            char shape[NPY_HEADER_MAX];
            npy_format_shape(shape, sizeof shape, h->shape, h->ndim);
            return fail(err, err_size, "shape %s has more elements than 64 bits can count", shape);
        }
        count *= h->shape[i];
    }
    h->count = count;
    if (h->itemsize != 0 && count > UINT64_MAX / h->itemsize)
        return fail(err, err_size, "%llu elements of %llu bytes exceed 64 bits",
                    (unsigned long long)count, (unsigned long long)h->itemsize);
    h->data_bytes = count * h->itemsize;
    return true;
}

bool npy_check_size(const npy_header *h, uint64_t file_size, char *err, size_t err_size)
{
    if (file_size < h->data_offset || file_size - h->data_offset != h->data_bytes) {
        char shape[NPY_HEADER_MAX];
        npy_format_shape(shape, sizeof shape, h->shape, h->ndim);
        const uint64_t have = file_size > h->data_offset ? file_size - h->data_offset : 0;
        return fail(err, err_size,
                    "%s: shape %s of '%s' needs %llu bytes of data but the "
                    "file has %llu",
                    have < h->data_bytes ? "truncated" : "size mismatch", shape, h->descr,
                    (unsigned long long)h->data_bytes, (unsigned long long)have);
    }
    return true;
}

void npy_format_shape(char *buf, size_t size, const uint64_t *shape, size_t ndim)
{
    size_t used = 0;
    used += (size_t)snprintf(buf, size, "(");
    for (size_t i = 0; i < ndim && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%llu", i ? ", " : "",
                                 (unsigned long long)shape[i]);
    if (used < size)
        snprintf(buf + used, size - used, "%s)", ndim == 1 ? "," : "");
}

size_t npy_format_header(char *buf, size_t size, const char *descr, const uint64_t *shape,
                         size_t ndim)
{
    char shape_text[NPY_HEADER_MAX];
    char text[NPY_HEADER_MAX];
    npy_format_shape(shape_text, sizeof shape_text, shape, ndim);
    const int n = snprintf(text, sizeof text,
                           "{'descr': '%s', 'fortran_order': False, "
                           "'shape': %s, }",
                           descr, shape_text);
    if (n < 0 || (size_t)n >= sizeof text)
        return 0;
    /* numpy pads with spaces and a final newline so the data starts 64-byte aligned. */
    const size_t prefix = (size_t)n + 1 + 10 > 65535 ? 12 : 10;
    size_t total = prefix + (size_t)n + 1;
    total = (total + 63) / 64 * 64;
    if (total > size)
        return 0;
    const size_t text_len = total - prefix;
    memcpy(buf, MAGIC, sizeof MAGIC);
    buf[6] = prefix == 10 ? 1 : 2;
    buf[7] = 0;
    buf[8] = (char)(text_len & 255);
    buf[9] = (char)(text_len >> 8 & 255);
    if (prefix == 12) {
        buf[10] = (char)(text_len >> 16 & 255);
        buf[11] = (char)(text_len >> 24 & 255);
    }
    memcpy(buf + prefix, text, (size_t)n);
    memset(buf + prefix + n, ' ', text_len - (size_t)n - 1);
    buf[total - 1] = '\n';
    return total;
}
