import type { Rng } from '../support/rng.js';
import { ACTIVATIONS, F32, I32, I8, activation, constant, prod, q8, randomInput, type OpCase } from './common.js';

export function fullyConnectedCases(rng: Rng): OpCase[] {
  const cases: OpCase[] = [];
  for (let i = 0; i < 60; i++) {
    const float = i % 2 === 0;
    const depth = rng.int(1, 48), outC = rng.int(1, 24), batches = rng.int(1, 4);
    const keepNumDims = rng.bool(0.25);
    const inShape = keepNumDims ? [batches, rng.int(1, 3), depth] : rng.pick([[batches, depth], [batches * depth], [1, batches, depth]]);
    const rows = prod(inShape) / depth;
    const outShape = keepNumDims ? [...inShape.slice(0, -1), outC] : [rows, outC];
    const act = rng.pick(ACTIVATIONS);
    const hasBias = rng.bool(0.7);
    const perChannel = !float && rng.bool(0.4);
    let input, filter, bias, output;
    if (float) {
      input = activation(F32, inShape);
      filter = constant(F32, [outC, depth], rng.floats(outC * depth, -1, 1));
      bias = constant(F32, [outC], rng.floats(outC, -1, 1));
      output = activation(F32, outShape);
    } else {
      const inQ = q8(rng);
      const fScales = Array.from({ length: perChannel ? outC : 1 }, () => Math.fround(rng.float(0.002, 0.02)));
      input = activation(I8, inShape, inQ);
      filter = constant(I8, [outC, depth], rng.ints(outC * depth, -127, 127),
        { scale: fScales, zeroPoint: fScales.map(() => 0), axis: 0 });
      bias = constant(I32, [outC], rng.ints(outC, -2000, 2000),
        { scale: fScales.map((s) => Math.fround(s * inQ.scale[0])), zeroPoint: fScales.map(() => 0) });
      const typical = inQ.scale[0] * fScales[0] * 64 * Math.sqrt(depth);
      output = activation(I8, outShape, { scale: [Math.fround(typical * rng.float(0.02, 0.1))], zeroPoint: [rng.int(-20, 20)] });
    }
    const tensors = hasBias ? [input, filter, bias, output] : [input, filter, output];
    cases.push({
      name: `${float ? 'f32' : 's8'} in[${inShape}] filter[${outC},${depth}]${hasBias ? ' bias' : ''}${perChannel ? ' per-channel' : ''} act${act}${keepNumDims ? ' keep_num_dims' : ''}`,
      spec: {
        tensors,
        inputs: [0],
        outputs: [tensors.length - 1],
        ops: [{
          code: 9, version: float ? 1 : 4 + (keepNumDims ? 1 : 0),
          inputs: hasBias ? [0, 1, 2] : [0, 1, -1], outputs: [tensors.length - 1],
          optionsType: 8, options: [[0, 'i8', act], [2, 'bool', keepNumDims]],
        }],
      },
      inputs: [randomInput(rng, input)],
    });
  }
  return cases;
}
