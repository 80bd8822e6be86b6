import type { Rng } from '../support/rng.js';
import { ACTIVATIONS, F32, I32, I8, activation, constant, q8, randomInput, type OpCase } from './common.js';

const ACT_NAMES = ['none', 'relu', 'relu_n1_to_1', 'relu6'];

/** One convolution window configuration (shared by the CONV_2D and DEPTHWISE_CONV_2D cases). */
export interface ConvShape {
  float: boolean;
  batches: number;
  inH: number;
  inW: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  same: boolean;
  act: number;
  perChannel: boolean;
}

/** Output size as TFLite computes it; 0 if the window does not fit. */
export function outSize(same: boolean, inSize: number, k: number, stride: number, dilation: number): number {
  const eff = (k - 1) * dilation + 1;
  return Math.max(0, same ? Math.floor((inSize + stride - 1) / stride) : Math.floor((inSize + stride - eff) / stride));
}

/** The features a case is forced to exercise, by index; later cases are random. */
export const SCENARIOS = [
  'stride 2', 'dilation 2', 'SAME even kernel', '1x1', 'kernel larger than input SAME', 'batch 2',
  'act none', 'act relu', 'act relu_n1_to_1', 'act relu6', 'VALID', 'stride and dilation', 'per-tensor', 'per-channel',
] as const;
export type Scenario = typeof SCENARIOS[number] | 'grouped' | 'random';

/** A random window, with one scenario's feature forced. */
export function randomShape(rng: Rng, float: boolean, scenario: Scenario): ConvShape {
  const s: ConvShape = {
    float,
    batches: rng.bool(0.2) ? 2 : 1,
    inH: rng.int(1, 9),
    inW: rng.int(1, 9),
    kH: rng.int(1, 4),
    kW: rng.int(1, 4),
    strideH: rng.pick([1, 1, 2, 3]),
    strideW: rng.pick([1, 1, 2, 3]),
    dilationH: rng.pick([1, 1, 1, 2, 3]),
    dilationW: rng.pick([1, 1, 1, 2, 3]),
    same: rng.bool(),
    act: rng.pick(ACTIVATIONS),
    perChannel: !float && rng.bool(0.6),
  };
  switch (scenario) {
    case 'stride 2': s.strideH = 2; s.strideW = 2; s.inH = rng.int(4, 9); s.inW = rng.int(4, 9); break;
    case 'dilation 2': s.dilationH = 2; s.dilationW = 2; s.strideH = 1; s.strideW = 1; s.kH = 3; s.kW = 3; s.inH = rng.int(5, 9); s.inW = rng.int(5, 9); break;
    case 'SAME even kernel': s.same = true; s.kH = rng.pick([2, 4]); s.kW = rng.pick([2, 4]); s.dilationH = 1; s.dilationW = 1; s.inH = rng.int(3, 8); s.inW = rng.int(3, 8); break;
    case '1x1': s.kH = 1; s.kW = 1; break;
    case 'kernel larger than input SAME': s.same = true; s.inH = rng.int(1, 3); s.inW = rng.int(1, 3); s.kH = rng.int(4, 5); s.kW = rng.int(4, 5); break;
    case 'batch 2': s.batches = 2; break;
    case 'act none': s.act = 0; break;
    case 'act relu': s.act = 1; break;
    case 'act relu_n1_to_1': s.act = 2; break;
    case 'act relu6': s.act = 3; break;
    case 'VALID': s.same = false; s.inH = rng.int(5, 9); s.inW = rng.int(5, 9); break;
    case 'stride and dilation': s.strideH = 2; s.strideW = rng.pick([1, 2]); s.dilationH = 2; s.dilationW = rng.pick([1, 3]); s.inH = rng.int(6, 10); s.inW = rng.int(6, 10); break;
    case 'per-tensor': s.perChannel = false; break;
    case 'per-channel': s.perChannel = !float; break;
    default: break;
  }
  // A VALID window that does not fit becomes SAME.
  if (!s.same && (outSize(false, s.inH, s.kH, s.strideH, s.dilationH) === 0 || outSize(false, s.inW, s.kW, s.strideW, s.dilationW) === 0)) s.same = true;
  return s;
}

export function shapeName(s: ConvShape): string {
  const parts = [`${s.same ? 'SAME' : 'VALID'}`, `k${s.kH}x${s.kW}`];
  if (s.strideH !== 1 || s.strideW !== 1) parts.push(`stride${s.strideH}x${s.strideW}`);
  if (s.dilationH !== 1 || s.dilationW !== 1) parts.push(`dilation${s.dilationH}x${s.dilationW}`);
  if (s.batches > 1) parts.push(`batch${s.batches}`);
  if (!s.float) parts.push(s.perChannel ? 'per-channel' : 'per-tensor');
  parts.push(ACT_NAMES[s.act]);
  return parts.join(' ');
}

/** Filter scales and the matching int8 tensors' quantization for an int8 case. */
export function quantizedTensors(rng: Rng, s: ConvShape, channels: number, depth: number) {
  const inQ = q8(rng);
  const fScales = Array.from({ length: s.perChannel ? channels : 1 }, () => Math.fround(rng.float(0.002, 0.02)));
  // Output scale sized to the typical accumulator, so outputs spread over the int8 range.
  const typical = inQ.scale[0] * fScales[0] * 64 * Math.sqrt(depth);
  const outQ = { scale: [Math.fround(typical * rng.float(0.02, 0.1))], zeroPoint: [rng.int(-20, 20)] };
  const biasQ = { scale: Array.from({ length: channels }, (_, o) => Math.fround(fScales[s.perChannel ? o : 0] * inQ.scale[0])), zeroPoint: new Array(channels).fill(0) };
  return { inQ, fScales, outQ, biasQ };
}

/** huge: float32 weights up to 1e38: the products stay finite, sums overflow to infinities. */
function pushConvCase(cases: OpCase[], rng: Rng, s: ConvShape, groups: number, filterC: number, outC: number, huge = false) {
  const float = s.float;
  const inC = filterC * groups;
  const outH = outSize(s.same, s.inH, s.kH, s.strideH, s.dilationH);
  const outW = outSize(s.same, s.inW, s.kW, s.strideW, s.dilationW);
  const inShape = [s.batches, s.inH, s.inW, inC];
  const fShape = [outC, s.kH, s.kW, filterC];
  const outShape = [s.batches, outH, outW, outC];
  const fCount = outC * s.kH * s.kW * filterC;
  let input, filter, bias, output;
  if (float) {
    input = activation(F32, inShape);
    filter = constant(F32, fShape, rng.floats(fCount, huge ? -1e38 : -1, huge ? 1e38 : 1));
    bias = constant(F32, [outC], rng.floats(outC, -1, 1));
    output = activation(F32, outShape);
  } else {
    const q = quantizedTensors(rng, s, outC, s.kH * s.kW * filterC);
    input = activation(I8, inShape, q.inQ);
    filter = constant(I8, fShape, rng.ints(fCount, -127, 127), { scale: q.fScales, zeroPoint: q.fScales.map(() => 0), axis: 0 });
    bias = constant(I32, [outC], rng.ints(outC, -2000, 2000), q.biasQ);
    output = activation(I8, outShape, q.outQ);
  }
  // TFLite's CONV_2D requires the bias input (only TFLM lets it be omitted).
  const tensors = [input, filter, bias, output];
  cases.push({
    name: `${float ? 'f32' : 's8'} in[${inShape}] filter[${fShape}]${groups > 1 ? ` groups${groups}` : ''} ${shapeName(s)}${huge ? ' huge' : ''}`,
    spec: {
      tensors,
      inputs: [0],
      outputs: [3],
      ops: [{
        code: 3, version: groups > 1 ? 6 : float ? 1 : 3,
        inputs: [0, 1, 2], outputs: [3],
        optionsType: 1,
        options: [[0, 'i8', s.same ? 0 : 1], [1, 'i32', s.strideW], [2, 'i32', s.strideH], [3, 'i8', s.act],
          [4, 'i32', s.dilationW], [5, 'i32', s.dilationH]],
      }],
    },
    inputs: [randomInput(rng, input)],
  });
}

export function conv2dCases(rng: Rng): OpCase[] {
  const cases: OpCase[] = [];
  const scenarios: Scenario[] = [...SCENARIOS, 'grouped', 'grouped'];
  for (let i = 0; i < 80; i++) {
    const float = i % 2 === 0;
    const scenario: Scenario = i < 2 * scenarios.length ? scenarios[i >> 1] : 'random';
    const s = randomShape(rng, float, scenario);
    const grouped = scenario === 'grouped' || (scenario === 'random' && rng.bool(0.15));
    const groups = grouped ? rng.int(2, 3) : 1;
    const filterC = rng.int(1, grouped ? 3 : 6);
    const outC = groups * rng.int(1, grouped ? 3 : 6);
    pushConvCase(cases, rng, s, groups, filterC, outC);
  }
  // float32 on the native FPU path (native/kernels/conv_2d.c): eight output channels at a time over
  // whole-row runs (magic_wand's layer, an input as wide as the filter: one run per window), runs
  // cut by the padding, a tap at a time (groups, dilation), and channels left over after the eights.
  const floats: Array<[Partial<ConvShape>, number, number, number]> = [
    // shape, groups, filterC, outC
    [{ batches: 1, inH: 20, inW: 1, kH: 4, kW: 1, same: true, act: 1 }, 1, 8, 16],
    [{ batches: 2, inH: 7, inW: 9, kH: 3, kW: 3, strideH: 2, strideW: 2, same: true, act: 0 }, 1, 5, 24],
    [{ batches: 1, inH: 6, inW: 6, kH: 3, kW: 3, dilationH: 2, dilationW: 2, same: true, act: 3 }, 2, 4, 16],
    [{ batches: 1, inH: 8, inW: 7, kH: 5, kW: 5, same: false, act: 2 }, 1, 3, 12],
  ];
  for (const [shape, groups, filterC, outC] of floats) {
    const s: ConvShape = { float: true, batches: 1, inH: 1, inW: 1, kH: 1, kW: 1, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, same: false, act: 0, perChannel: false, ...shape };
    pushConvCase(cases, rng, s, groups, filterC, outC);
  }
  // Sums that overflow: infinities clamped to -FLT_MAX and FLT_MAX (no activation, RELU's upper bound), NaN kept.
  for (const act of [0, 1]) {
    const s: ConvShape = { float: true, batches: 1, inH: 5, inW: 4, kH: 2, kW: 2, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, same: true, act, perChannel: false };
    pushConvCase(cases, rng, s, 1, 1, 16, true);
  }
  // 1x1, stride 1 (the matrix of pixels): odd and even pixel counts and channel counts, depths with and without a rest of 4.
  const pointwise: Array<[number, number, number, number, number, number]> = [
    // batches, inH, inW, inC, outC, act
    [1, 5, 3, 7, 5, 1],
    [2, 3, 3, 16, 6, 0],
    [1, 4, 4, 8, 16, 3],
  ];
  for (const [batches, inH, inW, inC, outC, act] of pointwise) {
    const s: ConvShape = { float: false, batches, inH, inW, kH: 1, kW: 1, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, same: false, act, perChannel: act !== 0 };
    pushConvCase(cases, rng, s, 1, inC, outC);
  }
  // The int8 kernel's paths (native/kernels/conv_2d.c). 1x1 with stride 1, which may run in place: more
  // channels out than in (pixels in descending order), as many, fewer; input channels a multiple of 4
  // or not; pixel counts that leave a short last block of four; one pixel.
  const inPlace: Array<[number, number, number, number, number, number]> = [
    // batches, inH, inW, inC, outC, act
    [1, 3, 5, 3, 12, 0],
    [1, 2, 3, 12, 12, 1],
    [2, 2, 5, 4, 9, 3],
    [1, 1, 1, 6, 2, 0],
  ];
  for (const [batches, inH, inW, inC, outC, act] of inPlace) {
    const s: ConvShape = { float: false, batches, inH, inW, kH: 1, kW: 1, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, same: false, act, perChannel: true };
    pushConvCase(cases, rng, s, 1, inC, outC);
  }
  // Windows over input channels a multiple of 4 (widened tap by tap), and the first layers' shapes
  // (3 channels, 3x3, stride 2; 1 channel, 10x4 with padding), windows inside the input and across its edges.
  const windows: Array<[number, number, number, number, number, number, number, number, number, boolean]> = [
    // inH, inW, inC, kH, kW, stride h, stride w, dilation, outC, same
    [7, 6, 8, 3, 3, 1, 1, 1, 5, true],
    [9, 9, 8, 3, 3, 2, 2, 1, 6, false],
    [8, 8, 4, 3, 3, 1, 1, 2, 3, true],
    [5, 6, 12, 2, 3, 2, 1, 1, 5, true],
    [11, 10, 3, 3, 3, 2, 2, 1, 8, false],
    [12, 10, 1, 10, 4, 2, 2, 1, 7, true],
  ];
  for (const [inH, inW, inC, kH, kW, strideH, strideW, dilation, outC, same] of windows) {
    const s: ConvShape = { float: false, batches: 1, inH, inW, kH, kW, strideH, strideW, dilationH: dilation, dilationW: dilation, same, act: 0, perChannel: true };
    pushConvCase(cases, rng, s, 1, inC, outC);
  }
  // Channels whose scale is below 2^-23 (requantization shifts below -23) next to ordinary ones, with
  // biases near 2^30 (accumulators that do not fit doubled) or small ones, for both activation ranges.
  for (const [kH, bigBias, act] of [[1, true, 0], [3, true, 1], [1, false, 0]] as const) {
    pushTinyScaleCase(cases, rng, kH, bigBias, act);
  }
  return cases;
}

/** An int8 case whose last three output channels have filter scales of about 2^-27 relative to the rest. */
function pushTinyScaleCase(cases: OpCase[], rng: Rng, k: number, bigBias: boolean, act: number) {
  const inShape = [1, 3, 5, 8], outC = 6, fShape = [outC, k, k, 8], outShape = [1, 3, 5, outC];
  const inQ = { scale: [Math.fround(0.05)], zeroPoint: [rng.int(-20, 20)] };
  const outQ = { scale: [Math.fround(0.5)], zeroPoint: [rng.int(-20, 20)] };
  const fScales = Array.from({ length: outC }, (_, o) => Math.fround(o < 3 ? rng.float(0.002, 0.02) : rng.float(0.5e-7, 1.5e-7)));
  const biases = Array.from({ length: outC }, (_, o) => (o < 3 ? rng.int(-2000, 2000) : (rng.bool() ? 1 : -1) * (bigBias ? rng.int(1.1e9, 1.4e9) : rng.int(0.5e8, 1e8))));
  const input = activation(I8, inShape, inQ);
  const filter = constant(I8, fShape, rng.ints(outC * k * k * 8, -127, 127), { scale: fScales, zeroPoint: fScales.map(() => 0), axis: 0 });
  const bias = constant(I32, [outC], biases, { scale: fScales.map((f) => Math.fround(f * inQ.scale[0])), zeroPoint: new Array(outC).fill(0) });
  const output = activation(I8, outShape, outQ);
  cases.push({
    name: `s8 in[${inShape}] filter[${fShape}] SAME tiny channel scales, ${bigBias ? 'biases near 2^30' : 'small biases'} ${ACT_NAMES[act]}`,
    spec: {
      tensors: [input, filter, bias, output],
      inputs: [0],
      outputs: [3],
      ops: [{ code: 3, version: 3, inputs: [0, 1, 2], outputs: [3], optionsType: 1,
        options: [[0, 'i8', 0], [1, 'i32', 1], [2, 'i32', 1], [3, 'i8', act], [4, 'i32', 1], [5, 'i32', 1]] }],
    },
    inputs: [randomInput(rng, input)],
  });
}
