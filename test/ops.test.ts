// Every op against both references: one-op models with random shapes, options and data, compared
// with TFLite's reference kernels and with TFLM.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Interpreter, OPERATORS, loadModel } from '../src/index.js';
import { allCases } from './cases/index.js';
import { mismatch } from './support/compare.js';
import { ENGINES, EXACT_WITH, caseFiles, readGolden } from './support/golden.js';

const OP_NAMES = new Set([...OPERATORS.values()].map((def) => def.name));

for (const [op, cases] of allCases()) {
  describe(op, () => {
    // Groups named after an operator hold its main cases; others (hybrid, TFLite-only) add to them.
    if (OP_NAMES.has(op.toUpperCase())) it('has at least 50 cases', () => expect(cases.length).toBeGreaterThanOrEqual(50));
    cases.forEach((c, i) => {
      const files = caseFiles(`ops/${op}`, String(i), c.inputs.length, c.spec.outputs.length, c.engines);
      for (const engine of c.engines ?? ENGINES) {
        it(`#${i} ${c.name} (${engine})`, (ctx) => {
          const model = loadModel(new Uint8Array(readFileSync(files.model)), `${op}#${i}`);
          const interp = new Interpreter(model, { exactWith: EXACT_WITH[engine] });
          c.inputs.forEach((bytes, k) => new Uint8Array(interp.inputs[k].data.buffer, interp.inputs[k].data.byteOffset, bytes.length).set(bytes));
          interp.invoke();
          interp.outputs.forEach((out, k) => {
            const golden = readGolden(files.outputs[engine][k]);
            if (typeof golden === 'string') throw new Error(`${engine} rejected this case: ${golden}`);
            expect(mismatch(out.data, golden)).toBeNull();
          });
        });
      }
    });
  });
}
