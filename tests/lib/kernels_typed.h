/* SPDX-License-Identifier: MIT */
/* test_kernels.c's calls and drivers of the float32 or float64 kernel types; the including
 * file defines TT (float or double), TS (f32 or f64), TX, TG, TW (its master inputs: any
 * values, gradients, finite slopes) and TSLOPES (the five slopes). */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(CAT(name, _), TS)                 /* name_f32 */
#define KTYPE(kind) CAT(CAT(leaky_##kind##_, TS), _fn) /* leaky_unary_f32_fn */
#define PARAMS struct CAT(CAT(leaky_, TS), _params)
#define RPARAMS struct CAT(CAT(leaky_rrelu_, TS), _params)

static void FN(call_unary)(any_fn f, size_t n, const void *x, void *y, int v, bool nt)
{
    const PARAMS p = {TSLOPES[v], nt};
    ((KTYPE(unary) *)f)(n, x, y, &p);
}

static void FN(call_binary)(any_fn f, size_t n, const void *x, const void *g, void *out, int v,
                            bool nt)
{
    const PARAMS p = {TSLOPES[v], nt};
    ((KTYPE(binary) *)f)(n, x, g, out, &p);
}

static void FN(call_row)(any_fn f, size_t n, size_t period, const void *x, const void *dy,
                         const void *w, const void *b, void *dx, bool nt, double *acc, double *bacc)
{
    ((KTYPE(prelu_row_backward) *)f)(n, period, x, dy, w, b, dx, nt, acc, bacc);
}

static void FN(call_runs)(any_fn f, size_t runs, size_t len, const void *x, const void *dy,
                          void *dx, const void *slopes, const void *bias, size_t channels,
                          size_t channel, bool nt, double *sums, double *bias_sums)
{
    ((KTYPE(prelu_runs_backward) *)f)(runs, len, x, dy, dx, slopes, bias, channels, channel, nt,
                                      sums, bias_sums);
}

static void FN(call_bias_act)(any_fn f, size_t n, const void *x, const void *b, const void *w,
                              size_t period, size_t phase, bool w_row, void *y, bool nt)
{
    const PARAMS p = {0, nt};
    ((KTYPE(bias_act) *)f)(n, x, b, w, period, phase, w_row, y, &p);
}

/* RReLU's parameters for a variant: its bounds and first index, keys from the seed. */
static RPARAMS FN(rrelu_params)(int v)
{
    const TT lower = (TT)rrelu_bounds[v][0], upper = (TT)rrelu_bounds[v][1];
    return (RPARAMS){lower, upper - lower, (uint32_t)seed ^ 0x12345678u,
                     (uint32_t)(seed >> 32) ^ 0x9ABCDEF0u, rrelu_first[v]};
}

static void FN(call_rrelu)(any_fn f, size_t n, const void *x, void *y, void *noise, int v)
{
    const RPARAMS p = FN(rrelu_params)(v);
    ((KTYPE(rrelu) *)f)(n, x, y, noise, &p);
}

static void FN(call_rrelu_backward)(any_fn f, size_t n, const void *x, const void *dy, void *dx,
                                    int v, bool nt)
{
    (void)nt;
    const RPARAMS p = FN(rrelu_params)(v);
    ((KTYPE(rrelu_backward) *)f)(n, x, dy, dx, &p);
}

static void FN(drive_unary)(const struct subject *s)
{
    drive_unary(s, &(struct unary_kind){sizeof(TT), in->TX, slope_labels, true, FN(call_unary)});
}

/* out may be g (a backward) or x (PReLU's forward); g is any value, PReLU's slopes too. */
static void FN(drive_binary)(const struct subject *s)
{
    drive_binary(s, &(struct binary_kind){sizeof(TT), sizeof(TT), sizeof(TT), in->TX, in->TG,
                                          slope_labels, true, true, true, false, FN(call_binary)});
}

static void FN(drive_row)(const struct subject *s)
{
    drive_row(s, &(struct row_kind){sizeof(TT), in->TX, in->TG, in->TW, FN(call_row)});
}

/* The biases: five finite values of any magnitude. */
static void FN(drive_runs)(const struct subject *s)
{
    drive_runs(
        s, &(struct runs_kind){sizeof(TT), in->TX, in->TG, TSLOPES, in->TW + 4000, FN(call_runs)});
}

static void FN(drive_bias_act)(const struct subject *s)
{
    drive_bias_act(s,
                   &(struct bias_act_kind){sizeof(TT), in->TX, in->TW, TSLOPES, FN(call_bias_act)});
}

static void FN(drive_rrelu)(const struct subject *s)
{
    drive_rrelu(s, &(struct rrelu_kind){sizeof(TT), in->TX, FN(call_rrelu)});
}

/* dx may be dy only. */
static void FN(drive_rrelu_backward)(const struct subject *s)
{
    drive_binary(s, &(struct binary_kind){sizeof(TT), sizeof(TT), sizeof(TT), in->TX, in->TG,
                                          rrelu_labels, false, true, false, false,
                                          FN(call_rrelu_backward)});
}

#undef CAT_
#undef CAT
#undef FN
#undef KTYPE
#undef PARAMS
#undef RPARAMS
