// Memory of every shipped model: xsml's arena (activations and scratch) and plan (op records and
// per-channel constants), next to TFLM's arena head, tail and total as its own allocator reports
// them (bench/tflm_arena.py, tflite-micro from PyPI). Run after `npm run build` and with the test
// set-up's .venv: node bench/arena.mjs
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { XsmlError, loadModel, planModel } from '../dist/src/index.js';

const models = ['models/tflm', 'models/mlperf-tiny'].flatMap((dir) =>
  readdirSync(dir).filter((f) => f.endsWith('.tflite')).map((f) => join(dir, f)));
const tflm = new Map(execFileSync('.venv/bin/python', ['bench/tflm_arena.py', ...models], { encoding: 'utf8' })
  .trim().split('\n').map((line) => JSON.parse(line)).map((r) => [r.model, r]));

const rows = [['model', 'xsml arena', 'xsml plan', 'xsml total', 'TFLM head', 'TFLM tail', 'TFLM total']];
for (const path of models) {
  const t = tflm.get(path);
  const theirs = t.error ? ['refused', '', ''] : [t.head, t.tail, t.total].map(String);
  try {
    const plan = planModel(loadModel(new Uint8Array(readFileSync(path)), path));
    const planBytes = plan.program.byteLength + plan.refBytes.byteLength;
    rows.push([path, plan.arenaBytes, planBytes, plan.arenaBytes + planBytes, ...theirs].map(String));
  } catch (e) {
    if (!(e instanceof XsmlError)) throw e;
    rows.push([path, 'unsupported ops', '', '', ...theirs]);
  }
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  '));
