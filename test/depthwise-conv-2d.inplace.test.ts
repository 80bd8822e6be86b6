// DEPTHWISE_CONV_2D int8 with its output where its input is (PreparedOp.shares): every one-op case
// whose op declares it runs with the two at the same arena offset, on the TypeScript executor and on
// the native one (the portable C kernels), and must give the golden outputs. A planner that honours
// `shares` places them so itself; otherwise the test moves the output onto the input in the plan.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadModel, planModel, typescriptExecutor, type Plan } from '../src/index.js';
import { depthwiseConv2d } from '../src/ops/depthwise-conv-2d.js';
import { OpContext, RECORD_HEADER } from '../src/ops/op.js';
import { allCases } from './cases/index.js';
import { mismatch } from './support/compare.js';
import { CASES_DIR, caseFiles, readGolden } from './support/golden.js';
import { POOL_ARENA, planFileBytes, runNative } from './support/native.js';

const DIR = join(CASES_DIR, 'inplace');
const OP = 'depthwise_conv_2d';

beforeAll(() => {
  const error = inject('nativeBuildError');
  if (error) throw new Error(error);
  mkdirSync(DIR, { recursive: true });
});

/** The case's plan with the op's output at its input's offset. */
function aliasedPlan(modelBytes: Uint8Array, name: string): { plan: Plan, input: number, output: number } | null {
  const model = loadModel(modelBytes, name);
  const op = model.operators[0];
  if (!depthwiseConv2d.prepare(new OpContext(model, op, 'tflite')).shares) return null;
  const plan = planModel(model);
  const [input, output] = [op.inputs[0], op.outputs[0]];
  if (plan.tensorOffsets[output] !== plan.tensorOffsets[input]) {
    plan.program[RECORD_HEADER + 2 * 3 + 1] = plan.tensorOffsets[input]; // the record's output ref (ref 3)
    plan.tensorOffsets[output] = plan.tensorOffsets[input];
  }
  return { plan, input, output };
}

describe('DEPTHWISE_CONV_2D in place', () => {
  const cases = allCases().get(OP)!;
  let aliased = 0;
  cases.forEach((c, i) => {
    const files = caseFiles(`ops/${OP}`, String(i), c.inputs.length, c.spec.outputs.length);
    it(`#${i} ${c.name}`, () => {
      const a = aliasedPlan(new Uint8Array(readFileSync(files.model)), `${OP}#${i}`);
      if (!a) return;
      aliased++;
      const { plan, input, output } = a;
      const at = plan.tensorOffsets[input], bytes = plan.model.tensors[output].bytes;
      expect(plan.tensorOffsets[output]).toBe(at);
      const golden = readGolden(files.outputs.litert[0]);
      if (typeof golden === 'string') throw new Error(`litert rejected this case: ${golden}`);

      const arena = new Uint8Array(plan.arenaBytes);
      arena.set(c.inputs[0], at);
      typescriptExecutor(plan, arena, plan.model.bytes).runAll();
      expect(mismatch(new Int8Array(arena.buffer, at, bytes), golden), 'TypeScript').toBeNull();

      const planFile = join(DIR, `${OP}.${i}.plan`);
      writeFileSync(planFile, planFileBytes({
        rounding: 0, arenaBytes: plan.arenaBytes, program: plan.program, refBytes: plan.refBytes, model: plan.model.bytes,
        inputs: [{ offset: at, bytes: c.inputs[0] }], outputs: [{ pool: POOL_ARENA, offset: at, bytes }],
      }));
      expect(mismatch(new Int8Array(runNative(planFile).buffer), golden), 'native').toBeNull();
    });
  });
  it('covers cases that alias', () => expect(aliased).toBeGreaterThanOrEqual(10));
});
