/* SPDX-License-Identifier: MIT */
/* leaky bench: the benchmark engine (bench/engine.c) with no peers but memcpy and a
 * non-temporal copy; bench/leaky-bench-peers adds XNNPACK, oneDNN, PyTorch and numpy. */
#include "cli.h"
#include "engine.h"

int cmd_bench(int argc, char **argv) { return bench_main("leaky bench", argc, argv, NULL, 0); }
