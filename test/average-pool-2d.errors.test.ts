// Models AVERAGE_POOL_2D (and MAX_POOL_2D, which shares its prepare step) must reject at load.
import { describe, expect, it } from 'vitest';
import { Interpreter, loadModel } from '../src/index.js';
import { buildModel, type OptionField, type TensorSpec } from './support/builder.js';

const F32 = 0, I8 = 9, I16 = 7;
const q = (scale: number, zeroPoint: number) => ({ scale: [scale], zeroPoint: [zeroPoint] });

function pool(code: number, input: TensorSpec, output: TensorSpec, options: OptionField[] | null) {
  return () => new Interpreter(loadModel(buildModel({
    tensors: [input, output],
    inputs: [0],
    outputs: [1],
    ops: [{ code, version: 2, inputs: [0], outputs: [1], ...(options ? { optionsType: 5, options } : {}) }],
  }), 'bad-pool'));
}

/** SAME padding, stride 2, a 2x2 window, fused activation `act`. */
const opts = (act = 0, stride = 2, padding = 0): OptionField[] =>
  [[0, 'i8', padding], [1, 'i32', stride], [2, 'i32', stride], [3, 'i32', 2], [4, 'i32', 2], [5, 'i8', act]];

for (const [name, code] of [['AVERAGE_POOL_2D', 1], ['MAX_POOL_2D', 17]] as const) {
  describe(`${name} rejects`, () => {
    it('int8 input and output quantized differently', () => {
      expect(pool(code, { type: I8, shape: [1, 4, 4, 2], quant: q(0.05, 3) }, { type: I8, shape: [1, 2, 2, 2], quant: q(0.1, 3) }, opts()))
        .toThrow(/input and output must have the same quantization/);
    });
    it('an unsupported fused activation', () => {
      expect(pool(code, { type: F32, shape: [1, 4, 4, 2] }, { type: F32, shape: [1, 2, 2, 2] }, opts(4)))
        .toThrow(/fused activation TANH is not supported/);
    });
    it('a declared output shape other than the computed one', () => {
      expect(pool(code, { type: F32, shape: [1, 4, 4, 2] }, { type: F32, shape: [1, 3, 3, 2] }, opts()))
        .toThrow(/output .* should have shape \[1,2,2,2\]/);
    });
    it('an input that is not 4-D', () => {
      expect(pool(code, { type: F32, shape: [4, 4, 2] }, { type: F32, shape: [2, 2, 2] }, opts()))
        .toThrow(/input .* must have rank 4/);
    });
    it('a zero stride', () => {
      expect(pool(code, { type: F32, shape: [1, 4, 4, 2] }, { type: F32, shape: [1, 2, 2, 2] }, opts(0, 0)))
        .toThrow(/strides must be positive/);
    });
    it('missing options', () => {
      expect(pool(code, { type: F32, shape: [1, 4, 4, 2] }, { type: F32, shape: [1, 2, 2, 2] }, null))
        .toThrow(/Pool2DOptions are missing/);
    });
    it('a VALID window larger than the input', () => {
      expect(pool(code, { type: F32, shape: [1, 1, 1, 2] }, { type: F32, shape: [1, 1, 1, 2] }, opts(0, 2, 1)))
        .toThrow(/leaves no output/);
    });
    it('int16 data', () => {
      expect(pool(code, { type: I16, shape: [1, 4, 4, 2], quant: q(0.001, 0) }, { type: I16, shape: [1, 2, 2, 2], quant: q(0.001, 0) }, opts()))
        .toThrow(/has type int16, expected float32 or int8/);
    });
    it('input and output of different types', () => {
      expect(pool(code, { type: F32, shape: [1, 4, 4, 2] }, { type: I8, shape: [1, 2, 2, 2], quant: q(0.1, 0) }, opts()))
        .toThrow(/must have the same type/);
    });
  });
}
