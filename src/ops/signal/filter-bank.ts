// SignalFilterBank (TFLM custom op): mel filter bank accumulation. Each frequency bin's energy is
// added, multiplied by its weight, to one channel and, multiplied by its unweight, to the next; the
// sums are uint64. Channel 0 of TFLM's work area is scratch and dropped, so output i is channel i + 1.
// Semantics of tensorflow/tflite-micro signal/micro/kernels/filter_bank.cc and signal/src/filter_bank.cc:
// int16 weights times uint32 inputs summed modulo 2^64 (a negative weight adds 2^64 - |w| x).
// The five tables must be constant: prepare checks that every index they produce is in bounds and
// copies the three index tables into the plan (a native executor checks them there, against the
// lengths of the input and the weights).

import { KernelId } from '../kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from '../op.js';
import { customOptions } from '../flexbuffer.js';
import { T_INT16, T_UINT32, T_UINT64, TWO_32, expectRank, int16Values } from './common.js';

// Tensor refs: 0 input, 1 weights, 2 unweights, 3 output. Params:
const P_CHANNELS = 0; // C: then C + 1 frequency starts, C + 1 weight starts, C + 1 widths
const P_TABLES = 1;

const TABLES = ['weights', 'unweights', 'channel frequency starts', 'channel weight starts', 'channel widths'];

export const signalFilterBank: OpDefinition = {
  code: 32,
  name: 'SignalFilterBank',
  custom: true,
  maxVersion: 1,
  prepare(ctx: OpContext) {
    ctx.expectArity(6, 6, 1);
    const input = ctx.input(0), output = ctx.output(0);
    const tables = TABLES.map((what, k) => {
      const t = ctx.input(k + 1);
      ctx.expectType(t, what, T_INT16);
      expectRank(ctx, t, what, 1);
      ctx.expectConstant(t, what);
      return t;
    });
    const channels = customOptions(ctx).int('num_channels');
    ctx.expectType(input, 'input', T_UINT32);
    ctx.expectType(output, 'output', T_UINT64);
    expectRank(ctx, input, 'input', 1);
    ctx.expectShape(output, 'output', [channels]);
    const [weights, unweights, freqStarts, weightStarts, widths] = tables.map(int16Values);
    for (const [k, values] of [[2, freqStarts], [3, weightStarts], [4, widths]] as const) {
      if (values.length < channels + 1) ctx.fail(`${TABLES[k]} ${ctx.describe(tables[k])} must hold num_channels + 1 = ${channels + 1} values`);
    }
    for (let i = 0; i <= channels; i++) {
      const f = freqStarts[i], w = weightStarts[i], n = widths[i];
      if (n < 0 || f < 0 || w < 0 || f + n > input.elements || w + n > weights.length || w + n > unweights.length) {
        ctx.fail(`channel ${i} (frequency start ${f}, weight start ${w}, width ${n}) reaches outside the input ${ctx.describe(input)} or the weights`);
      }
    }
    const n = channels + 1;
    return {
      kernel: KernelId.SIGNAL_FILTER_BANK,
      tensors: [input, tables[0], tables[1], output],
      params: [channels, ...freqStarts.slice(0, n), ...weightStarts.slice(0, n), ...widths.slice(0, n)],
    };
  },
};

const evalFilterBank: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.i32[plan[t]], inBase = plan[t + 1] >> 2;
  const weights = m.i16[plan[t + 2]], wBase = plan[t + 3] >> 1;
  const unweights = m.i16[plan[t + 4]], uBase = plan[t + 5] >> 1;
  const out = m.i32[plan[t + 6]], oBase = plan[t + 7] >> 2;
  const channels = plan[p + P_CHANNELS];
  const freqStarts = p + P_TABLES, weightStarts = freqStarts + channels + 1, widths = weightStarts + channels + 1;
  // Each sum as lo + hi * 2^32: lo accumulates products (|w x| < 2^47) and is carried into hi
  // (kept modulo 2^32) before it could leave the exact range of a float64.
  let wLo = 0, wHi = 0, uLo = 0, uHi = 0;
  for (let i = 0; i <= channels; i++) {
    const f = inBase + plan[freqStarts + i], w = plan[weightStarts + i], n = plan[widths + i];
    for (let j = 0; j < n; j++) {
      const x = input[f + j] >>> 0;
      wLo += weights[wBase + w + j] * x;
      uLo += unweights[uBase + w + j] * x;
      if (wLo >= 2 ** 52 || wLo <= -(2 ** 52)) { const c = Math.floor(wLo / TWO_32); wLo -= c * TWO_32; wHi = (wHi + c) % TWO_32; }
      if (uLo >= 2 ** 52 || uLo <= -(2 ** 52)) { const c = Math.floor(uLo / TWO_32); uLo -= c * TWO_32; uHi = (uHi + c) % TWO_32; }
    }
    if (i > 0) {
      const c = Math.floor(wLo / TWO_32);
      const o = oBase + 2 * (i - 1);
      out[o] = wLo - c * TWO_32;
      out[o + 1] = wHi + c;
    }
    wLo = uLo; wHi = uHi;
    uLo = 0; uHi = 0;
  }
};

export const signalFilterBankKernels: Record<number, Kernel> = { [KernelId.SIGNAL_FILTER_BANK]: evalFilterBank };
