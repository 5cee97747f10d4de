/* SPDX-License-Identifier: MIT */
/* The body of test_isa_bits_family.c for one element type; the including file defines
 * TT (float or double), TS (f32 or f64), UINT (the unsigned integer of TT's size) and
 * EXP_BITS, MANT_BITS (TT's exponent and mantissa widths). */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(CAT(TS, _), name)  /* f32_name */
#define KER(name) CAT(CAT(TS, _), name) /* a field of struct leaky_kernels */
#define PARAMS struct CAT(CAT(leaky_, TS), _params)
#define RPARAMS struct CAT(CAT(leaky_rrelu_, TS), _params)
#define STR_(a) #a
#define STR(a) STR_(a)
#define TNAME_STR STR(TS)

static UINT FN(bits)(TT v)
{
    UINT u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static TT FN(of_bits)(UINT u)
{
    TT v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Same bits, or both NaN (a sum's NaN payload is not promised). */
static bool FN(same_sum)(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static bool FN(same)(const TT *a, const TT *b, size_t n)
{
    return memcmp(a, b, n * sizeof(TT)) == 0;
}

struct FN(bufs) {
    TT x[BLOCK], g[BLOCK], w[BLOCK], want[BLOCK], got[BLOCK], want2[BLOCK], got2[BLOCK];
    double acc_want[BLOCK], acc_got[BLOCK];
};

/* Each kernel on every path, over the block cut into chunks of 1 to 67 elements (every
 * tail); a chunk of a run kernel starts its 16 lanes afresh, in the reference too. */
static void FN(check_block)(struct FN(bufs) * b, size_t n, const char *where)
{
    const TT slopes[] = {(TT)0.01, 0, (TT)-0.5, (TT)1.5, (TT)0.25, (TT)3e38};
    for (size_t i = 0; i < n; i++) {
        b->g[i] = FN(of_bits)((UINT)mix64((uint64_t)FN(bits)(b->x[i])));
        b->w[i] = slopes[mix64(i) % 6];
    }
    for (int k = 0; k < npaths; k++) {
        const struct leaky_kernels *r = ref, *p = paths[k];
        const char *isa = leaky_isa_name(isas[k]);
        for (size_t s = 0; s < 6; s++) {
#if defined(CHECK_CORE_KERNELS)
            const PARAMS prm = {.slope = slopes[s]};
            r->KER(vlrelu)(n, b->x, b->want, &prm);
            CHUNKED(p->KER(vlrelu)(len, b->x + at, b->got + at, &prm));
            CHECK(FN(same)(b->want, b->got, n), "%s vlrelu on %s (%s)", TNAME_STR, isa, where);
            r->KER(vlrelu_backward)(n, b->x, b->g, b->want, &prm);
            CHUNKED(p->KER(vlrelu_backward)(len, b->x + at, b->g + at, b->got + at, &prm));
            CHECK(FN(same)(b->want, b->got, n), "%s vlrelu_backward on %s (%s)", TNAME_STR, isa,
                  where);
            /* Streamed (non-temporal) stores: the same bits, from any alignment. */
            const PARAMS streamed = {.slope = slopes[s], .nontemporal = true};
            r->KER(vlrelu)(n, b->x, b->want, &prm);
            CHUNKED(p->KER(vlrelu)(len, b->x + at, b->got + at, &streamed));
            CHECK(FN(same)(b->want, b->got, n), "%s vlrelu streamed on %s (%s)", TNAME_STR, isa,
                  where);
            r->KER(vlrelu_backward)(n, b->x, b->g, b->want, &prm);
            CHUNKED(p->KER(vlrelu_backward)(len, b->x + at, b->g + at, b->got + at, &streamed));
            CHECK(FN(same)(b->want, b->got, n), "%s vlrelu_backward streamed on %s (%s)", TNAME_STR,
                  isa, where);
            r->KER(vlrelu_derivative)(n, b->x, b->want, &prm);
            CHUNKED(p->KER(vlrelu_derivative)(len, b->x + at, b->got + at, &prm));
            CHECK(FN(same)(b->want, b->got, n), "%s vlrelu_derivative on %s (%s)", TNAME_STR, isa,
                  where);
#endif
            /* Runs with a slope each (the slopes cycle from slope s): dx and the sum of
             * every run, for chunks of 1 to 4 runs of 1 to 300 elements (blocks of 128 and
             * every tail), out of place (a third of the chunks streamed, from every
             * alignment) and in place. */
            memcpy(b->got2, b->g, n * sizeof(TT));
            for (size_t at = 0, len, runs; at < n; at += runs * len) {
                len = 1 + (at * 7 + s) % 300;
                len = len < n - at ? len : n - at;
                runs = 1 + at % 4;
                runs = runs <= (n - at) / len ? runs : (n - at) / len;
                double sw[4], sg[4], si[4];
                const size_t channel = (at + s) % 6;
                r->KER(vprelu_backward_runs)(runs, len, b->x + at, b->g + at, b->want + at, slopes,
                                             NULL, 6, channel, false, sw, NULL);
                p->KER(vprelu_backward_runs)(runs, len, b->x + at, b->g + at, b->got + at, slopes,
                                             NULL, 6, channel, at % 3 == 0, sg, NULL);
                p->KER(vprelu_backward_runs)(runs, len, b->x + at, b->got2 + at, b->got2 + at,
                                             slopes, NULL, 6, channel, false, si, NULL);
                for (size_t q = 0; q < runs; q++)
                    CHECK(FN(same_sum)(sw[q], sg[q]) && FN(same_sum)(sw[q], si[q]),
                          "%s vprelu_backward_runs run %zu of %zu on %s, chunk at %zu (%s): %a "
                          "and in place %a vs %a",
                          TNAME_STR, q, runs, isa, at, where, sg[q], si[q], sw[q]);
            }
            CHECK(FN(same)(b->want, b->got, n) && FN(same)(b->want, b->got2, n),
                  "%s vprelu_backward_runs dx on %s (%s)", TNAME_STR, isa, where);
            /* The lengths the kernel compiles apart, 3 runs from offset s. */
            static const size_t apart[] = {16, 32, 49, 64};
            for (size_t a = 0, len; a < 4 && s + 3 * (len = apart[a]) <= n; a++) {
                double sw[3], sg[3];
                r->KER(vprelu_backward_runs)(3, len, b->x + s, b->g + s, b->want + s, slopes, NULL,
                                             6, s, false, sw, NULL);
                p->KER(vprelu_backward_runs)(3, len, b->x + s, b->g + s, b->got + s, slopes, NULL,
                                             6, s, false, sg, NULL);
                for (size_t q = 0; q < 3; q++)
                    CHECK(FN(same_sum)(sw[q], sg[q]),
                          "%s vprelu_backward_runs of %zu, run %zu "
                          "on %s (%s): %a vs %a",
                          TNAME_STR, len, q, isa, where, sg[q], sw[q]);
                CHECK(FN(same)(b->want + s, b->got + s, 3 * len),
                      "%s vprelu_backward_runs of %zu dx on %s (%s)", TNAME_STR, len, isa, where);
            }
        }
#if defined(CHECK_CORE_KERNELS)
        const PARAMS none = {.slope = 0};
        r->KER(vrelu)(n, b->x, b->want, &none);
        CHUNKED(p->KER(vrelu)(len, b->x + at, b->got + at, &none));
        CHECK(FN(same)(b->want, b->got, n), "%s vrelu on %s (%s)", TNAME_STR, isa, where);
        r->KER(vrelu_backward)(n, b->x, b->g, b->want, &none);
        CHUNKED(p->KER(vrelu_backward)(len, b->x + at, b->g + at, b->got + at, &none));
        CHECK(FN(same)(b->want, b->got, n), "%s vrelu_backward on %s (%s)", TNAME_STR, isa, where);
#endif
        /* A slope per element. */
        const PARAMS plain = {.slope = 0};
        r->KER(vprelu)(n, b->x, b->w, b->want, &plain);
        CHUNKED(p->KER(vprelu)(len, b->x + at, b->w + at, b->got + at, &plain));
        CHECK(FN(same)(b->want, b->got, n), "%s vprelu on %s (%s)", TNAME_STR, isa, where);
        /* Rows of whole periods (1 to 4 whole vectors of every path, and others; 144: more
         * whole vectors than any path holds in registers), in chunks of 1 to 19 periods
         * (whole blocks of 8 and a part). */
        static const size_t periods[] = {1, 2, 4, 8, 12, 16, 23, 24, 32, 48, 64, 67, 144};
        size_t bad = 0;
        for (size_t q = 0; q < sizeof periods / sizeof periods[0] && periods[q] <= n; q++) {
            const size_t period = periods[q];
            const size_t whole = n / period * period;
            /* The sums: acc_want, acc_got, and in place from acc_got + period. */
            for (size_t i = 0; i < period; i++)
                b->acc_want[i] = b->acc_got[i] = b->acc_got[period + i] =
                    (double)(i % 5) * 0.5; /* never -0 */
            memcpy(b->got2, b->g, whole * sizeof(TT));
            /* Blocks of 8 periods start at each call: both paths get the same calls, every
             * other one streamed (at whatever alignment the chunk's start has). */
            for (size_t at = 0, len; at < whole; at += len) {
                len = (1 + at / period % 19) * period;
                len = len < whole - at ? len : whole - at;
                const bool stream = at / period % 2 == 1;
                r->KER(vprelu_backward)(len, period, b->x + at, b->g + at, b->w, NULL, b->want + at,
                                        stream, b->acc_want, NULL);
                p->KER(vprelu_backward)(len, period, b->x + at, b->g + at, b->w, NULL, b->got + at,
                                        stream, b->acc_got, NULL);
                p->KER(vprelu_backward)(len, period, b->x + at, b->got2 + at, b->w, NULL,
                                        b->got2 + at, stream, b->acc_got + period, NULL);
            }
            CHECK(FN(same)(b->want, b->got, whole) && FN(same)(b->want, b->got2, whole),
                  "%s vprelu_backward dx (or in place), period %zu, on %s (%s)", TNAME_STR, period,
                  isa, where);
            for (size_t i = 0; i < period; i++)
                bad += !FN(same_sum)(b->acc_want[i], b->acc_got[i]) +
                       !FN(same_sum)(b->acc_want[i], b->acc_got[period + i]);
        }
        CHECK(bad == 0, "%s vprelu_backward sums on %s (%s): %zu differ", TNAME_STR, isa, where,
              bad);
        /* RReLU: draws keyed by the index, whatever the chunking. */
        const TT bounds[][2] = {{(TT)0.125, (TT)(1.0 / 3)}, {(TT)-2, (TT)5}, {(TT)0.3, (TT)0.3}};
        for (int q = 0; q < 3; q++) {
            const uint32_t first = (uint32_t)mix64((uint64_t)q + n) | 0xFFFFF000u; /* wraps */
            const RPARAMS rp = {bounds[q][0], bounds[q][1] - bounds[q][0],
                                0x12345678u + (uint32_t)q, 0x9ABCDEF0u, first};
            r->KER(vrrelu)(n, b->x, b->want, b->want2, &rp);
            CHUNKED_R(p->KER(vrrelu)(len, b->x + at, b->got + at, b->got2 + at, &cp));
            CHECK(FN(same)(b->want, b->got, n) && FN(same)(b->want2, b->got2, n),
                  "%s vrrelu on %s, bounds %d (%s)", TNAME_STR, isa, q, where);
            CHUNKED_R(p->KER(vrrelu)(len, b->x + at, b->got + at, NULL, &cp));
            CHECK(FN(same)(b->want, b->got, n), "%s vrrelu without noise on %s (%s)", TNAME_STR,
                  isa, where);
            r->KER(vrrelu_backward)(n, b->x, b->g, b->want, &rp);
            CHUNKED_R(p->KER(vrrelu_backward)(len, b->x + at, b->g + at, b->got + at, &cp));
            CHECK(FN(same)(b->want, b->got, n), "%s vrrelu_backward on %s (%s)", TNAME_STR, isa,
                  where);
        }
    }
}

/* Every sign and exponent: the smallest and largest mantissas and hashed ones; then a
 * block of specials. */
static void FN(run_sample)(size_t per_exponent)
{
    static struct FN(bufs) b;
    const UINT sign_exps = (UINT)1 << (EXP_BITS + 1);
    size_t filled = 0;
    for (UINT se = 0; se < sign_exps; se++) {
        for (size_t i = 0; i < per_exponent; i++) {
            const UINT top = ((UINT)1 << MANT_BITS) - 1;
            const UINT m = i < 4                   ? (UINT)i
                           : i >= per_exponent - 4 ? top - (UINT)(per_exponent - 1 - i)
                                                   : (UINT)mix64(se * 1000003u + i) & top;
            b.x[filled++] = FN(of_bits)(se << MANT_BITS | m);
            if (filled == BLOCK) {
                FN(check_block)(&b, filled, "sample");
                filled = 0;
            }
        }
    }
    if (filled)
        FN(check_block)(&b, filled, "sample");
    const TT specials[] = {0,        -(TT)0, (TT)INFINITY, -(TT)INFINITY, (TT)NAN,
                           -(TT)NAN, 1,      -1,           (TT)1e-40,     (TT)-1e-40};
    for (size_t i = 0; i < BLOCK; i++)
        b.x[i] = specials[i % (sizeof specials / sizeof specials[0])];
    FN(check_block)(&b, BLOCK, "specials");
}

#undef CAT_
#undef CAT
#undef FN
#undef KER
#undef PARAMS
#undef RPARAMS
#undef STR_
#undef STR
#undef TNAME_STR
