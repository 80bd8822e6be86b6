// RESHAPE cases: the new shape from a constant shape tensor (with or without -1), from
// ReshapeOptions.new_shape, from both, and from a shape tensor fed at run time; float32, int8,
// int16 and int32 data.
import type { TensorSpec } from '../support/builder.js';
import { bytesOf } from '../support/builder.js';
import type { Rng } from '../support/rng.js';
import { F32, I32, I8, activation, constant, q8, randomInput, type OpCase } from './common.js';

const I16 = 7;
const TYPE_NAMES: Record<number, string> = { [F32]: 'f32', [I8]: 's8', [I16]: 's16', [I32]: 'i32' };

/** A random factorization of n into `rank` dimensions. */
function factor(rng: Rng, n: number, rank: number): number[] {
  const dims: number[] = [];
  let rest = n;
  for (let k = 0; k < rank - 1; k++) {
    const divisors = Array.from({ length: rest }, (_, i) => i + 1).filter((d) => rest % d === 0);
    const d = rng.pick(divisors);
    dims.push(d);
    rest /= d;
  }
  dims.push(rest);
  return dims;
}

type Source = 'tensor' | 'tensor -1' | 'options' | 'options -1' | 'both' | 'runtime tensor';
const SOURCES: Source[] = ['tensor', 'tensor -1', 'options', 'options -1', 'both', 'runtime tensor'];

export function reshapeCases(rng: Rng): OpCase[] {
  const cases: OpCase[] = [];
  const types = [F32, I8, F32, I8, I32, I16];
  for (let i = 0; i < 60; i++) {
    const type = types[i % types.length];
    const source = SOURCES[Math.floor(i / types.length) % SOURCES.length];
    const n = rng.pick([1, 6, 12, 24, 36, 48, 60, 64, 96, 120, 210]);
    const inShape = factor(rng, n, rng.int(1, 4));
    const outShape = factor(rng, n, rng.int(1, 5));
    const requested = outShape.slice();
    if (source.endsWith('-1') || ((source === 'both' || source === 'runtime tensor') && rng.bool())) requested[rng.int(0, requested.length - 1)] = -1;
    const quant = type === I8 ? q8(rng) : type === I16 ? { scale: [0.001], zeroPoint: [0] } : undefined;
    const input = activation(type, inShape, quant);
    const output = activation(type, outShape, quant);
    const tensors: TensorSpec[] = [input, output];
    const inputs = [0];
    const data = [randomInput(rng, input)];
    const opInputs = [0];
    if (source.startsWith('tensor') || source === 'both') {
      tensors.push(constant(I32, [requested.length], requested));
      opInputs.push(2);
    } else if (source === 'runtime tensor') {
      tensors.push(activation(I32, [requested.length]));
      opInputs.push(2);
      inputs.push(2);
      data.push(bytesOf(I32, requested));
    }
    const withOptions = source.startsWith('options') || source === 'both';
    cases.push({
      name: `${TYPE_NAMES[type]} [${inShape}] -> [${requested}] from ${source}`,
      spec: {
        tensors,
        inputs,
        outputs: [1],
        ops: [{
          code: 22, inputs: opInputs, outputs: [1],
          ...(withOptions ? { optionsType: 17, options: [[0, 'i32[]', requested]] } : {}),
        }],
      },
      inputs: data,
    });
  }
  // Scalars, and old converters' [0] for one.
  for (const [inShape, newShape, label] of [[[1], [], 'to scalar'], [[1, 1, 1], [0], 'legacy [0] scalar'], [[], [1, 1], 'from scalar']] as const) {
    const input = activation(F32, [...inShape]);
    cases.push({
      name: `f32 [${inShape}] -> [${newShape}] ${label}`,
      spec: {
        tensors: [input, activation(F32, newShape.length === 1 && newShape[0] === 0 ? [] : [...newShape])],
        inputs: [0],
        outputs: [1],
        ops: [{ code: 22, inputs: [0], outputs: [1], optionsType: 17, options: [[0, 'i32[]', [...newShape]]] }],
      },
      inputs: [randomInput(rng, input)],
    });
  }
  return cases;
}
