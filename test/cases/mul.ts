import type { Rng } from '../support/rng.js';
import { binaryCases } from './binary.js';
import type { OpCase } from './common.js';

export function mulCases(rng: Rng): OpCase[] {
  return binaryCases(rng, {
    code: 18,
    optionsType: 21,
    symbol: '*',
    overflow: [[1e20, -1e20, 1.5, 3e38, -2], [1e20, 1e20, 2.25, -2, 1e38]],
    // Mostly about the range of a product (a rescaling factor well below 1); every fifth int8 case
    // has an output scale below input1_scale * input2_scale, a factor above 1 (a positive shift).
    outputScale: (r, s1, s2, i) => Math.fround(s1 * s2 * (i % 10 === 3 ? r.float(0.2, 0.9) : 128 * r.float(0.05, 1.5))),
  });
}
