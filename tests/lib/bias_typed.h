/* SPDX-License-Identifier: MIT */
/* test_bias.c's checks for one element type: the including file defines TT (float or
 * double), TS (f32 or f64), TNAME_STR ("f32", "f64") and BOUND (the sums' promised error, relative to the sum of
 * |terms|). */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(CAT(name, _), TS)
#define API(name) CAT(CAT(leaky_bias_, name), CAT(_, TS))

/* The rule, element by element, from leaky.h (z in TT, one add). */
static TT FN(act)(int a, TT z, TT w)
{
    if (a == ACT_RELU)
        return z < 0 ? 0 : z;
    return z > 0 ? z : w * z;
}
static TT FN(dact)(int a, TT z, TT w, TT g)
{
    if (a == ACT_RELU)
        return z <= 0 ? 0 : g;
    return z > 0 ? g : w * g;
}

/* The activation a on the shape through the public functions: y (in place when asked),
 * dx, dbias, dslopes. */
static leaky_status FN(forward)(int a, const TT *x, const TT *b, TT *y, const struct shape *s,
                                const TT *w, size_t nw)
{
    switch (a) {
    case ACT_LEAKY: return API(leaky_relu)(x, b, y, s->outer, s->channels, s->inner, w[0]);
    case ACT_RELU: return API(relu)(x, b, y, s->outer, s->channels, s->inner);
    default: return API(prelu)(x, b, y, s->outer, s->channels, s->inner, w, nw);
    }
}
static leaky_status FN(backward)(int a, const TT *x, const TT *b, const TT *dy, TT *dx, TT *db,
                                 TT *dw, const struct shape *s, const TT *w, size_t nw)
{
    switch (a) {
    case ACT_LEAKY:
        return API(leaky_relu_backward)(x, b, dy, dx, db, s->outer, s->channels, s->inner, w[0]);
    case ACT_RELU: return API(relu_backward)(x, b, dy, dx, db, s->outer, s->channels, s->inner);
    default:
        return API(prelu_backward)(x, b, dy, dx, db, dw, s->outer, s->channels, s->inner, w, nw);
    }
}

/* The arrays of one shape, and the first path's gradients to hold the others to. */
struct FN(case) {
    TT *x, *dy, *y, *dx, *b, *w, *db, *dw, *db0, *dw0;
};

/* One shape and activation on the active path: y and dx against the rule, bit for bit,
 * out of place and in place; dbias and dslopes within BOUND of an exact sum, and, when
 * first is false, the same bits as the first path's. */
static void FN(check)(const struct shape *s, int a, size_t nw, struct FN(case) * k, bool first,
                      const char *path)
{
    const size_t C = s->channels, n = s->outer * C * s->inner;
    const TT *w = k->w;
    size_t bad = n;
    CHECK(FN(forward)(a, k->x, k->b, k->y, s, w, nw) == LEAKY_OK, "%s", leaky_last_error());
    for (size_t i = 0; i < n && bad == n; i++) {
        const size_t c = i / s->inner % C;
        const TT want = FN(act)(a, k->x[i] + k->b[c], w[nw == 1 ? 0 : c]);
        if (memcmp(&want, k->y + i, sizeof want) != 0)
            bad = i;
    }
    CHECK(bad == n, "%s %s on %s, shape %zu x %zu x %zu: y[%zu] differs from the rule", TNAME_STR,
          act_names[a], path, s->outer, C, s->inner, bad);
    /* In place: y == x. */
    memcpy(k->dx, k->x, n * sizeof(TT));
    FN(forward)(a, k->dx, k->b, k->dx, s, w, nw);
    CHECK(n == 0 || memcmp(k->dx, k->y, n * sizeof(TT)) == 0, "%s %s on %s in place differs",
          TNAME_STR, act_names[a], path);

    for (size_t c = 0; c < C; c++)
        k->db[c] = 12345; /* overwritten, never accumulated into */
    for (size_t j = 0; j < nw; j++)
        k->dw[j] = 12345;
    CHECK(FN(backward)(a, k->x, k->b, k->dy, k->dx, k->db, k->dw, s, w, nw) == LEAKY_OK, "%s",
          leaky_last_error());
    long double *eb = calloc(C + 1, sizeof *eb), *ab = calloc(C + 1, sizeof *ab);
    long double *ew = calloc(C + 1, sizeof *ew), *aw = calloc(C + 1, sizeof *aw);
    bad = n;
    for (size_t i = 0; i < n; i++) {
        const size_t c = i / s->inner % C, j = nw == 1 ? 0 : c;
        const TT z = k->x[i] + k->b[c];
        const TT want = FN(dact)(a, z, w[j], k->dy[i]);
        if (bad == n && memcmp(&want, k->dx + i, sizeof want) != 0)
            bad = i;
        eb[c] += want, ab[c] += fabsl((long double)want);
        const long double t = z > 0 ? 0 : (long double)z * k->dy[i];
        ew[j] += t, aw[j] += fabsl(t);
    }
    CHECK(bad == n, "%s %s backward on %s, shape %zu x %zu x %zu: dx[%zu] differs from the rule",
          TNAME_STR, act_names[a], path, s->outer, C, s->inner, bad);
    for (size_t c = 0; c < C; c++)
        CHECK(fabsl((long double)k->db[c] - eb[c]) <= BOUND * ab[c] + 1e-300L,
              "%s %s on %s, shape %zu x %zu x %zu: dbias[%zu] = %.9Lg, exact %.9Lg (sum |dz| %Lg)",
              TNAME_STR, act_names[a], path, s->outer, C, s->inner, c, (long double)k->db[c], eb[c],
              ab[c]);
    for (size_t j = 0; a == ACT_PRELU && j < nw; j++)
        CHECK(fabsl((long double)k->dw[j] - ew[j]) <= BOUND * aw[j] + 1e-300L,
              "%s prelu on %s: dslopes[%zu] = %.9Lg, exact %.9Lg", TNAME_STR, path, j,
              (long double)k->dw[j], ew[j]);
    if (a != ACT_PRELU && nw > 0)
        CHECK(k->dw[0] == 12345, "%s %s wrote a slope gradient", TNAME_STR, act_names[a]);
    if (first) {
        memcpy(k->db0, k->db, C * sizeof(TT));
        memcpy(k->dw0, k->dw, nw * sizeof(TT));
    } else {
        CHECK(C == 0 || memcmp(k->db0, k->db, C * sizeof(TT)) == 0,
              "%s %s on %s: dbias differs from the first path's", TNAME_STR, act_names[a], path);
        CHECK(memcmp(k->dw0, k->dw, nw * sizeof(TT)) == 0,
              "%s %s on %s: dslopes differ from the first path's", TNAME_STR, act_names[a], path);
    }
    /* In place: dx == dy. */
    TT *g = malloc((n + 1) * sizeof *g);
    memcpy(g, k->dy, n * sizeof(TT));
    FN(backward)(a, k->x, k->b, g, g, k->db, k->dw, s, w, nw);
    CHECK(n == 0 || memcmp(g, k->dx, n * sizeof(TT)) == 0, "%s %s backward on %s in place differs",
          TNAME_STR, act_names[a], path);
    CHECK(C == 0 || memcmp(k->db0, k->db, C * sizeof(TT)) == 0,
          "%s %s backward on %s in place: dbias differs", TNAME_STR, act_names[a], path);
    free(g), free(eb), free(ab), free(ew), free(aw);
}

static void FN(check_all)(const leaky_isa *isas, int nisa)
{
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        const struct shape *s = &shapes[si];
        const size_t C = s->channels, n = s->outer * C * s->inner;
        struct FN(case) k;
        TT **arrays[] = {&k.x, &k.dy, &k.y, &k.dx};
        for (size_t i = 0; i < 4; i++)
            *arrays[i] = malloc((n + 1) * sizeof(TT));
        TT **small[] = {&k.b, &k.w, &k.db, &k.dw, &k.db0, &k.dw0};
        for (size_t i = 0; i < 6; i++)
            *small[i] = calloc(C + 1, sizeof(TT));
        for (size_t i = 0; i < n; i++) {
            k.x[i] = (TT)random_value();
            k.dy[i] = (TT)random_value();
        }
        for (size_t c = 0; c < C; c++) {
            k.b[c] = (TT)(random_value() / 2);
            k.w[c] = (TT)(random_value() / 4);
        }
        if (C == 0)
            k.w[0] = (TT)0.25;
        for (int a = 0; a < ACTS; a++)
            for (int shared = 0; shared <= (a == ACT_PRELU); shared++) {
                const size_t nw = a == ACT_RELU ? 0 : a == ACT_LEAKY || shared || C == 0 ? 1 : C;
                for (int i = 0; i < nisa; i++) {
                    leaky_set_isa(isas[i]);
                    FN(check)(s, a, nw, &k, i == 0, leaky_isa_name(isas[i]));
                }
            }
        for (size_t i = 0; i < 4; i++)
            free(*arrays[i]);
        for (size_t i = 0; i < 6; i++)
            free(*small[i]);
    }
}

/* Large shapes (split over threads, streamed) into the digest. */
static void FN(digest)(void)
{
    static const struct shape big[] = {{8, 64, 3136}, {4096, 64, 1}, {128, 64, 49}, {2, 3, 70000}};
    for (size_t si = 0; si < sizeof big / sizeof big[0]; si++) {
        const struct shape *s = &big[si];
        const size_t C = s->channels, n = s->outer * C * s->inner;
        TT *x = malloc(n * sizeof *x), *dy = malloc(n * sizeof *dy), *y = malloc(n * sizeof *y);
        TT b[64], w[64], db[64], dw[64];
        for (size_t i = 0; i < n; i++)
            x[i] = (TT)random_value(), dy[i] = (TT)random_value();
        for (size_t c = 0; c < C; c++)
            b[c] = (TT)random_value(), w[c] = (TT)(random_value() / 4);
        for (int a = 0; a < ACTS; a++) {
            const size_t nw = a == ACT_RELU ? 0 : a == ACT_LEAKY ? 1 : C;
            FN(forward)(a, x, b, y, s, w, nw);
            digest_bytes(y, n * sizeof *y);
            FN(backward)(a, x, b, dy, y, db, dw, s, w, nw);
            digest_bytes(y, n * sizeof *y);
            digest_bytes(db, C * sizeof *db);
            /* Only PReLU has a slope gradient (Leaky ReLU's one slope is a constant). */
            digest_bytes(dw, a == ACT_PRELU ? nw * sizeof *dw : 0);
        }
        free(x), free(dy), free(y);
    }
}

#undef CAT_
#undef CAT
#undef FN
#undef API
