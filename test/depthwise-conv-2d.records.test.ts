// DEPTHWISE_CONV_2D int8 records with extreme strides, paddings and one-pixel outputs, through the
// sanitized plan runner: the banded paths must reject them (xsml_plan_check) or run them clean.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, inject, it } from 'vitest';
import { Interpreter, loadModel } from '../src/index.js';
import { allCases } from './cases/index.js';
import { CASES_DIR, caseFiles } from './support/golden.js';
import { ASAN_RUNNER, planFileBytes, planFileParts, runNativeRaw } from './support/native.js';

const DIR = join(CASES_DIR, 'dw-records');
// Params: 4 out_h, 5 out_w, 10 stride_h, 11 stride_w, 14 pad_h, 15 pad_w.
const EDITS: [number, number][][] = [
  [[5, 1], [11, 1 << 30]], [[4, 1], [10, 1 << 30]], [[5, 1], [11, 0x7fffffff]], [[4, 1], [10, 0x7fffffff]],
  [[14, 1 << 20]], [[15, 1 << 20]], [[15, 0x7ffffff0]], [[5, 1], [15, 0x7ffffff0]], [[11, 1 << 28]], [[4, 1], [10, 5]],
  [[14, 2]], [[15, 2]], [[5, 1]], [[4, 1]], [[11, 3]], [[10, 4]],
];

beforeAll(() => {
  const error = inject('nativeBuildError');
  if (error) throw new Error(error);
  mkdirSync(DIR, { recursive: true });
});

it('DEPTHWISE_CONV_2D int8 records with extreme geometry are rejected or run clean', () => {
  const cases = allCases().get('depthwise_conv_2d')!;
  // Banded cases: depth multiplier 1 (whole band and ring), multiplier 4 and 8.
  const picked = cases.map((c, i) => ({ c, i })).filter(({ c }) => c.name.startsWith('s8') && c.name.includes('banded'));
  expect(picked.length).toBeGreaterThan(10);
  const outcomes = { ran: 0, rejected: 0 };
  for (const { c, i } of picked) {
    const files = caseFiles('ops/depthwise_conv_2d', String(i), 1, 1);
    const base = planFileParts(new Interpreter(loadModel(new Uint8Array(readFileSync(files.model)), `dw#${i}`)), c.inputs);
    const params = 3 + 2 * base.program[1];
    EDITS.forEach((edit, n) => {
      const program = base.program.slice();
      for (const [k, v] of edit) program[params + k] = v;
      const file = join(DIR, `${i}.${n}.plan`);
      writeFileSync(file, planFileBytes({ ...base, program }));
      const r = runNativeRaw(file, { runner: ASAN_RUNNER });
      const what = `case #${i}, params ${JSON.stringify(edit)}: ${r.stderr}`;
      expect(r.signal, what).toBeNull();
      expect([0, 2], what).toContain(r.status);
      expect(r.stderr, what).not.toMatch(/Sanitizer|runtime error/);
      if (r.status === 0) outcomes.ran++; else outcomes.rejected++;
    });
  }
  expect(outcomes.ran).toBeGreaterThan(0);
  expect(outcomes.rejected).toBeGreaterThan(0);
}, 300_000);
