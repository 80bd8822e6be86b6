// Hybrid CONV_2D cases: float32 input and output, int8 filter (per-tensor or per-channel scales, zero
// point 0), float32 bias. TFLite quantizes each batch of the input on the fly (symmetrically for one
// filter scale, asymmetrically for per-channel scales), so the input's value range is varied as much
// as the window. TFLM refuses hybrid models: these cases are compared with TFLite only.
import { bytesOf } from '../support/builder.js';
import type { Rng } from '../support/rng.js';
import { F32, I8, activation, constant, prod, type OpCase } from './common.js';
import { SCENARIOS, outSize, randomShape, shapeName, type Scenario } from './conv-2d.js';

/** How the float input is drawn; each batch is quantized with its own range. */
const INPUT_KINDS = [
  'uniform', 'positive', 'negative-only', 'all-zero', 'wide', 'tiny', 'skewed', 'ties', 'near-half', 'zero then uniform',
] as const;
type InputKind = typeof INPUT_KINDS[number];

function inputValues(rng: Rng, kind: InputKind, batches: number, perBatch: number, perChannel: boolean): number[] {
  const batch = (b: number): number[] => {
    switch (kind) {
      case 'uniform': return rng.floats(perBatch, -2, 2);
      case 'positive': return rng.floats(perBatch, 0.1, 4);
      case 'negative-only': return rng.floats(perBatch, -3, -0.05);
      case 'all-zero': return new Array(perBatch).fill(0);
      case 'wide': return rng.floats(perBatch, -60, 60);
      case 'tiny': return rng.floats(perBatch, -1e-3, 1e-3);
      case 'skewed': return rng.floats(perBatch, -0.5, 6);
      case 'zero then uniform': return b === 0 ? new Array(perBatch).fill(0) : rng.floats(perBatch, -1.5, 2.5);
      case 'ties': {
        // Half-integers with a range that makes the quantization step exactly 1 (symmetric: max |x| = 127;
        // asymmetric: [-128, 127]): every value is a rounding tie.
        const v = Array.from({ length: perBatch }, () => rng.int(-127, 126) + 0.5);
        v[0] = 127;
        if (perChannel && perBatch > 1) v[perBatch - 1] = -128;
        return v;
      }
      case 'near-half': {
        // As 'ties', with +-(0.5 - 2^-25), the float just below one half, where rounding by adding 0.5
        // in float32 and truncating differs from std::round.
        const below = 0.5 - 2 ** -25;
        const v = Array.from({ length: perBatch }, () => rng.pick([below, -below, 0.5, -0.5, 1.5, rng.int(-127, 126) + 0.5]));
        v[0] = 127;
        if (perChannel && perBatch > 1) v[perBatch - 1] = -128;
        return v;
      }
    }
  };
  const all: number[] = [];
  for (let b = 0; b < batches; b++) all.push(...batch(b));
  return all;
}

export function conv2dHybridCases(rng: Rng): OpCase[] {
  const cases: OpCase[] = [];
  // Each window scenario per tensor and per channel, each input kind both ways, then random ones.
  const plan: { scenario: Scenario; perChannel: boolean; kind?: InputKind; equalScales?: boolean }[] = [];
  for (const scenario of SCENARIOS) {
    if (scenario === 'per-tensor' || scenario === 'per-channel') continue;
    plan.push({ scenario, perChannel: false }, { scenario, perChannel: true });
  }
  for (const kind of INPUT_KINDS) plan.push({ scenario: 'random', perChannel: false, kind }, { scenario: 'random', perChannel: true, kind });
  plan.push({ scenario: 'grouped', perChannel: true }, { scenario: 'grouped', perChannel: true }, { scenario: 'grouped', perChannel: true, kind: 'ties' });
  plan.push({ scenario: 'random', perChannel: false, equalScales: true }, { scenario: 'random', perChannel: false, equalScales: true, kind: 'ties' });
  while (plan.length < 70) plan.push({ scenario: 'random', perChannel: rng.bool() });

  for (const { scenario, perChannel, kind: forcedKind, equalScales } of plan) {
    const s = randomShape(rng, false, scenario);
    s.perChannel = perChannel;
    if (forcedKind === 'zero then uniform') s.batches = 2;
    const grouped = scenario === 'grouped';
    const groups = grouped ? rng.int(2, 3) : 1;
    const filterC = rng.int(1, grouped ? 3 : 6);
    const inC = filterC * groups;
    const outC = groups * rng.int(grouped ? 1 : 2, grouped ? 3 : 8);
    const outH = outSize(s.same, s.inH, s.kH, s.strideH, s.dilationH);
    const outW = outSize(s.same, s.inW, s.kW, s.strideW, s.dilationW);
    const inShape = [s.batches, s.inH, s.inW, inC];
    const fShape = [outC, s.kH, s.kW, filterC];
    const outShape = [s.batches, outH, outW, outC];
    const kind: InputKind = forcedKind ?? (s.batches === 2 && rng.bool(0.3) ? 'zero then uniform' : rng.pick(['uniform', 'uniform', 'positive', 'wide', 'skewed'] as const));

    let scales: number[];
    if (equalScales) scales = new Array(outC).fill(Math.fround(rng.float(0.002, 0.05)));
    else scales = Array.from({ length: perChannel ? outC : 1 }, () => Math.fround(rng.float(0.002, 0.05)));
    if (perChannel && scales.every((x) => x === scales[0])) scales[0] = Math.fround(scales[0] * 1.5);

    const input = activation(F32, inShape);
    const filter = constant(I8, fShape, rng.ints(prod(fShape), -127, 127), { scale: scales, zeroPoint: scales.map(() => 0), axis: 0 });
    const bias = constant(F32, [outC], rng.floats(outC, -1, 1));
    const output = activation(F32, outShape);
    const scaleName = equalScales ? `${outC} equal scales` : perChannel ? 'per-channel' : 'per-tensor';
    cases.push({
      name: `hybrid in[${inShape}] filter[${fShape}]${groups > 1 ? ` groups${groups}` : ''} ${shapeName({ ...s, float: true })} ${scaleName} input ${kind}`,
      spec: {
        tensors: [input, filter, bias, output],
        inputs: [0],
        outputs: [3],
        ops: [{
          code: 3, version: groups > 1 ? 6 : 2,
          inputs: [0, 1, 2], outputs: [3],
          optionsType: 1,
          options: [[0, 'i8', s.same ? 0 : 1], [1, 'i32', s.strideW], [2, 'i32', s.strideH], [3, 'i8', s.act],
            [4, 'i32', s.dilationW], [5, 'i32', s.dilationH]],
        }],
      },
      inputs: [bytesOf(F32, inputValues(rng, kind, s.batches, s.inH * s.inW * inC, perChannel))],
      engines: ['litert'], // TFLM refuses hybrid models
    });
  }
  return cases;
}
