/* SPDX-License-Identifier: MIT */
/* float16 and bfloat16:
 *   - the software conversions: every one of the 65536 patterns widens and narrows back
 *     to itself (NaN: quieted); narrowing agrees with a nearest-neighbour search written
 *     here, on every midpoint between neighbours, one float32 step either side, and
 *     random float32 patterns;
 *   - every kernel of every path against the scalar reference, bit for bit, on all 65536
 *     patterns of each type, for each slope, cut into chunks of every tail length;
 *   - the reference against its definition, narrow(f32 rule(widen(x)));
 *   - the public functions: in place, misaligned, guard zones, every error case.
 * test_half exhaustive: the software narrowing against the x86 conversion instructions
 * for all 2^32 float32 patterns. */
#include <math.h>

#include "test.h"

static const float slopes[] = {0.01f, 0.0f, -0.5f, 1.5f, 3e38f, 1e-30f};
enum { NSLOPES = sizeof slopes / sizeof slopes[0], ALL = 1 << 16 };

struct type {
    const char *name;
    float (*widen)(uint16_t);
    uint16_t (*narrow)(float);
    uint16_t inf, quiet_bit;              /* +inf's pattern; the quiet bit of a NaN */
    size_t forward, backward, derivative; /* the kernels' offsets in the table */
    size_t widen_array, narrow_array;
    leaky_status (*relu)(const uint16_t *, uint16_t *, size_t, float);
    leaky_status (*relu_backward)(const uint16_t *, const uint16_t *, uint16_t *, size_t, float);
    leaky_status (*relu_derivative)(const uint16_t *, uint16_t *, size_t, float);
};

static const struct type types[] = {
    {"f16", leaky_widen_f16, leaky_narrow_f16, 0x7C00, 0x0200,
     offsetof(struct leaky_kernels, f16_vlrelu),
     offsetof(struct leaky_kernels, f16_vlrelu_backward),
     offsetof(struct leaky_kernels, f16_vlrelu_derivative),
     offsetof(struct leaky_kernels, f16_widen), offsetof(struct leaky_kernels, f16_narrow),
     leaky_relu_f16, leaky_relu_backward_f16, leaky_relu_derivative_f16},
    {"bf16", leaky_widen_bf16, leaky_narrow_bf16, 0x7F80, 0x0040,
     offsetof(struct leaky_kernels, bf16_vlrelu),
     offsetof(struct leaky_kernels, bf16_vlrelu_backward),
     offsetof(struct leaky_kernels, bf16_vlrelu_derivative),
     offsetof(struct leaky_kernels, bf16_widen), offsetof(struct leaky_kernels, bf16_narrow),
     leaky_relu_bf16, leaky_relu_backward_bf16, leaky_relu_derivative_bf16},
};

#define UNARY(k, off) (*(leaky_unary_u16_fn *const *)((const char *)(k) + (off)))
#define BINARY(k, off) (*(leaky_binary_u16_fn *const *)((const char *)(k) + (off)))
#define WIDEN(k, off) (*(leaky_widen_u16_fn *const *)((const char *)(k) + (off)))
#define NARROW(k, off) (*(leaky_narrow_u16_fn *const *)((const char *)(k) + (off)))

static bool is_nan16(const struct type *t, uint16_t h) { return (h & 0x7FFF) > t->inf; }

/* ------------------------------------------------------------ conversions */

static void check_round_trip(const struct type *t)
{
    unsigned long long bad = 0;
    for (uint32_t h = 0; h < ALL; h++) {
        const uint16_t back = t->narrow(t->widen((uint16_t)h));
        const uint16_t want = is_nan16(t, (uint16_t)h) ? (uint16_t)(h | t->quiet_bit) : (uint16_t)h;
        if (back != want && bad++ < 5)
            fprintf(stderr,
                    "FAIL %s: 0x%04X widens to 0x%08" PRIX32 " and narrows to 0x%04X, "
                    "expected 0x%04X\n",
                    t->name, h, bits_of(t->widen((uint16_t)h)), back, want);
    }
    CHECK(bad == 0, "%s round trip: %llu of 65536 patterns wrong", t->name, bad);
    /* Widening keeps a NaN's payload; float16's comes out quiet, as F16C and FCVTL make it,
     * bfloat16's is a plain shift on every path (and stays signalling). */
    const uint16_t snan = (uint16_t)(t->inf | 1);
    const uint32_t want_bits =
        t->quiet_bit == 0x0200 ? 0x7FC00000u | 1u << 13 : 0x7F800000u | 1u << 16;
    CHECK(bits_of(t->widen(snan)) == want_bits, "%s: 0x%04X widens to 0x%08" PRIX32, t->name, snan,
          bits_of(t->widen(snan)));
}

/* The nearest value of the type to f by search: the largest finite non-negative pattern
 * whose value is <= |f|, then the nearer of it and the next, ties to the even pattern;
 * past the largest finite value, as IEEE: infinity from max + half a step on. */
static uint16_t nearest(const struct type *t, float f)
{
    const double v = fabs((double)f);
    const uint16_t sign = signbit(f) ? 0x8000 : 0;
    uint32_t lo = 0, hi = t->inf - 1u; /* widen(lo) <= v is kept true */
    while (lo < hi) {
        const uint32_t mid = (lo + hi + 1) / 2;
        if ((double)t->widen((uint16_t)mid) <= v)
            lo = mid;
        else
            hi = mid - 1;
    }
    const double below = t->widen((uint16_t)lo);
    /* The step above the largest finite value is the one below it (IEEE overflow rule). */
    const double step = lo + 1u < t->inf ? (double)t->widen((uint16_t)(lo + 1)) - below
                                         : below - (double)t->widen((uint16_t)(lo - 1));
    const double above = below + step;
    uint32_t r = lo;
    if (v - below > above - v || (v - below == above - v && (lo & 1)))
        r = lo + 1; /* lo + 1 == inf when past the top */
    return (uint16_t)(sign | r);
}

static void check_narrow_one(const struct type *t, float f, unsigned long long *bad)
{
    if (isnan(f))
        return;
    const uint16_t got = t->narrow(f), want = nearest(t, f);
    if (got != want && (*bad)++ < 5)
        fprintf(stderr, "FAIL %s: narrow(0x%08" PRIX32 " = %.9g) = 0x%04X, nearest is 0x%04X\n",
                t->name, bits_of(f), (double)f, got, want);
}

static void check_narrow(const struct type *t)
{
    unsigned long long bad = 0, count = 0;
    for (uint32_t h = 0; h < (uint32_t)t->inf; h++) {
        /* Each value, the midpoint to the next (a tie) and one float32 step either side. */
        const float a = t->widen((uint16_t)h);
        const float b = h + 1 < t->inf ? t->widen((uint16_t)(h + 1))
                                       : (float)(2.0 * a - (double)t->widen((uint16_t)(h - 1)));
        const float mid = (float)(((double)a + (double)b) / 2);
        const float probes[] = {a, mid, nextafterf(mid, 0.0f), nextafterf(mid, INFINITY)};
        for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
            check_narrow_one(t, probes[i], &bad);
            check_narrow_one(t, -probes[i], &bad);
            count += 2;
        }
    }
    for (uint32_t i = 0; i < 1000000; i++, count++)
        check_narrow_one(t, float_of(mix(i * 2654435761u + 12345u)), &bad);
    /* NaN: quiet, with the sign and the top payload bits. */
    const uint32_t nans[] = {0x7F800001u, 0xFF800001u, 0x7FC00000u, 0x7FBFFFFFu, 0xFFD55555u};
    for (size_t i = 0; i < sizeof nans / sizeof nans[0]; i++) {
        const uint16_t h = t->narrow(float_of(nans[i]));
        const int payload_shift = t->quiet_bit == 0x0200 ? 13 : 16;
        const uint16_t want = (uint16_t)((nans[i] >> 16 & 0x8000) | t->inf | t->quiet_bit |
                                         ((nans[i] & 0x7FFFFF) >> payload_shift));
        CHECK(h == want, "%s: NaN 0x%08" PRIX32 " narrows to 0x%04X, expected 0x%04X", t->name,
              nans[i], h, want);
    }
    CHECK(bad == 0, "%s narrowing: %llu of %llu values differ from the nearest", t->name, bad,
          count);
}

/* ------------------------------------------------------------ kernels */

static uint16_t xs[ALL], gs[ALL], want[ALL], got[ALL];

/* The reference against its definition: narrow(rule(widen(x))), written here per element. */
static void check_reference(const struct type *t, const struct leaky_kernels *ref)
{
    for (int s = 0; s < NSLOPES; s++) {
        const float a = slopes[s];
        const struct leaky_f32_params p = {.slope = a};
        unsigned long long bad[3] = {0, 0, 0};
        UNARY(ref, t->forward)(ALL, xs, want, &p);
        for (uint32_t i = 0; i < ALL; i++) {
            const float x = t->widen(xs[i]);
            bad[0] += want[i] != t->narrow(x > 0.0f ? x : a * x);
        }
        BINARY(ref, t->backward)(ALL, xs, gs, want, &p);
        for (uint32_t i = 0; i < ALL; i++) {
            const float x = t->widen(xs[i]), g = t->widen(gs[i]);
            bad[1] += want[i] != t->narrow(x > 0.0f ? g : a * g);
        }
        UNARY(ref, t->derivative)(ALL, xs, want, &p);
        for (uint32_t i = 0; i < ALL; i++)
            bad[2] += want[i] != t->narrow(t->widen(xs[i]) > 0.0f ? 1.0f : a);
        CHECK(bad[0] + bad[1] + bad[2] == 0,
              "%s reference, slope %g: %llu forward, %llu "
              "backward, %llu derivative results differ from the definition",
              t->name, (double)a, bad[0], bad[1], bad[2]);
    }
}

/* Chunks of 1 to 67 elements: every tail of every path. */
static size_t chunk(size_t at) { return 1 + at % 67; }

static void compare(const struct type *t, const char *what, const char *path, float slope)
{
    for (uint32_t i = 0; i < ALL; i++) {
        if (want[i] != got[i]) {
            CHECK(false,
                  "%s %s on %s, slope %g: x = 0x%04X g = 0x%04X gave 0x%04X, reference "
                  "0x%04X",
                  t->name, what, path, (double)slope, xs[i], gs[i], got[i], want[i]);
            return;
        }
    }
    CHECK(true, "%s", "");
}

/* The array conversions: every pattern widened; every value, midpoint and neighbour of
 * one, random float32 patterns and NaNs narrowed; in chunks of every tail length. */
static float fwant[4 * ALL], fgot[4 * ALL];
static uint16_t hwant[4 * ALL], hgot[4 * ALL];

static void check_convert(const struct type *t, const struct leaky_kernels *ref,
                          const struct leaky_kernels *path, const char *label)
{
    WIDEN(ref, t->widen_array)(ALL, xs, fwant);
    for (size_t at = 0, len; at < ALL; at += len) {
        len = chunk(at) < ALL - at ? chunk(at) : ALL - at;
        WIDEN(path, t->widen_array)(len, xs + at, fgot + at);
    }
    size_t i = 0;
    while (i < ALL && bits_of(fwant[i]) == bits_of(fgot[i]))
        i++;
    CHECK(i == ALL, "%s widen on %s: 0x%04X gave 0x%08" PRIX32 ", reference 0x%08" PRIX32, t->name,
          label, i < ALL ? xs[i] : 0, i < ALL ? bits_of(fgot[i]) : 0,
          i < ALL ? bits_of(fwant[i]) : 0);
    const size_t n = 4 * ALL;
    for (uint32_t h = 0; h < ALL; h++) {
        const float a = t->widen((uint16_t)h), b = t->widen((uint16_t)(h + 1));
        const float mid = isfinite(a) && isfinite(b) ? (float)(((double)a + b) / 2) : a;
        fwant[4 * h] = a;
        fwant[4 * h + 1] = mid;
        fwant[4 * h + 2] = nextafterf(mid, (float)-INFINITY);
        fwant[4 * h + 3] = float_of(mix(h) ^ (h & 1 ? 0x7F800000u : 0)); /* some NaN */
    }
    NARROW(ref, t->narrow_array)(n, fwant, hwant);
    for (size_t at = 0, len; at < n; at += len) {
        len = chunk(at) < n - at ? chunk(at) : n - at;
        NARROW(path, t->narrow_array)(len, fwant + at, hgot + at);
    }
    i = 0;
    while (i < n && hwant[i] == hgot[i])
        i++;
    CHECK(i == n, "%s narrow on %s: 0x%08" PRIX32 " gave 0x%04X, reference 0x%04X", t->name, label,
          i < n ? bits_of(fwant[i]) : 0, i < n ? hgot[i] : 0, i < n ? hwant[i] : 0);
}

static void check_table(const struct type *t, const struct leaky_kernels *ref,
                        const struct leaky_kernels *path, const char *label)
{
    for (int s = 0; s < NSLOPES; s++) {
        const struct leaky_f32_params p = {.slope = slopes[s]};
        UNARY(ref, t->forward)(ALL, xs, want, &p);
        for (size_t at = 0, len; at < ALL; at += len) {
            len = chunk(at) < ALL - at ? chunk(at) : ALL - at;
            UNARY(path, t->forward)(len, xs + at, got + at, &p);
        }
        compare(t, "forward", label, slopes[s]);
        BINARY(ref, t->backward)(ALL, xs, gs, want, &p);
        for (size_t at = 0, len; at < ALL; at += len) {
            len = chunk(at) < ALL - at ? chunk(at) : ALL - at;
            BINARY(path, t->backward)(len, xs + at, gs + at, got + at, &p);
        }
        compare(t, "backward", label, slopes[s]);
        UNARY(ref, t->derivative)(ALL, xs, want, &p);
        for (size_t at = 0, len; at < ALL; at += len) {
            len = chunk(at) < ALL - at ? chunk(at) : ALL - at;
            UNARY(path, t->derivative)(len, xs + at, got + at, &p);
        }
        compare(t, "derivative", label, slopes[s]);
    }
    check_convert(t, ref, path, label);
}

static void check_paths(const struct type *t, const struct leaky_kernels *ref)
{
    leaky_isa isas[LEAKY_ISA_COUNT];
    const int nisas = test_isas(isas);
    for (int k = 0; k < nisas; k++)
        check_table(t, ref, leaky_kernels_for_isa(isas[k]), leaky_isa_name(isas[k]));
#if defined(__x86_64__)
    /* Where the CPU has AVX512_BF16 the AVX-512 table holds the vcvtneps2bf16 kernels: the
     * integer ones, which other AVX-512 CPUs get, are checked too. */
    const struct leaky_kernels *avx512 = leaky_kernels_for_isa(LEAKY_ISA_AVX512);
    if (avx512 && (leaky_cpu_features() & LEAKY_CPU_AVX512_BF16)) {
        struct leaky_kernels integer = *avx512;
        integer.bf16_vlrelu = leaky_bf16_vlrelu__avx512;
        integer.bf16_vlrelu_backward = leaky_bf16_vlrelu_backward__avx512;
        integer.bf16_vlrelu_derivative = leaky_bf16_vlrelu_derivative__avx512;
        integer.bf16_narrow = leaky_bf16_narrow__avx512;
        check_table(t, ref, &integer, "avx512 without AVX512_BF16");
    } else if (avx512) {
        printf("SKIP avx512 with AVX512_BF16: this CPU lacks it\n");
    }
#endif
}

/* ------------------------------------------------------------ public functions */

enum { MAX_N = 100, GUARD = 16, CAP = GUARD + 8 + MAX_N + GUARD, SENTINEL = 0x7DAD };
static uint16_t bx[CAP], bg[CAP], bout[CAP], bwant[MAX_N];

static void check_public(const struct type *t)
{
    leaky_isa isas[LEAKY_ISA_COUNT];
    const int nisas = test_isas(isas);
    const struct leaky_kernels *ref = leaky_kernels_for_isa(LEAKY_ISA_SCALAR);
    const float a = 0.25f;
    const struct leaky_f32_params p = {.slope = a};
    for (int k = 0; k < nisas; k++) {
        CHECK(leaky_set_isa(isas[k]) == LEAKY_OK, "set %s", leaky_isa_name(isas[k]));
        unsigned long long bad = 0;
        for (size_t n = 0; n <= MAX_N; n++) {
            for (size_t shift = 0; shift < 8; shift++) {
                uint16_t *x = bx + GUARD + shift, *g = bg + GUARD + (shift * 3) % 8,
                         *y = bout + GUARD + (shift * 5) % 8;
                for (size_t i = 0; i < n; i++) {
                    x[i] = (uint16_t)mix((uint32_t)(n * 977 + i));
                    g[i] = (uint16_t)mix((uint32_t)(n * 131 + i + 7));
                }
                for (int op = 0; op < 3; op++) {
                    for (size_t i = 0; i < CAP; i++)
                        bout[i] = SENTINEL;
                    leaky_status st;
                    if (op == 0) {
                        st = t->relu(x, y, n, a);
                        UNARY(ref, t->forward)(n, x, bwant, &p);
                    } else if (op == 1) {
                        st = t->relu_backward(x, g, y, n, a);
                        BINARY(ref, t->backward)(n, x, g, bwant, &p);
                    } else {
                        st = t->relu_derivative(x, y, n, a);
                        UNARY(ref, t->derivative)(n, x, bwant, &p);
                    }
                    bool ok = st == LEAKY_OK && memcmp(y, bwant, n * sizeof *y) == 0;
                    for (uint16_t *q = bout; q < y; q++)
                        ok = ok && *q == SENTINEL;
                    for (uint16_t *q = y + n; q < bout + CAP; q++)
                        ok = ok && *q == SENTINEL;
                    if (!ok && bad++ < 3)
                        fprintf(stderr,
                                "FAIL %s op %d on %s: n = %zu shift %zu: wrong result "
                                "or a write outside the output\n",
                                t->name, op, leaky_isa_name(isas[k]), n, shift);
                }
                /* In place (forward, derivative) and dx == dy (backward). */
                for (int op = 0; op < 3; op++) {
                    memcpy(y, op == 1 ? g : x, n * sizeof *y);
                    leaky_status st;
                    if (op == 0) {
                        st = t->relu(y, y, n, a);
                        UNARY(ref, t->forward)(n, x, bwant, &p);
                    } else if (op == 1) {
                        st = t->relu_backward(x, y, y, n, a);
                        BINARY(ref, t->backward)(n, x, g, bwant, &p);
                    } else {
                        st = t->relu_derivative(y, y, n, a);
                        UNARY(ref, t->derivative)(n, x, bwant, &p);
                    }
                    if ((st != LEAKY_OK || memcmp(y, bwant, n * sizeof *y) != 0) && bad++ < 3)
                        fprintf(stderr, "FAIL %s op %d in place on %s, n = %zu\n", t->name, op,
                                leaky_isa_name(isas[k]), n);
                }
            }
        }
        CHECK(bad == 0, "%s public functions on %s: %llu cases wrong", t->name,
              leaky_isa_name(isas[k]), bad);
    }
    leaky_set_isa(leaky_isa_best());
}

static void expect_error(leaky_status st, const char *fragment, const char *what)
{
    CHECK(st == LEAKY_EINVAL && strstr(leaky_last_error(), fragment) != NULL,
          "%s: status %d, message '%s', expected EINVAL with '%s'", what, (int)st,
          leaky_last_error(), fragment);
}

static void check_errors(const struct type *t)
{
    uint16_t x[8] = {0x3C00, 0xBC00, 0, 0, 0, 0, 0, 0}, y[8], g[8] = {0};
    const uint16_t before[8] = {0x1111, 0x1111, 0x1111, 0x1111, 0x1111, 0x1111, 0x1111, 0x1111};
    memcpy(y, before, sizeof y);
    char name[64];
    snprintf(name, sizeof name, "leaky_relu_%s: negative_slope is inf", t->name);
    expect_error(t->relu(x, y, 8, INFINITY), name, "inf slope");
    expect_error(t->relu(x, y, 0, NAN), "negative_slope is nan", "NaN slope, n = 0");
    expect_error(t->relu(NULL, y, 8, 0.01f), "x is NULL", "NULL x");
    expect_error(t->relu(x, NULL, 8, 0.01f), "y is NULL", "NULL y");
    expect_error(t->relu(x, x + 1, 4, 0.01f), "overlap by 6 bytes", "overlap");
    expect_error(t->relu_backward(x, g, x, 8, 0.01f), "dx is the same array as x", "dx == x");
    expect_error(t->relu_backward(x, g, g + 2, 4, 0.01f), "dy and dx overlap", "dy, dx overlap");
    expect_error(t->relu_backward(x, NULL, y, 8, 0.01f), "dy is NULL", "NULL dy");
    expect_error(t->relu_derivative(x, y, 8, -INFINITY), "negative_slope is -inf", "derivative");
    const bool f16 = t->quiet_bit == 0x0200;
    leaky_status (*widen)(const uint16_t *, float *, size_t) =
        f16 ? leaky_widen_array_f16 : leaky_widen_array_bf16;
    leaky_status (*narrow)(const float *, uint16_t *, size_t) =
        f16 ? leaky_narrow_array_f16 : leaky_narrow_array_bf16;
    float wide[8];
    expect_error(widen(x, (float *)(void *)(x + 2), 4), "x and y overlap", "widen overlap");
    expect_error(widen(x, (float *)(void *)x, 4), "x and y overlap", "widen same start");
    expect_error(narrow(wide, (uint16_t *)(void *)wide, 4), "x and y overlap", "narrow same");
    expect_error(widen(NULL, wide, 4), "x is NULL", "widen NULL");
    expect_error(narrow(wide, NULL, 4), "y is NULL", "narrow NULL");
    CHECK(widen(x, wide, 8) == LEAKY_OK && bits_of(wide[0]) == bits_of(t->widen(x[0])) &&
              bits_of(wide[1]) == bits_of(t->widen(x[1])),
          "%s: widen_array", t->name);
    uint16_t back[8];
    CHECK(narrow(wide, back, 8) == LEAKY_OK && memcmp(back, x, sizeof back) == 0,
          "%s: narrow_array", t->name);
    CHECK(memcmp(y, before, sizeof y) == 0, "%s: an error wrote to the output", t->name);
    CHECK(t->relu(NULL, NULL, 0, 0.01f) == LEAKY_OK, "%s: n = 0 with NULL", t->name);
}

/* ------------------------------------------------------------ every float32 */

#if defined(__x86_64__)
#include <immintrin.h>

/* The software narrowing against the hardware's for all 2^32 float32 patterns: F16C's
 * vcvtps2ph, and AVX512_BF16's vcvtneps2bf16 except on denormals (which it flushes). Two
 * implementations written apart; NaN included (both quiet it, keeping the top payload). */
__attribute__((target("avx2,f16c"))) static unsigned long long f16_against_f16c(uint64_t first,
                                                                                uint64_t end)
{
    unsigned long long bad = 0;
    uint32_t u[8];
    uint16_t h[8];
    for (uint64_t base = first; base < end; base += 8) {
        for (int k = 0; k < 8; k++)
            u[k] = (uint32_t)(base + k);
        __m256 v;
        memcpy(&v, u, sizeof v);
        _mm_storeu_si128((__m128i *)h, _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
        for (int k = 0; k < 8; k++)
            if (h[k] != leaky_narrow_f16(float_of(u[k])) && bad++ < 5)
                fprintf(stderr, "FAIL narrow_f16(0x%08" PRIX32 ") = 0x%04X, F16C 0x%04X\n", u[k],
                        leaky_narrow_f16(float_of(u[k])), h[k]);
    }
    return bad;
}

__attribute__((target("avx512f,avx512bf16"))) static unsigned long long bf16_against_avx512bf16(
    uint64_t first, uint64_t end)
{
    unsigned long long bad = 0;
    uint32_t u[16];
    uint16_t h[16];
    for (uint64_t base = first; base < end; base += 16) {
        for (int k = 0; k < 16; k++)
            u[k] = (uint32_t)(base + k);
        __m256bh b = _mm512_cvtneps_pbh(_mm512_loadu_ps(u));
        memcpy(h, &b, sizeof h);
        for (int k = 0; k < 16; k++) {
            if ((u[k] & 0x7F800000u) == 0 && (u[k] & 0x007FFFFFu) != 0)
                continue; /* denormal: the instruction takes it as zero */
            if (h[k] != leaky_narrow_bf16(float_of(u[k])) && bad++ < 5)
                fprintf(stderr, "FAIL narrow_bf16(0x%08" PRIX32 ") = 0x%04X, hardware 0x%04X\n",
                        u[k], leaky_narrow_bf16(float_of(u[k])), h[k]);
        }
    }
    return bad;
}

static int exhaustive(void)
{
    const unsigned features = leaky_cpu_features();
    if (!(features & LEAKY_CPU_F16C)) {
        printf("SKIP: this CPU has no F16C to compare the float16 narrowing with\n");
        return 77;
    }
    CHECK(f16_against_f16c(0, 1ull << 32) == 0, "float16 narrowing differs from F16C");
    if (features & LEAKY_CPU_AVX512_BF16)
        CHECK(bf16_against_avx512bf16(0, 1ull << 32) == 0,
              "bfloat16 narrowing differs from vcvtneps2bf16 on non-denormals");
    else
        printf("SKIP bfloat16: this CPU has no AVX512_BF16 to compare with\n");
    return test_finish("test_half exhaustive");
}
#else
static int exhaustive(void)
{
    printf("SKIP: the all-float32 comparison uses x86 conversion instructions\n");
    return 77;
}
#endif

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "exhaustive") == 0)
        return exhaustive();
    const struct leaky_kernels *ref = leaky_kernels_for_isa(LEAKY_ISA_SCALAR);
    for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++) {
        const struct type *t = &types[ti];
        for (uint32_t i = 0; i < ALL; i++) {
            xs[i] = (uint16_t)i;
            /* The gradient: the pattern's hash, so it too meets NaN, inf and denormals. */
            gs[i] = (uint16_t)mix(i);
        }
        check_round_trip(t);
        check_narrow(t);
        check_reference(t, ref);
        check_paths(t, ref);
        check_public(t);
        check_errors(t);
    }
    return test_finish("test_half");
}
