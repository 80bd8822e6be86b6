// invoke allocates nothing: every kernel, measured on the real V8 heap (test/support/alloc-probe.mjs)
// after the JIT has settled. One allocation per invoke would show as >= 12 bytes per invoke; the
// probe's own noise is a constant ~150 bytes, so the bound is one byte per invoke.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CASES_DIR, ROOT } from './support/golden.js';

const INVOKES = 500;

// Asynchronous, so the test worker stays responsive while a probe runs.
const run = promisify(execFile);

async function probe(model: string, exactWith: string, control = false): Promise<number> {
  const { stdout: out } = await run(process.execPath, [
    '--expose-gc', '--max-semi-space-size=256', join(ROOT, 'test/support/alloc-probe.mjs'), model, exactWith, ...(control ? ['control'] : []),
  ], { encoding: 'utf8', env: { ...process.env, WARMUP: '2000', INVOKES: String(INVOKES) } });
  const result = JSON.parse(out);
  if (result.error) throw new Error(result.error);
  return result.bytes;
}

// Together these run every kernel: whole models, and one-op cases for the ops they lack.
const MODELS = [
  'models/tflm/hello_world_int8.tflite', 'models/tflm/hello_world_float.tflite', 'models/tflm/magic_wand.tflite',
  'models/tflm/micro_speech_quantized.tflite', 'models/tflm/simple_add_model.tflite',
  'models/tflm/audio_preprocessor_int8.tflite', 'models/tflm/audio_preprocessor_float.tflite',
];
const OP_CASES = ['mul', 'concatenation', 'quantize', 'dequantize', 'average_pool_2d', 'add', 'conv_2d_hybrid'];

describe('invoke allocates nothing', () => {
  it('the probe sees one small array per invoke', async () => {
    expect(await probe(join(ROOT, MODELS[0]), 'tflite', true)).toBeGreaterThan(12 * INVOKES);
  });
  for (const model of MODELS) {
    for (const exactWith of ['tflite', 'tflm']) {
      it(`${model} (exact with ${exactWith})`, async () => expect(await probe(join(ROOT, model), exactWith)).toBeLessThan(INVOKES));
    }
  }
  for (const op of OP_CASES) {
    it(`${op}: the first cases`, async () => {
      for (let i = 0; i < 4; i++) {
        const model = join(CASES_DIR, 'ops', op, `${i}.tflite`);
        if (!existsSync(model)) throw new Error(`${model} is missing: the global setup writes it`);
        expect(await probe(model, 'tflite')).toBeLessThan(INVOKES);
      }
    });
  }
});
