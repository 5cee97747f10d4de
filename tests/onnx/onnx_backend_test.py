# SPDX-License-Identifier: MIT
"""ONNX's backend tests of LeakyRelu, PRelu and Relu (data/, from import_onnx_data.py)
through the command, bit for bit:
    LeakyRelu alpha  ->  leaky apply --slope ALPHA X.npy Y.npy
    PRelu            ->  leaky apply --prelu-file SLOPE.npy X.npy Y.npy
    Relu             ->  leaky apply --relu X.npy Y.npy
Also the same through --activation, and the *_multiparam slopes as ONNX stores them, (C,),
refused with exit 2 where NumPy's rules do not broadcast them.

Usage: /usr/bin/python3 onnx_backend_test.py path/to/leaky DATA_DIR   (77 without numpy)
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from leakytest import Checks, Scratch, numpy_or_skip, same_bits  # noqa: E402

np = numpy_or_skip()
scratch = Scratch(sys.argv[1])
path, run = scratch.path, scratch.run
DATA = sys.argv[2]
check = Checks("onnx_backend")


with open(os.path.join(DATA, "cases.txt")) as f:
    cases = [line.split() for line in f if line.strip()]
check("every operator has cases", {c[1] for c in cases} == {"LeakyRelu", "PRelu", "Relu"},
      str(cases))
out = path("y.npy")
for name, op, *alpha in cases:
    d = os.path.join(DATA, name)
    x, want = os.path.join(d, "x.npy"), np.load(os.path.join(d, "y.npy"))
    if op == "LeakyRelu":
        forms = [["--slope", alpha[0]], ["--activation", f"leaky:{alpha[0]}"]]
    elif op == "PRelu":
        forms = [["--prelu-file", os.path.join(d, "slope.npy")]]
    else:
        forms = [["--relu"], ["-a", "relu"]]
    for form in forms:
        rc, _, err = run("apply", *form, x, out)
        got = np.load(out) if rc == 0 else None
        check(f"{name} {' '.join(form[:1])}", rc == 0 and same_bits(got, want), err)
    if name.startswith("test_PReLU") and "multiparam" in name:
        slope = np.load(os.path.join(d, "slope.npy"))
        np.save(path("flat.npy"), slope.reshape(-1))
        rc, _, err = run("apply", "--prelu-file", path("flat.npy"), x, out + "2")
        check(f"{name}: ONNX's (C,) slope on the last axis does not broadcast",
              rc == 2 and "does not broadcast" in err and not os.path.exists(out + "2"), err)

check.finish(f"{len(cases)} cases, ")
