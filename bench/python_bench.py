#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The Python module against the NumPy way and PyTorch, per call, in one run.

Usage: PYTHONPATH=build/python /usr/bin/python3 bench/python_bench.py [--rounds N]
       [--threads N] [--sizes 256,4096,...] [--strided]

For each size (float32, uniform in [-1, 1)), in a new random order each round:
  leaky out=       leaky.leaky_relu(x, a, out=y)
  torch out=       torch._C._nn.leaky_relu(x, a, out=y)
  numpy            np.where(x > 0, x, a * x)          (allocates, as it is written)
  leaky in place   leaky.leaky_relu(b, a, out=b)
  torch in place   torch.nn.functional.leaky_relu_(b, a)
In place, the slope alternates between 0.01 and 100 from call to call on both sides, so
the data keep their magnitude (0.01 alone would reach the denormals in 20 calls).
A sample is as many back-to-back calls as fill 2 ms (at least one); the table gives the
median over the rounds of the time per call. leaky and PyTorch get the same thread count;
with more than one, a 40 ms busy pause before each sample lets the previous candidate's
threads stop spinning (PyTorch's OpenMP threads, still spinning, made the next leaky call
wait for a core, and leaky's pool did the same to PyTorch: 7.6 ms for a 64K call).
--strided adds views (x[::2], x.T of a square, x[::-1]) against the same call on a dense
copy of the same number of elements, and against the user's alternative of
np.ascontiguousarray first.
Never part of make check: timings on a shared machine are noisy; only ratios inside one
run mean anything.
"""
import argparse
import random
import statistics
import sys
import time

import numpy as np

import leaky

try:
    import torch
except ImportError:
    torch = None

SAMPLE_NS = 2_000_000


def per_call_ns(fn, calls):
    start = time.perf_counter_ns()
    for _ in range(calls):
        fn()
    return (time.perf_counter_ns() - start) / calls


def calls_for(fn):
    calls = 1
    while per_call_ns(fn, calls) * calls < SAMPLE_NS and calls < 1 << 20:
        calls *= 2
    return calls


def alternating(slopes):
    state = [0]

    def next_slope():
        state[0] ^= 1
        return slopes[state[0]]
    return next_slope


def candidates(n, rng):
    x = rng.uniform(-1, 1, n).astype(np.float32)
    y = np.empty_like(x)
    b = x.copy()
    a = 0.01
    leaky_slope = alternating((0.01, 100.0))
    c = {
        "leaky out=": lambda: leaky.leaky_relu(x, a, out=y),
        "numpy where": lambda: np.where(x > 0, x, a * x),
        "leaky in place": lambda: leaky.leaky_relu(b, leaky_slope(), out=b),
    }
    if torch is not None:
        xt, yt = torch.from_numpy(x), torch.empty(n)
        bt = torch.from_numpy(x.copy())
        torch_slope = alternating((0.01, 100.0))
        c["torch out="] = lambda: torch._C._nn.leaky_relu(xt, a, out=yt)
        c["torch in place"] = lambda: torch.nn.functional.leaky_relu_(bt, torch_slope())
    return c


def strided_candidates(n, rng):
    side = int(round(n ** 0.5))
    base = rng.uniform(-1, 1, 2 * n).astype(np.float32)
    square = base[:side * side].reshape(side, side)
    dense = base[:n].copy()
    c = {
        "dense": (lambda: leaky.leaky_relu(dense, 0.01), n),
        "x[::2]": (lambda: leaky.leaky_relu(base[::2], 0.01), n),
        "x[::2] via ascontiguousarray": (
            lambda: leaky.leaky_relu(np.ascontiguousarray(base[::2]), 0.01), n),
        "x.T (square)": (lambda: leaky.leaky_relu(square.T, 0.01), side * side),
        "x[::-1]": (lambda: leaky.leaky_relu(dense[::-1], 0.01), n),
        "numpy where x[::2]": (lambda: np.where(base[::2] > 0, base[::2], 0.01 * base[::2]), n),
    }
    return c


def busy_pause(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def measure(cands, rounds, pause):
    """Median ns per call of each candidate, in a new random order each round."""
    names = list(cands)
    calls = {name: calls_for(cands[name]) for name in names}
    samples = {name: [] for name in names}
    for _ in range(rounds):
        order = names[:]
        random.shuffle(order)
        for name in order:
            busy_pause(pause)
            cands[name]()  # warm: caches and pools alike
            samples[name].append(per_call_ns(cands[name], calls[name]))
    return {name: statistics.median(samples[name]) for name in names}


def fmt_us(ns):
    return f"{ns / 1000:.3g}"


def size_label(n):
    for unit, div in (("M", 1 << 20), ("K", 1 << 10)):
        if n >= div and n % div == 0:
            return f"{n // div}{unit}"
    return str(n)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--threads", type=int, default=0,
                   help="threads for leaky and PyTorch (0: leaky's default, one per core)")
    p.add_argument("--sizes", default="256,4096,65536,1048576,16777216")
    p.add_argument("--strided", action="store_true")
    args = p.parse_args()
    leaky.set_num_threads(args.threads)
    threads = leaky.info()["threads"]
    if torch is not None:
        torch.set_num_threads(threads)
    random.seed(1)
    rng = np.random.default_rng(1)
    pause = 0.04 if threads > 1 else 0.0
    info = leaky.info()
    print(f"leaky {info['version']} ({info['isa']}, {threads} threads), numpy {np.__version__}, "
          f"torch {torch.__version__ if torch else 'missing'} "
          f"({torch.get_num_threads() if torch else 0} threads), Python {sys.version.split()[0]}")
    print()
    print("median us per call (lower is better)")
    print()
    cols = ["leaky out=", "torch out=", "numpy where", "leaky in place", "torch in place"]
    print("| n | " + " | ".join(cols) + " | numpy / leaky | torch / leaky (out=) | "
          "torch / leaky (in place) |")
    print("|---" * (len(cols) + 4) + "|")
    goals = []
    for n in [int(s) for s in args.sizes.split(",")]:
        r = measure(candidates(n, rng), args.rounds if n < 1 << 24 else max(5, args.rounds // 2),
                    pause)
        t = lambda name: r.get(name, float("nan"))
        row = [fmt_us(t(c)) for c in cols]
        ratios = [t("numpy where") / t("leaky out="), t("torch out=") / t("leaky out="),
                  t("torch in place") / t("leaky in place")]
        print(f"| {size_label(n)} | " + " | ".join(row) + " | " +
              " | ".join(f"{q:.2f}" for q in ratios) + " |", flush=True)
        if n >= 1 << 20:
            goals.append((f"{size_label(n)}: at least 10x faster than numpy", ratios[0] >= 10))
        if torch is not None:
            goals.append((f"{size_label(n)}: at or below PyTorch (out=)", ratios[1] >= 1))
            goals.append((f"{size_label(n)}: at or below PyTorch (in place)", ratios[2] >= 1))
        if n == 256:
            goals.append(("256: at most 1.5 us a call", t("leaky out=") <= 1500))
    print()
    for text, met in goals:
        print(f"{'met   ' if met else 'MISSED'} {text}")

    if args.strided:
        print()
        print("views, 1M float32 elements: median ns per element")
        print()
        print("| case | ns per element |")
        print("|---|---|")
        cands = strided_candidates(1 << 20, rng)
        r = measure({k: v[0] for k, v in cands.items()}, args.rounds, pause)
        for name, (_, count) in cands.items():
            print(f"| {name} | {r[name] / count:.3g} |")


if __name__ == "__main__":
    main()
