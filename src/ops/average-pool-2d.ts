// AVERAGE_POOL_2D: output[b, y, x, c] = act(mean of the input window's in-bounds elements).
// Semantics of tensorflow/lite/kernels/pooling.cc with the reference kernels
// (reference_ops::AveragePool for float, reference_integer_ops::AveragePool for int8).
// Record layout: see pool-2d.ts.

import { KernelId } from './kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from './op.js';
import {
  P_ACT_MAX, P_ACT_MIN, P_BATCHES, P_CHANNELS, P_FILTER_H, P_FILTER_W, P_IN_H, P_IN_W, P_OUT_H, P_OUT_W,
  P_PAD_H, P_PAD_W, P_STRIDE_H, P_STRIDE_W, preparePool2d,
} from './pool-2d.js';

export const averagePool2d: OpDefinition = {
  code: 1,
  name: 'AVERAGE_POOL_2D',
  maxVersion: 3,
  prepare(ctx: OpContext) {
    return preparePool2d(ctx, KernelId.AVERAGE_POOL_2D_F32, KernelId.AVERAGE_POOL_2D_S8);
  },
};

const evalF32: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.f32[plan[t]], inBase = plan[t + 1] >> 2;
  const output = m.f32[plan[t + 2]];
  let o = plan[t + 3] >> 2;
  const batches = plan[p + P_BATCHES], inH = plan[p + P_IN_H], inW = plan[p + P_IN_W], depth = plan[p + P_CHANNELS];
  const outH = plan[p + P_OUT_H], outW = plan[p + P_OUT_W];
  const strideH = plan[p + P_STRIDE_H], strideW = plan[p + P_STRIDE_W];
  const filterH = plan[p + P_FILTER_H], filterW = plan[p + P_FILTER_W];
  const padH = plan[p + P_PAD_H], padW = plan[p + P_PAD_W];
  const lo = m.planF32[p + P_ACT_MIN], hi = m.planF32[p + P_ACT_MAX];
  const fround = Math.fround;
  for (let b = 0; b < batches; b++) {
    const batchBase = inBase + b * inH * inW * depth;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * strideH - padH;
      const fy0 = y0 < 0 ? -y0 : 0, fy1 = filterH < inH - y0 ? filterH : inH - y0;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * strideW - padW;
        const fx0 = x0 < 0 ? -x0 : 0, fx1 = filterW < inW - x0 ? filterW : inW - x0;
        const count = (fy1 - fy0) * (fx1 - fx0);
        for (let c = 0; c < depth; c++) {
          // Summed in float32 row by row, as the reference does, then divided by the count in float32.
          let total = 0;
          for (let fy = fy0; fy < fy1; fy++) {
            let at2 = batchBase + ((y0 + fy) * inW + x0 + fx0) * depth + c;
            for (let fx = fx0; fx < fx1; fx++, at2 += depth) total = fround(total + input[at2]);
          }
          const average = fround(total / count);
          output[o++] = average < lo ? lo : average > hi ? hi : average;
        }
      }
    }
  }
};

const evalS8: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.i8[plan[t]], inBase = plan[t + 1];
  const output = m.i8[plan[t + 2]];
  let o = plan[t + 3];
  const batches = plan[p + P_BATCHES], inH = plan[p + P_IN_H], inW = plan[p + P_IN_W], depth = plan[p + P_CHANNELS];
  const outH = plan[p + P_OUT_H], outW = plan[p + P_OUT_W];
  const strideH = plan[p + P_STRIDE_H], strideW = plan[p + P_STRIDE_W];
  const filterH = plan[p + P_FILTER_H], filterW = plan[p + P_FILTER_W];
  const padH = plan[p + P_PAD_H], padW = plan[p + P_PAD_W];
  const lo = plan[p + P_ACT_MIN], hi = plan[p + P_ACT_MAX];
  for (let b = 0; b < batches; b++) {
    const batchBase = inBase + b * inH * inW * depth;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * strideH - padH;
      const fy0 = y0 < 0 ? -y0 : 0, fy1 = filterH < inH - y0 ? filterH : inH - y0;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * strideW - padW;
        const fx0 = x0 < 0 ? -x0 : 0, fx1 = filterW < inW - x0 ? filterW : inW - x0;
        const count = (fy1 - fy0) * (fx1 - fx0);
        const half = count >> 1;
        for (let c = 0; c < depth; c++) {
          let acc = 0;
          for (let fy = fy0; fy < fy1; fy++) {
            let at2 = batchBase + ((y0 + fy) * inW + x0 + fx0) * depth + c;
            for (let fx = fx0; fx < fx1; fx++, at2 += depth) acc += input[at2];
          }
          // Rounded half away from zero: (acc +- count/2) / count with C's truncating division.
          let v = acc > 0 ? ((acc + half) / count) | 0 : ((acc - half) / count) | 0;
          v = v < lo ? lo : v > hi ? hi : v;
          output[o++] = v;
        }
      }
    }
  }
};

export const averagePool2dKernels: Record<number, Kernel> = {
  [KernelId.AVERAGE_POOL_2D_F32]: evalF32,
  [KernelId.AVERAGE_POOL_2D_S8]: evalS8,
};
