// CONCATENATION: the inputs joined along one axis.
// Semantics of tensorflow/lite/kernels/concatenation.cc with the reference kernels
// (reference_ops::Concatenation: for each index before the axis, each input's slab in turn).
// TFLite's prepare rejects int8 inputs whose scale or zero point differ from the output's and any
// fused activation, so every supported case is a byte copy.

import { dtypeName, DType, dtypeBytes } from '../model/model.js';
import { KernelId } from './kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from './op.js';
import { ACTIVATION_NAMES } from './quant.js';

// Tensor refs: 0 .. N-1 the inputs, N the output.
// Params:
const P_OUTER = 0; // product of the output dimensions before the axis
const P_SLAB_BYTES = 1; // from here, one per input: bytes per outer index (dims[axis] * inner size * element size)

const SUPPORTED = [DType.FLOAT32, DType.INT8, DType.UINT8, DType.INT16, DType.INT32];

export const concatenation: OpDefinition = {
  code: 2,
  name: 'CONCATENATION',
  maxVersion: 3,
  prepare(ctx: OpContext) {
    if (ctx.inputCount < 1) ctx.fail('expected at least 1 input, got 0');
    ctx.expectArity(1, ctx.inputCount, 1);
    const inputs = Array.from({ length: ctx.inputCount }, (_, i) => ctx.input(i));
    const output = ctx.output(0);
    const options = ctx.options(10, 'ConcatenationOptions');
    const axisOption = options?.i32(0, 'axis') ?? 0;
    const activation = options?.i8(1, 'fused_activation_function') ?? 0;
    if (activation !== 0) ctx.unsupported(`fused activation ${ACTIVATION_NAMES[activation] ?? activation} is not supported, expected NONE (as TFLite)`);

    const first = inputs[0];
    const rank = first.shape.length;
    const axis = axisOption < 0 ? axisOption + rank : axisOption;
    if (axis < 0 || axis >= rank) ctx.fail(`axis ${axisOption} is out of range for input ${ctx.describe(first)}`);
    if (!SUPPORTED.includes(first.type as typeof SUPPORTED[number])) {
      ctx.fail(`input ${ctx.describe(first)} has type ${dtypeName(first.type)}, expected ${SUPPORTED.map(dtypeName).join(', ')}`);
    }
    const outShape = first.shape.slice();
    inputs.forEach((t, i) => {
      if (i === 0) return;
      if (t.shape.length !== rank) ctx.fail(`input ${i} ${ctx.describe(t)} must have rank ${rank} like input 0`);
      ctx.expectSameType(first, t, `inputs 0 and ${i}`);
      t.shape.forEach((d, k) => {
        if (k === axis) outShape[k] += d;
        else if (d !== first.shape[k]) ctx.fail(`input ${i} ${ctx.describe(t)} must match input 0 ${ctx.describe(first)} in every dimension but ${axis}`);
      });
    });
    ctx.expectSameType(first, output, 'input 0 and output');
    ctx.expectShape(output, 'output', outShape);

    if (first.type === DType.INT8 || first.type === DType.UINT8) {
      const outQ = ctx.quant(output, 'output');
      inputs.forEach((t, i) => {
        const q = ctx.quant(t, `input ${i}`);
        if (q.scale !== outQ.scale || q.zeroPoint !== outQ.zeroPoint) {
          ctx.fail(`input ${i} ${ctx.describe(t)} has scale ${q.scale} zero point ${q.zeroPoint}, expected the output's scale ${outQ.scale} zero point ${outQ.zeroPoint} (TFLite does not rescale ${dtypeName(first.type)} concatenation inputs)`);
        }
      });
    } else if (first.type === DType.INT16) {
      for (const [t, what] of [...inputs.map((x, i) => [x, `input ${i}`] as const), [output, 'output'] as const]) {
        if (t.quant && t.quant.zeroPoint[0] !== 0) ctx.fail(`${what} ${ctx.describe(t)} has zero point ${t.quant.zeroPoint[0]}, expected 0 for int16`);
      }
    }

    const elementBytes = dtypeBytes(first.type);
    let outer = 1, inner = 1;
    for (let k = 0; k < axis; k++) outer *= outShape[k];
    for (let k = axis + 1; k < rank; k++) inner *= outShape[k];
    return {
      kernel: KernelId.CONCATENATION,
      tensors: [...inputs, output],
      params: [outer, ...inputs.map((t) => t.shape[axis] * inner * elementBytes)],
    };
  },
};

const evalConcat: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const n = plan[at + 1] - 1;
  const p = t + 2 * plan[at + 1];
  const out = m.u8[plan[t + 2 * n]];
  let o = plan[t + 2 * n + 1];
  const outer = plan[p + P_OUTER];
  for (let k = 0; k < outer; k++) {
    for (let i = 0; i < n; i++) {
      const slab = plan[p + P_SLAB_BYTES + i];
      const src = m.u8[plan[t + 2 * i]];
      const s = plan[t + 2 * i + 1] + k * slab;
      for (let j = 0; j < slab; j++) out[o + j] = src[s + j];
      o += slab;
    }
  }
};

export const concatenationKernels: Record<number, Kernel> = {
  [KernelId.CONCATENATION]: evalConcat,
};
