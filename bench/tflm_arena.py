"""Prints TFLM's arena use for each model given, as JSON lines: TFLM's own RecordingMicroAllocator
report (tflite-micro from PyPI), head = activations and scratch, tail = persistent data."""
import ctypes
import json
import os
import re
import sys
import tempfile

from tflite_micro.python.tflite_micro import runtime

LIBC = ctypes.CDLL(None)

for path in sys.argv[1:]:
    result = {"model": path}
    try:
        it = runtime.Interpreter.from_file(path, arena_size=4 << 20)
        # The report goes to the C++ stderr: capture file descriptor 2.
        with tempfile.TemporaryFile(mode="w+") as capture:
            sys.stdout.flush()
            saved = os.dup(2)
            os.dup2(capture.fileno(), 2)
            try:
                it.print_allocations()
            finally:
                LIBC.fflush(None)  # the report is in C's stdio buffer
                sys.stdout.flush()
                os.dup2(saved, 2)
                os.close(saved)
            capture.seek(0)
            report = capture.read()
        for key in ("total", "head", "tail"):
            m = re.search(rf"Arena allocation {key} (\d+) bytes", report)
            result[key] = int(m.group(1)) if m else None
    except Exception as e:
        result["error"] = str(e).splitlines()[0] if str(e) else type(e).__name__
    print(json.dumps(result))
