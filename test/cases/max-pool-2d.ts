import type { Rng } from '../support/rng.js';
import type { OpCase } from './common.js';
import { poolCases } from './pool-2d.js';

export function maxPool2dCases(rng: Rng): OpCase[] {
  return poolCases(rng, 17);
}
