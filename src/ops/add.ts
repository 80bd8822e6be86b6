// ADD: output = act(input1 + input2), with NumPy-style broadcasting of the inputs.
// int32 (no quantization, wrapping): binary-int32.ts.
// Semantics of tensorflow/lite/kernels/add.cc with the reference kernels (reference_ops::Add and
// BroadcastAdd6DSlow for float, reference_integer_ops::Add / BroadcastAdd6DSlow for int8).
//
// Rounding: the int8 kernel always uses gemmlowp's double rounding (SaturatingRoundingDoublingHighMul
// then RoundingDivideByPOT), whatever the plan's rounding mode. Both references do: TFLM by default,
// and ai-edge-litert 2.3.0 as well, although its FULLY_CONNECTED rounds once (probed exhaustively
// over all 256x256 input pairs with random scales: single rounding disagrees, double never does).
// The C kernel must do the same.

import { DType } from '../model/model.js';
import {
  B_END, binaryShares, expectBinaryTypes, floatClamp, int8Clamp, int8Quant, prepareBroadcast, runBroadcast, type BinaryRow,
} from './binary-broadcast.js';
import { prepareInt32Binary } from './binary-int32.js';
import { KernelId } from './kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from './op.js';
import { floatBits, multiplyByQuantizedMultiplierDouble } from './quant.js';

// Tensor refs: 0 input1, 1 input2, 2 output.
// Params: the broadcast loop nest (B_DIMS, B_STRIDE1, B_STRIDE2 of binary-broadcast.ts), then, both kernels:
const P_ACT_MIN = B_END; // float32 bits (F32) or int32 (S8)
const P_ACT_MAX = B_END + 1;
// S8 only:
const P_INPUT1_OFFSET = B_END + 2; // -input1 zero point
const P_INPUT2_OFFSET = B_END + 3; // -input2 zero point
const P_OUTPUT_OFFSET = B_END + 4; // output zero point
const P_LEFT_SHIFT = B_END + 5; // 20: inputs are scaled up by 2^20 before rescaling
const P_INPUT1_MULTIPLIER = B_END + 6; // input1_scale / (2 * max input scale), Q31
const P_INPUT1_SHIFT = B_END + 7; // its exponent (<= 0)
const P_INPUT2_MULTIPLIER = B_END + 8; // input2_scale / (2 * max input scale), Q31
const P_INPUT2_SHIFT = B_END + 9; // its exponent (<= 0)
const P_OUTPUT_MULTIPLIER = B_END + 10; // 2 * max input scale / (2^20 * output_scale), Q31
const P_OUTPUT_SHIFT = B_END + 11; // its exponent (<= 0)

const LEFT_SHIFT = 20;

export const add: OpDefinition = {
  code: 0,
  name: 'ADD',
  maxVersion: 5,
  prepare(ctx: OpContext) {
    ctx.expectArity(2, 2, 1);
    const input1 = ctx.input(0);
    const input2 = ctx.input(1);
    const output = ctx.output(0);
    const options = ctx.options(11, 'AddOptions');
    const activation = options?.i8(0, 'fused_activation_function') ?? 0;
    // pot_scale_int16 (slot 1) only selects between two int16 kernels; int16 is rejected below.
    // int32: TFLM's add.cc ignores the fused activation (it clamps to the whole int32 range), TFLite applies it.
    if (input1.type === DType.INT32) return prepareInt32Binary(ctx, KernelId.ADD_I32, input1, input2, output, ctx.exactWith === 'tflm' ? 0 : activation);
    expectBinaryTypes(ctx, input1, input2, output);
    const loops = prepareBroadcast(ctx, input1, input2, output);
    const tensors = [input1, input2, output];

    if (input1.type === DType.FLOAT32) {
      const [lo, hi] = floatClamp(ctx, activation);
      return { kernel: KernelId.ADD_F32, tensors, params: [...loops, floatBits(lo), floatBits(hi)], ...binaryShares(input1, input2, output) };
    }

    const q1 = int8Quant(ctx, input1, 'input 1');
    const q2 = int8Quant(ctx, input2, 'input 2');
    const qo = int8Quant(ctx, output, 'output');
    const [lo, hi] = int8Clamp(ctx, activation, qo.scale, qo.zeroPoint);
    // As add.cc: every ratio in double, from the float32 scales.
    const twiceMaxInputScale = 2 * Math.max(q1.scale, q2.scale);
    const m1 = smallerThanOne(ctx, q1.scale / twiceMaxInputScale, 'input 1');
    const m2 = smallerThanOne(ctx, q2.scale / twiceMaxInputScale, 'input 2');
    const mo = smallerThanOne(ctx, twiceMaxInputScale / ((1 << LEFT_SHIFT) * qo.scale), 'output');
    return {
      kernel: KernelId.ADD_S8,
      tensors,
      params: [...loops, lo, hi, -q1.zeroPoint, -q2.zeroPoint, qo.zeroPoint, LEFT_SHIFT,
        m1.multiplier, m1.shift, m2.multiplier, m2.shift, mo.multiplier, mo.shift],
      ...binaryShares(input1, input2, output),
    };
  },
};

/** QuantizeMultiplierSmallerThanOneExp: TFLite aborts unless 0 < real < 1 and the exponent is <= 0. */
function smallerThanOne(ctx: OpContext, real: number, what: string): { multiplier: number; shift: number } {
  const q = ctx.quantizeMultiplier(real);
  if (!(real > 0 && real < 1) || q.shift > 0) {
    ctx.fail(`the ${what} rescaling factor ${real} is not in (0, 1): the output scale is too small for the input scales`);
  }
  return q;
}

const rowF32: BinaryRow = (plan, at, m, i1, i2, o, n, s1, s2) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const a = m.f32[plan[t]], b = m.f32[plan[t + 2]], out = m.f32[plan[t + 4]];
  let ia = (plan[t + 1] >> 2) + i1, ib = (plan[t + 3] >> 2) + i2;
  const io = (plan[t + 5] >> 2) + o;
  const lo = m.planF32[p + P_ACT_MIN], hi = m.planF32[p + P_ACT_MAX];
  const fround = Math.fround;
  for (let k = 0; k < n; k++, ia += s1, ib += s2) {
    const v = fround(a[ia] + b[ib]);
    out[io + k] = v < lo ? lo : v > hi ? hi : v;
  }
};

const rowS8: BinaryRow = (plan, at, m, i1, i2, o, n, s1, s2) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const a = m.i8[plan[t]], b = m.i8[plan[t + 2]], out = m.i8[plan[t + 4]];
  let ia = plan[t + 1] + i1, ib = plan[t + 3] + i2;
  const io = plan[t + 5] + o;
  const lo = plan[p + P_ACT_MIN], hi = plan[p + P_ACT_MAX];
  const off1 = plan[p + P_INPUT1_OFFSET], off2 = plan[p + P_INPUT2_OFFSET], offO = plan[p + P_OUTPUT_OFFSET];
  const left = plan[p + P_LEFT_SHIFT];
  const m1 = plan[p + P_INPUT1_MULTIPLIER], sh1 = plan[p + P_INPUT1_SHIFT];
  const m2 = plan[p + P_INPUT2_MULTIPLIER], sh2 = plan[p + P_INPUT2_SHIFT];
  const mo = plan[p + P_OUTPUT_MULTIPLIER], shO = plan[p + P_OUTPUT_SHIFT];
  const rq = multiplyByQuantizedMultiplierDouble; // not m.requantize: see the note at the top
  for (let k = 0; k < n; k++, ia += s1, ib += s2) {
    const x1 = rq((a[ia] + off1) << left, m1, sh1);
    const x2 = rq((b[ib] + off2) << left, m2, sh2);
    let v = rq(x1 + x2, mo, shO) + offO;
    v = v < lo ? lo : v > hi ? hi : v;
    out[io + k] = v;
  }
};

const evalF32: Kernel = (plan, at, m) => runBroadcast(plan, at, m, rowF32);
const evalS8: Kernel = (plan, at, m) => runBroadcast(plan, at, m, rowS8);

export const addKernels: Record<number, Kernel> = {
  [KernelId.ADD_F32]: evalF32,
  [KernelId.ADD_S8]: evalS8,
};
