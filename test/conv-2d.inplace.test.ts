// CONV_2D int8 with a 1x1 filter and stride 1 opts in to running in place (PreparedOp.shares): with its
// output at its input's arena offset, the TypeScript kernel and the native one (desktop plan runner)
// give the golden outputs. The plans here are laid out by hand, input and output at offset 0 and the
// scratch after both, so the kernels are checked whatever the planner does with `shares`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { Interpreter, loadModel, planModel, typescriptExecutor, type Plan } from '../src/index.js';
import { conv2d } from '../src/ops/conv-2d.js';
import { KernelId } from '../src/ops/kernel-ids.js';
import { OpContext, RECORD_HEADER } from '../src/ops/op.js';
import { allCases } from './cases/index.js';
import { CASES_DIR, caseFiles, readGolden } from './support/golden.js';
import { planFileBytes, planFileParts, runNative } from './support/native.js';

const DIR = join(CASES_DIR, 'native');
const align16 = (n: number) => (n + 15) & ~15;

beforeAll(() => {
  const error = inject('nativeBuildError');
  if (error) throw new Error(error);
  mkdirSync(DIR, { recursive: true });
});

/** The case's plan with input and output at arena offset 0 and the scratch after the larger of the two. */
function aliasedPlan(plan: Plan): { program: Int32Array; arenaBytes: number } {
  const program = plan.program.slice();
  const ref = (k: number) => RECORD_HEADER + 2 * k + 1; // the op's record starts at 0
  const bytes = (k: number) => plan.refBytes[k];
  expect(program[0]).toBe(KernelId.CONV_2D_S8);
  const shared = align16(Math.max(bytes(0), bytes(3)));
  program[ref(0)] = 0;
  program[ref(3)] = 0;
  program[ref(4)] = shared;
  return { program, arenaBytes: shared + align16(bytes(4)) };
}

describe('CONV_2D int8 in place', () => {
  const cases = allCases().get('conv_2d')!;
  const inPlace = cases.flatMap((c, i) => {
    const files = caseFiles('ops/conv_2d', String(i), 1, 1, c.engines);
    const model = loadModel(new Uint8Array(readFileSync(files.model)), `conv_2d#${i}`);
    const prepared = conv2d.prepare(new OpContext(model, model.operators[0], 'tflite'));
    // Those without a lag (the others: test/lag.inplace.test.ts).
    return prepared.kernel === KernelId.CONV_2D_S8 && prepared.shares && prepared.shares[2] === undefined ? [{ i, c, files, shares: prepared.shares }] : [];
  });

  it('opts in for 1x1 stride-1 int8 cases of one group', () => {
    expect(inPlace.length).toBeGreaterThanOrEqual(8);
    for (const { c, shares } of inPlace) {
      expect(shares).toEqual([3, 0]);
      expect(c.name).toMatch(/^s8 .*filter\[\d+,1,1,\d+\]/);
      expect(c.name).not.toMatch(/ stride| groups/);
    }
  });

  for (const { i, c, files } of inPlace) {
    it(`#${i} ${c.name}: TypeScript and native kernels with the output over the input`, () => {
      const golden = readGolden(files.outputs.litert[0]);
      if (typeof golden === 'string') throw new Error(`litert rejected this case: ${golden}`);
      const interp = new Interpreter(loadModel(new Uint8Array(readFileSync(files.model)), `conv_2d#${i}`));
      const plan = planModel(interp.model, interp.plan); // the interpreter keeps no records
      const { program, arenaBytes } = aliasedPlan(plan);
      const input = c.inputs[0];

      const arena = new Uint8Array(arenaBytes);
      arena.set(input, 0);
      typescriptExecutor({ ...plan, program, arenaBytes, ops: plan.ops }, arena, interp.model.bytes).runAll();
      expect(arena.subarray(0, golden.length)).toEqual(golden);

      const parts = planFileParts(interp, [input]);
      parts.program = program;
      parts.arenaBytes = arenaBytes;
      parts.inputs[0].offset = 0;
      parts.outputs[0].offset = 0;
      const file = join(DIR, `conv_2d.inplace.${i}.plan`);
      writeFileSync(file, planFileBytes(parts));
      expect(runNative(file)).toEqual(golden);
    });
  }
});
