// SignalEnergy (TFLM custom op): output[i] = real^2 + imag^2 of complex int16 input i, for i in
// [start_index, end_index); the other outputs are left as they are in TFLM (xsml writes 0 there, so
// that the output does not depend on what the arena held before).
// Semantics of tensorflow/tflite-micro signal/micro/kernels/energy.cc and signal/src/energy.cc (the
// sum is formed in int32 and stored as uint32: -32768^2 * 2 wraps to 2^31).

import { KernelId } from '../kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from '../op.js';
import { customOptions } from '../flexbuffer.js';
import { T_INT16, T_UINT32, expectRank } from './common.js';

// Tensor refs: 0 input (interleaved real, imaginary), 1 output. Params:
const P_START = 0;
const P_END = 1;
const P_SIZE = 2; // output elements

export const signalEnergy: OpDefinition = {
  code: 32,
  name: 'SignalEnergy',
  custom: true,
  maxVersion: 1,
  prepare(ctx: OpContext) {
    ctx.expectArity(1, 1, 1);
    const input = ctx.input(0), output = ctx.output(0);
    const options = customOptions(ctx);
    const start = options.int('start_index'), end = options.int('end_index');
    ctx.expectType(input, 'input', T_INT16);
    ctx.expectType(output, 'output', T_UINT32);
    expectRank(ctx, input, 'input', 1);
    expectRank(ctx, output, 'output', 1);
    const bins = Math.min(output.elements, input.elements >> 1);
    if (!(start >= 0 && start <= end && end <= bins)) {
      ctx.fail(`start_index ${start} and end_index ${end} must satisfy 0 <= start <= end <= ${bins} (the complex input ${ctx.describe(input)} and output ${ctx.describe(output)} hold ${bins})`);
    }
    return { kernel: KernelId.SIGNAL_ENERGY, tensors: [input, output], params: [start, end, output.elements] };
  },
};

const evalEnergy: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.i16[plan[t]], inBase = plan[t + 1] >> 1;
  const out = m.i32[plan[t + 2]], oBase = plan[t + 3] >> 2;
  const start = plan[p + P_START], end = plan[p + P_END], size = plan[p + P_SIZE];
  for (let i = 0; i < start; i++) out[oBase + i] = 0;
  for (let i = start; i < end; i++) {
    const re = input[inBase + 2 * i], im = input[inBase + 2 * i + 1];
    out[oBase + i] = re * re + im * im; // stored mod 2^32
  }
  for (let i = end; i < size; i++) out[oBase + i] = 0;
};

export const signalEnergyKernels: Record<number, Kernel> = { [KernelId.SIGNAL_ENERGY]: evalEnergy };
