// QUANTIZE: float32 -> int8/uint8/int16 as zero_point + round(x / scale), clamped (per tensor or
// per channel); or int8/uint8/int16 -> int8/uint8/int16 with another scale and zero point.
// Semantics of tensorflow/lite/kernels/quantize.cc with the reference kernels
// (reference_ops::AffineQuantize, PerChannelQuantize, Requantize).
// Requantization rounds twice (gemmlowp's SaturatingRoundingDoublingHighMul, then
// RoundingDivideByPOT) in both references: TFLite 2.20 (ai-edge-litert, BUILTIN_REF), although
// built with single rounding, gives exactly the double-rounding results for QUANTIZE, as TFLM
// does; so this kernel ignores the plan's rounding mode. The multiplier itself is
// QuantizeMultiplier(input scale / output scale) in double, in the plan's mode.

import { DType, dtypeName, type Tensor } from '../model/model.js';
import { KernelId } from './kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from './op.js';
import { floatBits, multiplyByQuantizedMultiplierDouble } from './quant.js';

// Tensor refs: 0 input, 1 output.
// QUANTIZE_F32 params (float32 input):
const P_F_OUTPUT_TYPE = 0; // TensorType code of the output: 9 int8, 3 uint8, 7 int16
const P_F_QMIN = 1; // lowest value of the output type
const P_F_QMAX = 2; // highest value of the output type
const P_F_OUTER = 3; // product of the dimensions before the channel axis (all of them per tensor)
const P_F_CHANNELS = 4; // channels: the size of the quantized axis (1 per tensor)
const P_F_INNER = 5; // product of the dimensions after the channel axis (the element count per tensor)
const P_F_SCALES = 6; // the channels' scales (float32 bits), then their zero points, from here
// QUANTIZE_S8 params (int8, uint8 or int16 input):
const P_R_COUNT = 0; // elements
const P_R_INPUT_TYPE = 1; // TensorType code of the input: 9 int8, 3 uint8, 7 int16
const P_R_OUTPUT_TYPE = 2; // TensorType code of the output: 9 int8, 3 uint8, 7 int16
const P_R_INPUT_ZERO_POINT = 3;
const P_R_OUTPUT_ZERO_POINT = 4;
const P_R_MULTIPLIER = 5; // input scale / output scale as a quantized multiplier...
const P_R_SHIFT = 6; // ...and its shift
const P_R_QMIN = 7; // lowest value of the output type
const P_R_QMAX = 8; // highest value of the output type

/**
 * The output over the input (PreparedOp.shares) when its elements are bytes (int8, uint8), or int16
 * from int16: both kernels, TypeScript and C, read element i before they write element i, in
 * order, and an element no wider than the input's only overwrites input already read. (In C a byte
 * store may alias anything and an int16 store int16 loads, so the compiler keeps that order; a
 * float32 -> int16 output has no such guarantee, and int8 -> int16 is wider.)
 */
function quantizeShares(input: Tensor, output: Tensor): { shares?: [number, number] } {
  return output.type !== DType.INT16 || input.type === DType.INT16 ? { shares: [1, 0] } : {};
}

const RANGES: Record<number, [number, number]> = {
  [DType.INT8]: [-128, 127],
  [DType.UINT8]: [0, 255],
  [DType.INT16]: [-32768, 32767],
};

/** The tensor's element type range; fails for a type outside int8/uint8/int16. */
function rangeOf(ctx: OpContext, t: Tensor, what: string): [number, number] {
  ctx.expectType(t, what, DType.INT8, DType.UINT8, DType.INT16);
  return RANGES[t.type];
}

/** Fails unless every zero point fits the tensor's type. */
function checkZeroPoints(ctx: OpContext, t: Tensor, what: string, zeroPoints: Iterable<number>): void {
  const [lo, hi] = RANGES[t.type];
  for (const zp of zeroPoints) {
    if (!Number.isInteger(zp) || zp < lo || zp > hi) ctx.fail(`${what} ${ctx.describe(t)} has zero point ${zp}, outside the range of ${dtypeName(t.type)}`);
  }
}

export const quantize: OpDefinition = {
  code: 114,
  name: 'QUANTIZE',
  maxVersion: 3, // 4 is int4
  prepare(ctx: OpContext) {
    ctx.expectArity(1, 1, 1);
    const input = ctx.input(0);
    const output = ctx.output(0);
    ctx.expectShape(output, 'output', input.shape);
    const [qmin, qmax] = rangeOf(ctx, output, 'output');
    const oq = output.quant;
    if (!oq || oq.scale.length === 0) ctx.fail(`output ${ctx.describe(output)} has no quantization parameters`);
    const tensors = [input, output];

    if (input.type === DType.FLOAT32) {
      for (const s of oq.scale) {
        if (!(s > 0) || !Number.isFinite(s)) ctx.fail(`output ${ctx.describe(output)} has scale ${s}, expected a positive number`);
      }
      if (oq.zeroPoint.length !== oq.scale.length) {
        ctx.fail(`output ${ctx.describe(output)} has ${oq.scale.length} scales but ${oq.zeroPoint.length} zero points`);
      }
      checkZeroPoints(ctx, output, 'output', oq.zeroPoint);
      let outer = 1, channels = 1, inner = input.elements;
      if (oq.scale.length > 1) {
        const axis = oq.axis;
        if (axis < 0 || axis >= output.shape.length || output.shape[axis] !== oq.scale.length) {
          ctx.fail(`output ${ctx.describe(output)} has ${oq.scale.length} scales on axis ${axis}, expected one per channel of that axis`);
        }
        outer = output.shape.slice(0, axis).reduce((a, b) => a * b, 1);
        channels = output.shape[axis];
        inner = output.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      }
      return {
        kernel: KernelId.QUANTIZE_F32,
        tensors,
        params: [output.type, qmin, qmax, outer, channels, inner, ...Array.from(oq.scale, floatBits), ...oq.zeroPoint],
        ...quantizeShares(input, output),
      };
    }

    // Requantize: TFLite takes int8 -> int8/uint8/int16, uint8 -> int8/uint8 and int16 -> int8/int16.
    rangeOf(ctx, input, 'input');
    if (input.type === DType.INT8) ctx.expectType(output, 'output', DType.INT8, DType.UINT8, DType.INT16);
    else if (input.type === DType.UINT8) ctx.expectType(output, 'output', DType.INT8, DType.UINT8);
    else ctx.expectType(output, 'output', DType.INT8, DType.INT16);
    if (input.quant && input.quant.scale.length > 1) ctx.unsupported(`input ${ctx.describe(input)} is quantized per channel, which requantization does not support`);
    if (oq.scale.length > 1) ctx.unsupported(`output ${ctx.describe(output)} is quantized per channel, which requantization does not support`);
    const inQ = ctx.quant(input, 'input');
    const outQ = ctx.quant(output, 'output');
    checkZeroPoints(ctx, input, 'input', [inQ.zeroPoint]);
    checkZeroPoints(ctx, output, 'output', [outQ.zeroPoint]);
    if (input.type === DType.INT16 && output.type === DType.INT16 && (inQ.zeroPoint !== 0 || outQ.zeroPoint !== 0)) {
      ctx.fail(`int16 -> int16 requantization needs zero points 0, got ${inQ.zeroPoint} and ${outQ.zeroPoint}`);
    }
    // The effective scale is formed in double from the two float scales.
    const { multiplier, shift } = ctx.quantizeMultiplier(inQ.scale / outQ.scale);
    return {
      kernel: KernelId.QUANTIZE_S8,
      tensors,
      params: [input.elements, input.type, output.type, inQ.zeroPoint, outQ.zeroPoint, multiplier, shift, qmin, qmax],
      ...quantizeShares(input, output),
    };
  },
};

const evalF32: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.f32[plan[t]], inBase = plan[t + 1] >> 2;
  const outType = plan[p + P_F_OUTPUT_TYPE];
  const output = outType === DType.INT16 ? m.i16[plan[t + 2]] : outType === DType.UINT8 ? m.u8[plan[t + 2]] : m.i8[plan[t + 2]];
  const outBase = outType === DType.INT16 ? plan[t + 3] >> 1 : plan[t + 3];
  const qmin = plan[p + P_F_QMIN], qmax = plan[p + P_F_QMAX];
  const outer = plan[p + P_F_OUTER], channels = plan[p + P_F_CHANNELS], inner = plan[p + P_F_INNER];
  const scales = p + P_F_SCALES, zeroPoints = scales + channels;
  const fround = Math.fround;
  let i = 0;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const scale = m.planF32[scales + c], zeroPoint = plan[zeroPoints + c];
      for (let k = 0; k < inner; k++, i++) {
        const x = fround(input[inBase + i] / scale);
        // std::round: half away from zero.
        let v = (x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5)) + zeroPoint;
        v = v < qmin ? qmin : v > qmax ? qmax : v;
        output[outBase + i] = v;
      }
    }
  }
};

const evalRequantize: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const inType = plan[p + P_R_INPUT_TYPE], outType = plan[p + P_R_OUTPUT_TYPE];
  const input = inType === DType.INT16 ? m.i16[plan[t]] : inType === DType.UINT8 ? m.u8[plan[t]] : m.i8[plan[t]];
  const inBase = inType === DType.INT16 ? plan[t + 1] >> 1 : plan[t + 1];
  const output = outType === DType.INT16 ? m.i16[plan[t + 2]] : outType === DType.UINT8 ? m.u8[plan[t + 2]] : m.i8[plan[t + 2]];
  const outBase = outType === DType.INT16 ? plan[t + 3] >> 1 : plan[t + 3];
  const count = plan[p + P_R_COUNT];
  const inZp = plan[p + P_R_INPUT_ZERO_POINT], outZp = plan[p + P_R_OUTPUT_ZERO_POINT];
  const multiplier = plan[p + P_R_MULTIPLIER], shift = plan[p + P_R_SHIFT];
  const qmin = plan[p + P_R_QMIN], qmax = plan[p + P_R_QMAX];
  for (let i = 0; i < count; i++) {
    // Double rounding whatever the plan's mode (see the top of this file); the sum wraps as in C.
    let v = (multiplyByQuantizedMultiplierDouble(input[inBase + i] - inZp, multiplier, shift) + outZp) | 0;
    v = v < qmin ? qmin : v > qmax ? qmax : v;
    output[outBase + i] = v;
  }
};

export const quantizeKernels: Record<number, Kernel> = {
  [KernelId.QUANTIZE_F32]: evalF32,
  [KernelId.QUANTIZE_S8]: evalRequantize,
};
