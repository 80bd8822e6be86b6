// SignalFilterBankLog (TFLM custom op): output[i] = min(Log32(input[i] << input_correction_bits,
// output_scale), 32767), or 0 where the shifted input is 0 or 1: a fixed-point natural log (log2 from
// the top bit and a 128-segment piecewise-linear correction, times ln 2 in Q16), scaled by
// output_scale / 2^16.
// Semantics of tensorflow/tflite-micro signal/micro/kernels/filter_bank_log.cc and
// signal/src/filter_bank_log.cc, log.cc (uint32 arithmetic: the shift and the final scaling wrap).

import { KernelId } from '../kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from '../op.js';
import { customOptions } from '../flexbuffer.js';
import { T_INT16, T_UINT32, expectRank, msb32, optionInRange } from './common.js';

// Tensor refs: 0 input, 1 output. Params:
const P_CHANNELS = 0;
const P_CORRECTION_BITS = 1;
const P_OUTPUT_SCALE = 2;
const P_LUT = 3; // the 130 words of LOG_LUT (computed here, read from the plan by every kernel)

const SEGMENTS_LOG2 = 7;
const SCALE_LOG2 = 16;
const LOG_COEFF = 45426; // ln 2 in Q16

/**
 * The correction table: log2(1 + k/128) - k/128 in Q16 at the 129 segment ends (and a 0 after them),
 * the amount by which log2 exceeds the straight line between powers of two.
 */
const LOG_LUT = Int32Array.from({ length: 130 }, (_, k) => k > 128 ? 0 : Math.round((Math.log2(1 + k / 128) - k / 128) * 65536));

/** Log32(x, scale) for x >= 2, with the correction table at plan[lut]. */
function log32(x: number, scale: number, plan: Int32Array, lut: number): number {
  const integer = msb32(x) - 1;
  // Log2FractionPart32: the bits below the top one, as a Q16 fraction, plus the table's correction.
  let frac = x - 2 ** integer;
  frac = integer < SCALE_LOG2 ? frac << (SCALE_LOG2 - integer) : frac >> (integer - SCALE_LOG2);
  const seg = frac >> (SCALE_LOG2 - SEGMENTS_LOG2);
  const c0 = plan[lut + seg], c1 = plan[lut + seg + 1];
  const relPos = ((c1 - c0) * (frac - (seg << (SCALE_LOG2 - SEGMENTS_LOG2)))) >> SCALE_LOG2;
  const log2 = integer * 65536 + frac + c0 + relPos;
  const loge = Math.floor((LOG_COEFF * log2 + 32768) / 65536);
  return ((Math.imul(scale, loge) + 32768) >>> 0) >>> SCALE_LOG2;
}

export const signalFilterBankLog: OpDefinition = {
  code: 32,
  name: 'SignalFilterBankLog',
  custom: true,
  maxVersion: 1,
  prepare(ctx: OpContext) {
    ctx.expectArity(1, 1, 1);
    const input = ctx.input(0), output = ctx.output(0);
    const o = customOptions(ctx);
    const correction = optionInRange(ctx, 'input_correction_bits', o.int('input_correction_bits'), 0, 31);
    const scale = optionInRange(ctx, 'output_scale', o.int('output_scale'), -0x80000000, 0x7fffffff);
    ctx.expectType(input, 'input', T_UINT32);
    ctx.expectType(output, 'output', T_INT16);
    expectRank(ctx, input, 'input', 1);
    ctx.expectShape(output, 'output', input.shape);
    return { kernel: KernelId.SIGNAL_FILTER_BANK_LOG, tensors: [input, output], params: [input.elements, correction, scale, ...LOG_LUT] };
  },
};

const evalLog: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.i32[plan[t]], inBase = plan[t + 1] >> 2;
  const out = m.i16[plan[t + 2]], oBase = plan[t + 3] >> 1;
  const n = plan[p + P_CHANNELS], correction = plan[p + P_CORRECTION_BITS], scale = plan[p + P_OUTPUT_SCALE];
  for (let i = 0; i < n; i++) {
    const scaled = (input[inBase + i] << correction) >>> 0;
    if (scaled > 1) {
      const v = log32(scaled, scale, plan, p + P_LUT);
      out[oBase + i] = v < 32767 ? v : 32767;
    } else {
      out[oBase + i] = 0;
    }
  }
};

export const signalFilterBankLogKernels: Record<number, Kernel> = { [KernelId.SIGNAL_FILTER_BANK_LOG]: evalLog };
