// MUL: output = act(input1 * input2), with NumPy-style broadcasting of the inputs.
// int32 (no quantization, wrapping): binary-int32.ts.
// Semantics of tensorflow/lite/kernels/mul.cc with the reference kernels (reference_ops::Mul and
// BroadcastMul6DSlow for float, reference_integer_ops::Mul / BroadcastMul6DSlow for int8).
//
// Rounding: the int8 kernel always uses gemmlowp's double rounding (MultiplyByQuantizedMultiplier
// without TFLITE_SINGLE_ROUNDING), whatever the plan's rounding mode. Both references do: TFLM by
// default, and ai-edge-litert 2.3.0 as well, although its FULLY_CONNECTED rounds once (probed
// exhaustively over all 256x256 input pairs with random scales: single rounding disagrees in every
// model, double never does). The C kernel must do the same.
// The multiplier: TFLite's mul.cc forms input1_scale * input2_scale / output_scale in float32; TFLM's
// mul_common.cc in double. A plan made for TFLite ('single') uses the former, one for TFLM ('double')
// the latter; they differ in the last bits of the Q31 multiplier only.

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
const P_OUTPUT_MULTIPLIER = B_END + 5; // input1_scale * input2_scale / output_scale (in float32), Q31
const P_OUTPUT_SHIFT = B_END + 6; // its exponent (may be > 0)

export const mul: OpDefinition = {
  code: 18,
  name: 'MUL',
  maxVersion: 7,
  prepare(ctx: OpContext) {
    ctx.expectArity(2, 2, 1);
    const input1 = ctx.input(0);
    const input2 = ctx.input(1);
    const output = ctx.output(0);
    const options = ctx.options(21, 'MulOptions');
    const activation = options?.i8(0, 'fused_activation_function') ?? 0;
    if (input1.type === DType.INT32) return prepareInt32Binary(ctx, KernelId.MUL_I32, input1, input2, output, activation);
    expectBinaryTypes(ctx, input1, input2, output);
    const loops = prepareBroadcast(ctx, input1, input2, output);
    const tensors = [input1, input2, output];

    if (input1.type === DType.FLOAT32) {
      const [lo, hi] = floatClamp(ctx, activation);
      return { kernel: KernelId.MUL_F32, tensors, params: [...loops, floatBits(lo), floatBits(hi)], ...binaryShares(input1, input2, output) };
    }

    const q1 = int8Quant(ctx, input1, 'input 1');
    const q2 = int8Quant(ctx, input2, 'input 2');
    const qo = int8Quant(ctx, output, 'output');
    const [lo, hi] = int8Clamp(ctx, activation, qo.scale, qo.zeroPoint);
    const real = ctx.exactWith === 'tflite'
      ? Math.fround(Math.fround(q1.scale * q2.scale) / qo.scale) // TFLite: in float32, then widened
      : q1.scale * q2.scale / qo.scale; // TFLM: in double
    if (!(real > 0) || !Number.isFinite(real)) {
      ctx.fail(`the rescaling factor input1_scale * input2_scale / output_scale = ${real} is not a positive float32`);
    }
    const { multiplier, shift } = ctx.quantizeMultiplier(real);
    return {
      kernel: KernelId.MUL_S8,
      tensors,
      params: [...loops, lo, hi, -q1.zeroPoint, -q2.zeroPoint, qo.zeroPoint, multiplier, shift],
      ...binaryShares(input1, input2, output),
    };
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
    const v = fround(a[ia] * b[ib]);
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
  const mo = plan[p + P_OUTPUT_MULTIPLIER], shO = plan[p + P_OUTPUT_SHIFT];
  const rq = multiplyByQuantizedMultiplierDouble; // not m.requantize: see the note at the top
  for (let k = 0; k < n; k++, ia += s1, ib += s2) {
    let v = rq((a[ia] + off1) * (b[ib] + off2), mo, shO) + offO;
    v = v < lo ? lo : v > hi ? hi : v;
    out[io + k] = v;
  }
};

const evalF32: Kernel = (plan, at, m) => runBroadcast(plan, at, m, rowF32);
const evalS8: Kernel = (plan, at, m) => runBroadcast(plan, at, m, rowS8);

export const mulKernels: Record<number, Kernel> = {
  [KernelId.MUL_F32]: evalF32,
  [KernelId.MUL_S8]: evalS8,
};
