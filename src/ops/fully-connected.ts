// FULLY_CONNECTED: output[b, o] = act(sum_d input[b, d] * filter[o, d] + bias[o]).
// Semantics of tensorflow/lite/kernels/fully_connected.cc with the reference kernels.

import { DType } from '../model/model.js';
import { KernelId } from './kernel-ids.js';
import { NO_TENSOR, RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from './op.js';
import { ACTIVATION_NAMES, floatActivationRange, floatBits, quantizedActivationRange } from './quant.js';

// Tensor refs: 0 input, 1 filter, 2 bias (or NO_TENSOR), 3 output.
// Params, both kernels:
const P_BATCHES = 0; // rows of the flattened input
const P_DEPTH = 1; // accumulation depth (filter.shape[1])
const P_OUT_CHANNELS = 2; // filter.shape[0]
const P_ACT_MIN = 3; // float32 bits (F32) or int32 (S8)
const P_ACT_MAX = 4;
// S8 only:
const P_INPUT_OFFSET = 5; // -input zero point
const P_FILTER_OFFSET = 6; // -filter zero point
const P_OUTPUT_OFFSET = 7; // output zero point
const P_MULTIPLIERS = 8; // how many (multiplier, shift) pairs follow: 1 (per-tensor filter) or out channels
const P_PER_CHANNEL = 9; // the multipliers, then the shifts, from here

export const fullyConnected: OpDefinition = {
  code: 9,
  name: 'FULLY_CONNECTED',
  maxVersion: 12,
  prepare(ctx: OpContext) {
    ctx.expectArity(2, 3, 1);
    const input = ctx.input(0);
    const filter = ctx.input(1);
    const bias = ctx.optionalInput(2);
    const output = ctx.output(0);
    const options = ctx.options(8, 'FullyConnectedOptions');
    const activation = options?.i8(0, 'fused_activation_function') ?? 0;
    const weightsFormat = options?.i8(1, 'weights_format') ?? 0;
    const keepNumDims = options?.bool(2, 'keep_num_dims') ?? false;
    if (weightsFormat !== 0) ctx.unsupported(`weights_format ${weightsFormat} (shuffled) is not supported, expected DEFAULT (0)`);

    ctx.expectRank(filter, 'filter', 2);
    const [outChannels, depth] = filter.shape;
    if (depth === 0 || input.elements % depth !== 0) {
      ctx.fail(`input ${ctx.describe(input)} cannot be flattened into rows of the filter's depth ${depth}`);
    }
    const batches = input.elements / depth;
    const outShape = keepNumDims ? [...input.shape.slice(0, -1), outChannels] : [batches, outChannels];
    if (keepNumDims && input.shape[input.shape.length - 1] !== depth) {
      ctx.fail(`keep_num_dims needs the input's last dimension to equal the filter depth ${depth}`);
    }
    ctx.expectShape(output, 'output', outShape);
    if (bias) ctx.expectShape(bias, 'bias', [outChannels]);
    const tensors = [input, filter, bias, output];

    if (input.type === DType.FLOAT32) {
      ctx.expectType(filter, 'filter', DType.FLOAT32);
      ctx.expectType(output, 'output', DType.FLOAT32);
      if (bias) ctx.expectType(bias, 'bias', DType.FLOAT32);
      const range = floatActivationRange(activation);
      if (!range) ctx.unsupported(`fused activation ${ACTIVATION_NAMES[activation] ?? activation} is not supported`);
      return { kernel: KernelId.FULLY_CONNECTED_F32, tensors, params: [batches, depth, outChannels, floatBits(range[0]), floatBits(range[1])] };
    }

    ctx.expectType(input, 'input', DType.FLOAT32, DType.INT8);
    ctx.expectType(filter, 'filter', DType.INT8);
    ctx.expectType(output, 'output', DType.INT8);
    if (bias) ctx.expectType(bias, 'bias', DType.INT32);
    const inQ = ctx.quant(input, 'input');
    const outQ = ctx.quant(output, 'output');
    const fq = filter.quant;
    if (!fq) ctx.fail(`filter ${ctx.describe(filter)} has no quantization parameters`);
    fq.scale.forEach((x, i) => {
      if (!(x > 0) || !Number.isFinite(x)) ctx.fail(`filter ${ctx.describe(filter)} has scale ${x} at ${i}, expected a positive number`);
    });
    if (!(fq.zeroPoint[0] >= -128 && fq.zeroPoint[0] <= 127)) {
      ctx.fail(`filter ${ctx.describe(filter)} has zero point ${fq.zeroPoint[0]}, expected an integer in [-128, 127]`);
    }
    const perChannel = fq.scale.length > 1;
    if (perChannel && (fq.axis !== 0 || fq.scale.length !== outChannels)) {
      ctx.fail(`filter ${ctx.describe(filter)} has ${fq.scale.length} scales on axis ${fq.axis}, expected ${outChannels} on axis 0`);
    }
    const range = quantizedActivationRange(activation, outQ.scale, outQ.zeroPoint, -128, 127);
    if (!range) ctx.unsupported(`fused activation ${ACTIVATION_NAMES[activation] ?? activation} is not supported`);
    const multipliers: number[] = [];
    const shifts: number[] = [];
    for (let o = 0; o < (perChannel ? outChannels : 1); o++) {
      // Per tensor, TFLite forms input_scale * filter_scale in float before widening to double.
      const real = perChannel
        ? inQ.scale * fq.scale[o] / outQ.scale
        : Math.fround(inQ.scale * fq.scale[0]) / outQ.scale;
      const { multiplier, shift } = ctx.quantizeMultiplier(real);
      // Single rounding saturates at 2^30; double rounding (TFLM) would shift left by 31 or more.
      if (shift > 30) {
        ctx.fail(`input scale x filter scale / output scale is ${real}${perChannel ? ` for output channel ${o}` : ''}, expected less than 2^30 (TFLM cannot requantize with it)`);
      }
      multipliers.push(multiplier);
      shifts.push(shift);
    }
    return {
      kernel: KernelId.FULLY_CONNECTED_S8,
      tensors,
      params: [batches, depth, outChannels, range[0], range[1], -inQ.zeroPoint, -fq.zeroPoint[0], outQ.zeroPoint,
        multipliers.length, ...multipliers, ...shifts],
    };
  },
};

const evalF32: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.f32[plan[t]], inBase = plan[t + 1] >> 2;
  const filter = m.f32[plan[t + 2]], fBase = plan[t + 3] >> 2;
  const hasBias = plan[t + 4] !== NO_TENSOR;
  const bias = hasBias ? m.f32[plan[t + 4]] : input, bBase = plan[t + 5] >> 2;
  const output = m.f32[plan[t + 6]], oBase = plan[t + 7] >> 2;
  const batches = plan[p + P_BATCHES], depth = plan[p + P_DEPTH], outC = plan[p + P_OUT_CHANNELS];
  const lo = m.planF32[p + P_ACT_MIN], hi = m.planF32[p + P_ACT_MAX];
  const fround = Math.fround;
  for (let b = 0; b < batches; b++) {
    const row = inBase + b * depth;
    for (let o = 0; o < outC; o++) {
      const w = fBase + o * depth;
      let total = 0;
      for (let d = 0; d < depth; d++) total = fround(total + fround(input[row + d] * filter[w + d]));
      if (hasBias) total = fround(total + bias[bBase + o]);
      output[oBase + b * outC + o] = total < lo ? lo : total > hi ? hi : total;
    }
  }
};

const evalS8: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.i8[plan[t]], inBase = plan[t + 1];
  const filter = m.i8[plan[t + 2]], fBase = plan[t + 3];
  const hasBias = plan[t + 4] !== NO_TENSOR;
  const bias = hasBias ? m.i32[plan[t + 4]] : m.i32[0], bBase = plan[t + 5] >> 2;
  const output = m.i8[plan[t + 6]], oBase = plan[t + 7];
  const batches = plan[p + P_BATCHES], depth = plan[p + P_DEPTH], outC = plan[p + P_OUT_CHANNELS];
  const lo = plan[p + P_ACT_MIN], hi = plan[p + P_ACT_MAX];
  const inOff = plan[p + P_INPUT_OFFSET], fOff = plan[p + P_FILTER_OFFSET], outOff = plan[p + P_OUTPUT_OFFSET];
  const count = plan[p + P_MULTIPLIERS];
  const mults = p + P_PER_CHANNEL, shifts = mults + count, step = count > 1 ? 1 : 0;
  for (let b = 0; b < batches; b++) {
    const row = inBase + b * depth;
    for (let o = 0; o < outC; o++) {
      const w = fBase + o * depth;
      let acc = 0;
      for (let d = 0; d < depth; d++) acc = (acc + (filter[w + d] + fOff) * (input[row + d] + inOff)) | 0;
      if (hasBias) acc = (acc + bias[bBase + o]) | 0;
      let v = m.requantize(acc, plan[mults + o * step], plan[shifts + o * step]) + outOff;
      v = v < lo ? lo : v > hi ? hi : v;
      output[oBase + b * outC + o] = v;
    }
  }
};

export const fullyConnectedKernels: Record<number, Kernel> = {
  [KernelId.FULLY_CONNECTED_F32]: evalF32,
  [KernelId.FULLY_CONNECTED_S8]: evalS8,
};
