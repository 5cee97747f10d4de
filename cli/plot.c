/* SPDX-License-Identifier: MIT */
/* leaky plot: the activation drawn as a report-ready chart (PNG, SVG, PDF) or printed as
 * an x,y table.  Every y value comes from the library's functions. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activation.h"
#include "chart.h"
#include "cli.h"
#include "leaky.h"
#include "outfile.h"

enum { MAX_SLOPES = 16, MAX_POINTS = 1000000, NAME_CHARS = 104 };

static const char DEFAULT_TITLE[] = "Graph of Leaky ReLU Activation Function";

struct plot {
    float slopes[MAX_SLOPES];
    int n_slopes;
    bool slope_given, relu, derivative, verbose;
    /* PReLU curves (a slope each); RReLU's bounds, training draw and seed. */
    float prelu[MAX_SLOPES];
    int n_prelu;
    bool rrelu, train;
    float lower, upper;
    uint64_t seed;
    float from, to;
    long points;
    const char *command;              /* for messages: plot, or demo drawing the article's chart */
    const char *title, *output, *csv; /* csv: the table's file, "-" for standard output */
    int width, height;
};

enum kind { LEAKY, RELU, PRELU, RRELU_EVAL, RRELU_TRAIN, RRELU_BAND };

/* One curve: its name and values, x shared by all. */
struct curve {
    enum kind kind;
    char name[NAME_CHARS];
    float *y;
    double *yd;
    bool derivative;
    float slope;    /* for the leak note; NAN for ReLU and RReLU's training draw */
    size_t colour;  /* derivatives take their function's colour */
    float *y_upper; /* RRELU_BAND: the upper edge (y is the lower) */
    double *yd_upper;
};

static void help(void)
{
    printf("usage: leaky plot [ACTIVATION...] [OPTIONS] -o FILE.png|.svg|.pdf\n"
           "       leaky plot [ACTIVATION...] [OPTIONS] --csv FILE|-\n"
           "ACTIVATION: -a SPEC | --slope A | --relu | --prelu W[,W...] | --rrelu LOWER,UPPER\n"
           "\n"
           "Draws Leaky ReLU as the article's figure does (x over [-3, 3], 100 points,\n"
           "slope 0.01), to a PNG, SVG or PDF file chosen by the name's extension. When the\n"
           "slope is too small to see at full scale, a zoom of the negative side is added.\n"
           "Each activation given adds its curves.\n"
           "\n"
           "  -a, --activation SPEC  leaky[:A], relu, prelu:W[,W...] or rrelu[:LOWER:UPPER]\n"
           "                         (repeat for several); the options below are its\n"
           "                         shorthands\n"
           "  -s, --slope A          Leaky ReLU with negative slope A (--negative-slope too)\n"
           "  -r, --relu             plain ReLU\n"
           "      --prelu W[,W...]   PReLU, one curve per channel's slope W\n"
           "      --rrelu L,U        RReLU: its evaluation curve (slope (L + U) / 2) over\n"
           "                         the shaded band of its training slopes, L*x to U*x\n"
           "      --train            with --rrelu: add one training draw (slopes ~ U(L, U))\n"
           "      --seed S           the training draw's seed (default 0)\n"
           "  -d, --derivative       add each curve's gradient (dashed)\n"
           "  -o, --output FILE      the picture: FILE.png, FILE.svg or FILE.pdf\n"
           "      --csv FILE         write the table x,y,... as CSV (- for standard output);\n"
           "                         with -o as well, both are written\n"
           "      --range A:B        the x range (default -3:3)\n"
           "  -n, --points N         samples over the range, 2 to %d (default 100)\n"
           "      --title TEXT       the title (default: \"Graph of\" the activations drawn,\n"
           "                         \"%s\" for Leaky ReLU)\n"
           "      --size WxH         pixels for PNG, points for SVG/PDF (default 800x600,\n"
           "                         each side %d to %d)\n"
           "  -v, --verbose          say where the axes fall in the picture, and its title\n"
           "  -h, --help             this text\n"
           "\n"
           "Example:  leaky plot --slope 0.01 --slope 0.2 --relu --derivative -o cmp.svg\n",
           MAX_POINTS, DEFAULT_TITLE, CHART_MIN_SIZE, CHART_MAX_SIZE);
}

static bool parse_range(const char *text, float *from, float *to)
{
    const char *colon = strchr(text, ':');
    if (!colon || colon == text)
        return false;
    char left[128];
    const size_t len = (size_t)(colon - text);
    if (len >= sizeof left)
        return false;
    memcpy(left, text, len);
    left[len] = '\0';
    return cli_parse_float(left, from) && cli_parse_float(colon + 1, to) && isfinite(*from) &&
           isfinite(*to);
}

static bool parse_long(const char *text, long *value)
{
    char *end;
    errno = 0;
    *value = strtol(text, &end, 10);
    return end != text && *end == '\0' && errno == 0;
}

static bool parse_size(const char *text, int *w, int *h)
{
    char *end;
    errno = 0;
    const long a = strtol(text, &end, 10);
    if (end == text || (*end != 'x' && *end != 'X') || errno)
        return false;
    const char *second = end + 1;
    const long b = strtol(second, &end, 10);
    if (end == second || *end != '\0' || errno || a < CHART_MIN_SIZE || a > CHART_MAX_SIZE ||
        b < CHART_MIN_SIZE || b > CHART_MAX_SIZE)
        return false;
    *w = (int)a;
    *h = (int)b;
    return true;
}

/* n evenly spaced floats from `from` to `to`, both included (numpy's linspace, rounded
 * to float once). */
static void linspace(float *x, size_t n, float from, float to)
{
    const double step = ((double)to - from) / (double)(n - 1);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(from + step * (double)i);
    x[n - 1] = to;
}

static leaky_status compute(const struct plot *p, const struct curve *cv, const float *x, size_t n)
{
    switch (cv->kind) {
    case RELU:
        return cv->derivative ? leaky_relu_derivative_f32(x, cv->y, n, 0.0f)
                              : leaky_plain_relu_f32(x, cv->y, n);
    case PRELU:
        if (!cv->derivative)
            return leaky_prelu_f32(x, cv->y, 1, 1, n, &cv->slope, 1);
        /* The derivative is the backward of ones (the y array holds them first). */
        for (size_t i = 0; i < n; i++)
            cv->y[i] = 1.0f;
        return leaky_prelu_backward_f32(x, cv->y, cv->y, NULL, 1, 1, n, &cv->slope, 1);
    case RRELU_EVAL:
        return cv->derivative ? leaky_relu_derivative_f32(x, cv->y, n, cv->slope)
                              : leaky_rrelu_eval_f32(x, cv->y, n, p->lower, p->upper);
    case RRELU_TRAIN: {
        if (!cv->derivative)
            return leaky_rrelu_train_f32(x, cv->y, n, p->lower, p->upper, p->seed, NULL);
        /* The slopes drawn are the derivative: the noise, with y thrown away. */
        float *y = malloc(n * sizeof *y);
        if (!y)
            return leaky_rrelu_train_f32(x, NULL, n, p->lower, p->upper, p->seed, NULL);
        const leaky_status st = leaky_rrelu_train_f32(x, y, n, p->lower, p->upper, p->seed, cv->y);
        free(y);
        return st;
    }
    case RRELU_BAND: {
        /* Between the leaky curves of the two bounds, the lower edge below. */
        leaky_status st = cv->derivative ? leaky_relu_derivative_f32(x, cv->y, n, p->lower)
                                         : leaky_relu_f32(x, cv->y, n, p->lower);
        if (st == LEAKY_OK)
            st = cv->derivative ? leaky_relu_derivative_f32(x, cv->y_upper, n, p->upper)
                                : leaky_relu_f32(x, cv->y_upper, n, p->upper);
        for (size_t i = 0; st == LEAKY_OK && i < n; i++) {
            if (cv->y[i] > cv->y_upper[i]) {
                const float t = cv->y[i];
                cv->y[i] = cv->y_upper[i];
                cv->y_upper[i] = t;
            }
        }
        return st;
    }
    case LEAKY: break;
    }
    if (cv->derivative)
        return leaky_relu_derivative_f32(x, cv->y, n, cv->slope);
    return leaky_relu_f32(x, cv->y, n, cv->slope);
}

/* The curves the options ask for: each slope, then ReLU, PReLU's slopes, RReLU (its
 * evaluation curve, its band, a training draw), then (with --derivative) the gradient of
 * each, dashed in its function's colour.  The legend names the slope unless the chart is
 * the article's single default curve. */
static int make_curves(const struct plot *p, struct curve *cv)
{
    const bool name_slope = p->slope_given || p->relu || p->n_prelu || p->rrelu;
    int n = 0;
    for (int i = 0; i < p->n_slopes; i++, n++)
        cv[n] = (struct curve){.kind = LEAKY, .slope = p->slopes[i]};
    if (p->relu)
        cv[n++] = (struct curve){.kind = RELU, .slope = NAN};
    for (int i = 0; i < p->n_prelu; i++, n++)
        cv[n] = (struct curve){.kind = PRELU, .slope = p->prelu[i]};
    if (p->rrelu) {
        cv[n++] = (struct curve){.kind = RRELU_BAND, .slope = NAN};
        cv[n++] = (struct curve){.kind = RRELU_EVAL,
                                 .slope = leaky_rrelu_eval_slope_f32(p->lower, p->upper)};
        if (p->train)
            cv[n++] = (struct curve){.kind = RRELU_TRAIN, .slope = NAN};
    }
    const int functions = n;
    for (int d = 0; d < (p->derivative ? 2 : 1); d++) {
        for (int i = 0; i < functions; i++) {
            struct curve *c = &cv[d * functions + i];
            *c = (struct curve){.kind = cv[i].kind,
                                .slope = cv[i].slope,
                                .derivative = d == 1,
                                .colour = (size_t)i};
            /* RReLU's three series share a colour. */
            if (c->kind == RRELU_EVAL || c->kind == RRELU_TRAIN)
                c->colour = (size_t)(i - (c->kind == RRELU_EVAL ? 1 : 2));
            const char *what = c->derivative ? " derivative" : "";
            char a[CLI_FLOAT_CHARS], b[CLI_FLOAT_CHARS];
            cli_format_float(a, sizeof a,
                             c->kind == RRELU_BAND || c->kind == RRELU_TRAIN ? p->lower : c->slope);
            cli_format_float(b, sizeof b, p->upper);
            switch (c->kind) {
            case RELU: snprintf(c->name, NAME_CHARS, "ReLU%s", what); break;
            case PRELU: snprintf(c->name, NAME_CHARS, "PReLU%s (w=%s)", what, a); break;
            case RRELU_BAND:
                snprintf(c->name, NAME_CHARS, "RReLU%s training slopes [%s, %s]", what, a, b);
                break;
            case RRELU_EVAL: snprintf(c->name, NAME_CHARS, "RReLU%s eval (a=%s)", what, a); break;
            case RRELU_TRAIN:
                snprintf(c->name, NAME_CHARS, "RReLU%s training draw (seed %llu)", what,
                         (unsigned long long)p->seed);
                break;
            case LEAKY:
                if (name_slope)
                    snprintf(c->name, NAME_CHARS, "Leaky ReLU%s (a=%s)", what, a);
                else
                    snprintf(c->name, NAME_CHARS, "Leaky ReLU%s", what);
                break;
            }
        }
    }
    return functions * (p->derivative ? 2 : 1);
}

struct csv_table {
    const float *x;
    size_t n;
    const struct curve *cv;
    int n_curves;
};

static void print_csv(FILE *f, const void *ctx)
{
    const struct csv_table *t = ctx;
    char text[CLI_FLOAT_CHARS];
    fputs("x", f);
    for (int c = 0; c < t->n_curves; c++) {
        if (t->cv[c].kind == RRELU_BAND)
            fprintf(f, ",%s low,%s high", t->cv[c].name, t->cv[c].name);
        else
            fprintf(f, ",%s", t->cv[c].name);
    }
    fputc('\n', f);
    for (size_t i = 0; i < t->n; i++) {
        cli_format_float(text, sizeof text, t->x[i]);
        fputs(text, f);
        for (int c = 0; c < t->n_curves; c++) {
            cli_format_float(text, sizeof text, t->cv[c].y[i]);
            fprintf(f, ",%s", text);
            if (t->cv[c].kind == RRELU_BAND) {
                cli_format_float(text, sizeof text, t->cv[c].y_upper[i]);
                fprintf(f, ",%s", text);
            }
        }
        fputc('\n', f);
    }
}

/* The table into path ("-": standard output), whole or not at all. */
static int write_csv(const char *path, const float *x, size_t n, const struct curve *cv,
                     int n_curves)
{
    const struct csv_table t = {.x = x, .n = n, .cv = cv, .n_curves = n_curves};
    char err[512];
    if (!outfile_print(path, print_csv, &t, err, sizeof err))
        return cli_error(EXIT_FAILURE_, "plot: %s", err);
    return EXIT_OK;
}

/* A leak smaller than this share of the y span is a hair above the axis at full scale. */
static const double VISIBLE_SHARE = 0.04;

static int draw(const struct plot *p, const float *x, size_t n, struct curve *cv, int n_curves)
{
    double *xd = malloc(n * sizeof *xd);
    chart_series *series = calloc((size_t)n_curves, sizeof *series);
    int rc = EXIT_OK;
    if (!xd || !series) {
        rc = cli_error(EXIT_FAILURE_, "%s: out of memory for %zu points", p->command, n);
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        xd[i] = x[i];
    double y_lo = INFINITY, y_hi = -INFINITY, smallest_leak = INFINITY, leak_slope = 0;
    for (int c = 0; c < n_curves; c++) {
        const bool band = cv[c].kind == RRELU_BAND;
        for (size_t i = 0; i < n; i++) {
            cv[c].yd[i] = cv[c].y[i];
            if (band)
                cv[c].yd_upper[i] = cv[c].y_upper[i];
            for (int edge = 0; edge < 1 + band; edge++) {
                const double v = edge ? cv[c].yd_upper[i] : cv[c].yd[i];
                if (isfinite(v)) { /* a slope times a huge x may overflow */
                    y_lo = fmin(y_lo, v);
                    y_hi = fmax(y_hi, v);
                }
            }
        }
        series[c] = (chart_series){.name = cv[c].name,
                                   .x = xd,
                                   .y = cv[c].yd,
                                   .n = n,
                                   .style = band                        ? CHART_BAND
                                            : cv[c].kind == RRELU_TRAIN ? CHART_DOTTED
                                            : cv[c].derivative          ? CHART_DASHED
                                                                        : CHART_SOLID,
                                   .y_upper = band ? cv[c].yd_upper : NULL,
                                   .rgb = CHART_RGB(chart_palette(cv[c].colour))};
        /* The largest |f(x)| over x < 0 of a leaky curve. */
        if (!cv[c].derivative && cv[c].kind != RELU && !isnan(cv[c].slope) && cv[c].slope != 0 &&
            p->from < 0) {
            const double leak = fabs((double)cv[c].slope * p->from);
            if (leak < smallest_leak) {
                smallest_leak = leak;
                leak_slope = cv[c].slope;
            }
        }
    }
    chart c = {.title = p->title[0] ? p->title : NULL,
               .x_label = "Input Value (X)",
               .y_label = "Output Value (Y)",
               .width = p->width,
               .height = p->height,
               .grid = true,
               .legend = CHART_AUTO,
               .series = series,
               .n_series = (size_t)n_curves};
    char note[160];
    if (smallest_leak < VISIBLE_SHARE * (y_hi - y_lo)) {
        char a[CLI_FLOAT_CHARS];
        cli_format_float(a, sizeof a, (float)leak_slope);
        snprintf(note, sizeof note,
                 "For x < 0, f(x) = a*x is small at this scale (a = %s): "
                 "the inset zooms in on it.",
                 a);
        c.note = note;
        /* The zoom fits the smallest leak; steeper curves may leave its view. */
        const double lo = fmin(0, leak_slope * p->from), hi = fmax(0, leak_slope * p->from);
        c.inset = (chart_inset){.show = true,
                                .x_min = p->from,
                                .x_max = fmin(0, p->to),
                                .y_min = lo - 0.15 * (hi - lo),
                                .y_max = hi + 0.15 * (hi - lo),
                                .label = "zoom on x < 0"};
    }
    char err[512];
    chart_layout lay;
    if (!chart_write(&c, p->output, &lay, err, sizeof err)) {
        rc = cli_error(EXIT_FAILURE_, "%s: %s", p->command, err);
        goto done;
    }
    if (p->verbose) {
        printf("wrote %s (%dx%d): x %.9g..%.9g at %.3f..%.3f, y %.9g..%.9g at %.3f..%.3f "
               "titled \"%s\"\n",
               p->output, p->width, p->height, lay.x_min, lay.x_max, lay.px0, lay.px1, lay.y_min,
               lay.y_max, lay.py0, lay.py1, p->title);
        if (lay.inset_shown)
            printf("zoom inset of x < 0 at %.3f..%.3f, %.3f..%.3f\n", lay.inset_x0, lay.inset_x1,
                   lay.inset_y0, lay.inset_y1);
    }
done:
    free(xd);
    free(series);
    return rc;
}

static int run(const struct plot *p)
{
    const size_t n = (size_t)p->points;
    struct curve cv[2 * (2 * MAX_SLOPES + 4)];
    const int n_curves = make_curves(p, cv);
    float *x = malloc(n * sizeof *x);
    /* One more row per curve for a band's upper edge. */
    float *yf = malloc(2 * (size_t)n_curves * n * sizeof *yf);
    double *yd = malloc(2 * (size_t)n_curves * n * sizeof *yd);
    int rc = EXIT_OK;
    if (!x || !yf || !yd) {
        rc = cli_error(EXIT_FAILURE_, "%s: out of memory for %zu points", p->command, n);
        goto done;
    }
    linspace(x, n, p->from, p->to);
    for (int c = 0; c < n_curves; c++) {
        cv[c].y = yf + (size_t)c * n;
        cv[c].yd = yd + (size_t)c * n;
        cv[c].y_upper = yf + (size_t)(n_curves + c) * n;
        cv[c].yd_upper = yd + (size_t)(n_curves + c) * n;
        if (compute(p, &cv[c], x, n) != LEAKY_OK) {
            rc = cli_error(EXIT_FAILURE_, "%s: %s", p->command, leaky_last_error());
            goto done;
        }
    }
    if (p->csv)
        rc = write_csv(p->csv, x, n, cv, n_curves);
    if (rc == EXIT_OK && p->output)
        rc = draw(p, x, n, cv, n_curves);
    chart_release_caches();
done:
    free(x);
    free(yf);
    free(yd);
    return rc;
}

int cli_plot_article(const char *path)
{
    struct plot p = {.command = "demo",
                     .slopes = {LEAKY_DEFAULT_SLOPE},
                     .n_slopes = 1,
                     .from = -3,
                     .to = 3,
                     .points = 100,
                     .title = DEFAULT_TITLE,
                     .output = path,
                     .width = 800,
                     .height = 600};
    return run(&p);
}

/* The title that names what is drawn, when none is given: "Graph of Leaky ReLU Activation
 * Function", "Graph of PReLU and RReLU Activation Functions". */
static void default_title(const struct plot *p, char *buf, size_t size)
{
    const char *names[4];
    int n = 0;
    if (p->n_slopes > 0)
        names[n++] = "Leaky ReLU";
    if (p->relu)
        names[n++] = "ReLU";
    if (p->n_prelu > 0)
        names[n++] = "PReLU";
    if (p->rrelu)
        names[n++] = "RReLU";
    size_t len = (size_t)snprintf(buf, size, "Graph of ");
    for (int i = 0; i < n && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s",
                                i == 0      ? ""
                                : i + 1 < n ? ", "
                                            : " and ",
                                names[i]);
    if (len < size)
        snprintf(buf + len, size - len, " Activation Function%s", n > 1 ? "s" : "");
}

/* Adds the curves of one activation option (plot draws every one given). */
static int add_activation(struct plot *p, const cli_activation *act)
{
    switch (act->kind) {
    case CLI_ACT_LEAKY:
        if (p->n_slopes == MAX_SLOPES)
            return cli_error(EXIT_USAGE, "plot: at most %d Leaky ReLU curves", MAX_SLOPES);
        p->slopes[p->n_slopes++] = act->slope_f32;
        p->slope_given = true;
        break;
    case CLI_ACT_RELU: p->relu = true; break;
    case CLI_ACT_PRELU:
        if (act->num_w > (size_t)(MAX_SLOPES - p->n_prelu))
            return cli_error(EXIT_USAGE, "plot: at most %d PReLU curves", MAX_SLOPES);
        memcpy(p->prelu + p->n_prelu, act->w_f32, act->num_w * sizeof *act->w_f32);
        p->n_prelu += (int)act->num_w;
        break;
    case CLI_ACT_RRELU:
        if (p->rrelu)
            return cli_error(EXIT_USAGE, "plot: %s: one RReLU per chart", act->given);
        p->rrelu = true;
        p->lower = act->lower_f32;
        p->upper = act->upper_f32;
        break;
    }
    return EXIT_OK;
}

int cmd_plot(int argc, char **argv)
{
    enum { OPT_RANGE = 256, OPT_SIZE, OPT_CSV, OPT_TRAIN, OPT_SEED, OPT_TITLE };
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'},
        CLI_ACTIVATION_LONG_OPTIONS,
        {"derivative", no_argument, NULL, 'd'},
        {"range", required_argument, NULL, OPT_RANGE},
        {"points", required_argument, NULL, 'n'},
        {"title", required_argument, NULL, OPT_TITLE},
        {"size", required_argument, NULL, OPT_SIZE},
        {"csv", required_argument, NULL, OPT_CSV},
        {"train", no_argument, NULL, OPT_TRAIN},
        {"seed", required_argument, NULL, OPT_SEED},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct plot p = {
        .command = "plot", .from = -3, .to = 3, .points = 100, .width = 800, .height = 600};
    int opt, rc = EXIT_USAGE;
    bool seed_given = false, output_given = false, range_given = false, points_given = false;
    bool title_given = false, size_given = false, csv_given = false;
    cli_activation act;
    cli_activation_default(&act);
    char title[128];
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":o:" CLI_ACTIVATION_SHORT "dn:vh", options, NULL)) !=
           -1) {
        if (cli_is_activation_option(opt)) {
            if (!cli_activation_parse("plot", opt, optarg, &act) ||
                (rc = add_activation(&p, &act)) != EXIT_OK)
                goto done;
            rc = EXIT_USAGE;
            continue;
        }
        switch (opt) {
        case 'o':
            if (!cli_option_once("plot", "--output", &output_given))
                goto done;
            p.output = optarg;
            break;
        case OPT_TRAIN: p.train = true; break;
        case OPT_SEED:
            if (!cli_option_once("plot", "--seed", &seed_given) ||
                !cli_parse_seed("plot: --seed", optarg, &p.seed))
                goto done;
            break;
        case 'd': p.derivative = true; break;
        case OPT_RANGE:
            if (!cli_option_once("plot", "--range", &range_given))
                goto done;
            if (!parse_range(optarg, &p.from, &p.to)) {
                cli_error(EXIT_USAGE,
                          "plot: --range %s: expected A:B, two finite "
                          "numbers such as -3:3",
                          optarg);
                goto done;
            }
            if (!(p.from < p.to)) {
                cli_error(EXIT_USAGE,
                          "plot: --range %s is %s; the start must be "
                          "below the end",
                          optarg, p.from == p.to ? "empty" : "reversed");
                goto done;
            }
            break;
        case 'n':
            if (!cli_option_once("plot", "--points", &points_given))
                goto done;
            if (!parse_long(optarg, &p.points) || p.points < 2 || p.points > MAX_POINTS) {
                cli_error(EXIT_USAGE,
                          "plot: --points %s: expected a whole number from "
                          "2 to %d",
                          optarg, MAX_POINTS);
                goto done;
            }
            break;
        case OPT_TITLE:
            if (!cli_option_once("plot", "--title", &title_given))
                goto done;
            p.title = optarg;
            break;
        case OPT_SIZE:
            if (!cli_option_once("plot", "--size", &size_given))
                goto done;
            if (!parse_size(optarg, &p.width, &p.height)) {
                cli_error(EXIT_USAGE,
                          "plot: --size %s: expected WxH, each side a whole "
                          "number from %d to %d (such as 800x600)",
                          optarg, CHART_MIN_SIZE, CHART_MAX_SIZE);
                goto done;
            }
            break;
        case OPT_CSV:
            if (!cli_option_once("plot", "--csv", &csv_given))
                goto done;
            p.csv = optarg;
            break;
        case 'v': p.verbose = true; break;
        case 'h':
            help();
            rc = EXIT_OK;
            goto done;
        default: rc = cli_bad_option("plot", opt, argv, optind); goto done;
        }
    }
    if (optind < argc) {
        cli_error(EXIT_USAGE, "plot: unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if ((p.train || seed_given) && !p.rrelu) {
        cli_error(EXIT_USAGE, "plot: %s goes with --rrelu LOWER,UPPER",
                  p.train ? "--train" : "--seed");
        goto done;
    }
    /* The default curve unless other curves are asked for. */
    if (p.n_slopes == 0 && p.n_prelu == 0 && !p.rrelu && !p.relu)
        p.slopes[p.n_slopes++] = LEAKY_DEFAULT_SLOPE;
    if (!p.csv && !p.output) {
        cli_error(EXIT_USAGE, "plot: no output; give -o FILE.png (or .svg, .pdf) or "
                              "--csv FILE (- for standard output; see leaky plot --help)");
        goto done;
    }
    if (p.output && chart_format_of(p.output) == CHART_FORMAT_NONE) {
        cli_error(EXIT_USAGE,
                  "plot: -o %s: unknown picture format; the name must end "
                  "in .png, .svg or .pdf",
                  p.output);
        goto done;
    }
    if (!p.title) {
        default_title(&p, title, sizeof title);
        p.title = title;
    }
    rc = run(&p);
done:
    cli_activation_free(&act);
    return rc;
}
