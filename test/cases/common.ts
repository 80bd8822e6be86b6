// Shared pieces of the per-op case generators: every case is a one-op model, its inputs as raw
// bytes, and a name that says what it exercises.
import { bytesOf, type ModelSpec, type TensorSpec } from '../support/builder.js';
import type { Engine } from '../support/golden.js';
import type { Rng } from '../support/rng.js';

export const F32 = 0, I32 = 2, I8 = 9;
export const ACTIVATIONS = [0, 1, 2, 3] as const; // NONE, RELU, RELU_N1_TO_1, RELU6

export interface OpCase {
  name: string;
  spec: ModelSpec;
  inputs: Uint8Array[]; // raw bytes for each model input, in order
  engines?: Engine[]; // the references that run this case (default: all); e.g. TFLM refuses hybrid models
}

export const prod = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** A non-constant tensor. */
export function activation(type: number, shape: number[], quant?: TensorSpec['quant']): TensorSpec {
  return { type, shape, ...(quant ? { quant } : {}) };
}

/** A constant tensor with the given values. */
export function constant(type: number, shape: number[], values: number[], quant?: TensorSpec['quant']): TensorSpec {
  return { type, shape, data: bytesOf(type, values), ...(quant ? { quant } : {}) };
}

/** Random per-tensor int8 quantization. */
export function q8(rng: Rng, scaleLo = 0.005, scaleHi = 0.1, zpRange = 30): { scale: number[]; zeroPoint: number[] } {
  return { scale: [Math.fround(rng.float(scaleLo, scaleHi))], zeroPoint: [rng.int(-zpRange, zpRange)] };
}

/** Random input bytes for a tensor: int8 over its whole range, floats in [-lo, hi]. */
export function randomInput(rng: Rng, t: TensorSpec, lo = -2, hi = 2): Uint8Array {
  const n = prod(t.shape);
  return t.type === F32 ? bytesOf(F32, rng.floats(n, lo, hi)) : bytesOf(t.type, rng.ints(n, -128, 127));
}
