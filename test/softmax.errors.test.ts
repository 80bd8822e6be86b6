// SOFTMAX models xsml must refuse at load, with a message that says why.
import { describe, expect, it } from 'vitest';
import { Interpreter, loadModel } from '../src/index.js';
import { buildModel, type ModelSpec } from './support/builder.js';
import { softmaxSpec } from './cases/softmax.js';

const F32 = 0, U8 = 3, I16 = 7, I8 = 9;
const IN_Q = { scale: [0.05], zeroPoint: [0] };
const OUT_Q = { scale: [1 / 256], zeroPoint: [-128] };
const load = (spec: ModelSpec) => () => new Interpreter(loadModel(buildModel(spec), 'softmax'));

describe('SOFTMAX rejects', () => {
  it('an output of another shape', () => {
    const spec = softmaxSpec(F32, F32, [2, 5], 1);
    spec.tensors[1].shape = [2, 4];
    expect(load(spec)).toThrow(/output tensor #1 .* should have shape \[2,5\]/);
  });
  it('a float input with an int8 output', () => {
    expect(load(softmaxSpec(F32, I8, [1, 5], 1, undefined, OUT_Q))).toThrow(/output .* has type int8, expected float32/);
  });
  it('an int8 input with a float output', () => {
    expect(load(softmaxSpec(I8, F32, [1, 5], 1, IN_Q))).toThrow(/output .* has type float32, expected int8 or int16/);
  });
  it('an int8 output whose zero point is not -128', () => {
    expect(load(softmaxSpec(I8, I8, [1, 5], 1, IN_Q, { scale: [1 / 256], zeroPoint: [0] }))).toThrow(/expected scale 1\/256 and zero point -128/);
  });
  it('an int8 output whose scale is not 1/256', () => {
    expect(load(softmaxSpec(I8, I8, [1, 5], 1, IN_Q, { scale: [1 / 128], zeroPoint: [-128] }))).toThrow(/expected scale 1\/256 and zero point -128/);
  });
  it('an int16 output that is not scaled 1/65536 from -32768', () => {
    expect(load(softmaxSpec(I8, I16, [1, 5], 1, IN_Q, { scale: [1 / 32768], zeroPoint: [0] }))).toThrow(/expected scale 1\/65536 and zero point -32768/);
  });
  it('a uint8 input with an int8 output', () => {
    expect(load(softmaxSpec(U8, I8, [1, 5], 1, IN_Q, OUT_Q))).toThrow(/output .* has type int8, expected uint8 or int16/);
  });
  it('an int8 input without quantization', () => {
    expect(load(softmaxSpec(I8, I8, [1, 5], 1, undefined, OUT_Q))).toThrow(/input .* has no quantization parameters/);
  });
  it('int16 -> int16 (version 3)', () => {
    const spec = softmaxSpec(I16, I16, [1, 5], 1, IN_Q, { scale: [1 / 32768], zeroPoint: [0] });
    expect(load(spec)).toThrow(/input .* has type int16, expected float32 or int8 or uint8/);
    spec.ops[0].version = 3;
    expect(load(spec)).toThrow(/SOFTMAX \(version 3\): version 3 not supported \(up to 2\)/);
  });
  it('a quantized softmax with beta 0, which TFLite cannot prepare', () => {
    expect(load(softmaxSpec(I8, I8, [1, 5], 0, IN_Q, OUT_Q))).toThrow(/beta 0 is not supported for quantized softmax/);
  });
  it('beta times input scale below 2^-26, which TFLite cannot prepare', () => {
    expect(load(softmaxSpec(I8, I8, [1, 5], 1, { scale: [1e-9], zeroPoint: [0] }, OUT_Q))).toThrow(/too small \(below 2\^-26\)/);
  });
  it('two inputs', () => {
    const spec = softmaxSpec(F32, F32, [1, 5], 1);
    spec.tensors.push({ type: F32, shape: [1, 5] });
    spec.inputs = [0, 2];
    spec.ops[0].inputs = [0, 2];
    expect(load(spec)).toThrow(/expected 1 inputs, got 2/);
  });
});
