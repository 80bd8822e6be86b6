import type { Rng } from '../support/rng.js';
import { F32, I32, I8, activation, constant, randomInput, type OpCase } from './common.js';
import type { TensorSpec } from '../support/builder.js';
import { SCENARIOS, outSize, quantizedTensors, randomShape, shapeName, type ConvShape, type Scenario } from './conv-2d.js';

export function depthwiseConv2dCases(rng: Rng): OpCase[] {
  const cases: OpCase[] = [];
  const scenarios: Scenario[] = [...SCENARIOS, 'random', 'random'];
  for (let i = 0; i < 80; i++) {
    const float = i % 2 === 0;
    const scenario: Scenario = i < 2 * scenarios.length ? scenarios[i >> 1] : 'random';
    const s = randomShape(rng, float, scenario);
    const inC = rng.int(1, 8);
    // Depth multiplier 2 in every 3rd case, 3 now and then.
    const multiplier = i % 3 === 1 ? 2 : rng.pick([1, 1, 1, 3]);
    const outC = inC * multiplier;
    const outH = outSize(s.same, s.inH, s.kH, s.strideH, s.dilationH);
    const outW = outSize(s.same, s.inW, s.kW, s.strideW, s.dilationW);
    const inShape = [s.batches, s.inH, s.inW, inC];
    const fShape = [1, s.kH, s.kW, outC];
    const outShape = [s.batches, outH, outW, outC];
    const fCount = s.kH * s.kW * outC;
    const hasBias = rng.bool(0.8);
    let input, filter, bias, output;
    if (float) {
      input = activation(F32, inShape);
      filter = constant(F32, fShape, rng.floats(fCount, -1, 1));
      bias = constant(F32, [outC], rng.floats(outC, -1, 1));
      output = activation(F32, outShape);
    } else {
      const q = quantizedTensors(rng, s, outC, s.kH * s.kW);
      input = activation(I8, inShape, q.inQ);
      filter = constant(I8, fShape, rng.ints(fCount, -127, 127), { scale: q.fScales, zeroPoint: q.fScales.map(() => 0), axis: 3 });
      bias = constant(I32, [outC], rng.ints(outC, -2000, 2000), q.biasQ);
      output = activation(I8, outShape, q.outQ);
    }
    // Without bias the op has two inputs (TFLite rejects an omitted third one, -1).
    const tensors = hasBias ? [input, filter, bias, output] : [input, filter, output];
    const out = tensors.length - 1;
    const dilated = s.dilationH !== 1 || s.dilationW !== 1;
    cases.push({
      name: `${float ? 'f32' : 's8'} in[${inShape}] filter[${fShape}] multiplier${multiplier}${hasBias ? ' bias' : ''} ${shapeName(s)}`,
      spec: {
        tensors,
        inputs: [0],
        outputs: [out],
        ops: [{
          code: 4, version: float ? (dilated ? 2 : 1) : 3,
          inputs: hasBias ? [0, 1, 2] : [0, 1], outputs: [out],
          optionsType: 2,
          options: [[0, 'i8', s.same ? 0 : 1], [1, 'i32', s.strideW], [2, 'i32', s.strideH], [3, 'i32', multiplier],
            [4, 'i8', s.act], [5, 'i32', s.dilationW], [6, 'i32', s.dilationH]],
        }],
      },
      inputs: [randomInput(rng, input)],
    });
  }
  // float32 on the native FPU path (native/kernels/depthwise_conv_2d.c): eight output channels at a
  // time, one input value for the eight (multipliers of 8: magic_wand's layer) or eight side by side
  // (multiplier 1), without a bias, with padding, dilation and channels left over after the eights.
  const floats = [
    { batches: 2, inH: 16, inW: 3, kH: 4, kW: 3, mult: 8, inC: 1, strideH: 1, strideW: 1, same: true, dilationH: 1, dilationW: 1, act: 1, bias: true },
    { batches: 1, inH: 7, inW: 8, kH: 3, kW: 3, mult: 1, inC: 16, strideH: 2, strideW: 2, same: true, dilationH: 1, dilationW: 1, act: 3, bias: false },
    { batches: 1, inH: 9, inW: 9, kH: 3, kW: 2, mult: 1, inC: 11, strideH: 1, strideW: 1, same: false, dilationH: 2, dilationW: 2, act: 0, bias: true },
    { batches: 1, inH: 5, inW: 6, kH: 3, kW: 3, mult: 16, inC: 2, strideH: 1, strideW: 2, same: true, dilationH: 1, dilationW: 1, act: 2, bias: true },
    // Weights up to 3e38: sums that overflow to infinities, clamped to -FLT_MAX and FLT_MAX (no activation, RELU's upper bound).
    { batches: 1, inH: 6, inW: 5, kH: 3, kW: 3, mult: 8, inC: 1, strideH: 1, strideW: 1, same: true, dilationH: 1, dilationW: 1, act: 0, bias: true, huge: true },
    { batches: 1, inH: 5, inW: 5, kH: 3, kW: 3, mult: 1, inC: 16, strideH: 1, strideW: 1, same: true, dilationH: 1, dilationW: 1, act: 1, bias: false, huge: true },
  ];
  for (const c of floats) {
    const outC = c.mult * c.inC;
    const inShape = [c.batches, c.inH, c.inW, c.inC];
    const fShape = [1, c.kH, c.kW, outC];
    const outShape = [c.batches, outSize(c.same, c.inH, c.kH, c.strideH, c.dilationH), outSize(c.same, c.inW, c.kW, c.strideW, c.dilationW), outC];
    const input = activation(F32, inShape);
    const w = 'huge' in c && c.huge ? 3e38 : 1;
    const filter = constant(F32, fShape, rng.floats(c.kH * c.kW * outC, -w, w));
    const output = activation(F32, outShape);
    const tensors = c.bias ? [input, filter, constant(F32, [outC], rng.floats(outC, -1, 1)), output] : [input, filter, output];
    const out = tensors.length - 1;
    cases.push({
      name: `f32 in[${inShape}] filter[${fShape}] multiplier${c.mult}${c.bias ? ' bias' : ''} ${c.same ? 'SAME' : 'VALID'} stride ${c.strideH}x${c.strideW} dilation ${c.dilationH}x${c.dilationW} act${c.act}${w > 1 ? ' huge' : ''}`,
      spec: {
        tensors,
        inputs: [0],
        outputs: [out],
        ops: [{
          code: 4, version: c.dilationH !== 1 || c.dilationW !== 1 ? 2 : 1,
          inputs: c.bias ? [0, 1, 2] : [0, 1], outputs: [out],
          optionsType: 2,
          options: [[0, 'i8', c.same ? 0 : 1], [1, 'i32', c.strideW], [2, 'i32', c.strideH], [3, 'i32', c.mult],
            [4, 'i8', c.act], [5, 'i32', c.dilationW], [6, 'i32', c.dilationH]],
        }],
      },
      inputs: [randomInput(rng, input)],
    });
  }
  // One input channel and a multiplier of 4 or 8 (micro_speech's layer): the C kernel's pixel-pair path,
  // with padding, strides, dilation and batches.
  const oneChannel = [
    { inH: 13, inW: 12, kH: 4, kW: 8, mult: 8, strideH: 2, strideW: 2, same: true, dilationH: 1, dilationW: 1, batches: 1 },
    { inH: 9, inW: 10, kH: 3, kW: 8, mult: 4, strideH: 1, strideW: 1, same: true, dilationH: 1, dilationW: 1, batches: 2 },
    { inH: 8, inW: 11, kH: 2, kW: 4, mult: 12, strideH: 1, strideW: 3, same: false, dilationH: 2, dilationW: 1, batches: 1 },
    { inH: 7, inW: 9, kH: 3, kW: 4, mult: 4, strideH: 2, strideW: 1, same: true, dilationH: 1, dilationW: 2, batches: 1 },
  ];
  // Multiplier 1, 3x3, dilation 1, channels a multiple of 4 (MobileNet's layers): the C kernel's unrolled path.
  const mobile = [
    { inH: 7, inW: 9, kH: 3, kW: 3, mult: 1, inC: 8, strideH: 1, strideW: 1, same: true, dilationH: 1, dilationW: 1, batches: 2 },
    { inH: 8, inW: 9, kH: 3, kW: 3, mult: 1, inC: 12, strideH: 2, strideW: 2, same: true, dilationH: 1, dilationW: 1, batches: 1 },
    { inH: 6, inW: 10, kH: 3, kW: 3, mult: 1, inC: 4, strideH: 1, strideW: 3, same: false, dilationH: 1, dilationW: 1, batches: 1 },
    // Multipliers of 8 and 4 with a 3x3 filter (person_detect's first layer): eight and four channels per input value.
    { inH: 9, inW: 9, kH: 3, kW: 3, mult: 8, inC: 1, strideH: 2, strideW: 2, same: true, dilationH: 1, dilationW: 1, batches: 1 },
    { inH: 6, inW: 7, kH: 3, kW: 3, mult: 4, inC: 2, strideH: 1, strideW: 1, same: true, dilationH: 1, dilationW: 1, batches: 1 },
  ];
  for (const c of [...oneChannel.map((x) => ({ ...x, inC: 1 })), ...mobile]) {
    const s = { ...randomShape(rng, false, 'random'), ...c };
    const outC = c.mult * c.inC;
    const inShape = [s.batches, s.inH, s.inW, c.inC];
    const fShape = [1, s.kH, s.kW, outC];
    const outShape = [s.batches, outSize(s.same, s.inH, s.kH, s.strideH, s.dilationH), outSize(s.same, s.inW, s.kW, s.strideW, s.dilationW), outC];
    const fCount = s.kH * s.kW * outC;
    const q = quantizedTensors(rng, s, outC, s.kH * s.kW);
    const input = activation(I8, inShape, q.inQ);
    const filter = constant(I8, fShape, rng.ints(fCount, -127, 127), { scale: q.fScales, zeroPoint: q.fScales.map(() => 0), axis: 3 });
    const bias = constant(I32, [outC], rng.ints(outC, -2000, 2000), q.biasQ);
    const output = activation(I8, outShape, q.outQ);
    cases.push(s8Case(rng, `s8 in[${inShape}] filter[${fShape}] multiplier${c.mult} bias${c.inC === 1 ? ' one channel' : ''} ${shapeName(s)}`,
      [input, filter, bias, output], s, c.mult));
  }
  // The C kernel's banded 3x3 paths (multiplier 1 with channels a multiple of 4; a multiplier that is a
  // multiple of 4): pairs of pixels at strides 1 and 2 with an odd one left, single pixels at stride 3,
  // rows skipped, the activation clamp, and the general requantization (a bias past +-(2^30 - 2^19), or a
  // scale ratio of at least 0.5: shift >= 0); multiplier 1 keeps every row of a band of at most 2048 bytes.
  const banded: { inH: number, inW: number, inC: number, mult: number, strideH: number, strideW: number, same: boolean, batches: number,
    act: number, bias?: 'large', ratio?: number }[] = [
    { inH: 5, inW: 7, inC: 16, mult: 1, strideH: 1, strideW: 1, same: true, batches: 2, act: 0 },
    { inH: 11, inW: 9, inC: 8, mult: 1, strideH: 3, strideW: 3, same: true, batches: 1, act: 0 },
    { inH: 14, inW: 8, inC: 4, mult: 1, strideH: 4, strideW: 2, same: false, batches: 1, act: 0 },
    { inH: 6, inW: 6, inC: 4, mult: 1, strideH: 2, strideW: 2, same: false, batches: 1, act: 0 },
    { inH: 1, inW: 1, inC: 4, mult: 1, strideH: 1, strideW: 1, same: true, batches: 1, act: 0 },
    { inH: 3, inW: 5, inC: 4, mult: 1, strideH: 2, strideW: 1, same: true, batches: 1, act: 1 },
    { inH: 4, inW: 9, inC: 8, mult: 1, strideH: 1, strideW: 2, same: true, batches: 1, act: 3 },
    { inH: 7, inW: 6, inC: 8, mult: 1, strideH: 2, strideW: 2, same: true, batches: 1, act: 0, bias: 'large' },
    { inH: 5, inW: 5, inC: 12, mult: 1, strideH: 1, strideW: 1, same: true, batches: 1, act: 0, ratio: 0.7 },
    { inH: 12, inW: 12, inC: 16, mult: 1, strideH: 2, strideW: 2, same: true, batches: 1, act: 0 },
    { inH: 8, inW: 7, inC: 3, mult: 4, strideH: 2, strideW: 2, same: true, batches: 1, act: 0 },
    { inH: 5, inW: 6, inC: 1, mult: 12, strideH: 1, strideW: 1, same: true, batches: 1, act: 1 },
    { inH: 7, inW: 5, inC: 1, mult: 8, strideH: 3, strideW: 3, same: false, batches: 2, act: 0 },
    { inH: 6, inW: 6, inC: 2, mult: 4, strideH: 1, strideW: 1, same: true, batches: 1, act: 0, bias: 'large' },
    { inH: 6, inW: 5, inC: 1, mult: 4, strideH: 1, strideW: 2, same: true, batches: 1, act: 0, ratio: 1.5 },
    // Bands of more than 2048 bytes: multiplier 1 through the ring of 3 rows (moved on by 1, by 2, refilled, rows skipped).
    { inH: 24, inW: 23, inC: 4, mult: 1, strideH: 1, strideW: 1, same: true, batches: 1, act: 0 },
    { inH: 31, inW: 20, inC: 8, mult: 1, strideH: 2, strideW: 2, same: true, batches: 1, act: 0 },
    { inH: 30, inW: 21, inC: 4, mult: 1, strideH: 3, strideW: 1, same: false, batches: 1, act: 0 },
    { inH: 25, inW: 25, inC: 4, mult: 1, strideH: 4, strideW: 4, same: true, batches: 1, act: 0 },
    { inH: 22, inW: 22, inC: 4, mult: 1, strideH: 1, strideW: 2, same: true, batches: 2, act: 1 },
  ];
  for (const c of banded) {
    const s = { ...randomShape(rng, false, 'random'), ...c, kH: 3, kW: 3, dilationH: 1, dilationW: 1 };
    const outC = c.mult * c.inC;
    const inShape = [s.batches, s.inH, s.inW, c.inC];
    const fShape = [1, 3, 3, outC];
    const outShape = [s.batches, outSize(s.same, s.inH, 3, s.strideH, 1), outSize(s.same, s.inW, 3, s.strideW, 1), outC];
    const q = quantizedTensors(rng, s, outC, 9);
    // ratio: input scale x filter scale / output scale (of channel 0).
    const outQ = c.ratio ? { ...q.outQ, scale: [Math.fround(q.inQ.scale[0] * q.fScales[0] / c.ratio)] } : q.outQ;
    const biasValues = c.bias === 'large' ? Array.from({ length: outC }, (_, o) => (o % 2 ? -1 : 1) * rng.int(1_073_300_000, 2_146_000_000)) : rng.ints(outC, -2000, 2000);
    const input = activation(I8, inShape, q.inQ);
    const filter = constant(I8, fShape, rng.ints(9 * outC, -127, 127), { scale: q.fScales, zeroPoint: q.fScales.map(() => 0), axis: 3 });
    const bias = constant(I32, [outC], biasValues, q.biasQ);
    const output = activation(I8, outShape, outQ);
    cases.push({
      name: `s8 in[${inShape}] filter[${fShape}] multiplier${c.mult} bias${c.bias ? ' large' : ''}${c.ratio ? ` ratio ${c.ratio}` : ''} banded ${shapeName(s)}`,
      spec: {
        tensors: [input, filter, bias, output],
        inputs: [0],
        outputs: [3],
        ops: [{
          code: 4, version: 3, inputs: [0, 1, 2], outputs: [3], optionsType: 2,
          options: [[0, 'i8', s.same ? 0 : 1], [1, 'i32', s.strideW], [2, 'i32', s.strideH], [3, 'i32', c.mult],
            [4, 'i8', s.act], [5, 'i32', 1], [6, 'i32', 1]],
        }],
      },
      inputs: [randomInput(rng, input)],
    });
  }
  // One input channel, a multiplier of 4k (the C kernel's pixel-pair path, buffers on the C stack):
  // odd output widths, padding on every side (rows and columns wholly in it), strides 1 to 3, dilation
  // of rows, batches, odd filter widths, the activation clamp, the general requantization (large bias,
  // ratio >= 0.5); and the general loops: dilation of columns, a band too wide for the stack.
  const pairs: { inH: number, inW: number, kH: number, kW: number, mult: number, strideH: number, strideW: number, same: boolean,
    dilationH: number, dilationW: number, batches: number, act: number, bias?: 'large', ratio?: number }[] = [
    { inH: 15, inW: 13, kH: 10, kW: 8, mult: 8, strideH: 2, strideW: 2, same: true, dilationH: 1, dilationW: 1, batches: 1, act: 0 },
    { inH: 6, inW: 7, kH: 3, kW: 5, mult: 4, strideH: 1, strideW: 1, same: true, dilationH: 1, dilationW: 1, batches: 2, act: 0 },
    { inH: 11, inW: 12, kH: 2, kW: 3, mult: 12, strideH: 2, strideW: 2, same: false, dilationH: 2, dilationW: 2, batches: 2, act: 0 },
    { inH: 11, inW: 10, kH: 4, kW: 3, mult: 4, strideH: 3, strideW: 3, same: true, dilationH: 3, dilationW: 1, batches: 1, act: 1 },
    { inH: 4, inW: 3, kH: 7, kW: 8, mult: 8, strideH: 1, strideW: 2, same: true, dilationH: 1, dilationW: 1, batches: 1, act: 3 },
    { inH: 8, inW: 9, kH: 5, kW: 4, mult: 8, strideH: 2, strideW: 1, same: true, dilationH: 1, dilationW: 1, batches: 1, act: 0, bias: 'large' },
    { inH: 7, inW: 8, kH: 3, kW: 4, mult: 4, strideH: 1, strideW: 2, same: false, dilationH: 1, dilationW: 1, batches: 1, act: 0, ratio: 1.5 },
    { inH: 12, inW: 200, kH: 10, kW: 8, mult: 4, strideH: 2, strideW: 2, same: true, dilationH: 1, dilationW: 1, batches: 1, act: 0 },
  ];
  for (const c of pairs) {
    const s = { ...randomShape(rng, false, 'random'), ...c };
    const outC = c.mult;
    const inShape = [s.batches, s.inH, s.inW, 1];
    const fShape = [1, s.kH, s.kW, outC];
    const outShape = [s.batches, outSize(s.same, s.inH, s.kH, s.strideH, s.dilationH), outSize(s.same, s.inW, s.kW, s.strideW, s.dilationW), outC];
    const q = quantizedTensors(rng, s, outC, s.kH * s.kW);
    const outQ = c.ratio ? { ...q.outQ, scale: [Math.fround(q.inQ.scale[0] * q.fScales[0] / c.ratio)] } : q.outQ;
    const biasValues = c.bias === 'large' ? Array.from({ length: outC }, (_, o) => (o % 2 ? -1 : 1) * rng.int(1_070_000_000, 2_146_000_000)) : rng.ints(outC, -2000, 2000);
    const input = activation(I8, inShape, q.inQ);
    const filter = constant(I8, fShape, rng.ints(s.kH * s.kW * outC, -127, 127), { scale: q.fScales, zeroPoint: q.fScales.map(() => 0), axis: 3 });
    const bias = constant(I32, [outC], biasValues, q.biasQ);
    const output = activation(I8, outShape, outQ);
    cases.push(s8Case(rng, `s8 in[${inShape}] filter[${fShape}] multiplier${c.mult} bias${c.bias ? ' large' : ''}${c.ratio ? ` ratio ${c.ratio}` : ''} pixel pairs ${shapeName(s)}`,
      [input, filter, bias, output], s, c.mult));
  }
  return cases;
}

/** An int8 DEPTHWISE_CONV_2D case of input, filter, bias and output, with a random input. */
function s8Case(rng: Rng, name: string, tensors: TensorSpec[], s: ConvShape, mult: number): OpCase {
  return {
    name,
    spec: {
      tensors,
      inputs: [0],
      outputs: [3],
      ops: [{
        code: 4, version: 3, inputs: [0, 1, 2], outputs: [3], optionsType: 2,
        options: [[0, 'i8', s.same ? 0 : 1], [1, 'i32', s.strideW], [2, 'i32', s.strideH], [3, 'i32', mult],
          [4, 'i8', s.act], [5, 'i32', s.dilationW], [6, 'i32', s.dilationH]],
      }],
    },
    inputs: [randomInput(rng, tensors[0])],
  };
}
