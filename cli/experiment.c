/* SPDX-License-Identifier: MIT */
/* leaky experiment: the dying-ReLU problem on real data, and which activation is best for
 * a dataset. The same perceptron is trained once per activation and seed: within a seed
 * every activation starts from the same initial weights and sees the same batches, so the
 * activations are compared seed by seed. The runs of a sweep can be split into shards
 * (--shard K/N) run anywhere and merged (--merge) into the report one run would give. */
#define _POSIX_C_SOURCE 200809L
#include "experiment.h"

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

#include "activation.h"
#include "cli.h"
#include "dataset.h"
#include "mnist.h"
#include "outfile.h"

enum { ERR_SIZE = 1024, MAX_SHARDS = 4096 };

#define DEFAULT_ACTIVATIONS "relu,leaky:0.01,leaky:0.2,prelu,rrelu"
#define SETTINGS_FILE "settings.txt"
#define SETTINGS_MAGIC "leaky experiment settings 1"
/* The split of data without a test set does not depend on --seeds: every run sees the
 * same training and test rows. */
#define SPLIT_SEED 0x5eedu

static void help(void)
{
    printf("usage: leaky experiment [OPTIONS]\n"
           "       leaky experiment --merge DIR... --out OUT\n"
           "\n"
           "Trains the same multilayer perceptron once per activation and seed (within a\n"
           "seed: same initial weights, same batches) and reports, per activation, the test\n"
           "accuracy, the training loss, the seconds per epoch and the share of dead hidden\n"
           "units: a unit is dead in an epoch when its input is <= 0 for every training\n"
           "example, so ReLU passes it no gradient at all. Over the seeds it gives the mean\n"
           "final accuracy with its 95%% Student t interval and, against the first\n"
           "activation listed (the baseline), the paired difference, its interval, the\n"
           "paired t-test's p-value (Holm-adjusted over the activations) and the seeds won\n"
           "and lost; the same for each layer's peak dead share; and a sentence per\n"
           "activation: beats, trails or cannot be told apart from the baseline at the 5%%\n"
           "level. Writes into the --out folder results.csv (per activation, seed and\n"
           "epoch), summary.csv (per activation), settings.txt, and the charts\n"
           "test_accuracy.png (mean and 95%% band), dead_units.png, train_loss.png and,\n"
           "with --sweep, slope_sweep.png.\n"
           "\n"
           "  -a, --activation SPEC   one activation to train (repeat for several): relu;\n"
           "                          leaky[:SLOPE] (0.01); prelu (a learned slope per\n"
           "                          unit, from 0.25); prelu:shared (one per layer);\n"
           "                          rrelu[:LOWER:UPPER] (random slopes in training, 1/8\n"
           "                          to 1/3, their mean in evaluation). The first is the\n"
           "                          baseline\n"
           "  -s, --slope A, --negative-slope A\n"
           "                          the same as --activation leaky:A\n"
           "  -r, --relu              the same as --activation relu\n"
           "      --rrelu LOWER,UPPER\n"
           "                          the same as --activation rrelu:LOWER:UPPER\n"
           "      --activations LIST  the same, comma-separated. Default:\n"
           "                          " DEFAULT_ACTIVATIONS "\n"
           "                          (relu alone with --sweep)\n"
           "      --sweep leaky:LO..HI:K  adds K slopes spaced evenly on a log scale from\n"
           "                          LO to HI (3 significant digits) and draws\n"
           "                          slope_sweep.png: final accuracy against the slope\n"
           "      --seeds LIST        seeds to run, such as 1-10 or 1,4,9 (default 1); each\n"
           "                          seeds the weights, the batch order and RReLU's slopes\n"
           "      --seed S            one seed (--seeds S)\n"
           "  -e, --epochs N          passes over the training set (default 20)\n"
           "      --subset N          train on the first N training examples only\n"
           "      --model NAME        mlp (default) or cnn: conv 3x3 32, max-pool 2, conv\n"
           "                          3x3 64, max-pool 2, dense 128, on images (its dead\n"
           "                          units are channels dead at every position)\n"
           "      --hidden LIST       the mlp's hidden layer widths (default 256,128)\n"
           "      --batch N           mini-batch size (default 128)\n"
           "      --optimizer NAME    adam (default) or sgd (momentum 0.9)\n"
           "      --lr X              learning rate (default 0.001 for adam, 0.05 for sgd)\n"
           "      --bias-init X       initial bias of the hidden units (default 0)\n"
           "      --momentum X        SGD's momentum (default 0.9)\n"
           "      --provoke-dying     Adam with learning rate 0.05 and hidden biases -1 at\n"
           "                          the start: kills a large share of the ReLU units\n"
           "                          (--optimizer, --lr, --bias-init still override)\n"
           "  -j, --threads N         OpenBLAS threads (default: the online CPUs)\n"
           "\n"
           "Data (Fashion-MNIST unless --train is given):\n"
           "      --data DIR          IDX files as Fashion-MNIST's (default " MNIST_DEFAULT_DIR
           ",\n"
           "                          from the Debian package " MNIST_PACKAGE ")\n"
           "      --train X.npy,y.npy features (float32, float64 or uint8; the first axis\n"
           "                          is the examples, the rest is flattened) and integer\n"
           "                          labels from 0 to 65535\n"
           "      --train FILE.csv    numbers separated by commas, a header line optional;\n"
           "                          needs --label-column\n"
           "      --label-column C    the CSV's label column: a header name or a 0-based\n"
           "                          index\n"
           "      --test X.npy,y.npy  the test set (or FILE.csv); without it a stratified\n"
           "      --test-fraction F   split holds out F of each class (default 0.2), the\n"
           "                          same for every seed\n"
           "                          Float features are standardised per feature, bytes\n"
           "                          as a whole, with the training rows' mean and deviation.\n"
           "\n"
           "Sweeps across processes or machines:\n"
           "      --shard K/N         run only the K-th of N slices of the activation x seed\n"
           "                          grid and write only its rows (and settings.txt)\n"
           "      --merge DIR...      combine the shards' folders into --out: the same\n"
           "                          table, CSV files and charts as one run, bit for bit\n"
           "                          but for the seconds\n"
           "      --out DIR           where the files go (default .)\n"
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

static bool add_activation(struct config *cfg, const char *text)
{
    if (cfg->n_acts == MAX_ACTIVATIONS)
        return cli_error(EXIT_USAGE, "experiment: at most %d activations (with the sweep's)",
                         MAX_ACTIVATIONS),
               false;
    char err[256];
    if (!activation_parse(text, &cfg->acts[cfg->n_acts], err, sizeof err))
        return cli_error(EXIT_USAGE, "experiment: --activations: %s", err), false;
    for (size_t i = 0; i < cfg->n_acts; i++)
        if (strcmp(cfg->acts[i].name, text) == 0)
            return cli_error(EXIT_USAGE, "experiment: --activations: %s is listed twice", text),
                   false;
    cfg->n_acts++;
    return true;
}

static bool parse_activations(const char *text, struct config *cfg)
{
    char buf[EXPERIMENT_TEXT];
    if (strlen(text) >= sizeof buf)
        return cli_error(EXIT_USAGE, "experiment: --activations: the list is too long"), false;
    strcpy(cfg->act_list, text);
    strcpy(buf, text);
    cfg->n_acts = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (!add_activation(cfg, tok))
            return false;
    if (cfg->n_acts == 0)
        return cli_error(EXIT_USAGE,
                         "experiment: --activations '%s': expected at least one "
                         "activation",
                         text),
               false;
    return true;
}

/* leaky:LO..HI:K, 0 < LO < HI, 2 <= K. */
static bool parse_sweep(const char *text, struct config *cfg)
{
    char *mid, *end;
    if (strncmp(text, "leaky:", 6) == 0) {
        cfg->sweep_lo = strtof(text + 6, &mid);
        if (mid != text + 6 && strncmp(mid, "..", 2) == 0) {
            cfg->sweep_hi = strtof(mid + 2, &end);
            if (end != mid + 2 && *end == ':') {
                char *k_end;
                errno = 0;
                const unsigned long k = strtoul(end + 1, &k_end, 10);
                if (k_end != end + 1 && *k_end == '\0' && errno == 0 && end[1] != '-' &&
                    cfg->sweep_lo > 0 && cfg->sweep_hi > cfg->sweep_lo && isfinite(cfg->sweep_hi) &&
                    k >= 2 && k <= MAX_ACTIVATIONS) {
                    cfg->sweep_k = k;
                    cfg->sweep = true;
                    return true;
                }
            }
        }
    }
    return cli_error(EXIT_USAGE,
                     "experiment: --sweep %s: expected leaky:LO..HI:K with 0 < LO < HI and K "
                     "slopes from 2 to %d, such as leaky:0.001..0.5:8",
                     text, MAX_ACTIVATIONS),
           false;
}

/* The sweep's slopes, rounded to 3 significant digits so that their names say exactly
 * which slope ran, after the listed activations (a slope listed by hand runs once). */
static bool add_sweep(struct config *cfg)
{
    const double lo = log(cfg->sweep_lo), hi = log(cfg->sweep_hi);
    for (size_t i = 0; i < cfg->sweep_k; i++) {
        const double slope = exp(lo + (hi - lo) * (double)i / (double)(cfg->sweep_k - 1));
        char name[32];
        snprintf(name, sizeof name, "leaky:%.3g", slope);
        bool listed = false;
        activation act;
        char err[256];
        activation_parse(name, &act, err, sizeof err);
        for (size_t a = 0; a < cfg->n_acts; a++)
            listed |= cfg->acts[a].kind == ACT_LEAKY && cfg->acts[a].slope == act.slope;
        if (!listed && !add_activation(cfg, name))
            return false;
    }
    return true;
}

/* 1-10, 1,4,9, or both: 1-3,7. */
static bool parse_seeds(const char *text, struct config *cfg)
{
    cfg->n_seeds = 0;
    const char *p = text;
    for (;;) {
        char *end;
        errno = 0;
        const unsigned long long first = strtoull(p, &end, 10);
        unsigned long long last = first;
        bool ok = end != p && *p != '-' && errno == 0;
        if (ok && *end == '-') {
            const char *q = end + 1;
            last = strtoull(q, &end, 10);
            ok = end != q && *q != '-' && errno == 0 && last >= first;
        }
        ok = ok && (*end == ',' || *end == '\0');
        for (unsigned long long s = first; ok && s <= last; s++) {
            for (size_t i = 0; i < cfg->n_seeds && ok; i++)
                ok = cfg->seeds[i] != s;
            if (!ok)
                return cli_error(EXIT_USAGE, "experiment: --seeds %s: seed %llu is listed twice",
                                 text, s),
                       false;
            if (cfg->n_seeds == MAX_SEEDS)
                return cli_error(EXIT_USAGE, "experiment: --seeds %s: at most %d seeds", text,
                                 MAX_SEEDS),
                       false;
            cfg->seeds[cfg->n_seeds++] = s;
            if (s == UINT64_MAX)
                break;
        }
        if (!ok)
            return cli_error(EXIT_USAGE,
                             "experiment: --seeds %s: expected seeds and ranges separated by "
                             "commas, such as 1-10 or 1,4,9",
                             text),
                   false;
        if (*end == '\0')
            return true;
        p = end + 1;
    }
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
    cfg->n_sizes = n + 1; /* the classes, last, come from the data */
    return true;
}

static bool parse_shard(const char *text, struct config *cfg)
{
    unsigned long k, n;
    char tail;
    if (sscanf(text, "%lu/%lu%c", &k, &n, &tail) != 2 || text[0] < '1' || text[0] > '9' || n < 1 ||
        n > MAX_SHARDS || k < 1 || k > n)
        return cli_error(EXIT_USAGE,
                         "experiment: --shard %s: expected K/N with 1 <= K <= N <= %d, such as "
                         "2/4",
                         text, MAX_SHARDS),
               false;
    cfg->shard_k = k;
    cfg->shard_n = n;
    return true;
}

/* What the command line asked for, before the data are read. */
struct request {
    const char *activations, *hidden, *opt_name, *lr_text, *bias_text, *momentum_text;
    const char *merge_first; /* --merge's first folder; the others are the operands */
    char act_list[1024];     /* --activation SPEC (and its shorthands), once per activation */
    bool help;
    size_t settings; /* options other than --merge, --out and --help */
};

/* The options into cfg and req: the command line, and settings.txt read back by a merge
 * (the same words, so the same config). */
static int parse_options(int argc, char **argv, struct config *cfg, struct request *req)
{
    enum {
        OPT_HIDDEN = 256,
        OPT_OPTIMIZER,
        OPT_LR,
        OPT_MOMENTUM,
        OPT_BIAS,
        OPT_PROVOKE,
        OPT_SEEDS,
        OPT_SEED,
        OPT_SWEEP,
        OPT_ACTIVATIONS,
        OPT_RRELU,
        OPT_SUBSET,
        OPT_BATCH,
        OPT_DATA,
        OPT_OUT,
        OPT_TRAIN,
        OPT_TEST,
        OPT_LABEL,
        OPT_FRACTION,
        OPT_SHARD,
        OPT_MERGE,
        OPT_MODEL,
        OPT_END
    };
    static const struct option options[] = {
        {"activation", required_argument, NULL, 'a'},
        {"slope", required_argument, NULL, 's'},
        {"negative-slope", required_argument, NULL, 's'},
        {"relu", no_argument, NULL, 'r'},
        {"rrelu", required_argument, NULL, OPT_RRELU},
        {"activations", required_argument, NULL, OPT_ACTIVATIONS},
        {"sweep", required_argument, NULL, OPT_SWEEP},
        {"seeds", required_argument, NULL, OPT_SEEDS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"epochs", required_argument, NULL, 'e'},
        {"subset", required_argument, NULL, OPT_SUBSET},
        {"model", required_argument, NULL, OPT_MODEL},
        {"hidden", required_argument, NULL, OPT_HIDDEN},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"optimizer", required_argument, NULL, OPT_OPTIMIZER},
        {"lr", required_argument, NULL, OPT_LR},
        {"momentum", required_argument, NULL, OPT_MOMENTUM},
        {"bias-init", required_argument, NULL, OPT_BIAS},
        {"provoke-dying", no_argument, NULL, OPT_PROVOKE},
        {"threads", required_argument, NULL, 'j'},
        {"data", required_argument, NULL, OPT_DATA},
        {"train", required_argument, NULL, OPT_TRAIN},
        {"test", required_argument, NULL, OPT_TEST},
        {"label-column", required_argument, NULL, OPT_LABEL},
        {"test-fraction", required_argument, NULL, OPT_FRACTION},
        {"shard", required_argument, NULL, OPT_SHARD},
        {"merge", required_argument, NULL, OPT_MERGE},
        {"out", required_argument, NULL, OPT_OUT},
        {"help", no_argument, NULL, 'h'},
        {0}};
    const char *fraction_text = NULL;
    uint64_t seed;
    int opt;
    /* Every option but --activation (and its shorthands) and the flags takes one value. */
    bool seen[OPT_END] = {false};
    char spec[128];
    opterr = 0;
    optind = 0; /* a full restart of getopt: a merge parses twice */
    while ((opt = getopt_long(argc, argv, ":a:s:re:j:h", options, NULL)) != -1) {
        /* The shorthands, as their --activation: leaky:A, relu, rrelu:LOWER:UPPER. */
        if (opt == 's' || opt == 'r' || opt == OPT_RRELU) {
            snprintf(spec, sizeof spec, "%s%.100s",
                     opt == 's'   ? "leaky:"
                     : opt == 'r' ? "relu"
                                  : "rrelu:",
                     opt == 'r' ? "" : optarg);
            for (char *c = spec; opt == OPT_RRELU && *c; c++)
                *c = *c == ',' ? ':' : *c;
            optarg = spec;
            opt = 'a';
        }
        if (opt > 0 && opt < OPT_END && opt != 'a' && opt != 'h' && opt != OPT_PROVOKE &&
            opt != '?' && opt != ':' &&
            !cli_option_once("experiment", cli_option_name(options, opt), &seen[opt]))
            return EXIT_USAGE;
        req->settings += opt != OPT_MERGE && opt != OPT_OUT && opt != 'h';
        switch (opt) {
        case 'a':
            if (strchr(optarg, ',') ||
                strlen(req->act_list) + strlen(optarg) + 2 > sizeof req->act_list)
                return cli_error(EXIT_USAGE,
                                 "experiment: --activation %s: expected one activation "
                                 "(repeat the option for several)",
                                 optarg);
            if (req->act_list[0])
                strcat(req->act_list, ",");
            strcat(req->act_list, optarg);
            break;
        case OPT_ACTIVATIONS: req->activations = optarg; break;
        case OPT_SWEEP:
            if (!parse_sweep(optarg, cfg))
                return EXIT_USAGE;
            break;
        case OPT_SEEDS:
            if (!parse_seeds(optarg, cfg))
                return EXIT_USAGE;
            break;
        case OPT_SEED:
            if (!cli_parse_seed("experiment: --seed", optarg, &seed))
                return EXIT_USAGE;
            cfg->seeds[0] = seed;
            cfg->n_seeds = 1;
            break;
        case 'e':
            if (!parse_count("--epochs", optarg, 1, 100000, &cfg->epochs))
                return EXIT_USAGE;
            break;
        case OPT_SUBSET:
            if (!parse_count("--subset", optarg, 1, SIZE_MAX, &cfg->subset))
                return EXIT_USAGE;
            break;
        case OPT_HIDDEN: req->hidden = optarg; break;
        case OPT_MODEL:
            if (!model_kind_parse(optarg, &cfg->model))
                return cli_error(EXIT_USAGE, "experiment: --model %s: expected mlp or cnn", optarg);
            break;
        case OPT_BATCH:
            if (!parse_count("--batch", optarg, 1, 65536, &cfg->batch))
                return EXIT_USAGE;
            break;
        case OPT_OPTIMIZER: req->opt_name = optarg; break;
        case OPT_LR: req->lr_text = optarg; break;
        case OPT_MOMENTUM: req->momentum_text = optarg; break;
        case OPT_BIAS: req->bias_text = optarg; break;
        case OPT_PROVOKE: cfg->provoke = true; break;
        case 'j':
            if (!parse_count("--threads", optarg, 1, 1024, &cfg->threads))
                return EXIT_USAGE;
            break;
        case OPT_DATA: cfg->data_dir = optarg; break;
        case OPT_TRAIN: cfg->train_spec = optarg; break;
        case OPT_TEST: cfg->test_spec = optarg; break;
        case OPT_LABEL: cfg->label_column = optarg; break;
        case OPT_FRACTION: fraction_text = optarg; break;
        case OPT_SHARD:
            if (!parse_shard(optarg, cfg))
                return EXIT_USAGE;
            break;
        case OPT_MERGE: req->merge_first = optarg; break;
        case OPT_OUT: cfg->out_dir = optarg; break;
        case 'h': req->help = true; return EXIT_OK;
        default: return cli_bad_option("experiment", opt, argv, optind);
        }
    }
    if (seen[OPT_SEED] && seen[OPT_SEEDS])
        return cli_error(EXIT_USAGE, "experiment: give --seed S or --seeds LIST, not both");
    if (req->act_list[0] && req->activations)
        return cli_error(EXIT_USAGE, "experiment: give --activation SPEC (repeated) or "
                                     "--activations LIST, not both");
    if (req->act_list[0])
        req->activations = req->act_list;
    if (optind < argc && !req->merge_first)
        return cli_error(EXIT_USAGE, "experiment: unexpected argument '%s'", argv[optind]);
    if (!cfg->out_dir[0] || !cfg->data_dir[0])
        return cli_error(EXIT_USAGE, "experiment: %s '': expected a folder",
                         cfg->out_dir[0] ? "--data" : "--out");
    if (fraction_text) {
        if (!parse_number("--test-fraction", fraction_text, true, &cfg->test_fraction) ||
            !(cfg->test_fraction < 1))
            return cli_error(EXIT_USAGE,
                             "experiment: --test-fraction %s: expected a number above 0 and "
                             "below 1",
                             fraction_text);
        if (!cfg->train_spec || cfg->test_spec)
            return cli_error(EXIT_USAGE, "experiment: --test-fraction: only for --train without "
                                         "--test (the split it sets)");
    }
    if (cfg->test_spec && !cfg->train_spec)
        return cli_error(EXIT_USAGE, "experiment: --test needs --train");
    if (cfg->label_column && !cfg->train_spec)
        return cli_error(EXIT_USAGE, "experiment: --label-column is for --train FILE.csv");
    return EXIT_OK;
}

/* The rest of the config from the request: the activations with the sweep's, the layers,
 * the optimizer. */
static int finish_config(struct config *cfg, const struct request *req)
{
    if (req->hidden && cfg->model == MODEL_CNN)
        return cli_error(EXIT_USAGE,
                         "experiment: --hidden is the mlp's; the cnn's layers are fixed");
    /* The CNN's activation layers stand where the perceptron's hidden layers do, their
     * channels as the widths the dead fractions are counted against. */
    const char *activations = req->activations ? req->activations
                              : cfg->sweep     ? "relu"
                                               : DEFAULT_ACTIVATIONS;
    if (!parse_activations(activations, cfg) || (cfg->sweep && !add_sweep(cfg)) ||
        !parse_hidden(req->hidden               ? req->hidden
                      : cfg->model == MODEL_CNN ? "32,64,128"
                                                : "256,128",
                      cfg))
        return EXIT_USAGE;

    /* Adam by default. --provoke-dying keeps Adam but with a step 50 times too large and the
     * hidden units starting below their threshold: Adam moves every weight by about lr per
     * step whatever its gradient, so a unit pushed negative for every input stays there
     * under ReLU (its gradient is 0) and climbs back under a leaky one. (SGD with a large
     * step diverges, for the leaky activations first, before it kills units.) */
    cfg->opt = (optimizer){.kind = OPT_ADAM,
                           .lr = 0.001f,
                           .momentum = 0.9f,
                           .beta1 = 0.9f,
                           .beta2 = 0.999f,
                           .eps = 1e-8f};
    if (cfg->provoke) {
        cfg->opt.lr = 0.05f;
        cfg->hidden_bias = -1.0f;
    }
    if (req->opt_name) {
        if (strcmp(req->opt_name, "adam") == 0)
            cfg->opt.kind = OPT_ADAM;
        else if (strcmp(req->opt_name, "sgd") == 0)
            cfg->opt.kind = OPT_SGD;
        else
            return cli_error(EXIT_USAGE, "experiment: --optimizer %s: expected adam or sgd",
                             req->opt_name);
        if (!cfg->provoke)
            cfg->opt.lr = cfg->opt.kind == OPT_ADAM ? 0.001f : 0.05f;
    }
    if (req->lr_text && !parse_number("--lr", req->lr_text, true, &cfg->opt.lr))
        return EXIT_USAGE;
    if (req->momentum_text) {
        if (!parse_number("--momentum", req->momentum_text, false, &cfg->opt.momentum))
            return EXIT_USAGE;
        if (cfg->opt.momentum < 0 || cfg->opt.momentum >= 1)
            return cli_error(EXIT_USAGE,
                             "experiment: --momentum %s: expected a number from 0 "
                             "up to (not including) 1",
                             req->momentum_text);
    }
    if (req->bias_text && !parse_number("--bias-init", req->bias_text, false, &cfg->hidden_bias))
        return EXIT_USAGE;
    return EXIT_OK;
}

/* settings.txt: the options that decide the numbers, one per line, as parse_options reads
 * them, and what the data gave; a shard adds its slice. Shards merge only when all but
 * that last line agree. */
static char *format_settings(const struct config *cfg, bool with_shard)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    char a[CLI_FLOAT_CHARS], b[CLI_FLOAT_CHARS], seeds[8 * MAX_SEEDS];
    fprintf(f, "%s\n--activations=%s\n", SETTINGS_MAGIC, cfg->act_list);
    if (cfg->sweep) {
        cli_format_float(a, sizeof a, cfg->sweep_lo);
        cli_format_float(b, sizeof b, cfg->sweep_hi);
        fprintf(f, "--sweep=leaky:%s..%s:%zu\n", a, b, cfg->sweep_k);
    }
    experiment_format_seeds(cfg, seeds, sizeof seeds);
    fprintf(f, "--seeds=%s\n--epochs=%zu\n", seeds, cfg->epochs);
    if (cfg->subset)
        fprintf(f, "--subset=%zu\n", cfg->subset);
    if (cfg->model == MODEL_CNN) {
        fprintf(f, "--model=cnn");
    } else {
        fprintf(f, "--hidden=");
        for (size_t i = 1; i + 1 < cfg->n_sizes; i++)
            fprintf(f, "%s%zu", i > 1 ? "," : "", cfg->sizes[i]);
    }
    fprintf(f, "\n--batch=%zu\n--optimizer=%s\n", cfg->batch,
            cfg->opt.kind == OPT_ADAM ? "adam" : "sgd");
    if (cfg->provoke)
        fprintf(f, "--provoke-dying\n");
    cli_format_float(a, sizeof a, cfg->opt.lr);
    fprintf(f, "--lr=%s\n", a);
    cli_format_float(a, sizeof a, cfg->opt.momentum);
    fprintf(f, "--momentum=%s\n", a);
    cli_format_float(a, sizeof a, cfg->hidden_bias);
    fprintf(f, "--bias-init=%s\n--threads=%zu\n", a, cfg->threads);
    if (cfg->train_spec) {
        fprintf(f, "--train=%s\n", cfg->train_spec);
        if (cfg->test_spec)
            fprintf(f, "--test=%s\n", cfg->test_spec);
        else {
            cli_format_float(a, sizeof a, cfg->test_fraction);
            fprintf(f, "--test-fraction=%s\n", a);
        }
        if (cfg->label_column)
            fprintf(f, "--label-column=%s\n", cfg->label_column);
    } else {
        fprintf(f, "--data=%s\n", cfg->data_dir);
    }
    fprintf(f, "data: %zu training and %zu test examples, %zu inputs, %zu classes\n",
            cfg->train_count, cfg->test_count, cfg->sizes[0], cfg->sizes[cfg->n_sizes - 1]);
    if (with_shard)
        fprintf(f, "shard %zu/%zu\n", cfg->shard_k, cfg->shard_n);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* ------------------------------------------------------------------ data */

struct data {
    dataset train_set, test_set; /* test_set is empty when the test rows are split off */
    uint32_t *train_rows, *test_rows;
    dataset_view train, test;
};

static void data_free(struct data *d)
{
    dataset_free(&d->train_set);
    dataset_free(&d->test_set);
    free(d->train_rows);
    free(d->test_rows);
}

/* X.npy,y.npy or FILE.csv. */
static bool load_files(const struct config *cfg, const char *spec, const char *option, dataset *set,
                       char *err, size_t err_size)
{
    const char *comma = strchr(spec, ',');
    if (comma) {
        char x[4096];
        if ((size_t)(comma - spec) >= sizeof x || strchr(comma + 1, ','))
            return snprintf(err, err_size, "%s %s: expected X.npy,y.npy or FILE.csv", option, spec),
                   false;
        memcpy(x, spec, (size_t)(comma - spec));
        x[comma - spec] = '\0';
        return dataset_load_npy(x, comma + 1, set, err, err_size);
    }
    if (!cfg->label_column)
        return snprintf(err, err_size,
                        "%s %s: a CSV file needs --label-column (a header name or a 0-based "
                        "index); for .npy files give X.npy,y.npy",
                        option, spec),
               false;
    return dataset_load_csv(spec, cfg->label_column, set, err, err_size);
}

/* Reads the data once, for every run; fills cfg's counts, inputs and classes. Returns an
 * exit code (message printed). */
static int load_data(struct config *cfg, struct data *d)
{
    char err[ERR_SIZE];
    memset(d, 0, sizeof *d);
    bool ok;
    if (!cfg->train_spec) {
        ok = dataset_load_idx(cfg->data_dir, "train", &d->train_set, err, sizeof err) &&
             dataset_load_idx(cfg->data_dir, "t10k", &d->test_set, err, sizeof err);
    } else {
        ok = load_files(cfg, cfg->train_spec, "--train", &d->train_set, err, sizeof err) &&
             (!cfg->test_spec ||
              load_files(cfg, cfg->test_spec, "--test", &d->test_set, err, sizeof err));
    }
    if (!ok) {
        data_free(d);
        return cli_error(EXIT_FAILURE_, "experiment: %s", err);
    }
    dataset *tr = &d->train_set, *te = &d->test_set;
    int rc = EXIT_OK;
    if (tr->count == 0 || (te->labels && te->count == 0)) {
        const bool train = tr->count == 0;
        if (!cfg->train_spec)
            rc = cli_error(EXIT_FAILURE_, "experiment: %s: the %s set has no images", cfg->data_dir,
                           train ? "training (train-*)" : "test (t10k-*)");
        else
            rc = cli_error(EXIT_FAILURE_, "experiment: %s %s: no examples",
                           train ? "--train" : "--test", train ? cfg->train_spec : cfg->test_spec);
    } else if (te->labels && te->features != tr->features) {
        rc = cli_error(EXIT_FAILURE_,
                       "experiment: the test examples have %zu features, the training "
                       "examples %zu",
                       te->features, tr->features);
    } else if (te->labels && (te->bytes != NULL) != (tr->bytes != NULL)) {
        rc = cli_error(EXIT_FAILURE_, "experiment: the training and test features must both "
                                      "be bytes (uint8) or both be floats");
    } else if (te->labels) {
        d->train = (dataset_view){.set = tr, .count = tr->count};
        d->test = (dataset_view){.set = te, .count = te->count};
    } else if (!dataset_split(tr, cfg->test_fraction, SPLIT_SEED, &d->train_rows, &d->train.count,
                              &d->test_rows, &d->test.count)) {
        rc = cli_error(EXIT_FAILURE_, "experiment: out of memory for the split");
    } else {
        d->train.set = d->test.set = tr;
        d->train.rows = d->train_rows;
        d->test.rows = d->test_rows;
    }
    if (rc == EXIT_OK) {
        if (cfg->subset > d->train.count)
            rc = cli_error(EXIT_USAGE,
                           "experiment: --subset %zu: the training set has only %zu "
                           "examples",
                           cfg->subset, d->train.count);
        else if (cfg->subset)
            d->train.count = cfg->subset;
    }
    if (rc == EXIT_OK) {
        const size_t classes = tr->classes > te->classes ? tr->classes : te->classes;
        if (cfg->model == MODEL_CNN && tr->height == 0)
            rc = cli_error(EXIT_FAILURE_,
                           "experiment: --model cnn: the training examples are %zu numbers, "
                           "not images; expected IDX files or .npy features of shape (n, H, W) "
                           "or (n, 1, H, W)",
                           tr->features);
        else if (cfg->model == MODEL_CNN && (tr->height < 4 || tr->width < 4))
            rc = cli_error(EXIT_FAILURE_,
                           "experiment: --model cnn: the images are %zu x %zu pixels, expected "
                           "at least 4 x 4 (two 2x2 poolings)",
                           tr->height, tr->width);
        else if (cfg->model == MODEL_CNN && te->labels &&
                 (te->height != tr->height || te->width != tr->width))
            rc = cli_error(EXIT_FAILURE_,
                           "experiment: --model cnn: the test images are %zu x %zu pixels, the "
                           "training images %zu x %zu",
                           te->height, te->width, tr->height, tr->width);
        else if (dataset_classes_present(&d->train) < 2)
            rc = cli_error(EXIT_FAILURE_,
                           "experiment: the training examples are all of one class (label "
                           "%u); expected two or more",
                           (unsigned)tr->labels[d->train.rows ? d->train.rows[0] : 0]);
        else if (d->train.count < cfg->batch)
            rc = cli_error(EXIT_FAILURE_,
                           "experiment: %zu training examples, fewer than a batch (--batch "
                           "%zu)",
                           d->train.count, cfg->batch);
        else if (d->test.count == 0)
            rc = cli_error(EXIT_FAILURE_, "experiment: no test examples");
        cfg->height = tr->height;
        cfg->width = tr->width;
        cfg->sizes[0] = tr->features;
        cfg->sizes[cfg->n_sizes - 1] = classes;
        cfg->train_count = d->train.count;
        cfg->test_count = d->test.count;
    }
    if (rc != EXIT_OK) {
        data_free(d);
        return rc;
    }
    dataset_standardise(&d->train, &d->test);
    return EXIT_OK;
}

/* ------------------------------------------------------------------ training */

struct progress {
    bool on;
    double last;
};

static void progress_show(struct progress *pg, const char *name, uint64_t seed, size_t epoch,
                          size_t epochs, size_t batch, size_t batches, double loss)
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
    fprintf(stderr, "\r%-12s seed %-4llu epoch %3zu/%zu [%s] batch %5zu/%zu  loss %.4f\033[K", name,
            (unsigned long long)seed, epoch, epochs, bar, batch, batches, loss);
    fflush(stderr);
}

static int train_fail(const char *what, const activation *act)
{
    return cli_error(EXIT_FAILURE_, "experiment: %s (%s): %s", what, act->name, leaky_last_error());
}

/* Mean loss and accuracy over a whole split, in evaluation mode. */
static int evaluate(model *net, const dataset_view *d, float *x, class_label *labels, double *loss,
                    double *acc)
{
    double total = 0.0;
    size_t right = 0;
    for (size_t first = 0; first < d->count; first += net->max_batch) {
        const size_t rows = d->count - first < net->max_batch ? d->count - first : net->max_batch;
        dataset_gather(d, NULL, first, rows, x, labels);
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

/* One activation from one seed: every activation of a seed starts from the same weights
 * and sees the same batches. */
static int train_one(const struct config *cfg, const struct data *data, const activation *act,
                     uint64_t seed, struct run *run, struct progress *pg)
{
    const dataset_view *train = &data->train, *test = &data->test;
    const size_t hidden = hidden_layers(cfg);
    const size_t inputs = cfg->sizes[0];
    const model_spec spec = {.kind = cfg->model,
                             .channels = 1,
                             /* a table: one row of its numbers, for the MLP */
                             .height = cfg->height ? cfg->height : 1,
                             .width = cfg->height ? cfg->width : inputs,
                             .classes = cfg->sizes[cfg->n_sizes - 1],
                             .hidden = cfg->sizes + 1,
                             .n_hidden = hidden,
                             .threads = cfg->threads};
    model net;
    float *x = malloc(cfg->batch * inputs * sizeof(float));
    class_label *labels = malloc(cfg->batch * sizeof *labels);
    uint32_t *order = malloc(train->count * sizeof *order);
    if (!x || !labels || !order || !model_create(&net, &spec, act, cfg->batch)) {
        free(x);
        free(labels);
        free(order);
        return cli_error(EXIT_FAILURE_, "experiment: out of memory for the network");
    }
    model_init(&net, seed, cfg->hidden_bias);
    optimizer opt = cfg->opt;
    uint64_t shuffle_state = seed ^ 0x5f3759df0badc0deu;
    uint64_t noise_state = seed ^ 0x2545f4914f6cdd1du;
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
            dataset_gather(train, order, first, rows, x, labels);
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
            progress_show(pg, act->name, seed, e + 1, cfg->epochs, b + 1, batches,
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
                        "\r%-12s seed %-4llu epoch %3zu/%zu  diverged (the loss is not finite)"
                        "\033[K\n",
                        act->name, (unsigned long long)seed, e + 1, cfg->epochs);
            break;
        }
        for (size_t h = 0; h < hidden; h++)
            run->dead[e * hidden + h] =
                (double)model_dead_count(&net, h) / (double)cfg->sizes[h + 1];
        rc = evaluate(&net, test, x, labels, &run->test_loss[e], &run->test_acc[e]);
        if (rc == EXIT_OK && pg->on) {
            fprintf(stderr, "\r%-12s seed %-4llu epoch %3zu/%zu  loss %.4f  test acc %.4f  dead",
                    act->name, (unsigned long long)seed, e + 1, cfg->epochs, run->train_loss[e],
                    run->test_acc[e]);
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

/* ------------------------------------------------------------------ the grid */

static bool grid_alloc(struct grid *g, const struct config *cfg)
{
    const size_t runs = cfg->n_acts * cfg->n_seeds, E = cfg->epochs;
    const size_t per = E * (4 + hidden_layers(cfg));
    g->cfg = cfg;
    g->runs = calloc(runs, sizeof *g->runs);
    g->store = malloc(runs * per * sizeof(double));
    if (!g->runs || !g->store) {
        free(g->runs);
        free(g->store);
        return false;
    }
    for (size_t i = 0; i < runs * per; i++)
        g->store[i] = NAN;
    for (size_t i = 0; i < runs; i++) {
        double *p = g->store + i * per;
        g->runs[i] = (struct run){.train_loss = p,
                                  .test_loss = p + E,
                                  .test_acc = p + 2 * E,
                                  .seconds = p + 3 * E,
                                  .dead = p + 4 * E};
    }
    return true;
}

static void grid_free(struct grid *g)
{
    if (g->runs)
        for (size_t i = 0; i < g->cfg->n_acts * g->cfg->n_seeds; i++)
            free(g->runs[i].rows);
    free(g->runs);
    free(g->store);
}

/* Whether run i of the grid (a * seeds + s) belongs to shard k of n: every n-th run, so
 * that each shard gets a share of every activation. */
static bool in_shard(size_t i, size_t k, size_t n) { return i % n == k - 1; }

/* Appends line (with its newline) to run->rows. */
static bool append_row(struct run *run, const char *line, size_t len)
{
    const size_t have = run->rows ? strlen(run->rows) : 0;
    char *rows = realloc(run->rows, have + len + 2);
    if (!rows)
        return false;
    memcpy(rows + have, line, len);
    rows[have + len] = '\n';
    rows[have + len + 1] = '\0';
    run->rows = rows;
    return true;
}

/* The run's rows of results.csv, read back into its numbers: the report is made from the
 * numbers in the file, as a merge of shards makes it. */
static bool settle_run(const struct config *cfg, const activation *act, uint64_t seed,
                       struct run *run)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return false;
    experiment_format_rows(f, cfg, act, seed, run);
    if (fclose(f) != 0) {
        free(text);
        return false;
    }
    bool ok = true;
    size_t e = 0;
    for (char *line = text, *next; ok && *line; line = next + 1, e++) {
        next = strchr(line, '\n');
        *next = '\0';
        ok =
            append_row(run, line, (size_t)(next - line)) && experiment_parse_row(cfg, line, run, e);
    }
    free(text);
    run->done = ok;
    return ok;
}

/* mkdir -p, and whether files can be written there (said before the training, not after).
 * The folders made are removed again, when still empty, by outdir_abort and by a signal
 * (outfile.h): a failed or interrupted run leaves no empty folder behind. */
static int prepare_out(const char *path, outdir *made)
{
    if (!outdir_make(made, path))
        return cli_error(EXIT_FAILURE_, "experiment: cannot create the folder %s: %s", path,
                         strerror(errno));
    if (access(path, W_OK | X_OK) != 0) {
        const int e = errno;
        outdir_abort(made);
        return cli_error(EXIT_FAILURE_, "experiment: cannot write into the folder %s: %s", path,
                         strerror(e));
    }
    return EXIT_OK;
}

static bool write_settings(const struct config *cfg, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", cfg->out_dir, SETTINGS_FILE);
    return experiment_write_text(path, text, strlen(text));
}

/* The runs of this process's slice, then its files: all of them for a whole run, only
 * results.csv and settings.txt for a shard. */
static int run_grid(struct config *cfg, const struct data *data)
{
    struct grid g;
    if (!grid_alloc(&g, cfg))
        return cli_error(EXIT_FAILURE_, "experiment: out of memory for the results");
    /* A fixed thread count: OpenBLAS splits a product by blocks of the output, so each
     * element is summed in the same order on every run, and the numbers repeat. The CNN
     * shares its convolutions out among its own threads (cnn.h), each product on one. */
    openblas_set_num_threads(cfg->model == MODEL_CNN ? 1 : (int)cfg->threads);
    /* The library's calls stay on this thread: the CNN's run on a few images' maps, in the
     * caches, between products that OpenBLAS's threads share out; two pools of threads on
     * the same cores, each spinning while it waits, made an epoch 3 to 5 times slower. */
    leaky_set_num_threads(1);
    struct progress pg = {.on = isatty(STDERR_FILENO) && isatty(STDOUT_FILENO)};
    int rc = EXIT_OK;
    size_t ran = 0;
    for (size_t a = 0; a < cfg->n_acts && rc == EXIT_OK; a++)
        for (size_t s = 0; s < cfg->n_seeds && rc == EXIT_OK; s++) {
            if (!in_shard(a * cfg->n_seeds + s, cfg->shard_k, cfg->shard_n))
                continue;
            struct run *run = grid_run(&g, a, s);
            rc = train_one(cfg, data, &cfg->acts[a], cfg->seeds[s], run, &pg);
            if (rc == EXIT_OK && !settle_run(cfg, &cfg->acts[a], cfg->seeds[s], run))
                rc = cli_error(EXIT_FAILURE_, "experiment: out of memory for the results");
            /* results.csv after every run: an interrupted sweep keeps what it finished. */
            if (rc == EXIT_OK && !experiment_write_results(&g))
                rc = EXIT_FAILURE_;
            ran++;
        }
    const bool sharded = cfg->shard_n > 1;
    char *settings = rc == EXIT_OK ? format_settings(cfg, sharded) : NULL;
    if (rc == EXIT_OK && !settings)
        rc = cli_error(EXIT_FAILURE_, "experiment: out of memory for settings.txt");
    if (rc == EXIT_OK && sharded) {
        if (!experiment_write_results(&g) || !write_settings(cfg, settings))
            rc = EXIT_FAILURE_;
        else
            printf("shard %zu/%zu: %zu of the %zu runs; results.csv and %s in %s (combine the "
                   "shards with leaky experiment --merge DIR... --out OUT)\n",
                   cfg->shard_k, cfg->shard_n, ran, cfg->n_acts * cfg->n_seeds, SETTINGS_FILE,
                   cfg->out_dir);
    } else if (rc == EXIT_OK) {
        rc = experiment_report(&g);
        if (rc == EXIT_OK && !write_settings(cfg, settings))
            rc = EXIT_FAILURE_;
    }
    free(settings);
    grid_free(&g);
    return rc;
}

/* ------------------------------------------------------------------ merge */

struct shard {
    const char *dir;
    char *text;  /* settings.txt */
    size_t body; /* the length of its settings, without the shard line */
    size_t k, n;
};

static bool read_small_file(const char *path, char **text)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[8192];
    size_t got;
    while (m && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, got, m);
    const bool ok = m && !ferror(f) && fclose(m) == 0;
    fclose(f);
    if (!ok) {
        free(buf);
        return false;
    }
    *text = buf;
    return true;
}

static int read_shard(struct shard *sh)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", sh->dir, SETTINGS_FILE);
    if (!read_small_file(path, &sh->text))
        return cli_error(EXIT_FAILURE_,
                         "experiment: --merge: %s: cannot read it: %s (expected the folder of "
                         "a leaky experiment --shard run)",
                         path, strerror(errno));
    if (strncmp(sh->text, SETTINGS_MAGIC "\n", strlen(SETTINGS_MAGIC) + 1) != 0)
        return cli_error(EXIT_FAILURE_,
                         "experiment: --merge: %s: not the settings of leaky "
                         "experiment (its first line is not '" SETTINGS_MAGIC "')",
                         path);
    sh->k = sh->n = 1;
    sh->body = strlen(sh->text);
    char *last = strstr(sh->text, "\nshard ");
    if (last) {
        char tail;
        sh->body = (size_t)(last - sh->text) + 1;
        if (sscanf(last + 7, "%zu/%zu%c", &sh->k, &sh->n, &tail) != 3 || tail != '\n' ||
            sh->k < 1 || sh->k > sh->n || last[8 + strcspn(last + 7, "\n")] != '\0')
            return cli_error(EXIT_FAILURE_, "experiment: --merge: %s: a damaged shard line", path);
    }
    return EXIT_OK;
}

/* The config back from a shard's settings (text, which cfg's strings then point into):
 * the same options through the same parser. */
static int config_from_settings(struct config *cfg, char *text, const char *dir)
{
    char *argv[64] = {"experiment"};
    int argc = 1;
    size_t counts[4];
    bool data_line = false;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "--", 2) == 0 && argc < 63)
            argv[argc++] = line;
        else if (sscanf(line, "data: %zu training and %zu test examples, %zu inputs, %zu classes",
                        &counts[0], &counts[1], &counts[2], &counts[3]) == 4)
            data_line = true;
    }
    cfg->epochs = 20;
    cfg->batch = 128;
    cfg->seeds[0] = 1;
    cfg->n_seeds = 1;
    cfg->shard_k = cfg->shard_n = 1;
    struct request req = {0};
    int rc = parse_options(argc, argv, cfg, &req);
    if (rc == EXIT_OK && (req.merge_first || cfg->shard_n != 1 || !data_line))
        rc = cli_error(EXIT_FAILURE_, "experiment: --merge: %s/%s: damaged settings", dir,
                       SETTINGS_FILE);
    if (rc == EXIT_OK)
        rc = finish_config(cfg, &req);
    if (rc == EXIT_OK) {
        cfg->train_count = counts[0];
        cfg->test_count = counts[1];
        cfg->sizes[0] = counts[2];
        cfg->sizes[cfg->n_sizes - 1] = counts[3];
    }
    return rc;
}

/* The first line where two settings differ, for the message. */
static void first_difference(const char *a, const char *b, char *out, size_t size)
{
    while (*a && *a == *b) {
        const char *na = strchr(a, '\n'), *nb = strchr(b, '\n');
        if (!na || !nb || na - a != nb - b || memcmp(a, b, (size_t)(na - a)) != 0)
            break;
        a = na + 1;
        b = nb + 1;
    }
    snprintf(out, size, "'%.*s' against '%.*s'", (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"),
             b);
}

/* One shard's results.csv into the grid: every row belongs to the shard's slice, and
 * each run's epochs come in order (seen[i]: the rows of run i so far). */
static int read_shard_rows(struct grid *g, const struct shard *sh, size_t *seen)
{
    const struct config *cfg = g->cfg;
    char path[4096], header[4096];
    snprintf(path, sizeof path, "%s/results.csv", sh->dir);
    char *text;
    if (!read_small_file(path, &text))
        return cli_error(EXIT_FAILURE_, "experiment: --merge: %s: cannot read it: %s", path,
                         strerror(errno));
    experiment_csv_header(cfg, header, sizeof header);
    int rc = EXIT_OK;
    size_t line_no = 0;
    for (char *line = text, *next; rc == EXIT_OK && *line; line = next + 1) {
        next = strchr(line, '\n');
        line_no++;
        if (!next) {
            rc = cli_error(EXIT_FAILURE_, "experiment: --merge: %s: line %zu is cut short", path,
                           line_no);
            break;
        }
        *next = '\0';
        if (line_no == 1) {
            if (strcmp(line, header) != 0)
                rc = cli_error(EXIT_FAILURE_,
                               "experiment: --merge: %s: the header is '%s'; expected '%s'", path,
                               line, header);
            continue;
        }
        /* activation,seed,epoch,... */
        const char *comma = strchr(line, ',');
        size_t a = cfg->n_acts, s = cfg->n_seeds, epoch = 0;
        for (size_t i = 0; comma && i < cfg->n_acts; i++)
            if (strlen(cfg->acts[i].name) == (size_t)(comma - line) &&
                memcmp(cfg->acts[i].name, line, (size_t)(comma - line)) == 0)
                a = i;
        unsigned long long seed;
        if (comma && sscanf(comma + 1, "%llu,%zu,", &seed, &epoch) == 2)
            for (size_t i = 0; i < cfg->n_seeds; i++)
                if (cfg->seeds[i] == seed)
                    s = i;
        const size_t i = a * cfg->n_seeds + s;
        if (a == cfg->n_acts || s == cfg->n_seeds || !in_shard(i, sh->k, sh->n) ||
            epoch != seen[i] + 1 || epoch > cfg->epochs) {
            rc = cli_error(EXIT_FAILURE_,
                           "experiment: --merge: %s: line %zu is not the next row of a run of "
                           "shard %zu/%zu",
                           path, line_no, sh->k, sh->n);
        } else if (!experiment_parse_row(cfg, line, &g->runs[i], epoch - 1)) {
            rc = cli_error(EXIT_FAILURE_, "experiment: --merge: %s: line %zu: damaged numbers",
                           path, line_no);
        } else if (!append_row(&g->runs[i], line, (size_t)(next - line))) {
            rc = cli_error(EXIT_FAILURE_, "experiment: --merge: out of memory");
        } else {
            seen[i]++;
        }
    }
    free(text);
    return rc;
}

/* Checks that the shards are the N slices of one sweep, then reports as one run would. */
static int merge(struct config *cfg, const char *first, char **more, size_t n_more)
{
    const size_t n = n_more + 1;
    struct shard *shards = calloc(n, sizeof *shards);
    char *args = NULL;
    if (!shards)
        return cli_error(EXIT_FAILURE_, "experiment: out of memory");
    int rc = EXIT_OK;
    for (size_t i = 0; i < n && rc == EXIT_OK; i++) {
        shards[i].dir = i ? more[i - 1] : first;
        rc = read_shard(&shards[i]);
    }
    for (size_t i = 1; i < n && rc == EXIT_OK; i++) {
        const struct shard *a = &shards[0], *b = &shards[i];
        if (a->body != b->body || memcmp(a->text, b->text, a->body) != 0) {
            char diff[1024];
            first_difference(b->text, a->text, diff, sizeof diff);
            rc = cli_error(EXIT_FAILURE_,
                           "experiment: --merge: %s and %s ran with different settings: %s", b->dir,
                           a->dir, diff);
        } else if (a->n != b->n) {
            rc = cli_error(EXIT_FAILURE_,
                           "experiment: --merge: %s is shard %zu/%zu but %s is shard %zu/%zu",
                           b->dir, b->k, b->n, a->dir, a->k, a->n);
        }
        for (size_t j = 0; j < i && rc == EXIT_OK; j++)
            if (shards[j].k == b->k)
                rc = cli_error(EXIT_FAILURE_,
                               "experiment: --merge: shard %zu/%zu is given twice (%s and %s)",
                               b->k, b->n, shards[j].dir, b->dir);
    }
    for (size_t k = 1; rc == EXIT_OK && k <= shards[0].n; k++) {
        bool found = false;
        for (size_t i = 0; i < n; i++)
            found |= shards[i].k == k;
        if (!found)
            rc = cli_error(EXIT_FAILURE_,
                           "experiment: --merge: shard %zu/%zu is missing (give its folder too)", k,
                           shards[0].n);
    }
    if (rc == EXIT_OK) {
        args = strndup(shards[0].text, shards[0].body); /* cfg's strings point into it */
        rc = args ? config_from_settings(cfg, args, shards[0].dir)
                  : cli_error(EXIT_FAILURE_, "experiment: out of memory");
    }
    struct grid g = {0};
    size_t *seen = NULL;
    if (rc == EXIT_OK) {
        seen = calloc(cfg->n_acts * cfg->n_seeds, sizeof *seen);
        if (!seen || !grid_alloc(&g, cfg))
            rc = cli_error(EXIT_FAILURE_, "experiment: out of memory for the results");
    }
    for (size_t i = 0; i < n && rc == EXIT_OK; i++)
        rc = read_shard_rows(&g, &shards[i], seen);
    for (size_t i = 0; rc == EXIT_OK && i < cfg->n_acts * cfg->n_seeds; i++) {
        if (seen[i] != cfg->epochs)
            rc = cli_error(EXIT_FAILURE_,
                           "experiment: --merge: the results of %s, seed %llu have %zu of %zu "
                           "epochs (shard %zu/%zu's results.csv is incomplete)",
                           cfg->acts[i / cfg->n_seeds].name,
                           (unsigned long long)cfg->seeds[i % cfg->n_seeds], seen[i], cfg->epochs,
                           i % shards[0].n + 1, shards[0].n);
        g.runs[i].done = true;
    }
    outdir made = {.n_made = 0};
    if (rc == EXIT_OK && (rc = prepare_out(cfg->out_dir, &made)) == EXIT_OK) {
        rc = experiment_report(&g);
        if (rc == EXIT_OK) {
            /* args is cut into the options now: the settings as read, once more. */
            shards[0].text[shards[0].body] = '\0';
            if (!write_settings(cfg, shards[0].text))
                rc = EXIT_FAILURE_;
        }
        if (rc == EXIT_OK)
            outdir_keep(&made);
        else
            outdir_abort(&made);
    }
    if (g.runs)
        grid_free(&g);
    free(seen);
    free(args);
    for (size_t i = 0; i < n; i++)
        free(shards[i].text);
    free(shards);
    return rc;
}

/* ------------------------------------------------------------------ command */

int cmd_experiment(int argc, char **argv)
{
    struct config cfg = {.epochs = 20,
                         .batch = 128,
                         .seeds = {1},
                         .n_seeds = 1,
                         .test_fraction = 0.2f,
                         .shard_k = 1,
                         .shard_n = 1,
                         .data_dir = MNIST_DEFAULT_DIR,
                         .out_dir = "."};
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    cfg.threads = cpus > 0 ? (size_t)cpus : 1;
    /* The table is held whole in the buffer until the report flushes it: a standard output
     * that fails (a full disk) fails there, once, with its reason. */
    setvbuf(stdout, NULL, _IOFBF, (size_t)1 << 20);
    struct request req = {0};
    int rc = parse_options(argc, argv, &cfg, &req);
    if (rc != EXIT_OK)
        return rc;
    if (req.help) {
        help();
        return EXIT_OK;
    }
    if (req.merge_first) {
        if (req.settings)
            return cli_error(EXIT_USAGE, "experiment: --merge takes only --out besides the "
                                         "folders (the settings come from the shards)");
        const char *out = cfg.out_dir;
        struct config merged = {
            .test_fraction = 0.2f, .data_dir = MNIST_DEFAULT_DIR, .out_dir = out};
        return merge(&merged, req.merge_first, argv + optind, (size_t)(argc - optind));
    }
    rc = finish_config(&cfg, &req);
    if (rc != EXIT_OK)
        return rc;
    struct data data;
    rc = load_data(&cfg, &data);
    if (rc != EXIT_OK)
        return rc;
    outdir made;
    rc = prepare_out(cfg.out_dir, &made);
    if (rc == EXIT_OK) {
        rc = run_grid(&cfg, &data);
        if (rc == EXIT_OK)
            outdir_keep(&made);
        else
            outdir_abort(&made);
    }
    data_free(&data);
    return rc;
}
