"""Runs a model over a stream of inputs through TFLM's interpreter, keeping its state (variable
tensors, and the state of ops like SignalFilterBankSpectralSubtraction) from one invoke to the next:
the golden data of xsml's streaming tests (test/signal.test.ts).

usage: golden_stream.py MANIFEST.json
The manifest is a list of {"model": path, "input": raw file, "frames": N, "output": file to write}:
the input file holds N frames of the model's (single) input, back to back, in its dtype; the output
file gets the N outputs of its first output tensor, back to back. A case TFLM rejects gets an
"<output>.error" file with its message instead.
"""
import json
import sys

import numpy as np
from tflite_micro.python.tflite_micro import runtime


def run(case):
    with open(case["model"], "rb") as f:
        it = runtime.Interpreter.from_bytes(f.read(), arena_size=1 << 20)
    detail = it.get_input_details(0)
    frames = np.fromfile(case["input"], dtype=detail["dtype"]).reshape([case["frames"], *detail["shape"]])
    outputs = []
    for frame in frames:
        it.set_input(frame, 0)
        it.invoke()
        outputs.append(it.get_output(0).copy())
    np.concatenate([o.reshape(-1) for o in outputs]).tofile(case["output"])


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    failed = 0
    for case in cases:
        try:
            run(case)
        except Exception as e:  # the test reports it against the case
            failed += 1
            with open(case["output"] + ".error", "w") as f:
                f.write(f"{type(e).__name__}: {e}")
    print(f"golden_stream.py: {len(cases)} streams through tflm, {failed} rejected")


if __name__ == "__main__":
    main()
