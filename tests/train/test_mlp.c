/* SPDX-License-Identifier: MIT */
/* The experiment's perceptron: its gradient against finite differences, the dead-unit
 * counter on hand-made layers, one optimizer step worked out by hand, and the wide loops
 * (optimizers, byte conversion) bit for bit on every instruction set. */
#include <math.h>

#include "gradcheck.h"
#include "mlp.h"
#include "test.h"

enum { BATCH = 5 };

static activation act_of(const char *text)
{
    activation act;
    char err[256];
    if (!activation_parse(text, &act, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    return act;
}

/* The sign of every hidden pre-activation z + b, to tell when a finite difference crossed
 * a kink (where the derivative is not defined and the difference means nothing). The
 * network keeps z before its bias, but for RReLU after it (nn_bias_act). */
static size_t sign_pattern(const mlp *net, size_t batch, uint8_t *out)
{
    size_t n = 0;
    for (size_t l = 0; l + 1 < net->layers; l++) {
        const size_t units = net->sizes[l + 1];
        for (size_t i = 0; i < batch * units; i++)
            out[n++] =
                net->z[l][i] + (net->act.kind == ACT_RRELU ? 0.0f : net->b[l][i % units]) > 0.0f;
    }
    return n;
}

/*
 * Central differences of the float32 network against its backward pass.
 *
 * Tolerance: the loss is summed in double, but from float32 logits. Each logit is a sum of
 * at most 7 products per layer of values below about 4, so over 3 layers it is off by at
 * most ~3 * 7 * 4 * 2^-24 ~ 5e-6, and the mean cross-entropy by at most twice that (its
 * gradient in the logits has an L1 norm below 2). The difference quotient divides the
 * error of two losses by 2h: with h = 1e-2, at most 1e-3 if every rounding went the same
 * way, and in practice a few 1e-5. Between kinks the network is linear in each parameter
 * and only the softmax curves: the truncation error h^2 |L'''| / 6 grows with the
 * gradient, a few 1e-4 of it. The worst seen over these nets is 2.3e-4, on a gradient of
 * 0.68. Tolerance: 5e-4 absolute + 2e-3 relative, 8 times that. The gradients checked
 * reach 0.4 to 2; a slope 10% off in the backward pass shows errors of 2e-2 (slope 0.2),
 * and a wrong branch far more.
 */
/* One batch through the network, for gradcheck. */
struct pass {
    mlp *net;
    const float *x;
    const class_label *labels;
};

static double pass_loss(void *ctx)
{
    struct pass *p = ctx;
    double loss = NAN;
    CHECK(mlp_loss(p->net, p->x, p->labels, BATCH, NN_TRAIN, &loss, NULL) == LEAKY_OK, "mlp_loss");
    return loss;
}

static size_t pass_kinks(const void *ctx, uint8_t *out)
{
    const struct pass *p = ctx;
    return sign_pattern(p->net, BATCH, out);
}

static void check_gradient(const char *name, uint64_t seed)
{
    const size_t sizes[] = {7, 6, 5, 4};
    activation act = act_of(name);
    mlp net;
    if (!mlp_create(&net, sizes, 4, &act, BATCH)) {
        CHECK(false, "mlp_create");
        return;
    }
    mlp_init(&net, seed, 0.0f);
    net.noise_seed = seed * 31u; /* RReLU: the same random slopes in every pass below */
    uint64_t state = seed * 7919u + 1;
    /* Biases away from 0 too, so the check covers them with some units on either side;
     * PReLU slopes spread around their start, so a mix-up between units would show. */
    for (size_t l = 0; l < net.layers; l++) {
        for (size_t j = 0; j < sizes[l + 1]; j++)
            net.b[l][j] = (float)((int)rng_below(&state, 2001) - 1000) * 1e-3f;
        for (size_t k = 0; k < net.n_slopes[l]; k++)
            net.slopes[l][k] = 0.05f + (float)rng_below(&state, 501) * 1e-3f;
    }
    float x[BATCH * 7];
    class_label labels[BATCH];
    for (size_t i = 0; i < BATCH * 7; i++)
        x[i] = (float)((int)rng_below(&state, 4001) - 2000) * 1e-3f;
    for (size_t r = 0; r < BATCH; r++)
        labels[r] = (class_label)rng_below(&state, 4);

    double loss;
    CHECK(mlp_loss_grad(&net, x, labels, BATCH, &loss) == LEAKY_OK, "%s: mlp_loss_grad: %s", name,
          leaky_last_error());
    float *grad = malloc(net.par.count * sizeof *grad);
    memcpy(grad, net.par.g, net.par.count * sizeof *grad);
    uint8_t base[BATCH * 11];
    const size_t n_signs = sign_pattern(&net, BATCH, base);
    struct pass pass = {&net, x, labels};
    const gradcheck g = {.name = name,
                         .net = &pass,
                         .par = &net.par,
                         .loss = pass_loss,
                         .kinks = pass_kinks,
                         .h = 1e-2f,
                         .abs_tol = 5e-4,
                         .rel_tol = 2e-3};
    double largest;
    const size_t checked = gradcheck_run(&g, grad, base, n_signs, &largest);
    size_t negative_side = 0;
    for (size_t k = 0; k < n_signs; k++)
        negative_side += !base[k];
    /* A check that skips most parameters, or sees only tiny gradients, proves nothing; and
     * without units on the negative side the slope of the activation would go untested. */
    CHECK(checked >= net.par.count * 9 / 10, "%s: only %zu of %zu checked", name, checked,
          net.par.count);
    CHECK(largest > 0.1, "%s: the gradients are too small to test (%g)", name, largest);
    CHECK(negative_side > n_signs / 5 && negative_side < n_signs * 4 / 5,
          "%s: %zu of %zu hidden inputs <= 0", name, negative_side, n_signs);
    free(grad);
    mlp_destroy(&net);
}

/* A layer forced dead by hand: zero weights, so each unit's input is its bias for every
 * example, plus one unit that fires for a single example of a single batch. */
static void check_dead_counter(const char *name)
{
    const size_t sizes[] = {3, 6, 5, 2};
    activation act = act_of(name);
    mlp net;
    if (!mlp_create(&net, sizes, 4, &act, 4)) {
        CHECK(false, "mlp_create");
        return;
    }
    mlp_init(&net, 1, 0.0f);
    memset(net.w[0], 0, 6 * 3 * sizeof(float));
    memset(net.w[1], 0, 5 * 6 * sizeof(float));
    const float b0[6] = {1.0f, -1.0f, 0.5f, -1.0f, 0.0f, 2.0f};
    memcpy(net.b[0], b0, sizeof b0);
    /* Unit 3 of layer 1: z = x0 - 1, positive only when x0 > 1. */
    net.w[0][3 * 3 + 0] = 1.0f;
    for (size_t j = 0; j < 5; j++)
        net.b[1][j] = -0.25f; /* layer 2 entirely dead */

    mlp_dead_reset(&net);
    CHECK(mlp_dead_count(&net, 0) == 6 && mlp_dead_count(&net, 1) == 5,
          "%s: after a reset every unit counts as dead until it fires", name);
    float x[4 * 3] = {0};
    const class_label labels[4] = {0, 1, 0, 1};
    double loss;
    for (int batch = 0; batch < 3; batch++) {
        if (batch == 2)
            x[2 * 3 + 0] = 1.5f; /* example 2 of batch 2: unit 3 fires once */
        CHECK(mlp_loss(&net, x, labels, 4, NN_TRAIN, &loss, NULL) == LEAKY_OK, "loss");
        /* Units 1 and 4 (bias -1 and exactly 0) never fire; unit 3 until batch 2. */
        const size_t want = batch < 2 ? 3 : 2;
        CHECK(mlp_dead_count(&net, 0) == want,
              "%s: batch %d: layer 1 has %zu dead, "
              "expected %zu",
              name, batch, mlp_dead_count(&net, 0), want);
        CHECK(mlp_dead_count(&net, 1) == 5, "%s: batch %d: layer 2 has %zu dead, expected 5", name,
              batch, mlp_dead_count(&net, 1));
    }
    /* Evaluation passes do not count: they are not training examples. */
    mlp_dead_reset(&net);
    CHECK(mlp_loss(&net, x, labels, 4, NN_EVAL, &loss, NULL) == LEAKY_OK, "eval");
    CHECK(mlp_dead_count(&net, 0) == 6, "%s: an evaluation pass marked units alive", name);
    mlp_destroy(&net);
}

/* One SGD-with-momentum and two Adam steps against the formulas, in double. */
static void check_optimizers(void)
{
    const size_t sizes[] = {1, 1, 1};
    activation act = act_of("relu");
    mlp net;
    if (!mlp_create(&net, sizes, 3, &act, 1)) {
        CHECK(false, "mlp_create");
        return;
    }
    CHECK(net.par.count == 4, "param_count %zu", net.par.count);
    const float p0[4] = {0.5f, -0.25f, 2.0f, 1.0f}, g[4] = {0.1f, -0.2f, 0.0f, 4.0f};

    memcpy(net.par.p, p0, sizeof p0);
    memcpy(net.par.g, g, sizeof g);
    memset(net.par.m, 0, sizeof g);
    optimizer sgd = {.kind = OPT_SGD, .lr = 0.5f, .momentum = 0.9f};
    nn_step(&net.par, &sgd);
    nn_step(&net.par, &sgd); /* v = g, then v = 0.9 g + g */
    for (int i = 0; i < 4; i++) {
        const double want = p0[i] - 0.5 * g[i] - 0.5 * 1.9 * g[i];
        CHECK(fabs(net.par.p[i] - want) <= 1e-6 * (1 + fabs(want)), "sgd %d: %.9g vs %.9g", i,
              (double)net.par.p[i], want);
    }

    memcpy(net.par.p, p0, sizeof p0);
    memset(net.par.m, 0, sizeof g);
    memset(net.par.v, 0, sizeof g);
    optimizer adam = {.kind = OPT_ADAM, .lr = 0.01f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f};
    nn_step(&net.par, &adam);
    nn_step(&net.par, &adam);
    for (int i = 0; i < 4; i++) {
        /* With the same g twice, m and v after bias correction are g and g^2 exactly, so
         * each step is lr * g / (|g| + eps): -lr * sign(g), or nothing for g = 0. */
        const double step = g[i] == 0 ? 0.0 : 0.01 * g[i] / (fabs(g[i]) + 1e-8);
        const double want = p0[i] - 2 * step;
        CHECK(fabs(net.par.p[i] - want) <= 1e-6, "adam %d: %.9g vs %.9g", i, (double)net.par.p[i],
              want);
    }
    mlp_destroy(&net);
}

/* A float with a random sign, a mantissa of 24 random bits and an exponent of 2^-12 to
 * 2^4 (gradients, moments, weights), or 0 one time in 16. */
static float random_float(uint64_t *state)
{
    const uint64_t r = rng_next(state);
    if ((r & 15) == 0)
        return 0.0f;
    const float mant = (float)(r >> 40) * 0x1.0p-24f; /* [0, 1) */
    return ldexpf((r >> 4 & 1) ? -1.0f - mant : 1.0f + mant, (int)(r >> 8 & 15) - 12);
}

/* The optimizers' loops and nn_scale_bytes on every instruction set the library has,
 * against the formulas evaluated here one element at a time in float: the same bits on
 * every path, for a parameter count that leaves a tail on every vector width. */
static void check_wide_loops(void)
{
    leaky_isa isas[LEAKY_ISA_COUNT], before;
    const int n_isas = test_isas(isas);
    CHECK(leaky_isa_active(&before) == LEAKY_OK, "leaky_isa_active");
    const size_t sizes[] = {37, 29, 3}; /* 37 * 29 + 29 + 29 * 3 + 3 = 1192 parameters */
    activation act = act_of("relu");
    mlp net;
    if (!mlp_create(&net, sizes, 3, &act, 1)) {
        CHECK(false, "mlp_create");
        return;
    }
    const size_t n = net.par.count;
    float *state = malloc(4 * n * sizeof(float)), *want = malloc(3 * n * sizeof(float));
    if (!state || !want) {
        CHECK(false, "out of memory");
        free(state);
        free(want);
        mlp_destroy(&net);
        return;
    }
    uint64_t seed = 99;
    for (size_t i = 0; i < 4 * n; i++)
        state[i] = random_float(&seed);
    for (size_t i = 0; i < n; i++)
        state[3 * n + i] = fabsf(state[3 * n + i]); /* v >= 0 */
    const float *p0 = state, *g = state + n, *m0 = state + 2 * n, *v0 = state + 3 * n;

    /* Adam, its third step: lr 0.003, betas 0.8 and 0.99, eps 1e-6. */
    const float b1 = 0.8f, b2 = 0.99f, eps = 1e-6f;
    const float step = (float)(0.003f / (1.0 - pow(b1, 3.0)));
    const float c2 = (float)sqrt(1.0 - pow(b2, 3.0));
    for (size_t i = 0; i < n; i++) {
        const float m = b1 * m0[i] + (1.0f - b1) * g[i];
        const float v = b2 * v0[i] + (1.0f - b2) * g[i] * g[i];
        want[i] = p0[i] - step * m / (sqrtf(v) / c2 + eps);
        want[n + i] = m;
        want[2 * n + i] = v;
    }
    for (int k = 0; k < n_isas; k++) {
        CHECK(leaky_set_isa(isas[k]) == LEAKY_OK, "leaky_set_isa %s", leaky_isa_name(isas[k]));
        memcpy(net.par.p, p0, n * sizeof(float));
        memcpy(net.par.g, g, n * sizeof(float));
        memcpy(net.par.m, m0, n * sizeof(float));
        memcpy(net.par.v, v0, n * sizeof(float));
        optimizer adam = {
            .kind = OPT_ADAM, .lr = 0.003f, .beta1 = b1, .beta2 = b2, .eps = eps, .steps = 2};
        nn_step(&net.par, &adam);
        size_t bad = 0;
        for (size_t i = 0; i < n; i++) {
            const bool same = bits_of(net.par.p[i]) == bits_of(want[i]) &&
                              bits_of(net.par.m[i]) == bits_of(want[n + i]) &&
                              bits_of(net.par.v[i]) == bits_of(want[2 * n + i]);
            if (!same && bad++ == 0)
                CHECK(false, "adam on %s, parameter %zu: p %a m %a v %a, want %a %a %a",
                      leaky_isa_name(isas[k]), i, (double)net.par.p[i], (double)net.par.m[i],
                      (double)net.par.v[i], (double)want[i], (double)want[n + i],
                      (double)want[2 * n + i]);
        }
        CHECK(bad == 0, "adam on %s: %zu of %zu parameters differ", leaky_isa_name(isas[k]), bad,
              n);
    }

    /* SGD with momentum 0.7, lr 0.05. */
    for (size_t i = 0; i < n; i++) {
        const float m = 0.7f * m0[i] + g[i];
        want[i] = p0[i] - 0.05f * m;
        want[n + i] = m;
    }
    for (int k = 0; k < n_isas; k++) {
        CHECK(leaky_set_isa(isas[k]) == LEAKY_OK, "leaky_set_isa %s", leaky_isa_name(isas[k]));
        memcpy(net.par.p, p0, n * sizeof(float));
        memcpy(net.par.g, g, n * sizeof(float));
        memcpy(net.par.m, m0, n * sizeof(float));
        optimizer sgd = {.kind = OPT_SGD, .lr = 0.05f, .momentum = 0.7f};
        nn_step(&net.par, &sgd);
        size_t bad = 0;
        for (size_t i = 0; i < n; i++)
            bad += bits_of(net.par.p[i]) != bits_of(want[i]) ||
                   bits_of(net.par.m[i]) != bits_of(want[n + i]);
        CHECK(bad == 0, "sgd on %s: %zu of %zu parameters differ", leaky_isa_name(isas[k]), bad, n);
    }

    /* Every byte value, every length up to 200 (tails of every width), an output that is
     * not 16-byte aligned, and a guard after it. */
    enum { LEN = 200, GUARD = 8 };
    uint8_t bytes[LEN + 1];
    float out[1 + LEN + GUARD];
    const float scale = 1.0f / (255.0f * 0.3530f), shift = -0.2860f / 0.3530f;
    for (int k = 0; k < n_isas; k++) {
        CHECK(leaky_set_isa(isas[k]) == LEAKY_OK, "leaky_set_isa %s", leaky_isa_name(isas[k]));
        size_t bad = 0;
        for (size_t len = 0; len <= LEN; len++) {
            for (size_t i = 0; i <= LEN; i++)
                bytes[i] = (uint8_t)(i * 97 + len * 31);
            for (size_t i = 0; i < 1 + LEN + GUARD; i++)
                out[i] = -7.0f;
            nn_scale_bytes(bytes + 1, out + 1, len, scale, shift);
            for (size_t i = 0; i < len; i++)
                bad += bits_of(out[1 + i]) != bits_of((float)bytes[1 + i] * scale + shift);
            for (size_t i = 0; i < 1 + LEN + GUARD; i++)
                bad += (i == 0 || i > len) && out[i] != -7.0f;
        }
        CHECK(bad == 0, "nn_scale_bytes on %s: %zu values wrong or written out of place",
              leaky_isa_name(isas[k]), bad);
    }
    CHECK(leaky_set_isa(before) == LEAKY_OK, "restoring %s", leaky_isa_name(before));
    free(state);
    free(want);
    mlp_destroy(&net);
}

/* RReLU in training draws new slopes with a new key, and evaluation uses their mean: the
 * same batch gives another loss under another key, the same loss under the same key. */
static void check_rrelu_noise(void)
{
    const size_t sizes[] = {7, 16, 3};
    activation act = act_of("rrelu");
    mlp net;
    if (!mlp_create(&net, sizes, 3, &act, BATCH)) {
        CHECK(false, "mlp_create");
        return;
    }
    mlp_init(&net, 3, -0.5f); /* most inputs negative, so the slopes matter */
    float x[BATCH * 7];
    class_label labels[BATCH] = {0, 1, 2, 0, 1};
    for (size_t i = 0; i < BATCH * 7; i++)
        x[i] = (float)((int)(i * 37 % 23) - 11) * 0.1f;
    double l1, l1again, l2, e1, e2;
    net.noise_seed = 1;
    mlp_loss(&net, x, labels, BATCH, NN_TRAIN, &l1, NULL);
    mlp_loss(&net, x, labels, BATCH, NN_EVAL, &e1, NULL);
    mlp_loss(&net, x, labels, BATCH, NN_TRAIN, &l1again, NULL);
    net.noise_seed = 2;
    mlp_loss(&net, x, labels, BATCH, NN_TRAIN, &l2, NULL);
    mlp_loss(&net, x, labels, BATCH, NN_EVAL, &e2, NULL);
    CHECK(l1 == l1again, "rrelu: the same key gave %.9g then %.9g", l1, l1again);
    CHECK(l1 != l2, "rrelu: keys 1 and 2 gave the same loss %.9g", l1);
    CHECK(e1 == e2, "rrelu: evaluation depends on the key (%.9g, %.9g)", e1, e2);
    mlp_destroy(&net);
}

static void check_parse(void)
{
    activation act;
    char err[256];
    CHECK(activation_parse("leaky", &act, err, sizeof err) && act.kind == ACT_LEAKY &&
              act.slope == LEAKY_DEFAULT_SLOPE,
          "leaky");
    CHECK(activation_parse("leaky:0.2", &act, err, sizeof err) && act.slope == 0.2f, "leaky:0.2");
    CHECK(activation_parse("relu", &act, err, sizeof err) && act.kind == ACT_RELU, "relu");
    CHECK(!activation_parse("leaky:", &act, err, sizeof err) && strstr(err, "leaky:"),
          "leaky: without a slope: %s", err);
    CHECK(!activation_parse("leaky:inf", &act, err, sizeof err), "leaky:inf");
    CHECK(!activation_parse("tanh", &act, err, sizeof err) && strstr(err, "tanh"), "tanh: %s", err);
    CHECK(activation_parse("prelu", &act, err, sizeof err) && act.kind == ACT_PRELU &&
              !act.shared && act.slope == 0.25f,
          "prelu");
    CHECK(activation_parse("prelu:shared", &act, err, sizeof err) && act.shared, "prelu:shared");
    CHECK(!activation_parse("prelu:2", &act, err, sizeof err), "prelu:2");
    CHECK(activation_parse("rrelu", &act, err, sizeof err) && act.kind == ACT_RRELU &&
              act.lower == 1.0f / 8 && act.upper == 1.0f / 3,
          "rrelu");
    CHECK(activation_parse("rrelu:0.1:0.3", &act, err, sizeof err) && act.lower == 0.1f &&
              act.upper == 0.3f,
          "rrelu:0.1:0.3");
    static const char *const bad[] = {
        "rrelu:",         "rrelu:0.1",   "rrelu:0.1:",   "rrelu:0.3:0.1",
        "rrelu:0.1:0.3:", "rrelu:x:0.3", "rrelu:0.1:inf"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!activation_parse(bad[i], &act, err, sizeof err) && strstr(err, bad[i]),
              "%s accepted (or unnamed in '%s')", bad[i], err);
}

int main(void)
{
    check_parse();
    check_gradient("relu", 11);
    check_gradient("leaky:0.01", 12);
    check_gradient("leaky:0.2", 13);
    check_gradient("leaky:-0.5", 14);
    check_gradient("prelu", 15);
    check_gradient("prelu:shared", 16);
    check_gradient("rrelu", 17);
    check_gradient("rrelu:0.3:0.8", 18);
    check_rrelu_noise();
    check_dead_counter("relu");
    check_dead_counter("leaky:0.2");
    check_dead_counter("prelu");
    check_dead_counter("rrelu");
    check_optimizers();
    check_wide_loops();
    return test_finish("test_mlp");
}
