// An op's output written over the input it consumes (PreparedOp.shares): the planner's placement on
// synthetic ops (no kernel runs), and, for every op that opts in, a case the planner did alias that
// gives the reference's outputs on the TypeScript executor and on the native one (the XS host).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOM_OPERATORS, Interpreter, loadModel, planModel, type PlanOptions, type TensorData } from '../src/index.js';
import { KernelId } from '../src/ops/kernel-ids.js';
import type { OpDefinition } from '../src/ops/op.js';
import { runOnXs } from '../hosts/node/xs-host.js';
import { frontendCases } from './cases/audio-frontend.js';
import { allCases } from './cases/index.js';
import { buildModel, type ModelSpec, type TensorSpec } from './support/builder.js';
import { mismatch } from './support/compare.js';
import { caseFiles, readGolden } from './support/golden.js';

const I8 = 9, CUSTOM = 32;

// Two custom ops that only plan: one output from one input, written apart or over it.
const op = (name: string, shares: boolean): OpDefinition => ({
  code: CUSTOM, name, custom: true, maxVersion: 1,
  prepare: (ctx) => ({ kernel: KernelId.COPY, tensors: [ctx.input(0), ctx.output(0)], params: [], ...(shares ? { shares: [1, 0] as [number, number] } : {}) }),
});
const APART = 'TEST_APART', OVER = 'TEST_OVER', LAG = 'TEST_LAG';
// TEST_LAG: over its input with the lag lags[op index].
let lags: number[] = [];
const lagOp: OpDefinition = {
  code: CUSTOM, name: LAG, custom: true, maxVersion: 1,
  prepare: (ctx) => ({ kernel: KernelId.COPY, tensors: [ctx.input(0), ctx.output(0)], params: [], shares: [1, 0, lags[ctx.op.index]] }),
};
beforeAll(() => {
  CUSTOM_OPERATORS.set(APART, op(APART, false));
  CUSTOM_OPERATORS.set(OVER, op(OVER, true));
  CUSTOM_OPERATORS.set(LAG, lagOp);
});
afterAll(() => {
  CUSTOM_OPERATORS.delete(APART);
  CUSTOM_OPERATORS.delete(OVER);
  CUSTOM_OPERATORS.delete(LAG);
});

/** A chain of ops t0 -> t1 -> ... over int8 tensors of these shapes; `over[i]`: op i writes over its input. */
function chain(shapes: number[][], over: boolean[], extra: Partial<ModelSpec> = {}): ModelSpec {
  const tensors: TensorSpec[] = shapes.map((shape) => ({ type: I8, shape }));
  return {
    tensors,
    inputs: [0],
    outputs: [shapes.length - 1],
    ops: over.map((o, i) => ({ code: CUSTOM, customName: o ? OVER : APART, inputs: [i], outputs: [i + 1] })),
    ...extra,
  };
}

const plan = (spec: ModelSpec, options: PlanOptions = {}) => planModel(loadModel(buildModel(spec), 'chain.tflite'), options);

describe('the planner places an output over the input it consumes', () => {
  // person_detect's first ops: a stride-2 depthwise 96x96x1 -> 48x48x8, a depthwise 48x48x8 ->
  // 48x48x8, a 1x1 convolution 48x48x8 -> 48x48x16, a stride-2 depthwise 48x48x16 -> 24x24x16.
  const shapes = [[1, 96, 96, 1], [1, 48, 48, 8], [1, 48, 48, 8], [1, 48, 48, 16], [1, 24, 24, 16]];

  it('drops the peak: 18,432 + 36,864 bytes at the 1x1 convolution become 36,864', () => {
    expect(plan(chain(shapes, [false, false, false, false])).arenaBytes).toBe(18432 + 36864);
    // The convolution over its input: the depthwise after it is the peak, 36,864 + 9,216.
    const conv = plan(chain(shapes, [false, false, true, false]));
    expect(conv.tensorOffsets[3]).toBe(conv.tensorOffsets[2]);
    expect(conv.arenaBytes).toBe(36864 + 9216);
    // And the stride-2 depthwise over its input: the 1x1 convolution's output alone.
    const both = plan(chain(shapes, [false, false, true, true]));
    expect(both.tensorOffsets[4]).toBe(both.tensorOffsets[3]);
    expect(both.tensorOffsets[3]).toBe(both.tensorOffsets[2]);
    expect(both.arenaBytes).toBe(36864);
  });

  it('counts a group buffer by buffer: the smaller input leaves room for a tensor live only before', () => {
    // t1 (18,432) is live with t2 (18,432) at op 1; t2 then grows into t3 (36,864) at op 2. Were
    // t2 as large as t3, op 1 would need 55,296 bytes.
    const p = plan(chain(shapes.slice(0, 4), [false, false, true]));
    expect(p.arenaBytes).toBe(36864);
    expect(p.tensorOffsets[1]).toBeGreaterThanOrEqual(p.tensorOffsets[2] + 18432);
  });

  it('keeps apart an input used later, a model output, an input kept by preserveInputs and constant data', () => {
    const s = [[1, 64], [1, 64], [1, 64]];
    // t1 is also read by op 2 (t1 + t2 -> t3 through a second chain op reading t1).
    const later = chain([...s, [1, 64]], [false, true, false]);
    later.ops[2].inputs = [1];
    const p1 = plan(later);
    expect(p1.tensorOffsets[2]).not.toBe(p1.tensorOffsets[1]);
    // t1 is a model output.
    const p2 = plan(chain(s, [false, true], { outputs: [1, 2] }));
    expect(p2.tensorOffsets[2]).not.toBe(p2.tensorOffsets[1]);
    // The model input, consumed by op 0: over it unless it is kept.
    const p3 = plan(chain(s, [true, false]));
    expect(p3.tensorOffsets[1]).toBe(p3.tensorOffsets[0]);
    const p4 = plan(chain(s, [true, false]), { preserveInputs: true });
    expect(p4.tensorOffsets[1]).not.toBe(p4.tensorOffsets[0]);
    // Constant data stays in the model.
    const constant = chain([[1, 64], [1, 64], [1, 64]], [false, true]);
    constant.tensors.push({ type: I8, shape: [1, 64], data: new Uint8Array(64) });
    constant.ops[1].inputs = [3];
    const p5 = plan(constant);
    expect(p5.tensorOffsets[3]).toBe(-1);
    expect(p5.tensorOffsets[2]).toBeGreaterThanOrEqual(0);
  });
});

describe('the planner places an output a lag below the input it consumes', () => {
  /** A chain of TEST_LAG ops over int8 tensors of these byte sizes, op i with lag l[i]. */
  const lagged = (sizes: number[], l: number[]) => {
    lags = l;
    const spec = chain(sizes.map((n) => [1, n]), l.map(() => false));
    spec.ops.forEach((o) => { o.customName = LAG; });
    return plan(spec);
  };

  it('puts a larger output the lag (rounded up to 16) lower, ending above the input', () => {
    const p = lagged([100, 300], [40]);
    expect(p.tensorOffsets[0] - p.tensorOffsets[1]).toBe(48);
    expect(p.tensorOffsets[1]).toBe(0);
    expect(p.arenaBytes).toBe(304);
  });

  it('puts a smaller output the lag lower, inside and below the input', () => {
    const p = lagged([300, 100], [20]);
    expect(p.tensorOffsets[0] - p.tensorOffsets[1]).toBe(32);
    expect(p.arenaBytes).toBe(336);
  });

  it('keeps the distances along a chain, every offset >= 0', () => {
    // Two groups of two would need 128 bytes at op 1.
    const p = lagged([64, 64, 64, 64], [16, 10, 16]);
    expect(Array.from(p.tensorOffsets.subarray(0, 4))).toEqual([48, 32, 16, 0]);
    expect(p.arenaBytes).toBe(112);
  });

  it('refuses a lag that widens a chain where the output fits elsewhere (magic_wand)', () => {
    // The depthwise convolution 1,536 -> 12,288 bytes, a pool to 1,344, a convolution to 2,688, a pool to 896.
    const p = lagged([1536, 12288, 1344, 2688, 896], [10772, 0, 1408, 0]);
    expect(p.tensorOffsets[0] - p.tensorOffsets[1]).toBe(10784);
    expect(p.tensorOffsets[2]).toBe(p.tensorOffsets[1]);
    expect(p.tensorOffsets[2] - p.tensorOffsets[3]).not.toBe(1408);
    expect(p.arenaBytes).toBe(10784 + 1536);
  });

  it('takes every lag when that makes the smaller arena (kws_ref_model_float32)', () => {
    // The small input under a long chain of equal tensors: refusing the lags would place them apart.
    const p = lagged([1960, 32000, 32000, 32000, 32000], [30464, 1536, 256, 1536]);
    const at = p.tensorOffsets;
    expect([at[0] - at[1], at[1] - at[2], at[2] - at[3], at[3] - at[4]]).toEqual([30464, 1536, 256, 1536]);
    expect(p.arenaBytes).toBe(at[0] + 1968);
    expect(p.arenaBytes).toBeLessThan(2 * 32000);
  });
});

/** Whether the plan put op 0's output at the offset of one of its inputs. */
function aliased(model: ReturnType<typeof loadModel>, options: PlanOptions = {}): boolean {
  const p = planModel(model, options);
  const o = model.operators[0];
  const at = p.tensorOffsets[o.outputs[0]];
  return at >= 0 && o.inputs.some((t) => t >= 0 && p.tensorOffsets[t] === at);
}

const typed = (dtype: string, values: number[]): TensorData => {
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'int8': return Int8Array.from(values);
    case 'uint8': return Uint8Array.from(values);
    case 'int16': return Int16Array.from(values);
    case 'int32': return Int32Array.from(values);
    default: throw new Error(`dtype ${dtype}`);
  }
};

describe('ops that write over their input give the reference outputs on both executors', () => {
  const cases = allCases();
  for (const group of ['add', 'mul', 'quantize', 'reshape']) {
    it(`${group}: the first cases the planner aliases`, () => {
      let checked = 0;
      cases.get(group)!.forEach((c, i) => {
        if (checked >= 3 || !(c.engines ?? ['litert']).includes('litert')) return;
        const files = caseFiles(`ops/${group}`, String(i), c.inputs.length, c.spec.outputs.length, c.engines);
        const golden = files.outputs.litert.map(readGolden);
        if (golden.some((g) => typeof g === 'string')) return;
        const model = loadModel(new Uint8Array(readFileSync(files.model)), `${group}#${i}`);
        if (!aliased(model)) return;
        checked++;
        const interp = new Interpreter(model);
        c.inputs.forEach((bytes, k) => new Uint8Array(interp.inputs[k].data.buffer, interp.inputs[k].data.byteOffset, bytes.length).set(bytes));
        const native = runOnXs(files.model, { inputs: interp.inputs, repeat: 1, arenaBytes: null, exactWith: 'tflite', profile: false });
        interp.invoke();
        interp.outputs.forEach((out, k) => {
          expect(mismatch(out.data, golden[k] as Uint8Array), `${group}#${i} typescript`).toBeNull();
          expect(mismatch(typed(out.dtype, native.outputs[k].data), golden[k] as Uint8Array), `${group}#${i} native`).toBeNull();
        });
      });
      expect(checked).toBe(3);
    });
  }

  // DIV, MINIMUM, MAXIMUM and the int32 ADD and MUL (their golden cases are the audio front end's,
  // test/signal.test.ts): aliased, the same outputs as with the input kept apart, on both executors.
  const frontend = frontendCases();
  for (const group of ['div', 'minimum', 'maximum', 'add_int32', 'mul_int32']) {
    it(`${group}: the first cases the planner aliases, as with the input kept apart`, () => {
      let checked = 0;
      frontend.get(group)!.forEach((c, i) => {
        if (checked >= 3) return;
        const bytes = buildModel(c.spec);
        const model = loadModel(bytes, `${group}#${i}`);
        if (!aliased(model) || aliased(model, { preserveInputs: true })) return;
        checked++;
        const run = (options: PlanOptions) => {
          const interp = new Interpreter(loadModel(bytes, `${group}#${i}`), options);
          c.inputs.forEach((b, k) => new Uint8Array(interp.inputs[k].data.buffer, interp.inputs[k].data.byteOffset, b.length).set(b));
          return interp;
        };
        const apart = run({ preserveInputs: true });
        apart.invoke();
        const over = run({});
        const file = caseFiles(`inplace/${group}`, String(i), 0, 0).model;
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, bytes);
        const native = runOnXs(file, { inputs: over.inputs, repeat: 1, arenaBytes: null, exactWith: 'tflite', profile: false });
        over.invoke();
        over.outputs.forEach((out, k) => {
          const want = new Uint8Array(apart.outputs[k].data.buffer, apart.outputs[k].data.byteOffset, apart.outputs[k].data.byteLength);
          expect(mismatch(out.data, want), `${group}#${i} typescript`).toBeNull();
          expect(mismatch(typed(out.dtype, native.outputs[k].data), want), `${group}#${i} native`).toBeNull();
        });
      });
      expect(checked).toBe(3);
    });
  }
});
