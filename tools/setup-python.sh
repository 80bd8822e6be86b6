#!/bin/sh
# Creates .venv with the TFLite reference interpreter the golden tests run (idempotent).
set -e
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import ai_edge_litert, numpy, tflite_micro' 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
fi
