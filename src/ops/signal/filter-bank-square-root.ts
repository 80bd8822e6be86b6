// SignalFilterBankSquareRoot (TFLM custom op): output[i] = Sqrt64(input[i]) >> scale_bits, where
// scale_bits is an int32 scalar tensor (SignalFftAutoScale's second output).
// Semantics of tensorflow/tflite-micro signal/micro/kernels/filter_bank_square_root*.cc and
// signal/src/filter_bank_square_root.cc, square_root_32.cc, square_root_64.cc: the root rounded to
// nearest, through the 32-bit routine when the high word is 0 (capped at 0xFFFF there).

import { KernelId } from '../kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from '../op.js';
import { T_INT32, T_UINT32, T_UINT64, expectRank, sqrt64 } from './common.js';

// Tensor refs: 0 input (uint64), 1 scale bits (int32 scalar), 2 output (uint32). Params:
const P_CHANNELS = 0;

export const signalFilterBankSquareRoot: OpDefinition = {
  code: 32,
  name: 'SignalFilterBankSquareRoot',
  custom: true,
  maxVersion: 1,
  prepare(ctx: OpContext) {
    ctx.expectArity(2, 2, 1);
    const input = ctx.input(0), scaleBits = ctx.input(1), output = ctx.output(0);
    ctx.expectType(input, 'input', T_UINT64);
    ctx.expectType(scaleBits, 'scale bits', T_INT32);
    ctx.expectType(output, 'output', T_UINT32);
    expectRank(ctx, input, 'input', 1);
    expectRank(ctx, scaleBits, 'scale bits', 0);
    ctx.expectShape(output, 'output', input.shape);
    return { kernel: KernelId.SIGNAL_FILTER_BANK_SQUARE_ROOT, tensors: [input, scaleBits, output], params: [input.elements] };
  },
};

const evalSquareRoot: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.i32[plan[t]], inBase = plan[t + 1] >> 2;
  const bits = m.i32[plan[t + 2]][plan[t + 3] >> 2];
  const out = m.i32[plan[t + 4]], oBase = plan[t + 5] >> 2;
  const n = plan[p + P_CHANNELS];
  for (let i = 0; i < n; i++) {
    out[oBase + i] = sqrt64(input[inBase + 2 * i] >>> 0, input[inBase + 2 * i + 1] >>> 0) >>> bits;
  }
};

export const signalFilterBankSquareRootKernels: Record<number, Kernel> = { [KernelId.SIGNAL_FILTER_BANK_SQUARE_ROOT]: evalSquareRoot };
