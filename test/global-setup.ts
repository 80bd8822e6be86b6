// Before any test: write every per-op case and every whole-model input as files, and run them all
// through the reference interpreters.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildModel } from './support/builder.js';
import { referenceCopy } from './support/fixups.js';
import { caseFiles, runReferences, type CaseFiles } from './support/golden.js';
import { MODEL_CASES, MODELS_DIR, modelCaseName } from './support/model-cases.js';
import { allCases } from './cases/index.js';

export default function setup() {
  const all: CaseFiles[] = [];
  for (const [op, cases] of allCases()) {
    cases.forEach((c, i) => {
      const files = caseFiles(`ops/${op}`, String(i), c.inputs.length, c.spec.outputs.length, c.engines);
      mkdirSync(dirname(files.model), { recursive: true });
      writeFileSync(files.model, buildModel(c.spec));
      c.inputs.forEach((bytes, k) => writeFileSync(files.inputs[k], bytes));
      all.push(files);
    });
  }
  for (const m of MODEL_CASES) {
    m.inputs.forEach((input, k) => {
      const inputs = input.bytes();
      const files = caseFiles('models', modelCaseName(m.file, k), inputs.length, 1, m.engines);
      mkdirSync(dirname(files.model), { recursive: true });
      writeFileSync(files.model, referenceCopy(new Uint8Array(readFileSync(join(MODELS_DIR, m.file)))));
      inputs.forEach((bytes, i) => writeFileSync(files.inputs[i], bytes));
      all.push(files);
    });
  }
  runReferences('all', all);
}
