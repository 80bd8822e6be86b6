// Before any test: write every per-op case as a model file and run them all through the reference.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildModel } from './support/builder.js';
import { CASES_DIR, runReference, type GoldenCase } from './support/golden.js';
import { allCases } from './cases/index.js';

export function caseFiles(op: string, i: number, inputs: number, outputs: number) {
  const base = join(CASES_DIR, 'ops', op, String(i));
  return {
    model: `${base}.tflite`,
    inputs: Array.from({ length: inputs }, (_, k) => `${base}.in${k}.bin`),
    outputs: Array.from({ length: outputs }, (_, k) => `${base}.out${k}.bin`),
  };
}

export default function setup() {
  const manifest: GoldenCase[] = [];
  for (const [op, cases] of allCases()) {
    mkdirSync(join(CASES_DIR, 'ops', op), { recursive: true });
    cases.forEach((c, i) => {
      const files = caseFiles(op, i, c.inputs.length, c.spec.outputs.length);
      writeFileSync(files.model, buildModel(c.spec));
      c.inputs.forEach((bytes, k) => writeFileSync(files.inputs[k], bytes));
      manifest.push(files);
    });
  }
  runReference('ops', manifest);
}
