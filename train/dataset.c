/* SPDX-License-Identifier: MIT */
#include "dataset.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "mnist.h"
#include "npy.h"

static bool failf(char *err, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool failf(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
    return false;
}

void dataset_free(dataset *set)
{
    free(set->bytes);
    free(set->values);
    free(set->labels);
    memset(set, 0, sizeof *set);
}

/* The number of classes from the labels (the largest plus one). */
static void count_classes(dataset *set)
{
    size_t top = 0;
    for (size_t i = 0; i < set->count; i++)
        if (set->labels[i] > top)
            top = set->labels[i];
    set->classes = top + 1;
}

bool dataset_load_idx(const char *dir, const char *prefix, dataset *set, char *err, size_t err_size)
{
    memset(set, 0, sizeof *set);
    mnist_set m;
    if (!mnist_load(dir, prefix, &m, err, err_size))
        return false;
    *set = (dataset){.count = m.count,
                     .features = m.rows * m.cols,
                     .classes = MNIST_CLASSES,
                     .height = m.rows,
                     .width = m.cols,
                     .bytes = m.pixels,
                     .labels = m.labels};
    return true;
}

/* ------------------------------------------------------------------ .npy */

/* A whole file in memory. */
static bool read_file(const char *path, uint8_t **data, size_t *size, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return failf(err, err_size, "%s: cannot open it: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            return failf(err, err_size, "%s: out of memory reading it", path);
        }
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *grown = realloc(buf, cap * 2);
        if (!grown)
            free(buf);
        buf = grown;
        cap *= 2;
    }
    const bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return failf(err, err_size, "%s: cannot read it: %s", path, strerror(EIO));
    }
    *data = buf;
    *size = n;
    return true;
}

/* Element i of an array of kind / itemsize / byte order, as a double. */
static double npy_element(const uint8_t *p, const npy_header *h, size_t i)
{
    const size_t w = (size_t)h->itemsize;
    const uint8_t *e = p + i * w;
    const bool big = h->byte_order == '>';
    uint64_t u = 0; /* the bits, whatever the file's byte order */
    for (size_t k = 0; k < w; k++)
        u |= (uint64_t)e[big ? w - 1 - k : k] << (8 * k);
    if (h->kind == 'f') {
        if (w == 4) {
            const uint32_t u32 = (uint32_t)u;
            float f;
            memcpy(&f, &u32, 4);
            return f;
        }
        double d;
        memcpy(&d, &u, 8);
        return d;
    }
    if (h->kind == 'i' && w < 8 && (u >> (8 * w - 1)) & 1)
        u |= ~(uint64_t)0 << (8 * w); /* sign extension */
    return h->kind == 'i' ? (double)(int64_t)u : (double)u;
}

static bool open_npy(const char *path, uint8_t **data, npy_header *h, char *err, size_t err_size)
{
    size_t size;
    if (!read_file(path, data, &size, err, err_size))
        return false;
    char why[512];
    if (!npy_parse_header(*data, size, h, why, sizeof why) ||
        !npy_check_size(h, size, why, sizeof why)) {
        free(*data);
        return failf(err, err_size, "%s: %s", path, why);
    }
    if (h->fortran_order && h->ndim > 1) {
        free(*data);
        return failf(err, err_size,
                     "%s: the array is in Fortran order; expected C order "
                     "(save np.ascontiguousarray(a))",
                     path);
    }
    return true;
}

bool dataset_load_npy(const char *features, const char *labels, dataset *set, char *err,
                      size_t err_size)
{
    memset(set, 0, sizeof *set);
    uint8_t *xd, *yd;
    npy_header xh, yh;
    if (!open_npy(features, &xd, &xh, err, err_size))
        return false;
    if (!open_npy(labels, &yd, &yh, err, err_size)) {
        free(xd);
        return false;
    }
    bool ok = false;
    char shape[256];
    const bool x_float = xh.kind == 'f' && (xh.itemsize == 4 || xh.itemsize == 8);
    const bool x_byte = xh.kind == 'u' && xh.itemsize == 1;
    const bool y_int =
        (yh.kind == 'i' || yh.kind == 'u') &&
        (yh.itemsize == 1 || yh.itemsize == 2 || yh.itemsize == 4 || yh.itemsize == 8);
    if (xh.structured || !(x_float || x_byte)) {
        failf(err, err_size,
              "%s: the features are of dtype '%s'; expected float32, float64 or "
              "uint8",
              features, xh.descr);
    } else if (xh.ndim == 0) {
        failf(err, err_size,
              "%s: a single number; expected an array whose first axis is the "
              "examples",
              features);
    } else if (yh.structured || !y_int) {
        failf(err, err_size,
              "%s: the labels are of dtype '%s'; expected integers (int8 to "
              "int64, uint8 to uint64)",
              labels, yh.descr);
    } else if (!(yh.ndim == 1 || (yh.ndim == 2 && yh.shape[1] == 1))) {
        npy_format_shape(shape, sizeof shape, yh.shape, yh.ndim);
        failf(err, err_size, "%s: the labels have shape %s; expected (n,) or (n, 1)", labels,
              shape);
    } else if (xh.shape[0] != yh.shape[0]) {
        failf(err, err_size,
              "%s has %llu examples but %s has %llu labels; expected as many "
              "labels as examples",
              features, (unsigned long long)xh.shape[0], labels, (unsigned long long)yh.shape[0]);
    } else if (xh.shape[0] == 0 || xh.count == 0) {
        failf(err, err_size, "%s: no examples (shape with a zero)", features);
    } else {
        set->count = (size_t)xh.shape[0];
        set->features = (size_t)(xh.count / xh.shape[0]);
        if (xh.ndim == 3 || (xh.ndim == 4 && xh.shape[1] == 1)) {
            set->height = (size_t)xh.shape[xh.ndim - 2];
            set->width = (size_t)xh.shape[xh.ndim - 1];
        }
        set->labels = malloc(set->count * sizeof *set->labels);
        if (x_byte)
            set->bytes = malloc(set->count * set->features);
        else
            set->values = malloc(set->count * set->features * sizeof(float));
        if (!set->labels || !(set->bytes || set->values)) {
            failf(err, err_size, "%s: out of memory for %zu x %zu features", features, set->count,
                  set->features);
            goto done;
        }
        const uint8_t *xp = xd + xh.data_offset, *yp = yd + yh.data_offset;
        for (size_t i = 0; i < set->count; i++) {
            const double v = npy_element(yp, &yh, i);
            if (v < 0 || v >= MAX_CLASSES) {
                failf(err, err_size, "%s: label %zu is %.0f; expected 0 to %d", labels, i, v,
                      MAX_CLASSES - 1);
                goto done;
            }
            set->labels[i] = (class_label)v;
        }
        if (x_byte) {
            memcpy(set->bytes, xp, set->count * set->features);
        } else {
            for (size_t i = 0; i < set->count * set->features; i++) {
                const double v = npy_element(xp, &xh, i);
                if (!isfinite(v) || !isfinite((float)v)) {
                    failf(err, err_size,
                          "%s: feature %zu of example %zu is %g; expected a "
                          "finite float32 number",
                          features, i % set->features, i / set->features, v);
                    goto done;
                }
                set->values[i] = (float)v;
            }
        }
        count_classes(set);
        ok = true;
    }
done:
    free(xd);
    free(yd);
    if (!ok)
        dataset_free(set);
    return ok;
}

/* ------------------------------------------------------------------ CSV */

/* A field as a number: the whole field, spaces around it allowed. */
static bool parse_field(const char *s, size_t len, double *v)
{
    char buf[128];
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        len--;
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    *v = strtod(buf, &end);
    return *end == '\0';
}

/* The fields of one line (no quoting: numbers only); *n gets their count. */
static size_t split_fields(char *line, const char **starts, size_t *lens, size_t cap)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        char *comma = strchr(p, ',');
        if (n < cap) {
            starts[n] = p;
            lens[n] = comma ? (size_t)(comma - p) : strlen(p);
        }
        n++;
        if (!comma)
            return n;
        p = comma + 1;
    }
}

bool dataset_load_csv(const char *path, const char *label_column, dataset *set, char *err,
                      size_t err_size)
{
    memset(set, 0, sizeof *set);
    uint8_t *text;
    size_t size;
    if (!read_file(path, &text, &size, err, err_size))
        return false;
    char *buf = realloc(text, size + 1);
    if (!buf) {
        free(text);
        return failf(err, err_size, "%s: out of memory reading it", path);
    }
    buf[size] = '\0';
    enum { MAX_FIELDS = 1 << 16 };
    const char **starts = malloc(MAX_FIELDS * sizeof *starts);
    size_t *lens = malloc(MAX_FIELDS * sizeof *lens);
    bool ok = false;
    size_t fields = 0, label = 0, line_no = 0, rows = 0, cap = 0;
    bool label_known = false;
    if (!starts || !lens) {
        failf(err, err_size, "%s: out of memory", path);
        goto done;
    }
    for (char *line = buf, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        line_no++;
        if (line[strspn(line, " \t\r")] == '\0')
            continue; /* blank lines (a last newline, a trailing one) */
        const size_t n = split_fields(line, starts, lens, MAX_FIELDS);
        if (n > MAX_FIELDS) {
            failf(err, err_size, "%s: line %zu has %zu fields; at most %d", path, line_no, n,
                  MAX_FIELDS);
            goto done;
        }
        double v;
        if (fields == 0) {
            fields = n;
            if (n < 2) {
                failf(err, err_size,
                      "%s: line %zu has one field; expected features and a "
                      "label separated by commas",
                      path, line_no);
                goto done;
            }
            bool header = false;
            for (size_t i = 0; i < n && !header; i++)
                header = !parse_field(starts[i], lens[i], &v);
            char *end;
            const unsigned long idx = strtoul(label_column, &end, 10);
            if (label_column[0] >= '0' && label_column[0] <= '9' && *end == '\0') {
                if (idx >= n) {
                    failf(err, err_size, "--label-column %s: %s has %zu columns (0 to %zu)",
                          label_column, path, n, n - 1);
                    goto done;
                }
                label = idx;
                label_known = true;
            }
            if (header) {
                for (size_t i = 0; i < n && !label_known; i++)
                    if (lens[i] == strlen(label_column) &&
                        memcmp(starts[i], label_column, lens[i]) == 0) {
                        label = i;
                        label_known = true;
                    }
                if (!label_known) {
                    failf(err, err_size,
                          "--label-column %s: no such column in the header of "
                          "%s (line 1)",
                          label_column, path);
                    goto done;
                }
                continue;
            }
            if (!label_known) {
                failf(err, err_size,
                      "--label-column %s: %s has no header line, so the label "
                      "column must be a number (0 to %zu)",
                      label_column, path, n - 1);
                goto done;
            }
        }
        if (n != fields) {
            failf(err, err_size, "%s: line %zu has %zu fields; expected %zu like the first line",
                  path, line_no, n, fields);
            goto done;
        }
        if (rows == cap) {
            cap = cap ? 2 * cap : 1024;
            float *values = realloc(set->values, cap * (fields - 1) * sizeof(float));
            if (values)
                set->values = values;
            class_label *labels = realloc(set->labels, cap * sizeof *labels);
            if (labels)
                set->labels = labels;
            if (!values || !labels) {
                failf(err, err_size, "%s: out of memory at line %zu", path, line_no);
                goto done;
            }
        }
        float *row = set->values + rows * (fields - 1);
        for (size_t i = 0, k = 0; i < n; i++) {
            if (!parse_field(starts[i], lens[i], &v)) {
                failf(err, err_size, "%s: line %zu, field %zu is '%.*s'; expected a number", path,
                      line_no, i, (int)(lens[i] < 40 ? lens[i] : 40), starts[i]);
                goto done;
            }
            if (i == label) {
                if (v != floor(v) || v < 0 || v >= MAX_CLASSES) {
                    failf(err, err_size,
                          "%s: line %zu: the label is %.*s; expected a whole "
                          "number from 0 to %d",
                          path, line_no, (int)(lens[i] < 40 ? lens[i] : 40), starts[i],
                          MAX_CLASSES - 1);
                    goto done;
                }
                set->labels[rows] = (class_label)v;
            } else {
                if (!isfinite(v) || !isfinite((float)v)) {
                    failf(err, err_size,
                          "%s: line %zu, field %zu is %g; expected a finite "
                          "float32 number",
                          path, line_no, i, v);
                    goto done;
                }
                row[k++] = (float)v;
            }
        }
        rows++;
    }
    if (rows == 0) {
        failf(err, err_size, "%s: no examples", path);
        goto done;
    }
    set->count = rows;
    set->features = fields - 1;
    count_classes(set);
    ok = true;
done:
    free(starts);
    free(lens);
    free(buf);
    if (!ok)
        dataset_free(set);
    return ok;
}

/* ------------------------------------------------------------------ split, inputs */

static int cmp_u32(const void *a, const void *b)
{
    const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

bool dataset_split(const dataset *set, double fraction, uint64_t seed, uint32_t **train_rows,
                   size_t *n_train, uint32_t **test_rows, size_t *n_test)
{
    uint32_t *train = malloc(set->count * sizeof *train);
    uint32_t *test = malloc(set->count * sizeof *test);
    uint32_t *by_class = malloc(set->count * sizeof *by_class);
    size_t *start = calloc(set->classes + 1, sizeof *start);
    if (!train || !test || !by_class || !start) {
        free(train);
        free(test);
        free(by_class);
        free(start);
        return false;
    }
    /* The rows grouped by class, ascending within each: one pass over the rows, not one per
     * class, which with thousands of classes would be the slowest part of a short run. */
    for (size_t i = 0; i < set->count; i++)
        start[set->labels[i] + 1]++;
    for (size_t c = 0; c < set->classes; c++)
        start[c + 1] += start[c];
    for (size_t i = 0; i < set->count; i++)
        by_class[start[set->labels[i]]++] = (uint32_t)i;
    size_t nt = 0, ne = 0;
    uint64_t state = seed;
    size_t first = 0; /* the filling moved each start[c] to where class c ends */
    for (size_t c = 0; c < set->classes; c++) {
        uint32_t *members = by_class + first;
        const size_t n = start[c] - first;
        first = start[c];
        for (size_t i = n; i > 1; i--) {
            const uint32_t j = rng_below(&state, (uint32_t)i);
            const uint32_t t = members[i - 1];
            members[i - 1] = members[j];
            members[j] = t;
        }
        size_t to_test = (size_t)llround(fraction * (double)n);
        if (n > 0 && to_test >= n)
            to_test = n - 1;
        for (size_t i = 0; i < n; i++) {
            if (i < to_test)
                test[ne++] = members[i];
            else
                train[nt++] = members[i];
        }
    }
    free(by_class);
    free(start);
    qsort(train, nt, sizeof *train, cmp_u32);
    qsort(test, ne, sizeof *test, cmp_u32);
    *train_rows = train;
    *test_rows = test;
    *n_train = nt;
    *n_test = ne;
    return true;
}

static size_t row_of(const dataset_view *v, size_t i) { return v->rows ? v->rows[i] : i; }

/* Rewrites feature k of every row of set as (v - mean) / std. */
static void standardise_column(dataset *set, size_t k, double mean, double std)
{
    const size_t f = set->features;
    for (size_t i = 0; i < set->count; i++)
        set->values[i * f + k] = (float)((set->values[i * f + k] - mean) / std);
}

void dataset_standardise(dataset_view *train, dataset_view *test)
{
    const dataset *set = train->set;
    const size_t f = set->features;
    if (set->bytes) {
        uint64_t hist[256] = {0};
        for (size_t i = 0; i < train->count; i++) {
            const uint8_t *p = set->bytes + row_of(train, i) * f;
            for (size_t k = 0; k < f; k++)
                hist[p[k]]++;
        }
        double sum = 0.0, sq = 0.0;
        for (int v = 0; v < 256; v++) {
            const double x = v / 255.0;
            sum += (double)hist[v] * x;
            sq += (double)hist[v] * x * x;
        }
        const double n = (double)train->count * (double)f;
        const double mean = sum / n;
        const double var = sq / n - mean * mean;
        const double std = var > 0 ? sqrt(var) : 1.0;
        train->scale = test->scale = (float)(1.0 / (255.0 * std));
        train->shift = test->shift = (float)(-mean / std);
        return;
    }
    train->scale = test->scale = 1.0f;
    train->shift = test->shift = 0.0f;
    for (size_t k = 0; k < f; k++) {
        double sum = 0.0;
        for (size_t i = 0; i < train->count; i++)
            sum += set->values[row_of(train, i) * f + k];
        const double mean = sum / (double)train->count;
        double ss = 0.0;
        for (size_t i = 0; i < train->count; i++) {
            const double d = set->values[row_of(train, i) * f + k] - mean;
            ss += d * d;
        }
        const double std = ss > 0 ? sqrt(ss / (double)train->count) : 1.0;
        standardise_column(train->set, k, mean, std);
        if (test->set != train->set)
            standardise_column(test->set, k, mean, std);
    }
}

/* The rows of a shuffled batch lie anywhere in the set, so nearly every one misses the
 * caches: the row GATHER_AHEAD places on is prefetched while this one is converted (with
 * the wide conversion, several times faster: docs/EXPERIMENTS.md, 'Speed'). */
enum { GATHER_AHEAD = 2 };

void dataset_gather(const dataset_view *view, const uint32_t *order, size_t first, size_t n,
                    float *x, class_label *labels)
{
    const dataset *set = view->set;
    const size_t f = set->features;
    for (size_t r = 0; r < n; r++) {
        if (set->bytes && r + GATHER_AHEAD < n) {
            const size_t ahead = first + r + GATHER_AHEAD;
            const uint8_t *row = set->bytes + row_of(view, order ? order[ahead] : ahead) * f;
            for (size_t k = 0; k < f; k += 64)
                __builtin_prefetch(row + k);
            __builtin_prefetch(row + f - 1);
        }
        const size_t i = row_of(view, order ? order[first + r] : first + r);
        if (set->bytes)
            nn_scale_bytes(set->bytes + i * f, x + r * f, f, view->scale, view->shift);
        else
            memcpy(x + r * f, set->values + i * f, f * sizeof *x);
        labels[r] = set->labels[i];
    }
}

size_t dataset_classes_present(const dataset_view *view)
{
    uint64_t seen[MAX_CLASSES / 64] = {0}; /* a bit per class: 8 KB */
    size_t n = 0;
    for (size_t i = 0; i < view->count; i++) {
        const class_label c = view->set->labels[row_of(view, i)];
        const uint64_t bit = (uint64_t)1 << (c % 64);
        n += !(seen[c / 64] & bit);
        seen[c / 64] |= bit;
    }
    return n;
}
