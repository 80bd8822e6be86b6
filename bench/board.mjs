// Benchmark on the emulated boards (`npm run bench`; not a test): every model of models/ that xsml
// plans, on mps2-an386 (Cortex-M4F) and mps2-an500 (Cortex-M7) in QEMU, each in a boot of its own
// (hosts/node/board-host.ts: the runner firmware, the model and its input placed by -device loader):
//   instructions per inference   the median of N inferences after one warm-up (QEMU -icount counts
//                                instructions, to +-8: hosts/mps2/apps/measure.ts), and
//                                microseconds at the nominal 216 MHz, one instruction per cycle
//   prepare                      instructions of loadModel + new Interpreter (check, plan, native prepare)
//   arena, plan                  bytes; XS heap peak: XS's own peak of chunks + slots in use, and
//                                malloc's high-water mark (the XS heap's budget), since boot
//   flash                        the runner firmware by origin (hosts/mps2/tools/flash-split.sh):
//                                XS engine, runtime byte code, C kernels (+ glue), the rest; the model's bytes
// TFLM's numbers (bench/tflm.json, measured the same way, its method there) give the ratios.
// Writes bench/results.json, bench/RESULTS.md and bench/board-instructions.svg; with --check it
// writes nothing and fails (exit 1) if a model takes more than 2% more instructions than the
// committed bench/results.json says (instruction counts are deterministic).
// --render rewrites RESULTS.md and the chart from results.json without running anything.
//   npm run bench [-- --repeat N] [--boards mps2-an386,mps2-an500] [--models SUBSTRING] [--check | --render]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel, planModel } from '../dist/src/index.js';
import { BOARDS, ensureFirmwareAsync, firmwarePath, runOnBoardAsync } from '../dist/hosts/node/board-host.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const REPEAT = Number(option('--repeat', '5'));
const BOARD_NAMES = option('--boards', Object.keys(BOARDS).join(',')).split(',');
const ONLY = option('--models', '');
const NOMINAL_MHZ = 216;
const CHECK = args.includes('--check');
const RENDER = args.includes('--render');
const REGRESSION = 0.02;
const TFLM = JSON.parse(readFileSync(join(ROOT, 'bench/tflm.json'), 'utf8'));
const COMMITTED = JSON.parse(readFileSync(join(ROOT, 'bench/results.json'), 'utf8'));

function modelFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return modelFiles(path);
    return e.name.endsWith('.tflite') ? [path] : [];
  }).sort();
}

/** The fixed pseudo-random input of models/PROVENANCE.md, as raw bytes per input tensor. */
function lcgInputs(model) {
  let state = 1;
  const next = () => (state = (Math.imul(1664525, state) + 1013904223) >>> 0);
  return model.inputs.map((index) => {
    const t = model.tensors[index];
    if (t.type === 0) return new Uint8Array(Float32Array.from({ length: t.elements }, () => (next() >>> 8) * 2 ** -23 - 1).buffer);
    return Uint8Array.from({ length: t.bytes }, () => next() >>> 24);
  });
}

/** Flash by origin, from the runner's link map; the runtime's byte code alone, from xsml-xsc. */
function flashSplit(board) {
  const elf = firmwarePath(board);
  const lines = execFileSync('sh', [join(ROOT, 'hosts/mps2/tools/flash-split.sh'), elf.replace(/\.elf$/, '.map')], { encoding: 'utf8' }).trim().split('\n');
  const groups = Object.fromEntries(lines.map((l) => { const m = /^\s*(\d+)\s+(.*)$/.exec(l); return [m[2], Number(m[1])]; }));
  // xsml-xsc prints "NAME: S bytes of source -> A bytes of symbols + B bytes of code" on stderr.
  const tmp = mkdtempSync(join(tmpdir(), 'xsml-bench-'));
  let report;
  try {
    report = spawnSync(join(ROOT, 'build/mps2/host/xsml-xsc'), ['-o', join(tmp, 'bytecode.c'), join(ROOT, 'build/mps2/js/xsml-board.js')], { encoding: 'utf8' }).stderr;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const m = /(\d+) bytes of symbols \+ (\d+) bytes of code/.exec(report ?? '');
  const runtimeBytecode = m ? Number(m[1]) + Number(m[2]) : null;
  const total = groups['total (sum of the input sections)'];
  const xs = groups['XS engine (libxs.a)'] ?? 0;
  const kernels = groups['native executor + kernels + XS glue'] ?? 0;
  const bytecode = groups['byte code (.xsml_bytecode)'] ?? 0;
  return {
    totalBytes: total, xsEngineBytes: xs, runtimeBytecodeBytes: runtimeBytecode, appBytecodeBytes: runtimeBytecode === null ? null : bytecode - runtimeBytecode,
    kernelsBytes: kernels, newlibBytes: groups['newlib + libgcc'] ?? 0, firmwareBytes: groups['firmware (hosts/mps2)'] ?? 0,
    otherBytes: total - xs - kernels - bytecode - (groups['newlib + libgcc'] ?? 0) - (groups['firmware (hosts/mps2)'] ?? 0),
  };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

const started = Date.now();
const models = [];
const skipped = [];
for (const path of modelFiles(join(ROOT, 'models'))) {
  const name = relative(join(ROOT, 'models'), path);
  if (ONLY && !name.includes(ONLY)) continue;
  const bytes = new Uint8Array(readFileSync(path));
  const model = loadModel(bytes, name);
  try {
    const plan = planModel(model);
    models.push({ name, bytes, inputs: lcgInputs(model), arenaBytes: plan.arenaBytes, planBytes: plan.program.byteLength, ops: plan.ops.length });
  } catch (e) {
    skipped.push({ model: name, reason: e.message.replace(/^[^:]*: /, '') });
  }
}

// --render: no boot, the tables and the chart again from the committed bench/results.json.
const boards = RENDER ? COMMITTED.boards : {};
for (const board of RENDER ? [] : BOARD_NAMES) {
  await ensureFirmwareAsync(board);
  const rows = [];
  let boot = null;
  for (const m of models) {
    process.stderr.write(`bench: ${board} ${m.name} ...\n`);
    const run = { name: m.name.split('/').pop(), model: m.bytes, inputs: m.inputs, repeat: REPEAT + 1, arenaBytes: null, exactWith: 'tflite', profile: false };
    let result;
    try {
      const b = await runOnBoardAsync(board, [run]);
      result = b.results[0];
      if (!boot) {
        const line = b.log.find((l) => l.startsWith('boot: '));
        boot = line ? Number(/^boot: (\d+) instructions/.exec(line)[1]) : null;
      }
    } catch (e) {
      result = { ok: false, error: e.message };
    }
    if (!result.ok) {
      rows.push({ model: m.name, error: result.error });
      continue;
    }
    const j = result.json;
    const counts = j.instructionsEach.slice(1); // after the warm-up
    const instructions = median(counts);
    rows.push({
      model: m.name, ops: m.ops, modelBytes: m.bytes.byteLength,
      instructions, microseconds: instructions / NOMINAL_MHZ,
      instructionsMin: Math.min(...counts), instructionsMax: Math.max(...counts), firstInstructions: j.instructionsEach[0],
      prepareInstructions: j.prepareInstructions,
      arenaBytes: j.arenaBytes, planBytes: j.memory.planBytes,
      xsHeapPeakBytes: j.memory.peakChunksBytes + j.memory.peakSlots * j.memory.slotBytes,
      xsHeapLiveBytes: j.memory.liveBytes, xsHeapModelBytes: j.memory.liveBytes - j.memory.baselineLiveBytes,
      mallocHighWaterBytes: j.memory.mallocBytes, heapBudgetBytes: j.memory.heapBudget,
      planPoolPeakBytes: j.memory.peakPlanPoolBytes,
      tflmInstructions: TFLM.models[m.name]?.[board]?.cmsisNn ?? null,
    });
  }
  boards[board] = { cpu: BOARDS[board].cpu, bootInstructions: boot, flash: flashSplit(board), rows };
}

if (CHECK) {
  // Every model of this run against the committed numbers.
  let regressions = 0;
  for (const [board, { rows }] of Object.entries(boards)) {
    for (const r of rows) {
      const before = COMMITTED.boards[board]?.rows.find((x) => x.model === r.model);
      if (!before?.instructions) continue;
      if (r.error) {
        console.log(`${board} ${r.model}: error: ${r.error}`);
        regressions++;
        continue;
      }
      const change = r.instructions / before.instructions - 1;
      const bad = change > REGRESSION;
      if (bad) regressions++;
      console.log(`${bad ? 'REGRESSION ' : ''}${board} ${r.model}: ${Math.round(r.instructions)} instructions, committed ${Math.round(before.instructions)} (${change >= 0 ? '+' : ''}${(100 * change).toFixed(2)}%)`);
    }
  }
  console.log(regressions ? `bench: ${regressions} models more than ${100 * REGRESSION}% slower than bench/results.json` : `bench: no model more than ${100 * REGRESSION}% slower than bench/results.json`);
  process.exit(regressions ? 1 : 0);
}

const results = RENDER ? COMMITTED : {
  date: new Date().toISOString(), repeat: REPEAT, nominalMHz: NOMINAL_MHZ,
  method: 'QEMU -icount shift=0 (one instruction = 1 ns of virtual time), readings of the MPS2 FPGAIO counter exact to +-4 instructions; median of N inferences after one warm-up; inputs: the LCG of models/PROVENANCE.md; exactWith tflite',
  boards, skipped,
};
if (!RENDER) writeFileSync(join(ROOT, 'bench/results.json'), `${JSON.stringify(results, null, 1)}\n`);

// ---- Markdown ----
const n = (x) => (x === null || x === undefined ? '' : String(Math.round(x)).replace(/\B(?=(\d{3})+(?!\d))/g, ','));
const us = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const [m4, m7] = BOARD_NAMES;
const md = [];
md.push('# xsml on the emulated boards', '');
md.push(`Written by \`npm run bench\` (bench/board.mjs) on ${results.date.slice(0, 10)}. ${results.method}.`);
md.push('Microseconds are instructions at a nominal 216 MHz (one instruction per cycle): instruction counts, not cycles.');
md.push(`TFLM: TFLM + CMSIS-NN, instructions of MicroInterpreter::Invoke() (bench/tflm.json: ${TFLM.method}); ratio: xsml / TFLM, below 1 is fewer instructions.`, '');
md.push(`## Instructions per inference`, '');
md.push(`| model | ops | ${BOARD_NAMES.map((b) => `${b} (${BOARDS[b].cpu}) instructions | us | TFLM | ratio`).join(' | ')} |`);
md.push(`|---|---:|${BOARD_NAMES.map(() => '---:|---:|---:|---:').join('|')}|`);
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : '');
for (const m of models) {
  const cells = BOARD_NAMES.map((b) => {
    const r = boards[b].rows.find((x) => x.model === m.name);
    const tflm = TFLM.models[m.name]?.[b]?.cmsisNn;
    return r.error ? `error: ${r.error.replace(/^[^:]*: /, '').slice(0, 90)} | | |` : `${n(r.instructions)} | ${us(r.microseconds)} | ${n(tflm)} | ${ratio(r.instructions, tflm)}`;
  });
  md.push(`| ${m.name} | ${m.ops} | ${cells.join(' | ')} |`);
}
md.push('', '## RAM per model against TFLM', '');
md.push(`xsml on ${m4}, every byte the model adds, measured from right before loadModel to right after new Interpreter and a first read of its inputs' and outputs' data:`);
md.push('the arena; the plan, C memory the native executor holds (its plan pool\'s growth: the checked records, the words the');
md.push('interpreter keeps with them and a header); the XS heap\'s growth, after a full collection at both ends (the model\'s');
md.push('Uint8Array, the Model, the Interpreter, its executor and invoke, and the typed arrays of the inputs\' and outputs\' data, which an application keeps).');
md.push('The runtime and the engine\'s own floor are not counted. TFLM: arena_used_bytes');
md.push('with CMSIS-NN. Bytes.', '');
md.push('| model | arena | plan | XS heap, model | xsml total | TFLM | ratio |', '|---|---:|---:|---:|---:|---:|---:|');
for (const m of models) {
  const r = boards[m4].rows.find((x) => x.model === m.name);
  const tflm = TFLM.models[m.name]?.arenaUsedBytes ?? null;
  if (r.error || !tflm) continue;
  const total = r.arenaBytes + r.planBytes + r.xsHeapModelBytes;
  md.push(`| ${m.name} | ${n(r.arenaBytes)} | ${n(r.planBytes)} | ${n(r.xsHeapModelBytes)} | ${n(total)} | ${n(tflm)} | ${ratio(total, tflm)} |`);
}
md.push('', '## Memory and preparation', '');
md.push('Prepare: instructions of loadModel + new Interpreter. Plan: the op records (the RAM table\'s plan adds their');
md.push('kept words and a header, in C memory). XS heap, model: as in the RAM table; peak: XS\'s');
md.push('own peak of chunks + slots in use since boot (collections are lazy, so garbage counts); malloc: the heap');
md.push('region\'s high-water mark (XS takes chunks and slots from it in large blocks). Bytes.', '');
md.push(`| model | model (flash) | arena | plan | ${BOARD_NAMES.map((b) => `${b}: prepare instructions | XS heap, model | XS heap peak | malloc`).join(' | ')} |`);
md.push(`|---|---:|---:|---:|${BOARD_NAMES.map(() => '---:|---:|---:|---:').join('|')}|`);
for (const m of models) {
  const cells = BOARD_NAMES.map((b) => {
    const r = boards[b].rows.find((x) => x.model === m.name);
    return r.error ? ' | | | ' : `${n(r.prepareInstructions)} | ${n(r.xsHeapModelBytes)} | ${n(r.xsHeapPeakBytes)} | ${n(r.mallocHighWaterBytes)}`;
  });
  md.push(`| ${m.name} | ${n(m.bytes.byteLength)} | ${n(m.arenaBytes)} | ${n(m.planBytes)} | ${cells.join(' | ')} |`);
}
md.push('', '## Firmware (the runner: no model linked in)', '');
md.push(`| | ${BOARD_NAMES.join(' | ')} |`, `|---|${BOARD_NAMES.map(() => '---:').join('|')}|`);
const flashRows = [
  ['flash total', (f) => f.totalBytes], ['XS engine (no parser)', (f) => f.xsEngineBytes], ['runtime byte code', (f) => f.runtimeBytecodeBytes],
  ['runner app byte code', (f) => f.appBytecodeBytes], ['C kernels, executor, XS glue', (f) => f.kernelsBytes], ['newlib + libgcc', (f) => f.newlibBytes],
  ['board, platform, main', (f) => f.firmwareBytes],
];
for (const [label, get] of flashRows) md.push(`| ${label} | ${BOARD_NAMES.map((b) => n(get(boards[b].flash))).join(' | ')} |`);
md.push(`| boot: reset to a ready XS machine, instructions | ${BOARD_NAMES.map((b) => n(boards[b].bootInstructions)).join(' | ')} |`);
md.push(`| XS heap budget (malloc region), bytes | ${BOARD_NAMES.map((b) => n(boards[b].rows.find((r) => !r.error)?.heapBudgetBytes)).join(' | ')} |`);
if (skipped.length) {
  md.push('', 'Not run (xsml does not plan them):', '');
  for (const s of skipped) md.push(`- ${s.model}: ${s.reason.slice(0, 160)}`);
}
md.push('', '![instructions per inference](board-instructions.svg)', '');
writeFileSync(join(ROOT, 'bench/RESULTS.md'), `${md.join('\n')}\n`);

// ---- SVG: instructions per inference per model, log scale, one bar per board ----
const colors = ['#4e79a7', '#f28e2b', '#59a14f'];
const rowsOk = models.map((m) => ({ name: m.name, values: BOARD_NAMES.map((b) => boards[b].rows.find((x) => x.model === m.name)?.instructions ?? null) }));
const all = rowsOk.flatMap((r) => r.values).filter((v) => v);
const lo = 10 ** Math.floor(Math.log10(Math.min(...all))), hi = 10 ** Math.ceil(Math.log10(Math.max(...all)));
const left = 250, width = 560, barH = 9, gap = 8, top = 40;
const groupH = BOARD_NAMES.length * barH + gap;
const height = top + rowsOk.length * groupH + 40;
const x = (v) => left + (Math.log10(v / lo) / Math.log10(hi / lo)) * width;
const svg = [`<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 40}" height="${height}" font-family="sans-serif" font-size="11">`,
  `<rect width="100%" height="100%" fill="white"/>`,
  `<text x="${left}" y="16" font-size="13">Instructions per inference (log scale), QEMU -icount; ${BOARD_NAMES.map((b, i) => `<tspan fill="${colors[i]}">${b} (${BOARDS[b].cpu})</tspan>`).join(', ')}</text>`];
for (let d = lo; d <= hi; d *= 10) {
  svg.push(`<line x1="${x(d)}" y1="${top - 6}" x2="${x(d)}" y2="${height - 34}" stroke="#ddd"/>`, `<text x="${x(d)}" y="${height - 20}" text-anchor="middle">${d >= 1e6 ? `${d / 1e6}M` : d >= 1e3 ? `${d / 1e3}k` : d}</text>`);
}
rowsOk.forEach((r, i) => {
  const y0 = top + i * groupH;
  svg.push(`<text x="${left - 6}" y="${y0 + (BOARD_NAMES.length * barH) / 2 + 4}" text-anchor="end">${r.name}</text>`);
  r.values.forEach((v, k) => {
    if (!v) return;
    svg.push(`<rect x="${left}" y="${y0 + k * barH}" width="${(x(v) - left).toFixed(1)}" height="${barH - 1}" fill="${colors[k]}"><title>${r.name} on ${BOARD_NAMES[k]}: ${n(v)} instructions</title></rect>`);
    svg.push(`<text x="${(x(v) + 3).toFixed(1)}" y="${y0 + k * barH + barH - 1}" font-size="8">${n(v)}</text>`);
  });
});
svg.push('</svg>');
writeFileSync(join(ROOT, 'bench/board-instructions.svg'), `${svg.join('\n')}\n`);

console.log(md.join('\n'));
process.stderr.write(`bench: ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
