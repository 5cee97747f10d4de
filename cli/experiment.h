/* SPDX-License-Identifier: MIT */
/* `leaky experiment`'s parts: the settings of a run (which the shards of a sweep must
 * share), the results of its grid of activation x seed runs, and the report made from
 * them (experiment_report.c), which a merge of shards makes from their files alone. */
#ifndef LEAKY_CLI_EXPERIMENT_H
#define LEAKY_CLI_EXPERIMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

enum { MAX_ACTIVATIONS = 64, MAX_SEEDS = 1000, EXPERIMENT_TEXT = 1024 };

struct config {
    activation acts[MAX_ACTIVATIONS]; /* the listed ones, then the sweep's */
    size_t n_acts;
    char act_list[EXPERIMENT_TEXT]; /* --activations as given (or the default) */
    bool sweep;                     /* --sweep leaky:LO..HI:K */
    float sweep_lo, sweep_hi;
    size_t sweep_k;
    uint64_t seeds[MAX_SEEDS];
    size_t n_seeds;
    model_kind model;                 /* --model: mlp or cnn */
    size_t height, width;             /* the images (the cnn's input) */
    size_t sizes[MLP_MAX_LAYERS + 1]; /* inputs, hidden (a CNN's: its channels)..., classes */
    size_t n_sizes;
    size_t epochs, subset, batch, threads;
    optimizer opt;
    float hidden_bias;
    bool provoke;
    /* The data: an IDX folder, or --train (and --test) files. */
    const char *data_dir, *train_spec, *test_spec, *label_column;
    float test_fraction;
    size_t train_count, test_count; /* known once loaded (or read from settings.txt) */
    size_t shard_k, shard_n;        /* this process's slice, 1-based; 1/1 when whole */
    const char *out_dir;
};

/* One run (an activation and a seed), per epoch. */
struct run {
    double *train_loss, *test_loss, *test_acc, *seconds;
    double *dead;    /* epochs x hidden layers */
    size_t diverged; /* the epoch (from 1) whose loss went infinite or NaN; 0 if none */
    bool done;       /* ran here, or read from a shard */
    char *rows;      /* its lines of results.csv */
};

/* The grid: runs[a * n_seeds + s]. */
struct grid {
    const struct config *cfg;
    struct run *runs;
    double *store;
};

static inline size_t hidden_layers(const struct config *cfg) { return cfg->n_sizes - 2; }

static inline struct run *grid_run(const struct grid *g, size_t a, size_t s)
{
    return &g->runs[a * g->cfg->n_seeds + s];
}

/* The seeds as ranges, such as 1-10 or 1,4,9: what --seeds reads. */
void experiment_format_seeds(const struct config *cfg, char *buf, size_t size);

/* The header of results.csv. */
void experiment_csv_header(const struct config *cfg, char *buf, size_t size);

/* The run's lines of results.csv. */
void experiment_format_rows(FILE *f, const struct config *cfg, const activation *act, uint64_t seed,
                            const struct run *run);

/* Reads one line of results.csv back into run's epoch e (the numbers the report uses, so
 * that a run and a merge of shards report the same bits). False if it is not one. */
bool experiment_parse_row(const struct config *cfg, const char *line, struct run *run,
                          size_t epoch);

/* The table on standard output and, into cfg->out_dir, results.csv, summary.csv and the
 * charts. Returns an exit code (messages printed). */
int experiment_report(const struct grid *g);

/* results.csv: the rows of the runs done, in the grid's order. False after a message. */
bool experiment_write_results(const struct grid *g);

/* Writes text into path, whole or not at all. On failure prints why and returns false. */
bool experiment_write_text(const char *path, const char *text, size_t len);

#endif
