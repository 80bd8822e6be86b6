// Models DEPTHWISE_CONV_2D must reject at load.
import { describe, expect, it } from 'vitest';
import { Interpreter, loadModel } from '../src/index.js';
import { buildModel, bytesOf, type OptionField, type TensorSpec } from './support/builder.js';

const F32 = 0, I32 = 2, I8 = 9;
const q = (scale: number, zeroPoint: number) => ({ scale: [scale], zeroPoint: [zeroPoint] });

/** SAME padding, stride 1, depth multiplier, fused activation, dilation 1. */
const opts = (multiplier = 1, act = 0): OptionField[] =>
  [[0, 'i8', 0], [1, 'i32', 1], [2, 'i32', 1], [3, 'i32', multiplier], [4, 'i8', act], [5, 'i32', 1], [6, 'i32', 1]];

const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const floatFilter = (shape: number[]): TensorSpec => ({ type: F32, shape, data: bytesOf(F32, new Array(count(shape)).fill(0.25)) });
const floatBias = (n: number): TensorSpec => ({ type: F32, shape: [n], data: bytesOf(F32, new Array(n).fill(0.5)) });
const int8Filter = (shape: number[], quant: TensorSpec['quant']): TensorSpec =>
  ({ type: I8, shape, data: bytesOf(I8, new Array(count(shape)).fill(3)), quant });
const int32Bias = (n: number): TensorSpec => ({ type: I32, shape: [n], data: bytesOf(I32, new Array(n).fill(0)), quant: q(0.0005, 0) });

function depthwise(tensors: TensorSpec[], options: OptionField[] = opts()) {
  const out = tensors.length - 1;
  return () => new Interpreter(loadModel(buildModel({
    tensors, inputs: [0], outputs: [out],
    ops: [{ code: 4, version: 3, inputs: tensors.map((_, i) => i).slice(0, out), outputs: [out], optionsType: 2, options }],
  }), 'bad-depthwise'));
}

describe('DEPTHWISE_CONV_2D rejects', () => {
  it('a depth_multiplier option that disagrees with the shapes', () => {
    expect(depthwise([{ type: F32, shape: [1, 3, 3, 2] }, floatFilter([1, 2, 2, 4]), floatBias(4), { type: F32, shape: [1, 3, 3, 4] }], opts(1)))
      .toThrow(/depth_multiplier 1 does not match the shapes: filter channels 4 \/ input channels 2 = 2/);
  });
  it('a filter whose first dimension is not 1', () => {
    expect(depthwise([{ type: F32, shape: [1, 3, 3, 2] }, floatFilter([2, 2, 2, 2]), floatBias(2), { type: F32, shape: [1, 3, 3, 2] }]))
      .toThrow(/filter .* must have shape \[1, height, width, channels\]/);
  });
  it('filter channels that are not a multiple of the input channels', () => {
    expect(depthwise([{ type: F32, shape: [1, 3, 3, 2] }, floatFilter([1, 2, 2, 3]), floatBias(3), { type: F32, shape: [1, 3, 3, 3] }]))
      .toThrow(/filter channels 3 .* must be a positive multiple of the input's 2 channels/);
  });
  it('a hybrid model (float input, int8 filter)', () => {
    expect(depthwise([{ type: F32, shape: [1, 3, 3, 2] }, int8Filter([1, 2, 2, 2], q(0.1, 0)), floatBias(2), { type: F32, shape: [1, 3, 3, 2] }]))
      .toThrow(/hybrid convolution is not supported: float32 input with filter .* of type int8/);
  });
  it('a bias of the wrong shape', () => {
    expect(depthwise([{ type: F32, shape: [1, 3, 3, 2] }, floatFilter([1, 2, 2, 2]), floatBias(3), { type: F32, shape: [1, 3, 3, 2] }]))
      .toThrow(/bias .* should have shape \[2\]/);
  });
  it('per-channel scales that are not one per output channel', () => {
    expect(depthwise([{ type: I8, shape: [1, 3, 3, 3], quant: q(0.05, 0) }, int8Filter([1, 2, 2, 3], { scale: [0.01, 0.02], zeroPoint: [0, 0], axis: 1 }),
      int32Bias(3), { type: I8, shape: [1, 3, 3, 3], quant: q(0.1, 0) }]))
      .toThrow(/has 2 scales on axis 1, expected 1 or 3 on axis 3/);
  });
  it('an int8 filter with a non-zero zero point (TFLite would silently ignore it)', () => {
    expect(depthwise([{ type: I8, shape: [1, 3, 3, 2], quant: q(0.05, 0) }, int8Filter([1, 2, 2, 2], q(0.01, -2)), int32Bias(2), { type: I8, shape: [1, 3, 3, 2], quant: q(0.1, 0) }]))
      .toThrow(/zero point -2 at 0, expected 0/);
  });
  it('an unsupported fused activation', () => {
    expect(depthwise([{ type: F32, shape: [1, 3, 3, 2] }, floatFilter([1, 2, 2, 2]), floatBias(2), { type: F32, shape: [1, 3, 3, 2] }], opts(1, 5)))
      .toThrow(/fused activation SIGN_BIT is not supported/);
  });
  it('a declared output shape other than the computed one', () => {
    expect(depthwise([{ type: F32, shape: [2, 3, 3, 2] }, floatFilter([1, 2, 2, 2]), floatBias(2), { type: F32, shape: [1, 3, 3, 2] }]))
      .toThrow(/output .* should have shape \[2,3,3,2\]/);
  });
});
