/* SPDX-License-Identifier: MIT */
/* Every kernel of the kernel list (src/internal/kernel_list.h) on every path this CPU runs,
 * against the scalar kernel of its slot, bit for bit.  Driven by the list: a kernel added
 * to it is tested here with no edit, and a kernel whose type has no driver below does not
 * compile.
 *   - the tables: every slot holds a kernel, the one the list says for this CPU (a variant
 *     where the CPU has its extension), and has a scalar reference;
 *   - each path's own kernel of every entry, also one that a variant hides in the table
 *     (where the CPU lacks an entry's extension: SKIP, named);
 *   - lengths 0 to 67 and 1000, 4099, 65549; input and output misaligned by 0 to 15
 *     elements, independently; out of place (the input unchanged) and in place where the
 *     kernel's type allows it (internal/kernels.h); a guard zone before and after every
 *     output that must keep its bytes;
 *   - seeded inputs with signed zeros, denormals, infinities, NaNs with payloads (quiet and
 *     signalling), the largest and smallest values, and random bit patterns; five slopes
 *     (0.01, 0, -0.5, 1.5, 1e-30) or their like (RReLU bounds, lookup tables), streamed
 *     stores on and off where the parameters have them (on: out of place, as the API
 *     streams).
 * The scalar path runs too: its kernels against themselves in place, misaligned, guarded.
 * Usage: test_kernels [SEED]  (the seed is printed; give it back to repeat a run). */
#include <math.h>

#include "test.h"

typedef void (*any_fn)(void);

/* ------------------------------------------------------------------ inputs */

enum {
    MAX_N = 65536 + 13,    /* the longest call */
    MAX_TOTAL = 2 * MAX_N, /* the most elements of one call (2 PReLU runs) */
    OFFSETS = 4096,        /* calls read the inputs from an offset below this */
    MASTER = MAX_TOTAL + OFFSETS,
    VARIANTS = 5, /* slopes, tables, RReLU bounds */
    SHIFTS = 16,  /* misalignments, in elements */
    GUARD = 128,  /* bytes that must stay untouched around an output */
    POISON = 0xA5
};

static uint64_t seed, rng_state;
static uint64_t next64(void)
{
    rng_state += 0x9E3779B97F4A7C15u;
    return leaky_splitmix64(rng_state);
}

static uint64_t f64_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static const float slopes32[VARIANTS] = {0.01f, 0.0f, -0.5f, 1.5f, 1e-30f};
static const double slopes64[VARIANTS] = {0.01, 0.0, -0.5, 1.5, 1e-30};
static const char *const slope_labels[VARIANTS] = {"slope 0.01", "slope 0", "slope -0.5",
                                                   "slope 1.5", "slope 1e-30"};
/* PReLU's slopes, one per element or position: a row of finite ones per variant. */
static const char *const row_labels[VARIANTS] = {"slope row 0", "slope row 1", "slope row 2",
                                                 "slope row 3", "slope row 4"};

/* The inputs every call reads from (at an offset), made once from the seed. */
static struct {
    float f32x[MASTER], f32g[MASTER], f32w[MASTER], f32n[MASTER];
    double f64x[MASTER], f64g[MASTER], f64w[MASTER];
    uint16_t u16x[MASTER], u16g[MASTER];
    uint8_t u8x[MASTER];
    uint8_t tables[VARIANTS][256];
} * in;

static const uint32_t specials32[] = {
    0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007FFFFF, 0x807FFFFF, 0x00800000,
    0x80800000, 0x7F7FFFFF, 0xFF7FFFFF, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000,
    0x7FC00001, 0xFFD23456, 0x7F800001, 0xFFA00001, 0x7FBFFFFF, 0x3F800000, 0xBF800000,
    0x0DA24260, 0x8DA24260, 0x7E967699, 0xFE967699, 0x219392EF, 0xA19392EF, 0x00000400};
static const uint64_t specials64[] = {
    0x0000000000000000, 0x8000000000000000, 0x0000000000000001, 0x8000000000000001,
    0x000FFFFFFFFFFFFF, 0x0010000000000000, 0x8010000000000000, 0x7FEFFFFFFFFFFFFF,
    0xFFEFFFFFFFFFFFFF, 0x7FF0000000000000, 0xFFF0000000000000, 0x7FF8000000000000,
    0xFFF8000000000000, 0x7FF8000000000001, 0xFFFABCDEF0123456, 0x7FF0000000000001,
    0xFFF4000000000000, 0x3FF0000000000000, 0xBFF0000000000000, 0x01A56E1FC2F8F359,
    0x81A56E1FC2F8F359, 0x7FE1CCF385EBC8A0, 0x3810000000000000, 0x36A0000000000000};
static const uint16_t specials16[] = {
    0x0000, 0x8000, 0x0001, 0x8001, 0x03FF, 0x0400, 0x7BFF, 0xFBFF, 0x7C00, 0xFC00,
    0x7C01, 0xFD55, 0x7E00, 0xFE01, 0x7F80, 0xFF80, 0x7F81, 0xFFC1, 0x7FC0, 0x0080,
    0x007F, 0x807F, 0x7F7F, 0x3C00, 0xBC00, 0x3F80, 0xBF80, 0x1400, 0x0C00};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A float32 of any kind: a special (a quarter), any bit pattern (a quarter), or a value of
 * any magnitude from the denormals to the largest. */
static float any32(void)
{
    const uint64_t r = next64();
    switch (r & 3) {
    case 0: return float_of(specials32[(r >> 8) % COUNT(specials32)]);
    case 1: return float_of((uint32_t)(r >> 32));
    default:
        return ldexpf((float)((r >> 8) & 0xFFFFFF) * 0x1p-24f, (int)((r >> 40) % 280) - 150) *
               ((r >> 39) & 1 ? -1.0f : 1.0f);
    }
}
static double any64(void)
{
    const uint64_t r = next64(), s = next64();
    switch (r & 3) {
    case 0: return double_of(specials64[(r >> 8) % COUNT(specials64)]);
    case 1: return double_of(s);
    default:
        return ldexp((double)(s >> 11) * 0x1p-53, (int)((r >> 8) % 2120) - 1075) *
               ((r >> 39) & 1 ? -1.0 : 1.0);
    }
}
static uint16_t any16(void)
{
    const uint64_t r = next64();
    return r & 3 ? (uint16_t)(r >> 16) : specials16[(r >> 8) % COUNT(specials16)];
}
/* What a narrowing meets: the above, and float32s halfway between two float16 or two
 * bfloat16 values (ties) or next to such a midpoint. */
static float narrowable(void)
{
    const uint64_t r = next64();
    uint32_t u = (uint32_t)(r >> 32);
    switch (r & 7) {
    case 0: /* a float16 tie, in float16's range (denormals included) */
        u = (u & 0x80000000u) | (uint32_t)(98 + (r >> 8) % 46) << 23 | (u & 0x7FE000u) | 0x1000u;
        break;
    case 1: u = (u & 0xFFFF0000u) | 0x8000u; break; /* a bfloat16 tie */
    case 2: u = ((u & 0xFFFF0000u) | 0x8000u) + ((r >> 8) & 1 ? 1 : -1u); break;
    case 3: u = (u & 0x80000000u) | (uint32_t)(98 + (r >> 8) % 46) << 23 | (u & 0x7FFFFFu); break;
    default: return any32();
    }
    return float_of(u);
}
/* A finite slope: one of the five, or finite of any magnitude. */
static float finite32(void)
{
    const uint64_t r = next64();
    const float f = r & 1 ? slopes32[(r >> 8) % VARIANTS] : any32();
    return isfinite(f) ? f : 0.25f;
}
static double finite64(void)
{
    const uint64_t r = next64();
    const double d = r & 1 ? slopes64[(r >> 8) % VARIANTS] : any64();
    return isfinite(d) ? d : 0.25;
}

static bool nan16_either(uint16_t h) /* NaN as float16 or as bfloat16 */
{
    return (h & 0x7C00) == 0x7C00 || (h & 0x7F80) == 0x7F80;
}

/* Binary kernels take x and g where at most one is NaN: with two NaNs in, the payload that
 * comes out is not promised (x86 keeps the first operand's). */
static void make_inputs(void)
{
    in = malloc(sizeof *in);
    if (!in) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < MASTER; i++) {
        in->f32x[i] = any32();
        in->f32g[i] = any32();
        if (isnan(in->f32x[i]) && isnan(in->f32g[i]))
            in->f32g[i] = 2.5f;
        in->f32w[i] = finite32();
        in->f32n[i] = narrowable();
        in->f64x[i] = any64();
        in->f64g[i] = any64();
        if (isnan(in->f64x[i]) && isnan(in->f64g[i]))
            in->f64g[i] = 2.5;
        in->f64w[i] = finite64();
        in->u16x[i] = any16();
        in->u16g[i] = any16();
        if (nan16_either(in->u16x[i]) && nan16_either(in->u16g[i]))
            in->u16g[i] &= 0x3FFF;
        in->u8x[i] = (uint8_t)next64();
    }
    for (int v = 0; v < VARIANTS; v++)
        for (int i = 0; i < 256; i++)
            in->tables[v][i] = (uint8_t)next64();
}

/* ------------------------------------------------------------------ calls */

/* One call's shape: n elements; the input at xs elements past an aligned start, a second
 * input at gs, the output at ys; the inputs read from offset off of the masters. */
struct call {
    size_t n, xs, gs, ys, off;
};
static struct call calls[68 * SHIFTS + 3 + 3 + 2];
static size_t ncalls;

/* Every length to 67 at every misalignment; the long ones at a few (the longest, which
 * takes most of the time, at two). */
static void make_calls(void)
{
    static const struct {
        size_t n, shifts[3], count;
    } longs[] = {{1000, {0, 5, 15}, 3}, {4099, {1, 6, 13}, 3}, {MAX_N, {3, 10, 0}, 2}};
    for (size_t n = 0; n <= 67; n++)
        for (size_t s = 0; s < SHIFTS; s++)
            calls[ncalls++] = (struct call){n, s, (s * 3 + 11) % SHIFTS, (s * 7 + 5) % SHIFTS,
                                            (n * 131 + s * 17) % OFFSETS};
    for (size_t l = 0; l < COUNT(longs); l++)
        for (size_t k = 0; k < longs[l].count; k++) {
            const size_t s = longs[l].shifts[k];
            calls[ncalls++] = (struct call){longs[l].n, s, (s * 3 + 11) % SHIFTS,
                                            (s * 7 + 5) % SHIFTS, (l * 1031 + s * 97) % OFFSETS};
        }
}

/* An area holds one array at a misalignment, with POISON bytes before and after. */
struct area {
    unsigned char *mem;
};
static struct area in1, in2, out1, out2, sums1;
static unsigned char *want, *want2;
static double *want_sums;

static void *area_open(struct area *a, size_t size, size_t shift, size_t n)
{
    memset(a->mem, POISON, GUARD + (shift + n) * size + GUARD);
    return a->mem + GUARD + shift * size;
}
/* The array at shift in a, filled from src. */
static void *area_copy(struct area *a, size_t size, size_t shift, size_t n, const void *src)
{
    void *p = area_open(a, size, shift, n);
    if (n)
        memcpy(p, src, n * size);
    return p;
}
/* Whether the bytes around the array are still POISON. */
static unsigned char poison[GUARD + SHIFTS * sizeof(double)];
static bool area_intact(const struct area *a, size_t size, size_t shift, size_t n)
{
    const size_t begin = GUARD + shift * size, end = begin + n * size;
    return memcmp(a->mem, poison, begin) == 0 && memcmp(a->mem + end, poison, GUARD) == 0;
}

static void make_areas(void)
{
    const size_t cap = GUARD + (SHIFTS + MAX_TOTAL) * sizeof(double) + GUARD;
    struct area *areas[] = {&in1, &in2, &out1, &out2, &sums1};
    for (size_t i = 0; i < COUNT(areas); i++)
        areas[i]->mem = aligned_alloc(64, (cap + 63) / 64 * 64);
    memset(poison, POISON, sizeof poison);
    want = malloc(MAX_TOTAL * sizeof(double));
    want2 = malloc(MAX_TOTAL * sizeof(double));
    want_sums = malloc(MAX_TOTAL * sizeof(double));
    if (!in1.mem || !in2.mem || !out1.mem || !out2.mem || !sums1.mem || !want || !want2 ||
        !want_sums) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
}

/* ------------------------------------------------------------------ verdicts */

/* The kernel under test and its reference (the scalar kernel of its slot). */
struct subject {
    const char *kernel, *path;
    any_fn ref, got;
};

static uint64_t element(const unsigned char *p, size_t size, size_t i)
{
    uint64_t v = 0;
    memcpy(&v, p + i * size, size); /* little-endian hosts: the value's low bytes */
    return v;
}

/* The first element where got differs from want, or n. */
static size_t first_difference(const void *want_, const void *got_, size_t size, size_t n)
{
    const unsigned char *w = want_, *g = got_;
    if (n == 0 || memcmp(w, g, n * size) == 0)
        return n;
    size_t i = 0;
    while (memcmp(w + i * size, g + i * size, size) == 0)
        i++;
    return i;
}

/* Sums: the same bits, or both NaN (a sum's NaN payload is not promised). */
static size_t first_sum_difference(const double *w, const double *g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (f64_bits(w[i]) != f64_bits(g[i]) && !(isnan(w[i]) && isnan(g[i])))
            return i;
    return n;
}

/* One CHECK per call: what was compared, and where it went wrong. */
static void verdict(const struct subject *s, const struct call *c, const char *mode,
                    const char *variant, bool nt, const char *what, size_t bad, size_t n,
                    const void *want_, const void *got_, size_t size, bool guards, bool input)
{
    char detail[160] = "";
    if (bad < n)
        snprintf(detail, sizeof detail, "%s[%zu] is 0x%0*" PRIX64 ", the reference 0x%0*" PRIX64,
                 what, bad, (int)(2 * size), element(got_, size, bad), (int)(2 * size),
                 element(want_, size, bad));
    else if (!guards)
        snprintf(detail, sizeof detail, "wrote outside %s", what);
    else if (!input)
        snprintf(detail, sizeof detail, "changed an input");
    CHECK(bad == n && guards && input,
          "%s on %s, n = %zu (inputs at +%zu, +%zu, output at +%zu), "
          "%s, %s%s: %s (seed %" PRIu64 ")",
          s->kernel, s->path, c->n, c->xs, c->gs, c->ys, mode, variant, nt ? ", streamed" : "",
          detail, seed);
}

/* ------------------------------------------------------------------ drivers */

/* y = f(x): out of place, then in place (streamed stores, where the parameters have them,
 * out of place only: kernels.h). */
struct unary_kind {
    size_t size;
    const void *x;
    const char *const *labels; /* VARIANTS of them */
    bool streams;              /* the parameters have the non-temporal flag */
    void (*call)(any_fn f, size_t n, const void *x, void *y, int variant, bool nt);
};

static void drive_unary(const struct subject *s, const struct unary_kind *k)
{
    const size_t z = k->size;
    for (int v = 0; v < VARIANTS; v++)
        for (int nt = 0; nt <= (int)k->streams; nt++)
            for (size_t q = 0; q < ncalls; q++) {
                const struct call *c = &calls[q];
                const unsigned char *x = (const unsigned char *)k->x + c->off * z;
                k->call(s->ref, c->n, x, want, v, false);
                const void *xa = area_copy(&in1, z, c->xs, c->n, x);
                void *y = area_open(&out1, z, c->ys, c->n);
                k->call(s->got, c->n, xa, y, v, nt);
                verdict(s, c, "out of place", k->labels[v], nt, "y",
                        first_difference(want, y, z, c->n), c->n, want, y, z,
                        area_intact(&out1, z, c->ys, c->n),
                        first_difference(x, xa, z, c->n) == c->n);
                if (nt)
                    continue; /* streamed stores are for out-of-place calls only */
                y = area_copy(&out1, z, c->ys, c->n, x);
                k->call(s->got, c->n, y, y, v, nt);
                verdict(s, c, "in place", k->labels[v], nt, "y", first_difference(want, y, z, c->n),
                        c->n, want, y, z, area_intact(&out1, z, c->ys, c->n), true);
            }
}

/* out = f(x, g): out of place, then in place over g and over x where the type allows. */
struct binary_kind {
    size_t xsize, gsize, size; /* x's, g's and out's element sizes */
    const void *x, *g;
    const char *const *labels;
    bool streams, onto_g, onto_x;
    bool g_rows; /* another g for each variant (PReLU's finite slopes; elsewhere x and g are
                    paired so that at most one of them is NaN) */
    void (*call)(any_fn f, size_t n, const void *x, const void *g, void *out, int variant, bool nt);
};

static void drive_binary(const struct subject *s, const struct binary_kind *k)
{
    const size_t z = k->size;
    for (int v = 0; v < VARIANTS; v++)
        for (int nt = 0; nt <= (int)k->streams; nt++)
            for (size_t q = 0; q < ncalls; q++) {
                const struct call *c = &calls[q];
                const unsigned char *x = (const unsigned char *)k->x + c->off * k->xsize;
                const unsigned char *g = (const unsigned char *)k->g +
                                         (c->off + (k->g_rows ? (size_t)v * 397 : 0)) * k->gsize;
                k->call(s->ref, c->n, x, g, want, v, false);
                const void *xa = area_copy(&in1, k->xsize, c->xs, c->n, x);
                const void *ga = area_copy(&in2, k->gsize, c->gs, c->n, g);
                void *out = area_open(&out1, z, c->ys, c->n);
                k->call(s->got, c->n, xa, ga, out, v, nt);
                verdict(s, c, "out of place", k->labels[v], nt, "out",
                        first_difference(want, out, z, c->n), c->n, want, out, z,
                        area_intact(&out1, z, c->ys, c->n),
                        first_difference(x, xa, k->xsize, c->n) == c->n &&
                            first_difference(g, ga, k->gsize, c->n) == c->n);
                if (k->onto_g && !nt) { /* streamed stores: out of place only */
                    out = area_copy(&out1, z, c->ys, c->n, g);
                    k->call(s->got, c->n, xa, out, out, v, nt);
                    verdict(s, c, "in place (out = g)", k->labels[v], nt, "out",
                            first_difference(want, out, z, c->n), c->n, want, out, z,
                            area_intact(&out1, z, c->ys, c->n), true);
                }
                if (k->onto_x && !nt) {
                    out = area_copy(&out1, z, c->ys, c->n, x);
                    k->call(s->got, c->n, out, ga, out, v, nt);
                    verdict(s, c, "in place (out = x)", k->labels[v], nt, "out",
                            first_difference(want, out, z, c->n), c->n, want, out, z,
                            area_intact(&out1, z, c->ys, c->n), true);
                }
            }
}

/* y = convert(x) between element sizes: out of place only. */
struct convert_kind {
    size_t xsize, size;
    const void *x;
    void (*call)(any_fn f, size_t n, const void *x, void *y);
};

static void drive_convert(const struct subject *s, const struct convert_kind *k)
{
    const size_t z = k->size;
    for (size_t q = 0; q < ncalls; q++) {
        const struct call *c = &calls[q];
        const unsigned char *x = (const unsigned char *)k->x + c->off * k->xsize;
        k->call(s->ref, c->n, x, want);
        const void *xa = area_copy(&in1, k->xsize, c->xs, c->n, x);
        void *y = area_open(&out1, z, c->ys, c->n);
        k->call(s->got, c->n, xa, y);
        verdict(s, c, "out of place", "converted", false, "y", first_difference(want, y, z, c->n),
                c->n, want, y, z, area_intact(&out1, z, c->ys, c->n),
                first_difference(x, xa, k->xsize, c->n) == c->n);
    }
}

/* The activations a PReLU backward kernel differentiates: PReLU's (no bias), bias +
 * PReLU (slopes and a bias), bias + ReLU (a bias, no slopes), bias + Leaky ReLU (slopes
 * and a bias, no slope sums wanted). */
enum { ACTS = 4 };
static const char *const act_labels[ACTS] = {"PReLU", "bias + PReLU", "bias + ReLU",
                                             "bias + Leaky ReLU"};
static bool act_slopes(int act) { return act != 2; }
static bool act_bias(int act) { return act != 0; }
static bool act_slope_sums(int act) { return act <= 1; }

/* PReLU's backward over a row of whole periods: dx, and the sums added into acc (the
 * slopes') and bacc (the bias's): both compared, so that a sum the activation has not is
 * left alone. */
struct row_kind {
    size_t size;
    const void *x, *dy, *w;
    void (*call)(any_fn f, size_t n, size_t period, const void *x, const void *dy, const void *w,
                 const void *b, void *dx, bool nt, double *acc, double *bacc);
};

static void drive_row(const struct subject *s, const struct row_kind *k)
{
    static const size_t periods[] = {1, 2, 3, 5, 8, 16, 17, 24, 64, 67, 144};
    const size_t z = k->size;
    double *want_bsums = want_sums + MAX_TOTAL / 2;
    for (int act = 0; act < ACTS; act++)
        for (int v = 0; v < VARIANTS; v++)
            for (int nt = 0; nt <= 1; nt++)
                for (size_t q = 0; q < ncalls; q++) {
                    const struct call *c = &calls[q];
                    size_t period = periods[(c->n + c->xs) % COUNT(periods)];
                    period = period <= c->n ? period : c->n ? c->n : 1;
                    const size_t n = c->n / period * period;
                    const unsigned char *x = (const unsigned char *)k->x + c->off * z;
                    const unsigned char *dy = (const unsigned char *)k->dy + c->off * z;
                    const void *w = act_slopes(act) ? (const unsigned char *)k->w +
                                                          (c->off + (size_t)v * 397) * z
                                                    : NULL;
                    const void *b = act_bias(act) ? (const unsigned char *)k->w +
                                                        (c->off + (size_t)v * 397 + 1031) * z
                                                  : NULL;
                    for (size_t j = 0; j < period; j++) {
                        want_sums[j] = (double)(j % 7) * 0.375 - 1.0;
                        want_bsums[j] = (double)(j % 5) * 0.25 + 2.0;
                    }
                    k->call(s->ref, n, period, x, dy, w, b, want, false,
                            act_slope_sums(act) ? want_sums : NULL, want_bsums);
                    for (int in_place = 0; in_place <= !nt; in_place++) {
                        const void *xa = area_copy(&in1, z, c->xs, n, x);
                        const void *dya = in_place ? NULL : area_copy(&in2, z, c->gs, n, dy);
                        void *dx = in_place ? area_copy(&out1, z, c->ys, n, dy)
                                            : area_open(&out1, z, c->ys, n);
                        double *acc = area_open(&sums1, sizeof(double), c->xs % 4, period);
                        double *bacc = area_open(&out2, sizeof(double), c->gs % 4, period);
                        for (size_t j = 0; j < period; j++) {
                            acc[j] = (double)(j % 7) * 0.375 - 1.0;
                            bacc[j] = (double)(j % 5) * 0.25 + 2.0;
                        }
                        k->call(s->got, n, period, xa, in_place ? dx : dya, w, b, dx, nt,
                                act_slope_sums(act) ? acc : NULL, bacc);
                        char mode[64];
                        snprintf(mode, sizeof mode, "%s, %s", act_labels[act],
                                 in_place ? "in place (dx = dy)" : "out of place");
                        const struct call shape = {n, c->xs, c->gs, c->ys, c->off};
                        verdict(s, &shape, mode, row_labels[v], nt, "dx",
                                first_difference(want, dx, z, n), n, want, dx, z,
                                area_intact(&out1, z, c->ys, n),
                                first_difference(x, xa, z, n) == n &&
                                    (in_place || first_difference(dy, dya, z, n) == n));
                        verdict(s, &shape, mode, row_labels[v], nt, "acc",
                                first_sum_difference(want_sums, acc, period), period, want_sums,
                                acc, sizeof(double),
                                area_intact(&sums1, sizeof(double), c->xs % 4, period), true);
                        verdict(s, &shape, mode, row_labels[v], nt, "bacc",
                                first_sum_difference(want_bsums, bacc, period), period, want_bsums,
                                bacc, sizeof(double),
                                area_intact(&out2, sizeof(double), c->gs % 4, period), true);
                    }
                }
}

/* PReLU's backward over runs with a slope (and a bias) each: dx, and sums per run. */
struct runs_kind {
    size_t size;
    const void *x, *dy, *slopes, *bias; /* VARIANTS slopes and biases, the channels */
    void (*call)(any_fn f, size_t runs, size_t len, const void *x, const void *dy, void *dx,
                 const void *slopes, const void *bias, size_t channels, size_t channel, bool nt,
                 double *sums, double *bias_sums);
};

static void drive_runs(const struct subject *s, const struct runs_kind *k)
{
    static const char *const channel_labels[VARIANTS] = {"first slope 0.01", "first slope 0",
                                                         "first slope -0.5", "first slope 1.5",
                                                         "first slope 1e-30"};
    const size_t z = k->size;
    double *want_bsums = want_sums + MAX_TOTAL / 2;
    for (int act = 0; act < ACTS; act++)
        for (int v = 0; v < VARIANTS; v++)
            for (int nt = 0; nt <= 1; nt++)
                for (size_t q = 0; q < ncalls; q++) {
                    const struct call *c = &calls[q];
                    const size_t runs = 1 + (c->xs + (size_t)v) % (c->n > 67 ? 2 : 3);
                    const size_t len = c->n, n = runs * len;
                    const unsigned char *x = (const unsigned char *)k->x + c->off * z;
                    const unsigned char *dy = (const unsigned char *)k->dy + c->off * z;
                    const void *slopes = act_slopes(act) ? k->slopes : NULL;
                    const void *bias = act_bias(act) ? k->bias : NULL;
                    for (size_t r = 0; r < runs; r++)
                        want_sums[r] = want_bsums[r] = 7.5;
                    k->call(s->ref, runs, len, x, dy, want, slopes, bias, VARIANTS, (size_t)v,
                            false, act_slope_sums(act) ? want_sums : NULL, want_bsums);
                    for (int in_place = 0; in_place <= !nt; in_place++) {
                        const void *xa = area_copy(&in1, z, c->xs, n, x);
                        const void *dya = in_place ? NULL : area_copy(&in2, z, c->gs, n, dy);
                        void *dx = in_place ? area_copy(&out1, z, c->ys, n, dy)
                                            : area_open(&out1, z, c->ys, n);
                        double *sums = area_open(&sums1, sizeof(double), c->xs % 4, runs);
                        double *bsums = area_open(&out2, sizeof(double), c->gs % 4, runs);
                        for (size_t r = 0; r < runs; r++)
                            sums[r] = bsums[r] = 7.5;
                        k->call(s->got, runs, len, xa, in_place ? dx : dya, dx, slopes, bias,
                                VARIANTS, (size_t)v, nt, act_slope_sums(act) ? sums : NULL, bsums);
                        char mode[96];
                        snprintf(mode, sizeof mode, "%s, %zu run%s, %s", act_labels[act], runs,
                                 runs > 1 ? "s" : "",
                                 in_place ? "in place (dx = dy)" : "out of place");
                        verdict(s, c, mode, channel_labels[v], nt, "dx",
                                first_difference(want, dx, z, n), n, want, dx, z,
                                area_intact(&out1, z, c->ys, n),
                                first_difference(x, xa, z, n) == n &&
                                    (in_place || first_difference(dy, dya, z, n) == n));
                        verdict(s, c, mode, channel_labels[v], nt, "sums",
                                first_sum_difference(want_sums, sums, runs), runs, want_sums, sums,
                                sizeof(double),
                                area_intact(&sums1, sizeof(double), c->xs % 4, runs), true);
                        verdict(s, c, mode, channel_labels[v], nt, "bias_sums",
                                first_sum_difference(want_bsums, bsums, runs), runs, want_bsums,
                                bsums, sizeof(double),
                                area_intact(&out2, sizeof(double), c->gs % 4, runs), true);
                    }
                }
}

/* Bias + activation's forward: y from x with one bias and slope (period 0) or rows of them
 * that repeat (periods of 64 to 256, from every phase), rows of biases with one slope, or
 * ReLU (no slopes); out of place (streamed or not), then in place. */
struct bias_act_kind {
    size_t size;
    const void *x, *w, *slopes; /* any values; finite rows (biases and slopes); VARIANTS */
    void (*call)(any_fn f, size_t n, const void *x, const void *b, const void *w, size_t period,
                 size_t phase, bool w_row, void *y, bool nt);
};

static void drive_bias_act(const struct subject *s, const struct bias_act_kind *k)
{
    static const size_t periods[VARIANTS] = {64, 67, 100, 128, 256};
    const size_t z = k->size;
    for (int form = 0; form < 5; form++)
        for (int v = 0; v < VARIANTS; v++) {
            /* Form 4: rows of biases, one slope (its row's first).  Elsewhere w_row is set,
             * which one value (period 0) ignores. */
            const bool rows = form >= 2, relu = form == 1 || form == 3, w_row = form != 4;
            const size_t period = rows ? periods[v] : 0;
            /* The rows: a period and the next one's first 64 elements, biases then slopes. */
            unsigned char *b = want2, *w = want2 + (periods[VARIANTS - 1] + 64) * z;
            const unsigned char *src = (const unsigned char *)k->w + (size_t)v * 997 * z;
            for (size_t j = 0; rows && j < period + 64; j++) {
                memcpy(b + j * z, src + j % period * z, z);
                memcpy(w + j * z, src + (j % period + 1031) * z, z);
            }
            if (!rows) {
                memcpy(b, src, z);
                memcpy(w, (const unsigned char *)k->slopes + (size_t)v * z, z);
            }
            char label[64];
            snprintf(label, sizeof label, "%s, %s %zu",
                     relu    ? "ReLU"
                     : w_row ? "slopes"
                             : "one slope",
                     rows ? "rows of period" : "one value", period);
            for (int nt = 0; nt <= 1; nt++)
                for (size_t q = 0; q < ncalls; q++) {
                    const struct call *c = &calls[q];
                    const size_t phase = rows ? (c->n * 7 + c->xs) % period : 0;
                    const unsigned char *x = (const unsigned char *)k->x + c->off * z;
                    const void *wr = relu ? NULL : w;
                    k->call(s->ref, c->n, x, b, wr, period, phase, w_row, want, false);
                    for (int in_place = 0; in_place <= !nt; in_place++) {
                        const void *xa = area_copy(&in1, z, c->xs, c->n, x);
                        void *y = in_place ? area_copy(&out1, z, c->ys, c->n, x)
                                           : area_open(&out1, z, c->ys, c->n);
                        k->call(s->got, c->n, in_place ? y : xa, b, wr, period, phase, w_row, y,
                                nt);
                        char mode[96];
                        snprintf(mode, sizeof mode, "phase %zu, %s", phase,
                                 in_place ? "in place" : "out of place");
                        verdict(s, c, mode, label, nt, "y", first_difference(want, y, z, c->n),
                                c->n, want, y, z, area_intact(&out1, z, c->ys, c->n),
                                in_place || first_difference(x, xa, z, c->n) == c->n);
                    }
                }
        }
}

/* RReLU's forward: y, and the noise when asked for (out of place, without it, in place). */
static const char *const rrelu_labels[VARIANTS] = {
    "bounds [0.125, 1/3]", "bounds [0, 0]", "bounds [-0.5, 1.5], indices wrapping",
    "bounds [1e-30, 1e-30]", "bounds [0.01, 0.3], from index 2^32 - 1"};
static const double rrelu_bounds[VARIANTS][2] = {{0.125, 1.0 / 3},
                                                 {0, 0},
                                                 {-0.5, 1.5},
                                                 {1e-30, 1e-30},
                                                 {0.01, 0.3}};
static const uint32_t rrelu_first[VARIANTS] = {0, 12345, 0xFFFFFF00u, 77, 0xFFFFFFFFu};

struct rrelu_kind {
    size_t size;
    const void *x;
    void (*call)(any_fn f, size_t n, const void *x, void *y, void *noise, int variant);
};

static void drive_rrelu(const struct subject *s, const struct rrelu_kind *k)
{
    const size_t z = k->size;
    for (int v = 0; v < VARIANTS; v++)
        for (size_t q = 0; q < ncalls; q++) {
            const struct call *c = &calls[q];
            const unsigned char *x = (const unsigned char *)k->x + c->off * z;
            k->call(s->ref, c->n, x, want, want2, v);
            for (int mode = 0; mode < 3; mode++) { /* out of place, no noise, in place */
                static const char *const modes[] = {"out of place", "out of place, no noise",
                                                    "in place"};
                const void *xa = area_copy(&in1, z, c->xs, c->n, x);
                void *y = mode == 2 ? area_copy(&out1, z, c->ys, c->n, x)
                                    : area_open(&out1, z, c->ys, c->n);
                void *noise = mode == 1 ? NULL : area_open(&out2, z, c->gs, c->n);
                k->call(s->got, c->n, mode == 2 ? y : xa, y, noise, v);
                verdict(s, c, modes[mode], rrelu_labels[v], false, "y",
                        first_difference(want, y, z, c->n), c->n, want, y, z,
                        area_intact(&out1, z, c->ys, c->n),
                        mode == 2 || first_difference(x, xa, z, c->n) == c->n);
                if (noise)
                    verdict(s, c, modes[mode], rrelu_labels[v], false, "noise",
                            first_difference(want2, noise, z, c->n), c->n, want2, noise, z,
                            area_intact(&out2, z, c->gs, c->n), true);
            }
        }
}

/* The calls of each kernel type, and its driver: float32 and float64 from one template. */
#define TT float
#define TS f32
#define TX f32x
#define TG f32g
#define TW f32w
#define TSLOPES slopes32
#include "kernels_typed.h"
#undef TT
#undef TS
#undef TX
#undef TG
#undef TW
#undef TSLOPES
#define TT double
#define TS f64
#define TX f64x
#define TG f64g
#define TW f64w
#define TSLOPES slopes64
#include "kernels_typed.h"

/* float16 and bfloat16 (their bits), conversions and the byte lookup. */
static void call_unary_u16(any_fn f, size_t n, const void *x, void *y, int v, bool nt)
{
    const struct leaky_f32_params p = {slopes32[v], nt};
    ((leaky_unary_u16_fn *)f)(n, x, y, &p);
}
static void call_binary_u16(any_fn f, size_t n, const void *x, const void *g, void *out, int v,
                            bool nt)
{
    const struct leaky_f32_params p = {slopes32[v], nt};
    ((leaky_binary_u16_fn *)f)(n, x, g, out, &p);
}
static void call_prelu_u16(any_fn f, size_t n, const void *x, const void *w, void *y, int v,
                           bool nt)
{
    const struct leaky_f32_params p = {slopes32[v], nt};
    ((leaky_prelu_u16_fn *)f)(n, x, w, y, &p);
}
static void call_widen_u16(any_fn f, size_t n, const void *x, void *y)
{
    ((leaky_widen_u16_fn *)f)(n, x, y);
}
static void call_narrow_u16(any_fn f, size_t n, const void *x, void *y)
{
    ((leaky_narrow_u16_fn *)f)(n, x, y);
}
static void call_lut8(any_fn f, size_t n, const void *x, void *y, int v, bool nt)
{
    (void)nt;
    ((leaky_lut8_fn *)f)(n, x, y, in->tables[v]);
}

static void drive_unary_u16(const struct subject *s)
{
    drive_unary(s, &(struct unary_kind){2, in->u16x, slope_labels, true, call_unary_u16});
}
static void drive_binary_u16(const struct subject *s)
{
    drive_binary(s, &(struct binary_kind){2, 2, 2, in->u16x, in->u16g, slope_labels, true, true,
                                          true, false, call_binary_u16});
}
/* The slopes are float32, a finite one per element; y may be x only. */
static void drive_prelu_u16(const struct subject *s)
{
    drive_binary(s, &(struct binary_kind){2, 4, 2, in->u16x, in->f32w, row_labels, true, false,
                                          true, true, call_prelu_u16});
}
static void drive_widen_u16(const struct subject *s)
{
    drive_convert(s, &(struct convert_kind){2, 4, in->u16x, call_widen_u16});
}
static void drive_narrow_u16(const struct subject *s)
{
    drive_convert(s, &(struct convert_kind){4, 2, in->f32n, call_narrow_u16});
}
static void drive_lut8(const struct subject *s)
{
    static const char *const labels[VARIANTS] = {"table 0", "table 1", "table 2", "table 3",
                                                 "table 4"};
    drive_unary(s, &(struct unary_kind){1, in->u8x, labels, false, call_lut8});
}

/* A kernel type's driver; one missing is a compile error here, for the list entry's type. */
#define DRIVER(type)                                               \
    _Generic((type *)0, leaky_unary_f32_fn *                       \
             : drive_unary_f32, leaky_binary_f32_fn *              \
             : drive_binary_f32, leaky_prelu_row_backward_f32_fn * \
             : drive_row_f32, leaky_prelu_runs_backward_f32_fn *   \
             : drive_runs_f32, leaky_bias_act_f32_fn *             \
             : drive_bias_act_f32, leaky_rrelu_f32_fn *            \
             : drive_rrelu_f32, leaky_rrelu_backward_f32_fn *      \
             : drive_rrelu_backward_f32, leaky_unary_f64_fn *      \
             : drive_unary_f64, leaky_binary_f64_fn *              \
             : drive_binary_f64, leaky_prelu_row_backward_f64_fn * \
             : drive_row_f64, leaky_prelu_runs_backward_f64_fn *   \
             : drive_runs_f64, leaky_bias_act_f64_fn *             \
             : drive_bias_act_f64, leaky_rrelu_f64_fn *            \
             : drive_rrelu_f64, leaky_rrelu_backward_f64_fn *      \
             : drive_rrelu_backward_f64, leaky_unary_u16_fn *      \
             : drive_unary_u16, leaky_binary_u16_fn *              \
             : drive_binary_u16, leaky_prelu_u16_fn *              \
             : drive_prelu_u16, leaky_widen_u16_fn *               \
             : drive_widen_u16, leaky_narrow_u16_fn *              \
             : drive_narrow_u16, leaky_lut8_fn *                   \
             : drive_lut8)

/* ------------------------------------------------------------------ the list */

/* Each entry's slot, read from a table. */
#define SLOT_READER(name, slot, type, ...) \
    static any_fn slot_of_##name(const struct leaky_kernels *k) { return (any_fn)k->slot; }
LEAKY_KERNEL_LIST(SLOT_READER)

static const struct entry {
    const char *name, *slot;
    size_t offset; /* the slot's, to find the other entries of a slot */
    any_fn (*read)(const struct leaky_kernels *k);
    void (*drive)(const struct subject *s);
} entries[] = {
#define ENTRY(name, slot, type, ...) \
    {#name, #slot, offsetof(struct leaky_kernels, slot), slot_of_##name, DRIVER(type)},
    LEAKY_KERNEL_LIST(ENTRY)};
_Static_assert(COUNT(entries) == LEAKY_KERNEL_COUNT, "one entry per kernel of the list");

static const char *feature_names(unsigned features)
{
    static char text[96];
    static const struct {
        unsigned bit;
        const char *name;
    } known[] = {{LEAKY_CPU_F16C, "F16C"},
                 {LEAKY_CPU_AVX512_VBMI, "AVX512_VBMI"},
                 {LEAKY_CPU_AVX512_BF16, "AVX512_BF16"}};
    text[0] = 0;
    for (size_t i = 0; i < COUNT(known); i++)
        if (features & known[i].bit) {
            snprintf(text + strlen(text), sizeof text - strlen(text), "%s%s", *text ? "+" : "",
                     known[i].name);
            features &= ~known[i].bit;
        }
    if (features)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%sfeature 0x%x",
                 *text ? "+" : "", features);
    return text;
}

/* The tables against the list: every slot filled and with a scalar reference, holding what
 * the list says for this CPU. */
static void check_tables(const leaky_isa *isas, int nisas)
{
    const struct leaky_kernels *scalar = leaky_kernels_for_isa(LEAKY_ISA_SCALAR);
    const struct leaky_kernel_impl *refs = leaky_kernel_impls(LEAKY_ISA_SCALAR);
    CHECK(scalar && refs, "no scalar table");
    if (!scalar || !refs)
        return;
    const unsigned cpu = leaky_cpu_features();
    for (size_t e = 0; e < LEAKY_KERNEL_COUNT; e++) {
        const struct entry *en = &entries[e];
        /* One scalar kernel per slot: the reference. */
        size_t makers = 0;
        for (size_t f = 0; f < LEAKY_KERNEL_COUNT; f++)
            makers += entries[f].offset == en->offset && refs[f].fn;
        CHECK(makers == 1, "slot %s (of %s) has %zu scalar kernels in the list, not one", en->slot,
              en->name, makers);
        CHECK(en->read(scalar) != NULL, "%s: its slot %s has no scalar reference", en->name,
              en->slot);
        for (int k = 0; k < nisas; k++) {
            const struct leaky_kernels *table = leaky_kernels_for_isa(isas[k]);
            const struct leaky_kernel_impl *impls = leaky_kernel_impls(isas[k]);
            CHECK(table && impls, "no table for %s", leaky_isa_name(isas[k]));
            if (!table || !impls)
                continue;
            /* The last kernel of the slot, in list order, that the path has and the CPU
             * runs; the scalar one when there is none. */
            any_fn expected = en->read(scalar);
            for (size_t f = 0; f < LEAKY_KERNEL_COUNT; f++)
                if (entries[f].offset == en->offset && impls[f].fn &&
                    (cpu & impls[f].cpu_features) == impls[f].cpu_features)
                    expected = impls[f].fn;
            CHECK(en->read(table) != NULL, "%s's table: slot %s is empty", leaky_isa_name(isas[k]),
                  en->slot);
            CHECK(en->read(table) == expected,
                  "%s's table: slot %s does not hold the kernel the "
                  "list gives it on this CPU",
                  leaky_isa_name(isas[k]), en->slot);
        }
    }
}

int main(int argc, char **argv)
{
    seed = 20260601;
    if (argc > 1) {
        char *end;
        seed = strtoull(argv[1], &end, 0);
        if (*end) {
            fprintf(stderr, "usage: test_kernels [SEED]\n");
            return 2;
        }
    }
    printf("seed %" PRIu64 " (test_kernels %" PRIu64 " repeats this run)\n", seed, seed);
    rng_state = seed;
    make_inputs();
    make_calls();
    make_areas();

    leaky_isa isas[LEAKY_ISA_COUNT];
    const int nisas = test_isas(isas);
    check_tables(isas, nisas);
    const struct leaky_kernels *scalar = leaky_kernels_for_isa(LEAKY_ISA_SCALAR);
    const unsigned cpu = leaky_cpu_features();
    for (int k = 0; k < nisas; k++) {
        const char *path = leaky_isa_name(isas[k]);
        const struct leaky_kernel_impl *impls = leaky_kernel_impls(isas[k]);
        if (!impls || !scalar)
            continue;
        const unsigned long long before = test_passed + test_failed;
        int kernels = 0, absent = 0;
        for (size_t e = 0; e < LEAKY_KERNEL_COUNT; e++) {
            const struct entry *en = &entries[e];
            if (!impls[e].fn) { /* not on this path: its slot holds the scalar kernel (checked) */
                absent++;
                continue;
            }
            if ((cpu & impls[e].cpu_features) != impls[e].cpu_features) {
                printf("SKIP %s on %s: this CPU lacks %s\n", en->name, path,
                       feature_names(impls[e].cpu_features & ~cpu));
                continue;
            }
            const struct subject s = {en->name, path, en->read(scalar), impls[e].fn};
            if (!s.ref)
                continue; /* failed in check_tables */
            en->drive(&s);
            kernels++;
        }
        printf("%s: %d kernels run, %d of the list not on this path, %llu checks\n", path, kernels,
               absent, test_passed + test_failed - before);
    }
    return test_finish("kernels");
}
