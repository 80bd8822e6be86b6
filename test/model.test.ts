// The model reader: every offset, length, index and size is checked once at load, and a bad model
// is an XsmlError naming the model and the field, never another exception.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Interpreter, XsmlError, loadModel, planModel } from '../src/index.js';
import { buildModel, bytesOf, type ModelSpec } from './support/builder.js';
import { ROOT } from './support/golden.js';
import { Rng } from './support/rng.js';

const F32 = 0;
const fc = (): ModelSpec => ({
  tensors: [
    { type: F32, shape: [1, 4] },
    { type: F32, shape: [2, 4], data: bytesOf(F32, [1, 2, 3, 4, 5, 6, 7, 8]) },
    { type: F32, shape: [1, 2] },
  ],
  inputs: [0],
  outputs: [2],
  ops: [{ code: 9, inputs: [0, 1, -1], outputs: [2], optionsType: 8, options: [[0, 'i8', 0]] }],
});

function loadError(bytes: Uint8Array): string {
  try {
    planModel(loadModel(bytes, 'bad.tflite'));
  } catch (e) {
    expect(e).toBeInstanceOf(XsmlError);
    return (e as Error).message;
  }
  return '';
}

describe('loadModel', () => {
  it('reads a model built here and runs it', () => {
    const interp = new Interpreter(loadModel(buildModel(fc()), 'fc.tflite'));
    interp.inputs[0].data.set([1, 0, 0, 1]);
    interp.invoke();
    expect(Array.from(interp.outputs[0].data)).toEqual([5, 13]);
  });

  it('decodes names as UTF-8, ASCII or not', () => {
    const spec = fc();
    spec.tensors[0].name = 'input/x:0';
    spec.tensors[2].name = 'größe → 𝄞';
    const model = loadModel(buildModel(spec), 'fc.tflite');
    expect(model.tensors.map((t) => t.name)).toEqual(['input/x:0', 't1', 'größe → 𝄞']);
  });

  it('keeps weights in the model bytes (zero copy)', () => {
    const bytes = buildModel(fc());
    const model = loadModel(bytes, 'fc.tflite');
    expect(model.tensors[1].data!.buffer).toBe(bytes.buffer);
  });

  it('lets the tensor and operator objects go once an interpreter is planned, and reads them again with the same values', () => {
    const bytes = readFileSync(join(ROOT, 'models/tflm/person_detect.tflite'));
    const model = loadModel(new Uint8Array(bytes), 'person_detect.tflite');
    const tensors = model.tensors, operators = model.operators;
    const plain = (x: unknown) => JSON.parse(JSON.stringify(x, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v)));
    const before = plain({ tensors: tensors.map((t) => ({ ...t, data: t.data && [t.data.byteOffset, t.data.length] })), operators: operators.map((o) => ({ ...o, options: o.options?.pos })) });
    expect(model.tensors).toBe(tensors); // kept until then
    const interp = new Interpreter(model);
    expect(model.tensors).not.toBe(tensors);
    const after = plain({ tensors: model.tensors.map((t) => ({ ...t, data: t.data && [t.data.byteOffset, t.data.length] })), operators: model.operators.map((o) => ({ ...o, options: o.options?.pos })) });
    expect(after).toEqual(before);
    expect(interp.inputs[0].name).toBe(tensors[model.inputs[0]].name);
  });

  it('rejects what is not a model', () => {
    expect(loadError(new Uint8Array(3))).toMatch(/bad.tflite: not a TFLite \("TFL3"\) or Circle \("CIR0"\) model: a 3-byte file/);
    expect(loadError(new TextEncoder().encode('PK\u0003\u0004 a zip file, not a model'))).toMatch(/file identifier " a z"/);
  });

  it('names a tensor index out of range', () => {
    const spec = fc();
    spec.ops[0].inputs = [0, 7, -1];
    expect(loadError(buildModel(spec))).toMatch(/operators\[0\]\.inputs\[1\]: tensor index 7 is out of range \(the subgraph has 3 tensors\)/);
  });

  it('names constant data of the wrong size', () => {
    const spec = fc();
    spec.tensors[1].data = bytesOf(F32, [1, 2, 3]);
    expect(loadError(buildModel(spec))).toMatch(/tensors\[1\].*constant data has 12 bytes, expected 32 for float32\[2,4\]/);
  });

  it('names a model output whose shape does not match what the op computes', () => {
    const spec = fc();
    spec.tensors[2].shape = [1, 3];
    expect(loadError(buildModel(spec))).toMatch(/op #0 FULLY_CONNECTED \(version 1\): output tensor #2 "t2" \(float32\[1,3\]\) should have shape \[1,2\]/);
  });

  it('names an unsupported op version', () => {
    const spec = fc();
    spec.ops[0].version = 99;
    expect(loadError(buildModel(spec))).toMatch(/op #0 FULLY_CONNECTED \(version 99\): version 99 not supported/);
  });

  it('names custom and unknown operators', () => {
    const spec = fc();
    spec.ops[0] = { code: 32, customName: 'MyCustomOp', inputs: [0], outputs: [2] };
    expect(loadError(buildModel(spec))).toMatch(/op #0 MyCustomOp \(version 1\): custom operator/);
    spec.ops[0] = { code: 150, inputs: [0], outputs: [2] };
    expect(loadError(buildModel(spec))).toMatch(/op #0 \w+ \(version 1\): operator not implemented/);
  });

  it('names circle operators by their circle names', () => {
    const spec = { ...fc(), identifier: 'CIR0' as const };
    spec.ops = [{ code: -2, inputs: [0], outputs: [2] }];
    const bytes = buildModel(spec);
    // The builder stores min(code, 127) in the byte field, as circle files do for their own codes.
    expect(loadError(bytes)).toMatch(/INSTANCE_NORM/);
  });

  it('reports truncation and corruption of real models as XsmlErrors, never anything else', () => {
    const rng = new Rng(7);
    for (const file of ['tflm/micro_speech_quantized.tflite', 'tflm/magic_wand.tflite', 'mlperf-tiny/kws_ref_model.tflite']) {
      const original = new Uint8Array(readFileSync(join(ROOT, 'models', file)));
      for (let i = 0; i < 300; i++) {
        const bytes = original.slice(0, i % 3 === 0 ? rng.int(0, original.length) : original.length);
        if (i % 3 !== 0) for (let k = rng.int(1, 8); k > 0; k--) bytes[rng.int(0, (k % 2 ? Math.min(bytes.length, 4096) : bytes.length) - 1)] = rng.int(0, 255);
        try {
          planModel(loadModel(bytes, file));
        } catch (e) {
          if (!(e instanceof XsmlError)) throw new Error(`${file} mutation ${i}: ${(e as Error).stack}`);
        }
      }
    }
  });
});
