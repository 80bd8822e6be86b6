// The whole models of models/, the inputs they are tested on, and what TFLM printed for the real
// inputs (models/PROVENANCE.md: TFLM commit 90b983c2b3f1 on emulated Cortex-M4/M7 and x86-64).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, type Engine } from './golden.js';

export const MODELS_DIR = join(ROOT, 'models');

/** The fixed pseudo-random input of models/PROVENANCE.md, as raw bytes. */
export function lcgInput(type: 'int8' | 'float32', count: number): Uint8Array {
  let state = 1;
  const next = () => (state = (Math.imul(1664525, state) + 1013904223) >>> 0);
  if (type === 'int8') return Uint8Array.from({ length: count }, () => next() >>> 24);
  const f = Float32Array.from({ length: count }, () => (next() >>> 8) * 2 ** -23 - 1);
  return new Uint8Array(f.buffer);
}

export interface ModelInput {
  label: string;
  bytes: () => Uint8Array[]; // raw bytes of each model input
  /** Output TFLM printed for it (int8 values exact, or float values to 5 decimals); double rounding. */
  tflm?: number[];
  /** The index of the output that must score highest. */
  winner?: number;
}

export interface ModelCase {
  file: string; // under models/
  engines?: Engine[]; // the references that run it (default: all)
  inputs: ModelInput[];
}

const file = (path: string) => () => [new Uint8Array(readFileSync(join(MODELS_DIR, path)))];
const float1 = (x: number) => () => [new Uint8Array(Float32Array.of(x).buffer)];
const lcg = (type: 'int8' | 'float32', ...counts: number[]) => () => {
  const all = lcgInput(type, counts.reduce((a, b) => a + b, 0));
  const size = type === 'int8' ? 1 : 4;
  let at = 0;
  return counts.map((n) => all.slice(at * size, (at += n) * size));
};
const tflmDequantized = (values: number[], scale: number, zp: number) => values.map((v) => Math.round(v / scale) + zp);

const HELLO_2788 = [-0.01866, 0.85649, 0.91128, 0.13060, -0.73797, -0.99185, -0.31665, 0.35856];
const HELLO_FLOAT = [0.02641, 0.86304, 0.88723, 0.12765, -0.76916, -0.95652, -0.28022, 0.57029];
const ad01 = () => readFileSync(join(MODELS_DIR, 'mlperf-tiny/inputs/ad01_int8_tflm_output.txt'), 'utf8').trim().split(/[\s,]+/).map(Number);

export const MODEL_CASES: ModelCase[] = [
  { file: 'tflm/hello_world_no_quant_2788.tflite', inputs: HELLO_2788.map((y, x) => ({ label: `x=${x}`, bytes: float1(x), tflm: [y] })) },
  { file: 'tflm/hello_world_float.tflite', inputs: HELLO_FLOAT.map((y, x) => ({ label: `x=${x}`, bytes: float1(x), tflm: [y] })) },
  { file: 'tflm/hello_world_int8.tflite', inputs: [{ label: 'random', bytes: lcg('int8', 1) }] },
  {
    file: 'tflm/micro_speech_quantized.tflite',
    // [silence, unknown, yes, no], dequantized with the output's scale 1/256 and zero point -128.
    inputs: ([['yes', [0, 0, 0.99609, 0], 2], ['no', [0, 0.05469, 0, 0.94531], 3],
      ['silence', [0.33594, 0.23438, 0.23438, 0.19531], 0], ['noise', [0.96875, 0.01172, 0.00781, 0.01172], 0]] as const)
      .map(([w, p, win]) => ({ label: w, bytes: file(`tflm/testdata/micro_speech_features_${w}_49x40.s8`), tflm: tflmDequantized([...p], 1 / 256, -128), winner: win })),
  },
  {
    file: 'tflm/person_detect.tflite',
    inputs: [
      { label: 'person', bytes: file('tflm/testdata/person_96x96.raw'), tflm: tflmDequantized([0.05859, 0.94141], 1 / 256, -128), winner: 1 },
      { label: 'no person', bytes: file('tflm/testdata/no_person_96x96.raw'), tflm: tflmDequantized([0.72266, 0.27734], 1 / 256, -128), winner: 0 },
      { label: 'random', bytes: lcg('int8', 96 * 96) },
    ],
  },
  {
    file: 'tflm/magic_wand.tflite',
    inputs: [
      { label: 'ring', bytes: file('tflm/testdata/magic_wand_ring_128x3_f32.bin'), tflm: [0.03927, 0.80092, 0.03070, 0.12911], winner: 1 },
      { label: 'slope', bytes: file('tflm/testdata/magic_wand_slope_128x3_f32.bin'), tflm: [0.00043, 0.00003, 0.95384, 0.04570], winner: 2 },
    ],
  },
  {
    file: 'tflm/simple_add_model.tflite',
    inputs: [{ label: 'random', bytes: lcg('int8', 128 * 128, 128 * 128) }],
  },
  { file: 'mlperf-tiny/kws_ref_model.tflite', inputs: [{ label: 'inputs/', bytes: file('mlperf-tiny/inputs/kws_ref_model_input.raw'), tflm: [-128, -128, -128, -128, -128, -128, -128, -128, -128, 110, -128, -110] }] },
  // A hybrid model (float activations, int8 CONV_2D filters): TFLM refuses it.
  { file: 'mlperf-tiny/kws_ref_model_float32.tflite', engines: ['litert'], inputs: [{ label: 'inputs/', bytes: file('mlperf-tiny/inputs/kws_ref_model_float32_input.raw') }] },
  { file: 'mlperf-tiny/vww_96_int8.tflite', inputs: [{ label: 'inputs/', bytes: file('mlperf-tiny/inputs/vww_96_int8_input.raw'), tflm: [121, -121] }] },
  { file: 'mlperf-tiny/pretrainedResnet_quant.tflite', inputs: [{ label: 'inputs/', bytes: file('mlperf-tiny/inputs/pretrainedResnet_quant_input.raw'), tflm: [-128, -128, -109, -109, -128, -128, 88, -128, -127, -128] }] },
  { file: 'mlperf-tiny/ad01_int8.tflite', inputs: [{ label: 'inputs/', bytes: file('mlperf-tiny/inputs/ad01_int8_input.raw'), get tflm() { return ad01(); } }] },
];

/** Models with operators xsml does not run: loading must name them. */
export const UNSUPPORTED_MODELS: [file: string, ops: string[]][] = [
  ['tflm/keyword_scrambled.tflite', ['SVDF']],
  ['tflm/keyword_scrambled_8bit.tflite', ['SVDF']],
  ['tflm/trained_lstm_int8.tflite', ['UNIDIRECTIONAL_SEQUENCE_LSTM']],
];

/** The file-name stem of input k of a model case under test/.cases/models/. */
export function modelCaseName(file: string, k: number): string {
  return `${file.replace(/[/.]/g, '_')}.${k}`;
}
