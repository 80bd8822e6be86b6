"""Runs models through a reference interpreter and writes their outputs: the golden data of xsml's
tests. Two references:
  litert: TFLite's own interpreter (ai-edge-litert) with its reference kernels (BUILTIN_REF);
          fixed-point results use single rounding (TFLite 2.20+).
  tflm:   TensorFlow Lite for Microcontrollers' interpreter (tflite-micro); double rounding.

usage: golden.py litert|tflm MANIFEST.json
The manifest is a list of {"model": path, "inputs": [raw input files], "outputs": [files to write]};
inputs are raw little-endian bytes in each input tensor's dtype. A case the reference rejects gets
an "<first output>.error" file with the reference's message instead.
"""
import json
import sys

import numpy as np


def run_litert(case, model):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

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


def run_tflm(case, model):
    from tflite_micro.python.tflite_micro import runtime

    it = runtime.Interpreter.from_bytes(model, arena_size=4 << 20)
    for k, path in enumerate(case["inputs"]):
        detail = it.get_input_details(k)
        it.set_input(np.fromfile(path, dtype=detail["dtype"]).reshape(detail["shape"]), k)
    it.invoke()
    for k, path in enumerate(case["outputs"]):
        it.get_output(k).tofile(path)


def main():
    engine = {"litert": run_litert, "tflm": run_tflm}[sys.argv[1]]
    with open(sys.argv[2]) as f:
        cases = json.load(f)
    failed = 0
    for case in cases:
        try:
            with open(case["model"], "rb") as f:
                engine(case, f.read())
        except Exception as e:  # the test reports it against the case
            failed += 1
            with open(case["outputs"][0] + ".error", "w") as f:
                f.write(f"{type(e).__name__}: {e}")
    print(f"golden.py: {len(cases)} cases through {sys.argv[1]}, {failed} rejected")


if __name__ == "__main__":
    main()
