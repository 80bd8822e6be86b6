// DEQUANTIZE models xsml must refuse at load, with a message that says why.
import { describe, expect, it } from 'vitest';
import { Interpreter, loadModel } from '../src/index.js';
import { buildModel, type ModelSpec } from './support/builder.js';
import { dequantizeSpec } from './cases/dequantize.js';

const F32 = 0, I16 = 7, I8 = 9;
const Q = { scale: [0.05], zeroPoint: [3] };
const load = (spec: ModelSpec) => () => new Interpreter(loadModel(buildModel(spec), 'dequantize'));

describe('DEQUANTIZE rejects', () => {
  it('a float32 input', () => {
    expect(load(dequantizeSpec(F32, [4], Q))).toThrow(/input .* has type float32, expected float16 or int8 or uint8 or int16/);
  });
  it('a quantized output', () => {
    const spec = dequantizeSpec(I8, [4], Q);
    spec.tensors[1] = { type: I8, shape: [4], quant: Q };
    expect(load(spec)).toThrow(/output .* has type int8, expected float32/);
  });
  it('an input without quantization', () => {
    expect(load(dequantizeSpec(I8, [4], undefined))).toThrow(/input .* has no quantization parameters/);
  });
  it('an int16 input with a nonzero zero point', () => {
    expect(load(dequantizeSpec(I16, [4], Q))).toThrow(/int16 dequantization needs zero point 0/);
  });
  it('a per-channel int16 input', () => {
    expect(load(dequantizeSpec(I16, [2, 2], { scale: [0.1, 0.2], zeroPoint: [0, 0], axis: 0 }))).toThrow(/per-channel dequantization takes int8 or uint8, not int16/);
  });
  it('per-channel scales that do not match the axis', () => {
    expect(load(dequantizeSpec(I8, [2, 3], { scale: [0.1, 0.2], zeroPoint: [0, 0], axis: 1 }))).toThrow(/2 per-channel scales do not match dimension 1 of shape \[2,3\]/);
  });
  it('a nonpositive scale', () => {
    expect(load(dequantizeSpec(I8, [4], { scale: [0], zeroPoint: [0] }))).toThrow(/has scale 0, expected a positive number/);
  });
  it('an output of another shape', () => {
    const spec = dequantizeSpec(I8, [2, 3], Q);
    spec.tensors[1].shape = [6];
    expect(load(spec)).toThrow(/should have shape \[2,3\]/);
  });
  it('an int4 dequantize (version 6)', () => {
    const spec = dequantizeSpec(I8, [4], Q);
    spec.ops[0].version = 6;
    expect(load(spec)).toThrow(/DEQUANTIZE \(version 6\): version 6 not supported \(up to 5\)/);
  });
});
