import { bytesOf } from '../support/builder.js';
import type { Rng } from '../support/rng.js';
import { F32, I8, activation, prod, type OpCase } from './common.js';

const U8 = 3, I16 = 7;
const NAME: Record<number, string> = { [I8]: 's8', [U8]: 'u8', [I16]: 's16' };

type Quant = { scale: number[]; zeroPoint: number[]; axis?: number };

/** A one-op DEQUANTIZE model. */
export function dequantizeSpec(inType: number, shape: number[], inQuant: Quant | undefined) {
  const version = inQuant && inQuant.scale.length > 1 ? 5 : inType === I8 ? 2 : inType === U8 ? 1 : 3;
  return {
    tensors: [activation(inType, shape, inQuant), activation(F32, shape)],
    inputs: [0],
    outputs: [1],
    ops: [{ code: 6, version, inputs: [0], outputs: [1] }],
  };
}

export function dequantizeCases(rng: Rng): OpCase[] {
  const cases: OpCase[] = [];
  const plan: [number, number][] = [[I8, 34], [U8, 10], [I16, 10]];
  for (const [inType, count] of plan) {
    for (let i = 0; i < count; i++) {
      const shape = rng.pick([[rng.int(1, 64)], [rng.int(1, 4), rng.int(1, 16)], [1, rng.int(1, 6), rng.int(1, 6), rng.int(1, 8)]]);
      const n = prod(shape);
      const scale = Math.fround(i % 5 === 0 ? 2 ** rng.int(-12, 4) : 10 ** rng.float(-5, 2));
      const zeroPoint = inType === I16 ? 0 : inType === U8 ? rng.int(0, 255) : rng.int(-128, 127);
      const values = inType === I16 ? rng.ints(n, -32768, 32767) : inType === U8 ? rng.ints(n, 0, 255) : rng.ints(n, -128, 127);
      cases.push({
        name: `${NAME[inType]} [${shape}] scale ${scale.toPrecision(3)} zp ${zeroPoint}`,
        spec: dequantizeSpec(inType, shape, { scale: [scale], zeroPoint: [zeroPoint] }),
        inputs: [bytesOf(inType, values)],
      });
    }
  }
  return cases;
}
