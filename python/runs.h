/* SPDX-License-Identifier: MIT */
/*
 * The contiguous runs of the module's elementwise functions for one element type, included
 * once per type by leaky_module.c with RUN_T (float, double) and RUN_S (f32, f64) defined.
 * A run gets n dense elements of each operand (its inputs, then its output) and the index of
 * its first element in the whole array, which only RReLU's training draw uses.
 */
#define RUN_CAT_(a, b) a##_##b
#define RUN_CAT(a, b) RUN_CAT_(a, b)
#define RUN(name) RUN_CAT(name, RUN_S)
#define LIB(name) RUN_CAT(leaky_##name, RUN_S)

static leaky_status RUN(run_leaky_relu)(char *const *p, size_t n, uint64_t first,
                                        const struct params *q)
{
    (void)first;
    return LIB(relu)((const RUN_T *)p[0], (RUN_T *)p[1], n, (RUN_T)q->slope);
}

static leaky_status RUN(run_leaky_relu_derivative)(char *const *p, size_t n, uint64_t first,
                                                   const struct params *q)
{
    (void)first;
    return LIB(relu_derivative)((const RUN_T *)p[0], (RUN_T *)p[1], n, (RUN_T)q->slope);
}

static leaky_status RUN(run_leaky_relu_backward)(char *const *p, size_t n, uint64_t first,
                                                 const struct params *q)
{
    (void)first;
    return LIB(relu_backward)((const RUN_T *)p[0], (const RUN_T *)p[1], (RUN_T *)p[2], n,
                              (RUN_T)q->slope);
}

static leaky_status RUN(run_relu)(char *const *p, size_t n, uint64_t first, const struct params *q)
{
    (void)first, (void)q;
    return LIB(plain_relu)((const RUN_T *)p[0], (RUN_T *)p[1], n);
}

static leaky_status RUN(run_relu_backward)(char *const *p, size_t n, uint64_t first,
                                           const struct params *q)
{
    (void)first, (void)q;
    return LIB(plain_relu_backward)((const RUN_T *)p[0], (const RUN_T *)p[1], (RUN_T *)p[2], n);
}

static leaky_status RUN(run_rrelu_train)(char *const *p, size_t n, uint64_t first,
                                         const struct params *q)
{
    return LIB(rrelu_train_at)((const RUN_T *)p[0], (RUN_T *)p[1], n, first, (RUN_T)q->lower,
                               (RUN_T)q->upper, q->seed, NULL);
}

static leaky_status RUN(run_rrelu_backward_train)(char *const *p, size_t n, uint64_t first,
                                                  const struct params *q)
{
    return LIB(rrelu_backward_at)((const RUN_T *)p[0], (const RUN_T *)p[1], (RUN_T *)p[2], n, first,
                                  (RUN_T)q->lower, (RUN_T)q->upper, q->seed);
}

/* RReLU in evaluation is Leaky ReLU with the mean slope; this checks the bounds only (the
 * library checks them before it looks at the arrays, so an empty call is enough). */
static leaky_status RUN(check_rrelu_bounds)(const struct params *q)
{
    return LIB(rrelu_eval)(NULL, NULL, 0, (RUN_T)q->lower, (RUN_T)q->upper);
}

#undef LIB
#undef RUN
#undef RUN_CAT
#undef RUN_CAT_
