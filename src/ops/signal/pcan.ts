// SignalPCAN (TFLM custom op): per-channel energy normalization. Each channel's gain comes from a
// piecewise-quadratic lookup (gain_lut) of its noise estimate; the gained signal goes through the
// "shrink" curve (x^2 / 4 below 2, x - 1 above, in fixed point).
// Semantics of tensorflow/tflite-micro signal/micro/kernels/pcan.cc and signal/src/pcan_argc_fixed.cc:
// WideDynamicFunction's int16 result widens to uint32 with its sign (a negative gain is 2^32 - |g|),
// the product with the signal is uint64, shifted right by snr_shift and truncated to uint32.

import { KernelId } from '../kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from '../op.js';
import { customOptions } from '../flexbuffer.js';
import { T_INT16, T_UINT32, expectRank, msb32, mulShiftU32, optionInRange } from './common.js';

// Tensor refs: 0 input, 1 noise estimate, 2 gain LUT, 3 output. Params:
const P_CHANNELS = 0;
const P_SNR_SHIFT = 1;

const SNR_BITS = 12; // kPcanSnrBits
const OUTPUT_BITS = 6; // kPcanOutputBits
/** WideDynamicFunction reads lut[4 * 32 - 6 + 2] for the largest inputs. */
const LUT_MIN_LENGTH = 4 * 32 - 6 + 3;

export const signalPcan: OpDefinition = {
  code: 32,
  name: 'SignalPCAN',
  custom: true,
  maxVersion: 1,
  prepare(ctx: OpContext) {
    ctx.expectArity(3, 3, 1);
    const input = ctx.input(0), noise = ctx.input(1), lut = ctx.input(2), output = ctx.output(0);
    const snrShift = optionInRange(ctx, 'snr_shift', customOptions(ctx).int('snr_shift'), 0, 63);
    ctx.expectType(input, 'input', T_UINT32);
    ctx.expectType(noise, 'noise estimate', T_UINT32);
    ctx.expectType(lut, 'gain LUT', T_INT16);
    ctx.expectType(output, 'output', T_UINT32);
    expectRank(ctx, input, 'input', 1);
    expectRank(ctx, lut, 'gain LUT', 1);
    if (input.elements === 0) ctx.fail(`input ${ctx.describe(input)} is empty`);
    ctx.expectShape(noise, 'noise estimate', input.shape);
    ctx.expectShape(output, 'output', input.shape);
    if (lut.elements < LUT_MIN_LENGTH) ctx.fail(`gain LUT ${ctx.describe(lut)} must hold at least ${LUT_MIN_LENGTH} values`);
    return { kernel: KernelId.SIGNAL_PCAN, tensors: [input, noise, lut, output], params: [input.elements, snrShift] };
  },
};

/** WideDynamicFunction: the gain for noise estimate x, an int16. */
function gain(x: number, lut: Int16Array, base: number): number {
  if (x <= 2) return lut[base + x];
  const interval = msb32(x);
  const l = base + 4 * interval - 6;
  const frac = (interval < 11 ? x << (11 - interval) : x >>> (interval - 11)) & 0x3ff;
  let result = (lut[l + 2] * frac) >> 5;
  result += lut[l + 1] * 32;
  result = Math.imul(result, frac);
  result = (result + (1 << 14)) >> 15;
  result += lut[l];
  return (result << 16) >> 16;
}

/** PcanShrink: x has SNR_BITS fraction bits, the result OUTPUT_BITS. */
function shrink(x: number): number {
  if (x < 2 << SNR_BITS) return (x * x) >>> (2 + 2 * SNR_BITS - OUTPUT_BITS);
  return (x >>> (SNR_BITS - OUTPUT_BITS)) - (1 << OUTPUT_BITS);
}

const evalPcan: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.i32[plan[t]], inBase = plan[t + 1] >> 2;
  const noise = m.i32[plan[t + 2]], nBase = plan[t + 3] >> 2;
  const lut = m.i16[plan[t + 4]], lBase = plan[t + 5] >> 1;
  const out = m.i32[plan[t + 6]], oBase = plan[t + 7] >> 2;
  const channels = plan[p + P_CHANNELS], snrShift = plan[p + P_SNR_SHIFT];
  for (let i = 0; i < channels; i++) {
    const g = gain(noise[nBase + i] >>> 0, lut, lBase) >>> 0;
    out[oBase + i] = shrink(mulShiftU32(input[inBase + i] >>> 0, g, snrShift));
  }
};

export const signalPcanKernels: Record<number, Kernel> = { [KernelId.SIGNAL_PCAN]: evalPcan };
