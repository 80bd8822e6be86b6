// RESHAPE: the same bytes under another shape.
// Semantics of tensorflow/lite/kernels/reshape.cc: the new shape comes from the second input when it
// is a 1-D int32 tensor, otherwise from ReshapeOptions.new_shape; one dimension may be -1.

import { dtypeBytes, DType } from '../model/model.js';
import type { Tensor } from '../model/model.js';
import { KernelId } from './kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from './op.js';

// Tensor refs: 0 input, 1 output.
// Params:
const P_BYTES = 0; // bytes to copy (input.bytes = output.bytes)

/** The int32 values of a constant tensor. */
function int32Values(t: Tensor): number[] {
  const data = t.data!;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return Array.from({ length: t.elements }, (_, i) => view.getInt32(4 * i, true));
}

export const reshape: OpDefinition = {
  code: 22,
  name: 'RESHAPE',
  maxVersion: 1,
  prepare(ctx: OpContext) {
    ctx.expectArity(1, 2, 1);
    const input = ctx.input(0);
    const shapeTensor = ctx.optionalInput(1);
    const output = ctx.output(0);
    const options = ctx.options(17, 'ReshapeOptions');
    ctx.expectSameType(input, output, 'input and output');
    if (dtypeBytes(input.type) === 0) ctx.fail(`input ${ctx.describe(input)} has a type xsml cannot copy`);

    // Where the reference takes the requested shape from, in its order of preference.
    let requested: number[] | null;
    if (shapeTensor && shapeTensor.shape.length === 1 && shapeTensor.type === DType.INT32) {
      // A shape computed at run time: the model's declared output shape stands for it.
      requested = shapeTensor.data ? int32Values(shapeTensor) : null;
    } else {
      requested = options?.numbers(0, 'new_shape', 'i32') ?? [];
      // Old converters wrote [0] for a scalar.
      if (requested.length === 1 && requested[0] === 0) requested = [];
    }

    if (requested) {
      const what = shapeTensor?.data ? `shape tensor ${ctx.describe(shapeTensor)}` : 'new_shape';
      let known = 1, stretch = -1;
      requested.forEach((d, i) => {
        if (d === -1) {
          if (stretch >= 0) ctx.fail(`${what} [${requested!.join(',')}] has more than one -1`);
          stretch = i;
        } else if (d < 0) {
          ctx.fail(`${what} [${requested!.join(',')}] has a negative dimension`);
        } else {
          known *= d;
        }
      });
      const shape = requested.slice();
      if (stretch >= 0) {
        // As the reference: zero dimensions are left out of the division.
        const nonZero = (dims: number[]) => dims.reduce((a, d) => (d !== 0 ? a * d : a), 1);
        shape[stretch] = input.elements === 0 && known !== 0 ? 0 : Math.floor(nonZero(input.shape) / nonZero(requested.filter((d) => d !== -1)));
      }
      const elements = shape.reduce((a, d) => a * d, 1);
      if (elements !== input.elements) {
        ctx.fail(`${what} [${requested.join(',')}] gives ${elements} elements, but input ${ctx.describe(input)} has ${input.elements}`);
      }
      ctx.expectShape(output, 'output', shape);
    } else if (output.elements !== input.elements) {
      ctx.fail(`output ${ctx.describe(output)} has ${output.elements} elements, but input ${ctx.describe(input)} has ${input.elements}`);
    }
    // The output over the input: the same bytes, and both kernels copy nothing then.
    return { kernel: KernelId.COPY, tensors: [input, output], params: [input.bytes], shares: [1, 0] };
  },
};

const evalCopy: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const src = m.u8[plan[t]], s = plan[t + 1];
  const dst = m.u8[plan[t + 2]], d = plan[t + 3];
  const n = plan[p + P_BYTES];
  if (src === dst && s === d) return;
  for (let i = 0; i < n; i++) dst[d + i] = src[s + i];
};

export const reshapeKernels: Record<number, Kernel> = {
  [KernelId.COPY]: evalCopy,
};
