// QUANTIZE models xsml must refuse at load, with a message that says why.
import { describe, expect, it } from 'vitest';
import { Interpreter, loadModel } from '../src/index.js';
import { buildModel, type ModelSpec } from './support/builder.js';
import { quantizeSpec } from './cases/quantize.js';

const F32 = 0, U8 = 3, I16 = 7, I8 = 9;
const Q = { scale: [0.05], zeroPoint: [3] };
const load = (spec: ModelSpec) => () => new Interpreter(loadModel(buildModel(spec), 'quantize'));

describe('QUANTIZE rejects', () => {
  it('a float output', () => {
    expect(load(quantizeSpec(F32, F32, [4], undefined, Q))).toThrow(/output .* has type float32, expected int8 or uint8 or int16/);
  });
  it('an output without quantization', () => {
    const spec = quantizeSpec(F32, I8, [4], undefined, Q);
    delete spec.tensors[1].quant;
    expect(load(spec)).toThrow(/output .* has no quantization parameters/);
  });
  it('an output of another shape', () => {
    const spec = quantizeSpec(F32, I8, [2, 3], undefined, Q);
    spec.tensors[1].shape = [3, 2];
    expect(load(spec)).toThrow(/should have shape \[2,3\]/);
  });
  it('a zero point outside the output type', () => {
    expect(load(quantizeSpec(F32, I8, [4], undefined, { scale: [0.1], zeroPoint: [200] }))).toThrow(/zero point 200, outside the range of int8/);
  });
  it('uint8 -> int16, which TFLite does not requantize', () => {
    expect(load(quantizeSpec(U8, I16, [4], { scale: [0.1], zeroPoint: [128] }, { scale: [0.1], zeroPoint: [0] }))).toThrow(/output .* has type int16, expected int8 or uint8/);
  });
  it('int16 -> int16 with a nonzero zero point', () => {
    expect(load(quantizeSpec(I16, I16, [4], { scale: [0.1], zeroPoint: [0] }, { scale: [0.2], zeroPoint: [5] }))).toThrow(/int16 -> int16 requantization needs zero points 0/);
  });
  it('per-channel requantization', () => {
    const spec = quantizeSpec(I8, I8, [2, 2], Q, { scale: [0.1, 0.2], zeroPoint: [0, 0], axis: 1 });
    expect(load(spec)).toThrow(/output .* is quantized per channel, which requantization does not support/);
  });
  it('per-channel scales that do not match the axis', () => {
    const spec = quantizeSpec(F32, I8, [2, 3], undefined, { scale: [0.1, 0.2], zeroPoint: [0, 0], axis: 1 });
    expect(load(spec)).toThrow(/2 per-channel scales do not match dimension 1 of shape \[2,3\]/);
  });
  it('an int32 input', () => {
    expect(load(quantizeSpec(2, I8, [4], Q, Q))).toThrow(/input .* has type int32, expected int8 or uint8 or int16/);
  });
  it('an int4 quantize (version 4)', () => {
    const spec = quantizeSpec(F32, I8, [4], undefined, Q);
    spec.ops[0].version = 4;
    expect(load(spec)).toThrow(/QUANTIZE \(version 4\): version 4 not supported \(up to 3\)/);
  });
});
