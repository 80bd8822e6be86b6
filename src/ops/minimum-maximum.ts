// MINIMUM and MAXIMUM: the element-wise smaller (larger) of two inputs, with NumPy-style broadcasting;
// float32, int8, uint8, int16, int32, compared as stored (quantized inputs are not rescaled: TFLite
// requires them to share the output's type).
// Semantics of tensorflow/lite/kernels/maximum_minimum.cc (reference_ops::MaximumMinimumBroadcastSlow):
// MINIMUM takes el1 < el2 ? el1 : el2, MAXIMUM el1 > el2 ? el1 : el2 (so a NaN in input 1 gives input 2).

import { DType, type Tensor } from '../model/model.js';
import { binaryShares, prepareBroadcast, runBroadcast, B_END, type BinaryRow } from './binary-broadcast.js';
import { KernelId } from './kernel-ids.js';
import { RECORD_HEADER, type Kernel, type Memory, type OpContext, type OpDefinition } from './op.js';

// Tensor refs: 0 input1, 1 input2, 2 output.
// Params: the broadcast loop nest (binary-broadcast.ts), then:
const P_TYPE = B_END; // the TensorType of all three

const TYPES = [DType.FLOAT32, DType.INT8, DType.UINT8, DType.INT16, DType.INT32];

function definition(code: number, name: string, kernel: number): OpDefinition {
  return {
    code,
    name,
    maxVersion: 4,
    prepare(ctx: OpContext) {
      ctx.expectArity(2, 2, 1);
      const input1 = ctx.input(0), input2 = ctx.input(1), output = ctx.output(0);
      ctx.expectType(input1, 'input 1', ...TYPES);
      ctx.expectSameType(input1, input2, 'inputs');
      ctx.expectSameType(input1, output, 'input and output');
      const loops = prepareBroadcast(ctx, input1, input2, output);
      return { kernel, tensors: [input1, input2, output] as Tensor[], params: [...loops, input1.type], ...binaryShares(input1, input2, output) };
    },
  };
}

export const minimum = definition(57, 'MINIMUM', KernelId.MINIMUM);
export const maximum = definition(55, 'MAXIMUM', KernelId.MAXIMUM);

type Elements = { [i: number]: number };

/** The typed view of pool `pool` for TensorType `type` (an existing view: nothing is allocated). */
function viewOf(m: Memory, type: number, pool: number): Elements {
  switch (type) {
    case DType.FLOAT32: return m.f32[pool];
    case DType.INT32: return m.i32[pool];
    case DType.INT16: return m.i16[pool];
    case DType.UINT8: return m.u8[pool];
    default: return m.i8[pool];
  }
}

/** log2 of the element size of TensorType `type`. */
function shiftOf(type: number): number {
  return type === DType.FLOAT32 || type === DType.INT32 ? 2 : type === DType.INT16 ? 1 : 0;
}

function row(max: boolean): BinaryRow {
  return (plan, at, m, i1, i2, o, n, s1, s2) => {
    const t = at + RECORD_HEADER;
    const p = t + 2 * plan[at + 1];
    const type = plan[p + P_TYPE];
    const a = viewOf(m, type, plan[t]), b = viewOf(m, type, plan[t + 2]), out = viewOf(m, type, plan[t + 4]);
    const shift = shiftOf(type);
    let ia = (plan[t + 1] >> shift) + i1, ib = (plan[t + 3] >> shift) + i2;
    const io = (plan[t + 5] >> shift) + o;
    if (max) {
      for (let k = 0; k < n; k++, ia += s1, ib += s2) { const x = a[ia], y = b[ib]; out[io + k] = x > y ? x : y; }
    } else {
      for (let k = 0; k < n; k++, ia += s1, ib += s2) { const x = a[ia], y = b[ib]; out[io + k] = x < y ? x : y; }
    }
  };
}

const rowMin = row(false), rowMax = row(true);

export const minimumMaximumKernels: Record<number, Kernel> = {
  [KernelId.MINIMUM]: (plan, at, m) => runBroadcast(plan, at, m, rowMin),
  [KernelId.MAXIMUM]: (plan, at, m) => runBroadcast(plan, at, m, rowMax),
};
