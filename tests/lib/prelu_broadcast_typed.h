/* SPDX-License-Identifier: MIT */
/* The body of test_prelu_broadcast.c for one element type: TT (float or double), TS (f32
 * or f64). */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(CAT(TS, _), name)
#define API(name) CAT(CAT(CAT(leaky_, name), _), TS)

/* Checks one shape pair on the active path: y and dx element by element against the
 * definition (w at the broadcast index), dw within 1e-6 of the sum of |terms| of a long
 * double sum, and dw the same bits with dw NULL's dx, in place, and on a second run. */
static void FN(check)(const struct bshape *b)
{
    size_t n = 1, num_w = 1;
    for (size_t d = 0; d < b->x_ndim; d++)
        n *= b->x[d];
    for (size_t d = 0; d < b->w_ndim; d++)
        num_w *= b->w[d];
    TT *x = malloc((n + 1) * sizeof *x), *dy = malloc((n + 1) * sizeof *dy);
    TT *y = malloc((n + 1) * sizeof *y), *dx = malloc((n + 1) * sizeof *dx);
    TT *w = malloc((num_w + 1) * sizeof *w), *dw = malloc((num_w + 1) * sizeof *dw);
    TT *dw2 = malloc((num_w + 1) * sizeof *dw2);
    long double *want_dw = calloc(num_w + 1, sizeof *want_dw),
                *abs_dw = calloc(num_w + 1, sizeof *abs_dw);
    for (size_t i = 0; i < n; i++) {
        x[i] = (TT)random_value();
        dy[i] = (TT)random_value();
    }
    for (size_t k = 0; k < num_w; k++)
        w[k] = (TT)(random_value() * 0.5);
    CHECK(API(prelu_broadcast)(x, b->x, b->x_ndim, w, b->w, b->w_ndim, y) == LEAKY_OK, "%s %s: %s",
          TSTR_, b->name, leaky_last_error());
    CHECK(API(prelu_broadcast_backward)(x, b->x, b->x_ndim, w, b->w, b->w_ndim, dy, dx, dw) ==
              LEAKY_OK,
          "%s %s backward: %s", TSTR_, b->name, leaky_last_error());
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t k = slope_index(b, i);
        const TT want = x[i] > 0 ? x[i] : w[k] * x[i];
        const TT want_dx = x[i] > 0 ? dy[i] : w[k] * dy[i];
        bad += memcmp(&want, &y[i], sizeof want) != 0 || memcmp(&want_dx, &dx[i], sizeof want) != 0;
        const long double term = x[i] > 0 ? 0 : (long double)x[i] * dy[i];
        want_dw[k] += term;
        abs_dw[k] += fabsl(term);
    }
    CHECK(bad == 0, "%s %s: %zu of %zu elements differ from the definition", TSTR_, b->name, bad,
          n);
    for (size_t k = 0; k < num_w; k++)
        CHECK(fabsl((long double)dw[k] - want_dw[k]) <= 1e-6L * abs_dw[k] + 1e-30L,
              "%s %s: dw[%zu] = %.9g, sum %.9Lg (|terms| %.3Lg)", TSTR_, b->name, k, (double)dw[k],
              want_dw[k], abs_dw[k]);
    /* Again, in place (dx over dy): the same bits, fixed by the shapes. */
    memcpy(dx, dy, n * sizeof *dx);
    CHECK(API(prelu_broadcast_backward)(x, b->x, b->x_ndim, w, b->w, b->w_ndim, dx, dx, dw2) ==
                  LEAKY_OK &&
              memcmp(dw, dw2, num_w * sizeof *dw) == 0,
          "%s %s: a second backward, in place, gave other dw bits", TSTR_, b->name);
    memcpy(y, x, n * sizeof *y);
    CHECK(API(prelu_broadcast)(y, b->x, b->x_ndim, w, b->w, b->w_ndim, y) == LEAKY_OK,
          "%s %s in place: %s", TSTR_, b->name, leaky_last_error());
    free(x), free(dy), free(y), free(dx), free(w), free(dw), free(dw2), free(want_dw), free(abs_dw);
}

static void FN(errors)(void)
{
    const size_t x_shape[] = {2, 3, 4}, w_bad[] = {3, 3}, w_long[] = {1, 2, 3, 4};
    TT x[24] = {0}, y[24], w[9] = {0};
    CHECK(API(prelu_broadcast)(x, x_shape, 3, w, w_bad, 2, y) == LEAKY_EINVAL &&
              strstr(leaky_last_error(), "w_shape[1] is 3 but x_shape[2] is 4"),
          "%s: a shape that does not broadcast: %s", TSTR_, leaky_last_error());
    CHECK(API(prelu_broadcast)(x, x_shape, 3, w, w_long, 4, y) == LEAKY_EINVAL &&
              strstr(leaky_last_error(), "w has 4 dimensions, x 3"),
          "%s: more slope dimensions than x's: %s", TSTR_, leaky_last_error());
    w[0] = (TT)INFINITY;
    const size_t w_one[] = {1};
    CHECK(API(prelu_broadcast)(x, x_shape, 3, w, w_one, 1, y) == LEAKY_EINVAL &&
              strstr(leaky_last_error(), "w[0] is inf"),
          "%s: an infinite slope: %s", TSTR_, leaky_last_error());
    CHECK(API(prelu_broadcast)(x, NULL, 3, w, w_one, 1, y) == LEAKY_EINVAL, "%s: x_shape NULL",
          TSTR_);
}

#undef CAT_
#undef CAT
#undef FN
#undef API
