/* SPDX-License-Identifier: MIT */
/* PReLU forward on float16 and bfloat16 (leaky_prelu_f16, leaky_prelu_bf16), bit for bit
 * against its definition written here per element,
 *     y = narrow(x' > 0 ? x' : w[c] * x')      x' = widen(x), w float32,
 * (the software conversions, which test_half checks against the hardware and numpy):
 *   - the slope-row kernels of every path on all 65536 patterns of each type, each pattern
 *     with each slope, cut into chunks of every tail length;
 *   - the public functions on every path: all 65536 patterns through channel-at-dimension-1
 *     shapes with long and short inner runs (the two plans of src/prelu.c), channels last,
 *     shared slopes; out of place (misaligned, guard zones) and in place; small odd shapes;
 *     large arrays on 1 and 2 threads;
 *   - every argument error, with its message, and nothing written. */
#include <math.h>

#include "test.h"

/* 2^-20: float16 products of x in [-1, -2^-4] are float16 denormals; 1e-30: bfloat16
 * products of small x are float32 (so bfloat16) denormals, which vcvtneps2bf16 flushes. */
static const float slope_set[] = {0.25f, 0.0f, -0.5f, 1.5f, 0x1p-20f, 1e-30f};
enum { NS = sizeof slope_set / sizeof slope_set[0], ALL = 1 << 16 };

typedef leaky_status prelu_fn(const uint16_t *, uint16_t *, size_t, size_t, size_t, const float *,
                              size_t);

struct type {
    const char *name;
    float (*widen)(uint16_t);
    uint16_t (*narrow)(float);
    size_t row_kernel; /* offset of the slope-row kernel in the table */
    prelu_fn *prelu;
};

static const struct type types[] = {
    {"f16", leaky_widen_f16, leaky_narrow_f16, offsetof(struct leaky_kernels, f16_vprelu),
     leaky_prelu_f16},
    {"bf16", leaky_widen_bf16, leaky_narrow_bf16, offsetof(struct leaky_kernels, bf16_vprelu),
     leaky_prelu_bf16},
};

#define ROW(k, off) (*(leaky_prelu_u16_fn *const *)((const char *)(k) + (off)))

static uint16_t definition(const struct type *t, uint16_t h, float w)
{
    const float x = t->widen(h);
    return t->narrow(x > 0.0f ? x : w * x);
}

/* ------------------------------------------------------------ kernels */

static uint16_t xs[ALL], got[ALL];
static float ws[ALL];

static size_t chunk(size_t at) { return 1 + at % 67; }

static void check_row_kernel(const struct type *t, const struct leaky_kernels *k, const char *label)
{
    const struct leaky_f32_params plain = {.slope = 0};
    for (int r = 0; r < NS; r++) { /* rotation r: pattern i takes slope (i + r) % NS */
        for (uint32_t i = 0; i < ALL; i++)
            ws[i] = slope_set[(i + (uint32_t)r) % NS];
        for (size_t at = 0, len; at < ALL; at += len) {
            len = chunk(at) < ALL - at ? chunk(at) : ALL - at;
            ROW(k, t->row_kernel)(len, xs + at, ws + at, got + at, &plain);
        }
        uint32_t i = 0;
        while (i < ALL && got[i] == definition(t, xs[i], ws[i]))
            i++;
        CHECK(i == ALL,
              "%s vprelu kernel on %s: x = 0x%04X, w = %g gave 0x%04X, expected "
              "0x%04X",
              t->name, label, i < ALL ? xs[i] : 0, i < ALL ? (double)ws[i] : 0.0,
              i < ALL ? got[i] : 0, i < ALL ? definition(t, xs[i], ws[i]) : 0);
    }
}

static void check_kernels(const struct type *t)
{
    leaky_isa isas[LEAKY_ISA_COUNT];
    const int nisas = test_isas(isas);
    for (int k = 0; k < nisas; k++)
        check_row_kernel(t, leaky_kernels_for_isa(isas[k]), leaky_isa_name(isas[k]));
#if defined(__x86_64__)
    /* With AVX512_BF16 the AVX-512 table narrows bfloat16 with vcvtneps2bf16: the integer
     * kernel, which other AVX-512 CPUs get, is checked too. */
    const struct leaky_kernels *avx512 = leaky_kernels_for_isa(LEAKY_ISA_AVX512);
    if (avx512 && (leaky_cpu_features() & LEAKY_CPU_AVX512_BF16)) {
        struct leaky_kernels integer = *avx512;
        integer.bf16_vprelu = leaky_bf16_vprelu__avx512;
        check_row_kernel(t, &integer, "avx512 without AVX512_BF16");
    }
#endif
}

/* ------------------------------------------------------------ public functions */

/* An array of outer x channels x inner elements, element i holding pattern i % 65536 (so
 * every pattern when there are at least 65536), with guard zones around the output. */
struct shape {
    const char *layout;
    size_t outer, channels, inner;
};

/* Long inner runs (one slope each), short ones (a slope row), channels last. */
static const struct shape big_shapes[] = {
    {"NCHW, long runs", 4, 3, 5462},
    {"NCHW, short runs", 1561, 6, 7},
    {"channels last", 10923, 6, 1},
    {"channels last, 1 channel", 65537, 1, 1},
};

enum { GUARD = 32, SENTINEL = 0x7DAD, BIG = 65562 + 2 };
static uint16_t in_buf[BIG + 2 * GUARD], out_buf[BIG + 2 * GUARD], want_buf[BIG];

/* Runs one call out of place (y one element off alignment, guard zones) and in place;
 * false with a message on the first difference. */
static bool run_case(const struct type *t, const struct shape *s, const float *slopes,
                     size_t num_slopes, const char *path, unsigned long long *bad)
{
    const size_t n = s->outer * s->channels * s->inner;
    uint16_t *x = in_buf + GUARD, *y = out_buf + GUARD + 1;
    for (size_t i = 0; i < n; i++) {
        x[i] = (uint16_t)i;
        const size_t c = num_slopes == 1 ? 0 : i / s->inner % s->channels;
        want_buf[i] = definition(t, x[i], slopes[c]);
    }
    for (size_t i = 0; i < BIG + 2 * GUARD; i++)
        out_buf[i] = SENTINEL;
    leaky_status st = t->prelu(x, y, s->outer, s->channels, s->inner, slopes, num_slopes);
    bool ok = st == LEAKY_OK;
    size_t i = 0;
    while (ok && i < n && y[i] == want_buf[i])
        i++;
    ok = ok && i == n;
    for (const uint16_t *q = out_buf; ok && q < y; q++)
        ok = *q == SENTINEL;
    for (const uint16_t *q = y + n; ok && q < out_buf + BIG + 2 * GUARD; q++)
        ok = *q == SENTINEL;
    if (ok) { /* in place */
        memcpy(y, x, n * sizeof *y);
        st = t->prelu(y, y, s->outer, s->channels, s->inner, slopes, num_slopes);
        ok = st == LEAKY_OK && memcmp(y, want_buf, n * sizeof *y) == 0;
    }
    if (!ok && (*bad)++ < 5)
        fprintf(stderr,
                "FAIL %s %s on %s, %zu x %zu x %zu, %zu slope(s) from %g: status %d "
                "(%s), first difference at %zu of %zu, or a write outside y\n",
                t->name, s->layout, path, s->outer, s->channels, s->inner, num_slopes,
                (double)slopes[0], (int)st, st == LEAKY_OK ? "ok" : leaky_last_error(), i, n);
    return ok;
}

static void check_public(const struct type *t)
{
    leaky_isa isas[LEAKY_ISA_COUNT];
    const int nisas = test_isas(isas);
    for (int k = 0; k < nisas; k++) {
        const char *path = leaky_isa_name(isas[k]);
        CHECK(leaky_set_isa(isas[k]) == LEAKY_OK, "set %s", path);
        unsigned long long bad = 0, cases = 0;
        for (size_t si = 0; si < sizeof big_shapes / sizeof big_shapes[0]; si++) {
            const struct shape *s = &big_shapes[si];
            /* Every slope shared by the whole array, then per channel in every rotation
             * (so each pattern meets each slope in each channel position). */
            for (int r = 0; r < NS; r++, cases++)
                run_case(t, s, &slope_set[r], 1, path, &bad);
            if (s->channels == 1)
                continue;
            float per[NS];
            for (int r = 0; r < NS; r++, cases++) {
                for (size_t c = 0; c < s->channels; c++)
                    per[c] = slope_set[(c + (size_t)r) % NS];
                run_case(t, s, per, s->channels, path, &bad);
            }
        }
        /* Small odd shapes: every tail, both plans, random patterns. */
        float per[9];
        for (size_t outer = 0; outer <= 3; outer++)
            for (size_t channels = 1; channels <= 9; channels += 2)
                for (size_t inner = 1; inner <= 300; inner += inner < 12 ? 1 : 97) {
                    for (size_t c = 0; c < channels; c++)
                        per[c] = slope_set[mix((uint32_t)(c + 7 * inner)) % NS];
                    const struct shape s = {"small", outer, channels, inner};
                    run_case(t, &s, per, channels, path, &bad);
                    run_case(t, &s, per, 1, path, &bad);
                    cases += 2;
                }
        CHECK(bad == 0, "%s prelu on %s: %llu of %llu cases wrong", t->name, path, bad, cases);
        printf("%s prelu on %s: %llu cases\n", t->name, path, cases);
    }
    leaky_set_isa(leaky_isa_best());
}

/* Large arrays (split across threads when there are several): the same bits on 1 and 2
 * threads, and the definition's. */
static void check_threads(const struct type *t)
{
    const size_t outer = (1u << 18) + 3, channels = 3, n = outer * channels;
    uint16_t *x = malloc(n * sizeof *x), *y1 = malloc(n * sizeof *y1), *y2 = malloc(n * sizeof *y2);
    CHECK(x && y1 && y2, "out of memory");
    if (!x || !y1 || !y2)
        goto out;
    for (size_t i = 0; i < n; i++)
        x[i] = (uint16_t)mix((uint32_t)i);
    const float per[3] = {0.25f, -0.5f, 0x1p-20f};
    for (int shared = 0; shared < 2; shared++) {
        const size_t ns = shared ? 1 : channels;
        CHECK(leaky_set_num_threads(1) == LEAKY_OK, "1 thread");
        CHECK(t->prelu(x, y1, outer, channels, 1, per, ns) == LEAKY_OK, "%s", leaky_last_error());
        CHECK(leaky_set_num_threads(2) == LEAKY_OK, "2 threads");
        CHECK(t->prelu(x, y2, outer, channels, 1, per, ns) == LEAKY_OK, "%s", leaky_last_error());
        size_t i = 0;
        while (i < n && y1[i] == definition(t, x[i], per[shared ? 0 : i % channels]))
            i++;
        CHECK(i == n, "%s prelu, %zu elements, 1 thread: element %zu differs", t->name, n, i);
        CHECK(memcmp(y1, y2, n * sizeof *y1) == 0,
              "%s prelu, %zu elements: 2 threads differ "
              "from 1",
              t->name, n);
    }
    leaky_set_num_threads(0);
out:
    free(x);
    free(y1);
    free(y2);
}

/* ------------------------------------------------------------ errors */

static void expect_error(leaky_status st, const char *fragment, const char *what)
{
    CHECK(st == LEAKY_EINVAL && strstr(leaky_last_error(), fragment) != NULL,
          "%s: status %d, message '%s', expected EINVAL with '%s'", what, (int)st,
          leaky_last_error(), fragment);
}

static void check_errors(const struct type *t)
{
    uint16_t x[12] = {0x3C00, 0xBC00};
    _Alignas(16) uint16_t y[12]; /* y + 2 serves as a (float) slope array */
    const uint16_t before[12] = {0x1111, 0x1111, 0x1111, 0x1111, 0x1111, 0x1111,
                                 0x1111, 0x1111, 0x1111, 0x1111, 0x1111, 0x1111};
    memcpy(y, before, sizeof y);
    const float ok3[3] = {0.25f, 0.0f, -0.5f};
    const float inf3[3] = {0.25f, INFINITY, 0.0f};
    const float nan1[1] = {NAN};
    char text[160];
    snprintf(text, sizeof text,
             "leaky_prelu_%s: num_slopes is 2 but the array has 3 "
             "channels; expected 1 (one shared slope) or 3 (one per channel)",
             t->name);
    expect_error(t->prelu(x, y, 2, 3, 2, ok3, 2), text, "slope count");
    snprintf(text, sizeof text, "leaky_prelu_%s: slopes[1] is inf; expected a finite number",
             t->name);
    expect_error(t->prelu(x, y, 2, 3, 2, inf3, 3), text, "inf slope");
    snprintf(text, sizeof text, "leaky_prelu_%s: slopes[0] is nan", t->name);
    expect_error(t->prelu(x, y, 4, 3, 1, nan1, 1), text, "NaN shared slope");
    expect_error(t->prelu(NULL, NULL, 0, 3, 1, nan1, 1), "slopes[0] is nan",
                 "NaN slope on an empty array");
    snprintf(text, sizeof text, "leaky_prelu_%s: slopes is NULL", t->name);
    expect_error(t->prelu(x, y, 2, 3, 2, NULL, 3), text, "NULL slopes");
    snprintf(text, sizeof text, "leaky_prelu_%s: x is NULL with n = 12", t->name);
    expect_error(t->prelu(NULL, y, 2, 3, 2, ok3, 3), text, "NULL x");
    expect_error(t->prelu(x, NULL, 2, 3, 2, ok3, 3), "y is NULL with n = 12", "NULL y");
    expect_error(t->prelu(x, x + 1, 1, 3, 2, ok3, 3), "x and y overlap by 10 bytes",
                 "x, y overlap");
    expect_error(t->prelu(x, y, 1, 3, 2, (const float *)(const void *)(y + 2), 3),
                 "slopes and y overlap", "slopes inside y");
    expect_error(t->prelu(x, y, SIZE_MAX / 4, 3, 2, ok3, 3), "is larger than any array can be",
                 "size overflow");
    CHECK(memcmp(y, before, sizeof y) == 0, "%s prelu: an error wrote to the output", t->name);
    CHECK(t->prelu(NULL, NULL, 0, 3, 2, ok3, 3) == LEAKY_OK, "%s prelu: outer 0 with NULL",
          t->name);
    CHECK(t->prelu(NULL, NULL, 5, 0, 2, ok3, 1) == LEAKY_OK, "%s prelu: 0 channels with NULL",
          t->name);
}

int main(void)
{
    for (uint32_t i = 0; i < ALL; i++)
        xs[i] = (uint16_t)i;
    for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++) {
        const struct type *t = &types[ti];
        check_kernels(t);
        check_public(t);
        check_threads(t);
        check_errors(t);
    }
    return test_finish("test_half_prelu");
}
