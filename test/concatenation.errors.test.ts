// Models CONCATENATION must reject at load.
import { describe, expect, it } from 'vitest';
import { Interpreter, loadModel } from '../src/index.js';
import { buildModel, type TensorSpec } from './support/builder.js';

const F32 = 0, I8 = 9;
const q = (scale: number, zeroPoint: number) => ({ scale: [scale], zeroPoint: [zeroPoint] });

function concat(inputs: TensorSpec[], output: TensorSpec, axis: number, act = 0) {
  return () => new Interpreter(loadModel(buildModel({
    tensors: [...inputs, output],
    inputs: inputs.map((_, i) => i),
    outputs: [inputs.length],
    ops: [{ code: 2, version: 2, inputs: inputs.map((_, i) => i), outputs: [inputs.length], optionsType: 10, options: [[0, 'i32', axis], [1, 'i8', act]] }],
  }), 'bad-concat'));
}

describe('CONCATENATION rejects', () => {
  it('int8 inputs quantized unlike the output (TFLite does not rescale them)', () => {
    expect(concat([{ type: I8, shape: [1, 2], quant: q(0.1, 0) }, { type: I8, shape: [1, 3], quant: q(0.2, 0) }],
      { type: I8, shape: [1, 5], quant: q(0.1, 0) }, 1)).toThrow(/input 1 .* has scale 0\.2.* expected the output's scale 0\.1/);
  });
  it('int8 inputs with another zero point', () => {
    expect(concat([{ type: I8, shape: [1, 2], quant: q(0.1, 0) }, { type: I8, shape: [1, 3], quant: q(0.1, 5) }],
      { type: I8, shape: [1, 5], quant: q(0.1, 0) }, 1)).toThrow(/input 1 .* zero point 5/);
  });
  it('a fused activation', () => {
    expect(concat([{ type: F32, shape: [1, 2] }, { type: F32, shape: [1, 3] }], { type: F32, shape: [1, 5] }, 1, 1))
      .toThrow(/fused activation RELU is not supported/);
  });
  it('inputs that differ off the axis', () => {
    expect(concat([{ type: F32, shape: [1, 2] }, { type: F32, shape: [2, 3] }], { type: F32, shape: [1, 5] }, 1))
      .toThrow(/input 1 .* must match input 0 .* in every dimension but 1/);
  });
  it('an axis out of range', () => {
    expect(concat([{ type: F32, shape: [1, 2] }, { type: F32, shape: [1, 3] }], { type: F32, shape: [1, 5] }, -3))
      .toThrow(/axis -3 is out of range/);
  });
  it('inputs of different ranks', () => {
    expect(concat([{ type: F32, shape: [1, 2] }, { type: F32, shape: [1, 1, 3] }], { type: F32, shape: [1, 5] }, 1))
      .toThrow(/input 1 .* must have rank 2/);
  });
  it('inputs of different types', () => {
    expect(concat([{ type: F32, shape: [1, 2] }, { type: I8, shape: [1, 3], quant: q(0.1, 0) }], { type: F32, shape: [1, 5] }, 1))
      .toThrow(/inputs 0 and 1: .* must have the same type/);
  });
  it('a declared output shape other than the computed one', () => {
    expect(concat([{ type: F32, shape: [1, 2] }, { type: F32, shape: [1, 3] }], { type: F32, shape: [1, 6] }, 1))
      .toThrow(/output .* should have shape \[1,5\]/);
  });
});
