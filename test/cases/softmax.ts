import { bytesOf } from '../support/builder.js';
import type { Rng } from '../support/rng.js';
import { F32, I8, activation, prod, type OpCase } from './common.js';

const I16 = 7;

/** A one-op SOFTMAX model. */
export function softmaxSpec(inType: number, outType: number, shape: number[], beta: number,
  inQuant?: { scale: number[]; zeroPoint: number[] }, outQuant?: { scale: number[]; zeroPoint: number[] }) {
  const tensors = [activation(inType, shape, inQuant), activation(outType, shape, outQuant)];
  return {
    tensors,
    inputs: [0],
    outputs: [1],
    ops: [{ code: 25, version: inType === F32 ? 1 : 2, inputs: [0], outputs: [1], optionsType: 9, options: [[0, 'f32', beta] as [number, 'f32', number]] }],
  };
}

export function softmaxCases(rng: Rng): OpCase[] {
  const cases: OpCase[] = [];
  const shapes = (n: number) => [[1, n], [2, 3, n], [n], [2, 1, 2, n]];
  for (let i = 0; i < 72; i++) {
    const float = i % 2 === 0;
    // Depths 1..200, with the edges and a few whole-row-equal rows.
    const n = i < 6 ? [1, 2, 200, 3, 1, 199][i] : rng.int(1, 200);
    const shape = rng.pick(shapes(n));
    const beta = i % 7 === 0 ? 1 : Math.fround(rng.float(0.5, 2));
    const count = prod(shape);
    if (float) {
      const range = rng.pick([1, 10, 100, 1000]);
      cases.push({
        name: `f32 in[${shape}] beta ${beta.toFixed(3)} range ±${range}`,
        spec: softmaxSpec(F32, F32, shape, beta),
        inputs: [bytesOf(F32, rng.floats(count, -range, range))],
      });
      continue;
    }
    // Input scales from tiny to large (large ones hit the multiplier's cap); any zero point.
    const scale = Math.fround(i === 1 ? 64 : i === 3 ? 20 : 10 ** rng.float(-4, 1.3));
    const inQ = { scale: [scale], zeroPoint: [rng.int(-128, 127)] };
    const int16Out = i % 8 === 7;
    const outQ = int16Out ? { scale: [1 / 65536], zeroPoint: [-32768] } : { scale: [1 / 256], zeroPoint: [-128] };
    const pattern = i === 5 ? 'equal' : rng.pick(['full', 'full', 'near-max', 'two-level']);
    let values: number[];
    if (pattern === 'equal') values = new Array(count).fill(rng.int(-128, 127));
    else if (pattern === 'near-max') values = rng.ints(count, 100, 127);
    else if (pattern === 'two-level') values = Array.from({ length: count }, () => rng.pick([-128, 127, rng.int(120, 127)]));
    else values = rng.ints(count, -128, 127);
    cases.push({
      name: `s8->${int16Out ? 's16' : 's8'} in[${shape}] beta ${beta.toFixed(3)} input scale ${scale.toPrecision(3)} ${pattern}`,
      spec: softmaxSpec(I8, int16Out ? I16 : I8, shape, beta, inQ, outQ),
      inputs: [bytesOf(I8, values)],
    });
  }
  return cases;
}
