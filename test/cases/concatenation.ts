// CONCATENATION cases: every axis (positive and negative) of ranks 1-4 (and two of ranks 5, 6), one to four inputs,
// float32 and int8 (plus int16 and int32), some inputs constant.
// TFLite and TFLM both refuse int8 inputs quantized unlike the output, so all int8 tensors of a
// case share one quantization (the refusal is in concatenation.errors.test.ts).
import type { TensorSpec } from '../support/builder.js';
import type { Rng } from '../support/rng.js';
import { F32, I32, I8, activation, constant, prod, q8, randomInput, type OpCase } from './common.js';

const I16 = 7;
const TYPE_NAMES: Record<number, string> = { [F32]: 'f32', [I8]: 's8', [I16]: 's16', [I32]: 'i32' };

function constantValues(rng: Rng, type: number, n: number): number[] {
  if (type === F32) return rng.floats(n, -2, 2);
  if (type === I8) return rng.ints(n, -128, 127);
  return rng.ints(n, -30000, 30000);
}

function concatCase(rng: Rng, type: number, shapes: number[][], axis: number, constants: boolean[], version: number): OpCase {
  const rank = shapes[0].length;
  const a = axis < 0 ? axis + rank : axis;
  const outShape = shapes[0].slice();
  outShape[a] = shapes.reduce((s, sh) => s + sh[a], 0);
  const quant = type === I8 ? q8(rng) : type === I16 ? { scale: [Math.fround(rng.float(1e-4, 1e-3))], zeroPoint: [0] } : undefined;
  const tensors: TensorSpec[] = shapes.map((shape, i) => constants[i]
    ? constant(type, shape, constantValues(rng, type, prod(shape)), quant)
    : activation(type, shape, quant));
  tensors.push(activation(type, outShape, quant));
  const inputs = shapes.map((_, i) => i).filter((i) => !constants[i]);
  return {
    name: `${TYPE_NAMES[type]} ${shapes.map((s, i) => `${constants[i] ? 'const' : ''}[${s}]`).join(' + ')} axis ${axis}`,
    spec: {
      tensors,
      inputs,
      outputs: [shapes.length],
      ops: [{
        code: 2, version, inputs: shapes.map((_, i) => i), outputs: [shapes.length],
        optionsType: 10, options: [[0, 'i32', axis], [1, 'i8', 0]],
      }],
    },
    inputs: inputs.map((i) => randomInput(rng, tensors[i])),
  };
}

export function concatenationCases(rng: Rng): OpCase[] {
  const cases: OpCase[] = [];
  const types = [F32, I8, F32, I8, F32, I8, I32, I16];
  for (let i = 0; i < 64; i++) {
    const type = types[i % types.length];
    const rank = 1 + (i % 4);
    const base = Array.from({ length: rank }, () => rng.int(1, 5));
    const axis = rng.int(0, rank - 1);
    const count = 1 + (Math.floor(i / 4) % 4);
    const shapes = Array.from({ length: count }, () => {
      const s = base.slice();
      s[axis] = rng.int(1, 6);
      return s;
    });
    const constants = shapes.map((_, k) => k > 0 && rng.bool(0.2));
    // Negative axes count from the end.
    const written = rng.bool(0.3) ? axis - rank : axis;
    cases.push(concatCase(rng, type, shapes, written, constants, type === I8 ? 2 : type === I16 ? 3 : 1));
  }
  // What models do: channel concatenation of NHWC feature maps, and flattened heads.
  cases.push(concatCase(rng, I8, [[1, 6, 6, 8], [1, 6, 6, 16], [1, 6, 6, 4]], 3, [false, false, false], 2));
  cases.push(concatCase(rng, F32, [[1, 5, 5, 12], [1, 5, 5, 12]], -1, [false, false], 1));
  cases.push(concatCase(rng, I8, [[2, 40], [2, 10], [2, 4], [2, 1]], 1, [false, false, false, false], 2));
  cases.push(concatCase(rng, F32, [[3, 4, 2, 2]], 0, [false], 1));
  // Ranks 5 and 6: both references take them.
  cases.push(concatCase(rng, F32, [[2, 1, 3, 2, 2], [2, 2, 3, 2, 2]], 1, [false, false], 1));
  cases.push(concatCase(rng, I8, [[1, 2, 1, 2, 3, 2], [1, 2, 1, 2, 3, 1], [1, 2, 1, 2, 3, 3]], -1, [false, true, false], 2));
  return cases;
}
