#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Seconds per epoch of `leaky experiment` against the same training in PyTorch.

The same network (784-256-128-10 by default, ReLU), optimizer (Adam, lr 0.001), batch size,
thread count and data (Fashion-MNIST, standardised, shuffled every epoch), timed the same
way: the training pass of an epoch (batch gathering, forward, loss, backward, update), not
the evaluation. The two alternate, round after round, so both see the same machine load;
the medians over all epochs timed and their ratio are printed.

Both sides get the same thread count in full. Debian's PyTorch multiplies through OpenBLAS,
whose thread count torch.set_num_threads does not change (it sets OpenMP's): left alone,
a "1 thread" PyTorch ran its products on 2 OpenBLAS threads. So the script also sets
OpenBLAS's count in this process. And with 2 threads, OpenMP's threads spin while they
wait, on the cores OpenBLAS's threads need (several times slower: docs/EXPERIMENTS.md,
'Speed'): unless OMP_WAIT_POLICY is already set, it is set to PASSIVE, PyTorch's best
setting here.

    /usr/bin/python3 bench/experiment_torch.py --leaky build/leaky [--rounds 3]
        [--epochs 2] [--threads 2] [--batch 128] [--hidden 256,128] [--baseline OLD/leaky]
        [--model cnn]

--model cnn times `leaky experiment --model cnn` against the same network in PyTorch:
conv 3x3 32 (padding 1), ReLU, max-pool 2, conv 3x3 64, ReLU, max-pool 2, dense 128, ReLU,
dense 10, every weight He-initialised (kaiming_normal_, fan in), every bias 0, as leaky's.

Run it with Debian's python3 (python3-torch, python3-numpy).
"""
import argparse
import ctypes
import csv
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time

# Read by libgomp when torch loads it, so set before the import.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path, header_ints):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = np.frombuffer(raw[4:4 + 4 * header_ints], dtype=">u4")
    return np.frombuffer(raw[4 + 4 * header_ints:], dtype=np.uint8).reshape(*dims)


def load(data, prefix):
    x = read_idx(f"{data}/{prefix}-images-idx3-ubyte.gz", 3)
    y = read_idx(f"{data}/{prefix}-labels-idx1-ubyte.gz", 1)
    return x.reshape(len(x), -1), y


def set_torch_threads(threads):
    """torch.set_num_threads, and the same count for the OpenBLAS in this process (the one
    Debian's torch multiplies with). Returns a line saying what was set."""
    torch.set_num_threads(threads)
    with open("/proc/self/maps") as f:
        blas = [line.split()[-1] for line in f if "libopenblas" in line]
    if not blas:
        return f"torch {threads} threads (its BLAS is not OpenBLAS: its threads are its own)"
    blas = ctypes.CDLL(blas[0])  # the instance torch loaded, not a second one
    blas.openblas_set_num_threads(threads)
    return (f"torch {torch.get_num_threads()} threads, OpenBLAS "
            f"{blas.openblas_get_num_threads()} threads, "
            f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}")


def make_mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def make_cnn():
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def torch_epochs(args, x_train, y_train, x_test, y_test):
    """Trains the network for args.epochs; returns the seconds of each epoch and the final
    test accuracy."""
    torch.manual_seed(args.seed)
    scale = x_train.astype(np.float64) / 255.0
    mean, std = scale.mean(), scale.std()
    xt = torch.from_numpy(((scale - mean) / std).astype(np.float32))
    yt = torch.from_numpy(y_train.astype(np.int64))
    net = make_cnn() if args.model == "cnn" else make_mlp([xt.shape[1]] + args.hidden + [10])
    if args.model == "cnn":
        xt = xt.reshape(-1, 1, 28, 28)
    for layer in net:
        if isinstance(layer, (torch.nn.Linear, torch.nn.Conv2d)):
            torch.nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            torch.nn.init.zeros_(layer.bias)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    n = len(xt)
    seconds = []
    for _ in range(args.epochs):
        order = torch.randperm(n)
        start = time.perf_counter()
        for first in range(0, n, args.batch):
            idx = order[first:first + args.batch]
            loss = F.cross_entropy(net(xt[idx]), yt[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - start)
    with torch.no_grad():
        xs = torch.from_numpy(((x_test / 255.0 - mean) / std).astype(np.float32))
        if args.model == "cnn":
            xs = xs.reshape(-1, 1, 28, 28)
        acc = (net(xs).argmax(1).numpy() == y_test).mean()
    return seconds, acc


def leaky_epochs(args, program, out):
    cmd = [program, "experiment", "--activations", "relu", "--epochs", str(args.epochs),
           "--threads", str(args.threads), "--batch", str(args.batch), "--lr", str(args.lr),
           "--model", args.model, "--data", args.data,
           "--seed", str(args.seed), "--out", out]
    if args.model == "mlp":
        cmd += ["--hidden", ",".join(map(str, args.hidden))]
    if args.subset:
        cmd += ["--subset", str(args.subset)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "results.csv")) as f:
        rows = list(csv.DictReader(f))
    return [float(r["epoch_seconds"]) for r in rows], float(rows[-1]["test_accuracy"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--leaky", required=True, help="the leaky program")
    ap.add_argument("--baseline", help="a second leaky program (an older build, say), timed "
                    "in the same rounds")
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--hidden", default="256,128")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--model", choices=("mlp", "cnn"), default="mlp")
    ap.add_argument("--subset", type=int, default=0,
                    help="train on the first N training images only (both sides)")
    args = ap.parse_args()
    args.hidden = [int(h) for h in args.hidden.split(",")]
    print(set_torch_threads(args.threads), flush=True)

    x_train, y_train = load(args.data, "train")
    if args.subset:
        x_train, y_train = x_train[:args.subset], y_train[:args.subset]
    x_test, y_test = load(args.data, "t10k")
    # name -> (seconds of every epoch timed, last test accuracy), run in this order each round
    sides = {"leaky": ([], 0.0)}
    if args.baseline:
        sides["baseline"] = ([], 0.0)
    sides["pytorch"] = ([], 0.0)
    with tempfile.TemporaryDirectory() as out:
        for r in range(args.rounds):
            line = []
            for name, (secs, _) in sides.items():
                if name == "pytorch":
                    s, acc = torch_epochs(args, x_train, y_train, x_test, y_test)
                else:
                    s, acc = leaky_epochs(args, args.leaky if name == "leaky" else args.baseline,
                                          out)
                secs += s
                sides[name] = (secs, acc)
                line.append(f"{name} {' '.join(f'{v:.3f}' for v in s)} s")
            print(f"round {r + 1}: {', '.join(line)}", flush=True)
    net = ("CNN conv32-pool-conv64-pool-128-10" if args.model == "cnn"
           else "MLP " + "-".join(map(str, [784] + args.hidden + [10])))
    print(f"{net}, ReLU, Adam lr {args.lr}, batch {args.batch}, {args.threads} threads, "
          f"{args.rounds} rounds x {args.epochs} epochs")
    print(f"{'':8} {'median s/epoch':>15} {'min':>7} {'max':>7} {'test acc':>9}")
    for name, (secs, acc) in sides.items():
        print(f"{name:8} {statistics.median(secs):15.3f} {min(secs):7.3f} {max(secs):7.3f} "
              f"{acc:9.4f}")
    tm = sides["pytorch"][0]
    for name in sides:
        if name != "pytorch":
            s = sides[name][0]
            print(f"{name} / pytorch = {statistics.median(s) / statistics.median(tm):.2f} "
                  f"(median), {min(s) / min(tm):.2f} (min)")
    return 0

if __name__ == "__main__":
    sys.exit(main())
