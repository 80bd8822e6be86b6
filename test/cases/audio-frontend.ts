// Golden one-op cases of the audio front end's operators: TFLM's Signal custom ops (TFLM is their only
// reference: engines ['tflm']) and the builtins audio_preprocessor_*.tflite adds to xsml (CAST,
// STRIDED_SLICE, DIV, MINIMUM, MAXIMUM, int32 ADD and MUL), against both references.
// Kept out of test/cases/index.ts (whose cases the global setup runs through both references):
// test/signal.test.ts writes and golden-tests these, test/native.test.ts and test/xs.test.ts run them
// on the C kernels.
import { encode } from 'flatbuffers/js/flexbuffers.js';
import { bytesOf, type ModelSpec, type TensorSpec } from '../support/builder.js';
import type { Engine } from '../support/golden.js';
import { Rng } from '../support/rng.js';
import { F32, I32, I8, activation, constant, prod, type OpCase } from './common.js';

const I16 = 7, U8 = 3, BOOL = 6, U32 = 15, U64 = 12;

export interface FrontendCase extends OpCase {
  /** Compare output 0 on elements [start, end) only (the rest is whatever the reference's arena held). */
  compare?: [start: number, end: number];
}
const CUSTOM = 32;
const TFLM: Engine[] = ['tflm'];

/** A one-op model: tensors, which of them are inputs (fed in order) and outputs, the op. */
function oneOp(tensors: TensorSpec[], inputs: number[], outputs: number[], op: Omit<ModelSpec['ops'][number], 'outputs'>): ModelSpec {
  return { tensors, inputs, outputs, ops: [{ ...op, outputs }] };
}

function custom(name: string, options: Record<string, number | boolean>, inputs: number[]) {
  return { code: CUSTOM, customName: name, customOptions: encode(options), inputs };
}

/** n int16 values, in [-2^(bits-1), 2^(bits-1)), sometimes pinned to the extremes. */
function int16s(rng: Rng, n: number, bits = 16): number[] {
  const hi = 2 ** (bits - 1);
  return Array.from({ length: n }, () => (rng.bool(0.02) ? rng.pick([-32768, 32767]) : rng.int(-hi, hi - 1)));
}

/** n uint32 values spread over every magnitude (log-uniform), with 0, 1 and the extremes. */
function uint32s(rng: Rng, n: number, maxBits = 32): number[] {
  return Array.from({ length: n }, () => {
    if (rng.bool(0.03)) return rng.pick([0, 1, 2, 3, 2 ** maxBits - 1]);
    const bits = rng.int(0, maxBits);
    return Math.min(2 ** maxBits - 1, Math.floor(rng.float(0.5, 1) * 2 ** bits));
  });
}

function windowCases(rng: Rng): OpCase[] {
  const cases: OpCase[] = [];
  for (let i = 0; i < 24; i++) {
    const window = rng.pick([1, 4, 16, 30, 64, 480]);
    const windows = rng.pick([1, 1, 2, 3]);
    const shape = rng.bool(0.5) ? [windows * window] : [windows, window];
    const shift = i < 4 ? i * 5 : rng.int(0, 15);
    const weightBits = rng.int(1, 16);
    const tensors = [activation(I16, shape), constant(I16, [window], int16s(rng, window, weightBits)), activation(I16, shape)];
    cases.push({
      name: `[${shape}] window ${window} shift ${shift} weights ${weightBits} bits`,
      spec: oneOp(tensors, [0], [2], custom('SignalWindow', { shift }, [0, 1])),
      inputs: [bytesOf(I16, int16s(rng, prod(shape), rng.int(1, 16)))],
      engines: TFLM,
    });
  }
  return cases;
}

function fftAutoScaleCases(rng: Rng): OpCase[] {
  const cases: OpCase[] = [];
  const kinds = ['zeros', 'random', 'small', 'min', 'max', 'power of two'];
  for (let i = 0; i < 24; i++) {
    const kind = kinds[i % kinds.length];
    const n = rng.pick([1, 7, 64, 480]);
    let values = int16s(rng, n, rng.int(1, 16));
    if (kind === 'zeros') values = values.map(() => 0);
    if (kind === 'small') values = values.map((v) => v >> 12);
    if (kind === 'min') values[rng.int(0, n - 1)] = -32768;
    if (kind === 'max') values[rng.int(0, n - 1)] = 32767;
    if (kind === 'power of two') { values = values.map((v) => v >> 8); values[rng.int(0, n - 1)] = rng.pick([-1, 1]) * 2 ** rng.int(0, 7); }
    const tensors = [activation(I16, [n]), activation(I16, [n]), activation(I32, [])];
    cases.push({
      name: `${kind} [${n}]`,
      spec: oneOp(tensors, [0], [1, 2], custom('SignalFftAutoScale', {}, [0])),
      inputs: [bytesOf(I16, values)],
      engines: TFLM,
    });
  }
  return cases;
}

function rfftCases(rng: Rng): OpCase[] {
  const cases: OpCase[] = [];
  for (let i = 0; i < 30; i++) {
    const fftLength = i < 9 ? 4 << i : rng.pick([8, 32, 64, 128, 256, 512, 512, 1024]);
    const length = rng.bool(0.4) ? fftLength : rng.int(1, fftLength);
    const rows = rng.pick([1, 1, 2, 3]);
    const batched = rows > 1 || rng.bool(0.3);
    const inShape = batched ? [rows, length] : [length];
    const outShape = batched ? [rows, fftLength + 2] : [fftLength + 2];
    const bits = i % 3 === 0 ? 16 : rng.int(4, 16);
    const tensors = [activation(I16, inShape), activation(I16, outShape)];
    cases.push({
      name: `fft_length ${fftLength}, [${inShape}] of ${bits}-bit values`,
      spec: oneOp(tensors, [0], [1], custom('SignalRfft', { T: I16, fft_length: fftLength }, [0])),
      inputs: [bytesOf(I16, int16s(rng, prod(inShape), bits))],
      engines: TFLM,
    });
  }
  return cases;
}

function energyCases(rng: Rng): FrontendCase[] {
  const cases: FrontendCase[] = [];
  for (let i = 0; i < 20; i++) {
    const bins = rng.pick([1, 5, 33, 257]);
    const whole = i % 2 === 0;
    const start = whole ? 0 : rng.int(0, bins);
    const end = whole ? bins : rng.int(start, bins);
    const values = int16s(rng, 2 * bins, rng.int(1, 16));
    if (i % 5 === 0) values.fill(-32768, 0, Math.min(4, values.length)); // -32768^2 * 2 wraps
    const tensors = [activation(I16, [2 * bins]), activation(U32, [bins])];
    cases.push({
      name: `${bins} bins [${start}, ${end})`,
      spec: oneOp(tensors, [0], [1], custom('SignalEnergy', { end_index: end, start_index: start }, [0])),
      inputs: [bytesOf(I16, values)],
      engines: TFLM,
      compare: [start, end], // TFLM leaves the other outputs as they were; xsml writes 0 there
    });
  }
  return cases;
}

/** A random mel-like filter bank over `bins` inputs: [weights, unweights, freq starts, weight starts, widths]. */
function randomFilterBank(rng: Rng, channels: number, bins: number, weightBits: number, negative: boolean): number[][] {
  const freqStarts: number[] = [], weightStarts: number[] = [], widths: number[] = [];
  let weightCount = 0;
  for (let i = 0; i <= channels; i++) {
    const width = rng.int(0, Math.min(12, bins));
    freqStarts.push(rng.int(0, bins - width));
    weightStarts.push(weightCount);
    widths.push(width);
    weightCount += width;
  }
  const lo = negative ? -(2 ** (weightBits - 1)) : 0, hi = 2 ** (weightBits - 1) - 1;
  const weights = Array.from({ length: Math.max(1, weightCount) }, () => rng.int(lo, hi));
  const unweights = Array.from({ length: Math.max(1, weightCount) }, () => rng.int(lo, hi));
  return [weights, unweights, freqStarts, weightStarts, widths];
}

/** SignalFilterBank, always followed by SignalFilterBankSquareRoot (a uint64 tensor cannot be a model output). */
function filterBankCases(rng: Rng): OpCase[] {
  const cases: OpCase[] = [];
  for (let i = 0; i < 30; i++) {
    const channels = rng.pick([1, 4, 16, 40]);
    const bins = rng.pick([8, 64, 257]);
    const inputBits = i % 3 === 0 ? 32 : rng.int(8, 31);
    const weightBits = rng.int(2, 16);
    const negative = i % 7 === 3;
    const tables = randomFilterBank(rng, channels, bins, weightBits, negative);
    const scaleBits = rng.int(0, 15);
    const tensors: TensorSpec[] = [
      activation(U32, [bins]),
      ...tables.map((values) => constant(I16, [values.length], values)),
      activation(U64, [channels]),
      activation(I32, []),
      activation(U32, [channels]),
    ];
    cases.push({
      name: `${channels} channels over ${bins} bins, ${inputBits}-bit inputs, ${weightBits}-bit ${negative ? 'signed ' : ''}weights, >> ${scaleBits}`,
      spec: {
        tensors,
        inputs: [0, 7],
        outputs: [8],
        ops: [
          { ...custom('SignalFilterBank', { num_channels: channels }, [0, 1, 2, 3, 4, 5]), outputs: [6] },
          { ...custom('SignalFilterBankSquareRoot', {}, [6, 7]), outputs: [8] },
        ],
      },
      inputs: [bytesOf(U32, uint32s(rng, bins, inputBits)), bytesOf(I32, [scaleBits])],
      engines: TFLM,
    });
  }
  return cases;
}

function spectralSubtractionCases(rng: Rng): OpCase[] {
  const cases: OpCase[] = [];
  for (let i = 0; i < 20; i++) {
    const channels = rng.pick([1, 2, 7, 40]);
    const bits = 14;
    const smoothing = rng.int(0, 2 ** bits), alternate = rng.int(0, 2 ** bits);
    const options = {
      alternate_one_minus_smoothing: 2 ** bits - alternate,
      alternate_smoothing: alternate,
      clamping: i % 2 === 1,
      min_signal_remaining: rng.int(0, 2 ** bits),
      num_channels: channels,
      one_minus_smoothing: 2 ** bits - smoothing,
      smoothing,
      smoothing_bits: rng.int(0, 10),
      spectral_subtraction_bits: bits,
    };
    const tensors = [activation(U32, [channels]), activation(U32, [channels]), activation(U32, [channels])];
    cases.push({
      name: `${channels} channels, smoothing ${smoothing}/${alternate}, smoothing_bits ${options.smoothing_bits}${options.clamping ? ', clamping' : ''}`,
      spec: oneOp(tensors, [0], [1, 2], custom('SignalFilterBankSpectralSubtraction', options, [0])),
      inputs: [bytesOf(U32, uint32s(rng, channels, rng.pick([16, 22, 32])))],
      engines: TFLM,
    });
  }
  return cases;
}

/** PCAN's gain table as the preprocessor's converter makes it is smooth; a random one exercises every sign. */
function pcanCases(rng: Rng): OpCase[] {
  const cases: OpCase[] = [];
  for (let i = 0; i < 24; i++) {
    const channels = rng.pick([1, 3, 40]);
    const lut = i % 2 === 0 ? int16s(rng, 125) : Array.from({ length: 125 }, (_, k) => (k % 4 === 0 ? rng.int(0, 32767) : rng.int(-64, 64)));
    const snrShift = rng.int(0, 16);
    const tensors = [activation(U32, [channels]), activation(U32, [channels]), constant(I16, [125], lut), activation(U32, [channels])];
    cases.push({
      name: `${channels} channels, snr_shift ${snrShift}, ${i % 2 === 0 ? 'random' : 'smooth'} LUT`,
      spec: oneOp(tensors, [0, 1], [3], custom('SignalPCAN', { snr_shift: snrShift }, [0, 1, 2])),
      inputs: [bytesOf(U32, uint32s(rng, channels, rng.pick([20, 32]))), bytesOf(U32, uint32s(rng, channels))],
      engines: TFLM,
    });
  }
  return cases;
}

function filterBankLogCases(rng: Rng): OpCase[] {
  const cases: OpCase[] = [];
  for (let i = 0; i < 20; i++) {
    const channels = rng.pick([1, 10, 40, 300]);
    const correction = rng.int(0, 8);
    const scale = rng.pick([1, 64, 1000, rng.int(1, 2 ** 16), rng.int(1, 2 ** 30)]);
    const tensors = [activation(U32, [channels]), activation(I16, [channels])];
    cases.push({
      name: `${channels} channels, input_correction_bits ${correction}, output_scale ${scale}`,
      spec: oneOp(tensors, [0], [1], custom('SignalFilterBankLog', { input_correction_bits: correction, output_scale: scale }, [0])),
      inputs: [bytesOf(U32, uint32s(rng, channels))],
      engines: TFLM,
    });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Builtins

const TYPE_NAMES: Record<number, string> = { [F32]: 'f32', [I32]: 'i32', [I16]: 'i16', [I8]: 's8', [U8]: 'u8', [BOOL]: 'bool', [U32]: 'u32' };

/** Random values of a type, within `range` for the integer types. */
function valuesOf(rng: Rng, type: number, n: number): number[] {
  switch (type) {
    case F32: return rng.floats(n, -300, 300).map((x) => (rng.bool(0.1) ? Math.round(x) : x));
    case I32: return Array.from({ length: n }, () => (rng.bool(0.5) ? rng.int(-1000, 1000) : rng.int(-0x80000000, 0x7fffffff)));
    case U32: return uint32s(rng, n);
    case I16: return int16s(rng, n);
    case I8: return rng.ints(n, -128, 127);
    case U8: return rng.ints(n, 0, 255);
    case BOOL: return rng.ints(n, 0, 1);
    default: throw new Error(`type ${type}`);
  }
}

const rawOf = (type: number, values: number[]) => (type === BOOL ? Uint8Array.from(values) : bytesOf(type, values));

function castCases(rng: Rng): OpCase[] {
  // [from, to, engines]: the pairs the front end uses first, then others both references run.
  const pairs: [number, number, Engine[]?][] = [
    [U32, I32], [I32, U32], [I16, I32], [I32, I8], [I16, F32], [I32, F32], [F32, I32], [I8, I32], [I8, F32],
    [I32, I16], [U8, F32, ['litert']], [F32, I8], [F32, I16], [I16, I8], [I8, I16], [BOOL, F32], [F32, BOOL], [I32, BOOL],
  ];
  const cases: OpCase[] = [];
  pairs.forEach(([from, to, engines], i) => {
    for (let k = 0; k < 2; k++) {
      const shape = k === 0 ? [rng.int(1, 300)] : [rng.int(1, 4), rng.int(1, 6), rng.int(1, 5)];
      let values = valuesOf(rng, from, prod(shape));
      // Floats to integers in range only (out of range is undefined in C).
      if (from === F32 && to !== BOOL) values = values.map((x) => (to === I8 ? x % 128 : x));
      const tensors = [activation(from, shape), activation(to, shape)];
      cases.push({
        name: `${TYPE_NAMES[from]} -> ${TYPE_NAMES[to]} [${shape}]`,
        spec: oneOp(tensors, [0], [1], { code: 53, version: from === U32 || to === U32 ? 3 : 1, inputs: [0] }),
        inputs: [rawOf(from, values)],
        ...(engines ? { engines } : {}),
      });
    }
    void i;
  });
  return cases;
}

function stridedSliceCases(rng: Rng): OpCase[] {
  const cases: OpCase[] = [];
  const types = [I32, F32, I8, I16];
  for (let i = 0; i < 40; i++) {
    const type = types[i % types.length];
    const rank = i === 0 ? 1 : rng.int(1, 4);
    const shape = Array.from({ length: rank }, () => rng.int(1, 7));
    if (i === 0) shape[0] = 257;
    const begin: number[] = [], end: number[] = [], strides: number[] = [];
    let beginMask = 0, endMask = 0, shrinkMask = 0;
    for (let k = 0; k < rank; k++) {
      const size = shape[k];
      const stride = i === 0 ? 1 : rng.pick([1, 1, 2, 3, -1, -2]);
      begin.push(i === 0 ? 5 : rng.int(-size - 1, size));
      end.push(i === 0 ? 241 : rng.int(-size - 1, size + 1));
      strides.push(stride);
      if (i > 0 && rng.bool(0.2)) beginMask |= 1 << k;
      if (i > 0 && rng.bool(0.2)) endMask |= 1 << k;
      if (i > 0 && rng.bool(0.15)) { shrinkMask |= 1 << k; begin[k] = rng.int(-size, size - 1); beginMask &= ~(1 << k); strides[k] = 1; }
    }
    // The output shape, as TFLite computes it (strided_slice_logic.h).
    const outShape: number[] = [];
    for (let k = 0; k < rank; k++) {
      const size = shape[k], s = strides[k];
      const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);
      let b = (beginMask >> k) & 1 ? (s > 0 ? 0 : size - 1) : begin[k];
      if (!((beginMask >> k) & 1)) { if (b < 0) b += size; b = s > 0 ? clamp(b, 0, size) : clamp(b, -1, size - 1); }
      if ((shrinkMask >> k) & 1) continue;
      let e = (endMask >> k) & 1 ? (s > 0 ? size : -1) : end[k];
      if (!((endMask >> k) & 1)) { if (e < 0) e += size; e = s > 0 ? clamp(e, 0, size) : clamp(e, -1, size - 1); }
      outShape.push(Math.max(0, s > 0 ? Math.ceil((e - b) / s) : Math.ceil((b - e) / -s)));
    }
    if (outShape.includes(0)) { i--; continue; } // an empty output: nothing to compare
    const tensors = [
      activation(type, shape), constant(I32, [rank], begin), constant(I32, [rank], end), constant(I32, [rank], strides), activation(type, outShape),
    ];
    cases.push({
      name: `${TYPE_NAMES[type]} [${shape}][${begin}:${end}:${strides}] masks ${beginMask}/${endMask}/${shrinkMask} -> [${outShape}]`,
      spec: oneOp(tensors, [0], [4], {
        code: 45, version: type === I16 ? 4 : type === I8 ? 2 : 1, inputs: [0, 1, 2, 3], optionsType: 32,
        options: [[0, 'i32', beginMask], [1, 'i32', endMask], [4, 'i32', shrinkMask]],
      }),
      inputs: [rawOf(type, valuesOf(rng, type, prod(shape)))],
    });
  }
  return cases;
}

/** Operand shapes of a broadcasting binary case. */
function binaryShapes(rng: Rng, i: number): [number[], number[], number[]] {
  const out = Array.from({ length: rng.int(1, 4) }, () => rng.int(1, 6));
  switch (i % 4) {
    case 0: return [out, out.slice(), out];
    case 1: return [out, [], out];
    case 2: return [[], out, out];
    default: {
      const a = out.map((d) => (rng.bool(0.3) ? 1 : d));
      const b = out.map((d, k) => (a[k] === 1 ? d : rng.bool(0.3) ? 1 : d)).slice(rng.int(0, out.length - 1));
      // The output: the broadcast of the two (b may have dropped leading dimensions).
      const full = out.map((d, k) => (k < out.length - b.length ? a[k] : Math.max(a[k], b[k - (out.length - b.length)])));
      return [a, b, full];
    }
  }
}

interface BinarySpec {
  code: number;
  optionsType?: number; // with a fused activation
  types: number[];
  /** Values of input 2 (e.g. no zeros for DIV). */
  second?: (rng: Rng, type: number, n: number) => number[];
  /** Values of both inputs (default: valuesOf). */
  values?: (rng: Rng, type: number, n: number) => number[];
  versionOf?: (type: number) => number;
}

function binaryCases(rng: Rng, op: BinarySpec, count: number): OpCase[] {
  const cases: OpCase[] = [];
  for (let i = 0; i < count; i++) {
    const type = op.types[i % op.types.length];
    const [s1, s2, out] = binaryShapes(rng, Math.floor(i / op.types.length));
    const act = op.optionsType === undefined ? 0 : i % 5 === 4 ? rng.int(1, 3) : 0;
    const values = op.values ?? valuesOf;
    const quant = type === I8 ? { scale: [0.05], zeroPoint: [0] } : type === I16 ? { scale: [0.001], zeroPoint: [0] } : undefined;
    const constant2 = i % 6 === 5;
    const second = (op.second ?? values)(rng, type, prod(s2));
    const tensors = [activation(type, s1, quant), constant2 ? { ...activation(type, s2, quant), data: rawOf(type, second) } : activation(type, s2, quant), activation(type, out, quant)];
    cases.push({
      name: `${TYPE_NAMES[type]} [${s1}] op [${s2}]${constant2 ? ' (constant)' : ''} -> [${out}]${act ? ` act${act}` : ''}`,
      spec: oneOp(tensors, constant2 ? [0] : [0, 1], [2], {
        code: op.code, version: op.versionOf?.(type) ?? 1, inputs: [0, 1],
        ...(op.optionsType !== undefined ? { optionsType: op.optionsType, options: [[0, 'i8', act]] } : {}),
      }),
      inputs: constant2 ? [rawOf(type, values(rng, type, prod(s1)))] : [rawOf(type, values(rng, type, prod(s1))), rawOf(type, second)],
    });
  }
  return cases;
}

const smallInt32 = (rng: Rng, type: number, n: number) => (type === I32 ? rng.ints(n, -40000, 40000) : valuesOf(rng, type, n));

export function frontendCases(): Map<string, FrontendCase[]> {
  const generators: Record<string, (rng: Rng) => FrontendCase[]> = {
    signal_window: windowCases,
    signal_fft_auto_scale: fftAutoScaleCases,
    signal_rfft: rfftCases,
    signal_energy: energyCases,
    signal_filter_bank: filterBankCases,
    signal_filter_bank_spectral_subtraction: spectralSubtractionCases,
    signal_pcan: pcanCases,
    signal_filter_bank_log: filterBankLogCases,
    cast: castCases,
    strided_slice: stridedSliceCases,
    div: (rng) => binaryCases(rng, {
      code: 42, optionsType: 29, types: [F32, I32],
      second: (r, type, n) => valuesOf(r, type, n).map((x) => (x === 0 ? 7 : x)),
      values: (r, type, n) => (type === I32 ? r.ints(n, -100000, 100000) : valuesOf(r, type, n)),
    }, 40),
    minimum: (rng) => binaryCases(rng, { code: 57, types: [F32, I32, I8, I16], versionOf: (t) => (t === I8 ? 2 : t === I16 ? 4 : 1) }, 32),
    maximum: (rng) => binaryCases(rng, { code: 55, types: [F32, I32, I8, I16], versionOf: (t) => (t === I8 ? 2 : t === I16 ? 4 : 1) }, 32),
    add_int32: (rng) => binaryCases(rng, { code: 0, optionsType: 11, types: [I32], values: smallInt32 }, 24),
    mul_int32: (rng) => binaryCases(rng, { code: 18, optionsType: 21, types: [I32], values: (r, _t, n) => r.ints(n, -40000, 40000) }, 24),
  };
  const out = new Map<string, FrontendCase[]>();
  for (const [op, generate] of Object.entries(generators)) {
    let h = 2166136261;
    for (let i = 0; i < op.length; i++) h = Math.imul(h ^ op.charCodeAt(i), 16777619);
    out.set(op, generate(new Rng(h >>> 0)));
  }
  return out;
}
