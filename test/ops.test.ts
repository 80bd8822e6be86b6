// Every op against both references: one-op models with random shapes, options and data, compared
// with TFLite's reference kernels and with TFLM.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Interpreter, loadModel } from '../src/index.js';
import { allCases } from './cases/index.js';
import { mismatch } from './support/compare.js';
import { ENGINES, EXACT_WITH, caseFiles, readGolden } from './support/golden.js';

for (const [op, cases] of allCases()) {
  describe(op, () => {
    it('has at least 50 cases', () => expect(cases.length).toBeGreaterThanOrEqual(50));
    cases.forEach((c, i) => {
      const files = caseFiles(`ops/${op}`, String(i), c.inputs.length, c.spec.outputs.length);
      for (const engine of ENGINES) {
        it(`#${i} ${c.name} (${engine})`, (ctx) => {
          // TFLM refuses hybrid models (float activations, int8 weights): nothing to compare with.
          if (engine === 'tflm' && c.name.startsWith('hybrid') && typeof readGolden(files.outputs.tflm[0]) === 'string') { ctx.skip(); return; }
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
