// Every op's golden cases, by op. Each generator gets its own seeded Rng, so adding cases to one op
// never changes another's.
import { Rng } from '../support/rng.js';
import type { OpCase } from './common.js';
import { fullyConnectedCases } from './fully-connected.js';

const generators: Record<string, (rng: Rng) => OpCase[]> = {
  fully_connected: fullyConnectedCases,
};

function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function allCases(): Map<string, OpCase[]> {
  const out = new Map<string, OpCase[]>();
  for (const [op, generate] of Object.entries(generators)) out.set(op, generate(new Rng(seedOf(op))));
  return out;
}
