#!/bin/sh
# Fetches the CMSIS-DSP C sources that xsml's native kernels use into build/cmsis-dsp/ (idempotent).
# They come from the `cmsisdsp` source distribution on PyPI (its Python wrapper ships CMSIS-DSP's
# Include/, PrivateInclude/ and Source/), downloaded with pip, pinned by version and sha256.
# Only Include/, PrivateInclude/, LICENSE and the Source/ files below are extracted; nothing of it is
# committed. native/Makefile runs this before compiling.
set -eu
cd "$(dirname "$0")/.."

VERSION=1.10.3
SHA256=307d32298faa7c58db912851027fce35f886fec7eb1a27c4b309ce1a97f47519
# The Source/ files xsml compiles (keep in step with CMSIS_SOURCES in native/Makefile).
SOURCES="Source/BasicMathFunctions/arm_dot_prod_f32.c"

DEST=build/cmsis-dsp
STAMP="$DEST/.fetched-$VERSION"
[ -f "$STAMP" ] && exit 0

DOWNLOADS=build/downloads
TARBALL="$DOWNLOADS/cmsisdsp-$VERSION.tar.gz"

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else "$PYTHON" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$1"
  fi
}

# The project's venv (tools/setup-python.sh) if there is one, else the machine's Python.
if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi

if [ ! -f "$TARBALL" ] || [ "$(sha256 "$TARBALL")" != "$SHA256" ]; then
  mkdir -p "$DOWNLOADS"
  rm -f "$TARBALL"
  echo "fetch-cmsis-dsp: downloading cmsisdsp==$VERSION (source distribution) from PyPI" >&2
  # --no-binary: the source distribution even where a wheel exists (pip prepares its metadata in an
  # isolated build environment, which downloads the build requirements too: about 15 s).
  "$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps --no-binary cmsisdsp \
    -d "$DOWNLOADS" "cmsisdsp==$VERSION" >&2
fi
actual=$(sha256 "$TARBALL")
if [ "$actual" != "$SHA256" ]; then
  echo "fetch-cmsis-dsp: $TARBALL has sha256 $actual, expected $SHA256" >&2
  exit 1
fi

rm -rf "$DEST"
mkdir -p "$DEST"
members="Include PrivateInclude LICENSE"
for s in $SOURCES; do members="$members $s"; done
# -m: the files get the extraction time, so make rebuilds whatever includes them after a re-fetch.
# shellcheck disable=SC2086
tar -xzmf "$TARBALL" -C "$DEST" --strip-components=1 $(for m in $members; do echo "cmsisdsp-$VERSION/$m"; done)
for s in $SOURCES; do
  [ -f "$DEST/$s" ] || { echo "fetch-cmsis-dsp: $s is not in the source distribution" >&2; exit 1; }
done
touch "$STAMP"
