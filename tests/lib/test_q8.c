/* SPDX-License-Identifier: MIT */
/* Quantized int8 (qs8) and uint8 (qu8):
 *   - all 256 inputs for each of 1,200 parameter sets (scale ratios 2^-8 to 2^8, among
 *     them exact powers of two, which make ties; zero points over the whole range; slopes
 *     negative, zero, small, 1, above 1), through the public functions on every path,
 *     against a double-precision reference written here, rounding ties to even;
 *   - the byte-lookup kernel of every path against the scalar one: random tables, every
 *     length 0-300, misaligned, in place, guard zones;
 *   - each invalid parameter rejected with its own message, the struct left unchanged. */
#include <fenv.h>
#include <math.h>

#include "test.h"

static uint64_t rng_state = 20261126;
static uint32_t next_random(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 32);
}
static double uniform(double lo, double hi)
{
    return lo + (hi - lo) * (next_random() / 4294967296.0);
}

struct set {
    float in_scale, out_scale, slope;
    int in_zp, out_zp;
};

/* The reference: real arithmetic in double (the input's real value is exact; the rest
 * carries relative errors near 2^-53, far below the distance of any non-tie from a tie
 * for these parameters), rounded to nearest with ties to even by nearbyint. */
static int reference(int q, const struct set *s, int lo, int hi)
{
    const double real = (double)s->in_scale * (double)(q - s->in_zp);
    const double activated = real > 0 ? real : (double)s->slope * real;
    const double out = nearbyint(activated / (double)s->out_scale) + s->out_zp;
    return out < lo ? lo : out > hi ? hi : (int)out;
}

static const float slope_choices[] = {0.01f, 0.0f, -0.5f, -1.0f, -3.75f, 1e-3f, 0.1f,   0.2f,
                                      0.25f, 0.3f, 1.0f,  1.5f,  2.0f,   7.0f,  1e-30f, -1e-3f};
enum { NCHOICES = sizeof slope_choices / sizeof slope_choices[0], NSETS = 1200 };

static struct set make_set(int i)
{
    struct set s;
    s.out_scale =
        (float)(uniform(-12, 4) > 0 ? ldexp(1.0, (int)uniform(-12, 4)) : exp2(uniform(-12, 4)));
    /* Half the sets have an exact power-of-two ratio (ties happen), half any ratio. */
    const double ratio = i % 2 ? ldexp(1.0, (int)floor(uniform(-8, 9))) : exp2(uniform(-8, 8));
    s.in_scale = (float)(s.out_scale * ratio);
    s.slope = i % 3 ? slope_choices[next_random() % NCHOICES] : (float)uniform(-2, 2);
    /* Zero points: the extremes, the middle, and anywhere. */
    static const int picks[] = {-128, 127, 0, -1, 64};
    s.in_zp = i % 4 == 0 ? picks[(i / 4) % 5] : (int)(next_random() % 256) - 128;
    s.out_zp = i % 4 == 1 ? picks[(i / 4) % 5] : (int)(next_random() % 256) - 128;
    return s;
}

static void check_sets(void)
{
    leaky_isa isas[LEAKY_ISA_COUNT];
    const int nisas = test_isas(isas);
    int8_t xs[256], ys[256];
    uint8_t xu[256], yu[256];
    for (int i = 0; i < 256; i++) {
        xs[i] = (int8_t)(i - 128);
        xu[i] = (uint8_t)i;
    }
    unsigned long long inputs = 0, bad = 0;
    for (int i = 0; i < NSETS; i++) {
        const struct set s = make_set(i);
        /* qu8 takes the same set with its zero points moved into [0, 255]. */
        const struct set u = {s.in_scale, s.out_scale, s.slope, s.in_zp + 128, s.out_zp + 128};
        leaky_qs8_params ps;
        leaky_qu8_params pu;
        if (leaky_qs8_params_init(&ps, s.in_scale, s.in_zp, s.out_scale, s.out_zp, s.slope) ||
            leaky_qu8_params_init(&pu, u.in_scale, u.in_zp, u.out_scale, u.out_zp, u.slope)) {
            CHECK(false, "set %d: init failed: %s", i, leaky_last_error());
            continue;
        }
        for (int k = 0; k < nisas; k++) {
            leaky_set_isa(isas[k]);
            leaky_relu_qs8(xs, ys, 256, &ps);
            leaky_relu_qu8(xu, yu, 256, &pu);
            for (int q = 0; q < 256; q++, inputs += 2) {
                const int want_s = reference(q - 128, &s, -128, 127),
                          want_u = reference(q, &u, 0, 255);
                if (ys[q] != want_s && bad++ < 10)
                    fprintf(stderr,
                            "FAIL qs8 on %s, set %d (in %a zp %d, out %a zp %d, slope %a): "
                            "q = %d gave %d, reference %d\n",
                            leaky_isa_name(isas[k]), i, (double)s.in_scale, s.in_zp,
                            (double)s.out_scale, s.out_zp, (double)s.slope, q - 128, ys[q], want_s);
                if (yu[q] != want_u && bad++ < 10)
                    fprintf(stderr, "FAIL qu8 on %s, set %d: q = %d gave %d, reference %d\n",
                            leaky_isa_name(isas[k]), i, q, yu[q], want_u);
            }
        }
    }
    leaky_set_isa(leaky_isa_best());
    printf("%d parameter sets x 256 inputs x 2 types x %d paths: %llu results\n", NSETS, nisas,
           inputs);
    CHECK(bad == 0, "%llu of %llu results differ from the reference", bad, inputs);
}

/* Ties go to even; results beyond the range clamp; the struct keeps its parameters. */
static void check_examples(void)
{
    leaky_qs8_params p;
    /* in_scale 0.5, out_scale 1: q = 1, 3, 5 are 0.5, 1.5, 2.5 -> 0, 2, 2. */
    CHECK(leaky_qs8_params_init(&p, 0.5f, 0, 1.0f, 0, 0.5f) == LEAKY_OK, "init");
    CHECK(p.table[1] == 0 && p.table[3] == 2 && p.table[5] == 2 && p.table[7] == 4,
          "ties to even: %d %d %d %d", p.table[1], p.table[3], p.table[5], p.table[7]);
    /* Negative side: -1 * 0.5 * 0.5 = -0.25 -> 0; -2 -> -0.5 -> 0; -6 -> -1.5 -> -2. */
    CHECK(p.table[255] == 0 && p.table[254] == 0 && p.table[250] == -2, "negative ties: %d %d %d",
          p.table[255], p.table[254], p.table[250]);
    CHECK(p.in_scale == 0.5f && p.out_scale == 1.0f && p.negative_slope == 0.5f &&
              p.in_zero_point == 0 && p.out_zero_point == 0,
          "fields kept");
    /* Clamping: in_scale 1, out_scale 1/16: 127 * 16 is far above 127. */
    CHECK(leaky_qs8_params_init(&p, 1.0f, 0, 0.0625f, 0, -2.0f) == LEAKY_OK, "init");
    CHECK(p.table[127] == 127 && p.table[128] == 127 && p.table[0] == 0, "clamp: %d %d %d",
          p.table[127], p.table[128], p.table[0]);
    /* Extreme scales: the exact arithmetic must not overflow or lose the tie. */
    CHECK(leaky_qs8_params_init(&p, 3e38f, 0, 1e-45f, 0, 3e38f) == LEAKY_OK, "init extreme");
    CHECK(p.table[1] == 127 && p.table[255] == -128, "extreme: %d %d", p.table[1], p.table[255]);
    CHECK(leaky_qs8_params_init(&p, 1e-45f, 0, 3e38f, 5, 1e-30f) == LEAKY_OK, "init tiny");
    CHECK(p.table[127] == 5 && p.table[128] == 5, "tiny: %d %d", p.table[127], p.table[128]);
}

/* Where double arithmetic is not enough: slope = 14938629 * 2^-24, in_scale =
 * 15180635 * 2^-24 and d = q - in_zero_point = -229 give the exact product
 * -(184.5 + 3 * 2^-48), which needs 57 bits; double rounds it to the tie -184.5 and then
 * to the even -184, while the exact value rounds to -185. (Found by a search over
 * products near ties; the numbers are checked here in 128-bit integers.) */
static void check_beyond_double(void)
{
    const float slope = 0x1.c7e40ap-1f, in_scale = 0x1.cf46b6p-1f;
    const unsigned __int128 product = (unsigned __int128)14938629u * 15180635u * 229u;
    CHECK(product == ((unsigned __int128)369 << 47) + 3 && (double)slope * 0x1p24 == 14938629 &&
              (double)in_scale * 0x1p24 == 15180635,
          "the example's arithmetic");
    leaky_qs8_params p;
    CHECK(leaky_qs8_params_init(&p, in_scale, 101, 1.0f, 100, slope) == LEAKY_OK, "init");
    const struct set s = {in_scale, 1.0f, slope, 101, 100};
    /* q = -128: d = -229, exact -185 + 100 = -85; the double reference says -84. */
    CHECK(p.table[128] == -85, "beyond double: gave %d, exact -85", p.table[128]);
    CHECK(reference(-128, &s, -128, 127) == -84,
          "the double reference no longer misrounds "
          "this case (%d): the example is moot",
          reference(-128, &s, -128, 127));
}

static void check_lookup_paths(void)
{
    leaky_isa isas[LEAKY_ISA_COUNT];
    const int nisas = test_isas(isas);
    enum { MAX_N = 300, GUARD = 64, CAP = GUARD + 64 + MAX_N + GUARD };
    static uint8_t table[256], x[CAP], y[CAP], want[MAX_N];
    unsigned long long bad = 0;
    for (int k = 0; k < nisas; k++) {
        leaky_lut8_fn *lut = leaky_kernels_for_isa(isas[k])->x8_vlut;
        for (size_t n = 0; n <= MAX_N; n++) {
            for (int i = 0; i < 256; i++)
                table[i] = (uint8_t)next_random();
            const size_t shift = next_random() % 64;
            uint8_t *in = x + GUARD + shift, *out = y + GUARD + (shift * 7) % 64;
            for (size_t i = 0; i < n; i++)
                in[i] = (uint8_t)next_random();
            memset(y, 0xA5, sizeof y);
            leaky_x8_vlut__scalar(n, in, want, table);
            lut(n, in, out, table);
            bool ok = memcmp(out, want, n) == 0;
            for (uint8_t *q = y; q < y + CAP; q++)
                if (q < out || q >= out + n)
                    ok = ok && *q == 0xA5;
            lut(n, in, in, table); /* in place */
            ok = ok && memcmp(in, want, n) == 0;
            if (!ok && bad++ < 5)
                fprintf(stderr, "FAIL lookup on %s: n = %zu shift %zu\n", leaky_isa_name(isas[k]),
                        n, shift);
        }
    }
    CHECK(bad == 0, "lookup kernels: %llu cases wrong", bad);
}

static void expect_error(leaky_status st, const char *message, const char *what)
{
    CHECK(st == LEAKY_EINVAL && strcmp(leaky_last_error(), message) == 0,
          "%s: status %d, message '%s', expected EINVAL with '%s'", what, (int)st,
          leaky_last_error(), message);
}

static void check_errors(void)
{
    leaky_qs8_params ps, before;
    leaky_qu8_params pu;
    memset(&ps, 0x5A, sizeof ps);
    before = ps;
    expect_error(leaky_qs8_params_init(&ps, 0.0f, 0, 1.0f, 0, 0.1f),
                 "leaky_qs8_params_init: in_scale is 0; expected a positive finite number", "0");
    expect_error(leaky_qs8_params_init(&ps, -1.0f, 0, 1.0f, 0, 0.1f),
                 "leaky_qs8_params_init: in_scale is -1; expected a positive finite number", "-1");
    expect_error(leaky_qs8_params_init(&ps, INFINITY, 0, 1.0f, 0, 0.1f),
                 "leaky_qs8_params_init: in_scale is inf; expected a positive finite number",
                 "inf");
    expect_error(leaky_qs8_params_init(&ps, NAN, 0, 1.0f, 0, 0.1f),
                 "leaky_qs8_params_init: in_scale is nan; expected a positive finite number",
                 "nan");
    expect_error(leaky_qs8_params_init(&ps, 1.0f, 0, -0.5f, 0, 0.1f),
                 "leaky_qs8_params_init: out_scale is -0.5; expected a positive finite number",
                 "out_scale");
    expect_error(leaky_qs8_params_init(&ps, 1.0f, 128, 1.0f, 0, 0.1f),
                 "leaky_qs8_params_init: in_zero_point is 128; expected an integer in [-128, 127]",
                 "in_zero_point");
    expect_error(
        leaky_qs8_params_init(&ps, 1.0f, 0, 1.0f, -129, 0.1f),
        "leaky_qs8_params_init: out_zero_point is -129; expected an integer in [-128, 127]",
        "out_zero_point");
    expect_error(leaky_qs8_params_init(&ps, 1.0f, 0, 1.0f, 0, NAN),
                 "leaky_qs8_params_init: negative_slope is nan; expected a finite number", "slope");
    expect_error(leaky_qs8_params_init(NULL, 1.0f, 0, 1.0f, 0, 0.1f),
                 "leaky_qs8_params_init: params is NULL; expected the struct to fill", "NULL");
    CHECK(memcmp(&ps, &before, sizeof ps) == 0, "a failed init changed the struct");
    expect_error(leaky_qu8_params_init(&pu, 1.0f, -1, 1.0f, 0, 0.1f),
                 "leaky_qu8_params_init: in_zero_point is -1; expected an integer in [0, 255]",
                 "qu8 in_zero_point");
    expect_error(leaky_qu8_params_init(&pu, 1.0f, 0, 1.0f, 256, 0.1f),
                 "leaky_qu8_params_init: out_zero_point is 256; expected an integer in [0, 255]",
                 "qu8 out_zero_point");
    expect_error(leaky_qu8_params_init(&pu, 1.0f, 0, -0.0f, 0, 0.1f),
                 "leaky_qu8_params_init: out_scale is -0; expected a positive finite number",
                 "qu8 out_scale -0");
    int8_t x[4] = {1, 2, 3, 4}, y[4] = {0};
    expect_error(leaky_relu_qs8(x, y, 4, &ps),
                 "leaky_relu_qs8: params was not filled by leaky_qs8_params_init (or was since "
                 "overwritten)",
                 "uninitialised params");
    expect_error(leaky_relu_qs8(x, y, 4, NULL),
                 "leaky_relu_qs8: params is NULL; expected parameters filled by "
                 "leaky_qs8_params_init",
                 "NULL params");
    CHECK(leaky_qs8_params_init(&ps, 1.0f, 0, 1.0f, 0, 0.1f) == LEAKY_OK, "init");
    expect_error(leaky_relu_qs8(NULL, y, 4, &ps),
                 "leaky_relu_qs8: x is NULL with n = 4; expected an array of n elements", "NULL x");
    expect_error(leaky_relu_qs8(x, x + 1, 3, &ps),
                 "leaky_relu_qs8: x and y overlap by 2 bytes without being the same array; "
                 "expected the same array (in place) or disjoint ones",
                 "overlap");
    CHECK(leaky_relu_qs8(NULL, NULL, 0, &ps) == LEAKY_OK, "n = 0");
    CHECK(y[0] == 0 && y[3] == 0, "an error wrote to y");
}

int main(void)
{
    printf("seed %llu\n", (unsigned long long)rng_state);
    CHECK(fegetround() == FE_TONEAREST, "rounding mode");
    check_examples();
    check_beyond_double();
    check_sets();
    check_lookup_paths();
    check_errors();
    return test_finish("test_q8");
}
