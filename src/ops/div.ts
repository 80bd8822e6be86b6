// DIV: output = act(input1 / input2), with NumPy-style broadcasting; float32 and int32.
// Semantics of tensorflow/lite/kernels/div.cc and TFLM's div.cc with reference_ops::Div and
// BroadcastDivSlow: float32 division rounded to float32; int32 division truncating toward zero (as C
// does; a division by 0, undefined in C, gives 0 here). Quantized (int8, uint8) DIV is not supported.

import { DType } from '../model/model.js';
import { B_END, binaryShares, floatClamp, prepareBroadcast, runBroadcast, type BinaryRow } from './binary-broadcast.js';
import { int32Row, prepareInt32Binary } from './binary-int32.js';
import { KernelId } from './kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from './op.js';
import { floatBits } from './quant.js';

// Tensor refs: 0 input1, 1 input2, 2 output.
// Params: the broadcast loop nest (binary-broadcast.ts), then the activation clamp (float32 bits for
// DIV_F32, int32 for DIV_I32):
const P_ACT_MIN = B_END;
const P_ACT_MAX = B_END + 1;

export const div: OpDefinition = {
  code: 42,
  name: 'DIV',
  maxVersion: 2,
  prepare(ctx: OpContext) {
    ctx.expectArity(2, 2, 1);
    const input1 = ctx.input(0), input2 = ctx.input(1), output = ctx.output(0);
    const options = ctx.options(29, 'DivOptions');
    const activation = options?.i8(0, 'fused_activation_function') ?? 0;
    ctx.expectType(input1, 'input 1', DType.FLOAT32, DType.INT32);
    if (input1.type === DType.INT32) return prepareInt32Binary(ctx, KernelId.DIV_I32, input1, input2, output, activation);
    ctx.expectType(input2, 'input 2', DType.FLOAT32);
    ctx.expectType(output, 'output', DType.FLOAT32);
    const loops = prepareBroadcast(ctx, input1, input2, output);
    const [lo, hi] = floatClamp(ctx, activation);
    return { kernel: KernelId.DIV_F32, tensors: [input1, input2, output], params: [...loops, floatBits(lo), floatBits(hi)], ...binaryShares(input1, input2, output) };
  },
};

const rowF32: BinaryRow = (plan, at, m, i1, i2, o, n, s1, s2) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const a = m.f32[plan[t]], b = m.f32[plan[t + 2]], out = m.f32[plan[t + 4]];
  let ia = (plan[t + 1] >> 2) + i1, ib = (plan[t + 3] >> 2) + i2;
  const io = (plan[t + 5] >> 2) + o;
  const lo = m.planF32[p + P_ACT_MIN], hi = m.planF32[p + P_ACT_MAX];
  const fround = Math.fround;
  for (let k = 0; k < n; k++, ia += s1, ib += s2) {
    const v = fround(a[ia] / b[ib]);
    out[io + k] = v < lo ? lo : v > hi ? hi : v;
  }
};

const rowI32 = int32Row((x, y) => (y === 0 ? 0 : (x / y) | 0));

export const divKernels: Record<number, Kernel> = {
  [KernelId.DIV_F32]: (plan, at, m) => runBroadcast(plan, at, m, rowF32),
  [KernelId.DIV_I32]: (plan, at, m) => runBroadcast(plan, at, m, rowI32),
};
