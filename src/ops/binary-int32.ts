// The int32 forms of the broadcasting element-wise ops (ADD, MUL here; DIV in div.ts): plain int32
// arithmetic as TFLite's and TFLM's reference_ops (Add, Mul, BroadcastAdd/Mul...Slow) do it, with
// CalculateActivationRange<int32_t>'s clamp. Overflow wraps (it is undefined behaviour in C, where
// every target xsml runs on wraps too).

import type { Tensor } from '../model/model.js';
import { DType } from '../model/model.js';
import { B_END, binaryShares, prepareBroadcast, runBroadcast, type BinaryRow } from './binary-broadcast.js';
import { KernelId } from './kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type PreparedOp } from './op.js';
import { ACTIVATION_NAMES, Activation } from './quant.js';

// Tensor refs: 0 input1, 1 input2, 2 output.
// Params: the broadcast loop nest (binary-broadcast.ts), then:
export const P_I32_ACT_MIN = B_END;
export const P_I32_ACT_MAX = B_END + 1;

/** CalculateActivationRange<int32_t>. */
export function int32ActivationRange(ctx: OpContext, activation: number): [number, number] {
  switch (activation) {
    case Activation.NONE: return [-0x80000000, 0x7fffffff];
    case Activation.RELU: return [0, 0x7fffffff];
    case Activation.RELU_N1_TO_1: return [-1, 1];
    case Activation.RELU6: return [0, 6];
    default: return ctx.unsupported(`fused activation ${ACTIVATION_NAMES[activation] ?? activation} is not supported, expected NONE, RELU, RELU_N1_TO_1 or RELU6`);
  }
}

/** Checks an int32 binary op (both inputs and the output int32, not quantized) and makes its record. */
export function prepareInt32Binary(ctx: OpContext, kernel: number, a: Tensor, b: Tensor, output: Tensor, activation: number): PreparedOp {
  ctx.expectType(b, 'input 2', DType.INT32);
  ctx.expectType(output, 'output', DType.INT32);
  for (const [t, what] of [[a, 'input 1'], [b, 'input 2'], [output, 'output']] as const) {
    if (t.quant && (t.quant.scale.some((s) => s !== 1 && s !== 0) || t.quant.zeroPoint.some((z) => z !== 0))) {
      ctx.unsupported(`${what} ${ctx.describe(t)} is quantized: only plain int32 ${ctx.op.opcode.name} is supported`);
    }
  }
  const loops = prepareBroadcast(ctx, a, b, output);
  const [lo, hi] = int32ActivationRange(ctx, activation);
  return { kernel, tensors: [a, b, output], params: [...loops, lo, hi], ...binaryShares(a, b, output) };
}

/** A row of an int32 binary op applying `f`; `f` must be a module-level function (nothing allocated). */
export function int32Row(f: (x: number, y: number) => number): BinaryRow {
  return (plan, at, m, i1, i2, o, n, s1, s2) => {
    const t = at + RECORD_HEADER;
    const p = t + 2 * plan[at + 1];
    const a = m.i32[plan[t]], b = m.i32[plan[t + 2]], out = m.i32[plan[t + 4]];
    let ia = (plan[t + 1] >> 2) + i1, ib = (plan[t + 3] >> 2) + i2;
    const io = (plan[t + 5] >> 2) + o;
    const lo = plan[p + P_I32_ACT_MIN], hi = plan[p + P_I32_ACT_MAX];
    for (let k = 0; k < n; k++, ia += s1, ib += s2) {
      const v = f(a[ia], b[ib]);
      out[io + k] = v < lo ? lo : v > hi ? hi : v;
    }
  };
}

const rowAdd = int32Row((x, y) => (x + y) | 0);
const rowMul = int32Row(Math.imul);

export const int32BinaryKernels: Record<number, Kernel> = {
  [KernelId.ADD_I32]: (plan, at, m) => runBroadcast(plan, at, m, rowAdd),
  [KernelId.MUL_I32]: (plan, at, m) => runBroadcast(plan, at, m, rowMul),
};
