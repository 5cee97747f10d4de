# SPDX-License-Identifier: MIT
"""PyTorch and numpy for leaky-bench-peers, which drives this process over a pipe so that
their samples alternate with everyone else's in one run. Run with Debian's /usr/bin/python3
(python3-torch 1.13, python3-numpy).

Protocol, one line each way:
  hello                                          -> ready <versions>
  setup ID torch|numpy forward|backward INPLACE THREADS N SLOPE  -> ok | no <why>
  time ID CALLS                                  -> total ns of CALLS calls
  release ID                                     -> ok

    /usr/bin/python3 bench/peers_torch.py --serve
"""
import sys
import time

import numpy as np
import torch
import torch.nn.functional  # noqa: F401  (the functional API the calls below mirror)


class Case:
    """Buffers allocated and touched once (PyTorch with preallocated out=), inputs drawn as
    in the C side: uniform in [-1, 1), half negative."""

    def __init__(self, impl, op, in_place, threads, n, slope):
        self.impl, self.op, self.in_place = impl, op, in_place
        self.threads, self.n, self.slope = threads, n, slope
        rng = np.random.default_rng(1)
        self.x0 = rng.uniform(-1.0, 1.0, n).astype(np.float32)
        self.g0 = rng.uniform(-1.0, 1.0, n).astype(np.float32)
        self.x, self.g = self.x0.copy(), self.g0.copy()
        self.y = np.zeros(n, np.float32)
        self.tx, self.tg, self.ty = (torch.from_numpy(a) for a in (self.x, self.g, self.y))
        self.run = self.pick()

    def pick(self):
        s = self.slope
        if self.impl == "numpy":
            if self.in_place:
                return None
            x, g = self.x, self.g
            if self.op == "forward":
                return lambda: np.where(x > 0, x, s * x)
            return lambda: np.where(x > 0, g, s * g)
        if self.impl != "torch":
            return None
        tx, tg, ty = self.tx, self.tg, self.ty
        leaky = torch._C._nn.leaky_relu
        leaky_ = torch._C._nn.leaky_relu_
        backward = torch.ops.aten.leaky_relu_backward.grad_input
        if self.op == "forward":
            if self.in_place:
                return lambda: leaky_(tx, s)
            return lambda: leaky(tx, s, out=ty)
        if self.in_place:
            return lambda: backward(tg, tx, s, False, grad_input=tg)
        return lambda: backward(tg, tx, s, False, grad_input=ty)

    def time(self, calls):
        torch.set_num_threads(self.threads)
        if self.in_place:  # the C side refreshes its in-place input before each sample too
            np.copyto(self.x if self.op == "forward" else self.g,
                      self.x0 if self.op == "forward" else self.g0)
        run = self.run
        t0 = time.perf_counter_ns()
        for _ in range(calls):
            run()
        return time.perf_counter_ns() - t0


def serve():
    cases = {}
    out = sys.stdout
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        cmd = words[0]
        if cmd == "hello":
            out.write("ready torch %s, numpy %s\n" % (torch.__version__, np.__version__))
        elif cmd == "setup":
            cid, impl, op, in_place, threads, n, slope = words[1:8]
            case = Case(impl, op, in_place == "1", int(threads), int(n), float(slope))
            if case.run is None:
                out.write("no %s cannot do %s%s\n" % (impl, op, " in place" if case.in_place else ""))
            else:
                cases[cid] = case
                out.write("ok\n")
        elif cmd == "time":
            case = cases.get(words[1])
            out.write("%d\n" % case.time(int(words[2])) if case else "nan\n")
        elif cmd == "release":
            cases.pop(words[1], None)
            out.write("ok\n")
        else:
            out.write("no unknown command %s\n" % cmd)
        out.flush()


if __name__ == "__main__":
    if sys.argv[1:] != ["--serve"]:
        sys.stderr.write(__doc__)
        sys.exit(2)
    serve()
