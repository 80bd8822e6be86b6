// Models CONV_2D must reject at load, and the one thing xsml accepts beyond the TFLite reference:
// an omitted bias (TFLite requires it; TFLM, like xsml, treats it as zero).
import { describe, expect, it } from 'vitest';
import { Interpreter, loadModel } from '../src/index.js';
import { buildModel, bytesOf, type OptionField, type TensorSpec } from './support/builder.js';

const F32 = 0, I32 = 2, U8 = 3, I8 = 9, I16 = 7;
const q = (scale: number, zeroPoint: number) => ({ scale: [scale], zeroPoint: [zeroPoint] });

/** SAME padding unless told, strides, fused activation, dilation 1. */
const opts = (act = 0, stride = 1, padding = 0): OptionField[] =>
  [[0, 'i8', padding], [1, 'i32', stride], [2, 'i32', stride], [3, 'i8', act], [4, 'i32', 1], [5, 'i32', 1]];

const floatFilter = (shape: number[]): TensorSpec => ({ type: F32, shape, data: bytesOf(F32, new Array(shape.reduce((a, b) => a * b, 1)).fill(0.25)) });
const floatBias = (n: number): TensorSpec => ({ type: F32, shape: [n], data: bytesOf(F32, new Array(n).fill(0.5)) });
const int8Filter = (shape: number[], quant: TensorSpec['quant']): TensorSpec =>
  ({ type: I8, shape, data: bytesOf(I8, new Array(shape.reduce((a, b) => a * b, 1)).fill(3)), quant });
const int32Bias = (n: number, values = new Array(n).fill(0)): TensorSpec => ({ type: I32, shape: [n], data: bytesOf(I32, values), quant: q(0.0005, 0) });

function modelBytes(tensors: TensorSpec[], options: OptionField[] | null, inputs = [0, 1, 2]): Uint8Array {
  const out = tensors.length - 1;
  return buildModel({
    tensors, inputs: [0], outputs: [out],
    ops: [{ code: 3, version: 3, inputs, outputs: [out], ...(options ? { optionsType: 1, options } : {}) }],
  });
}

function conv(tensors: TensorSpec[], options: OptionField[] | null = opts()) {
  return () => new Interpreter(loadModel(modelBytes(tensors, options), 'bad-conv'));
}

describe('CONV_2D rejects', () => {
  it('a hybrid model with a uint8 filter', () => {
    const filter: TensorSpec = { type: U8, shape: [2, 1, 1, 2], data: new Uint8Array(4).fill(130), quant: q(0.1, 128) };
    expect(conv([{ type: F32, shape: [1, 3, 3, 2] }, filter, floatBias(2), { type: F32, shape: [1, 3, 3, 2] }]))
      .toThrow(/hybrid convolution \(float32 input\) needs a float32 or int8 filter: .* has type uint8/);
  });
  it('a hybrid int8 filter without quantization', () => {
    expect(conv([{ type: F32, shape: [1, 3, 3, 2] }, int8Filter([2, 1, 1, 2], undefined), floatBias(2), { type: F32, shape: [1, 3, 3, 2] }]))
      .toThrow(/filter .* has no quantization parameters \(a hybrid filter needs its scales\)/);
  });
  it('a hybrid int8 filter with a non-zero zero point', () => {
    expect(conv([{ type: F32, shape: [1, 3, 3, 2] }, int8Filter([2, 1, 1, 2], { scale: [0.1, 0.2], zeroPoint: [0, 2] }), floatBias(2), { type: F32, shape: [1, 3, 3, 2] }]))
      .toThrow(/zero point 2 at 1, expected 0/);
  });
  it('a hybrid model with an int8 output', () => {
    expect(conv([{ type: F32, shape: [1, 3, 3, 2] }, int8Filter([2, 1, 1, 2], q(0.1, 0)), floatBias(2), { type: I8, shape: [1, 3, 3, 2], quant: q(0.1, 0) }]))
      .toThrow(/output .* has type int8, expected float32/);
  });
  it('a hybrid model with an int32 bias', () => {
    expect(conv([{ type: F32, shape: [1, 3, 3, 2] }, int8Filter([2, 1, 1, 2], q(0.1, 0)), int32Bias(2), { type: F32, shape: [1, 3, 3, 2] }]))
      .toThrow(/bias .* has type int32, expected float32/);
  });
  it('a grouped hybrid convolution with one filter scale', () => {
    expect(conv([{ type: F32, shape: [1, 3, 3, 4] }, int8Filter([2, 1, 1, 2], q(0.1, 0)), floatBias(2), { type: F32, shape: [1, 3, 3, 2] }]))
      .toThrow(/a grouped hybrid convolution \(2 groups\) needs per-channel filter scales/);
  });
  it('hybrid per-channel scales that are not one per output channel', () => {
    expect(conv([{ type: F32, shape: [1, 3, 3, 2] }, int8Filter([3, 1, 1, 2], { scale: [0.01, 0.02], zeroPoint: [0, 0], axis: 3 }),
      floatBias(3), { type: F32, shape: [1, 3, 3, 3] }]))
      .toThrow(/has 2 scales on axis 3, expected 1 or 3 on axis 0/);
  });
  it('int16 activations', () => {
    expect(conv([{ type: I16, shape: [1, 3, 3, 2], quant: q(0.001, 0) }, int8Filter([2, 1, 1, 2], q(0.1, 0)),
      { type: 4, shape: [2], data: new Uint8Array(16) }, { type: I16, shape: [1, 3, 3, 2], quant: q(0.001, 0) }]))
      .toThrow(/int16 activations .* are not supported/);
  });
  it('a declared output shape other than the computed one', () => {
    expect(conv([{ type: F32, shape: [1, 4, 4, 2] }, floatFilter([3, 2, 2, 2]), floatBias(3), { type: F32, shape: [1, 4, 4, 3] }], opts(0, 2)))
      .toThrow(/output .* should have shape \[1,2,2,3\]/);
  });
  it('an unsupported fused activation', () => {
    expect(conv([{ type: F32, shape: [1, 3, 3, 2] }, floatFilter([2, 1, 1, 2]), floatBias(2), { type: F32, shape: [1, 3, 3, 2] }], opts(4)))
      .toThrow(/fused activation TANH is not supported/);
  });
  it('an int8 filter with a non-zero zero point', () => {
    expect(conv([{ type: I8, shape: [1, 3, 3, 2], quant: q(0.05, 1) }, int8Filter([2, 1, 1, 2], q(0.01, 3)), int32Bias(2), { type: I8, shape: [1, 3, 3, 2], quant: q(0.1, 0) }]))
      .toThrow(/zero point 3 at 0, expected 0/);
  });
  it('per-channel scales that are not one per output channel', () => {
    expect(conv([{ type: I8, shape: [1, 3, 3, 2], quant: q(0.05, 1) }, int8Filter([3, 1, 1, 2], { scale: [0.01, 0.02], zeroPoint: [0, 0], axis: 3 }),
      int32Bias(3), { type: I8, shape: [1, 3, 3, 3], quant: q(0.1, 0) }]))
      .toThrow(/has 2 scales on axis 3, expected 1 or 3 on axis 0/);
  });
  it('input channels that are not a multiple of the filter channels', () => {
    expect(conv([{ type: F32, shape: [1, 3, 3, 5] }, floatFilter([2, 1, 1, 2]), floatBias(2), { type: F32, shape: [1, 3, 3, 2] }]))
      .toThrow(/input channels 5 .* must be a multiple of the filter's 2/);
  });
  it('grouped output channels that do not divide into the groups', () => {
    expect(conv([{ type: F32, shape: [1, 3, 3, 4] }, floatFilter([3, 1, 1, 2]), floatBias(3), { type: F32, shape: [1, 3, 3, 3] }]))
      .toThrow(/output channels 3 .* must be a positive multiple of the 2 groups/);
  });
  it('a zero stride', () => {
    expect(conv([{ type: F32, shape: [1, 3, 3, 2] }, floatFilter([2, 1, 1, 2]), floatBias(2), { type: F32, shape: [1, 3, 3, 2] }], opts(0, 0)))
      .toThrow(/strides \(0, 0\) must be between 1 and 65535/);
  });
  it('a VALID window larger than the input', () => {
    expect(conv([{ type: F32, shape: [1, 2, 2, 2] }, floatFilter([2, 3, 3, 2]), floatBias(2), { type: F32, shape: [1, 1, 1, 2] }], opts(0, 1, 1)))
      .toThrow(/VALID padding of a 2x2 input with a 3x3 filter .* leaves an empty output/);
  });
  it('missing options', () => {
    expect(conv([{ type: F32, shape: [1, 3, 3, 2] }, floatFilter([2, 1, 1, 2]), floatBias(2), { type: F32, shape: [1, 3, 3, 2] }], null))
      .toThrow(/has no Conv2DOptions/);
  });
  it('a bias of the wrong type', () => {
    expect(conv([{ type: I8, shape: [1, 3, 3, 2], quant: q(0.05, 1) }, int8Filter([2, 1, 1, 2], q(0.01, 0)), floatBias(2), { type: I8, shape: [1, 3, 3, 2], quant: q(0.1, 0) }]))
      .toThrow(/bias .* has type float32, expected int32/);
  });
  it('an int8 input without quantization', () => {
    expect(conv([{ type: I8, shape: [1, 3, 3, 2] }, int8Filter([2, 1, 1, 2], q(0.01, 0)), int32Bias(2), { type: I8, shape: [1, 3, 3, 2], quant: q(0.1, 0) }]))
      .toThrow(/input .* has no quantization parameters/);
  });
});

describe('CONV_2D without bias', () => {
  // Same model with no bias and with a zero bias: the outputs must be identical.
  function run(tensors: TensorSpec[], data: Int8Array | Float32Array, inputs = [0, 1, 2]) {
    const interp = new Interpreter(loadModel(modelBytes(tensors, opts(1, 2), inputs), 'conv-bias'));
    interp.inputs[0].data.set(data as never);
    interp.invoke();
    return Array.from(interp.outputs[0].data);
  }
  it('float: treated as a zero bias', () => {
    const input = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i));
    const f = floatFilter([3, 3, 3, 2]);
    const zero: TensorSpec = { type: F32, shape: [3], data: bytesOf(F32, [0, 0, 0]) };
    const a = run([{ type: F32, shape: [1, 5, 5, 2] }, f, zero, { type: F32, shape: [1, 3, 3, 3] }], input);
    const b = run([{ type: F32, shape: [1, 5, 5, 2] }, f, { type: F32, shape: [1, 3, 3, 3] }], input, [0, 1, -1]);
    expect(b).toEqual(a);
    expect(a.some((v) => v !== a[0])).toBe(true);
  });
  it('hybrid: treated as a zero bias', () => {
    const input = Float32Array.from({ length: 50 }, (_, i) => Math.cos(i) * 3);
    for (const quant of [q(0.02, 0), { scale: [0.01, 0.02, 0.03], zeroPoint: [0, 0, 0] }]) {
      const f = int8Filter([3, 3, 3, 2], quant);
      const zero: TensorSpec = { type: F32, shape: [3], data: bytesOf(F32, [0, 0, 0]) };
      const a = run([{ type: F32, shape: [1, 5, 5, 2] }, f, zero, { type: F32, shape: [1, 3, 3, 3] }], input);
      const b = run([{ type: F32, shape: [1, 5, 5, 2] }, f, { type: F32, shape: [1, 3, 3, 3] }], input, [0, 1, -1]);
      expect(b).toEqual(a);
      expect(a.some((v) => v !== a[0])).toBe(true);
    }
  });
  it('int8: treated as a zero bias', () => {
    const input = Int8Array.from({ length: 50 }, (_, i) => (i * 37) % 256 - 128);
    const f = int8Filter([3, 3, 3, 2], q(0.01, 0));
    const inQ = q(0.05, -3), outQ = q(0.02, 5);
    const a = run([{ type: I8, shape: [1, 5, 5, 2], quant: inQ }, f, int32Bias(3), { type: I8, shape: [1, 3, 3, 3], quant: outQ }], input);
    const b = run([{ type: I8, shape: [1, 5, 5, 2], quant: inQ }, f, { type: I8, shape: [1, 3, 3, 3], quant: outQ }], input, [0, 1]);
    expect(b).toEqual(a);
    expect(a.some((v) => v !== a[0])).toBe(true);
  });
});
