// Every op against the TFLite reference: one-op models with random shapes, options and data.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Interpreter, loadModel } from '../src/index.js';
import { allCases } from './cases/index.js';
import { caseFiles } from './global-setup.js';
import { mismatch } from './support/compare.js';
import { readGolden } from './support/golden.js';

for (const [op, cases] of allCases()) {
  describe(op, () => {
    it('has at least 50 cases', () => expect(cases.length).toBeGreaterThanOrEqual(50));
    cases.forEach((c, i) => {
      it(`#${i} ${c.name}`, () => {
        const files = caseFiles(op, i, c.inputs.length, c.spec.outputs.length);
        const interp = new Interpreter(loadModel(new Uint8Array(readFileSync(files.model)), `${op}#${i}`));
        c.inputs.forEach((bytes, k) => new Uint8Array(interp.inputs[k].data.buffer, interp.inputs[k].data.byteOffset, bytes.length).set(bytes));
        interp.invoke();
        interp.outputs.forEach((out, k) => {
          const golden = readGolden(files.outputs[k]);
          if (typeof golden === 'string') throw new Error(`the reference rejected this case: ${golden}`);
          expect(mismatch(out.data, golden)).toBeNull();
        });
      });
    });
  });
}
