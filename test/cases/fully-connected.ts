import type { Rng } from '../support/rng.js';
import { ACTIVATIONS, F32, I32, I8, activation, constant, prod, q8, randomInput, type OpCase } from './common.js';

interface FcShape {
  float: boolean;
  inShape: number[];
  depth: number;
  outC: number;
  keepNumDims: boolean;
  act: number;
  hasBias: boolean;
  perChannel: boolean;
  outScale?: number; // int8: the output scale over the typical one (default: random in [0.02, 0.1])
  huge?: boolean; // float32: weights up to 3e38, so that sums overflow to infinities (and NaN where they meet)
}

function fullyConnectedCase(rng: Rng, c: FcShape): OpCase {
  const { float, inShape, depth, outC, keepNumDims, act, hasBias, perChannel } = c;
  const rows = prod(inShape) / depth;
  const outShape = keepNumDims ? [...inShape.slice(0, -1), outC] : [rows, outC];
  let input, filter, bias, output;
  if (float) {
    input = activation(F32, inShape);
    const w = c.huge ? 3e38 : 1;
    filter = constant(F32, [outC, depth], rng.floats(outC * depth, -w, w));
    bias = constant(F32, [outC], rng.floats(outC, -1, 1));
    output = activation(F32, outShape);
  } else {
    const inQ = q8(rng);
    const fScales = Array.from({ length: perChannel ? outC : 1 }, () => Math.fround(rng.float(0.002, 0.02)));
    input = activation(I8, inShape, inQ);
    filter = constant(I8, [outC, depth], rng.ints(outC * depth, -127, 127),
      { scale: fScales, zeroPoint: fScales.map(() => 0), axis: 0 });
    bias = constant(I32, [outC], rng.ints(outC, -2000, 2000),
      { scale: fScales.map((s) => Math.fround(s * inQ.scale[0])), zeroPoint: fScales.map(() => 0) });
    const typical = inQ.scale[0] * fScales[0] * 64 * Math.sqrt(depth);
    output = activation(I8, outShape, { scale: [Math.fround(typical * (c.outScale ?? rng.float(0.02, 0.1)))], zeroPoint: [rng.int(-20, 20)] });
  }
  const tensors = hasBias ? [input, filter, bias, output] : [input, filter, output];
  return {
    name: `${float ? 'f32' : 's8'} in[${inShape}] filter[${outC},${depth}]${hasBias ? ' bias' : ''}${perChannel ? ' per-channel' : ''} act${act}${keepNumDims ? ' keep_num_dims' : ''}${c.outScale !== undefined ? ` out-scale ${c.outScale}` : ''}${c.huge ? ' huge' : ''}`,
    spec: {
      tensors,
      inputs: [0],
      outputs: [tensors.length - 1],
      ops: [{
        code: 9, version: float ? 1 : 4 + (keepNumDims ? 1 : 0),
        inputs: hasBias ? [0, 1, 2] : [0, 1, -1], outputs: [tensors.length - 1],
        optionsType: 8, options: [[0, 'i8', act], [2, 'bool', keepNumDims]],
      }],
    },
    inputs: [randomInput(rng, input)],
  };
}

export function fullyConnectedCases(rng: Rng): OpCase[] {
  const cases: OpCase[] = [];
  for (let i = 0; i < 60; i++) {
    const float = i % 2 === 0;
    const depth = rng.int(1, 48), outC = rng.int(1, 24), batches = rng.int(1, 4);
    const keepNumDims = rng.bool(0.25);
    const inShape = keepNumDims ? [batches, rng.int(1, 3), depth] : rng.pick([[batches, depth], [batches * depth], [1, batches, depth]]);
    const act = rng.pick(ACTIVATIONS);
    const hasBias = rng.bool(0.7);
    const perChannel = !float && rng.bool(0.4);
    cases.push(fullyConnectedCase(rng, { float, inShape, depth, outC, keepNumDims, act, hasBias, perChannel }));
  }
  // The native kernels' paths (native/kernels/fully_connected.c): int8 depths of whole 8s up to 1024
  // (the widened input; an odd and an even count of 8s), beyond 1024, and 1 (a scalar input); blocks
  // of 16 outputs and an odd last row; large multipliers (shift >= -1) whose results saturate; float
  // groups of 8, 4 and 1 rows with and without a remainder of the depth, and sums that overflow.
  const fixed: Omit<FcShape, 'keepNumDims'>[] = [
    { float: false, inShape: [1, 640], depth: 640, outC: 37, act: 0, hasBias: true, perChannel: false },
    { float: false, inShape: [2, 8], depth: 8, outC: 20, act: 1, hasBias: true, perChannel: true },
    { float: false, inShape: [1, 16], depth: 16, outC: 16, act: 0, hasBias: false, perChannel: false },
    { float: false, inShape: [1, 1024], depth: 1024, outC: 3, act: 3, hasBias: true, perChannel: false },
    { float: false, inShape: [1, 1032], depth: 1032, outC: 5, act: 0, hasBias: true, perChannel: true },
    { float: false, inShape: [3, 1], depth: 1, outC: 33, act: 3, hasBias: true, perChannel: false },
    { float: false, inShape: [2, 24], depth: 24, outC: 17, act: 0, hasBias: true, perChannel: false, outScale: 0.0005 },
    { float: false, inShape: [1, 40], depth: 40, outC: 9, act: 1, hasBias: true, perChannel: true, outScale: 0.002 },
    { float: true, inShape: [1, 1], depth: 1, outC: 16, act: 1, hasBias: true, perChannel: false },
    { float: true, inShape: [2, 35], depth: 35, outC: 23, act: 3, hasBias: true, perChannel: false },
    { float: true, inShape: [1, 64], depth: 64, outC: 13, act: 0, hasBias: false, perChannel: false },
    // Infinities clamped to -FLT_MAX and FLT_MAX (no activation, RELU's upper bound), NaN kept.
    { float: true, inShape: [2, 20], depth: 20, outC: 13, act: 0, hasBias: true, perChannel: false, huge: true },
    { float: true, inShape: [2, 20], depth: 20, outC: 13, act: 1, hasBias: false, perChannel: false, huge: true },
    // int8 outputs requantized in one step (one multiplier, shift <= -2, the full range): depth 1
    // with and without bias, and the widened input with no bias, an odd last row and two batches.
    { float: false, inShape: [2, 1], depth: 1, outC: 19, act: 0, hasBias: true, perChannel: false, outScale: 1 },
    { float: false, inShape: [1, 1], depth: 1, outC: 6, act: 0, hasBias: false, perChannel: false, outScale: 1 },
    { float: false, inShape: [2, 32], depth: 32, outC: 7, act: 0, hasBias: false, perChannel: false },
  ];
  for (const c of fixed) cases.push(fullyConnectedCase(rng, { ...c, keepNumDims: false }));
  return cases;
}
