// Windowed ops whose output starts a lag below the input it consumes (PreparedOp.shares): CONV_2D
// (hybrid too), DEPTHWISE_CONV_2D, MAX_POOL_2D and AVERAGE_POOL_2D. Every one-op case that declares
// `shares` is planned by the planner, which must put the output exactly the lag (rounded up to the
// arena alignment; 0 for none) below the input; where the two overlap, the TypeScript executor and the
// native one (the portable C kernels) must give the golden outputs. With a lag > 0, the same case laid
// out with a lag one alignment step smaller must give wrong outputs in some case of every op: the lag
// is no larger than needed, and the test can fail. windowLag is also checked against its definition.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ARENA_ALIGNMENT, loadModel, planModel, typescriptExecutor, type Model, type Plan, type TensorData } from '../src/index.js';
import { windowLag, type Window } from '../src/ops/conv-2d.js';
import { findOperator } from '../src/ops/index.js';
import { OpContext, RECORD_HEADER, type OpDefinition } from '../src/ops/op.js';
import { allCases } from './cases/index.js';
import { mismatch } from './support/compare.js';
import { CASES_DIR, caseFiles, readGolden } from './support/golden.js';
import { POOL_ARENA, planFileBytes, runNative } from './support/native.js';

const DIR = join(CASES_DIR, 'lag');
const align = (n: number) => Math.ceil(n / ARENA_ALIGNMENT) * ARENA_ALIGNMENT;

beforeAll(() => {
  const error = inject('nativeBuildError');
  if (error) throw new Error(error);
  mkdirSync(DIR, { recursive: true });
});

/** The bytes an executor left at `offset`, as the output's typed array. */
function view(arena: Uint8Array, offset: number, like: TensorData, bytes: number): TensorData {
  const copy = arena.slice(offset, offset + bytes);
  return like instanceof Float32Array ? new Float32Array(copy.buffer) : new Int8Array(copy.buffer);
}

interface Run { ts: string | null; native: string | null }

/**
 * Runs the one-op plan on both executors with the input's bytes at tensorOffsets[input] and compares
 * the output at tensorOffsets[output] with the golden bytes: null where they agree, else the mismatch.
 */
function runBoth(plan: Plan, offsets: { input: number; output: number }, inputBytes: Uint8Array, golden: Uint8Array, file: string): Run {
  const model = plan.model, op = model.operators[0];
  const out = model.tensors[op.outputs[0]];
  const like = out.type === 0 ? new Float32Array(0) : new Int8Array(0);
  const arena = new Uint8Array(plan.arenaBytes);
  arena.set(inputBytes, offsets.input);
  typescriptExecutor(plan, arena, model.bytes).runAll();
  const ts = mismatch(view(arena, offsets.output, like, out.bytes), golden);
  writeFileSync(file, planFileBytes({
    rounding: plan.rounding === 'single' ? 0 : 1, arenaBytes: plan.arenaBytes, program: plan.program, refBytes: plan.refBytes, model: model.bytes,
    inputs: [{ offset: offsets.input, bytes: inputBytes }], outputs: [{ pool: POOL_ARENA, offset: offsets.output, bytes: out.bytes }],
  }));
  const bytes = runNative(file);
  const native = mismatch(like instanceof Float32Array ? new Float32Array(bytes.slice().buffer) : new Int8Array(bytes.buffer), golden);
  return { ts, native };
}

/**
 * The plan with the op's input at `lag` bytes, its output at 0 and its scratch (if any) after both: the
 * record's refs rewritten (input ref 0; output and scratch refs by `refs`).
 */
function laidOut(plan: Plan, lag: number, refs: { output: number; scratch: number }): { plan: Plan; input: number; output: number } {
  const model = plan.model, op = model.operators[0];
  const inBytes = model.tensors[op.inputs[0]].bytes, outBytes = model.tensors[op.outputs[0]].bytes;
  const program = plan.program.slice();
  const ref = (k: number) => RECORD_HEADER + 2 * k + 1;
  let arenaBytes = align(Math.max(lag + inBytes, outBytes));
  program[ref(0)] = lag;
  program[ref(refs.output)] = 0;
  if (refs.scratch >= 0 && program[1] > refs.scratch) {
    program[ref(refs.scratch)] = arenaBytes;
    arenaBytes += align(plan.refBytes[refs.scratch]);
  }
  const p: Plan = { ...plan, program, arenaBytes, ops: plan.ops };
  return { plan: p, input: lag, output: 0 };
}

// min: cases that must overlap; lags: whether some have a lag > 0.
const OPS: { group: string; name: string; refs: { output: number; scratch: number }; min: number; lags: boolean }[] = [
  { group: 'conv_2d', name: 'CONV_2D', refs: { output: 3, scratch: 4 }, min: 60, lags: true },
  { group: 'conv_2d_hybrid', name: 'CONV_2D hybrid', refs: { output: 3, scratch: 4 }, min: 5, lags: false },
  { group: 'depthwise_conv_2d', name: 'DEPTHWISE_CONV_2D', refs: { output: 3, scratch: 4 }, min: 50, lags: true },
  { group: 'max_pool_2d', name: 'MAX_POOL_2D', refs: { output: 1, scratch: -1 }, min: 10, lags: true },
  { group: 'average_pool_2d', name: 'AVERAGE_POOL_2D', refs: { output: 1, scratch: -1 }, min: 10, lags: true },
];

describe('windowed ops with the output a lag below the input', () => {
  const cases = allCases();
  for (const { group, name, refs, min, lags } of OPS) {
    describe(name, () => {
      let planned = 0;
      const smaller = { ts: 0, native: 0, cases: 0 };
      cases.get(group)!.forEach((c, i) => {
        if (!(c.engines ?? ['litert']).includes('litert')) return;
        const files = caseFiles(`ops/${group}`, String(i), c.inputs.length, c.spec.outputs.length, c.engines);
        it(`#${i} ${c.name}`, () => {
          const golden = readGolden(files.outputs.litert[0]);
          if (typeof golden === 'string') return; // the reference rejects it (test/ops.test.ts checks xsml does too)
          const model: Model = loadModel(new Uint8Array(readFileSync(files.model)), `${group}#${i}`);
          const op = model.operators[0];
          const prepared = (findOperator(op.opcode) as OpDefinition).prepare(new OpContext(model, op, 'tflite'));
          if (!prepared.shares) return;
          const lag = prepared.shares[2] ?? 0;
          const plan = planModel(model);
          const input = plan.tensorOffsets[op.inputs[0]], output = plan.tensorOffsets[op.outputs[0]];
          const outBytes = model.tensors[op.outputs[0]].bytes;
          expect(input - output, 'the planner places the output the lag below the input').toBe(align(lag));
          if (align(lag) >= outBytes) return; // no overlap: nothing to check
          planned++;
          const run = runBoth(plan, { input, output }, c.inputs[0], golden, join(DIR, `${group}.${i}.plan`));
          expect(run.ts, 'TypeScript').toBeNull();
          expect(run.native, 'native').toBeNull();
          if (lag === 0) return;
          // One alignment step less.
          const less = laidOut(plan, align(lag) - ARENA_ALIGNMENT, refs);
          const wrong = runBoth(less.plan, less, c.inputs[0], golden, join(DIR, `${group}.${i}.less.plan`));
          smaller.cases++;
          if (wrong.ts) smaller.ts++;
          if (wrong.native) smaller.native++;
        });
      });
      it('planned cases that overlap, and a smaller lag gives wrong outputs in some', () => {
        expect(planned).toBeGreaterThanOrEqual(min);
        if (!lags) return;
        expect(smaller.ts, `TypeScript wrong in ${smaller.ts} of ${smaller.cases}`).toBeGreaterThan(0);
        expect(smaller.native, `native wrong in ${smaller.native} of ${smaller.cases}`).toBeGreaterThan(0);
      });
    });
  }
});

/** A window and the input's and filter's sizes. */
interface WindowGeometry extends Window { batches: number; inH: number; inW: number; filterH: number; filterW: number }

/** windowLag's definition, pixel by pixel: the largest (bytes written by the end of pixel p) - (first byte read from p on). */
function lagByPixel(g: WindowGeometry, inPixel: number, outPixel: number, channelwise: boolean): number {
  const first: number[] = [];
  for (let b = 0; b < g.batches; b++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++) {
        let min = Infinity;
        for (let ky = 0; ky < g.filterH; ky++) {
          for (let kx = 0; kx < g.filterW; kx++) {
            const y = oy * g.strideH - g.padH + ky * g.dilationH, x = ox * g.strideW - g.padW + kx * g.dilationW;
            if (y >= 0 && y < g.inH && x >= 0 && x < g.inW) min = Math.min(min, ((b * g.inH + y) * g.inW + x) * inPixel);
          }
        }
        first.push(min);
      }
    }
  }
  let lag = 0;
  for (let p = 0; p < first.length; p++) {
    const later = Math.min(Infinity, ...first.slice(p + 1));
    if (channelwise) {
      if (first[p] < Infinity) lag = Math.max(lag, p * outPixel - first[p]);
      lag = Math.max(lag, (p + 1) * outPixel - later);
    } else {
      lag = Math.max(lag, (p + 1) * outPixel - Math.min(first[p], later));
    }
  }
  return lag;
}

describe('windowLag', () => {
  it('is the lag of its definition, pixel by pixel', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    for (let n = 0; n < 400; n++) {
      const filterH = 1 + rand(4), filterW = 1 + rand(4), dilationH = 1 + rand(3), dilationW = 1 + rand(3);
      const strideH = 1 + rand(3), strideW = 1 + rand(3);
      const inH = 1 + rand(9), inW = 1 + rand(9);
      const padH = rand(3), padW = rand(3);
      const outH = 1 + rand(Math.floor((inH + 2 * padH) / strideH) + 1), outW = 1 + rand(Math.floor((inW + 2 * padW) / strideW) + 1);
      const g: WindowGeometry = { batches: 1 + rand(2), inH, inW, outH, outW, filterH, filterW, strideH, strideW, dilationH, dilationW, padH, padW };
      const inPixel = 1 + rand(16), outPixel = 1 + rand(16), channelwise = rand(2) === 1;
      expect(windowLag(g, g.batches, inH, inW, filterH, filterW, inPixel, channelwise ? inPixel : outPixel, channelwise), JSON.stringify(g))
        .toBe(lagByPixel(g, inPixel, channelwise ? inPixel : outPixel, channelwise));
    }
  });
});
