/* SPDX-License-Identifier: MIT */
/* leaky experiment: the dying-ReLU problem on real data. The same perceptron is trained on
 * Fashion-MNIST once per activation, from the same initial weights and in the same batch
 * order, and the test accuracy, the training loss, the time and the share of dead hidden
 * units are reported per epoch. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chart.h"
#include "cli.h"
#include "model.h"
#include "mnist.h"
#include "outfile.h"

enum { MAX_ACTIVATIONS = 16, ERR_SIZE = 1024 };

#define DEFAULT_ACTIVATIONS "relu,leaky:0.01,leaky:0.2,prelu,rrelu"

struct config {
    model_kind model;
    size_t height, width; /* the images */
    activation acts[MAX_ACTIVATIONS];
    size_t n_acts;
    size_t sizes[MLP_MAX_LAYERS + 1]; /* inputs, hidden (a CNN's: its channels)..., classes */
    size_t n_sizes;
    size_t epochs, subset, batch, threads;
    uint64_t seed;
    optimizer opt;
    float hidden_bias;
    bool provoke;
    const char *data_dir, *out_dir;
};

/* What one activation's run gave, per epoch. */
struct run {
    const activation *act;
    double *train_loss, *test_loss, *test_acc, *seconds;
    double *dead;    /* epochs x hidden layers */
    size_t diverged; /* the epoch (from 1) whose loss went infinite or NaN; 0 if none */
};

static void help(void)
{
    printf("usage: leaky experiment [OPTIONS]\n"
           "\n"
           "Trains the same network (a multilayer perceptron, or a small convolutional\n"
           "network with --model cnn) on Fashion-MNIST once per activation (same initial\n"
           "weights, same batches) and reports, per activation, the test accuracy, the\n"
           "training loss, the seconds per epoch and the share of dead hidden units: a\n"
           "unit is dead in an epoch when its input is <= 0 for every training example, so\n"
           "ReLU passes it no gradient at all. Prints a table and writes into the --out\n"
           "folder results.csv (per activation and epoch) and the charts test_accuracy.png,\n"
           "dead_units.png and train_loss.png.\n"
           "\n"
           "  -a, --activations LIST  comma-separated, from: relu; leaky[:SLOPE] (0.01);\n"
           "                          prelu (a learned slope per unit, from 0.25);\n"
           "                          prelu:shared (one per layer); rrelu[:LOWER:UPPER]\n"
           "                          (random slopes in training, 1/8 to 1/3, their mean\n"
           "                          in evaluation). Default:\n"
           "                          " DEFAULT_ACTIVATIONS "\n"
           "  -e, --epochs N          passes over the training set (default 20)\n"
           "  -n, --subset N          train on the first N training images only (default all)\n"
           "      --model NAME        mlp (default) or cnn: conv 3x3 32, max-pool 2, conv\n"
           "                          3x3 64, max-pool 2, dense 128 (its dead units are\n"
           "                          channels dead at every position)\n"
           "      --hidden LIST       the mlp's hidden layer widths (default 256,128)\n"
           "  -b, --batch N           mini-batch size (default 128)\n"
           "      --optimizer NAME    adam (default) or sgd (momentum 0.9)\n"
           "      --lr X              learning rate (default 0.001 for adam, 0.05 for sgd)\n"
           "      --bias-init X       initial bias of the hidden units (default 0)\n"
           "      --momentum X        SGD's momentum (default 0.9)\n"
           "      --provoke-dying     Adam with learning rate 0.05 and hidden biases -1 at\n"
           "                          the start: kills a large share of the ReLU units\n"
           "                          (--optimizer, --lr, --bias-init still override)\n"
           "  -s, --seed S            seeds the weights, the batch order and RReLU's slopes\n"
           "                          (default 1)\n"
           "  -t, --threads N         OpenBLAS threads (default: the online CPUs)\n"
           "  -d, --data DIR          the IDX files (default " MNIST_DEFAULT_DIR ",\n"
           "                          from the Debian package " MNIST_PACKAGE ")\n"
           "  -o, --out DIR           where results.csv and the charts go (default .)\n"
           "  -h, --help              this text\n"
           "\n"
           "The same options, seed and thread count give the same numbers (but for the\n"
           "seconds); another thread count may make OpenBLAS round its sums differently.\n"
           "A progress bar shows on a terminal; nothing but the table is printed otherwise.\n");
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ------------------------------------------------------------------ options */

static bool parse_count(const char *option, const char *text, size_t min, size_t max, size_t *value)
{
    char *end;
    errno = 0;
    const unsigned long long v = strtoull(text, &end, 10);
    if (text[0] == '-' || end == text || *end != '\0' || errno == ERANGE || v < min || v > max) {
        cli_error(EXIT_USAGE, "experiment: %s %s: expected a whole number from %zu to %zu", option,
                  text, min, max);
        return false;
    }
    *value = (size_t)v;
    return true;
}

static bool parse_number(const char *option, const char *text, bool positive, float *value)
{
    if (!cli_parse_float(text, value) || !isfinite(*value) || (positive && !(*value > 0))) {
        cli_error(EXIT_USAGE, "experiment: %s %s: expected a %s number", option, text,
                  positive ? "positive finite" : "finite");
        return false;
    }
    return true;
}

static bool parse_activations(const char *text, struct config *cfg)
{
    char buf[1024];
    if (strlen(text) >= sizeof buf)
        return cli_error(EXIT_USAGE, "experiment: --activations: the list is too long"), false;
    strcpy(buf, text);
    cfg->n_acts = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (cfg->n_acts == MAX_ACTIVATIONS)
            return cli_error(EXIT_USAGE, "experiment: --activations: at most %d", MAX_ACTIVATIONS),
                   false;
        char err[256];
        if (!activation_parse(tok, &cfg->acts[cfg->n_acts], err, sizeof err))
            return cli_error(EXIT_USAGE, "experiment: --activations: %s", err), false;
        cfg->n_acts++;
    }
    if (cfg->n_acts == 0)
        return cli_error(EXIT_USAGE,
                         "experiment: --activations '%s': expected at least one "
                         "activation",
                         text),
               false;
    return true;
}

static bool parse_hidden(const char *text, struct config *cfg)
{
    char buf[512];
    if (strlen(text) >= sizeof buf)
        return cli_error(EXIT_USAGE, "experiment: --hidden: the list is too long"), false;
    strcpy(buf, text);
    size_t n = 1; /* sizes[0], the inputs, is set from the data */
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (n == MLP_MAX_LAYERS)
            return cli_error(EXIT_USAGE, "experiment: --hidden: at most %d hidden layers",
                             MLP_MAX_LAYERS - 1),
                   false;
        if (!parse_count("--hidden", tok, 1, 65536, &cfg->sizes[n]))
            return false;
        n++;
    }
    if (n == 1)
        return cli_error(EXIT_USAGE,
                         "experiment: --hidden '%s': expected at least one "
                         "width, such as 256,128",
                         text),
               false;
    cfg->sizes[n] = MNIST_CLASSES;
    cfg->n_sizes = n + 1;
    return true;
}

/* ------------------------------------------------------------------ output files */

/* mkdir -p. */
static bool make_dirs(const char *path)
{
    char buf[4096];
    if (strlen(path) >= sizeof buf) {
        errno = ENAMETOOLONG;
        return false;
    }
    strcpy(buf, path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            const char c = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return false;
            *p = c;
            if (c == '\0')
                break;
        }
    }
    struct stat st;
    if (stat(path, &st) != 0)
        return false;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return false;
    }
    return true;
}

static void write_csv(FILE *f, const struct config *cfg, const struct run *runs)
{
    const size_t hidden = cfg->n_sizes - 2;
    fprintf(f, "activation,epoch,train_loss,test_loss,test_accuracy,epoch_seconds");
    for (size_t h = 0; h < hidden; h++)
        fprintf(f, ",dead_fraction_layer%zu", h + 1);
    fputc('\n', f);
    for (size_t a = 0; a < cfg->n_acts; a++) {
        const struct run *r = &runs[a];
        for (size_t e = 0; e < cfg->epochs; e++) {
            fprintf(f, "%s,%zu,%.6f,%.6f,%.4f,%.3f", r->act->name, e + 1, r->train_loss[e],
                    r->test_loss[e], r->test_acc[e], r->seconds[e]);
            for (size_t h = 0; h < hidden; h++)
                fprintf(f, ",%.6f", r->dead[e * hidden + h]);
            fputc('\n', f);
        }
    }
}

/* results.csv, written whole or not at all. */
static bool write_results(const struct config *cfg, const struct run *runs)
{
    char path[4096], err[ERR_SIZE];
    snprintf(path, sizeof path, "%s/results.csv", cfg->out_dir);
    outfile o;
    if (!outfile_open(&o, path, err, sizeof err))
        return cli_error(EXIT_FAILURE_, "experiment: %s", err), false;
    /* The stream gets its own descriptor, so closing it leaves o.fd for outfile_commit. */
    const int fd = dup(o.fd);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        outfile_abort(&o);
        return cli_error(EXIT_FAILURE_, "experiment: cannot write %s: %s", path, strerror(errno)),
               false;
    }
    write_csv(f, cfg, runs);
    const bool written = !ferror(f);
    if (fclose(f) != 0 || !written) {
        const int e = errno;
        outfile_abort(&o);
        return cli_error(EXIT_FAILURE_, "experiment: cannot write %s: %s", path, strerror(e)),
               false;
    }
    if (!outfile_commit(&o, err, sizeof err))
        return cli_error(EXIT_FAILURE_, "experiment: %s", err), false;
    return true;
}

/* One chart: a line per activation (per activation and hidden layer for the dead units:
 * the activation's colour, solid for layer 1, dashed for 2, dotted for 3 and on). */
enum chart_kind { CHART_ACCURACY, CHART_DEAD, CHART_LOSS };

static bool write_chart(const struct config *cfg, const struct run *runs, enum chart_kind kind,
                        const char *file)
{
    const size_t E = cfg->epochs, hidden = cfg->n_sizes - 2;
    const size_t per = kind == CHART_DEAD ? hidden : 1;
    const size_t n_series = cfg->n_acts * per;
    chart_series *series = calloc(n_series, sizeof *series);
    double *x = malloc(E * sizeof *x);
    double *y = malloc(n_series * E * sizeof *y);
    char(*names)[64] = calloc(n_series, sizeof *names);
    if (!series || !x || !y || !names) {
        free(series);
        free(x);
        free(y);
        free(names);
        return cli_error(EXIT_FAILURE_, "experiment: out of memory for the charts"), false;
    }
    for (size_t e = 0; e < E; e++)
        x[e] = (double)(e + 1);
    double top = 0.0;
    for (size_t a = 0; a < cfg->n_acts; a++) {
        for (size_t h = 0; h < per; h++) {
            const size_t i = a * per + h;
            double *yi = y + i * E;
            for (size_t e = 0; e < E; e++) {
                yi[e] = kind == CHART_ACCURACY ? runs[a].test_acc[e]
                        : kind == CHART_LOSS   ? runs[a].train_loss[e]
                                               : 100.0 * runs[a].dead[e * hidden + h];
                if (isfinite(yi[e]) && yi[e] > top)
                    top = yi[e];
            }
            if (per > 1)
                snprintf(names[i], sizeof names[i], "%s, layer %zu", runs[a].act->name, h + 1);
            else
                snprintf(names[i], sizeof names[i], "%s", runs[a].act->name);
            series[i] = (chart_series){.name = names[i],
                                       .x = x,
                                       .y = yi,
                                       .n = E,
                                       .rgb = chart_palette(a),
                                       .markers = E <= 40,
                                       .style = h == 0   ? CHART_SOLID
                                                : h == 1 ? CHART_DASHED
                                                         : CHART_DOTTED};
        }
    }
    char note[256];
    snprintf(note, sizeof note, "%s lr %g, batch %zu, seed %llu%s",
             cfg->opt.kind == OPT_ADAM ? "Adam" : "SGD", (double)cfg->opt.lr, cfg->batch,
             (unsigned long long)cfg->seed, cfg->provoke ? ", --provoke-dying" : "");
    char title[128];
    char net[64] = "";
    for (size_t i = 0, at = 0; i < cfg->n_sizes && at < sizeof net; i++)
        at += (size_t)snprintf(net + at, sizeof net - at, "%s%zu", i ? "-" : "", cfg->sizes[i]);
    snprintf(title, sizeof title, "%s, %s %s on Fashion-MNIST",
             kind == CHART_ACCURACY ? "Test accuracy"
             : kind == CHART_LOSS   ? "Training loss"
                                    : "Dead hidden units",
             cfg->model == MODEL_CNN ? "CNN" : "MLP", net);
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
    char path[4096], err[ERR_SIZE];
    snprintf(path, sizeof path, "%s/%s", cfg->out_dir, file);
    const bool ok = chart_write(&c, path, NULL, err, sizeof err);
    if (!ok)
        cli_error(EXIT_FAILURE_, "experiment: %s", err);
    free(series);
    free(x);
    free(y);
    free(names);
    return ok;
}

/* ------------------------------------------------------------------ training */

struct data {
    const mnist_set *set;
    size_t count;       /* examples used (the subset) */
    size_t pixels;      /* per example */
    float scale, shift; /* byte -> standardised input: byte * scale + shift */
};

/* The inputs are standardised with the training pixels' mean and deviation (from a
 * histogram of the bytes: one pass, exact counts): zero-mean, unit-variance inputs are what
 * He's initialisation assumes. */
static void standardise(struct data *d)
{
    uint64_t hist[256] = {0};
    const uint8_t *p = d->set->pixels;
    const size_t n = d->count * d->pixels;
    for (size_t i = 0; i < n; i++)
        hist[p[i]]++;
    double sum = 0.0, sq = 0.0;
    for (int v = 0; v < 256; v++) {
        const double x = v / 255.0;
        sum += (double)hist[v] * x;
        sq += (double)hist[v] * x * x;
    }
    const double mean = sum / (double)n;
    const double var = sq / (double)n - mean * mean;
    const double std = var > 0 ? sqrt(var) : 1.0;
    d->scale = (float)(1.0 / (255.0 * std));
    d->shift = (float)(-mean / std);
}

/* Rows first .. first + rows of the split (through order, when given) as standardised
 * floats, and their labels. The rows of a shuffled batch lie anywhere in the 47 MB of
 * pixels, so nearly every one misses the caches: the row GATHER_AHEAD places on is
 * prefetched while this one is converted (with the wide conversion, several times faster:
 * docs/EXPERIMENTS.md, 'Speed'). */
enum { GATHER_AHEAD = 2 };

static void gather(const struct data *d, const uint32_t *order, size_t first, size_t rows, float *x,
                   uint8_t *labels)
{
    const mnist_set *set = d->set;
    const size_t pixels = d->pixels;
    for (size_t r = 0; r < rows; r++) {
        if (r + GATHER_AHEAD < rows) {
            const size_t next = order ? order[first + r + GATHER_AHEAD] : first + r + GATHER_AHEAD;
            const uint8_t *row = set->pixels + next * pixels;
            for (size_t k = 0; k < pixels; k += 64)
                __builtin_prefetch(row + k);
            __builtin_prefetch(row + pixels - 1);
        }
        const size_t i = order ? order[first + r] : first + r;
        nn_scale_bytes(set->pixels + i * pixels, x + r * pixels, pixels, d->scale, d->shift);
        labels[r] = set->labels[i];
    }
}

struct progress {
    bool on;
    double last;
};

static void progress_show(struct progress *pg, const char *name, size_t epoch, size_t epochs,
                          size_t batch, size_t batches, double loss)
{
    const double t = now_seconds();
    if (!pg->on || (t - pg->last < 0.1 && batch != batches))
        return;
    pg->last = t;
    enum { WIDTH = 24 };
    char bar[WIDTH + 1];
    const size_t filled = batch * WIDTH / batches;
    for (size_t i = 0; i < WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[WIDTH] = '\0';
    fprintf(stderr, "\r%-12s epoch %3zu/%zu [%s] batch %5zu/%zu  loss %.4f\033[K", name, epoch,
            epochs, bar, batch, batches, loss);
    fflush(stderr);
}

static int train_fail(const char *what, const activation *act)
{
    return cli_error(EXIT_FAILURE_, "experiment: %s (%s): %s", what, act->name, leaky_last_error());
}

/* Mean loss and accuracy over a whole split, in evaluation mode. */
static int evaluate(model *net, const struct data *d, float *x, uint8_t *labels, double *loss,
                    double *acc)
{
    double total = 0.0;
    size_t right = 0;
    for (size_t first = 0; first < d->count; first += net->max_batch) {
        const size_t rows = d->count - first < net->max_batch ? d->count - first : net->max_batch;
        gather(d, NULL, first, rows, x, labels);
        double l;
        size_t c;
        if (model_loss(net, x, labels, rows, NN_EVAL, &l, &c) != LEAKY_OK)
            return train_fail("evaluating", net->act);
        total += l * (double)rows;
        right += c;
    }
    *loss = total / (double)d->count;
    *acc = (double)right / (double)d->count;
    return EXIT_OK;
}

static int train_one(const struct config *cfg, const struct data *train, const struct data *test,
                     struct run *run, struct progress *pg)
{
    const activation *act = run->act;
    const size_t hidden = cfg->n_sizes - 2;
    const model_spec spec = {.kind = cfg->model,
                             .channels = 1,
                             .height = cfg->height,
                             .width = cfg->width,
                             .classes = MNIST_CLASSES,
                             .hidden = cfg->sizes + 1,
                             .n_hidden = hidden,
                             .threads = cfg->threads};
    model net;
    float *x = malloc(cfg->batch * train->pixels * sizeof(float));
    uint8_t *labels = malloc(cfg->batch);
    uint32_t *order = malloc(train->count * sizeof *order);
    if (!x || !labels || !order || !model_create(&net, &spec, act, cfg->batch)) {
        free(x);
        free(labels);
        free(order);
        return cli_error(EXIT_FAILURE_, "experiment: out of memory for the network");
    }
    /* Every activation starts from the same weights and sees the same batches. */
    model_init(&net, cfg->seed, cfg->hidden_bias);
    optimizer opt = cfg->opt;
    uint64_t shuffle_state = cfg->seed ^ 0x5f3759df0badc0deu;
    uint64_t noise_state = cfg->seed ^ 0x2545f4914f6cdd1du;
    for (size_t i = 0; i < train->count; i++)
        order[i] = (uint32_t)i;

    int rc = EXIT_OK;
    const size_t batches = (train->count + cfg->batch - 1) / cfg->batch;
    for (size_t e = 0; e < cfg->epochs && rc == EXIT_OK; e++) {
        for (size_t i = train->count; i > 1; i--) {
            const uint32_t j = rng_below(&shuffle_state, (uint32_t)i);
            const uint32_t t = order[i - 1];
            order[i - 1] = order[j];
            order[j] = t;
        }
        model_dead_reset(&net);
        double total = 0.0;
        const double start = now_seconds();
        for (size_t b = 0; b < batches; b++) {
            const size_t first = b * cfg->batch;
            const size_t rows =
                train->count - first < cfg->batch ? train->count - first : cfg->batch;
            gather(train, order, first, rows, x, labels);
            *net.noise_seed = rng_next(&noise_state); /* RReLU: fresh slopes every batch */
            double loss;
            if (model_loss_grad(&net, x, labels, rows, &loss) != LEAKY_OK) {
                /* PReLU refuses slopes gone NaN: that is divergence, not a failure. */
                if (!nn_params_finite(net.par)) {
                    total = NAN;
                    break;
                }
                rc = train_fail("training", act);
                break;
            }
            nn_step(net.par, &opt);
            total += loss * (double)rows;
            if (!isfinite(total))
                break; /* diverged: the rest of the epoch cannot bring it back */
            progress_show(pg, act->name, e + 1, cfg->epochs, b + 1, batches,
                          total / (double)(first + rows));
        }
        run->seconds[e] = now_seconds() - start;
        if (rc != EXIT_OK)
            break;
        run->train_loss[e] = total / (double)train->count;
        if (!isfinite(run->train_loss[e])) {
            /* Nothing more to learn from this run: its numbers stay NaN from here on. */
            run->diverged = e + 1;
            for (size_t k = e; k < cfg->epochs; k++) {
                run->train_loss[k] = run->test_loss[k] = run->test_acc[k] = NAN;
                for (size_t h = 0; h < hidden; h++)
                    run->dead[k * hidden + h] = NAN;
                if (k > e)
                    run->seconds[k] = NAN;
            }
            if (pg->on)
                fprintf(stderr,
                        "\r%-12s epoch %3zu/%zu  diverged (the loss is not finite)"
                        "\033[K\n",
                        act->name, e + 1, cfg->epochs);
            break;
        }
        for (size_t h = 0; h < hidden; h++)
            run->dead[e * hidden + h] =
                (double)model_dead_count(&net, h) / (double)cfg->sizes[h + 1];
        rc = evaluate(&net, test, x, labels, &run->test_loss[e], &run->test_acc[e]);
        if (rc == EXIT_OK && pg->on) {
            fprintf(stderr, "\r%-12s epoch %3zu/%zu  loss %.4f  test acc %.4f  dead", act->name,
                    e + 1, cfg->epochs, run->train_loss[e], run->test_acc[e]);
            for (size_t h = 0; h < hidden; h++)
                fprintf(stderr, "%s%.1f%%", h ? "/" : " ", 100.0 * run->dead[e * hidden + h]);
            fprintf(stderr, "  %.2f s\033[K\n", run->seconds[e]);
        }
    }
    model_destroy(&net);
    free(x);
    free(labels);
    free(order);
    return rc;
}

/* ------------------------------------------------------------------ report */

static double mean(const double *v, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s / (double)n;
}

static void print_table(const struct config *cfg, const struct run *runs, size_t train_count)
{
    const size_t hidden = cfg->n_sizes - 2, E = cfg->epochs;
    printf("%s: %zu training images, %s ", cfg->data_dir, train_count,
           cfg->model == MODEL_CNN ? "CNN" : "MLP");
    for (size_t i = 0; i < cfg->n_sizes; i++)
        printf("%s%zu", i ? "-" : "", cfg->sizes[i]);
    if (cfg->opt.kind == OPT_ADAM)
        printf(", adam lr %g", (double)cfg->opt.lr);
    else
        printf(", sgd lr %g momentum %g", (double)cfg->opt.lr, (double)cfg->opt.momentum);
    if (cfg->hidden_bias != 0.0f)
        printf(", hidden biases start at %g", (double)cfg->hidden_bias);
    printf(", batch %zu, %zu epochs, seed %llu, %zu threads\n", cfg->batch, E,
           (unsigned long long)cfg->seed, cfg->threads);
    printf("%-12s %9s %14s %10s %8s", "activation", "test acc", "best (epoch)", "train loss",
           "s/epoch");
    for (size_t h = 0; h < hidden; h++)
        printf("  dead L%zu last/max", h + 1);
    putchar('\n');
    for (size_t a = 0; a < cfg->n_acts; a++) {
        const struct run *r = &runs[a];
        /* A run that diverged has numbers for its first (diverged - 1) epochs only. */
        const size_t done = r->diverged ? r->diverged - 1 : E;
        const size_t ran = r->diverged ? r->diverged : E;
        printf("%-12s ", r->act->name);
        if (done == E)
            printf("%9.4f ", r->test_acc[E - 1]);
        else
            printf("%9s ", "diverged");
        if (done > 0) {
            size_t best = 0;
            for (size_t e = 1; e < done; e++)
                if (r->test_acc[e] > r->test_acc[best])
                    best = e;
            printf("%8.4f (%3zu) ", r->test_acc[best], best + 1);
        } else {
            printf("%14s ", "-");
        }
        printf("%10.4f %8.2f", r->train_loss[E - 1], mean(r->seconds, ran));
        for (size_t h = 0; h < hidden; h++) {
            double max = 0.0;
            for (size_t e = 0; e < done; e++)
                if (r->dead[e * hidden + h] > max)
                    max = r->dead[e * hidden + h];
            if (done == 0)
                printf("  %16s", "-");
            else if (done < E)
                printf("  %7s /%6.1f%%", "-", 100.0 * max);
            else
                printf("  %6.1f%% /%6.1f%%", 100.0 * r->dead[(E - 1) * hidden + h], 100.0 * max);
        }
        if (r->diverged)
            printf("  diverged in epoch %zu", r->diverged);
        putchar('\n');
    }
}

/* ------------------------------------------------------------------ command */

int cmd_experiment(int argc, char **argv)
{
    enum {
        OPT_HIDDEN = 256,
        OPT_OPTIMIZER,
        OPT_LR,
        OPT_MOMENTUM,
        OPT_BIAS,
        OPT_PROVOKE,
        OPT_MODEL
    };
    static const struct option options[] = {{"activations", required_argument, NULL, 'a'},
                                            {"epochs", required_argument, NULL, 'e'},
                                            {"subset", required_argument, NULL, 'n'},
                                            {"hidden", required_argument, NULL, OPT_HIDDEN},
                                            {"model", required_argument, NULL, OPT_MODEL},
                                            {"batch", required_argument, NULL, 'b'},
                                            {"optimizer", required_argument, NULL, OPT_OPTIMIZER},
                                            {"lr", required_argument, NULL, OPT_LR},
                                            {"momentum", required_argument, NULL, OPT_MOMENTUM},
                                            {"bias-init", required_argument, NULL, OPT_BIAS},
                                            {"provoke-dying", no_argument, NULL, OPT_PROVOKE},
                                            {"seed", required_argument, NULL, 's'},
                                            {"threads", required_argument, NULL, 't'},
                                            {"data", required_argument, NULL, 'd'},
                                            {"out", required_argument, NULL, 'o'},
                                            {"help", no_argument, NULL, 'h'},
                                            {0}};
    struct config cfg = {
        .epochs = 20, .batch = 128, .seed = 1, .data_dir = MNIST_DEFAULT_DIR, .out_dir = "."};
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    cfg.threads = cpus > 0 ? (size_t)cpus : 1;
    const char *activations = DEFAULT_ACTIVATIONS, *hidden = NULL, *opt_name = NULL;
    const char *lr_text = NULL, *bias_text = NULL, *momentum_text = NULL;
    size_t seed;
    int opt;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":a:e:n:b:s:t:d:o:h", options, NULL)) != -1) {
        switch (opt) {
        case 'a': activations = optarg; break;
        case 'e':
            if (!parse_count("--epochs", optarg, 1, 100000, &cfg.epochs))
                return EXIT_USAGE;
            break;
        case 'n':
            if (!parse_count("--subset", optarg, 1, SIZE_MAX, &cfg.subset))
                return EXIT_USAGE;
            break;
        case OPT_HIDDEN: hidden = optarg; break;
        case OPT_MODEL:
            if (!model_kind_parse(optarg, &cfg.model))
                return cli_error(EXIT_USAGE, "experiment: --model %s: expected mlp or cnn", optarg);
            break;
        case 'b':
            if (!parse_count("--batch", optarg, 1, 65536, &cfg.batch))
                return EXIT_USAGE;
            break;
        case OPT_OPTIMIZER: opt_name = optarg; break;
        case OPT_LR: lr_text = optarg; break;
        case OPT_MOMENTUM: momentum_text = optarg; break;
        case OPT_BIAS: bias_text = optarg; break;
        case OPT_PROVOKE: cfg.provoke = true; break;
        case 's':
            if (!parse_count("--seed", optarg, 0, SIZE_MAX, &seed))
                return EXIT_USAGE;
            cfg.seed = seed;
            break;
        case 't':
            if (!parse_count("--threads", optarg, 1, 1024, &cfg.threads))
                return EXIT_USAGE;
            break;
        case 'd': cfg.data_dir = optarg; break;
        case 'o': cfg.out_dir = optarg; break;
        case 'h': help(); return EXIT_OK;
        default: return cli_bad_option("experiment", opt, argv, optind);
        }
    }
    if (optind < argc)
        return cli_error(EXIT_USAGE, "experiment: unexpected argument '%s'", argv[optind]);
    if (!cfg.out_dir[0] || !cfg.data_dir[0])
        return cli_error(EXIT_USAGE, "experiment: %s '': expected a folder",
                         cfg.out_dir[0] ? "--data" : "--out");
    if (hidden && cfg.model == MODEL_CNN)
        return cli_error(EXIT_USAGE,
                         "experiment: --hidden is the mlp's; the cnn's layers are fixed");
    /* The CNN's activation layers stand where the perceptron's hidden layers do, their
     * channels as the widths the dead fractions are counted against. */
    if (!parse_activations(activations, &cfg) ||
        !parse_hidden(hidden                   ? hidden
                      : cfg.model == MODEL_CNN ? "32,64,128"
                                               : "256,128",
                      &cfg))
        return EXIT_USAGE;

    /* Adam by default. --provoke-dying keeps Adam but with a step 50 times too large and the
     * hidden units starting below their threshold: Adam moves every weight by about lr per
     * step whatever its gradient, so a unit pushed negative for every input stays there
     * under ReLU (its gradient is 0) and climbs back under a leaky one. (SGD with a large
     * step diverges, for the leaky activations first, before it kills units.) */
    cfg.opt = (optimizer){.kind = OPT_ADAM,
                          .lr = 0.001f,
                          .momentum = 0.9f,
                          .beta1 = 0.9f,
                          .beta2 = 0.999f,
                          .eps = 1e-8f};
    if (cfg.provoke) {
        cfg.opt.lr = 0.05f;
        cfg.hidden_bias = -1.0f;
    }
    if (opt_name) {
        if (strcmp(opt_name, "adam") == 0)
            cfg.opt.kind = OPT_ADAM;
        else if (strcmp(opt_name, "sgd") == 0)
            cfg.opt.kind = OPT_SGD;
        else
            return cli_error(EXIT_USAGE, "experiment: --optimizer %s: expected adam or sgd",
                             opt_name);
        if (!cfg.provoke)
            cfg.opt.lr = cfg.opt.kind == OPT_ADAM ? 0.001f : 0.05f;
    }
    if (lr_text && !parse_number("--lr", lr_text, true, &cfg.opt.lr))
        return EXIT_USAGE;
    if (momentum_text) {
        if (!parse_number("--momentum", momentum_text, false, &cfg.opt.momentum))
            return EXIT_USAGE;
        if (cfg.opt.momentum < 0 || cfg.opt.momentum >= 1)
            return cli_error(EXIT_USAGE,
                             "experiment: --momentum %s: expected a number from 0 "
                             "up to (not including) 1",
                             momentum_text);
    }
    if (bias_text && !parse_number("--bias-init", bias_text, false, &cfg.hidden_bias))
        return EXIT_USAGE;

    char err[ERR_SIZE];
    mnist_set train_set, test_set;
    if (!mnist_load(cfg.data_dir, "train", &train_set, err, sizeof err))
        return cli_error(EXIT_FAILURE_, "experiment: %s", err);
    if (!mnist_load(cfg.data_dir, "t10k", &test_set, err, sizeof err)) {
        mnist_free(&train_set);
        return cli_error(EXIT_FAILURE_, "experiment: %s", err);
    }
    int rc = EXIT_OK;
    if (test_set.rows != train_set.rows || test_set.cols != train_set.cols) {
        rc = cli_error(EXIT_FAILURE_,
                       "experiment: the test images are %zu x %zu pixels, the "
                       "training images %zu x %zu",
                       test_set.rows, test_set.cols, train_set.rows, train_set.cols);
    } else if (cfg.model == MODEL_CNN && (train_set.rows < 4 || train_set.cols < 4)) {
        rc = cli_error(EXIT_FAILURE_,
                       "experiment: --model cnn: the images are %zu x %zu pixels, expected at "
                       "least 4 x 4 (two 2x2 poolings)",
                       train_set.rows, train_set.cols);
    } else if (cfg.subset > train_set.count) {
        rc = cli_error(EXIT_USAGE,
                       "experiment: --subset %zu: the training set has only %zu "
                       "images",
                       cfg.subset, train_set.count);
    } else if (!make_dirs(cfg.out_dir)) {
        rc = cli_error(EXIT_FAILURE_, "experiment: cannot create the folder %s: %s", cfg.out_dir,
                       strerror(errno));
    } else if (access(cfg.out_dir, W_OK | X_OK) != 0) {
        /* Said now rather than after the training. */
        rc = cli_error(EXIT_FAILURE_, "experiment: cannot write into the folder %s: %s",
                       cfg.out_dir, strerror(errno));
    }
    if (rc != EXIT_OK) {
        mnist_free(&train_set);
        mnist_free(&test_set);
        return rc;
    }
    cfg.sizes[0] = train_set.rows * train_set.cols;
    cfg.height = train_set.rows;
    cfg.width = train_set.cols;

    struct data train = {.set = &train_set,
                         .pixels = cfg.sizes[0],
                         .count = cfg.subset ? cfg.subset : train_set.count};
    standardise(&train);
    struct data test = train;
    test.set = &test_set;
    test.count = test_set.count;

    /* A fixed thread count: OpenBLAS splits a product by blocks of the output, so each
     * element is summed in the same order on every run, and the numbers repeat. The CNN
     * shares its convolutions out among its own threads (cnn.h), each product on one. */
    openblas_set_num_threads(cfg.model == MODEL_CNN ? 1 : (int)cfg.threads);
    /* The library's calls stay on this thread: the CNN's run on a few images' maps, in the
     * caches, between products that OpenBLAS's threads share out; two pools of threads on
     * the same cores, each spinning while it waits, made an epoch 3 to 5 times slower. */
    leaky_set_num_threads(1);

    const size_t hidden_layers = cfg.n_sizes - 2, E = cfg.epochs;
    struct run runs[MAX_ACTIVATIONS];
    double *store = calloc(cfg.n_acts * E * (4 + hidden_layers), sizeof(double));
    if (!store)
        rc = cli_error(EXIT_FAILURE_, "experiment: out of memory for the results");
    struct progress pg = {.on = isatty(STDERR_FILENO) && isatty(STDOUT_FILENO)};
    for (size_t a = 0; a < cfg.n_acts && rc == EXIT_OK; a++) {
        double *p = store + a * E * (4 + hidden_layers);
        runs[a] = (struct run){.act = &cfg.acts[a],
                               .train_loss = p,
                               .test_loss = p + E,
                               .test_acc = p + 2 * E,
                               .seconds = p + 3 * E,
                               .dead = p + 4 * E};
        rc = train_one(&cfg, &train, &test, &runs[a], &pg);
    }
    if (rc == EXIT_OK) {
        print_table(&cfg, runs, train.count);
        if (!write_results(&cfg, runs) ||
            !write_chart(&cfg, runs, CHART_ACCURACY, "test_accuracy.png") ||
            !write_chart(&cfg, runs, CHART_DEAD, "dead_units.png") ||
            !write_chart(&cfg, runs, CHART_LOSS, "train_loss.png"))
            rc = EXIT_FAILURE_;
        chart_release_caches(); /* fontconfig's, which leak checkers would report */
    }
    free(store);
    mnist_free(&train_set);
    mnist_free(&test_set);
    return rc;
}
