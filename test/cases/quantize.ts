import { bytesOf } from '../support/builder.js';
import type { Rng } from '../support/rng.js';
import { F32, I8, activation, prod, type OpCase } from './common.js';

const U8 = 3, I16 = 7;
const RANGE: Record<number, [number, number]> = { [I8]: [-128, 127], [U8]: [0, 255], [I16]: [-32768, 32767] };
const NAME: Record<number, string> = { [F32]: 'f32', [I8]: 's8', [U8]: 'u8', [I16]: 's16' };

type Quant = { scale: number[]; zeroPoint: number[]; axis?: number };

/** A one-op QUANTIZE model. */
export function quantizeSpec(inType: number, outType: number, shape: number[], inQuant: Quant | undefined, outQuant: Quant) {
  const version = outQuant.scale.length > 1 ? 3 : outType === I16 || inType === I16 ? 2 : 1;
  return {
    tensors: [activation(inType, shape, inQuant), activation(outType, shape, outQuant)],
    inputs: [0],
    outputs: [1],
    ops: [{ code: 114, version, inputs: [0], outputs: [1] }],
  };
}

/** Float inputs for an output quantization: ties of round(x / scale), in-range values, saturating ones. */
export function floatsToQuantize(rng: Rng, count: number, scale: number, zeroPoint: number, outType: number): number[] {
  const [lo, hi] = RANGE[outType];
  return Array.from({ length: count }, () => {
    const k = rng.int(lo - zeroPoint - 3, hi - zeroPoint + 3);
    switch (rng.int(0, 3)) {
      case 0: return Math.fround((k + 0.5) * scale); // a tie (exact when the scale is a power of two)
      case 1: return Math.fround((k + rng.float(-0.5, 0.5)) * scale);
      case 2: return Math.fround(rng.float(-2, 2) * (hi - lo) * scale); // mostly saturating
      default: return Math.fround(k * scale);
    }
  });
}

export function quantizeCases(rng: Rng): OpCase[] {
  const cases: OpCase[] = [];
  const shapeOf = () => rng.pick([[rng.int(1, 64)], [rng.int(1, 4), rng.int(1, 16)], [1, rng.int(1, 6), rng.int(1, 6), rng.int(1, 8)]]);
  // [input type, output type, count]
  const plan: [number, number, number][] = [[F32, I8, 24], [F32, I16, 8], [I8, I8, 16], [I8, U8, 4], [U8, I8, 4], [I16, I8, 4], [I16, I16, 4], [I8, I16, 4]];
  for (const [inType, outType, count] of plan) {
    for (let i = 0; i < count; i++) {
      const shape = shapeOf();
      const n = prod(shape);
      const [lo, hi] = RANGE[outType];
      if (inType === F32) {
        // Powers of two make exact ties; other scales from tiny to large.
        const scale = Math.fround(i % 4 === 0 ? 2 ** rng.int(-10, 3) : 10 ** rng.float(-4, 1));
        const zeroPoint = outType === I16 ? (i % 2 === 0 ? 0 : rng.int(-1000, 1000)) : rng.int(lo, hi);
        const outQ = { scale: [scale], zeroPoint: [zeroPoint] };
        cases.push({
          name: `${NAME[inType]}->${NAME[outType]} [${shape}] scale ${scale.toPrecision(3)} zp ${zeroPoint}`,
          spec: quantizeSpec(inType, outType, shape, undefined, outQ),
          inputs: [bytesOf(F32, floatsToQuantize(rng, n, scale, zeroPoint, outType))],
        });
        continue;
      }
      // Requantize: ratios that make exact ties (powers of two), one, and arbitrary ones.
      const [ilo, ihi] = RANGE[inType];
      const inScale = Math.fround(10 ** rng.float(-3, 0));
      const ratio = i % 4 === 0 ? rng.pick([1, 0.5, 2, 0.25, 4, 0.125]) : 10 ** rng.float(-1.5, 1.5);
      const outScale = Math.fround(inScale / ratio);
      const int16Pair = inType === I16 && outType === I16;
      const inZp = inType === I16 ? 0 : rng.int(ilo, ihi);
      const outZp = int16Pair || outType === I16 ? 0 : rng.int(lo, hi);
      const values = inType === I16 ? rng.ints(n, -3000, 3000).map((v) => (rng.bool(0.1) ? rng.pick([ilo, ihi]) : v)) : rng.ints(n, ilo, ihi);
      cases.push({
        name: `${NAME[inType]}->${NAME[outType]} [${shape}] scales ${inScale.toPrecision(3)}/${outScale.toPrecision(3)} zps ${inZp}/${outZp}`,
        spec: quantizeSpec(inType, outType, shape, { scale: [inScale], zeroPoint: [inZp] }, { scale: [outScale], zeroPoint: [outZp] }),
        inputs: [bytesOf(inType, values)],
      });
    }
  }
  return cases;
}
