import type { Rng } from '../support/rng.js';
import { binaryCases } from './binary.js';
import { bytesOf } from '../support/builder.js';
import { I8, activation, prod, q8, randomInput, type OpCase } from './common.js';

// Quantizations where, for the listed input pairs, TFLite's int8 ADD gives a different result with
// single rounding than with double rounding (found by exhaustive search over all input pairs).
// Both references round twice; random cases almost never land on such a pair.
const ROUNDING_TIES = [
  { s1: 0.000118928452138789, s2: 0.04009407013654709, so: 0.06792569905519485, z1: 16, z2: -19, zo: 5, pairs: [[-90, 116]] },
  { s1: 0.0016012568958103657, s2: 0.045816343277692795, so: 0.05220497027039528, z1: 8, z2: 28, zo: -13, pairs: [[-80, -39], [96, 95]] },
  { s1: 0.001962669426575303, s2: 0.0866931825876236, so: 0.08293895423412323, z1: 11, z2: 20, zo: -8, pairs: [[-99, -44], [121, 84]] },
];

export function addCases(rng: Rng): OpCase[] {
  const cases = binaryCases(rng, {
    code: 0,
    optionsType: 11,
    symbol: '+',
    overflow: [[3e38, -3e38, 1.5, 3e38, -2], [3e38, -3e38, 2.25, -3e38, 1e38]],
    // About the range of a sum of the two inputs.
    outputScale: (r, s1, s2) => Math.fround(Math.max(s1, s2) * r.float(0.8, 2.5)),
  });
  ROUNDING_TIES.forEach((t, k) => {
    const n = 64;
    const a = rng.ints(n, -128, 127), b = rng.ints(n, -128, 127);
    t.pairs.forEach(([x, y]) => { const at = rng.int(0, n - 1); a[at] = x; b[at] = y; });
    const swap = k === 1; // the small scale on input 2
    const q1 = { scale: [t.s1], zeroPoint: [t.z1] }, q2 = { scale: [t.s2], zeroPoint: [t.z2] };
    const tensors = swap
      ? [activation(I8, [n], q2), activation(I8, [n], q1), activation(I8, [n], { scale: [t.so], zeroPoint: [t.zo] })]
      : [activation(I8, [n], q1), activation(I8, [n], q2), activation(I8, [n], { scale: [t.so], zeroPoint: [t.zo] })];
    cases.push({
      name: `s8 [${n}] + [${n}] act0 input scale ratio ${(t.s1 / t.s2).toPrecision(2)}${swap ? ' on input 2' : ''}: a double-rounding tie`,
      spec: {
        tensors,
        inputs: [0, 1],
        outputs: [2],
        ops: [{ code: 0, version: 2, inputs: [0, 1], outputs: [2], optionsType: 11, options: [[0, 'i8', 0]] }],
      },
      inputs: swap ? [bytesOf(I8, b), bytesOf(I8, a)] : [bytesOf(I8, a), bytesOf(I8, b)],
    });
  });
  // The native kernel's tabled paths (1024 outputs or more: each input's 256 rescaled values first):
  // contiguous inputs with no clamp, with a lower clamp (RELU), with both (RELU6), and a broadcast.
  const TABLED: [number[], number[], number][] = [[[4, 16, 16], [4, 16, 16], 0], [[2, 32, 17], [2, 32, 17], 1], [[1, 1030], [1, 1030], 3],
    [[2, 16, 32], [32], 1]];
  for (const [s1, s2, act] of TABLED) {
    const q1 = q8(rng), q2 = q8(rng);
    const qo = { scale: [Math.fround(Math.max(q1.scale[0], q2.scale[0]) * rng.float(0.8, 2.5))], zeroPoint: [rng.int(-25, 25)] };
    const tensors = [activation(I8, s1, q1), activation(I8, s2, q2), activation(I8, s1, qo)];
    cases.push({
      name: `s8 [${s1}] + [${s2}] act${act}: ${prod(s1)} outputs, tabled`,
      spec: {
        tensors,
        inputs: [0, 1],
        outputs: [2],
        ops: [{ code: 0, version: 2, inputs: [0, 1], outputs: [2], optionsType: 11, options: [[0, 'i8', act]] }],
      },
      inputs: [randomInput(rng, tensors[0]), randomInput(rng, tensors[1])],
    });
  }
  return cases;
}
