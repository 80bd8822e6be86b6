// SignalWindow (TFLM custom op): output = saturate_int16((input * window) >> shift), the window
// applied to each consecutive window-sized run of the input.
// Semantics of tensorflow/tflite-micro signal/micro/kernels/window.cc and signal/src/window.cc.

import { KernelId } from '../kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from '../op.js';
import { customOptions } from '../flexbuffer.js';
import { T_INT16, expectRank, optionInRange } from './common.js';

// Tensor refs: 0 input, 1 weights (the window), 2 output. Params:
const P_SIZE = 0; // input elements
const P_WINDOW = 1; // window length
const P_SHIFT = 2;

export const signalWindow: OpDefinition = {
  code: 32,
  name: 'SignalWindow',
  custom: true,
  maxVersion: 1,
  prepare(ctx: OpContext) {
    ctx.expectArity(2, 2, 1);
    const input = ctx.input(0), weights = ctx.input(1), output = ctx.output(0);
    const shift = optionInRange(ctx, 'shift', customOptions(ctx).int('shift'), 0, 31);
    ctx.expectType(input, 'input', T_INT16);
    ctx.expectType(weights, 'weights', T_INT16);
    ctx.expectType(output, 'output', T_INT16);
    if (input.shape.length < 1) ctx.fail(`input ${ctx.describe(input)} must have rank 1 or more`);
    expectRank(ctx, weights, 'weights', 1);
    ctx.expectShape(output, 'output', input.shape);
    const window = weights.shape[0];
    if (window === 0 ? input.elements !== 0 : input.elements % window !== 0) {
      ctx.fail(`input ${ctx.describe(input)} is not a whole number of windows of ${window} samples`);
    }
    return { kernel: KernelId.SIGNAL_WINDOW, tensors: [input, weights, output], params: [input.elements, window, shift] };
  },
};

const evalWindow: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.i16[plan[t]], inBase = plan[t + 1] >> 1;
  const w = m.i16[plan[t + 2]], wBase = plan[t + 3] >> 1;
  const out = m.i16[plan[t + 4]], oBase = plan[t + 5] >> 1;
  const size = plan[p + P_SIZE], window = plan[p + P_WINDOW], shift = plan[p + P_SHIFT];
  for (let i = 0; i < size; i += window) {
    for (let k = 0; k < window; k++) {
      const v = (input[inBase + i + k] * w[wBase + k]) >> shift;
      out[oBase + i + k] = v < -32768 ? -32768 : v > 32767 ? 32767 : v;
    }
  }
};

export const signalWindowKernels: Record<number, Kernel> = { [KernelId.SIGNAL_WINDOW]: evalWindow };
