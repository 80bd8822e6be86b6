// The fixed-point helpers against the C formulas of tensorflow/lite/kernels/internal/common.h,
// evaluated with BigInt (exact 64-bit arithmetic) on a million random operands.
import { describe, expect, it } from 'vitest';
import { multiplyByQuantizedMultiplierDouble, multiplyByQuantizedMultiplierSingle, quantizeMultiplier, srdhm } from '../src/ops/quant.js';
import { Rng } from './support/rng.js';

const I32_MIN = -2147483648;

function srdhmC(a: number, b: number): number {
  if (a === I32_MIN && b === I32_MIN) return 2147483647;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates, as C does
}

function singleC(x: number, m: number, shift: number): number {
  const total = BigInt(31 - shift);
  return Number((BigInt(x) * BigInt(m) + (1n << (total - 1n))) >> total);
}

function operands(rng: Rng): [number, number, number] {
  const x = rng.bool() ? rng.int(I32_MIN, 2147483647) : rng.int(-100000, 100000);
  const m = rng.int(1073741824, 2147483647); // a normalized Q31 multiplier
  return [x, m, rng.int(-31, 6)];
}

describe('fixed point', () => {
  it('SaturatingRoundingDoublingHighMul matches the 64-bit formula', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 300000; i++) {
      const a = rng.int(I32_MIN, 2147483647), b = rng.bool(0.1) ? I32_MIN : rng.int(I32_MIN, 2147483647);
      if (srdhm(a, b) !== srdhmC(a, b)) expect([a, b, srdhm(a, b)]).toEqual([a, b, srdhmC(a, b)]);
    }
  });

  it('single-rounding MultiplyByQuantizedMultiplier matches the 64-bit formula', () => {
    const rng = new Rng(2);
    for (let i = 0; i < 300000; i++) {
      const [x, m, s] = operands(rng);
      const want = singleC(x, m, s);
      if (want < I32_MIN || want > 2147483647) continue; // outside the function's contract
      if (multiplyByQuantizedMultiplierSingle(x, m, s) !== want) expect([x, m, s, multiplyByQuantizedMultiplierSingle(x, m, s)]).toEqual([x, m, s, want]);
    }
  });

  it('double rounding rounds twice, single once', () => {
    // 0.75 * 2^-1 = 0.375... chosen so the two modes differ: x * m * 2^(shift-31) = 40.4999 style cases.
    const { multiplier, shift } = quantizeMultiplier(0.2499, 'double');
    let differ = 0;
    for (let x = 0; x < 2000; x++) {
      const exact = Math.round(x * multiplier * Math.pow(2, shift - 31));
      const s = multiplyByQuantizedMultiplierSingle(x, multiplier, shift);
      const d = multiplyByQuantizedMultiplierDouble(x, multiplier, shift);
      expect(s).toBe(exact);
      expect(Math.abs(d - s)).toBeLessThanOrEqual(1);
      if (d !== s) differ++;
    }
    expect(differ).toBeGreaterThan(0);
  });

  it('QuantizeMultiplier normalizes into [2^30, 2^31)', () => {
    for (const real of [1e-9, 0.0001234, 0.5, 0.75, 0.999999999, 1, 3.5, 1234.5]) {
      const { multiplier, shift } = quantizeMultiplier(real, 'double');
      expect(multiplier).toBeGreaterThanOrEqual(1073741824);
      expect(multiplier).toBeLessThan(2147483648);
      expect(Math.abs(multiplier * Math.pow(2, shift - 31) - real) / real).toBeLessThan(1e-9);
    }
    expect(quantizeMultiplier(0, 'single')).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(2 ** -40, 'single')).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(2 ** 40, 'single')).toEqual({ multiplier: 2147483647, shift: 30 });
  });
});
