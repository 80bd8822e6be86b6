// Desktop benchmark: every model of models/ that xsml runs, on Node with the TypeScript kernels and
// on the XS engine with the C kernels (one native call per invoke). Prints a table: microseconds per
// inference on each, the arena, and the share of XS's invoke time spent inside the C kernels
// (xsml_plan_run; the rest is the JS side: invoke, the executor and the host call).
//   npm run build && make -C hosts/xs && node bench/desktop.mjs [--seconds S] [--json]
// Inputs are fixed pseudo-random bytes (the LCG of models/PROVENANCE.md); timings are wall-clock
// means after a warm-up, on whatever machine runs this: compare columns, not machines.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Interpreter, loadModel, planModel } from '../dist/src/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const XS = join(ROOT, 'hosts/xs/build/xsml-xs');
const DRIVER = join(ROOT, 'dist/xsml-xs-driver.js');
const args = process.argv.slice(2);
const SECONDS = Number(args[args.indexOf('--seconds') + 1] || 0) || 1; // time budget per model and host
const JSON_OUT = args.includes('--json');

if (!existsSync(DRIVER)) throw new Error(`${DRIVER} is missing: run npm run build`);
if (!existsSync(XS)) throw new Error(`${XS} is missing: run make -C hosts/xs`);

function modelFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return modelFiles(path);
    return e.name.endsWith('.tflite') ? [path] : [];
  }).sort();
}

/** The fixed pseudo-random input of models/PROVENANCE.md: bytes for int8, [-1, 1) for float32. */
function lcgBytes(view, state) {
  const next = () => (state.s = (Math.imul(1664525, state.s) + 1013904223) >>> 0);
  const data = view.data;
  if (data instanceof Float32Array) for (let i = 0; i < data.length; i++) data[i] = (next() >>> 8) * 2 ** -23 - 1;
  else { const b = new Uint8Array(data.buffer, data.byteOffset, data.byteLength); for (let i = 0; i < b.length; i++) b[i] = next() >>> 24; }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

function timeNode(interp, inputs) {
  const restore = () => interp.inputs.forEach((v, k) => new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength).set(inputs[k]));
  // Warm-up: until the JIT has settled (at least 20 invokes and a third of the budget).
  const warmUntil = performance.now() + (SECONDS * 1000) / 3;
  for (let i = 0; i < 20 || performance.now() < warmUntil; i++) { restore(); interp.invoke(); }
  let ns = 0n, n = 0;
  const end = performance.now() + SECONDS * 1000;
  while (n < 3 || performance.now() < end) {
    restore();
    const t = process.hrtime.bigint();
    interp.invoke();
    ns += process.hrtime.bigint() - t;
    n++;
  }
  return { microseconds: Number(ns) / 1000 / n, repeat: n };
}

function runXs(model, inputFiles, repeat) {
  const r = spawnSync(XS, [DRIVER, 'run', model, ...inputFiles.flatMap((f) => ['--input', f]), '--repeat', String(repeat)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`XS: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout);
}

const tmp = mkdtempSync(join(tmpdir(), 'xsml-bench-'));
const rows = [];
const skipped = [];
try {
  for (const path of modelFiles(join(ROOT, 'models'))) {
    const name = relative(join(ROOT, 'models'), path);
    const model = loadModel(new Uint8Array(readFileSync(path)), name);
    let plan;
    try { plan = planModel(model); } catch (e) { skipped.push(`${name}: ${e.message.replace(/^.*?: (\d+ unsupported operators?).*$/, '$1')}`); continue; }
    const interp = new Interpreter(model);
    const state = { s: 1 };
    const inputs = interp.inputs.map((v) => lcgBytes(v, state));
    const files = inputs.map((b, k) => { const f = join(tmp, `${rows.length}.in${k}.bin`); writeFileSync(f, b); return f; });

    const node = timeNode(interp, inputs);
    const nodeOut = interp.outputs.map((o) => Array.from(o.data));
    // XS: a short run to size the repetitions, then the budget's worth.
    const probe = runXs(path, files, 3);
    const repeat = Math.max(3, Math.min(100000, Math.round((SECONDS * 1e6) / Math.max(probe.invoke.microseconds, 0.1))));
    const xs = runXs(path, files, repeat);
    const same = xs.outputs.every((o, k) => o.data.every((v, i) => Math.abs(v - nodeOut[k][i]) <= 1e-5 * Math.max(Math.abs(nodeOut[k][i]), 1)));
    rows.push({
      model: name, ops: plan.ops.length, arenaBytes: plan.arenaBytes,
      nodeMicroseconds: node.microseconds, nodeRepeat: node.repeat,
      xsMicroseconds: xs.invoke.microseconds, xsRepeat: repeat,
      kernelMicroseconds: xs.invoke.kernelMicroseconds, cShare: xs.invoke.kernelMicroseconds / xs.invoke.microseconds,
      sameOutputs: same,
    });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

if (JSON_OUT) {
  console.log(JSON.stringify({ rows, skipped }, null, 1));
} else {
  const f = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  console.log('| model | ops | arena bytes | node-TS us/inference | XS-C us/inference | XS speed-up | C kernels share of XS invoke |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.model}${r.sameOutputs ? '' : ' (outputs differ!)'} | ${r.ops} | ${r.arenaBytes} | ${f(r.nodeMicroseconds)} | ${f(r.xsMicroseconds)} | ${(r.nodeMicroseconds / r.xsMicroseconds).toFixed(1)}x | ${(100 * r.cShare).toFixed(1)}% |`);
  }
  for (const s of skipped) console.log(`skipped ${s}`);
}
