// The emulated boards: the runner firmware (hosts/mps2, XS and the C kernels on a Cortex-M4F and a
// Cortex-M7 in QEMU) gives the Node host's outputs for every shared model and input (integers
// exactly, float32 within test/support/compare.ts's tolerance), counts the same instructions on
// every run, stays within its flash budget, and reports a failing model in one line, as Node does;
// the hotword and gesture apps, fed their recordings as from a driver, detect what they do on Node.
// The firmware is built here (make -C hosts/mps2-an386 runner, ...) if it is missing or stale.
// Cost: the first build of both boards' firmware ~1.5 minutes on 2 cores; then about a minute
// of QEMU (hosts/mps2/README.md, "Tests").
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GesturePredictor, HotwordRecognizer, Interpreter, loadModel, type ExactWith, type TensorData, type XsmlError } from '../src/index.js';
import {
  BOARDS, bootFirmwareAsync, ensureFirmware, ensureFirmwareAsync, runOnBoardAsync, streamOnBoardAsync, type BoardBoot, type BoardRecording, type BoardRun, type BoardStreamBoot,
} from '../hosts/node/board-host.js';
import { readWav } from '../hosts/node/wav.js';
import { allCases } from './cases/index.js';
import { mismatch } from './support/compare.js';
import { ROOT, caseFiles } from './support/golden.js';
import { MODEL_CASES, MODELS_DIR } from './support/model-cases.js';

/** The firmware's flash (code, read-only data, byte code; no model) may not outgrow this. */
const FLASH_BUDGET_BYTES = 640 * 1024;
const BUILD_TIMEOUT = 900_000;
const BOOT_TIMEOUT = 300_000;

// Builds and boots run asynchronously: a first build takes minutes, a boot seconds, and the test
// worker must stay responsive meanwhile.
const boot = runOnBoardAsync;

interface Case {
  label: string;
  file: string;
  model: Uint8Array;
  inputs: Uint8Array[];
  exactWith: ExactWith;
}

const modelBytes = new Map<string, Uint8Array>();
const bytesOf = (file: string) => {
  if (!modelBytes.has(file)) modelBytes.set(file, new Uint8Array(readFileSync(join(MODELS_DIR, file))));
  return modelBytes.get(file)!;
};

/** Every shared model and input; runs of one model follow each other (the runner keeps its plan). */
function cases(exactWith: ExactWith, filter: (file: string) => boolean = () => true): Case[] {
  return MODEL_CASES.filter((m) => filter(m.file)).flatMap((m) => m.inputs.map((input) => ({
    label: `${m.file} ${input.label} (exact with ${exactWith})`, file: m.file, model: bytesOf(m.file), inputs: input.bytes(), exactWith,
  })));
}

const runOf = (c: Case, repeat = 1): BoardRun => ({
  name: c.file.slice(c.file.lastIndexOf('/') + 1), model: c.model, inputs: c.inputs, repeat, arenaBytes: null, exactWith: c.exactWith, profile: false,
});

function nodeOutputs(c: Case): { arenaBytes: number; outputs: TensorData[] } {
  const interp = new Interpreter(loadModel(c.model, c.file), { exactWith: c.exactWith });
  c.inputs.forEach((bytes, k) => {
    const v = interp.inputs[k].data;
    new Uint8Array(v.buffer, v.byteOffset, v.byteLength).set(bytes);
  });
  interp.invoke();
  return { arenaBytes: interp.plan.arenaBytes, outputs: interp.outputs.map((o) => o.data.slice()) };
}

/** Checks a board's result against Node's outputs. */
function expectNodeOutputs(c: Case, result: BoardBoot['results'][number]): void {
  if (!result.ok) throw new Error(`the board failed: ${result.error}`);
  const node = nodeOutputs(c);
  expect(result.json.arenaBytes).toBe(node.arenaBytes);
  expect(result.json.outputs.length).toBe(node.outputs.length);
  node.outputs.forEach((want, k) => {
    const got = result.json.outputs[k];
    expect(got.data.length).toBe(want.length);
    if (want instanceof Float32Array) {
      expect(mismatch(Float32Array.from(got.data), new Uint8Array(want.buffer, want.byteOffset, want.byteLength)), c.label).toBeNull();
    } else {
      expect(got.data, c.label).toEqual(Array.from(want));
    }
  });
  expect(result.json.instructions).toBeGreaterThan(0);
}

beforeAll(async () => {
  for (const board of Object.keys(BOARDS)) await ensureFirmwareAsync(board);
}, BUILD_TIMEOUT);

describe('mps2-an386 (Cortex-M4F): every shared model gives the Node host\'s outputs', () => {
  // Exact with TFLite for every model; with TFLM (double rounding) for the int8 ones too.
  const all = [...cases('tflite'), ...cases('tflm', (f) => !/float|no_quant|magic_wand/.test(f))];
  let results: BoardBoot['results'] = [];
  let log: string[] = [];
  beforeAll(async () => {
    ({ results, log } = await boot('mps2-an386', all.map((c) => runOf(c))));
  }, BOOT_TIMEOUT);
  all.forEach((c, i) => it(c.label, () => expectNodeOutputs(c, results[i])));

  it(`the firmware's flash is within its budget of ${FLASH_BUDGET_BYTES} bytes`, () => {
    const line = log.find((l) => l.startsWith('flash used: '));
    const flash = Number(/^flash used: (\d+) bytes/.exec(line ?? '')?.[1]);
    expect(line).toMatch(/models 0 bytes/); // the runner links no model: they come with the job
    expect(flash).toBeGreaterThan(100_000);
    expect(flash).toBeLessThanOrEqual(FLASH_BUDGET_BYTES);
  });
});

describe('mps2-an500 (Cortex-M7): a few models give the Node host\'s outputs', () => {
  const some = cases('tflite', (f) => /hello_world_float|magic_wand|micro_speech|ad01/.test(f));
  let results: BoardBoot['results'] = [];
  beforeAll(async () => {
    ({ results } = await boot('mps2-an500', some.map((c) => runOf(c))));
  }, BOOT_TIMEOUT);
  some.forEach((c, i) => it(c.label, () => expectNodeOutputs(c, results[i])));
});

/**
 * The one-op cases (test/cases) of the ops whose C kernels have Cortex-M code paths (DSP SIMD,
 * hand-scheduled assembly) or the FPU's: the only place those paths meet odd shapes, paddings,
 * strides and quantizations. Several boots, each within the LOAD region.
 */
describe('mps2-an386: the one-op cases of the ops with Cortex-M code paths give the Node host\'s outputs', () => {
  const OPS = ['conv_2d', 'depthwise_conv_2d', 'fully_connected', 'add', 'mul', 'average_pool_2d', 'max_pool_2d', 'softmax'];
  const all: Case[] = [...allCases()].filter(([op]) => OPS.includes(op)).flatMap(([op, cases]) => cases.flatMap((c, i) => {
    const files = caseFiles(`ops/${op}`, String(i), c.inputs.length, c.spec.outputs.length);
    const model = new Uint8Array(readFileSync(files.model));
    const inputs = files.inputs.map((f) => new Uint8Array(readFileSync(f)));
    return (['tflite', 'tflm'] as const).map((exactWith) => ({ label: `${op}#${i} ${c.name} (exact with ${exactWith})`, file: `${op}.${i}.tflite`, model, inputs, exactWith }));
  }));
  const results: BoardBoot['results'] = [];
  beforeAll(async () => {
    const board = BOARDS['mps2-an386'];
    for (let from = 0; from < all.length;) {
      let to = from, bytes = 0;
      while (to < all.length && to - from < 400 && bytes + all[to].model.byteLength * 2 < board.loadBytes / 2) bytes += all[to++].model.byteLength * 2;
      results.push(...(await boot(board.name, all.slice(from, to).map((c) => runOf(c)))).results);
      from = to;
    }
  }, BOOT_TIMEOUT);
  all.forEach((c, i) => it(c.label, () => {
    let node: Error | null = null;
    try { nodeOutputs(c); } catch (e) { node = e as Error; }
    if (node) {
      const r = results[i];
      expect(r.ok ? 'ran' : r.code, c.label).toBe((node as XsmlError).code);
    } else {
      expectNodeOutputs(c, results[i]);
    }
  }));
});

describe('mps2-an386: the apps over their recordings (hosts/mps2/apps/stream.ts) detect what they do on Node', () => {
  const tflm = (file: string) => bytesOf(`tflm/${file}`);
  const testdata = (file: string) => new Uint8Array(readFileSync(join(MODELS_DIR, 'tflm/testdata', file)));
  const recordings: BoardRecording[] = [
    ...['yes', 'no', 'silence', 'noise'].map((clip): BoardRecording => {
      const samples = readWav(join(MODELS_DIR, 'tflm/testdata', `${clip}_1000ms.wav`)).samples;
      return {
        app: 'hotword', name: `${clip}_1000ms.wav`, data: new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength),
        models: [tflm('audio_preprocessor_int8.tflite'), tflm('micro_speech_quantized.tflite')], exactWith: 'tflm',
      };
    }),
    ...['ring', 'slope'].map((g): BoardRecording => ({
      app: 'gesture', name: `magic_wand_${g}_128x3_f32.bin`, data: testdata(`magic_wand_${g}_128x3_f32.bin`), models: [tflm('magic_wand.tflite')], exactWith: 'tflm',
    })),
  ];
  const onNode = (r: BoardRecording) => {
    const model = (bytes: Uint8Array) => loadModel(bytes, r.name);
    if (r.app === 'hotword') {
      const app = new HotwordRecognizer(model(r.models[0]), model(r.models[1]), { interpreter: { exactWith: r.exactWith } });
      return [...app.push(new Int16Array(r.data.slice().buffer)), ...app.finish()];
    }
    return new GesturePredictor(model(r.models[0]), { interpreter: { exactWith: r.exactWith } }).push(new Float32Array(r.data.slice().buffer));
  };
  let boot: BoardStreamBoot;
  beforeAll(async () => {
    boot = await streamOnBoardAsync('mps2-an386', recordings);
  }, BOOT_TIMEOUT);
  recordings.forEach((r, i) => it(`${r.app}: ${r.name}`, () => {
    const result = boot.results[i];
    if (!result.ok) throw new Error(`the board failed: ${result.error}`);
    const node = onNode(r);
    expect(result.report.found.map((d) => [d.label, d.timeMs])).toEqual(node.map((d) => [d.label, d.timeMs]));
    result.report.found.forEach((d, k) => expect(Math.abs(d.score - node[k].score)).toBeLessThan(1e-5));
    // Each detection on the console with the instructions of its step and its share of the budget.
    expect(result.lines.length).toBe(node.length);
    result.lines.forEach((line) => expect(line).toMatch(/^(Heard|Gesture) \w+ \(score [\d.]+, at \d+ ms\) +[\d,]+ instructions \([\d.]+ ms\), [\d.]+% of the \d+ ms budget/));
    expect(result.report.inferences).toBe(r.app === 'hotword' ? 51 : r.name.includes('ring') ? 127 : 126);
    expect(result.report.memory.arenaBytes).toBeGreaterThan(0);
  }));
});

describe('mps2-an386: a script that fails stops the firmware cleanly, with a report and a status', () => {
  // hosts/mps2/apps: selftest.js passes, fail.js throws, overflow.js overflows the JS stack (an XS abort).
  const expected: [app: string, status: number, report: RegExp][] = [
    ['selftest', 0, /^memory: heap high-water \d+ of \d+ bytes/],
    ['fail', 1, /^xsml: error: TypeError: expected failure$/],
    ['overflow', 2, /^xsml: fatal: stack overflow \(JS stack or C stack\) \(XS exit 2\)$/],
  ];
  for (const [app, status, report] of expected) {
    it(`${app}.js: exit status ${status}`, async () => {
      const boot = await bootFirmwareAsync('mps2-an386', await ensureFirmwareAsync('mps2-an386', app), null, 120);
      expect(boot.status, boot.lines.join('\n')).toBe(status);
      expect([...boot.lines, ...boot.stderr.split('\n')]).toContainEqual(expect.stringMatching(report));
    }, BUILD_TIMEOUT);
  }
});

describe('instructions', () => {
  it('are exact to a few per inference, on every boot', async () => {
    const c = cases('tflite', (f) => f.endsWith('hello_world_int8.tflite'))[0];
    const job = [runOf(c, 1), runOf(c, 1), runOf(c, 16)];
    const [first, second] = await Promise.all([boot('mps2-an386', job), boot('mps2-an386', job)]);
    const counts = (b: BoardBoot) => b.results.map((r) => (r.ok ? r.json.instructions : NaN));
    // An inference costs the same instructions every time; a reading is exact to +-4 (where the
    // counter's tick falls in its loop: hosts/mps2/board/board.c), so a count to +-8, and the
    // console's output before it shifts those phases from boot to boot.
    counts(first).forEach((n, i) => expect(Math.abs(n - counts(second)[i])).toBeLessThanOrEqual(8));
    const [a, b, mean] = counts(first);
    expect(Math.abs(a - b)).toBeLessThanOrEqual(8);
    expect(Math.abs(mean - a)).toBeLessThanOrEqual(8);
    const json = first.results[2].ok ? first.results[2].json : null;
    expect(json!.invoke).toEqual({ repeat: 16, microseconds: expect.any(Number) });
    expect(json!.invoke.microseconds * 216).toBeCloseTo(json!.instructions, -1);
    expect(first.log).toContainEqual(expect.stringMatching(/^instruction counter: exact readings measure a loop of 2001 instructions as 200[0-8], of 20001 as 2000[0-8]$|^instruction counter: exact readings measure a loop of 2001 instructions as 199[4-9], of 20001 as 1999[4-9]$/));
  }, BOOT_TIMEOUT);
});

describe('xsml run --host mps2-an386', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/xsml.js'), ...args], { encoding: 'utf8' });

  it('prints the JSON of the Node host, plus the instructions per inference and a per-op profile', () => {
    const args = ['run', join(ROOT, 'models/tflm/magic_wand.tflite'), '--input', join(ROOT, 'models/tflm/testdata/magic_wand_ring_128x3_f32.bin'), '--json', '--repeat', '2'];
    const node = JSON.parse(cli(...args, '--host', 'node').stdout);
    const r = cli(...args, '--host', 'mps2-an386', '--profile');
    expect(r.status).toBe(0);
    const board = JSON.parse(r.stdout);
    expect(Object.keys(board)).toEqual([...Object.keys(node), 'instructions', 'profile']);
    expect(board.host).toBe('mps2-an386');
    expect({ ...board.outputs[0], data: null }).toEqual({ ...node.outputs[0], data: null });
    expect(mismatch(Float32Array.from(board.outputs[0].data), new Uint8Array(Float32Array.from(node.outputs[0].data).buffer))).toBeNull();
    expect(board.invoke.repeat).toBe(2);
    const plan = new Interpreter(loadModel(bytesOf('tflm/magic_wand.tflite'), 'magic_wand.tflite')).plan;
    expect(board.profile.map((p: { op: number; name: string }) => [p.op, p.name])).toEqual(plan.ops.map((op) => [op.index, op.name]));
    const ops = board.profile.reduce((n: number, p: { instructions: number }) => n + p.instructions, 0);
    expect(ops).toBeLessThanOrEqual(board.instructions);
    expect(ops).toBeGreaterThan(0.9 * board.instructions); // the rest: the JS side of invoke and the call
  }, BOOT_TIMEOUT);

  const failures: [what: string, args: string[], message: RegExp][] = [
    ['an arena too small', ['models/tflm/hello_world_float.tflite', '--arena-bytes', '16'],
      /^xsml: error: hello_world_float.tflite: arena of 16 bytes is too small: the model needs 128 bytes\n$/],
    ['an unsupported operator', ['models/tflm/keyword_scrambled.tflite'],
      /^xsml: error: keyword_scrambled.tflite: 7 unsupported operators: op #1 SVDF \(version 3\)[^\n]*\n$/],
    ['bytes that are not a model', ['models/tflm/testdata/person_96x96.raw'],
      /^xsml: error: person_96x96.raw: not a TFLite \("TFL3"\) or Circle \("CIR0"\) model[^\n]*\n$/],
  ];
  for (const [what, args, message] of failures) {
    it(`reports ${what} in one line, from the board`, () => {
      const r = cli('run', ...args.map((a, i) => (i === 0 ? join(ROOT, a) : a)), '--host', 'mps2-an386');
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
    }, BOOT_TIMEOUT);
  }

  it('gives the API the error codes the board raised', async () => {
    const run = (name: string, model: Uint8Array, arenaBytes: number | null): BoardRun => ({ name, model, inputs: [], repeat: 1, arenaBytes, exactWith: 'tflite', profile: false });
    const { results } = await boot('mps2-an386', [run('hello_world_float.tflite', bytesOf('tflm/hello_world_float.tflite'), 16), run('zeros.tflite', new Uint8Array(64), null)]);
    expect(results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ARENA_TOO_SMALL', 'MALFORMED_MODEL']);
  }, BOOT_TIMEOUT);

  it('the firmware is the one ensureFirmware keeps up to date', () => {
    expect(ensureFirmware('mps2-an386')).toMatch(/build\/mps2\/mps2-an386\/Os\/runner\.elf$/);
  });
});
