// DEQUANTIZE: int8/uint8/int16 -> float32 as (x - zero_point) * scale (per tensor, or per channel
// for int8/uint8), and float16 -> float32.
// Semantics of tensorflow/lite/kernels/dequantize.cc with the reference kernels
// (reference_integer_ops::Dequantize, reference_ops::Dequantize, PerChannelDequantize).

import { DType } from '../model/model.js';
import { KernelId } from './kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from './op.js';
import { floatBits } from './quant.js';

const FLOAT16 = 1; // TensorType code

// Tensor refs: 0 input, 1 output.
// DEQUANTIZE_S8 params (int8, uint8 or int16 input):
const P_INPUT_TYPE = 0; // TensorType code of the input: 9 int8, 3 uint8, 7 int16
const P_OUTER = 1; // product of the dimensions before the channel axis (all of them per tensor)
const P_CHANNELS = 2; // channels: the size of the quantized axis (1 per tensor)
const P_INNER = 3; // product of the dimensions after the channel axis (the element count per tensor)
const P_SCALES = 4; // the channels' scales (float32 bits), then their zero points, from here
// DEQUANTIZE_F16 params:
const P_COUNT = 0; // elements

export const dequantize: OpDefinition = {
  code: 6,
  name: 'DEQUANTIZE',
  maxVersion: 5, // 6 is int4
  prepare(ctx: OpContext) {
    ctx.expectArity(1, 1, 1);
    const input = ctx.input(0);
    const output = ctx.output(0);
    ctx.expectShape(output, 'output', input.shape);
    ctx.expectType(output, 'output', DType.FLOAT32);
    const tensors = [input, output];
    if (input.type === FLOAT16) return { kernel: KernelId.DEQUANTIZE_F16, tensors, params: [input.elements] };

    ctx.expectType(input, 'input', FLOAT16, DType.INT8, DType.UINT8, DType.INT16);
    const q = input.quant;
    if (!q || q.scale.length === 0) ctx.fail(`input ${ctx.describe(input)} has no quantization parameters`);
    if (q.zeroPoint.length !== q.scale.length) ctx.fail(`input ${ctx.describe(input)} has ${q.scale.length} scales but ${q.zeroPoint.length} zero points`);
    for (const s of q.scale) {
      if (!(s > 0) || !Number.isFinite(s)) ctx.fail(`input ${ctx.describe(input)} has scale ${s}, expected a positive number`);
    }
    if (input.type === DType.INT16 && q.zeroPoint.some((zp) => zp !== 0)) {
      ctx.fail(`input ${ctx.describe(input)} has zero point ${q.zeroPoint[0]}: int16 dequantization needs zero point 0`);
    }
    const [lo, hi] = input.type === DType.INT8 ? [-128, 127] : input.type === DType.UINT8 ? [0, 255] : [-32768, 32767];
    q.zeroPoint.forEach((zp, i) => {
      if (!(zp >= lo && zp <= hi)) ctx.fail(`input ${ctx.describe(input)} has zero point ${zp}${q.zeroPoint.length > 1 ? ` at ${i}` : ''}, expected an integer in [${lo}, ${hi}]`);
    });
    let outer = 1, channels = 1, inner = input.elements;
    if (q.scale.length > 1) {
      if (input.type === DType.INT16) ctx.fail(`input ${ctx.describe(input)}: per-channel dequantization takes int8 or uint8, not int16`);
      const axis = q.axis;
      if (axis < 0 || axis >= input.shape.length || input.shape[axis] !== q.scale.length) {
        ctx.fail(`input ${ctx.describe(input)} has ${q.scale.length} scales on axis ${axis}, expected one per channel of that axis`);
      }
      outer = input.shape.slice(0, axis).reduce((a, b) => a * b, 1);
      channels = input.shape[axis];
      inner = input.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    }
    return {
      kernel: KernelId.DEQUANTIZE_S8,
      tensors,
      params: [input.type, outer, channels, inner, ...Array.from(q.scale, floatBits), ...q.zeroPoint],
    };
  },
};

const evalS8: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const inType = plan[p + P_INPUT_TYPE];
  const input = inType === DType.INT16 ? m.i16[plan[t]] : inType === DType.UINT8 ? m.u8[plan[t]] : m.i8[plan[t]];
  const inBase = inType === DType.INT16 ? plan[t + 1] >> 1 : plan[t + 1];
  const output = m.f32[plan[t + 2]], outBase = plan[t + 3] >> 2;
  const outer = plan[p + P_OUTER], channels = plan[p + P_CHANNELS], inner = plan[p + P_INNER];
  const scales = p + P_SCALES, zeroPoints = scales + channels;
  let i = 0;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const scale = m.planF32[scales + c], zeroPoint = plan[zeroPoints + c];
      // scale * (x - zero point) is exact in a double: one rounding, to float32 on the store.
      for (let k = 0; k < inner; k++, i++) output[outBase + i] = scale * (input[inBase + i] - zeroPoint);
    }
  }
};

const evalF16: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.i16[plan[t]], inBase = plan[t + 1] >> 1;
  const output = m.f32[plan[t + 2]], outBase = plan[t + 3] >> 2;
  const count = plan[p + P_COUNT];
  for (let i = 0; i < count; i++) {
    const h = input[inBase + i];
    const sign = h < 0 ? -1 : 1; // the sign bit of the half is the int16's
    const exponent = (h >> 10) & 0x1f, fraction = h & 0x3ff;
    // Each branch stores its own value (no variable holding either an integer or a double).
    if (exponent === 0) output[outBase + i] = sign * fraction * 5.960464477539063e-8; // subnormal: fraction * 2^-24
    else if (exponent === 31) output[outBase + i] = fraction === 0 ? sign * Infinity : NaN;
    else output[outBase + i] = sign * (1024 + fraction) * Math.pow(2, exponent - 25);
  }
};

export const dequantizeKernels: Record<number, Kernel> = {
  [KernelId.DEQUANTIZE_S8]: evalS8,
  [KernelId.DEQUANTIZE_F16]: evalF16,
};
