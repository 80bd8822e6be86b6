// CAST: each element converted to the output's type, as C++'s static_cast does it.
// Semantics of tensorflow/lite/kernels/cast.cc and TFLM's cast.cc: integers wrap to a narrower
// integer type (uint32 <-> int32 keep the bits), floats truncate toward zero, anything to bool is
// x != 0, bool is 0 or 1. A float outside the target's range is undefined in C; xsml gives what x86
// and Arm's conversions give for int32 (-2^31 for NaN and overflow, as x86) and keeps 32-bit paths
// for the narrower types.

import { DType, dtypeName } from '../model/model.js';
import { KernelId } from './kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from './op.js';

const UINT32 = 15, UINT16 = 16;
const TYPES = [DType.FLOAT32, DType.INT32, DType.UINT8, DType.BOOL, DType.INT16, DType.INT8, UINT32, UINT16];

// Tensor refs: 0 input, 1 output. Params:
const P_COUNT = 0;
const P_FROM = 1; // TensorType of the input
const P_TO = 2; // TensorType of the output

export const cast: OpDefinition = {
  code: 53,
  name: 'CAST',
  maxVersion: 7,
  prepare(ctx: OpContext) {
    ctx.expectArity(1, 1, 1);
    const input = ctx.input(0), output = ctx.output(0);
    const names = TYPES.map(dtypeName).join(', ');
    if (!TYPES.includes(input.type as number)) ctx.unsupported(`input ${ctx.describe(input)} has type ${dtypeName(input.type)}, expected one of ${names}`);
    if (!TYPES.includes(output.type as number)) ctx.unsupported(`output ${ctx.describe(output)} has type ${dtypeName(output.type)}, expected one of ${names}`);
    if (output.elements !== input.elements) ctx.fail(`output ${ctx.describe(output)} must have as many elements as input ${ctx.describe(input)}`);
    return { kernel: KernelId.CAST, tensors: [input, output], params: [input.elements, input.type, output.type] };
  },
};

/** float -> int32 as cvttss2si: truncation, and -2^31 for NaN and values out of range. */
function floatToInt32(x: number): number {
  return x > -2147483649 && x < 2147483648 ? Math.trunc(x) : -2147483648;
}

const evalCast: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const inPool = plan[t], inOff = plan[t + 1], outPool = plan[t + 2], outOff = plan[t + 3];
  const n = plan[p + P_COUNT], from = plan[p + P_FROM], to = plan[p + P_TO];
  for (let i = 0; i < n; i++) {
    let v: number;
    switch (from) {
      case DType.FLOAT32: v = m.f32[inPool][(inOff >> 2) + i]; break;
      case DType.INT32: v = m.i32[inPool][(inOff >> 2) + i]; break;
      case UINT32: v = m.i32[inPool][(inOff >> 2) + i] >>> 0; break;
      case DType.INT16: v = m.i16[inPool][(inOff >> 1) + i]; break;
      case UINT16: v = m.i16[inPool][(inOff >> 1) + i] & 0xffff; break;
      case DType.INT8: v = m.i8[inPool][inOff + i]; break;
      case DType.BOOL: v = m.u8[inPool][inOff + i] !== 0 ? 1 : 0; break;
      default: v = m.u8[inPool][inOff + i]; break; // UINT8
    }
    if (to === DType.FLOAT32) { m.f32[outPool][(outOff >> 2) + i] = v; continue; }
    if (to === DType.BOOL) { m.u8[outPool][outOff + i] = v !== 0 ? 1 : 0; continue; }
    if (from === DType.FLOAT32) {
      // uint32 goes through a 64-bit conversion, the narrower types through a 32-bit one.
      v = to === UINT32 ? (v > -9.223372036854776e18 && v < 9.223372036854776e18 ? Math.trunc(v) % 4294967296 : 0) : floatToInt32(v);
    }
    switch (to) {
      case DType.INT32: case UINT32: m.i32[outPool][(outOff >> 2) + i] = v; break;
      case DType.INT16: case UINT16: m.i16[outPool][(outOff >> 1) + i] = v; break;
      case DType.INT8: m.i8[outPool][outOff + i] = v; break;
      default: m.u8[outPool][outOff + i] = v; break; // UINT8
    }
  }
};

export const castKernels: Record<number, Kernel> = { [KernelId.CAST]: evalCast };
