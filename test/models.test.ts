// Whole models against both references (TFLite's reference kernels and TFLM) on fixed random and
// real inputs; against the outputs TFLM printed on the real inputs (models/PROVENANCE.md); as
// .circle files; and the models xsml cannot run must say which operators are missing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Interpreter, XsmlError, loadModel, planModel, type ExactWith } from '../src/index.js';
import { mismatch } from './support/compare.js';
import { ENGINES, EXACT_WITH, caseFiles, readGolden } from './support/golden.js';
import { MODEL_CASES, MODELS_DIR, UNSUPPORTED_MODELS, modelCaseName } from './support/model-cases.js';

function runModel(bytes: Uint8Array, name: string, inputs: Uint8Array[], exactWith: ExactWith) {
  const interp = new Interpreter(loadModel(bytes, name), { exactWith });
  expect(interp.inputs.length).toBe(inputs.length);
  inputs.forEach((b, k) => {
    const view = interp.inputs[k].data;
    expect(b.length).toBe(view.byteLength);
    new Uint8Array(view.buffer, view.byteOffset, view.byteLength).set(b);
  });
  interp.invoke();
  return interp.outputs[0];
}

function asCircle(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  copy.set([0x43, 0x49, 0x52, 0x30], 4); // "CIR0"
  return copy;
}

for (const m of MODEL_CASES) {
  describe(m.file, () => {
    const bytes = new Uint8Array(readFileSync(join(MODELS_DIR, m.file)));
    m.inputs.forEach((input, k) => {
      const inputs = input.bytes();
      const files = caseFiles('models', modelCaseName(m.file, k), inputs.length, 1, m.engines);
      for (const engine of m.engines ?? ENGINES) {
        it(`${input.label}: matches ${engine}`, () => {
          const golden = readGolden(files.outputs[engine][0]);
          if (typeof golden === 'string') throw new Error(`${engine} rejected this model: ${golden}`);
          expect(mismatch(runModel(bytes, m.file, inputs, EXACT_WITH[engine]).data, golden)).toBeNull();
        });
      }
      if (input.tflm) {
        it(`${input.label}: prints what TFLM printed`, () => {
          const out = runModel(bytes, m.file, inputs, 'tflm');
          const want = input.tflm!;
          if (out.data instanceof Float32Array) {
            // TFLM's values are printed to 5 decimals.
            Array.from(out.data).forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(0.5e-5 + 1e-7));
          } else {
            expect(Array.from(out.data)).toEqual(want);
          }
        });
      }
      if (input.winner !== undefined) {
        it(`${input.label}: class ${input.winner} wins`, () => {
          for (const exactWith of ['tflite', 'tflm'] as const) {
            const scores = Array.from(runModel(bytes, m.file, inputs, exactWith).data);
            expect(scores.indexOf(Math.max(...scores))).toBe(input.winner);
          }
        });
      }
      it(`${input.label}: the .circle file gives identical outputs`, () => {
        for (const exactWith of ['tflite', 'tflm'] as const) {
          const a = runModel(bytes, m.file, inputs, exactWith);
          const b = runModel(asCircle(bytes), m.file.replace('.tflite', '.circle'), inputs, exactWith);
          expect(loadModel(asCircle(bytes)).format).toBe('circle');
          expect(Array.from(b.data)).toEqual(Array.from(a.data));
        }
      });
    });
  });
}

describe('models with operators xsml does not run', () => {
  for (const [file, ops] of UNSUPPORTED_MODELS) {
    it(`${file} names ${ops.join(', ')}`, () => {
      const model = loadModel(new Uint8Array(readFileSync(join(MODELS_DIR, file))), file);
      let message = '';
      try { planModel(model); } catch (e) { expect(e).toBeInstanceOf(XsmlError); message = (e as Error).message; }
      expect(message).toMatch(/unsupported operator/);
      for (const op of ops) expect(message).toContain(op);
    });
  }
});
