// Models RESHAPE must reject at load.
import { describe, expect, it } from 'vitest';
import { Interpreter, loadModel } from '../src/index.js';
import { buildModel, bytesOf, type OptionField, type TensorSpec } from './support/builder.js';

const F32 = 0, I32 = 2, I8 = 9;

function reshape(input: TensorSpec, output: TensorSpec, shape: number[] | null, newShape: number[] | null) {
  const tensors = [input, output];
  if (shape) tensors.push({ type: I32, shape: [shape.length], data: bytesOf(I32, shape) });
  const options: OptionField[] | null = newShape ? [[0, 'i32[]', newShape]] : null;
  return () => new Interpreter(loadModel(buildModel({
    tensors,
    inputs: [0],
    outputs: [1],
    ops: [{ code: 22, inputs: shape ? [0, 2] : [0], outputs: [1], ...(options ? { optionsType: 17, options } : {}) }],
  }), 'bad-reshape'));
}

describe('RESHAPE rejects', () => {
  it('a shape tensor with another element count', () => {
    expect(reshape({ type: F32, shape: [2, 6] }, { type: F32, shape: [5, 2] }, [5, 2], null))
      .toThrow(/shape tensor .* \[5,2\] gives 10 elements, but input .* has 12/);
  });
  it('new_shape with two -1', () => {
    expect(reshape({ type: F32, shape: [2, 6] }, { type: F32, shape: [3, 4] }, null, [-1, -1]))
      .toThrow(/new_shape \[-1,-1\] has more than one -1/);
  });
  it('a -1 that cannot be resolved', () => {
    expect(reshape({ type: F32, shape: [2, 6] }, { type: F32, shape: [5, 2] }, [-1, 5], null))
      .toThrow(/gives 10 elements, but input .* has 12/);
  });
  it('a declared output shape other than the requested one', () => {
    expect(reshape({ type: F32, shape: [2, 6] }, { type: F32, shape: [4, 3] }, [3, 4], null))
      .toThrow(/output .* should have shape \[3,4\]/);
  });
  it('input and output of different types', () => {
    expect(reshape({ type: F32, shape: [2, 6] }, { type: I8, shape: [12], quant: { scale: [0.1], zeroPoint: [0] } }, null, [12]))
      .toThrow(/must have the same type/);
  });
  it('a run-time shape whose declared output has another element count', () => {
    expect(() => new Interpreter(loadModel(buildModel({
      tensors: [{ type: F32, shape: [2, 6] }, { type: F32, shape: [2, 5] }, { type: I32, shape: [2] }],
      inputs: [0, 2],
      outputs: [1],
      ops: [{ code: 22, inputs: [0, 2], outputs: [1] }],
    }), 'bad-reshape'))).toThrow(/output .* has 10 elements, but input .* has 12/);
  });
});
