// The load-time rejections ADD and MUL share (broadcasting, types, quantization, options): one
// suite, run by test/add.errors.test.ts and test/mul.errors.test.ts.
import { describe, expect, it } from 'vitest';
import { Interpreter, loadModel } from '../../src/index.js';
import { buildModel, type TensorSpec } from './builder.js';

export const F32 = 0, I8 = 9, I16 = 7;
export const q = (scale: number, zeroPoint: number) => ({ scale: [scale], zeroPoint: [zeroPoint] });

export function binary(code: number, optionsType: number, a: TensorSpec, b: TensorSpec, out: TensorSpec, act = 0, optType = optionsType) {
  return () => new Interpreter(loadModel(buildModel({
    tensors: [a, b, out],
    inputs: [0, 1],
    outputs: [2],
    ops: [{ code, version: 2, inputs: [0, 1], outputs: [2], optionsType: optType, options: [[0, 'i8', act]] }],
  }), 'bad-binary'));
}

export function binaryErrorSuite(name: string, code: number, optionsType: number): void {
  const op = (a: TensorSpec, b: TensorSpec, out: TensorSpec, act = 0, optType = optionsType) => binary(code, optionsType, a, b, out, act, optType);
  describe(`${name} rejects`, () => {
    it('int16 data', () => {
      expect(op({ type: I16, shape: [2, 3], quant: q(0.001, 0) }, { type: I16, shape: [2, 3], quant: q(0.001, 0) }, { type: I16, shape: [2, 3], quant: q(0.002, 0) }))
        .toThrow(/is int16: 16-bit quantized (ADD|MUL) is not supported/);
    });
    it('inputs of different types', () => {
      expect(op({ type: F32, shape: [2, 3] }, { type: I8, shape: [2, 3], quant: q(0.1, 0) }, { type: F32, shape: [2, 3] }))
        .toThrow(/inputs: .* must have the same type/);
    });
    it('an output of another type than the inputs', () => {
      expect(op({ type: I8, shape: [2, 3], quant: q(0.1, 0) }, { type: I8, shape: [2, 3], quant: q(0.1, 0) }, { type: F32, shape: [2, 3] }))
        .toThrow(/input and output: .* must have the same type/);
    });
    it('shapes that do not broadcast', () => {
      expect(op({ type: F32, shape: [2, 3] }, { type: F32, shape: [4] }, { type: F32, shape: [2, 3] }))
        .toThrow(/do not broadcast: dimension 1 is 3 and 4/);
    });
    it('a declared output shape other than the broadcast one', () => {
      expect(op({ type: F32, shape: [2, 1, 3] }, { type: F32, shape: [4, 1] }, { type: F32, shape: [2, 1, 3] }))
        .toThrow(/output .* should have shape \[2,4,3\]/);
    });
    it('a broadcast rank above 6', () => {
      expect(op({ type: F32, shape: [1, 1, 1, 1, 1, 1, 2] }, { type: F32, shape: [2] }, { type: F32, shape: [1, 1, 1, 1, 1, 1, 2] }))
        .toThrow(/broadcast to rank 7; at most 6 is supported/);
    });
    it('an unsupported fused activation', () => {
      expect(op({ type: F32, shape: [2, 3] }, { type: F32, shape: [3] }, { type: F32, shape: [2, 3] }, 4))
        .toThrow(/fused activation TANH is not supported/);
    });
    it('int8 tensors without quantization', () => {
      expect(op({ type: I8, shape: [2, 3], quant: q(0.1, 0) }, { type: I8, shape: [2, 3] }, { type: I8, shape: [2, 3], quant: q(0.1, 0) }))
        .toThrow(/input 2 .* has no quantization parameters/);
    });
    it('per-channel quantized operands', () => {
      expect(op({ type: I8, shape: [2, 3], quant: { scale: [0.1, 0.2, 0.3], zeroPoint: [0, 0, 0], axis: 1 } }, { type: I8, shape: [2, 3], quant: q(0.1, 0) }, { type: I8, shape: [2, 3], quant: q(0.1, 0) }))
        .toThrow(/input 1 .* has 3 scales; only per-tensor quantization is supported/);
    });
    it('options of another op', () => {
      expect(op({ type: F32, shape: [3] }, { type: F32, shape: [3] }, { type: F32, shape: [3] }, 0, 8))
        .toThrow(/builtin options are of union type 8/);
    });
    it('a missing input', () => {
      expect(() => new Interpreter(loadModel(buildModel({
        tensors: [{ type: F32, shape: [3] }, { type: F32, shape: [3] }],
        inputs: [0],
        outputs: [1],
        ops: [{ code, version: 1, inputs: [0], outputs: [1], optionsType, options: [[0, 'i8', 0]] }],
      }), 'bad-binary'))).toThrow(/expected 2 inputs, got 1/);
    });
  });
}
