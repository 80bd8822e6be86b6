// Shared pieces of TFLM's Signal ops (tensorflow/tflite-micro signal/src/*.cc): the tensor types they
// use, the integer helpers their kernels share, and 64-bit arithmetic on two uint32 halves, done in
// float64 where every intermediate value stays below 2^53 (so it is exact) and nothing is allocated.

import type { Tensor } from '../../model/model.js';
import type { OpContext } from '../op.js';

/** TensorType codes of the Signal ops' tensors. */
export const T_INT16 = 7;
export const T_INT32 = 2;
export const T_UINT32 = 15;
export const T_UINT64 = 12;

export const TWO_32 = 4294967296;

/** MostSignificantBit32 as TFLM builds it with GCC: the bit count of x, and 32 for x = 0. */
export function msb32(x: number): number {
  return x === 0 ? 32 : 32 - Math.clz32(x);
}

/** Wraps to int16, as a store into an int16_t. */
export function s16(x: number): number {
  return (x << 16) >> 16;
}

/** The product of two uint32 values, exactly: the low word in WIDE[0], the high word in WIDE[1]. */
export const WIDE = new Float64Array(2);

export function mulU32(a: number, b: number): void {
  const a0 = a % 65536, a1 = (a - a0) / 65536;
  const b0 = b % 65536, b1 = (b - b0) / 65536;
  const mid = a0 * b1 + a1 * b0; // < 2^33
  const midLow = mid % 65536;
  let lo = a0 * b0 + midLow * 65536; // < 2^33
  const carry = lo >= TWO_32 ? Math.floor(lo / TWO_32) : 0;
  lo -= carry * TWO_32;
  WIDE[0] = lo;
  WIDE[1] = a1 * b1 + (mid - midLow) / 65536 + carry;
}

/** (uint64)a * b >> shift, truncated to uint32 (a, b uint32; shift 0..63), as C computes it. */
export function mulShiftU32(a: number, b: number, shift: number): number {
  mulU32(a, b);
  const lo = WIDE[0], hi = WIDE[1];
  if (shift === 0) return lo;
  if (shift < 32) {
    const p = 2 ** shift;
    return (hi % p) * 2 ** (32 - shift) + Math.floor(lo / p);
  }
  return Math.floor(hi / 2 ** (shift - 32));
}

/** Sqrt32: the square root of a uint32 rounded to nearest (a remainder above the root rounds up), at most 0xFFFF. */
export function sqrt32(x: number): number {
  if (x === 0) return 0;
  const r = Math.floor(Math.sqrt(x)); // exact for x < 2^52
  return x - r * r > r && r !== 0xffff ? r + 1 : r;
}

/**
 * Sqrt64 of lo + hi * 2^32: Sqrt32 when the high word is 0 (TFLM's shortcut), else the integer root
 * rounded the same way, at most 0xFFFFFFFF.
 */
export function sqrt64(lo: number, hi: number): number {
  if (hi === 0) return sqrt32(lo);
  let r = Math.floor(Math.sqrt(hi * TWO_32 + lo)); // within 1 of the integer root
  if (r > 0xffffffff) r = 0xffffffff;
  mulU32(r, r);
  let rem = (hi - WIDE[1]) * TWO_32 + (lo - WIDE[0]); // small: exact
  while (rem < 0) { r--; rem += 2 * r + 1; }
  while (rem >= 2 * r + 1 && r < 0xffffffff) { rem -= 2 * r + 1; r++; }
  return rem > r && r !== 0xffffffff ? r + 1 : r;
}

/** Fails unless the tensor has the given rank. */
export function expectRank(ctx: OpContext, t: Tensor, what: string, rank: number): void {
  if (t.shape.length !== rank) ctx.fail(`${what} ${ctx.describe(t)} must have rank ${rank}`);
}

/** Fails unless an integer option lies in [lo, hi]. */
export function optionInRange(ctx: OpContext, name: string, value: number, lo: number, hi: number): number {
  if (!(value >= lo && value <= hi)) ctx.unsupported(`the option ${name} is ${value}, expected an integer in [${lo}, ${hi}]`);
  return value;
}

/** The int16 values of a constant tensor. */
export function int16Values(t: Tensor): number[] {
  const data = t.data!;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return Array.from({ length: t.elements }, (_, i) => view.getInt16(2 * i, true));
}
