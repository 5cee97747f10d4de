/* SPDX-License-Identifier: MIT */
/* leaky experiment's report: results.csv, the summary over the seeds (summary.csv and the
 * printed table with a sentence per activation) and the charts. Everything here is made
 * from the numbers of results.csv as written, so that a merge of shards gives the same
 * bits as one run. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "cli.h"
#include "experiment.h"
#include "mnist.h"
#include "outfile.h"
#include "stats.h"

#define LEVEL 0.95 /* the intervals' confidence, and 1 - the tests' significance level */

/* ------------------------------------------------------------------ results.csv */

void experiment_csv_header(const struct config *cfg, char *buf, size_t size)
{
    size_t at = (size_t)snprintf(buf, size,
                                 "activation,seed,epoch,train_loss,test_loss,"
                                 "test_accuracy,epoch_seconds");
    for (size_t h = 0; h < hidden_layers(cfg) && at < size; h++)
        at += (size_t)snprintf(buf + at, size - at, ",dead_fraction_layer%zu", h + 1);
}

void experiment_format_rows(FILE *f, const struct config *cfg, const activation *act, uint64_t seed,
                            const struct run *run)
{
    const size_t hidden = hidden_layers(cfg);
    for (size_t e = 0; e < cfg->epochs; e++) {
        fprintf(f, "%s,%llu,%zu,%.6f,%.6f,%.6f,%.3f", act->name, (unsigned long long)seed, e + 1,
                run->train_loss[e], run->test_loss[e], run->test_acc[e], run->seconds[e]);
        for (size_t h = 0; h < hidden; h++)
            fprintf(f, ",%.6f", run->dead[e * hidden + h]);
        fputc('\n', f);
    }
}

bool experiment_parse_row(const struct config *cfg, const char *line, struct run *run, size_t epoch)
{
    const size_t hidden = hidden_layers(cfg);
    const char *p = strchr(line, ',');
    p = p ? strchr(p + 1, ',') : NULL; /* past the activation and the seed */
    p = p ? strchr(p + 1, ',') : NULL; /* and the epoch */
    double v[4 + MLP_MAX_LAYERS];
    for (size_t i = 0; p && i < 4 + hidden; i++) {
        char *end;
        v[i] = strtod(p + 1, &end);
        if (end == p + 1 || (*end != ',' && *end != '\0') || (*end == '\0') != (i == 3 + hidden))
            return false;
        p = end;
    }
    if (!p || epoch >= cfg->epochs)
        return false;
    run->train_loss[epoch] = v[0];
    run->test_loss[epoch] = v[1];
    run->test_acc[epoch] = v[2];
    run->seconds[epoch] = v[3];
    for (size_t h = 0; h < hidden; h++)
        run->dead[epoch * hidden + h] = v[4 + h];
    if (isnan(v[0]) && !run->diverged)
        run->diverged = epoch + 1;
    return true;
}

struct span {
    const char *text;
    size_t len;
};

static void print_span(FILE *f, const void *ctx)
{
    const struct span *s = ctx;
    fwrite(s->text, 1, s->len, f);
}

bool experiment_write_text(const char *path, const char *text, size_t len)
{
    char err[1024];
    const struct span s = {text, len};
    if (!outfile_print(path, print_span, &s, err, sizeof err))
        return cli_error(EXIT_FAILURE_, "experiment: %s", err), false;
    return true;
}

/* Text built with stdio into memory, then written whole. */
typedef struct text {
    char *buf;
    size_t len;
    FILE *f;
} text;

static bool text_open(text *t)
{
    t->buf = NULL;
    t->len = 0;
    t->f = open_memstream(&t->buf, &t->len);
    if (!t->f)
        cli_error(EXIT_FAILURE_, "experiment: out of memory");
    return t->f != NULL;
}

/* Closes t and writes it into cfg->out_dir/name. */
static bool text_commit(text *t, const struct config *cfg, const char *name)
{
    const bool ok = fclose(t->f) == 0;
    bool written = false;
    if (!ok) {
        cli_error(EXIT_FAILURE_, "experiment: out of memory for %s", name);
    } else {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", cfg->out_dir, name);
        written = experiment_write_text(path, t->buf, t->len);
    }
    free(t->buf);
    return written;
}

bool experiment_write_results(const struct grid *g)
{
    const struct config *cfg = g->cfg;
    text t;
    if (!text_open(&t))
        return false;
    char header[4096];
    experiment_csv_header(cfg, header, sizeof header);
    fprintf(t.f, "%s\n", header);
    for (size_t i = 0; i < cfg->n_acts * cfg->n_seeds; i++)
        if (g->runs[i].done && g->runs[i].rows)
            fputs(g->runs[i].rows, t.f);
    return text_commit(&t, cfg, "results.csv");
}

/* ------------------------------------------------------------------ summary */

/* One measure of an activation over the seeds, and against the baseline. */
struct measure {
    stats_sample s;
    stats_paired d; /* this minus the baseline, over the seeds where both have a value */
    double p_holm;
};

struct act_summary {
    size_t diverged;
    struct measure acc;                  /* final test accuracy */
    struct measure dead[MLP_MAX_LAYERS]; /* the peak share of dead units, per layer */
    double seconds, epochs;              /* the training time, summed */
};

/* The final accuracy of a run (NaN when it diverged), or its peak dead share of layer h:
 * the largest over its epochs (those before it diverged). */
static double final_accuracy(const struct config *cfg, const struct run *r)
{
    return r->test_acc[cfg->epochs - 1];
}

static double peak_dead(const struct config *cfg, const struct run *r, size_t h)
{
    const size_t hidden = hidden_layers(cfg);
    double peak = NAN;
    for (size_t e = 0; e < cfg->epochs; e++) {
        const double v = r->dead[e * hidden + h];
        if (isfinite(v) && !(v <= peak))
            peak = v;
    }
    return peak;
}

/* The measure of activation a (layer h for the dead share, -1 for the accuracy). */
static double measure_of(const struct grid *g, size_t a, size_t s, int h)
{
    const struct run *r = grid_run(g, a, s);
    return h < 0 ? final_accuracy(g->cfg, r) : peak_dead(g->cfg, r, (size_t)h);
}

static void summarise_measure(const struct grid *g, size_t a, int h, double *x, double *y,
                              struct measure *m)
{
    const struct config *cfg = g->cfg;
    size_t n = 0;
    for (size_t s = 0; s < cfg->n_seeds; s++) {
        const double v = measure_of(g, a, s, h);
        if (isfinite(v))
            x[n++] = v;
    }
    stats_describe(x, n, LEVEL, &m->s);
    n = 0;
    for (size_t s = 0; s < cfg->n_seeds; s++) {
        const double v = measure_of(g, a, s, h), b = measure_of(g, 0, s, h);
        if (isfinite(v) && isfinite(b)) {
            x[n] = v;
            y[n++] = b;
        }
    }
    stats_paired_test(x, y, n, LEVEL, &m->d);
    m->p_holm = NAN;
}

/* Holm's adjustment over the activations after the baseline, for one measure. */
static void adjust(struct act_summary *sum, size_t n_acts, int h, double *p, double *adjusted)
{
    for (size_t a = 1; a < n_acts; a++) {
        struct measure *m = h < 0 ? &sum[a].acc : &sum[a].dead[h];
        p[a - 1] = m->d.p;
    }
    stats_holm(p, n_acts - 1, adjusted);
    for (size_t a = 1; a < n_acts; a++) {
        struct measure *m = h < 0 ? &sum[a].acc : &sum[a].dead[h];
        m->p_holm = adjusted[a - 1];
    }
}

static bool summarise(const struct grid *g, struct act_summary *sum)
{
    const struct config *cfg = g->cfg;
    const size_t hidden = hidden_layers(cfg), n = cfg->n_seeds + cfg->n_acts;
    double *x = calloc(n, sizeof *x), *y = malloc(n * sizeof *y);
    double *adjusted = malloc(n * sizeof *adjusted);
    if (!x || !y || !adjusted) {
        free(x);
        free(y);
        free(adjusted);
        return false;
    }
    for (size_t a = 0; a < cfg->n_acts; a++) {
        struct act_summary *as = &sum[a];
        memset(as, 0, sizeof *as);
        summarise_measure(g, a, -1, x, y, &as->acc);
        for (size_t h = 0; h < hidden; h++)
            summarise_measure(g, a, (int)h, x, y, &as->dead[h]);
        for (size_t s = 0; s < cfg->n_seeds; s++) {
            const struct run *r = grid_run(g, a, s);
            as->diverged += r->diverged != 0;
            for (size_t e = 0; e < cfg->epochs; e++)
                if (isfinite(r->seconds[e])) {
                    as->seconds += r->seconds[e];
                    as->epochs += 1;
                }
        }
    }
    adjust(sum, cfg->n_acts, -1, x, adjusted);
    for (size_t h = 0; h < hidden; h++)
        adjust(sum, cfg->n_acts, (int)h, x, adjusted);
    free(x);
    free(y);
    free(adjusted);
    return true;
}

/* The verdict at the 5% level (Holm-adjusted): 1 beats, -1 trails, 0 cannot tell. */
static int verdict(const struct measure *m)
{
    if (!(m->p_holm < 1.0 - LEVEL))
        return 0;
    return m->d.diff > 0 ? 1 : -1;
}

static void csv_number(FILE *f, double v) { fprintf(f, ",%.17g", v); }

static void csv_measure(FILE *f, const struct measure *m, bool baseline, bool with_sd_ci,
                        bool higher_wins)
{
    csv_number(f, m->s.mean);
    if (with_sd_ci) {
        csv_number(f, m->s.sd);
        csv_number(f, m->s.ci_low);
        csv_number(f, m->s.ci_high);
    }
    if (baseline) {
        fprintf(f, ",,,,,,,");
        return;
    }
    csv_number(f, m->d.diff);
    csv_number(f, m->d.ci_low);
    csv_number(f, m->d.ci_high);
    csv_number(f, m->d.p);
    csv_number(f, m->p_holm);
    fprintf(f, ",%zu,%zu", higher_wins ? m->d.wins : m->d.losses,
            higher_wins ? m->d.losses : m->d.wins);
}

static bool write_summary(const struct grid *g, const struct act_summary *sum)
{
    const struct config *cfg = g->cfg;
    const size_t hidden = hidden_layers(cfg);
    text t;
    if (!text_open(&t))
        return false;
    fprintf(t.f, "activation,seeds,mean_accuracy,std_accuracy,ci95_low,ci95_high,"
                 "diff_vs_baseline,diff_ci95_low,diff_ci95_high,p_value,p_holm,wins,losses");
    for (size_t h = 0; h < hidden; h++) {
        static const char *const cols[] = {"mean",
                                           "std",
                                           "ci95_low",
                                           "ci95_high",
                                           "diff_vs_baseline",
                                           "diff_ci95_low",
                                           "diff_ci95_high",
                                           "p_value",
                                           "p_holm",
                                           "fewer",
                                           "more"};
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
            fprintf(t.f, ",peak_dead_layer%zu_%s", h + 1, cols[c]);
    }
    fputc('\n', t.f);
    for (size_t a = 0; a < cfg->n_acts; a++) {
        fprintf(t.f, "%s,%zu", cfg->acts[a].name, sum[a].acc.s.n);
        csv_measure(t.f, &sum[a].acc, a == 0, true, true);
        for (size_t h = 0; h < hidden; h++)
            csv_measure(t.f, &sum[a].dead[h], a == 0, true, false);
        fputc('\n', t.f);
    }
    return text_commit(&t, cfg, "summary.csv");
}

/* ------------------------------------------------------------------ the table */

static void describe_data(const struct config *cfg, char *buf, size_t size)
{
    if (!cfg->train_spec)
        snprintf(buf, size, "%s", cfg->data_dir);
    else if (cfg->test_spec)
        snprintf(buf, size, "%s (test: %s)", cfg->train_spec, cfg->test_spec);
    else
        snprintf(buf, size, "%s (%g of each class held out for the test)", cfg->train_spec,
                 (double)cfg->test_fraction);
}

/* The model, as the table and the charts name it. */
static const char *model_name(const struct config *cfg)
{
    return cfg->model == MODEL_CNN ? "CNN" : "MLP";
}

static void format_net(const struct config *cfg, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0, at = 0; i < cfg->n_sizes && at < size; i++)
        at += (size_t)snprintf(buf + at, size - at, "%s%zu", i ? "-" : "", cfg->sizes[i]);
}

void experiment_format_seeds(const struct config *cfg, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < cfg->n_seeds && at < size;) {
        size_t j = i;
        while (j + 1 < cfg->n_seeds && cfg->seeds[j + 1] == cfg->seeds[j] + 1)
            j++;
        at +=
            (size_t)snprintf(buf + at, size - at, j > i ? "%s%llu-%llu" : "%s%llu", i ? "," : "",
                             (unsigned long long)cfg->seeds[i], (unsigned long long)cfg->seeds[j]);
        i = j + 1;
    }
}

/* How the report writes a kind of number: its decimals, a sign (a difference), a unit. */
typedef struct number_style {
    int decimals;
    bool sign;
    const char *unit;
} number_style;

static const number_style ACCURACY = {4, false, ""}, ACCURACY_DIFF = {4, true, ""},
                          SHARE = {1, false, "%"}, SHARE_DIFF = {1, true, "%"},
                          POINTS = {1, true, ""};

/* v rounded as style says. A value that rounds to zero is written 0, without a sign: an
 * interval from "-0.0%" reads as a share below zero, and "+0.0000" as a gain. */
static const char *number(char *buf, size_t size, double v, const number_style *style)
{
    snprintf(buf, size, style->sign ? "%+.*f%s" : "%.*f%s", style->decimals, v, style->unit);
    if ((buf[0] == '-' || buf[0] == '+') && buf[1] == '0' && !strpbrk(buf, "123456789"))
        memmove(buf, buf + 1, strlen(buf));
    return buf;
}

/* "0.8857 to 0.8887", or "-" when there is no interval. */
static const char *interval(char *buf, size_t size, double lo, double hi, const number_style *style)
{
    if (isnan(lo) || isnan(hi))
        return "-";
    char a[32], b[32];
    snprintf(buf, size, "%s to %s", number(a, sizeof a, lo, style), number(b, sizeof b, hi, style));
    return buf;
}

static void print_sentence(const struct config *cfg, const struct act_summary *sum, size_t a)
{
    const char *name = cfg->acts[a].name, *base = cfg->acts[0].name;
    const struct measure *m = &sum[a].acc;
    char ci[128];
    if (a == 0) {
        printf("  %s is the baseline: final test accuracy %.4f (95%% interval %s) over %zu "
               "seed%s",
               name, m->s.mean, interval(ci, sizeof ci, m->s.ci_low, m->s.ci_high, &ACCURACY),
               m->s.n, m->s.n == 1 ? "" : "s");
    } else if (m->d.n < 2) {
        printf("  %s cannot be told apart from %s: %s", name, base,
               m->d.n == 0 ? "no seed where both finished"
                           : "one seed gives no test (run more, such as --seeds 1-10)");
    } else {
        const int v = verdict(m);
        char diff[32];
        printf("  %s %s %s at the 5%% level: %s (95%% interval %s), Holm-adjusted p = %.3g, "
               "better in %zu of %zu seeds",
               name,
               v > 0   ? "beats"
               : v < 0 ? "trails"
                       : "cannot be told apart from",
               base, number(diff, sizeof diff, m->d.diff, &ACCURACY_DIFF),
               interval(ci, sizeof ci, m->d.ci_low, m->d.ci_high, &ACCURACY_DIFF), m->p_holm,
               m->d.wins, m->d.n);
    }
    if (sum[a].diverged)
        printf(" (%zu of %zu runs diverged and are left out)", sum[a].diverged, cfg->n_seeds);
    printf(".\n");
}

/* The best of the leaky slopes by mean final accuracy, or n_acts when there is none. */
static size_t best_slope(const struct config *cfg, const struct act_summary *sum)
{
    size_t best = cfg->n_acts;
    for (size_t a = 0; a < cfg->n_acts; a++)
        if (cfg->acts[a].kind == ACT_LEAKY && isfinite(sum[a].acc.s.mean) &&
            (best == cfg->n_acts || sum[a].acc.s.mean > sum[best].acc.s.mean))
            best = a;
    return best;
}

static void describe_best(const struct config *cfg, const struct act_summary *sum, size_t best,
                          char *buf, size_t size)
{
    const struct measure *m = &sum[best].acc;
    char ci[128];
    const int v = best == 0 ? 0 : verdict(m);
    snprintf(buf, size, "best slope %s: %.4f (95%% interval %s); %s %s", cfg->acts[best].name,
             m->s.mean, interval(ci, sizeof ci, m->s.ci_low, m->s.ci_high, &ACCURACY),
             best == 0 ? "it is"
             : v > 0   ? "beats"
             : v < 0   ? "trails"
                       : "cannot be told from",
             best == 0 ? "the baseline" : cfg->acts[0].name);
}

static void print_table(const struct grid *g, const struct act_summary *sum)
{
    const struct config *cfg = g->cfg;
    const size_t hidden = hidden_layers(cfg);
    char data[4200], net[128], seeds[8 * MAX_SEEDS], ci[128], dci[128];
    int w = 12; /* the activations' column, as wide as the longest name */
    for (size_t a = 0; a < cfg->n_acts; a++)
        if ((int)strlen(cfg->acts[a].name) > w)
            w = (int)strlen(cfg->acts[a].name);
    describe_data(cfg, data, sizeof data);
    format_net(cfg, net, sizeof net);
    experiment_format_seeds(cfg, seeds, sizeof seeds);
    printf("%s: %zu training and %zu test examples; %s %s", data, cfg->train_count, cfg->test_count,
           model_name(cfg), net);
    if (cfg->opt.kind == OPT_ADAM)
        printf(", adam lr %g", (double)cfg->opt.lr);
    else
        printf(", sgd lr %g momentum %g", (double)cfg->opt.lr, (double)cfg->opt.momentum);
    if (cfg->hidden_bias != 0.0f)
        printf(", hidden biases start at %g", (double)cfg->hidden_bias);
    printf(", batch %zu, %zu epochs, seed%s %s, %zu thread%s\n", cfg->batch, cfg->epochs,
           cfg->n_seeds == 1 ? "" : "s", seeds, cfg->threads, cfg->threads == 1 ? "" : "s");

    printf("\nFinal test accuracy: mean, deviation and 95%% t interval over the seeds; against "
           "%s, the paired difference, its 95%% interval, the paired t-test's p and its Holm "
           "adjustment, seeds won/lost\n",
           cfg->acts[0].name);
    printf("%-*s %5s %8s %8s %-18s %9s %-20s %9s %9s %8s %8s\n", w, "activation", "seeds", "mean",
           "sd", "95% interval", "diff", "95% interval", "p", "p Holm", "won/lost", "s/epoch");
    for (size_t a = 0; a < cfg->n_acts; a++) {
        const struct measure *m = &sum[a].acc;
        printf("%-*s %5zu %8.4f %8.4f %-18s", w, cfg->acts[a].name, m->s.n, m->s.mean, m->s.sd,
               interval(ci, sizeof ci, m->s.ci_low, m->s.ci_high, &ACCURACY));
        if (a == 0) {
            printf(" %9s %-20s %9s %9s %8s", "baseline", "", "", "", "");
        } else {
            char wl[32], diff[32];
            snprintf(wl, sizeof wl, "%zu/%zu", m->d.wins, m->d.losses);
            printf(" %9s %-20s %9.3g %9.3g %8s",
                   number(diff, sizeof diff, m->d.diff, &ACCURACY_DIFF),
                   interval(dci, sizeof dci, m->d.ci_low, m->d.ci_high, &ACCURACY_DIFF), m->d.p,
                   m->p_holm, wl);
        }
        printf(" %8.2f\n", sum[a].epochs > 0 ? sum[a].seconds / sum[a].epochs : NAN);
    }

    printf("\nPeak share of dead units per layer (the epoch with the most, per run): mean and "
           "95%% interval; against %s, the paired difference, its interval, Holm-adjusted p, "
           "seeds with fewer/more dead\n",
           cfg->acts[0].name);
    printf("%-*s %5s %8s %-20s %9s %-22s %9s %10s\n", w, "activation", "layer", "mean",
           "95% interval", "diff", "95% interval", "p Holm", "fewer/more");
    for (size_t a = 0; a < cfg->n_acts; a++)
        for (size_t h = 0; h < hidden; h++) {
            const struct measure *m = &sum[a].dead[h];
            printf("%-*s %5zu %7.1f%% %-20s", w, cfg->acts[a].name, h + 1, 100 * m->s.mean,
                   interval(ci, sizeof ci, 100 * m->s.ci_low, 100 * m->s.ci_high, &SHARE));
            if (a == 0) {
                printf(" %9s\n", "baseline");
                continue;
            }
            char fm[32], diff[32], points[160];
            snprintf(fm, sizeof fm, "%zu/%zu", m->d.losses, m->d.wins);
            snprintf(points, sizeof points, "%s points",
                     interval(dci, sizeof dci, 100 * m->d.ci_low, 100 * m->d.ci_high, &POINTS));
            printf(" %9s %-22s %9.3g %10s\n",
                   number(diff, sizeof diff, 100 * m->d.diff, &SHARE_DIFF),
                   isnan(m->d.ci_low) ? "-" : points, m->p_holm, fm);
        }

    printf("\nAgainst %s, final test accuracy, at the 5%% level (Holm-adjusted over the %zu "
           "comparison%s):\n",
           cfg->acts[0].name, cfg->n_acts - 1, cfg->n_acts == 2 ? "" : "s");
    for (size_t a = 0; a < cfg->n_acts; a++)
        print_sentence(cfg, sum, a);
    if (cfg->sweep) {
        const size_t best = best_slope(cfg, sum);
        char line[256];
        if (best < cfg->n_acts) {
            describe_best(cfg, sum, best, line, sizeof line);
            printf("Sweep: the %s.\n", line);
        }
    }
    double seconds = 0;
    for (size_t a = 0; a < cfg->n_acts; a++)
        seconds += sum[a].seconds;
    printf("Training: %zu runs, %.1f s.\n", cfg->n_acts * cfg->n_seeds, seconds);
}

/* ------------------------------------------------------------------ charts */

enum chart_kind { CHART_ACCURACY, CHART_DEAD, CHART_LOSS };

static double epoch_value(const struct config *cfg, const struct run *r, enum chart_kind kind,
                          size_t h, size_t e)
{
    return kind == CHART_ACCURACY ? r->test_acc[e]
           : kind == CHART_LOSS   ? r->train_loss[e]
                                  : 100.0 * r->dead[e * hidden_layers(cfg) + h];
}

static const char *data_title(const struct config *cfg)
{
    if (!cfg->train_spec)
        return strcmp(cfg->data_dir, MNIST_DEFAULT_DIR) == 0 ? "Fashion-MNIST" : cfg->data_dir;
    const char *slash = strrchr(cfg->train_spec, '/');
    return slash ? slash + 1 : cfg->train_spec;
}

static void chart_note(const struct config *cfg, char *buf, size_t size, const char *extra)
{
    char seeds[64];
    experiment_format_seeds(cfg, seeds, sizeof seeds);
    snprintf(buf, size, "%s lr %g, batch %zu, seed%s %s%s%s",
             cfg->opt.kind == OPT_ADAM ? "Adam" : "SGD", (double)cfg->opt.lr, cfg->batch,
             cfg->n_seeds == 1 ? "" : "s", seeds, cfg->provoke ? ", --provoke-dying" : "", extra);
}

static bool draw(const struct config *cfg, const chart *c, const char *file)
{
    char path[4096], err[1024];
    snprintf(path, sizeof path, "%s/%s", cfg->out_dir, file);
    const bool ok = chart_write(c, path, NULL, err, sizeof err);
    if (!ok)
        cli_error(EXIT_FAILURE_, "experiment: %s", err);
    return ok;
}

/* A line per activation (per activation and hidden layer for the dead units: the
 * activation's colour, solid for layer 1, dashed for 2, dotted for 3 and on): the mean over
 * the seeds, and for the accuracy its 95% band. */
static bool write_chart(const struct grid *g, enum chart_kind kind, const char *file)
{
    const struct config *cfg = g->cfg;
    const size_t E = cfg->epochs, hidden = hidden_layers(cfg), S = cfg->n_seeds;
    const size_t per = kind == CHART_DEAD ? hidden : 1;
    const bool band = kind == CHART_ACCURACY && S > 1;
    const size_t lines = cfg->n_acts * per, n_series = lines * (band ? 2 : 1);
    chart_series *series = calloc(n_series, sizeof *series);
    double *x = malloc(E * sizeof *x), *v = malloc(S * sizeof *v);
    double *y = malloc(3 * lines * E * sizeof *y);
    char(*names)[64] = calloc(lines, sizeof *names);
    bool ok = series && x && v && y && names;
    if (!ok)
        cli_error(EXIT_FAILURE_, "experiment: out of memory for the charts");
    double top = 0.0;
    for (size_t e = 0; ok && e < E; e++)
        x[e] = (double)(e + 1);
    for (size_t a = 0; ok && a < cfg->n_acts; a++)
        for (size_t h = 0; h < per; h++) {
            const size_t i = a * per + h;
            double *mean = y + 3 * i * E, *lo = mean + E, *hi = lo + E;
            for (size_t e = 0; e < E; e++) {
                size_t n = 0;
                for (size_t s = 0; s < S; s++) {
                    const double val = epoch_value(cfg, grid_run(g, a, s), kind, h, e);
                    if (isfinite(val))
                        v[n++] = val;
                }
                stats_sample st;
                stats_describe(v, n, LEVEL, &st);
                mean[e] = st.mean;
                lo[e] = st.ci_low;
                hi[e] = st.ci_high;
                if (isfinite(mean[e]) && mean[e] > top)
                    top = mean[e];
            }
            if (per > 1)
                snprintf(names[i], sizeof names[i], "%s, layer %zu", cfg->acts[a].name, h + 1);
            else
                snprintf(names[i], sizeof names[i], "%s", cfg->acts[a].name);
            series[i] = (chart_series){.name = names[i],
                                       .x = x,
                                       .y = mean,
                                       .n = E,
                                       .rgb = CHART_RGB(chart_palette(a)),
                                       .markers = E <= 40,
                                       .style = h == 0   ? CHART_SOLID
                                                : h == 1 ? CHART_DASHED
                                                         : CHART_DOTTED};
            if (band)
                series[lines + i] = (chart_series){.x = x,
                                                   .y = lo,
                                                   .y_upper = hi,
                                                   .n = E,
                                                   .rgb = CHART_RGB(chart_palette(a)),
                                                   .style = CHART_BAND};
        }
    if (ok) {
        char note[256], title[256], net[128];
        chart_note(cfg, note, sizeof note,
                   S > 1 ? (band ? "; mean and 95% band over the seeds" : "; mean over the seeds")
                         : "");
        format_net(cfg, net, sizeof net);
        snprintf(title, sizeof title, "%s, %s %s on %s",
                 kind == CHART_ACCURACY ? "Test accuracy"
                 : kind == CHART_LOSS   ? "Training loss"
                                        : "Dead hidden units",
                 model_name(cfg), net, data_title(cfg));
        chart c = {.title = title,
                   .x_label = "epoch",
                   .y_label = kind == CHART_ACCURACY ? "test accuracy"
                              : kind == CHART_LOSS   ? "training loss (mean over the epoch)"
                                                     : "dead units (% of the layer)",
                   .note = note,
                   .grid = true,
                   .x_whole = true,
                   .series = series,
                   .n_series = n_series,
                   .x_min = E > 1 ? 1.0 : 0.5,
                   .x_max = E > 1 ? (double)E : 1.5};
        if (kind == CHART_DEAD) {
            /* From 0, so "none dead" sits on the axis instead of filling the chart. */
            c.y_min = 0.0;
            c.y_max = top > 0.0 ? (top * 1.08 < 100.0 ? top * 1.08 : 100.0) : 1.0;
        }
        ok = draw(cfg, &c, file);
    }
    free(series);
    free(x);
    free(v);
    free(y);
    free(names);
    return ok;
}

/* slope_sweep.png: the final accuracy (mean and 95% interval) of every Leaky ReLU slope on a
 * log axis, and ReLU's mean and band across it when ReLU ran. */
static bool write_sweep_chart(const struct grid *g, const struct act_summary *sum)
{
    const struct config *cfg = g->cfg;
    size_t idx[MAX_ACTIVATIONS], n = 0, relu = cfg->n_acts;
    for (size_t a = 0; a < cfg->n_acts; a++) {
        if (cfg->acts[a].kind == ACT_LEAKY && cfg->acts[a].slope > 0)
            idx[n++] = a;
        else if (cfg->acts[a].kind == ACT_RELU && relu == cfg->n_acts)
            relu = a;
    }
    for (size_t i = 1; i < n; i++) /* by slope */
        for (size_t j = i; j > 0 && cfg->acts[idx[j]].slope < cfg->acts[idx[j - 1]].slope; j--) {
            const size_t t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
    double x[MAX_ACTIVATIONS], mean[MAX_ACTIVATIONS], lo[MAX_ACTIVATIONS], hi[MAX_ACTIVATIONS];
    for (size_t i = 0; i < n; i++) {
        const struct measure *m = &sum[idx[i]].acc;
        x[i] = cfg->acts[idx[i]].slope;
        mean[i] = m->s.mean;
        lo[i] = m->s.ci_low;
        hi[i] = m->s.ci_high;
    }
    chart_series series[4];
    size_t ns = 0;
    series[ns++] = (chart_series){.x = x,
                                  .y = lo,
                                  .y_upper = hi,
                                  .n = n,
                                  .style = CHART_BAND,
                                  .rgb = CHART_RGB(chart_palette(1))};
    series[ns++] = (chart_series){.name = "Leaky ReLU: mean, 95% interval",
                                  .x = x,
                                  .y = mean,
                                  .n = n,
                                  .markers = true,
                                  .rgb = CHART_RGB(chart_palette(1))};
    double rx[2] = {n ? x[0] : 1e-3, n ? x[n - 1] : 1}, rm[2], rl[2], rh[2];
    char relu_name[64];
    if (relu < cfg->n_acts) {
        const struct measure *m = &sum[relu].acc;
        rm[0] = rm[1] = m->s.mean;
        rl[0] = rl[1] = m->s.ci_low;
        rh[0] = rh[1] = m->s.ci_high;
        snprintf(relu_name, sizeof relu_name, "%s: mean, 95%% interval", cfg->acts[relu].name);
        series[ns++] = (chart_series){.x = rx,
                                      .y = rl,
                                      .y_upper = rh,
                                      .n = 2,
                                      .style = CHART_BAND,
                                      .rgb = CHART_RGB(chart_palette(0))};
        series[ns++] = (chart_series){.name = relu_name,
                                      .x = rx,
                                      .y = rm,
                                      .n = 2,
                                      .style = CHART_DASHED,
                                      .rgb = CHART_RGB(chart_palette(0))};
    }
    /* The note names the best slope, which leaves no room for chart_note's settings. */
    char note[512] = "", seeds[64], title[256], net[128];
    experiment_format_seeds(cfg, seeds, sizeof seeds);
    const size_t best = best_slope(cfg, sum);
    if (best < cfg->n_acts) {
        describe_best(cfg, sum, best, title, sizeof title);
        snprintf(note, sizeof note, "seed%s %s; %s", cfg->n_seeds == 1 ? "" : "s", seeds, title);
    }
    format_net(cfg, net, sizeof net);
    snprintf(title, sizeof title, "Final accuracy by slope, %s %s on %s", model_name(cfg), net,
             data_title(cfg));
    const chart c = {.title = title,
                     .x_label = "negative slope of Leaky ReLU (log scale)",
                     .y_label = "final test accuracy",
                     .note = note,
                     .grid = true,
                     .log_x = true,
                     .series = series,
                     .n_series = ns};
    return draw(cfg, &c, "slope_sweep.png");
}

int experiment_report(const struct grid *g)
{
    const struct config *cfg = g->cfg;
    struct act_summary *sum = calloc(cfg->n_acts, sizeof *sum);
    if (!sum || !summarise(g, sum)) {
        free(sum);
        return cli_error(EXIT_FAILURE_, "experiment: out of memory for the summary");
    }
    print_table(g, sum);
    /* Said now, with its reason, while errno still holds it. */
    char err[256];
    if (!outfile_stdout_ok(err, sizeof err)) {
        free(sum);
        return cli_error(EXIT_FAILURE_, "%s", err);
    }
    bool ok = experiment_write_results(g) && write_summary(g, sum) &&
              write_chart(g, CHART_ACCURACY, "test_accuracy.png") &&
              write_chart(g, CHART_DEAD, "dead_units.png") &&
              write_chart(g, CHART_LOSS, "train_loss.png") &&
              (!cfg->sweep || write_sweep_chart(g, sum));
    chart_release_caches(); /* fontconfig's, which leak checkers would report */
    free(sum);
    return ok ? EXIT_OK : EXIT_FAILURE_;
}
