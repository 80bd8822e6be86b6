#!/bin/sh
# The demo: the shipped models on their real inputs, with the time of each inference.
set -eu
cd "$(dirname "$0")/.."
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
echo "== magic_wand: [wing, ring, slope, none]"
for g in ring slope; do
  printf '%-6s ' "$g"
  xsml run models/tflm/magic_wand.tflite --input "models/tflm/testdata/magic_wand_${g}_128x3_f32.bin" --repeat 20 | tr '\n' ' '
  echo
done
