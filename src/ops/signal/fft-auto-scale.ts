// SignalFftAutoScale (TFLM custom op): shifts the int16 input left by as many bits as its largest
// magnitude allows (output 0) and reports that shift (output 1, an int32 scalar).
// Semantics of tensorflow/tflite-micro signal/micro/kernels/fft_auto_scale*.cc and
// signal/src/fft_auto_scale.cc, max_abs.cc, msb_32.cc (as built with GCC: MostSignificantBit32(0) = 32),
// including MaxAbs16's int16 wrap for -32768.

import { KernelId } from '../kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from '../op.js';
import { T_INT16, T_INT32, expectRank, msb32, s16 } from './common.js';

// Tensor refs: 0 input, 1 output, 2 scale bits. Params:
const P_SIZE = 0;

export const signalFftAutoScale: OpDefinition = {
  code: 32,
  name: 'SignalFftAutoScale',
  custom: true,
  maxVersion: 1,
  prepare(ctx: OpContext) {
    ctx.expectArity(1, 1, 2);
    const input = ctx.input(0), output = ctx.output(0), scaleBits = ctx.output(1);
    ctx.expectType(input, 'input', T_INT16);
    ctx.expectType(output, 'output 0', T_INT16);
    ctx.expectType(scaleBits, 'output 1', T_INT32);
    expectRank(ctx, input, 'input', 1);
    ctx.expectShape(output, 'output 0', input.shape);
    expectRank(ctx, scaleBits, 'output 1', 0);
    return { kernel: KernelId.SIGNAL_FFT_AUTO_SCALE, tensors: [input, output, scaleBits], params: [input.elements] };
  },
};

const evalFftAutoScale: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.i16[plan[t]], inBase = plan[t + 1] >> 1;
  const out = m.i16[plan[t + 2]], oBase = plan[t + 3] >> 1;
  const bits = m.i32[plan[t + 4]], bBase = plan[t + 5] >> 2;
  const size = plan[p + P_SIZE];
  let max = 0; // an int16, as MaxAbs16 keeps it
  for (let i = 0; i < size; i++) {
    const v = input[inBase + i];
    if (v > max) max = v;
    else if (-v > max) max = s16(-v);
  }
  let scale = 16 - msb32(max >>> 0) - 1;
  if (scale <= 0) scale = 0;
  const factor = 1 << scale;
  for (let i = 0; i < size; i++) out[oBase + i] = input[inBase + i] * factor;
  bits[bBase] = scale;
};

export const signalFftAutoScaleKernels: Record<number, Kernel> = { [KernelId.SIGNAL_FFT_AUTO_SCALE]: evalFftAutoScale };
