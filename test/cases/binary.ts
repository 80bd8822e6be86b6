// Shared case generator of the broadcasting element-wise binary ops (ADD, MUL): one-op models over
// every kind of operand shape pair, float32 and int8, all fused activations.
import { bytesOf, type TensorSpec } from '../support/builder.js';
import type { Rng } from '../support/rng.js';
import { ACTIVATIONS, F32, I8, activation, constant, prod, q8, randomInput, type OpCase } from './common.js';

export interface BinaryOp {
  code: number;
  /** Float inputs [a, b] whose result overflows float32 in some elements. */
  overflow: [number[], number[]];
  optionsType: number;
  symbol: string;
  /** A random int8 output scale for inputs of scales s1, s2. */
  outputScale(rng: Rng, s1: number, s2: number, i: number): number;
}

const MAX_ELEMENTS = 2000;

/** A random shape of the given rank with at most MAX_ELEMENTS elements. */
function randomShape(rng: Rng, rank: number, lo = 1, hi = 6): number[] {
  const shape = Array.from({ length: rank }, () => rng.int(lo, hi));
  while (prod(shape) > MAX_ELEMENTS) {
    const k = rng.int(0, rank - 1);
    shape[k] = Math.max(1, shape[k] >> 1);
  }
  return shape;
}

const KINDS = ['same', 'scalar', 'axis', 'trailing', 'mixed', 'rank6', 'self', 'constant'] as const;
type Kind = (typeof KINDS)[number];

/** Operand shapes [input1, input2] of a case of the given kind. */
function shapesOf(rng: Rng, kind: Kind, counter: number): [number[], number[], string] {
  switch (kind) {
    case 'same':
    case 'self':
    case 'constant': {
      const s = randomShape(rng, rng.int(1, 5), 1, 8);
      if (kind === 'constant' && rng.bool(0.5)) {
        // A constant operand usually broadcasts along the channels.
        return [s, s.slice(-1), 'channel'];
      }
      return [s, [...s], 'same'];
    }
    case 'scalar': {
      const s = randomShape(rng, rng.int(0, 5), 1, 8);
      const scalar = rng.pick([[], [1], [1, 1, 1, 1]]);
      return rng.bool(0.5) ? [s, scalar, 'scalar 2'] : [scalar, s, 'scalar 1'];
    }
    case 'axis': {
      // Broadcast along one axis of a full-rank operand: every axis of rank 4 and rank 5, then rank 3.
      const [rank, axis] = counter < 4 ? [4, counter] : counter < 9 ? [5, counter - 4] : [3, counter % 3];
      const s = randomShape(rng, rank, 2, 6);
      const b = [...s];
      b[axis] = 1;
      return rng.bool(0.5) ? [s, b, `axis ${axis}`] : [b, s, `axis ${axis} on input 1`];
    }
    case 'trailing': {
      // The lower-rank operand covers the trailing dimensions (bias-like), perhaps with ones inside.
      const rank = rng.int(2, 5);
      const s = randomShape(rng, rank, 1, 7);
      const keep = rng.int(1, rank - 1);
      const b = s.slice(rank - keep).map((d) => (rng.bool(0.25) ? 1 : d));
      return rng.bool(0.5) ? [s, b, 'trailing'] : [b, s, 'trailing on input 1'];
    }
    case 'mixed': {
      // Both operands broadcast, on different axes, perhaps with different ranks.
      const rank = rng.int(2, 5);
      const out = randomShape(rng, rank, 2, 6);
      const a = out.map(() => 0), b = out.map(() => 0);
      for (let i = 0; i < rank; i++) {
        const r = rng.int(0, 2);
        a[i] = r === 1 ? 1 : out[i];
        b[i] = r === 2 ? 1 : out[i];
      }
      const cut = rng.bool(0.3) ? rng.int(1, rank - 1) : 0;
      return [a, cut ? b.slice(cut) : b, 'mixed'];
    }
    case 'rank6': {
      const out = randomShape(rng, 6, 1, 4);
      const b = out.map((d) => (rng.bool(0.4) ? 1 : d));
      return rng.bool(0.5) ? [out, b, 'rank 6'] : [b.slice(rng.int(0, 3)), out, 'rank 6'];
    }
  }
}

function broadcast(a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 1; i <= rank; i++) {
    const da = i <= a.length ? a[a.length - i] : 1;
    const db = i <= b.length ? b[b.length - i] : 1;
    out.unshift(da === 1 ? db : da);
  }
  return out;
}

export function binaryCases(rng: Rng, op: BinaryOp, count = 80): OpCase[] {
  const cases: OpCase[] = [];
  for (let i = 0; i < count; i++) {
    const float = i % 2 === 0;
    const kind = KINDS[Math.floor(i / 2) % KINDS.length];
    const counter = Math.floor(i / (2 * KINDS.length)) * 2 + (i % 2);
    const act = ACTIVATIONS[(Math.floor(i / 2) + Math.floor(i / 16)) % 4];
    const [s1, s2, what] = shapesOf(rng, kind, counter);
    const out = broadcast(s1, s2);
    const notes: string[] = [what];
    let q1, q2, qo;
    if (!float) {
      q1 = q8(rng);
      q2 = q8(rng);
      if (i % 6 === 1) { q2 = { scale: [...q1.scale], zeroPoint: [rng.int(-30, 30)] }; notes.push('equal scales'); }
      if (kind === 'self') q2 = q1;
      qo = { scale: [op.outputScale(rng, q1.scale[0], q2.scale[0], i)], zeroPoint: [rng.int(-25, 25)] };
    }
    const type = float ? F32 : I8;
    const in1 = activation(type, s1, q1);
    const in2: TensorSpec = kind === 'constant'
      ? constant(type, s2, float ? rng.floats(prod(s2), -3, 3) : rng.ints(prod(s2), -128, 127), q2)
      : activation(type, s2, q2);
    const output = activation(type, out, qo);
    if (kind === 'constant') notes.push('constant input 2');
    const self = kind === 'self';
    const tensors = self ? [in1, output] : [in1, in2, output];
    const outIndex = tensors.length - 1;
    const inputs = self ? [0] : kind === 'constant' ? [0] : [0, 1];
    cases.push({
      name: `${float ? 'f32' : 's8'} [${s1}] ${op.symbol} ${self ? 'itself' : `[${s2}]`} -> [${out}] act${act} ${notes.join(', ')}`,
      spec: {
        tensors,
        inputs,
        outputs: [outIndex],
        ops: [{
          code: op.code, version: float ? 1 : 2,
          inputs: self ? [0, 0] : [0, 1], outputs: [outIndex],
          optionsType: op.optionsType, options: [[0, 'i8', act]],
        }],
      },
      inputs: inputs.map((k) => randomInput(rng, tensors[k], -3, 3)),
    });
  }
  // Float overflow: TFLite clamps to +-FLT_MAX (its activation range), so infinities never come out.
  for (const act of [0, 1]) {
    const [a, b] = op.overflow;
    const shape = [a.length];
    cases.push({
      name: `f32 [${shape}] ${op.symbol} [${shape}] act${act} overflowing float32`,
      spec: {
        tensors: [activation(F32, shape), activation(F32, shape), activation(F32, shape)],
        inputs: [0, 1],
        outputs: [2],
        ops: [{ code: op.code, version: 1, inputs: [0, 1], outputs: [2], optionsType: op.optionsType, options: [[0, 'i8', act]] }],
      },
      inputs: [bytesOf(F32, a), bytesOf(F32, b)],
    });
  }
  return cases;
}
