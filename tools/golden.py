"""Runs models through the TFLite reference interpreter (ai-edge-litert, BUILTIN_REF kernels) and
writes their outputs: the golden data of xsml's tests.

usage: golden.py MANIFEST.json
The manifest is a list of {"model": path, "inputs": [raw input files], "outputs": [files to write]};
inputs are raw little-endian bytes in each input tensor's dtype. A case the reference rejects gets
an "<first output>.error" file with the reference's message instead.
"""
import json
import sys

import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType


def run(case):
    with open(case["model"], "rb") as f:
        model = f.read()
    it = Interpreter(model_content=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    inputs = it.get_input_details()
    if len(inputs) != len(case["inputs"]):
        raise ValueError(f"model has {len(inputs)} inputs, case gives {len(case['inputs'])}")
    for detail, path in zip(inputs, case["inputs"]):
        raw = np.fromfile(path, dtype=detail["dtype"])
        it.set_tensor(detail["index"], raw.reshape(detail["shape"]))
    it.invoke()
    for detail, path in zip(it.get_output_details(), case["outputs"]):
        it.get_tensor(detail["index"]).tofile(path)


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    failed = 0
    for case in cases:
        try:
            run(case)
        except Exception as e:  # the test reports it against the case
            failed += 1
            with open(case["outputs"][0] + ".error", "w") as f:
                f.write(f"{type(e).__name__}: {e}")
    print(f"golden.py: {len(cases)} cases through the TFLite reference, {failed} rejected")


if __name__ == "__main__":
    main()
