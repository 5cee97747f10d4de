#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the ONNX backend tests of LeakyRelu, PRelu and Relu as .npy files for
onnx_backend_test.py, which runs them through `leaky apply`.

Usage: import_onnx_data.py ONNX_TEST_DATA OUT_DIR
ONNX_TEST_DATA holds pytorch-converted/ and simple/ as in onnx/backend/test/data/ (the
ONNX project's, Apache-2.0).  Needs python3-onnx; the tests themselves need only numpy.

Each case becomes OUT_DIR/NAME/{x,y[,slope]}.npy and a line of OUT_DIR/cases.txt:
    NAME OP [ALPHA]
The PyTorch-converted cases are copied as they are, but for the slopes of the
*_multiparam PReLU models: ONNX stores them as (C,), from before PRelu followed NumPy's
broadcasting, and PyTorch computed the expected outputs with one slope per channel of
dimension 1; they are written as (C, 1, ...) so that NumPy's rules say the same.
The node cases (onnx/backend/test/case/node/{leakyrelu,prelu,relu}.py) are regenerated
here with their NumPy formulas from a fixed seed.
"""
import glob
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
cases = []


def save(name, op, arrays, alpha=None):
    os.makedirs(os.path.join(out, name), exist_ok=True)
    for key, a in arrays.items():
        np.save(os.path.join(out, name, key + ".npy"), a)
    cases.append(f"{name} {op}" + ("" if alpha is None else f" {alpha!r}"))


for model_dir in sorted(glob.glob(os.path.join(src, "pytorch-converted", "test_*ReLU*")) +
                        glob.glob(os.path.join(src, "simple", "test_single_relu_model"))):
    name = os.path.basename(model_dir)
    model = onnx.load(os.path.join(model_dir, "model.onnx"))
    (node,) = model.graph.node
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    for data in sorted(glob.glob(os.path.join(model_dir, "test_data_set_*"))):
        x = numpy_helper.to_array(onnx.load_tensor(os.path.join(data, "input_0.pb")))
        y = numpy_helper.to_array(onnx.load_tensor(os.path.join(data, "output_0.pb")))
        case = f"{name}_{os.path.basename(data)[len('test_data_set_'):]}"
        if node.op_type == "LeakyRelu":
            alpha = next(a.f for a in node.attribute if a.name == "alpha")
            save(case, "LeakyRelu", {"x": x, "y": y}, float(np.float32(alpha)))
        elif node.op_type == "PRelu":
            slope = inits[node.input[1]]
            if slope.size > 1 and slope.ndim == 1:
                slope = slope.reshape((slope.size,) + (1,) * (x.ndim - 2))
            save(case, "PRelu", {"x": x, "y": y, "slope": slope})
        else:
            save(case, "Relu", {"x": x, "y": y})

# The node cases, with their generators' formulas.
rng = np.random.default_rng(20261206)
x = np.array([-1, 0, 1]).astype(np.float32)
save("test_leakyrelu_example", "LeakyRelu",
     {"x": x, "y": np.clip(x, 0, np.inf) + np.clip(x, -np.inf, 0) * 0.1}, 0.1)
x = rng.standard_normal((3, 4, 5)).astype(np.float32)
save("test_leakyrelu", "LeakyRelu",
     {"x": x, "y": np.clip(x, 0, np.inf) + np.clip(x, -np.inf, 0) * 0.1}, 0.1)
x = rng.standard_normal((3, 4, 5)).astype(np.float32)
save("test_leakyrelu_default", "LeakyRelu",
     {"x": x, "y": np.clip(x, 0, np.inf) + np.clip(x, -np.inf, 0) * 0.01}, 0.01)
x = rng.standard_normal((3, 4, 5)).astype(np.float32)
slope = rng.standard_normal((3, 4, 5)).astype(np.float32)
save("test_prelu_example", "PRelu",
     {"x": x, "slope": slope, "y": np.clip(x, 0, np.inf) + np.clip(x, -np.inf, 0) * slope})
x = rng.standard_normal((3, 4, 5)).astype(np.float32)
slope = rng.standard_normal(5).astype(np.float32)
save("test_prelu_broadcast", "PRelu",
     {"x": x, "slope": slope, "y": np.clip(x, 0, np.inf) + np.clip(x, -np.inf, 0) * slope})
x = rng.standard_normal((3, 4, 5)).astype(np.float32)
save("test_relu", "Relu", {"x": x, "y": np.clip(x, 0, np.inf)})

with open(os.path.join(out, "cases.txt"), "w") as f:
    f.write("\n".join(cases) + "\n")
print(len(cases), "cases in", out)
