// STRIDED_SLICE: input[begin:end:stride] on every axis (shrunk axes dropped from the output).
// Semantics of tensorflow/lite/kernels/strided_slice.cc and strided_slice_logic.h (StartForAxis,
// StopForAxis: negative indices count from the end, then clamp; begin_mask / end_mask take the whole
// axis; a shrunk axis takes the one element at its begin). begin, end and strides must be constant
// int32 vectors; ellipsis_mask, new_axis_mask and offset are not supported. Rank up to 5.

import { dtypeBytes, DType, type Tensor } from '../model/model.js';
import { KernelId } from './kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from './op.js';

const MAX_RANK = 5;

// Tensor refs: 0 input, 1 output. Params:
const P_ELEMENT_BYTES = 0;
const P_START = 1; // byte offset of the first element copied
const P_COUNTS = 2; // MAX_RANK counts, outermost first (padded with 1s in front)
const P_STEPS = P_COUNTS + MAX_RANK; // MAX_RANK byte steps (stride * the axis' byte stride)

function int32Values(t: Tensor): number[] {
  const data = t.data!;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return Array.from({ length: t.elements }, (_, i) => view.getInt32(4 * i, true));
}

const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);

export const stridedSlice: OpDefinition = {
  code: 45,
  name: 'STRIDED_SLICE',
  maxVersion: 8,
  prepare(ctx: OpContext) {
    ctx.expectArity(4, 4, 1);
    const input = ctx.input(0), output = ctx.output(0);
    const vectors = (['begin', 'end', 'strides'] as const).map((what, k) => {
      const t = ctx.input(k + 1);
      ctx.expectType(t, what, DType.INT32);
      ctx.expectConstant(t, what);
      if (t.shape.length !== 1 || t.shape[0] !== input.shape.length) {
        ctx.fail(`${what} ${ctx.describe(t)} must be a vector of one value per input dimension (${input.shape.length})`);
      }
      return int32Values(t);
    });
    const [begin, end, strides] = vectors;
    const options = ctx.options(32, 'StridedSliceOptions');
    const beginMask = options?.i32(0, 'begin_mask') ?? 0;
    const endMask = options?.i32(1, 'end_mask') ?? 0;
    const ellipsisMask = options?.i32(2, 'ellipsis_mask') ?? 0;
    const newAxisMask = options?.i32(3, 'new_axis_mask') ?? 0;
    const shrinkMask = options?.i32(4, 'shrink_axis_mask') ?? 0;
    const offset = options?.bool(5, 'offset') ?? false;
    if (ellipsisMask !== 0) ctx.unsupported(`ellipsis_mask ${ellipsisMask} is not supported, expected 0`);
    if (newAxisMask !== 0) ctx.unsupported(`new_axis_mask ${newAxisMask} is not supported, expected 0`);
    if (offset) ctx.unsupported('offset = true is not supported');
    ctx.expectSameType(input, output, 'input and output');
    const elementBytes = dtypeBytes(input.type);
    if (elementBytes === 0) ctx.unsupported(`input ${ctx.describe(input)} has a type xsml cannot copy`);
    const rank = input.shape.length;
    if (rank > MAX_RANK) ctx.unsupported(`input ${ctx.describe(input)} has rank ${rank}; at most ${MAX_RANK} is supported`);

    const counts: number[] = [], steps: number[] = [], outShape: number[] = [];
    let start = 0, axisBytes = elementBytes;
    const axisStrides = input.shape.map(() => 0);
    for (let k = rank - 1; k >= 0; k--) { axisStrides[k] = axisBytes; axisBytes *= input.shape[k]; }
    for (let k = 0; k < rank; k++) {
      const size = input.shape[k], stride = strides[k];
      if (stride === 0) ctx.fail(`strides ${JSON.stringify(strides)} has a 0 for dimension ${k}`);
      const shrink = (shrinkMask >> k) & 1;
      let first = 0, count = 0;
      if (size > 0) {
        // StartForAxis
        let b = (beginMask >> k) & 1 ? (stride > 0 ? -0x80000000 : 0x7fffffff) : begin[k];
        if (b < 0) b += size;
        first = stride > 0 ? clamp(b, 0, size) : clamp(b, -1, size - 1);
        // StopForAxis
        let e: number;
        if (shrink) {
          e = first + 1;
        } else {
          e = (endMask >> k) & 1 ? (stride > 0 ? 0x7fffffff : -0x80000000) : end[k];
          if (e < 0) e += size;
          e = stride > 0 ? clamp(e, 0, size) : clamp(e, -1, size - 1);
        }
        count = stride > 0 ? Math.max(0, Math.ceil((e - first) / stride)) : Math.max(0, Math.ceil((first - e) / -stride));
        if (shrink && count !== 1) {
          ctx.fail(`the shrunk dimension ${k} selects no element (begin ${begin[k]}, stride ${stride}) of the input ${ctx.describe(input)}`);
        }
      }
      if (count > 0) start += first * axisStrides[k];
      counts.push(count);
      steps.push(stride * axisStrides[k]);
      if (!shrink) outShape.push(count);
    }
    ctx.expectShape(output, 'output', outShape);
    while (counts.length < MAX_RANK) { counts.unshift(1); steps.unshift(0); }
    if (counts.includes(0)) counts.fill(0);
    return { kernel: KernelId.STRIDED_SLICE, tensors: [input, output], params: [elementBytes, start, ...counts, ...steps] };
  },
};

const evalStridedSlice: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.u8[plan[t]], output = m.u8[plan[t + 2]];
  let o = plan[t + 3];
  const size = plan[p + P_ELEMENT_BYTES];
  const c = p + P_COUNTS, s = p + P_STEPS;
  const n0 = plan[c], n1 = plan[c + 1], n2 = plan[c + 2], n3 = plan[c + 3], n4 = plan[c + 4];
  const d0 = plan[s], d1 = plan[s + 1], d2 = plan[s + 2], d3 = plan[s + 3], d4 = plan[s + 4];
  for (let k0 = 0, x0 = plan[t + 1] + plan[p + P_START]; k0 < n0; k0++, x0 += d0) {
    for (let k1 = 0, x1 = x0; k1 < n1; k1++, x1 += d1) {
      for (let k2 = 0, x2 = x1; k2 < n2; k2++, x2 += d2) {
        for (let k3 = 0, x3 = x2; k3 < n3; k3++, x3 += d3) {
          for (let k4 = 0, x4 = x3; k4 < n4; k4++, x4 += d4) {
            for (let b = 0; b < size; b++) output[o++] = input[x4 + b];
          }
        }
      }
    }
  }
};

export const stridedSliceKernels: Record<number, Kernel> = { [KernelId.STRIDED_SLICE]: evalStridedSlice };
