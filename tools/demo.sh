#!/bin/sh
# The demo: the shipped models on their real inputs, with the time of each inference.
#   sh tools/demo.sh [BOARD]   on an emulated board (default mps2-an386, Cortex-M4F; or mps2-an500,
#                              Cortex-M7): builds its demo firmware once (make -C hosts/BOARD demo:
#                              XS, the runtime as byte code, the C kernels and the models in flash)
#                              and boots it in QEMU (hosts/mps2/run.sh)
#   sh tools/demo.sh node      on Node, with the TypeScript kernels (npm run build first)
set -eu
cd "$(dirname "$0")/.."
target=${1:-${XSML_DEMO_BOARD:-mps2-an386}}

case "$target" in
mps2-an386|mps2-an500)
  firmware=build/mps2/$target/Os/demo.elf
  echo "== building the $target firmware (make -C hosts/$target demo) ..."
  jobs=$(nproc 2>/dev/null || echo 2)
  if ! make -s -C "hosts/$target" -j"$jobs" demo; then
    echo "demo: the build failed (sh tools/setup.sh installs what it needs)" >&2
    exit 1
  fi
  echo "== booting $firmware in QEMU ($target; QEMU -icount shift=0 counts the instructions)"
  exec sh hosts/mps2/run.sh "$target" "$firmware"
  ;;
node) ;;
*) echo "usage: sh tools/demo.sh [mps2-an386|mps2-an500|node]" >&2; exit 2 ;;
esac

xsml() { node bin/xsml.js "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== hello_world (sine), the model of the original STM32F767 comparison"
for x in 0 1 2 3 4 5 6 7; do
  echo "[$x]" > "$tmp/x.json"
  printf 'x=%s  ' "$x"
  xsml run models/tflm/hello_world_no_quant_2788.tflite --input "$tmp/x.json" --repeat 100 | tr '\n' ' '
  echo
done
echo
echo "== micro_speech: [silence, unknown, yes, no]"
for w in yes no silence noise; do
  printf '%-8s ' "$w"
  xsml run models/tflm/micro_speech_quantized.tflite --input "models/tflm/testdata/micro_speech_features_${w}_49x40.s8" --repeat 20 | tr '\n' ' '
  echo
done
echo
echo "== person_detect: [no person, person]"
for p in person no_person; do
  printf '%-10s ' "$p"
  xsml run models/tflm/person_detect.tflite --input "models/tflm/testdata/${p}_96x96.raw" --repeat 3 | tr '\n' ' '
  echo
done
echo
echo "== hotword: 16 kHz audio -> audio_preprocessor_int8 (TFLM Signal ops) -> micro_speech_quantized"
for w in yes no silence noise; do
  xsml hotword "models/tflm/testdata/${w}_1000ms.wav" --exact-with tflm
done
echo
echo "== gesture: accelerometer x, y, z at 25 Hz -> magic_wand"
for g in ring slope; do
  xsml gesture "models/tflm/testdata/magic_wand_${g}_128x3_f32.bin" --exact-with tflm
done
